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

#include "../filter/base/alloc.h"
#include "term_build.h"

static const char licence[] =
    "SNOMED CT (c) SNOMED International; licensed content: use requires an Affiliate Licence, "
    "do not redistribute this cache";

#define FSN      "900000000000003001"
#define SYNONYM  "900000000000013009"
#define REPLACED "900000000000526001"
#define SAME_AS  "900000000000527005"

/* Where one RF2 file's rows go, and the header's column indexes. */
typedef struct rf2 {
    s4s_tb   *b;
    long long sys;
    int       c[4];
} rf2;

/* `active` in column col: 0 or 1, else an error naming that column. */
static s4s_rc active_of(s4s_rd *r, int col, bool *on)
{
    const char *s = r->f[col];
    if ((s[0] != '0' && s[0] != '1') || s[1])
        return s4s_rd_fail(r, (size_t)col, "active must be 0 or 1, not '%s'", s);
    *on = s[0] == '1';
    return S4S_OK;
}

static s4s_rc concept_row(s4s_rd *r, void *ctx)
{
    const rf2 *x = ctx;
    const char *id = r->f[x->c[0]];
    if (!s4s_snomed_valid(id))
        return s4s_rd_fail(r, (size_t)x->c[0], "'%s' is not a SNOMED CT concept id (check digit or partition)", id);
    bool on = false;
    s4s_rc rc = active_of(r, x->c[1], &on);
    if (rc != S4S_OK)
        return rc;
    rc = s4s_tb_concept(x->b, x->sys, id, on ? "active" : "inactive", NULL, NULL, NULL, NULL);
    if (rc == S4S_ERR_INVALID)
        return s4s_rd_fail(r, (size_t)x->c[0], "concept '%s' listed twice in a snapshot", id);
    return s4s_rd_db(r, rc);
}

static s4s_rc description_row(s4s_rd *r, void *ctx)
{
    const rf2 *x = ctx;
    const char *cid = r->f[x->c[1]], *type = r->f[x->c[2]], *term = r->f[x->c[3]];
    bool on = false;
    s4s_rc rc = active_of(r, x->c[0], &on);
    if (rc != S4S_OK || !on || !*term)
        return rc;
    if (!strcmp(type, FSN))
        rc = s4s_tb_display(x->b, x->sys, cid, term);
    else if (!strcmp(type, SYNONYM))
        rc = s4s_tb_designation(x->b, x->sys, cid, term);
    return s4s_rd_db(r, rc);
}

static s4s_rc association_row(s4s_rd *r, void *ctx)
{
    const rf2 *x = ctx;
    const char *set = r->f[x->c[1]], *from = r->f[x->c[2]], *to = r->f[x->c[3]];
    bool on = false;
    s4s_rc rc = active_of(r, x->c[0], &on);
    if (rc != S4S_OK || !on || (strcmp(set, REPLACED) && strcmp(set, SAME_AS)))
        return rc;
    if (!s4s_snomed_valid(to))
        return s4s_rd_fail(r, (size_t)x->c[3], "target '%s' is not a SNOMED CT concept id", to);
    bool found;
    return s4s_rd_db(r, s4s_tb_replacement(x->b, x->sys, from, to, &found));
}

/* One kind of RF2 file: the columns its header must name and its rows' reader. */
typedef struct rf2_file {
    const char *cols[4];
    size_t      n;
    s4s_rd_row  row;
} rf2_file;

static const rf2_file concepts = {{"id", "active"}, 2, concept_row};
static const rf2_file descriptions = {{"active", "conceptId", "typeId", "term"}, 4, description_row};
static const rf2_file associations = {
    {"active", "refsetId", "referencedComponentId", "targetComponentId"}, 4, association_row};

/* Read one RF2 file of kind f; every row must have the header's field count. */
static s4s_rc read_rf2(s4s_tb *b, long long sys, const char *path, const rf2_file *f, char *err)
{
    rf2 x = {.b = b, .sys = sys};
    s4s_rd r;
    s4s_rc rc = s4s_rd_open(&r, path, '\t', false, err);
    if (rc != S4S_OK)
        return rc;
    rc = s4s_rd_header(&r, f->cols, x.c, f->n, 0, "empty file: no RF2 header");
    for (size_t k = 0; rc == S4S_OK && k < f->n; k++)
        if (x.c[k] < 0)
            rc = s4s_rd_fail(&r, 0, "RF2 header lacks column '%s'", f->cols[k]);
    if (rc == S4S_OK)
        rc = s4s_rd_each(&r, r.nf, f->row, &x);
    s4s_rd_close(&r);
    return rc;
}

/* Locate the Terminology/ and Refset/Content/ folders from what was given. */
static void locate(const char *path, char **term, char **refset)
{
    /* *term and *refset are the caller's held variables: assigned at once */
    *term = s4s_path_join(path, "Terminology");
    if (s4s_is_dir(*term)) {
        *refset = s4s_path_join(path, "Refset/Content");
        return;
    }
    free(*term);
    *term = NULL;
    *term = s4s_path_join(path, "Snapshot/Terminology");
    if (s4s_is_dir(*term)) {
        *refset = s4s_path_join(path, "Snapshot/Refset/Content");
        return;
    }
    free(*term);
    *term = NULL;
    *term = s4s_xstrdup(path);
    *refset = s4s_path_dir(path);
    char *up = *refset; /* the parent, still in *refset if the join fails */
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
    char *term = NULL, *refset = NULL, *conc = NULL, *desc = NULL, *assoc = NULL;
    s4s_oom_hold h[5]; /* freed by the unwinding if an allocation fails */
    char **held[5] = {&term, &refset, &conc, &desc, &assoc};
    for (int i = 0; i < 5; i++)
        s4s_oom_push(&h[i], held[i], s4s_free_at);
    locate(path, &term, &refset);
    conc = s4s_find_file(term, "sct2_Concept_Snapshot");
    desc = s4s_find_file(term, "sct2_Description_Snapshot");
    assoc = s4s_find_file(refset, "der2_cRefset_Association");
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
    if ((rc = s4s_tb_system(b, s4s_sys_uri(S4S_SYS_SNOMED), version[0] ? version : NULL, conc, licence, true, &sys,
                            err)) == S4S_OK &&
        (rc = read_rf2(b, sys, conc, &concepts, err)) == S4S_OK && desc)
        rc = read_rf2(b, sys, desc, &descriptions, err);
    if (rc == S4S_OK && assoc)
        rc = read_rf2(b, sys, assoc, &associations, err);
out:
    for (int i = 4; i >= 0; i--)
        s4s_oom_pop(&h[i]);
    free(term);
    free(refset);
    free(conc);
    free(desc);
    free(assoc);
    return rc;
}
