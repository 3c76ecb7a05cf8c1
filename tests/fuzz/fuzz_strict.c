/*
 * fuzz_strict.c - libFuzzer harness, differential: a unit fed through
 * s4s_sax_feed_unit, or a stream through s4s_sax_feed (the strict check
 * and replay, strict.h, then yajl for the rest) must give the consumer
 * exactly what feeding the same pieces to yajl alone gives: every event with its offset and value, every broken unit, the
 * return code and message, idleness and offset at the end; and a string
 * said to be valid UTF-8 must be.
 *
 * The first byte picks the framing, whether the consumer streams (a break
 * is fatal), a hard depth of 3 or 1024, how many input-block cuts follow
 * (two bytes each, taken modulo the unit's length, kept when ascending),
 * and whether the bytes are a unit or the start of a stream (s4s_sax_feed
 * replays whole lines too, once the framing is one value per line); the
 * rest is the input.  tests/unit/test_strict.c runs the
 * same comparison on generated documents.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../filter/base/text.h"
#include "../../filter/sax.h"

#define STRICT_LOG_MAX (1 << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* --- the consumer: every call, written down --------------------------------- */

typedef struct rec {
    char   log[STRICT_LOG_MAX];
    size_t n;
    bool   streaming;
    bool   lied;      /* a string said to be UTF-8 was not */
} rec;

static void say(rec *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(rec *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(r->log + r->n, STRICT_LOG_MAX - r->n, fmt, ap);
    va_end(ap);
    if (k > 0)
        r->n = r->n + (size_t)k < STRICT_LOG_MAX ? r->n + (size_t)k : STRICT_LOG_MAX - 1;
}

static void bytes(rec *r, const char *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        say(r, "%02x", (unsigned char)v[i]);
}

static s4s_rc c_unit(void *c, uint64_t off, uint64_t line) { say(c, "U%llu:%llu ", (unsigned long long)off, (unsigned long long)line); return S4S_OK; }
static s4s_rc c_null(void *c, uint64_t off) { say(c, "n%llu ", (unsigned long long)off); return S4S_OK; }
static s4s_rc c_bool(void *c, bool b, uint64_t off) { say(c, "b%d@%llu ", b, (unsigned long long)off); return S4S_OK; }
static s4s_rc c_num(void *c, const char *v, size_t n, uint64_t off)
{
    say(c, "#%.*s@%llu ", (int)n, v, (unsigned long long)off);
    return S4S_OK;
}
static s4s_rc c_str(void *c, const char *v, size_t n, bool utf8, uint64_t off)
{
    say(c, "s@%llu:", (unsigned long long)off);
    bytes(c, v, n);
    say(c, " ");
    /* the flag says what is known of the chunk, so it may differ with the
     * pieces; it may only say what is true */
    if (utf8 && !s4s_text_utf8_ok(v, n))
        ((rec *)c)->lied = true;
    return S4S_OK;
}
static s4s_rc c_key(void *c, const char *k, size_t n, uint64_t off)
{
    say(c, "k@%llu:", (unsigned long long)off);
    bytes(c, k, n);
    say(c, " ");
    return S4S_OK;
}
static s4s_rc c_open_m(void *c, uint64_t off) { say(c, "{%llu ", (unsigned long long)off); return S4S_OK; }
static s4s_rc c_close_m(void *c, uint64_t off) { say(c, "}%llu ", (unsigned long long)off); return S4S_OK; }
static s4s_rc c_open_a(void *c, uint64_t off) { say(c, "[%llu ", (unsigned long long)off); return S4S_OK; }
static s4s_rc c_close_a(void *c, uint64_t off) { say(c, "]%llu ", (unsigned long long)off); return S4S_OK; }
static s4s_rc c_broken(void *c, const char *reason, uint64_t off, uint64_t line, uint64_t cap_end)
{
    say(c, "BROKEN(%s)@%llu:%llu-%llu ", reason, (unsigned long long)off, (unsigned long long)line,
        (unsigned long long)cap_end);
    return S4S_OK;
}
static void c_cut(void *c, const char *reason, uint64_t off) { say(c, "CUT(%s)@%llu ", reason, (unsigned long long)off); }
static bool c_streaming(void *c) { return ((rec *)c)->streaming; }

static const s4s_sax_callbacks cbs = {
    c_unit, c_null, c_bool, c_num, c_str, c_open_m, c_key, c_close_m, c_open_a, c_close_a,
    c_broken, c_cut, c_streaming,
};

/* --- the comparison ---------------------------------------------------------------- */

/* How p[0..n) is parsed, cut into pieces at cuts: as one unit at offset
 * 1000, line 7 (rebased, in the framing given), or as the start of a
 * stream (which learns its framing); by yajl alone or with the replay. */
enum how { UNIT_YAJL, UNIT_STRICT, STREAM_YAJL, STREAM_STRICT };

static void strict_run(const unsigned char *p, size_t n, enum how how, s4s_sax_mode mode,
                       bool streaming, const size_t *cuts, size_t ncuts, unsigned hard_depth, rec *r,
                       s4s_rc *rc, char *msg)
{
    r->n = 0;
    r->log[0] = '\0';
    r->streaming = streaming;
    r->lied = false;
    s4s_sax *sax = s4s_sax_new(1 << 20, hard_depth, NULL, NULL);
    s4s_sax_set_callbacks(sax, &cbs, r);
    if (how == UNIT_YAJL || how == STREAM_YAJL)
        s4s_sax_yajl_only(sax);
    if (how == UNIT_YAJL || how == UNIT_STRICT)
        s4s_sax_rebase(sax, 1000, 7, mode);
    if (how == UNIT_STRICT) {
        *rc = s4s_sax_feed_unit(sax, p, n, cuts, ncuts);
    } else {
        size_t at = 0;
        *rc = S4S_OK;
        for (size_t k = 0; k <= ncuts && !*rc; k++) {
            size_t end = k < ncuts ? cuts[k] : n;
            *rc = s4s_sax_feed(sax, p + at, end - at);
            at = end;
        }
    }
    say(r, "| idle %d off %llu", s4s_sax_idle(sax), (unsigned long long)s4s_sax_offset(sax));
    if (!*rc)
        *rc = s4s_sax_finish(sax);
    snprintf(msg, 320, "%s", s4s_sax_errmsg(sax));
    s4s_sax_free(sax);
}

static rec strict_a, strict_b;

/* The two parses of p[0..n), by yajl alone and with the replay, as a unit
 * or as a stream, agree; when not, *why says how (both logs). */
static bool strict_same(const unsigned char *p, size_t n, bool stream, s4s_sax_mode mode,
                        bool streaming, unsigned hard, const size_t *cuts, size_t ncuts, char *why,
                        size_t whylen)
{
    s4s_rc a, b;
    char ma[320], mb[320];
    strict_run(p, n, stream ? STREAM_YAJL : UNIT_YAJL, mode, streaming, cuts, ncuts, hard, &strict_a,
               &a, ma);
    strict_run(p, n, stream ? STREAM_STRICT : UNIT_STRICT, mode, streaming, cuts, ncuts, hard,
               &strict_b, &b, mb);
    bool same = a == b && !strcmp(ma, mb) && strict_a.n == strict_b.n &&
                !memcmp(strict_a.log, strict_b.log, strict_a.n) && !strict_a.lied && !strict_b.lied;
    if (!same)
        snprintf(why, whylen, "yajl:   rc %d %s %s\nstrict: rc %d %s %s", a, ma, strict_a.log, b, mb,
                 strict_b.log);
    return same;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    unsigned h = data[0], want = h >> 3 & 7;
    data++;
    size--;
    size_t raw[8], nraw = 0, cuts[8], ncuts = 0;
    for (; want && size >= 2; want--, data += 2, size -= 2)
        raw[nraw++] = (size_t)(data[0] | data[1] << 8);
    for (size_t k = 0; k < nraw && size > 1; k++) {
        size_t c = raw[k] % size;
        if (c > (ncuts ? cuts[ncuts - 1] : 0))
            cuts[ncuts++] = c;
    }
    static char why[2 * STRICT_LOG_MAX + 1024];
    if (!strict_same(data, size, h & 0x40, h & 1 ? S4S_SAX_LINES : S4S_SAX_MULTI, h & 2,
                     h & 4 ? 3 : 1024, cuts, ncuts, why, sizeof why)) {
        fprintf(stderr, "%s\n", why);
        abort();
    }
    return 0;
}
