/*
 * bench_ucum.c - UCUM validations per second on one core, for a realistic
 * mix of clinical unit strings (the units seen in Synthea and S4S data,
 * weighted roughly by frequency, plus some invalid ones), through the cached
 * s4s_ucum_check() and, for comparison, the uncached parser.
 *
 * Usage: bench_ucum [N]   (N validations, default 20 million)
 * Prints one JSON line: {"bench":"ucum","validations":N,"cached_per_s":...,
 * "uncached_per_s":...}
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../terminology/ucum.h"

static const char *const mix[] = {
    "mg/dL", "mg/dL", "mg/dL", "mmol/L", "mmol/L", "kg", "kg", "cm", "/min", "/min",
    "mm[Hg]", "mm[Hg]", "mm[Hg]", "%", "%", "kg/m2", "Cel", "g/dL", "10*3/uL", "10*6/uL",
    "fL", "pg", "U/L", "mL/min/{1.73_m2}", "{score}", "[lb_av]", "[in_i]", "[degF]", "ug/L",
    "ng/mL", "meq/L", "g/L", "mg", "mL", "h", "d", "a", "{beats}/min", "[IU]/L", "mmol/mol",
    "K/uL", "pH", "(score)", "IU/L", "M/uL", "units", "mg/dl", "10*9/L", "umol/L", "1",
};

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 20000000L;
    if (n <= 0)
        n = 1;
    size_t nmix = sizeof mix / sizeof mix[0], lens[sizeof mix / sizeof mix[0]];
    for (size_t i = 0; i < nmix; i++)
        lens[i] = strlen(mix[i]);
    s4s_ucum *u = s4s_ucum_new();
    s4s_ucum_result r;
    long valid = 0;
    double t0 = now();
    for (long i = 0; i < n; i++) {
        size_t k = (size_t)i % nmix;
        valid += s4s_ucum_check(u, mix[k], lens[k], &r);
    }
    double cached = n / (now() - t0);
    long m = n / 10 + 1;
    t0 = now();
    for (long i = 0; i < m; i++) {
        size_t k = (size_t)i % nmix;
        valid += s4s_ucum_parse(mix[k], lens[k], &r, NULL, 0);
    }
    double uncached = m / (now() - t0);
    s4s_ucum_free(u);
    printf("{\"bench\":\"ucum\",\"validations\":%ld,\"cached_per_s\":%.0f,\"uncached_per_s\":%.0f,"
           "\"valid\":%ld}\n", n, cached, uncached, valid);
    return 0;
}
