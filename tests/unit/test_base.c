/*
 * test_base.c - unit tests of filter/base pieces not covered elsewhere:
 * the shared hash index (collisions, growth, find after growth) and the
 * newline count of bits.h.
 */
#include "unit.h"
#include "../../filter/base/bits.h"
#include "../../filter/base/hash.h"

#include <stdint.h>
#include <stdio.h>

static char keys[5000][16];

static bool eq(const void *ctx, uint32_t i, const void *key, size_t klen)
{
    (void)ctx;
    return strlen(keys[i]) == klen && memcmp(keys[i], key, klen) == 0;
}

static void test_hidx(void)
{
    s4s_hidx x;
    s4s_hidx_init(&x, 1);
    CHECK(x.cap == 16);
    /* every key hashed to one bucket: probing and the key compare decide */
    for (uint32_t i = 0; i < 100; i++) {
        snprintf(keys[i], sizeof keys[i], "k%u", i);
        CHECK(s4s_hidx_find(&x, 7, eq, NULL, keys[i], strlen(keys[i])) == -1);
        s4s_hidx_add(&x, 7, i);
    }
    CHECK(s4s_hidx_find(&x, 7, eq, NULL, "k42", 3) == 42);
    CHECK(s4s_hidx_find(&x, 7, eq, NULL, "k100", 4) == -1);
    CHECK(x.len * 2 <= x.cap);
    s4s_hidx_reset(&x);
    CHECK(s4s_hidx_find(&x, 7, eq, NULL, "k42", 3) == -1);
    /* real hashes, enough keys to grow several times */
    unsigned found = 0;
    for (uint32_t i = 0; i < 5000; i++) {
        snprintf(keys[i], sizeof keys[i], "key-%u", i);
        s4s_hidx_add(&x, s4s_hash_str(keys[i], S4S_HASH_SEED), i);
    }
    for (uint32_t i = 0; i < 5000; i++)
        found += s4s_hidx_find(&x, s4s_hash_str(keys[i], S4S_HASH_SEED), eq, NULL, keys[i],
                               strlen(keys[i])) == (int64_t)i;
    CHECK(found == 5000);
    CHECK(s4s_hash("abc", 3, S4S_HASH_SEED) == s4s_hash_str("abc", S4S_HASH_SEED));
    s4s_hidx_free(&x);
}

/* s4s_count_nl against a byte loop: lengths around the 8-, 16- and
 * 64-byte steps and past 255 blocks (a lane would wrap), unaligned starts,
 * newlines dense and sparse; with AVX-512 (where the CPU has it) and
 * without */
static void test_count_nl(void)
{
    static unsigned char b[9000];
    unsigned bad = 0;
    uint32_t x = 12345;
    for (unsigned density = 1; density <= 64; density *= 4) {
        for (size_t i = 0; i < sizeof b; i++) {
            x = x * 1103515245u + 12345u;
            b[i] = (x >> 16) % density == 0 ? '\n' : 'a';
        }
        for (size_t off = 0; off < 4; off += 3)
            for (size_t len = 0; off + len < sizeof b; len += len < 400 ? 1 : 997) {
                uint64_t want = 0;
                for (size_t i = off; i < off + len; i++)
                    want += b[i] == '\n';
                bad += s4s_count_nl(b + off, b + off + len) != want;
                bad += s4s_count_nl_at(b + off, b + off + len, false) != want;
            }
    }
    CHECK(bad == 0);
}

int main(void)
{
    test_hidx();
    test_count_nl();
    return UNIT_DONE();
}
