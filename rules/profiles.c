/*
 * profiles.c - rule family "profiles": checks resources against profile
 * sets (profset.h): the built-in tables (US Core 3.1.1 and the FHIR R4
 * vital-signs profiles) and the packages
 * given with --package (rules/package.c), all in one representation.
 *
 * Which profiles: every profile named in meta.profile that a set knows (a
 * later package before an earlier one, packages before the built-in tables;
 * a canonical with a "|version" other than the profile's is not known); with
 * --profile=us-core also the one built-in profile for the resource's type,
 * chosen by content where a type has several (the highest-priority profile
 * whose selector pattern its code, else category, contains; else the type's
 * profile without a selector; a type's only profile always applies; a
 * named_only profile, such as every package profile and the generic R4
 * vitalsigns, never).  A profile named but not known gets one information
 * issue; the resource is then checked against base R4 only.
 *
 * The check walks the profile's kept snapshot elements over the instance:
 * cardinality (min above base, max below base), fixed (exact) and pattern
 * (contains) values, slicing (each value goes to the first slice whose
 * discriminator pattern it contains; counts per slice; a value no slice takes
 * is an error under closed slicing), extension profiles (an extension slice
 * is checked against its definition, complex ones such as us-core-race with
 * their sub-extension slices), required bindings against the expansions
 * (an error outside), extensible ones too (a warning when no coding, or the
 * bare code, is in the expansion; a CodeableConcept with text only is
 * not judged), and the profile's own constraints by the FHIRPath engine,
 * whose memberOf() sees the sets' value sets.  A binding whose value set
 * has no expansion here is "not evaluated": one information issue per
 * value set per run, never an error.
 *
 * Invariants: issues carry the profile id as their rule tag (diagnostics
 * "[us-core-patient]"), the snapshot element id (slice names included) in
 * the message and a plain FHIRPath as expression; messages name element
 * ids, codes, systems and canonical URLs only.  The family changes nothing.
 * Ownership: the state (loaded packages, parsed patterns, compiled
 * constraints, counters) is created by init and freed by fini; apply() runs
 * on one thread at a time.
 */
#include "rule.h"

#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_tree.h>
#include "fhirpath.h"
#include "profset.h"
#include "tables/fhir_r4.h"
#include "../filter/base/alloc.h"
#include "../filter/base/jsonw.h"

#define MAX_SLICES 32   /* per sliced element; the tables have fewer */
#define MAX_SETS   (1 + S4S_MAX_PACKAGES)
#define EXT_STRIDE (1 << 20) /* ext_prof: set * EXT_STRIDE + profile */

/* one profile set with what init derived from it (arrays sized by the set) */
typedef struct set_state {
    const s4s_prof_set *s;
    yajl_val     *fixed, *pattern, *match;   /* per element */
    yajl_val     *selector;                  /* per profile */
    int32_t      *ext_prof;                  /* type_profile resolved, -1 */
    uint32_t     *con_first;
    uint16_t     *con_n;
    uint16_t     *con_ctx;                   /* R4 children context of a backbone element, or NONE */
    bool         *slicing_ok;                /* every slice has a match */
    s4s_fp_expr **con_expr;
    bool         *vs_reported;
    uint64_t     *checked, *errors, *warnings; /* per profile */
} set_state;

typedef struct prof_state {
    s4s_arena   *arena;                          /* compiled constraints */
    set_state    sets[MAX_SETS];                 /* [0] the built-in tables */
    unsigned     nsets;
    bool         us_core;                        /* --profile=us-core */
    s4s_fp_env   env;
    uint64_t     unknown, not_evaluated;
    /* per apply() */
    s4s_rctx    *rc;
    set_state   *top;                            /* the set of the profile being checked */
    unsigned     cur;                            /* that profile */
    set_state   *es;                             /* the set whose elements the walk is in */
    const char  *via;                            /* extension profile id, or NULL */
} prof_state;

#define ELEM(st, i) (&(st)->es->s->elems[i])
#define KID(st, i)  ((st)->es->s->kids[i])

/* --- JSON patterns ------------------------------------------------------- */

/* n contains p (pattern), or equals it (exact: fixed[x]). */
static bool json_match(yajl_val p, const s4s_node *n, bool exact)
{
    if (!n) return false;
    switch (p->type) {
    case yajl_t_string:
        return n->type == S4S_J_STRING && n->len == strlen(p->u.string) && !memcmp(n->str, p->u.string, n->len);
    case yajl_t_number:
        return n->type == S4S_J_NUMBER && strtod(n->str, NULL) == p->u.number.d;
    case yajl_t_true: return n->type == S4S_J_TRUE;
    case yajl_t_false: return n->type == S4S_J_FALSE;
    case yajl_t_object: {
        if (n->type != S4S_J_OBJECT) return false;
        size_t live = 0;
        S4S_EACH(m, n) live++;
        if (exact && live != p->u.object.len) return false;
        for (size_t i = 0; i < p->u.object.len; i++)
            if (!json_match(p->u.object.values[i], s4s_get(n, p->u.object.keys[i]), exact)) return false;
        return true;
    }
    case yajl_t_array: {
        if (n->type != S4S_J_ARRAY) /* a pattern array over one element */
            return !exact && p->u.array.len == 1 && json_match(p->u.array.values[0], n, false);
        for (size_t i = 0; i < p->u.array.len; i++) {
            bool found = false;
            S4S_EACH(it, n) if (json_match(p->u.array.values[i], it, exact)) { found = true; break; }
            if (!found) return false;
        }
        return true;
    }
    default:
        return n->type == S4S_J_NULL;
    }
}

/* --- issues -------------------------------------------------------------- */

static void prof_issue(prof_state *st, s4s_sev sev, const char *code, const s4s_node *at, const char *path,
                  const char *fmt, ...) __attribute__((format(printf, 6, 7)));
static void prof_issue(prof_state *st, s4s_sev sev, const char *code, const s4s_node *at, const char *path,
                  const char *fmt, ...)
{
    s4s_rctx *rc = st->rc;
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    const char *family = rc->rule;
    rc->rule = st->top->s->profs[st->cur].id;
    /* the template groups stats by kind; the text is built from table data,
     * element ids and codes only */
    if (path) s4s_issue_path(rc, sev, code, path, at ? at->off : rc->off, "%s", msg);
    else s4s_issue(rc, sev, code, at, "%s", msg);
    rc->issues_tail->tmpl = fmt;
    rc->rule = family;
    if (sev == S4S_SEV_ERROR) st->top->errors[st->cur]++;
    else if (sev == S4S_SEV_WARNING) st->top->warnings[st->cur]++;
}

static const char *via_of(const prof_state *st) { return st->via ? st->via : ""; }
static const char *via_sep(const prof_state *st) { return st->via ? ": " : ""; }

/* --- element values -------------------------------------------------------- */

typedef struct val { const s4s_node *n; const char *key; } val;

/* member `key` is element `name` ("value[x]" takes valueQuantity...) */
static bool name_is(const char *name, const char *key, size_t klen)
{
    size_t nl = strlen(name);
    if (nl > 3 && !strcmp(name + nl - 3, "[x]"))
        return klen > nl - 3 && !memcmp(key, name, nl - 3) && key[nl - 3] >= 'A' && key[nl - 3] <= 'Z';
    return klen == nl && !memcmp(key, name, nl);
}

/* the values of element `name` in obj, into the arena */
static unsigned values_of(s4s_arena *a, const s4s_node *obj, const char *name, val **out, bool *ext_only)
{
    unsigned n = 0, cap = 0;
    *out = NULL;
    *ext_only = false;
    S4S_EACH(m, obj) {
        if (!m->key) continue;
        if (m->key[0] == '_' && name_is(name, m->key + 1, m->klen - 1)) { *ext_only = true; continue; }
        if (!name_is(name, m->key, m->klen)) continue;
        unsigned k = 0;
        if (m->type == S4S_J_ARRAY) { S4S_EACH(it, m) k++; }
        else k = 1;
        if (n + k > cap) {
            unsigned nc = (n + k) * 2;
            val *nv = s4s_arena_alloc(a, nc * sizeof *nv);
            if (n) memcpy(nv, *out, n * sizeof *nv);
            *out = nv;
            cap = nc;
        }
        if (m->type == S4S_J_ARRAY) { S4S_EACH(it, m) (*out)[n++] = (val){it, m->key}; }
        else (*out)[n++] = (val){m, m->key};
    }
    return n;
}

static const char *missing_path(prof_state *st, const s4s_node *obj, const char *name)
{
    const char *base = s4s_node_path(st->rc->arena, obj, st->rc->type);
    size_t nl = strlen(name);
    if (nl > 3 && !strcmp(name + nl - 3, "[x]")) nl -= 3;
    return s4s_arena_printf(st->rc->arena, "%s.%.*s", base, (int)nl, name);
}

/* --- bindings ------------------------------------------------------------ */

static int cmp_code(const void *k, const void *e) { return strcmp(k, *(const char *const *)e); }

static bool vs_has(const s4s_prof_set *set, const s4s_prof_vs *vs, const char *sys, const char *code, size_t clen)
{
    const char *const *codes = set->codes + vs->first;
    if (sys) {
        char key[512];
        if (snprintf(key, sizeof key, "%s|%.*s", sys, (int)clen, code) >= (int)sizeof key) return false;
        return bsearch(key, codes, (size_t)vs->n, sizeof *codes, cmp_code) != NULL;
    }
    for (int32_t i = 0; i < vs->n; i++) {
        const char *bar = strrchr(codes[i], '|');
        if (bar && strlen(bar + 1) == clen && !memcmp(bar + 1, code, clen)) return true;
    }
    return false;
}

static bool coding_in(const s4s_prof_set *set, const s4s_prof_vs *vs, const s4s_node *c, bool *any)
{
    const s4s_node *code = s4s_get(c, "code");
    if (!s4s_is_str(code)) return false;
    *any = true;
    return vs_has(set, vs, s4s_get_str(c, "system"), code->str, code->len);
}

/* vi of set ss cannot be expanded here: counted, reported once per run;
 * elem is the bound element, or NULL for a memberOf() in a constraint */
static void not_evaluated(prof_state *st, set_state *ss, unsigned vi, const s4s_node *at, bool extensible,
                          const char *elem)
{
    st->not_evaluated++;
    if (ss->vs_reported[vi]) return; /* this worker said it already */
    ss->vs_reported[vi] = true;
    if (elem)
        prof_issue(st, S4S_SEV_INFO, "informational", at, NULL,
                   "%s%s%s binding of %s to %s not evaluated: the value set is not expanded here",
                   via_of(st), via_sep(st), extensible ? "extensible" : "required", elem, ss->s->vss[vi].url);
    else
        prof_issue(st, S4S_SEV_INFO, "informational", at, NULL,
                   "memberOf(%s) in a constraint not evaluated: the value set is not expanded here",
                   ss->s->vss[vi].url);
    char key[32];
    snprintf(key, sizeof key, "profiles:%u:%u", (unsigned)(ss - st->sets), vi);
    s4s_issue_once(st->rc, key);
}

static void check_binding(prof_state *st, const s4s_prof_elem *e, const s4s_node *v)
{
    const s4s_prof_set *set = st->es->s;
    const s4s_prof_vs *vs = &set->vss[e->vs];
    const char *strength = e->vs_flags & S4S_BIND_EXTENSIBLE ? "extensible" : "required";
    if (vs->n < 0) {
        not_evaluated(st, st->es, (unsigned)e->vs, v, e->vs_flags & S4S_BIND_EXTENSIBLE, e->id);
        return;
    }
    bool any = false, ok = false;
    const s4s_node *bad = v;
    if (s4s_is_str(v)) {
        any = true;
        ok = vs_has(set, vs, NULL, v->str, v->len);
    } else if (v->type == S4S_J_OBJECT) {
        const s4s_node *cod = s4s_get(v, "coding");
        if (cod && cod->type == S4S_J_ARRAY) {
            S4S_EACH(c, cod) if (c->type == S4S_J_OBJECT && coding_in(set, vs, c, &any)) ok = true;
        } else {
            ok = coding_in(set, vs, v, &any);
            bad = s4s_get(v, "code");
        }
    }
    if (!any || ok) return;
    s4s_sev sev = e->vs_flags & S4S_BIND_EXTENSIBLE ? S4S_SEV_WARNING : S4S_SEV_ERROR;
    if (s4s_is_str(bad) && (e->vs_flags & S4S_BIND_STRING))
        prof_issue(st, sev, "code-invalid", bad, NULL, "%s%sthe value of %s is not in the %s value set %s",
              via_of(st), via_sep(st), e->id, strength, vs->url);
    else if (s4s_is_str(bad))
        prof_issue(st, sev, "code-invalid", bad, NULL, "%s%scode '%s' of %s is not in the %s value set %s",
              via_of(st), via_sep(st), bad->str, e->id, strength, vs->url);
    else
        prof_issue(st, sev, "code-invalid", v, NULL, "%s%sno code of %s is in the %s value set %s",
              via_of(st), via_sep(st), e->id, strength, vs->url);
}

/* memberOf() in a constraint: the sets' value sets (env->vs_member) */
static int member_of(void *ud, const char *url, size_t n, const char *system, const char *code)
{
    prof_state *st = ud;
    const char *bar = memchr(url, '|', n);
    if (bar) n = (size_t)(bar - url);
    for (unsigned k = st->nsets; k-- > 0;) {
        set_state *ss = &st->sets[k];
        for (unsigned i = 0; i < ss->s->nvs; i++) {
            const s4s_prof_vs *vs = &ss->s->vss[i];
            if (strlen(vs->url) != n || memcmp(vs->url, url, n)) continue;
            if (vs->n < 0) return -1;
            return code ? vs_has(ss->s, vs, system, code, strlen(code)) : 0;
        }
    }
    return -2;
}

/* memberOf() could not decide: "not evaluated" once per value set */
static void member_of_open(void *ud, const char *url, size_t n)
{
    prof_state *st = ud;
    for (unsigned k = st->nsets; k-- > 0;)
        for (unsigned i = 0; i < st->sets[k].s->nvs; i++)
            if (strlen(st->sets[k].s->vss[i].url) == n && !memcmp(st->sets[k].s->vss[i].url, url, n)) {
                not_evaluated(st, &st->sets[k], i, st->rc->root, false, NULL);
                return;
            }
}

/* --- constraints --------------------------------------------------------- */

/* the FHIR type a choice member names (effectiveDateTime -> dateTime) */
static unsigned choice_type(const char *elem_name, const char *key)
{
    size_t nl = strlen(elem_name);
    if (!key || nl < 4 || strcmp(elem_name + nl - 3, "[x]")) return S4S_FHIR_NONE;
    const char *t = key + nl - 3;
    for (unsigned i = 0; i < S4S_FHIR_N_TYPES; i++) {
        const char *tn = S4S_FHIR_STR(s4s_fhir_types[i].name);
        if ((tn[0] == t[0] || tn[0] + 'A' - 'a' == t[0]) && !strcmp(tn + 1, t + 1)) return i;
    }
    return S4S_FHIR_NONE;
}

static void check_constraints(prof_state *st, unsigned ei, const val *v)
{
    set_state *ss = st->es;
    for (unsigned i = ss->con_first[ei]; i < ss->con_first[ei] + ss->con_n[ei]; i++) {
        const s4s_prof_con *c = &ss->s->cons[i];
        s4s_fp_coll out;
        unsigned type = choice_type(ELEM(st, ei)->name, v->key);
        int t = s4s_fp_eval(ss->con_expr[i], &st->env, v->n, type, ss->con_ctx[ei], &out) == S4S_OK
                    ? s4s_fp_truth(&out) : -1;
        if (t != 0) continue; /* true, or not evaluated */
        prof_issue(st, c->error ? S4S_SEV_ERROR : S4S_SEV_WARNING, "invariant", v->n, NULL,
              "%s%sconstraint %s on %s failed: %s", via_of(st), via_sep(st), c->key, ELEM(st, ei)->id, c->human);
    }
}

/* --- the walk ------------------------------------------------------------ */

static void check_value(prof_state *st, unsigned ei, const val *v);

static bool slice_takes(const prof_state *st, unsigned si, const val *v)
{
    const char *m = ELEM(st, si)->match;
    if (!strncmp(m, "@type:", 6)) { /* type discriminator on a choice element */
        const char *name = ELEM(st, si)->name;
        size_t nl = strlen(name) - 3;
        const char *t = m + 6, *k = v->key + nl;
        return (k[0] == t[0] || k[0] == t[0] + 'A' - 'a') && !strcmp(k + 1, t + 1);
    }
    return json_match(st->es->match[si], v->n, false);
}

static void check_kid(prof_state *st, const s4s_node *obj, unsigned ki)
{
    const s4s_prof_elem *k = ELEM(st, ki);
    val *vals;
    bool ext_only;
    unsigned n = values_of(st->rc->arena, obj, k->name, &vals, &ext_only);
    if (n < k->min && !(n == 0 && ext_only))
        prof_issue(st, S4S_SEV_ERROR, "required", obj, missing_path(st, obj, k->name),
              "%s%s%s is required (min %u), found %u", via_of(st), via_sep(st), k->id, k->min, n);
    if (n > k->max)
        prof_issue(st, S4S_SEV_ERROR, "structure", vals[k->max].n, NULL,
              "%s%s%s allows at most %u, found %u", via_of(st), via_sep(st), k->id, k->max, n);
    if (k->nslices && st->es->slicing_ok[ki]) {
        unsigned cnt[MAX_SLICES] = {0};
        for (unsigned i = 0; i < n; i++) {
            bool taken = false;
            for (unsigned s = 0; s < k->nslices && s < MAX_SLICES && !taken; s++) {
                unsigned si = KID(st, k->slices + s);
                if (!slice_takes(st, si, &vals[i])) continue;
                taken = true;
                if (++cnt[s] > ELEM(st, si)->max)
                    prof_issue(st, S4S_SEV_ERROR, "structure", vals[i].n, NULL, "%s%sslice %s allows at most %u",
                          via_of(st), via_sep(st), ELEM(st, si)->id, ELEM(st, si)->max);
                check_value(st, si, &vals[i]);
            }
            if (!taken && k->slicing == S4S_SLICING_CLOSED)
                prof_issue(st, S4S_SEV_ERROR, "structure", vals[i].n, NULL,
                      "%s%sa value of %s matches none of its slices (closed slicing)", via_of(st), via_sep(st), k->id);
        }
        for (unsigned s = 0; s < k->nslices && s < MAX_SLICES; s++) {
            const s4s_prof_elem *se = ELEM(st, KID(st, k->slices + s));
            if (n && cnt[s] < se->min)
                prof_issue(st, S4S_SEV_ERROR, "required", obj, missing_path(st, obj, k->name),
                      "%s%sslice %s is required (min %u), found %u", via_of(st), via_sep(st), se->id, se->min, cnt[s]);
            else if (!n && se->min && k->min == 0)
                prof_issue(st, S4S_SEV_ERROR, "required", obj, missing_path(st, obj, k->name),
                      "%s%sslice %s is required (min %u), found 0", via_of(st), via_sep(st), se->id, se->min);
        }
    }
    for (unsigned i = 0; i < n; i++) check_value(st, ki, &vals[i]);
}

static void check_value(prof_state *st, unsigned ei, const val *v)
{
    const s4s_prof_elem *e = ELEM(st, ei);
    set_state *ss = st->es;
    if (ss->fixed[ei] && !json_match(ss->fixed[ei], v->n, true))
        prof_issue(st, S4S_SEV_ERROR, "value", v->n, NULL, "%s%s%s does not have the fixed value %s",
              via_of(st), via_sep(st), e->id, e->fixed);
    if (ss->pattern[ei] && !json_match(ss->pattern[ei], v->n, false))
        prof_issue(st, S4S_SEV_ERROR, "value", v->n, NULL, "%s%s%s does not match the pattern %s",
              via_of(st), via_sep(st), e->id, e->pattern);
    if (e->vs >= 0) check_binding(st, e, v->n);
    if (ss->con_n[ei]) check_constraints(st, ei, v);
    if (ss->ext_prof[ei] >= 0) {
        set_state *xs = &st->sets[ss->ext_prof[ei] / EXT_STRIDE];
        const s4s_prof *xp = &xs->s->profs[ss->ext_prof[ei] % EXT_STRIDE];
        const char *via = st->via;
        st->via = xp->id;
        st->es = xs;
        check_value(st, xp->first, v);
        st->es = ss;
        st->via = via;
    }
    if (v->n->type == S4S_J_OBJECT)
        for (unsigned i = 0; i < e->nkids; i++) check_kid(st, v->n, KID(st, e->kids + i));
}

/* --- selection ----------------------------------------------------------- */

/* the profile with this canonical (later sets first): set * EXT_STRIDE +
 * index, or -1; version (NULL: any) must be the profile's */
static int32_t find_profile(const prof_state *st, const char *url, size_t n, const char *version, size_t vn)
{
    for (unsigned k = st->nsets; k-- > 0;) {
        const s4s_prof_set *set = st->sets[k].s;
        for (unsigned i = 0; i < set->nprofs; i++) {
            const s4s_prof *p = &set->profs[i];
            if (strlen(p->url) != n || memcmp(p->url, url, n)) continue;
            if (version && p->version && (strlen(p->version) != vn || memcmp(p->version, version, vn)))
                continue;
            return (int32_t)(k * EXT_STRIDE + i);
        }
    }
    return -1;
}

/* the US Core profile for this resource by type and content, or -1 */
static int select_profile(const prof_state *st, const s4s_node *root, const char *type)
{
    const set_state *ss = &st->sets[0];
    const s4s_prof *profs = ss->s->profs;
    int best = -1, deflt = -1, only = -1;
    unsigned n = 0;
    for (unsigned i = 0; i < ss->s->nprofs; i++) {
        const s4s_prof *p = &profs[i];
        if (p->extension || p->named_only || strcmp(p->type, type)) continue;
        only = (int)i;
        n++;
        if (!p->selector) { deflt = (int)i; continue; }
        const s4s_node *m = s4s_get(root, p->prio == 2 ? "code" : "category");
        if (!m || !json_match(ss->selector[i], m, false)) continue;
        if (best < 0 || p->prio > profs[best].prio ||
            (p->prio == profs[best].prio && strlen(p->selector) > strlen(profs[best].selector)))
            best = (int)i;
    }
    if (n == 1) return only; /* a type's one profile applies whatever its content */
    return best >= 0 ? best : deflt;
}

static void check_profile(prof_state *st, int32_t ref)
{
    st->top = st->es = &st->sets[ref / EXT_STRIDE];
    st->cur = (unsigned)(ref % EXT_STRIDE);
    st->via = NULL;
    st->top->checked[st->cur]++;
    val root = {st->rc->root, NULL};
    check_value(st, st->top->s->profs[st->cur].first, &root);
}

static void apply(s4s_rctx *rc, void *state)
{
    prof_state *st = state;
    if (!st || !rc->root || rc->root->type != S4S_J_OBJECT || !rc->type) return;
    st->rc = rc;
    st->env.arena = rc->arena;
    st->env.resource = rc->root;
    st->env.root = rc->root;
    int32_t todo[8];
    unsigned ntodo = 0;
    const s4s_node *meta = s4s_get(rc->root, "meta");
    const s4s_node *mp = meta && meta->type == S4S_J_OBJECT ? s4s_get(meta, "profile") : NULL;
    if (mp && mp->type == S4S_J_ARRAY) {
        S4S_EACH(u, mp) {
            if (!s4s_is_str(u)) continue;
            const char *bar = memchr(u->str, '|', u->len);
            size_t ulen = bar ? (size_t)(bar - u->str) : u->len;
            int32_t pi = find_profile(st, u->str, ulen, bar ? bar + 1 : NULL, bar ? u->len - ulen - 1 : 0);
            if (pi >= 0 && strcmp(st->sets[pi / EXT_STRIDE].s->profs[pi % EXT_STRIDE].type, rc->type)) pi = -1;
            if (pi < 0) {
                static const char base[] = "http://hl7.org/fhir/StructureDefinition/";
                if (ulen == sizeof base - 1 + strlen(rc->type) && !memcmp(u->str, base, sizeof base - 1) &&
                    !memcmp(u->str + sizeof base - 1, rc->type, strlen(rc->type)))
                    continue; /* the base definition: checked by the structure family */
                st->unknown++;
                const char *family = rc->rule;
                rc->rule = "profiles";
                s4s_issue(rc, S4S_SEV_INFO, "not-supported", u,
                          "profile %.*s is not known here: checked against base R4 only", (int)u->len, u->str);
                rc->rule = family;
                continue;
            }
            bool dup = false;
            for (unsigned i = 0; i < ntodo; i++) dup |= todo[i] == pi;
            if (!dup && ntodo < 8) todo[ntodo++] = pi;
        }
    }
    if (st->us_core) {
        int32_t pi = select_profile(st, rc->root, rc->type);
        bool dup = false;
        for (unsigned i = 0; i < ntodo; i++) dup |= todo[i] == pi;
        if (pi >= 0 && !dup && ntodo < 8) todo[ntodo++] = pi;
    }
    for (unsigned i = 0; i < ntodo; i++) check_profile(st, todo[i]);
}

/* --- life cycle ---------------------------------------------------------- */

static void fini(void *state)
{
    prof_state *st = state;
    if (!st) return;
    for (unsigned k = 0; k < st->nsets; k++) {
        set_state *ss = &st->sets[k];
        /* each array checked alone: an allocation failure in prepare()
         * leaves the later ones NULL */
        yajl_val *trees[] = {ss->fixed, ss->pattern, ss->match};
        for (size_t t = 0; t < sizeof trees / sizeof *trees; t++)
            for (unsigned i = 0; trees[t] && i < ss->s->nelems; i++) yajl_tree_free(trees[t][i]);
        for (unsigned i = 0; ss->selector && i < ss->s->nprofs; i++) yajl_tree_free(ss->selector[i]);
        void *arrs[] = {ss->fixed, ss->pattern, ss->match, ss->selector, ss->ext_prof, ss->con_first, ss->con_n,
                        ss->con_ctx, ss->slicing_ok, ss->con_expr, ss->vs_reported, ss->checked, ss->errors,
                        ss->warnings};
        for (size_t i = 0; i < sizeof arrs / sizeof *arrs; i++) free(arrs[i]);
        if (ss->s != &s4s_prof_builtin) s4s_package_free((s4s_prof_set *)ss->s);
    }
    s4s_fp_env_fini(&st->env);
    s4s_arena_free(st->arena);
    free(st);
}

static yajl_val parse(const char *json)
{
    return json ? yajl_tree_parse(json, NULL, 0) : NULL;
}

/* the R4 children context of the element with snapshot id `id` (slice
 * names dropped: "Observation.component:SystolicBP" is Observation.component),
 * so a constraint on a backbone element resolves its choices (vs-3's
 * `value`); S4S_FHIR_NONE for a typed element, whose type says it */
static unsigned backbone_ctx(s4s_arena *a, const char *id)
{
    size_t n = strlen(id);
    char *path = s4s_arena_alloc(a, n + 1), *o = path;
    for (const char *p = id; *p;) {
        if (*p == ':') { p += strcspn(p, "."); continue; }
        *o++ = *p++;
    }
    *o = 0;
    for (unsigned c = 0; c < S4S_FHIR_N_CTX; c++)
        if (!strcmp(S4S_FHIR_STR(s4s_fhir_ctxs[c].path), path)) return c;
    return S4S_FHIR_NONE;
}

static void *cells(size_t n, size_t size) { return s4s_xcalloc(n ? n : 1, size); }

/* derive what apply() needs from one set: patterns parsed, extension
 * profiles resolved (over every set loaded so far), constraints compiled */
static s4s_rc prepare(prof_state *st, set_state *ss)
{
    const s4s_prof_set *set = ss->s;
    ss->fixed = cells(set->nelems, sizeof *ss->fixed);
    ss->pattern = cells(set->nelems, sizeof *ss->pattern);
    ss->match = cells(set->nelems, sizeof *ss->match);
    ss->selector = cells(set->nprofs, sizeof *ss->selector);
    ss->ext_prof = cells(set->nelems, sizeof *ss->ext_prof);
    ss->con_first = cells(set->nelems, sizeof *ss->con_first);
    ss->con_n = cells(set->nelems, sizeof *ss->con_n);
    ss->con_ctx = cells(set->nelems, sizeof *ss->con_ctx);
    ss->slicing_ok = cells(set->nelems, sizeof *ss->slicing_ok);
    ss->con_expr = cells(set->ncons, sizeof *ss->con_expr);
    ss->vs_reported = cells(set->nvs, sizeof *ss->vs_reported);
    ss->checked = cells(set->nprofs, sizeof *ss->checked);
    ss->errors = cells(set->nprofs, sizeof *ss->errors);
    ss->warnings = cells(set->nprofs, sizeof *ss->warnings);
    for (unsigned i = 0; i < set->nelems; i++) {
        const s4s_prof_elem *e = &set->elems[i];
        ss->fixed[i] = parse(e->fixed);
        ss->pattern[i] = parse(e->pattern);
        ss->match[i] = strncmp(e->match ? e->match : "@", "@", 1) ? parse(e->match) : NULL;
        ss->ext_prof[i] = e->type_profile ? find_profile(st, e->type_profile, strlen(e->type_profile), NULL, 0) : -1;
        ss->slicing_ok[i] = true;
        for (unsigned s = 0; s < e->nslices; s++)
            if (!set->elems[set->kids[e->slices + s]].match) ss->slicing_ok[i] = false;
    }
    for (unsigned i = 0; i < set->nprofs; i++) ss->selector[i] = parse(set->profs[i].selector);
    for (unsigned i = 0; i < set->nelems; i++) ss->con_ctx[i] = S4S_FHIR_NONE;
    for (unsigned i = 0; i < set->ncons; i++) {
        const s4s_prof_con *c = &set->cons[i];
        char err[256];
        if (!ss->con_n[c->elem]) {
            ss->con_first[c->elem] = i;
            ss->con_ctx[c->elem] = (uint16_t)backbone_ctx(st->arena, set->elems[c->elem].id);
        }
        ss->con_n[c->elem]++;
        if (s4s_fp_compile(st->arena, c->expr, strlen(c->expr), &ss->con_expr[i], err, sizeof err) != S4S_OK) {
            fprintf(stderr, "s4s-normalize: %s: profile constraint %s does not compile: %s\n", set->name, c->key, err);
            return S4S_ERR_FORMAT;
        }
    }
    return S4S_OK;
}

static s4s_rc init(const s4s_opts *o, s4s_term *term, void **state)
{
    (void)term;
    *state = NULL;
    if (!o->validate) return S4S_OK;
    /* published before it is filled: an allocation failure unwinds to the
     * pipe, whose fini then frees the half-built state (alloc.h) */
    prof_state *st = s4s_xcalloc(1, sizeof *st);
    *state = st;
    st->arena = s4s_arena_new(1 << 14);
    st->us_core = o->profile == S4S_PROFILE_US_CORE;
    st->env.vs_member = member_of;
    st->env.vs_not_evaluated = member_of_open;
    st->env.vs_ud = st;
    st->sets[0].s = &s4s_prof_builtin;
    st->nsets = 1;
    s4s_rc rc = S4S_OK;
    for (unsigned i = 0; i < o->npackages && !rc; i++) {
        char err[768];
        s4s_prof_set *set;
        rc = s4s_package_load(o->packages[i], &set, err, sizeof err);
        if (rc) fprintf(stderr, "s4s-normalize: --package %s\n", err);
        else st->sets[st->nsets++].s = set;
    }
    /* extension profiles resolve against every set, so all are loaded first */
    for (unsigned k = 0; k < st->nsets && !rc; k++) rc = prepare(st, &st->sets[k]);
    if (rc) {
        *state = NULL;
        fini(st);
    }
    return rc;
}

static void merge(void *into, const void *from)
{
    prof_state *a = into;
    const prof_state *b = from;
    if (!a || !b) return;
    a->unknown += b->unknown;
    a->not_evaluated += b->not_evaluated;
    for (unsigned k = 0; k < a->nsets; k++) /* every worker loads the same sets */
        for (unsigned i = 0; i < a->sets[k].s->nprofs; i++) {
            a->sets[k].checked[i] += b->sets[k].checked[i];
            a->sets[k].errors[i] += b->sets[k].errors[i];
            a->sets[k].warnings[i] += b->sets[k].warnings[i];
        }
}

static void stats(void *state, s4s_jw *w)
{
    prof_state *st = state;
    if (!st) return;
    bool any = st->us_core || st->unknown;
    for (unsigned k = 0; k < st->nsets; k++)
        for (unsigned i = 0; i < st->sets[k].s->nprofs; i++) any |= st->sets[k].checked[i] != 0;
    if (!any) return; /* a run that involves no profile keeps its stats as before */
    s4s_jw_key(w, "profiles");
    s4s_jw_obj(w);
    s4s_jw_kstr(w, "mode", st->us_core ? "us-core" : "none");
    s4s_jw_kuint(w, "unknown_profiles", st->unknown);
    s4s_jw_kuint(w, "bindings_not_evaluated", st->not_evaluated);
    s4s_jw_key(w, "checked");
    s4s_jw_obj(w);
    for (unsigned k = 0; k < st->nsets; k++) {
        const set_state *ss = &st->sets[k];
        for (unsigned i = 0; i < ss->s->nprofs; i++) {
            if (!ss->checked[i]) continue;
            s4s_jw_key(w, ss->s->profs[i].url);
            s4s_jw_obj(w);
            s4s_jw_kuint(w, "resources", ss->checked[i]);
            s4s_jw_kuint(w, "errors", ss->errors[i]);
            s4s_jw_kuint(w, "warnings", ss->warnings[i]);
            s4s_jw_obj_end(w);
        }
    }
    s4s_jw_obj_end(w);
    s4s_jw_obj_end(w);
}

const s4s_rule s4s_rule_profiles = {
    .name = "profiles",
    .init = init,
    .apply = apply,
    .stats = stats,
    .side_output = NULL,
    .fini = fini,
    .merge = merge,
};
