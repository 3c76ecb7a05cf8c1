/*
 * fuzz_fhirpath.c - libFuzzer harness over the FHIRPath engine: bytes up to
 * the first newline are an expression, the rest a JSON resource (or nothing);
 * compile, evaluate, print the result (s4s_fp_run, as `s4s-term fhirpath`).
 *
 * Invariant checked: the answer is one {"result":...} or {"error":...}
 * object and the exit status matches it.  ASan/UBSan do the rest.
 * Build: clang -fsanitize=fuzzer,address,undefined ... (see tests/fuzz/run.sh,
 * with this file instead of fuzz_pipe.c).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../rules/fhirpath.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1 << 16)
        return 0;
    char *text = malloc(size + 2);
    memcpy(text, data, size);
    text[size] = '\0';
    text[size + 1] = '\0';
    char *nl = memchr(text, '\n', size);
    const char *json = NULL;
    if (nl) {
        *nl = '\0';
        json = nl + 1;
    }
    s4s_buf out;
    s4s_buf_init(&out, 1 << 24);
    int rc = s4s_fp_run(text, json, NULL, &out);
    bool is_err = out.len >= 9 && !memcmp(out.p, "{\"error\":", 9);
    bool is_res = out.len >= 10 && !memcmp(out.p, "{\"result\":", 10);
    if (!(is_err || is_res) || (rc == 0) != is_res)
        abort();
    s4s_buf_free(&out);
    free(text);
    return 0;
}
