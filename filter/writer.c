/*
 * writer.c - serialization of resource trees and compaction of raw bytes.
 *
 * Invariants: output is always one line of valid JSON when the tree is valid
 * UTF-8 (assemble guarantees it for every resource that is written); every
 * byte goes through an s4s_buf, so a cap bounds it.  Recursion depth is
 * bounded by --max-depth (assemble refuses deeper trees).
 */
#include "writer.h"
#include "base/bits.h"
#include "base/text.h"

#include <pthread.h>
#include <stdint.h>
#include <string.h>
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define PACK_SIMD __attribute__((target("ssse3,popcnt")))
#define PACK_WIDE __attribute__((target("avx512f,avx512bw,avx512vbmi2,popcnt,pclmul")))
#endif

bool s4s_write_node(s4s_buf *b, const s4s_node *n)
{
    switch ((s4s_jtype)n->type) {
    case S4S_J_NULL:   return s4s_buf_put(b, "null", 4);
    case S4S_J_TRUE:   return s4s_buf_put(b, "true", 4);
    case S4S_J_FALSE:  return s4s_buf_put(b, "false", 5);
    case S4S_J_NUMBER: return s4s_buf_put(b, n->str, n->len);
    case S4S_J_STRING: return s4s_buf_json_str(b, n->str, n->len);
    case S4S_J_OBJECT:
    case S4S_J_ARRAY: {
        bool obj = n->type == S4S_J_OBJECT, first = true;
        s4s_buf_putc(b, obj ? '{' : '[');
        for (const s4s_node *c = n->first; c; c = c->next) {
            if (c->flags & S4S_NF_REMOVED)
                continue;
            if (!first)
                s4s_buf_putc(b, ',');
            first = false;
            if (obj) {
                s4s_buf_json_str(b, c->key, c->klen);
                s4s_buf_putc(b, ':');
            }
            s4s_write_node(b, c);
        }
        return s4s_buf_putc(b, obj ? '}' : ']');
    }
    }
    return false;
}

bool s4s_compact(s4s_buf *b, const char *p, size_t n, s4s_compact_state *st)
{
    if (!n)
        return true; /* p may be NULL for an empty capture */
    size_t run = 0; /* start of the pending run of bytes to copy */
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        if (st->in_str) {
            if (st->esc)
                st->esc = false;
            else if (c == '\\')
                st->esc = true;
            else if (c == '"')
                st->in_str = false;
            else if (c == '\n' || c == '\r') {
                /* raw newline inside a string is broken JSON; keep one line */
                s4s_buf_put(b, p + run, i - run);
                s4s_buf_put(b, c == '\n' ? "\\n" : "\\r", 2);
                run = i + 1;
            }
            continue;
        }
        if (c == '"') {
            st->in_str = true;
        } else if (c == ' ' || c == '\n' || c == '\r' || c == '\t') {
            s4s_buf_put(b, p + run, i - run);
            run = i + 1;
        }
    }
    return s4s_buf_put(b, p + run, n - run);
}

/* Whether the escape at p[0] ('\\') is spelled as s4s_buf_json_str spells
 * it: the short forms, or \u00xx (lower-case hex) for another control byte. */
static bool canonical_escape(const char *p, size_t left)
{
    if (left < 2)
        return false;
    switch (p[1]) {
    case '"': case '\\': case 'b': case 'f': case 'n': case 'r': case 't':
        return true;
    case 'u': {
        static const char hex[] = "0123456789abcdef";
        if (left < 6 || p[2] != '0' || p[3] != '0' || (p[4] != '0' && p[4] != '1'))
            return false;
        const char *d = memchr(hex, p[5], 16);
        if (!d)
            return false;
        unsigned v = (unsigned)(p[4] - '0') * 16 + (unsigned)(d - hex);
        return v != '\b' && v != '\t' && v != '\n' && v != '\f' && v != '\r';
    }
    }
    return false;
}

/* Where compaction writes: o, with room up to oend (the input's size was
 * reserved, so a run always fits); the input ends at end. */
typedef struct cursor {
    char       *o, *oend;
    const char *end;
} cursor;

/* Appends the run s[0..n): one unaligned 16-byte copy when both sides have
 * the room (pretty-printed input keeps runs short), else memcpy. */
static inline void emit(cursor *cur, const char *s, size_t n)
{
    if (n <= 16 && s + 16 <= cur->end && cur->o + 16 <= cur->oend)
        memcpy(cur->o, s, 16);
    else
        memcpy(cur->o, s, n);
    cur->o += n;
}

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
/* Exact per-byte masks (0x80 in each byte that matches; unlike text.h's
 * s4s_w_eq/s4s_w_below, no false bits above a match): no carry crosses a
 * byte, as (b & 0x7f) + 0x7f and (b & 0x7f) + 0x5f stay below 0x100. */
static inline uint64_t zero_bytes(uint64_t t)
{
    return ~(((t & ~S4S_W_HIGHS) + 0x7f7f7f7f7f7f7f7full) | t) & S4S_W_HIGHS;
}

static inline uint64_t below_0x21(uint64_t w)
{
    return ~(((w & ~S4S_W_HIGHS) + S4S_W_ONES * (0x80 - 0x21)) | w) & S4S_W_HIGHS;
}

/* Eight bytes without a backslash, read at once: the quotes decide which
 * bytes are inside strings (a prefix XOR of the quote flags, from the low,
 * earlier bytes up), and the whitespace outside them is dropped, one run
 * at a time as the byte loop drops it. */
static void compact_word(cursor *cur, const char *p, size_t i, uint64_t w, size_t *run, bool *in_str)
{
    uint64_t inside = zero_bytes(w ^ (S4S_W_ONES * '"'));
    inside ^= inside << 8;
    inside ^= inside << 16;
    inside ^= inside << 32;
    if (*in_str)
        inside ^= S4S_W_HIGHS;
    for (uint64_t drop = below_0x21(w) & ~inside; drop; drop &= drop - 1) {
        size_t at = i + ((size_t)__builtin_ctzll(drop) >> 3);
        emit(cur, p + *run, at - *run);
        *run = at + 1;
    }
    *in_str = inside >> 63; /* the state after the last byte */
}
#endif

#ifdef PACK_SIMD
/* Pretty-printed input drops a whitespace run every few bytes, so kept
 * bytes are better packed by vector instructions than copied a run at a
 * time.  The level is chosen once at run time (the binary still targets
 * baseline x86-64): S4S_PACK_COMPRESS, AVX-512 VBMI2's byte compress, takes
 * every block without a backslash in one instruction; S4S_PACK_SHUFFLE, SSSE3,
 * packs a block with PACK_RUNS runs or more eight bytes at a time by byte
 * shuffles.  pack8[m]: the positions of m's set bits, in order. */
#define PACK_RUNS 3
static uint8_t pack8[256][8];
static int pack_cpu;             /* the best level the CPU has */
static pthread_once_t pack_once = PTHREAD_ONCE_INIT;
static int pack_max = S4S_PACK_COMPRESS; /* s4s_write_compact_simd() */

static void pack_init(void)
{
    if (__builtin_cpu_supports("ssse3") && __builtin_cpu_supports("popcnt"))
        pack_cpu = S4S_PACK_SHUFFLE;
    if (__builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vbmi2") &&
        __builtin_cpu_supports("pclmul"))
        pack_cpu = S4S_PACK_COMPRESS;
    for (unsigned m = 0; m < 256; m++)
        for (unsigned bit = 0, k = 0; bit < 8; bit++)
            if (m >> bit & 1)
                pack8[m][k++] = (uint8_t)bit;
}

static int pack_level(void)
{
    pthread_once(&pack_once, pack_init);
    return pack_cpu < pack_max ? pack_cpu : pack_max;
}

/* The bytes of p[0..64) whose bit is set in keep, to cur->o.  Each store is
 * eight bytes, past the kept ones too: the output never passes the input
 * (o is at most the block's offset), so they land inside the room. */
PACK_SIMD static void pack_block(cursor *cur, const char *p, uint64_t keep)
{
    char *o = cur->o;
    const __m128i eight = _mm_set1_epi8(8);
    for (int k = 0; k < 4; k++) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(p + 16 * k));
        unsigned lo = (unsigned)(keep >> (16 * k)) & 0xff, hi = (unsigned)(keep >> (16 * k + 8)) & 0xff;
        __m128i sl = _mm_loadl_epi64((const __m128i *)(const void *)pack8[lo]);
        __m128i sh = _mm_add_epi8(_mm_loadl_epi64((const __m128i *)(const void *)pack8[hi]), eight);
        _mm_storel_epi64((__m128i *)(void *)o, _mm_shuffle_epi8(x, sl));
        o += __builtin_popcount(lo);
        _mm_storel_epi64((__m128i *)(void *)o, _mm_shuffle_epi8(x, sh));
        o += __builtin_popcount(hi);
    }
    cur->o = o;
}

/* compact_block with one load, three mask compares, the prefix XOR as a
 * carry-less multiply by all ones and one byte compress.  The 64-byte store
 * lands inside the room for the reason pack_block's do. */
PACK_WIDE static bool compress_block(cursor *cur, const char *p, size_t i, size_t *run, bool *in_str)
{
    __m512i x = _mm512_loadu_si512((const void *)(p + i));
    if (_mm512_cmpeq_epi8_mask(x, _mm512_set1_epi8('\\')))
        return false;
    uint64_t quote = _mm512_cmpeq_epi8_mask(x, _mm512_set1_epi8('"'));
    uint64_t ws = _mm512_cmple_epu8_mask(x, _mm512_set1_epi8(' '));
    uint64_t inside = s4s_prefix_xor_clmul(quote);
    if (*in_str)
        inside = ~inside;
    uint64_t keep = ~(ws & ~inside);
    *in_str = inside >> 63;
    if (keep == ~0ull)
        return true; /* compact already (NDJSON): the run goes on, copied once */
    emit(cur, p + *run, i - *run);
    _mm512_storeu_si512((void *)cur->o, _mm512_maskz_compress_epi8(keep, x));
    cur->o += __builtin_popcountll(keep);
    *run = i + 64;
    return true;
}
#endif

void s4s_write_compact_simd(int max_level)
{
#ifdef PACK_SIMD
    pack_max = max_level;
#else
    (void)max_level;
#endif
}

#ifdef __SSE2__
/* 64 bytes at p without a backslash, as compact_word but from bit masks;
 * false: it holds a backslash (nothing done).  pack: S4S_PACK_SHUFFLE, or
 * less (the level in use). */
static bool compact_block(cursor *cur, const char *p, size_t i, size_t *run, bool *in_str, int pack)
{
    const __m128i q = _mm_set1_epi8('"'), bs = _mm_set1_epi8('\\'), sp = _mm_set1_epi8(' ');
    uint64_t quote = 0, bslash = 0, ws = 0;
    for (int k = 0; k < 4; k++) {
        __m128i x = _mm_loadu_si128((const __m128i *)(p + i + 16 * (size_t)k));
        quote |= s4s_mask16(x, q) << (16 * k);
        bslash |= s4s_mask16(x, bs) << (16 * k);
        ws |= s4s_mask16(_mm_min_epu8(x, sp), x) << (16 * k); /* bytes <= ' ' */
    }
    if (bslash)
        return false;
    uint64_t inside = s4s_prefix_xor(quote);
    if (*in_str)
        inside = ~inside;
    uint64_t drop = ws & ~inside;
#ifdef PACK_SIMD
    if (pack == S4S_PACK_SHUFFLE && drop && s4s_pop64(drop & ~(drop << 1)) >= PACK_RUNS) { /* runs begin there */
        emit(cur, p + *run, i - *run);
        pack_block(cur, p + i, ~drop);
        *run = i + 64;
        *in_str = inside >> 63;
        return true;
    }
#else
    (void)pack;
#endif
    /* a run of dropped bytes at a time (pretty-printed input indents with
     * many): the kept bytes before it go out in one copy */
    while (drop) {
        unsigned at = (unsigned)__builtin_ctzll(drop), to;
        uint64_t rest = ~drop >> at; /* its first 1: the run's end */
        to = rest ? at + (unsigned)__builtin_ctzll(rest) : 64;
        emit(cur, p + *run, i + at - *run);
        *run = i + to;
        drop = to < 64 ? drop & (~0ull << to) : 0;
    }
    *in_str = inside >> 63;
    return true;
}
#endif

bool s4s_write_compact(s4s_buf *b, const char *p, size_t n)
{
    size_t run = 0, i = 0;
    bool in_str = false;
    if (!n)
        return true;
    /* the output is never longer than the input: written in place, len
     * moved only at the end, so a refusal leaves nothing behind */
    char *o = s4s_buf_room(b, n);
    if (!o)
        return false;
    cursor cur = {o, b->p + b->cap, p + n};
#ifdef __SSE2__
    size_t words_until = 0; /* a block there held a backslash: 8 at a time up to here */
#ifdef PACK_SIMD
    int pack = n >= 64 ? pack_level() : S4S_PACK_PLAIN;
#else
    int pack = S4S_PACK_PLAIN;
#endif
#endif
    while (i < n) {
#ifdef __SSE2__
        if (i >= words_until && i + 64 <= n) {
#ifdef PACK_SIMD
            if (pack == S4S_PACK_COMPRESS ? compress_block(&cur, p, i, &run, &in_str)
                                      : compact_block(&cur, p, i, &run, &in_str, pack)) {
#else
            if (compact_block(&cur, p, i, &run, &in_str, pack)) {
#endif
                i += 64;
                continue;
            }
            words_until = i + 64;
        }
#endif
        /* skip 8 bytes that hold nothing this state looks at */
        uint64_t w;
        if (i + 8 <= n) {
            memcpy(&w, p + i, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
            if (!zero_bytes(w ^ (S4S_W_ONES * '\\'))) {
                compact_word(&cur, p, i, w, &run, &in_str);
                i += 8;
                continue;
            }
#endif
            uint64_t hit = in_str ? s4s_w_eq(w, '"') | s4s_w_eq(w, '\\')
                                  : s4s_w_eq(w, '"') | s4s_w_below(w, 0x21);
            if (!hit) {
                i += 8;
                continue;
            }
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
            /* the lowest flagged byte is a real match */
            i += (size_t)__builtin_ctzll(hit) >> 3;
#endif
        }
        char c = p[i];
        if (in_str) {
            if (c == '\\') {
                if (!canonical_escape(p + i, n - i))
                    return false;
                i++; /* the escaped byte is never the end of the string */
            } else if (c == '"') {
                in_str = false;
            }
        } else if (c == '"') {
            in_str = true;
        } else if ((unsigned char)c <= ' ') {
            emit(&cur, p + run, i - run);
            run = i + 1;
        }
        i++;
    }
    emit(&cur, p + run, n - run);
    b->len = (size_t)(cur.o - b->p);
    return true;
}

bool s4s_write_raw_line(s4s_buf *b, const char *p, size_t n)
{
    if (n && p[n - 1] == '\r')
        n--;
    if (!n)
        return true; /* p may be NULL for an empty capture */
    if (!memchr(p, '\n', n) && !memchr(p, '\r', n))
        return s4s_buf_put(b, p, n);
    s4s_compact_state cs = {0};
    return s4s_compact(b, p, n, &cs);
}

/* --- raw bytes with edited string values ------------------------------------ */

#define EDITS_MAX 256 /* more edited values than this: the tree is written */

/* The edited values below n, in input order (the tree's order: nothing
 * moved), into v[*k..]; false on anything but edited strings (a node
 * removed, inserted or made another type), or too many. */
static bool edited_values(const s4s_node *n, const s4s_node **v, size_t *k)
{
    for (const s4s_node *c = n->first; c; c = c->next) {
        if (c->flags & (S4S_NF_REMOVED | S4S_NF_INSERTED))
            return false;
        if (c->flags & S4S_NF_EDITED) {
            if (c->type != S4S_J_STRING || *k == EDITS_MAX)
                return false;
            v[(*k)++] = c;
        }
        if (c->first && !edited_values(c, v, k))
            return false;
    }
    return true;
}

/* The caller's list of edited values into v[0..*k), in input order (by
 * offset: insertion sort, the lists are short and mostly in order
 * already); false on a value that is no longer a string, or too many. */
static bool listed_values(const s4s_node *const *e, size_t n, const s4s_node **v, size_t *k)
{
    if (n > EDITS_MAX)
        return false;
    *k = n;
    for (size_t i = 0; i < n; i++) {
        const s4s_node *x = e[i];
        if (x->type != S4S_J_STRING)
            return false;
        size_t j = i;
        for (; j > 0 && v[j - 1]->off > x->off; j--)
            v[j] = v[j - 1];
        v[j] = x;
    }
    return true;
}

/* Where the string token ending at p[end - 1] (its closing quote) begins,
 * not before `from`; SIZE_MAX if p[from..end) holds no such token.  A quote
 * inside the string has an odd run of backslashes before it. */
static size_t string_start(const char *p, size_t from, size_t end)
{
    if (end < from + 2 || p[end - 1] != '"')
        return SIZE_MAX;
    for (size_t q = end - 1; q > from;) {
        const char *hit = memrchr(p + from, '"', q - from); /* strings are long: no byte loop */
        if (!hit)
            break;
        q = (size_t)(hit - p);
        size_t bs = 0;
        while (q - bs > from && p[q - bs - 1] == '\\')
            bs++;
        if (bs % 2 == 0)
            return q;
    }
    return SIZE_MAX;
}

bool s4s_write_compact_edited(s4s_buf *b, const char *p, size_t n, uint64_t at, const s4s_node *root,
                              const s4s_node *const *edits, size_t nedits)
{
    const s4s_node *v[EDITS_MAX];
    size_t k = 0;
    if (!n || p[0] != '{' || root->flags)
        return false;
    if (edits ? !listed_values(edits, nedits, v, &k) : !edited_values(root, v, &k))
        return false;
    size_t len0 = b->len, from = 0;
    for (size_t i = 0; i < k; i++) {
        /* a string value's offset is just past its closing quote (sax.h) */
        uint64_t off = v[i]->off;
        size_t start = off > at && off - at <= n ? string_start(p, from, (size_t)(off - at)) : SIZE_MAX;
        if (start == SIZE_MAX || !s4s_write_compact(b, p + from, start - from) ||
            !s4s_buf_json_str(b, v[i]->str, v[i]->len)) {
            b->len = len0;
            return false;
        }
        from = (size_t)(off - at);
    }
    if (!s4s_write_compact(b, p + from, n - from)) {
        b->len = len0;
        return false;
    }
    return true;
}
