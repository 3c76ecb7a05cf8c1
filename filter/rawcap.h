/*
 * rawcap.h - the input bytes behind the events: raw capture and line index.
 *
 * The parser shows each chunk of uncompressed input to the rawcap before it
 * parses it.  Two things are kept from it:
 *  - the line index: the 1-based line of any offset at or after the last
 *    one asked about (newlines are counted once, as offsets advance), and
 *    the bytes of the current line that came in earlier chunks;
 *  - the capture: the bytes of one resource, from its first byte to its
 *    end, so a quarantined resource can be written exactly as received.  A
 *    capture that outgrows its cap streams to the spill function instead.
 *
 * Ownership: the rawcap borrows the chunk until the next s4s_rawcap_chunk();
 * the buffer handed out by s4s_rawcap_end() stays valid until the next
 * capture begins.  s4s_rawcap_free() releases everything.
 */
#ifndef S4S_RAWCAP_H
#define S4S_RAWCAP_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "base/buf.h"

typedef struct s4s_rawcap s4s_rawcap;

/* spill receives, in order, the raw bytes of a capture that outgrew its cap. */
typedef void (*s4s_spill_fn)(void *u, const char *p, size_t n);

s4s_rawcap *s4s_rawcap_new(size_t max, s4s_spill_fn spill, void *u);
void        s4s_rawcap_free(s4s_rawcap *c);

/* The chunk being parsed now: p[0..n) at absolute offset abs. */
void     s4s_rawcap_chunk(s4s_rawcap *c, const unsigned char *p, uint64_t abs, size_t n);
/* The chunk was parsed to its end: take its bytes into the capture and the
 * line count. */
void     s4s_rawcap_chunk_done(s4s_rawcap *c);
/* A chunk of the input stream itself (not a re-parse) was done: remember
 * the start of its last line for s4s_rawcap_begin_line(). */
void     s4s_rawcap_stream_done(s4s_rawcap *c, const unsigned char *p, uint64_t abs, size_t n);

uint64_t s4s_rawcap_line(s4s_rawcap *c, uint64_t abs); /* 1-based line of an offset */
/* The parse goes back to abs, the first byte of line `line` (a broken line
 * re-read from its successor): lines are counted from there again. */
void     s4s_rawcap_rewind_lines(s4s_rawcap *c, uint64_t abs, uint64_t line);

void     s4s_rawcap_begin(s4s_rawcap *c, uint64_t abs, size_t max);
/* Begins a capture at the start of the current line, or at `from` when that
 * is later, with the line's bytes from earlier chunks when they were kept. */
void     s4s_rawcap_begin_line(s4s_rawcap *c, uint64_t from);
/* Stops capturing at abs (exclusive).  *raw gets the bytes; NULL with
 * *spilled set when they outgrew the cap and went to the spill function;
 * NULL and not spilled when no capture was running. */
void     s4s_rawcap_end(s4s_rawcap *c, uint64_t abs, const s4s_buf **raw, bool *spilled);
void     s4s_rawcap_abort(s4s_rawcap *c);
/* The parse stops at abs: a capture takes its bytes up to there, no more
 * (what was spilled then ends where the input broke, whatever the chunks). */
void     s4s_rawcap_cut(s4s_rawcap *c, uint64_t abs);
bool     s4s_rawcap_on(const s4s_rawcap *c);
/* A capture continues with the chunk at abs (after re-parsing held bytes). */
void     s4s_rawcap_resume(s4s_rawcap *c, uint64_t abs);

/* The bytes [abs, abs+n) were handled elsewhere: count their lines and keep
 * the current line's bytes, as if they had been parsed here.  nl: how many
 * newlines they hold when the caller counted them (lines framing: they end
 * with one), else S4S_NL_UNCOUNTED (they are counted here). */
#define S4S_NL_UNCOUNTED UINT64_MAX
void     s4s_rawcap_skip(s4s_rawcap *c, const unsigned char *p, uint64_t abs, size_t n, uint64_t nl);
/* Starts over at abs, the first byte of line `line` or inside it (no
 * capture, no line bytes kept), for bytes the caller keeps in one buffer
 * and feeds in pieces of it (a unit): from then on a capture is a view of
 * that buffer, valid as long as its bytes. */
void     s4s_rawcap_rebase(s4s_rawcap *c, uint64_t abs, uint64_t line);

/* Offset of the first newline in [from, to), searched in the captured bytes
 * and the current chunk.  False when there is none, or when it may lie in
 * bytes that are no longer held (the capture spilled). */
bool     s4s_rawcap_find_nl(const s4s_rawcap *c, uint64_t from, uint64_t to, uint64_t *nl);
/* Appends captured bytes [from, to) to dst (both inside the capture). */
void     s4s_rawcap_copy(const s4s_rawcap *c, uint64_t from, uint64_t to, s4s_buf *dst);

#endif
