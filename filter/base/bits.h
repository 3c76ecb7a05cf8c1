/*
 * bits.h - bit tricks over words and 64-byte blocks, shared by the byte
 * scanners (scan.c, writer.c, rawcap.c).
 *
 * Header only, pure functions.  Bit k of a block mask stands for byte k
 * (the lowest bit is the earliest byte).
 */
#ifndef S4S_BITS_H
#define S4S_BITS_H
#include <stdint.h>
#ifdef __SSE2__
#include <emmintrin.h>
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

#ifdef __SSE2__
/* the 16 bytes of x equal to the bytes of c, as bits */
static inline uint64_t s4s_mask16(__m128i x, __m128i c)
{
    return (uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(x, c));
}
#endif

#endif
