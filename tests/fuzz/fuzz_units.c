/*
 * fuzz_units.c - libFuzzer harness: the boundary scanner and the workers'
 * units, differentially.  The same bytes go through the pipeline read from
 * a file descriptor with one thread (no scanner: the main thread parses
 * everything) and with three (units cut by the scanner, parsed by workers);
 * stdout, the reject file, the report and the counts must be the same.
 *
 * The first byte picks options (a --max-resource-bytes below some values,
 * so they are too large for a unit, reject mode, NFC); the second the read
 * size.
 * Validation is on: the workers (and so the scanner) run only then when
 * the inflater is zlib, as in the fuzz build.  Invariant checked: byte-identical outputs, and in = out + rejected.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memfd_create */
#endif
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../../filter/s4s.h"
#include "../../terminology/embedded.h"
#include "../../terminology/term.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct units_out {
    char  *out, *rej, *rep;
    size_t nout, nrej, nrep;
    s4s_counts c;
    s4s_rc rc;
} units_out;

static void units_run(const s4s_opts *o, int fd, size_t read_size, units_out *r)
{
    FILE *out = open_memstream(&r->out, &r->nout);
    FILE *rej = open_memstream(&r->rej, &r->nrej);
    FILE *rep = open_memstream(&r->rep, &r->nrep);
    s4s_outputs io = {.out = out, .reject = rej, .report = rep};
    s4s_pipe *p;
    r->rc = s4s_pipe_new(o, &io, &p);
    if (r->rc == S4S_OK) {
        lseek(fd, 0, SEEK_SET);
        r->rc = s4s_pipe_feed_fd(p, fd, "fuzz", read_size, NULL, NULL);
        s4s_rc f = s4s_pipe_finish(p);
        if (!r->rc)
            r->rc = f;
        r->c = *s4s_pipe_counts(p);
    }
    s4s_pipe_free(p);
    fclose(out);
    fclose(rej);
    fclose(rep);
}

static bool units_same(const char *a, size_t na, const char *b, size_t nb)
{
    return na == nb && (!na || memcmp(a, b, na) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool ready;
    if (!ready) {
        s4s_term_set_embedded(s4s_default_db, s4s_default_db_len);
        ready = true;
    }
    if (size < 2)
        return 0;
    uint8_t mode = data[0], step = data[1];
    data += 2;
    size -= 2;
    int fd = memfd_create("fuzz_units", 0);
    if (fd < 0 || write(fd, data, size) != (ssize_t)size) {
        if (fd >= 0)
            close(fd);
        return 0;
    }
    s4s_opts o;
    s4s_opts_default(&o);
    o.nfc = mode & 1;
    o.no_terminology = true; /* the scanner is under test, not the cache */
    o.invariants = S4S_INVARIANTS_OFF;
    /* values over the unit limit stream; a malformed value that also
     * outgrows --max-resource-bytes (its bytes spill) is quarantined to an
     * extent that depends on where the input was cut, as between read
     * sizes (README, threads), so the limit stays above the seeds' values */
    if (mode & 4)
        o.max_resource_bytes = 4096;
    if (mode & 8)
        o.on_invalid = S4S_INVALID_REJECT;
    size_t read_size = step ? step : 65536;
    units_out a = {0}, b = {0};
    o.threads = 1;
    units_run(&o, fd, read_size, &a);
    o.threads = 3;
    units_run(&o, fd, read_size, &b);
    close(fd);
    bool stopped = a.rc != S4S_OK;
    if (a.rc != b.rc || !units_same(a.out, a.nout, b.out, b.nout) || !units_same(a.rej, a.nrej, b.rej, b.nrej) ||
        !units_same(a.rep, a.nrep, b.rep, b.nrep) || a.c.resources_in != b.c.resources_in ||
        a.c.resources_out != b.c.resources_out || a.c.resources_rejected != b.c.resources_rejected)
        abort();
    if (!stopped && a.c.resources_in != a.c.resources_out + a.c.resources_rejected)
        abort();
    free(a.out), free(a.rej), free(a.rep);
    free(b.out), free(b.rej), free(b.rep);
    return 0;
}
