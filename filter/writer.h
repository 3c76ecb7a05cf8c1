/*
 * writer.h - trees and raw bytes to compact one-line JSON.
 *
 * s4s_write_node() re-serializes a (possibly edited) tree: key order as
 * built, number lexemes verbatim, strings escaped minimally, removed nodes
 * skipped.  s4s_compact() strips insignificant whitespace from raw input
 * bytes without touching anything else (the quarantine copy), streaming: the
 * state carries string/escape context across calls.  s4s_write_raw_line()
 * chooses between the bytes as received and their compacted form.
 * Ownership: output is appended to a caller-owned s4s_buf.
 */
#ifndef S4S_WRITER_H
#define S4S_WRITER_H
#include <stdbool.h>
#include "base/buf.h"
#include "base/node.h"

bool s4s_write_node(s4s_buf *b, const s4s_node *n);

typedef struct s4s_compact_state {
    bool in_str, esc;
} s4s_compact_state;
/* Appends the compacted form of p[0..n); newlines outside strings are
 * dropped too, so the result is one line. */
bool s4s_compact(s4s_buf *b, const char *p, size_t n, s4s_compact_state *st);
/* The quarantine copy of a resource's raw bytes: exactly as received when
 * they are one line (a final CR of a CRLF line dropped), compacted to one
 * line otherwise.  Broken JSON stays byte for byte where it can. */
bool s4s_write_raw_line(s4s_buf *b, const char *p, size_t n);
/* The raw bytes of a complete, valid resource that no rule changed, as the
 * clean output: whitespace between tokens dropped, nothing else touched.
 * Only for bytes the parser accepted (a string holds no raw control byte).
 * Returns false, having appended nothing, when a string escape is not
 * spelled as s4s_write_node would spell it (\/, \u00e9...): the caller
 * writes the tree, so the output is the same whichever way it is made. */
bool s4s_write_compact(s4s_buf *b, const char *p, size_t n);
/* The most s4s_write_compact may use of what the CPU has (default: all):
 * S4S_PACK_PLAIN is baseline x86-64, S4S_PACK_SHUFFLE adds SSSE3, S4S_PACK_COMPRESS
 * AVX-512 VBMI2.  Tests compare the levels; call before threads start. */
enum { S4S_PACK_PLAIN, S4S_PACK_SHUFFLE, S4S_PACK_COMPRESS };
void s4s_write_compact_simd(int max_level);
/* The same for a resource whose only changes are string values replaced in
 * place (S4S_NF_EDITED strings that were strings in the input, nothing
 * removed or inserted: the urn:uuid rewrite, a system URI moved): the raw
 * bytes compacted, each such value written as s4s_write_node writes it.
 * at: the input offset of p[0] (nodes hold absolute offsets).  edits:
 * the edited values, in any order, when the caller knows them all and
 * that nothing was removed, inserted or moved (rules/rule.h rc->edits; no
 * walk); NULL: found by walking root.  Returns false, having appended
 * nothing, when it cannot: the caller writes the tree, which gives the
 * same bytes. */
bool s4s_write_compact_edited(s4s_buf *b, const char *p, size_t n, uint64_t at, const s4s_node *root,
                              const s4s_node *const *edits, size_t nedits);

#endif
