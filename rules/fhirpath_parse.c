/*
 * fhirpath_parse.c - FHIRPath grammar to an AST by precedence climbing.
 *
 * Precedence, loosest first: implies; or xor; and; in contains; = ~ != !~;
 * < <= > >=; |; is as; + - &; * / div mod; unary + -; . and [].
 * Invariants: recursion is bounded (MAX_DEPTH) so hostile input cannot
 * exhaust the stack; every node records its 1-based source position;
 * literals are converted to values here, once.
 */
#include "fhirpath_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 200

typedef struct parser {
    fp_lexer lx;
    s4s_arena *a;
    char *err;
    size_t errsz;
    bool failed;
    unsigned depth;
} parser;

static fp_ast *expr(parser *p, int minprec);

static void fail_at(parser *p, size_t pos, const char *msg)
{
    if (p->failed) return;
    p->failed = true;
    snprintf(p->err, p->errsz, "%s at position %zu", msg, pos + 1);
}

static void next(parser *p)
{
    fp_lex_next(&p->lx);
    if (p->lx.t == T_ERR) fail_at(p, p->lx.start, p->lx.err);
}

static fp_ast *node(parser *p, fp_op op, size_t pos)
{
    fp_ast *e = s4s_arena_zalloc(p->a, sizeof *e);
    e->op = (uint8_t)op;
    e->pos = (uint32_t)pos + 1;
    return e;
}

static bool expect(parser *p, fp_tok t, const char *what)
{
    if (p->lx.t != t) {
        char m[64];
        snprintf(m, sizeof m, "expected %s", what);
        fail_at(p, p->lx.start, m);
        return false;
    }
    next(p);
    return true;
}

static const char *const cal_words[] = {
    "year", "years", "month", "months", "week", "weeks", "day", "days", "hour", "hours",
    "minute", "minutes", "second", "seconds", "millisecond", "milliseconds",
};

static fp_ast *number(parser *p)
{
    fp_ast *e = node(p, OP_LIT, p->lx.start);
    const char *t = p->lx.text;
    size_t n = p->lx.tlen;
    if (!memchr(t, '.', n)) {
        errno = 0;
        long long v = strtoll(t, NULL, 10);
        if (errno || v > 2147483647LL) { fail_at(p, p->lx.start, "integer literal out of range"); return e; }
        e->lit.k = FK_INT;
        e->lit.u.i = v;
    } else {
        e->lit.k = FK_DEC;
        if (!fp_dec_parse(t, n, &e->lit.u.d)) { fail_at(p, p->lx.start, "decimal literal out of range"); return e; }
    }
    next(p);
    /* a quantity: number followed by a unit string or a calendar word */
    const char *unit = NULL;
    if (p->lx.t == T_STR) unit = p->lx.text;
    else if (p->lx.t == T_ID)
        for (size_t i = 0; i < sizeof cal_words / sizeof cal_words[0]; i++)
            if (fp_lex_is(&p->lx, cal_words[i])) unit = cal_words[i];
    if (unit) {
        fp_dec v = e->lit.k == FK_INT ? (fp_dec){e->lit.u.i, 0} : e->lit.u.d;
        e->lit.k = FK_QTY;
        e->lit.u.q.v = v;
        e->lit.u.q.unit = p->lx.t == T_STR ? p->lx.text : unit;
        next(p);
    }
    return e;
}

static fp_ast *datelit(parser *p)
{
    fp_ast *e = node(p, OP_LIT, p->lx.start);
    fp_kind k = p->lx.t == T_DATE ? FK_DATE : p->lx.t == T_TIME ? FK_TIME : FK_DATETIME;
    size_t n = p->lx.tlen;
    if (k == FK_DATETIME && n && p->lx.text[n - 1] == 'T') n--; /* @2019-01-01T */
    e->lit.k = (uint8_t)k;
    if (!fp_dt_parse(p->lx.text, n, k, &e->lit.u.dt))
        fail_at(p, p->lx.start, "invalid date/time literal");
    next(p);
    return e;
}

static void call_args(parser *p, fp_ast *e)
{
    fp_ast *tmp[16];
    unsigned n = 0;
    next(p); /* ( */
    if (p->lx.t != T_RPAR) {
        for (;;) {
            fp_ast *a = expr(p, 0);
            if (p->failed) return;
            if (n == 16) { fail_at(p, p->lx.start, "too many arguments"); return; }
            tmp[n++] = a;
            if (p->lx.t != T_COMMA) break;
            next(p);
        }
    }
    if (!expect(p, T_RPAR, "')'")) return;
    e->nargs = (uint8_t)n;
    e->args = s4s_arena_alloc(p->a, (n ? n : 1) * sizeof *e->args);
    memcpy(e->args, tmp, n * sizeof *tmp);
}

/* identifier: member, or function when followed by '(' */
static fp_ast *invocation(parser *p, fp_ast *input)
{
    if (p->lx.t != T_ID && p->lx.t != T_DELIM_ID) {
        fail_at(p, p->lx.start, "expected an identifier");
        return input;
    }
    bool delim = p->lx.t == T_DELIM_ID;
    fp_ast *e = node(p, OP_MEMBER, p->lx.start);
    e->l = input;
    e->name = p->lx.text;
    e->nlen = (uint32_t)p->lx.tlen;
    next(p);
    if (!delim && p->lx.t == T_LPAR) {
        e->op = OP_CALL;
        call_args(p, e);
    }
    return e;
}

static fp_ast *term(parser *p)
{
    size_t pos = p->lx.start;
    fp_ast *e;
    switch (p->lx.t) {
    case T_NUM: return number(p);
    case T_DATE: case T_DATETIME: case T_TIME: return datelit(p);
    case T_STR:
        e = node(p, OP_LIT, pos);
        e->lit.k = FK_STR;
        e->lit.u.s.p = p->lx.text;
        e->lit.u.s.len = (uint32_t)p->lx.tlen;
        next(p);
        return e;
    case T_LBRACE:
        next(p);
        expect(p, T_RBRACE, "'}'");
        return node(p, OP_EMPTY, pos);
    case T_LPAR:
        next(p);
        e = expr(p, 0);
        expect(p, T_RPAR, "')'");
        return e;
    case T_THIS: next(p); return node(p, OP_THIS, pos);
    case T_INDEX: next(p); return node(p, OP_INDEX, pos);
    case T_TOTAL: next(p); return node(p, OP_TOTAL, pos);
    case T_EXT:
        e = node(p, OP_VAR, pos);
        e->name = p->lx.text;
        e->nlen = (uint32_t)p->lx.tlen;
        next(p);
        return e;
    case T_ID:
        if (fp_lex_is(&p->lx, "true") || fp_lex_is(&p->lx, "false")) {
            e = node(p, OP_LIT, pos);
            e->lit.k = FK_BOOL;
            e->lit.u.b = p->lx.text[0] == 't';
            next(p);
            return e;
        }
        return invocation(p, NULL);
    case T_DELIM_ID:
        return invocation(p, NULL);
    default:
        fail_at(p, pos, p->lx.t == T_EOF ? "unexpected end of expression" : "unexpected token");
        return node(p, OP_EMPTY, pos);
    }
}

static fp_ast *postfix(parser *p, fp_ast *e)
{
    while (!p->failed) {
        if (p->lx.t == T_DOT) {
            next(p);
            e = invocation(p, e);
        } else if (p->lx.t == T_LBR) {
            fp_ast *ix = node(p, OP_INDEXER, p->lx.start);
            next(p);
            ix->l = e;
            ix->r = expr(p, 0);
            expect(p, T_RBR, "']'");
            e = ix;
        } else {
            break;
        }
    }
    return e;
}

static fp_ast *unary(parser *p)
{
    if (p->lx.t == T_MINUS || p->lx.t == T_PLUS) {
        bool neg = p->lx.t == T_MINUS;
        size_t pos = p->lx.start;
        next(p);
        if (++p->depth > MAX_DEPTH) { fail_at(p, pos, "expression nested too deeply"); return node(p, OP_EMPTY, pos); }
        fp_ast *x = unary(p);
        p->depth--;
        if (!neg) return x;
        fp_ast *e = node(p, OP_NEG, pos);
        e->l = x;
        return e;
    }
    return postfix(p, term(p));
}

/* binary operator at the current token: op and precedence, 0 if none */
static int binop(parser *p, fp_op *op)
{
    static const struct { fp_tok t; fp_op op; int prec; } sym[] = {
        {T_EQ, OP_EQ, 5}, {T_NE, OP_NE, 5}, {T_EQUIV, OP_EQUIV, 5}, {T_NEQUIV, OP_NEQUIV, 5},
        {T_LT, OP_LT, 6}, {T_LE, OP_LE, 6}, {T_GT, OP_GT, 6}, {T_GE, OP_GE, 6},
        {T_PIPE, OP_UNION, 7}, {T_PLUS, OP_ADD, 9}, {T_MINUS, OP_SUB, 9},
        {T_AMP, OP_CONCAT, 9}, {T_STAR, OP_MUL, 10}, {T_SLASH, OP_DIV, 10},
    };
    static const struct { const char *w; fp_op op; int prec; } kw[] = {
        {"implies", OP_IMPLIES, 1}, {"or", OP_OR, 2}, {"xor", OP_XOR, 2}, {"and", OP_AND, 3},
        {"in", OP_IN, 4}, {"contains", OP_CONTAINS, 4}, {"is", OP_IS, 8}, {"as", OP_AS, 8},
        {"div", OP_IDIV, 10}, {"mod", OP_MOD, 10},
    };
    for (size_t i = 0; i < sizeof sym / sizeof sym[0]; i++)
        if (p->lx.t == sym[i].t) { *op = sym[i].op; return sym[i].prec; }
    for (size_t i = 0; i < sizeof kw / sizeof kw[0]; i++)
        if (fp_lex_is(&p->lx, kw[i].w)) { *op = kw[i].op; return kw[i].prec; }
    return 0;
}

/* type specifier after is/as: Name or Namespace.Name */
static fp_ast *type_spec(parser *p)
{
    fp_ast *e = NULL;
    if (p->lx.t != T_ID && p->lx.t != T_DELIM_ID) {
        fail_at(p, p->lx.start, "expected a type name");
        return node(p, OP_EMPTY, p->lx.start);
    }
    e = invocation(p, NULL);
    if (p->lx.t == T_DOT) {
        next(p);
        e = invocation(p, e);
    }
    return e;
}

static fp_ast *expr(parser *p, int minprec)
{
    if (++p->depth > MAX_DEPTH) {
        fail_at(p, p->lx.start, "expression nested too deeply");
        return node(p, OP_EMPTY, p->lx.start);
    }
    fp_ast *l = unary(p);
    for (;;) {
        fp_op op;
        int prec;
        if (p->failed || (prec = binop(p, &op)) == 0 || prec <= minprec) break;
        fp_ast *e = node(p, op, p->lx.start);
        next(p);
        e->l = l;
        e->r = (op == OP_IS || op == OP_AS) ? type_spec(p) : expr(p, prec);
        l = e;
    }
    p->depth--;
    return l;
}

fp_ast *fp_parse(s4s_arena *a, const char *s, size_t n, char *err, size_t errsz)
{
    parser p = {.a = a, .err = err, .errsz = errsz};
    fp_lex_init(&p.lx, a, s, n);
    if (p.lx.t == T_ERR) fail_at(&p, p.lx.start, p.lx.err);
    fp_ast *e = p.failed ? NULL : expr(&p, 0);
    if (!p.failed && p.lx.t != T_EOF) fail_at(&p, p.lx.start, "unexpected token");
    return p.failed ? NULL : e;
}
