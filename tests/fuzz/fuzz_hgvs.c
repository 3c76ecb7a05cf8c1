/*
 * fuzz_hgvs.c - libFuzzer harness for the HGVS engine (terminology/hgvs.h):
 * parse (with its repairs), the normalized printer, the accessors and the
 * accession classifiers, over arbitrary bytes.
 *
 * Invariants checked (abort() on violation):
 *  - notes are within their cap, each with a code and a NUL-terminated
 *    message; an invalid expression carries an error note;
 *  - the normalized form of a valid expression parses as valid and prints
 *    to itself (print is a fixed point of parse+print);
 *  - print into a short buffer returns the full length and writes a
 *    NUL-terminated prefix of the full form;
 *  - accession, gene and protein parts lie inside the value's pool;
 *  - the split-off protein change is parsed too (no crash; any verdict).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../terminology/hgvs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void hgvs_notes_ok(const s4s_hgvs *h, bool valid)
{
    bool syntax = false;
    if (h->nnotes > S4S_HGVS_MAX_NOTES || h->nnotes_total < h->nnotes || h->pool_len > S4S_HGVS_POOL ||
        h->nvars > S4S_HGVS_MAX_VARS)
        abort();
    for (unsigned k = 0; k < h->nnotes; k++) {
        const s4s_hgvs_note *nt = &h->notes[k];
        if (!nt->code || !memchr(nt->msg, '\0', sizeof nt->msg))
            abort();
        syntax |= nt->kind == S4S_HGVS_NOTE_SYNTAX || nt->sev == S4S_HGVS_SEV_ERROR;
    }
    if (!valid && !syntax && h->nnotes_total == h->nnotes)
        abort();
}

static void hgvs_part_ok(const s4s_hgvs *h, const char *p, size_t n)
{
    if (p && (p < h->pool || p + n > h->pool + h->pool_len))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static s4s_hgvs h, h2, hp;
    static char out[2 * S4S_HGVS_MAX_INPUT + 64], out2[sizeof out];
    const char *s = (const char *)data;
    bool versioned;
    (void)s4s_hgvs_refseq_valid(s, size, &versioned);
    (void)s4s_hgvs_classify(s, size, &versioned);

    bool ok = s4s_hgvs_parse(s, size, &h) == S4S_OK;
    if (ok != h.valid)
        abort();
    hgvs_notes_ok(&h, ok);
    (void)s4s_hgvs_kind_str(h.kind);
    size_t n = s4s_hgvs_print(&h, out, sizeof out);
    if (!ok) {
        if (n != 0)
            abort();
        return 0;
    }
    /* 1-letter amino acids printed as 3 may outgrow any buffer tied to the
     * input cap: such a form is never written back (rules/variants.c) */
    if (n >= sizeof out && n > S4S_HGVS_MAX_INPUT)
        return 0;
    if (n == 0 || n >= sizeof out || strlen(out) != n)
        abort();
    size_t an, gn, pn;
    const char *acc = s4s_hgvs_accession(&h, &an), *gene = s4s_hgvs_gene(&h, &gn);
    const char *prot = s4s_hgvs_protein(&h, &pn);
    hgvs_part_ok(&h, acc, an);
    hgvs_part_ok(&h, gene, gn);
    hgvs_part_ok(&h, prot, pn);

    /* a short buffer: same length, a prefix */
    char small[8];
    size_t cap = size % sizeof small + 1;
    if (s4s_hgvs_print(&h, small, cap) != n || strlen(small) >= cap || strncmp(small, out, strlen(small)))
        abort();

    /* 1-letter amino acids printed as 3 may outgrow the input cap: such a
     * form is never written back (rules/variants.c), so it need not parse */
    if (n > S4S_HGVS_MAX_INPUT)
        return 0;
    if (s4s_hgvs_parse(out, n, &h2) != S4S_OK)
        abort();
    hgvs_notes_ok(&h2, true);
    size_t n2 = s4s_hgvs_print(&h2, out2, sizeof out2);
    if (n2 != n || strcmp(out, out2) != 0)
        abort();

    if (prot) {
        bool pok = s4s_hgvs_parse(prot, pn, &hp) == S4S_OK;
        hgvs_notes_ok(&hp, pok);
    }
    return 0;
}
