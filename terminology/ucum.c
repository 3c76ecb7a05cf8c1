/*
 * ucum.c - the UCUM engine: recursive-descent parser that computes the
 * canonical form while it parses, conversion, decimal formatting, and a
 * fixed-size cache of recent unit strings.
 *
 * Grammar (UCUM 2.2 §2-§7, case sensitive, 7-bit ASCII 33..126 only):
 *   main-term  := "/" term | term                          "/x" reads as "1/x"
 *   term       := component (("." | "/") component)*      left-associative
 *   component  := "(" main-term ")" | annotation | simple [annotation]
 *   simple     := factor | [prefix] atom [exponent]       prefix: metric atoms only
 *   annotation := "{" chars 33..126 except braces "}"     value 1
 * An atom is matched whole before a prefix split is tried, so "cd" is the
 * candela, never centi-day.  No atom ends in a digit (the generator checks
 * that), so trailing digits of a symbol are always its exponent.
 *
 * Invariants: input longer than S4S_UCUM_MAX_LEN is refused before parsing,
 * so recursion depth and work are bounded; exponents stay within int8 (an
 * overflow is an error, never wrap-around); parse never allocates.
 */
#include "ucum.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../filter/base/alloc.h"
#include "tables/ucum_tables.h"

#define MAX_DEPTH 32   /* nested parentheses */

typedef struct parser {
    const char      *s;
    size_t           n, i;
    s4s_ucum_result *r;
    char            *out;      /* normalized spelling, may be NULL */
    size_t           outsz, olen;
    bool             ofull;
    int              depth;
    unsigned         n_units;  /* simple units and factors */
    unsigned         n_special;
    uint8_t          sp_fn;
    int              sp_exp, sp_sign;
    double           sp_pfx;
} parser;

/* --- errors and output ------------------------------------------------- */

static bool fail(parser *p, size_t pos, const char *fmt, const char *a, size_t alen)
{
    if (!p->r->valid)
        return false;
    p->r->valid = false;
    p->r->err_pos = (unsigned)pos;
    /* fmt takes (len, str, pos) or just (pos) */
    if (a)
        snprintf(p->r->msg, sizeof p->r->msg, fmt, (int)(alen > 48 ? 48 : alen), a, (unsigned)pos);
    else
        snprintf(p->r->msg, sizeof p->r->msg, fmt, (unsigned)pos);
    return false;
}

static void emit(parser *p, const char *s, size_t n)
{
    if (!p->out || p->ofull)
        return;
    if (p->olen + n + 1 > p->outsz) {
        p->ofull = true;
        return;
    }
    memcpy(p->out + p->olen, s, n);
    p->olen += n;
    p->out[p->olen] = 0;
}

/* --- canonical arithmetic ---------------------------------------------- */

static void canon_one(s4s_ucum_canon *c)
{
    memset(c, 0, sizeof *c);
    c->mag = 1.0;
}

static bool add8(int8_t *d, int v)
{
    int x = *d + v;
    if (x < -127 || x > 127)
        return false;
    *d = (int8_t)x;
    return true;
}

static bool arb_add(s4s_ucum_result *r, s4s_ucum_canon *c, uint8_t id, int e)
{
    for (unsigned k = 0; k < c->n_arb; k++)
        if (c->arb[k] == id) {
            if (!add8(&c->arb_exp[k], e))
                return false;
            if (c->arb_exp[k] == 0) {
                c->n_arb--;
                c->arb[k] = c->arb[c->n_arb];
                c->arb_exp[k] = c->arb_exp[c->n_arb];
            }
            return true;
        }
    if (c->n_arb == S4S_UCUM_MAX_ARB) {
        r->arb_over = true;
        return true;
    }
    if (e < -127 || e > 127)
        return false;
    c->arb[c->n_arb] = id;
    c->arb_exp[c->n_arb++] = (int8_t)e;
    return true;
}

/* a *= b^sign */
static bool canon_mul(parser *p, s4s_ucum_canon *a, const s4s_ucum_canon *b, int sign)
{
    a->mag = sign > 0 ? a->mag * b->mag : a->mag / b->mag;
    for (int k = 0; k < 7; k++)
        if (!add8(&a->dim[k], sign * b->dim[k]))
            return false;
    if (!add8(&a->sub, sign * b->sub))
        return false;
    for (unsigned k = 0; k < b->n_arb; k++)
        if (!arb_add(p->r, a, b->arb[k], sign * b->arb_exp[k]))
            return false;
    return true;
}

/* --- atoms ------------------------------------------------------------- */

static const s4s_ucum_atom *find_atom(const char *s, size_t n)
{
    unsigned lo = 0, hi = s4s_ucum_n_atoms;
    while (lo < hi) {
        unsigned mid = (lo + hi) / 2;
        const s4s_ucum_atom *a = &s4s_ucum_atoms[mid];
        size_t m = a->len < n ? a->len : n;
        int c = memcmp(a->code, s, m);
        if (c == 0)
            c = a->len < n ? -1 : a->len > n ? 1 : 0;
        if (c == 0)
            return a;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

const char *s4s_ucum_hint(const char *s, size_t n)
{
    char buf[S4S_UCUM_MAX_LEN + 3];
    if (n == 0 || n > S4S_UCUM_MAX_LEN)
        return NULL;
    buf[0] = '[';
    memcpy(buf + 1, s, n);
    buf[n + 1] = ']';
    const s4s_ucum_atom *a = find_atom(buf, n + 2);
    return a ? a->code : NULL;
}

/* --- the parser -------------------------------------------------------- */

static bool is_op(char ch) { return ch == '.' || ch == '/'; }
static bool is_digit(char ch) { return ch >= '0' && ch <= '9'; }
static bool is_print(unsigned char ch) { return ch >= 33 && ch <= 126; }

static bool bad_char(parser *p, size_t pos)
{
    unsigned char ch = (unsigned char)p->s[pos];
    if (ch == ' ')
        return fail(p, pos, "space not allowed at %u", NULL, 0);
    if (ch >= 0x80)
        return fail(p, pos, "non-ASCII character at %u", NULL, 0);
    return fail(p, pos, "invalid character at %u", NULL, 0);
}

static bool p_annotation(parser *p)
{
    size_t start = p->i;
    p->i++;   /* '{' */
    while (p->i < p->n && p->s[p->i] != '}') {
        if (p->s[p->i] == '{')
            return fail(p, p->i, "unexpected `{` inside annotation at %u", NULL, 0);
        if (!is_print((unsigned char)p->s[p->i]))
            return bad_char(p, p->i);
        p->i++;
    }
    if (p->i >= p->n)
        return fail(p, start, "missing `}` for `{` at %u", NULL, 0);
    p->i++;
    emit(p, p->s + start, p->i - start);
    return true;
}

static bool p_main(parser *p, s4s_ucum_canon *c, int sign);

/* A symbol: factor or [prefix]atom[exponent], then an optional annotation. */
static bool p_simple(parser *p, s4s_ucum_canon *c, int sign)
{
    size_t start = p->i;
    bool all_digits = true;
    while (p->i < p->n) {
        char ch = p->s[p->i];
        if (ch == '[') {
            size_t open = p->i++;
            while (p->i < p->n && p->s[p->i] != ']') {
                if (!is_print((unsigned char)p->s[p->i]))
                    return bad_char(p, p->i);
                p->i++;
            }
            if (p->i >= p->n)
                return fail(p, open, "missing `]` for `[` at %u", NULL, 0);
            p->i++;
            all_digits = false;
            continue;
        }
        if (is_op(ch) || ch == '(' || ch == ')' || ch == '{' || ch == '}')
            break;
        if (ch == ']')
            return fail(p, p->i, "unexpected `]` at %u", NULL, 0);
        if (!is_print((unsigned char)ch))
            return bad_char(p, p->i);
        if (!is_digit(ch))
            all_digits = false;
        p->i++;
    }
    size_t end = p->i;
    if (end == start) {
        if (p->i < p->n && p->s[p->i] == '}')
            return fail(p, p->i, "unexpected `}` at %u", NULL, 0);
        return fail(p, start, "missing unit at %u", NULL, 0);
    }
    canon_one(c);
    p->n_units++;
    if (all_digits) {
        double v = 0;
        for (size_t k = start; k < end; k++)
            v = v * 10 + (p->s[k] - '0');
        c->mag = v;
        emit(p, p->s + start, end - start);
    } else {
        size_t j = end;
        while (j > start && is_digit(p->s[j - 1]))
            j--;
        int exp = 1;
        size_t ustart = start, uend = j;
        if (j < end) {
            size_t d = j;
            if (j > start && (p->s[j - 1] == '+' || p->s[j - 1] == '-'))
                j--;
            if (j == start)
                return fail(p, start, "exponent without a unit at %u", NULL, 0);
            uend = j;
            if (end - d > 3)
                return fail(p, d, "exponent too large at %u", NULL, 0);
            exp = 0;
            for (size_t k = d; k < end; k++)
                exp = exp * 10 + (p->s[k] - '0');
            if (p->s[j] == '-')
                exp = -exp;
        }
        const char *u = p->s + ustart;
        size_t ulen = uend - ustart;
        const s4s_ucum_atom *a = find_atom(u, ulen);
        double pfx = 1.0;
        if (!a) {
            const s4s_ucum_atom *nonmetric = NULL;
            for (unsigned k = 0; k < s4s_ucum_n_prefixes && !a; k++) {
                const s4s_ucum_prefix *pf = &s4s_ucum_prefixes[k];
                if (ulen <= pf->len || memcmp(u, pf->code, pf->len) != 0)
                    continue;
                const s4s_ucum_atom *b = find_atom(u + pf->len, ulen - pf->len);
                if (!b)
                    continue;
                if (b->metric) {
                    a = b;
                    pfx = pf->value;
                } else if (!nonmetric) {
                    nonmetric = b;
                }
            }
            if (!a && nonmetric)
                return fail(p, start, "prefix not allowed on `%.*s` at %u", nonmetric->code, nonmetric->len);
            if (!a)
                return fail(p, start, "unknown atom `%.*s` at %u", u, ulen);
        }
        c->mag = a->mag * pfx;
        memcpy(c->dim, a->dim, 7);
        c->sub = a->sub;
        if (a->arb) {
            c->n_arb = 1;
            c->arb[0] = a->arb;
            c->arb_exp[0] = 1;
        }
        if (a->fn) {
            p->n_special++;
            p->r->special = true;
            p->sp_fn = a->fn;
            p->sp_pfx = pfx;
            p->sp_exp = exp;
            p->sp_sign = sign;
        }
        if (exp != 1) {
            s4s_ucum_canon one, base = *c;
            canon_one(&one);
            *c = one;
            int e = exp < 0 ? -exp : exp;
            for (int k = 0; k < e; k++)
                if (!canon_mul(p, c, &base, exp < 0 ? -1 : 1))
                    return fail(p, start, "exponent too large at %u", NULL, 0);
        }
        if (ulen == 3 && memcmp(u, "10^", 3) == 0)
            emit(p, "10*", 3);
        else
            emit(p, u, ulen);
        if (uend < end) {
            size_t d = uend + (p->s[uend] == '+' || p->s[uend] == '-');
            if (p->s[uend] == '-')
                emit(p, "-", 1);
            emit(p, p->s + d, end - d);
        }
    }
    if (p->i < p->n && p->s[p->i] == '{')
        return p_annotation(p);
    return true;
}

static bool p_component(parser *p, s4s_ucum_canon *c, int sign)
{
    if (p->i >= p->n)
        return fail(p, p->i, "missing unit at %u", NULL, 0);
    char ch = p->s[p->i];
    if (ch == '(') {
        size_t open = p->i++;
        if (++p->depth > MAX_DEPTH)
            return fail(p, open, "parentheses nested too deeply at %u", NULL, 0);
        emit(p, "(", 1);
        if (!p_main(p, c, sign))
            return false;
        if (p->i >= p->n || p->s[p->i] != ')')
            return fail(p, open, "missing `)` for `(` at %u", NULL, 0);
        p->i++;
        p->depth--;
        emit(p, ")", 1);
        return true;
    }
    if (ch == '{') {
        canon_one(c);
        return p_annotation(p);
    }
    if (is_op(ch) || ch == ')')
        return fail(p, p->i, "missing unit at %u", NULL, 0);
    return p_simple(p, c, sign);
}

/* The operators of a term, applied left to right to c. */
static bool p_ops(parser *p, s4s_ucum_canon *c, int sign)
{
    while (p->i < p->n && is_op(p->s[p->i])) {
        char op = p->s[p->i++];
        emit(p, &op, 1);
        int s = op == '/' ? -1 : 1;
        s4s_ucum_canon rhs;
        size_t at = p->i;
        if (!p_component(p, &rhs, sign * s))
            return false;
        if (!canon_mul(p, c, &rhs, s))
            return fail(p, at, "exponent too large at %u", NULL, 0);
    }
    return true;
}

/* A leading "/" reads as "1/": "/s/m" is (1/s)/m, left to right like any
 * other term. */
static bool p_main(parser *p, s4s_ucum_canon *c, int sign)
{
    if (p->i < p->n && p->s[p->i] == '/') {
        canon_one(c);
        return p_ops(p, c, sign);
    }
    return p_component(p, c, sign) && p_ops(p, c, sign);
}

bool s4s_ucum_parse(const char *s, size_t n, s4s_ucum_result *r, char *normalized, size_t nsz)
{
    parser p = {.s = s, .n = n, .r = r, .out = normalized, .outsz = nsz};
    memset(r, 0, sizeof *r);
    r->valid = true;
    canon_one(&r->c);
    if (normalized && nsz)
        normalized[0] = 0;
    if (n == 0) {
        fail(&p, 0, "empty unit at %u", NULL, 0);
    } else if (n > S4S_UCUM_MAX_LEN) {
        fail(&p, S4S_UCUM_MAX_LEN, "unit longer than 256 bytes at %u", NULL, 0);
    } else if (p_main(&p, &r->c, 1) && p.i < n) {
        char ch = s[p.i];
        if (ch == ')')
            fail(&p, p.i, "unexpected `)` at %u", NULL, 0);
        else if (is_print((unsigned char)ch))
            fail(&p, p.i, "unexpected `%.*s` at %u", s + p.i, 1);
        else
            bad_char(&p, p.i);
    }
    /* a zero factor ("0", "/0") or an exponent past double range ("10*999")
     * would make every conversion divide by zero or overflow */
    if (r->valid && !(isfinite(r->c.mag) && r->c.mag != 0))
        fail(&p, 0, "magnitude out of range at %u", NULL, 0);
    if (!r->valid) {
        canon_one(&r->c);
        r->special = false;
        if (normalized && nsz)
            normalized[0] = 0;
        return false;
    }
    if (p.n_special == 1 && p.n_units == 1 && p.sp_exp == 1 && p.sp_sign > 0) {
        r->fn = p.sp_fn;
        r->fn_pfx = p.sp_pfx;
        r->c.mag /= p.sp_pfx;   /* the prefix scales the function's argument */
    }
    if (normalized && p.ofull)
        normalized[0] = 0;
    else if (normalized && p.olen >= 2 && normalized[0] == '1' && normalized[1] == '/')
        memmove(normalized, normalized + 1, p.olen);   /* "1/min" -> "/min" */
    return true;
}

/* --- cache ------------------------------------------------------------- */

#define CACHE_SLOTS 4096   /* power of two */
#define CACHE_KEY   40     /* longer strings are parsed every time */

typedef struct slot {
    uint8_t         len;   /* 0: empty */
    char            key[CACHE_KEY];
    s4s_ucum_result r;
} slot;

struct s4s_ucum {
    slot slots[CACHE_SLOTS];
};

s4s_ucum *s4s_ucum_new(void)
{
    return s4s_xcalloc(1, sizeof(s4s_ucum));
}

void s4s_ucum_free(s4s_ucum *u)
{
    free(u);
}

bool s4s_ucum_check(s4s_ucum *u, const char *s, size_t n, s4s_ucum_result *r)
{
    if (n == 0 || n > CACHE_KEY)
        return s4s_ucum_parse(s, n, r, NULL, 0);
    uint32_t h = 2166136261u;
    for (size_t k = 0; k < n; k++)
        h = (h ^ (unsigned char)s[k]) * 16777619u;
    slot *sl = &u->slots[h & (CACHE_SLOTS - 1)];
    if (sl->len == n && memcmp(sl->key, s, n) == 0) {
        *r = sl->r;
        return r->valid;
    }
    bool ok = s4s_ucum_parse(s, n, r, NULL, 0);
    sl->len = (uint8_t)n;
    memcpy(sl->key, s, n);
    sl->r = *r;
    return ok;
}

/* --- conversion -------------------------------------------------------- */

bool s4s_ucum_commensurable(const s4s_ucum_result *a, const s4s_ucum_result *b)
{
    if (!a->valid || !b->valid || a->arb_over || b->arb_over)
        return false;
    /* mol is a number (6.02214076e23) in UCUM: the mol exponent does not
     * decide commensurability, it only explains a refusal */
    if (memcmp(a->c.dim, b->c.dim, 7) != 0 || a->c.n_arb != b->c.n_arb)
        return false;
    for (unsigned k = 0; k < a->c.n_arb; k++) {
        bool found = false;
        for (unsigned m = 0; m < b->c.n_arb; m++)
            found |= a->c.arb[k] == b->c.arb[m] && a->c.arb_exp[k] == b->c.arb_exp[m];
        if (!found)
            return false;
    }
    return true;
}

/* special value -> canonical (before the function unit's magnitude) */
static double fn_to(uint8_t fn, double x)
{
    switch (fn) {
    case S4S_UCUM_FN_CEL:    return x + 273.15;
    case S4S_UCUM_FN_DEGF:   return x + 459.67;
    case S4S_UCUM_FN_DEGRE:  return x + 218.52;
    case S4S_UCUM_FN_PH:     return pow(10, -x);
    case S4S_UCUM_FN_LN:     return exp(x);
    case S4S_UCUM_FN_LG:     return pow(10, x);
    case S4S_UCUM_FN_LG2:    return pow(10, x / 2);
    case S4S_UCUM_FN_TAN100: return atan(x / 100);
    case S4S_UCUM_FN_HPX:    return pow(10, -x);
    case S4S_UCUM_FN_HPC:    return pow(100, -x);
    case S4S_UCUM_FN_HPM:    return pow(1000, -x);
    case S4S_UCUM_FN_HPQ:    return pow(50000, -x);
    case S4S_UCUM_FN_SQRT:   return x * x;
    case S4S_UCUM_FN_LD:     return pow(2, x);
    default:                 return x;
    }
}

static double fn_from(uint8_t fn, double c)
{
    switch (fn) {
    case S4S_UCUM_FN_CEL:    return c - 273.15;
    case S4S_UCUM_FN_DEGF:   return c - 459.67;
    case S4S_UCUM_FN_DEGRE:  return c - 218.52;
    case S4S_UCUM_FN_PH:     return -log10(c);
    case S4S_UCUM_FN_LN:     return log(c);
    case S4S_UCUM_FN_LG:     return log10(c);
    case S4S_UCUM_FN_LG2:    return 2 * log10(c);
    case S4S_UCUM_FN_TAN100: return 100 * tan(c);
    case S4S_UCUM_FN_HPX:    return -log10(c);
    case S4S_UCUM_FN_HPC:    return -log(c) / log(100);
    case S4S_UCUM_FN_HPM:    return -log(c) / log(1000);
    case S4S_UCUM_FN_HPQ:    return -log(c) / log(50000);
    case S4S_UCUM_FN_SQRT:   return sqrt(c);
    case S4S_UCUM_FN_LD:     return log2(c);
    default:                 return c;
    }
}

/* The angle functions give radians directly: %[slope]'s unit is deg, but
 * atan() already answers in the canonical unit. */
static double fn_scale(const s4s_ucum_result *r)
{
    return r->fn == S4S_UCUM_FN_TAN100 ? 1.0 : r->c.mag;
}

static bool is_affine(uint8_t fn)
{
    return fn == S4S_UCUM_FN_CEL || fn == S4S_UCUM_FN_DEGF || fn == S4S_UCUM_FN_DEGRE;
}

/* An affine conversion adds and removes an offset (273.15 K): the result
 * carries rounding noise relative to the offset, not to itself.  Round to
 * 13 significant digits of the largest intermediate. */
static double drop_offset_noise(double y, double big)
{
    if (!(big > 0) || !isfinite(big))
        return y;
    double q = pow(10, floor(log10(big)) - 12);
    return round(y / q) * q;
}

static bool mass_vs_substance(const s4s_ucum_canon *a, const s4s_ucum_canon *b)
{
    if (a->sub == b->sub || a->dim[2] == b->dim[2])
        return false;
    for (int k = 0; k < 7; k++)
        if (k != 2 && a->dim[k] != b->dim[k])
            return false;
    return true;
}

s4s_rc s4s_ucum_convert(const s4s_ucum_result *a, const s4s_ucum_result *b,
                        const char *a_str, const char *b_str, double v,
                        double *out, char *why, size_t whysz)
{
    char tmp[8];
    if (!why) {
        why = tmp;
        whysz = sizeof tmp;
    }
    why[0] = 0;
    if (!a->valid || !b->valid) {
        snprintf(why, whysz, "invalid unit `%.64s`: %s", !a->valid ? a_str : b_str,
                 !a->valid ? a->msg : b->msg);
        return S4S_ERR_INVALID;
    }
    if (!s4s_ucum_commensurable(a, b)) {
        if (mass_vs_substance(&a->c, &b->c)) {
            snprintf(why, whysz, "cannot convert between mass and amount of substance "
                     "(`%.64s` and `%.64s`) without a molecular weight", a_str, b_str);
            return S4S_ERR_UNSUPPORTED;
        }
        if (a->c.n_arb || b->c.n_arb || a->arb_over || b->arb_over)
            snprintf(why, whysz, "arbitrary units are commensurable only with themselves "
                     "(`%.64s` and `%.64s`)", a_str, b_str);
        else
            snprintf(why, whysz, "`%.64s` and `%.64s` are not commensurable", a_str, b_str);
        return S4S_ERR_INVALID;
    }
    if ((a->special && !a->fn) || (b->special && !b->fn)) {
        snprintf(why, whysz, "special unit inside a compound unit (`%.64s`) cannot be converted",
                 a->special && !a->fn ? a_str : b_str);
        return S4S_ERR_UNSUPPORTED;
    }
    double y;
    if (a->fn == b->fn && a->c.mag == b->c.mag) {
        y = v * (a->fn ? a->fn_pfx / b->fn_pfx : a->c.mag / b->c.mag);
    } else {
        double c = a->fn ? fn_to(a->fn, v * a->fn_pfx) * fn_scale(a) : v * a->c.mag;
        double t = b->fn ? c / fn_scale(b) : c / b->c.mag;
        y = b->fn ? fn_from(b->fn, t) / b->fn_pfx : t;
        if (is_affine(a->fn) || is_affine(b->fn))
            y = drop_offset_noise(y, fmax(fabs(t), fabs(c / (a->fn ? fn_scale(a) : a->c.mag))));
    }
    if (!isfinite(y)) {
        snprintf(why, whysz, "conversion from `%.64s` to `%.64s` has no finite result", a_str, b_str);
        return S4S_ERR_UNSUPPORTED;
    }
    *out = y;
    return S4S_OK;
}

/* --- numbers ----------------------------------------------------------- */

/* Scan a decimal lexeme: [+-] digits [. digits] [eE [+-] digits]. */
static bool scan_number(const char *s, int *sig)
{
    const char *p = s;
    if (*p == '+' || *p == '-')
        p++;
    int nd = 0, sd = 0, lead = 1, frac_digits = 0;
    bool in_frac = false;
    for (;; p++) {
        if (is_digit(*p)) {
            nd++;
            if (in_frac)
                frac_digits++;
            if (*p != '0')
                lead = 0;
            if (!lead)
                sd++;
        } else if (*p == '.' && !in_frac) {
            in_frac = true;
        } else {
            break;
        }
    }
    if (nd == 0)
        return false;
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-')
            p++;
        if (!is_digit(*p))
            return false;
        while (is_digit(*p))
            p++;
    }
    if (*p)
        return false;
    if (sig)
        *sig = sd ? sd : (frac_digits ? frac_digits : 1);
    return true;
}

int s4s_ucum_sig_digits(const char *lexeme)
{
    int sig;
    return scan_number(lexeme, &sig) ? sig : 0;
}

bool s4s_ucum_parse_number(const char *lexeme, double *out)
{
    if (!scan_number(lexeme, NULL))
        return false;
    *out = strtod(lexeme, NULL);
    return isfinite(*out);
}

bool s4s_ucum_format(double v, int sig, char *out, size_t outsz)
{
    char e[64];
    if (!isfinite(v) || outsz < 2)
        return false;
    int digits = sig > 0 ? (sig > 17 ? 17 : sig) : 15;
    snprintf(e, sizeof e, "%.*e", digits - 1, v);
    /* e: [-]d.ddddde[+-]xx */
    const char *p = e;
    bool neg = *p == '-';
    if (neg)
        p++;
    char dig[24];
    int nd = 0;
    for (; *p && *p != 'e'; p++)
        if (is_digit(*p))
            dig[nd++] = *p;
    int ex = atoi(p + 1);
    if (sig <= 0)
        while (nd > 1 && dig[nd - 1] == '0')
            nd--;
    bool zero = true;
    for (int k = 0; k < nd; k++)
        zero &= dig[k] == '0';
    if (zero)
        neg = false;
    if (ex > 400 || ex < -400)
        return false;
    size_t need = (size_t)(nd + (ex < 0 ? -ex : ex) + 4);
    if (need >= outsz)
        return false;
    char *o = out;
    if (neg)
        *o++ = '-';
    if (ex >= 0) {
        for (int k = 0; k <= ex; k++)
            *o++ = k < nd ? dig[k] : '0';
        if (nd > ex + 1) {
            *o++ = '.';
            for (int k = ex + 1; k < nd; k++)
                *o++ = dig[k];
        }
    } else {
        *o++ = '0';
        *o++ = '.';
        for (int k = 0; k < -ex - 1; k++)
            *o++ = '0';
        for (int k = 0; k < nd; k++)
            *o++ = dig[k];
    }
    *o = 0;
    return true;
}

bool s4s_ucum_canon_str(const s4s_ucum_result *r, char *out, size_t outsz)
{
    static const char *const base[7] = {"m", "s", "g", "rad", "K", "C", "cd"};
    static const char *const fname[] = {"", "Cel", "degF", "degRe", "pH", "ln", "lg", "2lg",
                                        "100tan", "hpX", "hpC", "hpM", "hpQ", "sqrt", "ld"};
    if (!r->valid || outsz == 0)
        return false;
    char units[160];
    size_t ul = 0;
    units[0] = 0;
    for (int k = 0; k < 7; k++) {
        if (!r->c.dim[k])
            continue;
        int w = r->c.dim[k] == 1
            ? snprintf(units + ul, sizeof units - ul, "%s%s", ul ? "." : "", base[k])
            : snprintf(units + ul, sizeof units - ul, "%s%s%d", ul ? "." : "", base[k], r->c.dim[k]);
        if (w < 0 || (size_t)w >= sizeof units - ul)
            return false;
        ul += (size_t)w;
    }
    for (unsigned k = 0; k < r->c.n_arb; k++) {
        const char *a = s4s_ucum_arbitrary[r->c.arb[k] - 1];
        int w = r->c.arb_exp[k] == 1
            ? snprintf(units + ul, sizeof units - ul, "%s%s", ul ? "." : "", a)
            : snprintf(units + ul, sizeof units - ul, "%s%s%d", ul ? "." : "", a, r->c.arb_exp[k]);
        if (w < 0 || (size_t)w >= sizeof units - ul)
            return false;
        ul += (size_t)w;
    }
    int w;
    if (r->fn && r->fn < sizeof fname / sizeof fname[0])
        w = snprintf(out, outsz, "%s(%.15g%s%s)", fname[r->fn], r->c.mag, ul ? " " : "", units);
    else
        w = snprintf(out, outsz, "%.15g%s%s", r->c.mag, ul ? " " : "", units);
    return w >= 0 && (size_t)w < outsz;
}

/* Exponent of the last digit of a decimal lexeme: "98.6" -1, "150" 0,
 * "1.5e3" 2.  The lexeme has been checked by scan_number. */
static int last_digit_exp(const char *s)
{
    int frac = 0, e = 0;
    bool in_frac = false;
    for (; *s && *s != 'e' && *s != 'E'; s++) {
        if (*s == '.')
            in_frac = true;
        else if (in_frac && is_digit(*s))
            frac++;
    }
    if (*s) { /* clamped: "1e-2147483648" must not overflow e - frac */
        long x = strtol(s + 1, NULL, 10);
        e = x > 9999 ? 9999 : x < -9999 ? -9999 : (int)x;
    }
    return e - frac;
}

bool s4s_ucum_format_fixed(double v, int decimals, char *out, size_t outsz)
{
    if (!isfinite(v) || fabs(v) >= 1e300 || decimals > 300 || decimals < -300)
        return false;
    if (decimals < 0) {
        double q = pow(10, -decimals);
        v = round(v / q) * q;
        decimals = 0;
    }
    int w = snprintf(out, outsz, "%.*f", decimals, v);
    if (w < 0 || (size_t)w >= outsz)
        return false;
    /* "-0.0" -> "0.0" */
    bool zero = true;
    for (const char *p = out; *p; p++)
        zero &= *p == '-' || *p == '0' || *p == '.';
    if (zero && out[0] == '-')
        memmove(out, out + 1, (size_t)w);
    return true;
}

/* How much one unit of a is worth in units of b, for linear and affine
 * conversions (the offset does not change a difference); 0 for the
 * logarithmic and other non-linear special units. */
static double slope(const s4s_ucum_result *a, const s4s_ucum_result *b)
{
    if ((a->fn && !is_affine(a->fn)) || (b->fn && !is_affine(b->fn)))
        return 0;
    double sa = a->fn ? a->fn_pfx * a->c.mag : a->c.mag;
    double sb = b->fn ? b->fn_pfx * b->c.mag : b->c.mag;
    return sa / sb;
}

s4s_rc s4s_ucum_convert_str(s4s_ucum *u, const char *value, const char *from,
                            const char *to, int sig, char *out, size_t outsz,
                            char *why, size_t whysz)
{
    double v, y;
    s4s_ucum_result a, b;
    if (!s4s_ucum_parse_number(value, &v)) {
        snprintf(why, whysz, "not a decimal number: `%.40s`", value);
        return S4S_ERR_USAGE;
    }
    s4s_ucum_check(u, from, strlen(from), &a);
    s4s_ucum_check(u, to, strlen(to), &b);
    s4s_rc rc = s4s_ucum_convert(&a, &b, from, to, v, &y, why, whysz);
    if (rc != S4S_OK)
        return rc;
    bool ok;
    double k = sig < 0 ? slope(&a, &b) : 0;
    /* keep the input's resolution: its last digit's step, converted,
     * rounded down to a power of ten; a step past double range ("0e4010")
     * falls back to significant digits */
    double q = sig < 0 && k != 0 && isfinite(k) ? pow(10, last_digit_exp(value)) * fabs(k) : 0;
    if (isnormal(q)) {
        ok = s4s_ucum_format_fixed(y, -(int)floor(log10(q) + 1e-9), out, outsz);
    } else {
        ok = s4s_ucum_format(y, sig < 0 ? s4s_ucum_sig_digits(value) : sig, out, outsz);
    }
    if (!ok) {
        snprintf(why, whysz, "result out of range");
        return S4S_ERR_UNSUPPORTED;
    }
    return S4S_OK;
}
