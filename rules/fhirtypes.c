/*
 * fhirtypes.c - FHIR R4 primitive value rules, hand-coded from the regexes in
 * the definitions (rules/tables/fhir_r4.c s4s_fhir_prim_regex) plus the prose
 * rules the regexes can't hold: real calendar dates, a zone whenever a time
 * is given, 32-bit integer ranges (R4 has no integer64), size limits.
 *
 * Invariants: no allocation, no locale, each check is one linear scan.  A
 * failed date, dateTime, instant or time is scanned once more to say which
 * field is wrong and why; that message may be built in a per-thread buffer
 * valid until the next check on the same thread.
 */
#include "fhirtypes.h"
#include <stdio.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif
#include "tables/fhir_r4.h"
#include "../filter/base/text.h"

#define MAX_STRING_BYTES (1024u * 1024u) /* R4: strings SHALL NOT exceed 1MB */

s4s_jtype s4s_fhir_prim_json(unsigned prim)
{
    switch (prim) {
    case S4S_FP_boolean: return S4S_J_TRUE;
    case S4S_FP_integer: case S4S_FP_positiveInt: case S4S_FP_unsignedInt:
    case S4S_FP_decimal: return S4S_J_NUMBER;
    default: return S4S_J_STRING;
    }
}

static bool digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9') return false;
    return true;
}

static unsigned num(const char *s, size_t n)
{
    unsigned v = 0;
    for (size_t i = 0; i < n; i++) v = v * 10 + (unsigned)(s[i] - '0');
    return v;
}

static bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

/* [A-Za-z0-9-.], the bytes of an id */
static const bool id_byte[256] = {
    ['-'] = 1, ['.'] = 1,
    ['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1, ['7'] = 1, ['8'] = 1, ['9'] = 1,
    ['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1, ['G'] = 1, ['H'] = 1, ['I'] = 1,
    ['J'] = 1, ['K'] = 1, ['L'] = 1, ['M'] = 1, ['N'] = 1, ['O'] = 1, ['P'] = 1, ['Q'] = 1, ['R'] = 1,
    ['S'] = 1, ['T'] = 1, ['U'] = 1, ['V'] = 1, ['W'] = 1, ['X'] = 1, ['Y'] = 1, ['Z'] = 1,
    ['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1, ['g'] = 1, ['h'] = 1, ['i'] = 1,
    ['j'] = 1, ['k'] = 1, ['l'] = 1, ['m'] = 1, ['n'] = 1, ['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1,
    ['s'] = 1, ['t'] = 1, ['u'] = 1, ['v'] = 1, ['w'] = 1, ['x'] = 1, ['y'] = 1, ['z'] = 1,
};

#ifdef __SSE2__
/* 16 bytes at p: bit i set where p[i] is an id byte (signed compares:
 * bytes >= 0x80 are below every range) */
static unsigned id16(const char *p)
{
    __m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
#define IN(lo, hi) _mm_and_si128(_mm_cmpgt_epi8(x, _mm_set1_epi8((lo) - 1)), _mm_cmplt_epi8(x, _mm_set1_epi8((hi) + 1)))
    __m128i ok = _mm_or_si128(_mm_or_si128(IN('0', '9'), IN('A', 'Z')),
                              _mm_or_si128(IN('a', 'z'), IN('-', '.'))); /* '-' and '.' are adjacent */
#undef IN
    return (unsigned)_mm_movemask_epi8(ok);
}
#endif

/* every id and every reference's id passes here: 16 bytes a step (the
 * last step overlaps the one before), or one table load per byte */
bool s4s_fhir_is_id(const char *s, size_t n)
{
    if (n < 1 || n > 64) return false;
#ifdef __SSE2__
    if (n >= 16) {
        size_t i = 0;
        for (; i + 16 <= n; i += 16)
            if (id16(s + i) != 0xffff) return false;
        return i == n || id16(s + n - 16) == 0xffff;
    }
#endif
    bool ok = true;
    for (size_t i = 0; i < n; i++) ok &= id_byte[(unsigned char)s[i]];
    return ok;
}

#ifdef __SSE2__
/* 16 bytes at p: bit i set where p[i] is '-' at a dash position of `dashes`
 * or a hex digit elsewhere (signed compares: bytes >= 0x80 fail both) */
static unsigned uuid16(const char *p, unsigned dashes, bool upper_ok)
{
    __m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
    __m128i d = _mm_and_si128(_mm_cmpgt_epi8(x, _mm_set1_epi8('0' - 1)), _mm_cmplt_epi8(x, _mm_set1_epi8('9' + 1)));
    __m128i l = _mm_and_si128(_mm_cmpgt_epi8(x, _mm_set1_epi8('a' - 1)), _mm_cmplt_epi8(x, _mm_set1_epi8('f' + 1)));
    __m128i hex = _mm_or_si128(d, l);
    if (upper_ok)
        hex = _mm_or_si128(hex, _mm_and_si128(_mm_cmpgt_epi8(x, _mm_set1_epi8('A' - 1)),
                                              _mm_cmplt_epi8(x, _mm_set1_epi8('F' + 1))));
    unsigned h = (unsigned)_mm_movemask_epi8(hex), dash = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, _mm_set1_epi8('-')));
    return (h & ~dashes) | (dash & dashes);
}
#else
/* 1: a hex digit in lower case (or 0-9); 2: 'A'-'F' */
static const unsigned char hex_class[256] = {
    ['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1, ['7'] = 1, ['8'] = 1,
    ['9'] = 1, ['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1,
    ['A'] = 2, ['B'] = 2, ['C'] = 2, ['D'] = 2, ['E'] = 2, ['F'] = 2,
};

/* one table load per byte */
static bool hexes(const char *s, size_t n, bool upper_ok)
{
    unsigned char want = upper_ok ? 3 : 1;
    bool bad = false;
    for (size_t i = 0; i < n; i++) bad |= !(hex_class[(unsigned char)s[i]] & want);
    return !bad;
}
#endif

/* urn:uuid: and 8-4-4-4-12 hex digits: every urn:uuid reference passes
 * here, so with SSE2 the 36 are three overlapping 16-byte checks */
static bool uuid(const char *s, size_t n, bool upper_ok)
{
    static const char pre[] = "urn:uuid:";
    if (n != 9 + 36 || memcmp(s, pre, 9) != 0) return false;
    s += 9;
#ifdef __SSE2__
    /* dashes at 8, 13, 18 and 23: bits 8 and 13 of [0,16), 2 and 7 of
     * [16,32), 3 of [20,36) */
    return uuid16(s, 1u << 8 | 1u << 13, upper_ok) == 0xFFFF &&
           uuid16(s + 16, 1u << 2 | 1u << 7, upper_ok) == 0xFFFF &&
           uuid16(s + 20, 1u << 3, upper_ok) == 0xFFFF;
#else
    return hexes(s, 8, upper_ok) && s[8] == '-' && hexes(s + 9, 4, upper_ok) && s[13] == '-' &&
           hexes(s + 14, 4, upper_ok) && s[18] == '-' && hexes(s + 19, 4, upper_ok) &&
           s[23] == '-' && hexes(s + 24, 12, upper_ok);
#endif
}

bool s4s_fhir_is_uuid(const char *s, size_t n) { return uuid(s, n, false); }
bool s4s_fhir_is_uuid_ci(const char *s, size_t n) { return uuid(s, n, true); }

bool s4s_fhir_is_oid(const char *s, size_t n)
{
    if (n < 8 || memcmp(s, "urn:oid:", 8) != 0) return false;
    size_t i = 8;
    if (i >= n || s[i] < '0' || s[i] > '2') return false;
    i++;
    unsigned arcs = 0;
    while (i < n) {
        if (s[i] != '.' || i + 1 >= n) return false;
        i++;
        size_t st = i;
        while (i < n && s[i] >= '0' && s[i] <= '9') i++;
        if (i == st || (s[st] == '0' && i - st > 1)) return false;
        arcs++;
    }
    return arcs > 0;
}

static bool leap(unsigned y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

/* YYYY, YYYY-MM or YYYY-MM-DD; *parts gets 1..3.  Year 0000 is not allowed. */
static bool date_part(const char *s, size_t n, int *parts)
{
    if (n < 4 || !digits(s, 4)) return false;
    unsigned y = num(s, 4);
    if (y == 0) return false;
    if (n == 4) { *parts = 1; return true; }
    if (n < 7 || s[4] != '-' || !digits(s + 5, 2)) return false;
    unsigned m = num(s + 5, 2);
    if (m < 1 || m > 12) return false;
    if (n == 7) { *parts = 2; return true; }
    if (n != 10 || s[7] != '-' || !digits(s + 8, 2)) return false;
    static const unsigned mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    unsigned d = num(s + 8, 2), max = mdays[m - 1] + (m == 2 && leap(y));
    if (d < 1 || d > max) return false;
    *parts = 3;
    return true;
}

/* hh:mm:ss(.f+)? ; returns bytes used or 0 */
static size_t time_part(const char *s, size_t n)
{
    if (n < 8 || !digits(s, 2) || s[2] != ':' || !digits(s + 3, 2) || s[5] != ':' || !digits(s + 6, 2))
        return 0;
    unsigned h = num(s, 2), mi = num(s + 3, 2), se = num(s + 6, 2);
    if (h > 23 || mi > 59 || se > 60) return 0; /* 60: leap second, as the R4 regex allows */
    size_t i = 8;
    if (i < n && s[i] == '.') {
        size_t st = ++i;
        while (i < n && s[i] >= '0' && s[i] <= '9') i++;
        if (i == st) return 0;
    }
    return i;
}

/* Z or (+|-)hh:mm with hh:mm <= 14:00 */
static bool zone(const char *s, size_t n)
{
    if (n == 1 && s[0] == 'Z') return true;
    if (n != 6 || (s[0] != '+' && s[0] != '-') || !digits(s + 1, 2) || s[3] != ':' || !digits(s + 4, 2))
        return false;
    unsigned h = num(s + 1, 2), m = num(s + 4, 2);
    return m <= 59 && (h < 14 || (h == 14 && m == 0));
}

bool s4s_fhir_is_date(const char *s, size_t n)
{
    int parts;
    return date_part(s, n, &parts);
}

static bool datetime(const char *s, size_t n, bool need_time)
{
    const char *t = memchr(s, 'T', n);
    int parts;
    if (!t) return !need_time && date_part(s, n, &parts);
    size_t dn = (size_t)(t - s);
    if (!date_part(s, dn, &parts) || parts != 3) return false;
    size_t rest = n - dn - 1;
    size_t used = time_part(t + 1, rest);
    if (!used) return false;
    return zone(t + 1 + used, rest - used); /* R4: a time needs a zone */
}

bool s4s_fhir_is_datetime(const char *s, size_t n) { return datetime(s, n, false); }
bool s4s_fhir_is_instant(const char *s, size_t n) { return datetime(s, n, true); }

bool s4s_fhir_is_time(const char *s, size_t n)
{
    size_t used = time_part(s, n);
    return used && used == n;
}

/* --- why a date, dateTime, instant or time is invalid ---------------------- */

static _Thread_local char why_buf[96];

/* The date at s[0..n), field by field; full: YYYY-MM-DD required.  NULL if
 * it is fine. */
static const char *date_why(const char *s, size_t n, bool full)
{
    static const char *const mname[12] = {"January", "February", "March", "April", "May", "June",
        "July", "August", "September", "October", "November", "December"};
    static const unsigned mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (n < 4 || !digits(s, 4)) return "the year must be 4 digits (YYYY)";
    unsigned y = num(s, 4);
    if (y == 0) return "year 0000 does not exist";
    if (n == 4) return full ? "a full date (YYYY-MM-DD) is needed here" : NULL;
    if (s[4] != '-') return "expected '-' after the year";
    if (n < 7 || !digits(s + 5, 2) || (n > 7 && s[7] != '-')) return "the month must be 2 digits (MM)";
    unsigned m = num(s + 5, 2);
    if (m < 1 || m > 12) {
        snprintf(why_buf, sizeof why_buf, "month %02u is out of range (01-12)", m);
        return why_buf;
    }
    if (n == 7) return full ? "a full date (YYYY-MM-DD) is needed here" : NULL;
    if (n < 10 || !digits(s + 8, 2)) return "the day must be 2 digits (DD)";
    if (n > 10) return "unexpected characters after the day";
    unsigned d = num(s + 8, 2), max = mdays[m - 1] + (m == 2 && leap(y));
    if (d == 0) return "day 00 does not exist";
    if (d > max) {
        if (m == 2)
            /* the year is the record's data: say only whether it is a leap year */
            snprintf(why_buf, sizeof why_buf, "day %02u is out of range: February has %u days in %s year", d, max,
                     max == 29 ? "a leap" : "a non-leap");
        else
            snprintf(why_buf, sizeof why_buf, "day %02u is out of range: %s has %u days", d, mname[m - 1], max);
        return why_buf;
    }
    return NULL;
}

/* The time at s[0..n): hh:mm:ss(.f+)?; *used gets its length. */
static const char *time_why(const char *s, size_t n, size_t *used)
{
    if (n < 2 || !digits(s, 2)) return "a time needs hours, minutes and seconds (hh:mm:ss)";
    unsigned h = num(s, 2);
    if (h > 23) {
        snprintf(why_buf, sizeof why_buf, "hour %02u is out of range (00-23)", h);
        return why_buf;
    }
    if (n < 5 || s[2] != ':' || !digits(s + 3, 2)) return "the minutes must be 2 digits (hh:mm:ss)";
    unsigned mi = num(s + 3, 2);
    if (mi > 59) {
        snprintf(why_buf, sizeof why_buf, "minute %02u is out of range (00-59)", mi);
        return why_buf;
    }
    if (n < 8 || s[5] != ':' || !digits(s + 6, 2)) return "a time needs seconds (hh:mm:ss)";
    unsigned se = num(s + 6, 2);
    if (se > 60) {
        snprintf(why_buf, sizeof why_buf, "second %02u is out of range (00-60)", se);
        return why_buf;
    }
    size_t i = 8;
    if (i < n && s[i] == '.') {
        size_t st = ++i;
        while (i < n && s[i] >= '0' && s[i] <= '9') i++;
        if (i == st) return "fractional seconds need digits after '.'";
    }
    *used = i;
    return NULL;
}

static const char *zone_why(const char *s, size_t n)
{
    if (n == 0) return "a time needs a zone (Z, +hh:mm or -hh:mm)";
    if (n == 1 && s[0] == 'Z') return NULL;
    if (n != 6 || (s[0] != '+' && s[0] != '-') || !digits(s + 1, 2) || s[3] != ':' || !digits(s + 4, 2))
        return "the zone must be Z, +hh:mm or -hh:mm";
    unsigned h = num(s + 1, 2), m = num(s + 4, 2);
    if (m > 59 || h > 14 || (h == 14 && m > 0)) {
        snprintf(why_buf, sizeof why_buf, "zone %c%02u:%02u is out of range (-14:00 to +14:00)", s[0], h, m);
        return why_buf;
    }
    return NULL;
}

/* The first wrong field of a failed date/dateTime/instant/time, with the
 * generic message as the fallback. */
static const char *when_why(unsigned prim, const char *s, size_t n, const char *fallback)
{
    const char *why = NULL;
    size_t used = 0;
    if (prim == S4S_FP_time) {
        why = time_why(s, n, &used);
        if (!why && used < n) why = "unexpected characters after the time";
        return why ? why : fallback;
    }
    const char *t = prim == S4S_FP_date ? NULL : memchr(s, 'T', n);
    size_t dn = t ? (size_t)(t - s) : n;
    why = date_why(s, dn, t || prim == S4S_FP_instant);
    if (!why && !t && prim == S4S_FP_instant) why = "an instant needs a time and a zone after the date";
    if (!why && t) {
        size_t rest = n - dn - 1;
        why = time_why(t + 1, rest, &used);
        if (!why) why = zone_why(t + 1 + used, rest - used);
    }
    return why ? why : fallback;
}

/* -?(0|[1-9][0-9]*) within [lo, 2147483647] */
static const char *integer(const char *s, size_t n, long long lo)
{
    size_t i = 0;
    bool neg = n > 0 && s[0] == '-';
    if (neg) i++;
    if (i >= n || !digits(s + i, n - i)) return "not an integer";
    if (s[i] == '0' && n - i > 1) return "integer with leading zeros";
    if (n - i > 10) return "integer out of 32-bit range";
    long long v = 0;
    for (; i < n; i++) v = v * 10 + (s[i] - '0');
    if (neg) v = -v;
    if (v > 2147483647LL || v < -2147483648LL) return "integer out of 32-bit range";
    if (v < lo) return lo > 0 ? "positiveInt must be at least 1" : "unsignedInt must not be negative";
    return NULL;
}

/* A JSON number lexeme -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? is
 * beyond the largest double (1.7976931348623157e308): no reader could hold
 * it.  Worked out on the digits: the value is 0.d1d2... x 10^e. */
static bool decimal_too_large(const char *s, size_t n)
{
    static const char max_digits[] = "17976931348623157"; /* DBL_MAX = 0.17976...e309 */
    size_t i = s[0] == '-';
    long long e = 0;         /* decimal exponent of the first significant digit */
    bool seen = false, frac = false;
    char sig[sizeof max_digits]; /* leading significant digits, zero padded */
    size_t nsig = 0;
    bool more = false;       /* a nonzero digit beyond those */
    for (; i < n && s[i] != 'e' && s[i] != 'E'; i++) {
        if (s[i] == '.') { frac = true; continue; }
        if (!seen && s[i] == '0') { if (frac) e--; continue; }
        if (!seen) seen = true;
        if (!frac) e++;
        if (nsig < sizeof sig - 1) sig[nsig++] = s[i];
        else if (s[i] != '0') more = true;
    }
    if (!seen) return false; /* zero */
    if (i < n) { /* the exponent, saturated far beyond any double */
        bool neg = s[++i] == '-';
        if (s[i] == '-' || s[i] == '+') i++;
        long long x = 0;
        for (; i < n; i++) if (x < 1000000000LL) x = x * 10 + (s[i] - '0');
        e += neg ? -x : x;
    }
    if (e != 309) return e > 309;
    while (nsig < sizeof sig - 1) sig[nsig++] = '0';
    int c = memcmp(sig, max_digits, sizeof sig - 1);
    return c > 0 || (c == 0 && more);
}

static const char *decimal(const char *s, size_t n)
{
    /* the JSON parser accepted the lexeme; R4 forbids only what JSON allows
     * beyond its grammar, which is nothing except leading zeros already
     * rejected by JSON.  Keep a guard against absurd lengths. */
    if (n > 256) return "decimal too long";
    if (decimal_too_large(s, n)) return "decimal out of range (beyond the largest double, about 1.8e308)";
    return NULL;
}

static const char *base64(const char *s, size_t n)
{
    size_t q = 0, pad = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (is_space(c)) continue;
        if (c == '=') { pad++; q++; continue; }
        if (pad) return "base64 padding in the middle";
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '+' || c == '/'))
            return "not valid base64";
        q++;
    }
    if (pad > 2 || q % 4 != 0) return "not valid base64 (length)";
    return NULL;
}

static const char *code(const char *s, size_t n)
{
    if (is_space(s[0]) || is_space(s[n - 1])) return "code has leading or trailing whitespace";
    for (size_t i = 0; i < n; i++) {
        if (i % 8 == 0 && i + 8 <= n) { /* both tests need a byte below 0x21: skip words without */
            uint64_t w;
            memcpy(&w, s + i, 8);
            if (!s4s_w_below(w, 0x21)) { i += 7; continue; }
        }
        if (s[i] == ' ' && i + 1 < n && s[i + 1] == ' ') return "code has double whitespace";
        if (is_space(s[i]) && s[i] != ' ') return "code contains a tab or newline";
    }
    return NULL;
}

/* Does s[0..n) hold a space, tab, newline, CR, VT or FF?  Eight bytes at a
 * time: a word with no byte below 0x21 has none; a word with one is looked
 * at byte by byte (the other control characters are not whitespace). */
static bool has_space(const char *s, size_t n)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        if (!s4s_w_below(w, 0x21)) continue;
        for (size_t j = i; j < i + 8; j++)
            if (is_space(s[j])) return true;
    }
    for (; i < n; i++)
        if (is_space(s[i])) return true;
    return false;
}

static const char *uri(const char *s, size_t n)
{
    if (has_space(s, n)) return "URI contains whitespace";
    if (n >= 8 && memcmp(s, "urn:oid:", 8) == 0 && !s4s_fhir_is_oid(s, n)) return "not a valid urn:oid:";
    if (n >= 9 && memcmp(s, "urn:uuid:", 9) == 0 && !s4s_fhir_is_uuid_ci(s, n)) return "not a valid urn:uuid:";
    return NULL;
}

static const char *string(const char *s, size_t n)
{
    static const char *const ff = "string contains a form feed or vertical tab";
    if (n > MAX_STRING_BYTES) return "string longer than 1MB";
    size_t i = 0;
    for (; i + 8 <= n; i += 8) { /* eight bytes at a time: strings are most of the input */
        uint64_t w;
        memcpy(&w, s + i, 8);
        if (s4s_w_eq(w, '\v') | s4s_w_eq(w, '\f')) return ff;
    }
    for (; i < n; i++)
        if (s[i] == '\v' || s[i] == '\f') return ff;
    return NULL;
}

static const char *xhtml(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && is_space(s[i])) i++;
    if (n - i < 5 || memcmp(s + i, "<div", 4) != 0 || !(s[i + 4] == ' ' || s[i + 4] == '>' || is_space(s[i + 4])))
        return "narrative must be a single xhtml <div>";
    const char *gt = memchr(s + i, '>', n - i);
    size_t tag = gt ? (size_t)(gt - (s + i)) : n - i;
    static const char ns[] = "http://www.w3.org/1999/xhtml";
    if (!memmem(s + i, tag, ns, sizeof ns - 1)) return "narrative <div> lacks the xhtml namespace";
    return NULL;
}

const char *s4s_fhir_prim_check(unsigned prim, const char *s, size_t n)
{
    if (n == 0) return "empty string";
    switch (prim) {
    case S4S_FP_boolean: return NULL;
    case S4S_FP_integer: return integer(s, n, -2147483648LL);
    case S4S_FP_positiveInt: return integer(s, n, 1);
    case S4S_FP_unsignedInt: return integer(s, n, 0);
    case S4S_FP_decimal: return decimal(s, n);
    case S4S_FP_id: return s4s_fhir_is_id(s, n) ? NULL : "not a valid id ([A-Za-z0-9-.]{1,64})";
    case S4S_FP_code: return code(s, n);
    case S4S_FP_uri: case S4S_FP_url: case S4S_FP_canonical: return uri(s, n);
    case S4S_FP_oid: return s4s_fhir_is_oid(s, n) ? NULL : "not a valid oid (urn:oid:...)";
    case S4S_FP_uuid: return s4s_fhir_is_uuid(s, n) ? NULL : "not a valid uuid (urn:uuid:, lower-case hex)";
    case S4S_FP_base64Binary: return base64(s, n);
    case S4S_FP_date:
        return s4s_fhir_is_date(s, n) ? NULL : when_why(prim, s, n, "not a valid date");
    case S4S_FP_dateTime:
        return s4s_fhir_is_datetime(s, n) ? NULL : when_why(prim, s, n, "not a valid dateTime");
    case S4S_FP_instant:
        return s4s_fhir_is_instant(s, n) ? NULL : when_why(prim, s, n, "not a valid instant");
    case S4S_FP_time:
        return s4s_fhir_is_time(s, n) ? NULL : when_why(prim, s, n, "not a valid time (hh:mm:ss)");
    case S4S_FP_xhtml: return xhtml(s, n);
    case S4S_FP_string: case S4S_FP_markdown: return string(s, n);
    default: return NULL;
    }
}
