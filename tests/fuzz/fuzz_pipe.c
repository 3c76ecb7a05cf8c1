/*
 * fuzz_pipe.c - libFuzzer harness: bytes -> input -> sax -> assemble ->
 * rules -> writer, the whole pipeline as the CLI runs it.
 *
 * The first byte picks options (validation on/off, tiny limits, reject
 * mode) so the limit and recovery paths are reached; the rest is fed in
 * pieces whose sizes also come from the input.  Outputs go to /dev/null.
 * Invariant checked: resources_in == resources_out + resources_rejected.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "../../filter/s4s.h"
#include "../../terminology/embedded.h"
#include "../../terminology/term.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static FILE *null;
    if (!null) {
        null = fopen("/dev/null", "w");
        s4s_term_set_embedded(s4s_default_db, s4s_default_db_len);
    }
    if (size < 2)
        return 0;
    uint8_t mode = data[0], step = data[1];
    data += 2;
    size -= 2;
    s4s_opts o;
    s4s_opts_default(&o);
    o.validate = mode & 1;
    /* opening the cache and compiling the invariants cost more than most
     * inputs: each on a quarter of the inputs keeps the rate up */
    o.no_terminology = (mode & 34) != 34;
    o.invariants = (mode & 64) ? S4S_INVARIANTS_ERROR : S4S_INVARIANTS_OFF;
    if (mode & 4) {
        o.max_depth = 4;
        o.max_resource_bytes = 64;
    }
    if (mode & 8)
        o.on_invalid = S4S_INVALID_REJECT;
    o.nfc = mode & 16;
    s4s_outputs io = {.out = null, .reject = null, .report = null, .coverage = null};
    s4s_pipe *p;
    if (s4s_pipe_new(&o, &io, &p) == S4S_OK) {
        size_t chunk = step ? step : 4096;
        for (size_t i = 0; i < size; i += chunk)
            if (s4s_pipe_feed(p, data + i, size - i < chunk ? size - i : chunk))
                break;
        s4s_pipe_finish(p);
        const s4s_counts *c = s4s_pipe_counts(p);
        if (c->resources_in != c->resources_out + c->resources_rejected)
            abort();
    }
    s4s_pipe_free(p);
    return 0;
}
