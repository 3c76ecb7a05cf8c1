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

#include "../filter/alloc.h"
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

static s4s_rc read_rxncui(s4s_tb *b, long long sys, const char *path, char *err)
{
    s4s_rd r;
    s4s_rc rc = s4s_rd_open(&r, path, '|', false, err);
    if (rc != S4S_OK)
        return rc;
    int got;
    while ((got = s4s_rd_next(&r)) > 0) {
        if (r.nf < 5) {
            rc = s4s_rd_fail(&r, r.nf - 1, "expected 5 '|'-separated fields, found %zu", r.nf);
            break;
        }
        const char *c1 = r.f[0], *c2 = r.f[4];
        if (!digits(c1) || !digits(c2)) {
            rc = s4s_rd_fail(&r, digits(c1) ? 4 : 0, "'%s' is not an RXCUI", digits(c1) ? c2 : c1);
            break;
        }
        bool have = s4s_tb_has_concept(b, sys, c1);
        if (!have) {
            rc = s4s_tb_concept(b, sys, c1, "retired", NULL, strcmp(c1, c2) ? c2 : NULL, NULL, NULL);
        } else {
            /* a second row for the same retired CUI adds a successor;
             * a CUI still active in RXNCONSO is left alone */
            sqlite3_stmt *st;
            bool retired = false;
            char sql[] = "SELECT status = 'retired' FROM concepts WHERE system = ?1 AND code = ?2";
            if (sqlite3_prepare_v2(s4s_tb_db(b), sql, -1, &st, NULL) == SQLITE_OK) {
                sqlite3_bind_int64(st, 1, sys);
                sqlite3_bind_text(st, 2, c1, -1, SQLITE_STATIC);
                retired = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0);
                sqlite3_finalize(st);
            }
            bool found;
            if (retired && strcmp(c1, c2))
                rc = s4s_tb_replacement(b, sys, c1, c2, &found);
        }
        if (rc != S4S_OK) {
            snprintf(err, S4S_ERRMSG, "%s:%lu:1: database error", path, r.line);
            break;
        }
    }
    if (got < 0)
        rc = S4S_ERR_FORMAT;
    s4s_rd_close(&r);
    return rc;
}

s4s_rc s4s_import_rxnorm(s4s_tb *b, const char *path, char *err)
{
    char *conso = NULL;
    if (s4s_is_dir(path)) {
        const char *cands[] = {"RXNCONSO.RRF", "rrf/RXNCONSO.RRF", NULL};
        for (int i = 0; cands[i] && !conso; i++) {
            char *p = s4s_path_join(path, cands[i]);
            if (s4s_is_file(p))
                conso = p;
            else
                free(p);
        }
        if (!conso) {
            snprintf(err, S4S_ERRMSG, "%s: no RXNCONSO.RRF here or under rrf/", path);
            return S4S_ERR_IO;
        }
    } else {
        conso = s4s_xstrdup(path);
    }
    char *dir = s4s_path_dir(conso);
    char *rxncui = s4s_path_join(dir, "RXNCUI.RRF");
    free(dir);

    s4s_rd r;
    s4s_rc rc = s4s_rd_open(&r, conso, '|', false, err);
    if (rc != S4S_OK)
        goto done;
    long long sys;
    if ((rc = s4s_tb_system(b, "http://www.nlm.nih.gov/research/umls/rxnorm", NULL, conso, licence, true, &sys,
                            err)) != S4S_OK ||
        (rc = s4s_tb_exec(b, "CREATE TEMP TABLE rx(cui TEXT NOT NULL, rank INTEGER, str TEXT, sup INTEGER)", err)))
        goto close;
    sqlite3_stmt *ins;
    if (sqlite3_prepare_v2(s4s_tb_db(b), "INSERT INTO rx VALUES (?1, ?2, ?3, ?4)", -1, &ins, NULL) != SQLITE_OK) {
        rc = S4S_ERR_DB;
        goto close;
    }
    int got;
    while ((got = s4s_rd_next(&r)) > 0) {
        if (r.nf < 18) {
            rc = s4s_rd_fail(&r, r.nf - 1, "expected 18 '|'-separated fields, found %zu", r.nf);
            break;
        }
        if (!digits(r.f[0])) {
            rc = s4s_rd_fail(&r, 0, "RXCUI '%s' is not a number", r.f[0]);
            break;
        }
        if (strcmp(r.f[11], "RXNORM"))
            continue;
        const char *sup = r.f[16];
        if (strcmp(sup, "N") && strcmp(sup, "O") && strcmp(sup, "Y") && strcmp(sup, "E") && *sup) {
            rc = s4s_rd_fail(&r, 16, "SUPPRESS '%s' is not N, O, Y or E", sup);
            break;
        }
        sqlite3_bind_text(ins, 1, r.f[0], -1, SQLITE_TRANSIENT);
        sqlite3_bind_int(ins, 2, rank_of(r.f[12]));
        sqlite3_bind_text(ins, 3, r.f[14], -1, SQLITE_TRANSIENT);
        sqlite3_bind_int(ins, 4, *sup && strcmp(sup, "N") ? 1 : 0);
        int src = sqlite3_step(ins);
        sqlite3_reset(ins);
        if (src != SQLITE_DONE) {
            snprintf(err, S4S_ERRMSG, "%s:%lu:1: database error", conso, r.line);
            rc = S4S_ERR_DB;
            break;
        }
    }
    sqlite3_finalize(ins);
    if (got < 0)
        rc = S4S_ERR_FORMAT;
    if (rc == S4S_OK) {
        char sql[1024];
        snprintf(sql, sizeof sql,
                 "CREATE INDEX temp.rx_cui ON rx(cui, sup, rank);"
                 "INSERT INTO concepts(system, code, status) SELECT %lld, cui, "
                 "  CASE WHEN min(sup) = 0 THEN 'active' ELSE 'inactive' END FROM rx GROUP BY cui;"
                 "UPDATE concepts SET display = (SELECT str FROM rx WHERE rx.cui = concepts.code AND sup = 0 "
                 "  ORDER BY rank, str LIMIT 1) WHERE system = %lld;"
                 "DROP TABLE temp.rx;",
                 sys, sys);
        rc = s4s_tb_exec(b, sql, err);
    }
    if (rc == S4S_OK && s4s_is_file(rxncui))
        rc = read_rxncui(b, sys, rxncui, err);
close:
    s4s_rd_close(&r);
done:
    free(conso);
    free(rxncui);
    return rc;
}
