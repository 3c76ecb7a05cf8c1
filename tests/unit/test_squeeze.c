/*
 * test_squeeze.c - squeeze.c against a byte-by-byte reference: the same
 * bytes dropped, every kept byte mapped back to itself in the input, and
 * tokens never merged.
 */
#include "unit.h"
#include "../../filter/squeeze.h"

#include <stdlib.h>
#include <string.h>

static bool blank(unsigned char c) { return c == ' ' || c == '\t' || c == '\r'; }
static bool sep(unsigned char c) { return c && strchr("{}[],:\"\n", c); }

/* The reference: one byte at a time, each blank run judged by its
 * neighbours, a string ended by an unescaped quote. */
static size_t reference(const unsigned char *in, size_t n, unsigned char *out, size_t *runs)
{
    size_t len = 0;
    *runs = 0;
    bool str = false, esc = false;
    for (size_t i = 0; i < n;) {
        unsigned char c = in[i];
        if (str) {
            if (esc)
                esc = false;
            else if (c == '\\')
                esc = true;
            else if (c == '"')
                str = false;
            out[len++] = c;
            i++;
        } else if (blank(c)) {
            size_t b = i;
            while (b < n && blank(in[b]))
                b++;
            if (!((i > 0 && sep(in[i - 1])) || (b < n && sep(in[b]))))
                for (size_t k = i; k < b; k++)
                    out[len++] = in[k];
            else
                ++*runs;
            i = b;
        } else {
            str = c == '"';
            out[len++] = c;
            i++;
        }
    }
    return len;
}

static void check_one(const unsigned char *in, size_t n, bool want_made)
{
    static unsigned char ref[1 << 16];
    size_t runs, rl = reference(in, n, ref, &runs);
    s4s_arena *a = s4s_arena_new(1 << 16);
    s4s_squeeze sq;
    bool made = s4s_squeeze_make(a, in, n, &sq);
    /* declined: too short, too little to drop, or more runs than the map holds */
    CHECK(made == (n >= 64 && n - rl >= n / 4 && runs <= n / 8));
    if (want_made)
        CHECK(made);
    if (made) {
        CHECK(sq.len == rl && !memcmp(sq.p, ref, rl));
        size_t hint = 0;
        uint64_t prev = 0;
        unsigned bad = 0;
        for (size_t c = 0; c < sq.len; c++) {
            uint64_t o = s4s_squeeze_orig(&sq, c, &hint);
            bad += o >= n || in[o] != sq.p[c] || (c && o <= prev);
            prev = o;
        }
        CHECK(bad == 0);
        CHECK(s4s_squeeze_orig(&sq, sq.len, &hint) == n);
        /* the inline step for rising offsets, with jumps: the same answers */
        size_t r1 = 0, r2 = 0;
        bad = 0;
        for (size_t c = 0; c < sq.len; c += 1 + c % 5)
            bad += s4s_squeeze_next(&sq, c, &r1) != s4s_squeeze_orig(&sq, c, &r2);
        CHECK(bad == 0);
        /* asked out of order: the same answers */
        for (size_t k = 0; k < 200 && sq.len; k++) {
            size_t c = (k * 7919) % sq.len, h2 = (k * 31) % (sq.runs + 2), h3 = 0;
            CHECK(s4s_squeeze_orig(&sq, c, &h2) == s4s_squeeze_orig(&sq, c, &h3));
        }
    }
    s4s_arena_free(a);
}

static void test_random(void)
{
    static const char *const bits[] = {"{", "}", "[", "]", "\"", "\"ab cd\"", ":", ",", "\n", "  ",
                                        "    ", "\t", "\r\n", "\\", "\"\\\" \"", "tru e", "1 2", "x",
                                        "\"\\\\\" ", "\n        "};
    static unsigned char in[1 << 15];
    uint64_t seed = 0x2545f4914f6cdd1dull;
    for (int round = 0; round < 6000; round++) {
        s4s_squeeze_simd(round < 3000); /* AVX-512 where the CPU has it, then baseline */
        size_t n = 0, want = 64 + (size_t)(seed >> 40) % 3000;
        while (n + 16 < want && n + 16 < sizeof in) {
            seed = seed * 6364136223846793005ull + 1442695040888963407ull;
            unsigned r = (unsigned)(seed >> 33);
            const char *b = bits[r % (sizeof bits / sizeof *bits)];
            size_t l = strlen(b);
            memcpy(in + n, b, l);
            n += l;
        }
        check_one(in, n, false);
    }
    s4s_squeeze_simd(true);
}

static void test_pretty(void)
{
    /* pretty JSON: indentation dropped, newlines kept, strings untouched,
     * separate tokens still separate */
    const char *src = "{\n            \"resourceType\" : \"Patient\",\n            \"name\" : [ {\n"
                      "                \"text\" : \"a  b\"\n            } ],\n"
                      "            \"x\" : [ tru e, 1 2, \"q \\\" r\" ],\r\n"
                      "            \"pad\":\"a string long enough to give the map room for every run\",\n"
                      "            \"pad2\":\"another string long enough to give the map room for every run\"\n}\n";
    const char *want = "{\n\"resourceType\":\"Patient\",\n\"name\":[{\n\"text\":\"a  b\"\n}],\n"
                       "\"x\":[tru e,1 2,\"q \\\" r\"],\n"
                       "\"pad\":\"a string long enough to give the map room for every run\",\n"
                       "\"pad2\":\"another string long enough to give the map room for every run\"\n}\n";
    s4s_arena *a = s4s_arena_new(1 << 12);
    s4s_squeeze sq;
    CHECK(s4s_squeeze_make(a, (const unsigned char *)src, strlen(src), &sq));
    CHECK(sq.len == strlen(want) && !memcmp(sq.p, want, sq.len));
    s4s_arena_free(a);
    check_one((const unsigned char *)src, strlen(src), true);
    /* compact input: nothing worth it */
    const char *compact = "{\"resourceType\":\"Observation\",\"status\":\"final\",\"code\":{\"text\":\"x y\"},\"id\":\"1\"}\n";
    a = s4s_arena_new(1 << 12);
    CHECK(!s4s_squeeze_make(a, (const unsigned char *)compact, strlen(compact), &sq));
    s4s_arena_free(a);
}

int main(void)
{
    test_pretty();
    test_random();
    return UNIT_DONE();
}
