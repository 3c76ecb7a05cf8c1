/*
 * import_snomed.c - SNOMED CT RF2 Snapshot: concepts, descriptions and the
 * historical association refset.
 *
 * Accepts a Snapshot/ directory, its Terminology/ folder, or the RF2Release
 * root holding Snapshot/.  Reads sct2_Concept_Snapshot*,
 * sct2_Description_Snapshot* (active FSN -> display, active synonyms ->
 * designations) and der2_cRefset_Association*Snapshot* from Refset/Content
 * (active REPLACED BY / SAME AS rows -> replacements of inactive concepts).
 * RF2: tab-separated, no quoting, CRLF, a header row.
 * Invariants: concept ids pass the Verhoeff and partition checks; `active`
 * is 0 or 1; a wrong header or field count is an error with file, line, col.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../filter/alloc.h"
#include "term_build.h"

static const char licence[] =
    "SNOMED CT (c) SNOMED International; licensed content: use requires an Affiliate Licence, "
    "do not redistribute this cache";

#define FSN      "900000000000003001"
#define SYNONYM  "900000000000013009"
#define REPLACED "900000000000526001"
#define SAME_AS  "900000000000527005"

/* Check the header names and return their indexes. */
static s4s_rc expect_header(s4s_rd *r, const char *const *names, int *idx, size_t n)
{
    int got = s4s_rd_next(r);
    if (got < 0)
        return S4S_ERR_FORMAT;
    if (got == 0)
        return s4s_rd_fail(r, 0, "empty file: no RF2 header");
    for (size_t k = 0; k < n; k++)
        if ((idx[k] = s4s_rd_find(r, names[k])) < 0)
            return s4s_rd_fail(r, 0, "RF2 header lacks column '%s'", names[k]);
    return S4S_OK;
}

static s4s_rc row_shape(s4s_rd *r, size_t want)
{
    if (r->nf != want)
        return s4s_rd_fail(r, r->nf < want ? r->nf - 1 : want, "expected %zu fields, found %zu", want, r->nf);
    return S4S_OK;
}

static bool flag(const char *s)
{
    return (s[0] == '0' || s[0] == '1') && !s[1];
}

static s4s_rc read_concepts(s4s_tb *b, long long sys, const char *path, char *err)
{
    static const char *const cols[] = {"id", "active"};
    int c[2];
    s4s_rd r;
    s4s_rc rc = s4s_rd_open(&r, path, '\t', false, err);
    if (rc != S4S_OK)
        return rc;
    if ((rc = expect_header(&r, cols, c, 2)) != S4S_OK)
        goto out;
    size_t want = r.nf;
    int got;
    while ((got = s4s_rd_next(&r)) > 0) {
        if ((rc = row_shape(&r, want)) != S4S_OK)
            break;
        const char *id = r.f[c[0]], *act = r.f[c[1]];
        if (!s4s_snomed_valid(id)) {
            rc = s4s_rd_fail(&r, (size_t)c[0], "'%s' is not a SNOMED CT concept id (check digit or partition)", id);
            break;
        }
        if (!flag(act)) {
            rc = s4s_rd_fail(&r, (size_t)c[1], "active must be 0 or 1, not '%s'", act);
            break;
        }
        rc = s4s_tb_concept(b, sys, id, act[0] == '1' ? "active" : "inactive", NULL, NULL, NULL, NULL);
        if (rc == S4S_ERR_INVALID) {
            rc = s4s_rd_fail(&r, (size_t)c[0], "concept '%s' listed twice in a snapshot", id);
            break;
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

static s4s_rc read_descriptions(s4s_tb *b, long long sys, const char *path, char *err)
{
    static const char *const cols[] = {"active", "conceptId", "typeId", "term"};
    int c[4];
    s4s_rd r;
    s4s_rc rc = s4s_rd_open(&r, path, '\t', false, err);
    if (rc != S4S_OK)
        return rc;
    if ((rc = expect_header(&r, cols, c, 4)) != S4S_OK)
        goto out;
    size_t want = r.nf;
    int got;
    while ((got = s4s_rd_next(&r)) > 0) {
        if ((rc = row_shape(&r, want)) != S4S_OK)
            break;
        const char *act = r.f[c[0]], *cid = r.f[c[1]], *type = r.f[c[2]], *term = r.f[c[3]];
        if (!flag(act)) {
            rc = s4s_rd_fail(&r, (size_t)c[0], "active must be 0 or 1, not '%s'", act);
            break;
        }
        if (act[0] != '1' || !*term)
            continue;
        if (!strcmp(type, FSN))
            rc = s4s_tb_display(b, sys, cid, term);
        else if (!strcmp(type, SYNONYM))
            rc = s4s_tb_designation(b, sys, cid, term);
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

static s4s_rc read_associations(s4s_tb *b, long long sys, const char *path, char *err)
{
    static const char *const cols[] = {"active", "refsetId", "referencedComponentId", "targetComponentId"};
    int c[4];
    s4s_rd r;
    s4s_rc rc = s4s_rd_open(&r, path, '\t', false, err);
    if (rc != S4S_OK)
        return rc;
    if ((rc = expect_header(&r, cols, c, 4)) != S4S_OK)
        goto out;
    size_t want = r.nf;
    int got;
    while ((got = s4s_rd_next(&r)) > 0) {
        if ((rc = row_shape(&r, want)) != S4S_OK)
            break;
        const char *act = r.f[c[0]], *set = r.f[c[1]], *from = r.f[c[2]], *to = r.f[c[3]];
        if (!flag(act)) {
            rc = s4s_rd_fail(&r, (size_t)c[0], "active must be 0 or 1, not '%s'", act);
            break;
        }
        if (act[0] != '1' || (strcmp(set, REPLACED) && strcmp(set, SAME_AS)))
            continue;
        if (!s4s_snomed_valid(to)) {
            rc = s4s_rd_fail(&r, (size_t)c[3], "target '%s' is not a SNOMED CT concept id", to);
            break;
        }
        bool found;
        if ((rc = s4s_tb_replacement(b, sys, from, to, &found)) != S4S_OK) {
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

/* Locate the Terminology/ and Refset/Content/ folders from what was given. */
static void locate(const char *path, char **term, char **refset)
{
    char *t = s4s_path_join(path, "Terminology");
    if (s4s_is_dir(t)) {
        *term = t;
        *refset = s4s_path_join(path, "Refset/Content");
        return;
    }
    free(t);
    t = s4s_path_join(path, "Snapshot/Terminology");
    if (s4s_is_dir(t)) {
        *term = t;
        *refset = s4s_path_join(path, "Snapshot/Refset/Content");
        return;
    }
    free(t);
    *term = s4s_xstrdup(path);
    char *up = s4s_path_dir(path);
    *refset = s4s_path_join(up, "Refset/Content");
    free(up);
}

/* Release date from a file name like sct2_Concept_Snapshot_INT_20140131.txt */
static void version_of(const char *file, char *out, size_t n)
{
    const char *u = strrchr(file, '_'), *dot = strrchr(file, '.');
    out[0] = '\0';
    if (u && dot && dot > u + 1 && (size_t)(dot - u - 1) < n) {
        memcpy(out, u + 1, (size_t)(dot - u - 1));
        out[dot - u - 1] = '\0';
    }
}

s4s_rc s4s_import_snomed(s4s_tb *b, const char *path, char *err)
{
    if (!s4s_is_dir(path)) {
        snprintf(err, S4S_ERRMSG, "%s: not a directory (give the RF2 Snapshot/ folder)", path);
        return S4S_ERR_IO;
    }
    char *term, *refset;
    locate(path, &term, &refset);
    char *conc = s4s_find_file(term, "sct2_Concept_Snapshot");
    char *desc = s4s_find_file(term, "sct2_Description_Snapshot");
    char *assoc = s4s_find_file(refset, "der2_cRefset_Association");
    s4s_rc rc = S4S_OK;
    if (!conc) {
        snprintf(err, S4S_ERRMSG, "%s: no sct2_Concept_Snapshot* file", term);
        rc = S4S_ERR_IO;
        goto out;
    }
    if (assoc && !strstr(assoc, "Snapshot")) {
        free(assoc);
        assoc = NULL;
    }
    char version[32];
    version_of(conc, version, sizeof version);
    long long sys;
    if ((rc = s4s_tb_system(b, "http://snomed.info/sct", version[0] ? version : NULL, conc, licence, true, &sys,
                            err)) == S4S_OK &&
        (rc = read_concepts(b, sys, conc, err)) == S4S_OK && desc)
        rc = read_descriptions(b, sys, desc, err);
    if (rc == S4S_OK && assoc)
        rc = read_associations(b, sys, assoc, err);
out:
    free(term);
    free(refset);
    free(conc);
    free(desc);
    free(assoc);
    return rc;
}
