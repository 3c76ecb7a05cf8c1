/*
 * strict.c - the strict check and the event replay of whole objects (see
 * strict.h).
 *
 * Invariants:
 *  - The check reads no byte past p[n) and changes nothing but the tape;
 *    it accepts a subset of what yajl accepts, and the replay follows only
 *    a tape the check completed, so it needs no check of its own.
 *  - The tape holds one token per event, in order: where it begins and
 *    just past where it ends (an offset under 2^30: longer values are
 *    declined), a string's end flagged when it is a member name or holds
 *    an escape.  Its kind is the byte it begins with.
 *  - Open containers are one bit each (1: object) in a fixed stack of
 *    S4S_STRICT_DEPTH bits; the tape and the string buffer grow to their
 *    caps and are kept for the next value.
 *  - A string's events point into p when it has no escape (yajl hands such
 *    a string over from the bytes it was given), else into `str`.
 *  - A saved tape is the tape's bytes as they were: replayed on the same
 *    bytes (a copy of them), it gives the events the check's own would.
 */
#include "strict.h"
#include "base/alloc.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#define T_KEY ((uint32_t)1 << 31)
#define T_ESC ((uint32_t)1 << 30)
#define T_END (T_ESC - 1)   /* the offset bits; a value must be shorter */

typedef struct tok {
    uint32_t start, end;     /* end: just past the token, with T_KEY, T_ESC */
} tok;

struct s4s_strict {
    tok   *tape;
    size_t n, cap, max;
    bool   plain;  /* s4s_strict_plain() of the last object passed */
    s4s_buf str;
};

s4s_strict *s4s_strict_new(size_t max_tokens, size_t max_string)
{
    s4s_strict *t = s4s_xcalloc(1, sizeof *t);
    t->max = max_tokens;
    s4s_buf_init(&t->str, max_string);
    return t;
}

void s4s_strict_free(s4s_strict *t)
{
    if (!t)
        return;
    free(t->tape);
    s4s_buf_free(&t->str);
    free(t);
}

/* a token onto the tape; false: the tape is at its cap */
static inline bool emit(s4s_strict *t, size_t start, size_t end)
{
    if (t->n == t->cap) {
        if (t->cap == t->max)
            return false;
        size_t cap = t->cap ? 2 * t->cap : 1024;
        cap = cap < t->max ? cap : t->max;
        t->tape = s4s_xrealloc(t->tape, cap * sizeof *t->tape);
        t->cap = cap;
    }
    t->tape[t->n++] = (tok){(uint32_t)start, (uint32_t)end};
    return true;
}

typedef struct stack {
    uint64_t bits[S4S_STRICT_DEPTH / 64];
    unsigned depth;
} stack;

static inline void push(stack *s, bool obj)
{
    uint64_t m = 1ull << (s->depth % 64);
    uint64_t *w = &s->bits[s->depth / 64];
    *w = obj ? *w | m : *w & ~m;
    s->depth++;
}

/* the innermost open container is an object */
static inline bool top_obj(const stack *s)
{
    unsigned d = s->depth - 1;
    return s->bits[d / 64] >> (d % 64) & 1;
}

static inline bool ws(unsigned char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

static inline bool digit(unsigned char c) { return c >= '0' && c <= '9'; }

/* bytes a string's plain run stops at: its end, an escape, and what yajl
 * refuses unescaped (control characters) */
static const uint8_t str_stop[256] = {
    [0x00] = 1, [0x01] = 1, [0x02] = 1, [0x03] = 1, [0x04] = 1, [0x05] = 1, [0x06] = 1, [0x07] = 1,
    [0x08] = 1, [0x09] = 1, [0x0a] = 1, [0x0b] = 1, [0x0c] = 1, [0x0d] = 1, [0x0e] = 1, [0x0f] = 1,
    [0x10] = 1, [0x11] = 1, [0x12] = 1, [0x13] = 1, [0x14] = 1, [0x15] = 1, [0x16] = 1, [0x17] = 1,
    [0x18] = 1, [0x19] = 1, [0x1a] = 1, [0x1b] = 1, [0x1c] = 1, [0x1d] = 1, [0x1e] = 1, [0x1f] = 1,
    ['"'] = 1, ['\\'] = 1,
};

/* escapes taken (\u is declined), and what yajl decodes each to */
static const char unescape[256] = {
    ['"'] = '"', ['\\'] = '\\', ['/'] = '/', ['b'] = '\b', ['f'] = '\f', ['n'] = '\n', ['r'] = '\r',
    ['t'] = '\t',
};

/* From p[i], inside a string: the first byte at or after i that str_stop
 * marks, or n. */
static inline size_t plain_run(const unsigned char *p, size_t i, size_t n)
{
#ifdef __SSE2__
    const __m128i q = _mm_set1_epi8('"'), b = _mm_set1_epi8('\\'), c = _mm_set1_epi8(0x1f);
    for (; i + 16 <= n; i += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(p + i));
        __m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, q), _mm_cmpeq_epi8(v, b)),
                                   _mm_cmpeq_epi8(_mm_max_epu8(v, c), c)); /* v <= 0x1f */
        unsigned m = (unsigned)_mm_movemask_epi8(hit);
        if (m)
            return i + (unsigned)__builtin_ctz(m);
    }
#endif
    while (i < n && !str_stop[p[i]])
        i++;
    return i;
}

/* p[i] is just after an opening quote: the index of the closing quote;
 * 0 when declined (an escape other than the simple ones, a control
 * character, no end).  *esc: an escape was seen. */
static inline __attribute__((always_inline)) size_t string_end(const unsigned char *p, size_t i, size_t n,
                                                             bool *esc)
{
    for (;;) {
        i = plain_run(p, i, n);
        if (i >= n)
            return 0;
        if (p[i] == '"')
            return i;
        if (p[i] != '\\' || i + 1 >= n || !unescape[p[i + 1]])
            return 0;
        *esc = true;
        i += 2;
    }
}

/* p[i] begins a number: the index just past it, when it is JSON's grammar
 * (yajl's); else 0.  What follows is the grammar's concern: after "0", a
 * digit ("01") is no delimiter, and yajl fails there too. */
static size_t number_end(const unsigned char *p, size_t i, size_t n)
{
    if (p[i] == '-' && ++i >= n)
        return 0;
    if (p[i] == '0')
        i++;
    else if (p[i] >= '1' && p[i] <= '9')
        while (i < n && digit(p[i]))
            i++;
    else
        return 0;
    if (i < n && p[i] == '.') {
        size_t d = ++i;
        while (i < n && digit(p[i]))
            i++;
        if (i == d)
            return 0;
    }
    if (i < n && (p[i] == 'e' || p[i] == 'E')) {
        if (++i < n && (p[i] == '+' || p[i] == '-'))
            i++;
        size_t d = i;
        while (i < n && digit(p[i]))
            i++;
        if (i == d)
            return 0;
    }
    return i;
}

/* p[i] begins `lit` (true, false, null): the index past it; else 0. */
static size_t literal_end(const unsigned char *p, size_t i, size_t n, const char *lit, size_t len)
{
    return n - i >= len && memcmp(p + i, lit, len) == 0 ? i + len : 0;
}

/* Whitespace at p[i] skipped (and the object is then not plain); the
 * check declines when no byte follows. */
#define SKIP_WS()                                                                                  \
    do {                                                                                           \
        if (i < n && ws(p[i])) {                                                                   \
            plain = false;                                                                         \
            do                                                                                     \
                i++;                                                                               \
            while (i < n && ws(p[i]));                                                             \
        }                                                                                          \
        if (i >= n)                                                                                \
            return 0;                                                                              \
    } while (0)

/* The grammar as a machine whose state is where the code is (value, key,
 * after a value, a close): each jump has a site of its own, which the
 * branch predictor learns better than one switch on a state variable. */
size_t s4s_strict_check(s4s_strict *t, const unsigned char *p, size_t n, unsigned max_depth)
{
    stack s;
    s.depth = 0;
    t->n = 0;
    t->plain = false;
    if (max_depth > S4S_STRICT_DEPTH)
        max_depth = S4S_STRICT_DEPTH;
    if (n > T_END)
        n = T_END; /* offsets must fit the tape: a longer value is declined */
    size_t i = 0, b;
    bool plain = true, esc;
    unsigned char c;
    if (!n || p[0] != '{')
        return 0;
value:
    SKIP_WS();
    c = p[i];
    b = i;
    esc = false;
    if (c == '{' || c == '[') {
        if (s.depth >= max_depth || !emit(t, i, i + 1))
            return 0;
        push(&s, c == '{');
        i++;
        SKIP_WS();
        if (p[i] == (c == '{' ? '}' : ']'))
            goto close;
        if (c == '{')
            goto key;
        goto value;
    }
    if (c == '"')
        i = string_end(p, i + 1, n, &esc) + 1; /* 1: declined */
    else if (c == '-' || digit(c))
        i = number_end(p, i, n);
    else if (c == 't')
        i = literal_end(p, i, n, "true", 4);
    else if (c == 'f')
        i = literal_end(p, i, n, "false", 5);
    else if (c == 'n')
        i = literal_end(p, i, n, "null", 4);
    else
        return 0;
    if (i <= 1 || !emit(t, b, i | (esc ? T_ESC : 0)))
        return 0;
    plain &= !esc;
after:
    SKIP_WS();
    c = p[i];
    if (c == ',') {
        i++;
        if (!top_obj(&s))
            goto value;
        SKIP_WS();
        goto key;
    }
    if (c != '}' && c != ']')
        return 0;
close: /* p[i] closes the innermost container */
    if ((p[i] == '}') != top_obj(&s) || !emit(t, i, i + 1))
        return 0;
    s.depth--;
    i++;
    if (!s.depth) {
        t->plain = plain;
        return i;
    }
    goto after;
key: /* p[i], i < n, begins a member name */
    b = i;
    esc = false;
    if (p[i] != '"' || !(i = string_end(p, i + 1, n, &esc)) || !emit(t, b, (++i) | T_KEY | (esc ? T_ESC : 0)))
        return 0;
    plain &= !esc;
    if (i < n && ws(p[i])) {
        plain = false;
        while (i < n && ws(p[i]))
            i++;
    }
    if (i >= n || p[i] != ':')
        return 0;
    i++;
    goto value;
}
#undef SKIP_WS

/* a string with escapes (the check let only simple ones through), as
 * yajl decodes it */
static const unsigned char *decode(const unsigned char *v, size_t len, s4s_buf *str, size_t *out)
{
    s4s_buf_clear(str);
    for (size_t k = 0; k < len; k++) {
        if (v[k] == '\\')
            s4s_buf_putc(str, unescape[v[++k]]);
        else
            s4s_buf_putc(str, (char)v[k]);
    }
    *out = str->len;
    return (const unsigned char *)str->p;
}

bool s4s_strict_plain(const s4s_strict *t)
{
    return t->plain;
}

bool s4s_strict_save(const s4s_strict *t, s4s_buf *to)
{
    return s4s_buf_put(to, t->tape, t->n * sizeof *t->tape);
}

int s4s_strict_replay(s4s_strict *t, const unsigned char *p, const yajl_callbacks *cb, void *ctx,
                      size_t *at)
{
    return s4s_strict_replay_saved(t, t->tape, t->n * sizeof *t->tape, p, cb, ctx, at);
}

int s4s_strict_replay_saved(s4s_strict *t, const void *tape, size_t bytes, const unsigned char *p,
                            const yajl_callbacks *cb, void *ctx, size_t *at)
{
    for (const tok *k = tape, *e = k + bytes / sizeof *k; k < e; k++) {
        size_t b = k->start, end = k->end & T_END;
        *at = end;
        int ok;
        switch (p[b]) {
        case '{': ok = cb->yajl_start_map(ctx); break;
        case '[': ok = cb->yajl_start_array(ctx); break;
        case '}': ok = cb->yajl_end_map(ctx); break;
        case ']': ok = cb->yajl_end_array(ctx); break;
        case 't': ok = cb->yajl_boolean(ctx, 1); break;
        case 'f': ok = cb->yajl_boolean(ctx, 0); break;
        case 'n': ok = cb->yajl_null(ctx); break;
        case '"': {
            const unsigned char *v = p + b + 1;
            size_t len = end - b - 2;
            if (k->end & T_ESC)
                v = decode(v, len, &t->str, &len);
            ok = k->end & T_KEY ? cb->yajl_map_key(ctx, v, len) : cb->yajl_string(ctx, v, len);
            break;
        }
        default:
            ok = cb->yajl_number(ctx, (const char *)p + b, end - b);
            break;
        }
        if (!ok)
            return 0;
    }
    return 1;
}
