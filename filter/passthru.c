/*
 * passthru.c - --no-validate's tree-free check of whole NDJSON lines and
 * whole Bundles (the urn:uuid rewrite made on the bytes).
 *
 * Invariants:
 *  - A unit is accepted only whole, and a line only when the tree path
 *    (sax -> assemble -> work) would write it unchanged, as
 *    s4s_write_compact() of its bytes, or skip it (a blank line).  That
 *    is: one JSON object, yajl configured as sax configures it; a string
 *    resourceType other than Bundle (Bundles are split into entries);
 *    valid UTF-8 without NUL (checked over the whole line: outside strings
 *    yajl takes only ASCII) and no \u0000 escape; no member name twice in
 *    an object; depth within --max-depth; bytes within
 *    --max-resource-bytes (so no string is cut); fewer events than could
 *    reach assemble's node budget.  Each test errs towards declining.
 *  - A Bundle unit is taken on the same terms for each entry's resource,
 *    and only when the urn:uuid family would rewrite every reference and
 *    report nothing (see "Bundle units" below).
 *  - Memory: two yajl handles, a fullUrl map (urnuuid.h, emptied per
 *    Bundle), the member names of the open objects (fixed
 *    tables), the compacted lines and the line records, all bounded by the
 *    unit's size, which is capped.  A declined check leaves the handle in
 *    any state: it is made anew before the next.
 */
#include "passthru.h"
#include "assemble.h"
#include "../rules/urnuuid.h"
#include "base/alloc.h"
#include "base/bits.h"
#include "base/text.h"
#include "writer.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_parse.h>

/* deeper objects, or more names per object or in all open objects, are
 * rare enough to leave to the tree path */
#define PT_DEPTH     64
#define PT_MEMBERS   64
#define PT_NAMES     1024
/* urn:uuid references in one resource, and the longest fullUrl, id and
 * Type/id kept, before a Bundle unit is left to the tree path */
#define PT_REFS      256
#define PT_URL       1024
#define PT_ID        256
/* arena bytes a tree node can cost at most beyond its text (node, copies'
 * NUL and alignment): with 2 bytes per input byte for the text, a bound
 * on what assemble would spend */
#define EVENT_COST   128

typedef struct frame {
    uint64_t filter;  /* bits of the names seen in this object (assemble's filter) */
    unsigned base;    /* its first name in names[] */
} frame;

typedef struct name {
    const char *p;
    size_t      n;
} name;

/* what the next value is, in a Bundle unit */
enum pend { PB_NONE, PB_RT_BUNDLE, PB_ENTRY, PB_FULLURL, PB_RESOURCE, PB_TYPE, PB_ID, PB_REF };

typedef struct ref {
    size_t at, len;   /* the string token in the unit, quotes included */
} ref;

struct s4s_passthru {
    const s4s_opts *o;
    size_t          budget;      /* assemble's node budget */
    size_t          max_unit;
    yajl_handle     h, hb;       /* lines, Bundles */
    yajl_handle     cur;         /* the one parsing */
    s4s_tracker     mem;
    const unsigned char *lo, *hi; /* the line or unit being parsed: names point into it */
    unsigned        depth;
    size_t          values, events;
    size_t          end;         /* where the line's value ended */
    bool            want_type;   /* the last member name was the root's resourceType */
    bool            have_type;
    char            type[S4S_PT_TYPE_MAX];
    size_t          type_len;
    frame           open[PT_DEPTH + 1];
    name            names[PT_NAMES];
    unsigned        n_names;
    s4s_pt_line    *lines;
    size_t          n, cap;
    s4s_buf         out;
    /* a Bundle unit: the open Bundle, entry and resource */
    s4s_refmap     *map;         /* the open Bundle's fullUrls, as urnuuid.c keeps them */
    enum pend       pend;
    unsigned        bundle;      /* Bundles of the unit closed so far */
    bool            is_bundle;   /* resourceType "Bundle" came before the entries */
    bool            had_entries, in_entries, in_res, have_res, have_url, have_id;
    size_t          res_at, res_end, res_events;
    const unsigned char *url, *id;
    size_t          url_len, id_len;
    ref             refs[PT_REFS];
    size_t          n_refs;
    size_t          nl_at, nl_count; /* newlines counted up to nl_at */
};

/* --- events (0 stops the parse: the unit is declined) ---------------------- */

static int scalar(s4s_passthru *q)
{
    q->events++;
    q->want_type = false;
    return q->depth > 0;
}

static int on_null(void *u) { return scalar(u); }
static int on_bool(void *u, int b) { (void)b; return scalar(u); }
static int on_number(void *u, const char *s, size_t n) { (void)s; (void)n; return scalar(u); }

static bool is(const unsigned char *k, size_t n, const char *lit)
{
    return n == strlen(lit) && !memcmp(k, lit, n);
}

/* a resource's resourceType: false for a Bundle (split into its entries)
 * or one too long to keep */
static bool take_type(s4s_passthru *q, const unsigned char *s, size_t n)
{
    if (n >= S4S_PT_TYPE_MAX || is(s, n, "Bundle"))
        return false;
    memcpy(q->type, s, n);
    q->type[n] = '\0';
    q->type_len = n;
    q->have_type = true;
    return true;
}

static int on_string(void *u, const unsigned char *s, size_t n)
{
    s4s_passthru *q = u;
    if (q->want_type && !take_type(q, s, n))
        return 0;
    return scalar(q);
}

static int open_value(s4s_passthru *q, bool object)
{
    q->events++;
    q->want_type = false;
    if ((q->depth == 0 && !object) || q->depth >= PT_DEPTH || q->depth > q->o->max_depth)
        return 0; /* assemble: depth beyond the root's past --max-depth */
    q->depth++;
    q->open[q->depth] = (frame){0, q->n_names};
    return 1;
}

static int on_start_map(void *u) { return open_value(u, true); }
static int on_start_array(void *u) { return open_value(u, false); }

static int close_value(s4s_passthru *q)
{
    q->want_type = false;
    q->n_names = q->open[q->depth].base;
    if (--q->depth == 0) {
        q->values++;
        q->end = yajl_get_bytes_consumed(q->cur); /* just past the bracket */
    }
    return 1;
}

static int on_end_map(void *u) { return close_value(u); }
static int on_end_array(void *u) { return close_value(u); }

/* s[0..n) lies in the bytes parsed (not yajl's decoded copy of an escape) */
static bool in_unit(const s4s_passthru *q, const unsigned char *s, size_t n)
{
    return s >= q->lo && s + n <= q->hi;
}

/* A member name of the open object: false for one it has already. */
static bool take_name(s4s_passthru *q, const unsigned char *k, size_t n)
{
    q->events++;
    frame *f = &q->open[q->depth];
    /* a name with an escape is yajl's decoded copy, gone after this call */
    if (!in_unit(q, k, n) || q->n_names == PT_NAMES || q->n_names - f->base == PT_MEMBERS)
        return false;
    uint64_t bit = 1ull << ((k[n >> 1] * 5u + n) & 63);
    if (f->filter & bit)
        for (unsigned i = f->base; i < q->n_names; i++)
            if (q->names[i].n == n && !memcmp(q->names[i].p, k, n))
                return false;
    f->filter |= bit;
    q->names[q->n_names++] = (name){(const char *)k, n};
    return true;
}

static int on_key(void *u, const unsigned char *k, size_t n)
{
    s4s_passthru *q = u;
    if (!take_name(q, k, n))
        return 0;
    q->want_type = q->depth == 1 && n == 12 && !memcmp(k, "resourceType", 12);
    return 1;
}

static const yajl_callbacks events = {
    on_null, on_bool, NULL, NULL, on_number, on_string,
    on_start_map, on_key, on_end_map, on_start_array, on_end_array,
};

/* --- lines ------------------------------------------------------------------ */

/* No \u0000 (or, with any, no \u escape at all): the tree path refuses
 * the NUL it decodes to, and it is the one \u escape s4s_write_compact()
 * copies that could hide one (it takes only those s4s_write_node() would
 * write, control characters, so every other \u escape, surrogates
 * included, is declined there).  A Bundle's own members are not compacted:
 * there no \u escape at all is taken. */
static bool escapes_ok(const unsigned char *p, size_t n, bool any)
{
    const unsigned char *e = p + n;
    while ((p = memchr(p, '\\', (size_t)(e - p))) != NULL) {
        if (e - p < 2 || (p[1] == 'u' && (any || (e - p >= 6 && !memcmp(p + 1, "u0000", 5)))))
            return false;
        p += 2; /* past the escaped character, another backslash too */
    }
    return true;
}

/* (Re)makes *slot, a handle whose events go to cb. */
static void new_handle(s4s_passthru *q, yajl_handle *slot, const yajl_callbacks *cb)
{
    if (*slot)
        yajl_free(*slot);
    *slot = NULL; /* yajl_alloc may fail: never leave the freed handle */
    yajl_alloc_funcs af = {s4s_tracked_malloc, s4s_tracked_realloc, s4s_tracked_free, &q->mem};
    *slot = yajl_alloc(cb, &af, q);
    yajl_config(*slot, yajl_allow_multiple_values, 1);
    yajl_config(*slot, yajl_dont_validate_strings, 1); /* as sax.c: UTF-8 is checked here */
}

static bool blank(const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r' && p[i] != '\n')
            return false;
    return true;
}

static bool line_ok(s4s_passthru *q, const unsigned char *p, size_t n)
{
    if (n > q->o->max_resource_bytes || !s4s_text_utf8_ok((const char *)p, n) || !escapes_ok(p, n, false))
        return false;
    q->lo = p;
    q->hi = p + n;
    q->cur = q->h;
    q->values = q->events = 0;
    q->have_type = q->want_type = false;
    /* after the value only blanks: yajl may still hold a token it has not
     * finished (a number, an open string) that the tree path would see
     * end, or break, at the end of the input */
    if (yajl_parse(q->h, p, n) != yajl_status_ok || q->values != 1 || q->depth || !q->have_type ||
        !blank(p + q->end, n - q->end))
        return false;
    if (q->events > (q->budget - 2 * n) / EVENT_COST)
        return false;
    return true;
}

static void add_line(s4s_passthru *q, size_t at, size_t n, size_t ix, size_t out_at)
{
    if (q->n == q->cap) {
        q->cap = q->cap ? 2 * q->cap : 64;
        q->lines = s4s_xrealloc(q->lines, q->cap * sizeof *q->lines);
    }
    s4s_pt_line *l = &q->lines[q->n++];
    *l = (s4s_pt_line){at, n, ix, out_at, q->out.len - out_at, q->type_len, {0}, 0, 0};
    memcpy(l->type, q->type, q->type_len + 1);
}

bool s4s_passthru_check(s4s_passthru *q, const unsigned char *p, size_t n)
{
    q->n = 0;
    s4s_buf_clear(&q->out);
    if (n > q->max_unit)
        return false;
    if (!q->h)
        new_handle(q, &q->h, &events);
    bool ok = true;
    size_t ix = 0;
    for (size_t at = 0; at < n && ok; ix++) {
        const unsigned char *nl = memchr(p + at, '\n', n - at);
        size_t len = nl ? (size_t)(nl - (p + at)) + 1 : n - at;
        size_t out_at = q->out.len;
        if (!blank(p + at, len)) { /* between values the tree path skips it too */
            ok = line_ok(q, p + at, len) && s4s_write_compact(&q->out, (const char *)p + at, len) &&
                 s4s_buf_putc(&q->out, '\n');
            if (ok)
                add_line(q, at, len, ix, out_at);
        }
        at += len;
    }
    if (!ok) {
        /* the handle may be inside a value or stopped: made anew */
        new_handle(q, &q->h, &events);
        q->depth = 0;
        q->n_names = 0;
        q->n = 0;
    }
    return q->n > 0;
}

/* --- Bundle units ------------------------------------------------------------
 * Whole Bundles printed across lines: the tree path streams each one from
 * its entries (assemble.c) and, under --no-validate, changes nothing but
 * urn:uuid references to earlier entries (urnuuid.c).  Taken: Bundles that
 * name themselves before their one entry array, whose entries are objects
 * each with one resource object (no search: a server's outcome is not
 * data), whose every urn:uuid reference resolves, and whose fullUrls are
 * unique and few enough for the map to keep; each resource passes the
 * line checks.  Its output is its bytes compacted with each urn:uuid
 * reference replaced by the Type/id the map gives, as the tree writer
 * spells it. */

/* a value in a place that wants another kind, or none */
static int b_value(s4s_passthru *q)
{
    q->events++;
    q->res_events += q->in_res;
    if (q->depth == 0 || (q->depth == 2 && q->in_entries) ||
        (q->pend != PB_NONE && q->pend != PB_ID && q->pend != PB_REF))
        return 0;
    q->pend = PB_NONE;
    return 1;
}

static int b_null(void *u) { return b_value(u); }
static int b_bool(void *u, int b) { (void)b; return b_value(u); }
static int b_number(void *u, const char *s, size_t n) { (void)s; (void)n; return b_value(u); }

static int b_string(void *u, const unsigned char *s, size_t n)
{
    s4s_passthru *q = u;
    if (n > q->o->max_resource_bytes) /* sax would cut it */
        return 0;
    switch (q->pend) {
    case PB_RT_BUNDLE:
        if (!is(s, n, "Bundle"))
            return 0;
        q->is_bundle = true;
        break;
    case PB_FULLURL:
        if (!in_unit(q, s, n) || n >= PT_URL)
            return 0;
        q->url = s;
        q->url_len = n;
        q->have_url = true;
        break;
    case PB_TYPE:
        if (!take_type(q, s, n))
            return 0;
        break;
    case PB_ID:
        if (!in_unit(q, s, n) || n >= PT_ID)
            return 0;
        q->id = s;
        q->id_len = n;
        q->have_id = true;
        break;
    case PB_REF:
        if (n >= 9 && !memcmp(s, "urn:uuid:", 9)) {
            if (!in_unit(q, s, n) || q->n_refs == PT_REFS)
                return 0;
            q->refs[q->n_refs++] = (ref){(size_t)(s - q->lo) - 1, n + 2};
        }
        break;
    default:
        break;
    }
    if (q->pend == PB_ENTRY || q->pend == PB_RESOURCE) /* an array, an object was due */
        return 0;
    q->pend = PB_NONE;
    return b_value(q);
}

static int b_key(void *u, const unsigned char *k, size_t n)
{
    s4s_passthru *q = u;
    if (n > q->o->max_resource_bytes || !take_name(q, k, n))
        return 0;
    q->res_events += q->in_res;
    q->pend = PB_NONE;
    if (q->depth == 1 && is(k, n, "resourceType"))
        q->pend = PB_RT_BUNDLE;
    else if (q->depth == 1 && is(k, n, "entry"))
        q->pend = PB_ENTRY;
    else if (q->depth == 3 && q->in_entries && !q->in_res) {
        if (is(k, n, "fullUrl"))
            q->pend = PB_FULLURL;
        else if (is(k, n, "resource"))
            q->pend = PB_RESOURCE;
        else if (is(k, n, "search"))
            return 0;
    } else if (q->in_res && q->depth == 4 && is(k, n, "resourceType"))
        q->pend = PB_TYPE;
    else if (q->in_res && q->depth == 4 && is(k, n, "id"))
        q->pend = PB_ID;
    else if (q->in_res && is(k, n, "reference"))
        q->pend = PB_REF;
    return 1;
}

static int b_start_map(void *u)
{
    s4s_passthru *q = u;
    if (q->pend == PB_RESOURCE) { /* entry.resource */
        q->in_res = true;
        q->res_at = yajl_get_bytes_consumed(q->cur) - 1;
        q->res_events = 0;
        q->have_type = q->have_id = false;
        q->n_refs = 0;
    } else if (q->depth == 2 && q->in_entries) { /* an entry */
        q->have_url = q->have_res = false;
    } else if (q->depth == 0) {
        q->is_bundle = q->had_entries = false;
    } else if (q->pend != PB_NONE && q->pend != PB_ID && q->pend != PB_REF) {
        return 0;
    }
    q->res_events += q->in_res;
    q->pend = PB_NONE;
    return open_value(q, true);
}

static int b_start_array(void *u)
{
    s4s_passthru *q = u;
    if (q->pend == PB_ENTRY) {
        if (!q->is_bundle) /* the tree path would assemble the Bundle whole */
            return 0;
        q->in_entries = q->had_entries = true;
    } else if ((q->depth == 2 && q->in_entries) || (q->pend != PB_NONE && q->pend != PB_ID && q->pend != PB_REF)) {
        return 0;
    }
    q->res_events += q->in_res;
    q->pend = PB_NONE;
    return open_value(q, false);
}

/* An entry closed: its resource's bytes, compacted, its references
 * rewritten; then its fullUrl goes into the map (after: an entry never
 * resolves to itself). */
static bool b_entry(s4s_passthru *q)
{
    if (!q->have_res)
        return false;
    size_t out_at = q->out.len, at = q->res_at;
    const unsigned char *p = q->lo;
    for (size_t i = 0; i < q->n_refs; i++) {
        const ref *r = &q->refs[i];
        const char *type, *id;
        size_t idl;
        if (s4s_refmap_get(q->map, (const char *)p + r->at + 1, r->len - 2, &type, &id, &idl) !=
            S4S_REFGET_FOUND)
            return false; /* forward, missing or ambiguous: the tree path reports it */
        char v[S4S_PT_TYPE_MAX + PT_URL + 2];
        int k = snprintf(v, sizeof v, "%s/%.*s", type, (int)idl, id);
        if (k < 0 || (size_t)k >= sizeof v || !s4s_write_compact(&q->out, (const char *)p + at, r->at - at) ||
            !s4s_buf_json_str(&q->out, v, (size_t)k))
            return false;
        at = r->at + r->len;
    }
    if (!s4s_write_compact(&q->out, (const char *)p + at, q->res_end - at) || !s4s_buf_putc(&q->out, '\n'))
        return false;
    if (q->have_url) {
        char url[PT_URL], id[PT_ID];
        memcpy(url, q->url, q->url_len);
        url[q->url_len] = '\0';
        bool target = q->have_id;
        if (target) {
            memcpy(id, q->id, q->id_len);
            id[q->id_len] = '\0';
        }
        if (s4s_refmap_put(q->map, url, target ? q->type : NULL, target ? id : NULL) != S4S_REFPUT_OK ||
            s4s_refmap_spilling(q->map))
            return false;
    }
    /* its line: the newlines before it */
    q->nl_count += s4s_count_nl(p + q->nl_at, p + q->res_at);
    q->nl_at = q->res_at;
    add_line(q, q->res_at, q->res_end - q->res_at, q->nl_count, out_at);
    q->lines[q->n - 1].rewritten = (unsigned)q->n_refs;
    q->lines[q->n - 1].bundle = q->bundle;
    return true;
}

static int b_end_map(void *u)
{
    s4s_passthru *q = u;
    q->res_events += q->in_res;
    close_value(q);
    if (q->in_res && q->depth == 3) { /* the resource */
        q->in_res = false;
        q->have_res = true;
        q->res_end = yajl_get_bytes_consumed(q->cur);
        return q->have_type && q->res_end - q->res_at <= q->o->max_resource_bytes &&
               q->res_events <= (q->budget - 2 * (q->res_end - q->res_at)) / EVENT_COST;
    }
    if (q->depth == 2 && q->in_entries)
        return b_entry(q);
    if (q->depth == 0) { /* the Bundle */
        s4s_refmap_reset(q->map);
        q->bundle++;
        return q->had_entries;
    }
    return 1;
}

static int b_end_array(void *u)
{
    s4s_passthru *q = u;
    q->res_events += q->in_res;
    close_value(q);
    if (q->depth == 1)
        q->in_entries = false;
    return 1;
}

static const yajl_callbacks bundle_events = {
    b_null, b_bool, NULL, NULL, b_number, b_string,
    b_start_map, b_key, b_end_map, b_start_array, b_end_array,
};

bool s4s_passthru_bundles(s4s_passthru *q, const unsigned char *p, size_t n)
{
    q->n = 0;
    s4s_buf_clear(&q->out);
    if (n > q->max_unit || !s4s_text_utf8_ok((const char *)p, n) || !escapes_ok(p, n, true))
        return false;
    if (!q->hb)
        new_handle(q, &q->hb, &bundle_events);
    q->lo = p; /* names and tokens point into the unit */
    q->hi = p + n;
    q->cur = q->hb;
    q->values = q->events = 0;
    q->depth = q->n_names = q->bundle = 0;
    q->pend = PB_NONE;
    q->in_entries = q->in_res = false;
    q->nl_at = q->nl_count = 0;
    s4s_refmap_reset(q->map);
    bool ok = yajl_parse(q->hb, p, n) == yajl_status_ok && !q->depth && q->values &&
              blank(p + q->end, n - q->end);
    if (!ok) { /* the handle may be inside a value or stopped: made anew */
        new_handle(q, &q->hb, &bundle_events);
        q->n = 0;
    }
    return ok && q->n > 0;
}

s4s_passthru *s4s_passthru_new(const s4s_opts *o, size_t max_unit)
{
    s4s_passthru *q = s4s_xcalloc(1, sizeof *q);
    q->o = o;
    q->budget = s4s_asm_node_budget(o);
    q->max_unit = max_unit;
    q->map = s4s_refmap_new(o->max_refs);
    /* compacted lines and their newlines: never longer than the unit */
    s4s_buf_init(&q->out, max_unit + 1);
    return q;
}

void s4s_passthru_free(s4s_passthru *q)
{
    if (!q)
        return;
    if (q->h)
        yajl_free(q->h);
    if (q->hb)
        yajl_free(q->hb);
    s4s_tracker_release(&q->mem);
    s4s_refmap_free(q->map);
    s4s_buf_free(&q->out);
    free(q->lines);
    free(q);
}

size_t s4s_passthru_count(const s4s_passthru *q) { return q->n; }
const s4s_pt_line *s4s_passthru_line(const s4s_passthru *q, size_t i) { return &q->lines[i]; }
const s4s_buf *s4s_passthru_out(const s4s_passthru *q) { return &q->out; }
