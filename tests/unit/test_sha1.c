/*
 * test_sha1.c - SHA-1 against the FIPS 180 example vectors, whole and fed
 * in uneven pieces (block boundaries).
 */
#include <stdint.h>
#include <string.h>

#include "unit.h"
#include "../../rules/sha1.h"

static const char *hex(const uint8_t d[20])
{
    static char out[41];
    for (unsigned i = 0; i < 20; i++) snprintf(out + 2 * i, 3, "%02x", d[i]);
    return out;
}

static const char *digest(const char *s, size_t n, size_t step)
{
    s4s_sha1 c;
    uint8_t d[20];
    s4s_sha1_init(&c);
    for (size_t i = 0; i < n; i += step) s4s_sha1_update(&c, s + i, n - i < step ? n - i : step);
    s4s_sha1_final(&c, d);
    return hex(d);
}

int main(void)
{
    static const char two[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    CHECK_STR(digest("", 0, 1), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
    CHECK_STR(digest("abc", 3, 1), "a9993e364706816aba3e25717850c26c9cd0d89d");
    for (size_t step = 1; step <= 64; step *= 3)
        CHECK_STR(digest(two, strlen(two), step), "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
    static char million[1000000];
    memset(million, 'a', sizeof million);
    CHECK_STR(digest(million, sizeof million, 4096), "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
    return UNIT_DONE();
}
