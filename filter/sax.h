/*
 * sax.h - bytes to JSON events: yajl, offsets, lines, raw capture, recovery.
 *
 * sax owns the yajl handle and everything byte-level: the absolute
 * uncompressed offset of every event, line numbers, the raw copy of the
 * resource being assembled (for byte-for-byte quarantine), the cut of strings
 * longer than the limit (yajl would otherwise buffer them whole), the depth
 * cap that bounds yajl's own stack, and recovery from broken NDJSON lines.
 * Events go to assemble.c (s4s_asm_*), which decides what a resource is.
 *
 * Ownership: s4s_sax_new() borrows the assembler; s4s_sax_free() releases
 * the yajl handle and buffers.  Raw bytes handed out by s4s_sax_capture_end()
 * stay valid until the next capture begins.
 */
#ifndef S4S_SAX_H
#define S4S_SAX_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "base/buf.h"
#include "base/rc.h"

typedef struct s4s_sax s4s_sax;
typedef struct s4s_asm s4s_asm;

typedef void (*s4s_spill_fn)(void *u, const char *p, size_t n);
/* spill receives, in order, the raw bytes of a capture that outgrew its cap. */
s4s_sax *s4s_sax_new(s4s_asm *as, size_t max_token, unsigned hard_depth,
                     s4s_spill_fn spill, void *u);
void     s4s_sax_free(s4s_sax *s);
/* Feed uncompressed bytes.  Returns S4S_OK, or the fatal rc (message via
 * s4s_sax_errmsg) when the stream cannot continue. */
s4s_rc   s4s_sax_feed(s4s_sax *s, const unsigned char *p, size_t n);
s4s_rc   s4s_sax_finish(s4s_sax *s);
const char *s4s_sax_errmsg(const s4s_sax *s);
/* offset just after the latest JSON event (where an out-of-memory stopped) */
uint64_t s4s_sax_offset(const s4s_sax *s);

/* Used by assemble.c while a resource is built. */
void     s4s_sax_capture_begin(s4s_sax *s, uint64_t abs_off, size_t max);
/* Stops capturing at abs_off (exclusive).  *raw gets the bytes; NULL with
 * *spilled set when they outgrew the cap and went to the spill function;
 * NULL and not spilled when no capture was running. */
void     s4s_sax_capture_end(s4s_sax *s, uint64_t abs_off, const s4s_buf **raw, bool *spilled);
void     s4s_sax_capture_abort(s4s_sax *s);
uint64_t s4s_sax_line(s4s_sax *s, uint64_t abs_off); /* 1-based line of an offset */
/* Ask sax to stop: the next return from s4s_sax_feed carries rc. */
void     s4s_sax_stop(s4s_sax *s, s4s_rc rc);

#endif
