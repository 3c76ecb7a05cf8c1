/*
 * test_ucum.c - the UCUM engine: grammar, canonical forms, conversions,
 * number formatting, cache consistency and hostile input.
 */
#include <math.h>
#include <stdlib.h>

#include "../../terminology/ucum.h"
#include "unit.h"

static bool valid(const char *u)
{
    s4s_ucum_result r;
    return s4s_ucum_parse(u, strlen(u), &r, NULL, 0);
}

static const char *err(const char *u)
{
    static s4s_ucum_result r;
    s4s_ucum_parse(u, strlen(u), &r, NULL, 0);
    return r.msg;
}

static const char *norm(const char *u)
{
    static char buf[300];
    s4s_ucum_result r;
    s4s_ucum_parse(u, strlen(u), &r, buf, sizeof buf);
    return buf;
}

static void test_grammar(void)
{
    const char *ok[] = {
        "m", "mg", "mg/dL", "10*3/uL", "10^3/uL", "10*-3", "/min", "1/min", "kg.m/s2", "m-2",
        "m+2", "s-1", "[in_i]", "[lb_av]", "[degF]", "Cel", "[pH]", "%", "[ppth]", "[IU]/L",
        "m[IU]/mL", "{score}", "mg{total}", "{beats}/min", "mL/min/{1.73_m2}", "mg/(24.h)",
        "(kg.m)/(s2)", "mm[Hg]", "cm[H2O]", "10*6/uL", "ug/dL", "meq/L", "mosm/kg", "kat/L",
        "U/L", "[ppm]", "'", "''", "B[SPL]", "[m/s2/Hz^(1/2)]", "dar", "cd", "mo", "a", "wk",
        "(/m)", "4.[pi]", "24", "1", "{}", "kg/m2", "[ft_i]", "m3.kg-1.s-2", "[hp_X]", "Ki[iU]",
        "daL", "mCel", "10*", "10^", "g%",
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        if (!valid(ok[i]))
            fprintf(stderr, "expected valid: %s (%s)\n", ok[i], err(ok[i]));
        CHECK(valid(ok[i]));
    }
    const char *bad[] = {
        "", " ", "mg dL", "MG/DL", "mgg", "k[in_i]", "(score)", "degF", "IU/L", "M/uL",
        "lbs", "mmHg", "m//s", "m/", "/", "(m", "m)", "{a", "a}", "[in_i", "m{a{b}}", "µg", "kg/m^2",
        "m2x", "-1", "m/-2", "2m", "m1000", "k", "()", "{x}2", "m.{x}{y}", "Cel(1 K)", "da", "(kg/m)2",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (valid(bad[i]))
            fprintf(stderr, "expected invalid: %s\n", bad[i]);
        CHECK(!valid(bad[i]));
    }
    CHECK_STR(err("mgg"), "unknown atom `mgg` at 0");
    CHECK_STR(err("k[in_i]"), "prefix not allowed on `[in_i]` at 0");
    CHECK_STR(err("mg/xyz"), "unknown atom `xyz` at 3");
    CHECK_STR(err("mg dL"), "space not allowed at 2");
    CHECK_STR(err("(m"), "missing `)` for `(` at 0");
    CHECK_STR(err("m/"), "missing unit at 2");
    CHECK_STR(err("m)"), "unexpected `)` at 1");
    CHECK_STR(s4s_ucum_hint("degF", 4), "[degF]");
    CHECK(s4s_ucum_hint("xyz", 3) == NULL);
}

static void test_normalized(void)
{
    CHECK_STR(norm("10^3/uL"), "10*3/uL");
    CHECK_STR(norm("1/min"), "/min");
    CHECK_STR(norm("m+2"), "m2");
    CHECK_STR(norm("mg/dL"), "mg/dL");
    CHECK_STR(norm("s-1"), "s-1");
    CHECK_STR(norm("mgg"), "");
}

static void canon(const char *u, double mag, int l, int t, int m, int k)
{
    s4s_ucum_result r;
    CHECK(s4s_ucum_parse(u, strlen(u), &r, NULL, 0));
    if (fabs(r.c.mag - mag) > 1e-12 * fabs(mag))
        fprintf(stderr, "%s: mag %.17g want %.17g\n", u, r.c.mag, mag);
    CHECK(fabs(r.c.mag - mag) <= 1e-12 * fabs(mag));
    CHECK(r.c.dim[0] == l && r.c.dim[1] == t && r.c.dim[2] == m && r.c.dim[4] == k);
}

static void test_canonical(void)
{
    canon("mg/dL", 10, -3, 0, 1, 0);
    canon("[lb_av]", 453.59237, 0, 0, 1, 0);
    canon("[in_i]", 0.0254, 1, 0, 0, 0);
    canon("10*3/uL", 1e12, -3, 0, 0, 0);
    canon("/min", 1.0 / 60, 0, -1, 0, 0);
    canon("mm[Hg]", 133322, -1, -2, 1, 0);
    canon("K/uL", 1e9, -3, 0, 0, 1);
    canon("kg.m/s2", 1000, 1, -2, 1, 0);
    canon("mg/(24.h)", 1e-3 / 86400, 0, -1, 1, 0);
    canon("/(m/s)", 1, -1, 1, 0, 0);
    canon("/s/m", 1, -1, -1, 0, 0);
    canon("m/s/s", 1, 1, -2, 0, 0);
    char buf[128];
    s4s_ucum_result r;
    s4s_ucum_parse("mg/dL", 5, &r, NULL, 0);
    CHECK(s4s_ucum_canon_str(&r, buf, sizeof buf));
    CHECK_STR(buf, "10 m-3.g");
    s4s_ucum_parse("Cel", 3, &r, NULL, 0);
    CHECK(r.fn != 0);
    CHECK(s4s_ucum_canon_str(&r, buf, sizeof buf));
    CHECK_STR(buf, "Cel(1 K)");
    s4s_ucum_parse("Cel/h", 5, &r, NULL, 0);
    CHECK(r.valid && r.special && r.fn == 0);
}

static const char *conv(const char *v, const char *from, const char *to, int sig)
{
    static char out[128], why[256];
    s4s_ucum *u = s4s_ucum_new();
    s4s_rc rc = s4s_ucum_convert_str(u, v, from, to, sig, out, sizeof out, why, sizeof why);
    s4s_ucum_free(u);
    return rc == S4S_OK ? out : why;
}

static void test_convert(void)
{
    CHECK_STR(conv("150", "[lb_av]", "kg", -1), "68.0");
    CHECK_STR(conv("150", "[lb_av]", "kg", 0), "68.0388555");
    CHECK_STR(conv("98.6", "[degF]", "Cel", -1), "37.00");
    CHECK_STR(conv("37.0", "Cel", "[degF]", -1), "98.6");
    CHECK_STR(conv("5.5", "[ft_i]", "cm", -1), "168");
    CHECK_STR(conv("7.2", "[pH]", "mol/L", -1), "0.000000063");
    CHECK_STR(conv("37", "Cel", "[degF]", 0), "98.6");
    CHECK_STR(conv("0", "Cel", "K", 0), "273.15");
    CHECK_STR(conv("-40", "[degF]", "Cel", 0), "-40");
    CHECK_STR(conv("100", "mCel", "Cel", 0), "0.1");
    CHECK_STR(conv("0.1", "Cel", "K", 0), "273.25");
    CHECK_STR(conv("6.3", "[ft_i]", "m", 0), "1.92024");
    CHECK_STR(conv("70", "[in_i]", "cm", -1), "178");
    CHECK_STR(conv("1500", "g", "kg", -1), "1.500");
    CHECK_STR(conv("1", "10*3/uL", "10*9/L", 0), "1");
    CHECK_STR(conv("7", "[pH]", "mol/L", 0), "0.0000001");
    CHECK_STR(conv("1", "[IU]/L", "m[IU]/mL", 0), "1");
    CHECK_STR(conv("120", "mm[Hg]", "kPa", 0), "15.99864");
    CHECK_STR(conv("1", "mol", "10*23", 0), "6.02214076");
    CHECK(strstr(conv("1", "mg/dL", "mmol/L", 0), "molecular weight") != NULL);
    CHECK(strstr(conv("1", "[IU]", "mg", 0), "arbitrary") != NULL);
    CHECK(strstr(conv("1", "m", "s", 0), "not commensurable") != NULL);
    CHECK(strstr(conv("1", "Cel/h", "K/h", 0), "special unit") != NULL);
    CHECK(strstr(conv("x", "m", "m", 0), "not a decimal") != NULL);
    CHECK(strstr(conv("1", "mgg", "m", 0), "unknown atom") != NULL);
}

static void test_numbers(void)
{
    CHECK(s4s_ucum_sig_digits("150") == 3);
    CHECK(s4s_ucum_sig_digits("0.050") == 2);
    CHECK(s4s_ucum_sig_digits("98.6") == 3);
    CHECK(s4s_ucum_sig_digits("1.5e3") == 2);
    CHECK(s4s_ucum_sig_digits("-7") == 1);
    CHECK(s4s_ucum_sig_digits("abc") == 0);
    CHECK(s4s_ucum_sig_digits("1.2.3") == 0);
    char b[64];
    CHECK(s4s_ucum_format(68.0388555, 3, b, sizeof b));
    CHECK_STR(b, "68.0");
    CHECK(s4s_ucum_format(0.00012345, 0, b, sizeof b));
    CHECK_STR(b, "0.00012345");
    CHECK(s4s_ucum_format(1e20, 0, b, sizeof b));
    CHECK_STR(b, "100000000000000000000");
    CHECK(s4s_ucum_format(-0.0, 0, b, sizeof b));
    CHECK_STR(b, "0");
    CHECK(s4s_ucum_format(2.26796, 1, b, sizeof b));
    CHECK_STR(b, "2");
    CHECK(!s4s_ucum_format(1e300, 0, b, 8));
    CHECK(!s4s_ucum_format(NAN, 0, b, sizeof b));
}

static void test_cache_and_hostile(void)
{
    s4s_ucum *u = s4s_ucum_new();
    s4s_ucum_result a, b;
    const char *units[] = {"mg/dL", "mgg", "Cel", "[IU]/L", "mg/dL"};
    for (int rep = 0; rep < 3; rep++)
        for (size_t i = 0; i < 5; i++) {
            bool v1 = s4s_ucum_check(u, units[i], strlen(units[i]), &a);
            bool v2 = s4s_ucum_parse(units[i], strlen(units[i]), &b, NULL, 0);
            CHECK(v1 == v2 && memcmp(&a, &b, sizeof a) == 0);
        }
    /* long, deeply nested, huge exponents: refused, never crash */
    char big[400];
    memset(big, '(', sizeof big - 1);
    big[sizeof big - 1] = 0;
    CHECK(!s4s_ucum_check(u, big, strlen(big), &a));
    memset(big, '(', 100);
    big[100] = 'm';
    memset(big + 101, ')', 100);
    big[201] = 0;
    CHECK(!s4s_ucum_check(u, big, strlen(big), &a));
    CHECK(!valid("m999"));
    CHECK(valid("m99"));
    CHECK(!valid("m99.m99"));
    CHECK(!valid("(m99)2"));
    CHECK(!valid("m\xff"));
    CHECK(!valid("m\n"));
    s4s_ucum_free(u);
}

int main(void)
{
    test_grammar();
    test_normalized();
    test_canonical();
    test_convert();
    test_numbers();
    test_cache_and_hostile();
    return UNIT_DONE();
}
