/*
 * node.c - reading, building and naming nodes of the resource tree.
 *
 * Invariants: parent/first/last/next links are always consistent; nkids
 * counts every child ever appended (removed ones too, which keep their
 * index); array items carry their index at append time.  Removed nodes stay
 * linked but are skipped by every reader here and by the writer.
 */
#include "node.h"
#include "bits.h"

#include <stdio.h>
#include <string.h>

s4s_node *s4s_getn(const s4s_node *obj, const char *key, size_t kl)
{
    if (!obj || obj->type != S4S_J_OBJECT)
        return NULL;
    /* the first byte settles most mismatches; names are short: word
     * compares, not a memcmp call */
    for (s4s_node *c = obj->first; c; c = c->next)
        if (c->klen == kl && (kl == 0 || c->key[0] == key[0]) && !(c->flags & S4S_NF_REMOVED) &&
            s4s_short_eq(c->key, key, kl))
            return c;
    return NULL;
}

s4s_node *s4s_at(const s4s_node *arr, uint32_t i)
{
    if (!arr || arr->type != S4S_J_ARRAY)
        return NULL;
    for (s4s_node *c = arr->first; c; c = c->next)
        if (!(c->flags & S4S_NF_REMOVED) && i-- == 0)
            return c;
    return NULL;
}

s4s_node *s4s_node_new(s4s_arena *a, s4s_jtype t, const char *key, size_t klen,
                       const char *val, size_t vlen)
{
    s4s_node *n = s4s_arena_zalloc(a, sizeof *n);
    n->type = (uint8_t)t;
    if (key) {
        n->key = s4s_arena_strndup(a, key, klen);
        n->klen = (uint32_t)klen;
    }
    if (val) {
        n->str = s4s_arena_strndup(a, val, vlen);
        n->len = (uint32_t)vlen;
    }
    return n;
}

void s4s_node_insert_after(s4s_node *ref, s4s_node *child)
{
    s4s_node *p = ref->parent;
    child->parent = p;
    child->next = ref->next;
    ref->next = child;
    if (p->last == ref)
        p->last = child;
    p->nkids++;
    if (p->type == S4S_J_ARRAY) {
        /* renumber the items that follow: indices name live positions */
        uint32_t i = ref->index + 1;
        for (s4s_node *c = child; c; c = c->next)
            c->index = i++;
    }
}

void s4s_node_set(s4s_arena *a, s4s_node *n, s4s_jtype t, const char *val, size_t vlen)
{
    n->type = (uint8_t)t;
    n->str = val ? s4s_arena_strndup(a, val, vlen) : NULL;
    n->len = val ? (uint32_t)vlen : 0;
    n->first = n->last = NULL;
    n->nkids = 0;
}

s4s_node *s4s_node_clone(s4s_arena *a, const s4s_node *n)
{
    s4s_node *c = s4s_node_new(a, (s4s_jtype)n->type, n->key, n->klen, n->str, n->len);
    c->off = n->off;
    c->flags = n->flags & S4S_NF_REMOVED;
    for (s4s_node *k = n->first; k; k = k->next)
        s4s_node_append(c, s4s_node_clone(a, k));
    return c;
}

const char *s4s_node_path(s4s_arena *a, const s4s_node *n, const char *root_type)
{
    /* collect ancestry root-first; depth is bounded by --max-depth */
    const s4s_node *chain[512];
    size_t depth = 0;
    for (const s4s_node *c = n; c && c->parent && depth < 512; c = c->parent)
        chain[depth++] = c;
    size_t len = strlen(root_type ? root_type : "Resource");
    for (size_t i = 0; i < depth; i++)
        len += chain[i]->klen + 16;
    char *out = s4s_arena_alloc(a, len + 1), *o = out;
    o = stpcpy(o, root_type ? root_type : "Resource");
    while (depth--) {
        const s4s_node *c = chain[depth];
        if (c->key) {
            *o++ = '.';
            memcpy(o, c->key, c->klen);
            o += c->klen;
        } else {
            o += sprintf(o, "[%u]", c->index);
        }
    }
    *o = '\0';
    return out;
}
