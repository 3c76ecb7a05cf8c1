/*
 * bits.h - bit tricks over words and 64-byte blocks, shared by the byte
 * scanners (scan.c, writer.c, rawcap.c, passthru.c), and word-at-a-time
 * compare and hash of short names (assemble.c, rules/refs.c).
 *
 * Header only, pure functions.  Bit k of a block mask stands for byte k
 * (the lowest bit is the earliest byte).
 */
#ifndef S4S_BITS_H
#define S4S_BITS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#endif

/* set bits of x: the instruction where the target has it, else inline
 * (baseline x86-64 has no popcnt; the libgcc call cost 4% of a parse) */
static inline unsigned s4s_pop64(uint64_t x)
{
#ifdef __POPCNT__
    return (unsigned)__builtin_popcountll(x);
#else
    x -= (x >> 1) & 0x5555555555555555ull;
    x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
    x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0full;
    return (unsigned)((x * 0x0101010101010101ull) >> 56);
#endif
}

/* bit k: the set bits at positions <= k are odd in number (for quote
 * masks: from an opening quote to the byte before its closing one) */
static inline uint64_t s4s_prefix_xor(uint64_t x)
{
    x ^= x << 1;
    x ^= x << 2;
    x ^= x << 4;
    x ^= x << 8;
    x ^= x << 16;
    x ^= x << 32;
    return x;
}

#if defined(__x86_64__) && defined(__GNUC__)
/* s4s_prefix_xor as one carry-less multiply by all ones, for the block
 * paths chosen at run time where the CPU has PCLMUL (their callers'
 * target attributes include it) */
static inline __attribute__((always_inline, target("pclmul"))) uint64_t s4s_prefix_xor_clmul(uint64_t x)
{
    __m128i prod = _mm_clmulepi64_si128(_mm_set_epi64x(0, (long long)x), _mm_set1_epi8((char)0xff), 0);
    return (uint64_t)_mm_cvtsi128_si64(prod);
}
#endif

#ifdef __SSE2__
/* the 16 bytes of x equal to the bytes of c, as bits */
static inline uint64_t s4s_mask16(__m128i x, __m128i c)
{
    return (uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(x, c));
}
#endif

#if defined(__x86_64__) && defined(__GNUC__)
#define S4S_COUNT_NL_512 1
/* 64 bytes a step: one mask compare and a popcount; leaves *pp where fewer
 * than 64 bytes are left */
__attribute__((target("avx512f,avx512bw,popcnt"))) static inline uint64_t
s4s_count_nl_512(const unsigned char **pp, const unsigned char *e)
{
    const unsigned char *p = *pp;
    const __m512i nl = _mm512_set1_epi8('\n');
    uint64_t n = 0;
    for (; e - p >= 64; p += 64)
        n += (uint64_t)__builtin_popcountll(_mm512_cmpeq_epi8_mask(_mm512_loadu_si512((const void *)p), nl));
    *pp = p;
    return n;
}
#endif

/* newlines in [p, e): 64, 16 or 8 bytes at a time (pretty-printed JSON has
 * a newline every ~40 bytes, too often for a memchr call per line).  wide:
 * AVX-512 may be used (the caller checked the CPU).  With SSE2 each byte
 * lane counts its matches (up to 255 blocks), then one sum of absolute
 * differences adds the lanes. */
static inline uint64_t s4s_count_nl_at(const unsigned char *p, const unsigned char *e, bool wide)
{
    uint64_t n = 0;
#ifdef S4S_COUNT_NL_512
    if (wide && e - p >= 256)
        n += s4s_count_nl_512(&p, e);
#else
    (void)wide;
#endif
#ifdef __SSE2__
    const __m128i nl = _mm_set1_epi8('\n'), zero = _mm_setzero_si128();
    while (e - p >= 16) {
        size_t blocks = (size_t)(e - p) / 16;
        __m128i lanes = zero;
        for (size_t k = 0; k < blocks && k < 255; k++, p += 16) /* a match is -1: subtract it */
            lanes = _mm_sub_epi8(lanes, _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)p), nl));
        __m128i sum = _mm_sad_epu8(lanes, zero);
        n += (uint64_t)_mm_cvtsi128_si32(sum) + (uint64_t)_mm_cvtsi128_si32(_mm_srli_si128(sum, 8));
    }
#endif
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

static inline uint64_t s4s_count_nl(const unsigned char *p, const unsigned char *e)
{
#ifdef S4S_COUNT_NL_512
    return s4s_count_nl_at(p, e, __builtin_cpu_supports("avx512bw"));
#else
    return s4s_count_nl_at(p, e, false);
#endif
}

/* a[0..n) == b[0..n) for short n (member names): overlapping word loads,
 * where a memcmp call would cost more than the compare */
static inline bool s4s_short_eq(const char *a, const char *b, size_t n)
{
    uint64_t x, y;
    if (n >= 8) {
        for (size_t i = 0; i + 8 < n; i += 8) {
            memcpy(&x, a + i, 8);
            memcpy(&y, b + i, 8);
            if (x != y)
                return false;
        }
        memcpy(&x, a + n - 8, 8);
        memcpy(&y, b + n - 8, 8);
        return x == y;
    }
    if (n >= 4) {
        uint32_t p, q, r, t;
        memcpy(&p, a, 4);
        memcpy(&q, b, 4);
        memcpy(&r, a + n - 4, 4);
        memcpy(&t, b + n - 4, 4);
        return p == q && r == t;
    }
    for (size_t i = 0; i < n; i++)
        if (a[i] != b[i])
            return false;
    return true;
}

/* A hash of a short name from its first and last (up to) eight bytes and
 * its length: a few instructions, where FNV costs a multiply per byte.
 * Longer names that differ only in the middle collide; a table's compare
 * settles them. */
static inline uint32_t s4s_short_hash(const char *k, size_t n)
{
    uint64_t x = 0, y = 0;
    if (n >= 8) {
        memcpy(&x, k, 8);
        memcpy(&y, k + n - 8, 8);
    } else if (n >= 4) {
        uint32_t p, q;
        memcpy(&p, k, 4);
        memcpy(&q, k + n - 4, 4);
        x = p;
        y = q;
    } else if (n) {
        x = (uint64_t)(unsigned char)k[0] | (uint64_t)(unsigned char)k[n / 2] << 8 |
            (uint64_t)(unsigned char)k[n - 1] << 16;
    }
    uint64_t h = (x * 0x9e3779b97f4a7c15ull) ^ ((y + n) * 0xc2b2ae3d27d4eb4full);
    return (uint32_t)((h >> 32) ^ h);
}

#endif
