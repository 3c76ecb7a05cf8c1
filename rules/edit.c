/*
 * edit.c - the edit API: every change to a resource goes through here and
 * is recorded as a repair, so nothing changes silently.
 *
 * Invariants: each s4s_edit_* call records exactly one repair (the _noecho
 * variant records kind and path but never the values; the _tallied one
 * counts, and its caller records the count as one repair); inserted
 * nodes are flagged S4S_NF_INSERTED, changed ones S4S_NF_EDITED, removed
 * ones S4S_NF_REMOVED (kept linked so indices of siblings stay stable); an
 * insert, move or removal marks the tree reshaped, so s4s_rctx_each_ref
 * walks it instead of trusting the parser's list of references; every
 * node flagged S4S_NF_EDITED is in rc->edits once (or edits_over is set).
 */
#include "rule.h"

#include <string.h>
#include <yajl/yajl_tree.h>

void s4s_edit_mark(s4s_rctx *rc, s4s_node *n)
{
    if (n->flags & S4S_NF_EDITED)
        return; /* listed when first edited */
    n->flags |= S4S_NF_EDITED;
    if (rc->edits_over)
        return;
    if (rc->nedits == S4S_EDITS_MAX) {
        rc->edits_over = true;
        return;
    }
    if (!rc->edits)
        rc->edits = s4s_arena_alloc(rc->arena, S4S_EDITS_MAX * sizeof *rc->edits);
    rc->edits[rc->nedits++] = n;
}

void s4s_edit_set_str(s4s_rctx *rc, s4s_node *n, const char *val, size_t len,
                      const char *kind, const char *why)
{
    const char *old = n->type == S4S_J_STRING ? n->str : NULL;
    s4s_node_set(rc->arena, n, S4S_J_STRING, val, len);
    s4s_edit_mark(rc, n);
    s4s_repair(rc, n, kind, old, n->str, "%s", why);
}

void s4s_edit_set_str_noecho(s4s_rctx *rc, s4s_node *n, const char *val, size_t len,
                             const char *kind, const char *why)
{
    s4s_node_set(rc->arena, n, S4S_J_STRING, val, len);
    s4s_edit_mark(rc, n);
    s4s_repair(rc, n, kind, NULL, NULL, "%s", why);
}

void s4s_edit_set_str_tallied(s4s_rctx *rc, s4s_node *n, const char *val, size_t len,
                              unsigned *tally)
{
    s4s_node_set(rc->arena, n, S4S_J_STRING, val, len);
    s4s_edit_mark(rc, n);
    (*tally)++;
}

void s4s_edit_set_num(s4s_rctx *rc, s4s_node *n, const char *lexeme,
                      const char *kind, const char *why)
{
    const char *old = n->type == S4S_J_NUMBER ? n->str : NULL;
    s4s_node_set(rc->arena, n, S4S_J_NUMBER, lexeme, strlen(lexeme));
    s4s_edit_mark(rc, n);
    s4s_repair(rc, n, kind, old, n->str, "%s", why);
}

s4s_node *s4s_edit_add_str(s4s_rctx *rc, s4s_node *obj, const char *key,
                           const char *val, const char *kind, const char *why)
{
    rc->reshaped = true;
    s4s_node *n = s4s_node_new(rc->arena, S4S_J_STRING, key, strlen(key), val, strlen(val));
    n->flags |= S4S_NF_INSERTED;
    s4s_node_append(obj, n);
    s4s_repair(rc, n, kind, NULL, val, "%s", why);
    return n;
}

void s4s_edit_remove(s4s_rctx *rc, s4s_node *n, const char *kind, const char *why)
{
    rc->reshaped = true;
    n->flags |= S4S_NF_REMOVED;
    s4s_repair(rc, n, kind, n->type == S4S_J_STRING ? n->str : NULL, NULL, "%s", why);
}

/* yajl's DOM to our tree; numbers keep their lexeme (yajl keeps it in r) */
static s4s_node *from_yajl(s4s_arena *a, yajl_val v, const char *key, size_t klen)
{
    s4s_node *n;
    switch (v->type) {
    case yajl_t_string:
        n = s4s_node_new(a, S4S_J_STRING, key, klen, v->u.string, strlen(v->u.string));
        break;
    case yajl_t_number:
        n = s4s_node_new(a, S4S_J_NUMBER, key, klen, v->u.number.r, strlen(v->u.number.r));
        break;
    case yajl_t_true:  n = s4s_node_new(a, S4S_J_TRUE, key, klen, NULL, 0); break;
    case yajl_t_false: n = s4s_node_new(a, S4S_J_FALSE, key, klen, NULL, 0); break;
    case yajl_t_object:
        n = s4s_node_new(a, S4S_J_OBJECT, key, klen, NULL, 0);
        for (size_t i = 0; i < v->u.object.len; i++)
            s4s_node_append(n, from_yajl(a, v->u.object.values[i], v->u.object.keys[i],
                                         strlen(v->u.object.keys[i])));
        break;
    case yajl_t_array:
        n = s4s_node_new(a, S4S_J_ARRAY, key, klen, NULL, 0);
        for (size_t i = 0; i < v->u.array.len; i++)
            s4s_node_append(n, from_yajl(a, v->u.array.values[i], NULL, 0));
        break;
    default:
        n = s4s_node_new(a, S4S_J_NULL, key, klen, NULL, 0);
        break;
    }
    n->flags |= S4S_NF_INSERTED;
    return n;
}

s4s_node *s4s_edit_insert_json(s4s_rctx *rc, s4s_node *parent, s4s_node *ref,
                               const char *key, const char *json,
                               const char *kind, const char *why)
{
    yajl_val v = yajl_tree_parse(json, NULL, 0);
    if (!v)
        return NULL;
    rc->reshaped = true;
    s4s_node *n = from_yajl(rc->arena, v, key, key ? strlen(key) : 0);
    yajl_tree_free(v);
    if (ref)
        s4s_node_insert_after(ref, n);
    else
        s4s_node_append(parent, n);
    s4s_repair(rc, n, kind, NULL, NULL, "%s", why);
    return n;
}

s4s_node *s4s_edit_insert_copy(s4s_rctx *rc, s4s_node *ref, const s4s_node *src,
                               const char *kind, const char *why)
{
    rc->reshaped = true;
    s4s_node *n = s4s_node_clone(rc->arena, src);
    n->flags |= S4S_NF_INSERTED;
    s4s_node_insert_after(ref, n);
    s4s_repair(rc, n, kind, NULL, NULL, "%s", why);
    return n;
}

s4s_node *s4s_edit_move(s4s_rctx *rc, s4s_node *n, s4s_node *to, s4s_node *ref,
                        const char *key, const char *kind, const char *why)
{
    rc->reshaped = true;
    s4s_node *c = s4s_node_clone(rc->arena, n);
    c->key = key ? s4s_arena_strndup(rc->arena, key, strlen(key)) : NULL;
    c->klen = key ? (uint32_t)strlen(key) : 0;
    c->flags |= S4S_NF_INSERTED;
    if (ref)
        s4s_node_insert_after(ref, c);
    else
        s4s_node_append(to, c);
    n->flags |= S4S_NF_REMOVED;
    s4s_repair(rc, c, kind, NULL, NULL, "%s", why);
    return c;
}

static bool is_ref(const s4s_node *c)
{
    return c->type == S4S_J_STRING && c->klen == 9 && !memcmp(c->key, "reference", 9);
}

/* false: fn asked to stop */
static bool walk_refs(s4s_node *n, bool (*fn)(void *u, s4s_node *ref), void *u)
{
    S4S_EACH(c, n) {
        if (c->type == S4S_J_OBJECT || c->type == S4S_J_ARRAY) {
            if (!walk_refs(c, fn, u))
                return false;
        } else if (is_ref(c) && !fn(u, c)) {
            return false;
        }
    }
    return true;
}

void s4s_rctx_each_ref(s4s_rctx *rc, bool (*fn)(void *u, s4s_node *ref), void *u)
{
    if (!rc->refs_listed || rc->reshaped) {
        walk_refs(rc->root, fn, u);
        return;
    }
    for (uint32_t i = 0; i < rc->nrefs; i++) {
        s4s_node *c = rc->refs[i];
        if (!(c->flags & S4S_NF_REMOVED) && is_ref(c) && !fn(u, c))
            return;
    }
}
