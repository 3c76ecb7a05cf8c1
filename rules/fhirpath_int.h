/*
 * fhirpath_int.h - what the FHIRPath engine's files share: tokens, the AST,
 * values and the helpers each file exports to the others.
 *
 * Files: fhirpath_lex.c (tokens), fhirpath_parse.c (AST), fhirpath_check.c
 * (function and type resolution), fhirpath_value.c (decimals, dates,
 * quantities, conversions), fhirpath_eval.c (navigation and operators),
 * fhirpath_fn.c (the function library), fhirpath_cli.c (s4s-term fhirpath).
 * Ownership: AST nodes live in the compile arena; values in the eval arena.
 */
#ifndef S4S_FHIRPATH_INT_H
#define S4S_FHIRPATH_INT_H
#include "fhirpath.h"
#include <unicode/uregex.h>

/* --- tokens ------------------------------------------------------------ */
typedef enum fp_tok {
    T_EOF, T_ID, T_DELIM_ID, T_STR, T_NUM, T_DATE, T_DATETIME, T_TIME, T_EXT,
    T_THIS, T_INDEX, T_TOTAL, T_DOT, T_LPAR, T_RPAR, T_LBR, T_RBR, T_LBRACE,
    T_RBRACE, T_COMMA, T_PLUS, T_MINUS, T_STAR, T_SLASH, T_AMP, T_PIPE, T_EQ,
    T_NE, T_EQUIV, T_NEQUIV, T_LT, T_LE, T_GT, T_GE, T_ERR
} fp_tok;

typedef struct fp_lexer {
    const char *s;
    size_t      n, pos;
    /* current token */
    fp_tok      t;
    size_t      start;      /* byte offset of the token */
    const char *text;       /* unescaped text (identifiers, strings, %names) */
    size_t      tlen;
    const char *err;
    s4s_arena  *a;
} fp_lexer;

void fp_lex_init(fp_lexer *l, s4s_arena *a, const char *s, size_t n);
void fp_lex_next(fp_lexer *l);
/* the token is the identifier (or keyword) w */
bool fp_lex_is(const fp_lexer *l, const char *w);

/* --- values ------------------------------------------------------------ */
typedef struct fp_dec { int64_t m; int16_t sc; } fp_dec; /* m / 10^sc, sc >= 0 */

enum { FP_P_YEAR = 1, FP_P_MONTH, FP_P_DAY, FP_P_HOUR, FP_P_MIN, FP_P_SEC, FP_P_MS };
typedef struct fp_dt {
    int16_t  y;
    uint8_t  mo, d, h, mi, s;
    uint16_t ms;
    uint8_t  prec;     /* FP_P_*; for a Time, FP_P_HOUR.. */
    bool     tz;
    int16_t  tzmin;    /* offset east of UTC in minutes */
} fp_dt;

typedef enum fp_kind {
    FK_NODE, FK_BOOL, FK_INT, FK_DEC, FK_STR, FK_DATE, FK_DATETIME, FK_TIME, FK_QTY,
    FK_TYPE  /* what type() returns: a TypeInfo with namespace and name */
} fp_kind;

struct s4s_fp_val {
    uint8_t k;                 /* fp_kind */
    uint16_t type, ctx;        /* FK_NODE: FHIR type id and children context (or NONE) */
    uint16_t elem;             /* FK_NODE: element definition (s4s_fhir_elems) or NONE */
    const s4s_node *n;         /* FK_NODE: the value (NULL: only the `_x` extension) */
    const s4s_node *ext;       /* FK_NODE: the `_x` object of a primitive */
    union {
        bool b;
        int64_t i;
        fp_dec d;
        struct { const char *p; uint32_t len; } s;
        fp_dt dt;
        struct { fp_dec v; const char *unit; } q; /* unit: UCUM or a calendar word */
        struct { const char *ns, *name; } ti;     /* static strings: "FHIR"/"System", a type name */
    } u;
};
typedef s4s_fp_val fp_val;

/* --- AST --------------------------------------------------------------- */
typedef enum fp_op {
    OP_EMPTY, OP_LIT, OP_THIS, OP_INDEX, OP_TOTAL, OP_VAR, OP_MEMBER, OP_CALL,
    OP_INDEXER, OP_NEG, OP_IS, OP_AS,
    /* binary, in no particular order */
    OP_MUL, OP_DIV, OP_IDIV, OP_MOD, OP_ADD, OP_SUB, OP_CONCAT, OP_UNION,
    OP_LT, OP_LE, OP_GT, OP_GE, OP_EQ, OP_NE, OP_EQUIV, OP_NEQUIV, OP_IN,
    OP_CONTAINS, OP_AND, OP_OR, OP_XOR, OP_IMPLIES
} fp_op;

/* a type specifier after is/as/ofType */
typedef struct fp_tspec {
    uint16_t fhir;      /* FHIR type id or S4S_FHIR_NONE */
    int8_t   sys;       /* fp_kind of a System type, or -1 */
    bool     backbone;  /* BackboneElement / Element / Resource families: see fp_is_type */
    const char *name;
} fp_tspec;

typedef enum fp_var { V_RESOURCE, V_ROOT, V_CONTEXT, V_UCUM, V_STR } fp_var;

typedef struct fp_ast fp_ast;
struct fp_ast {
    uint8_t op;          /* fp_op */
    uint8_t var;         /* OP_VAR: fp_var */
    uint16_t fn;         /* OP_CALL: function id (fhirpath_fn.c) */
    uint32_t pos;        /* 1-based source position, for messages */
    fp_ast *l, *r;       /* operands; OP_MEMBER/OP_CALL: l = input (NULL: $this) */
    fp_ast **args;
    uint8_t nargs;
    bool dep;            /* depends on the focus, $this, $index or $total */
    bool memo;           /* a largest focus-independent subexpression: cached per evaluation */
    bool split;          /* OP_IN over a union of steps that cannot fail: tested one
                          * operand at a time (fp_check) */
    const char *name;    /* member / function name / %var / string literal */
    uint32_t nlen;
    fp_val lit;          /* OP_LIT, OP_VAR V_STR */
    fp_tspec ts;         /* OP_IS, OP_AS, ofType/is/as calls */
};

struct s4s_fp_expr {
    fp_ast *root;
    const char *src;
};

fp_ast *fp_parse(s4s_arena *a, const char *s, size_t n, char *err, size_t errsz);
bool    fp_check(s4s_arena *a, fp_ast *root, char *err, size_t errsz);

/* --- functions (fhirpath_fn.c) ---------------------------------------- */
typedef struct fp_fninfo {
    const char *name;
    uint8_t min, max;   /* arity */
    uint8_t lambda;     /* bit i: argument i is evaluated per input item */
    uint8_t typed;      /* argument 0 is a type specifier */
} fp_fninfo;
extern const fp_fninfo fp_fns[];
extern const unsigned fp_n_fns;
int fp_fn_find(const char *name, size_t n);
/* compile a UTF-8 pattern (ICU syntax); st reports errors */
URegularExpression *fp_regex_open(s4s_arena *a, const char *p, size_t n, UErrorCode *st);

/* --- evaluation (fhirpath_eval.c) ------------------------------------- */
typedef struct fp_ctx {
    s4s_fp_env *env;
    const fp_val *this_;   /* $this (NULL at the top: the context collection) */
    const s4s_fp_coll *ctxc;/* %context */
    int64_t index;
    const s4s_fp_coll *total;
} fp_ctx;

void fp_eval(fp_ctx *c, const fp_ast *e, const s4s_fp_coll *focus, s4s_fp_coll *out);
void fp_call(fp_ctx *c, const fp_ast *e, const s4s_fp_coll *in, s4s_fp_coll *out);
void fp_push_slow(s4s_fp_env *env, s4s_fp_coll *c, const fp_val *v);
/* append the items of a cached collection; an empty out shares its array
 * (cap = n, so a later push copies instead of writing into the cache) */
void fp_push_all(s4s_fp_env *env, s4s_fp_coll *out, const s4s_fp_coll *from);
/* append v; every push spends one unit of env->budget */
static inline void fp_push(s4s_fp_env *env, s4s_fp_coll *c, const fp_val *v)
{
    if (c->n < c->cap && env->budget) {
        env->budget--;
        c->v[c->n++] = *v;
        return;
    }
    fp_push_slow(env, c, v);
}
void fp_fail(s4s_fp_env *env, const fp_ast *e, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void fp_children(s4s_fp_env *env, const fp_val *v, const char *name, size_t nlen, s4s_fp_coll *out);
void fp_node_item(fp_val *v, const s4s_node *n); /* an object, typed by its resourceType */
void fp_all_children(s4s_fp_env *env, const fp_val *v, s4s_fp_coll *out);
void fp_bool(s4s_fp_env *env, s4s_fp_coll *out, bool b);
/* singleton as a boolean: 1/0, -1 empty; sets an error if not one boolean */
int  fp_single_bool(fp_ctx *c, const fp_ast *e, const s4s_fp_coll *in);
int  fp_equal(s4s_fp_env *env, const fp_val *a, const fp_val *b);   /* 1, 0, -1 empty */
bool fp_equiv(s4s_fp_env *env, const fp_val *a, const fp_val *b);
int  fp_compare(s4s_fp_env *env, const fp_val *a, const fp_val *b, bool *ok); /* <0 0 >0; ok false: empty */
bool fp_is_type(const fp_val *v, const fp_tspec *ts);
const char *fp_type_name(const fp_val *v);
bool fp_coll_has(s4s_fp_env *env, const s4s_fp_coll *c, const fp_val *v); /* by equality */
/* l | r: distinct items in order of first occurrence */
void fp_union(s4s_fp_env *env, const s4s_fp_coll *l, const s4s_fp_coll *r, s4s_fp_coll *out);

/* --- values (fhirpath_value.c) ---------------------------------------- */
/* A node item as a System value (booleans, numbers, strings, dates,
 * Quantity objects); false when it is complex or has no value. */
bool fp_prim(const fp_val *in, fp_val *out);
bool fp_dec_parse(const char *s, size_t n, fp_dec *d);
int  fp_dec_cmp(fp_dec a, fp_dec b);
bool fp_dec_add(fp_dec a, fp_dec b, fp_dec *r);
bool fp_dec_mul(fp_dec a, fp_dec b, fp_dec *r);
bool fp_dec_div(fp_dec a, fp_dec b, fp_dec *r);   /* false on /0 */
fp_dec fp_dec_norm(fp_dec a);                     /* trailing zeros dropped */
void   fp_dec_round(fp_dec *a, int sc);           /* to sc decimals, half away from zero */
double fp_dec_dbl(fp_dec a);
bool fp_dec_from_dbl(double v, int sc, fp_dec *r);
void fp_dec_str(fp_dec a, char *out, size_t outsz);
/* parse a date, dateTime or time (no '@', time without 'T'); kind FK_DATE/FK_DATETIME/FK_TIME */
bool fp_dt_parse(const char *s, size_t n, fp_kind k, fp_dt *out);
void fp_dt_str(const fp_dt *d, fp_kind k, char *out, size_t outsz);
int  fp_dt_cmp(const fp_dt *a, const fp_dt *b, fp_kind k, bool *ok);
bool fp_dt_add(fp_dt *d, fp_kind k, fp_dec v, const char *unit); /* false: unit not a duration */
bool fp_qty_cmp(s4s_fp_env *env, const fp_val *a, const fp_val *b, int *cmp);
void fp_qty_str(const fp_val *v, char *out, size_t outsz);
bool fp_qty_conv(s4s_fp_env *env, const fp_val *q, const char *to, fp_dec *out); /* value in unit to */
bool fp_qty_type(unsigned t); /* Quantity or one of its profiles (Age, Duration...) */
/* the canonical UCUM code of a calendar word ("week" -> "wk"), or NULL */
const char *fp_cal_ucum(const char *unit);
/* conversions used by toX()/convertsToX(): false when not convertible */
bool fp_to_string(s4s_fp_env *env, const fp_val *v, fp_val *out);
bool fp_to_int(const fp_val *v, fp_val *out);
bool fp_to_dec(const fp_val *v, fp_val *out);
bool fp_to_bool(const fp_val *v, fp_val *out);
bool fp_to_qty(s4s_fp_env *env, const fp_val *v, fp_val *out);
bool fp_to_dt(const fp_val *v, fp_kind k, fp_val *out);

/* htmlChecks(): FHIR's narrative XHTML rules (fhirpath_html.c) */
bool fp_html_check(const char *s, size_t n);

/* FHIR model helpers (fhirpath_eval.c) */
unsigned fp_fhir_type_by_name(const char *s, size_t n);
bool     fp_fhir_is_prim(unsigned t);

#endif
