/*
 * fhirpath_value.c - FHIRPath's System values: exact decimals, partial
 * dates and times with their precision, quantities through UCUM, and the
 * conversions between them (toX / convertsToX, FHIR primitives).
 *
 * Invariants: a decimal is m / 10^sc with at most 18 significant digits, so
 * 0.1 + 0.2 = 0.3 exactly and the input's precision (1.50) is kept; a
 * date/time keeps the precision it was written with and comparisons across
 * precisions that cannot be decided are "empty" (ok = false), never false.
 */
#include "fhirpath_int.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "tables/fhir_r4.h"
#include "../terminology/ucum.h"

/* --- decimals ------------------------------------------------------------ */

#define DEC_MAX_SC 18

bool fp_dec_parse(const char *s, size_t n, fp_dec *d)
{
    size_t i = 0;
    bool neg = false, digits = false;
    if (i < n && (s[i] == '-' || s[i] == '+')) neg = s[i++] == '-';
    __int128 m = 0;
    int sc = 0, sig = 0;
    bool frac = false;
    for (; i < n; i++) {
        char c = s[i];
        if (c == '.' && !frac) { frac = true; continue; }
        if (c < '0' || c > '9') break;
        digits = true;
        if (sig == 0 && c == '0' && !frac) continue;
        if (sig >= 18) { if (!frac) return false; continue; } /* drop digits past 18 */
        m = m * 10 + (c - '0');
        sig++;
        if (frac) sc++;
    }
    int e = 0;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        char *end;
        char buf[16];
        size_t k = n - i - 1 < sizeof buf - 1 ? n - i - 1 : sizeof buf - 1;
        memcpy(buf, s + i + 1, k);
        buf[k] = '\0';
        long ev = strtol(buf, &end, 10);
        if (end == buf || ev > 40 || ev < -40) return false;
        e = (int)ev;
        i = n - (size_t)(buf + k - end);
    }
    if (!digits || i != n) return false;
    sc -= e;
    while (sc < 0) { m *= 10; sc++; if (m > INT64_MAX) return false; }
    while (sc > DEC_MAX_SC) { m /= 10; sc--; }
    d->m = (int64_t)(neg ? -m : m);
    d->sc = (int16_t)sc;
    return true;
}

/* fit an exact value m / 10^sc into an fp_dec, rounding half away from zero */
static bool dec_fit(__int128 m, int sc, fp_dec *r)
{
    while (sc > DEC_MAX_SC || m > INT64_MAX || m < -INT64_MAX) {
        if (sc == 0) return false;
        __int128 q = m / 10, rem = m % 10;
        if (rem >= 5) q++;
        else if (rem <= -5) q--;
        m = q;
        sc--;
    }
    r->m = (int64_t)m;
    r->sc = (int16_t)sc;
    return true;
}

int fp_dec_cmp(fp_dec a, fp_dec b)
{
    __int128 x = a.m, y = b.m;
    for (int i = a.sc; i < b.sc; i++) x *= 10;
    for (int i = b.sc; i < a.sc; i++) y *= 10;
    return x < y ? -1 : x > y;
}

bool fp_dec_add(fp_dec a, fp_dec b, fp_dec *r)
{
    __int128 x = a.m, y = b.m;
    int sc = a.sc > b.sc ? a.sc : b.sc;
    for (int i = a.sc; i < sc; i++) x *= 10;
    for (int i = b.sc; i < sc; i++) y *= 10;
    return dec_fit(x + y, sc, r);
}

bool fp_dec_mul(fp_dec a, fp_dec b, fp_dec *r)
{
    return dec_fit((__int128)a.m * b.m, a.sc + b.sc, r);
}

bool fp_dec_div(fp_dec a, fp_dec b, fp_dec *r)
{
    if (b.m == 0) return false;
    /* a/b with 8 decimals: (a.m * 10^(b.sc + 8)) / (b.m * 10^a.sc) */
    __int128 num = a.m, den = b.m;
    int k = b.sc + 8 - a.sc;
    for (int i = 0; i < k; i++) num *= 10;
    for (int i = 0; i > k; i--) den *= 10;
    __int128 q = num / den, rem = num % den;
    if (rem && 2 * (rem < 0 ? -rem : rem) >= (den < 0 ? -den : den))
        q += ((num < 0) != (den < 0)) ? -1 : 1;
    if (!dec_fit(q, 8, r)) return false;
    *r = fp_dec_norm(*r);
    return true;
}

void fp_dec_round(fp_dec *a, int sc)
{
    while (a->sc > sc) {
        int64_t q = a->m / 10, r = a->m % 10;
        a->m = q + (r >= 5) - (r <= -5);
        a->sc--;
    }
}

fp_dec fp_dec_norm(fp_dec a)
{
    while (a.sc > 0 && a.m % 10 == 0) { a.m /= 10; a.sc--; }
    return a;
}

double fp_dec_dbl(fp_dec a)
{
    char b[48];
    fp_dec_str(a, b, sizeof b);
    return strtod(b, NULL);
}

bool fp_dec_from_dbl(double v, int sc, fp_dec *r)
{
    if (!isfinite(v)) return false;
    char b[64];
    if (sc < 0) sc = 8;
    if (snprintf(b, sizeof b, "%.*f", sc, v) >= (int)sizeof b) return false;
    return fp_dec_parse(b, strlen(b), r);
}

void fp_dec_str(fp_dec a, char *out, size_t outsz)
{
    uint64_t m = a.m < 0 ? (uint64_t)0 - (uint64_t)a.m : (uint64_t)a.m;
    char dig[24];
    int n = snprintf(dig, sizeof dig, "%llu", (unsigned long long)m);
    char *o = out, *end = out + outsz - 1;
    if (a.m < 0 && o < end) *o++ = '-';
    if (n <= a.sc) {
        if (o < end) *o++ = '0';
        if (o < end) *o++ = '.';
        for (int i = n; i < a.sc && o < end; i++) *o++ = '0';
        for (int i = 0; i < n && o < end; i++) *o++ = dig[i];
    } else {
        for (int i = 0; i < n && o < end; i++) {
            if (i == n - a.sc && a.sc) *o++ = '.';
            if (o < end) *o++ = dig[i];
        }
    }
    *o = '\0';
}

/* --- dates and times ----------------------------------------------------- */

static int num(const char *s, size_t n, size_t *i, int w)
{
    int v = 0;
    for (int k = 0; k < w; k++) {
        if (*i >= n || !isdigit((unsigned char)s[*i])) return -1;
        v = v * 10 + (s[(*i)++] - '0');
    }
    return v;
}

static int mdays(int y, int m)
{
    static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : d[m - 1];
}

/* hh[:mm[:ss[.fff]]] into d starting at precision HOUR */
static bool parse_time(const char *s, size_t n, size_t *i, fp_dt *d)
{
    int v = num(s, n, i, 2);
    if (v < 0 || v > 23) return false;
    d->h = (uint8_t)v; d->prec = FP_P_HOUR;
    if (*i >= n || s[*i] != ':') return true;
    (*i)++;
    if ((v = num(s, n, i, 2)) < 0 || v > 59) return false;
    d->mi = (uint8_t)v; d->prec = FP_P_MIN;
    if (*i >= n || s[*i] != ':') return true;
    (*i)++;
    if ((v = num(s, n, i, 2)) < 0 || v > 60) return false;
    d->s = (uint8_t)v; d->prec = FP_P_SEC;
    if (*i >= n || s[*i] != '.') return true;
    (*i)++;
    int ms = 0, k = 0;
    while (*i < n && isdigit((unsigned char)s[*i])) {
        if (k < 3) { ms = ms * 10 + (s[*i] - '0'); k++; }
        (*i)++;
    }
    if (k == 0) return false;
    while (k++ < 3) ms *= 10;
    d->ms = (uint16_t)ms; d->prec = FP_P_MS;
    return true;
}

bool fp_dt_parse(const char *s, size_t n, fp_kind k, fp_dt *d)
{
    memset(d, 0, sizeof *d);
    size_t i = 0;
    if (k == FK_TIME) return parse_time(s, n, &i, d) && i == n;
    int v = num(s, n, &i, 4);
    if (v < 0) return false;
    d->y = (int16_t)v; d->mo = 1; d->d = 1; d->prec = FP_P_YEAR;
    if (i < n && s[i] == '-') {
        i++;
        if ((v = num(s, n, &i, 2)) < 1 || v > 12) return false;
        d->mo = (uint8_t)v; d->prec = FP_P_MONTH;
        if (i < n && s[i] == '-') {
            i++;
            if ((v = num(s, n, &i, 2)) < 1 || v > mdays(d->y, d->mo)) return false;
            d->d = (uint8_t)v; d->prec = FP_P_DAY;
        }
    }
    if (i == n) return true;
    if (k == FK_DATE || s[i] != 'T' || d->prec != FP_P_DAY) return false;
    i++;
    if (!parse_time(s, n, &i, d)) return false;
    if (i < n && s[i] == 'Z') { d->tz = true; i++; }
    else if (i < n && (s[i] == '+' || s[i] == '-')) {
        int sign = s[i++] == '-' ? -1 : 1;
        int hh = num(s, n, &i, 2), mm = 0;
        if (hh < 0 || hh > 14) return false;
        if (i < n && s[i] == ':') { i++; if ((mm = num(s, n, &i, 2)) < 0 || mm > 59) return false; }
        d->tz = true;
        d->tzmin = (int16_t)(sign * (hh * 60 + mm));
    }
    return i == n;
}

void fp_dt_str(const fp_dt *d, fp_kind k, char *out, size_t outsz)
{
    char *o = out;
    size_t left = outsz;
#define PUT(...) do { int w_ = snprintf(o, left, __VA_ARGS__); if (w_ < 0 || (size_t)w_ >= left) return; o += w_; left -= (size_t)w_; } while (0)
    if (k != FK_TIME) {
        PUT("%04d", d->y);
        if (d->prec >= FP_P_MONTH) PUT("-%02d", d->mo);
        if (d->prec >= FP_P_DAY) PUT("-%02d", d->d);
        if (d->prec >= FP_P_HOUR) PUT("T");
    }
    if (d->prec >= FP_P_HOUR) PUT("%02d", d->h);
    if (d->prec >= FP_P_MIN) PUT(":%02d", d->mi);
    if (d->prec >= FP_P_SEC) PUT(":%02d", d->s);
    if (d->prec >= FP_P_MS) PUT(".%03d", d->ms);
    if (k == FK_DATETIME && d->tz && d->prec >= FP_P_HOUR) {
        if (d->tzmin == 0) PUT("Z");
        else {
            int a = d->tzmin < 0 ? -d->tzmin : d->tzmin;
            PUT("%c%02d:%02d", d->tzmin < 0 ? '-' : '+', a / 60, a % 60);
        }
    }
#undef PUT
}

/* days since 1970-01-01 of a proleptic Gregorian date */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

static int eff_prec(int p) { return p == FP_P_MS ? FP_P_SEC : p; }

int fp_dt_cmp(const fp_dt *a, const fp_dt *b, fp_kind k, bool *ok)
{
    int pa = eff_prec(a->prec), pb = eff_prec(b->prec);
    int common = pa < pb ? pa : pb;
    *ok = true;
    if (k != FK_TIME && common <= FP_P_DAY) {
        int64_t x[3] = {a->y, a->mo, a->d}, y[3] = {b->y, b->mo, b->d};
        for (int i = 0; i < common; i++)
            if (x[i] != y[i]) return x[i] < y[i] ? -1 : 1;
    } else {
        int64_t ma = (int64_t)a->h * 60 + a->mi, mb = (int64_t)b->h * 60 + b->mi;
        if (k != FK_TIME) {
            ma += days_from_civil(a->y, a->mo, a->d) * 1440 - (a->tz ? a->tzmin : 0);
            mb += days_from_civil(b->y, b->mo, b->d) * 1440 - (b->tz ? b->tzmin : 0);
        }
        if (common == FP_P_HOUR) {
            int64_t ha = ma >= 0 ? ma / 60 : -((-ma + 59) / 60), hb = mb >= 0 ? mb / 60 : -((-mb + 59) / 60);
            if (ha != hb) return ha < hb ? -1 : 1;
        } else if (ma != mb) {
            return ma < mb ? -1 : 1;
        } else if (common == FP_P_SEC) {
            int sa = a->s * 1000 + a->ms, sb = b->s * 1000 + b->ms;
            if (sa != sb) return sa < sb ? -1 : 1;
        }
    }
    if (pa != pb) *ok = false;
    return 0;
}

const char *fp_cal_ucum(const char *u)
{
    static const char *const map[][2] = {
        {"year", "a"}, {"years", "a"}, {"month", "mo"}, {"months", "mo"}, {"week", "wk"},
        {"weeks", "wk"}, {"day", "d"}, {"days", "d"}, {"hour", "h"}, {"hours", "h"},
        {"minute", "min"}, {"minutes", "min"}, {"second", "s"}, {"seconds", "s"},
        {"millisecond", "ms"}, {"milliseconds", "ms"},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (!strcmp(u, map[i][0])) return map[i][1];
    return NULL;
}

bool fp_dt_add(fp_dt *d, fp_kind k, fp_dec v, const char *unit)
{
    const char *u = fp_cal_ucum(unit);
    if (!u) u = unit;
    int64_t n = v.m;
    for (int i = 0; i < v.sc; i++) n /= 10; /* calendar arithmetic uses whole units */
    if (n > 100000 || n < -100000) return false;
    if (!strcmp(u, "a") || !strcmp(u, "mo")) {
        if (k == FK_TIME) return false;
        int64_t months = (int64_t)d->y * 12 + (d->mo - 1) + (u[0] == 'a' ? n * 12 : n);
        d->y = (int16_t)(months / 12);
        d->mo = (uint8_t)(months % 12 + 1);
        if (d->d > mdays(d->y, d->mo)) d->d = (uint8_t)mdays(d->y, d->mo);
        return d->y > 0 && d->y <= 9999;
    }
    int64_t ms;
    if (!strcmp(u, "wk")) ms = n * 7 * 86400000LL;
    else if (!strcmp(u, "d")) ms = n * 86400000LL;
    else if (!strcmp(u, "h")) ms = n * 3600000LL;
    else if (!strcmp(u, "min")) ms = n * 60000LL;
    else if (!strcmp(u, "s")) ms = n * 1000LL;
    else if (!strcmp(u, "ms")) ms = n;
    else return false;
    int64_t day = k == FK_TIME ? 0 : days_from_civil(d->y, d->mo, d->d);
    int64_t t = day * 86400000LL + (((int64_t)d->h * 60 + d->mi) * 60 + d->s) * 1000 + d->ms + ms;
    int64_t nd = t >= 0 ? t / 86400000LL : -((-t + 86399999LL) / 86400000LL);
    int64_t rest = t - nd * 86400000LL;
    if (k != FK_TIME) {
        int y, m, dd;
        civil_from_days(nd, &y, &m, &dd);
        if (y <= 0 || y > 9999) return false;
        d->y = (int16_t)y; d->mo = (uint8_t)m; d->d = (uint8_t)dd;
    }
    d->h = (uint8_t)(rest / 3600000); d->mi = (uint8_t)(rest / 60000 % 60);
    d->s = (uint8_t)(rest / 1000 % 60); d->ms = (uint16_t)(rest % 1000);
    return true;
}

/* --- quantities ---------------------------------------------------------- */

static const char *ucum_of(const char *u)
{
    const char *c = fp_cal_ucum(u);
    return c ? c : u;
}

static bool ucum_unit(s4s_fp_env *env, const char *u, s4s_ucum_result *r)
{
    return env->ucum ? s4s_ucum_check(env->ucum, u, strlen(u), r) : s4s_ucum_parse(u, strlen(u), r, NULL, 0);
}

/* q's value in unit `to` as a double; false when not commensurable */
static bool qty_conv_dbl(s4s_fp_env *env, const fp_val *q, const char *to, double *out)
{
    const char *from = ucum_of(q->u.q.unit);
    to = ucum_of(to);
    s4s_ucum_result ra, rb;
    if (!ucum_unit(env, from, &ra) || !ucum_unit(env, to, &rb) || !s4s_ucum_commensurable(&ra, &rb))
        return false;
    char why[S4S_UCUM_MSG];
    return s4s_ucum_convert(&ra, &rb, from, to, fp_dec_dbl(q->u.q.v), out, why, sizeof why) == S4S_OK;
}

bool fp_qty_conv(s4s_fp_env *env, const fp_val *q, const char *to, fp_dec *out)
{
    double v;
    char b[64];
    /* 15 significant digits: what a double carries, without binary tails */
    return qty_conv_dbl(env, q, to, &v) && s4s_ucum_format(v, 0, b, sizeof b) &&
           fp_dec_parse(b, strlen(b), out);
}

bool fp_qty_cmp(s4s_fp_env *env, const fp_val *a, const fp_val *b, int *cmp)
{
    if (!strcmp(ucum_of(a->u.q.unit), ucum_of(b->u.q.unit))) {
        *cmp = fp_dec_cmp(a->u.q.v, b->u.q.v);
        return true;
    }
    fp_dec x;
    if (!fp_qty_conv(env, a, b->u.q.unit, &x)) return false;
    *cmp = fp_dec_cmp(x, b->u.q.v);
    return true;
}

void fp_qty_str(const fp_val *v, char *out, size_t outsz)
{
    char d[48];
    fp_dec_str(v->u.q.v, d, sizeof d);
    if (fp_cal_ucum(v->u.q.unit)) snprintf(out, outsz, "%s %s", d, v->u.q.unit);
    else snprintf(out, outsz, "%s '%s'", d, v->u.q.unit);
}

/* --- FHIR primitives as System values ------------------------------------ */

bool fp_qty_type(unsigned t)
{
    if (t == S4S_FT_Quantity) return true;
    if (t == S4S_FHIR_NONE || s4s_fhir_types[t].kind != S4S_FK_COMPLEX) return false;
    static const char *const names[] = {"Quantity", "Age", "Count", "Distance", "Duration",
                                        "SimpleQuantity", "MoneyQuantity"};
    const char *n = S4S_FHIR_STR(s4s_fhir_types[t].name);
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (!strcmp(n, names[i])) return true;
    return false;
}

bool fp_prim(const fp_val *in, fp_val *out)
{
    if (in->k != FK_NODE) { *out = *in; return true; }
    const s4s_node *n = in->n;
    if (!n) return false;
    memset(out, 0, sizeof *out);
    out->type = out->ctx = out->elem = S4S_FHIR_NONE;
    unsigned t = in->type;
    if (n->type == S4S_J_OBJECT) {
        if (!fp_qty_type(t)) return false;
        const s4s_node *v = s4s_get(n, "value");
        const char *u = s4s_get_str(n, "code");
        if (!u) u = s4s_get_str(n, "unit");
        if (!v || v->type != S4S_J_NUMBER) return false;
        out->k = FK_QTY;
        out->u.q.unit = u ? u : "1";
        return fp_dec_parse(v->str, v->len, &out->u.q.v);
    }
    switch (n->type) {
    case S4S_J_TRUE: case S4S_J_FALSE:
        out->k = FK_BOOL;
        out->u.b = n->type == S4S_J_TRUE;
        return true;
    case S4S_J_NUMBER:
        if (t == S4S_FP_decimal || memchr(n->str, '.', n->len) || memchr(n->str, 'e', n->len) ||
            memchr(n->str, 'E', n->len)) {
            out->k = FK_DEC;
            return fp_dec_parse(n->str, n->len, &out->u.d);
        }
        out->k = FK_INT;
        out->u.i = strtoll(n->str, NULL, 10);
        return true;
    case S4S_J_STRING:
        if (t == S4S_FP_date || t == S4S_FP_dateTime || t == S4S_FP_instant) {
            fp_kind k = t == S4S_FP_date ? FK_DATE : FK_DATETIME;
            out->k = (uint8_t)k;
            if (fp_dt_parse(n->str, n->len, k, &out->u.dt)) return true;
            /* a date written in a dateTime element stays a date-precision DateTime */
        } else if (t == S4S_FP_time) {
            out->k = FK_TIME;
            if (fp_dt_parse(n->str, n->len, FK_TIME, &out->u.dt)) return true;
        }
        out->k = FK_STR;
        out->u.s.p = n->str;
        out->u.s.len = n->len;
        return true;
    default:
        return false;
    }
}

/* --- conversions ---------------------------------------------------------- */

bool fp_to_string(s4s_fp_env *env, const fp_val *in, fp_val *out)
{
    fp_val v;
    if (!fp_prim(in, &v)) return false;
    char b[96];
    memset(out, 0, sizeof *out);
    out->type = out->ctx = out->elem = S4S_FHIR_NONE;
    out->k = FK_STR;
    switch (v.k) {
    case FK_STR: *out = v; return true;
    case FK_BOOL: snprintf(b, sizeof b, "%s", v.u.b ? "true" : "false"); break;
    case FK_INT: snprintf(b, sizeof b, "%lld", (long long)v.u.i); break;
    case FK_DEC: fp_dec_str(v.u.d, b, sizeof b); break;
    case FK_DATE: case FK_DATETIME: case FK_TIME: fp_dt_str(&v.u.dt, (fp_kind)v.k, b, sizeof b); break;
    case FK_QTY: fp_qty_str(&v, b, sizeof b); break;
    default: return false;
    }
    out->u.s.p = s4s_arena_strndup(env->arena, b, strlen(b));
    out->u.s.len = (uint32_t)strlen(b);
    return true;
}

static void sysval(fp_val *out, fp_kind k)
{
    memset(out, 0, sizeof *out);
    out->type = out->ctx = out->elem = S4S_FHIR_NONE;
    out->k = (uint8_t)k;
}

static bool is_int_text(const char *s, size_t n)
{
    size_t i = 0;
    if (i < n && (s[i] == '+' || s[i] == '-')) i++;
    if (i == n || n - i > 10) return false;
    for (; i < n; i++) if (!isdigit((unsigned char)s[i])) return false;
    return true;
}

bool fp_to_int(const fp_val *in, fp_val *out)
{
    fp_val v;
    if (!fp_prim(in, &v)) return false;
    if (v.k == FK_INT) { *out = v; return true; }
    sysval(out, FK_INT);
    if (v.k == FK_BOOL) { out->u.i = v.u.b; return true; }
    if (v.k == FK_STR && is_int_text(v.u.s.p, v.u.s.len)) {
        char b[16];
        memcpy(b, v.u.s.p, v.u.s.len);
        b[v.u.s.len] = '\0';
        long long x = strtoll(b, NULL, 10);
        if (x > 2147483647LL || x < -2147483648LL) return false;
        out->u.i = x;
        return true;
    }
    return false;
}

static bool is_dec_text(const char *s, size_t n)
{
    size_t i = 0, d = 0;
    if (i < n && (s[i] == '+' || s[i] == '-')) i++;
    for (; i < n && isdigit((unsigned char)s[i]); i++) d++;
    if (i < n && s[i] == '.') {
        size_t f = 0;
        for (i++; i < n && isdigit((unsigned char)s[i]); i++) f++;
        if (!f) return false;
    }
    return d && i == n;
}

bool fp_to_dec(const fp_val *in, fp_val *out)
{
    fp_val v;
    if (!fp_prim(in, &v)) return false;
    sysval(out, FK_DEC);
    switch (v.k) {
    case FK_DEC: *out = v; return true;
    case FK_INT: out->u.d = (fp_dec){v.u.i, 0}; return true;
    case FK_BOOL: out->u.d = (fp_dec){v.u.b, 0}; return true;
    case FK_STR: return is_dec_text(v.u.s.p, v.u.s.len) && fp_dec_parse(v.u.s.p, v.u.s.len, &out->u.d);
    default: return false;
    }
}

static bool word_in(const char *s, size_t n, const char *const *w)
{
    for (; *w; w++)
        if (strlen(*w) == n && !strncasecmp(s, *w, n)) return true;
    return false;
}

bool fp_to_bool(const fp_val *in, fp_val *out)
{
    static const char *const yes[] = {"true", "t", "yes", "y", "1", "1.0", NULL};
    static const char *const no[] = {"false", "f", "no", "n", "0", "0.0", NULL};
    fp_val v;
    if (!fp_prim(in, &v)) return false;
    sysval(out, FK_BOOL);
    switch (v.k) {
    case FK_BOOL: *out = v; return true;
    case FK_INT: out->u.b = v.u.i == 1; return v.u.i == 0 || v.u.i == 1;
    case FK_DEC: {
        int one = fp_dec_cmp(v.u.d, (fp_dec){1, 0}) == 0, zero = v.u.d.m == 0;
        out->u.b = one;
        return one || zero;
    }
    case FK_STR:
        if (word_in(v.u.s.p, v.u.s.len, yes)) { out->u.b = true; return true; }
        if (word_in(v.u.s.p, v.u.s.len, no)) { out->u.b = false; return true; }
        return false;
    default: return false;
    }
}

bool fp_to_qty(s4s_fp_env *env, const fp_val *in, fp_val *out)
{
    fp_val v;
    if (!fp_prim(in, &v)) return false;
    sysval(out, FK_QTY);
    switch (v.k) {
    case FK_QTY: *out = v; return true;
    case FK_INT: out->u.q.v = (fp_dec){v.u.i, 0}; out->u.q.unit = "1"; return true;
    case FK_DEC: out->u.q.v = v.u.d; out->u.q.unit = "1"; return true;
    case FK_STR: {
        /* "4 'wk'", "4 weeks", "4" */
        const char *s = v.u.s.p;
        size_t n = v.u.s.len, i = 0;
        while (i < n && s[i] != ' ') i++;
        if (!is_dec_text(s, i) || !fp_dec_parse(s, i, &out->u.q.v)) return false;
        out->u.q.unit = "1";
        while (i < n && s[i] == ' ') i++;
        if (i == n) return true;
        if (s[i] == '\'' && n - i >= 3 && s[n - 1] == '\'') {
            out->u.q.unit = s4s_arena_strndup(env->arena, s + i + 1, n - i - 2);
            return true;
        }
        char *w = s4s_arena_strndup(env->arena, s + i, n - i);
        if (!fp_cal_ucum(w)) return false;
        out->u.q.unit = w;
        return true;
    }
    default: return false;
    }
}

bool fp_to_dt(const fp_val *in, fp_kind k, fp_val *out)
{
    fp_val v;
    if (!fp_prim(in, &v)) return false;
    sysval(out, k);
    if (v.k == (uint8_t)k) { *out = v; return true; }
    if (k == FK_DATETIME && v.k == FK_DATE) { out->u.dt = v.u.dt; return true; }
    if (k == FK_DATE && v.k == FK_DATETIME) {
        out->u.dt = v.u.dt;
        if (out->u.dt.prec > FP_P_DAY) out->u.dt.prec = FP_P_DAY;
        out->u.dt.tz = false;
        return true;
    }
    if (v.k != FK_STR) return false;
    return fp_dt_parse(v.u.s.p, v.u.s.len, k, &out->u.dt);
}
