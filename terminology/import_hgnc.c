/*
 * import_hgnc.c - HGNC release: hgnc_complete_set.txt.
 *
 * Tab-separated with a header; multi-valued columns (alias_symbol,
 * prev_symbol) hold '|'-separated values, usually double-quoted.  Uses
 * hgnc_id, symbol, status, prev_symbol, alias_symbol.  Each gene becomes a
 * concept "HGNC:n" (display = approved symbol; Approved -> active, withdrawn
 * -> retired) and gene-name rows (symbol, previous symbols, aliases) so
 * look-ups work by HGNC:n and by symbol.
 * Invariant: hgnc_id must be HGNC:n and the status known, else an error
 * naming file, line and column.
 */
#include <stdio.h>
#include <string.h>

#include "term_build.h"

static const char licence[] = "HGNC data from www.genenames.org; freely available (CC0)";

static s4s_rc add_names(s4s_tb *b, char *list, int kind, const char *symbol, const char *id)
{
    for (char *save = NULL, *n = strtok_r(list, "|", &save); n; n = strtok_r(NULL, "|", &save)) {
        while (*n == ' ')
            n++;
        if (!*n)
            continue;
        s4s_rc rc = s4s_tb_gene(b, n, kind, symbol, id);
        if (rc != S4S_OK)
            return rc;
    }
    return S4S_OK;
}

s4s_rc s4s_import_hgnc(s4s_tb *b, const char *path, char *err)
{
    s4s_rd r;
    s4s_rc rc = s4s_rd_open(&r, path, '\t', true, err);
    if (rc != S4S_OK)
        return rc;
    int got = s4s_rd_next(&r), cid = -1, csym = -1, cst = -1, cprev = -1, calias = -1;
    if (got > 0) {
        cid = s4s_rd_find(&r, "hgnc_id");
        csym = s4s_rd_find(&r, "symbol");
        cst = s4s_rd_find(&r, "status");
        cprev = s4s_rd_find(&r, "prev_symbol");
        calias = s4s_rd_find(&r, "alias_symbol");
    }
    if (got <= 0 || cid < 0 || csym < 0 || cst < 0) {
        rc = got < 0 ? S4S_ERR_FORMAT : s4s_rd_fail(&r, 0, "header lacks hgnc_id, symbol and status columns");
        goto out;
    }
    long long sys;
    if ((rc = s4s_tb_system(b, "http://www.genenames.org", NULL, path, licence, true, &sys, err)) != S4S_OK)
        goto out;
    size_t want = r.nf;
    while ((got = s4s_rd_next(&r)) > 0) {
        if (r.nf != want) {
            rc = s4s_rd_fail(&r, r.nf < want ? r.nf - 1 : want, "expected %zu fields, found %zu", want, r.nf);
            break;
        }
        const char *id = r.f[cid], *sym = r.f[csym], *st = r.f[cst];
        if (!s4s_hgnc_id_valid(id)) {
            rc = s4s_rd_fail(&r, (size_t)cid, "'%s' is not an HGNC id (HGNC:n)", id);
            break;
        }
        if (!*sym) {
            rc = s4s_rd_fail(&r, (size_t)csym, "empty symbol");
            break;
        }
        const char *status = !strcmp(st, "Approved") ? "active" : strstr(st, "Withdrawn") ? "retired" : NULL;
        if (!status) {
            rc = s4s_rd_fail(&r, (size_t)cst, "unknown status '%s'", st);
            break;
        }
        rc = s4s_tb_concept(b, sys, id, status, sym, NULL, NULL, NULL);
        if (rc == S4S_ERR_INVALID) {
            rc = s4s_rd_fail(&r, (size_t)cid, "duplicate hgnc_id '%s'", id);
            break;
        }
        if (rc == S4S_OK && status[0] == 'a') {
            rc = s4s_tb_gene(b, sym, 1, sym, id);
            if (rc == S4S_OK && cprev >= 0)
                rc = add_names(b, r.f[cprev], 2, sym, id);
            if (rc == S4S_OK && calias >= 0)
                rc = add_names(b, r.f[calias], 3, sym, id);
        }
        if (rc != S4S_OK) {
            snprintf(err, S4S_ERRMSG, "%s:%lu:1: database error", path, r.line);
            break;
        }
    }
    if (got < 0)
        rc = S4S_ERR_FORMAT;
out:
    s4s_rd_close(&r);
    return rc;
}
