/*
 * import_loinc.c - LOINC release: Loinc.csv (+ MapTo.csv).
 *
 * Accepts Loinc.csv itself or the unpacked release directory (Loinc.csv at
 * its root or under LoincTable/).  MapTo.csv is taken from beside Loinc.csv
 * or from LoincTable/; it maps deprecated codes to their replacements.
 * Format: comma-separated, every field double-quoted, CRLF, a header row.
 * STATUS ACTIVE, TRIAL, DISCOURAGED, DEPRECATED -> the same word in lower case.
 * Invariants: every LOINC_NUM passes the mod-10 check; rows have exactly the
 * header's field count; anything else is an error with file, line, column.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../filter/base/alloc.h"
#include "term_build.h"

static const char licence[] =
    "LOINC (c) Regenstrief Institute, Inc. and the LOINC Committee; used under the LOINC licence, "
    "https://loinc.org/license/";

/* "2.76" > "2.9"?  Compare dotted numbers field by field. */
static int vercmp(const char *a, const char *b)
{
    while (*a || *b) {
        long x = strtol(a, (char **)&a, 10), y = strtol(b, (char **)&b, 10);
        if (x != y)
            return x < y ? -1 : 1;
        if (*a == '.')
            a++;
        if (*b == '.')
            b++;
        if ((*a && (*a < '0' || *a > '9')) || (*b && (*b < '0' || *b > '9')))
            return strcmp(a, b);
    }
    return 0;
}

/* Loinc.csv columns; the first two are required. */
enum { L_NUM, L_STATUS, L_LCN, L_SHORT, L_UCUM, L_PROP, L_VER, L_DISPLAY, NL };
static const char *const loinc_cols[NL] = {"LOINC_NUM", "STATUS", "LONG_COMMON_NAME", "SHORTNAME",
                                           "EXAMPLE_UCUM_UNITS", "PROPERTY", "VersionLastChanged",
                                           "DisplayName"};

/* Where a LOINC file's rows go; for MapTo.csv c[0], c[1] are LOINC, MAP_TO. */
typedef struct loinc {
    s4s_tb   *b;
    long long sys;
    int       c[NL];
    char      version[32];   /* the highest VersionLastChanged so far */
} loinc;

static s4s_rc mapto_row(s4s_rd *r, void *ctx)
{
    const loinc *x = ctx;
    int from = x->c[0], to = x->c[1];
    const char *f = r->f[from], *t = r->f[to];
    if (!s4s_loinc_valid(f) || !s4s_loinc_valid(t))
        return s4s_rd_fail(r, (size_t)(s4s_loinc_valid(f) ? to : from), "'%s' is not a valid LOINC code",
                           s4s_loinc_valid(f) ? t : f);
    bool found;
    /* A map for a code Loinc.csv lacks is harmless: nothing to annotate. */
    return s4s_rd_db(r, s4s_tb_replacement(x->b, x->sys, f, t, &found));
}

static s4s_rc read_mapto(s4s_tb *b, long long sys, const char *path, char *err)
{
    static const char *const cols[] = {"LOINC", "MAP_TO"};
    loinc x = {.b = b, .sys = sys};
    s4s_rd r;
    s4s_rc rc = s4s_rd_open(&r, path, ',', true, err);
    if (rc != S4S_OK)
        return rc;
    if ((rc = s4s_rd_header(&r, cols, x.c, 2, 2, "header lacks LOINC and MAP_TO columns")) == S4S_OK)
        rc = s4s_rd_each(&r, r.nf, mapto_row, &x);
    s4s_rd_close(&r);
    return rc;
}

/* The field in column c, or NULL if the header has no such column. */
static const char *opt(const s4s_rd *r, int c)
{
    return c >= 0 ? r->f[c] : NULL;
}

static s4s_rc loinc_row(s4s_rd *r, void *ctx)
{
    loinc *x = ctx;
    const int *c = x->c;
    const char *code = r->f[c[L_NUM]], *s = r->f[c[L_STATUS]];
    if (!s4s_loinc_valid(code))
        return s4s_rd_fail(r, (size_t)c[L_NUM], "'%s' is not a valid LOINC code (form or check digit)", code);
    const char *status = !strcmp(s, "ACTIVE") ? "active" : !strcmp(s, "TRIAL") ? "trial"
                       : !strcmp(s, "DISCOURAGED") ? "discouraged" : !strcmp(s, "DEPRECATED") ? "deprecated" : NULL;
    if (!status)
        return s4s_rd_fail(r, (size_t)c[L_STATUS], "unknown STATUS '%s'", s);
    const char *lcn = opt(r, c[L_LCN]), *sn = opt(r, c[L_SHORT]), *ver = opt(r, c[L_VER]);
    const char *display = lcn && *lcn ? lcn : sn;
    s4s_rc rc = s4s_tb_concept(x->b, x->sys, code, status, display, NULL, opt(r, c[L_UCUM]), opt(r, c[L_PROP]));
    if (rc == S4S_ERR_INVALID)
        return s4s_rd_fail(r, (size_t)c[L_NUM], "duplicate LOINC_NUM '%s'", code);
    for (int k = 0; rc == S4S_OK && k < 2; k++) {
        const char *d = k ? opt(r, c[L_DISPLAY]) : sn;
        if (d && *d && (!display || strcmp(d, display)))
            rc = s4s_tb_designation(x->b, x->sys, code, d);
    }
    if (rc != S4S_OK)
        return s4s_rd_db(r, rc);
    if (ver && *ver && strlen(ver) < sizeof x->version && vercmp(ver, x->version) > 0)
        strcpy(x->version, ver);
    return S4S_OK;
}

s4s_rc s4s_import_loinc(s4s_tb *b, const char *path, char *err)
{
    static const char *const csv_at[] = {"LoincTable/Loinc.csv", "Loinc.csv", NULL};
    static const char *const mapto_at[] = {"MapTo.csv", "LoincTable/MapTo.csv", NULL};
    char *csv = NULL, *dir = NULL, *mapto = NULL;
    s4s_oom_hold hc, hd, hm; /* freed by the unwinding if an allocation fails */
    s4s_oom_push(&hc, &csv, s4s_free_at);
    s4s_oom_push(&hd, &dir, s4s_free_at);
    s4s_oom_push(&hm, &mapto, s4s_free_at);
    s4s_rc rc = s4s_source_file(path, csv_at, "Loinc.csv here or under LoincTable/", &csv, err);
    if (rc != S4S_OK)
        goto done;
    dir = s4s_path_dir(csv);
    mapto = s4s_first_file(dir, mapto_at);
    if (!mapto && s4s_is_dir(path))
        mapto = s4s_first_file(path, mapto_at + 1);

    loinc x = {.b = b};
    s4s_rd r;
    rc = s4s_rd_open(&r, csv, ',', true, err);
    if (rc != S4S_OK)
        goto done;
    if ((rc = s4s_rd_header(&r, loinc_cols, x.c, NL, 2, "header lacks LOINC_NUM and STATUS columns")) == S4S_OK &&
        (rc = s4s_tb_system(b, s4s_sys_uri(S4S_SYS_LOINC), NULL, csv, licence, true, &x.sys, err)) == S4S_OK)
        rc = s4s_rd_each(&r, r.nf, loinc_row, &x);
    if (rc == S4S_OK && x.version[0]) {
        char sql[128];
        snprintf(sql, sizeof sql, "UPDATE systems SET version = '%s' WHERE id = %lld", x.version, x.sys);
        /* version comes from VersionLastChanged: digits and dots only */
        if (strspn(x.version, "0123456789.") == strlen(x.version))
            rc = s4s_tb_exec(b, sql, err);
    }
    if (rc == S4S_OK && mapto)
        rc = read_mapto(b, x.sys, mapto, err);
    s4s_rd_close(&r);
done:
    s4s_oom_pop(&hm);
    s4s_oom_pop(&hd);
    s4s_oom_pop(&hc);
    free(csv);
    free(dir);
    free(mapto);
    return rc;
}
