/*
 * arena.h - bump allocator for one resource at a time.
 *
 * A resource's tree, its copied strings and its issues live in one arena that
 * is reset after the resource is written, so steady-state memory is the
 * largest resource seen, not the input.  Allocation never fails (OOM goes to
 * s4s_oom); callers that build from untrusted input enforce the budget by
 * checking s4s_arena_used() against their cap.
 * Ownership: the arena owns everything it hands out; nothing is freed
 * individually.  s4s_arena_reset() invalidates every pointer it returned.
 */
#ifndef S4S_ARENA_H
#define S4S_ARENA_H
#include <stddef.h>

typedef struct s4s_arena s4s_arena;

s4s_arena *s4s_arena_new(size_t chunk_size);
void       s4s_arena_free(s4s_arena *a);
void       s4s_arena_reset(s4s_arena *a);            /* keeps the first chunk */
void      *s4s_arena_alloc(s4s_arena *a, size_t n);  /* 8-byte aligned, uninitialised */
void      *s4s_arena_zalloc(s4s_arena *a, size_t n); /* zeroed */
char      *s4s_arena_strndup(s4s_arena *a, const char *s, size_t n); /* NUL-terminated copy */
char      *s4s_arena_printf(s4s_arena *a, const char *fmt, ...)
               __attribute__((format(printf, 2, 3)));
size_t     s4s_arena_used(const s4s_arena *a);       /* bytes handed out since reset */

#endif
