/*
 * fhirpath.h - a FHIRPath 2.0 (normative, as FHIR R4 uses it) engine over
 * the resource tree of filter/base/node.h.
 *
 * Compile once (lexer -> parser -> checker), evaluate many times.  The
 * checker resolves every function name, arity and type specifier at compile
 * time, so evaluation never looks names up by string except member names in
 * the R4 tables.  Evaluation allocates only from the arena it is given (the
 * resource's arena): no heap allocation per node or per value.
 *
 * Ownership: a compiled s4s_fp_expr lives in the arena passed to
 * s4s_fp_compile() and is immutable afterwards, so one expression may be
 * evaluated by several threads, each with its own s4s_fp_env.  Results live
 * in env->arena until it is reset.
 */
#ifndef S4S_FHIRPATH_H
#define S4S_FHIRPATH_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "../filter/base/arena.h"
#include "../filter/base/node.h"
#include "../filter/base/rc.h"
#include "../filter/base/buf.h"

typedef struct s4s_fp_expr s4s_fp_expr;
typedef struct s4s_ucum s4s_ucum;
typedef struct s4s_fp_val s4s_fp_val;
typedef struct s4s_term s4s_term;   /* terminology/term.h */

#define S4S_FP_ERR 160 /* room for one error message */

/* Compile src[0..n).  On a syntax or type error returns S4S_ERR_INVALID
 * and writes "message at position N" (1-based byte position) to err. */
s4s_rc s4s_fp_compile(s4s_arena *a, const char *src, size_t n, s4s_fp_expr **out,
                      char *err, size_t errsz);

/* A result collection (items in env->arena). */
typedef struct s4s_fp_coll {
    s4s_fp_val *v;
    uint32_t    n, cap;
} s4s_fp_coll;

/* One evaluation's state.  Fill arena, resource (the root of the tree) and
 * optionally ucum (a per-thread handle for quantity comparison), trace. */
typedef struct s4s_fp_env {
    s4s_arena      *arena;
    const s4s_node *resource;  /* %resource: the resource holding the element */
    const s4s_node *root;      /* %rootResource (its container); NULL: resource */
    s4s_ucum       *ucum;      /* NULL: quantities with different units do not compare */
    FILE           *trace;     /* trace() output, or NULL */
    s4s_term       *term;      /* memberOf()'s code systems; NULL: whole-system includes unknown */
    /* memberOf() could not decide for value set vs (not in the table, or a
     * code system the cache does not hold): the result is empty and this is
     * called, if set, so the caller can report it once */
    void          (*vs_not_evaluated)(void *ud, const char *vs, size_t n);
    /* value sets the caller knows beyond the table (a profile package's),
     * if set: 1 member, 0 not, -1 undecidable, -2 not known (the table is
     * asked then); system NULL for a bare code; code NULL only asks
     * whether the set is known (-2 or not) */
    int           (*vs_member)(void *ud, const char *vs, size_t n, const char *system, const char *code);
    void           *vs_ud;
    char            err[S4S_FP_ERR]; /* runtime error, "" if none */
    unsigned        budget;    /* remaining item operations; 0 = error "too costly" */
    void           *regex;     /* compiled patterns, owned; s4s_fp_env_fini() frees */
    /* engine-private: results of focus-independent subexpressions within
     * one evaluation (dom-3 asks for %resource.descendants() per item) */
    unsigned        nmemo;
    const void     *memo_key[8];
    s4s_fp_coll     memo_val[8];
    unsigned        ndesc;     /* descendants() of single nodes, same lifetime */
    const void     *desc_key[4];
    s4s_fp_coll     desc_val[4];
    char            rt_name[32]; /* the last resourceType looked up, its length and type */
    size_t          rt_len;
    unsigned        rt_type;
} s4s_fp_env;

/* Release what evaluations cached in env (compiled regular expressions). */
void s4s_fp_env_fini(s4s_fp_env *env);

/* Evaluate e with $this = the element `node` whose FHIR type is type_id
 * (S4S_FHIR_NONE: inferred from resourceType or the JSON) and whose
 * children context is ctx (S4S_FHIR_NONE: the type's).  Returns S4S_OK or
 * S4S_ERR_INVALID with env->err set. */
s4s_rc s4s_fp_eval(const s4s_fp_expr *e, s4s_fp_env *env, const s4s_node *node,
                   unsigned type_id, unsigned ctx, s4s_fp_coll *out);

/* Evaluate e with $this = one element item (as s4s_fp_walk hands out). */
s4s_rc s4s_fp_eval_item(const s4s_fp_expr *e, s4s_fp_env *env, const s4s_fp_val *item,
                        s4s_fp_coll *out);

/* Visit the elements of the resource tree rooted at `resource`, typed by
 * the R4 model.  want(ud, elem, type) says whether an element is of
 * interest (elem: index into s4s_fhir_elems or S4S_FHIR_NONE for resource
 * roots; type: type id or NONE); fn then gets its item, definition, type,
 * children context, the resource that holds it and the node to report at.
 * live (NULL: every context) marks the contexts (s4s_fhir_ctxs) below which a
 * wanted element can occur; in the others only `_name` members (a
 * primitive's extensions, which no definition shows) are followed.
 * Allocates nothing. */
#define S4S_FP_WALK_DEPTH 256 /* objects nested deeper are not walked */
typedef bool (*s4s_fp_want)(void *ud, unsigned elem, unsigned type);
typedef void (*s4s_fp_visit)(void *ud, const s4s_fp_val *item, unsigned elem, unsigned type,
                             unsigned ctx, const s4s_node *res, const s4s_node *at);
void s4s_fp_walk(s4s_fp_env *env, const s4s_node *resource, const bool *live, s4s_fp_want want,
                 s4s_fp_visit fn, void *ud);

/* An element as the walk reaches it, named by its definition and type
 * (elem, type: as the member's s4s_fhir_key gives them): val, an item (or
 * the single value) of a member of the object val's member belongs to; or,
 * alone, an object item of a `_name` member with no `name` beside it (an
 * extension-only primitive).  res: the resource that holds it. */
typedef struct s4s_elem_ref {
    const s4s_node *val, *res;
    uint16_t        elem, type;
    bool            alone;
} s4s_elem_ref;

/* s4s_fp_walk's visits, from a list instead of the tree: the resource
 * root's, then each listed element's that want() takes, in list order.
 * Listed in the walk's order, every element the walk would hand to fn
 * among others, on the tree as it was listed, it makes the walk's calls. */
void s4s_fp_walk_list(s4s_fp_env *env, const s4s_node *resource, const s4s_elem_ref *list, size_t n,
                      s4s_fp_want want, s4s_fp_visit fn, void *ud);

/* The tree node an element item stands for (NULL for an extension-only
 * primitive). */
const s4s_node *s4s_fp_item_node(const s4s_fp_val *item);

/* A member whose absence decides e: evaluated with $this an object that
 * has no member *name (nor a choice "<name>X", nor "_<name>"), e is true
 * (*truth 1) or empty (*truth -1), whatever else $this holds, so callers
 * may skip the evaluation.  False when no member of $this decides e
 * (fhirpath_check.c, from the expression's shape alone). */
bool s4s_fp_guard(const s4s_fp_expr *e, const char **name, size_t *n, int *truth);

/* A result as a constraint sees it: 1 true, 0 false, -1 empty or not a
 * single boolean (not evaluated). */
int s4s_fp_truth(const s4s_fp_coll *c);

/* Append the result as the CLI prints it: [{"type":..,"value":..},...]. */
void s4s_fp_write_result(s4s_buf *b, const s4s_fp_coll *c);

/* What s4s_fp_run() evaluates with; every field may be NULL. */
typedef struct s4s_fp_run_opts {
    s4s_term   *term;     /* memberOf()'s code systems */
    FILE       *trace;    /* trace() output */
    FILE       *info;     /* "value set ... not evaluated" notes, once per value set */
    const char *context;  /* an expression selecting the %context items (NULL: the resource) */
} s4s_fp_run_opts;

/* Compile expr, evaluate it against the JSON object text json (NULL: no
 * context) and append the one-line answer ({"result":...} or {"error":...},
 * no newline) to out.  With o->context, expr is evaluated once per item
 * that o->context selects, as the filter runs an invariant on an element:
 * %context is the item, %resource the resource holding it (a contained
 * resource for an item inside one), %rootResource that resource's
 * container (else %resource); the results are concatenated.  Returns the
 * CLI's exit status: 0, 1 (expression error), 2 (input not JSON). */
int s4s_fp_run(const char *expr, const char *json, const s4s_fp_run_opts *o, s4s_buf *out);

/* `s4s-term fhirpath [--trace] [--context EXPR] EXPR [FILE|-]` (fhirpath_cli.c). */
int s4s_term_cmd_fhirpath(int argc, char **argv);

#endif
