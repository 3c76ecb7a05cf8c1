/*
 * fhirpath_fn.c - the FHIRPath function library (existence, filtering,
 * subsetting, combining, conversion, strings with ICU regular expressions,
 * math, tree navigation, utility, aggregate) and FHIR's additions.
 *
 * Invariants: the table below is the only place a function is named; the
 * checker resolves names to its indices, so dispatch is a switch on an
 * integer.  Lambda arguments (where, select, all, exists, repeat,
 * aggregate, trace's projection) are evaluated once per input item with
 * $this/$index set; the others once, against the outer focus.
 */
#include "fhirpath_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unicode/ustring.h>
#include "tables/fhir_r4.h"
#include "tables/fhir_valuesets.h"
#include "../terminology/term.h"
#include "../filter/base/alloc.h"

enum {
    F_EMPTY, F_EXISTS, F_ALL, F_ALLTRUE, F_ANYTRUE, F_ALLFALSE, F_ANYFALSE, F_SUBSETOF,
    F_SUPERSETOF, F_COUNT, F_DISTINCT, F_ISDISTINCT, F_WHERE, F_SELECT, F_REPEAT, F_OFTYPE,
    F_SINGLE, F_FIRST, F_LAST, F_TAIL, F_SKIP, F_TAKE, F_INTERSECT, F_EXCLUDE, F_UNION,
    F_COMBINE, F_IIF, F_TOBOOLEAN, F_CTBOOLEAN, F_TOINTEGER, F_CTINTEGER, F_TODECIMAL,
    F_CTDECIMAL, F_TOSTRING, F_CTSTRING, F_TODATE, F_CTDATE, F_TODATETIME, F_CTDATETIME,
    F_TOTIME, F_CTTIME, F_TOQUANTITY, F_CTQUANTITY, F_INDEXOF, F_SUBSTRING, F_STARTSWITH,
    F_ENDSWITH, F_CONTAINS, F_UPPER, F_LOWER, F_REPLACE, F_MATCHES, F_REPLACEMATCHES,
    F_LENGTH, F_TOCHARS, F_TRIM, F_SPLIT, F_JOIN, F_ENCODE, F_DECODE, F_ABS, F_CEILING,
    F_EXP, F_FLOOR, F_LN, F_LOG, F_POWER, F_ROUND, F_SQRT, F_TRUNCATE, F_CHILDREN,
    F_DESCENDANTS, F_TRACE, F_NOW, F_TODAY, F_TIMEOFDAY, F_AGGREGATE, F_IS, F_AS, F_NOT,
    F_EXTENSION, F_HASVALUE, F_GETVALUE, F_RESOLVE, F_CONFORMSTO, F_HTMLCHECKS, F_TYPE,
    F_MEMBEROF,
};

const fp_fninfo fp_fns[] = {
    [F_EMPTY] = {"empty", 0, 0, 0, 0}, [F_EXISTS] = {"exists", 0, 1, 1, 0},
    [F_ALL] = {"all", 1, 1, 1, 0}, [F_ALLTRUE] = {"allTrue", 0, 0, 0, 0},
    [F_ANYTRUE] = {"anyTrue", 0, 0, 0, 0}, [F_ALLFALSE] = {"allFalse", 0, 0, 0, 0},
    [F_ANYFALSE] = {"anyFalse", 0, 0, 0, 0}, [F_SUBSETOF] = {"subsetOf", 1, 1, 0, 0},
    [F_SUPERSETOF] = {"supersetOf", 1, 1, 0, 0}, [F_COUNT] = {"count", 0, 0, 0, 0},
    [F_DISTINCT] = {"distinct", 0, 0, 0, 0}, [F_ISDISTINCT] = {"isDistinct", 0, 0, 0, 0},
    [F_WHERE] = {"where", 1, 1, 1, 0}, [F_SELECT] = {"select", 1, 1, 1, 0},
    [F_REPEAT] = {"repeat", 1, 1, 1, 0}, [F_OFTYPE] = {"ofType", 1, 1, 0, 1},
    [F_SINGLE] = {"single", 0, 0, 0, 0}, [F_FIRST] = {"first", 0, 0, 0, 0},
    [F_LAST] = {"last", 0, 0, 0, 0}, [F_TAIL] = {"tail", 0, 0, 0, 0},
    [F_SKIP] = {"skip", 1, 1, 0, 0}, [F_TAKE] = {"take", 1, 1, 0, 0},
    [F_INTERSECT] = {"intersect", 1, 1, 0, 0}, [F_EXCLUDE] = {"exclude", 1, 1, 0, 0},
    [F_UNION] = {"union", 1, 1, 0, 0}, [F_COMBINE] = {"combine", 1, 1, 0, 0},
    [F_IIF] = {"iif", 2, 3, 0, 0}, [F_TOBOOLEAN] = {"toBoolean", 0, 0, 0, 0},
    [F_CTBOOLEAN] = {"convertsToBoolean", 0, 0, 0, 0}, [F_TOINTEGER] = {"toInteger", 0, 0, 0, 0},
    [F_CTINTEGER] = {"convertsToInteger", 0, 0, 0, 0}, [F_TODECIMAL] = {"toDecimal", 0, 0, 0, 0},
    [F_CTDECIMAL] = {"convertsToDecimal", 0, 0, 0, 0}, [F_TOSTRING] = {"toString", 0, 0, 0, 0},
    [F_CTSTRING] = {"convertsToString", 0, 0, 0, 0}, [F_TODATE] = {"toDate", 0, 0, 0, 0},
    [F_CTDATE] = {"convertsToDate", 0, 0, 0, 0}, [F_TODATETIME] = {"toDateTime", 0, 0, 0, 0},
    [F_CTDATETIME] = {"convertsToDateTime", 0, 0, 0, 0}, [F_TOTIME] = {"toTime", 0, 0, 0, 0},
    [F_CTTIME] = {"convertsToTime", 0, 0, 0, 0}, [F_TOQUANTITY] = {"toQuantity", 0, 1, 0, 0},
    [F_CTQUANTITY] = {"convertsToQuantity", 0, 1, 0, 0}, [F_INDEXOF] = {"indexOf", 1, 1, 0, 0},
    [F_SUBSTRING] = {"substring", 1, 2, 0, 0}, [F_STARTSWITH] = {"startsWith", 1, 1, 0, 0},
    [F_ENDSWITH] = {"endsWith", 1, 1, 0, 0}, [F_CONTAINS] = {"contains", 1, 1, 0, 0},
    [F_UPPER] = {"upper", 0, 0, 0, 0}, [F_LOWER] = {"lower", 0, 0, 0, 0},
    [F_REPLACE] = {"replace", 2, 2, 0, 0}, [F_MATCHES] = {"matches", 1, 1, 0, 0},
    [F_REPLACEMATCHES] = {"replaceMatches", 2, 2, 0, 0}, [F_LENGTH] = {"length", 0, 0, 0, 0},
    [F_TOCHARS] = {"toChars", 0, 0, 0, 0}, [F_TRIM] = {"trim", 0, 0, 0, 0},
    [F_SPLIT] = {"split", 1, 1, 0, 0}, [F_JOIN] = {"join", 0, 1, 0, 0},
    [F_ENCODE] = {"encode", 1, 1, 0, 0}, [F_DECODE] = {"decode", 1, 1, 0, 0},
    [F_ABS] = {"abs", 0, 0, 0, 0}, [F_CEILING] = {"ceiling", 0, 0, 0, 0},
    [F_EXP] = {"exp", 0, 0, 0, 0}, [F_FLOOR] = {"floor", 0, 0, 0, 0}, [F_LN] = {"ln", 0, 0, 0, 0},
    [F_LOG] = {"log", 1, 1, 0, 0}, [F_POWER] = {"power", 1, 1, 0, 0},
    [F_ROUND] = {"round", 0, 1, 0, 0}, [F_SQRT] = {"sqrt", 0, 0, 0, 0},
    [F_TRUNCATE] = {"truncate", 0, 0, 0, 0}, [F_CHILDREN] = {"children", 0, 0, 0, 0},
    [F_DESCENDANTS] = {"descendants", 0, 0, 0, 0}, [F_TRACE] = {"trace", 1, 2, 2, 0},
    [F_NOW] = {"now", 0, 0, 0, 0}, [F_TODAY] = {"today", 0, 0, 0, 0},
    [F_TIMEOFDAY] = {"timeOfDay", 0, 0, 0, 0}, [F_AGGREGATE] = {"aggregate", 1, 2, 1, 0},
    [F_IS] = {"is", 1, 1, 0, 1}, [F_AS] = {"as", 1, 1, 0, 1}, [F_NOT] = {"not", 0, 0, 0, 0},
    [F_EXTENSION] = {"extension", 1, 1, 0, 0}, [F_HASVALUE] = {"hasValue", 0, 0, 0, 0},
    [F_GETVALUE] = {"getValue", 0, 0, 0, 0}, [F_RESOLVE] = {"resolve", 0, 0, 0, 0},
    [F_CONFORMSTO] = {"conformsTo", 1, 1, 0, 0}, [F_HTMLCHECKS] = {"htmlChecks", 0, 0, 0, 0},
    [F_TYPE] = {"type", 0, 0, 0, 0}, [F_MEMBEROF] = {"memberOf", 1, 1, 0, 0},
};
const unsigned fp_n_fns = sizeof fp_fns / sizeof fp_fns[0];

int fp_fn_find(const char *name, size_t n)
{
    for (unsigned i = 0; i < fp_n_fns; i++)
        if (strlen(fp_fns[i].name) == n && !memcmp(fp_fns[i].name, name, n)) return (int)i;
    return -1;
}

/* --- helpers ---------------------------------------------------------------- */

static void sysv(fp_val *v, fp_kind k)
{
    memset(v, 0, sizeof *v);
    v->k = (uint8_t)k;
    v->type = v->ctx = v->elem = S4S_FHIR_NONE;
}

static void push_int(s4s_fp_env *env, s4s_fp_coll *out, int64_t i)
{
    fp_val v;
    sysv(&v, FK_INT);
    v.u.i = i;
    fp_push(env, out, &v);
}

static void push_str(s4s_fp_env *env, s4s_fp_coll *out, const char *s, size_t n)
{
    fp_val v;
    sysv(&v, FK_STR);
    v.u.s.p = s4s_arena_strndup(env->arena, s, n);
    v.u.s.len = (uint32_t)n;
    fp_push(env, out, &v);
}

static void arg(fp_ctx *c, const fp_ast *e, unsigned i, const s4s_fp_coll *focus, s4s_fp_coll *out)
{
    memset(out, 0, sizeof *out);
    fp_eval(c, e->args[i], focus, out);
}

/* evaluate a lambda argument with $this = item, $index = i */
static void lambda(fp_ctx *c, const fp_ast *x, const fp_val *item, int64_t i, s4s_fp_coll *out)
{
    s4s_fp_coll one = {.v = (fp_val *)item, .n = 1, .cap = 1};
    fp_ctx sub = *c;
    sub.this_ = item;
    sub.index = i;
    memset(out, 0, sizeof *out);
    fp_eval(&sub, x, &one, out);
}

/* the single string an input or argument must be; false if empty */
static bool single_str(fp_ctx *c, const fp_ast *e, const s4s_fp_coll *in, const char **s, size_t *n)
{
    if (in->n == 0) return false;
    fp_val v;
    if (in->n > 1) { fp_fail(c->env, e, "%s() needs a single string, got %u items", fp_fns[e->fn].name, in->n); return false; }
    if (!fp_prim(&in->v[0], &v) || v.k != FK_STR) {
        fp_fail(c->env, e, "%s() needs a string", fp_fns[e->fn].name);
        return false;
    }
    *s = v.u.s.p;
    *n = v.u.s.len;
    return true;
}

static bool single_int(fp_ctx *c, const fp_ast *e, const s4s_fp_coll *in, int64_t *i)
{
    if (in->n == 0) return false;
    fp_val v;
    if (in->n > 1 || !fp_prim(&in->v[0], &v) || v.k != FK_INT) {
        fp_fail(c->env, e, "%s() needs an integer argument", fp_fns[e->fn].name);
        return false;
    }
    *i = v.u.i;
    return true;
}

/* UTF-8: byte offset of code point i (or n) */
static size_t cp_off(const char *s, size_t n, int64_t i)
{
    size_t b = 0;
    for (int64_t k = 0; k < i && b < n; k++) {
        b++;
        while (b < n && ((unsigned char)s[b] & 0xC0) == 0x80) b++;
    }
    return b;
}

static int64_t cp_count(const char *s, size_t n)
{
    int64_t k = 0;
    for (size_t b = 0; b < n; b++)
        if (((unsigned char)s[b] & 0xC0) != 0x80) k++;
    return k;
}

/* --- regular expressions (ICU), cached per env --------------------------- */

#define RE_CACHE 32
typedef struct re_cache {
    unsigned n;
    struct { char *pat; URegularExpression *re; } e[RE_CACHE];
} re_cache;

void s4s_fp_env_fini(s4s_fp_env *env)
{
    re_cache *rc = env->regex;
    if (!rc) return;
    for (unsigned i = 0; i < rc->n; i++) {
        uregex_close(rc->e[i].re);
        free(rc->e[i].pat);
    }
    free(rc);
    env->regex = NULL;
}

URegularExpression *fp_regex_open(s4s_arena *a, const char *p, size_t n, UErrorCode *st)
{
    int32_t len = 0;
    UChar *u = s4s_arena_alloc(a, (n + 1) * sizeof(UChar));
    u_strFromUTF8(u, (int32_t)n + 1, &len, p, (int32_t)n, st);
    if (U_FAILURE(*st)) return NULL;
    UParseError pe;
    return uregex_open(u, len, 0, &pe, st);
}

/* compiled pattern; *owned set when the caller must close it (cache full) */
static URegularExpression *regex(fp_ctx *c, const fp_ast *e, const char *p, size_t n, bool *owned)
{
    re_cache *rc = c->env->regex;
    *owned = false;
    if (!rc) rc = c->env->regex = s4s_xcalloc(1, sizeof *rc);
    for (unsigned i = 0; i < rc->n; i++)
        if (strlen(rc->e[i].pat) == n && !memcmp(rc->e[i].pat, p, n)) return rc->e[i].re;
    UErrorCode st = U_ZERO_ERROR;
    URegularExpression *re = fp_regex_open(c->env->arena, p, n, &st);
    if (U_FAILURE(st)) {
        fp_fail(c->env, e, "invalid regular expression (%s)", u_errorName(st));
        return NULL;
    }
    if (rc->n < RE_CACHE) {
        rc->e[rc->n].pat = s4s_xstrndup(p, n);
        rc->e[rc->n++].re = re;
    } else {
        *owned = true;
    }
    return re;
}

/* UTF-8 -> UTF-16 in the arena */
static UChar *u16(s4s_fp_env *env, const char *s, size_t n, int32_t *len)
{
    UErrorCode st = U_ZERO_ERROR;
    UChar *b = s4s_arena_alloc(env->arena, (n + 1) * sizeof(UChar));
    *len = 0;
    u_strFromUTF8(b, (int32_t)n + 1, len, s, (int32_t)n, &st);
    return U_FAILURE(st) ? NULL : b; /* not UTF-8 (an expression literal can be anything) */
}

static bool to_utf8(s4s_fp_env *env, const UChar *s, int32_t n, const char **out, size_t *olen)
{
    UErrorCode st = U_ZERO_ERROR;
    int32_t len = 0;
    char *b = s4s_arena_alloc(env->arena, (size_t)n * 3 + 1);
    u_strToUTF8(b, n * 3 + 1, &len, s, n, &st);
    if (U_FAILURE(st)) return false;
    *out = b;
    *olen = (size_t)len;
    return true;
}

static void fn_regex(fp_ctx *c, const fp_ast *e, const char *s, size_t n, const s4s_fp_coll *focus,
                     s4s_fp_coll *out)
{
    s4s_fp_coll a = {0}, b = {0};
    const char *pat, *sub = NULL;
    size_t pn, sn = 0;
    arg(c, e, 0, focus, &a);
    if (!single_str(c, e, &a, &pat, &pn)) return;
    if (e->fn == F_REPLACEMATCHES) {
        arg(c, e, 1, focus, &b);
        if (!single_str(c, e, &b, &sub, &sn)) return;
    }
    bool owned;
    URegularExpression *re = regex(c, e, pat, pn, &owned);
    if (!re) return;
    int32_t ulen;
    UChar *text = u16(c->env, s, n, &ulen);
    UErrorCode st = U_ZERO_ERROR;
    if (text) uregex_setText(re, text, ulen, &st);
    if (!text || U_FAILURE(st)) goto done;
    if (e->fn == F_MATCHES) {
        UBool f = uregex_find(re, 0, &st);
        if (U_SUCCESS(st)) fp_bool(c->env, out, f);
    } else {
        int32_t rl;
        UChar *rep = u16(c->env, sub, sn, &rl);
        if (!rep) goto done;
        int32_t cap = ulen * 2 + rl * 4 + 16, got;
        UChar *res = s4s_arena_alloc(c->env->arena, (size_t)cap * sizeof(UChar));
        got = uregex_replaceAll(re, rep, rl, res, cap, &st);
        if (st == U_BUFFER_OVERFLOW_ERROR) {
            st = U_ZERO_ERROR;
            cap = got + 1;
            res = s4s_arena_alloc(c->env->arena, (size_t)cap * sizeof(UChar));
            uregex_reset(re, 0, &st);
            got = uregex_replaceAll(re, rep, rl, res, cap, &st);
        }
        const char *o;
        size_t on;
        if (U_SUCCESS(st) && to_utf8(c->env, res, got, &o, &on)) push_str(c->env, out, o, on);
    }
done:
    if (U_FAILURE(st)) fp_fail(c->env, e, "regular expression failed (%s)", u_errorName(st));
    uregex_setText(re, u"", 0, &st);
    if (owned) uregex_close(re);
}

static void fn_case(fp_ctx *c, const fp_ast *e, const char *s, size_t n, s4s_fp_coll *out)
{
    int32_t ulen;
    UChar *t = u16(c->env, s, n, &ulen);
    if (!t) return;
    UErrorCode st = U_ZERO_ERROR;
    int32_t cap = ulen * 2 + 4;
    UChar *r = s4s_arena_alloc(c->env->arena, (size_t)cap * sizeof(UChar));
    int32_t got = e->fn == F_UPPER ? u_strToUpper(r, cap, t, ulen, "", &st)
                                   : u_strToLower(r, cap, t, ulen, "", &st);
    const char *o;
    size_t on;
    if (U_SUCCESS(st) && to_utf8(c->env, r, got, &o, &on)) push_str(c->env, out, o, on);
}

/* --- strings ------------------------------------------------------------- */

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void fn_encode(fp_ctx *c, const fp_ast *e, const char *s, size_t n, const char *fmt,
                      size_t fn_, s4s_fp_coll *out)
{
    s4s_fp_env *env = c->env;
    bool url = fn_ == 9 && !memcmp(fmt, "urlbase64", 9);
    if (fn_ == 3 && !memcmp(fmt, "hex", 3)) {
        if (e->fn == F_ENCODE) {
            char *o = s4s_arena_alloc(env->arena, n * 2 + 1);
            for (size_t i = 0; i < n; i++) snprintf(o + 2 * i, 3, "%02x", (unsigned char)s[i]);
            push_str(env, out, o, n * 2);
        } else {
            if (n % 2) return;
            char *o = s4s_arena_alloc(env->arena, n / 2 + 1);
            for (size_t i = 0; i < n; i += 2) {
                int hi = s[i] <= '9' ? s[i] - '0' : (s[i] | 32) - 'a' + 10;
                int lo = s[i + 1] <= '9' ? s[i + 1] - '0' : (s[i + 1] | 32) - 'a' + 10;
                if (hi < 0 || hi > 15 || lo < 0 || lo > 15) return;
                o[i / 2] = (char)(hi * 16 + lo);
            }
            push_str(env, out, o, n / 2);
        }
        return;
    }
    if (!url && !(fn_ == 6 && !memcmp(fmt, "base64", 6))) {
        fp_fail(env, e, "unknown encoding");
        return;
    }
    if (e->fn == F_ENCODE) {
        char *o = s4s_arena_alloc(env->arena, (n + 2) / 3 * 4 + 1);
        size_t k = 0;
        for (size_t i = 0; i < n; i += 3) {
            unsigned v = (unsigned char)s[i] << 16 | (i + 1 < n ? (unsigned char)s[i + 1] << 8 : 0) |
                         (i + 2 < n ? (unsigned char)s[i + 2] : 0);
            for (int j = 0; j < 4; j++) {
                char ch = (size_t)j <= (n - i) ? b64[(v >> (18 - 6 * j)) & 63] : '=';
                if (url && ch == '+') ch = '-';
                if (url && ch == '/') ch = '_';
                o[k++] = ch;
            }
        }
        push_str(env, out, o, k);
        return;
    }
    char *o = s4s_arena_alloc(env->arena, n + 1);
    size_t k = 0;
    unsigned acc = 0, bits = 0;
    for (size_t i = 0; i < n && s[i] != '='; i++) {
        char ch = s[i];
        if (url && ch == '-') ch = '+';
        if (url && ch == '_') ch = '/';
        const char *p = strchr(b64, ch);
        if (!p || !ch) return;
        acc = acc << 6 | (unsigned)(p - b64);
        bits += 6;
        if (bits >= 8) { bits -= 8; o[k++] = (char)(acc >> bits & 0xFF); }
    }
    push_str(env, out, o, k);
}

static void fn_string(fp_ctx *c, const fp_ast *e, const s4s_fp_coll *in, const s4s_fp_coll *focus,
                      s4s_fp_coll *out)
{
    s4s_fp_env *env = c->env;
    const char *s, *a = NULL;
    size_t n, an = 0;
    if (!single_str(c, e, in, &s, &n)) return;
    s4s_fp_coll x = {0}, y = {0};
    switch (e->fn) {
    case F_INDEXOF: case F_STARTSWITH: case F_ENDSWITH: case F_CONTAINS: case F_SPLIT:
    case F_ENCODE: case F_DECODE:
        arg(c, e, 0, focus, &x);
        if (!single_str(c, e, &x, &a, &an)) return;
        break;
    default: break;
    }
    switch (e->fn) {
    case F_INDEXOF: {
        if (an == 0) { push_int(env, out, 0); return; }
        const char *p = an <= n ? memmem(s, n, a, an) : NULL;
        push_int(env, out, p ? cp_count(s, (size_t)(p - s)) : -1);
        return;
    }
    case F_STARTSWITH: fp_bool(env, out, an <= n && !memcmp(s, a, an)); return;
    case F_ENDSWITH: fp_bool(env, out, an <= n && !memcmp(s + n - an, a, an)); return;
    case F_CONTAINS: fp_bool(env, out, an == 0 || (an <= n && memmem(s, n, a, an))); return;
    case F_SUBSTRING: {
        int64_t st, len = -1;
        arg(c, e, 0, focus, &x);
        if (!single_int(c, e, &x, &st)) return;
        if (e->nargs > 1) {
            arg(c, e, 1, focus, &y);
            if (!single_int(c, e, &y, &len)) return;
        }
        int64_t total = cp_count(s, n);
        if (st < 0 || st >= total) return;
        size_t b = cp_off(s, n, st), en = len < 0 ? n : cp_off(s, n, st + len);
        push_str(env, out, s + b, en > b ? en - b : 0);
        return;
    }
    case F_UPPER: case F_LOWER: fn_case(c, e, s, n, out); return;
    case F_REPLACE: {
        const char *pat, *sub;
        size_t pn, sn;
        arg(c, e, 0, focus, &x);
        arg(c, e, 1, focus, &y);
        if (!single_str(c, e, &x, &pat, &pn) || !single_str(c, e, &y, &sub, &sn)) return;
        s4s_buf b;
        s4s_buf_init(&b, (size_t)1 << 24);
        if (pn == 0) {
            /* '' matches between characters */
            s4s_buf_put(&b, sub, sn);
            for (size_t i = 0; i < n;) {
                size_t j = i + 1;
                while (j < n && ((unsigned char)s[j] & 0xC0) == 0x80) j++;
                s4s_buf_put(&b, s + i, j - i);
                s4s_buf_put(&b, sub, sn);
                i = j;
            }
        } else {
            for (size_t i = 0; i < n;) {
                const char *p = memmem(s + i, n - i, pat, pn);
                size_t k = p ? (size_t)(p - s) : n;
                s4s_buf_put(&b, s + i, k - i);
                if (!p) break;
                s4s_buf_put(&b, sub, sn);
                i = k + pn;
            }
        }
        if (b.over) fp_fail(env, e, "replace() result too long");
        else push_str(env, out, b.p ? b.p : "", b.len);
        s4s_buf_free(&b);
        return;
    }
    case F_MATCHES: case F_REPLACEMATCHES: fn_regex(c, e, s, n, focus, out); return;
    case F_LENGTH: push_int(env, out, cp_count(s, n)); return;
    case F_TOCHARS:
        for (size_t i = 0; i < n;) {
            size_t j = i + 1;
            while (j < n && ((unsigned char)s[j] & 0xC0) == 0x80) j++;
            push_str(env, out, s + i, j - i);
            i = j;
        }
        return;
    case F_TRIM: {
        size_t b = 0, en = n;
        while (b < en && strchr(" \t\r\n\f\v", s[b])) b++;
        while (en > b && strchr(" \t\r\n\f\v", s[en - 1])) en--;
        push_str(env, out, s + b, en - b);
        return;
    }
    case F_SPLIT:
        if (an == 0) { push_str(env, out, s, n); return; }
        for (size_t i = 0;;) {
            const char *p = i <= n ? memmem(s + i, n - i, a, an) : NULL;
            size_t k = p ? (size_t)(p - s) : n;
            push_str(env, out, s + i, k - i);
            if (!p) break;
            i = k + an;
        }
        return;
    case F_ENCODE: case F_DECODE: fn_encode(c, e, s, n, a, an, out); return;
    default: return;
    }
}

/* --- math -------------------------------------------------------------------- */

static void push_dec_dbl(s4s_fp_env *env, s4s_fp_coll *out, double v)
{
    fp_val r;
    sysv(&r, FK_DEC);
    if (!fp_dec_from_dbl(v, 8, &r.u.d)) return; /* NaN, infinity: empty */
    r.u.d = fp_dec_norm(r.u.d);
    fp_push(env, out, &r);
}

static void fn_math(fp_ctx *c, const fp_ast *e, const s4s_fp_coll *in, const s4s_fp_coll *focus,
                    s4s_fp_coll *out)
{
    s4s_fp_env *env = c->env;
    if (in->n == 0) return;
    fp_val v;
    if (in->n > 1 || !fp_prim(&in->v[0], &v) || !(v.k == FK_INT || v.k == FK_DEC || v.k == FK_QTY)) {
        fp_fail(env, e, "%s() needs a single number", fp_fns[e->fn].name);
        return;
    }
    fp_dec d = v.k == FK_INT ? (fp_dec){v.u.i, 0} : v.k == FK_DEC ? v.u.d : v.u.q.v;
    double x = fp_dec_dbl(d);
    switch (e->fn) {
    case F_ABS:
        if (v.k == FK_INT) { push_int(env, out, v.u.i < 0 ? -v.u.i : v.u.i); return; }
        if (d.m < 0) d.m = -d.m;
        if (v.k == FK_QTY) v.u.q.v = d; else v.u.d = d;
        fp_push(env, out, &v);
        return;
    case F_CEILING: case F_FLOOR: case F_TRUNCATE: {
        fp_dec t = d;
        for (; t.sc > 0; t.sc--) t.m /= 10; /* toward zero */
        int64_t i = t.m;
        bool frac = fp_dec_cmp(t, d) != 0;
        if (frac && e->fn == F_CEILING && d.m > 0) i++;
        if (frac && e->fn == F_FLOOR && d.m < 0) i--;
        push_int(env, out, i);
        return;
    }
    case F_ROUND: {
        int64_t p = 0;
        if (e->nargs) {
            s4s_fp_coll a = {0};
            arg(c, e, 0, focus, &a);
            if (!single_int(c, e, &a, &p)) return;
            if (p < 0) { fp_fail(env, e, "round() precision must be >= 0"); return; }
        }
        fp_val r;
        sysv(&r, FK_DEC);
        r.u.d = d;
        if (r.u.d.sc > p) fp_dec_round(&r.u.d, (int)p);
        fp_push(env, out, &r);
        return;
    }
    case F_EXP: push_dec_dbl(env, out, exp(x)); return;
    case F_LN: if (x > 0) push_dec_dbl(env, out, log(x)); return;
    case F_SQRT: if (x >= 0) push_dec_dbl(env, out, sqrt(x)); return;
    case F_LOG: case F_POWER: {
        s4s_fp_coll a = {0};
        fp_val b;
        arg(c, e, 0, focus, &a);
        if (a.n == 0) return;
        if (a.n > 1 || !fp_prim(&a.v[0], &b) || !(b.k == FK_INT || b.k == FK_DEC)) {
            fp_fail(env, e, "%s() needs a number argument", fp_fns[e->fn].name);
            return;
        }
        double y = b.k == FK_INT ? (double)b.u.i : fp_dec_dbl(b.u.d);
        if (e->fn == F_LOG) {
            if (x > 0 && y > 0 && y != 1) push_dec_dbl(env, out, log(x) / log(y));
            return;
        }
        double r = pow(x, y);
        if (v.k == FK_INT && b.k == FK_INT && b.u.i >= 0 && fabs(r) < 2147483648.0) push_int(env, out, (int64_t)r);
        else if (isfinite(r)) push_dec_dbl(env, out, r);
        return;
    }
    default: return;
    }
}

/* --- FHIR additions ------------------------------------------------------------ */

static const char *ref_string(const fp_val *v, size_t *n)
{
    if (v->k == FK_STR) { *n = v->u.s.len; return v->u.s.p; }
    if (v->k != FK_NODE || !v->n) return NULL;
    const s4s_node *r = v->n->type == S4S_J_OBJECT ? s4s_get(v->n, "reference") : v->n;
    if (!r || r->type != S4S_J_STRING) return NULL;
    *n = r->len;
    return r->str;
}

/* only what the resource itself holds: "#id" (contained), "#" (the
 * container), or a reference to the resource's own Type/id; others (Bundle
 * entries, servers) are beyond a streaming filter and give empty.  Local
 * references are the container's: a contained resource's "#x" names a
 * sibling, its "#" the container (%rootResource). */
static void fn_resolve(fp_ctx *c, const s4s_fp_coll *in, s4s_fp_coll *out)
{
    s4s_fp_env *env = c->env;
    const s4s_node *root = env->resource, *top = env->root ? env->root : env->resource;
    if (!root) return;
    const s4s_node *cont = s4s_get(top, "contained");
    const char *rt = s4s_get_str(root, "resourceType"), *rid = s4s_get_str(root, "id");
    fp_val v;
    for (uint32_t i = 0; i < in->n; i++) {
        size_t n;
        const char *s = ref_string(&in->v[i], &n);
        if (!s || n == 0) continue;
        if (s[0] != '#') {
            size_t tl = rt ? strlen(rt) : 0;
            if (rt && rid && n == tl + 1 + strlen(rid) && !memcmp(s, rt, tl) && s[tl] == '/' &&
                !memcmp(s + tl + 1, rid, n - tl - 1)) {
                fp_node_item(&v, root);
                fp_push(env, out, &v);
            }
            continue;
        }
        if (n == 1) {
            fp_node_item(&v, top);
            fp_push(env, out, &v);
            continue;
        }
        if (!cont || cont->type != S4S_J_ARRAY) continue;
        S4S_EACH(r, cont) {
            const char *id = s4s_get_str(r, "id");
            if (id && strlen(id) == n - 1 && !memcmp(id, s + 1, n - 1)) {
                fp_node_item(&v, r);
                fp_push(env, out, &v);
            }
        }
    }
}

static bool has_value(const fp_val *v)
{
    if (v->k != FK_NODE) return true;
    return v->n && v->n->type != S4S_J_OBJECT && v->n->type != S4S_J_ARRAY && v->n->type != S4S_J_NULL;
}

static void fn_conformsto(fp_ctx *c, const fp_ast *e, const s4s_fp_coll *in, const s4s_fp_coll *focus,
                          s4s_fp_coll *out)
{
    static const char base[] = "http://hl7.org/fhir/StructureDefinition/";
    s4s_fp_coll a = {0};
    const char *u;
    size_t un;
    arg(c, e, 0, focus, &a);
    if (in->n != 1 || !single_str(c, e, &a, &u, &un)) return;
    /* only the core profiles: a type test; anything else is not evaluated */
    if (un <= sizeof base - 1 || memcmp(u, base, sizeof base - 1)) return;
    fp_tspec ts = {.fhir = (uint16_t)fp_fhir_type_by_name(u + sizeof base - 1, un - (sizeof base - 1)), .sys = -1};
    if (ts.fhir == S4S_FHIR_NONE) return;
    fp_bool(c->env, out, fp_is_type(&in->v[0], &ts));
}

/* the value set table's row for url (a "|version" suffix ignored), or NULL */
static const s4s_fhir_vset *vs_find(const char *url, size_t n)
{
    const char *bar = memchr(url, '|', n);
    if (bar) n = (size_t)(bar - url);
    size_t lo = 0, hi = S4S_FHIR_N_VSETS;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        const char *u = s4s_fhir_vsets[mid].url;
        int c = strncmp(u, url, n);
        if (c == 0 && u[n]) c = 1;
        if (c < 0) lo = mid + 1;
        else if (c > 0) hi = mid;
        else return &s4s_fhir_vsets[mid];
    }
    return NULL;
}

static bool code_listed(const s4s_fhir_vset_inc *inc, const char *code)
{
    uint32_t lo = inc->first, hi = inc->first + inc->ncodes;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        int c = strcmp(s4s_fhir_vset_codes[mid], code);
        if (c == 0) return true;
        if (c < 0) lo = mid + 1;
        else hi = mid;
    }
    return false;
}

/* one code (system NULL: a bare code, matched against every include):
 * 1 member, 0 not, -1 undecidable (a whole system the cache does not hold) */
static int vs_member(s4s_fp_env *env, const s4s_fhir_vset *vs, const char *system, const char *code)
{
    int r = 0;
    for (uint32_t i = vs->first; i < vs->first + vs->n; i++) {
        const s4s_fhir_vset_inc *inc = &s4s_fhir_vset_incs[i];
        if (system && strcmp(system, inc->system)) continue;
        if (inc->ncodes) {
            if (code_listed(inc, code)) return 1;
            continue;
        }
        s4s_term_result res;
        if (!env->term || s4s_term_lookup(env->term, inc->system, code, &res) != S4S_OK ||
            res.status == S4S_TS_NOT_LOADED) {
            r = -1;
            continue;
        }
        if (res.status != S4S_TS_NOT_FOUND) return 1;
    }
    return r;
}

/* a string member of a Coding, NUL-terminated in the arena */
static const char *coding_str(s4s_fp_env *env, const s4s_node *coding, const char *key)
{
    const s4s_node *n = s4s_get(coding, key);
    return n && n->type == S4S_J_STRING ? s4s_arena_strndup(env->arena, n->str, n->len) : NULL;
}

/* memberOf() over a value set the caller knows (env->vs_member); false
 * when it does not know the set */
static bool caller_memberof(fp_ctx *c, const fp_val *v, const char *u, size_t un, s4s_fp_coll *out)
{
    s4s_fp_env *env = c->env;
    int r = 0;
    fp_val p;
    if (v->k == FK_NODE && v->n && v->n->type == S4S_J_OBJECT &&
        (v->type == S4S_FT_Coding || v->type == S4S_FT_CodeableConcept)) {
        const s4s_node *codings = v->type == S4S_FT_Coding ? NULL : s4s_get(v->n, "coding");
        const s4s_node *one = v->type == S4S_FT_Coding ? v->n
                            : codings && codings->type == S4S_J_ARRAY ? codings->first : NULL;
        if (env->vs_member(env->vs_ud, u, un, NULL, NULL) == -2) return false;
        for (const s4s_node *k = one; k && r != 1; k = codings ? k->next : NULL) {
            if (k->type != S4S_J_OBJECT || (k->flags & S4S_NF_REMOVED)) continue;
            const char *system = coding_str(env, k, "system"), *code = coding_str(env, k, "code");
            if (!system || !code) continue;
            int m = env->vs_member(env->vs_ud, u, un, system, code);
            if (m != 0) r = m;
        }
    } else if (fp_prim(v, &p) && p.k == FK_STR) {
        r = env->vs_member(env->vs_ud, u, un, NULL, s4s_arena_strndup(env->arena, p.u.s.p, p.u.s.len));
        if (r == -2) return false;
    } else {
        return env->vs_member(env->vs_ud, u, un, NULL, NULL) != -2; /* not a coded item: empty */
    }
    if (r >= 0) fp_bool(env, out, r == 1);
    else if (env->vs_not_evaluated) env->vs_not_evaluated(env->vs_ud, u, un);
    return true;
}

/* memberOf(vs) of one code, Coding or CodeableConcept: true when a coding
 * is in the set, false when none is and every one was decidable */
static void fn_memberof(fp_ctx *c, const fp_ast *e, const s4s_fp_coll *in, const s4s_fp_coll *focus,
                        s4s_fp_coll *out)
{
    s4s_fp_env *env = c->env;
    s4s_fp_coll a = {0};
    const char *u;
    size_t un;
    arg(c, e, 0, focus, &a);
    if (in->n == 0 || !single_str(c, e, &a, &u, &un)) return;
    if (in->n > 1) { fp_fail(env, e, "memberOf() needs a single item, got %u", in->n); return; }
    const fp_val *v = &in->v[0];
    if (env->vs_member && caller_memberof(c, v, u, un, out)) return;
    const s4s_fhir_vset *vs = vs_find(u, un);
    int r = vs ? 0 : -1;
    fp_val p;
    if (vs && v->k == FK_NODE && v->n && v->n->type == S4S_J_OBJECT &&
        (v->type == S4S_FT_Coding || v->type == S4S_FT_CodeableConcept)) {
        const s4s_node *codings = v->type == S4S_FT_Coding ? NULL : s4s_get(v->n, "coding");
        const s4s_node *one = v->type == S4S_FT_Coding ? v->n
                            : codings && codings->type == S4S_J_ARRAY ? codings->first : NULL;
        for (const s4s_node *k = one; k && r != 1; k = codings ? k->next : NULL) {
            if (k->type != S4S_J_OBJECT || (k->flags & S4S_NF_REMOVED)) continue;
            const char *system = coding_str(env, k, "system"), *code = coding_str(env, k, "code");
            if (!system || !code) continue;
            int m = vs_member(env, vs, system, code);
            if (m != 0) r = m;
        }
    } else if (vs && fp_prim(v, &p) && p.k == FK_STR) {
        r = vs_member(env, vs, NULL, s4s_arena_strndup(env->arena, p.u.s.p, p.u.s.len));
    } else if (vs) {
        return; /* not a coded item: empty */
    }
    if (r >= 0) fp_bool(env, out, r == 1);
    else if (env->vs_not_evaluated) env->vs_not_evaluated(env->vs_ud, u, un);
}

static void now(s4s_fp_env *env, fp_kind k, s4s_fp_coll *out)
{
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    localtime_r(&ts.tv_sec, &tm);
    fp_val v;
    sysv(&v, k);
    fp_dt *d = &v.u.dt;
    d->y = (int16_t)(tm.tm_year + 1900); d->mo = (uint8_t)(tm.tm_mon + 1); d->d = (uint8_t)tm.tm_mday;
    d->h = (uint8_t)tm.tm_hour; d->mi = (uint8_t)tm.tm_min; d->s = (uint8_t)tm.tm_sec;
    d->ms = (uint16_t)(ts.tv_nsec / 1000000);
    d->prec = k == FK_DATE ? FP_P_DAY : FP_P_MS;
    d->tz = k == FK_DATETIME;
    d->tzmin = (int16_t)(tm.tm_gmtoff / 60);
    fp_push(env, out, &v);
}

static void trace(fp_ctx *c, const fp_ast *e, const s4s_fp_coll *in, const s4s_fp_coll *focus)
{
    s4s_fp_env *env = c->env;
    if (!env->trace) return;
    s4s_fp_coll name = {0}, shown = {0};
    const char *nm = "";
    size_t nn = 0;
    arg(c, e, 0, focus, &name);
    if (name.n) single_str(c, e, &name, &nm, &nn);
    const s4s_fp_coll *what = in;
    if (e->nargs > 1) {
        for (uint32_t i = 0; i < in->n; i++) {
            s4s_fp_coll r;
            lambda(c, e->args[1], &in->v[i], i, &r);
            for (uint32_t j = 0; j < r.n; j++) fp_push(env, &shown, &r.v[j]);
        }
        what = &shown;
    }
    s4s_buf b;
    s4s_buf_init(&b, (size_t)1 << 26);
    s4s_fp_write_result(&b, what);
    fprintf(env->trace, "%.*s: %.*s\n", (int)nn, nm, (int)b.len, b.p ? b.p : "");
    s4s_buf_free(&b);
}

static void conv(fp_ctx *c, const fp_ast *e, const s4s_fp_coll *in, const s4s_fp_coll *focus,
                 s4s_fp_coll *out)
{
    s4s_fp_env *env = c->env;
    if (in->n == 0) return;
    if (in->n > 1) { fp_fail(env, e, "%s() needs a single item", fp_fns[e->fn].name); return; }
    const fp_val *v = &in->v[0];
    fp_val r;
    bool ok = false;
    switch (e->fn) {
    case F_TOBOOLEAN: case F_CTBOOLEAN: ok = fp_to_bool(v, &r); break;
    case F_TOINTEGER: case F_CTINTEGER: ok = fp_to_int(v, &r); break;
    case F_TODECIMAL: case F_CTDECIMAL: ok = fp_to_dec(v, &r); break;
    case F_TOSTRING: case F_CTSTRING: ok = fp_to_string(env, v, &r); break;
    case F_TODATE: case F_CTDATE: ok = fp_to_dt(v, FK_DATE, &r); break;
    case F_TODATETIME: case F_CTDATETIME: ok = fp_to_dt(v, FK_DATETIME, &r); break;
    case F_TOTIME: case F_CTTIME: ok = fp_to_dt(v, FK_TIME, &r); break;
    case F_TOQUANTITY: case F_CTQUANTITY:
        ok = fp_to_qty(env, v, &r);
        if (ok && e->nargs) {
            s4s_fp_coll a = {0};
            const char *u;
            size_t un;
            arg(c, e, 0, focus, &a);
            if (!single_str(c, e, &a, &u, &un)) return;
            const char *unit = s4s_arena_strndup(env->arena, u, un);
            if (strcmp(unit, r.u.q.unit)) ok = fp_qty_conv(env, &r, unit, &r.u.q.v);
            r.u.q.unit = unit;
        }
        break;
    default: break;
    }
    bool converts = e->fn == F_CTBOOLEAN || e->fn == F_CTINTEGER || e->fn == F_CTDECIMAL ||
                    e->fn == F_CTSTRING || e->fn == F_CTDATE || e->fn == F_CTDATETIME ||
                    e->fn == F_CTTIME || e->fn == F_CTQUANTITY;
    if (converts) fp_bool(env, out, ok);
    else if (ok) fp_push(env, out, &r);
}

void fp_call(fp_ctx *c, const fp_ast *e, const s4s_fp_coll *in, s4s_fp_coll *out)
{
    s4s_fp_env *env = c->env;
    /* the focus of non-lambda arguments: the expression's own context */
    const s4s_fp_coll *focus = c->ctxc;
    s4s_fp_coll one = {0};
    if (c->this_) { one.v = (fp_val *)c->this_; one.n = one.cap = 1; focus = &one; }
    s4s_fp_coll a = {0}, r;
    switch (e->fn) {
    case F_EMPTY: fp_bool(env, out, in->n == 0); return;
    case F_EXISTS:
        if (!e->nargs) { fp_bool(env, out, in->n > 0); return; }
        for (uint32_t i = 0; i < in->n && !env->err[0]; i++) {
            lambda(c, e->args[0], &in->v[i], i, &r);
            if (fp_single_bool(c, e->args[0], &r) == 1) { fp_bool(env, out, true); return; }
        }
        fp_bool(env, out, false);
        return;
    case F_ALL:
        for (uint32_t i = 0; i < in->n && !env->err[0]; i++) {
            lambda(c, e->args[0], &in->v[i], i, &r);
            if (fp_single_bool(c, e->args[0], &r) != 1) { fp_bool(env, out, false); return; }
        }
        fp_bool(env, out, true);
        return;
    case F_ALLTRUE: case F_ANYTRUE: case F_ALLFALSE: case F_ANYFALSE: {
        bool want = e->fn == F_ALLTRUE || e->fn == F_ANYTRUE, all = e->fn == F_ALLTRUE || e->fn == F_ALLFALSE;
        for (uint32_t i = 0; i < in->n; i++) {
            fp_val v;
            if (!fp_prim(&in->v[i], &v) || v.k != FK_BOOL) {
                fp_fail(env, e, "%s() needs booleans", fp_fns[e->fn].name);
                return;
            }
            if (all && v.u.b != want) { fp_bool(env, out, false); return; }
            if (!all && v.u.b == want) { fp_bool(env, out, true); return; }
        }
        fp_bool(env, out, all);
        return;
    }
    case F_SUBSETOF: case F_SUPERSETOF: {
        arg(c, e, 0, focus, &a);
        const s4s_fp_coll *sub = e->fn == F_SUBSETOF ? in : &a, *sup = e->fn == F_SUBSETOF ? &a : in;
        for (uint32_t i = 0; i < sub->n; i++)
            if (!fp_coll_has(env, sup, &sub->v[i])) { fp_bool(env, out, false); return; }
        fp_bool(env, out, true);
        return;
    }
    case F_COUNT: push_int(env, out, in->n); return;
    case F_DISTINCT:
        for (uint32_t i = 0; i < in->n; i++)
            if (!fp_coll_has(env, out, &in->v[i])) fp_push(env, out, &in->v[i]);
        return;
    case F_ISDISTINCT: {
        s4s_fp_coll d = {0};
        for (uint32_t i = 0; i < in->n; i++)
            if (!fp_coll_has(env, &d, &in->v[i])) fp_push(env, &d, &in->v[i]);
        fp_bool(env, out, d.n == in->n);
        return;
    }
    case F_WHERE:
        for (uint32_t i = 0; i < in->n && !env->err[0]; i++) {
            lambda(c, e->args[0], &in->v[i], i, &r);
            if (fp_single_bool(c, e->args[0], &r) == 1) fp_push(env, out, &in->v[i]);
        }
        return;
    case F_SELECT:
        for (uint32_t i = 0; i < in->n && !env->err[0]; i++) {
            lambda(c, e->args[0], &in->v[i], i, &r);
            for (uint32_t j = 0; j < r.n; j++) fp_push(env, out, &r.v[j]);
        }
        return;
    case F_REPEAT: {
        /* breadth first; an item already produced is not expanded again */
        s4s_fp_coll work = *in;
        while (work.n && !env->err[0]) {
            s4s_fp_coll next = {0};
            for (uint32_t i = 0; i < work.n && !env->err[0]; i++) {
                lambda(c, e->args[0], &work.v[i], i, &r);
                for (uint32_t j = 0; j < r.n; j++) {
                    if (fp_coll_has(env, out, &r.v[j])) continue;
                    fp_push(env, out, &r.v[j]);
                    fp_push(env, &next, &r.v[j]);
                }
            }
            work = next;
        }
        return;
    }
    case F_OFTYPE:
        for (uint32_t i = 0; i < in->n; i++)
            if (fp_is_type(&in->v[i], &e->ts)) fp_push(env, out, &in->v[i]);
        return;
    case F_SINGLE:
        if (in->n > 1) { fp_fail(env, e, "single() on %u items", in->n); return; }
        if (in->n) fp_push(env, out, &in->v[0]);
        return;
    case F_FIRST: if (in->n) fp_push(env, out, &in->v[0]); return;
    case F_LAST: if (in->n) fp_push(env, out, &in->v[in->n - 1]); return;
    case F_TAIL: for (uint32_t i = 1; i < in->n; i++) fp_push(env, out, &in->v[i]); return;
    case F_SKIP: case F_TAKE: {
        int64_t k;
        arg(c, e, 0, focus, &a);
        if (!single_int(c, e, &a, &k)) return;
        for (uint32_t i = 0; i < in->n; i++)
            if (e->fn == F_SKIP ? (int64_t)i >= k : (int64_t)i < k) fp_push(env, out, &in->v[i]);
        return;
    }
    case F_INTERSECT: case F_EXCLUDE:
        arg(c, e, 0, focus, &a);
        for (uint32_t i = 0; i < in->n; i++) {
            bool has = fp_coll_has(env, &a, &in->v[i]);
            if (e->fn == F_EXCLUDE ? !has : (has && !fp_coll_has(env, out, &in->v[i])))
                fp_push(env, out, &in->v[i]);
        }
        return;
    case F_UNION: arg(c, e, 0, focus, &a); fp_union(env, in, &a, out); return;
    case F_COMBINE:
        arg(c, e, 0, focus, &a);
        for (uint32_t i = 0; i < in->n; i++) fp_push(env, out, &in->v[i]);
        for (uint32_t i = 0; i < a.n; i++) fp_push(env, out, &a.v[i]);
        return;
    case F_IIF: {
        /* called on an input: the criterion sees that single item */
        const s4s_fp_coll *f = focus;
        fp_ctx sub = *c;
        if (e->l) {
            if (in->n > 1) { fp_fail(env, e, "iif() on %u items", in->n); return; }
            f = in;
            sub.this_ = in->n ? &in->v[0] : NULL;
        }
        memset(&a, 0, sizeof a);
        fp_eval(&sub, e->args[0], f, &a);
        int b = fp_single_bool(c, e->args[0], &a);
        if (b == 1) fp_eval(&sub, e->args[1], f, out);
        else if (e->nargs > 2) fp_eval(&sub, e->args[2], f, out);
        return;
    }
    case F_TOBOOLEAN: case F_CTBOOLEAN: case F_TOINTEGER: case F_CTINTEGER: case F_TODECIMAL:
    case F_CTDECIMAL: case F_TOSTRING: case F_CTSTRING: case F_TODATE: case F_CTDATE:
    case F_TODATETIME: case F_CTDATETIME: case F_TOTIME: case F_CTTIME: case F_TOQUANTITY:
    case F_CTQUANTITY:
        conv(c, e, in, focus, out);
        return;
    case F_JOIN: {
        const char *sep = "";
        size_t sn = 0;
        if (e->nargs) {
            arg(c, e, 0, focus, &a);
            if (a.n && !single_str(c, e, &a, &sep, &sn)) return;
        }
        s4s_buf b;
        s4s_buf_init(&b, (size_t)1 << 24);
        for (uint32_t i = 0; i < in->n; i++) {
            fp_val v;
            if (!fp_prim(&in->v[i], &v) || v.k != FK_STR) { fp_fail(env, e, "join() needs strings"); break; }
            if (i) s4s_buf_put(&b, sep, sn);
            s4s_buf_put(&b, v.u.s.p, v.u.s.len);
        }
        if (!env->err[0] && !b.over) push_str(env, out, b.p ? b.p : "", b.len);
        s4s_buf_free(&b);
        return;
    }
    case F_INDEXOF: case F_SUBSTRING: case F_STARTSWITH: case F_ENDSWITH: case F_CONTAINS:
    case F_UPPER: case F_LOWER: case F_REPLACE: case F_MATCHES: case F_REPLACEMATCHES:
    case F_LENGTH: case F_TOCHARS: case F_TRIM: case F_SPLIT: case F_ENCODE: case F_DECODE:
        fn_string(c, e, in, focus, out);
        return;
    case F_ABS: case F_CEILING: case F_EXP: case F_FLOOR: case F_LN: case F_LOG: case F_POWER:
    case F_ROUND: case F_SQRT: case F_TRUNCATE:
        fn_math(c, e, in, focus, out);
        return;
    case F_CHILDREN:
        for (uint32_t i = 0; i < in->n; i++) fp_all_children(env, &in->v[i], out);
        return;
    case F_DESCENDANTS: {
        /* the same node's descendants are asked for again and again (dom-3
         * four times over %resource, three times per contained resource) */
        const void *key = in->n == 1 && in->v[0].k == FK_NODE ? (const void *)in->v[0].n : NULL;
        for (unsigned i = 0; key && i < env->ndesc; i++)
            if (env->desc_key[i] == key) {
                fp_push_all(env, out, &env->desc_val[i]);
                return;
            }
        /* breadth first in one collection: it is its own queue (items are
         * copied out before pushing may move the array).  Tree nodes are
         * distinct, so no equality checks are needed. */
        s4s_fp_coll all = {0};
        /* a resource has hundreds: start there rather than doubling up */
        all.cap = 128;
        all.v = s4s_arena_alloc(env->arena, all.cap * sizeof *all.v);
        for (uint32_t i = 0; i < in->n; i++) fp_all_children(env, &in->v[i], &all);
        for (uint32_t i = 0; i < all.n && !env->err[0]; i++) {
            /* a primitive without a `_x` object has no children */
            if (all.v[i].k == FK_NODE && !all.v[i].ext && all.v[i].n && all.v[i].n->type != S4S_J_OBJECT)
                continue;
            fp_val it = all.v[i];
            fp_all_children(env, &it, &all);
        }
        if (key && env->ndesc < sizeof env->desc_key / sizeof env->desc_key[0] && !env->err[0]) {
            env->desc_key[env->ndesc] = key;
            env->desc_val[env->ndesc++] = all;
        }
        fp_push_all(env, out, &all);
        return;
    }
    case F_TRACE:
        trace(c, e, in, focus);
        for (uint32_t i = 0; i < in->n; i++) fp_push(env, out, &in->v[i]);
        return;
    case F_NOW: now(env, FK_DATETIME, out); return;
    case F_TODAY: now(env, FK_DATE, out); return;
    case F_TIMEOFDAY: now(env, FK_TIME, out); return;
    case F_AGGREGATE: {
        s4s_fp_coll total = {0};
        if (e->nargs > 1) arg(c, e, 1, focus, &total);
        for (uint32_t i = 0; i < in->n && !env->err[0]; i++) {
            fp_ctx sub = *c;
            sub.total = &total;
            lambda(&sub, e->args[0], &in->v[i], i, &r);
            total = r;
        }
        for (uint32_t i = 0; i < total.n; i++) fp_push(env, out, &total.v[i]);
        return;
    }
    case F_IS:
        if (in->n == 0) return;
        if (in->n > 1) { fp_fail(env, e, "is() needs a single item"); return; }
        fp_bool(env, out, fp_is_type(&in->v[0], &e->ts));
        return;
    case F_AS:
        /* as() over several items filters them, as R4's own invariants
         * (dom-3: descendants().as(canonical)) require */
        for (uint32_t i = 0; i < in->n; i++)
            if (fp_is_type(&in->v[i], &e->ts)) fp_push(env, out, &in->v[i]);
        return;
    case F_NOT: {
        int b = fp_single_bool(c, e, in);
        if (b >= 0) fp_bool(env, out, !b);
        return;
    }
    case F_EXTENSION: {
        const char *u;
        size_t un;
        arg(c, e, 0, focus, &a);
        if (!single_str(c, e, &a, &u, &un)) return;
        for (uint32_t i = 0; i < in->n; i++) {
            s4s_fp_coll x = {0};
            fp_children(env, &in->v[i], "extension", 9, &x);
            for (uint32_t j = 0; j < x.n; j++) {
                const s4s_node *url = x.v[j].n ? s4s_get(x.v[j].n, "url") : NULL;
                if (url && url->type == S4S_J_STRING && url->len == un && !memcmp(url->str, u, un))
                    fp_push(env, out, &x.v[j]);
            }
        }
        return;
    }
    case F_HASVALUE: fp_bool(env, out, in->n == 1 && has_value(&in->v[0])); return;
    case F_GETVALUE: {
        fp_val v;
        if (in->n == 1 && has_value(&in->v[0]) && fp_prim(&in->v[0], &v)) fp_push(env, out, &v);
        return;
    }
    case F_RESOLVE: fn_resolve(c, in, out); return;
    case F_CONFORMSTO: fn_conformsto(c, e, in, focus, out); return;
    case F_TYPE:
        for (uint32_t i = 0; i < in->n; i++) {
            fp_val t;
            sysv(&t, FK_TYPE);
            t.u.ti.ns = in->v[i].k == FK_NODE ? "FHIR" : "System";
            t.u.ti.name = fp_type_name(&in->v[i]);
            fp_push(env, out, &t);
        }
        return;
    case F_MEMBEROF: fn_memberof(c, e, in, focus, out); return;
    case F_HTMLCHECKS: {
        const char *s;
        size_t n;
        if (single_str(c, e, in, &s, &n)) fp_bool(env, out, fp_html_check(s, n));
        return;
    }
    default: return;
    }
}
