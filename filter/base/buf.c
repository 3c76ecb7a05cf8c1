/*
 * buf.c - capped growable buffer and the minimal JSON string escaper.
 *
 * Invariants: len <= max always; on refusal nothing is appended and `over`
 * is set; capacity grows geometrically so appends are amortised O(1).
 */
#include "buf.h"
#include "alloc.h"
#include "text.h"

#include <stdlib.h>
#include <stdint.h>
#include <string.h>

void s4s_buf_init(s4s_buf *b, size_t max)
{
    b->p = NULL;
    b->len = b->cap = 0;
    b->max = max;
    b->over = false;
}

void s4s_buf_free(s4s_buf *b)
{
    free(b->p);
    s4s_buf_init(b, b->max);
}

void s4s_buf_drop(void *b) { s4s_buf_free(b); }

static bool reserve(s4s_buf *b, size_t n)
{
    if (n > b->max - b->len) {
        b->over = true;
        return false;
    }
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n)
            cap *= 2;
        if (cap > b->max)
            cap = b->max;
        b->p = s4s_xrealloc(b->p, cap);
        b->cap = cap;
    }
    return true;
}

char *s4s_buf_room(s4s_buf *b, size_t n)
{
    return reserve(b, n) ? b->p + b->len : NULL;
}

bool s4s_buf_put(s4s_buf *b, const void *p, size_t n)
{
    if (!n)
        return true;
    if (!reserve(b, n))
        return false;
    memcpy(b->p + b->len, p, n);
    b->len += n;
    return true;
}

bool s4s_buf_puts(s4s_buf *b, const char *s) { return s4s_buf_put(b, s, strlen(s)); }

/* 0: copy as is; otherwise the escape letter, or 'u' for \u00XX */
static const char esc_tab[256] = {
    ['\b'] = 'b', ['\f'] = 'f', ['\n'] = 'n', ['\r'] = 'r', ['\t'] = 't',
    [0] = 'u', [1] = 'u', [2] = 'u', [3] = 'u', [4] = 'u', [5] = 'u', [6] = 'u',
    [7] = 'u', [11] = 'u', [14] = 'u', [15] = 'u', [16] = 'u', [17] = 'u',
    [18] = 'u', [19] = 'u', [20] = 'u', [21] = 'u', [22] = 'u', [23] = 'u',
    [24] = 'u', [25] = 'u', [26] = 'u', [27] = 'u', [28] = 'u', [29] = 'u',
    [30] = 'u', [31] = 'u', ['"'] = '"', ['\\'] = '\\',
};

bool s4s_buf_json_str(s4s_buf *b, const char *s, size_t n)
{
    /* worst case every byte becomes \u00XX */
    if (!reserve(b, n * 6 + 2))
        return false;
    char *o = b->p + b->len;
    *o++ = '"';
    size_t run = 0, i = 0;
    /* skip 8 clean bytes at a time: no control char, quote or backslash
     * (exact existence tests; most strings have none at all) */
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        if (s4s_w_below(w, 0x20) | s4s_w_eq(w, '"') | s4s_w_eq(w, '\\'))
            break;
    }
    for (; i < n; i++) {
        char e = esc_tab[(unsigned char)s[i]];
        if (!e)
            continue;
        memcpy(o, s + run, i - run);
        o += i - run;
        run = i + 1;
        *o++ = '\\';
        if (e == 'u') {
            static const char hex[] = "0123456789abcdef";
            *o++ = 'u'; *o++ = '0'; *o++ = '0';
            *o++ = hex[(unsigned char)s[i] >> 4];
            *o++ = hex[(unsigned char)s[i] & 15];
        } else {
            *o++ = e;
        }
    }
    memcpy(o, s + run, n - run);
    o += n - run;
    *o++ = '"';
    b->len = (size_t)(o - b->p);
    return true;
}
