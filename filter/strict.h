/*
 * strict.h - whole JSON objects checked against a strict grammar, then
 * replayed as yajl events without yajl: the fast path of a worker's unit
 * parse (sax.h s4s_sax_feed_unit).
 *
 * yajl's lexer, which looks at each byte through a table and re-enters per
 * token, is a third of the instructions of a default run over compact FHIR.
 * A unit holds whole values (scan.h), so no token is cut by a chunk: each
 * top-level object is checked first, with no side effect but a tape of
 * where its tokens lie, and only then are its events produced from the
 * tape, in yajl's order and with yajl's offsets (just past each token).
 * The check takes only what yajl, as sax configures it (strings not
 * validated), parses to the same events: it declines a \u escape (yajl's
 * decoding of surrogates is its own), a control character in a string, \f
 * or \v between tokens, a top-level value other than an object, nesting
 * deeper than the cap and more tokens than the tape holds.  Declining is
 * always safe: yajl then parses it.
 *
 * Ownership: an s4s_strict owns its tape and string buffer (both capped);
 * the strings handed to a callback are valid only during the call.
 */
#ifndef S4S_STRICT_H
#define S4S_STRICT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <yajl/yajl_parse.h>
#include "base/buf.h"

/* Levels of nesting the check follows (a deeper value is declined). */
#define S4S_STRICT_DEPTH 2048

/* A checked value's tokens (the tape) and its decoded strings; reused. */
typedef struct s4s_strict s4s_strict;

/* max_tokens: a value with more is declined (the tape's memory bound). */
s4s_strict *s4s_strict_new(size_t max_tokens, size_t max_string);
void        s4s_strict_free(s4s_strict *t);

/* p[0] == '{': the length of the object beginning there when it passes the
 * check, nesting at most max_depth deep, its tokens then on the tape; 0:
 * declined. */
size_t s4s_strict_check(s4s_strict *t, const unsigned char *p, size_t n, unsigned max_depth);
/* The object s4s_strict_check() passed last has no byte between its tokens
 * but the grammar's (no whitespace) and no escape in its strings: its bytes
 * are as s4s_write_compact (writer.h) would give them back. */
bool s4s_strict_plain(const s4s_strict *t);

/* The events of the object s4s_strict_check() passed last (p as given to
 * it), through cb (yajl's table; yajl_number for every number).  Before
 * each call *at is set to where yajl_get_bytes_consumed() would stand
 * (relative to p).  Returns 0 when a callback did (the replay stops
 * there), else 1. */
int s4s_strict_replay(s4s_strict *t, const unsigned char *p, const yajl_callbacks *cb, void *ctx,
                      size_t *at);

/* The tape of the object s4s_strict_check() passed last, its bytes
 * appended to `to` (false: its cap refused them).  A thread that checked
 * an object hands the tape over, so that another replays it without
 * checking again. */
bool s4s_strict_save(const s4s_strict *t, s4s_buf *to);
/* s4s_strict_replay from the bytes[0..bytes) s4s_strict_save() appended
 * (4-byte aligned), over the same bytes or a copy of them, p as given to
 * that check; t decodes the strings with escapes. */
int s4s_strict_replay_saved(s4s_strict *t, const void *tape, size_t bytes, const unsigned char *p,
                            const yajl_callbacks *cb, void *ctx, size_t *at);

#endif
