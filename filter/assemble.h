/*
 * assemble.h - JSON events to resources.
 *
 * Decides what a resource is: a top-level object, or each entry.resource of
 * a top-level Bundle (streamed: the Bundle shell is never held), or, when a
 * Bundle names its resourceType after its entries, each entry of the
 * assembled Bundle.  Each resource is built as a tree in the assembler's
 * arena and handed to the callback, then the arena is reset.
 * Units that cannot be resources (broken NDJSON lines, top-level scalars,
 * invalid UTF-8, too deep, too large) are handed over too, with a reason,
 * so the pipeline can quarantine them: nothing is dropped.  When a Bundle
 * closes, a marker (bundle_end) follows its last entry, so checks that span
 * the Bundle can conclude; a Bundle cut short by broken JSON gets none.
 *
 * Events come from sax.c through its callbacks table (sax.h); assemble
 * depends on sax, never the other way round.
 *
 * Ownership: everything in an s4s_res (tree, strings, raw bytes) is valid
 * only during the callback.
 */
#ifndef S4S_ASSEMBLE_H
#define S4S_ASSEMBLE_H
#include <stdbool.h>
#include <stdint.h>
#include "base/arena.h"
#include "base/buf.h"
#include "base/node.h"
#include "s4s.h"

typedef struct s4s_sax s4s_sax;

typedef struct s4s_res {
    s4s_arena     *arena;
    s4s_node      *root;       /* the resource object; NULL when broken */
    uint64_t       off;        /* offset of its first byte */
    uint64_t       line;       /* 1-based input line of its first byte */
    const char    *reason;     /* non-NULL: quarantine, privacy-safe text */
    const char    *reason_code;/* FHIR issue type for the reason */
    uint64_t       reason_off; /* where the problem is */
    const s4s_buf *raw;        /* input bytes as received, or NULL */
    bool           spilled;    /* raw went to the spill function already */
    const char    *full_url;   /* Bundle entry fullUrl, or NULL */
    uint64_t       bundle;     /* 1-based number of the enclosing Bundle, 0 if none */
    const char    *bundle_type;/* that Bundle's `type` once seen (it may follow the
                                  entries), or NULL */
    bool           bundle_end; /* not a resource: the Bundle `bundle` has closed
                                  (root, raw and reason are NULL) */
    bool           shared;     /* arena shared with resources still to come (a split
                                  Bundle): it must not be handed over */
    bool           outcome;    /* its Bundle entry has search.mode "outcome" (a
                                  server's OperationOutcome, not data) */
    void          *job;        /* the pipeline's, while the resource is on its way */
    void          *unit;       /* the pipeline's: not a resource but top-level values
                                  (their bytes) for a worker to parse (scan.h) */
    s4s_node     **refs;       /* its string members named "reference", in document
                                  order (rules/rule.h s4s_rctx_each_ref), in the arena */
    uint32_t       nrefs;
    bool           refs_listed;/* refs holds them all: the tree is its own (not a
                                  split Bundle's) and they were not too many */
    uint32_t       nodes;      /* with refs_listed: the nodes below root */
    bool           kinds;      /* every node of the tree carries its s4s_node.kinds */
    bool           plain;      /* raw is a top-level object as s4s_write_compact would
                                  write it (sax.h s4s_sax_plain): no compaction needed */
    bool           raw_nl;     /* a newline follows raw where it is kept, as long as
                                  the arena (a unit's bytes): raw and it can be the
                                  output line as they are (the pipeline's) */
} s4s_res;

typedef s4s_rc (*s4s_res_fn)(void *u, s4s_res *r);

typedef struct s4s_asm s4s_asm;

s4s_asm *s4s_asm_new(const s4s_opts *o, s4s_res_fn on_res, void *u);
/* The arena bytes one resource's tree may use before it is quarantined as
 * too costly. */
size_t   s4s_asm_node_budget(const s4s_opts *o);
void     s4s_asm_free(s4s_asm *a);
/* Registers the assembler's callbacks with sax (events, broken units, cut
 * strings) and captures resources with sax's rawcap. */
void     s4s_asm_attach(s4s_asm *a, s4s_sax *s);
/* The pipeline took the arena of the resource just delivered (to process it
 * on another thread); assemble continues in `next`. */
void     s4s_asm_set_arena(s4s_asm *a, s4s_arena *next);
/* While held, the arena is not reset between resources: the pipeline keeps
 * the ones delivered in it (a batch) until it hands the arena over. */
void     s4s_asm_hold(s4s_asm *a, bool hold);
/* A worker's assembler, before each unit (top-level values cut out of the
 * stream, sax.h s4s_sax_rebase): every resource of the unit is built in
 * `arena` (borrowed; nothing is reset between them), and Bundles are
 * numbered from bundles + 1, a range no other assembler uses. */
void     s4s_asm_unit(s4s_asm *a, s4s_arena *arena, uint64_t bundles);
/* a streamed Bundle is open (names the place in an out-of-memory message) */
bool     s4s_asm_in_bundle(const s4s_asm *a);

/* Where a streamed Bundle's entry array stands, between two entries: what
 * another assembler needs to build the next entries as this one would. */
typedef struct s4s_asm_entries {
    uint64_t bundle;        /* its number */
    uint64_t entries;       /* entries opened so far */
    bool     entries_dup;   /* the Bundle's second "entry" array */
    bool     have_type;
    char     type[32];
    uint64_t unit_off, unit_line;
} s4s_asm_entries;
void     s4s_asm_entries_at(const s4s_asm *a, s4s_asm_entries *e);
/* The stream's assembler is inside a streamed Bundle's entry array,
 * between two entries (nothing of an entry pending). */
bool     s4s_asm_between_entries(const s4s_asm *a);
/* The stream's assembler: `count` whole entries were built elsewhere. */
void     s4s_asm_skip_entries(s4s_asm *a, uint64_t count);
/* A worker's assembler, before whole entries of that array (sax.h
 * s4s_sax_replay_items): as s4s_asm_unit, then inside the array as e says. */
void     s4s_asm_unit_entries(s4s_asm *a, s4s_arena *arena, const s4s_asm_entries *e);

#endif
