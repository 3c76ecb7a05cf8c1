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
#include <stdint.h>

#include <string.h>

/* Visible so that a bump inlines (the parser allocates every node and
 * string of every resource); only arena.c touches the fields. */
typedef struct s4s_arena {
    struct s4s_arena_chunk *cur;
    unsigned char *next, *end; /* the free part of cur */
    size_t chunk_size;
    size_t used;
} s4s_arena;

s4s_arena *s4s_arena_new(size_t chunk_size);
void       s4s_arena_free(s4s_arena *a);
void       s4s_arena_reset(s4s_arena *a);            /* keeps the first chunk */
void      *s4s_arena_grow(s4s_arena *a, size_t need); /* s4s_arena_alloc's new chunk */
void      *s4s_arena_zalloc(s4s_arena *a, size_t n); /* zeroed */
char      *s4s_arena_printf(s4s_arena *a, const char *fmt, ...)
               __attribute__((format(printf, 2, 3)));

/* 8-byte aligned, uninitialised */
static inline void *s4s_arena_alloc(s4s_arena *a, size_t n)
{
    size_t need = (n + 7) & ~(size_t)7;
    if (need < n || (size_t)(a->end - a->next) < need)
        return s4s_arena_grow(a, need < n ? SIZE_MAX : need); /* SIZE_MAX: fails loudly */
    void *p = a->next;
    a->next += need;
    a->used += need;
    return p;
}

/* NUL-terminated copy */
static inline char *s4s_arena_strndup(s4s_arena *a, const char *s, size_t n)
{
    char *d = s4s_arena_alloc(a, n + 1);
    if (n)
        memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

/* bytes handed out since reset */
static inline size_t s4s_arena_used(const s4s_arena *a) { return a->used; }

#endif
