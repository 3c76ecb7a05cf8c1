/*
 * counter.c - bounded string-keyed counting.
 *
 * Invariants: len never exceeds max_keys + 1 (the "(other)" bucket); every
 * entry is in the index exactly once.
 */
#include "counter.h"
#include "alloc.h"
#include "jsonw.h"

#include <stdlib.h>
#include <string.h>

void s4s_counter_init(s4s_counter *c, size_t max_keys)
{
    c->len = 0;
    c->ent_cap = 16;
    c->max_keys = max_keys;
    /* safe to free at every point: an allocation may unwind (alloc.h) */
    c->ent = NULL;
    c->idx.slots = NULL;
    c->idx.cap = c->idx.len = 0;
    c->ent = s4s_xcalloc(c->ent_cap, sizeof *c->ent);
    s4s_hidx_init(&c->idx, 64);
}

void s4s_counter_free(s4s_counter *c)
{
    for (size_t i = 0; i < c->len; i++)
        free(c->ent[i].key);
    free(c->ent);
    s4s_hidx_free(&c->idx);
    c->ent = NULL;
    c->len = c->ent_cap = 0;
}

static bool key_eq(const void *ctx, uint32_t i, const void *key, size_t klen)
{
    const char *k = ((const s4s_counter *)ctx)->ent[i].key;
    return strlen(k) == klen && memcmp(k, key, klen) == 0;
}

static s4s_counter_ent *find_or_add(s4s_counter *c, const char *key, size_t klen, bool may_add)
{
    uint64_t h = s4s_hash(key, klen, S4S_HASH_SEED);
    int64_t i = s4s_hidx_find(&c->idx, h, key_eq, c, key, klen);
    if (i >= 0)
        return &c->ent[i];
    if (!may_add)
        return NULL;
    if (c->len == c->ent_cap) {
        c->ent_cap *= 2;
        c->ent = s4s_xrealloc(c->ent, c->ent_cap * sizeof *c->ent);
    }
    s4s_counter_ent *e = &c->ent[c->len];
    memset(e, 0, sizeof *e);
    e->key = s4s_xstrndup(key, klen);
    c->len++; /* counted before the index grows, so free() finds the key */
    s4s_hidx_add(&c->idx, h, (uint32_t)(c->len - 1));
    return e;
}

s4s_counter_ent *s4s_counter_add(s4s_counter *c, const char *key, size_t klen, int which, uint64_t by)
{
    s4s_counter_ent *e = find_or_add(c, key, klen, c->len < c->max_keys);
    if (!e)
        e = find_or_add(c, "(other)", 7, true);
    e->n[which] += by;
    return e;
}

void s4s_counter_merge(s4s_counter *into, const s4s_counter *from)
{
    for (size_t i = 0; i < from->len; i++)
        for (int w = 0; w < 3; w++)
            if (from->ent[i].n[w] || !w)
                s4s_counter_add(into, from->ent[i].key, strlen(from->ent[i].key), w, from->ent[i].n[w]);
}

static int cmp(const void *a, const void *b, void *arg)
{
    const s4s_counter_ent *x = *(s4s_counter_ent *const *)a, *y = *(s4s_counter_ent *const *)b;
    int w = *(const int *)arg;
    if (x->n[w] != y->n[w])
        return x->n[w] < y->n[w] ? 1 : -1;
    return strcmp(x->key, y->key);
}

s4s_counter_ent **s4s_counter_sorted(const s4s_counter *c, int which, size_t *n)
{
    s4s_counter_ent **v = s4s_xmalloc((c->len + 1) * sizeof *v);
    size_t k = 0;
    for (size_t i = 0; i < c->len; i++)
        v[k++] = &c->ent[i];
    qsort_r(v, k, sizeof *v, cmp, &which);
    *n = k;
    return v;
}

void s4s_counter_write(const s4s_counter *c, s4s_jw *w, const char *key)
{
    size_t n;
    s4s_counter_ent **v = s4s_counter_sorted(c, 0, &n);
    s4s_oom_hold h; /* the writer's buffer may grow */
    s4s_oom_push(&h, v, free);
    s4s_jw_key(w, key);
    s4s_jw_obj(w);
    for (size_t i = 0; i < n; i++)
        s4s_jw_kuint(w, v[i]->key, v[i]->n[0]);
    s4s_jw_obj_end(w);
    s4s_oom_pop(&h);
    free(v);
}
