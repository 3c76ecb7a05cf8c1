/*
 * import_loinc.c - LOINC release: Loinc.csv (+ MapTo.csv).
 *
 * Accepts Loinc.csv itself or the unpacked release directory (Loinc.csv at
 * its root or under LoincTable/).  MapTo.csv is taken from beside Loinc.csv
 * or from LoincTable/; it maps deprecated codes to their replacements.
 * Format: comma-separated, every field double-quoted, CRLF, a header row.
 * STATUS ACTIVE/TRIAL/DISCOURAGED -> active, DEPRECATED -> deprecated.
 * Invariants: every LOINC_NUM passes the mod-10 check; rows have exactly the
 * header's field count; anything else is an error with file, line, column.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../filter/alloc.h"
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

static char *first_existing(char *a, char *b)
{
    if (s4s_is_file(a)) {
        free(b);
        return a;
    }
    free(a);
    if (b && s4s_is_file(b))
        return b;
    free(b);
    return NULL;
}

static s4s_rc read_mapto(s4s_tb *b, long long sys, const char *path, char *err)
{
    s4s_rd r;
    s4s_rc rc = s4s_rd_open(&r, path, ',', true, err);
    if (rc != S4S_OK)
        return rc;
    int got = s4s_rd_next(&r), from = -1, to = -1;
    if (got > 0) {
        from = s4s_rd_find(&r, "LOINC");
        to = s4s_rd_find(&r, "MAP_TO");
    }
    if (got <= 0 || from < 0 || to < 0) {
        rc = got < 0 ? S4S_ERR_FORMAT : s4s_rd_fail(&r, 0, "header lacks LOINC and MAP_TO columns");
        goto out;
    }
    size_t want = r.nf;
    while ((got = s4s_rd_next(&r)) > 0) {
        if (r.nf != want) {
            rc = s4s_rd_fail(&r, r.nf < want ? r.nf - 1 : want, "expected %zu fields, found %zu", want, r.nf);
            break;
        }
        const char *f = r.f[from], *t = r.f[to];
        if (!s4s_loinc_valid(f) || !s4s_loinc_valid(t)) {
            rc = s4s_rd_fail(&r, (size_t)(s4s_loinc_valid(f) ? to : from), "'%s' is not a valid LOINC code",
                             s4s_loinc_valid(f) ? t : f);
            break;
        }
        bool found;
        if ((rc = s4s_tb_replacement(b, sys, f, t, &found)) != S4S_OK) {
            snprintf(err, S4S_ERRMSG, "%s:%lu:1: database error", path, r.line);
            break;
        }
        /* A map for a code Loinc.csv lacks is harmless: nothing to annotate. */
    }
    if (got < 0)
        rc = S4S_ERR_FORMAT;
out:
    s4s_rd_close(&r);
    return rc;
}

s4s_rc s4s_import_loinc(s4s_tb *b, const char *path, char *err)
{
    char *csv, *mapto;
    if (s4s_is_dir(path)) {
        csv = first_existing(s4s_path_join(path, "LoincTable/Loinc.csv"), s4s_path_join(path, "Loinc.csv"));
        if (!csv) {
            snprintf(err, S4S_ERRMSG, "%s: no Loinc.csv here or under LoincTable/", path);
            return S4S_ERR_IO;
        }
    } else {
        csv = s4s_xstrdup(path);
    }
    char *dir = s4s_path_dir(csv);
    mapto = first_existing(s4s_path_join(dir, "MapTo.csv"), s4s_path_join(dir, "LoincTable/MapTo.csv"));
    if (!mapto && s4s_is_dir(path))
        mapto = first_existing(s4s_path_join(path, "LoincTable/MapTo.csv"), NULL);
    free(dir);

    s4s_rd r;
    s4s_rc rc = s4s_rd_open(&r, csv, ',', true, err);
    if (rc != S4S_OK)
        goto done;
    int got = s4s_rd_next(&r);
    int num = -1, st = -1, lcn = -1, sn = -1, ucum = -1, prop = -1, ver = -1, dn = -1;
    if (got > 0) {
        num = s4s_rd_find(&r, "LOINC_NUM");
        st = s4s_rd_find(&r, "STATUS");
        lcn = s4s_rd_find(&r, "LONG_COMMON_NAME");
        sn = s4s_rd_find(&r, "SHORTNAME");
        ucum = s4s_rd_find(&r, "EXAMPLE_UCUM_UNITS");
        prop = s4s_rd_find(&r, "PROPERTY");
        ver = s4s_rd_find(&r, "VersionLastChanged");
        dn = s4s_rd_find(&r, "DisplayName");
    }
    if (got <= 0 || num < 0 || st < 0) {
        rc = got < 0 ? S4S_ERR_FORMAT : s4s_rd_fail(&r, 0, "header lacks LOINC_NUM and STATUS columns");
        goto close;
    }
    long long sys;
    if ((rc = s4s_tb_system(b, "http://loinc.org", NULL, csv, licence, true, &sys, err)) != S4S_OK)
        goto close;
    char version[32] = "";
    size_t want = r.nf;
    while ((got = s4s_rd_next(&r)) > 0) {
        if (r.nf != want) {
            rc = s4s_rd_fail(&r, r.nf < want ? r.nf - 1 : want, "expected %zu fields, found %zu", want, r.nf);
            break;
        }
        const char *code = r.f[num], *s = r.f[st];
        if (!s4s_loinc_valid(code)) {
            rc = s4s_rd_fail(&r, (size_t)num, "'%s' is not a valid LOINC code (form or check digit)", code);
            break;
        }
        const char *status = !strcmp(s, "ACTIVE") || !strcmp(s, "TRIAL") || !strcmp(s, "DISCOURAGED") ? "active"
                           : !strcmp(s, "DEPRECATED") ? "deprecated" : NULL;
        if (!status) {
            rc = s4s_rd_fail(&r, (size_t)st, "unknown STATUS '%s'", s);
            break;
        }
        const char *display = lcn >= 0 && *r.f[lcn] ? r.f[lcn] : sn >= 0 ? r.f[sn] : NULL;
        rc = s4s_tb_concept(b, sys, code, status, display, NULL, ucum >= 0 ? r.f[ucum] : NULL,
                            prop >= 0 ? r.f[prop] : NULL);
        if (rc == S4S_ERR_INVALID) {
            rc = s4s_rd_fail(&r, (size_t)num, "duplicate LOINC_NUM '%s'", code);
            break;
        }
        for (int k = 0; rc == S4S_OK && k < 2; k++) {
            int c = k ? dn : sn;
            if (c >= 0 && *r.f[c] && (!display || strcmp(r.f[c], display)))
                rc = s4s_tb_designation(b, sys, code, r.f[c]);
        }
        if (rc != S4S_OK) {
            snprintf(err, S4S_ERRMSG, "%s:%lu:1: database error", csv, r.line);
            break;
        }
        if (ver >= 0 && *r.f[ver] && strlen(r.f[ver]) < sizeof version && vercmp(r.f[ver], version) > 0)
            strcpy(version, r.f[ver]);
    }
    if (got < 0)
        rc = S4S_ERR_FORMAT;
    if (rc == S4S_OK && version[0]) {
        char sql[128];
        snprintf(sql, sizeof sql, "UPDATE systems SET version = '%s' WHERE id = %lld", version, sys);
        /* version comes from VersionLastChanged: digits and dots only */
        if (strspn(version, "0123456789.") == strlen(version))
            rc = s4s_tb_exec(b, sql, err);
    }
    if (rc == S4S_OK && mapto)
        rc = read_mapto(b, sys, mapto, err);
close:
    s4s_rd_close(&r);
done:
    free(csv);
    free(mapto);
    return rc;
}
