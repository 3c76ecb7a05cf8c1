/*
 * sax.c - yajl driver: offsets, units, long strings, depth cap, recovery.
 *
 * Invariants:
 *  - Every event reaches the consumer with its absolute uncompressed offset:
 *    seg_abs + yajl_get_bytes_consumed() (yajl updates it before callbacks).
 *  - depth counts open containers; a unit is one top-level value, open while
 *    depth > 0 (a top-level scalar is a unit of one event).
 *  - Memory is bounded whatever the input: yajl's token buffer by the
 *    long-string cut (a string still open after max_token bytes is fed on
 *    only up to its closing quote, skipping the rest), yajl's state stack by
 *    hard_depth, the capture and line prefix by rawcap's caps, the tapes of
 *    the items stepped over by ITEMS_TAPE_MAX.
 *  - A worker replays items only from records that lie, in order, inside
 *    the bytes it was given, and must end where those bytes do.
 *  - After a parse error the stream goes on only where a line is the unit
 *    (NDJSON): the broken line is quarantined and parsing restarts at the
 *    next line with a fresh handle.  Elsewhere the error is fatal, after
 *    everything complete before it was delivered.
 */
#include "sax.h"
#include "base/alloc.h"
#include "base/text.h"
#include "strict.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_parse.h>

#define TAIL 16
/* tokens of one top-level value the strict replay takes (8 bytes each):
 * more than a 4 MB unit of compact FHIR holds */
#define STRICT_TOKENS ((size_t)1 << 19)
/* bytes of the tapes of one run of items stepped over (an item whose tape
 * does not fit is left to yajl) */
#define ITEMS_TAPE_MAX ((size_t)4 << 20)

/* in items_tape, before an item's tokens: where it lies in the bytes the
 * items were stepped over in (the copy a worker is given) */
typedef struct item_rec {
    uint64_t start, len, tape;   /* tape: bytes of it that follow */
} item_rec;

enum mode { M_UNKNOWN, M_LINES, M_MULTI };

struct s4s_sax {
    yajl_handle   h;
    s4s_tracker   yajl_mem;     /* every yajl block, freed even if yajl lost it */
    s4s_sax_callbacks cb;
    void         *ctx;
    s4s_rawcap   *cap;
    size_t        max_token;
    unsigned      hard_depth, depth;

    /* the unit open now, or the last one */
    uint64_t      unit_off, unit_line;

    /* what yajl is parsing now */
    uint64_t      seg_abs;
    /* the chunk being processed */
    const unsigned char *chunk;
    uint64_t      chunk_abs;
    size_t        chunk_len;
    bool          chunk_utf8;   /* it is valid UTF-8 without NUL bytes */
    uint64_t      total;
    uint64_t      last_event;   /* offset after the latest event */
    uint64_t      tf_for;       /* the last_event tok_first belongs to */
    int           tok_first;    /* first byte of the token after it, -1 unknown */
    unsigned char tail[TAIL];   /* last bytes fed, for the long-string cut */
    size_t        tail_len;
    uint64_t      handle_from;  /* where the current yajl handle began */
    uint64_t      content_end;  /* offset after the last byte that is not whitespace */

    /* long-string skip */
    bool          skipping;
    unsigned      skip_pending; /* bytes still inside an escape */
    bool          skip_esc;     /* previous byte was an unpaired backslash */

    bool          top_is_obj;
    bool          arr2;         /* the container open at level 2 is an array */
    bool          muted;        /* a stand-in for replayed items: no events */

    /* recovery */
    enum mode     mode;
    bool          unknown_broken;  /* a multi-line unit broke before any unit succeeded */
    bool          skip_line;
    const char   *broken_reason;
    uint64_t      broken_off, broken_line;
    uint64_t      last_unit_end;
    char          reason_buf[160];

    /* a unit's values replayed without yajl (s4s_sax_feed_unit) */
    bool          no_strict;    /* yajl alone (s4s_sax_yajl_only) */
    bool          strict;       /* events come from the replay: offsets from strict_at */
    bool          plain;        /* and the object replayed is plain (s4s_sax_plain) */
    uint64_t      strict_abs;   /* where the value replayed begins */
    size_t        strict_at;
    s4s_strict   *strict_t;     /* its tape, made on first use */
    s4s_buf       items_tape;   /* the tapes of the items stepped over last (item_rec, tokens) */

    s4s_rc        cb_rc;        /* what a callback returned when it stopped the parse */
    s4s_rc        stop;
    char          err[320];
};

/* --- yajl callbacks ----------------------------------------------------------- */

static inline uint64_t here(s4s_sax *s)
{
    return s->last_event = s->strict ? s->strict_abs + s->strict_at
                                     : s->seg_abs + yajl_get_bytes_consumed(s->h);
}

static inline int ok(s4s_sax *s, s4s_rc rc)
{
    if (rc) {
        s->cb_rc = rc;
        return 0;
    }
    return 1;
}

static int unit_begin(s4s_sax *s, uint64_t off)
{
    s->unit_off = off;
    s->unit_line = s4s_rawcap_line(s->cap, off);
    return ok(s, s->cb.unit_start(s->ctx, off, s->unit_line));
}

static int top_done(s4s_sax *s, uint64_t end)
{
    s->last_unit_end = end;
    if (!s->top_is_obj)
        return 1; /* only objects teach us the framing */
    /* a top-level object ended: learn whether values are one per line */
    uint64_t l = s4s_rawcap_line(s->cap, end);
    if (l == s->unit_line) {
        if (s->mode == M_UNKNOWN)
            s->mode = M_LINES;
    } else {
        s->mode = M_MULTI;
    }
    s->unknown_broken = false;
    return 1;
}

/* a scalar: its offset, and a unit of its own at the top level */
static inline int scalar_begin(s4s_sax *s, uint64_t *off)
{
    *off = here(s);
    return s->depth || unit_begin(s, *off);
}

static inline int scalar_end(s4s_sax *s, s4s_rc rc, uint64_t off)
{
    if (rc)
        return ok(s, rc);
    if (s->depth == 0)
        s->last_unit_end = off;
    return 1;
}

static int cb_null(void *c)
{
    s4s_sax *s = c;
    uint64_t off;
    return scalar_begin(s, &off) && scalar_end(s, s->cb.null_value(s->ctx, off), off);
}

static int cb_bool(void *c, int b)
{
    s4s_sax *s = c;
    uint64_t off;
    return scalar_begin(s, &off) && scalar_end(s, s->cb.boolean(s->ctx, b != 0, off), off);
}

static int cb_number(void *c, const char *v, size_t n)
{
    s4s_sax *s = c;
    uint64_t off;
    return scalar_begin(s, &off) && scalar_end(s, s->cb.number(s->ctx, v, n, off), off);
}

static int cb_string(void *c, const unsigned char *v, size_t n)
{
    s4s_sax *s = c;
    uint64_t off;
    /* yajl hands over a string without escapes in the bytes it was given,
     * one with escapes (or begun in an earlier chunk) from its buffer */
    bool utf8 = s->chunk_utf8 && v >= s->chunk && v + n <= s->chunk + s->chunk_len;
    return scalar_begin(s, &off) &&
           scalar_end(s, s->cb.string(s->ctx, (const char *)v, n, utf8, off), off);
}

static int cb_key(void *c, const unsigned char *k, size_t n)
{
    s4s_sax *s = c;
    return ok(s, s->cb.map_key(s->ctx, (const char *)k, n, here(s)));
}

static inline int open_begin(s4s_sax *s, bool obj, uint64_t *off)
{
    *off = here(s) - 1;
    if (s->depth == 0) {
        s->top_is_obj = obj;
        if (!unit_begin(s, *off))
            return 0;
    } else if (s->depth == 1) {
        s->arr2 = !obj;
    }
    if (++s->depth > s->hard_depth) {
        snprintf(s->reason_buf, sizeof s->reason_buf,
                 "JSON nesting deeper than %u levels", s->hard_depth);
        s->broken_reason = s->reason_buf;
        return 0;
    }
    return 1;
}

static int cb_start_map(void *c)
{
    s4s_sax *s = c;
    uint64_t off;
    if (s->muted)
        return 1;
    return open_begin(s, true, &off) && ok(s, s->cb.map_start(s->ctx, off));
}

static int cb_start_array(void *c)
{
    s4s_sax *s = c;
    uint64_t off;
    return open_begin(s, false, &off) && ok(s, s->cb.array_start(s->ctx, off));
}

static inline int close_end(s4s_sax *s, s4s_rc rc, uint64_t off)
{
    if (rc)
        return ok(s, rc);
    if (s->depth == 0)
        return top_done(s, off);
    return 1;
}

static int cb_end_map(void *c)
{
    s4s_sax *s = c;
    if (s->muted)
        return 1;
    uint64_t off = here(s);
    if (s->depth)
        s->depth--;
    return close_end(s, s->cb.map_end(s->ctx, off), off);
}

static int cb_end_array(void *c)
{
    s4s_sax *s = c;
    uint64_t off = here(s);
    if (s->depth)
        s->depth--;
    return close_end(s, s->cb.array_end(s->ctx, off), off);
}

static const yajl_callbacks callbacks = {
    cb_null, cb_bool, NULL, NULL, cb_number, cb_string,
    cb_start_map, cb_key, cb_end_map, cb_start_array, cb_end_array,
};

static void new_handle(s4s_sax *s, uint64_t from)
{
    if (s->h)
        yajl_free(s->h);
    s->h = NULL; /* yajl_alloc may fail: never leave the freed handle */
    yajl_alloc_funcs af = {s4s_tracked_malloc, s4s_tracked_realloc, s4s_tracked_free, &s->yajl_mem};
    s->h = yajl_alloc(&callbacks, &af, s);
    yajl_config(s->h, yajl_allow_multiple_values, 1);
    /* the consumer validates UTF-8 itself so a bad string quarantines one
     * resource instead of ending the stream */
    yajl_config(s->h, yajl_dont_validate_strings, 1);
    s->depth = 0;
    s->handle_from = from;
}

static void release(void *s) { s4s_sax_free(s); }

s4s_sax *s4s_sax_new(size_t max_token, unsigned hard_depth, s4s_spill_fn spill, void *u)
{
    s4s_sax *s = s4s_xcalloc(1, sizeof *s);
    s->max_token = max_token;
    s->hard_depth = hard_depth;
    s4s_oom_hold h; /* freed if an allocation fails, before the caller has it */
    s4s_oom_push(&h, s, release);
    s->cap = s4s_rawcap_new(max_token, spill, u);
    s4s_buf_init(&s->items_tape, ITEMS_TAPE_MAX);
    new_handle(s, 0);
    s4s_oom_pop(&h);
    return s;
}

void s4s_sax_set_callbacks(s4s_sax *s, const s4s_sax_callbacks *cb, void *ctx)
{
    s->cb = *cb;
    s->ctx = ctx;
}

s4s_rawcap *s4s_sax_rawcap(s4s_sax *s) { return s->cap; }

void s4s_sax_free(s4s_sax *s)
{
    if (!s)
        return;
    if (s->h)
        yajl_free(s->h);
    s4s_tracker_release(&s->yajl_mem);
    s4s_rawcap_free(s->cap);
    s4s_strict_free(s->strict_t);
    s4s_buf_free(&s->items_tape);
    free(s);
}

const char *s4s_sax_errmsg(const s4s_sax *s) { return s->err; }
uint64_t s4s_sax_offset(const s4s_sax *s) { return s->last_event; }

static void stop(s4s_sax *s, s4s_rc rc)
{
    if (!s->stop)
        s->stop = rc;
}

/* --- errors and recovery ------------------------------------------------------ */

static void fatal(s4s_sax *s, s4s_rc rc, uint64_t off, const char *what)
{
    uint64_t line = s4s_rawcap_line(s->cap, off);
    snprintf(s->err, sizeof s->err, "%s at byte %llu (line %llu)%s", what,
             (unsigned long long)off, (unsigned long long)line,
             s->cb.streaming(s->ctx) ? ", inside a Bundle; the entries before it were written" : "");
    s->stop = rc;
    s4s_rawcap_cut(s->cap, off);
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

static void set_chunk(s4s_sax *s, const unsigned char *p, uint64_t abs, size_t n, bool utf8)
{
    s->chunk = p;
    s->chunk_abs = abs;
    s->chunk_len = n;
    s->chunk_utf8 = utf8;
    s4s_rawcap_chunk(s->cap, p, abs, n);
}

/* A parse error at abs `e`.  Returns the chunk position to continue at. */
static size_t recover(s4s_sax *s, uint64_t e, const char *reason, size_t resume_default)
{
    uint64_t le = s4s_rawcap_line(s->cap, e);
    bool in_unit = s->depth > 0;
    uint64_t lu = in_unit ? s->unit_line : le;
    if (s->mode == M_MULTI || (s->cb.streaming(s->ctx) && le > lu) ||
        (s->mode == M_UNKNOWN && s->unknown_broken)) {
        stop(s, S4S_ERR_JSON);
        fatal(s, S4S_ERR_JSON, e, reason);
        return s->chunk_len;
    }
    if (le == lu) {
        /* the rest of this line belongs to the broken unit: a line that
         * breaks on itself says nothing against NDJSON, so the stream goes
         * on however many such lines follow */
        new_handle(s, e);
        if (!in_unit)
            s4s_rawcap_begin_line(s->cap, s->last_unit_end);
        s->skip_line = true;
        s->broken_reason = reason;
        s->broken_off = e;
        s->broken_line = lu;
        return resume_default;
    }
    /* the unit's first line ended without closing it (NDJSON, or the first
     * unit of multi-line JSON): quarantine that line and re-parse everything
     * after it with a fresh handle; a second such break before any unit
     * succeeds means the input is not NDJSON */
    if (s->mode == M_UNKNOWN)
        s->unknown_broken = true;
    uint64_t nl;
    if (!s4s_rawcap_find_nl(s->cap, s->unit_off, e, &nl)) {
        stop(s, S4S_ERR_JSON);
        fatal(s, S4S_ERR_JSON, e, reason);
        return s->chunk_len;
    }
    new_handle(s, nl + 1);
    /* bytes after the newline that earlier chunks delivered, kept in raw */
    s4s_buf again;
    s4s_buf_init(&again, s->max_token);
    s4s_oom_hold h; /* freed if an allocation fails (alloc.h) */
    s4s_oom_push(&h, &again, s4s_buf_drop);
    if (nl + 1 < s->chunk_abs)
        s4s_rawcap_copy(s->cap, nl + 1, s->chunk_abs, &again);
    s4s_rc rc = s->cb.broken(s->ctx, reason, e, lu, nl);
    if (rc) {
        s4s_oom_pop(&h);
        s4s_buf_free(&again);
        stop(s, rc);
        return s->chunk_len;
    }
    s->last_unit_end = nl + 1;
    size_t resume = nl + 1 >= s->chunk_abs ? (size_t)(nl + 1 - s->chunk_abs) : 0;
    /* lines were counted up to the break: count them again from the
     * re-read (every byte of it is at hand, or the count stays as it was) */
    bool whole = nl + 1 >= s->chunk_abs || again.len == s->chunk_abs - (nl + 1);
    if (whole)
        s4s_rawcap_rewind_lines(s->cap, nl + 1, lu + 1);
    if (again.len) {
        const unsigned char *c = s->chunk;
        uint64_t cabs = s->chunk_abs;
        size_t clen = s->chunk_len;
        bool cutf8 = s->chunk_utf8;
        feed_bytes(s, (const unsigned char *)again.p, nl + 1, again.len);
        if (whole) /* its newlines, before the chunk is back */
            (void)s4s_rawcap_line(s->cap, cabs);
        /* a unit opened there keeps capturing from the chunk */
        s4s_rawcap_resume(s->cap, cabs);
        set_chunk(s, c, cabs, clen, cutf8);
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
    s4s_rc rc = s->cb.broken(s->ctx, s->broken_reason, s->broken_off, s->broken_line, nl_abs);
    if (rc)
        stop(s, rc);
    new_handle(s, nl_abs + 1);
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
        stop(s, S4S_ERR_LIMIT);
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
    s->cb.string_cut(s->ctx, "string longer than --max-resource-bytes", s->last_event);
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

/* JSON's own whitespace (what the strict check takes between tokens) */
static inline bool is_json_ws(unsigned char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

/* whitespace as yajl's lexer has it: JSON's four, and \f and \v, which it
 * skips as well (a value that is only those must not look cut short) */
static inline bool is_ws(unsigned char c)
{
    return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == '\v';
}

/* Parse p[0..n) (absolute offset abs) as the current chunk. */
static void feed_bytes(s4s_sax *s, const unsigned char *p, uint64_t abs, size_t n)
{
    /* valid UTF-8 has no NUL byte: checked here once, not per string */
    bool utf8 = s4s_text_utf8_ok((const char *)p, n);
    set_chunk(s, p, abs, n, utf8);
    const unsigned char *fp = p;
    unsigned char *nul_copy = NULL;
    if (!utf8 && memchr(p, 0, n)) {
        /* raw NUL: yajl would end the stream; 0xFF makes it a UTF-8 error
         * inside strings (quarantine) and a syntax error elsewhere.  A copy
         * per call: a recovery re-feed nests feed_bytes calls. */
        nul_copy = s4s_xmalloc(n);
        for (size_t k = 0; k < n; k++)
            nul_copy[k] = p[k] ? p[k] : 0xFF;
        fp = nul_copy;
    }
    /* where the last byte that is not whitespace ends: the end of input
     * after only whitespace is no truncated value (a recovery re-feeds
     * earlier bytes, which must not lower it) */
    for (size_t k = n; k > 0 && abs + k > s->content_end; k--)
        if (!is_ws(p[k - 1])) {
            s->content_end = abs + k;
            break;
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
            if (s->cb_rc) {
                stop(s, s->cb_rc);
                break;
            }
            if (!s->broken_reason)
                break;
            i = recover(s, e, s->broken_reason, (size_t)(e - abs));
            continue;
        }
        i = recover(s, e, yajl_reason(s), (size_t)(e - abs));
    }
    s4s_rawcap_chunk_done(s->cap);
    free(nul_copy);
}

/* p[0..n), next in the stream, while the parser is idle: the objects at
 * its front that the strict check takes (strict.h) are replayed, and
 * accounted as if yajl had parsed them (each registered as the chunk, with
 * the whitespace before it, so lines and captures are counted as ever).
 * Returns how many bytes that was: up to the end of the last one, or n
 * when only whitespace follows it. */
/* The tape made on first use; how much of n bytes the check may look at
 * (so every string fits the tape's string buffer). */
static size_t strict_window(s4s_sax *s, size_t n)
{
    if (!s->strict_t)
        s->strict_t = s4s_strict_new(STRICT_TOKENS, s->max_token);
    return n < s->max_token ? n : s->max_token;
}

/* p[from..i+len) registered as the chunk (abs: p's offset) and the object
 * the check took at p[i..i+len) replayed (none when len is 0): from the
 * check's own tape, or from tape[0..tape_len) when it is given. */
static void replay_at(s4s_sax *s, const unsigned char *p, uint64_t abs, size_t from, size_t i, size_t len,
                      const void *tape, size_t tape_len)
{
    size_t end = i + len;
    set_chunk(s, p + from, abs + from, end - from, s4s_text_utf8_ok((const char *)p + from, end - from));
    s->strict_abs = abs + i;
    s->plain = len && !tape && s4s_strict_plain(s->strict_t);
    if (len && !(tape ? s4s_strict_replay_saved(s->strict_t, tape, tape_len, p + i, &callbacks, s, &s->strict_at)
                      : s4s_strict_replay(s->strict_t, p + i, &callbacks, s, &s->strict_at)))
        /* the check keeps nesting within hard_depth: only the consumer stops us */
        stop(s, s->cb_rc ? s->cb_rc : S4S_ERR_INTERNAL);
    s->plain = false;
    s4s_rawcap_chunk_done(s->cap);
}

bool s4s_sax_plain(const s4s_sax *s)
{
    return s->plain;
}

static size_t strict_front(s4s_sax *s, const unsigned char *p, size_t n)
{
    if (s->no_strict)
        return 0;
    n = strict_window(s, n);
    uint64_t abs = s->total;
    size_t i = 0, done = 0;
    s->strict = true;
    while (!s->stop && done < n) {
        while (i < n && is_json_ws(p[i]))
            i++;
        size_t len = i < n ? s4s_strict_check(s->strict_t, p + i, n - i, s->hard_depth) : 0;
        if (i < n && !len)
            break;
        replay_at(s, p, abs, done, i, len, NULL, 0);
        done = i += len;
    }
    s->strict = false;
    s4s_rawcap_stream_done(s->cap, p, abs, done);
    s->total += done;
    return done;
}

s4s_rc s4s_sax_feed(s4s_sax *s, const unsigned char *p, size_t n)
{
    while (n && !s->stop) {
        size_t k = n;
        if (s->mode == M_LINES) {
            /* one value per line: whole lines at the front need no yajl;
             * yajl takes the line in progress (a piece may end just after
             * a newline: no token spans one), then we look again */
            if (s4s_sax_idle(s)) {
                size_t d = strict_front(s, p, n);
                p += d;
                n -= d;
                if (!n || s->stop)
                    break;
            }
            const unsigned char *nl = memchr(p, '\n', n);
            k = nl ? (size_t)(nl - p) + 1 : n;
        }
        feed_bytes(s, p, s->total, k);
        /* keep the current line's beginning for recovery */
        s4s_rawcap_stream_done(s->cap, p, s->total, k);
        s->total += k;
        p += k;
        n -= k;
    }
    return s->stop;
}

s4s_rc s4s_sax_feed_unit(s4s_sax *s, const unsigned char *p, size_t n, const size_t *cuts,
                         size_t ncuts)
{
    if (s->stop || !n)
        return s->stop;
    /* the rest to s4s_sax_feed, in the pieces the input came in: it
     * begins just after a top-level value, where no token is cut (scan.h) */
    return s4s_sax_feed_pieces(s, p, n, strict_front(s, p, n), cuts, ncuts);
}

bool s4s_sax_at_item(const s4s_sax *s)
{
    return !s->stop && !s->skip_line && !s->skipping && !s->no_strict && s->depth == 2 && s->arr2;
}

/* The item the check just took at p[i..i+len), its tape after its record
 * in items_tape; false (nothing kept) when they do not fit. */
static bool save_item(s4s_sax *s, size_t i, size_t len)
{
    s4s_buf *b = &s->items_tape;
    size_t mark = b->len;
    item_rec r = {i, len, 0};
    if (!s4s_buf_put(b, &r, sizeof r) || !s4s_strict_save(s->strict_t, b)) {
        b->len = mark;
        b->over = false;
        return false;
    }
    r.tape = b->len - mark - sizeof r;
    memcpy(b->p + mark, &r, sizeof r);
    return true;
}

/* The leading items of p[0..n) (sax.h) the strict check takes, given to
 * yajl only as a stand-in, "{}" (",{}" after the first), with no event, so
 * its state moves on as if it had parsed them; their tapes are kept in
 * items_tape.  *count gets how many; returns their length (to the end of
 * the last). */
static size_t items_front(s4s_sax *s, const unsigned char *p, size_t n, size_t *count)
{
    size_t win = strict_window(s, n);
    size_t done = 0;
    *count = 0;
    s4s_buf_clear(&s->items_tape);
    s->strict = true;
    for (size_t i = 0; !s->stop && done < win; i = done) {
        if (done) { /* the comma before the next item */
            while (i < win && p[i] != ',')
                i++;
            i++;
        }
        while (i < win && is_json_ws(p[i]))
            i++;
        /* levels as counted from the top: the items open at level 3 */
        size_t len = i < win && s->hard_depth > 2
                         ? s4s_strict_check(s->strict_t, p + i, win - i, s->hard_depth - 2) : 0;
        if (!len || !save_item(s, i, len))
            break;
        s->muted = true;
        const char *in = done ? ",{}" : "{}";
        if (yajl_parse(s->h, (const unsigned char *)in, strlen(in)) != yajl_status_ok)
            stop(s, S4S_ERR_INTERNAL);
        s->muted = false;
        done = i + len;
        ++*count;
    }
    s->strict = false;
    return done;
}

size_t s4s_sax_skip_items(s4s_sax *s, const unsigned char *p, size_t n, size_t *count, uint64_t *off,
                          uint64_t *line, const void **tape, size_t *tape_len)
{
    *count = 0;
    *off = s->total;
    *line = s4s_rawcap_line(s->cap, *off);
    *tape = NULL;
    *tape_len = 0;
    if (!s4s_sax_at_item(s))
        return 0;
    size_t done = items_front(s, p, n, count);
    if (done) {
        s4s_rawcap_skip(s->cap, p, s->total, done, S4S_NL_UNCOUNTED);
        s->total += done;
        s->last_event = s->content_end = s->total; /* as if the last item had just closed */
        s->tail_len = 0;
        *tape = s->items_tape.p;
        *tape_len = s->items_tape.len;
    }
    return done;
}

s4s_rc s4s_sax_replay_items(s4s_sax *s, const unsigned char *p, size_t n, const void *tape, size_t tape_len)
{
    s->depth = 2;
    s->arr2 = true;
    strict_window(s, n); /* its string buffer decodes escapes */
    uint64_t abs = s->total;
    const unsigned char *t = tape;
    size_t done = 0;
    s->strict = true;
    for (size_t at = 0; !s->stop && at < tape_len;) {
        item_rec r;
        if (tape_len - at < sizeof r)
            break;
        memcpy(&r, t + at, sizeof r);
        at += sizeof r;
        /* the records are the stream's parser's own: a stray one is a bug */
        if (r.start < done || r.start > n || r.len > n - r.start || r.tape > tape_len - at)
            break;
        replay_at(s, p, abs, done, r.start, r.len, t + at, r.tape);
        at += r.tape;
        done = r.start + r.len;
    }
    s->strict = false;
    if (!s->stop && done != n)
        stop(s, S4S_ERR_INTERNAL); /* the stream's parser took them all */
    s->total += done;
    return s->stop;
}

s4s_rc s4s_sax_feed_pieces(s4s_sax *s, const unsigned char *p, size_t n, size_t from,
                           const size_t *cuts, size_t ncuts)
{
    size_t k = 0;
    while (k < ncuts && cuts[k] <= from)
        k++;
    for (size_t at = from; at < n && !s->stop; k++) {
        size_t end = k < ncuts ? cuts[k] : n;
        s4s_sax_feed(s, p + at, end - at);
        at = end;
    }
    return s->stop;
}

void s4s_sax_yajl_only(s4s_sax *s) { s->no_strict = true; }

s4s_sax_mode s4s_sax_framing(const s4s_sax *s)
{
    return s->mode == M_LINES ? S4S_SAX_LINES : s->mode == M_MULTI ? S4S_SAX_MULTI : S4S_SAX_UNKNOWN;
}

bool s4s_sax_idle(const s4s_sax *s)
{
    uint64_t done = s->last_event > s->handle_from ? s->last_event : s->handle_from;
    return !s->stop && !s->depth && !s->skip_line && !s->skipping && s->content_end <= done;
}

uint64_t s4s_sax_skip(s4s_sax *s, const unsigned char *p, size_t n, uint64_t nl, uint64_t *line)
{
    uint64_t off = s->total;
    *line = s4s_rawcap_line(s->cap, off);
    s4s_rawcap_skip(s->cap, p, off, n, nl);
    s->total += n;
    /* as if values ended there: nothing is pending, no token is open */
    s->last_event = s->last_unit_end = s->content_end = s->total;
    s->tail_len = 0;
    return off;
}

void s4s_sax_rebase(s4s_sax *s, uint64_t off, uint64_t line, s4s_sax_mode mode)
{
    new_handle(s, off);
    s4s_rawcap_rebase(s->cap, off, line);
    s->total = s->seg_abs = s->last_event = s->last_unit_end = s->content_end = off;
    s->tf_for = UINT64_MAX;
    s->tail_len = 0;
    s->skipping = s->skip_line = s->unknown_broken = s->strict = false;
    s->mode = mode == S4S_SAX_LINES ? M_LINES : mode == S4S_SAX_MULTI ? M_MULTI : M_UNKNOWN;
    s->cb_rc = s->stop = S4S_OK;
    s->err[0] = '\0';
}

s4s_rc s4s_sax_finish(s4s_sax *s)
{
    if (s->stop)
        return s->stop;
    set_chunk(s, (const unsigned char *)"", s->total, 0, false);
    if (s->skip_line) {
        s->skip_line = false;
        s4s_rc rc = s->cb.broken(s->ctx, s->broken_reason, s->broken_off, s->broken_line, s->total);
        return s->stop = rc;
    }
    /* nothing but whitespace since the last value (or since the handle
     * began after a broken line): no value is cut short */
    uint64_t done = s->last_event > s->handle_from ? s->last_event : s->handle_from;
    if (s->depth == 0 && s->content_end <= done)
        return S4S_OK;
    s->seg_abs = s->total;
    yajl_status st = yajl_complete_parse(s->h);
    if (st == yajl_status_client_canceled && s->cb_rc)
        return s->stop = s->cb_rc;
    /* after a complete value yajl takes a token cut short (`"ab`, `tru`)
     * for the start of the next one and says ok: content after the last
     * event is a value cut short all the same */
    done = s->last_event > s->handle_from ? s->last_event : s->handle_from;
    if (st != yajl_status_ok || s->depth > 0 || s->content_end > done) {
        const char *why = "input ends inside a JSON value (truncated)";
        if (s->mode != M_MULTI && !s->cb.streaming(s->ctx) && !s->unknown_broken) {
            /* NDJSON: the last line is cut short; quarantine it.  At depth
             * 0 it is a scalar yajl gave no event for, so no unit began:
             * its line is captured here, and is the last one (a token
             * holds no newline) */
            uint64_t line = s->unit_line;
            if (!s->depth) {
                line = s4s_rawcap_line(s->cap, s->total);
                s4s_rawcap_begin_line(s->cap, s->last_unit_end);
            }
            s4s_rc rc = s->cb.broken(s->ctx, why, s->total, line, s->total);
            return s->stop = rc;
        }
        fatal(s, S4S_ERR_JSON, s->total, why);
        return s->stop;
    }
    return S4S_OK;
}
