/*
 * sha1.c - SHA-1 (FIPS 180-4, section 6.1), written from the standard.
 *
 * Invariants: block holds fill < 64 pending bytes between calls; len
 * counts every byte given to update (the length padded in at the end).
 */
#include "sha1.h"

#include <string.h>

static uint32_t rol(uint32_t x, unsigned n) { return (x << n) | (x >> (32 - n)); }

static void compress(s4s_sha1 *s, const uint8_t *b)
{
    uint32_t w[80];
    for (unsigned t = 0; t < 16; t++)
        w[t] = (uint32_t)b[4 * t] << 24 | (uint32_t)b[4 * t + 1] << 16 | (uint32_t)b[4 * t + 2] << 8 | b[4 * t + 3];
    for (unsigned t = 16; t < 80; t++) w[t] = rol(w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16], 1);
    uint32_t a = s->h[0], bb = s->h[1], c = s->h[2], d = s->h[3], e = s->h[4];
    for (unsigned t = 0; t < 80; t++) {
        uint32_t f, k;
        if (t < 20) { f = (bb & c) | (~bb & d); k = 0x5a827999u; }
        else if (t < 40) { f = bb ^ c ^ d; k = 0x6ed9eba1u; }
        else if (t < 60) { f = (bb & c) | (bb & d) | (c & d); k = 0x8f1bbcdcu; }
        else { f = bb ^ c ^ d; k = 0xca62c1d6u; }
        uint32_t tmp = rol(a, 5) + f + e + k + w[t];
        e = d; d = c; c = rol(bb, 30); bb = a; a = tmp;
    }
    s->h[0] += a; s->h[1] += bb; s->h[2] += c; s->h[3] += d; s->h[4] += e;
}

void s4s_sha1_init(s4s_sha1 *s)
{
    static const uint32_t h0[5] = {0x67452301u, 0xefcdab89u, 0x98badcfeu, 0x10325476u, 0xc3d2e1f0u};
    memcpy(s->h, h0, sizeof h0);
    s->len = 0;
    s->fill = 0;
}

void s4s_sha1_update(s4s_sha1 *s, const void *p, size_t n)
{
    const uint8_t *b = p;
    s->len += n;
    while (n) {
        size_t take = 64 - s->fill < n ? 64 - s->fill : n;
        memcpy(s->block + s->fill, b, take);
        s->fill += (unsigned)take;
        b += take;
        n -= take;
        if (s->fill == 64) { compress(s, s->block); s->fill = 0; }
    }
}

void s4s_sha1_final(s4s_sha1 *s, uint8_t out[20])
{
    uint64_t bits = s->len * 8;
    static const uint8_t one = 0x80, zero = 0;
    s4s_sha1_update(s, &one, 1);
    while (s->fill != 56) s4s_sha1_update(s, &zero, 1);
    uint8_t l[8];
    for (unsigned i = 0; i < 8; i++) l[i] = (uint8_t)(bits >> (56 - 8 * i));
    s4s_sha1_update(s, l, 8);
    for (unsigned i = 0; i < 20; i++) out[i] = (uint8_t)(s->h[i / 4] >> (24 - 8 * (i % 4)));
}
