/*
 * passthru.h - --no-validate's tree-free path for whole NDJSON lines and
 * whole Bundles.
 *
 * With no rule to run, a clean NDJSON resource comes out as its own bytes,
 * compacted (s4s_write_compact).  Building its tree only to learn that
 * costs more than the parse.  s4s_passthru_check() looks at a worker's
 * unit of whole lines with yajl events alone: when every line holds one
 * object the tree path would write unchanged, it keeps the compacted lines
 * and their resourceTypes; otherwise it declines the whole unit and the
 * caller parses it with the tree path, which names the problem.  Declining
 * is always safe, so outputs are the same either way.  s4s_passthru_bundles()
 * does the same for a unit of Bundles, whose only change would be the
 * urn:uuid rewrite: it makes that rewrite on the bytes.
 *
 * Ownership: s4s_passthru_new() owns its yajl handle and buffers, freed by
 * s4s_passthru_free(); what s4s_passthru_line() and s4s_passthru_out()
 * return stays valid until the next check.  One thread per object.
 */
#ifndef S4S_PASSTHRU_H
#define S4S_PASSTHRU_H

#include <stdbool.h>
#include <stddef.h>
#include "base/buf.h"
#include "base/opts.h"

typedef struct s4s_passthru s4s_passthru;

/* a longer resourceType is left to the tree path */
#define S4S_PT_TYPE_MAX 64

/* One accepted line: where it is in the unit, its output in s4s_passthru_out() */
typedef struct s4s_pt_line {
    size_t at, len;          /* its bytes in the unit, newline included */
    size_t line;             /* lines before it in the unit */
    size_t out_at, out_len;  /* its compacted bytes and newline */
    size_t type_len;
    char   type[S4S_PT_TYPE_MAX]; /* resourceType, NUL-terminated */
    unsigned rewritten;      /* a Bundle entry's: urn:uuid references rewritten */
    unsigned bundle;         /* a Bundle entry's: which of the unit's Bundles, from 0 */
} s4s_pt_line;

/* o is borrowed (the limits: --max-depth, --max-resource-bytes); max_unit
 * caps the units checked (longer ones are declined). */
s4s_passthru *s4s_passthru_new(const s4s_opts *o, size_t max_unit);
void          s4s_passthru_free(s4s_passthru *q);
/* Checks p[0..n), whole lines (the last one may lack its newline): true
 * when every line is accepted (blank ones are skipped) and one at least. */
bool          s4s_passthru_check(s4s_passthru *q, const unsigned char *p, size_t n);
/* Checks p[0..n), whole top-level values printed across lines: true when
 * every one is a Bundle whose entries' resources the tree path would write
 * with no change but their urn:uuid references rewritten (urnuuid.c, which
 * the caller tells of each count: s4s_urnuuid_tally) and no issue; a line
 * record per resource, its output those bytes. */
bool          s4s_passthru_bundles(s4s_passthru *q, const unsigned char *p, size_t n);
size_t        s4s_passthru_count(const s4s_passthru *q);
const s4s_pt_line *s4s_passthru_line(const s4s_passthru *q, size_t i);
const s4s_buf *s4s_passthru_out(const s4s_passthru *q);

#endif
