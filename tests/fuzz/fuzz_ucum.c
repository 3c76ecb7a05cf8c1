/*
 * fuzz_ucum.c - libFuzzer harness for the UCUM engine (terminology/ucum.h):
 * unit strings through parse, the cached check, canonical form, conversion,
 * and the decimal helpers.
 *
 * Input: "unit A" [ '|' "unit B" [ '|' "number" ] ]; each part may hold any
 * byte.  Invariants checked (abort() on violation):
 *  - the cached check agrees with the parser, on a miss and on a hit;
 *  - a valid unit has a non-empty normalized spelling that parses to the
 *    same canonical form (magnitude within 1e-12), and is commensurable
 *    with itself unless it has too many arbitrary atoms to compare; an
 *    invalid one has a message and an error position inside the string;
 *  - A -> B -> A conversion of a finite value returns the value (1e-6);
 *  - a number formatted with 15 digits parses back to about the same value.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../terminology/ucum.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool ucum_same_canon(const s4s_ucum_result *a, const s4s_ucum_result *b)
{
    if (a->valid != b->valid || a->fn != b->fn || a->special != b->special || a->arb_over != b->arb_over)
        return false;
    if (!a->valid)
        return true;
    if (memcmp(a->c.dim, b->c.dim, sizeof a->c.dim) || a->c.sub != b->c.sub || a->c.n_arb != b->c.n_arb ||
        memcmp(a->c.arb, b->c.arb, a->c.n_arb) || memcmp(a->c.arb_exp, b->c.arb_exp, a->c.n_arb))
        return false;
    double m = fmax(fabs(a->c.mag), fabs(b->c.mag));
    return a->c.mag == b->c.mag || fabs(a->c.mag - b->c.mag) <= 1e-12 * m;
}

/* Parse one unit and check everything that holds for it alone. */
static void ucum_one(s4s_ucum *u, const char *s, size_t n, s4s_ucum_result *r)
{
    char norm[2 * S4S_UCUM_MAX_LEN + 16];
    bool ok = s4s_ucum_parse(s, n, r, norm, sizeof norm);
    if (ok != r->valid)
        abort();
    for (int k = 0; k < 2; k++) { /* a cache miss, then a hit */
        s4s_ucum_result c;
        if (s4s_ucum_check(u, s, n, &c) != ok || !ucum_same_canon(r, &c))
            abort();
    }
    (void)s4s_ucum_hint(s, n);
    if (!ok) {
        if (!r->msg[0] || memchr(r->msg, '\0', sizeof r->msg) == NULL || r->err_pos > n)
            abort();
        return;
    }
    if (!norm[0] || r->msg[0] || (!r->arb_over && !s4s_ucum_commensurable(r, r)))
        abort();
    s4s_ucum_result again;
    char norm2[sizeof norm];
    if (!s4s_ucum_parse(norm, strlen(norm), &again, norm2, sizeof norm2) || !ucum_same_canon(r, &again) ||
        strcmp(norm, norm2) != 0)
        abort();
    char canon[512];
    if (s4s_ucum_canon_str(r, canon, sizeof canon) && memchr(canon, '\0', sizeof canon) == NULL)
        abort();
}

static void ucum_number(const char *s, size_t n)
{
    char lex[128];
    if (n >= sizeof lex)
        return;
    memcpy(lex, s, n);
    lex[n] = '\0';
    (void)s4s_ucum_sig_digits(lex);
    double v;
    if (!s4s_ucum_parse_number(lex, &v))
        return;
    char out[512];
    for (int sig = 0; sig < 4; sig++)
        if (s4s_ucum_format(v, sig, out, sizeof out) && sig == 0 && isfinite(v)) {
            double w;
            if (!s4s_ucum_parse_number(out, &w) || fabs(w - v) > 1e-13 * fabs(v) + 1e-300)
                abort();
        }
    (void)s4s_ucum_format_fixed(v, (int)(n % 7) - 3, out, sizeof out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static s4s_ucum *u;
    if (!u)
        u = s4s_ucum_new();
    const char *s = (const char *)data, *end = s + size;
    const char *bar = memchr(s, '|', size);
    const char *a = s, *b = NULL, *num = NULL;
    size_t an = bar ? (size_t)(bar - s) : size, bn = 0, nn = 0;
    if (bar) {
        b = bar + 1;
        const char *bar2 = memchr(b, '|', (size_t)(end - b));
        bn = bar2 ? (size_t)(bar2 - b) : (size_t)(end - b);
        if (bar2) {
            num = bar2 + 1;
            nn = (size_t)(end - num);
        }
    }
    s4s_ucum_result ra, rb;
    ucum_one(u, a, an, &ra);
    if (!b)
        return 0;
    ucum_one(u, b, bn, &rb);
    if (num)
        ucum_number(num, nn);
    char as[S4S_UCUM_MAX_LEN + 1], bs[S4S_UCUM_MAX_LEN + 1], why[256];
    if (!ra.valid || !rb.valid || an > S4S_UCUM_MAX_LEN || bn > S4S_UCUM_MAX_LEN)
        return 0;
    memcpy(as, a, an);
    as[an] = '\0';
    memcpy(bs, b, bn);
    bs[bn] = '\0';
    double v = 1.5, y, back;
    char lex[64] = "150";
    if (num && nn < sizeof lex) {
        memcpy(lex, num, nn);
        lex[nn] = '\0';
        if (!s4s_ucum_parse_number(lex, &v))
            v = 1.5;
    }
    s4s_rc rc = s4s_ucum_convert(&ra, &rb, as, bs, v, &y, why, sizeof why);
    if (rc == S4S_OK && !s4s_ucum_commensurable(&ra, &rb))
        abort();
    /* round trip only where doubles can carry it: moderate magnitudes */
    if (rc == S4S_OK && isfinite(v) && fabs(v) > 1e-6 && fabs(v) < 1e6 && fabs(y) > 1e-200 && fabs(y) < 1e200 &&
        s4s_ucum_convert(&rb, &ra, bs, as, y, &back, why, sizeof why) == S4S_OK &&
        fabs(back - v) > 1e-6 * fabs(v) && !ra.fn && !rb.fn)
        abort();
    char out[512];
    (void)s4s_ucum_convert_str(u, lex, as, bs, -1, out, sizeof out, why, sizeof why);
    return 0;
}
