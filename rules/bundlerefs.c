/*
 * bundlerefs.c - rule family "bundle-ref": references that should resolve
 * inside a document, message or transaction Bundle and do not (the HL7
 * validator's default check: BUNDLE_BUNDLE_ENTRY_NOTFOUND, and
 * BUNDLE_BUNDLE_NOT_LOCAL for urn: references).
 *
 * What must resolve, and how loud, as org.hl7.fhir.core's BundleValidator
 * and BaseValidator decide it:
 *  - document and message: every reference but `#id` (contained, ref-1's
 *    business), conditional ones (`Type?query`) and absolute URLs of
 *    canonical resources; an error in the document's Composition and at
 *    MessageHeader.focus (the first entry), information elsewhere;
 *  - transaction: urn:uuid: and urn:oid: references only, a warning (a
 *    Type/id or URL there may name a resource already on the server);
 *  - any other type (collection, searchset, batch, history...): none.
 * Resolution (R4 bundle.html#references): a urn: or absolute reference
 * matches an entry's fullUrl; Type/id matches base + Type/id when the
 * referring entry's fullUrl is RESTful, and (leniently) any entry of that
 * type and id; a /_history/ suffix is ignored.
 *
 * Invariants: the stream comes in order, so a reference not resolved by the
 * entries seen so far is held (pending) and decided when the Bundle ends
 * (rc->late, one report line per referring resource, in input order).  At
 * most opts->max_bundle_refs references wait and opts->max_refs entries are
 * remembered per Bundle; past either, this Bundle's later references are not
 * checked, which is said once (information, too-costly).  Entries and
 * wanted targets are 32-bit fingerprints: a false match can hide an issue,
 * never invent one.  Nothing is kept for a Bundle whose type rules it out,
 * and in a transaction only the entries the urn:uuid family cannot resolve
 * (remember()); one whose type follows its entries is recorded in full and
 * judged by its type at its end.  Runs last (registry.c): after the urn:uuid
 * rewrite, and a resource's verdict (written or quarantined) is final when
 * it is recorded.
 */
#include "rule.h"
#include "refs.h"
#include "../filter/base/alloc.h"
#include "../filter/base/buf.h"
#include "../filter/base/hash.h"

#include <stdlib.h>
#include <string.h>

#define POOL_MAX ((size_t)16 << 20) /* strings of the pending references */
#define REF_MAX  256                /* a reference kept longer is cut */

enum mode { M_NONE, M_UNKNOWN, M_DOCUMENT, M_MESSAGE, M_TRANSACTION };

static enum mode mode_of(const char *type)
{
    if (!type)
        return M_UNKNOWN; /* may still follow the entries */
    if (!strcmp(type, "document"))
        return M_DOCUMENT;
    if (!strcmp(type, "message"))
        return M_MESSAGE;
    if (!strcmp(type, "transaction"))
        return M_TRANSACTION;
    return M_NONE;
}

/* --- fingerprint sets -------------------------------------------------------- */

typedef struct fpset {
    uint32_t *k;     /* 0 = empty slot */
    size_t    cap, len;
} fpset;

static uint32_t fp(uint64_t h)
{
    uint32_t f = (uint32_t)(h ^ (h >> 32));
    return f ? f : 1;
}

static size_t fp_find(const fpset *s, uint32_t k)
{
    size_t i = k & (s->cap - 1);
    while (s->k[i] && s->k[i] != k)
        i = (i + 1) & (s->cap - 1);
    return i;
}

static bool fp_has(const fpset *s, uint32_t k) { return k && s->k[fp_find(s, k)] == k; }

/* false when the set already holds `max` keys */
static bool fp_add(fpset *s, uint32_t k, size_t max)
{
    if (s->k[fp_find(s, k)] == k)
        return true;
    if (s->len >= max)
        return false;
    if ((s->len + 1) * 4 > s->cap * 3) { /* at most 3/4 full */
        fpset n = {s4s_xcalloc(s->cap * 2, sizeof *n.k), s->cap * 2, s->len};
        for (size_t i = 0; i < s->cap; i++)
            if (s->k[i])
                n.k[fp_find(&n, s->k[i])] = s->k[i];
        free(s->k);
        *s = n;
    }
    s->k[fp_find(s, k)] = k;
    s->len++;
    return true;
}

static void fp_clear(fpset *s)
{
    if (s->cap > 4096 && s->len < s->cap / 8) { /* a huge Bundle before: shrink */
        free(s->k);
        s->k = NULL;
    }
    if (!s->k) {
        s->cap = 1024;
        s->k = s4s_xcalloc(s->cap, sizeof *s->k);
    } else if (s->len) {
        memset(s->k, 0, s->cap * sizeof *s->k);
    }
    s->len = 0;
}

/* --- state ----------------------------------------------------------------- */

/* a reference no entry seen before it resolved */
typedef struct pend {
    uint64_t off, line;   /* the referring resource's */
    uint64_t ref_off;     /* the reference's */
    uint32_t k1, k2;      /* the targets that resolve it (0: none) */
    uint32_t str;         /* pool: type, id, path, reference (see put) */
    bool     urn;         /* urn:uuid: / urn:oid: */
    bool     loud;        /* in the first entry's Composition or MessageHeader.focus */
    bool     rejected;    /* the referring resource was quarantined */
} pend;

typedef struct bstate {
    uint64_t bundle;      /* the Bundle recorded; 0 = none */
    uint64_t nres;        /* its resources seen */
    fpset    seen;        /* fullUrl and Type/id keys of its entries */
    fpset    want;        /* keys pending references wait for */
    fpset    found;       /* keys of `want` that a later entry brought */
    s4s_buf  pend;        /* pend records, in order */
    s4s_buf  pool;
    bool     full;        /* a cap was reached: later references are not checked */
    size_t   full_at;     /* pend records before the first one that did not fit */
    s4s_late_res full_who;/* the resource it happened in; its names in: */
    char     full_type[65], full_id[65];
    size_t   max_pend, max_seen;
} bstate;

/* keys of fullUrls and of Type/id apart */
#define SEED_URL (S4S_HASH_SEED ^ 0x75726cull)
#define SEED_TID (S4S_HASH_SEED ^ 0x746964ull)

static s4s_rc br_init(const s4s_opts *o, s4s_term *term, void **state)
{
    (void)term;
    bstate *st = s4s_xcalloc(1, sizeof *st);
    *state = st; /* the pipe frees it, also when a later allocation fails */
    st->max_pend = o->max_bundle_refs;
    st->max_seen = o->max_refs;
    s4s_buf_init(&st->pend, st->max_pend * sizeof(pend));
    s4s_buf_init(&st->pool, POOL_MAX);
    return S4S_OK;
}

static void begin(bstate *st, uint64_t bundle)
{
    st->bundle = bundle;
    st->nres = 0;
    fp_clear(&st->seen);
    fp_clear(&st->want);
    fp_clear(&st->found);
    s4s_buf_clear(&st->pend);
    s4s_buf_clear(&st->pool);
    st->full = false;
}

/* "Type/id" as a key */
static uint32_t key_tid(const char *t, size_t tl, const char *id, size_t il, uint64_t seed)
{
    return fp(s4s_hash(id, il, s4s_hash("/", 1, s4s_hash(t, tl, seed))));
}

/* one string into the pool, NULL kept apart from "" */
static bool put(s4s_buf *b, const char *s, size_t n)
{
    return s4s_buf_putc(b, s ? '1' : '0') && s4s_buf_put(b, s ? s : "", s ? n : 0) &&
           s4s_buf_putc(b, '\0');
}

static const char *get(const char **p)
{
    const char *s = *p;
    *p += strlen(s) + 1;
    return s[0] == '1' ? s + 1 : NULL;
}

/* a cap is reached at this resource: from here on, nothing is checked */
static void stop(bstate *st, const s4s_rctx *rc)
{
    st->full = true;
    st->full_at = st->pend.len / sizeof(pend);
    st->full_who = (s4s_late_res){.off = rc->off, .line = rc->line,
                                  .rejected = s4s_rctx_rejects(rc)};
    if (rc->type) /* a name longer than FHIR allows is cut */
        st->full_who.type = strncpy(st->full_type, rc->type, sizeof st->full_type - 1);
    if (rc->id)
        st->full_who.id = strncpy(st->full_id, rc->id, sizeof st->full_id - 1);
}

static const char *const canonical_types[] = {
    "ActivityDefinition", "CapabilityStatement", "ChargeItemDefinition", "CodeSystem",
    "CompartmentDefinition", "ConceptMap", "EffectEvidenceSynthesis", "EventDefinition",
    "Evidence", "EvidenceVariable", "ExampleScenario", "GraphDefinition", "ImplementationGuide",
    "Library", "Measure", "MessageDefinition", "NamingSystem", "OperationDefinition",
    "PlanDefinition", "Questionnaire", "ResearchDefinition", "ResearchElementDefinition",
    "RiskEvidenceSynthesis", "SearchParameter", "StructureDefinition", "StructureMap",
    "TerminologyCapabilities", "TestScript", "ValueSet",
};

static bool canonical(const char *t, size_t n)
{
    for (size_t i = 0; i < sizeof canonical_types / sizeof *canonical_types; i++)
        if (strlen(canonical_types[i]) == n && !memcmp(canonical_types[i], t, n))
            return true;
    return false;
}

/* the part of the entry's fullUrl before its own Type/id, when it is a
 * RESTful URL ending so (0 otherwise) */
static size_t rest_base(const s4s_rctx *rc)
{
    const char *u = rc->full_url;
    if (!u || !rc->type || !rc->id || strncmp(u, "http", 4))
        return 0;
    size_t n = strlen(u), tl = strlen(rc->type), il = strlen(rc->id);
    if (n < tl + il + 3)
        return 0;
    size_t b = n - tl - il - 1;
    if (u[b - 1] != '/' || memcmp(u + b, rc->type, tl) || u[b + tl] != '/' ||
        memcmp(u + b + tl + 1, rc->id, il))
        return 0;
    return b;
}

/* the keys that resolve reference s; false when it is not to be checked */
static bool ref_keys(const s4s_rctx *rc, enum mode m, const char *s, size_t n, size_t base,
                     uint32_t *k1, uint32_t *k2, bool *urn)
{
    *k1 = *k2 = 0;
    *urn = false;
    /* only a reference starting urn: can parse as one: in a transaction the
     * rest (every one the urn:uuid family rewrote) need no parse */
    if (m == M_TRANSACTION && !(n > 4 && !memcmp(s, "urn:", 4)))
        return false;
    s4s_ref r;
    s4s_ref_parse(s, n, &r);
    *urn = r.kind == S4S_REF_URN;
    if (m == M_TRANSACTION && !*urn)
        return false;
    switch (r.kind) {
    case S4S_REF_URN:
        *k1 = fp(s4s_hash(s, n, SEED_URL));
        return true;
    case S4S_REF_ABSOLUTE: {
        if (memchr(s, '?', n) || (r.tname && canonical(r.tname, r.tlen)))
            return false;
        const char *h = r.id ? r.id + r.idlen : NULL; /* a /_history/ suffix follows the id */
        *k1 = fp(s4s_hash(s, h ? (size_t)(h - s) : n, SEED_URL));
        return true;
    }
    case S4S_REF_RELATIVE:
        if (!r.id || memchr(s, '?', n))
            return false;
        *k2 = key_tid(r.tname, r.tlen, r.id, r.idlen, SEED_TID);
        if (base)
            *k1 = key_tid(r.tname, r.tlen, r.id, r.idlen,
                          s4s_hash(rc->full_url, base, SEED_URL));
        return true;
    default:
        return false; /* #contained, or invalid (structure reports it) */
    }
}

/* A reference this Bundle cannot resolve yet: kept until it ends. */
static void hold(bstate *st, s4s_rctx *rc, const s4s_node *c, uint32_t k1, uint32_t k2,
                 bool urn, bool first)
{
    const char *path = s4s_node_path(rc->arena, c, rc->type);
    size_t pl = strlen(path), ps = st->pool.len;
    pend p = {
        .off = rc->off, .line = rc->line, .ref_off = c->off, .k1 = k1, .k2 = k2,
        .str = (uint32_t)ps, .urn = urn, .rejected = s4s_rctx_rejects(rc),
        .loud = first && rc->type &&
                (!strcmp(rc->type, "Composition") ||
                 (!strcmp(rc->type, "MessageHeader") && !strncmp(path, "MessageHeader.focus", 19))),
    };
    size_t rl = c->len < REF_MAX ? c->len : REF_MAX;
    while (rl < c->len && rl && ((unsigned char)c->str[rl] & 0xC0) == 0x80)
        rl--; /* cut between characters */
    bool ok = st->pend.len + sizeof p <= st->pend.max &&
              put(&st->pool, rc->type, rc->type ? strlen(rc->type) : 0) &&
              put(&st->pool, rc->id, rc->id ? strlen(rc->id) : 0) &&
              put(&st->pool, path, pl) &&
              put(&st->pool, c->str, rl) &&
              (!k1 || fp_add(&st->want, k1, 2 * st->max_pend)) &&
              (!k2 || fp_add(&st->want, k2, 2 * st->max_pend)) &&
              s4s_buf_put(&st->pend, &p, sizeof p);
    if (ok)
        return;
    st->pool.len = ps;
    stop(st, rc);
}

/* the urn:uuid family found the fullUrl c names on two entries (and said so) */
static bool ambiguous(const s4s_rctx *rc, const s4s_node *c)
{
    for (const s4s_issue_rec *r = rc->issues; r; r = r->next)
        if (r->node == c && !strcmp(r->code, "multiple-matches"))
            return true;
    return false;
}

typedef struct checking {
    bstate   *st;
    s4s_rctx *rc;
    enum mode m;
    size_t    base;
    bool      first;
} checking;

/* One reference (s4s_rctx_each_ref): held when it names no entry seen;
 * false once the check is full. */
static bool check(void *u, s4s_node *c)
{
    checking *k = u;
    uint32_t k1, k2;
    bool urn;
    if (ref_keys(k->rc, k->m, c->str, c->len, k->base, &k1, &k2, &urn) && !fp_has(&k->st->seen, k1) &&
        !fp_has(&k->st->seen, k2) && !ambiguous(k->rc, c))
        hold(k->st, k->rc, c, k1, k2, urn, k->first);
    return !k->st->full;
}

/* In a transaction only urn: references are checked, and the urn:uuid
 * family, which runs before, has rewritten every urn:uuid reference to an
 * earlier entry with a type and id; the rest it left as they were.  So the
 * entries remembered there are only those it cannot resolve (urn:oid
 * fullUrls, entries without type or id): a huge transaction Bundle costs
 * nothing per entry, and its cap is the urn:uuid map's. */
static bool remember(const s4s_rctx *rc, enum mode m)
{
    const char *u = rc->full_url;
    return m != M_TRANSACTION ||
           (u && !strncmp(u, "urn:", 4) && (strncmp(u, "urn:uuid:", 9) || !rc->type || !rc->id));
}

/* This entry as a target: of references before it, and after it. */
static void record_entry(bstate *st, const s4s_rctx *rc, enum mode m)
{
    bool keep = remember(rc, m);
    if (m == M_TRANSACTION && !st->full && st->nres > st->max_seen)
        stop(st, rc); /* the urn:uuid map is full: it rewrites no more */
    if (!keep && !st->want.len)
        return; /* nothing waits: no key to compute */
    uint32_t k[2] = {0, 0};
    const char *u = rc->full_url;
    if (u && (m != M_TRANSACTION || !strncmp(u, "urn:", 4)))
        k[0] = fp(s4s_hash(u, strlen(u), SEED_URL));
    if (m != M_TRANSACTION && rc->type && rc->id)
        k[1] = key_tid(rc->type, strlen(rc->type), rc->id, strlen(rc->id), SEED_TID);
    for (int i = 0; i < 2; i++) {
        if (!k[i])
            continue;
        if (fp_has(&st->want, k[i]))
            fp_add(&st->found, k[i], SIZE_MAX); /* a subset of want: bounded by it */
        if (keep && !st->full && !fp_add(&st->seen, k[i], st->max_seen))
            stop(st, rc);
    }
}

static void br_apply(s4s_rctx *rc, void *state)
{
    bstate *st = state;
    if (!rc->bundle)
        return;
    if (rc->bundle != st->bundle)
        begin(st, rc->bundle);
    enum mode m = mode_of(rc->bundle_type);
    if (m == M_NONE)
        return;
    bool first = st->nres++ == 0;
    /* first as a target, so a reference to its own entry resolves */
    record_entry(st, rc, m);
    if (st->full)
        return;
    checking k = {.st = st, .rc = rc, .m = m, .base = rest_base(rc), .first = first};
    s4s_rctx_each_ref(rc, check, &k);
}

/* the referring resource of p, as the report names it */
static s4s_late_res who_of(const pend *p, const char *pool)
{
    const char *s = pool + p->str;
    s4s_late_res w = {.off = p->off, .line = p->line, .rejected = p->rejected};
    w.type = get(&s);
    w.id = get(&s);
    return w;
}

void s4s_bundlerefs_end(s4s_rctx *rc, void *state)
{
    bstate *st = state;
    if (rc->bundle != st->bundle || !st->bundle)
        return;
    enum mode m = mode_of(rc->bundle_type);
    st->bundle = 0; /* concluded, whatever follows */
    if (m == M_NONE || m == M_UNKNOWN)
        return; /* a Bundle that never said its type: structure reports that */
    const pend *ps = (const pend *)st->pend.p;
    size_t n = st->pend.len / sizeof *ps;
    s4s_late_res who = {0}; /* the resource whose issues rc holds */
    bool open = false;
    for (size_t i = 0; i <= n; i++) {
        if (st->full && i == st->full_at) {
            if (open && who.off != st->full_who.off)
                rc->late(rc, &who);
            who = st->full_who;
            open = true;
            s4s_issue_path(rc, S4S_SEV_INFO, "too-costly", "", rc->off,
                           "more than %zu references of this Bundle wait for later entries, or it has more than %zu entries: from this resource on, its references are not checked against the Bundle",
                           st->max_pend, st->max_seen);
            rc->issues_tail->path = NULL; /* about the resource, no element */
        }
        if (i == n)
            break;
        const pend *p = &ps[i];
        if (fp_has(&st->found, p->k1) || fp_has(&st->found, p->k2))
            continue;
        if (m == M_TRANSACTION && !p->urn)
            continue;
        if (open && who.off != p->off)
            rc->late(rc, &who);
        who = who_of(p, st->pool.p);
        open = true;
        const char *s = st->pool.p + p->str;
        get(&s);
        get(&s);
        const char *path = get(&s), *ref = get(&s);
        if (m == M_TRANSACTION)
            s4s_issue_path(rc, S4S_SEV_WARNING, "not-found", path, p->ref_off,
                           "reference %s names no entry of this transaction Bundle: a urn: reference means nothing outside it",
                           ref);
        else
            s4s_issue_path(rc, p->loud ? S4S_SEV_ERROR : S4S_SEV_INFO, "not-found", path,
                           p->ref_off, "reference %s names no entry of this %s Bundle", ref,
                           rc->bundle_type);
    }
    if (open)
        rc->late(rc, &who);
}

static void br_fini(void *state)
{
    bstate *st = state;
    free(st->seen.k);
    free(st->want.k);
    free(st->found.k);
    s4s_buf_free(&st->pend);
    s4s_buf_free(&st->pool);
    free(st);
}

/* AFTER: it remembers the entries before the resource, and its verdict is
 * the last one */
const s4s_rule s4s_rule_bundlerefs = {"bundle-ref", br_init, br_apply, NULL, NULL, br_fini, S4S_RULE_AFTER, NULL};
