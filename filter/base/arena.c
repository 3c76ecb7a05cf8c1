/*
 * arena.c - chunked bump allocator.
 *
 * Invariants: chunks form a singly linked list with the current chunk first;
 * reset frees every chunk but the oldest (the base chunk), so a run of small
 * resources never touches malloc; "used" counts requested bytes since reset.
 */
#include "arena.h"
#include "alloc.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct chunk {
    struct chunk *prev;
    size_t cap, pos;
    _Alignas(16) unsigned char data[];
} chunk;

struct s4s_arena {
    chunk *cur;
    size_t chunk_size;
    size_t used;
};

static chunk *chunk_new(size_t cap, chunk *prev)
{
    chunk *c = s4s_xmalloc(sizeof *c + cap);
    c->prev = prev;
    c->cap = cap;
    c->pos = 0;
    return c;
}

s4s_arena *s4s_arena_new(size_t chunk_size)
{
    s4s_arena *a = s4s_xcalloc(1, sizeof *a);
    s4s_oom_hold h; /* freed if the first chunk cannot be allocated */
    s4s_oom_push(&h, a, free);
    a->chunk_size = chunk_size ? chunk_size : 64 * 1024;
    a->cur = chunk_new(a->chunk_size, NULL);
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
    while (a->cur->prev) {
        chunk *p = a->cur->prev;
        free(a->cur);
        a->cur = p;
    }
    a->cur->pos = 0;
    a->used = 0;
}

void *s4s_arena_alloc(s4s_arena *a, size_t n)
{
    size_t need = (n + 7) & ~(size_t)7;
    if (need < n)
        need = SIZE_MAX; /* overflow: let xmalloc fail loudly */
    if (a->cur->cap - a->cur->pos < need) {
        size_t cap = need > a->chunk_size ? need : a->chunk_size;
        a->cur = chunk_new(cap, a->cur);
    }
    void *p = a->cur->data + a->cur->pos;
    a->cur->pos += need;
    a->used += need;
    return p;
}

void *s4s_arena_zalloc(s4s_arena *a, size_t n)
{
    return memset(s4s_arena_alloc(a, n), 0, n);
}

char *s4s_arena_strndup(s4s_arena *a, const char *s, size_t n)
{
    char *d = s4s_arena_alloc(a, n + 1);
    if (n)
        memcpy(d, s, n);
    d[n] = '\0';
    return d;
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

size_t s4s_arena_used(const s4s_arena *a) { return a->used; }
