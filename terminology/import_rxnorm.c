/*
 * import_rxnorm.c - RxNorm release: RXNCONSO.RRF (+ RXNCUI.RRF).
 *
 * Accepts RXNCONSO.RRF, the release's rrf/ directory or the release root.
 * RRF: pipe-delimited, no quoting, a trailing '|', no header; 18 columns
 * RXCUI|LAT|TS|LUI|STT|SUI|ISPREF|RXAUI|SAUI|SCUI|SDUI|SAB|TTY|CODE|STR|SRL|SUPPRESS|CVF.
 * Only SAB=RXNORM rows count.  SUPPRESS is honoured: suppressed atoms
 * (O, Y, E) never give the display, and a concept whose every RXNORM atom is
 * suppressed is "inactive".  The display is the best term type (SCD, SBD,
 * packs, ingredients, brand names, ...).  RXNCUI.RRF beside it
 * (CUI1|VER_START|VER_END|CARDINALITY|CUI2|) gives retired -> current
 * RXCUIs: a CUI1 absent from RXNCONSO becomes "retired", replaced by CUI2
 * unless CUI2 = CUI1 (retired without a successor).
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../filter/base/alloc.h"
#include "term_build.h"

static const char licence[] =
    "RxNorm (SAB=RXNORM content) from the U.S. National Library of Medicine; public domain";

static const char *const tty_rank[] = {"SCD", "SBD", "GPCK", "BPCK", "PSN", "IN", "PIN", "MIN", "BN", "SCDC",
                                       "SCDF", "SCDFP", "SCDG", "SCDGP", "SBDC", "SBDF", "SBDFP", "SBDG", "DF",
                                       "DFG", "ET", "SY", "TMSY", NULL};

static int rank_of(const char *tty)
{
    for (int i = 0; tty_rank[i]; i++)
        if (!strcmp(tty, tty_rank[i]))
            return i;
    return 99;
}

static bool digits(const char *s)
{
    return s4s_rxcui_valid(s);
}

typedef struct rx {
    s4s_tb       *b;
    long long     sys;
    sqlite3_stmt *ins;   /* RXNCONSO rows into the staging table */
} rx;

static s4s_rc rxncui_row(s4s_rd *r, void *ctx)
{
    const rx *x = ctx;
    if (r->nf < 5)
        return s4s_rd_fail(r, r->nf - 1, "expected 5 '|'-separated fields, found %zu", r->nf);
    const char *c1 = r->f[0], *c2 = r->f[4];
    if (!digits(c1) || !digits(c2))
        return s4s_rd_fail(r, digits(c1) ? 4 : 0, "'%s' is not an RXCUI", digits(c1) ? c2 : c1);
    if (!s4s_tb_has_concept(x->b, x->sys, c1))
        return s4s_rd_db(r, s4s_tb_concept(x->b, x->sys, c1, "retired", NULL, strcmp(c1, c2) ? c2 : NULL, NULL, NULL));
    /* a second row for the same retired CUI adds a successor;
     * a CUI still active in RXNCONSO is left alone */
    sqlite3_stmt *st;
    bool retired = false;
    char sql[] = "SELECT status = 'retired' FROM concepts WHERE system = ?1 AND code = ?2";
    if (sqlite3_prepare_v2(s4s_tb_db(x->b), sql, -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, x->sys);
        sqlite3_bind_text(st, 2, c1, -1, SQLITE_STATIC);
        retired = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0);
        sqlite3_finalize(st);
    }
    bool found;
    if (retired && strcmp(c1, c2))
        return s4s_rd_db(r, s4s_tb_replacement(x->b, x->sys, c1, c2, &found));
    return S4S_OK;
}

static s4s_rc read_rxncui(s4s_tb *b, long long sys, const char *path, char *err)
{
    rx x = {.b = b, .sys = sys};
    s4s_rd r;
    s4s_rc rc = s4s_rd_open(&r, path, '|', false, err);
    if (rc != S4S_OK)
        return rc;
    rc = s4s_rd_each(&r, 0, rxncui_row, &x);
    s4s_rd_close(&r);
    return rc;
}

static s4s_rc conso_row(s4s_rd *r, void *ctx)
{
    const rx *x = ctx;
    if (r->nf < 18)
        return s4s_rd_fail(r, r->nf - 1, "expected 18 '|'-separated fields, found %zu", r->nf);
    if (!digits(r->f[0]))
        return s4s_rd_fail(r, 0, "RXCUI '%s' is not a number", r->f[0]);
    if (strcmp(r->f[11], "RXNORM"))
        return S4S_OK;
    const char *sup = r->f[16];
    if (strcmp(sup, "N") && strcmp(sup, "O") && strcmp(sup, "Y") && strcmp(sup, "E") && *sup)
        return s4s_rd_fail(r, 16, "SUPPRESS '%s' is not N, O, Y or E", sup);
    sqlite3_bind_text(x->ins, 1, r->f[0], -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(x->ins, 2, rank_of(r->f[12]));
    sqlite3_bind_text(x->ins, 3, r->f[14], -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(x->ins, 4, *sup && strcmp(sup, "N") ? 1 : 0);
    int src = sqlite3_step(x->ins);
    sqlite3_reset(x->ins);
    return s4s_rd_db(r, src == SQLITE_DONE ? S4S_OK : S4S_ERR_DB);
}

static void finalize(void *st) { sqlite3_finalize(st); }

s4s_rc s4s_import_rxnorm(s4s_tb *b, const char *path, char *err)
{
    static const char *const conso_at[] = {"RXNCONSO.RRF", "rrf/RXNCONSO.RRF", NULL};
    char *conso = NULL, *dir = NULL, *rxncui = NULL;
    s4s_oom_hold hc, hd, hr, hi; /* freed by the unwinding if an allocation fails */
    s4s_oom_push(&hc, &conso, s4s_free_at);
    s4s_oom_push(&hd, &dir, s4s_free_at);
    s4s_oom_push(&hr, &rxncui, s4s_free_at);
    s4s_rc rc = s4s_source_file(path, conso_at, "RXNCONSO.RRF here or under rrf/", &conso, err);
    if (rc != S4S_OK)
        goto done;
    dir = s4s_path_dir(conso);
    rxncui = s4s_path_join(dir, "RXNCUI.RRF");

    rx x = {.b = b};
    s4s_rd r;
    rc = s4s_rd_open(&r, conso, '|', false, err);
    if (rc != S4S_OK)
        goto done;
    if ((rc = s4s_tb_system(b, s4s_sys_uri(S4S_SYS_RXNORM), NULL, conso, licence, true, &x.sys,
                            err)) != S4S_OK ||
        (rc = s4s_tb_exec(b, "CREATE TEMP TABLE rx(cui TEXT NOT NULL, rank INTEGER, str TEXT, sup INTEGER)", err)))
        goto close;
    if (sqlite3_prepare_v2(s4s_tb_db(b), "INSERT INTO rx VALUES (?1, ?2, ?3, ?4)", -1, &x.ins, NULL) != SQLITE_OK) {
        rc = S4S_ERR_DB;
        goto close;
    }
    s4s_oom_push(&hi, x.ins, finalize); /* an open statement keeps the database open */
    rc = s4s_rd_each(&r, 0, conso_row, &x);
    s4s_oom_pop(&hi);
    sqlite3_finalize(x.ins);
    if (rc == S4S_OK) {
        char sql[1024];
        snprintf(sql, sizeof sql,
                 "CREATE INDEX temp.rx_cui ON rx(cui, sup, rank);"
                 "INSERT INTO concepts(system, code, status) SELECT %lld, cui, "
                 "  CASE WHEN min(sup) = 0 THEN 'active' ELSE 'inactive' END FROM rx GROUP BY cui;"
                 "UPDATE concepts SET display = (SELECT str FROM rx WHERE rx.cui = concepts.code AND sup = 0 "
                 "  ORDER BY rank, str LIMIT 1) WHERE system = %lld;"
                 "DROP TABLE temp.rx;",
                 x.sys, x.sys);
        rc = s4s_tb_exec(b, sql, err);
    }
    if (rc == S4S_OK && s4s_is_file(rxncui))
        rc = read_rxncui(b, x.sys, rxncui, err);
close:
    s4s_rd_close(&r);
done:
    s4s_oom_pop(&hr);
    s4s_oom_pop(&hd);
    s4s_oom_pop(&hc);
    free(conso);
    free(dir);
    free(rxncui);
    return rc;
}
