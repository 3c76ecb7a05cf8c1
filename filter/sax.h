/*
 * sax.h - bytes to JSON events: yajl, offsets, long strings, depth, recovery.
 *
 * sax owns the yajl handle and the byte-level decisions: the absolute
 * uncompressed offset of every event, the cut of strings longer than the
 * limit (yajl would otherwise buffer them whole), the depth cap that bounds
 * yajl's own stack, what a top-level unit is, and recovery from broken
 * NDJSON lines.  It shows every chunk to its rawcap (raw capture and line
 * index, rawcap.h) and reports events through an s4s_sax_callbacks table,
 * in yajl's style; it knows nothing of what a consumer builds.
 *
 * Ownership: s4s_sax_new() creates the rawcap and the yajl handle;
 * s4s_sax_free() releases both.  The callbacks' ctx is borrowed.
 */
#ifndef S4S_SAX_H
#define S4S_SAX_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "base/rc.h"
#include "rawcap.h"

typedef struct s4s_sax s4s_sax;

/* Events.  off is the absolute offset just past the token (for openers: of
 * the bracket itself).  Any rc but S4S_OK stops the parse; s4s_sax_feed()
 * then returns it.  Strings and keys are not UTF-8 checked (but a string
 * that sax knows to be valid UTF-8 without NUL comes with utf8 true: its
 * bytes are those of a chunk found so), and their bytes are valid only
 * during the call. */
typedef struct s4s_sax_callbacks {
    /* a top-level value begins (before its first event) at off, on line */
    s4s_rc (*unit_start)(void *ctx, uint64_t off, uint64_t line);
    s4s_rc (*null_value)(void *ctx, uint64_t off);
    s4s_rc (*boolean)(void *ctx, bool b, uint64_t off);
    s4s_rc (*number)(void *ctx, const char *lexeme, size_t n, uint64_t off);
    s4s_rc (*string)(void *ctx, const char *v, size_t n, bool utf8, uint64_t off);
    s4s_rc (*map_start)(void *ctx, uint64_t off);
    s4s_rc (*map_key)(void *ctx, const char *k, size_t n, uint64_t off);
    s4s_rc (*map_end)(void *ctx, uint64_t off);
    s4s_rc (*array_start)(void *ctx, uint64_t off);
    s4s_rc (*array_end)(void *ctx, uint64_t off);
    /* The open unit is broken (malformed JSON, nesting deeper than the
     * hard cap) and ends here: what was in progress is quarantined, its
     * capture ending at cap_end (sax has begun a capture of the line when
     * no unit was open).  off is where the problem is, line the unit's. */
    s4s_rc (*broken)(void *ctx, const char *reason, uint64_t off, uint64_t line,
                     uint64_t cap_end);
    /* A string longer than the limit is being cut: the value that holds
     * it cannot be kept (the parse goes on). */
    void   (*string_cut)(void *ctx, const char *reason, uint64_t off);
    /* True when the open unit streams its parts as they come (a Bundle):
     * a break inside it cannot be quarantined as one unit, so it is fatal. */
    bool   (*streaming)(void *ctx);
} s4s_sax_callbacks;

s4s_sax *s4s_sax_new(size_t max_token, unsigned hard_depth, s4s_spill_fn spill, void *u);
void     s4s_sax_free(s4s_sax *s);
/* Registers the consumer; must be called before the first feed. */
void     s4s_sax_set_callbacks(s4s_sax *s, const s4s_sax_callbacks *cb, void *ctx);
/* The rawcap the consumer captures resources with and asks for lines. */
s4s_rawcap *s4s_sax_rawcap(s4s_sax *s);
/* Feed uncompressed bytes.  Returns S4S_OK, or the fatal rc (message via
 * s4s_sax_errmsg) when the stream cannot continue. */
s4s_rc   s4s_sax_feed(s4s_sax *s, const unsigned char *p, size_t n);
/* During the events of a top-level object: it was checked here (strict.h)
 * and is plain (s4s_strict_plain), so its bytes need no compaction. */
bool     s4s_sax_plain(const s4s_sax *s);
s4s_rc   s4s_sax_finish(s4s_sax *s);
const char *s4s_sax_errmsg(const s4s_sax *s);
/* offset just after the latest JSON event (where an out-of-memory stopped) */
uint64_t s4s_sax_offset(const s4s_sax *s);

/* The framing learned from the top-level objects so far: one per line, or
 * spanning lines; it decides whether a break is quarantined or fatal. */
typedef enum s4s_sax_mode { S4S_SAX_UNKNOWN, S4S_SAX_LINES, S4S_SAX_MULTI } s4s_sax_mode;
s4s_sax_mode s4s_sax_framing(const s4s_sax *s);
/* Between top-level values, with nothing pending (no open value, token,
 * broken line or cut string) and not stopped: bytes may be skipped. */
bool     s4s_sax_idle(const s4s_sax *s);
/* The idle parser steps over p[0..n), parsed elsewhere (a worker), as if it
 * had parsed whole values there: offsets, lines and the current line's
 * bytes advance (nl: as s4s_rawcap_skip's).  Returns the offset of p[0];
 * *line gets its 1-based line. */
uint64_t s4s_sax_skip(s4s_sax *s, const unsigned char *p, size_t n, uint64_t nl, uint64_t *line);
/* Makes the parser start over at absolute offset off on line `line`, with
 * the given framing, to parse bytes cut out of a stream (units of
 * s4s_sax_skip), which the caller keeps in one buffer and feeds in pieces
 * of it: captured raw bytes point into it.  Fed in the pieces the stream's
 * parser would have been fed (yajl places some errors by where a piece
 * begins), events and errors are those it would have produced there. */
void     s4s_sax_rebase(s4s_sax *s, uint64_t off, uint64_t line, s4s_sax_mode mode);
/* A whole unit after s4s_sax_rebase: p[0..n), kept by the caller, in which
 * an input block began at each of cuts[0..ncuts).  Each top-level object
 * that passes the strict check (strict.h) is replayed without yajl; from
 * the first that does not, the rest goes to s4s_sax_feed in those pieces.
 * Events, offsets and errors are those of feeding every piece to yajl.
 * (s4s_sax_feed too replays the whole lines at the front of what it is
 * given while values are one per line and the parser is idle.) */
s4s_rc   s4s_sax_feed_unit(s4s_sax *s, const unsigned char *p, size_t n, const size_t *cuts,
                           size_t ncuts);
/* Inside a streamed value, at level 2 in an array, waiting for an item
 * (given every byte before its brace, scan.h), and nothing pending. */
bool     s4s_sax_at_item(const s4s_sax *s);
/* Whole items of that array at the front of p[0..n) (objects separated by
 * commas, the first where s4s_sax_at_item said): those the strict check
 * takes are stepped over, to be parsed elsewhere (s4s_sax_replay_items):
 * yajl is given a stand-in ("{}", ",{}" after the first) with no events,
 * so its state moves on as if it had parsed them, and lines and offsets
 * advance.  Returns their length; *count gets how many, *off and *line
 * where they begin, *tape and *tape_len the tapes of their check (valid
 * until the next call).  0 when the parser does not wait for an item. */
size_t   s4s_sax_skip_items(s4s_sax *s, const unsigned char *p, size_t n, size_t *count,
                            uint64_t *off, uint64_t *line, const void **tape, size_t *tape_len);
/* A worker's parser, after s4s_sax_rebase at *off and *line: the events of
 * items another parser stepped over, a copy of its p[0..n), from the
 * tapes of its check, tape[0..tape_len) (as s4s_sax_skip_items gave them,
 * copied; 8-byte aligned): nothing is checked again.  Records that do not
 * cover p[0..n) stop the parse with S4S_ERR_INTERNAL. */
s4s_rc   s4s_sax_replay_items(s4s_sax *s, const unsigned char *p, size_t n, const void *tape,
                              size_t tape_len);
/* p[from..n) to s4s_sax_feed in the pieces cuts[0..ncuts) (offsets in p
 * where an input block began) mark. */
s4s_rc   s4s_sax_feed_pieces(s4s_sax *s, const unsigned char *p, size_t n, size_t from,
                             const size_t *cuts, size_t ncuts);
/* Every byte to yajl, none replayed (tests compare the two). */
void     s4s_sax_yajl_only(s4s_sax *s);

#endif
