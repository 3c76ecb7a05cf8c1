/*
 * invariants.c - rule family "invariants": every constraint of the FHIR R4
 * element definitions (rules/tables/fhir_invariants.h), run by the FHIRPath
 * engine on each element of its path.
 *
 * Each distinct expression is compiled once at init (a failure is a fatal
 * init error: the table is checked by the unit test and `make tables`).
 * Rows are mapped once to the R4 model: by element definition, by backbone
 * context (so a contentReference element such as Questionnaire.item.item
 * gets Questionnaire.item's rules) and by type (a type's own rules, such as
 * per-1 on every Period).  At run time the elements come from the
 * structure family's list (rule.h rc->elems) when it is whole, else from one
 * walk of the tree; an element runs only the rows of its definition and
 * type, each key at most once, so invariants whose path does not occur cost
 * nothing.
 *
 * Invariants: an issue has code `invariant`, severity from the constraint
 * (best-practice ones as warning), details = the constraint's human text,
 * expression = the element's path, diagnostics tag "invariant KEY".  An
 * expression that is empty or fails at run time is "not evaluated" (counted,
 * never reported as a failure).  ele-1 and dom-4 are left to the structure
 * family, which reports them (with their keys) already.  A shortcut
 * (ref-1, dom-3, per-1) answers "true" only where the engine provably
 * would, and otherwise leaves the expression to the engine, so results
 * never differ.
 */
#include "rule.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "fhirpath.h"
#include "tables/fhir_invariants.h"
#include "tables/fhir_r4.h"
#include "../filter/base/alloc.h"
#include "../filter/base/counter.h"
#include "../filter/base/jsonw.h"
#include "../terminology/ucum.h"

typedef struct range { uint16_t first, n; } range;

/* true: the expression certainly holds on item (st->env: %resource and
 * %rootResource; st->rc: the resource's context), as the engine would
 * find; false: undecided, the engine evaluates it */
typedef struct inv_state inv_state;
typedef bool (*shortcut)(const inv_state *st, const s4s_fp_val *item);

struct inv_state {
    s4s_arena   *arena;                           /* compiled expressions */
    s4s_fp_expr *expr[S4S_FHIR_N_INV_EXPRS];
    struct { const char *name; size_t n; int truth; } guard[S4S_FHIR_N_INV_EXPRS]; /* name NULL: none */
    shortcut     fast[S4S_FHIR_N_INV_EXPRS];      /* NULL: none */
    bool         skip_key[S4S_FHIR_N_INV_KEYS];   /* checked by the structure family */
    bool         warnings;                        /* --invariants=all */
    bool         live_elem[S4S_FHIR_N_ELEMS];     /* has a row that runs */
    bool         live_type[S4S_FHIR_N_TYPES];
    bool         live_ctx[S4S_FHIR_N_CTX];        /* a live element below */
    /* the rows that run (key not skipped, severity wanted), in table order;
     * the run_* ranges index it */
    uint16_t     live_row[S4S_FHIR_N_INVS];
    range        run_elem[S4S_FHIR_N_ELEMS];
    range        run_ctx[S4S_FHIR_N_CTX];
    range        run_type[S4S_FHIR_N_TYPES];
    s4s_fp_env   env;
    uint64_t     evaluated, failed, not_evaluated;
    s4s_counter  by_key;                          /* failures per key */
    /* per apply() */
    s4s_rctx    *rc;
};

/* rows are sorted by path: the contiguous run of one path */
static range rows_of(const char *path)
{
    size_t lo = 0, hi = S4S_FHIR_N_INVS;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (strcmp(s4s_fhir_invs[mid].path, path) < 0) lo = mid + 1;
        else hi = mid;
    }
    range r = {(uint16_t)lo, 0};
    while (lo + r.n < S4S_FHIR_N_INVS && !strcmp(s4s_fhir_invs[lo + r.n].path, path)) r.n++;
    return r;
}

/* an object item without member m (nor a choice mX, nor _m): its guarded
 * expressions are decided without evaluation (s4s_fp_guard) */
static bool lacks(const s4s_fp_val *item, const char *m, size_t mn)
{
    const s4s_node *obj = s4s_fp_item_node(item);
    if (!obj || obj->type != S4S_J_OBJECT) return false;
    S4S_EACH(k, obj) {
        const char *key = k->key;
        size_t kl = k->klen;
        if (kl > 1 && key[0] == '_') key++, kl--;
        if (kl >= mn && key[0] == m[0] && !memcmp(key, m, mn) && (kl == mn || (key[mn] >= 'A' && key[mn] <= 'Z')))
            return false;
    }
    return true;
}

/* what one element has run so far: keys (each runs once) and the truth of
 * each expression evaluated (txt-1 and txt-2 share one) */
typedef struct ran {
    uint16_t key[64], expr[64];
    int8_t   truth[64];
    unsigned nkey, nexpr;
    const char *lacked;   /* the last guard member asked about (dom-2, 3, 5: contained) */
    size_t      nlacked;
    bool        lacks;    /* and the answer */
} ran;

/* lacks(), asked once per element for each member name in a row */
static bool lacks_once(ran *done, const s4s_fp_val *item, const char *m, size_t mn)
{
    if (done->lacked && done->nlacked == mn && !memcmp(done->lacked, m, mn)) return done->lacks;
    done->lacked = m;
    done->nlacked = mn;
    return done->lacks = lacks(item, m, mn);
}

/* --- shortcuts: the costliest constraints on everyday data --------------- */

/* obj's only live member named m (NULL: none or several) */
static const s4s_node *only_member(const s4s_node *obj, const char *m, size_t mn)
{
    const s4s_node *found = NULL;
    S4S_EACH(c, obj)
        if (c->klen == mn && !memcmp(c->key, m, mn)) {
            if (found) return NULL;
            found = c;
        }
    return found;
}

static const char ref1_src[] =
    "reference.startsWith('#').not() or (reference.substring(1).trace('url') in "
    "%rootResource.contained.id.trace('ids'))";

/* ref-1 on a Reference whose one `reference` is a string: `reference` is
 * that string alone (a `_reference` is paired with it; no R4 element is
 * named reference[x]).  Not starting with '#': startsWith('#') is false,
 * not() true, and `true or ...` is true without evaluating the right side.
 * "#x": the left side is false, substring(1) is x ('#' is one code point),
 * and x is in %rootResource.contained.id when a live object in its one
 * `contained` array has a string `id` x (each such id is in that
 * collection; trace() passes it through). */
static bool ref1_fast(const inv_state *st, const s4s_fp_val *item)
{
    const s4s_fp_env *env = &st->env;
    const s4s_node *obj = s4s_fp_item_node(item);
    if (!obj || obj->type != S4S_J_OBJECT) return false;
    const s4s_node *r = only_member(obj, "reference", 9);
    if (!r || r->type != S4S_J_STRING || r->len == 0) return false;
    if (r->str[0] != '#') return true;
    const s4s_node *root = env->root ? env->root : env->resource;
    const s4s_node *cont = root && root->type == S4S_J_OBJECT ? only_member(root, "contained", 9) : NULL;
    if (r->len < 2 || !cont || cont->type != S4S_J_ARRAY) return false;
    S4S_EACH(c, cont) {
        const s4s_node *id = c->type == S4S_J_OBJECT ? s4s_get(c, "id") : NULL;
        if (id && id->type == S4S_J_STRING && id->len == r->len - 1 && !memcmp(id->str, r->str + 1, id->len))
            return true;
    }
    return false;
}

/* dom-3 in the two forms the table holds; both hold when every contained
 * resource's '#'+id is one of %resource.descendants().reference */
static const char dom3_src[] =
    "contained.where((('#'+id in (%resource.descendants().reference | %resource.descendants().as(canonical) | "
    "%resource.descendants().as(uri) | %resource.descendants().as(url))) or descendants().where(reference = '#')"
    ".exists() or descendants().where(as(canonical) = '#').exists() or descendants().where(as(canonical) = '#')"
    ".exists()).not()).trace('unmatched', id).empty()";
static const char dom3b_src[] =
    "contained.where(((id.exists() and ('#'+id in (%resource.descendants().reference | "
    "%resource.descendants().as(canonical) | %resource.descendants().as(uri) | %resource.descendants().as(url))))"
    " or descendants().where(reference = '#').exists() or descendants().where(as(canonical) = '#').exists() or "
    "descendants().where(as(uri) = '#').exists()).not()).trace('unmatched', id).empty()";

/* The engine spends about one budget unit (DEFAULT_BUDGET, 4M in
 * fhirpath_eval.c) per node on dom-3 (measured on the corpora); under this
 * bound on nodes x (contained + 1), 40 times that, it cannot run out, so
 * it never answers "not evaluated" where the shortcut answers true. */
#define DOM3_FAST_WORK 100000u
#define DOM3_MAX_REFS  64u

typedef struct local_refs {
    const s4s_node *ref[DOM3_MAX_REFS];   /* "reference": "#..." strings (more: left out,
                                             which only sends dom-3 to the engine) */
    unsigned        n;
    size_t          nodes;                /* every node below the resource */
} local_refs;

/* Counts every node below n; collects the `reference` strings starting
 * with '#' only where descendants() certainly reaches (safe): through live
 * members not named `_x` and through arrays one level deep.  The engine
 * also looks into `_x` objects: a reference missed here only sends dom-3
 * to the engine. */
static void collect_refs(const s4s_node *n, bool safe, local_refs *lr)
{
    bool obj = n->type == S4S_J_OBJECT;
    for (const s4s_node *c = n->first; c; c = c->next) {
        lr->nodes++;
        bool ok = safe && !(c->flags & S4S_NF_REMOVED) && !(obj && c->klen > 0 && c->key[0] == '_');
        if (ok && obj && c->type == S4S_J_STRING && c->klen == 9 && !memcmp(c->key, "reference", 9) &&
            c->len > 1 && c->str[0] == '#' && lr->n < DOM3_MAX_REFS)
            lr->ref[lr->n++] = c;
        if (c->type == S4S_J_OBJECT) collect_refs(c, ok, lr);
        else if (c->type == S4S_J_ARRAY) collect_refs(c, ok && obj, lr);
    }
}

/* Would collect_refs reach c from res: each step down a live member not
 * named _x, or an item of an array that is a member? */
static bool reached(const s4s_node *c, const s4s_node *res)
{
    for (; c != res; c = c->parent) {
        const s4s_node *p = c->parent;
        if (!p || (c->flags & S4S_NF_REMOVED))
            return false;
        bool obj = p->type == S4S_J_OBJECT;
        if ((obj && c->klen > 0 && c->key[0] == '_') || (c->type == S4S_J_ARRAY && !obj))
            return false;
    }
    return true;
}

/* collect_refs of the resource from the parser's list of references and
 * its count of nodes, while they hold (rule.h): no walk */
static bool listed_refs(const s4s_rctx *rc, const s4s_node *res, local_refs *lr)
{
    if (res != rc->root || !rc->refs_listed || rc->reshaped)
        return false;
    lr->nodes = rc->nodes;
    for (uint32_t i = 0; i < rc->nrefs && lr->n < DOM3_MAX_REFS; i++) {
        const s4s_node *c = rc->refs[i];
        if (c->type == S4S_J_STRING && c->len > 1 && c->str[0] == '#' && reached(c, res))
            lr->ref[lr->n++] = c;
    }
    return true;
}

/* dom-3 on a resource whose one `contained` is an array of objects, each
 * with one string `id` that a collected reference names.  The engine:
 * `contained` gives those objects; per one, '#'+id is one string and `in`
 * finds it in %resource.descendants().reference (strings compare bytewise;
 * none of those strings parses as a date, starting with '#'), so the
 * where() criterion is `(true or ...).not()`, false; where() is empty and
 * empty() is true.  The second form adds `id.exists() and`, also true. */
static bool dom3_fast(const inv_state *st, const s4s_fp_val *item)
{
    const s4s_fp_env *env = &st->env;
    const s4s_node *res = env->resource;
    const s4s_node *obj = s4s_fp_item_node(item);
    if (!obj || obj != res || obj->type != S4S_J_OBJECT || s4s_get(obj, "_contained")) return false;
    const s4s_node *cont = only_member(obj, "contained", 9);
    if (!cont || cont->type != S4S_J_ARRAY) return false;
    local_refs lr;
    lr.n = 0;
    lr.nodes = 0;
    if (!listed_refs(st->rc, res, &lr))
        collect_refs(res, true, &lr);
    size_t ncont = 0;
    S4S_EACH(c, cont) {
        ncont++;
        const s4s_node *id = c->type == S4S_J_OBJECT ? only_member(c, "id", 2) : NULL;
        if (!id || id->type != S4S_J_STRING || id->len == 0) return false;
        bool named = false;
        for (unsigned i = 0; i < lr.n && !named; i++)
            named = lr.ref[i]->len == id->len + 1 && !memcmp(lr.ref[i]->str + 1, id->str, id->len);
        if (!named) return false;
    }
    return lr.nodes * (ncont + 1) <= DOM3_FAST_WORK;
}

static const char per1_src[] = "start.hasValue().not() or end.hasValue().not() or (start <= end)";

static bool digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9') return false;
    return true;
}

static int two(const char *s) { return (s[0] - '0') * 10 + (s[1] - '0'); }

/* "YYYY-MM-DDThh:mm:ss" then "Z" or "+hh:mm"/"-hh:mm", every field in the
 * range the engine's parser accepts (a leap second aside, which goes to the
 * engine) */
static bool plain_datetime(const char *s, size_t n)
{
    static const char days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (n != 20 && n != 25) return false;
    if (!digits(s, 4) || s[4] != '-' || !digits(s + 5, 2) || s[7] != '-' || !digits(s + 8, 2) || s[10] != 'T' ||
        !digits(s + 11, 2) || s[13] != ':' || !digits(s + 14, 2) || s[16] != ':' || !digits(s + 17, 2))
        return false;
    int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + two(s + 2), mo = two(s + 5), d = two(s + 8);
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (mo < 1 || mo > 12 || d < 1 || d > days[mo - 1] + (mo == 2 && leap) || two(s + 11) > 23 ||
        two(s + 14) > 59 || two(s + 17) > 59)
        return false;
    if (n == 20) return s[19] == 'Z';
    return (s[19] == '+' || s[19] == '-') && digits(s + 20, 2) && s[22] == ':' && digits(s + 23, 2) &&
           two(s + 20) <= 14 && two(s + 23) <= 59;
}

/* per-1 on a Period whose one start and one end are such dateTimes with the
 * same zone, start not after end.  The engine: both hasValue(), so the
 * expression is `start <= end`; both parse at second precision (or, typed
 * otherwise, stay strings) and with one offset compare as their text does,
 * so the answer is true.  (No element of Period is a start[x] or end[x].) */
static bool per1_fast(const inv_state *st, const s4s_fp_val *item)
{
    (void)st;
    const s4s_node *obj = s4s_fp_item_node(item);
    if (!obj || obj->type != S4S_J_OBJECT) return false;
    const s4s_node *a = only_member(obj, "start", 5), *b = only_member(obj, "end", 3);
    return a && b && a->type == S4S_J_STRING && b->type == S4S_J_STRING && a->len == b->len &&
           plain_datetime(a->str, a->len) && plain_datetime(b->str, b->len) &&
           !memcmp(a->str + 19, b->str + 19, a->len - 19) && memcmp(a->str, b->str, 19) <= 0;
}

static const struct { const char *src; shortcut fn; } shortcuts[] = {
    {ref1_src, ref1_fast}, {dom3_src, dom3_fast}, {dom3b_src, dom3_fast}, {per1_src, per1_fast},
};

static void run_rows(inv_state *st, range r, const s4s_fp_val *item, const s4s_node *at, ran *done)
{
    s4s_rctx *rc = st->rc;
    for (unsigned i = r.first; i < (unsigned)r.first + r.n; i++) {
        const s4s_fhir_inv *inv = &s4s_fhir_invs[st->live_row[i]];
        bool seen = false;
        for (unsigned j = 0; j < done->nkey && !seen; j++) seen = done->key[j] == inv->key;
        if (seen) continue;
        if (done->nkey < 64) done->key[done->nkey++] = inv->key;
        st->evaluated++;
        if (st->guard[inv->expr].name && lacks_once(done, item, st->guard[inv->expr].name, st->guard[inv->expr].n)) {
            st->not_evaluated += st->guard[inv->expr].truth < 0;
            continue;
        }
        int t = 2;
        for (unsigned j = 0; j < done->nexpr && t == 2; j++)
            if (done->expr[j] == inv->expr) t = done->truth[j];
        if (t == 2) {
            s4s_fp_coll out;
            if (st->fast[inv->expr] && st->fast[inv->expr](st, item))
                t = 1;
            else
                t = s4s_fp_eval_item(st->expr[inv->expr], &st->env, item, &out) == S4S_OK ? s4s_fp_truth(&out) : -1;
            if (done->nexpr < 64) {
                done->expr[done->nexpr] = inv->expr;
                done->truth[done->nexpr++] = (int8_t)t;
            }
        }
        if (t < 0) { st->not_evaluated++; continue; }
        if (t == 1) continue;
        st->failed++;
        const char *key = s4s_fhir_inv_keys[inv->key];
        s4s_counter_add(&st->by_key, key, strlen(key), 0, 1);
        /* the diagnostics tag is the rule name; the template is the human
         * text (printf-safe by generation) so stats group by constraint */
        const char *family = rc->rule;
        rc->rule = s4s_fhir_inv_tags[inv->key];
        s4s_issue(rc, (inv->flags & S4S_INV_ERROR) ? S4S_SEV_ERROR : S4S_SEV_WARNING, "invariant", at,
                  s4s_fhir_inv_humans[inv->human], key);
        rc->rule = family;
    }
}

/* the rows an element runs: its definition's (a backbone or contentReference
 * element: its context's) and its type's; as a range of live_row */
static range def_runs(const inv_state *st, unsigned elem)
{
    if (elem == S4S_FHIR_NONE) return (range){0, 0};
    unsigned ectx = s4s_fhir_elems[elem].ctx;
    return ectx != S4S_FHIR_NONE ? st->run_ctx[ectx] : st->run_elem[elem];
}

static bool want(void *ud, unsigned elem, unsigned type)
{
    const inv_state *st = ud;
    return (elem != S4S_FHIR_NONE && st->live_elem[elem]) || (type != S4S_FHIR_NONE && st->live_type[type]);
}

static void visit(void *ud, const s4s_fp_val *item, unsigned elem, unsigned type, unsigned ctx,
                  const s4s_node *res, const s4s_node *at)
{
    inv_state *st = ud;
    ran done;
    done.nkey = done.nexpr = 0;
    done.lacked = NULL;
    range a = def_runs(st, elem), b = {0, 0};
    if (type != S4S_FHIR_NONE) b = st->run_type[type];
    (void)ctx;
    st->env.resource = res;
    run_rows(st, a, item, at, &done);
    run_rows(st, b, item, at, &done);
}

/* a row that runs: its key is not left to another family and its
 * severity is wanted */
static bool runs(const inv_state *st, unsigned i)
{
    const s4s_fhir_inv *inv = &s4s_fhir_invs[i];
    return !st->skip_key[inv->key] && ((inv->flags & S4S_INV_ERROR) || st->warnings);
}

static range live_range(const uint16_t *before, range r)
{
    return (range){before[r.first], (uint16_t)(before[r.first + r.n] - before[r.first])};
}

/* live_ctx by fixed point over the element graph: a context is live when
 * one of its elements (extension and modifierExtension too: ext-1 runs on
 * every Extension, also on one of a Coding in a CodeableConcept)
 * runs rows, is a resource, or leads to a live context */
static void compute_live(inv_state *st)
{
    bool changed = true;
    while (changed) {
        changed = false;
        for (unsigned c = 0; c < S4S_FHIR_N_CTX; c++) {
            if (st->live_ctx[c]) continue;
            const s4s_fhir_ctx *cx = &s4s_fhir_ctxs[c];
            bool live = false;
            for (unsigned i = cx->first; i < (unsigned)cx->first + cx->n && !live; i++) {
                const s4s_fhir_elem *e = &s4s_fhir_elems[i];
                if (st->live_elem[i] || (e->flags & S4S_FE_RESOURCE)) live = true;
                if (e->ctx != S4S_FHIR_NONE && st->live_ctx[e->ctx]) live = true;
                for (unsigned t = 0; t < e->ntypes && !live; t++) {
                    unsigned ty = s4s_fhir_elem_types[e->types + t];
                    unsigned tc = s4s_fhir_types[ty].ctx;
                    if (st->live_type[ty] || (tc != S4S_FHIR_NONE && st->live_ctx[tc])) live = true;
                }
            }
            if (live) { st->live_ctx[c] = true; changed = true; }
        }
    }
}

/* The table's rows of each element definition, backbone context and type,
 * found once per process (the tables are constant; a search per name was
 * most of each worker's start) */
static range table_elem[S4S_FHIR_N_ELEMS], table_ctx[S4S_FHIR_N_CTX], table_type[S4S_FHIR_N_TYPES];
static bool listed_elem[S4S_FHIR_N_ELEMS], listed_type[S4S_FHIR_N_TYPES];
static const s4s_elem_listing listing = {listed_elem, listed_type};
static pthread_once_t table_once = PTHREAD_ONCE_INIT;

/* ele-1 and dom-4: the structure family checks and reports them */
static bool structure_checks(unsigned key)
{
    const char *k = s4s_fhir_inv_keys[key];
    return !strcmp(k, "ele-1") || !strcmp(k, "dom-4");
}

/* a row of r runs at some --invariants level */
static bool any_runs(range r)
{
    for (unsigned i = r.first; i < (unsigned)r.first + r.n; i++)
        if (!structure_checks(s4s_fhir_invs[i].key)) return true;
    return false;
}

static void table_init(void)
{
    for (unsigned i = 0; i < S4S_FHIR_N_ELEMS; i++) table_elem[i] = rows_of(S4S_FHIR_STR(s4s_fhir_elems[i].path));
    for (unsigned i = 0; i < S4S_FHIR_N_CTX; i++) table_ctx[i] = rows_of(S4S_FHIR_STR(s4s_fhir_ctxs[i].path));
    for (unsigned i = 0; i < S4S_FHIR_N_TYPES; i++) table_type[i] = rows_of(S4S_FHIR_STR(s4s_fhir_types[i].name));
    /* as def_runs picks an element's rows */
    for (unsigned i = 0; i < S4S_FHIR_N_ELEMS; i++) {
        unsigned ectx = s4s_fhir_elems[i].ctx;
        listed_elem[i] = any_runs(ectx != S4S_FHIR_NONE ? table_ctx[ectx] : table_elem[i]);
    }
    for (unsigned i = 0; i < S4S_FHIR_N_TYPES; i++) listed_type[i] = any_runs(table_type[i]);
}

const s4s_elem_listing *s4s_invariants_listing(void)
{
    pthread_once(&table_once, table_init);
    return &listing;
}

static s4s_rc init(const s4s_opts *o, s4s_term *term, void **state)
{
    (void)term;
    *state = NULL;
    if (!o->validate || o->invariants == S4S_INVARIANTS_OFF) return S4S_OK;
    /* held by the pipe from here on, so fini frees it if a later
     * allocation runs out of memory */
    inv_state *st = s4s_xcalloc(1, sizeof *st);
    *state = st; /* the pipe frees it (fini), also when a later allocation fails */
    st->arena = s4s_arena_new(1 << 16);
    for (unsigned i = 0; i < S4S_FHIR_N_INV_EXPRS; i++) {
        char err[256];
        const char *src = s4s_fhir_inv_exprs[i];
        if (s4s_fp_compile(st->arena, src, strlen(src), &st->expr[i], err, sizeof err) != S4S_OK) {
            fprintf(stderr, "s4s-normalize: invariant expression does not compile: %s\n", err);
            return S4S_ERR_FORMAT;
        }
    }
    /* contained.*, reference.* ...: most elements lack the member that
     * decides the expression (dom-2..5 on every resource) */
    for (unsigned i = 0; i < S4S_FHIR_N_INV_EXPRS; i++)
        if (!s4s_fp_guard(st->expr[i], &st->guard[i].name, &st->guard[i].n, &st->guard[i].truth))
            st->guard[i].name = NULL;
    for (unsigned i = 0; i < S4S_FHIR_N_INV_EXPRS; i++)
        for (size_t j = 0; j < sizeof shortcuts / sizeof shortcuts[0]; j++)
            if (!strcmp(s4s_fhir_inv_exprs[i], shortcuts[j].src)) st->fast[i] = shortcuts[j].fn;
    for (unsigned k = 0; k < S4S_FHIR_N_INV_KEYS; k++) st->skip_key[k] = structure_checks(k);
    st->warnings = o->invariants == S4S_INVARIANTS_ALL;
    /* live_row by a prefix count: table rows [first, first+n) are
     * live_row [before[first], before[first+n]) */
    uint16_t before[S4S_FHIR_N_INVS + 1];
    unsigned nlive = 0;
    for (unsigned i = 0; i < S4S_FHIR_N_INVS; i++) {
        before[i] = (uint16_t)nlive;
        if (runs(st, i)) st->live_row[nlive++] = (uint16_t)i;
    }
    before[S4S_FHIR_N_INVS] = (uint16_t)nlive;
    pthread_once(&table_once, table_init);
    for (unsigned i = 0; i < S4S_FHIR_N_ELEMS; i++) st->run_elem[i] = live_range(before, table_elem[i]);
    for (unsigned i = 0; i < S4S_FHIR_N_CTX; i++) st->run_ctx[i] = live_range(before, table_ctx[i]);
    for (unsigned i = 0; i < S4S_FHIR_N_TYPES; i++) st->run_type[i] = live_range(before, table_type[i]);
    for (unsigned i = 0; i < S4S_FHIR_N_ELEMS; i++) st->live_elem[i] = def_runs(st, i).n > 0;
    for (unsigned i = 0; i < S4S_FHIR_N_TYPES; i++) st->live_type[i] = st->run_type[i].n > 0;
    compute_live(st);
    st->env.ucum = s4s_ucum_new();
    s4s_counter_init(&st->by_key, 512);
    return S4S_OK;
}

static void apply(s4s_rctx *rc, void *state)
{
    inv_state *st = state;
    if (!st || !rc->root || rc->root->type != S4S_J_OBJECT) return;
    st->rc = rc;
    st->env.arena = rc->arena;
    st->env.root = rc->root;
    if (rc->elems_ok && !rc->reshaped)
        s4s_fp_walk_list(&st->env, rc->root, rc->elems, rc->nelems, want, visit, st);
    else
        s4s_fp_walk(&st->env, rc->root, st->live_ctx, want, visit, st);
}

static void merge(void *into, const void *from)
{
    inv_state *a = into;
    const inv_state *b = from;
    if (!a || !b) return;
    a->evaluated += b->evaluated;
    a->failed += b->failed;
    a->not_evaluated += b->not_evaluated;
    s4s_counter_merge(&a->by_key, &b->by_key);
}

static void stats(void *state, s4s_jw *w)
{
    inv_state *st = state;
    if (!st) return;
    s4s_jw_key(w, "invariants");
    s4s_jw_obj(w);
    s4s_jw_kuint(w, "evaluated", st->evaluated);
    s4s_jw_kuint(w, "failed", st->failed);
    s4s_jw_kuint(w, "not_evaluated", st->not_evaluated);
    s4s_counter_write(&st->by_key, w, "failed_by_key");
    s4s_jw_obj_end(w);
}

static void fini(void *state)
{
    inv_state *st = state;
    if (!st) return;
    s4s_fp_env_fini(&st->env);
    s4s_ucum_free(st->env.ucum);
    s4s_counter_free(&st->by_key);
    s4s_arena_free(st->arena);
    free(st);
}

const s4s_rule s4s_rule_invariants = {
    .name = "invariants",
    .init = init,
    .apply = apply,
    .stats = stats,
    .side_output = NULL,
    .fini = fini,
    .merge = merge,
};
