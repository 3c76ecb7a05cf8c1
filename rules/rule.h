/*
 * rule.h - what a rule family sees: the resource, the issue and edit APIs,
 * and the registry row it is listed by.
 *
 * Rules never write output and do no I/O.  They read the tree, raise issues
 * with s4s_issue() and change it only through s4s_edit_*(), which records
 * every repair (old -> new) so report and stats see every change.
 *
 * Privacy rule for messages: name paths, codes, units, systems, ids.  Never
 * put free-text values (names, addresses, narrative, display text, comments)
 * into a message.  Codes and unit strings are fine.
 *
 * Ownership: an s4s_rctx and everything reachable from it belongs to the
 * pipeline; it is valid only during one apply() call.  Strings given to the
 * issue and edit functions are copied.
 */
#ifndef S4S_RULE_H
#define S4S_RULE_H
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include "../filter/base/node.h"
#include "../filter/base/rc.h"
#include "../filter/base/opts.h"

typedef struct s4s_jw s4s_jw;       /* filter/base/jsonw.h */
typedef struct s4s_term s4s_term;   /* terminology/term.h */

typedef enum s4s_sev {
    S4S_SEV_FATAL, S4S_SEV_ERROR, S4S_SEV_WARNING, S4S_SEV_INFO
} s4s_sev;

/* One issue or repair, kept in the resource arena until the resource is
 * reported. */
typedef struct s4s_issue_rec {
    struct s4s_issue_rec *next;
    s4s_sev     sev;
    const char *code;      /* FHIR issue-type: structure, required, value, invalid,
                              code-invalid, not-found, informational, ... */
    const char *path;      /* FHIRPath with indices; NULL until s4s_issue_paths()
                              (built only when someone reads it) */
    const s4s_node *node;  /* where it was raised, for the lazy path */
    const char *msg;       /* formatted, privacy-safe */
    const char *tmpl;      /* the printf template: groups messages in stats */
    const char *rule;      /* rule family that raised it */
    const char *old_val;   /* repairs only */
    const char *new_val;   /* repairs only */
    const char *repair;    /* repair kind (e.g. "ucum-unit"); NULL for plain issues */
    unsigned    count;     /* changes a tally repair stands for (s4s_repair_tally); 0 = one */
    bool        routine;   /* a tally of routine rewrites: reported only at --report-level=all */
    const char *once;      /* s4s_issue_once: kept only for the first resource, in input
                              order, that raises an issue with this key; else NULL */
    uint64_t    off;       /* input byte offset of the node */
} s4s_issue_rec;

/* An earlier resource that issues raised at the end of its Bundle are
 * about (the stream has written it already). */
typedef struct s4s_late_res {
    const char *type, *id;   /* as in its s4s_rctx */
    uint64_t    off, line;   /* its first byte */
    bool        rejected;    /* it was quarantined (s4s_rctx_rejects) */
} s4s_late_res;

/* Per-resource context handed to each rule. */
typedef struct s4s_rctx s4s_rctx;
struct s4s_rctx {
    s4s_arena      *arena;   /* the resource arena: allocate freely */
    s4s_node       *root;    /* the resource object */
    const char     *type;    /* resourceType or NULL */
    const char     *id;      /* id or NULL */
    uint64_t        off;     /* offset of the resource's '{' */
    uint64_t        line;    /* its 1-based input line */
    uint64_t        bundle;  /* 1-based number of the enclosing Bundle; 0 if none:
                                a change marks a Bundle boundary */
    const char     *full_url;/* the Bundle entry's fullUrl, or NULL */
    const char     *bundle_type; /* the enclosing Bundle's `type` once seen, or NULL */
    const char     *upgraded_from; /* "DSTU2"/"STU3" once the upgrade family converted
                                      this resource to R4, else NULL */
    const s4s_opts *opts;
    s4s_term       *term;    /* terminology cache, NULL with --no-terminology */
    const char     *rule;    /* name of the rule family now running */
    s4s_issue_rec  *issues, *issues_tail;
    unsigned        n_by_sev[4];
    unsigned        n_repairs;
    /* At the end of a Bundle only (root NULL): reports the issues raised on
     * rc so far as those of `who`, then empties rc's issue list. */
    void          (*late)(s4s_rctx *rc, const s4s_late_res *who);
    void           *late_u;  /* the pipeline's */
    /* the parser's list of the string members named "reference" (see
     * s4s_rctx_each_ref); reshaped: an edit inserted, moved or removed nodes
     * (edit.c), or the upgrade family converted the resource, since */
    s4s_node      **refs;
    uint32_t        nrefs;
    bool            refs_listed, reshaped;
    uint32_t        nodes;   /* with refs_listed and not reshaped: the number of
                                nodes below root */
    /* the nodes flagged S4S_NF_EDITED, in the order first edited (edit.c
     * s4s_edit_mark): the writer splices them into the raw bytes without
     * walking the tree; edits_over: more than S4S_EDITS_MAX, not listed */
    s4s_node      **edits;
    uint32_t        nedits;
    bool            edits_over;
    /* the resource's input bytes as the tree was built from them, for the
     * ANY families, or NULL (not kept: a spilled or split resource) */
    const char     *raw;
    size_t          raw_len;
    /* the parser built the tree: each container's s4s_node.kinds holds while
     * it is not reshaped (s4s_rctx_kinds) */
    bool            kinds;
    /* the elements the structure family's walk resolved that the invariants
     * family runs rows on (s4s_invariants_listing), in the order of a walk
     * (fhirpath.h s4s_fp_walk_list), so that family need not walk the tree
     * again.  elems_ok: the list is whole (that walk found no error and the
     * tree was not reshaped before it); it holds while rc is not reshaped. */
    const struct s4s_elem_ref *elems;
    uint32_t        nelems;
    bool            elems_ok;
};

/* Which elements the structure family lists for the invariants family
 * (rc->elems): by definition and by type, those an invariant row other
 * than ele-1 and dom-4 runs on, at any --invariants level; a resource is
 * always listed.  Constant tables, made once per process. */
typedef struct s4s_elem_listing {
    const bool *elem;   /* [S4S_FHIR_N_ELEMS] */
    const bool *type;   /* [S4S_FHIR_N_TYPES] */
} s4s_elem_listing;
const s4s_elem_listing *s4s_invariants_listing(void);
#define S4S_EDITS_MAX 256

/* Calls fn(u, ref) for each live string member named "reference" of the
 * resource, in document order (the order of a walk), until fn returns
 * false: from the parser's list when it has one and the tree has not been
 * reshaped since, else by walking the tree.  The families that only look
 * at references need not visit every node. */
void s4s_rctx_each_ref(s4s_rctx *rc, bool (*fn)(void *u, s4s_node *ref), void *u);

/* Whether a family may skip subtrees by their S4S_KK_* bits now: the parser
 * set them, and no edit has inserted or moved nodes since. */
static inline bool s4s_rctx_kinds(const s4s_rctx *rc) { return rc->kinds && !rc->reshaped; }

/* Flag n S4S_NF_EDITED (its value was replaced) and list it in rc->edits.
 * The s4s_edit_* setters call it; a rule that replaces a value itself
 * (recording its own repair) must too. */
void s4s_edit_mark(s4s_rctx *rc, s4s_node *n);

/* The resource is quarantined when its rules are done: an error under
 * --on-invalid=reject or fail.  The pipeline decides by this too. */
static inline bool s4s_rctx_rejects(const s4s_rctx *rc)
{
    return rc->n_by_sev[S4S_SEV_ERROR] + rc->n_by_sev[S4S_SEV_FATAL] > 0 &&
           rc->opts->on_invalid != S4S_INVALID_KEEP;
}

/* Raise an issue at node `at` (NULL means the resource root). */
void s4s_issue(s4s_rctx *rc, s4s_sev sev, const char *code, const s4s_node *at,
               const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void s4s_issue_path(s4s_rctx *rc, s4s_sev sev, const char *code, const char *path,
                    uint64_t off, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* Record a repair at `at` (severity information, code informational).
 * kind groups repairs in stats ("system-uri", "ucum-unit", "hgvs-aa1to3"...).
 * old_val/new_val may be NULL. */
void s4s_repair(s4s_rctx *rc, const s4s_node *at, const char *kind,
                const char *old_val, const char *new_val, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

/* Record `n` routine changes of one kind as a single repair (nothing when n
 * is 0), counted n times in stats and left out of the report below
 * --report-level=all.  Pairs with s4s_edit_set_str_tallied. */
void s4s_repair_tally(s4s_rctx *rc, const char *kind, unsigned n, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Mutate-and-record helpers.  Each records exactly one repair, except the
 * _tallied one, whose changes the caller records with s4s_repair_tally
 * before its apply returns. */
void      s4s_edit_set_str(s4s_rctx *rc, s4s_node *n, const char *val, size_t len,
                           const char *kind, const char *why);
/* The same, for values that must not appear in the report (they may be
 * free text): the repair records kind and path, never old or new. */
void      s4s_edit_set_str_noecho(s4s_rctx *rc, s4s_node *n, const char *val, size_t len,
                                  const char *kind, const char *why);
void      s4s_edit_set_str_tallied(s4s_rctx *rc, s4s_node *n, const char *val, size_t len,
                                   unsigned *tally);
void      s4s_edit_set_num(s4s_rctx *rc, s4s_node *n, const char *lexeme,
                           const char *kind, const char *why);
s4s_node *s4s_edit_add_str(s4s_rctx *rc, s4s_node *obj, const char *key,
                           const char *val, const char *kind, const char *why);
void      s4s_edit_remove(s4s_rctx *rc, s4s_node *n, const char *kind, const char *why);
/* Insert a subtree written as JSON text (e.g. an extension) after `ref`, or as
 * the last member/item of `parent` when ref is NULL.  key may be NULL for
 * array items.  Returns the new node or NULL if json is malformed. */
s4s_node *s4s_edit_insert_json(s4s_rctx *rc, s4s_node *parent, s4s_node *ref,
                               const char *key, const char *json,
                               const char *kind, const char *why);

/* Move `n` (with its subtree) under `to`: inserted after `ref` when ref is
 * not NULL (ref's parent must be `to`), else appended; it is named `key`
 * (NULL for an array item).  The original is removed.  One repair records
 * the move (values are not echoed: they may be free text). */
s4s_node *s4s_edit_move(s4s_rctx *rc, s4s_node *n, s4s_node *to, s4s_node *ref,
                        const char *key, const char *kind, const char *why);

/* Insert a deep copy of `src` right after `ref` (same parent). */
s4s_node *s4s_edit_insert_copy(s4s_rctx *rc, s4s_node *ref, const s4s_node *src,
                               const char *kind, const char *why);

/* The issue just raised on rc is one per run: the pipeline keeps it only
 * on the first resource, in input order, that raises one with this key
 * (copied).  A family that runs on several workers says "once" this way,
 * because its own memory of what it said is per worker. */
void s4s_issue_once(s4s_rctx *rc, const char *key);
/* For the pipeline, in input order: drops each "once" issue of rc whose key
 * first(u, key) says was raised before (first() records the key). */
void s4s_issue_drop_repeats(s4s_rctx *rc, bool (*first)(void *u, const char *key), void *u);

/* Fill in the FHIRPath of every issue of rc that has a node but no path
 * yet.  The hot path raises repairs by the hundred thousand; their paths
 * are only built when a report or a message needs them. */
void s4s_issue_paths(s4s_rctx *rc);

/* Where a family may run.  Most look at one resource at a time: they run on
 * any of the --threads workers, each worker with a state of its own (init
 * runs once per worker, with that worker's terminology handle), merged into
 * the first worker's before stats and side files are written.  A family
 * whose verdict depends on the resources before it runs in input order,
 * with one state and no terminology handle (NULL): before the parallel
 * families on the parse thread, or after them when resources are
 * committed.  In the registry BEFORE rows come first and AFTER rows last. */
typedef enum s4s_rule_order {
    S4S_RULE_ANY,
    S4S_RULE_BEFORE,
    S4S_RULE_AFTER,
} s4s_rule_order;

/* Per-run state of a rule family, created by init from the options. */
typedef struct s4s_rule {
    const char *name;
    /* Return S4S_OK and set *state (may stay NULL).  Called once per run. */
    s4s_rc (*init)(const s4s_opts *o, s4s_term *term, void **state);
    /* Inspect and repair one resource.  Called for every resource and every
     * contained resource is the rule's own business (it walks the tree). */
    void   (*apply)(s4s_rctx *rc, void *state);
    /* Write this family's stats section as `"key": {...}` members into the
     * open stats object; NULL if the family adds none. */
    void   (*stats)(void *state, s4s_jw *w);
    /* At end of run: write a side file the family owns (e.g. the coverage
     * TSV) to a stream the pipeline opened.  NULL if none. */
    void   (*side_output)(void *state, const s4s_outputs *io);
    void   (*fini)(void *state);
    s4s_rule_order order;
    /* S4S_RULE_ANY families with stats or side files: add what `from` (another
     * worker's state, left as it was) counted into `into`.  The result must
     * not depend on how resources were spread over workers. */
    void   (*merge)(void *into, const void *from);
} s4s_rule;

/* The registry: rules/registry.c lists every family in run order, and says
 * which of them run under the given options (init, apply, stats and
 * side_output are called only for those). */
extern const s4s_rule *const s4s_rules[];
extern const unsigned s4s_n_rules;
bool s4s_rule_enabled(unsigned i, const s4s_opts *o);
/* A Bundle has ended (rc->bundle, rc->bundle_type, rc->late set; no
 * resource): family i concludes what spans the Bundle, with its state. */
void s4s_rule_bundle_end(unsigned i, s4s_rctx *rc, void *state);

#endif
