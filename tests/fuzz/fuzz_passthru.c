/*
 * fuzz_passthru.c - libFuzzer harness, differential: whatever unit of
 * lines or of Bundles --no-validate's tree-free check (filter/passthru.c)
 * takes, the tree path (the whole pipeline, one thread) must write the
 * same bytes, reject nothing, raise no issue but the Bundle's urn:uuid
 * tallies (as many repairs as references rewritten) and count the same
 * resources.
 *
 * The first byte picks the check (lines or Bundles) and the limits
 * (--max-depth, --max-resource-bytes), so declining at a limit is
 * reached; the rest is the unit.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../filter/passthru.h"
#include "../../filter/s4s.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t mode = data[0];
    data++;
    size--;
    s4s_opts o;
    s4s_opts_default(&o);
    o.validate = false;
    o.no_terminology = true;
    if (mode & 1)
        o.max_depth = 3;
    if (mode & 2)
        o.max_resource_bytes = 40;
    s4s_passthru *q = s4s_passthru_new(&o, 1 << 20);
    bool bundles = mode & 4;
    if (!(bundles ? s4s_passthru_bundles(q, data, size) : s4s_passthru_check(q, data, size))) {
        s4s_passthru_free(q);
        return 0;
    }
    char *got = NULL;
    size_t got_len = 0;
    FILE *out = open_memstream(&got, &got_len);
    if (!out)
        abort();
    s4s_outputs io = {.out = out};
    s4s_pipe *p = NULL;
    if (s4s_pipe_new(&o, &io, &p) || s4s_pipe_feed(p, data, size) || s4s_pipe_finish(p))
        abort(); /* the tree path stopped on a unit that was taken */
    fflush(out);
    const s4s_counts *c = s4s_pipe_counts(p);
    const s4s_buf *want = s4s_passthru_out(q);
    uint64_t rewritten = 0;
    for (size_t i = 0; i < s4s_passthru_count(q); i++)
        rewritten += s4s_passthru_line(q, i)->rewritten;
    if (c->resources_rejected || c->resources_in != s4s_passthru_count(q) || got_len != want->len ||
        memcmp(got, want->p, got_len) || c->repairs != rewritten ||
        c->issues_by_sev[0] + c->issues_by_sev[1] + c->issues_by_sev[2])
        abort();
    s4s_pipe_free(p);
    fclose(out);
    free(got);
    s4s_passthru_free(q);
    return 0;
}
