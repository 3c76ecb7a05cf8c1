/*
 * test_base.c - unit tests of filter/base pieces not covered elsewhere:
 * the shared hash index (collisions, growth, find after growth).
 */
#include "unit.h"
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

int main(void)
{
    test_hidx();
    return UNIT_DONE();
}
