/*
 * alloc.c - checked allocation with a single out-of-memory path.
 *
 * Invariant: no function here returns NULL; allocation failure always ends in
 * the installed handler, which does not return.
 */
#include "alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void default_oom(size_t wanted)
{
    fprintf(stderr, "s4s: out of memory (allocating %zu bytes)\n", wanted);
    exit(2);
}

static s4s_oom_fn oom_handler = default_oom;

void s4s_set_oom_handler(s4s_oom_fn fn)
{
    oom_handler = fn ? fn : default_oom;
}

static void *checked(void *p, size_t n)
{
    if (!p && n) {
        oom_handler(n);
        abort(); /* a handler that returns is a bug */
    }
    return p;
}

void *s4s_xmalloc(size_t n)              { return checked(malloc(n ? n : 1), n ? n : 1); }
void *s4s_xcalloc(size_t n, size_t size) { return checked(calloc(n ? n : 1, size ? size : 1), n * size + 1); }
void *s4s_xrealloc(void *p, size_t n)    { return checked(realloc(p, n ? n : 1), n ? n : 1); }

char *s4s_xstrndup(const char *s, size_t n)
{
    char *d = s4s_xmalloc(n + 1);
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

char *s4s_xstrdup(const char *s) { return s4s_xstrndup(s, strlen(s)); }
