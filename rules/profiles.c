/*
 * profiles.c - rule family "profiles": checks resources against the US Core
 * 3.1.1 profiles of rules/tables/profiles_uscore.h.
 *
 * Which profiles: every profile named in meta.profile that the tables know
 * (a canonical with a "|version" other than the tables' is not known); with
 * --profile=us-core also the one US Core profile for the resource's type,
 * chosen by content where a type has several (the highest-priority profile
 * whose selector pattern its code, else category, contains; else the
 * type's profile without a selector; a type's only profile always applies).  A profile named but not known gets
 * one information issue; the resource is then checked against base R4 only.
 *
 * The check walks the profile's kept snapshot elements over the instance:
 * cardinality (min above base, max below base), fixed (exact) and pattern
 * (contains) values, slicing (each value goes to the first slice whose
 * discriminator pattern it contains; counts per slice; a value no slice takes
 * is an error under closed slicing), extension profiles (an extension slice
 * is checked against its definition, complex ones such as us-core-race with
 * their sub-extension slices), required bindings against the generated
 * expansions, and the profile's own constraints by the FHIRPath engine.
 * A binding whose value set has no expansion here is "not evaluated": one
 * information issue per value set per run, never an error.
 *
 * Invariants: issues carry the profile id as their rule tag (diagnostics
 * "[us-core-patient]"), the snapshot element id (slice names included) in
 * the message and a plain FHIRPath as expression; messages name element
 * ids, codes, systems and canonical URLs only.  The family changes nothing.
 * Ownership: the state (parsed patterns, compiled constraints, counters) is
 * created by init and freed by fini; apply() runs on one thread at a time.
 */
#include "rule.h"

#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_tree.h>
#include "fhirpath.h"
#include "tables/fhir_r4.h"
#include "tables/profiles_uscore.h"
#include "../filter/base/alloc.h"
#include "../filter/base/jsonw.h"

#define MAX_SLICES 32   /* per sliced element; the tables have fewer */

typedef struct prof_state {
    s4s_arena   *arena;                          /* compiled constraints */
    yajl_val     fixed[S4S_PROF_N_ELEMS];
    yajl_val     pattern[S4S_PROF_N_ELEMS];
    yajl_val     match[S4S_PROF_N_ELEMS];
    yajl_val     selector[S4S_PROF_N_PROFILES];
    int16_t      ext_prof[S4S_PROF_N_ELEMS];     /* type_profile as a profile index, -1 */
    uint16_t     con_first[S4S_PROF_N_ELEMS], con_n[S4S_PROF_N_ELEMS];
    bool         slicing_ok[S4S_PROF_N_ELEMS];   /* every slice has a match */
    s4s_fp_expr *con_expr[S4S_PROF_N_CONS];
    bool         vs_reported[S4S_PROF_N_VS];
    bool         us_core;                        /* --profile=us-core */
    s4s_fp_env   env;
    uint64_t     checked[S4S_PROF_N_PROFILES], errors[S4S_PROF_N_PROFILES],
                 warnings[S4S_PROF_N_PROFILES];
    uint64_t     unknown, not_evaluated;
    /* per apply() */
    s4s_rctx    *rc;
    unsigned     cur;                            /* profile being checked */
    const char  *via;                            /* extension profile id, or NULL */
} prof_state;

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
    rc->rule = s4s_profs[st->cur].id;
    /* the template groups stats by kind; the text is built from table data,
     * element ids and codes only */
    if (path) s4s_issue_path(rc, sev, code, path, at ? at->off : rc->off, "%s", msg);
    else s4s_issue(rc, sev, code, at, "%s", msg);
    rc->issues_tail->tmpl = fmt;
    rc->rule = family;
    if (sev == S4S_SEV_ERROR) st->errors[st->cur]++;
    else if (sev == S4S_SEV_WARNING) st->warnings[st->cur]++;
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

static bool vs_has(const s4s_prof_vs *vs, const char *sys, const char *code, size_t clen)
{
    const char *const *codes = s4s_prof_codes + vs->first;
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

static bool coding_in(const s4s_prof_vs *vs, const s4s_node *c, bool *any)
{
    const s4s_node *code = s4s_get(c, "code");
    if (!s4s_is_str(code)) return false;
    *any = true;
    return vs_has(vs, s4s_get_str(c, "system"), code->str, code->len);
}

static void check_binding(prof_state *st, const s4s_prof_elem *e, const s4s_node *v)
{
    const s4s_prof_vs *vs = &s4s_prof_vss[e->vs];
    if (vs->n < 0) {
        st->not_evaluated++;
        if (!st->vs_reported[e->vs]) {
            st->vs_reported[e->vs] = true;
            prof_issue(st, S4S_SEV_INFO, "informational", v, NULL,
                  "%s%srequired binding of %s to %s not evaluated: the value set is not expanded here",
                  via_of(st), via_sep(st), e->id, vs->url);
        }
        return;
    }
    bool any = false, ok = false;
    const s4s_node *bad = v;
    if (s4s_is_str(v)) {
        any = true;
        ok = vs_has(vs, NULL, v->str, v->len);
    } else if (v->type == S4S_J_OBJECT) {
        const s4s_node *cod = s4s_get(v, "coding");
        if (cod && cod->type == S4S_J_ARRAY) {
            S4S_EACH(c, cod) if (c->type == S4S_J_OBJECT && coding_in(vs, c, &any)) ok = true;
        } else {
            ok = coding_in(vs, v, &any);
            bad = s4s_get(v, "code");
        }
    }
    if (!any || ok) return;
    if (s4s_is_str(bad))
        prof_issue(st, S4S_SEV_ERROR, "code-invalid", bad, NULL, "%s%scode '%s' of %s is not in the required value set %s",
              via_of(st), via_sep(st), bad->str, e->id, vs->url);
    else
        prof_issue(st, S4S_SEV_ERROR, "code-invalid", v, NULL, "%s%sno code of %s is in the required value set %s",
              via_of(st), via_sep(st), e->id, vs->url);
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
    for (unsigned i = st->con_first[ei]; i < (unsigned)st->con_first[ei] + st->con_n[ei]; i++) {
        const s4s_prof_con *c = &s4s_prof_cons[i];
        s4s_fp_coll out;
        unsigned type = choice_type(s4s_prof_elems[ei].name, v->key);
        int t = s4s_fp_eval(st->con_expr[i], &st->env, v->n, type, S4S_FHIR_NONE, &out) == S4S_OK
                    ? s4s_fp_truth(&out) : -1;
        if (t != 0) continue; /* true, or not evaluated */
        prof_issue(st, c->error ? S4S_SEV_ERROR : S4S_SEV_WARNING, "invariant", v->n, NULL,
              "%s%sconstraint %s on %s failed: %s", via_of(st), via_sep(st), c->key, s4s_prof_elems[ei].id, c->human);
    }
}

/* --- the walk ------------------------------------------------------------ */

static void check_value(prof_state *st, unsigned ei, const val *v);

static bool slice_takes(const prof_state *st, unsigned si, const val *v)
{
    const char *m = s4s_prof_elems[si].match;
    if (!strncmp(m, "@type:", 6)) { /* type discriminator on a choice element */
        const char *name = s4s_prof_elems[si].name;
        size_t nl = strlen(name) - 3;
        const char *t = m + 6, *k = v->key + nl;
        return (k[0] == t[0] || k[0] == t[0] + 'A' - 'a') && !strcmp(k + 1, t + 1);
    }
    return json_match(st->match[si], v->n, false);
}

static void check_kid(prof_state *st, const s4s_node *obj, unsigned ki)
{
    const s4s_prof_elem *k = &s4s_prof_elems[ki];
    val *vals;
    bool ext_only;
    unsigned n = values_of(st->rc->arena, obj, k->name, &vals, &ext_only);
    if (n < k->min && !(n == 0 && ext_only))
        prof_issue(st, S4S_SEV_ERROR, "required", obj, missing_path(st, obj, k->name),
              "%s%s%s is required (min %u), found %u", via_of(st), via_sep(st), k->id, k->min, n);
    if (n > k->max)
        prof_issue(st, S4S_SEV_ERROR, "structure", vals[k->max].n, NULL,
              "%s%s%s allows at most %u, found %u", via_of(st), via_sep(st), k->id, k->max, n);
    if (k->nslices && st->slicing_ok[ki]) {
        unsigned cnt[MAX_SLICES] = {0};
        for (unsigned i = 0; i < n; i++) {
            bool taken = false;
            for (unsigned s = 0; s < k->nslices && s < MAX_SLICES && !taken; s++) {
                unsigned si = s4s_prof_kids[k->slices + s];
                if (!slice_takes(st, si, &vals[i])) continue;
                taken = true;
                if (++cnt[s] > s4s_prof_elems[si].max)
                    prof_issue(st, S4S_SEV_ERROR, "structure", vals[i].n, NULL, "%s%sslice %s allows at most %u",
                          via_of(st), via_sep(st), s4s_prof_elems[si].id, s4s_prof_elems[si].max);
                check_value(st, si, &vals[i]);
            }
            if (!taken && k->slicing == S4S_SLICING_CLOSED)
                prof_issue(st, S4S_SEV_ERROR, "structure", vals[i].n, NULL,
                      "%s%sa value of %s matches none of its slices (closed slicing)", via_of(st), via_sep(st), k->id);
        }
        for (unsigned s = 0; s < k->nslices && s < MAX_SLICES; s++) {
            const s4s_prof_elem *se = &s4s_prof_elems[s4s_prof_kids[k->slices + s]];
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
    const s4s_prof_elem *e = &s4s_prof_elems[ei];
    if (st->fixed[ei] && !json_match(st->fixed[ei], v->n, true))
        prof_issue(st, S4S_SEV_ERROR, "value", v->n, NULL, "%s%s%s does not have the fixed value %s",
              via_of(st), via_sep(st), e->id, e->fixed);
    if (st->pattern[ei] && !json_match(st->pattern[ei], v->n, false))
        prof_issue(st, S4S_SEV_ERROR, "value", v->n, NULL, "%s%s%s does not match the pattern %s",
              via_of(st), via_sep(st), e->id, e->pattern);
    if (e->vs >= 0) check_binding(st, e, v->n);
    if (st->con_n[ei]) check_constraints(st, ei, v);
    if (st->ext_prof[ei] >= 0) {
        const s4s_prof *xp = &s4s_profs[st->ext_prof[ei]];
        const char *via = st->via;
        st->via = xp->id;
        check_value(st, xp->first, v);
        st->via = via;
    }
    if (v->n->type == S4S_J_OBJECT)
        for (unsigned i = 0; i < e->nkids; i++) check_kid(st, v->n, s4s_prof_kids[e->kids + i]);
}

/* --- selection ----------------------------------------------------------- */

static int find_profile(const char *url, size_t n)
{
    for (unsigned i = 0; i < S4S_PROF_N_PROFILES; i++)
        if (strlen(s4s_profs[i].url) == n && !memcmp(s4s_profs[i].url, url, n)) return (int)i;
    return -1;
}

/* the US Core profile for this resource by type and content, or -1 */
static int select_profile(const prof_state *st, const s4s_node *root, const char *type)
{
    int best = -1, deflt = -1, only = -1;
    unsigned n = 0;
    for (unsigned i = 0; i < S4S_PROF_N_PROFILES; i++) {
        const s4s_prof *p = &s4s_profs[i];
        if (p->extension || strcmp(p->type, type)) continue;
        only = (int)i;
        n++;
        if (!p->selector) { deflt = (int)i; continue; }
        const s4s_node *m = s4s_get(root, p->prio == 2 ? "code" : "category");
        if (!m || !json_match(st->selector[i], m, false)) continue;
        if (best < 0 || p->prio > s4s_profs[best].prio ||
            (p->prio == s4s_profs[best].prio && strlen(p->selector) > strlen(s4s_profs[best].selector)))
            best = (int)i;
    }
    if (n == 1) return only; /* a type's one profile applies whatever its content */
    return best >= 0 ? best : deflt;
}

static void check_profile(prof_state *st, unsigned pi)
{
    st->cur = pi;
    st->via = NULL;
    st->checked[pi]++;
    val root = {st->rc->root, NULL};
    check_value(st, s4s_profs[pi].first, &root);
}

static void apply(s4s_rctx *rc, void *state)
{
    prof_state *st = state;
    if (!st || !rc->root || rc->root->type != S4S_J_OBJECT || !rc->type) return;
    st->rc = rc;
    st->env.arena = rc->arena;
    st->env.resource = rc->root;
    st->env.root = rc->root;
    int todo[8];
    unsigned ntodo = 0;
    const s4s_node *meta = s4s_get(rc->root, "meta");
    const s4s_node *mp = meta && meta->type == S4S_J_OBJECT ? s4s_get(meta, "profile") : NULL;
    if (mp && mp->type == S4S_J_ARRAY) {
        S4S_EACH(u, mp) {
            if (!s4s_is_str(u)) continue;
            const char *bar = memchr(u->str, '|', u->len);
            size_t ulen = bar ? (size_t)(bar - u->str) : u->len;
            int pi = find_profile(u->str, ulen);
            if (pi >= 0 && bar && strcmp(bar + 1, S4S_PROF_VERSION)) pi = -1;
            if (pi >= 0 && strcmp(s4s_profs[pi].type, rc->type)) pi = -1;
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
        int pi = select_profile(st, rc->root, rc->type);
        bool dup = false;
        for (unsigned i = 0; i < ntodo; i++) dup |= todo[i] == pi;
        if (pi >= 0 && !dup && ntodo < 8) todo[ntodo++] = pi;
    }
    for (unsigned i = 0; i < ntodo; i++) check_profile(st, (unsigned)todo[i]);
}

/* --- life cycle ---------------------------------------------------------- */

static void fini(void *state)
{
    prof_state *st = state;
    if (!st) return;
    for (unsigned i = 0; i < S4S_PROF_N_ELEMS; i++) {
        yajl_tree_free(st->fixed[i]);
        yajl_tree_free(st->pattern[i]);
        yajl_tree_free(st->match[i]);
    }
    for (unsigned i = 0; i < S4S_PROF_N_PROFILES; i++) yajl_tree_free(st->selector[i]);
    s4s_fp_env_fini(&st->env);
    s4s_arena_free(st->arena);
    free(st);
}

static yajl_val parse(const char *json)
{
    return json ? yajl_tree_parse(json, NULL, 0) : NULL;
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
    for (unsigned i = 0; i < S4S_PROF_N_ELEMS; i++) {
        const s4s_prof_elem *e = &s4s_prof_elems[i];
        st->fixed[i] = parse(e->fixed);
        st->pattern[i] = parse(e->pattern);
        st->match[i] = strncmp(e->match ? e->match : "@", "@", 1) ? parse(e->match) : NULL;
        st->ext_prof[i] = (int16_t)(e->type_profile ? find_profile(e->type_profile, strlen(e->type_profile)) : -1);
        st->slicing_ok[i] = true;
        for (unsigned s = 0; s < e->nslices; s++)
            if (!s4s_prof_elems[s4s_prof_kids[e->slices + s]].match) st->slicing_ok[i] = false;
    }
    for (unsigned i = 0; i < S4S_PROF_N_PROFILES; i++) st->selector[i] = parse(s4s_profs[i].selector);
    for (unsigned i = 0; i < S4S_PROF_N_CONS; i++) {
        const s4s_prof_con *c = &s4s_prof_cons[i];
        char err[256];
        if (!st->con_n[c->elem]) st->con_first[c->elem] = (uint16_t)i;
        st->con_n[c->elem]++;
        if (s4s_fp_compile(st->arena, c->expr, strlen(c->expr), &st->con_expr[i], err, sizeof err) != S4S_OK) {
            fprintf(stderr, "s4s-normalize: profile constraint %s does not compile: %s\n", c->key, err);
            *state = NULL;
            fini(st);
            return S4S_ERR_FORMAT;
        }
    }
    return S4S_OK;
}

static void stats(void *state, s4s_jw *w)
{
    prof_state *st = state;
    if (!st) return;
    bool any = st->us_core || st->unknown;
    for (unsigned i = 0; i < S4S_PROF_N_PROFILES; i++) any |= st->checked[i] != 0;
    if (!any) return; /* a run that involves no profile keeps its stats as before */
    s4s_jw_key(w, "profiles");
    s4s_jw_obj(w);
    s4s_jw_kstr(w, "mode", st->us_core ? "us-core" : "none");
    s4s_jw_kuint(w, "unknown_profiles", st->unknown);
    s4s_jw_kuint(w, "bindings_not_evaluated", st->not_evaluated);
    s4s_jw_key(w, "checked");
    s4s_jw_obj(w);
    for (unsigned i = 0; i < S4S_PROF_N_PROFILES; i++) {
        if (!st->checked[i]) continue;
        s4s_jw_key(w, s4s_profs[i].url);
        s4s_jw_obj(w);
        s4s_jw_kuint(w, "resources", st->checked[i]);
        s4s_jw_kuint(w, "errors", st->errors[i]);
        s4s_jw_kuint(w, "warnings", st->warnings[i]);
        s4s_jw_obj_end(w);
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
};
