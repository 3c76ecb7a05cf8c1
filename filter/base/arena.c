/*
 * arena.c - chunked bump allocator.
 *
 * Invariants: chunks form a singly linked list with the current chunk first;
 * next..end is the current chunk's free part (the inline s4s_arena_alloc
 * bumps next; s4s_arena_grow starts a chunk when it does not fit); reset
 * frees every chunk but the oldest (the base chunk), so a run of small
 * resources never touches malloc; "used" counts requested bytes since reset.
 */
#include "arena.h"
#include "alloc.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* cap bytes of data; while a chunk is current, the arena's next..end is
 * its free part */
typedef struct s4s_arena_chunk {
    struct s4s_arena_chunk *prev;
    size_t cap;
    _Alignas(16) unsigned char data[];
} chunk;

static void use_chunk(s4s_arena *a, chunk *c)
{
    a->cur = c;
    a->next = c->data;
    a->end = c->data + c->cap;
}

static chunk *chunk_new(size_t cap, chunk *prev)
{
    /* a size that would wrap asks for SIZE_MAX, which fails loudly */
    chunk *c = s4s_xmalloc(cap > SIZE_MAX - sizeof *c ? SIZE_MAX : sizeof *c + cap);
    c->prev = prev;
    c->cap = cap;
    return c;
}

s4s_arena *s4s_arena_new(size_t chunk_size)
{
    s4s_arena *a = s4s_xcalloc(1, sizeof *a);
    s4s_oom_hold h; /* freed if the first chunk cannot be allocated */
    s4s_oom_push(&h, a, free);
    a->chunk_size = chunk_size ? chunk_size : 64 * 1024;
    use_chunk(a, chunk_new(a->chunk_size, NULL));
    s4s_oom_pop(&h);
    return a;
}

void s4s_arena_free(s4s_arena *a)
{
    if (!a)
        return;
    for (chunk *c = a->cur, *p; c; c = p) {
        p = c->prev;
        free(c);
    }
    free(a);
}

void s4s_arena_reset(s4s_arena *a)
{
    chunk *c = a->cur;
    while (c->prev) {
        chunk *p = c->prev;
        free(c);
        c = p;
    }
    use_chunk(a, c);
    a->used = 0;
}

void *s4s_arena_grow(s4s_arena *a, size_t need)
{
    size_t cap = need > a->chunk_size ? need : a->chunk_size;
    use_chunk(a, chunk_new(cap, a->cur));
    void *p = a->next;
    a->next += need;
    a->used += need;
    return p;
}

void *s4s_arena_zalloc(s4s_arena *a, size_t n)
{
    return memset(s4s_arena_alloc(a, n), 0, n);
}

char *s4s_arena_printf(s4s_arena *a, const char *fmt, ...)
{
    char small[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0)
        n = 0;
    if ((size_t)n < sizeof small)
        return s4s_arena_strndup(a, small, (size_t)n);
    char *d = s4s_arena_alloc(a, (size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(d, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return d;
}

