/*
 * test_fuzz_seeds.c - replays the fuzz seed corpus through the libFuzzer
 * entry point without libFuzzer, so every `make check` (and its ASan pass)
 * exercises the harness and any crash input committed to tests/fuzz/seeds.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "../fuzz/fuzz_pipe.c"

int main(void)
{
    DIR *d = opendir("tests/fuzz/seeds");
    CHECK(d != NULL);
    if (!d)
        return UNIT_DONE();
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char path[512];
        snprintf(path, sizeof path, "tests/fuzz/seeds/%s", e->d_name);
        FILE *f = fopen(path, "rb");
        CHECK(f != NULL);
        if (!f)
            continue;
        static unsigned char buf[1 << 16];
        size_t n = fread(buf, 1, sizeof buf, f);
        fclose(f);
        /* every seed, and every prefix of it (truncation paths) */
        for (size_t k = 0; k <= n; k += n / 8 + 1)
            LLVMFuzzerTestOneInput(buf, k);
        CHECK(LLVMFuzzerTestOneInput(buf, n) == 0);
    }
    closedir(d);
    return UNIT_DONE();
}
