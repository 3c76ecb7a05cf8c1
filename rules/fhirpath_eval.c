/*
 * fhirpath_eval.c - evaluation: navigation over the resource tree with the
 * R4 type model, the operators, equality/equivalence/ordering, and the
 * compile/eval entry points.
 *
 * Invariants: every collection and value is allocated from env->arena;
 * an empty operand propagates as an empty result (except where FHIRPath
 * says otherwise: and/or/implies, `&`, `in`/`contains` with an empty
 * collection on the right); a runtime error sets env->err once and the
 * rest of the evaluation only unwinds; env->budget bounds the work of one
 * evaluation, so no expression (repeat, descendants) can run away.
 */
#include "fhirpath_int.h"

#include <pthread.h>
#include <stdarg.h>
#include <string.h>
#include "tables/fhir_r4.h"
#include "refs.h"

#define DEFAULT_BUDGET 4000000u

/* --- collections and errors ---------------------------------------------- */

void fp_fail(s4s_fp_env *env, const fp_ast *e, const char *fmt, ...)
{
    if (env->err[0]) return;
    char m[S4S_FP_ERR - 24];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m, sizeof m, fmt, ap);
    va_end(ap);
    if (e) snprintf(env->err, sizeof env->err, "%s at position %u", m, (unsigned)e->pos);
    else snprintf(env->err, sizeof env->err, "%s", m);
}

void fp_push_slow(s4s_fp_env *env, s4s_fp_coll *c, const fp_val *v)
{
    if (env->budget == 0) {
        fp_fail(env, NULL, "evaluation too costly");
        return;
    }
    env->budget--;
    /* most collections hold one item; those that grow often grow large */
    uint32_t cap = c->cap ? (c->cap < 8 ? 8 : c->cap * 2) : 1;
    fp_val *nv = s4s_arena_alloc(env->arena, cap * sizeof *nv);
    if (c->n) memcpy(nv, c->v, c->n * sizeof *nv);
    c->v = nv;
    c->cap = cap;
    c->v[c->n++] = *v;
}

void fp_push_all(s4s_fp_env *env, s4s_fp_coll *out, const s4s_fp_coll *from)
{
    if (out->n == 0) {
        *out = *from;
        out->cap = out->n;
        return;
    }
    for (uint32_t j = 0; j < from->n; j++) fp_push(env, out, &from->v[j]);
}

static void sys(fp_val *v, fp_kind k)
{
    memset(v, 0, sizeof *v);
    v->k = (uint8_t)k;
    v->type = v->ctx = v->elem = S4S_FHIR_NONE;
}

/* push v, which outlives the evaluation: an empty collection shares it
 * (cap = n, so a later push copies) instead of allocating */
static void push_static(s4s_fp_env *env, s4s_fp_coll *out, const fp_val *v)
{
    if (out->n == 0 && env->budget) {
        env->budget--;
        out->v = (fp_val *)v;
        out->n = out->cap = 1;
        return;
    }
    fp_push(env, out, v);
}

void fp_bool(s4s_fp_env *env, s4s_fp_coll *out, bool b)
{
    static const fp_val vals[2] = {
        {.k = FK_BOOL, .type = S4S_FHIR_NONE, .ctx = S4S_FHIR_NONE, .elem = S4S_FHIR_NONE, .u.b = false},
        {.k = FK_BOOL, .type = S4S_FHIR_NONE, .ctx = S4S_FHIR_NONE, .elem = S4S_FHIR_NONE, .u.b = true},
    };
    push_static(env, out, &vals[b]);
}

/* --- the R4 model ---------------------------------------------------------- */

unsigned fp_fhir_type_by_name(const char *s, size_t n)
{
    for (unsigned i = 0; i < S4S_FHIR_N_TYPES; i++) {
        const char *t = S4S_FHIR_STR(s4s_fhir_types[i].name);
        if (strlen(t) == n && !memcmp(t, s, n)) return i;
    }
    return S4S_FHIR_NONE;
}

bool fp_fhir_is_prim(unsigned t) { return t < S4S_FP_N_; }

static unsigned type_ctx(unsigned t)
{
    return t == S4S_FHIR_NONE ? S4S_FHIR_NONE : s4s_fhir_types[t].ctx;
}

/* the resource type an object names, or NONE */
static unsigned res_type(const s4s_node *n)
{
    if (!n || n->type != S4S_J_OBJECT) return S4S_FHIR_NONE;
    const s4s_node *rt = s4s_get(n, "resourceType");
    return rt && rt->type == S4S_J_STRING ? s4s_fhir_resource_type(rt->str, rt->len) : S4S_FHIR_NONE;
}

static inline void node_item(fp_val *v, const s4s_node *n, const s4s_node *ext, const s4s_fhir_key *k)
{
    memset(v, 0, sizeof *v);
    v->k = FK_NODE;
    v->n = n;
    v->ext = ext;
    v->type = v->ctx = v->elem = S4S_FHIR_NONE;
    if (k && k->elem != S4S_FHIR_NONE) {
        const s4s_fhir_elem *e = &s4s_fhir_elems[k->elem];
        v->elem = k->elem;
        if (e->flags & S4S_FE_RESOURCE) {
            v->type = (uint16_t)res_type(n);
            v->ctx = (uint16_t)type_ctx(v->type);
        } else {
            v->type = k->type;
            v->ctx = (uint16_t)(e->ctx != S4S_FHIR_NONE ? e->ctx : type_ctx(k->type));
        }
    } else if (n && n->type == S4S_J_OBJECT) {
        v->type = (uint16_t)res_type(n);
        v->ctx = (uint16_t)type_ctx(v->type);
    }
}

/* node_item(v, n, NULL, NULL) for %resource and the walk's root, the type
 * named by resourceType through a one-name cache in env (a copy, so it
 * holds whatever tree it came from) */
static void resource_item(s4s_fp_env *env, fp_val *v, const s4s_node *n)
{
    node_item(v, NULL, NULL, NULL);
    v->n = n;
    if (!n || n->type != S4S_J_OBJECT) return;
    const s4s_node *rt = s4s_get(n, "resourceType");
    if (!rt || rt->type != S4S_J_STRING) return;
    unsigned t;
    if (rt->len && rt->len == env->rt_len && !memcmp(rt->str, env->rt_name, rt->len)) {
        t = env->rt_type;
    } else {
        t = s4s_fhir_resource_type(rt->str, rt->len);
        if (rt->len <= sizeof env->rt_name) {
            memcpy(env->rt_name, rt->str, rt->len);
            env->rt_len = rt->len;
            env->rt_type = t;
        }
    }
    v->type = (uint16_t)t;
    v->ctx = (uint16_t)type_ctx(t);
}

void fp_node_item(fp_val *v, const s4s_node *n)
{
    node_item(v, n, NULL, NULL);
}

/* the `_name` sibling of member m in obj */
static const s4s_node *under_sibling(const s4s_node *obj, const char *key, size_t klen)
{
    S4S_EACH(u, obj)
        if (u->klen == klen + 1 && u->key[0] == '_' && !memcmp(u->key + 1, key, klen)) return u;
    return NULL;
}

static bool has_value_sibling(const s4s_node *obj, const char *key, size_t klen)
{
    S4S_EACH(u, obj)
        if (u->klen == klen && !memcmp(u->key, key, klen)) return true;
    return false;
}

/* push the items of member m (value side, with its `_` partner; or an
 * extension-only primitive) */
static void push_member(s4s_fp_env *env, s4s_fp_coll *out, const s4s_node *obj, const s4s_node *m,
                        const char *key, size_t klen, const s4s_fhir_key *k, bool unders)
{
    const s4s_node *val = m, *ext = NULL;
    if (m->key[0] == '_') {
        if (has_value_sibling(obj, key, klen)) return; /* paired from the value side */
        ext = m;
        val = NULL;
    } else if (unders && (!k || (k->type != S4S_FHIR_NONE && fp_fhir_is_prim(k->type)))) {
        ext = under_sibling(obj, key, klen);
    }
    fp_val v;
    const s4s_node *arr = val ? val : ext;
    if (arr->type == S4S_J_ARRAY) {
        const s4s_node *e = ext && ext->type == S4S_J_ARRAY ? ext->first : NULL;
        for (const s4s_node *it = val ? val->first : NULL, *x = ext && !val ? ext->first : NULL;;) {
            const s4s_node *iv = val ? it : NULL, *ie = val ? e : x;
            if (val ? !it : !x) break;
            bool removed = (iv && (iv->flags & S4S_NF_REMOVED)) || (!val && x && (x->flags & S4S_NF_REMOVED));
            if (!removed) {
                if (iv && iv->type == S4S_J_NULL) iv = NULL;
                if (ie && ie->type != S4S_J_OBJECT) ie = NULL;
                if (iv || ie) {
                    node_item(&v, iv, ie, k);
                    fp_push(env, out, &v);
                }
            }
            if (val) { it = it->next; if (e) e = e->next; }
            else x = x->next;
        }
        return;
    }
    if (val && val->type == S4S_J_NULL) return;
    if (ext && ext->type != S4S_J_OBJECT) ext = NULL;
    if (!val && !ext) return;
    node_item(&v, val, ext, k);
    fp_push(env, out, &v);
}

static bool upper(char c) { return c >= 'A' && c <= 'Z'; }

/* a TypeInfo's two members */
static void typeinfo_member(s4s_fp_env *env, const fp_val *v, const char *name, size_t nlen, s4s_fp_coll *out)
{
    const char *s = nlen == 9 && !memcmp(name, "namespace", 9) ? v->u.ti.ns
                  : nlen == 4 && !memcmp(name, "name", 4) ? v->u.ti.name : NULL;
    if (!s) return;
    fp_val r;
    sys(&r, FK_STR);
    r.u.s.p = s;
    r.u.s.len = (uint32_t)strlen(s);
    fp_push(env, out, &r);
}

void fp_children(s4s_fp_env *env, const fp_val *v, const char *name, size_t nlen, s4s_fp_coll *out)
{
    if (v->k == FK_TYPE) { typeinfo_member(env, v, name, nlen, out); return; }
    if (v->k != FK_NODE) return;
    const s4s_node *obj = v->n;
    unsigned ctx = v->ctx;
    if (!obj || obj->type != S4S_J_OBJECT) {
        /* a primitive: only id and extension, from its `_x` object */
        obj = v->ext;
        ctx = S4S_FHIR_CTX_Element;
        if (!obj) return;
    }
    S4S_EACH(m, obj) {
        const char *key = m->key;
        size_t klen = m->klen;
        if (klen > 1 && key[0] == '_') { key++; klen--; }
        if (klen < nlen || key[0] != name[0] || memcmp(key, name, nlen)) continue;
        const s4s_fhir_key *k = NULL;
        if (klen == nlen) {
            if (ctx != S4S_FHIR_NONE) k = s4s_fhir_member_key(m, ctx, key, klen);
            if (k && (s4s_fhir_elems[k->elem].flags & S4S_FE_CHOICE)) continue; /* valueX named "value..." */
        } else {
            /* a choice: value -> valueQuantity */
            if (!upper(key[nlen])) continue;
            if (ctx != S4S_FHIR_NONE) {
                k = s4s_fhir_member_key(m, ctx, key, klen);
                if (!k || !(s4s_fhir_elems[k->elem].flags & S4S_FE_CHOICE)) continue;
                const char *en = S4S_FHIR_STR(s4s_fhir_elems[k->elem].name);
                if (strlen(en) != nlen) continue;
            } else {
                continue;
            }
        }
        push_member(env, out, obj, m, key, klen, k, true);
    }
}

void fp_all_children(s4s_fp_env *env, const fp_val *v, s4s_fp_coll *out)
{
    if (v->k != FK_NODE) return;
    const s4s_node *obj = v->n;
    unsigned ctx = v->ctx;
    if (!obj || obj->type != S4S_J_OBJECT) {
        obj = v->ext;
        ctx = S4S_FHIR_CTX_Element;
        if (!obj) return;
    }
    /* most objects have no `_x` member: then no primitive needs its
     * partner searched (descendants() visits every member) */
    bool unders = false;
    S4S_EACH(m, obj) unders |= m->klen > 1 && m->key[0] == '_';
    S4S_EACH(m, obj) {
        const char *key = m->key;
        size_t klen = m->klen;
        if (klen == 12 && !memcmp(key, "resourceType", 12)) continue;
        if (klen > 1 && key[0] == '_') { key++; klen--; }
        const s4s_fhir_key *k = ctx != S4S_FHIR_NONE ? s4s_fhir_member_key(m, ctx, key, klen) : NULL;
        push_member(env, out, obj, m, key, klen, k, unders);
    }
}

/* --- types ------------------------------------------------------------------ */

static const char *const sys_names[] = {
    [FK_BOOL] = "Boolean", [FK_INT] = "Integer", [FK_DEC] = "Decimal", [FK_STR] = "String",
    [FK_DATE] = "Date", [FK_DATETIME] = "DateTime", [FK_TIME] = "Time", [FK_QTY] = "Quantity",
    [FK_TYPE] = "TypeInfo",
};

const char *fp_type_name(const fp_val *v)
{
    if (v->k != FK_NODE) return sys_names[v->k];
    if (v->type != S4S_FHIR_NONE) return S4S_FHIR_STR(s4s_fhir_types[v->type].name);
    if (v->ctx != S4S_FHIR_NONE) return "BackboneElement";
    if (!v->n) return "Element";
    switch (v->n->type) {
    case S4S_J_TRUE: case S4S_J_FALSE: return "boolean";
    case S4S_J_NUMBER: return memchr(v->n->str, '.', v->n->len) ? "decimal" : "integer";
    case S4S_J_STRING: return "string";
    default: return "Element";
    }
}

/* FHIR's type hierarchy as far as is/as/ofType need it (facts from the R4
 * type definitions: profiles of Quantity, specialisations of string, uri,
 * integer; resources under DomainResource and Resource), as a table from
 * type id to its parent, built once */
static uint16_t parent_of[S4S_FHIR_N_TYPES];
static unsigned backbone_type; /* BackboneElement */
static pthread_once_t parents_once = PTHREAD_ONCE_INIT;

static void parents_init(void)
{
    static const char *const pairs[][2] = {
        {"Age", "Quantity"}, {"Count", "Quantity"}, {"Distance", "Quantity"},
        {"Duration", "Quantity"}, {"SimpleQuantity", "Quantity"}, {"MoneyQuantity", "Quantity"},
        {"code", "string"}, {"id", "string"}, {"markdown", "string"},
        {"canonical", "uri"}, {"url", "uri"}, {"uuid", "uri"}, {"oid", "uri"},
        {"positiveInt", "integer"}, {"unsignedInt", "integer"},
    };
    backbone_type = fp_fhir_type_by_name("BackboneElement", 15);
    for (unsigned t = 0; t < S4S_FHIR_N_TYPES; t++) parent_of[t] = S4S_FHIR_NONE;
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        unsigned c = fp_fhir_type_by_name(pairs[i][0], strlen(pairs[i][0]));
        unsigned p = fp_fhir_type_by_name(pairs[i][1], strlen(pairs[i][1]));
        if (c != S4S_FHIR_NONE) parent_of[c] = (uint16_t)p;
    }
}

bool fp_is_type(const fp_val *v, const fp_tspec *ts)
{
    if (v->k != FK_NODE) return ts->sys == (int8_t)v->k;
    if (ts->fhir == S4S_FHIR_NONE) return false;
    if (v->type == ts->fhir) return true; /* the common case, without names */
    /* a datatype asked for: only a profile or specialisation of it also
     * is one (resources have no parent here) */
    if (v->type != S4S_FHIR_NONE && ts->fhir != S4S_FT_Resource && ts->fhir != S4S_FT_DomainResource &&
        ts->fhir != S4S_FT_Element)
        return parent_of[v->type] == ts->fhir;
    if (v->type == S4S_FHIR_NONE) {
        if (v->ctx != S4S_FHIR_NONE) return ts->fhir == backbone_type || ts->fhir == S4S_FT_Element;
        const char *want = S4S_FHIR_STR(s4s_fhir_types[ts->fhir].name);
        return !strcmp(want, fp_type_name(v)) || !strcmp(want, "Element");
    }
    if (ts->fhir == S4S_FT_Resource) return s4s_fhir_types[v->type].kind == S4S_FK_RESOURCE;
    if (ts->fhir == S4S_FT_DomainResource) {
        if (s4s_fhir_types[v->type].kind != S4S_FK_RESOURCE) return false;
        const char *t = S4S_FHIR_STR(s4s_fhir_types[v->type].name);
        return strcmp(t, "Bundle") && strcmp(t, "Binary") && strcmp(t, "Parameters");
    }
    if (s4s_fhir_types[v->type].kind == S4S_FK_RESOURCE) return false;
    if (ts->fhir == S4S_FT_Element) return true;
    return parent_of[v->type] == ts->fhir;
}

/* --- equality, equivalence, order -------------------------------------------- */

static bool json_equal(const s4s_node *a, const s4s_node *b)
{
    if (!a || !b) return a == b;
    if (a->type != b->type) return false;
    switch (a->type) {
    case S4S_J_STRING: case S4S_J_NUMBER:
        return a->len == b->len && !memcmp(a->str, b->str, a->len);
    case S4S_J_OBJECT: case S4S_J_ARRAY: {
        const s4s_node *x = a->first, *y = b->first;
        for (;;) {
            while (x && (x->flags & S4S_NF_REMOVED)) x = x->next;
            while (y && (y->flags & S4S_NF_REMOVED)) y = y->next;
            if (!x || !y) return x == y;
            if (a->type == S4S_J_OBJECT && (x->klen != y->klen || memcmp(x->key, y->key, x->klen)))
                return false;
            if (!json_equal(x, y)) return false;
            x = x->next;
            y = y->next;
        }
    }
    default:
        return true;
    }
}

static bool numeric(const fp_val *v) { return v->k == FK_INT || v->k == FK_DEC; }
static fp_dec as_dec(const fp_val *v) { return v->k == FK_INT ? (fp_dec){v->u.i, 0} : v->u.d; }
static bool datelike(const fp_val *v) { return v->k == FK_DATE || v->k == FK_DATETIME; }

/* both items as System values; false when either is complex */
static bool both_prim(const fp_val *a, const fp_val *b, fp_val *x, fp_val *y)
{
    return fp_prim(a, x) && fp_prim(b, y);
}

/* an object other than a Quantity: compared as a tree */
static bool complex_node(const fp_val *v)
{
    return v->k == FK_NODE && v->n && v->n->type == S4S_J_OBJECT && !fp_qty_type(v->type);
}

/* the bytes of a value that compares as a plain string: a System String or
 * a JSON string node not typed as a date or time; false otherwise */
static bool plain_str(const fp_val *v, const char **p, size_t *n)
{
    if (v->k == FK_STR) { *p = v->u.s.p; *n = v->u.s.len; return true; }
    if (v->k != FK_NODE || !v->n || v->n->type != S4S_J_STRING) return false;
    unsigned t = v->type;
    if (t == S4S_FP_date || t == S4S_FP_dateTime || t == S4S_FP_instant || t == S4S_FP_time) return false;
    *p = v->n->str;
    *n = v->n->len;
    return true;
}

int fp_equal(s4s_fp_env *env, const fp_val *a, const fp_val *b)
{
    /* the hot case (unions and `in` over references and uris) without
     * converting either side */
    const char *ps, *qs;
    size_t pn, qn;
    if (plain_str(a, &ps, &pn) && plain_str(b, &qs, &qn)) return pn == qn && !memcmp(ps, qs, pn);
    if (complex_node(a) || complex_node(b)) {
        if (!(complex_node(a) && complex_node(b))) return 0;
        return json_equal(a->n, b->n);
    }
    fp_val x, y;
    if (!both_prim(a, b, &x, &y)) return 0;
    if (numeric(&x) && numeric(&y)) return fp_dec_cmp(as_dec(&x), as_dec(&y)) == 0;
    if (datelike(&x) && datelike(&y)) {
        bool ok;
        int c = fp_dt_cmp(&x.u.dt, &y.u.dt, FK_DATETIME, &ok);
        return ok ? c == 0 : -1;
    }
    if (x.k != y.k) return 0;
    switch (x.k) {
    case FK_BOOL: return x.u.b == y.u.b;
    case FK_STR: return x.u.s.len == y.u.s.len && !memcmp(x.u.s.p, y.u.s.p, x.u.s.len);
    case FK_TIME: {
        bool ok;
        int c = fp_dt_cmp(&x.u.dt, &y.u.dt, FK_TIME, &ok);
        return ok ? c == 0 : -1;
    }
    case FK_QTY: {
        int c;
        return fp_qty_cmp(env, &x, &y, &c) ? c == 0 : -1;
    }
    case FK_TYPE: return !strcmp(x.u.ti.ns, y.u.ti.ns) && !strcmp(x.u.ti.name, y.u.ti.name);
    default: return 0;
    }
}

/* strings for ~: case-insensitive, whitespace runs as one space, trimmed */
static bool str_equiv(const char *a, size_t an, const char *b, size_t bn)
{
    size_t i = 0, j = 0;
    for (;;) {
        while (i < an && strchr(" \t\r\n", a[i])) i++;
        while (j < bn && strchr(" \t\r\n", b[j])) j++;
        if (i == an || j == bn) return i == an && j == bn;
        char ca = a[i], cb = b[j];
        if (ca >= 'A' && ca <= 'Z') ca += 32;
        if (cb >= 'A' && cb <= 'Z') cb += 32;
        if (ca != cb) return false;
        i++; j++;
        bool sa = i < an && strchr(" \t\r\n", a[i]), sb = j < bn && strchr(" \t\r\n", b[j]);
        if (sa != sb) {
            /* one side has a space here: fine only if both then continue or both end */
            size_t ii = i, jj = j;
            while (ii < an && strchr(" \t\r\n", a[ii])) ii++;
            while (jj < bn && strchr(" \t\r\n", b[jj])) jj++;
            if (!(ii == an && jj == bn)) return false;
        }
    }
}

bool fp_equiv(s4s_fp_env *env, const fp_val *a, const fp_val *b)
{
    if (complex_node(a) || complex_node(b)) {
        if (!(complex_node(a) && complex_node(b))) return false;
        return json_equal(a->n, b->n);
    }
    fp_val x, y;
    if (!both_prim(a, b, &x, &y)) return false;
    if (numeric(&x) && numeric(&y)) {
        /* at the precision of the less precise operand */
        fp_dec p = as_dec(&x), q = as_dec(&y);
        int sc = p.sc < q.sc ? p.sc : q.sc;
        fp_dec_round(&p, sc);
        fp_dec_round(&q, sc);
        return p.m == q.m;
    }
    if (x.k == FK_STR && y.k == FK_STR) return str_equiv(x.u.s.p, x.u.s.len, y.u.s.p, y.u.s.len);
    int r = fp_equal(env, a, b);
    return r == 1;
}

int fp_compare(s4s_fp_env *env, const fp_val *a, const fp_val *b, bool *ok)
{
    fp_val x, y;
    *ok = false;
    if (!both_prim(a, b, &x, &y)) return 0;
    if (numeric(&x) && numeric(&y)) { *ok = true; return fp_dec_cmp(as_dec(&x), as_dec(&y)); }
    if (datelike(&x) && datelike(&y)) return fp_dt_cmp(&x.u.dt, &y.u.dt, FK_DATETIME, ok);
    if (x.k == FK_TIME && y.k == FK_TIME) return fp_dt_cmp(&x.u.dt, &y.u.dt, FK_TIME, ok);
    if (x.k == FK_STR && y.k == FK_STR) {
        *ok = true;
        size_t n = x.u.s.len < y.u.s.len ? x.u.s.len : y.u.s.len;
        int c = memcmp(x.u.s.p, y.u.s.p, n);
        return c ? c : (x.u.s.len > y.u.s.len) - (x.u.s.len < y.u.s.len);
    }
    if (x.k == FK_QTY && y.k == FK_QTY) {
        int c = 0;
        *ok = fp_qty_cmp(env, &x, &y, &c);
        return c;
    }
    return 0;
}

bool fp_coll_has(s4s_fp_env *env, const s4s_fp_coll *c, const fp_val *v)
{
    for (uint32_t i = 0; i < c->n; i++)
        if (fp_equal(env, &c->v[i], v) == 1) return true;
    return false;
}

/* --- operators -------------------------------------------------------------- */

int fp_single_bool(fp_ctx *c, const fp_ast *e, const s4s_fp_coll *in)
{
    if (in->n == 0) return -1;
    if (in->n > 1) {
        fp_fail(c->env, e, "expected a single boolean, got %u items", in->n);
        return -1;
    }
    fp_val v;
    if (fp_prim(&in->v[0], &v) && v.k == FK_BOOL) return v.u.b;
    return 1; /* a single non-boolean item counts as true */
}

static bool single(fp_ctx *c, const fp_ast *e, const s4s_fp_coll *in, fp_val *out)
{
    if (in->n != 1) {
        if (in->n > 1) fp_fail(c->env, e, "operand has %u items, expected one", in->n);
        return false;
    }
    if (!fp_prim(&in->v[0], out)) {
        *out = in->v[0];
        if (out->k == FK_NODE && out->n == NULL) return false; /* extension-only primitive */
    }
    return true;
}

static void logic(fp_ctx *c, const fp_ast *e, const s4s_fp_coll *focus, s4s_fp_coll *out)
{
    s4s_fp_coll l = {0}, r = {0};
    fp_eval(c, e->l, focus, &l);
    int a = fp_single_bool(c, e->l, &l);
    /* short circuits that FHIRPath allows keep invariants cheap */
    if (e->op == OP_AND && a == 0) { fp_bool(c->env, out, false); return; }
    if (e->op == OP_OR && a == 1) { fp_bool(c->env, out, true); return; }
    if (e->op == OP_IMPLIES && a == 0) { fp_bool(c->env, out, true); return; }
    fp_eval(c, e->r, focus, &r);
    int b = fp_single_bool(c, e->r, &r);
    int res = -1;
    switch (e->op) {
    case OP_AND: res = b == 0 ? 0 : (a == 1 && b == 1) ? 1 : -1; break;
    case OP_OR: res = b == 1 ? 1 : (a == 0 && b == 0) ? 0 : -1; break;
    case OP_XOR: res = (a < 0 || b < 0) ? -1 : a != b; break;
    case OP_IMPLIES: res = a == 1 ? b : (b == 1 ? 1 : -1); break;
    default: break;
    }
    if (res >= 0) fp_bool(c->env, out, res);
}

static void arith(fp_ctx *c, const fp_ast *e, const fp_val *x, const fp_val *y, s4s_fp_coll *out)
{
    fp_val r;
    s4s_fp_env *env = c->env;
    if (e->op == OP_ADD && x->k == FK_STR && y->k == FK_STR) {
        sys(&r, FK_STR);
        char *s = s4s_arena_alloc(env->arena, x->u.s.len + y->u.s.len + 1);
        memcpy(s, x->u.s.p, x->u.s.len);
        memcpy(s + x->u.s.len, y->u.s.p, y->u.s.len);
        s[x->u.s.len + y->u.s.len] = '\0';
        r.u.s.p = s;
        r.u.s.len = x->u.s.len + y->u.s.len;
        fp_push(env, out, &r);
        return;
    }
    if ((e->op == OP_ADD || e->op == OP_SUB) && (datelike(x) || x->k == FK_TIME) && y->k == FK_QTY) {
        r = *x;
        fp_dec v = y->u.q.v;
        if (e->op == OP_SUB) v.m = -v.m;
        if (!fp_dt_add(&r.u.dt, (fp_kind)x->k, v, y->u.q.unit))
            fp_fail(env, e, "cannot add '%s' to a date/time", y->u.q.unit);
        else
            fp_push(env, out, &r);
        return;
    }
    if (x->k == FK_INT && y->k == FK_INT && e->op != OP_DIV) {
        int64_t a = x->u.i, b = y->u.i, v = 0;
        bool ovf = false;
        switch (e->op) {
        case OP_ADD: ovf = __builtin_add_overflow(a, b, &v); break;
        case OP_SUB: ovf = __builtin_sub_overflow(a, b, &v); break;
        case OP_MUL: ovf = __builtin_mul_overflow(a, b, &v); break;
        case OP_IDIV: if (b == 0 || (a == INT64_MIN && b == -1)) return; v = a / b; break;
        case OP_MOD: if (b == 0 || (a == INT64_MIN && b == -1)) return; v = a % b; break;
        default: break;
        }
        if (ovf || v > 2147483647LL || v < -2147483648LL) return; /* out of Integer range: empty */
        sys(&r, FK_INT);
        r.u.i = v;
        fp_push(env, out, &r);
        return;
    }
    if (numeric(x) && numeric(y)) {
        fp_dec a = as_dec(x), b = as_dec(y), v;
        bool ok = true;
        switch (e->op) {
        case OP_ADD: ok = fp_dec_add(a, b, &v); break;
        case OP_SUB: b.m = -b.m; ok = fp_dec_add(a, b, &v); break;
        case OP_MUL: ok = fp_dec_mul(a, b, &v); break;
        case OP_DIV: ok = fp_dec_div(a, b, &v); break;
        case OP_IDIV: {
            fp_dec q;
            if (!fp_dec_div(a, b, &q)) return;
            for (; q.sc > 0; q.sc--) q.m /= 10;
            sys(&r, FK_INT);
            r.u.i = q.m;
            fp_push(env, out, &r);
            return;
        }
        case OP_MOD: {
            fp_dec q, t;
            if (!fp_dec_div(a, b, &q)) return;
            for (; q.sc > 0; q.sc--) q.m /= 10;
            ok = fp_dec_mul(q, b, &t);
            t.m = -t.m;
            ok = ok && fp_dec_add(a, t, &v);
            break;
        }
        default: ok = false; break;
        }
        if (!ok) return; /* division by zero or out of range: empty */
        sys(&r, FK_DEC);
        r.u.d = v;
        fp_push(env, out, &r);
        return;
    }
    if (x->k == FK_QTY && (y->k == FK_QTY || numeric(y))) {
        sys(&r, FK_QTY);
        fp_dec a = x->u.q.v, b = numeric(y) ? as_dec(y) : y->u.q.v;
        bool ok = false;
        const char *u = x->u.q.unit;
        if ((e->op == OP_ADD || e->op == OP_SUB) && y->k == FK_QTY) {
            /* y in x's unit; not commensurable: empty */
            if (strcmp(x->u.q.unit, y->u.q.unit) && !fp_qty_conv(env, y, x->u.q.unit, &b)) return;
            if (e->op == OP_SUB) b.m = -b.m;
            ok = fp_dec_add(a, b, &r.u.q.v);
        } else if (e->op == OP_MUL) {
            ok = fp_dec_mul(a, b, &r.u.q.v);
            if (y->k == FK_QTY && strcmp(y->u.q.unit, "1"))
                u = !strcmp(u, "1") ? y->u.q.unit : s4s_arena_printf(env->arena, "(%s).(%s)", u, y->u.q.unit);
        } else if (e->op == OP_DIV) {
            ok = fp_dec_div(a, b, &r.u.q.v);
            if (y->k == FK_QTY && strcmp(y->u.q.unit, "1"))
                u = !strcmp(u, y->u.q.unit) ? "1" : s4s_arena_printf(env->arena, "(%s)/(%s)", u, y->u.q.unit);
        }
        if (!ok) return;
        r.u.q.unit = u;
        fp_push(env, out, &r);
        return;
    }
    fp_fail(env, e, "operator cannot be applied to %s and %s", sys_names[x->k] ? sys_names[x->k] : "node",
            sys_names[y->k] ? sys_names[y->k] : "node");
}

/* a hash of s[0..n), eight bytes per step (references and uris are long) */
static uint32_t str_hash(const char *s, size_t n)
{
    uint64_t h = 0x9E3779B97F4A7C15u ^ n;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        h = (h ^ w) * 0xFF51AFD7ED558CCDu;
        h ^= h >> 29;
    }
    if (i < n) {
        uint64_t w = 0;
        memcpy(&w, s + i, n - i);
        h = (h ^ w) * 0xFF51AFD7ED558CCDu;
    }
    h ^= h >> 32;
    return (uint32_t)h;
}

/* l | r without duplicates, in order.  Plain strings equal only plain
 * strings, byte for byte (see plain_str), so large unions (dom-3 unites
 * every reference and uri of a resource) dedupe those through a hash set
 * in the arena and compare only the other items pairwise. */
void fp_union(s4s_fp_env *env, const s4s_fp_coll *l, const s4s_fp_coll *r, s4s_fp_coll *out)
{
    const s4s_fp_coll *side[2] = {l, r};
    uint32_t n = l->n + r->n, cap = 32;
    if (n < 16) {
        for (unsigned k = 0; k < 2; k++)
            for (uint32_t i = 0; i < side[k]->n; i++)
                if (!fp_coll_has(env, out, &side[k]->v[i])) fp_push(env, out, &side[k]->v[i]);
        return;
    }
    while (cap < 2 * n) cap *= 2;
    struct slot { const char *p; size_t n; } *set = s4s_arena_zalloc(env->arena, cap * sizeof *set);
    s4s_fp_coll other = {0}; /* the items that are not plain strings, kept so far */
    for (unsigned k = 0; k < 2; k++)
        for (uint32_t i = 0; i < side[k]->n; i++) {
            const fp_val *v = &side[k]->v[i];
            const char *p;
            size_t len;
            if (!plain_str(v, &p, &len)) {
                if (fp_coll_has(env, &other, v)) continue;
                fp_push(env, &other, v);
                fp_push(env, out, v);
                continue;
            }
            uint32_t at = str_hash(p, len) & (cap - 1);
            while (set[at].p && !(set[at].n == len && !memcmp(set[at].p, p, len))) at = (at + 1) & (cap - 1);
            if (set[at].p) continue;
            set[at].p = p;
            set[at].n = len;
            fp_push(env, out, v);
        }
}

static void binary(fp_ctx *c, const fp_ast *e, const s4s_fp_coll *focus, s4s_fp_coll *out)
{
    s4s_fp_env *env = c->env;
    s4s_fp_coll l = {0}, r = {0};
    fp_eval(c, e->l, focus, &l);
    fp_eval(c, e->r, focus, &r);
    if (env->err[0]) return;
    switch (e->op) {
    case OP_UNION: fp_union(env, &l, &r, out); return;
    case OP_EQ: case OP_NE: {
        if (l.n == 0 || r.n == 0) return;
        int res = 1;
        if (l.n != r.n) res = 0;
        for (uint32_t i = 0; res == 1 && i < l.n; i++) res = fp_equal(env, &l.v[i], &r.v[i]);
        if (res < 0) return;
        fp_bool(env, out, e->op == OP_EQ ? res == 1 : res == 0);
        return;
    }
    case OP_EQUIV: case OP_NEQUIV: {
        bool res = l.n == r.n;
        for (uint32_t i = 0; res && i < l.n; i++) {
            bool found = false;
            for (uint32_t j = 0; !found && j < r.n; j++) found = fp_equiv(env, &l.v[i], &r.v[j]);
            res = found;
        }
        fp_bool(env, out, e->op == OP_EQUIV ? res : !res);
        return;
    }
    case OP_LT: case OP_LE: case OP_GT: case OP_GE: {
        fp_val x, y;
        if (!single(c, e, &l, &x) || !single(c, e, &r, &y)) return;
        bool ok;
        int cmp = fp_compare(env, &x, &y, &ok);
        if (!ok) {
            bool cmpable = (numeric(&x) && numeric(&y)) || (datelike(&x) && datelike(&y)) ||
                           x.k == y.k;
            if (!cmpable) fp_fail(env, e, "cannot compare %s with %s", fp_type_name(&x), fp_type_name(&y));
            return;
        }
        bool res = e->op == OP_LT ? cmp < 0 : e->op == OP_LE ? cmp <= 0 : e->op == OP_GT ? cmp > 0 : cmp >= 0;
        fp_bool(env, out, res);
        return;
    }
    case OP_IN: case OP_CONTAINS: {
        const s4s_fp_coll *item = e->op == OP_IN ? &l : &r, *set = e->op == OP_IN ? &r : &l;
        if (item->n == 0) return;
        if (item->n > 1) { fp_fail(env, e, "left operand of 'in' has %u items", item->n); return; }
        fp_bool(env, out, fp_coll_has(env, set, &item->v[0]));
        return;
    }
    case OP_CONCAT: {
        fp_val x, y, sx, sy;
        const char *a = "", *b = "";
        uint32_t an = 0, bn = 0;
        if (l.n > 1 || r.n > 1) { fp_fail(env, e, "operand of '&' has more than one item"); return; }
        if (l.n && single(c, e, &l, &x) && fp_to_string(env, &x, &sx)) { a = sx.u.s.p; an = sx.u.s.len; }
        if (r.n && single(c, e, &r, &y) && fp_to_string(env, &y, &sy)) { b = sy.u.s.p; bn = sy.u.s.len; }
        fp_val v;
        sys(&v, FK_STR);
        char *s = s4s_arena_alloc(env->arena, an + bn + 1);
        memcpy(s, a, an);
        memcpy(s + an, b, bn);
        s[an + bn] = '\0';
        v.u.s.p = s;
        v.u.s.len = an + bn;
        fp_push(env, out, &v);
        return;
    }
    default: {
        fp_val x, y;
        if (!single(c, e, &l, &x) || !single(c, e, &r, &y)) return;
        arith(c, e, &x, &y, out);
        return;
    }
    }
}

static void eval_node(fp_ctx *c, const fp_ast *e, const s4s_fp_coll *focus, s4s_fp_coll *out);

static void eval_memo(fp_ctx *c, const fp_ast *e, const s4s_fp_coll *focus, s4s_fp_coll *out);

void fp_eval(fp_ctx *c, const fp_ast *e, const s4s_fp_coll *focus, s4s_fp_coll *out)
{
    if (c->env->err[0]) return;
    if (!e->memo) { eval_node(c, e, focus, out); return; }
    eval_memo(c, e, focus, out);
}

/* e's value, cached for the rest of the evaluation (e is focus-independent) */
static void eval_memo(fp_ctx *c, const fp_ast *e, const s4s_fp_coll *focus, s4s_fp_coll *out)
{
    s4s_fp_env *env = c->env;
    for (unsigned i = 0; i < env->nmemo; i++)
        if (env->memo_key[i] == e) {
            fp_push_all(env, out, &env->memo_val[i]);
            return;
        }
    s4s_fp_coll r = {0};
    eval_node(c, e, focus, &r);
    if (env->nmemo < sizeof env->memo_key / sizeof env->memo_key[0] && !env->err[0]) {
        env->memo_key[env->nmemo] = e;
        env->memo_val[env->nmemo++] = r;
    }
    fp_push_all(env, out, &r);
}

/* x is in one of the operands of union u (each cannot fail) */
static bool in_union(fp_ctx *c, const fp_ast *u, const s4s_fp_coll *focus, const fp_val *x)
{
    if (u->op == OP_UNION) return in_union(c, u->l, focus, x) || (!c->env->err[0] && in_union(c, u->r, focus, x));
    s4s_fp_coll s = {0};
    if (u->dep) fp_eval(c, u, focus, &s);
    else eval_memo(c, u, focus, &s);
    return !c->env->err[0] && fp_coll_has(c->env, &s, x);
}

/* `x in (A | B ...)` marked split: as binary() answers it, testing the
 * operands in turn */
static void in_split(fp_ctx *c, const fp_ast *e, const s4s_fp_coll *focus, s4s_fp_coll *out)
{
    s4s_fp_env *env = c->env;
    s4s_fp_coll l = {0};
    fp_eval(c, e->l, focus, &l);
    if (l.n != 1 || env->err[0]) {
        s4s_fp_coll r = {0};
        fp_eval(c, e->r, focus, &r);
        if (env->err[0] || l.n == 0) return;
        fp_fail(env, e, "left operand of 'in' has %u items", l.n);
        return;
    }
    bool has = in_union(c, e->r, focus, &l.v[0]);
    if (!env->err[0]) fp_bool(env, out, has);
}

static void eval_node(fp_ctx *c, const fp_ast *e, const s4s_fp_coll *focus, s4s_fp_coll *out)
{
    s4s_fp_env *env = c->env;
    switch ((fp_op)e->op) {
    case OP_EMPTY:
        return;
    case OP_LIT:
        push_static(env, out, &e->lit);
        return;
    case OP_THIS:
        if (c->this_) fp_push(env, out, c->this_);
        return;
    case OP_INDEX: {
        fp_val v;
        sys(&v, FK_INT);
        v.u.i = c->index;
        if (c->index >= 0) fp_push(env, out, &v);
        return;
    }
    case OP_TOTAL:
        if (c->total)
            for (uint32_t i = 0; i < c->total->n; i++) fp_push(env, out, &c->total->v[i]);
        return;
    case OP_VAR:
        switch ((fp_var)e->var) {
        case V_RESOURCE: case V_ROOT: {
            const s4s_node *r = e->var == V_ROOT && env->root ? env->root : env->resource;
            fp_val v;
            resource_item(env, &v, r);
            if (r) fp_push(env, out, &v);
            return;
        }
        case V_CONTEXT:
            for (uint32_t i = 0; c->ctxc && i < c->ctxc->n; i++) fp_push(env, out, &c->ctxc->v[i]);
            return;
        default:
            push_static(env, out, &e->lit);
            return;
        }
    case OP_MEMBER: {
        s4s_fp_coll in = {0};
        const s4s_fp_coll *src = focus;
        if (e->l) { fp_eval(c, e->l, focus, &in); src = &in; }
        for (uint32_t i = 0; i < src->n && !env->err[0]; i++) {
            /* `Patient.name` at the start: a type name selects the focus */
            if (!e->l && e->ts.name && fp_is_type(&src->v[i], &e->ts)) {
                fp_push(env, out, &src->v[i]);
                continue;
            }
            fp_children(env, &src->v[i], e->name, e->nlen, out);
        }
        return;
    }
    case OP_CALL: {
        s4s_fp_coll in = {0};
        const s4s_fp_coll *src = focus;
        if (e->l) { fp_eval(c, e->l, focus, &in); src = &in; }
        if (!env->err[0]) fp_call(c, e, src, out);
        return;
    }
    case OP_INDEXER: {
        s4s_fp_coll l = {0}, r = {0};
        fp_eval(c, e->l, focus, &l);
        fp_eval(c, e->r, focus, &r);
        fp_val ix;
        if (r.n != 1 || !fp_prim(&r.v[0], &ix) || ix.k != FK_INT) {
            if (r.n) fp_fail(env, e, "index must be a single integer");
            return;
        }
        if (ix.u.i >= 0 && ix.u.i < l.n) fp_push(env, out, &l.v[ix.u.i]);
        return;
    }
    case OP_NEG: {
        s4s_fp_coll l = {0};
        fp_eval(c, e->l, focus, &l);
        fp_val x;
        if (!single(c, e, &l, &x)) return;
        if (x.k == FK_INT) x.u.i = -x.u.i;
        else if (x.k == FK_DEC) x.u.d.m = -x.u.d.m;
        else if (x.k == FK_QTY) x.u.q.v.m = -x.u.q.v.m;
        else { fp_fail(env, e, "unary minus needs a number or quantity"); return; }
        fp_push(env, out, &x);
        return;
    }
    case OP_IS: case OP_AS: {
        s4s_fp_coll l = {0};
        fp_eval(c, e->l, focus, &l);
        if (l.n == 0) return;
        if (l.n > 1) { fp_fail(env, e, "'%s' needs a single item", e->op == OP_IS ? "is" : "as"); return; }
        bool is = fp_is_type(&l.v[0], &e->ts);
        if (e->op == OP_IS) fp_bool(env, out, is);
        else if (is) fp_push(env, out, &l.v[0]);
        return;
    }
    case OP_AND: case OP_OR: case OP_XOR: case OP_IMPLIES:
        logic(c, e, focus, out);
        return;
    case OP_IN:
        if (e->split) { in_split(c, e, focus, out); return; }
        binary(c, e, focus, out);
        return;
    default:
        binary(c, e, focus, out);
        return;
    }
}

/* --- entry points --------------------------------------------------------------- */

s4s_rc s4s_fp_compile(s4s_arena *a, const char *src, size_t n, s4s_fp_expr **out,
                      char *err, size_t errsz)
{
    *out = NULL;
    /* fp_is_type reads the hierarchy without synchronising: every
     * expression is compiled before it is evaluated */
    pthread_once(&parents_once, parents_init);
    fp_ast *root = fp_parse(a, src, n, err, errsz);
    if (!root || !fp_check(a, root, err, errsz)) return S4S_ERR_INVALID;
    s4s_fp_expr *x = s4s_arena_zalloc(a, sizeof *x);
    x->root = root;
    x->src = s4s_arena_strndup(a, src, n);
    *out = x;
    return S4S_OK;
}

s4s_rc s4s_fp_eval_item(const s4s_fp_expr *e, s4s_fp_env *env, const s4s_fp_val *item,
                        s4s_fp_coll *out)
{
    memset(out, 0, sizeof *out);
    env->err[0] = '\0';
    env->budget = DEFAULT_BUDGET;
    env->nmemo = 0;
    env->ndesc = 0;
    /* the focus is the caller's item: nothing pushes into it */
    s4s_fp_coll focus = {.v = (fp_val *)item, .n = item ? 1 : 0, .cap = item ? 1 : 0};
    fp_ctx c = {.env = env, .this_ = item, .ctxc = &focus, .index = -1};
    fp_eval(&c, e->root, &focus, out);
    if (env->err[0]) {
        out->n = 0;
        return S4S_ERR_INVALID;
    }
    return S4S_OK;
}

s4s_rc s4s_fp_eval(const s4s_fp_expr *e, s4s_fp_env *env, const s4s_node *node,
                   unsigned type_id, unsigned ctx, s4s_fp_coll *out)
{
    fp_val root;
    node_item(&root, node, NULL, NULL);
    if (type_id != S4S_FHIR_NONE) root.type = (uint16_t)type_id;
    if (ctx != S4S_FHIR_NONE) root.ctx = (uint16_t)ctx;
    else if (type_id != S4S_FHIR_NONE) root.ctx = (uint16_t)type_ctx(type_id);
    return s4s_fp_eval_item(e, env, node ? &root : NULL, out);
}

/* The walk reads the tree directly (no child collections) and builds an
 * item only where `want` says rules exist, so elements without invariants
 * cost one table lookup, as in the structure family. */
typedef struct walker {
    s4s_fp_env  *env;
    const bool  *live;  /* per context: may hold a wanted element; NULL: all */
    s4s_fp_want  want;
    s4s_fp_visit fn;
    void        *ud;
} walker;

static void walk_obj(walker *w, const s4s_node *obj, unsigned ctx, const s4s_node *res, unsigned depth);

/* The visit of val, an item of member key[0..klen) of obj named by k: fn
 * gets its item when want() takes it.  *v, *r: the item and the resource
 * below it, for the walk on; false: a primitive want() does not take
 * (asked before its item is built: it has nothing below). */
static bool visit_value(walker *w, const s4s_node *obj, const s4s_node *val, const char *key, size_t klen,
                        const s4s_fhir_key *k, const s4s_node *res, fp_val *v, const s4s_node **r)
{
    if (val->type != S4S_J_OBJECT) {
        /* the definition and type node_item would give it */
        unsigned elem = S4S_FHIR_NONE, type = S4S_FHIR_NONE;
        if (k && k->elem != S4S_FHIR_NONE) {
            elem = k->elem;
            if (!(s4s_fhir_elems[k->elem].flags & S4S_FE_RESOURCE)) type = k->type;
        }
        if (type != S4S_FHIR_NONE && s4s_fhir_types[type].kind == S4S_FK_RESOURCE) elem = S4S_FHIR_NONE;
        if (!w->want(w->ud, elem, type)) return false;
    }
    node_item(v, val, NULL, k);
    bool is_res = v->type != S4S_FHIR_NONE && s4s_fhir_types[v->type].kind == S4S_FK_RESOURCE;
    *r = is_res ? val : res;
    unsigned elem = is_res ? S4S_FHIR_NONE : v->elem;
    if (w->want(w->ud, elem, v->type)) {
        if (val->type != S4S_J_OBJECT && obj) {
            /* a primitive: pair it with its `_key` extension object */
            const s4s_node *u = under_sibling(obj, key, klen);
            if (u && u->type == S4S_J_OBJECT) v->ext = u;
            else if (u && u->type == S4S_J_ARRAY && val->parent && val->parent->type == S4S_J_ARRAY) {
                const s4s_node *x = s4s_at(u, val->index);
                if (x && x->type == S4S_J_OBJECT) v->ext = x;
            }
        }
        w->fn(w->ud, v, elem, v->type, v->ctx, *r, val);
    }
    return true;
}

static void walk_value(walker *w, const s4s_node *obj, const s4s_node *val, const char *key, size_t klen,
                       const s4s_fhir_key *k, const s4s_node *res, unsigned depth)
{
    fp_val v;
    const s4s_node *r;
    if (visit_value(w, obj, val, key, klen, k, res, &v, &r) && val->type == S4S_J_OBJECT)
        walk_obj(w, val, v.ctx, r, depth + 1);
}

/* x, an object item of a `_key` member with no value beside it: an
 * element of its own */
static void visit_alone(walker *w, const s4s_node *x, const s4s_fhir_key *k, const s4s_node *res)
{
    fp_val v;
    node_item(&v, NULL, x, k);
    if (w->want(w->ud, v.elem, v.type)) w->fn(w->ud, &v, v.elem, v.type, v.ctx, res, x);
}

static void walk_obj(walker *w, const s4s_node *obj, unsigned ctx, const s4s_node *res, unsigned depth)
{
    if (depth > S4S_FP_WALK_DEPTH) return; /* --max-depth bounds real input far below this */
    bool dead = w->live && ctx != S4S_FHIR_NONE && !w->live[ctx];
    S4S_EACH(m, obj) {
        const char *key = m->key;
        size_t klen = m->klen;
        if (!key || (klen == 12 && !memcmp(key, "resourceType", 12))) continue;
        bool under = klen > 1 && key[0] == '_';
        /* in a dead context only a primitive's extensions can hold anything
         * wanted (no definition shows them) */
        if (dead && !under) continue;
        if (under) { key++; klen--; }
        const s4s_fhir_key *k = ctx != S4S_FHIR_NONE ? s4s_fhir_member_key(m, ctx, key, klen) : NULL;
        if (under) {
            /* the extensions of a primitive; an extension-only primitive is
             * an element of its own */
            bool alone = !has_value_sibling(obj, key, klen);
            const s4s_node *one = m->type == S4S_J_ARRAY ? m->first : m;
            for (const s4s_node *x = one; x; x = m->type == S4S_J_ARRAY ? x->next : NULL) {
                if ((x->flags & S4S_NF_REMOVED) || x->type != S4S_J_OBJECT) continue;
                if (alone) visit_alone(w, x, k, res);
                walk_obj(w, x, S4S_FHIR_CTX_Element, res, depth + 1);
            }
            continue;
        }
        if (m->type == S4S_J_ARRAY) {
            S4S_EACH(it, m)
                if (it->type != S4S_J_NULL) walk_value(w, obj, it, key, klen, k, res, depth);
        } else if (m->type != S4S_J_NULL) {
            walk_value(w, obj, m, key, klen, k, res, depth);
        }
    }
}

static void visit_root(walker *w, const s4s_node *resource, fp_val *root)
{
    resource_item(w->env, root, resource);
    if (w->want(w->ud, S4S_FHIR_NONE, root->type))
        w->fn(w->ud, root, S4S_FHIR_NONE, root->type, root->ctx, resource, resource);
}

void s4s_fp_walk(s4s_fp_env *env, const s4s_node *resource, const bool *live, s4s_fp_want want,
                 s4s_fp_visit fn, void *ud)
{
    walker w = {.env = env, .live = live, .want = want, .fn = fn, .ud = ud};
    fp_val root;
    visit_root(&w, resource, &root);
    if (resource->type == S4S_J_OBJECT) walk_obj(&w, resource, root.ctx, resource, 0);
}

void s4s_fp_walk_list(s4s_fp_env *env, const s4s_node *resource, const s4s_elem_ref *list, size_t n,
                      s4s_fp_want want, s4s_fp_visit fn, void *ud)
{
    walker w = {.env = env, .want = want, .fn = fn, .ud = ud};
    fp_val root;
    visit_root(&w, resource, &root);
    for (size_t i = 0; i < n; i++) { /* list may be NULL when n is 0 */
        const s4s_elem_ref *e = &list[i];
        const s4s_fhir_key k = {.elem = e->elem, .type = e->type};
        if (e->alone) {
            visit_alone(&w, e->val, &k, e->res);
            continue;
        }
        /* the member: val itself, or the array val is an item of */
        const s4s_node *m = e->val->key ? e->val : e->val->parent;
        fp_val v;
        const s4s_node *r;
        visit_value(&w, m->parent, e->val, m->key, m->klen, &k, e->res, &v, &r);
    }
}

const s4s_node *s4s_fp_item_node(const s4s_fp_val *item)
{
    return item->k == FK_NODE ? item->n : NULL;
}

int s4s_fp_truth(const s4s_fp_coll *c)
{
    if (c->n != 1) return -1;
    fp_val v;
    if (!fp_prim(&c->v[0], &v) || v.k != FK_BOOL) return -1;
    return v.u.b;
}
