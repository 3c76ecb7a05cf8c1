/*
 * test_fuzz_seeds.c - replays every committed fuzz seed through its
 * harness's libFuzzer entry point without libFuzzer, so every `make check`
 * (and its ASan+UBSan pass) runs each harness's invariants over
 * tests/fuzz/seeds/<harness>/, crash inputs included.
 *
 * Each harness defines LLVMFuzzerTestOneInput; it is renamed per include so
 * all of them link into this one program.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"

#define LLVMFuzzerTestOneInput fuzz_pipe_one
#include "../fuzz/fuzz_pipe.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_ucum_one
#include "../fuzz/fuzz_ucum.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_hgvs_one
#include "../fuzz/fuzz_hgvs.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_import_one
#include "../fuzz/fuzz_import.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_encoding_one
#include "../fuzz/fuzz_encoding.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_package_one
#include "../fuzz/fuzz_package.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_units_one
#include "../fuzz/fuzz_units.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_passthru_one
#include "../fuzz/fuzz_passthru.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_strict_one
#include "../fuzz/fuzz_strict.c"
#undef LLVMFuzzerTestOneInput

static const struct {
    const char *name;
    int (*one)(const uint8_t *, size_t);
    size_t min_seeds;   /* guards against a seed folder going missing */
} harnesses[] = {
    {"pipe", fuzz_pipe_one, 100},  {"ucum", fuzz_ucum_one, 10},         {"hgvs", fuzz_hgvs_one, 10},
    {"import", fuzz_import_one, 10}, {"encoding", fuzz_encoding_one, 10}, {"package", fuzz_package_one, 10},
    {"units", fuzz_units_one, 10},   {"passthru", fuzz_passthru_one, 10},
    {"strict", fuzz_strict_one, 10},
};

static void replay(const char *name, int (*one)(const uint8_t *, size_t), size_t min_seeds)
{
    char dir[256];
    snprintf(dir, sizeof dir, "tests/fuzz/seeds/%s", name);
    DIR *d = opendir(dir);
    CHECK(d != NULL);
    if (!d)
        return;
    size_t seen = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char path[512];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        FILE *f = fopen(path, "rb");
        CHECK(f != NULL);
        if (!f)
            continue;
        static unsigned char buf[1 << 16];
        size_t n = fread(buf, 1, sizeof buf, f);
        fclose(f);
        /* every seed, and some prefixes of it (truncation paths) */
        for (size_t k = 0; k < n; k += n / 8 + 1)
            one(buf, k);
        CHECK(one(buf, n) == 0);
        seen++;
    }
    closedir(d);
    if (seen < min_seeds)
        fprintf(stderr, "fuzz seeds %s: %zu, want >= %zu\n", name, seen, min_seeds);
    CHECK(seen >= min_seeds);
}

int main(void)
{
    for (size_t i = 0; i < sizeof harnesses / sizeof harnesses[0]; i++)
        replay(harnesses[i].name, harnesses[i].one, harnesses[i].min_seeds);
    return UNIT_DONE();
}
