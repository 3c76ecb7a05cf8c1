/*
 * fhirpath_check.c - the checker: resolves, once per expression, what the
 * evaluator would otherwise look up by name on every run.
 *
 * Function names to ids with arity checks, type specifiers (is, as,
 * ofType) to FHIR type ids or System kinds, %constants to values, and
 * literal regular expressions validated by ICU.
 * Invariant: after fp_check() succeeds every OP_CALL has a valid fn, every
 * OP_IS/OP_AS a resolved ts, every OP_VAR a var; the AST is then read-only.
 */
#include "fhirpath_int.h"

#include <string.h>
#include "tables/fhir_r4.h"

typedef struct checker {
    s4s_arena *a;
    char *err;
    size_t errsz;
    bool failed;
} checker;

static void fail(checker *k, const fp_ast *e, const char *fmt, const char *arg)
{
    if (k->failed) return;
    k->failed = true;
    char m[S4S_FP_ERR - 24];
    snprintf(m, sizeof m, fmt, arg);
    snprintf(k->err, k->errsz, "%s at position %u", m, (unsigned)e->pos);
}

static const struct { const char *name; fp_kind k; } sys_types[] = {
    {"Boolean", FK_BOOL}, {"Integer", FK_INT}, {"Decimal", FK_DEC}, {"String", FK_STR},
    {"Date", FK_DATE}, {"DateTime", FK_DATETIME}, {"Time", FK_TIME}, {"Quantity", FK_QTY},
};

/* a type specifier written as Name or Namespace.Name (parsed as members) */
static bool resolve_type(checker *k, const fp_ast *t, fp_tspec *ts)
{
    const char *ns = NULL, *name;
    if (t->op != OP_MEMBER || (t->l && (t->l->op != OP_MEMBER || t->l->l))) {
        fail(k, t, "%s", "expected a type name");
        return false;
    }
    if (t->l) { ns = t->l->name; name = t->name; }
    else name = t->name;
    ts->name = name;
    ts->sys = -1;
    ts->fhir = S4S_FHIR_NONE;
    if (ns && strcmp(ns, "System") && strcmp(ns, "FHIR")) {
        fail(k, t, "unknown type namespace '%s'", ns);
        return false;
    }
    if (!ns || !strcmp(ns, "System"))
        for (size_t i = 0; i < sizeof sys_types / sizeof sys_types[0]; i++)
            if (!strcmp(name, sys_types[i].name)) ts->sys = (int8_t)sys_types[i].k;
    if (!ns || !strcmp(ns, "FHIR")) {
        unsigned id = fp_fhir_type_by_name(name, strlen(name));
        if (id != S4S_FHIR_NONE) ts->fhir = (uint16_t)id;
    }
    /* A capitalised name outside R4 (the R4B resources that R4's own
     * dom-r4b invariant names) is a type no R4 value has: `is` is false. */
    if (ts->sys < 0 && ts->fhir == S4S_FHIR_NONE && !(name[0] >= 'A' && name[0] <= 'Z')) {
        fail(k, t, "unknown type '%s'", name);
        return false;
    }
    return true;
}

static void var(checker *k, fp_ast *e)
{
    static const struct { const char *name; fp_var v; const char *val; } known[] = {
        {"resource", V_RESOURCE, NULL}, {"rootResource", V_ROOT, NULL},
        {"context", V_CONTEXT, NULL}, {"ucum", V_STR, "http://unitsofmeasure.org"},
        {"sct", V_STR, "http://snomed.info/sct"}, {"loinc", V_STR, "http://loinc.org"},
    };
    const char *val = NULL;
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (!strcmp(e->name, known[i].name)) { e->var = (uint8_t)known[i].v; val = known[i].val; goto found; }
    if (!strncmp(e->name, "vs-", 3))
        val = s4s_arena_printf(k->a, "http://hl7.org/fhir/ValueSet/%s", e->name + 3);
    else if (!strncmp(e->name, "ext-", 4))
        val = s4s_arena_printf(k->a, "http://hl7.org/fhir/StructureDefinition/%s", e->name + 4);
    else {
        fail(k, e, "unknown external constant '%%%s'", e->name);
        return;
    }
    e->var = V_STR;
found:
    if (e->var == V_STR) {
        e->lit.k = FK_STR;
        e->lit.u.s.p = val;
        e->lit.u.s.len = (uint32_t)strlen(val);
    }
}

/* a literal pattern is compiled here once so its syntax errors are compile
 * errors; the evaluator keeps its own compiled copies (ICU state is per
 * thread) */
static void regex(checker *k, const fp_ast *pat)
{
    if (pat->op != OP_LIT || pat->lit.k != FK_STR) return;
    UErrorCode st = U_ZERO_ERROR;
    URegularExpression *re = fp_regex_open(k->a, pat->lit.u.s.p, pat->lit.u.s.len, &st);
    if (U_FAILURE(st))
        fail(k, pat, "invalid regular expression (%s)", u_errorName(st));
    uregex_close(re);
}

static void walk(checker *k, fp_ast *e)
{
    if (!e || k->failed) return;
    switch (e->op) {
    case OP_VAR:
        var(k, e);
        return;
    case OP_IS: case OP_AS:
        walk(k, e->l);
        resolve_type(k, e->r, &e->ts);
        return;
    case OP_CALL: {
        int fn = fp_fn_find(e->name, e->nlen);
        if (fn < 0) { fail(k, e, "unknown function '%s'", e->name); return; }
        const fp_fninfo *f = &fp_fns[fn];
        if (e->nargs < f->min || e->nargs > f->max) {
            fail(k, e, "wrong number of arguments to %s()", f->name);
            return;
        }
        e->fn = (uint16_t)fn;
        walk(k, e->l);
        for (unsigned i = 0; i < e->nargs; i++) {
            if (i == 0 && f->typed) { resolve_type(k, e->args[0], &e->ts); continue; }
            walk(k, e->args[i]);
        }
        if (!strcmp(f->name, "matches") || !strcmp(f->name, "replaceMatches"))
            regex(k, e->args[0]);
        return;
    }
    case OP_MEMBER:
        /* `Patient.name`: a leading type name selects a focus of that type */
        if (!e->l && e->name[0] >= 'A' && e->name[0] <= 'Z') {
            unsigned t = fp_fhir_type_by_name(e->name, e->nlen);
            if (t != S4S_FHIR_NONE) {
                e->ts.fhir = (uint16_t)t;
                e->ts.sys = -1;
                e->ts.name = e->name;
            }
        }
        walk(k, e->l);
        return;
    default:
        walk(k, e->l);
        walk(k, e->r);
        return;
    }
}

/* e->dep: whether e's value can change with the focus.  Lambda arguments
 * get their own focus from the input, so they do not make a call depend on
 * the outer one. */
static bool dep(fp_ast *e)
{
    if (!e) return false;
    bool d = false;
    switch (e->op) {
    case OP_LIT: case OP_EMPTY: case OP_VAR: d = false; break;
    case OP_THIS: case OP_INDEX: case OP_TOTAL: d = true; break;
    case OP_MEMBER: d = !e->l || dep(e->l); break;
    case OP_CALL: {
        const fp_fninfo *f = &fp_fns[e->fn];
        d = !e->l || dep(e->l);
        for (unsigned i = 0; i < e->nargs; i++) {
            if (i == 0 && f->typed) continue;
            bool ad = dep(e->args[i]);
            if (!(f->lambda & (1u << i)) && ad) d = true;
        }
        /* now(), today() and trace() are not values to reuse */
        if (!strcmp(f->name, "trace") || !strcmp(f->name, "now") || !strcmp(f->name, "today") ||
            !strcmp(f->name, "timeOfDay"))
            d = true;
        break;
    }
    default: {
        bool a = dep(e->l), b = e->op == OP_IS || e->op == OP_AS ? false : dep(e->r);
        d = a || b;
        break;
    }
    }
    e->dep = d;
    return d;
}

/* cache the largest independent subtrees that do real work */
static void mark_memo(fp_ast *e, bool parent_dep)
{
    if (!e) return;
    if (!e->dep && parent_dep && (e->op == OP_CALL || (e->op == OP_MEMBER && e->l) || e->op >= OP_MUL)) {
        e->memo = true;
        return;
    }
    if (e->op == OP_IS || e->op == OP_AS) { mark_memo(e->l, e->dep); return; }
    mark_memo(e->l, e->dep);
    mark_memo(e->r, e->dep);
    for (unsigned i = 0; i < e->nargs; i++) {
        /* a lambda argument is re-evaluated per item: its own focus */
        bool lam = e->op == OP_CALL && (fp_fns[e->fn].lambda & (1u << i));
        mark_memo(e->args[i], lam ? true : e->dep);
    }
}

/* e cannot fail at run time (only run out of budget): variables, literals,
 * members, unions and the navigating or filtering functions */
static bool cannot_fail(const fp_ast *e)
{
    if (!e) return true;
    switch (e->op) {
    case OP_LIT: case OP_EMPTY: case OP_THIS: case OP_VAR: return true;
    case OP_MEMBER: return cannot_fail(e->l);
    case OP_UNION: return cannot_fail(e->l) && cannot_fail(e->r);
    case OP_CALL: {
        /* as() filters (several items pass); the argument is a type */
        const char *f = fp_fns[e->fn].name;
        return (!strcmp(f, "descendants") || !strcmp(f, "children") || !strcmp(f, "as") ||
                !strcmp(f, "ofType")) && cannot_fail(e->l);
    }
    default: return false;
    }
}

/* `x in (A | B | ...)` holds iff x is in A or in B ...; when none of them
 * can fail, A can be tested before B is built (dom-3 unites four walks of
 * the resource, and the first one mostly decides) */
static void mark_split(fp_ast *e)
{
    if (!e) return;
    if (e->op == OP_IN && e->r->op == OP_UNION && cannot_fail(e->r)) e->split = true;
    mark_split(e->l);
    mark_split(e->r);
    for (unsigned i = 0; i < e->nargs; i++) mark_split(e->args[i]);
}

bool fp_check(s4s_arena *a, fp_ast *root, char *err, size_t errsz)
{
    checker k = {.a = a, .err = err, .errsz = errsz};
    walk(&k, root);
    if (k.failed) return false;
    dep(root);
    mark_memo(root, false);
    mark_split(root);
    return true;
}

/* --- guards: a member whose absence decides an expression ------------------- */

/* the value of e at a $this without member m, as far as the shape decides */
enum { A_UNKNOWN, A_EMPTY, A_TRUE, A_FALSE };

/* functions whose result on an empty input is empty, whatever their
 * arguments (FHIRPath's empty propagation; lambdas never run) */
static const char *const empty_in_empty_out[] = {
    "where", "select", "trace", "ofType", "as", "is", "first", "last", "tail", "distinct",
    "children", "descendants", "resolve", "extension", "getValue", "not", "startsWith",
    "endsWith", "substring", "matches", "length", "contains", "lower", "upper",
};

static int absent(const fp_ast *e, const char *m, size_t mn)
{
    if (!e) return A_UNKNOWN;
    switch (e->op) {
    case OP_MEMBER:
        if (!e->l) return !e->ts.name && e->nlen == mn && !memcmp(e->name, m, mn) ? A_EMPTY : A_UNKNOWN;
        return absent(e->l, m, mn) == A_EMPTY ? A_EMPTY : A_UNKNOWN;
    case OP_CALL: {
        if (!e->l || absent(e->l, m, mn) != A_EMPTY) return A_UNKNOWN;
        const char *f = fp_fns[e->fn].name;
        if (!strcmp(f, "empty") || !strcmp(f, "all")) return A_TRUE;
        if (!strcmp(f, "exists")) return A_FALSE;
        for (size_t i = 0; i < sizeof empty_in_empty_out / sizeof empty_in_empty_out[0]; i++)
            if (!strcmp(f, empty_in_empty_out[i])) return A_EMPTY;
        return A_UNKNOWN;
    }
    case OP_AND: case OP_OR: case OP_IMPLIES: {
        int l = absent(e->l, m, mn), r = absent(e->r, m, mn);
        if (e->op == OP_IMPLIES) {
            if (l == A_FALSE || r == A_TRUE) return A_TRUE;
            if (l == A_TRUE) return r;
            return l == A_EMPTY && r != A_UNKNOWN ? A_EMPTY : A_UNKNOWN;
        }
        int win = e->op == OP_AND ? A_FALSE : A_TRUE, lose = e->op == OP_AND ? A_TRUE : A_FALSE;
        if (l == win || r == win) return win;
        if (l == A_UNKNOWN || r == A_UNKNOWN) return A_UNKNOWN;
        if (l == lose && r == lose) return lose;
        return A_EMPTY;
    }
    case OP_IN: return absent(e->l, m, mn) == A_EMPTY ? A_EMPTY : A_UNKNOWN;
    case OP_CONTAINS: return absent(e->r, m, mn) == A_EMPTY ? A_EMPTY : A_UNKNOWN;
    case OP_EQ: case OP_NE: case OP_LT: case OP_LE: case OP_GT: case OP_GE:
        return absent(e->l, m, mn) == A_EMPTY || absent(e->r, m, mn) == A_EMPTY ? A_EMPTY : A_UNKNOWN;
    default:
        return A_UNKNOWN;
    }
}

/* the first member of $this (outside lambdas) whose absence decides e */
static const fp_ast *find_guard(const fp_ast *root, const fp_ast *e, int *res)
{
    if (!e) return NULL;
    if (e->op == OP_MEMBER && !e->l && !e->ts.name) {
        int r = absent(root, e->name, e->nlen);
        if (r == A_TRUE || r == A_EMPTY) { *res = r; return e; }
    }
    const fp_ast *g = find_guard(root, e->l, res);
    if (!g && e->op != OP_CALL) g = find_guard(root, e->r, res);
    return g;
}

bool s4s_fp_guard(const s4s_fp_expr *x, const char **name, size_t *n, int *truth)
{
    int r = A_UNKNOWN;
    const fp_ast *g = find_guard(x->root, x->root, &r);
    if (!g) return false;
    *name = g->name;
    *n = g->nlen;
    *truth = r == A_TRUE ? 1 : -1;
    return true;
}
