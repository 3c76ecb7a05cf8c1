/*
 * rawcap.c - raw capture of the resource being built, and the line index.
 *
 * Invariants:
 *  - raw holds the captured bytes [cap_start, cap_from); cap_from only
 *    grows, a chunk at a time (or up to the capture's end), so every input
 *    byte is copied at most once.
 *  - Memory is bounded: the capture by its cap (then the bytes go to the
 *    spill function, never kept), the line prefix by LINE_PREFIX_MAX.
 *  - Newlines below line_abs are counted in line_no; last_nl is the offset
 *    of the latest of them (UINT64_MAX before the first).
 */
#include "rawcap.h"
#include "base/alloc.h"
#include "base/bits.h"
#include "base/text.h"

#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#define LINE_PREFIX_MAX (64 * 1024)

struct s4s_rawcap {
    s4s_spill_fn  spill;
    void         *u;

    /* the chunk being parsed */
    const unsigned char *chunk;
    uint64_t      chunk_abs;
    size_t        chunk_len;

    /* lines */
    uint64_t      line_abs, line_no, last_nl;
    s4s_buf       prefix;        /* bytes of the current line before this chunk */
    uint64_t      prefix_abs;
    bool          prefix_over;

    /* capture */
    bool          on, spilled;
    uint64_t      cap_start, cap_from;
    s4s_buf       raw;
    bool          stable;        /* bytes that outlive the captures, fed in pieces of
                                    one buffer (rebase): a capture is a view of it */
    const unsigned char *base;   /*   that buffer (set by its first piece), */
    uint64_t      base_abs;      /*   at this offset */
    s4s_buf       view;
};

s4s_rawcap *s4s_rawcap_new(size_t max, s4s_spill_fn spill, void *u)
{
    s4s_rawcap *c = s4s_xcalloc(1, sizeof *c);
    c->spill = spill;
    c->u = u;
    c->chunk = (const unsigned char *)"";
    c->last_nl = UINT64_MAX;
    s4s_buf_init(&c->raw, max);
    s4s_buf_init(&c->prefix, LINE_PREFIX_MAX);
    return c;
}

void s4s_rawcap_free(s4s_rawcap *c)
{
    if (!c)
        return;
    s4s_buf_free(&c->raw);
    s4s_buf_free(&c->prefix);
    free(c);
}

void s4s_rawcap_chunk(s4s_rawcap *c, const unsigned char *p, uint64_t abs, size_t n)
{
    if (c->stable && !c->base && n)
        c->base = p - (abs - c->base_abs);
    c->chunk = p;
    c->chunk_abs = abs;
    c->chunk_len = n;
}

/* --- lines -------------------------------------------------------------------- */

static void count_lines(s4s_rawcap *c, uint64_t abs)
{
    if (abs <= c->line_abs)
        return;
    uint64_t from = c->line_abs > c->chunk_abs ? c->line_abs : c->chunk_abs;
    uint64_t to = abs < c->chunk_abs + c->chunk_len ? abs : c->chunk_abs + c->chunk_len;
    const unsigned char *p = c->chunk + (from - c->chunk_abs), *e = c->chunk + (to - c->chunk_abs);
    if (p < e) {
        uint64_t n = s4s_count_nl(p, e);
        if (n) {
            c->line_no += n;
            c->last_nl = c->chunk_abs + (uint64_t)((const unsigned char *)memrchr(p, '\n', (size_t)(e - p)) - c->chunk);
        }
    }
    c->line_abs = to > c->line_abs ? to : c->line_abs;
}

uint64_t s4s_rawcap_line(s4s_rawcap *c, uint64_t abs)
{
    count_lines(c, abs);
    return c->line_no + 1;
}

void s4s_rawcap_rewind_lines(s4s_rawcap *c, uint64_t abs, uint64_t line)
{
    if (abs >= c->line_abs || abs == 0)
        return; /* not back: nothing counted past it */
    c->line_abs = abs;
    c->line_no = line - 1;
    c->last_nl = abs - 1;
}

void s4s_rawcap_stream_done(s4s_rawcap *c, const unsigned char *p, uint64_t abs, size_t n)
{
    const unsigned char *nl = memrchr(p, '\n', n);
    if (nl) {
        s4s_buf_clear(&c->prefix);
        c->prefix_over = false;
        c->prefix_abs = abs + (uint64_t)(nl - p) + 1;
        s4s_buf_put(&c->prefix, nl + 1, (size_t)(p + n - nl - 1));
    } else if (!c->prefix_over && !s4s_buf_put(&c->prefix, p, n)) {
        c->prefix_over = true;
    }
}

void s4s_rawcap_skip(s4s_rawcap *c, const unsigned char *p, uint64_t abs, size_t n, uint64_t nl)
{
    s4s_rawcap_chunk(c, p, abs, n);
    if (nl != S4S_NL_UNCOUNTED && c->line_abs == abs && n && p[n - 1] == '\n') {
        c->line_no += nl; /* counted already: the last newline ends the bytes */
        c->last_nl = abs + n - 1;
        c->line_abs = abs + n;
    } else {
        count_lines(c, abs + n);
    }
    s4s_rawcap_stream_done(c, p, abs, n);
    s4s_rawcap_chunk(c, (const unsigned char *)"", abs + n, 0); /* p is not kept */
}

void s4s_rawcap_rebase(s4s_rawcap *c, uint64_t abs, uint64_t line)
{
    s4s_rawcap_chunk(c, (const unsigned char *)"", abs, 0);
    c->line_abs = abs;
    c->line_no = line - 1;
    c->last_nl = abs ? abs - 1 : UINT64_MAX; /* nothing before abs is ours */
    s4s_buf_clear(&c->prefix);
    c->prefix_abs = abs;
    c->prefix_over = false;
    c->on = c->spilled = false;
    c->stable = true;
    c->base = NULL;
    c->base_abs = abs;
}

/* --- capture ------------------------------------------------------------------ */

static void take(s4s_rawcap *c, uint64_t upto)
{
    if (c->stable)
        return; /* s4s_rawcap_end points into the chunk */
    uint64_t from = c->cap_from > c->chunk_abs ? c->cap_from : c->chunk_abs;
    uint64_t end = c->chunk_abs + c->chunk_len;
    if (upto > end)
        upto = end;
    if (upto <= from)
        return;
    const char *p = (const char *)c->chunk + (from - c->chunk_abs);
    size_t n = (size_t)(upto - from);
    if (!c->spilled && !s4s_buf_put(&c->raw, p, n)) {
        c->spilled = true;
        if (c->spill)
            c->spill(c->u, c->raw.p, c->raw.len);
        s4s_buf_clear(&c->raw);
    }
    else if (!c->spilled) {
        c->cap_from = upto;
        return;
    }
    if (c->spill)
        c->spill(c->u, p, n);
    c->cap_from = upto;
}

void s4s_rawcap_chunk_done(s4s_rawcap *c)
{
    if (c->on)
        take(c, c->chunk_abs + c->chunk_len);
    count_lines(c, c->chunk_abs + c->chunk_len);
}

void s4s_rawcap_begin(s4s_rawcap *c, uint64_t abs, size_t max)
{
    c->on = true;
    c->spilled = false;
    c->cap_start = c->cap_from = abs;
    s4s_buf_clear(&c->raw);
    c->raw.max = max;
}

void s4s_rawcap_begin_line(s4s_rawcap *c, uint64_t from)
{
    uint64_t ls = c->last_nl == UINT64_MAX ? 0 : c->last_nl + 1;
    if (ls < from)
        ls = from;
    s4s_rawcap_begin(c, ls, c->raw.max);
    if (ls < c->chunk_abs && !c->prefix_over && c->prefix_abs <= ls) {
        const char *pp = c->prefix.p + (ls - c->prefix_abs);
        size_t pn = c->prefix.len - (size_t)(ls - c->prefix_abs);
        if (!s4s_buf_put(&c->raw, pp, pn))
            c->spilled = true;
    }
}

void s4s_rawcap_end(s4s_rawcap *c, uint64_t abs, const s4s_buf **raw, bool *spilled)
{
    *raw = NULL;
    *spilled = false;
    if (!c->on)
        return;
    take(c, abs);
    c->on = false;
    if (c->stable) {
        size_t n = abs > c->cap_start ? (size_t)(abs - c->cap_start) : 0;
        if (n > c->raw.max || !c->base || c->cap_start < c->base_abs) {
            *spilled = true; /* outside the buffer: cannot happen for a unit */
            return;
        }
        c->view = (s4s_buf){.p = (char *)c->base + (c->cap_start - c->base_abs), .len = n,
                            .cap = n, .max = n};
        *raw = &c->view;
        return;
    }
    if (c->spilled) {
        *spilled = true;
        return;
    }
    /* earlier chunks were taken whole; drop what lies past the end */
    if (abs >= c->cap_start && abs - c->cap_start < c->raw.len)
        c->raw.len = (size_t)(abs - c->cap_start);
    *raw = &c->raw;
}

void s4s_rawcap_abort(s4s_rawcap *c) { c->on = false; }

void s4s_rawcap_cut(s4s_rawcap *c, uint64_t abs)
{
    if (c->on)
        take(c, abs);
    c->on = false;
}
bool s4s_rawcap_on(const s4s_rawcap *c) { return c->on; }

void s4s_rawcap_resume(s4s_rawcap *c, uint64_t abs)
{
    if (c->on)
        c->cap_from = abs;
}

bool s4s_rawcap_find_nl(const s4s_rawcap *c, uint64_t from, uint64_t to, uint64_t *nl)
{
    if (c->stable && c->base && from >= c->base_abs) { /* every byte fed is at hand */
        const unsigned char *q = to > from ? memchr(c->base + (from - c->base_abs), '\n', (size_t)(to - from)) : NULL;
        if (q)
            *nl = c->base_abs + (uint64_t)(q - c->base);
        return q != NULL;
    }
    if (c->on && !c->spilled && from >= c->cap_start) {
        size_t k = (size_t)(from - c->cap_start);
        const char *q = k < c->raw.len ? memchr(c->raw.p + k, '\n', c->raw.len - k) : NULL;
        if (q) {
            *nl = c->cap_start + (uint64_t)(q - c->raw.p);
            return true;
        }
    }
    if (from < c->chunk_abs)
        from = c->chunk_abs;
    if (to > from) {
        const unsigned char *q = memchr(c->chunk + (from - c->chunk_abs), '\n', (size_t)(to - from));
        if (q) {
            *nl = c->chunk_abs + (uint64_t)(q - c->chunk);
            return true;
        }
    }
    return false;
}

void s4s_rawcap_copy(const s4s_rawcap *c, uint64_t from, uint64_t to, s4s_buf *dst)
{
    if (c->stable && c->base && from >= c->base_abs && to > from) {
        s4s_buf_put(dst, c->base + (from - c->base_abs), (size_t)(to - from));
        return;
    }
    if (!c->on || c->spilled || from < c->cap_start || to <= from || to > c->cap_from)
        return;
    s4s_buf_put(dst, c->raw.p + (from - c->cap_start), (size_t)(to - from));
}
