/*
 * fuzz_encoding.c - libFuzzer harness for --input-encoding: the ICU charset
 * converter of filter/base/text.c (s4s_conv_*) and the whole pipe with
 * opts.input_encoding set.
 *
 * Byte 0 picks the charset (one past the table: the charset name is read
 * from the input up to a NUL, so unknown and odd names are tried too);
 * byte 1 the piece size for the streaming run and pipe options.
 * Invariants checked (abort() on violation):
 *  - the output is valid UTF-8 (NUL bytes aside: they pass through);
 *  - converting in pieces gives exactly the bytes and the verdict of
 *    converting at once;
 *  - a charset the converter accepts is accepted by the pipe, and the pipe
 *    keeps resources_in == resources_out + resources_rejected.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../filter/base/text.h"
#include "../../filter/s4s.h"
#include "../../terminology/embedded.h"
#include "../../terminology/term.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const enc_names[] = {
    "windows-1252", "ISO-8859-1", "ISO-8859-15", "windows-1251", "KOI8-R", "macintosh", "IBM437",
    "IBM037", "US-ASCII", "UTF-8", "CESU-8", "UTF-16", "UTF-16LE", "UTF-16BE", "UTF-32", "UTF-32BE",
    "UTF-7", "SCSU", "BOCU-1", "Shift_JIS", "EUC-JP", "ISO-2022-JP", "GB18030", "GBK", "Big5",
    "EUC-KR", "ISO-2022-KR", "HZ-GB-2312", "ISCII,version=0", "LMBCS-1", "IMAP-mailbox-name"};
#define ENC_N (sizeof enc_names / sizeof enc_names[0])

/* UTF-8 validity of s[0..n), NUL bytes allowed. */
static bool enc_utf8(const char *s, size_t n)
{
    while (n) {
        const char *z = memchr(s, '\0', n);
        size_t k = z ? (size_t)(z - s) : n;
        if (!s4s_text_utf8_ok(s, k))
            return false;
        if (!z)
            break;
        s += k + 1;
        n -= k + 1;
    }
    return true;
}

/* Convert all of p[0..n) in pieces of `step` (0: at once). */
static s4s_rc enc_run(const char *cs, const char *p, size_t n, size_t step, s4s_buf *out)
{
    s4s_conv *c;
    if (s4s_conv_new(cs, &c) != S4S_OK)
        abort();
    s4s_rc rc = S4S_OK;
    size_t i = 0;
    if (step)
        for (; rc == S4S_OK && i + step < n; i += step)
            rc = s4s_conv_run(c, p + i, step, false, out);
    if (rc == S4S_OK)
        rc = s4s_conv_run(c, p + i, n - i, true, out);
    s4s_conv_free(c);
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static FILE *null;
    if (!null) {
        null = fopen("/dev/null", "w");
        s4s_term_set_embedded(s4s_default_db, s4s_default_db_len);
    }
    if (size < 2)
        return 0;
    uint8_t pick = data[0], step = data[1];
    const char *p = (const char *)data + 2;
    size_t n = size - 2;
    char name[64];
    if (pick % (ENC_N + 1) < ENC_N) {
        snprintf(name, sizeof name, "%s", enc_names[pick % (ENC_N + 1)]);
    } else {
        const char *z = memchr(p, '\0', n);
        size_t k = z ? (size_t)(z - p) : n;
        if (k >= sizeof name)
            return 0;
        memcpy(name, p, k);
        name[k] = '\0';
        p += k + (z != NULL);
        n -= k + (z != NULL);
    }
    s4s_conv *c;
    if (s4s_conv_new(name, &c) != S4S_OK)
        return 0;
    s4s_conv_free(c);

    s4s_buf whole, pieces;
    s4s_buf_init(&whole, 1u << 22);
    s4s_buf_init(&pieces, 1u << 22);
    s4s_rc r1 = enc_run(name, p, n, 0, &whole);
    s4s_rc r2 = enc_run(name, p, n, step % 17 + 1, &pieces);
    if ((r1 == S4S_OK && !enc_utf8(whole.p, whole.len)) || (r2 == S4S_OK && !enc_utf8(pieces.p, pieces.len)))
        abort();
    if ((r1 == S4S_OK) != (r2 == S4S_OK) ||
        (r1 == S4S_OK && (whole.len != pieces.len || (whole.len && memcmp(whole.p, pieces.p, whole.len)))))
        abort();
    s4s_buf_free(&whole);
    s4s_buf_free(&pieces);

    /* the same bytes through the whole pipe */
    s4s_opts o;
    s4s_opts_default(&o);
    o.input_encoding = name;
    o.validate = step & 0x80;
    o.no_terminology = true;
    s4s_outputs io = {.out = null, .reject = null, .report = null, .coverage = null};
    s4s_pipe *pp;
    if (s4s_pipe_new(&o, &io, &pp) != S4S_OK)
        abort();
    size_t chunk = (size_t)(step & 0x7f) + 1;
    for (size_t i = 0; i < n; i += chunk)
        if (s4s_pipe_feed(pp, p + i, n - i < chunk ? n - i : chunk))
            break;
    s4s_pipe_finish(pp);
    const s4s_counts *cnt = s4s_pipe_counts(pp);
    if (cnt->resources_in != cnt->resources_out + cnt->resources_rejected)
        abort();
    s4s_pipe_free(pp);
    return 0;
}
