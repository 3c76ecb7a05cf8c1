/*
 * urnuuid.c - the urn:uuid rule family: inside a Bundle, a reference
 * "urn:uuid:..." that names an earlier entry's fullUrl is rewritten to that
 * entry's Type/id; forward, missing and ambiguous ones are reported.
 *
 * Invariants: the map is reset when a new Bundle starts (rctx.bundle
 * changes), so nothing resolves across Bundles; an entry is recorded after
 * its own references are rewritten, so it never resolves to itself; a
 * fullUrl two entries share resolves to neither (an error on the second
 * entry, its references left as they are).  The table is a power of two, at
 * most 3/4 full; a key is a 96-bit fingerprint (collision odds ~2^-57 over a
 * million entries); type names are interned in a small fixed array; the id
 * pool is a capped s4s_buf.  When the table or the pool is full, this
 * Bundle's later entries go to the spill (refspill.c, on disk) and the
 * table takes no more until the next Bundle, so a key is in one place only.
 * Runs under --no-validate too (it is the one rewrite the passthrough
 * does).  A rewrite is routine: below --report-level=all a resource's
 * rewrites are one tally repair.
 */
#include "urnuuid.h"
#include "refspill.h"
#include "rule.h"
#include "../filter/base/alloc.h"
#include "../filter/base/buf.h"
#include "../filter/base/jsonw.h"

#include <stdlib.h>
#include <string.h>

#define MAX_TYPES 255
#define ID_SAME 0xFFFFFFFFu /* id equals the uuid in the fullUrl */
#define T_NONE  0xFFFFu     /* fullUrl seen, its entry has no Type/id */
#define T_DUP   0xFFFEu     /* fullUrl given by more than one entry */

typedef struct ent {   /* 20 bytes, 4-aligned: the map's whole cost */
    uint32_t h1lo, h1hi, h2;
    uint32_t id_off;   /* into pool, or ID_SAME */
    uint16_t type;     /* 1-based index into types; 0 = empty slot; T_NONE, T_DUP */
    uint16_t id_len;
} ent;

struct s4s_refmap {
    ent    *tab;
    size_t  cap, len, max;
    char   *types[MAX_TYPES];
    unsigned ntypes;
    s4s_buf pool;
    s4s_refspill *spill;  /* opened at the first overflow, kept for the run */
    bool    spilling;     /* this Bundle's entries go to the spill */
    bool    spill_broken; /* the spill failed once: overflow is not recorded */
    size_t  spilled;      /* entries put in the spill, over the run */
};

s4s_refmap *s4s_refmap_new(size_t max_entries)
{
    s4s_refmap *m = s4s_xcalloc(1, sizeof *m);
    s4s_oom_hold h; /* freed if the table cannot be allocated */
    s4s_oom_push(&h, m, free);
    m->max = max_entries;
    m->cap = 1024;
    m->tab = s4s_xpages(m->cap * sizeof *m->tab);
    s4s_oom_pop(&h);
    s4s_buf_init(&m->pool, (size_t)64 << 20);
    return m;
}

void s4s_refmap_free(s4s_refmap *m)
{
    if (!m)
        return;
    for (unsigned i = 0; i < m->ntypes; i++)
        free(m->types[i]);
    s4s_refspill_close(m->spill);
    s4s_free_pages(m->tab, m->cap * sizeof *m->tab);
    s4s_buf_free(&m->pool);
    free(m);
}

void s4s_refmap_reset(s4s_refmap *m)
{
    if (m->len)
        memset(m->tab, 0, m->cap * sizeof *m->tab);
    m->len = 0;
    s4s_buf_clear(&m->pool);
    m->spilling = false;
    if (m->spill && s4s_refspill_reset(m->spill))
        m->spill_broken = true;
}

/* 96-bit fingerprint, 8 bytes a step (fullUrls are ~45 bytes) */
static void hashes(const char *s, size_t n, uint64_t *h1, uint32_t *h2)
{
    uint64_t a = 0x9E3779B97F4A7C15ull ^ n, b = 0xC2B2AE3D27D4EB4Full;
    for (; n >= 8; s += 8, n -= 8) {
        uint64_t w;
        memcpy(&w, s, 8);
        a = (a ^ w) * 0xff51afd7ed558ccdull;
        a ^= a >> 32;
        b = (b + w) * 0xc4ceb9fe1a85ec53ull;
        b ^= b >> 29;
    }
    uint64_t w = 0;
    memcpy(&w, s, n);
    a = (a ^ w) * 0xff51afd7ed558ccdull;
    a ^= a >> 33;
    b = (b + w) * 0xc4ceb9fe1a85ec53ull;
    b ^= b >> 31;
    *h1 = a;
    *h2 = (uint32_t)b;
}

static ent *find(ent *tab, size_t cap, uint64_t h1, uint32_t h2)
{
    size_t i = h1 & (cap - 1);
    uint32_t lo = (uint32_t)h1, hi = (uint32_t)(h1 >> 32);
    while (tab[i].type && !(tab[i].h1lo == lo && tab[i].h1hi == hi && tab[i].h2 == h2))
        i = (i + 1) & (cap - 1);
    return &tab[i];
}

static unsigned type_index(s4s_refmap *m, const char *type)
{
    for (unsigned i = 0; i < m->ntypes; i++)
        if (!strcmp(m->types[i], type))
            return i + 1;
    if (m->ntypes == MAX_TYPES)
        return 0;
    m->types[m->ntypes++] = s4s_xstrdup(type);
    return m->ntypes;
}

static bool marked(const uint64_t *mark, size_t i) { return mark[i / 64] >> (i % 64) & 1; }
static void unmark(uint64_t *mark, size_t i) { mark[i / 64] &= ~(1ull << (i % 64)); }

/* Twice the slots, in place: the pages move (s4s_xgrow_pages), so the old
 * and the new table are never resident at once (on a 1 GB Bundle that was
 * 10 MB more at the last doubling).  Then each entry of the old half, marked,
 * goes to the first slot from its new home that is empty or still holds a
 * marked entry (swapped with it; that one is placed in turn).  The slots
 * between a placed entry's home and it hold placed entries, which never
 * move again, so every probe path stays whole.  The marks are a bit a slot. */
static void grow(s4s_refmap *m)
{
    size_t cap = m->cap, ncap = 2 * cap, mask = ncap - 1;
    uint64_t *mark = s4s_xcalloc(ncap / 64 + 1, sizeof *mark);
    s4s_oom_hold h; /* the map is as it was if the pages cannot grow */
    s4s_oom_push(&h, mark, free);
    m->tab = s4s_xgrow_pages(m->tab, cap * sizeof *m->tab, ncap * sizeof *m->tab);
    s4s_oom_pop(&h);
    m->cap = ncap;
    ent *t = m->tab;
    for (size_t i = 0; i < cap; i++)
        if (t[i].type)
            mark[i / 64] |= 1ull << (i % 64);
    for (size_t i = 0; i < ncap; i++) {
        while (marked(mark, i)) {
            ent e = t[i];
            size_t j = ((uint64_t)e.h1hi << 32 | e.h1lo) & mask;
            while (j != i && t[j].type && !marked(mark, j))
                j = (j + 1) & mask;
            if (j != i && marked(mark, j)) {
                t[i] = t[j]; /* still marked: placed next */
                t[j] = e;
                unmark(mark, j);
                continue;
            }
            if (j != i) {
                t[j] = e;
                t[i] = (ent){0};
            }
            unmark(mark, i);
        }
    }
    free(mark);
}

/* This Bundle's later entries go to the spill; false when it cannot. */
static bool start_spill(s4s_refmap *m)
{
    if (m->spill_broken || (!m->spill && s4s_refspill_open(&m->spill))) {
        m->spill_broken = true;
        return false;
    }
    m->spilling = true;
    return true;
}

static s4s_refput spill_put(s4s_refmap *m, uint64_t h1, uint32_t h2, unsigned t, const char *id,
                            size_t idl)
{
    switch (s4s_refspill_put(m->spill, h1, h2, t, id, idl)) {
    case S4S_SPILL_ADDED:
        m->spilled++;
        return S4S_REFPUT_OK;
    case S4S_SPILL_DUPLICATE:
        return S4S_REFPUT_DUPLICATE;
    case S4S_SPILL_FAILED:
        break;
    }
    m->spill_broken = true;
    return S4S_REFPUT_FULL;
}

s4s_refput s4s_refmap_put(s4s_refmap *m, const char *url, const char *type, const char *id)
{
    uint64_t h1;
    uint32_t h2;
    hashes(url, strlen(url), &h1, &h2);
    ent *e = find(m->tab, m->cap, h1, h2);
    if (e->type) {
        e->type = T_DUP;
        return S4S_REFPUT_DUPLICATE;
    }
    unsigned t = T_NONE;
    size_t idl = 0;
    if (type && id) {
        t = type_index(m, type);
        idl = strlen(id);
        if (!t || idl > 0xFFFF)
            return S4S_REFPUT_FULL;
    }
    const char *uuid = strncmp(url, "urn:uuid:", 9) == 0 ? url + 9 : NULL;
    bool same = t == T_NONE || (uuid && !strcmp(uuid, id));
    if (!m->spilling && (m->len >= m->max || (!same && m->pool.len + idl > m->pool.max)))
        if (!start_spill(m))
            return S4S_REFPUT_FULL;
    if (m->spilling)
        return m->spill_broken ? S4S_REFPUT_FULL : spill_put(m, h1, h2, t, same ? NULL : id, idl);
    if ((m->len + 1) * 4 > m->cap * 3) { /* at most 3/4 full */
        grow(m);
        e = find(m->tab, m->cap, h1, h2);
    }
    e->h1lo = (uint32_t)h1;
    e->h1hi = (uint32_t)(h1 >> 32);
    e->h2 = h2;
    e->type = (uint16_t)t;
    e->id_len = (uint16_t)idl;
    e->id_off = ID_SAME;
    if (!same) {
        e->id_off = (uint32_t)m->pool.len;
        s4s_buf_put(&m->pool, id, idl); /* fits: checked above */
    }
    m->len++;
    return S4S_REFPUT_OK;
}

s4s_refget s4s_refmap_get(s4s_refmap *m, const char *ref, size_t n, const char **type,
                          const char **id, size_t *idl)
{
    uint64_t h1;
    uint32_t h2;
    hashes(ref, n, &h1, &h2);
    const ent *e = find(m->tab, m->cap, h1, h2);
    unsigned t = e->type;
    const char *sid = NULL;
    size_t sidl = e->id_len;
    if (t && t != T_DUP && t != T_NONE && e->id_off != ID_SAME)
        sid = sidl ? m->pool.p + e->id_off : ""; /* an empty id took no pool byte: the pool may be unallocated */
    if (!t && m->spilling && !m->spill_broken)
        t = s4s_refspill_get(m->spill, h1, h2, &sid, &sidl);
    if (t == T_DUP)
        return S4S_REFGET_AMBIGUOUS;
    if (!t || t == T_NONE)
        return S4S_REFGET_NONE;
    *type = m->types[t - 1];
    if (!sid) { /* the id is the fullUrl's uuid */
        sid = ref + 9;
        sidl = n - 9;
    }
    *id = sid;
    *idl = sidl;
    return S4S_REFGET_FOUND;
}

bool s4s_refmap_spilling(const s4s_refmap *m)
{
    return m->spilling;
}

size_t s4s_refmap_spilled(const s4s_refmap *m)
{
    return m->spilled;
}

typedef struct rewriting {
    s4s_rctx   *rc;
    s4s_refmap *map;
    unsigned    done, unresolved;
} rewriting;

/* One reference (s4s_rctx_each_ref): a urn:uuid: one is rewritten to the
 * Type/id of the earlier entry it names, or reported. */
static bool rewrite(void *u, s4s_node *c)
{
    rewriting *rw = u;
    s4s_rctx *rc = rw->rc;
    if (c->len < 9 || memcmp(c->str, "urn:uuid:", 9))
        return true;
    const char *type, *id;
    size_t idl;
    s4s_refget g = s4s_refmap_get(rw->map, c->str, c->len, &type, &id, &idl);
    if (g == S4S_REFGET_AMBIGUOUS) {
        rw->unresolved++;
        s4s_issue(rc, S4S_SEV_WARNING, "multiple-matches", c,
                  "urn:uuid reference names a fullUrl that more than one entry of this Bundle has; left as is");
        return true;
    }
    if (g == S4S_REFGET_NONE) {
        rw->unresolved++;
        s4s_issue(rc, S4S_SEV_WARNING, "not-found", c,
                  "urn:uuid reference names no earlier entry of this Bundle (forward or missing); left as is");
        return true;
    }
    /* Type/id, put together by hand: a printf here cost a thousand
     * instructions per reference of a Bundle */
    size_t tl = strlen(type), vl = tl + 1 + idl;
    char *v = s4s_arena_alloc(rc->arena, vl);
    memcpy(v, type, tl);
    v[tl] = '/';
    memcpy(v + tl + 1, id, idl);
    if (rc->opts->report_level == S4S_LEVEL_ALL) {
        s4s_edit_set_str(rc, c, v, vl, "urn-uuid-reference",
                         "urn:uuid reference rewritten to the Type/id of the entry it names");
        rw->done++;
    } else {
        s4s_edit_set_str_tallied(rc, c, v, vl, &rw->done);
    }
    return true;
}

typedef struct rstate {
    s4s_refmap *map;
    uint64_t    bundle;   /* the Bundle the map describes; 0 = none yet */
    uint64_t    rewritten, unresolved, map_full;
    size_t      spilled_merged; /* entries other rows' maps spilled */
} rstate;

static s4s_rc urnuuid_init(const s4s_opts *o, s4s_term *term, void **state)
{
    rstate *st = s4s_xcalloc(1, sizeof *st);
    *state = st; /* the pipe frees it, also when a later allocation fails */
    st->map = s4s_refmap_new(o->max_refs);
    return S4S_OK;
}

void s4s_urnuuid_tally(s4s_rctx *rc, void *state, unsigned done)
{
    rstate *st = state;
    if (rc->opts->report_level != S4S_LEVEL_ALL)
        s4s_repair_tally(rc, "urn-uuid-reference", done, "%s", /* the count is the record's */
                         "urn:uuid references rewritten to the Type/id of the entries they name");
    st->rewritten += done;
}

static void urnuuid_apply(s4s_rctx *rc, void *state)
{
    rstate *st = state;
    if (!rc->bundle)
        return;
    if (rc->bundle != st->bundle) {
        s4s_refmap_reset(st->map);
        st->bundle = rc->bundle;
    }
    rewriting rw = {.rc = rc, .map = st->map};
    s4s_rctx_each_ref(rc, rewrite, &rw);
    s4s_urnuuid_tally(rc, st, rw.done);
    st->unresolved += rw.unresolved;
    if (!rc->full_url)
        return;
    /* after rewriting, so an entry never resolves to itself by accident */
    bool target = rc->type && rc->id;
    switch (s4s_refmap_put(st->map, rc->full_url, target ? rc->type : NULL, target ? rc->id : NULL)) {
    case S4S_REFPUT_OK:
        break;
    case S4S_REFPUT_FULL:
        if (target)
            st->map_full++;
        break;
    case S4S_REFPUT_DUPLICATE:
        s4s_issue(rc, S4S_SEV_ERROR, "duplicate", NULL,
                  "the entry's fullUrl is already used by an earlier entry of this Bundle; references to it are left unresolved");
        break;
    }
}

static void urnuuid_stats(void *state, s4s_jw *w)
{
    const rstate *st = state;
    s4s_jw_key(w, "references");
    s4s_jw_obj(w);
    s4s_jw_kuint(w, "urn_uuid_rewritten", st->rewritten);
    s4s_jw_kuint(w, "urn_uuid_unresolved", st->unresolved);
    s4s_jw_kuint(w, "map_full", st->map_full);
    s4s_jw_kuint(w, "map_spilled", s4s_refmap_spilled(st->map) + st->spilled_merged);
    s4s_jw_obj_end(w);
}

/* counts of another row (the workers parse units of their own) */
static void urnuuid_merge(void *into, const void *from)
{
    rstate *a = into;
    const rstate *b = from;
    a->rewritten += b->rewritten;
    a->unresolved += b->unresolved;
    a->map_full += b->map_full;
    a->spilled_merged += s4s_refmap_spilled(b->map) + b->spilled_merged;
}

static void urnuuid_fini(void *state)
{
    rstate *st = state;
    s4s_refmap_free(st->map);
    free(st);
}

/* named "refs": the family name report diagnostics have always carried */
/* BEFORE: the map holds the entries before the resource */
const s4s_rule s4s_rule_urnuuid = {"refs", urnuuid_init, urnuuid_apply, urnuuid_stats, NULL,
                                   urnuuid_fini, S4S_RULE_BEFORE, urnuuid_merge};
