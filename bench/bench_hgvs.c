/*
 * bench_hgvs.c - HGVS parser throughput on one core: parses per second.
 *
 * Parses (and prints the normalized form of) a fixed mix of expressions:
 * canonical ones, ones that need repairs, and invalid ones, for about
 * BENCH_SECONDS (default 1.0, env S4S_BENCH_SECONDS).  Prints one line
 * "hgvs: N parses/s (parse+print: M/s)".  The goal is >= 1,000,000 parses/s.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../terminology/hgvs.h"

static const char *const mix[] = {
    "NM_004333.4:c.1799T>A",
    "NP_004324.2:p.Val600Glu",
    "NC_000007.13:g.140453136A>T",
    "NM_000077.4:c.9_32del",
    "NM_004006.2:c.(4071+1_4072-1)_(5154+1_5155-1)del",
    "NM_002024.5:c.-128_-69GGC[10]GGA[1]GGC[9]GGA[1]GGC[10]",
    "NP_0123456.1:p.Arg97ProfsTer23",
    "NC_000001.11:g.[123G>A];[345del]",
    "NM_001395544.1:c.-21-3742T>C",
    "NC_000023.10:g.123227930_123227931insGTGACTATTAATAT",
    "p.V600E",
    "NM_004333.4(BRAF):c.1799T>A (p.Val600Glu)",
    "c.76delA",
    "NP_001175.2:p.R960fs*2",
    "NM_005228.5:c.2369C>T.",
    "IVS2+1G>A",
};

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

int main(void)
{
    const char *env = getenv("S4S_BENCH_SECONDS");
    double secs = env ? atof(env) : 1.0;
    if (secs <= 0)
        secs = 1.0;
    size_t n = sizeof mix / sizeof mix[0];
    size_t lens[sizeof mix / sizeof mix[0]];
    for (size_t k = 0; k < n; k++)
        lens[k] = strlen(mix[k]);
    static s4s_hgvs h;
    char out[512];
    unsigned long long parses = 0, valid = 0, sink = 0;
    double t0 = now(), t;
    do {
        for (int r = 0; r < 1000; r++)
            for (size_t k = 0; k < n; k++) {
                valid += s4s_hgvs_parse(mix[k], lens[k], &h) == S4S_OK;
                parses++;
            }
    } while ((t = now() - t0) < secs);
    double rate = parses / t;
    unsigned long long both = 0;
    t0 = now();
    do {
        for (int r = 0; r < 1000; r++)
            for (size_t k = 0; k < n; k++) {
                if (s4s_hgvs_parse(mix[k], lens[k], &h) == S4S_OK)
                    sink += s4s_hgvs_print(&h, out, sizeof out);
                both++;
            }
    } while ((t = now() - t0) < secs);
    printf("hgvs: %.0f parses/s (parse+print: %.0f/s; %llu of %llu valid; %zu expressions in the mix)\n",
           rate, both / t, valid, parses, n);
    return sink == 0;   /* keeps the printer from being optimized away */
}
