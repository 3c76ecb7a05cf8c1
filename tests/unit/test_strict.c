/*
 * test_strict.c - the strict check and replay (strict.h) against yajl, on
 * random documents, valid and damaged, with the comparison of
 * tests/fuzz/fuzz_strict.c (the same events, offsets, breaks and errors
 * either way); the check must take the valid ones, or the fast path is
 * never tested; a saved tape replayed over a copy of the bytes gives the
 * events of the check's own; and what it takes and declines, shape by
 * shape.
 */
#include "unit.h"
#include "../../filter/sax.h"
#include "../../filter/strict.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define DOC_MAX (1 << 16)

static uint32_t rnd(uint64_t *s)
{
    *s = *s * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)(*s >> 33);
}

#define LLVMFuzzerTestOneInput fuzz_strict_one
#include "../fuzz/fuzz_strict.c"
#undef LLVMFuzzerTestOneInput

/* --- documents ------------------------------------------------------------------ */

typedef struct doc {
    char   p[DOC_MAX];
    size_t n;
} doc;

static void put(doc *d, const char *s)
{
    size_t k = strlen(s);
    if (d->n + k < DOC_MAX) {
        memcpy(d->p + d->n, s, k);
        d->n += k;
    }
}

static void gen_ws(doc *d, uint64_t *s)
{
    static const char *const w[] = {"", "", "", " ", "  ", "\n  ", "\t", "\r\n", " \n    "};
    put(d, w[rnd(s) % 9]);
}

static void gen_string(doc *d, uint64_t *s)
{
    static const char *const parts[] = {
        "a", "code", "http://loinc.org", "\\\"", "\\\\", "\\/", "\\n", "\\t", "\\b", "\\f", "\\r",
        "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80", " ", "x1", "abcdefghijklmnopqrstuvwxyz0123456789",
        "\\u00e9", "\\ud83d\\ude00", "\xff", "\x01", "\\x", "\\u12",
    };
    put(d, "\"");
    unsigned n = rnd(s) % 6;
    for (unsigned i = 0; i < n; i++) {
        unsigned k = rnd(s) % 100;
        /* the last six (a \u escape, invalid bytes, bad escapes) now and then */
        put(d, parts[k < 94 ? k % 17 : 17 + k % 6]);
    }
    put(d, "\"");
}

static void gen_value(doc *d, uint64_t *s, unsigned depth)
{
    static const char *const nums[] = {"0", "1", "-1", "12.5", "-0.25", "1e5", "1E+5", "2.5e-3",
                                       "170", "98.6", "-0", "01", "1.", "-", "1e", ".5", "+1"};
    static const char *const lits[] = {"true", "false", "null", "tru", "nul", "truex"};
    unsigned k = rnd(s) % (depth > 6 ? 3 : 5);
    switch (k) {
    case 0:
        gen_string(d, s);
        break;
    case 1: {
        unsigned j = rnd(s) % 100;
        put(d, nums[j < 95 ? j % 11 : 11 + j % 6]);
        break;
    }
    case 2: {
        unsigned j = rnd(s) % 100;
        put(d, lits[j < 97 ? j % 3 : 3 + j % 3]);
        break;
    }
    default: { /* an array (3) or an object, whose members are named */
        bool obj = k != 3;
        put(d, obj ? "{" : "[");
        unsigned n = rnd(s) % (obj ? 5 : 4);
        for (unsigned i = 0; i < n; i++) {
            if (i)
                put(d, ",");
            gen_ws(d, s);
            if (obj) {
                gen_string(d, s);
                gen_ws(d, s);
                put(d, ":");
                gen_ws(d, s);
            }
            gen_value(d, s, depth + 1);
            gen_ws(d, s);
        }
        put(d, obj ? "}" : "]");
        break;
    }
    }
}

/* top-level values, one per line or spanning lines */
static void gen_doc(doc *d, uint64_t *s, bool lines)
{
    d->n = 0;
    unsigned n = 1 + rnd(s) % 5;
    for (unsigned i = 0; i < n; i++) {
        size_t at = d->n;
        gen_value(d, s, 5); /* mostly objects: depth 5 allows them */
        if (d->p[at] != '{' && rnd(s) % 4) { /* most top-level values are objects */
            d->n = at;
            put(d, "{\"resourceType\":\"Patient\",\"id\":\"x\"}");
        }
        if (lines)
            for (size_t k = at; k < d->n; k++)
                if (d->p[k] == '\n' || d->p[k] == '\r')
                    d->p[k] = ' ';
        put(d, "\n");
    }
}

/* a byte changed, dropped or doubled, now and then */
static void damage(doc *d, uint64_t *s)
{
    if (!d->n || rnd(s) % 3)
        return;
    size_t at = rnd(s) % d->n;
    static const char junk[] = "{}[],:\"\\ \n\f\v0a-.eE\x00\xff";
    switch (rnd(s) % 3) {
    case 0:
        d->p[at] = junk[rnd(s) % (sizeof junk - 1)];
        break;
    case 1:
        memmove(d->p + at, d->p + at + 1, d->n - at - 1);
        d->n--;
        break;
    default:
        if (d->n + 1 < DOC_MAX) {
            memmove(d->p + at + 1, d->p + at, d->n - at);
            d->n++;
        }
        break;
    }
}

/* --- the comparison ---------------------------------------------------------------- */

static char why[2 * STRICT_LOG_MAX + 1024];

static void compare(const doc *d, uint64_t *s, unsigned *differ)
{
    size_t cuts[8], ncuts = 0;
    for (unsigned k = rnd(s) % 4; k > 0 && d->n > 1; k--) { /* ascending, inside (0, n) */
        size_t c = 1 + rnd(s) % (d->n - 1);
        if (!ncuts || c > cuts[ncuts - 1])
            cuts[ncuts++] = c;
    }
    s4s_sax_mode mode = rnd(s) % 2 ? S4S_SAX_LINES : S4S_SAX_MULTI;
    bool streaming = rnd(s) % 4 == 0;
    unsigned hard = rnd(s) % 4 ? 1024 : 3;
    for (int stream = 0; stream < 2; stream++) {
        bool same = strict_same((const unsigned char *)d->p, d->n, stream, mode, streaming, hard, cuts,
                                ncuts, why, sizeof why);
        CHECK(same);
        if (!same && ++*differ <= 3)
            fprintf(stderr, "doc (%s) %.*s\n%s\n", stream ? "stream" : "unit", (int)d->n, d->p, why);
    }
}

/* A number or literal the generator spelled wrong ("01", "1.", "-", "1e",
 * ".5", "+1", "tru", "nul", "truex"), whatever follows it. */
static bool has_bad_token(const doc *d)
{
    static const char *const bad[] = {"01", ".5", "+1", "truex"};
    for (size_t k = 0; k < sizeof bad / sizeof *bad; k++)
        if (memmem(d->p, d->n, bad[k], strlen(bad[k])))
            return true;
    for (size_t k = 0; k + 3 < d->n; k++) {
        const char *p = d->p + k;
        bool digit = p[0] >= '0' && p[0] <= '9', next = p[1] >= '0' && p[1] <= '9';
        if ((digit && p[1] == '.' && !(p[2] >= '0' && p[2] <= '9')) ||
            (digit && p[1] == 'e' && !(p[2] >= '0' && p[2] <= '9') && p[2] != '-') ||
            (p[0] == '-' && !next && !(k && p[-1] == 'e')) ||
            (!memcmp(p, "tru", 3) && p[3] != 'e') || (!memcmp(p, "nul", 3) && p[3] != 'l'))
            return true;
    }
    return false;
}

/* --- a saved tape, replayed elsewhere --------------------------------------------- */

/* each event as text: its kind, its value, where yajl would stand */
typedef struct evlog {
    s4s_buf b;
    size_t *at;
} evlog;

static int ev(void *c, const char *kind, const void *v, size_t n)
{
    evlog *l = c;
    char pos[32];
    snprintf(pos, sizeof pos, "@%zu;", *l->at);
    return s4s_buf_puts(&l->b, kind) && s4s_buf_put(&l->b, v, n) && s4s_buf_puts(&l->b, pos);
}
static int ev_null(void *c) { return ev(c, "n", "", 0); }
static int ev_bool(void *c, int v) { return ev(c, v ? "t" : "f", "", 0); }
static int ev_num(void *c, const char *v, size_t n) { return ev(c, "#", v, n); }
static int ev_str(void *c, const unsigned char *v, size_t n) { return ev(c, "s", v, n); }
static int ev_key(void *c, const unsigned char *v, size_t n) { return ev(c, "k", v, n); }
static int ev_om(void *c) { return ev(c, "{", "", 0); }
static int ev_cm(void *c) { return ev(c, "}", "", 0); }
static int ev_oa(void *c) { return ev(c, "[", "", 0); }
static int ev_ca(void *c) { return ev(c, "]", "", 0); }
static const yajl_callbacks ev_cb = {ev_null, ev_bool, NULL, NULL, ev_num, ev_str,
                                     ev_om, ev_key, ev_cm, ev_oa, ev_ca};

/* p[0..n) passed the check of t: its saved tape, over a copy, gives the
 * events of t's own tape over p (appended to l[1] and l[0]) */
static bool saved_same(s4s_strict *t, const unsigned char *p, size_t n, evlog l[2])
{
    s4s_buf tape;
    s4s_buf_init(&tape, (size_t)1 << 24);
    unsigned char *copy = malloc(n);
    memcpy(copy, p, n);
    size_t at0 = 0, at1 = 0;
    l[0].at = &at0;
    l[1].at = &at1;
    s4s_buf_clear(&l[0].b);
    s4s_buf_clear(&l[1].b);
    bool ok = s4s_strict_save(t, &tape) && tape.len > 0 &&
              s4s_strict_replay_saved(t, tape.p, tape.len, copy, &ev_cb, &l[1], &at1) &&
              s4s_strict_replay(t, p, &ev_cb, &l[0], &at0) && l[0].b.len == l[1].b.len &&
              !memcmp(l[0].b.p, l[1].b.p, l[0].b.len) && at0 == at1 && at0 == n;
    free(copy);
    s4s_buf_free(&tape);
    return ok;
}

static doc dd;
static s4s_strict *tt;
static evlog logs[2];

static void test_random(void)
{
    uint64_t s = 42;
    unsigned differ = 0, taken = 0, valid = 0;
    for (unsigned round = 0; round < 20000; round++) {
        gen_doc(&dd, &s, round % 2);
        /* every undamaged object of only what the check takes is taken */
        bool plain = !memmem(dd.p, dd.n, "\\u", 2) && !memchr(dd.p, '\xff', dd.n) &&
                     !memchr(dd.p, '\x01', dd.n) && !memmem(dd.p, dd.n, "\\x", 2);
        if (plain && dd.p[0] == '{') {
            size_t end = s4s_strict_check(tt, (const unsigned char *)dd.p, dd.n, 1024);
            /* the bad number shapes and literals are rare: skip those docs */
            bool good_nums = !has_bad_token(&dd);
            if (good_nums) {
                valid++;
                taken += end > 0;
            }
            if (end) {
                bool same = saved_same(tt, (const unsigned char *)dd.p, end, logs);
                CHECK(same);
                if (!same && ++differ <= 3)
                    fprintf(stderr, "saved tape differs on %.*s\n", (int)end, dd.p);
            }
        }
        damage(&dd, &s);
        compare(&dd, &s, &differ);
    }
    CHECK(valid > 1000);
    CHECK(taken == valid);
    printf("strict: %u plain documents, %u taken by the check\n", valid, taken);
}

/* what the check takes and declines, one shape at a time */
static void test_check(void)
{
    static const struct { const char *json; size_t want; } t[] = {
        {"{}", 2},
        {"{} ", 2},
        {"{\"a\":1}", 7},
        {"{\"a\":[1,2.5,-0,1e5,true,false,null,\"x\"]}", 40},
        {"{\"a\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"}", 24},
        {"{ \"a\" : { } , \"b\" : [ ] }", 25},
        {"{\"a\":\"\\u00e9\"}", 0},   /* \u: yajl decodes it */
        {"{\"a\":\"x\ty\"}", 0},      /* control character in a string */
        {"{\"a\":01}", 0},
        {"{\"a\":1.}", 0},
        {"{\"a\":-}", 0},
        {"{\"a\":1e}", 0},
        {"{\"a\":tru}", 0},
        {"{\"a\":truex}", 0},
        {"{\"a\":1,}", 0},
        {"{\"a\"}", 0},
        {"{\"a\":1]", 0},
        {"{\"a\":[1}", 0},
        {"{\f}", 0},                  /* whitespace only yajl skips */
        {"{\"a\":1", 0},              /* cut short */
        {"[1]", 0},                   /* not an object */
        {"{\"a\":\"x}", 0},
    };
    for (size_t i = 0; i < sizeof t / sizeof *t; i++) {
        size_t got = s4s_strict_check(tt, (const unsigned char *)t[i].json, strlen(t[i].json), 1024);
        if (got != t[i].want)
            fprintf(stderr, "check %s: %zu, want %zu\n", t[i].json, got, t[i].want);
        CHECK(got == t[i].want);
    }
    /* nesting: at most max_depth levels */
    const unsigned char *nest = (const unsigned char *)"{\"a\":{\"b\":[]}}";
    CHECK(s4s_strict_check(tt, nest, 14, 3) == 14);
    CHECK(s4s_strict_check(tt, nest, 14, 2) == 0);
    /* tokens: at most the tape's cap ({ k 1 k 2 } is six) */
    const unsigned char *six = (const unsigned char *)"{\"a\":1,\"b\":2}";
    s4s_strict *small = s4s_strict_new(5, 64);
    CHECK(s4s_strict_check(small, six, 13, 8) == 0);
    s4s_strict_free(small);
    small = s4s_strict_new(6, 64);
    CHECK(s4s_strict_check(small, six, 13, 8) == 13);
    s4s_strict_free(small);
}

int main(void)
{
    tt = s4s_strict_new(1 << 16, 1 << 16);
    s4s_buf_init(&logs[0].b, (size_t)1 << 24);
    s4s_buf_init(&logs[1].b, (size_t)1 << 24);
    test_check();
    test_random();
    s4s_buf_free(&logs[0].b);
    s4s_buf_free(&logs[1].b);
    s4s_strict_free(tt);
    return UNIT_DONE();
}
