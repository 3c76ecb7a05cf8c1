/*
 * squeeze.h - a unit's indentation taken out before it is parsed, with the
 * map from the squeezed bytes' offsets back to the input's.
 *
 * yajl's lexer costs the same per byte whether the byte is a token or the
 * indentation of pretty-printed JSON, and a pretty Bundle is more than half
 * indentation.  A worker parses the squeezed copy of such a unit instead
 * (pipe.c keeps the result only when the parse was clean, and maps every
 * offset back), so the parse reads about half the bytes.
 *
 * What is dropped: runs of spaces, tabs and carriage returns outside
 * strings, when a byte next to the run is a newline or one of {}[],:" -
 * so no two tokens merge (`tru e` stays two tokens) and the token sequence
 * yajl sees is the same.  Newlines are kept: line numbers stay exact.
 *
 * Ownership: the squeezed bytes and the map live in the arena given.
 */
#ifndef S4S_SQUEEZE_H
#define S4S_SQUEEZE_H
#include "base/arena.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct s4s_squeeze {
    const unsigned char *p;   /* the squeezed bytes */
    size_t               len;
    const uint32_t      *at;  /* run k dropped: the squeezed offset of the byte after it */
    const uint32_t      *gone;/* bytes dropped by runs 0..k */
    size_t               runs;
} s4s_squeeze;

/* Squeezes in[0..n) (n < 4 GiB) into sq.  False (nothing useful made)
 * when it would drop less than a quarter of the bytes, or has more runs
 * than its map may hold (n / 8). */
bool     s4s_squeeze_make(s4s_arena *a, const unsigned char *in, size_t n, s4s_squeeze *sq);
/* false: only baseline x86-64 instructions even where the CPU has AVX-512
 * (tests compare both; call before threads start). */
void     s4s_squeeze_simd(bool on);
/* The input offset of squeezed offset c (a byte that was kept, or the end).
 * *hint: a run index to start from (0 at first); offsets asked in rising
 * order cost O(1) each, a lower one restarts the search. */
uint64_t s4s_squeeze_orig(const s4s_squeeze *sq, uint64_t c, size_t *hint);
/* The same, inline, for offsets that rise (a tree in preorder): the step
 * past the runs before c, falling back on the search above. */
static inline uint64_t s4s_squeeze_next(const s4s_squeeze *sq, uint64_t c, size_t *hint)
{
    size_t j = *hint;
    if (j > sq->runs || (j > 0 && sq->at[j - 1] > c) || (j + 4 < sq->runs && sq->at[j + 4] <= c))
        return s4s_squeeze_orig(sq, c, hint);
    while (j < sq->runs && sq->at[j] <= c)
        j++;
    *hint = j;
    return c + (j ? sq->gone[j - 1] : 0);
}

#endif
