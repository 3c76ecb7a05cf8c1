/*
 * scan.c - the boundary scanner (see scan.h).
 *
 * Invariants:
 *  - Every byte goes out exactly once and in order: to the stream's parser,
 *    or inside a unit.  A unit is handed over only while the stream's parser
 *    is idle and has been given every byte before it.
 *  - While collecting, what is held is hold's bytes, then the view's: bytes
 *    of the block being fed, not yet copied (the view is empty unless hold
 *    is, and goes into hold before the block's feed returns).
 *  - What is held up to good is whole lines (lines framing) or whole objects
 *    (spanning framing), each of which passed the checks of scan.h, or,
 *    while `holding`, whole items separated by commas (the first opened
 *    where the parser said it waits for one); hold never exceeds max bytes.
 *  - Bytes go out in pieces split only where the input's own blocks were
 *    split (`cuts` records those inside hold) or just after a newline or a
 *    closing bracket, or just before an item's brace, where no token can
 *    be cut: yajl places some errors
 *    by where a piece begins, so a worker (and the stream's parser) then
 *    report them where one thread reading the same blocks would.
 *  - While `trusted`, depth and in_str are exactly the parser's view of
 *    valid JSON (they were reset where the parser was idle, and no anomaly
 *    was seen since); otherwise the scanner only looks for a line end where
 *    the parser is idle again.
 */
#include "scan.h"
#include "base/alloc.h"
#include "base/buf.h"
#include "base/bits.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define SCAN_WIDE __attribute__((target("avx2,popcnt,pclmul")))
#define SCAN_512 __attribute__((target("avx512f,avx512bw,popcnt,pclmul")))
#endif

/* EV_SHALLOW: a bracket changed the depth at level 2 or above (the
 * shallower side is at most 2), while items are looked for */
enum ev { EV_NONE, EV_VALUE_END, EV_NEWLINE, EV_TOP, EV_STRAY_NL, EV_STRAY_CLOSE, EV_SHALLOW };

struct s4s_scan {
    s4s_scan_sink k;
    void         *u;
    size_t        target, max;
    s4s_buf       hold;
    s4s_buf       cuts;         /* size_t offsets in hold where an input block began */
    const unsigned char *view;  /* collected bytes of the block being fed, after hold's */
    size_t        view_len;
    uint64_t      nl_good;      /* newlines held up to good (lines framing) */
    bool          block_start;  /* the next byte appended begins an input block */
    bool          collecting;   /* hold is a unit in the making; else bytes stream */
    bool          holding;      /* hold is a run of items of the value streaming */
    unsigned char last_sig;     /* the last byte of the blocks before that is not whitespace */
    s4s_sax_mode  mode;         /* the framing it is collected under */
    size_t        good;
    bool          in_str, esc;
    uint64_t      depth;
    bool          trusted;
    s4s_scan_lexer lexer;        /* how a 64-byte block is classified (see lex_block_wide) */
};

/* bytes that end a plain run inside a string / outside one, with and
 * without newlines (which matter only to lines framing and to resyncing) */
static const uint8_t str_stop[256] = {['"'] = 1, ['\\'] = 1, ['\n'] = 1};
static const uint8_t out_stop[256] = {['"'] = 1, ['{'] = 1, ['}'] = 1, ['['] = 1, [']'] = 1};
static const uint8_t out_stop_nl[256] = {['"'] = 1, ['{'] = 1, ['}'] = 1, ['['] = 1, [']'] = 1,
                                         ['\n'] = 1};

s4s_scan *s4s_scan_new(size_t target, size_t max, const s4s_scan_sink *k, void *u)
{
    s4s_scan *s = s4s_xcalloc(1, sizeof *s);
    s->k = *k;
    s->u = u;
    s->max = max;
    s->target = target < max ? target : max;
    s->trusted = true;
#ifdef SCAN_WIDE
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("popcnt") &&
        __builtin_cpu_supports("pclmul"))
        s->lexer = __builtin_cpu_supports("avx512bw") ? S4S_SCAN_AVX512 : S4S_SCAN_AVX2;
#endif
    s4s_buf_init(&s->hold, max);
    /* a block per byte at worst (--read-size=1) */
    s4s_buf_init(&s->cuts, (max + 1) * sizeof(size_t));
    return s;
}

void s4s_scan_narrow(s4s_scan *s, s4s_scan_lexer widest)
{
    if (s->lexer > widest)
        s->lexer = widest;
}

void s4s_scan_free(s4s_scan *s)
{
    if (!s)
        return;
    s4s_buf_free(&s->hold);
    s4s_buf_free(&s->cuts);
    free(s);
}

/* The first i in [i, n) where p[i] stops a plain run (stop[]): 16 bytes a
 * step where SSE2 is there (every x86-64), the table for the rest.  This
 * loop is most of the scanner's cost. */
static inline size_t run_str(const unsigned char *p, size_t i, size_t n)
{
#ifdef __SSE2__
    const __m128i q = _mm_set1_epi8('"'), b = _mm_set1_epi8('\\'), nl = _mm_set1_epi8('\n');
    for (; i + 16 <= n; i += 16) {
        __m128i x = _mm_loadu_si128((const __m128i *)(p + i));
        int m = _mm_movemask_epi8(_mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, q), _mm_cmpeq_epi8(x, b)),
                                               _mm_cmpeq_epi8(x, nl)));
        if (m)
            return i + (size_t)__builtin_ctz((unsigned)m);
    }
#endif
    while (i < n && !str_stop[p[i]])
        i++;
    return i;
}

static inline size_t run_out(const unsigned char *p, size_t i, size_t n, bool want_nl)
{
#ifdef __SSE2__
    /* x | 0x20 turns '[' into '{' and ']' into '}', and nothing else into either */
    const __m128i q = _mm_set1_epi8('"'), o = _mm_set1_epi8('{'), c = _mm_set1_epi8('}'),
                  lower = _mm_set1_epi8(0x20), nl = _mm_set1_epi8(want_nl ? '\n' : '"');
    for (; i + 16 <= n; i += 16) {
        __m128i x = _mm_loadu_si128((const __m128i *)(p + i)), xl = _mm_or_si128(x, lower);
        __m128i a = _mm_or_si128(_mm_cmpeq_epi8(x, q), _mm_cmpeq_epi8(x, nl));
        int m = _mm_movemask_epi8(_mm_or_si128(a, _mm_or_si128(_mm_cmpeq_epi8(xl, o), _mm_cmpeq_epi8(xl, c))));
        if (m)
            return i + (size_t)__builtin_ctz((unsigned)m);
    }
#endif
    const uint8_t *stop = want_nl ? out_stop_nl : out_stop;
    while (i < n && !stop[p[i]])
        i++;
    return i;
}

/* Advances over p[i..n) to just past the next event that matters now, a
 * byte at a time (runs of plain bytes 16 at a time). */
static size_t lex_bytes(s4s_scan *s, const unsigned char *p, size_t i, size_t n, bool want_nl,
                        bool want_top, bool shallow, enum ev *ev)
{
    while (i < n) {
        unsigned char c;
        if (s->in_str) {
            if (s->esc) {
                s->esc = false;
                i++;
                continue;
            }
            i = run_str(p, i, n);
            if (i == n)
                break;
            c = p[i++];
            if (c == '\\') {
                s->esc = true;
            } else {
                s->in_str = false;
                if (c == '\n') { /* JSON strings hold no raw newline */
                    *ev = EV_STRAY_NL;
                    return i;
                }
            }
            continue;
        }
        if (s->depth == 0) {
            c = p[i++];
            if (c == '\n') {
                *ev = EV_NEWLINE;
                return i;
            }
            if (c == ' ' || c == '\t' || c == '\r')
                continue;
            if (c == '}' || c == ']') {
                *ev = EV_STRAY_CLOSE;
                return i;
            }
            if (c == '{' || c == '[')
                s->depth = 1;
            else if (c == '"')
                s->in_str = true;
            if (want_top) {
                *ev = EV_TOP;
                return i;
            }
            continue;
        }
        i = run_out(p, i, n, want_nl);
        if (i == n)
            break;
        c = p[i++];
        if (c == '"') {
            s->in_str = true;
        } else if (c == '{' || c == '[') {
            if (++s->depth <= 3 && shallow) {
                *ev = EV_SHALLOW;
                return i;
            }
        } else if (c == '}' || c == ']') {
            if (--s->depth == 0) {
                *ev = EV_VALUE_END;
                return i;
            }
            if (s->depth <= 2 && shallow) {
                *ev = EV_SHALLOW;
                return i;
            }
        } else { /* '\n' */
            *ev = EV_NEWLINE;
            return i;
        }
    }
    *ev = EV_NONE;
    return i;
}

/* How a 64-byte block may be taken whole (see lex). */
enum fast { FAST_NONE, FAST_LINES, FAST_SPAN };

#ifdef __SSE2__
typedef struct block {
    uint64_t quote, bslash, nl, open, close;
} block;

static inline block classify(const unsigned char *p)
{
    const __m128i q = _mm_set1_epi8('"'), b = _mm_set1_epi8('\\'), nl = _mm_set1_epi8('\n'),
                  o = _mm_set1_epi8('{'), c = _mm_set1_epi8('}'), lower = _mm_set1_epi8(0x20);
    block m = {0, 0, 0, 0, 0};
    for (int k = 0; k < 4; k++) {
        __m128i x = _mm_loadu_si128((const __m128i *)(p + 16 * k));
        __m128i xl = _mm_or_si128(x, lower); /* '[' -> '{', ']' -> '}', nothing else */
        m.quote |= s4s_mask16(x, q) << (16 * k);
        m.bslash |= s4s_mask16(x, b) << (16 * k);
        m.nl |= s4s_mask16(x, nl) << (16 * k);
        m.open |= s4s_mask16(xl, o) << (16 * k);
        m.close |= s4s_mask16(xl, c) << (16 * k);
    }
    return m;
}

/* Takes the 64-byte block whole when its masks decide it: no backslash
 * (escapes), no newline inside a string.  FAST_SPAN (events are top-level
 * value ends): the depth cannot reach 0 in it.  FAST_LINES (events are
 * newlines): it stops at the first newline, where the depth is then known,
 * provided it cannot have gone below 0 before.  floor (FAST_SPAN): the
 * depth must stay above it too (2 while items are looked for, so every
 * bracket at level 2 or above is seen by the byte loop).  str: s4s_prefix_xor of the
 * quotes; pop: a popcount (both differ only in speed between the paths).
 * Returns how many bytes were taken (0: lex it byte by byte); *ev is
 * EV_NEWLINE when it stopped just past a newline. */
static inline __attribute__((always_inline)) size_t take_block(s4s_scan *s, const block *m, uint64_t str,
                                                               unsigned (*pop)(uint64_t), enum fast f,
                                                               unsigned floor, enum ev *ev)
{
    if (s->in_str)
        str = ~str;
    if (m->nl & str)
        return 0;
    uint64_t open = m->open & ~str, close = m->close & ~str;
    if (f == FAST_LINES && m->nl) {
        uint64_t below = (m->nl & -m->nl) - 1;
        uint64_t c = pop(close & below);
        if (s->depth < c)
            return 0;
        s->depth = s->depth + pop(open & below) - c;
        s->in_str = false;
        *ev = EV_NEWLINE;
        return (size_t)__builtin_ctzll(m->nl) + 1;
    }
    uint64_t c = pop(close);
    if (f == FAST_LINES ? s->depth < c : s->depth <= c + floor)
        return 0;
    s->depth = s->depth + pop(open) - c;
    s->in_str = str >> 63;
    *ev = EV_NONE;
    return 64;
}

/* the baseline x86-64 path: SSE2 masks, popcount and prefix XOR in plain
 * instructions */
static size_t lex_block(s4s_scan *s, const unsigned char *p, enum fast f, unsigned floor, enum ev *ev)
{
    block m = classify(p);
    if (m.bslash)
        return 0;
    return take_block(s, &m, s4s_prefix_xor(m.quote), s4s_pop64, f, floor, ev);
}

#ifdef SCAN_WIDE
/* Where the CPU has AVX2, POPCNT and PCLMUL (chosen at run time, so the
 * binary still runs on baseline x86-64): 32 bytes per compare, popcount in
 * one instruction, and the prefix XOR as a carry-less multiply by all ones.
 * This halves the scanner's instructions, the one cost threads add. */
SCAN_WIDE static unsigned pop_hw(uint64_t x)
{
    return (unsigned)__builtin_popcountll(x);
}

SCAN_WIDE static size_t lex_block_wide(s4s_scan *s, const unsigned char *p, enum fast f, unsigned floor,
                                       enum ev *ev)
{
    const __m256i q = _mm256_set1_epi8('"'), b = _mm256_set1_epi8('\\'), nl = _mm256_set1_epi8('\n'),
                  o = _mm256_set1_epi8('{'), c = _mm256_set1_epi8('}'), lower = _mm256_set1_epi8(0x20);
    block m = {0, 0, 0, 0, 0};
    for (int k = 0; k < 2; k++) {
        __m256i x = _mm256_loadu_si256((const __m256i *)(const void *)(p + 32 * k));
        __m256i xl = _mm256_or_si256(x, lower);
#define MASK32(v, w) ((uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(v, w)) << (32 * k))
        m.quote |= MASK32(x, q);
        m.bslash |= MASK32(x, b);
        m.nl |= MASK32(x, nl);
        m.open |= MASK32(xl, o);
        m.close |= MASK32(xl, c);
#undef MASK32
    }
    if (m.bslash)
        return 0;
    return take_block(s, &m, s4s_prefix_xor_clmul(m.quote), pop_hw, f, floor, ev);
}

/* With AVX-512BW: one compare per class over the whole block, straight to
 * a bit mask. */
SCAN_512 static size_t lex_block_512(s4s_scan *s, const unsigned char *p, enum fast f, unsigned floor,
                                     enum ev *ev)
{
    __m512i x = _mm512_loadu_si512((const void *)p);
    if (_mm512_cmpeq_epi8_mask(x, _mm512_set1_epi8('\\')))
        return 0;
    __m512i xl = _mm512_or_si512(x, _mm512_set1_epi8(0x20));
    block m = {_mm512_cmpeq_epi8_mask(x, _mm512_set1_epi8('"')), 0,
               _mm512_cmpeq_epi8_mask(x, _mm512_set1_epi8('\n')),
               _mm512_cmpeq_epi8_mask(xl, _mm512_set1_epi8('{')),
               _mm512_cmpeq_epi8_mask(xl, _mm512_set1_epi8('}'))};
    return take_block(s, &m, s4s_prefix_xor_clmul(m.quote), pop_hw, f, floor, ev);
}
#endif
#endif

/* Advances over p[i..n) to just past the next event that matters now:
 * blocks of 64 bytes whole where the mode allows (f), the rest a byte at
 * a time.  shallow: brackets at level 2 or above are events too. */
static size_t lex(s4s_scan *s, const unsigned char *p, size_t i, size_t n, bool want_nl,
                  bool want_top, enum fast f, bool shallow, enum ev *ev)
{
    unsigned floor = shallow ? 2 : 0;
    while (i < n) {
#ifdef __SSE2__
        if (f != FAST_NONE && i + 64 <= n && !s->esc && (s->depth || s->in_str || f == FAST_LINES)) {
#ifdef SCAN_WIDE
            size_t k = s->lexer == S4S_SCAN_AVX512 ? lex_block_512(s, p + i, f, floor, ev)
                       : s->lexer == S4S_SCAN_AVX2 ? lex_block_wide(s, p + i, f, floor, ev)
                                              : lex_block(s, p + i, f, floor, ev);
#else
            size_t k = lex_block(s, p + i, f, floor, ev);
#endif
            if (k) {
                i += k;
                if (*ev != EV_NONE)
                    return i;
                continue;
            }
        }
#endif
        size_t end = f != FAST_NONE && n - i > 64 ? i + 64 : n;
        i = lex_bytes(s, p, i, end, want_nl, want_top, shallow, ev);
        if (*ev != EV_NONE || end == n)
            return i;
    }
    *ev = EV_NONE;
    return i;
}

static void reset_lex(s4s_scan *s)
{
    s->in_str = s->esc = false;
    s->depth = 0;
    s->trusted = true;
}

/* The stream's parser is idle here: collect from now on, if the framing is
 * known. */
static void try_collect(s4s_scan *s)
{
    s4s_sax_mode m;
    if (!s->k.ready(s->u, &m)) {
        s->trusted = false; /* the parser sees the bytes otherwise: resync at an idle line end */
        return;
    }
    if (m == S4S_SAX_UNKNOWN)
        return;
    reset_lex(s);
    s->collecting = true;
    s->mode = m;
    s->good = 0;
    s4s_buf_clear(&s->hold);
    s->view_len = 0;
    s->nl_good = 0;
}

/* bytes held while collecting: hold's, then the view's */
static size_t held_len(const s4s_scan *s) { return s->hold.len + s->view_len; }

/* The view joins hold: its block is about to go (or bytes follow that are
 * not next to it). */
static void view_keep(s4s_scan *s)
{
    if (!s->view_len)
        return;
    s4s_buf_put(&s->hold, s->view, s->view_len); /* hold was empty: no cut in it */
    s->view_len = 0;
}

static size_t ncuts(const s4s_scan *s) { return s->cuts.len / sizeof(size_t); }
static size_t *cut_at(const s4s_scan *s) { return (size_t *)(void *)s->cuts.p; }

/* What is held up to good goes to a worker (or, items, to the stream's
 * parser); what follows it stays held. */
static s4s_rc hand_over(s4s_scan *s)
{
    if (!s->good)
        return S4S_OK;
    /* every newline held was a line end collected (the rest is no line) */
    uint64_t nl = s->mode == S4S_SAX_LINES ? s->nl_good : S4S_NL_UNCOUNTED;
    s->nl_good = 0;
    if (s->view_len) { /* all in the block being fed (hold is empty): no copy here */
        s4s_rc rc = s->k.unit(s->u, s->view, s->good, s->mode, NULL, 0, nl);
        s->view += s->good;
        s->view_len -= s->good;
        s->good = 0;
        return rc;
    }
    size_t *c = cut_at(s), n = ncuts(s), k = 0;
    while (k < n && c[k] < s->good)
        k++;
    const unsigned char *h = (const unsigned char *)s->hold.p;
    s4s_rc rc = s->holding ? s->k.items(s->u, h, s->good, c, k)
                           : s->k.unit(s->u, h, s->good, s->mode, c, k, nl);
    while (k < n && c[k] == s->good) /* a piece begins there anyway */
        k++;
    for (size_t j = k; j < n; j++)
        c[j - k] = c[j] - s->good;
    s->cuts.len = (n - k) * sizeof(size_t);
    memmove(s->hold.p, s->hold.p + s->good, s->hold.len - s->good);
    s->hold.len -= s->good;
    s->good = 0;
    return rc;
}

/* Collecting (or holding) stops: whole values to a worker (whole items to
 * the items sink), the rest to the stream, in the input's blocks. */
static s4s_rc stop_collecting(s4s_scan *s)
{
    s4s_rc rc = hand_over(s);
    s->collecting = s->holding = false;
    if (s->view_len && !rc) /* the rest, in the block being fed: one piece */
        rc = s->k.stream(s->u, s->view, s->view_len);
    s->view_len = 0;
    size_t at = 0, *c = cut_at(s), n = ncuts(s);
    for (size_t k = 0; k <= n && !rc && at < s->hold.len; k++) {
        size_t end = k < n ? c[k] : s->hold.len;
        if (end > at)
            rc = s->k.stream(s->u, (const unsigned char *)s->hold.p + at, end - at);
        at = end;
    }
    s4s_buf_clear(&s->hold);
    s4s_buf_clear(&s->cuts);
    return rc;
}

/* p[0..n) was lexed up to event ev (its last byte), while streaming. */
static s4s_rc streamed(s4s_scan *s, const unsigned char *p, size_t n, enum ev ev)
{
    s4s_rc rc = n ? s->k.stream(s->u, p, n) : S4S_OK;
    if (rc)
        return rc;
    switch (ev) {
    case EV_STRAY_NL:
        s->trusted = false;
        try_collect(s);
        break;
    case EV_STRAY_CLOSE:
        s->trusted = false;
        break;
    case EV_VALUE_END:
        try_collect(s);
        break;
    case EV_NEWLINE:
        if (s->depth == 0 || !s->trusted)
            try_collect(s);
        break;
    default:
        break;
    }
    return S4S_OK;
}

/* p[0..n) joins hold, a cut recorded where an input block began. */
static void hold_put(s4s_scan *s, const unsigned char *p, size_t n)
{
    if (s->block_start && s->hold.len) {
        size_t at = s->hold.len;
        s4s_buf_put(&s->cuts, &at, sizeof at);
    }
    s->block_start = false;
    s4s_buf_put(&s->hold, p, n);
}

/* p[0..n) was lexed up to event ev, while collecting; false: stop
 * collecting (the bytes and ev are then the stream's). */
static bool collected(s4s_scan *s, const unsigned char *p, size_t n, enum ev ev, s4s_rc *rc)
{
    *rc = S4S_OK;
    if (held_len(s) + n > s->max)
        return false; /* too large for a unit */
    bool lines = s->mode == S4S_SAX_LINES;
    switch (ev) {
    case EV_STRAY_NL:
    case EV_STRAY_CLOSE:
        return false;
    case EV_TOP: /* spanning framing: only objects */
        if (p[n - 1] != '{')
            return false;
        break;
    case EV_NEWLINE:
        if (lines && s->depth)
            return false; /* the value goes on past its line */
        break;
    default:
        break;
    }
    if (!s->hold.len && (!s->view_len || s->view + s->view_len == p)) {
        if (!s->view_len)
            s->view = p;
        s->view_len += n;
        s->block_start = false;
    } else {
        view_keep(s);
        hold_put(s, p, n);
    }
    if ((lines && ev == EV_NEWLINE) || (!lines && ev == EV_VALUE_END)) {
        s->nl_good += lines;
        s->good = held_len(s);
        if (s->good >= s->target)
            *rc = hand_over(s);
    }
    return true;
}

static inline bool blank(unsigned char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

/* Between the last item held and the brace just held: a comma, and
 * whitespace around it. */
static bool separated(const s4s_scan *s)
{
    bool comma = false;
    for (size_t k = s->good; k + 1 < s->hold.len; k++) {
        unsigned char c = (unsigned char)s->hold.p[k];
        if (c == ',' && !comma)
            comma = true;
        else if (!blank(c))
            return false;
    }
    return comma;
}

/* p[0..n) was lexed up to event ev while holding items: the run goes on
 * with the next item after a comma; anything else ends it (its whole items
 * to the items sink, the rest streams), as does a hold past max. */
static s4s_rc held(s4s_scan *s, const unsigned char *p, size_t n, enum ev ev)
{
    if (s->hold.len + n > s->max) {
        s4s_rc rc = stop_collecting(s);
        return rc ? rc : streamed(s, p, n, ev);
    }
    hold_put(s, p, n);
    if (ev == EV_NONE)
        return S4S_OK;
    unsigned char c = p[n - 1];
    if (ev == EV_SHALLOW && c == '}' && s->depth == 2) { /* an item closed */
        s->good = s->hold.len;
        return s->good >= s->target ? stop_collecting(s) : S4S_OK;
    }
    if (ev == EV_SHALLOW && c == '{' && s->depth == 3 && s->good && separated(s))
        return S4S_OK;
    return stop_collecting(s);
}

/* p[q] is a brace that opens level 3 while a value streams: an item may
 * begin there when the last byte before it that is not whitespace is a
 * comma or the bracket that opened level 2. */
static bool after_separator(const s4s_scan *s, const unsigned char *p, size_t q)
{
    while (q > 0 && blank(p[q - 1]))
        q--;
    unsigned char c = q > 0 ? p[q - 1] : s->last_sig;
    return c == ',' || c == '[';
}

static s4s_rc feed(s4s_scan *s, const unsigned char *p, size_t n);

s4s_rc s4s_scan_feed(s4s_scan *s, const unsigned char *p, size_t n)
{
    s4s_rc rc = feed(s, p, n);
    view_keep(s); /* p goes when we return */
    return rc;
}

static s4s_rc feed(s4s_scan *s, const unsigned char *p, size_t n)
{
    size_t i = 0;
    s->block_start = true;
    while (i < n) {
        bool lines = s->collecting && s->mode == S4S_SAX_LINES;
        size_t from = i;
        enum ev ev;
        /* blocks are taken whole where the events are line ends (collecting
         * lines) or value ends (collecting objects, streaming a value) */
        enum fast f = lines ? FAST_LINES : s->trusted ? FAST_SPAN : FAST_NONE;
        /* streaming a value: its items are looked for */
        bool shallow = !s->collecting && s->trusted && s->k.items;
        i = lex(s, p, i, n, lines || !s->trusted, s->collecting && !lines, f, shallow, &ev);
        s4s_rc rc = S4S_OK;
        if (s->holding) {
            if ((rc = held(s, p + from, i - from, ev)) != S4S_OK)
                return rc;
            continue;
        }
        if (ev == EV_SHALLOW && p[i - 1] == '{' && s->depth == 3 && after_separator(s, p, i - 1)) {
            /* the parser gets every byte before the brace, then says */
            if ((rc = streamed(s, p + from, i - 1 - from, EV_NONE)) != S4S_OK)
                return rc;
            if (s->k.item_ready(s->u)) {
                s->holding = true;
                s->good = 0;
                hold_put(s, p + i - 1, 1);
                continue;
            }
            from = i - 1;
        }
        if (s->collecting && collected(s, p + from, i - from, ev, &rc)) {
            if (rc)
                return rc;
            continue;
        }
        if (s->collecting && (rc = stop_collecting(s)) != S4S_OK)
            return rc;
        if (ev == EV_TOP) {
            /* a value that is not an object: the stream takes it from its
             * first byte, which is given back (a piece must not cut it) */
            unsigned char c = p[--i];
            if (c == '"')
                s->in_str = false;
            else if (c == '[' || c == '{')
                s->depth = 0;
            ev = EV_NONE;
        }
        if (rc || (rc = streamed(s, p + from, i - from, ev)) != S4S_OK)
            return rc;
    }
    for (size_t k = n; k > 0; k--)
        if (!blank(p[k - 1])) {
            s->last_sig = p[k - 1];
            break;
        }
    /* a stream the parser left (it recovered where we did not look): look
     * for its next idle line end */
    s4s_sax_mode m;
    if (!s->collecting && s->trusted && (s->depth || s->in_str) && s->k.ready(s->u, &m))
        s->trusted = false;
    return S4S_OK;
}

s4s_rc s4s_scan_finish(s4s_scan *s)
{
    return s->collecting || s->holding ? stop_collecting(s) : S4S_OK;
}
