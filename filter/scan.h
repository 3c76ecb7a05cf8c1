/*
 * scan.h - the boundary scanner: cuts the uncompressed stream into units a
 * worker can parse on its own.
 *
 * A quote-, escape- and depth-aware pass over the bytes (no parse) finds
 * where top-level values and lines end.  While the stream's parser is idle
 * and knows the framing (sax.h), whole values are collected into units:
 *  - one value per line (NDJSON): runs of whole lines, each closing every
 *    bracket it opens, outside any string;
 *  - values spanning lines (pretty Bundles): runs of whole objects.
 * A worker's parser, started over at the unit (s4s_sax_rebase), then sees
 * what the stream's parser would have seen there: a break in such a line is
 * quarantined up to its newline in both, and in spanning framing a break is
 * fatal in both.  A unit is handed over once it holds `target` bytes, or at
 * the end.  Everything else goes to the stream's parser, in order: the
 * first value (the framing is not known yet), a line or value that does not
 * close, a top-level value that is not an object (spanning framing), a
 * value larger than `max`, and, after an anomaly (a newline inside a
 * string, a stray closing bracket), everything until the parser is idle at
 * a line end.
 *
 * While the stream's parser streams a value (one too large for a unit,
 * such as a 1 GB Bundle), runs of its items are held the same way: whole
 * objects two levels into it, inside an array (a Bundle's entries),
 * separated by commas, each opened where the parser waits for an item.
 * They go to the items sink: the stream's parser steps over those it
 * can take without yajl, and a worker parses them (sax.h
 * s4s_sax_skip_items).
 *
 * Bytes reach the sinks in the pieces the input came in, split further
 * only just after a newline or a closing bracket, or just before an item's
 * opening brace (where no token is cut), so yajl, which places some errors
 * by where a piece begins, reports them where one thread reading the same
 * input would.
 *
 * Ownership: the scanner copies what it holds past the end of the block
 * being fed (at most `max` bytes, and an offset per input block in it);
 * the bytes handed to a sink, which may be the fed block's own, are valid
 * only during the call.
 */
#ifndef S4S_SCAN_H
#define S4S_SCAN_H
#include <stdbool.h>
#include <stddef.h>
#include "base/rc.h"
#include "sax.h"

typedef struct s4s_scan_sink {
    /* bytes for the stream's parser, in order */
    s4s_rc (*stream)(void *u, const unsigned char *p, size_t n);
    /* whole values for a worker (the stream's parser must step over them),
     * collected under framing `mode`; cuts[0..ncuts) are the offsets in p
     * where a block of the input began (to be fed in those pieces); nl: the
     * newlines in p (lines framing: each ended a line the scanner saw),
     * else S4S_NL_UNCOUNTED */
    s4s_rc (*unit)(void *u, const unsigned char *p, size_t n, s4s_sax_mode mode,
                   const size_t *cuts, size_t ncuts, uint64_t nl);
    /* the stream's parser is idle (s4s_sax_idle); *mode gets its framing */
    bool   (*ready)(void *u, s4s_sax_mode *mode);
    /* optional (NULL: items are streamed): a run of items for the stream's
     * parser, cut where cuts[0..ncuts) say; and whether that parser, given
     * every byte before an item's opening brace, waits for an item there */
    s4s_rc (*items)(void *u, const unsigned char *p, size_t n, const size_t *cuts, size_t ncuts);
    bool   (*item_ready)(void *u);
} s4s_scan_sink;

typedef struct s4s_scan s4s_scan;

/* target <= max; max must not exceed --max-resource-bytes, so that nothing
 * in a unit is cut or spilled (what the stream's parser would do there). */
s4s_scan *s4s_scan_new(size_t target, size_t max, const s4s_scan_sink *k, void *u);
void      s4s_scan_free(s4s_scan *s);
/* How 64-byte blocks are classified: the widest the CPU has is chosen at
 * run time.  s4s_scan_narrow() caps it (tests compare the paths; the units
 * are the same whichever is used). */
typedef enum s4s_scan_lexer { S4S_SCAN_SSE2, S4S_SCAN_AVX2, S4S_SCAN_AVX512 } s4s_scan_lexer;
void      s4s_scan_narrow(s4s_scan *s, s4s_scan_lexer widest);
s4s_rc    s4s_scan_feed(s4s_scan *s, const unsigned char *p, size_t n);
/* End of input: what is held goes out (the stream's parser finishes it). */
s4s_rc    s4s_scan_finish(s4s_scan *s);

#endif
