/*
 * text.h - text checks and conversions: UTF-8, surrogates, NFC, charsets.
 *
 * Pure functions over byte ranges, except the converter, which is a handle.
 * Ownership: s4s_text_nfc() returns a string in the given arena; converters
 * are freed with s4s_conv_free().
 */
#ifndef S4S_TEXT_H
#define S4S_TEXT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "arena.h"
#include "buf.h"
#include "rc.h"

/* Word-at-a-time byte tests on 8 bytes (read with memcpy): non-zero when
 * some byte is below n (n <= 0x80) or equal to c.  Bytes >= 0x80 never
 * match s4s_w_below.  Exact as a yes/no answer; on a little-endian machine
 * the lowest set bit marks the first match (later bits may be false). */
#define S4S_W_ONES  0x0101010101010101ull
#define S4S_W_HIGHS 0x8080808080808080ull
static inline uint64_t s4s_w_below(uint64_t w, unsigned char n)
{
    return (w - S4S_W_ONES * n) & ~w & S4S_W_HIGHS;
}
static inline uint64_t s4s_w_eq(uint64_t w, unsigned char c)
{
    return s4s_w_below(w ^ (S4S_W_ONES * c), 1);
}

/* Valid UTF-8 (no overlongs, no surrogates, <= U+10FFFF) and no NUL. */
bool s4s_text_utf8_ok(const char *s, size_t n);
/* raw JSON text holds a \uD800-\uDBFF escape not followed by a low
 * surrogate escape, or a lone \uDC00-\uDFFF (yajl would turn it into '?'). */
bool s4s_text_lone_surrogate(const char *raw, size_t n);
/* NULL when s is already NFC; otherwise the NFC form in the arena. */
const char *s4s_text_nfc(s4s_arena *a, const char *s, size_t n, size_t *out_len);

/* Legacy charset -> UTF-8 streaming converter (ICU ucnv). */
typedef struct s4s_conv s4s_conv;
s4s_rc s4s_conv_new(const char *charset, s4s_conv **out);
/* Appends the UTF-8 of p[0..n) to out; flush=true at end of input.  On a
 * bad sequence (S4S_ERR_ENCODING) out still gets the text before it. */
s4s_rc s4s_conv_run(s4s_conv *c, const char *p, size_t n, bool flush, s4s_buf *out);
/* After S4S_ERR_ENCODING: offset, counted over every byte given to the
 * converter, of the first byte of the bad sequence. */
uint64_t s4s_conv_bad_at(const s4s_conv *c);
void   s4s_conv_free(s4s_conv *c);

#endif
