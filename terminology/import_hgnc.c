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

/* The first three columns are required. */
enum { H_ID, H_SYMBOL, H_STATUS, H_PREV, H_ALIAS, NH };
static const char *const cols[NH] = {"hgnc_id", "symbol", "status", "prev_symbol", "alias_symbol"};

typedef struct hgnc {
    s4s_tb   *b;
    long long sys;
    int       c[NH];
} hgnc;

static s4s_rc gene_row(s4s_rd *r, void *ctx)
{
    const hgnc *x = ctx;
    const int *c = x->c;
    const char *id = r->f[c[H_ID]], *sym = r->f[c[H_SYMBOL]], *st = r->f[c[H_STATUS]];
    if (!s4s_hgnc_id_valid(id))
        return s4s_rd_fail(r, (size_t)c[H_ID], "'%s' is not an HGNC id (HGNC:n)", id);
    if (!*sym)
        return s4s_rd_fail(r, (size_t)c[H_SYMBOL], "empty symbol");
    const char *status = !strcmp(st, "Approved") ? "active" : strstr(st, "Withdrawn") ? "retired" : NULL;
    if (!status)
        return s4s_rd_fail(r, (size_t)c[H_STATUS], "unknown status '%s'", st);
    s4s_rc rc = s4s_tb_concept(x->b, x->sys, id, status, sym, NULL, NULL, NULL);
    if (rc == S4S_ERR_INVALID)
        return s4s_rd_fail(r, (size_t)c[H_ID], "duplicate hgnc_id '%s'", id);
    if (rc == S4S_OK && status[0] == 'a') {
        rc = s4s_tb_gene(x->b, sym, 1, sym, id);
        if (rc == S4S_OK && c[H_PREV] >= 0)
            rc = add_names(x->b, r->f[c[H_PREV]], 2, sym, id);
        if (rc == S4S_OK && c[H_ALIAS] >= 0)
            rc = add_names(x->b, r->f[c[H_ALIAS]], 3, sym, id);
    }
    return s4s_rd_db(r, rc);
}

s4s_rc s4s_import_hgnc(s4s_tb *b, const char *path, char *err)
{
    s4s_rd r;
    s4s_rc rc = s4s_rd_open(&r, path, '\t', true, err);
    if (rc != S4S_OK)
        return rc;
    hgnc x = {.b = b};
    if ((rc = s4s_rd_header(&r, cols, x.c, NH, 3, "header lacks hgnc_id, symbol and status columns")) == S4S_OK &&
        (rc = s4s_tb_system(b, s4s_sys_uri(S4S_SYS_HGNC), NULL, path, licence, true, &x.sys, err)) == S4S_OK)
        rc = s4s_rd_each(&r, r.nf, gene_row, &x);
    s4s_rd_close(&r);
    return rc;
}
