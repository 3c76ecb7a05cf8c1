/*
 * hash.c - the open-addressing hash index (linear probing).
 *
 * Invariants: len * 2 <= cap after every add; cap is a power of two.
 */
#include "hash.h"
#include "alloc.h"

#include <stdlib.h>
#include <string.h>

void s4s_hidx_init(s4s_hidx *x, size_t min_cap)
{
    size_t cap = 16;
    while (cap < min_cap)
        cap *= 2;
    x->slots = s4s_xcalloc(cap, sizeof *x->slots);
    x->cap = cap;
    x->len = 0;
}

void s4s_hidx_free(s4s_hidx *x)
{
    free(x->slots);
    x->slots = NULL;
    x->cap = x->len = 0;
}

void s4s_hidx_reset(s4s_hidx *x)
{
    memset(x->slots, 0, x->cap * sizeof *x->slots);
    x->len = 0;
}

int64_t s4s_hidx_find(const s4s_hidx *x, uint64_t h, s4s_hidx_eq eq, const void *ctx,
                      const void *key, size_t klen)
{
    size_t m = x->cap - 1, i = h & m;
    for (; x->slots[i].idx1; i = (i + 1) & m)
        if (x->slots[i].h == (uint32_t)h && eq(ctx, x->slots[i].idx1 - 1, key, klen))
            return (int64_t)x->slots[i].idx1 - 1;
    return -1;
}

static void put(s4s_hidx_slot *slots, size_t cap, uint32_t h, uint32_t idx1)
{
    size_t i = h & (cap - 1);
    while (slots[i].idx1)
        i = (i + 1) & (cap - 1);
    slots[i].idx1 = idx1;
    slots[i].h = h;
}

void s4s_hidx_add(s4s_hidx *x, uint64_t h, uint32_t idx)
{
    if ((x->len + 1) * 2 > x->cap) {
        size_t ncap = x->cap * 2;
        s4s_hidx_slot *ns = s4s_xcalloc(ncap, sizeof *ns);
        for (size_t i = 0; i < x->cap; i++)
            if (x->slots[i].idx1)
                put(ns, ncap, x->slots[i].h, x->slots[i].idx1);
        free(x->slots);
        x->slots = ns;
        x->cap = ncap;
    }
    put(x->slots, x->cap, (uint32_t)h, idx + 1);
    x->len++;
}
