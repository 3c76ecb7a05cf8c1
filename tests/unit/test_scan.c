/*
 * test_scan.c - the boundary scanner: every byte goes out once and in
 * order, units are whole lines / whole objects within the limits, and where
 * they fall does not depend on how the input is chunked.
 *
 * The stream's parser is modelled by a lexer over the bytes it was given
 * (and stepped over): idle when outside any value and string, with the
 * framing the test sets.
 */
#include "unit.h"
#include "../../filter/scan.h"

#include <stdlib.h>
#include <string.h>

#define CAP (1 << 20)

typedef struct model {
    char          all[CAP];     /* what came out, in order */
    size_t        n;
    size_t        units, unit_len[4096], unit_at[4096];
    s4s_sax_mode  mode;         /* the parser's framing */
    long          depth;        /* the parser's view of what it was given */
    int           in_str, esc;
    char          open[64];     /* the brackets open, the first 64 levels */
    unsigned char last;         /* the last byte outside strings and whitespace */
    size_t        items, item_bytes; /* runs of items handed over */
    int           bad;          /* a unit broke the rules */
} model;

/* c, inside a string (*str set): *str cleared at its closing quote, *esc
 * tracking a backslash */
static void string_byte(int *str, int *esc, unsigned char c)
{
    if (*esc)
        *esc = 0;
    else if (c == '\\')
        *esc = 1;
    else if (c == '"')
        *str = 0;
}

/* cuts[0..ncuts) inside a handed-over run of n bytes, rising */
static void check_cuts(model *m, const size_t *cuts, size_t ncuts, size_t n)
{
    for (size_t k = 0; k < ncuts; k++)
        if (cuts[k] == 0 || cuts[k] >= n || (k && cuts[k] <= cuts[k - 1]))
            m->bad++;
}

static void see(model *m, const unsigned char *p, size_t n)
{
    memcpy(m->all + m->n, p, n);
    m->n += n;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = p[i];
        if (c == '\n' && m->mode == S4S_SAX_LINES && (m->in_str || m->depth < 0)) {
            m->in_str = m->esc = 0; /* NDJSON: a broken line ends at its newline */
            m->depth = 0;
        } else if (m->in_str) {
            string_byte(&m->in_str, &m->esc, c);
        } else if (c == '"') {
            m->in_str = 1;
        } else if (c == '{' || c == '[') {
            if (m->depth >= 0 && m->depth < 64)
                m->open[m->depth] = (char)c;
            m->depth++;
        } else if (c == '}' || c == ']') {
            m->depth--;
        }
        if (!m->in_str && c != ' ' && c != '\n' && c != '\t' && c != '\r')
            m->last = c;
    }
}

static s4s_rc stream(void *u, const unsigned char *p, size_t n)
{
    see(u, p, n);
    return S4S_OK;
}

static bool ready(void *u, s4s_sax_mode *mode)
{
    model *m = u;
    *mode = m->mode;
    return m->depth == 0 && !m->in_str;
}

/* a unit: the parser must be idle; lines framing: whole lines that close
 * what they open, their newlines counted right; spanning: objects after
 * whitespace, not counted */
static s4s_rc unit(void *u, const unsigned char *p, size_t n, s4s_sax_mode mode,
                   const size_t *cuts, size_t ncuts, uint64_t nl)
{
    model *m = u;
    check_cuts(m, cuts, ncuts, n);
    uint64_t got = 0;
    for (size_t i = 0; i < n; i++)
        got += p[i] == '\n';
    if (nl != (mode == S4S_SAX_LINES ? got : S4S_NL_UNCOUNTED))
        m->bad++;
    if (!ready(m, &mode) || mode != m->mode)
        m->bad++;
    if (m->units < 4096) {
        m->unit_at[m->units] = m->n;
        m->unit_len[m->units] = n;
    }
    m->units++;
    long d = 0;
    int s = 0, e = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = p[i];
        if (s) {
            if (!e && c == '\n')
                m->bad++;
            string_byte(&s, &e, c);
            continue;
        }
        if (d == 0 && mode == S4S_SAX_MULTI && c != ' ' && c != '\n' && c != '\t' && c != '\r' && c != '{')
            m->bad++;
        if (c == '"') s = 1;
        else if (c == '{' || c == '[') d++;
        else if (c == '}' || c == ']') { if (--d < 0) m->bad++; }
        else if (c == '\n' && mode == S4S_SAX_LINES && d) m->bad++;
    }
    if (d || s || (mode == S4S_SAX_LINES && p[n - 1] != '\n') || (mode == S4S_SAX_MULTI && p[n - 1] != '}'))
        m->bad++;
    see(m, p, n);
    return S4S_OK;
}

static const s4s_scan_sink sink = {stream, unit, ready, NULL, NULL};

/* what sax knows: in an array at level 2 (not whether a comma came) */
static bool item_ready(void *u)
{
    model *m = u;
    return m->depth == 2 && !m->in_str && m->open[1] == '[';
}

/* a run of items: where the parser waits for one (after the array's
 * bracket or a comma), then whole objects separated by one comma each
 * (and whitespace), no longer than max */
static s4s_rc items(void *u, const unsigned char *p, size_t n, const size_t *cuts, size_t ncuts)
{
    model *m = u;
    check_cuts(m, cuts, ncuts, n);
    if (!item_ready(m) || (m->last != '[' && m->last != ',') || p[0] != '{' || p[n - 1] != '}' ||
        n > 4096)
        m->bad++;
    long d = 0;
    int str = 0, e = 0, commas = 1;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = p[i];
        if (str) {
            string_byte(&str, &e, c);
            continue;
        }
        if (d == 0) { /* between items */
            if (c == ',') {
                commas++;
                continue;
            }
            if (c == ' ' || c == '\n' || c == '\t' || c == '\r')
                continue;
            if (c != '{' || commas != 1)
                m->bad++;
            commas = 0;
        }
        if (c == '"') str = 1;
        else if (c == '{' || c == '[') d++;
        else if ((c == '}' || c == ']') && --d < 0) m->bad++;
    }
    if (d || str)
        m->bad++;
    m->items++;
    m->item_bytes += n;
    see(m, p, n);
    return S4S_OK;
}

static const s4s_scan_sink items_sink = {stream, unit, ready, items, item_ready};

/* Runs in through the scanner in chunks of `chunk`; m gets what came out. */
static void run_at(model *m, const char *in, size_t len, size_t chunk, s4s_sax_mode mode,
                   size_t target, size_t max, s4s_scan_lexer widest, bool strict)
{
    memset(m, 0, sizeof *m);
    m->mode = mode;
    s4s_scan *s = s4s_scan_new(target, max, &sink, m);
    s4s_scan_narrow(s, widest);
    s4s_rc rc = S4S_OK;
    for (size_t i = 0; i < len && !rc; i += chunk)
        rc = s4s_scan_feed(s, (const unsigned char *)in + i, len - i < chunk ? len - i : chunk);
    CHECK(rc == S4S_OK && s4s_scan_finish(s) == S4S_OK);
    s4s_scan_free(s);
    CHECK(m->n == len && memcmp(m->all, in, len) == 0);
    CHECK(!strict || m->bad == 0);
}

static void run(model *m, const char *in, size_t len, size_t chunk, s4s_sax_mode mode,
                size_t target, size_t max)
{
    run_at(m, in, len, chunk, mode, target, max, S4S_SCAN_AVX512, true);
}

static void same_units(const model *a, const model *b)
{
    CHECK(a->units == b->units);
    CHECK(a->units <= 4096 && !memcmp(a->unit_at, b->unit_at, a->units * sizeof *a->unit_at));
    CHECK(!memcmp(a->unit_len, b->unit_len, a->units * sizeof *a->unit_len));
}

/* the same input at many chunk sizes: the same units, at the same places */
static void same_at_all_chunks(const char *in, s4s_sax_mode mode, size_t target, size_t max,
                               size_t want_min_units)
{
    static model ref, m;
    size_t len = strlen(in);
    run(&ref, in, len, len, mode, target, max);
    CHECK(ref.units >= want_min_units);
    static const size_t chunks[] = {1, 2, 3, 7, 64, 4096};
    for (int w = S4S_SCAN_SSE2; w <= S4S_SCAN_AVX512; w++)
        for (size_t k = 0; k < sizeof chunks / sizeof *chunks; k++) {
            run_at(&m, in, len, chunks[k], mode, target, max, (s4s_scan_lexer)w, true);
            same_units(&m, &ref);
            for (size_t u = 0; u < m.units && u < 4096; u++)
                CHECK(m.unit_len[u] <= max);
        }
}

static char *cat(char *b, size_t *n, const char *s)
{
    size_t k = strlen(s);
    memcpy(b + *n, s, k + 1);
    *n += k;
    return b;
}

/* The wide block paths (AVX-512 and AVX2, where the CPU has them) and the
 * SSE2 one cut random JSON-like input into the same units: mostly plain
 * blocks, so all take them whole, with brackets, quotes, newlines and the
 * odd escape or stray byte to make them disagree if one miscounts.  Not
 * all of it is JSON (a mismatched bracket still ends a value for the
 * scanner), so the model's complaints need only be the same for all. */
static void test_paths_agree(void)
{
    static const char *const bits[] = {"{", "}", "[", "]", "\"", "\"abcdefghijklmnop\"", ":", ",",
                                        "\n", "  ", "\"a{b[c\"", "\"x]}y\"", "\\", "\"\\\"q\"", "\r\n",
                                        "{\"k\":\"vvvvvvvvvvvvvvvvvvvvvvvvvvvvvv\"}\n"};
    static char in[1 << 16];
    static model a, b, c;
    uint64_t seed = 0x9e3779b97f4a7c15ull;
    for (int round = 0; round < 400; round++) {
        size_t n = 0;
        size_t want = 200 + (size_t)(seed >> 40) % 20000;
        while (n + 64 < want) {
            seed = seed * 6364136223846793005ull + 1442695040888963407ull;
            unsigned r = (unsigned)(seed >> 33);
            /* escapes and bare quotes rare: most blocks stay decidable */
            size_t k = r % 100 < 70 ? 15 : r % 100 < 80 ? 5 : (r >> 8) % (sizeof bits / sizeof *bits);
            cat(in, &n, bits[k]);
        }
        s4s_sax_mode mode = round % 2 ? S4S_SAX_LINES : S4S_SAX_MULTI;
        size_t chunk = round % 3 == 0 ? n : 1 + (size_t)(seed >> 50) % 300;
        run_at(&a, in, n, chunk, mode, 256, 4096, S4S_SCAN_AVX512, false);
        run_at(&b, in, n, chunk, mode, 256, 4096, S4S_SCAN_AVX2, false);
        run_at(&c, in, n, chunk, mode, 256, 4096, S4S_SCAN_SSE2, false);
        same_units(&a, &b);
        same_units(&a, &c);
        CHECK(a.bad == b.bad && a.bad == c.bad);
    }
}

static void test_lines(void)
{
    static char in[CAP / 2];
    size_t n = 0;
    for (int i = 0; i < 2000; i++) {
        char line[160];
        snprintf(line, sizeof line, i % 97 == 5 ? "{\"id\":\"%d\",\"t\":\"a\\\"}{[\\\\\"} {\"x\":1}\r\n"
                                                : "{\"resourceType\":\"Patient\",\"id\":\"p%d\"}\n", i);
        cat(in, &n, line);
        if (i == 700)
            cat(in, &n, "{\"broken\": \"raw\nnewline\"}\n"); /* anomaly: resync */
        if (i == 900)
            cat(in, &n, "}}\n{\"after\":\"stray\"}\n");
        if (i == 1200)
            cat(in, &n, "{\"spans\":\n\"lines\"}\n");
    }
    same_at_all_chunks(in, S4S_SAX_LINES, 1024, 4096, 40);
}

static void test_multi(void)
{
    static char in[CAP / 2];
    size_t n = 0;
    for (int i = 0; i < 300; i++) {
        char v[256];
        snprintf(v, sizeof v, "{\n  \"resourceType\": \"Bundle\",\n  \"entry\": [\n    {\"id\": \"%d\", \"s\": \"}]\\\"\"}\n  ]\n}%s",
                 i, i % 4 ? "\n" : "");
        cat(in, &n, v);
        if (i == 100)
            cat(in, &n, "[1, 2]\n42\n"); /* not objects: streamed */
        if (i == 200) { /* larger than a unit: streamed whole */
            cat(in, &n, "{\"big\": [");
            for (int k = 0; k < 500; k++)
                cat(in, &n, "\"xxxxxxxxxxxxxxxxxxxx\",\n");
            cat(in, &n, "0]}\n");
        }
    }
    same_at_all_chunks(in, S4S_SAX_MULTI, 512, 4096, 40);
}

/* A value larger than max streams, and runs of its items go to the items
 * sink: whole objects in an array at level 2, each begun where the parser
 * waits for one, the same runs whatever the chunks and block paths; not
 * after a scalar item without its comma, nor across a missing comma, nor
 * in an object at level 2. */
static void test_items(void)
{
    static char in[CAP / 2];
    static model m;
    size_t n = 0;
    cat(in, &n, "{\"resourceType\":\"Bundle\",\"meta\":{\"tag\":{\"code\":\"x\"},\"t\":[{\"a\":1}]},\"entry\":[");
    for (int i = 0; i < 400; i++) {
        char e[200];
        snprintf(e, sizeof e, "%s{\"fullUrl\":\"u%d\",\"resource\":{\"id\":\"r]}%d\",\"a\":[{\"b\":[1,{}]}]}}",
                 i == 0 ? "" : i % 50 == 7 ? ",7 " : i % 50 == 20 ? " " : i % 9 ? "," : ",\n  ", i, i);
        cat(in, &n, e);
        if (i % 50 == 30)
            cat(in, &n, ",[{\"x\":1},{\"y\":2}]");
    }
    cat(in, &n, "],\"type\":\"collection\"}\n");
    size_t first_items = 0, first_bytes = 0;
    static const size_t chunks[] = {1, 3, 64, 100, 4096, 1 << 20};
    for (int w = S4S_SCAN_SSE2; w <= S4S_SCAN_AVX512; w++)
        for (size_t k = 0; k < sizeof chunks / sizeof *chunks; k++) {
            memset(&m, 0, sizeof m);
            m.mode = S4S_SAX_MULTI;
            s4s_scan *s = s4s_scan_new(512, 4096, &items_sink, &m);
            s4s_scan_narrow(s, (s4s_scan_lexer)w);
            s4s_rc rc = S4S_OK;
            for (size_t i = 0; i < n && !rc; i += chunks[k])
                rc = s4s_scan_feed(s, (const unsigned char *)in + i, n - i < chunks[k] ? n - i : chunks[k]);
            CHECK(rc == S4S_OK && s4s_scan_finish(s) == S4S_OK);
            s4s_scan_free(s);
            CHECK(m.n == n && memcmp(m.all, in, n) == 0);
            CHECK(m.bad == 0);
            CHECK(m.units == 0);
            /* most of the entries went as items (chunks of 1 byte too) */
            CHECK(m.item_bytes > n / 2);
            /* and the same runs whatever the chunks */
            if (!w && !k) {
                first_items = m.items;
                first_bytes = m.item_bytes;
            }
            CHECK(m.items == first_items && m.item_bytes == first_bytes);
        }
}

/* before the framing is known nothing is a unit */
static void test_unknown(void)
{
    static model m;
    const char *in = "{\"a\":1}\n{\"b\":2}\n";
    run(&m, in, strlen(in), 3, S4S_SAX_UNKNOWN, 4, 64);
    CHECK(m.units == 0);
}

int main(void)
{
    test_lines();
    test_multi();
    test_unknown();
    test_items();
    test_paths_agree();
    return UNIT_DONE();
}
