/*
 * alloc.h - checked allocation: out-of-memory is handled in exactly one place.
 *
 * s4s_xmalloc() and friends never return NULL.  On failure they call the OOM
 * handler, which by default prints one line and exits with status 2 (as
 * redis's zmalloc does).  Fuzzers and tests may install their own handler;
 * a handler must not return.
 * Ownership: memory from these functions is released with free().
 */
#ifndef S4S_ALLOC_H
#define S4S_ALLOC_H
#include <stddef.h>

typedef void (*s4s_oom_fn)(size_t wanted);

void  s4s_set_oom_handler(s4s_oom_fn fn);
void *s4s_xmalloc(size_t n);
void *s4s_xcalloc(size_t n, size_t size);
void *s4s_xrealloc(void *p, size_t n);
char *s4s_xstrdup(const char *s);
char *s4s_xstrndup(const char *s, size_t n);

#endif
