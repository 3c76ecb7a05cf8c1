/*
 * squeeze.c - a unit's indentation taken out before it is parsed (see
 * squeeze.h).
 *
 * Invariants:
 *  - A byte is dropped only if it is a space, tab or carriage return
 *    outside strings, in a run with a newline or one of {}[],:" next to it
 *    (in the input); every other byte is kept, in order.
 *  - at[] rises strictly (a kept byte separates two dropped runs); gone[k]
 *    is the bytes dropped by runs 0..k.
 *  - Strings are told apart exactly as JSON's lexer does (a backslash
 *    escapes the next byte); blocks of 64 bytes without a backslash are
 *    classified from bit masks, the rest byte by byte.
 */
#include "squeeze.h"
#include "base/bits.h"

#include <pthread.h>
#include <string.h>
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define SQ_WIDE __attribute__((target("avx512f,avx512bw,avx512vbmi2,popcnt,pclmul")))
#endif

/* bytes a dropped run may border: no token can merge across them */
static const uint8_t sep[256] = {['{'] = 1, ['}'] = 1, ['['] = 1, [']'] = 1,
                                 [','] = 1, [':'] = 1, ['"'] = 1, ['\n'] = 1};

static inline bool blank(unsigned char c) { return c == ' ' || c == '\t' || c == '\r'; }

typedef struct out {
    const unsigned char *in;
    size_t               n, from;  /* in[from..) not yet copied */
    unsigned char       *o;
    size_t               len;
    uint32_t            *at, *gone, dropped;
    size_t               runs, max_runs;
} out;

/* The blank run in[a..b) (outside strings, b at a byte that is not blank or
 * at the end): dropped if a neighbour allows it.  False: the map is full.
 * The kept bytes before it go out in one 16-byte copy when both sides have
 * the room (indentation leaves short runs of tokens between). */
static inline __attribute__((always_inline)) bool run(out *s, size_t a, size_t b)
{
    if (!((a > 0 && sep[s->in[a - 1]]) || (b < s->n && sep[s->in[b]])))
        return true;
    if (s->runs == s->max_runs)
        return false;
    size_t k = a - s->from;
    if (k <= 16 && s->from + 16 <= s->n && s->len + 16 <= s->n)
        memcpy(s->o + s->len, s->in + s->from, 16);
    else
        memcpy(s->o + s->len, s->in + s->from, k);
    s->len += k;
    s->dropped += (uint32_t)(b - a);
    s->at[s->runs] = (uint32_t)s->len;
    s->gone[s->runs++] = s->dropped;
    s->from = b;
    return true;
}

static inline size_t run_end(const out *s, size_t b)
{
    while (b < s->n && blank(s->in[b]))
        b++;
    return b;
}

#ifdef SQ_WIDE
/* Where the CPU has AVX-512 VBMI2 (chosen at run time): a 64-byte block
 * without a backslash is decided from masks and its kept bytes packed by
 * one byte compress.  A run is dropped when a separator is just before it
 * (its first bit is a left seed; the carry of an addition fills the run
 * from there) or just after it (few such runs: one at a time).  Returns
 * the bytes taken from in[i..): 0 when the block has a backslash or is one
 * run that goes on past it (the byte path takes those), SIZE_MAX when the
 * map is full; a run that reaches the block's end is left to the next
 * call. */
static bool wide_cpu, wide_off;
static pthread_once_t wide_once = PTHREAD_ONCE_INIT;

static void wide_init(void)
{
    wide_cpu = __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vbmi2") &&
               __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("popcnt");
}

SQ_WIDE static size_t wide_block(out *s, size_t i, bool *in_str)
{
    __m512i x = _mm512_loadu_si512((const void *)(s->in + i));
    if (_mm512_cmpeq_epi8_mask(x, _mm512_set1_epi8('\\')))
        return 0;
    uint64_t quote = _mm512_cmpeq_epi8_mask(x, _mm512_set1_epi8('"'));
    uint64_t blank = _mm512_cmpeq_epi8_mask(x, _mm512_set1_epi8(' ')) |
                     _mm512_cmpeq_epi8_mask(x, _mm512_set1_epi8('\t')) |
                     _mm512_cmpeq_epi8_mask(x, _mm512_set1_epi8('\r'));
    __m512i xl = _mm512_or_si512(x, _mm512_set1_epi8(0x20)); /* '[' -> '{', ']' -> '}' */
    uint64_t sepm = quote | _mm512_cmpeq_epi8_mask(xl, _mm512_set1_epi8('{')) |
                    _mm512_cmpeq_epi8_mask(xl, _mm512_set1_epi8('}')) |
                    _mm512_cmpeq_epi8_mask(x, _mm512_set1_epi8(',')) |
                    _mm512_cmpeq_epi8_mask(x, _mm512_set1_epi8(':')) |
                    _mm512_cmpeq_epi8_mask(x, _mm512_set1_epi8('\n'));
    uint64_t inside = s4s_prefix_xor_clmul(quote);
    if (*in_str)
        inside = ~inside;
    uint64_t w = blank & ~inside;
    size_t take = 64;
    if (w >> 63) { /* the last run may go on: leave it to the next call */
        uint64_t nonw = ~w;
        if (!nonw)
            return 0;
        take = 64 - (size_t)__builtin_clzll(nonw); /* just past the last byte that is no blank */
        w &= (1ull << take) - 1;
    }
    uint64_t left = w & ((sepm << 1) | (i > 0 && sep[s->in[i - 1]]));
    uint64_t drop = ((w + left) ^ w) & w;
    for (uint64_t right = w & (sepm >> 1) & ~drop; right; right &= right - 1) {
        unsigned b = (unsigned)__builtin_ctzll(right);
        uint64_t below = ~w & ((2ull << b) - 1); /* the run's start: just past the last byte below that is no blank */
        unsigned a = below ? 64 - (unsigned)__builtin_clzll(below) : 0;
        drop |= ((2ull << b) - 1) & ~((1ull << a) - 1);
    }
    uint64_t keep = ~drop & (take == 64 ? ~0ull : (1ull << take) - 1);
    /* the pending kept bytes before the block, then the block's */
    if (i > s->from)
        memcpy(s->o + s->len, s->in + s->from, i - s->from);
    size_t base = s->len + (i - s->from);
    _mm512_storeu_si512((void *)(s->o + base), _mm512_maskz_compress_epi8(keep, x));
    for (uint64_t ends = drop & ~(drop >> 1); ends; ends &= ends - 1) {
        if (s->runs == s->max_runs)
            return SIZE_MAX;
        unsigned b = (unsigned)__builtin_ctzll(ends);
        uint64_t upto = b == 63 ? ~0ull : (2ull << b) - 1;
        s->at[s->runs] = (uint32_t)(base + (size_t)__builtin_popcountll(keep & upto));
        s->gone[s->runs++] = s->dropped + (uint32_t)__builtin_popcountll(drop & upto);
    }
    s->dropped += (uint32_t)__builtin_popcountll(drop);
    s->len = base + (size_t)__builtin_popcountll(keep);
    s->from = i + take;
    *in_str = take == 64 ? (bool)(inside >> 63) : false;
    return take;
}
#endif

/* false: the baseline path only, even where the CPU has more (tests) */
void s4s_squeeze_simd(bool on)
{
#ifdef SQ_WIDE
    wide_off = !on;
#else
    (void)on;
#endif
}

bool s4s_squeeze_make(s4s_arena *a, const unsigned char *in, size_t n, s4s_squeeze *sq)
{
    if (n < 64 || n > UINT32_MAX)
        return false;
    out s = {.in = in, .n = n, .max_runs = n / 8};
    s.o = s4s_arena_alloc(a, n);
    s.at = s4s_arena_alloc(a, s.max_runs * sizeof *s.at);
    s.gone = s4s_arena_alloc(a, s.max_runs * sizeof *s.gone);
    bool in_str = false, esc = false;
    size_t i = 0;
#ifdef SQ_WIDE
    pthread_once(&wide_once, wide_init);
    bool wide = wide_cpu && !wide_off;
#endif
    while (i < n) {
#ifdef SQ_WIDE
        if (wide && !esc && i + 64 <= n) {
            size_t k = wide_block(&s, i, &in_str);
            if (k == SIZE_MAX)
                return false;
            if (k) {
                i += k;
                continue;
            }
        }
#endif
#ifdef __SSE2__
        if (!esc && i + 64 <= n) {
            const __m128i q = _mm_set1_epi8('"'), bs = _mm_set1_epi8('\\'), sp = _mm_set1_epi8(' '),
                          tab = _mm_set1_epi8('\t'), cr = _mm_set1_epi8('\r');
            uint64_t quote = 0, bslash = 0, ws = 0;
            for (int k = 0; k < 4; k++) {
                __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(in + i + 16 * (size_t)k));
                quote |= s4s_mask16(x, q) << (16 * k);
                bslash |= s4s_mask16(x, bs) << (16 * k);
                ws |= (s4s_mask16(x, sp) | s4s_mask16(x, tab) | s4s_mask16(x, cr)) << (16 * k);
            }
            if (!bslash) {
                uint64_t inside = s4s_prefix_xor(quote);
                if (in_str)
                    inside = ~inside;
                uint64_t cand = ws & ~inside;
                size_t next = i + 64;
                while (cand) {
                    unsigned from = (unsigned)__builtin_ctzll(cand);
                    uint64_t rest = ~cand & (~0ull << from);
                    unsigned to = rest ? (unsigned)__builtin_ctzll(rest) : 64;
                    size_t b = to < 64 ? i + to : run_end(&s, i + 64);
                    if (!run(&s, i + from, b))
                        return false;
                    if (to == 64) { /* the run went on past the block: go on after it */
                        next = b;
                        break;
                    }
                    cand &= ~0ull << to;
                }
                in_str = next == i + 64 ? (bool)(inside >> 63) : false;
                i = next;
                continue;
            }
        }
#endif
        /* byte by byte to the end of this block */
        size_t lim = n - i > 64 ? i + 64 : n;
        while (i < lim) {
            unsigned char c = in[i];
            if (in_str) {
                if (esc)
                    esc = false;
                else if (c == '\\')
                    esc = true;
                else if (c == '"')
                    in_str = false;
                i++;
            } else if (blank(c)) {
                size_t b = run_end(&s, i);
                if (!run(&s, i, b))
                    return false;
                i = b;
            } else {
                in_str = c == '"';
                i++;
            }
        }
    }
    if (s.dropped < n / 4)
        return false;
    memcpy(s.o + s.len, in + s.from, n - s.from);
    s.len += n - s.from;
    *sq = (s4s_squeeze){s.o, s.len, s.at, s.gone, s.runs};
    return true;
}

/* runs k in [lo, hi) with at[k] <= c, plus lo */
static size_t count_upto(const s4s_squeeze *sq, size_t lo, size_t hi, uint64_t c)
{
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (sq->at[mid] <= c)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

uint64_t s4s_squeeze_orig(const s4s_squeeze *sq, uint64_t c, size_t *hint)
{
    size_t j = *hint; /* runs with at <= c, counted from where the last call stopped */
    if (j > sq->runs || (j > 0 && sq->at[j - 1] > c))
        j = count_upto(sq, 0, j > sq->runs ? sq->runs : j, c);
    else if (j + 8 < sq->runs && sq->at[j + 8] <= c) /* far behind: search, do not step */
        j = count_upto(sq, j + 9, sq->runs, c);
    while (j < sq->runs && sq->at[j] <= c)
        j++;
    *hint = j;
    return c + (j ? sq->gone[j - 1] : 0);
}
