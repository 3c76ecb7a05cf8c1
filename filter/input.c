/*
 * input.c - gzip detection and inflation, charset conversion, BOM removal.
 *
 * Invariants: memory is two fixed blocks (inflate output, conversion output)
 * whatever the input; inflation itself is inflate.h's (zlib or ISA-L); the
 * first bytes are held back only until the format (2 bytes), UTF-16/32
 * (4 bytes, without --input-encoding) and the BOM (3 bytes) are decided;
 * between gzip members only another member or zero padding may follow.
 */
#include "input.h"
#include "base/alloc.h"
#include "base/buf.h"
#include "inflate.h"
#include "base/text.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum fmt { F_DETECT, F_PLAIN, F_GZIP, F_BETWEEN };

struct s4s_input {
    s4s_sink_fn   sink;
    void         *u;
    enum fmt      fmt;
    unsigned char head[2];
    size_t        head_len;
    s4s_inflater *z;
    bool          z_mid;           /* a member is started, not finished */
    uint64_t      z_in;            /* compressed bytes the inflater consumed */
    unsigned char *zout;
    s4s_conv     *conv;
    s4s_buf       cbuf;
    unsigned char sn[4];           /* first bytes, held to recognise UTF-16/32 */
    size_t        sn_len;
    bool          sniffed;
    unsigned char bom[3];
    size_t        bom_len;
    bool          bom_done;
    uint64_t      in, out;
    char          err[200];
};

s4s_rc s4s_input_new(const char *charset, s4s_sink_fn sink, void *u, s4s_input **out)
{
    s4s_input *in = s4s_xcalloc(1, sizeof *in);
    *out = in; /* the caller frees it, also after an error */
    in->sink = sink;
    in->u = u;
    if (charset && *charset) {
        s4s_rc rc = s4s_conv_new(charset, &in->conv);
        if (rc) {
            *out = NULL;
            free(in);
            return rc;
        }
        s4s_buf_init(&in->cbuf, 4 * S4S_INPUT_BLOCK);
    }
    return S4S_OK;
}

void s4s_input_free(s4s_input *in)
{
    if (!in)
        return;
    s4s_inflater_free(in->z);
    free(in->zout);
    s4s_conv_free(in->conv);
    if (in->conv)
        s4s_buf_free(&in->cbuf);
    free(in);
}

const char *s4s_input_errmsg(const s4s_input *in) { return in->err; }

/* UTF-8 bytes to the sink, minus a leading BOM */
static s4s_rc deliver(s4s_input *in, const unsigned char *p, size_t n)
{
    if (!in->bom_done) {
        while (n && in->bom_len < 3) {
            in->bom[in->bom_len++] = *p++;
            n--;
            if (memcmp(in->bom, "\xEF\xBB\xBF", in->bom_len) != 0) {
                in->bom_done = true;
                in->out += in->bom_len;
                s4s_rc rc = in->sink(in->u, in->bom, in->bom_len);
                if (rc)
                    return rc;
                break;
            }
        }
        if (!in->bom_done && in->bom_len == 3) /* a whole BOM: drop it */
            in->bom_done = true;
        if (!in->bom_done || !n)
            return S4S_OK;
    }
    in->out += n;
    return in->sink(in->u, p, n);
}

/* UTF-16/32 by a BOM, or by the NULs around JSON's first (ASCII)
 * character; NULL for anything else */
static const char *wide_charset(const unsigned char *b, size_t k)
{
    if (k >= 4 && !b[0] && !b[1] && b[2] == 0xFE && b[3] == 0xFF) return "UTF-32BE";
    if (k >= 4 && b[0] == 0xFF && b[1] == 0xFE && !b[2] && !b[3]) return "UTF-32LE";
    if (k >= 2 && b[0] == 0xFE && b[1] == 0xFF) return "UTF-16BE";
    if (k >= 2 && b[0] == 0xFF && b[1] == 0xFE) return "UTF-16LE";
    if (k >= 4 && !b[0] && !b[1] && !b[2] && b[3] && b[3] < 0x80) return "UTF-32BE";
    if (k >= 4 && b[0] && b[0] < 0x80 && !b[1] && !b[2] && !b[3]) return "UTF-32LE";
    if (k >= 2 && !b[0] && b[1] && b[1] < 0x80) return "UTF-16BE";
    if (k >= 2 && b[0] && b[0] < 0x80 && !b[1]) return "UTF-16LE";
    return NULL;
}

/* Without --input-encoding: hold the first 4 bytes, then name UTF-16/32
 * instead of letting the parser call it malformed JSON. */
static s4s_rc sniff(s4s_input *in, const unsigned char *p, size_t n, bool end)
{
    while (n && in->sn_len < sizeof in->sn) {
        in->sn[in->sn_len++] = *p++;
        n--;
    }
    if (in->sn_len < sizeof in->sn && !end)
        return S4S_OK;
    in->sniffed = true;
    const char *cs = wide_charset(in->sn, in->sn_len);
    if (cs) {
        snprintf(in->err, sizeof in->err, "input looks like %s; use --input-encoding=%s", cs, cs);
        return S4S_ERR_ENCODING;
    }
    s4s_rc rc = deliver(in, in->sn, in->sn_len);
    return rc || !n ? rc : deliver(in, p, n);
}

static s4s_rc emit(s4s_input *in, const unsigned char *p, size_t n, bool flush)
{
    if (!in->conv)
        return in->sniffed ? deliver(in, p, n) : sniff(in, p, n, false);
    s4s_buf_clear(&in->cbuf);
    s4s_rc rc = s4s_conv_run(in->conv, (const char *)p, n, flush, &in->cbuf);
    if (rc == S4S_ERR_ENCODING) {
        /* the text before the bad sequence goes on, then the stream stops */
        s4s_rc drc = deliver(in, (const unsigned char *)in->cbuf.p, in->cbuf.len);
        snprintf(in->err, sizeof in->err,
                 "input is not valid in the given --input-encoding at %sbyte %llu",
                 in->fmt == F_PLAIN ? "" : "uncompressed ",
                 (unsigned long long)s4s_conv_bad_at(in->conv));
        return drc ? drc : rc;
    }
    if (rc) {
        snprintf(in->err, sizeof in->err,
                 "input is not valid in the given --input-encoding near input byte %llu",
                 (unsigned long long)in->in);
        return rc;
    }
    return deliver(in, (const unsigned char *)in->cbuf.p, in->cbuf.len);
}

static s4s_rc gz_start(s4s_input *in)
{
    if (!in->z) {
        if (!(in->z = s4s_inflater_new()))
            return S4S_ERR_NOMEM;
        in->zout = s4s_xmalloc(S4S_INPUT_BLOCK);
    } else {
        s4s_inflater_reset(in->z);
    }
    in->z_mid = true;
    return S4S_OK;
}

static s4s_rc gz_error(s4s_input *in, const char *what)
{
    snprintf(in->err, sizeof in->err, "gzip: %s at compressed byte %llu (uncompressed %llu)",
             what, (unsigned long long)in->z_in, (unsigned long long)in->out);
    return S4S_ERR_GZIP;
}

/* inflate p[0..n) of the current member, emitting output; *used gets what
 * the member took (less than n when it ended) */
static s4s_rc gz_member(s4s_input *in, const unsigned char *p, size_t n, size_t *used)
{
    *used = 0;
    for (;;) {
        size_t took, got;
        bool end;
        const char *why = NULL;
        s4s_rc rc = s4s_inflater_run(in->z, p + *used, n - *used, &took, in->zout,
                                     S4S_INPUT_BLOCK, &got, &end, &why);
        *used += took;
        in->z_in += took;
        if (rc)
            return rc == S4S_ERR_GZIP ? gz_error(in, why) : rc;
        if (got && (rc = emit(in, in->zout, got, false)))
            return rc;
        if (end) {
            in->z_mid = false;
            in->fmt = F_BETWEEN;
            return S4S_OK;
        }
        if (*used == n && got < S4S_INPUT_BLOCK)
            return S4S_OK; /* needs more input */
    }
}

static s4s_rc gz_feed(s4s_input *in, const unsigned char *p, size_t n)
{
    while (n) {
        if (in->fmt == F_BETWEEN) {
            /* after a member: another member, or zero padding */
            if (*p == 0) {
                p++, n--;
                in->z_in++;
                continue;
            }
            if (in->head_len == 0 && *p != 0x1f)
                return gz_error(in, "trailing garbage after the last member");
            in->head[in->head_len++] = *p++;
            n--;
            if (in->head_len < 2)
                continue;
            if (in->head[1] != 0x8b)
                return gz_error(in, "trailing garbage after the last member");
            in->head_len = 0;
            in->fmt = F_GZIP;
            s4s_rc rc = gz_start(in);
            size_t used;
            static const unsigned char magic[2] = {0x1f, 0x8b};
            if (rc || (rc = gz_member(in, magic, 2, &used)))
                return rc;
            continue;
        }
        size_t used;
        s4s_rc rc = gz_member(in, p, n, &used);
        if (rc)
            return rc;
        p += used;
        n -= used;
    }
    return S4S_OK;
}

s4s_rc s4s_input_feed(s4s_input *in, const unsigned char *p, size_t n)
{
    in->in += n;
    if (in->fmt == F_DETECT) {
        while (n && in->head_len < 2) {
            in->head[in->head_len++] = *p++;
            n--;
        }
        if (in->head_len < 2)
            return S4S_OK;
        if (in->head[0] == 0x1f && in->head[1] == 0x8b) {
            in->fmt = F_GZIP;
            s4s_rc rc = gz_start(in);
            if (rc)
                return rc;
            unsigned char h[2] = {in->head[0], in->head[1]};
            in->head_len = 0;
            rc = gz_feed(in, h, 2);
            if (rc)
                return rc;
        } else {
            in->fmt = F_PLAIN;
            in->head_len = 0;
            s4s_rc rc = emit(in, in->head, 2, false);
            if (rc)
                return rc;
        }
    }
    if (!n)
        return S4S_OK;
    if (in->fmt == F_PLAIN)
        return emit(in, p, n, false);
    return gz_feed(in, p, n);
}

s4s_rc s4s_input_finish(s4s_input *in)
{
    s4s_rc rc = S4S_OK;
    if (in->fmt == F_DETECT && in->head_len)
        rc = emit(in, in->head, in->head_len, false);
    else if ((in->fmt == F_GZIP && in->z_mid) || (in->fmt == F_BETWEEN && in->head_len))
        return gz_error(in, "stream truncated (member not finished)");
    if (rc)
        return rc;
    if (in->conv) {
        rc = emit(in, (const unsigned char *)"", 0, true);
        if (rc)
            return rc;
    } else if (!in->sniffed && (rc = sniff(in, NULL, 0, true)) != S4S_OK) {
        return rc;
    }
    if (!in->bom_done && in->bom_len) { /* input shorter than a BOM */
        in->bom_done = true;
        in->out += in->bom_len;
        return in->sink(in->u, in->bom, in->bom_len);
    }
    return S4S_OK;
}
