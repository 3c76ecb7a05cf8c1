/*
 * counter.c - bounded string-keyed counting.
 *
 * Invariants: the table is at most half full (rehash doubles it); len never
 * exceeds max_keys + 1 (the "(other)" bucket).
 */
#include "counter.h"
#include "alloc.h"
#include "jsonw.h"

#include <stdlib.h>
#include <string.h>

void s4s_counter_init(s4s_counter *c, size_t max_keys)
{
    c->len = 0;
    c->max_keys = max_keys;
    /* empty until the table exists: s4s_counter_free() walks cap slots */
    c->cap = 0;
    c->tab = NULL;
    c->tab = s4s_xcalloc(64, sizeof *c->tab);
    c->cap = 64;
}

void s4s_counter_free(s4s_counter *c)
{
    for (size_t i = 0; i < c->cap; i++)
        free(c->tab[i].key);
    free(c->tab);
    c->tab = NULL;
    c->cap = c->len = 0;
}

static uint64_t hash(const char *k, size_t n)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)k[i]) * 1099511628211ull;
    return h;
}

static s4s_counter_ent *slot(s4s_counter_ent *tab, size_t cap, const char *k, size_t n)
{
    size_t i = hash(k, n) & (cap - 1);
    while (tab[i].key && !(strlen(tab[i].key) == n && memcmp(tab[i].key, k, n) == 0))
        i = (i + 1) & (cap - 1);
    return &tab[i];
}

s4s_counter_ent *s4s_counter_add(s4s_counter *c, const char *key, size_t klen, int which, uint64_t by)
{
    s4s_counter_ent *e = slot(c->tab, c->cap, key, klen);
    if (!e->key) {
        if (c->len >= c->max_keys) {
            key = "(other)";
            klen = 7;
            e = slot(c->tab, c->cap, key, klen);
        }
        if (!e->key) {
            if ((c->len + 1) * 2 > c->cap) {
                size_t ncap = c->cap * 2;
                s4s_counter_ent *nt = s4s_xcalloc(ncap, sizeof *nt);
                for (size_t i = 0; i < c->cap; i++)
                    if (c->tab[i].key)
                        *slot(nt, ncap, c->tab[i].key, strlen(c->tab[i].key)) = c->tab[i];
                free(c->tab);
                c->tab = nt;
                c->cap = ncap;
                e = slot(c->tab, c->cap, key, klen);
            }
            e->key = s4s_xstrndup(key, klen);
            c->len++;
        }
    }
    e->n[which] += by;
    return e;
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
    for (size_t i = 0; i < c->cap; i++)
        if (c->tab[i].key)
            v[k++] = &c->tab[i];
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
