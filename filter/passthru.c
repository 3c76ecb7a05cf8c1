/*
 * passthru.c - --no-validate's tree-free check of whole NDJSON lines.
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
 *  - Memory: one yajl handle, the member names of the open objects (fixed
 *    tables), the compacted lines and the line records, all bounded by the
 *    unit's size, which is capped.  A declined check leaves the handle in
 *    any state: it is made anew before the next.
 */
#include "passthru.h"
#include "assemble.h"
#include "base/alloc.h"
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

struct s4s_passthru {
    const s4s_opts *o;
    size_t          budget;      /* assemble's node budget */
    size_t          max_unit;
    yajl_handle     h;
    s4s_tracker     mem;
    const unsigned char *lo, *hi; /* the line being parsed: names point into it */
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

static int on_string(void *u, const unsigned char *s, size_t n)
{
    s4s_passthru *q = u;
    if (q->want_type) {
        if (n >= S4S_PT_TYPE_MAX || (n == 6 && !memcmp(s, "Bundle", 6)))
            return 0;
        memcpy(q->type, s, n);
        q->type[n] = '\0';
        q->type_len = n;
        q->have_type = true;
    }
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
        q->end = yajl_get_bytes_consumed(q->h); /* just past the bracket */
    }
    return 1;
}

static int on_end_map(void *u) { return close_value(u); }
static int on_end_array(void *u) { return close_value(u); }

static int on_key(void *u, const unsigned char *k, size_t n)
{
    s4s_passthru *q = u;
    q->events++;
    frame *f = &q->open[q->depth];
    /* a name with an escape is yajl's decoded copy, gone after this call */
    if (k < q->lo || k + n > q->hi || q->n_names == PT_NAMES || q->n_names - f->base == PT_MEMBERS)
        return 0;
    uint64_t bit = 1ull << ((k[n >> 1] * 5u + n) & 63);
    if (f->filter & bit)
        for (unsigned i = f->base; i < q->n_names; i++)
            if (q->names[i].n == n && !memcmp(q->names[i].p, k, n))
                return 0;
    f->filter |= bit;
    q->names[q->n_names++] = (name){(const char *)k, n};
    q->want_type = q->depth == 1 && n == 12 && !memcmp(k, "resourceType", 12);
    return 1;
}

static const yajl_callbacks events = {
    on_null, on_bool, NULL, NULL, on_number, on_string,
    on_start_map, on_key, on_end_map, on_start_array, on_end_array,
};

/* --- lines ------------------------------------------------------------------ */

/* No \u0000: the tree path refuses the NUL it decodes to, and it is the
 * one \u escape s4s_write_compact() copies that could hide one (it takes
 * only those s4s_write_node() would write, control characters, so every
 * other \u escape, surrogates included, is declined there). */
static bool no_nul_escape(const unsigned char *p, size_t n)
{
    const unsigned char *e = p + n;
    while ((p = memchr(p, '\\', (size_t)(e - p))) != NULL) {
        if (e - p < 2 || (e - p >= 6 && !memcmp(p + 1, "u0000", 5)))
            return false;
        p += 2; /* past the escaped character, another backslash too */
    }
    return true;
}

static void new_handle(s4s_passthru *q)
{
    if (q->h)
        yajl_free(q->h);
    q->h = NULL; /* yajl_alloc may fail: never leave the freed handle */
    yajl_alloc_funcs af = {s4s_tracked_malloc, s4s_tracked_realloc, s4s_tracked_free, &q->mem};
    q->h = yajl_alloc(&events, &af, q);
    yajl_config(q->h, yajl_allow_multiple_values, 1);
    yajl_config(q->h, yajl_dont_validate_strings, 1); /* as sax.c: UTF-8 is checked here */
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
    if (n > q->o->max_resource_bytes || !s4s_text_utf8_ok((const char *)p, n) || !no_nul_escape(p, n))
        return false;
    q->lo = p;
    q->hi = p + n;
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
    *l = (s4s_pt_line){at, n, ix, out_at, q->out.len - out_at, q->type_len, {0}};
    memcpy(l->type, q->type, q->type_len + 1);
}

bool s4s_passthru_check(s4s_passthru *q, const unsigned char *p, size_t n)
{
    q->n = 0;
    s4s_buf_clear(&q->out);
    if (n > q->max_unit)
        return false;
    if (!q->h)
        new_handle(q);
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
        new_handle(q);
        q->depth = 0;
        q->n_names = 0;
        q->n = 0;
    }
    return q->n > 0;
}

s4s_passthru *s4s_passthru_new(const s4s_opts *o, size_t max_unit)
{
    s4s_passthru *q = s4s_xcalloc(1, sizeof *q);
    q->o = o;
    q->budget = s4s_asm_node_budget(o);
    q->max_unit = max_unit;
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
    s4s_tracker_release(&q->mem);
    s4s_buf_free(&q->out);
    free(q->lines);
    free(q);
}

size_t s4s_passthru_count(const s4s_passthru *q) { return q->n; }
const s4s_pt_line *s4s_passthru_line(const s4s_passthru *q, size_t i) { return &q->lines[i]; }
const s4s_buf *s4s_passthru_out(const s4s_passthru *q) { return &q->out; }
