/*
 * text.c - UTF-8 validation, surrogate detection, NFC (ICU), charset
 * conversion (ICU ucnv).
 *
 * Invariants: validation is a pure scan with an ASCII fast path (32 bytes
 * at a time with SSE2, else 8); NFC first asks ICU's quick check so
 * already-normal text (nearly all of it) costs one pass and no allocation.
 */
#include "text.h"
#include "alloc.h"

#include <stdint.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif
#include <stdlib.h>
#include <string.h>
#include <unicode/ucnv.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>

/* 8 ASCII bytes, none of them NUL */
static bool ascii8(uint64_t w)
{
    return !(w & S4S_W_HIGHS) && !s4s_w_eq(w, 0);
}

bool s4s_text_utf8_ok(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s, *e = p + n;
    while (p < e) {
#ifdef __SSE2__
        /* 32 ASCII bytes, none of them NUL, per step (a whole unit of
         * input is checked at once: tree-free --no-validate) */
        if (e - p >= 32) {
            __m128i a = _mm_loadu_si128((const __m128i *)p), b = _mm_loadu_si128((const __m128i *)(p + 16));
            __m128i z = _mm_setzero_si128();
            __m128i nul = _mm_or_si128(_mm_cmpeq_epi8(a, z), _mm_cmpeq_epi8(b, z));
            if (!_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(a, b), nul))) {
                p += 32;
                continue;
            }
        }
#endif
        /* fast path, 8 bytes a time; the last bytes of the text are read in
         * one word ending at its end (or two overlapping 4-byte halves),
         * re-reading bytes already known to be ASCII */
        size_t left = (size_t)(e - p);
        uint64_t w;
        if (left >= 8) {
            memcpy(&w, p, 8);
            if (ascii8(w)) {
                p += 8;
                continue;
            }
        } else if (n >= 8) {
            memcpy(&w, e - 8, 8);
            if (ascii8(w))
                return true;
        } else if (left >= 4) {
            uint32_t lo, hi;
            memcpy(&lo, p, 4);
            memcpy(&hi, e - 4, 4);
            if (ascii8(lo | (uint64_t)hi << 32))
                return true;
        }
        unsigned c = *p;
        if (c < 0x80) {
            if (!c)
                return false;
            p++;
            continue;
        }
        size_t len;
        uint32_t cp;
        if (c >= 0xC2 && c <= 0xDF) { len = 2; cp = c & 0x1F; }
        else if (c >= 0xE0 && c <= 0xEF) { len = 3; cp = c & 0x0F; }
        else if (c >= 0xF0 && c <= 0xF4) { len = 4; cp = c & 0x07; }
        else return false;
        if ((size_t)(e - p) < len)
            return false;
        for (size_t i = 1; i < len; i++) {
            if ((p[i] & 0xC0) != 0x80)
                return false;
            cp = (cp << 6) | (p[i] & 0x3F);
        }
        if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
            (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        p += len;
    }
    return true;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* code unit of a \uXXXX escape starting at p (p[0] == '\\'), or -1 */
static long esc_unit(const char *p, const char *e)
{
    if (e - p < 6 || p[1] != 'u')
        return -1;
    long v = 0;
    for (int i = 2; i < 6; i++) {
        int h = hexval(p[i]);
        if (h < 0)
            return -1;
        v = v * 16 + h;
    }
    return v;
}

bool s4s_text_lone_surrogate(const char *raw, size_t n)
{
    const char *p = raw, *e = raw + n;
    while ((p = memchr(p, '\\', (size_t)(e - p))) != NULL) {
        if (p + 1 < e && p[1] == '\\') { /* escaped backslash: skip the pair */
            p += 2;
            continue;
        }
        long u = esc_unit(p, e);
        if (u >= 0xD800 && u <= 0xDBFF) {
            long lo = p + 6 < e && p[6] == '\\' ? esc_unit(p + 6, e) : -1;
            if (lo < 0xDC00 || lo > 0xDFFF)
                return true;
            p += 12;
            continue;
        }
        if (u >= 0xDC00 && u <= 0xDFFF)
            return true;
        p += 2;
    }
    return false;
}

const char *s4s_text_nfc(s4s_arena *a, const char *s, size_t n, size_t *out_len)
{
    /* ASCII is always NFC */
    size_t i = 0;
    while (i < n && !((unsigned char)s[i] & 0x80))
        i++;
    if (i == n)
        return NULL;
    UErrorCode err = U_ZERO_ERROR;
    const UNormalizer2 *nfc = unorm2_getNFCInstance(&err);
    if (err == U_MEMORY_ALLOCATION_ERROR) /* not "already NFC" (alloc.h) */
        s4s_oom_raise();
    if (U_FAILURE(err) || n > INT32_MAX / 2)
        return NULL;
    int32_t ulen = 0;
    err = U_ZERO_ERROR;
    u_strFromUTF8(NULL, 0, &ulen, s, (int32_t)n, &err);
    if (err != U_BUFFER_OVERFLOW_ERROR && U_FAILURE(err))
        return NULL;
    UChar *u = s4s_arena_alloc(a, sizeof(UChar) * ((size_t)ulen + 1));
    err = U_ZERO_ERROR;
    u_strFromUTF8(u, ulen + 1, NULL, s, (int32_t)n, &err);
    if (U_FAILURE(err))
        return NULL;
    err = U_ZERO_ERROR;
    if (unorm2_isNormalized(nfc, u, ulen, &err) || U_FAILURE(err))
        return NULL;
    int32_t cap = ulen * 3 + 16;
    UChar *nu = s4s_arena_alloc(a, sizeof(UChar) * (size_t)cap);
    err = U_ZERO_ERROR;
    int32_t nlen = unorm2_normalize(nfc, u, ulen, nu, cap, &err);
    if (err == U_MEMORY_ALLOCATION_ERROR)
        s4s_oom_raise();
    if (U_FAILURE(err))
        return NULL;
    int32_t blen = 0;
    err = U_ZERO_ERROR;
    u_strToUTF8(NULL, 0, &blen, nu, nlen, &err);
    char *out = s4s_arena_alloc(a, (size_t)blen + 1);
    err = U_ZERO_ERROR;
    u_strToUTF8(out, blen + 1, NULL, nu, nlen, &err);
    if (U_FAILURE(err))
        return NULL;
    *out_len = (size_t)blen;
    return out;
}

/* ICU may hold a few bytes of earlier calls when it meets a bad sequence,
 * so the bytes just before a call are kept to find where it began */
#define CONV_HIST 32

struct s4s_conv {
    UConverter *src, *utf8;
    UChar       pivot[4096];
    UChar      *ps, *pt;
    uint64_t    fed;     /* bytes converted by earlier calls */
    uint64_t    bad_at;  /* where the sequence that stopped it begins */
    unsigned char hist[CONV_HIST]; /* the last bytes of earlier calls */
    size_t      hist_len;
};

s4s_rc s4s_conv_new(const char *charset, s4s_conv **out)
{
    UErrorCode err = U_ZERO_ERROR;
    s4s_conv *c = s4s_xcalloc(1, sizeof *c);
    c->src = ucnv_open(charset, &err);
    if (U_FAILURE(err)) {
        free(c);
        return S4S_ERR_USAGE;
    }
    /* unmappable bytes must not pass silently */
    ucnv_setToUCallBack(c->src, UCNV_TO_U_CALLBACK_STOP, NULL, NULL, NULL, &err);
    c->utf8 = ucnv_open("UTF-8", &err);
    if (U_FAILURE(err)) {
        s4s_conv_free(c);
        return S4S_ERR_USAGE;
    }
    c->ps = c->pt = c->pivot;
    *out = c;
    return S4S_OK;
}

/* byte at absolute offset o of the converter's input: from the current
 * call p[0..n) or the kept history; -1 when no longer known */
static int conv_byte(const s4s_conv *c, const char *p, size_t n, uint64_t o)
{
    if (o >= c->fed)
        return o - c->fed < n ? (unsigned char)p[o - c->fed] : -1;
    return c->fed - o <= c->hist_len ? c->hist[c->hist_len - (c->fed - o)] : -1;
}

/* A bad sequence stopped the call after `used` bytes of p[0..n): find where
 * it began (the last place its bytes occur before what ICU consumed; ICU
 * may have consumed a few bytes past it), and flush the text before it,
 * which ICU leaves in the pivot. */
static s4s_rc conv_stopped(s4s_conv *c, const char *p, size_t n, size_t used, s4s_buf *out)
{
    char bad[32], tmp[16384];
    int8_t blen = sizeof bad;
    UErrorCode err = U_ZERO_ERROR;
    ucnv_getInvalidChars(c->src, bad, &blen, &err);
    uint64_t end = c->fed + used, len = U_SUCCESS(err) && blen > 0 ? (uint64_t)blen : 0;
    c->bad_at = end >= len ? end - len : 0;
    for (uint64_t q = c->bad_at + 1; len && q-- > 0 && c->bad_at - q < 8;) {
        uint64_t k = 0;
        while (k < len && conv_byte(c, p, n, q + k) == (unsigned char)bad[k])
            k++;
        if (k == len) {
            c->bad_at = q;
            break;
        }
    }
    ucnv_resetToUnicode(c->src);
    const char *none = "";
    do {
        char *t = tmp;
        err = U_ZERO_ERROR;
        ucnv_convertEx(c->utf8, c->src, &t, tmp + sizeof tmp, &none, none, c->pivot, &c->ps,
                       &c->pt, c->pivot + 4096, false, false, &err);
        if (!s4s_buf_put(out, tmp, (size_t)(t - tmp)))
            return S4S_ERR_LIMIT;
    } while (err == U_BUFFER_OVERFLOW_ERROR);
    return S4S_ERR_ENCODING;
}

s4s_rc s4s_conv_run(s4s_conv *c, const char *p, size_t n, bool flush, s4s_buf *out)
{
    const char *src = p, *end = p + n;
    char tmp[16384];
    for (;;) {
        char *t = tmp;
        UErrorCode err = U_ZERO_ERROR;
        ucnv_convertEx(c->utf8, c->src, &t, tmp + sizeof tmp, &src, end,
                       c->pivot, &c->ps, &c->pt, c->pivot + 4096, false, flush, &err);
        if (!s4s_buf_put(out, tmp, (size_t)(t - tmp)))
            return S4S_ERR_LIMIT;
        if (err == U_BUFFER_OVERFLOW_ERROR)
            continue;
        if (U_FAILURE(err))
            return conv_stopped(c, p, n, (size_t)(src - p), out);
        /* keep the tail for conv_stopped */
        size_t keep = n < CONV_HIST ? n : CONV_HIST;
        if (c->hist_len + keep > CONV_HIST) {
            size_t drop = c->hist_len + keep - CONV_HIST;
            memmove(c->hist, c->hist + drop, c->hist_len - drop);
            c->hist_len -= drop;
        }
        memcpy(c->hist + c->hist_len, p + n - keep, keep);
        c->hist_len += keep;
        c->fed += n;
        return S4S_OK;
    }
}

uint64_t s4s_conv_bad_at(const s4s_conv *c) { return c->bad_at; }

void s4s_conv_free(s4s_conv *c)
{
    if (!c)
        return;
    if (c->src)
        ucnv_close(c->src);
    if (c->utf8)
        ucnv_close(c->utf8);
    free(c);
}
