/*
 * sax.c - yajl driver: offsets, lines, raw capture, long strings, recovery.
 *
 * Invariants:
 *  - Every event reaches assemble with its absolute uncompressed offset:
 *    seg_abs + yajl_get_bytes_consumed() (yajl updates it before callbacks).
 *  - Memory is bounded whatever the input: yajl's token buffer by the
 *    long-string cut (a string still open after max_token bytes is fed on
 *    only up to its closing quote, skipping the rest), yajl's state stack by
 *    hard_depth, the capture by its cap (overflow is spilled, not kept),
 *    the line prefix by LINE_PREFIX_MAX.
 *  - After a parse error the stream goes on only where a line is the unit
 *    (NDJSON): the broken line is quarantined and parsing restarts at the
 *    next line with a fresh handle.  Elsewhere the error is fatal, after
 *    everything complete before it was delivered.
 */
#include "sax.h"
#include "base/alloc.h"
#include "assemble.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_parse.h>

#define LINE_PREFIX_MAX (64 * 1024)
#define TAIL 16

enum mode { M_UNKNOWN, M_LINES, M_MULTI };

struct s4s_sax {
    yajl_handle   h;
    s4s_tracker   yajl_mem;     /* every yajl block, freed even if yajl lost it */
    s4s_asm      *as;
    size_t        max_token;
    unsigned      hard_depth, depth;
    s4s_spill_fn  spill;
    void         *u;

    /* what yajl is parsing now */
    uint64_t      seg_abs;
    /* the chunk being processed (capture and line counting read it) */
    const unsigned char *chunk;
    uint64_t      chunk_abs;
    size_t        chunk_len;
    uint64_t      total;
    uint64_t      last_event;   /* offset after the latest event */
    uint64_t      tf_for;       /* the last_event tok_first belongs to */
    int           tok_first;    /* first byte of the token after it, -1 unknown */
    unsigned char tail[TAIL];   /* last bytes fed, for the long-string cut */
    size_t        tail_len;

    /* long-string skip */
    bool          skipping;
    unsigned      skip_pending; /* bytes still inside an escape */
    bool          skip_esc;     /* previous byte was an unpaired backslash */

    /* lines */
    uint64_t      line_abs, line_no, last_nl; /* newlines counted below line_abs */
    s4s_buf       prefix;        /* bytes of the current line before this chunk */
    uint64_t      prefix_abs;
    bool          prefix_over;

    /* capture */
    bool          cap_on, cap_spilled;
    uint64_t      cap_start, cap_from; /* raw holds [cap_start, cap_from) */
    bool          top_is_obj;
    s4s_buf       raw;

    /* recovery */
    enum mode     mode;
    bool          unknown_broken;  /* a recovery happened before any unit succeeded */
    bool          skip_line;
    const char   *broken_reason;
    uint64_t      broken_off, broken_line;
    uint64_t      last_unit_end;
    char          reason_buf[160];

    s4s_rc        stop;
    char          err[320];
};

/* --- lines -------------------------------------------------------------------- */

/* newlines in [p, e): 8 bytes at a time (pretty-printed JSON has a newline
 * every ~40 bytes, too often for a memchr call per line) */
static uint64_t count_nl(const unsigned char *p, const unsigned char *e)
{
    uint64_t n = 0;
    const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
    while (e - p >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        uint64_t x = w ^ (ones * '\n');              /* zero bytes where '\n' */
        uint64_t z = ~(((x & ~highs) + ~highs) | x) & highs; /* exact zero-byte mask */
        n += ((z >> 7) * ones) >> 56; /* one bit per matching byte, summed */
        p += 8;
    }
    for (; p < e; p++)
        n += *p == '\n';
    return n;
}

static void count_lines(s4s_sax *s, uint64_t abs)
{
    if (abs <= s->line_abs)
        return;
    uint64_t from = s->line_abs > s->chunk_abs ? s->line_abs : s->chunk_abs;
    uint64_t to = abs < s->chunk_abs + s->chunk_len ? abs : s->chunk_abs + s->chunk_len;
    const unsigned char *p = s->chunk + (from - s->chunk_abs), *e = s->chunk + (to - s->chunk_abs);
    if (p < e) {
        uint64_t n = count_nl(p, e);
        if (n) {
            s->line_no += n;
            s->last_nl = s->chunk_abs + (uint64_t)((const unsigned char *)memrchr(p, '\n', (size_t)(e - p)) - s->chunk);
        }
    }
    s->line_abs = to > s->line_abs ? to : s->line_abs;
}

uint64_t s4s_sax_line(s4s_sax *s, uint64_t abs)
{
    count_lines(s, abs);
    return s->line_no + 1;
}

/* --- capture ------------------------------------------------------------------ */

static void cap_take(s4s_sax *s, uint64_t upto)
{
    uint64_t from = s->cap_from > s->chunk_abs ? s->cap_from : s->chunk_abs;
    uint64_t end = s->chunk_abs + s->chunk_len;
    if (upto > end)
        upto = end;
    if (upto <= from)
        return;
    const char *p = (const char *)s->chunk + (from - s->chunk_abs);
    size_t n = (size_t)(upto - from);
    if (!s->cap_spilled && !s4s_buf_put(&s->raw, p, n)) {
        s->cap_spilled = true;
        if (s->spill)
            s->spill(s->u, s->raw.p, s->raw.len);
        s4s_buf_clear(&s->raw);
    }
    else if (!s->cap_spilled) {
        s->cap_from = upto;
        return;
    }
    if (s->spill)
        s->spill(s->u, p, n);
    s->cap_from = upto;
}

void s4s_sax_capture_begin(s4s_sax *s, uint64_t abs, size_t max)
{
    s->cap_on = true;
    s->cap_spilled = false;
    s->cap_start = s->cap_from = abs;
    s4s_buf_clear(&s->raw);
    s->raw.max = max;
}

void s4s_sax_capture_end(s4s_sax *s, uint64_t abs, const s4s_buf **raw, bool *spilled)
{
    *raw = NULL;
    *spilled = false;
    if (!s->cap_on)
        return;
    cap_take(s, abs);
    s->cap_on = false;
    if (s->cap_spilled) {
        *spilled = true;
        return;
    }
    /* earlier chunks were taken whole; drop what lies past the end */
    if (abs >= s->cap_start && abs - s->cap_start < s->raw.len)
        s->raw.len = (size_t)(abs - s->cap_start);
    *raw = &s->raw;
}

void s4s_sax_capture_abort(s4s_sax *s) { s->cap_on = false; }

/* --- yajl callbacks ----------------------------------------------------------- */

static inline uint64_t here(s4s_sax *s)
{
    return s->last_event = s->seg_abs + yajl_get_bytes_consumed(s->h);
}

static int top_done(s4s_sax *s, uint64_t end, uint64_t start_line)
{
    s->last_unit_end = end;
    if (!s->top_is_obj)
        return 1; /* only objects teach us the framing */
    /* a top-level object ended: learn whether values are one per line */
    uint64_t l = s4s_sax_line(s, end);
    if (l == start_line) {
        if (s->mode == M_UNKNOWN)
            s->mode = M_LINES;
    } else {
        s->mode = M_MULTI;
    }
    s->unknown_broken = false;
    return 1;
}

static int cb_scalar(s4s_sax *s, s4s_jtype t, const char *v, size_t n)
{
    uint64_t off = here(s);
    if (!s4s_asm_scalar(s->as, t, v, n, off))
        return 0;
    if (s->depth == 0)
        s->last_unit_end = off;
    return 1;
}

static int cb_null(void *c) { return cb_scalar(c, S4S_J_NULL, "null", 4); }
static int cb_bool(void *c, int b) { return cb_scalar(c, b ? S4S_J_TRUE : S4S_J_FALSE, b ? "true" : "false", b ? 4 : 5); }
static int cb_number(void *c, const char *v, size_t n) { return cb_scalar(c, S4S_J_NUMBER, v, n); }
static int cb_string(void *c, const unsigned char *v, size_t n) { return cb_scalar(c, S4S_J_STRING, (const char *)v, n); }

static int cb_key(void *c, const unsigned char *k, size_t n)
{
    s4s_sax *s = c;
    return s4s_asm_key(s->as, (const char *)k, n, here(s));
}

static int cb_open(s4s_sax *s, s4s_jtype t)
{
    uint64_t off = here(s) - 1;
    if (s->depth == 0)
        s->top_is_obj = t == S4S_J_OBJECT;
    if (++s->depth > s->hard_depth) {
        snprintf(s->reason_buf, sizeof s->reason_buf,
                 "JSON nesting deeper than %u levels", s->hard_depth);
        s->broken_reason = s->reason_buf;
        return 0;
    }
    return s4s_asm_open(s->as, t, off);
}

static int cb_start_map(void *c) { return cb_open(c, S4S_J_OBJECT); }
static int cb_start_array(void *c) { return cb_open(c, S4S_J_ARRAY); }

static int cb_close(void *c)
{
    s4s_sax *s = c;
    uint64_t off = here(s);
    uint64_t start_line = s4s_asm_unit_line(s->as);
    if (s->depth)
        s->depth--;
    if (!s4s_asm_close(s->as, off))
        return 0;
    if (s->depth == 0)
        return top_done(s, off, start_line);
    return 1;
}

static const yajl_callbacks callbacks = {
    cb_null, cb_bool, NULL, NULL, cb_number, cb_string,
    cb_start_map, cb_key, cb_close, cb_start_array, cb_close,
};

static void new_handle(s4s_sax *s)
{
    if (s->h)
        yajl_free(s->h);
    s->h = NULL; /* yajl_alloc may fail: never leave the freed handle */
    yajl_alloc_funcs af = {s4s_tracked_malloc, s4s_tracked_realloc, s4s_tracked_free, &s->yajl_mem};
    s->h = yajl_alloc(&callbacks, &af, s);
    yajl_config(s->h, yajl_allow_multiple_values, 1);
    /* assemble validates UTF-8 itself so a bad string quarantines one
     * resource instead of ending the stream */
    yajl_config(s->h, yajl_dont_validate_strings, 1);
    s->depth = 0;
}

static void release(void *s) { s4s_sax_free(s); }

s4s_sax *s4s_sax_new(s4s_asm *as, size_t max_token, unsigned hard_depth,
                     s4s_spill_fn spill, void *u)
{
    s4s_sax *s = s4s_xcalloc(1, sizeof *s);
    s->as = as;
    s->max_token = max_token;
    s->hard_depth = hard_depth;
    s->spill = spill;
    s->u = u;
    s4s_buf_init(&s->raw, max_token);
    s4s_buf_init(&s->prefix, LINE_PREFIX_MAX);
    s->last_nl = (uint64_t)-1;
    s4s_oom_hold h; /* freed if yajl_alloc fails, before the caller has it */
    s4s_oom_push(&h, s, release);
    new_handle(s);
    s4s_oom_pop(&h);
    s4s_asm_attach(as, s);
    return s;
}

void s4s_sax_free(s4s_sax *s)
{
    if (!s)
        return;
    if (s->h)
        yajl_free(s->h);
    s4s_tracker_release(&s->yajl_mem);
    s4s_buf_free(&s->raw);
    s4s_buf_free(&s->prefix);
    free(s);
}

const char *s4s_sax_errmsg(const s4s_sax *s) { return s->err; }
uint64_t s4s_sax_offset(const s4s_sax *s) { return s->last_event; }

void s4s_sax_stop(s4s_sax *s, s4s_rc rc)
{
    if (!s->stop)
        s->stop = rc;
}

/* --- errors and recovery ------------------------------------------------------ */

static void fatal(s4s_sax *s, s4s_rc rc, uint64_t off, const char *what)
{
    uint64_t line = s4s_sax_line(s, off);
    snprintf(s->err, sizeof s->err, "%s at byte %llu (line %llu)%s", what,
             (unsigned long long)off, (unsigned long long)line,
             s4s_asm_in_bundle(s->as) ? ", inside a Bundle; the entries before it were written" : "");
    s->stop = rc;
}

static const char *yajl_reason(s4s_sax *s)
{
    /* verbose=0: yajl's message only, never the input text (privacy) */
    unsigned char *m = yajl_get_error(s->h, 0, NULL, 0);
    snprintf(s->reason_buf, sizeof s->reason_buf, "malformed JSON: %s", m ? (char *)m : "parse error");
    if (m)
        yajl_free_error(s->h, m);
    char *nl = strchr(s->reason_buf, '\n');
    if (nl)
        *nl = '\0';
    return s->reason_buf;
}

static void feed_bytes(s4s_sax *s, const unsigned char *p, uint64_t abs, size_t n);

/* A parse error at abs `e`.  Returns the chunk position to continue at. */
static size_t recover(s4s_sax *s, uint64_t e, const char *reason, size_t resume_default)
{
    uint64_t le = s4s_sax_line(s, e);
    bool in_unit = s4s_asm_in_unit(s->as);
    uint64_t lu = in_unit ? s4s_asm_unit_line(s->as) : le;
    if (s->mode == M_MULTI || (s4s_asm_in_bundle(s->as) && le > lu) ||
        (s->mode == M_UNKNOWN && s->unknown_broken)) {
        s4s_sax_stop(s, S4S_ERR_JSON);
        fatal(s, S4S_ERR_JSON, e, reason);
        return s->chunk_len;
    }
    if (s->mode == M_UNKNOWN)
        s->unknown_broken = true;
    new_handle(s);
    if (le == lu) {
        /* the rest of this line belongs to the broken unit */
        if (!in_unit) {
            uint64_t ls = s->last_nl == (uint64_t)-1 ? 0 : s->last_nl + 1;
            if (ls < s->last_unit_end)
                ls = s->last_unit_end;
            s4s_sax_capture_begin(s, ls, s->max_token);
            if (ls < s->chunk_abs && !s->prefix_over && s->prefix_abs <= ls) {
                const char *pp = s->prefix.p + (ls - s->prefix_abs);
                size_t pn = s->prefix.len - (size_t)(ls - s->prefix_abs);
                if (!s4s_buf_put(&s->raw, pp, pn))
                    s->cap_spilled = true;
            }
        }
        s->skip_line = true;
        s->broken_reason = reason;
        s->broken_off = e;
        s->broken_line = lu;
        return resume_default;
    }
    /* the unit's first line ended without closing it (NDJSON): quarantine
     * that line and re-parse everything after it with a fresh handle */
    uint64_t nl = (uint64_t)-1;
    if (s->cap_on && !s->cap_spilled && s4s_asm_unit_off(s->as) >= s->cap_start) {
        size_t from = (size_t)(s4s_asm_unit_off(s->as) - s->cap_start);
        const char *q = from < s->raw.len ? memchr(s->raw.p + from, '\n', s->raw.len - from) : NULL;
        if (q)
            nl = s->cap_start + (uint64_t)(q - s->raw.p);
    }
    if (nl == (uint64_t)-1) {
        uint64_t from = s4s_asm_unit_off(s->as) > s->chunk_abs ? s4s_asm_unit_off(s->as) : s->chunk_abs;
        const unsigned char *q = memchr(s->chunk + (from - s->chunk_abs), '\n', (size_t)(e - from));
        if (q)
            nl = s->chunk_abs + (uint64_t)(q - s->chunk);
        else if (!s->cap_on || s->cap_spilled) {
            s4s_sax_stop(s, S4S_ERR_JSON);
            fatal(s, S4S_ERR_JSON, e, reason);
            return s->chunk_len;
        }
    }
    /* bytes after the newline that earlier chunks delivered, kept in raw */
    s4s_buf again;
    s4s_buf_init(&again, s->max_token);
    s4s_oom_hold h; /* freed if an allocation fails (alloc.h) */
    s4s_oom_push(&h, &again, s4s_buf_drop);
    if (nl + 1 < s->chunk_abs && s->cap_on && !s->cap_spilled)
        s4s_buf_put(&again, s->raw.p + (nl + 1 - s->cap_start), (size_t)(s->chunk_abs - nl - 1));
    s4s_rc rc = s4s_asm_broken(s->as, reason, e, lu, nl);
    if (rc) {
        s4s_oom_pop(&h);
        s4s_buf_free(&again);
        s4s_sax_stop(s, rc);
        return s->chunk_len;
    }
    s->last_unit_end = nl + 1;
    size_t resume = nl + 1 >= s->chunk_abs ? (size_t)(nl + 1 - s->chunk_abs) : 0;
    if (again.len) {
        const unsigned char *c = s->chunk;
        uint64_t cabs = s->chunk_abs;
        size_t clen = s->chunk_len;
        feed_bytes(s, (const unsigned char *)again.p, nl + 1, again.len);
        if (s->cap_on) /* a unit opened there keeps capturing from the chunk */
            s->cap_from = cabs;
        s->chunk = c;
        s->chunk_abs = cabs;
        s->chunk_len = clen;
    }
    s4s_oom_pop(&h);
    s4s_buf_free(&again);
    return resume;
}

/* skip_line: discard to the end of the line, then quarantine it. */
static size_t finish_line(s4s_sax *s, size_t i)
{
    const unsigned char *nl = memchr(s->chunk + i, '\n', s->chunk_len - i);
    if (!nl)
        return s->chunk_len;
    uint64_t nl_abs = s->chunk_abs + (uint64_t)(nl - s->chunk);
    s->skip_line = false;
    s->skipping = false;
    s4s_rc rc = s4s_asm_broken(s->as, s->broken_reason, s->broken_off, s->broken_line, nl_abs);
    if (rc)
        s4s_sax_stop(s, rc);
    new_handle(s);
    s->last_unit_end = nl_abs + 1;
    return (size_t)(nl - s->chunk) + 1;
}

/* skipping: inside a cut string, find its closing quote. */
static size_t skip_string(s4s_sax *s, size_t i)
{
    const unsigned char *p = s->chunk;
    for (; i < s->chunk_len; i++) {
        unsigned char c = p[i];
        if (s->skip_pending) {
            s->skip_pending--;
            continue;
        }
        if (s->skip_esc) {
            s->skip_esc = false;
            if (c == 'u')
                s->skip_pending = 4;
            continue;
        }
        if (c == '\\')
            s->skip_esc = true;
        else if (c == '"') {
            s->skipping = false;
            return i; /* yajl gets the quote and closes the string */
        }
    }
    return i;
}

/* After feeding: a token still open after max_token bytes is a string being
 * buffered whole by yajl (or a number / junk, which is fatal). */
static void check_long_token(s4s_sax *s, uint64_t end)
{
    if (s->tf_for != s->last_event) {
        s->tf_for = s->last_event;
        s->tok_first = -1;
    }
    if (s->tok_first < 0) {
        /* what follows the last event tells a string from a number */
        uint64_t from = s->last_event > s->chunk_abs ? s->last_event : s->chunk_abs;
        for (uint64_t k = from; k < end; k++) {
            unsigned char c = s->chunk[k - s->chunk_abs];
            if (c != ' ' && c != '\t' && c != '\r' && c != '\n' && c != ':' && c != ',') {
                s->tok_first = c;
                break;
            }
        }
    }
    if (end - s->last_event <= s->max_token || s->tok_first < 0)
        return; /* no token open (whitespace is not buffered by yajl) */
    if (s->tok_first != '"') {
        s4s_sax_stop(s, S4S_ERR_LIMIT);
        fatal(s, S4S_ERR_LIMIT, end, "JSON token longer than --max-resource-bytes");
        return;
    }
    /* inside a string: work out the escape state at the end of the tail */
    s->skipping = true;
    s->skip_pending = 0;
    s->skip_esc = false;
    for (size_t k = 0; k < s->tail_len && k < 6; k++) {
        size_t at = s->tail_len - 1 - k;
        if (s->tail[at] != '\\')
            continue;
        size_t run = 0;
        while (run <= at && s->tail[at - run] == '\\')
            run++;
        if (run % 2 == 1) {
            if (k == 0)
                s->skip_esc = true;
            else if (s->tail[at + 1] == 'u' && k < 5)
                s->skip_pending = (unsigned)(5 - k);
        }
        break;
    }
    s4s_asm_poison(s->as, "string longer than --max-resource-bytes", "too-costly", s->last_event);
}

static void remember_tail(s4s_sax *s, const unsigned char *p, size_t n)
{
    if (n >= TAIL) {
        memcpy(s->tail, p + n - TAIL, TAIL);
        s->tail_len = TAIL;
    } else {
        size_t keep = s->tail_len + n > TAIL ? TAIL - n : s->tail_len;
        memmove(s->tail, s->tail + s->tail_len - keep, keep);
        memcpy(s->tail + keep, p, n);
        s->tail_len = keep + n;
    }
}

/* Parse p[0..n) (absolute offset abs) as the current chunk. */
static void feed_bytes(s4s_sax *s, const unsigned char *p, uint64_t abs, size_t n)
{
    s->chunk = p;
    s->chunk_abs = abs;
    s->chunk_len = n;
    const unsigned char *fp = p;
    unsigned char *nul_copy = NULL;
    if (memchr(p, 0, n)) {
        /* raw NUL: yajl would end the stream; 0xFF makes it a UTF-8 error
         * inside strings (quarantine) and a syntax error elsewhere.  A copy
         * per call: a recovery re-feed nests feed_bytes calls. */
        nul_copy = s4s_xmalloc(n);
        for (size_t k = 0; k < n; k++)
            nul_copy[k] = p[k] ? p[k] : 0xFF;
        fp = nul_copy;
    }
    size_t i = 0;
    while (i < n && !s->stop) {
        if (s->skip_line) {
            i = finish_line(s, i);
            continue;
        }
        if (s->skipping) {
            i = skip_string(s, i);
            continue;
        }
        s->seg_abs = abs + i;
        s->broken_reason = NULL;
        yajl_status st = yajl_parse(s->h, fp + i, n - i);
        if (st == yajl_status_ok) {
            remember_tail(s, fp + i, n - i);
            i = n;
            check_long_token(s, abs + n);
            break;
        }
        uint64_t e = s->seg_abs + yajl_get_bytes_consumed(s->h);
        if (st == yajl_status_client_canceled) {
            if (s4s_asm_rc(s->as)) {
                s4s_sax_stop(s, s4s_asm_rc(s->as));
                break;
            }
            if (!s->broken_reason)
                break;
            i = recover(s, e, s->broken_reason, (size_t)(e - abs));
            continue;
        }
        i = recover(s, e, yajl_reason(s), (size_t)(e - abs));
    }
    if (s->cap_on)
        cap_take(s, abs + n);
    count_lines(s, abs + n);
    free(nul_copy);
}

s4s_rc s4s_sax_feed(s4s_sax *s, const unsigned char *p, size_t n)
{
    if (s->stop || !n)
        return s->stop;
    feed_bytes(s, p, s->total, n);
    /* keep the current line's beginning for recovery */
    const unsigned char *nl = memrchr(p, '\n', n);
    if (nl) {
        s4s_buf_clear(&s->prefix);
        s->prefix_over = false;
        s->prefix_abs = s->total + (uint64_t)(nl - p) + 1;
        s4s_buf_put(&s->prefix, nl + 1, (size_t)(p + n - nl - 1));
    } else if (!s->prefix_over && !s4s_buf_put(&s->prefix, p, n)) {
        s->prefix_over = true;
    }
    s->total += n;
    return s->stop;
}

s4s_rc s4s_sax_finish(s4s_sax *s)
{
    if (s->stop)
        return s->stop;
    s->chunk = (const unsigned char *)"";
    s->chunk_abs = s->total;
    s->chunk_len = 0;
    if (s->skip_line) {
        s->skip_line = false;
        s4s_rc rc = s4s_asm_broken(s->as, s->broken_reason, s->broken_off, s->broken_line, s->total);
        return s->stop = rc;
    }
    s->seg_abs = s->total;
    yajl_status st = yajl_complete_parse(s->h);
    if (st == yajl_status_client_canceled && s4s_asm_rc(s->as))
        return s->stop = s4s_asm_rc(s->as);
    if (st != yajl_status_ok || s4s_asm_in_unit(s->as)) {
        const char *why = "input ends inside a JSON value (truncated)";
        if (s->mode != M_MULTI && !s4s_asm_in_bundle(s->as) && !s->unknown_broken) {
            /* NDJSON: the last line is cut short; quarantine it */
            s4s_rc rc = s4s_asm_broken(s->as, why, s->total, s4s_asm_unit_line(s->as), s->total);
            return s->stop = rc;
        }
        fatal(s, S4S_ERR_JSON, s->total, why);
        return s->stop;
    }
    return S4S_OK;
}
