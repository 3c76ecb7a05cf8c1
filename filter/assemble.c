/*
 * assemble.c - builds one resource tree at a time from JSON events.
 *
 * Invariants:
 *  - depth counts open containers; depth 0 is "between top-level values".
 *  - At most one resource is being built; its nodes live in `arena`, which is
 *    reset after every hand-over, so memory is bounded by the largest
 *    resource (and the node budget caps even that).
 *  - A streamed Bundle's shell is skipped, never built: only entry.fullUrl,
 *    entry.search.mode and entry.resource are kept, and only until the entry
 *    closes (the mode usually follows the resource).
 *  - Every top-level value and every entry.resource is handed over exactly
 *    once, as a resource or as a quarantined unit.
 *  - No resource with a member name twice in one object is handed over
 *    unquarantined: each object is checked when it closes.
 *  - A Bundle that closes is followed by one bundle_end marker; its `type`
 *    travels with each entry once seen (a short copy: the codes are short).
 *  - Member names are interned (see intern_key): a tree's keys point into
 *    its arena or into the assembler's key store, which is never reset and
 *    lives as long as the assembler.
 */
#include "assemble.h"
#include "base/alloc.h"
#include "base/bits.h"
#include "base/hash.h"
#include "rawcap.h"
#include "sax.h"
#include "base/text.h"
#include "writer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* members of an object checked by a scan behind a 64-bit filter; a hash
 * table beyond, so a huge object costs linear time */
#define DUP_SCAN_MAX 32

/* the key store: names up to KEY_MAX bytes, KEY_STORE bytes in all with
 * their cache words (FHIR has about 3,000 element names; Synthea uses a few
 * hundred) */
#define KEY_SLOTS 2048 /* a power of two, probed linearly */
#define KEY_STORE ((size_t)96 << 10)
#define KEY_MAX   64
/* a resource's "reference" strings listed for the rules (s4s_res.refs);
 * one with more is walked */
#define REFS_MAX  256

typedef struct key_slot {
    const char *p; /* NULL: empty; else 8-aligned, after its cache word */
    uint32_t    n;
    uint32_t    h;
} key_slot;

enum unit_kind { U_NONE, U_OBJECT, U_BUNDLE, U_OTHER };
enum pend { P_NONE, P_RESOURCETYPE, P_ENTRY, P_FULLURL, P_RESOURCE, P_TYPE, P_SEARCH, P_MODE };

struct s4s_asm {
    const s4s_opts *o;
    s4s_res_fn      on_res;
    void           *u;
    s4s_rawcap     *cap;        /* the raw bytes and lines behind the events */
    const s4s_sax  *sax;        /* their parser (s4s_sax_plain) */
    s4s_arena      *arena;
    size_t          node_budget;
    size_t          res_base;    /* arena use when the resource began */
    bool            keep;        /* a worker's unit: the arena holds every resource
                                    of the unit, nothing is reset (s4s_asm_unit) */
    s4s_arena      *own;         /* while keep: the arena of our own, set aside */
    bool            hold;        /* the pipeline gathers delivered resources in the
                                    arena (a batch): it is not reset meanwhile */
    s4s_rc          rc;          /* what a callback returned when it stopped us */

    unsigned        depth;
    enum unit_kind  unit;
    uint64_t        unit_off, unit_line;
    uint64_t        bundles;     /* Bundles seen so far */

    /* building */
    bool            building;    /* events go into the tree */
    unsigned        res_depth;   /* depth of the resource root's contents */
    s4s_node       *root, *cur;
    const char     *key;         /* pending member name (interned or an arena copy) */
    uint32_t        klen;
    bool            key_interned;
    uint16_t        key_kind;    /* its s4s_key_kind */
    s4s_node       *refs[REFS_MAX]; /* this resource's "reference" strings so far */
    uint32_t        nrefs;       /* REFS_MAX + 1: too many to list */
    uint32_t        nodes;       /* below the resource's root, so far */
    uint64_t        res_off, res_line;
    const char     *why;         /* resource is broken: reason */
    const char     *why_code;
    uint64_t        why_off;
    bool            root_is_bundle; /* resourceType "Bundle" seen at depth 1 */
    const s4s_node *dup_first, *dup_second; /* the first duplicate member name */
    char            dup_msg[320];

    /* streamed Bundle navigation */
    enum pend       pend;        /* what the next value at a navigation level is */
    bool            in_entries;  /* inside the entry array */
    bool            have_res;    /* an entry.resource is assembled, waiting for entry end */
    uint64_t        entries;     /* entries opened in this entry array */
    bool            entry_dup;   /* this entry holds "resource" twice */
    bool            entries_dup; /* a second "entry" array of the Bundle */
    const s4s_buf  *res_raw;     /* its raw bytes (NULL when spilled) */
    bool            res_spilled;
    s4s_buf         full_url;
    bool            have_url;
    bool            in_search;   /* inside this entry's search object */
    bool            outcome;     /* this entry's search.mode is "outcome" */
    bool            splitting;   /* delivering the entries of an assembled Bundle */
    char            bundle_type[32]; /* the Bundle's `type` (cut to fit: no code is longer) */
    bool            have_type;
    bool            odd_capture; /* capturing an entry.resource that is an array */
    s4s_buf         odd_raw;     /* an entry.resource that is a scalar, as text */

    /* interned member names (intern_key) */
    key_slot        keys[KEY_SLOTS];
    _Alignas(8) char key_store[KEY_STORE]; /* per name: cache words (node.h
                                    s4s_key_cache), the bytes, a NUL */
    size_t          key_used;
    size_t          key_charge;  /* what this resource's interned names would have
                                    taken from the arena */
};

s4s_asm *s4s_asm_new(const s4s_opts *o, s4s_res_fn on_res, void *u)
{
    s4s_asm *a = s4s_xcalloc(1, sizeof *a);
    s4s_oom_hold h; /* freed if the arena cannot be allocated */
    s4s_oom_push(&h, a, free);
    a->o = o;
    a->on_res = on_res;
    a->u = u;
    a->arena = s4s_arena_new(256 * 1024);
    s4s_oom_pop(&h);
    a->node_budget = s4s_asm_node_budget(o);
    s4s_buf_init(&a->full_url, 64 * 1024);
    s4s_buf_init(&a->odd_raw, o->max_resource_bytes);
    return a;
}

size_t s4s_asm_node_budget(const s4s_opts *o)
{
    /* nodes cost ~5x the JSON they come from; cap them with headroom */
    return o->max_resource_bytes * 8 + (1u << 20);
}

void s4s_asm_free(s4s_asm *a)
{
    if (!a)
        return;
    s4s_arena_free(a->keep ? a->own : a->arena);
    s4s_buf_free(&a->full_url);
    s4s_buf_free(&a->odd_raw);
    free(a);
}

void s4s_asm_set_arena(s4s_asm *a, s4s_arena *next) { a->arena = next; }

void s4s_asm_hold(s4s_asm *a, bool hold) { a->hold = hold; }

/* the arena is ours to reset (not a unit's, nor holding a batch) */
static void reset_arena(s4s_asm *a)
{
    if (!a->keep && !a->hold)
        s4s_arena_reset(a->arena);
}

void s4s_asm_unit(s4s_asm *a, s4s_arena *arena, uint64_t bundles)
{
    if (!a->keep)
        a->own = a->arena;
    a->keep = true;
    a->arena = arena;
    a->bundles = bundles;
    a->rc = S4S_OK;
    a->depth = 0;
    a->unit = U_NONE;
    a->building = a->have_res = a->in_entries = a->in_search = a->outcome = false;
    a->splitting = a->have_type = a->odd_capture = false;
    a->pend = P_NONE;
    a->why = NULL;
}

void s4s_asm_entries_at(const s4s_asm *a, s4s_asm_entries *e)
{
    *e = (s4s_asm_entries){.bundle = a->bundles, .entries = a->entries, .entries_dup = a->entries_dup,
                           .have_type = a->have_type, .unit_off = a->unit_off, .unit_line = a->unit_line};
    memcpy(e->type, a->bundle_type, sizeof e->type);
}

bool s4s_asm_between_entries(const s4s_asm *a)
{
    return a->unit == U_BUNDLE && a->in_entries && a->depth == 2 && !a->building && !a->have_res &&
           !a->odd_capture && !a->splitting && !a->why;
}

void s4s_asm_skip_entries(s4s_asm *a, uint64_t count) { a->entries += count; }

void s4s_asm_unit_entries(s4s_asm *a, s4s_arena *arena, const s4s_asm_entries *e)
{
    s4s_asm_unit(a, arena, e->bundle);
    a->depth = 2;
    a->unit = U_BUNDLE;
    a->in_entries = true;
    a->entries = e->entries;
    a->entries_dup = e->entries_dup;
    a->have_type = e->have_type;
    memcpy(a->bundle_type, e->type, sizeof a->bundle_type);
    a->unit_off = e->unit_off;
    a->unit_line = e->unit_line;
}

static void mark_broken(s4s_asm *a, const char *why, const char *code, uint64_t off)
{
    if (a->why)
        return; /* the first reason is the one reported */
    a->why = why;
    a->why_code = code;
    a->why_off = off;
}

/* --- duplicate member names ------------------------------------------------ */

static bool same_key(const s4s_node *x, const char *k, uint32_t n)
{
    return x->klen == n && memcmp(x->key, k, n) == 0;
}

/* the slot of m's name in a table of cap slots: empty, or a member of the
 * same name */
static const s4s_node **tab_slot(const s4s_node **tab, uint32_t cap, const s4s_node *m)
{
    uint32_t i = (uint32_t)s4s_hash(m->key, m->klen, S4S_HASH_SEED) & (cap - 1);
    while (tab[i] && !same_key(tab[i], m->key, m->klen))
        i = (i + 1) & (cap - 1);
    return &tab[i];
}

/* the duplicate found: reported when the resource ends, once its type is
 * known */
static void found_dup(s4s_asm *a, const s4s_node *first, const s4s_node *second)
{
    a->dup_first = first;
    a->dup_second = second;
}

/* a large object: every member through a hash table in the arena */
static void dups_hashed(s4s_asm *a, const s4s_node *obj, uint32_t members)
{
    uint32_t cap = 4 * DUP_SCAN_MAX;
    while (cap < 2 * members)
        cap *= 2;
    const s4s_node **tab = s4s_arena_alloc(a->arena, cap * sizeof *tab);
    memset(tab, 0, cap * sizeof *tab);
    for (const s4s_node *m = obj->first; m; m = m->next) {
        const s4s_node **slot = tab_slot(tab, cap, m);
        if (*slot) {
            found_dup(a, *slot, m);
            return;
        }
        *slot = m;
    }
}

/* obj is complete: does it hold a member name twice?  Objects are small:
 * most members miss the filter and cost a few instructions. */
static void check_dups(s4s_asm *a, const s4s_node *obj)
{
    uint64_t filter = 0;
    uint32_t members = 0;
    for (const s4s_node *m = obj->first; m; m = m->next) {
        if (++members > DUP_SCAN_MAX) {
            for (const s4s_node *r = m->next; r; r = r->next)
                members++;
            dups_hashed(a, obj, members);
            return;
        }
        /* length and middle byte tell FHIR's names apart well enough
         * (keys are NUL-terminated: "" has a middle byte too) */
        uint64_t bit = 1ull << (((unsigned char)m->key[m->klen >> 1] * 5u + m->klen) & 63);
        if (filter & bit)
            for (const s4s_node *p = obj->first; p != m; p = p->next)
                if (same_key(p, m->key, m->klen)) {
                    found_dup(a, p, m);
                    return;
                }
        filter |= bit;
    }
}

/* FHIRPath of n, from the resource's type (Patient.name[0].family) */
static void put_path(s4s_buf *b, const s4s_node *root, const s4s_node *n)
{
    if (n == root || !n->parent) {
        const char *t = s4s_get_str(root, "resourceType");
        s4s_buf_puts(b, t && s4s_text_utf8_ok(t, strlen(t)) ? t : "Resource");
        return;
    }
    put_path(b, root, n->parent);
    if (n->parent->type == S4S_J_ARRAY) {
        unsigned i = 0;
        for (const s4s_node *c = n->parent->first; c != n; c = c->next)
            i++;
        char ix[16];
        snprintf(ix, sizeof ix, "[%u]", i);
        s4s_buf_puts(b, ix);
    } else {
        s4s_buf_putc(b, '.');
        s4s_buf_put(b, n->key, n->klen);
    }
}

static const char *dup_message(s4s_asm *a)
{
    s4s_buf b;
    s4s_buf_init(&b, sizeof a->dup_msg - 64);
    put_path(&b, a->root, a->dup_first);
    snprintf(a->dup_msg, sizeof a->dup_msg,
             "duplicate member name: %.*s appears twice in one object (bytes %llu and %llu)",
             (int)b.len, b.p ? b.p : "", (unsigned long long)a->dup_first->off,
             (unsigned long long)a->dup_second->off);
    s4s_buf_free(&b);
    return a->dup_msg;
}

static void begin_resource(s4s_asm *a, uint64_t off)
{
    reset_arena(a);
    a->res_base = s4s_arena_used(a->arena);
    a->key_charge = 0;
    a->building = true;
    a->res_depth = a->depth;
    a->root = a->cur = s4s_node_new(a->arena, S4S_J_OBJECT, NULL, 0, NULL, 0);
    a->nrefs = a->nodes = 0;
    a->root->off = off;
    a->key = NULL;
    a->res_off = off;
    a->res_line = s4s_rawcap_line(a->cap, off);
    a->why = NULL;
    a->root_is_bundle = false;
    a->dup_first = a->dup_second = NULL;
    s4s_rawcap_begin(a->cap, off, a->o->max_resource_bytes);
}

/* Hands the finished resource (or its quarantine) to the pipeline. */
static bool deliver(s4s_asm *a, s4s_node *root, const s4s_buf *raw, bool spilled,
                    uint64_t off, uint64_t line, const char *url)
{
    s4s_res r = {
        .arena = a->arena, .root = a->why ? NULL : root, .off = off, .line = line,
        .reason = a->why, .reason_code = a->why_code, .reason_off = a->why_off,
        .raw = raw, .spilled = spilled, .full_url = url,
        .bundle = a->unit == U_BUNDLE ? a->bundles : 0,
        .bundle_type = a->unit == U_BUNDLE && a->have_type ? a->bundle_type : NULL,
        .shared = a->splitting,
        .outcome = a->unit == U_BUNDLE && a->outcome,
        .kinds = true,
        /* a top-level object: raw is its bytes, as checked */
        .plain = a->unit == U_OBJECT && !a->splitting && a->sax && s4s_sax_plain(a->sax),
    };
    if (r.root && root == a->root && !a->splitting && a->nrefs <= REFS_MAX) {
        r.refs = s4s_arena_alloc(a->arena, (a->nrefs ? a->nrefs : 1) * sizeof *r.refs);
        memcpy(r.refs, a->refs, a->nrefs * sizeof *r.refs);
        r.nrefs = a->nrefs;
        r.nodes = a->nodes;
        r.refs_listed = true;
    }
    if (!a->why && raw && s4s_text_lone_surrogate(raw->p, raw->len)) {
        r.root = NULL;
        r.reason = "lone UTF-16 surrogate escape in a string";
        r.reason_code = "invalid";
        r.reason_off = off;
    }
    s4s_rc rc = a->on_res(a->u, &r);
    a->why = NULL;
    if (rc != S4S_OK) {
        a->rc = rc;
        return false;
    }
    return true;
}

static void set_type(s4s_asm *a, const char *v, size_t n)
{
    if (!v || !s4s_text_utf8_ok(v, n))
        return;
    n = n < sizeof a->bundle_type - 1 ? n : sizeof a->bundle_type - 1;
    memcpy(a->bundle_type, v, n);
    a->bundle_type[n] = '\0';
    a->have_type = true;
}

/* The marker after a Bundle's last entry (no resource: nothing to quarantine). */
static bool bundle_closed(s4s_asm *a, uint64_t off)
{
    s4s_res r = {
        .arena = a->arena, .off = off, .line = s4s_rawcap_line(a->cap, off),
        .bundle = a->bundles, .bundle_type = a->have_type ? a->bundle_type : NULL,
        .bundle_end = true,
    };
    s4s_rc rc = a->on_res(a->u, &r);
    if (rc != S4S_OK) {
        a->rc = rc;
        return false;
    }
    return true;
}

/* A Bundle assembled whole (resourceType came after entry): emit each
 * entry.resource; their raw bytes are the re-serialized original tree. */
static bool split_bundle(s4s_asm *a)
{
    s4s_node *entries = s4s_get(a->root, "entry");
    a->bundles++;
    a->unit = U_BUNDLE;
    a->have_type = false;
    const char *type = s4s_get_str(a->root, "type");
    set_type(a, type, type ? strlen(type) : 0);
    s4s_buf raw;
    s4s_buf_init(&raw, a->o->max_resource_bytes);
    s4s_oom_hold h; /* freed if an allocation fails (alloc.h) */
    s4s_oom_push(&h, &raw, s4s_buf_drop);
    bool ok = true;
    a->splitting = true;
    if (entries && entries->type == S4S_J_ARRAY) {
        S4S_EACH(e, entries) {
            s4s_node *res = s4s_get(e, "resource");
            if (!res)
                continue;
            s4s_buf_clear(&raw);
            s4s_write_node(&raw, res);
            res->parent = NULL;
            res->key = NULL;
            res->klen = 0;
            res->flags &= (uint8_t)~S4S_NF_IKEY;
            if (res->type != S4S_J_OBJECT)
                mark_broken(a, "Bundle entry.resource is not a JSON object", "structure", res->off);
            const char *url = s4s_get_str(e, "fullUrl");
            s4s_node *search = s4s_get(e, "search");
            a->outcome = search && s4s_str_eq(s4s_get(search, "mode"), "outcome");
            if (!(ok = deliver(a, res, raw.over ? NULL : &raw, false, res->off,
                               s4s_rawcap_line(a->cap, a->res_off), url)))
                break;
        }
    }
    a->splitting = false;
    a->outcome = false;
    s4s_oom_pop(&h);
    s4s_buf_free(&raw);
    return ok && bundle_closed(a, a->root->off);
}

static bool end_resource(s4s_asm *a, uint64_t off)
{
    a->building = false;
    const s4s_buf *raw;
    bool spilled;
    s4s_rawcap_end(a->cap, off, &raw, &spilled);
    if (spilled)
        mark_broken(a, "resource larger than --max-resource-bytes", "too-costly", a->res_off);
    if (!a->why && !a->dup_first)
        check_dups(a, a->root);
    if (a->dup_first && !a->why)
        mark_broken(a, dup_message(a), "structure", a->dup_second->off);
    if (a->unit == U_BUNDLE) {
        a->have_res = true; /* delivered when the entry closes (fullUrl may follow) */
        a->res_raw = raw;
        a->res_spilled = spilled;
        return true;
    }
    /* top-level object */
    if (!a->why && a->root_is_bundle)
        return split_bundle(a);
    return deliver(a, a->root, raw, spilled, a->res_off, a->res_line, NULL);
}

/* --- node building --------------------------------------------------------- */

static s4s_node *add(s4s_asm *a, s4s_jtype t, const char *v, size_t n, uint64_t off)
{
    if (a->why)
        return NULL;
    if (s4s_arena_used(a->arena) + a->key_charge - a->res_base > a->node_budget) {
        mark_broken(a, "resource needs more memory than its --max-resource-bytes budget", "too-costly", off);
        return NULL;
    }
    s4s_node *nd = s4s_arena_alloc(a->arena, sizeof *nd);
    memset(nd, 0, sizeof *nd);
    a->nodes++;
    nd->type = (uint8_t)t;
    nd->off = off;
    if (v) {
        nd->str = s4s_arena_strndup(a->arena, v, n);
        nd->len = (uint32_t)n;
    }
    if (a->cur->type == S4S_J_OBJECT) {
        nd->key = a->key;
        nd->klen = a->klen;
        if (a->key_interned)
            nd->flags = S4S_NF_IKEY;
        a->cur->kinds |= a->key_kind;
        a->key = NULL;
        if (t == S4S_J_STRING && nd->klen == 9 && !memcmp(nd->key, "reference", 9) &&
            a->nrefs <= REFS_MAX) {
            if (a->nrefs < REFS_MAX)
                a->refs[a->nrefs] = nd;
            a->nrefs++;
        }
    }
    s4s_node_append(a->cur, nd);
    return nd;
}

/* --- events ---------------------------------------------------------------- */

/* unit_off and unit_line came with the unit_start event */
static void begin_unit(s4s_asm *a, enum unit_kind k)
{
    a->unit = k;
    a->pend = P_NONE;
    a->in_entries = false;
    a->have_res = false;
    a->have_url = false;
    a->in_search = false;
    a->outcome = false;
}

/* An entry holds "resource" twice: the first, waiting for the entry to end,
 * is quarantined now, and the second will be. */
static bool second_resource(s4s_asm *a)
{
    snprintf(a->dup_msg, sizeof a->dup_msg,
             "duplicate member name: Bundle.entry[%llu].resource appears twice in one object",
             (unsigned long long)(a->entries - 1));
    mark_broken(a, a->dup_msg, "structure", a->res_off);
    a->have_res = false;
    a->entry_dup = true;
    return deliver(a, a->root, a->res_raw, a->res_spilled, a->res_off, a->res_line,
                   a->have_url ? a->full_url.p : NULL);
}

/* entry.resource that is not an object: quarantined when the entry closes */
static void entry_not_object(s4s_asm *a, uint64_t off)
{
    reset_arena(a);
    a->why = NULL;
    mark_broken(a, "Bundle entry.resource is not a JSON object", "structure", off);
    a->have_res = true;
    a->res_raw = NULL;
    a->res_spilled = false;
    a->res_off = off;
    a->res_line = s4s_rawcap_line(a->cap, off);
}

static bool other_unit_scalar(s4s_asm *a, s4s_jtype t, const char *v, size_t n, uint64_t off)
{
    /* a top-level scalar: quarantine its text */
    s4s_buf raw;
    s4s_buf_init(&raw, a->o->max_resource_bytes);
    s4s_oom_hold h; /* freed if an allocation fails (alloc.h) */
    s4s_oom_push(&h, &raw, s4s_buf_drop);
    if (t == S4S_J_STRING)
        s4s_buf_json_str(&raw, v, n);
    else
        s4s_buf_put(&raw, v, n);
    begin_unit(a, U_OTHER);
    mark_broken(a, "not a FHIR resource: top-level JSON value is not an object", "structure", off);
    bool ok = deliver(a, NULL, &raw, false, off, a->unit_line, NULL);
    s4s_oom_pop(&h);
    s4s_buf_free(&raw);
    a->unit = U_NONE;
    return ok;
}

/* utf8: v is known to be valid UTF-8 without NUL (sax.h) */
static bool scalar(s4s_asm *a, s4s_jtype t, const char *v, size_t n, bool utf8, uint64_t off)
{
    if (a->depth == 0)
        return other_unit_scalar(a, t, v, n, off);
    if (a->building) {
        if (t == S4S_J_STRING && !utf8 && !a->why && !s4s_text_utf8_ok(v, n))
            mark_broken(a, n && memchr(v, 0, n) ? "NUL character in a string"
                                                : "invalid UTF-8 or raw NUL byte in a string",
                        "invalid", off);
        if (a->depth == a->res_depth && a->unit == U_OBJECT && t == S4S_J_STRING &&
            a->klen == 12 && a->key && !memcmp(a->key, "resourceType", 12) && n == 6 &&
            !memcmp(v, "Bundle", 6))
            a->root_is_bundle = true;
        add(a, t, v, n, off);
        return true;
    }
    if (a->unit == U_BUNDLE && a->pend == P_RESOURCE && a->depth == 3) {
        a->pend = P_NONE;
        if (a->have_res && !second_resource(a))
            return false;
        entry_not_object(a, off);
        s4s_buf_clear(&a->odd_raw);
        if (t == S4S_J_STRING)
            s4s_buf_json_str(&a->odd_raw, v, n);
        else
            s4s_buf_put(&a->odd_raw, v, n);
        a->res_raw = &a->odd_raw;
        return true;
    }
    if (a->unit == U_BUNDLE && a->pend == P_TYPE && t == S4S_J_STRING && a->depth == 1)
        set_type(a, v, n);
    if (a->unit == U_BUNDLE && a->pend == P_MODE && t == S4S_J_STRING && a->depth == 4)
        a->outcome = n == 7 && !memcmp(v, "outcome", 7);
    if (a->unit == U_BUNDLE && a->pend == P_FULLURL && t == S4S_J_STRING && a->depth == 3) {
        s4s_buf_clear(&a->full_url);
        a->have_url = s4s_text_utf8_ok(v, n) && s4s_buf_put(&a->full_url, v, n) &&
                      s4s_buf_putc(&a->full_url, '\0');
    }
    a->pend = P_NONE;
    return true;
}

/* k[0..n) from the store, when it is there or can be added: each name is
 * copied and its UTF-8 checked once per assembler, not once per member
 * (the names repeat in every resource).  It is charged to the node budget
 * as the arena copy would have been, so that verdict does not depend on
 * what this assembler saw before: outputs stay the same for any --threads.
 * NULL: not interned (too long, the store full, or not UTF-8). */
static const char *intern_key(s4s_asm *a, const char *k, size_t n)
{
    if (n > KEY_MAX)
        return NULL;
    uint32_t h = s4s_short_hash(k, n);
    const char *got = NULL;
    for (uint32_t i = h, probes = 0; probes < 8 && !got; i++, probes++) {
        key_slot *sl = &a->keys[i & (KEY_SLOTS - 1)];
        if (sl->p) {
            if (sl->h == h && sl->n == n && s4s_short_eq(sl->p, k, n))
                got = sl->p;
            continue;
        }
        size_t at = (a->key_used + 7) & ~(size_t)7, words = 8 * S4S_KEY_CACHE;
        if (at + words + n + 1 > KEY_STORE || !s4s_text_utf8_ok(k, n))
            return NULL;
        memset(a->key_store + at, 0, words); /* no cached answer yet */
        char *d = a->key_store + at + words;
        memcpy(d, k, n);
        d[n] = '\0';
        a->key_used = at + words + n + 1;
        *sl = (key_slot){d, (uint32_t)n, h};
        got = d;
    }
    if (got)
        a->key_charge += (n + 8) & ~(size_t)7; /* what s4s_arena_strndup takes */
    return got;
}

static bool key(s4s_asm *a, const char *k, size_t n, uint64_t off)
{
    if (a->building) {
        a->pend = P_NONE;
        if (!a->why) {
            a->key = intern_key(a, k, n);
            a->key_interned = a->key != NULL;
            if (!a->key) {
                if (!s4s_text_utf8_ok(k, n))
                    mark_broken(a, "invalid UTF-8 in a member name", "invalid", off);
                a->key = s4s_arena_strndup(a->arena, k, n);
            }
            a->klen = (uint32_t)n;
            a->key_kind = (uint16_t)s4s_key_kind(k, n);
            /* a Bundle that names itself first is streamed from its entries on */
            if (a->depth == a->res_depth && a->unit == U_OBJECT && a->root_is_bundle &&
                n == 5 && !memcmp(k, "entry", 5))
                a->pend = P_ENTRY;
        }
        return true;
    }
    a->pend = P_NONE;
    if (a->unit == U_BUNDLE && a->depth == 3 && a->in_entries) {
        if (n == 7 && !memcmp(k, "fullUrl", 7))
            a->pend = P_FULLURL;
        else if (n == 8 && !memcmp(k, "resource", 8))
            a->pend = P_RESOURCE;
        else if (n == 6 && !memcmp(k, "search", 6))
            a->pend = P_SEARCH;
    } else if (a->unit == U_BUNDLE && a->depth == 4 && a->in_search && n == 4 &&
               !memcmp(k, "mode", 4)) {
        a->pend = P_MODE;
    } else if (a->unit == U_BUNDLE && a->depth == 1 && n == 5 && !memcmp(k, "entry", 5)) {
        a->pend = P_ENTRY; /* the Bundle's second "entry" */
    } else if (a->unit == U_BUNDLE && a->depth == 1 && n == 4 && !memcmp(k, "type", 4)) {
        a->pend = P_TYPE; /* after the entries */
    }
    return true;
}

static bool open_value(s4s_asm *a, s4s_jtype t, uint64_t off)
{
    if (a->depth == 0) {
        begin_unit(a, t == S4S_J_OBJECT ? U_OBJECT : U_OTHER);
        a->depth++;
        if (t == S4S_J_OBJECT) {
            begin_resource(a, off);
        } else {
            a->building = false;
            a->why = NULL;
            mark_broken(a, "not a FHIR resource: top-level JSON value is not an object", "structure", off);
            s4s_rawcap_begin(a->cap, off, a->o->max_resource_bytes);
        }
        return true;
    }
    if (a->building && a->pend == P_ENTRY && t == S4S_J_ARRAY) {
        /* switch to streaming: drop the shell built so far (its type kept) */
        const s4s_node *type = s4s_get(a->root, "type");
        a->have_type = false;
        if (type && type->type == S4S_J_STRING)
            set_type(a, type->str, type->len);
        s4s_rawcap_abort(a->cap);
        reset_arena(a);
        a->building = false;
        a->unit = U_BUNDLE;
        a->bundles++;
        a->in_entries = true;
        a->entries = 0;
        a->entries_dup = false;
        a->pend = P_NONE;
        a->depth++;
        return true;
    }
    a->depth++;
    if (a->building) {
        a->pend = P_NONE;
        if (a->depth - a->res_depth > a->o->max_depth) {
            mark_broken(a, "nesting deeper than --max-depth", "too-costly", off);
            /* keep counting depth; nodes are no longer added */
        }
        s4s_node *nd = add(a, t, NULL, 0, off);
        if (nd)
            a->cur = nd;
        return true;
    }
    if (a->unit == U_BUNDLE) {
        if (a->depth == 3 && a->in_entries && t == S4S_J_OBJECT) {
            /* a new entry */
            a->entries++;
            a->have_res = false;
            a->have_url = false;
            a->entry_dup = false;
            a->in_search = false;
            a->outcome = false;
        } else if (a->depth == 2 && a->pend == P_ENTRY && t == S4S_J_ARRAY) {
            /* which entry array was meant is unknown: this one is quarantined */
            a->in_entries = true;
            a->entries = 0;
            a->entries_dup = true;
        } else if (a->depth == 4 && a->pend == P_SEARCH && t == S4S_J_OBJECT) {
            a->in_search = true;
        } else if (a->depth == 4 && a->pend == P_RESOURCE) {
            if (a->have_res && !second_resource(a))
                return false;
            if (t == S4S_J_OBJECT) {
                begin_resource(a, off);
                if (a->entry_dup)
                    mark_broken(a, a->dup_msg, "structure", off);
            } else {
                entry_not_object(a, off);
                a->odd_capture = true;
                s4s_rawcap_begin(a->cap, off, a->o->max_resource_bytes);
            }
        }
    }
    a->pend = P_NONE;
    return true;
}

static bool close_value(s4s_asm *a, uint64_t off)
{
    if (a->depth == 0)
        return true;
    a->depth--;
    if (a->building) {
        if (a->depth + 1 == a->res_depth) {
            bool ok = end_resource(a, off);
            if (a->depth == 0)
                a->unit = U_NONE;
            return ok;
        }
        /* once broken, no node is added again, so cur no longer matters */
        if (!a->why) {
            if (a->cur->type == S4S_J_OBJECT && !a->dup_first)
                check_dups(a, a->cur);
            a->cur->parent->kinds |= a->cur->kinds;
            a->cur = a->cur->parent;
        }
        return true;
    }
    if (a->unit == U_BUNDLE) {
        if (a->depth == 3)
            a->in_search = false;
        if (a->depth == 3 && a->odd_capture) {
            a->odd_capture = false;
            s4s_rawcap_end(a->cap, off, &a->res_raw, &a->res_spilled);
        }
        if (a->depth == 2 && a->in_entries && a->have_res) {
            a->have_res = false;
            if (a->entries_dup)
                mark_broken(a, "duplicate member name: Bundle.entry appears twice in one object",
                            "structure", a->res_off);
            return deliver(a, a->root, a->res_raw, a->res_spilled, a->res_off, a->res_line,
                           a->have_url ? a->full_url.p : NULL);
        }
        if (a->depth == 1 && a->in_entries)
            a->in_entries = false;
    }
    if (a->depth == 0) {
        if (a->unit == U_OTHER) {
            const s4s_buf *raw;
            bool spilled;
            s4s_rawcap_end(a->cap, off, &raw, &spilled);
            bool ok = deliver(a, NULL, raw, spilled, a->unit_off, a->unit_line, NULL);
            a->unit = U_NONE;
            return ok;
        }
        bool ok = a->unit != U_BUNDLE || bundle_closed(a, off);
        a->unit = U_NONE;
        return ok;
    }
    return true;
}

static void string_cut(void *ctx, const char *reason, uint64_t off)
{
    s4s_asm *a = ctx;
    if (a->building)
        mark_broken(a, reason, "too-costly", off);
}

static s4s_rc broken(void *ctx, const char *reason, uint64_t off, uint64_t line,
                     uint64_t cap_end)
{
    s4s_asm *a = ctx;
    const s4s_buf *raw = NULL;
    bool spilled;
    s4s_rawcap_end(a->cap, cap_end, &raw, &spilled);
    bool res = a->building || a->have_res;
    a->why = NULL;
    mark_broken(a, reason, "structure", off);
    uint64_t roff = res ? a->res_off : a->unit != U_NONE ? a->unit_off : off;
    uint64_t rline = res ? a->res_line : a->unit != U_NONE ? a->unit_line : line;
    s4s_rc rc = S4S_OK;
    if (a->have_res && !a->building) { /* a finished entry.resource awaited its entry end */
        raw = a->res_raw;
        spilled = a->res_spilled;
    }
    if (!deliver(a, NULL, raw, spilled, roff, rline, NULL))
        rc = a->rc;
    a->depth = 0;
    a->unit = U_NONE;
    a->building = false;
    a->have_res = false;
    a->odd_capture = false;
    a->pend = P_NONE;
    a->why = NULL;
    return rc;
}

/* --- the sax callbacks ------------------------------------------------------- */

static inline s4s_rc rc_of(void *ctx, bool ok) { return ok ? S4S_OK : ((s4s_asm *)ctx)->rc; }

static s4s_rc unit_start(void *ctx, uint64_t off, uint64_t line)
{
    s4s_asm *a = ctx;
    a->unit_off = off;
    a->unit_line = line;
    return S4S_OK;
}

static s4s_rc on_null(void *c, uint64_t off) { return rc_of(c, scalar(c, S4S_J_NULL, "null", 4, true, off)); }
static s4s_rc on_bool(void *c, bool b, uint64_t off)
{
    return rc_of(c, scalar(c, b ? S4S_J_TRUE : S4S_J_FALSE, b ? "true" : "false", b ? 4 : 5, true, off));
}
static s4s_rc on_number(void *c, const char *v, size_t n, uint64_t off) { return rc_of(c, scalar(c, S4S_J_NUMBER, v, n, true, off)); }
static s4s_rc on_string(void *c, const char *v, size_t n, bool utf8, uint64_t off)
{
    return rc_of(c, scalar(c, S4S_J_STRING, v, n, utf8, off));
}
static s4s_rc on_key(void *c, const char *k, size_t n, uint64_t off) { return rc_of(c, key(c, k, n, off)); }
static s4s_rc on_map_start(void *c, uint64_t off) { return rc_of(c, open_value(c, S4S_J_OBJECT, off)); }
static s4s_rc on_array_start(void *c, uint64_t off) { return rc_of(c, open_value(c, S4S_J_ARRAY, off)); }
static s4s_rc on_close(void *c, uint64_t off) { return rc_of(c, close_value(c, off)); }
bool s4s_asm_in_bundle(const s4s_asm *a) { return a->unit == U_BUNDLE; }
static bool streaming(void *ctx) { return s4s_asm_in_bundle(ctx); }

static const s4s_sax_callbacks sax_callbacks = {
    .unit_start = unit_start,
    .null_value = on_null, .boolean = on_bool, .number = on_number, .string = on_string,
    .map_start = on_map_start, .map_key = on_key, .map_end = on_close,
    .array_start = on_array_start, .array_end = on_close,
    .broken = broken, .string_cut = string_cut, .streaming = streaming,
};

void s4s_asm_attach(s4s_asm *a, s4s_sax *s)
{
    a->sax = s;
    a->cap = s4s_sax_rawcap(s);
    s4s_sax_set_callbacks(s, &sax_callbacks, a);
}
