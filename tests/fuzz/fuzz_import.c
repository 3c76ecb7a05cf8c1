/*
 * fuzz_import.c - libFuzzer harness for the terminology importers and the
 * record reader they share (terminology/term_build.h): LOINC CSV, RxNorm
 * RRF, SNOMED CT RF2, the --tsv/--genes/--refseq TSV readers, CVX, HGNC.
 *
 * The importers take release paths, so the input is written to files in a
 * private temporary folder laid out as each release expects, and imported
 * into a fresh builder database there (aborted afterwards: nothing is
 * renamed).  Byte 0 picks the format (low bits) and whether the files are
 * gzipped (0x80); the rest is split at 0x1e bytes into up to three files
 * (Loinc.csv | MapTo.csv, RXNCONSO | RXNCUI, Concept | Description |
 * Association).  One more mode drives s4s_rd_next() directly with the
 * delimiter and quoting picked by byte 0.
 *
 * Invariants checked (abort() on violation):
 *  - a failed import says why, naming a file of the folder;
 *  - a successful import leaves a database that answers a query;
 *  - reader: fields are NUL-terminated inside the value buffer, their
 *    columns increase, and without quoting the fields joined by the
 *    delimiter give back the record.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "../../terminology/term_build.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { IMP_LOINC, IMP_RXNORM, IMP_SNOMED, IMP_TSV, IMP_TSV_MULTI, IMP_GENES, IMP_REFSEQ, IMP_CVX, IMP_HGNC,
       IMP_READER, IMP_N };

/* Files a format may write, relative to the folder; removed before each run. */
static const char *const imp_files[] = {
    "loinc/Loinc.csv", "loinc/MapTo.csv", "rx/RXNCONSO.RRF", "rx/RXNCUI.RRF",
    "sct/Terminology/sct2_Concept_Snapshot_INT_20200131.txt",
    "sct/Terminology/sct2_Description_Snapshot-en_INT_20200131.txt",
    "sct/Refset/Content/der2_cRefset_AssociationSnapshot_INT_20200131.txt",
    "codes.tsv", "cvx.txt", "hgnc.txt", "out.db", NULL};
static const char *const imp_dirs[] = {"loinc", "rx", "sct", "sct/Terminology", "sct/Refset",
                                       "sct/Refset/Content", NULL};

static char imp_root[64];

static void imp_cleanup(void)
{
    char p[256];
    for (const char *const *f = imp_files; *f; f++) {
        snprintf(p, sizeof p, "%s/%s", imp_root, *f);
        unlink(p);
    }
    for (int k = 5; k >= 0; k--) {
        snprintf(p, sizeof p, "%s/%s", imp_root, imp_dirs[k]);
        rmdir(p);
    }
    rmdir(imp_root);
}

static void imp_setup(void)
{
    const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    snprintf(imp_root, sizeof imp_root, "%s/s4s-fuzz-import.XXXXXX", base);
    if (!mkdtemp(imp_root))
        abort();
    char p[256];
    for (const char *const *d = imp_dirs; *d; d++) {
        snprintf(p, sizeof p, "%s/%s", imp_root, *d);
        mkdir(p, 0700);
    }
    atexit(imp_cleanup);
}

/* Write one file, plain or gzipped; returns its path (static buffer slot). */
static const char *imp_write(int slot, const char *rel, const uint8_t *p, size_t n, bool gz)
{
    static char paths[3][256];
    char *path = paths[slot];
    snprintf(path, sizeof paths[slot], "%s/%s", imp_root, rel);
    if (gz) {
        gzFile g = gzopen(path, "wb1");
        if (!g || (n && gzwrite(g, p, (unsigned)n) != (int)n) || gzclose(g) != Z_OK)
            abort();
    } else {
        FILE *f = fopen(path, "wb");
        if (!f || (n && fwrite(p, 1, n, f) != n) || fclose(f) != 0)
            abort();
    }
    return path;
}

static void imp_reader(const char *path, char delim, bool quotes)
{
    char err[S4S_ERRMSG];
    s4s_rd r;
    if (s4s_rd_open(&r, path, delim, quotes, err) != S4S_OK)
        abort();
    int got;
    while ((got = s4s_rd_next(&r)) > 0) {
        if (r.nf == 0)
            abort();
        size_t at = 0;
        for (size_t i = 0; i < r.nf; i++) {
            size_t len = strlen(r.f[i]);
            if (r.f[i] < r.val.p || r.f[i] + len >= r.val.p + r.val.len || (i && r.col[i] <= r.col[i - 1]) ||
                r.col[i] > r.rec.len + 1)
                abort();
            if (!quotes) { /* the record is the fields joined by delim */
                if (at + len > r.rec.len || memcmp(r.rec.p + at, r.f[i], len))
                    abort();
                at += len;
                if (i + 1 < r.nf && (at >= r.rec.len || r.rec.p[at++] != delim))
                    abort();
            }
        }
        if (!quotes && at != r.rec.len)
            abort();
    }
    if (got < 0 && (!err[0] || !strstr(err, imp_root)))
        abort();
    s4s_rd_close(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!imp_root[0])
        imp_setup();
    if (size < 1)
        return 0;
    uint8_t b0 = data[0];
    unsigned fmt = (b0 & 0x7f) % IMP_N;
    bool gz = b0 & 0x80;
    data++;
    size--;
    const uint8_t *part[3] = {data, NULL, NULL};
    size_t plen[3] = {size, 0, 0};
    int np = 1;
    for (size_t i = 0; i < size && np < 3; i++)
        if (data[i] == 0x1e) {
            plen[np - 1] = (size_t)(data + i - part[np - 1]);
            part[np] = data + i + 1;
            plen[np] = (size_t)(data + size - part[np]);
            np++;
        }
    char p[256];
    for (const char *const *f = imp_files; *f; f++) {
        snprintf(p, sizeof p, "%s/%s", imp_root, *f);
        unlink(p);
    }

    if (fmt == IMP_READER) {
        static const char delims[] = {',', '\t', '|', ';'};
        const char *path = imp_write(0, "codes.tsv", data, size, gz);
        imp_reader(path, delims[b0 >> 1 & 3], b0 & 1);
        return 0;
    }

    static const char *const names[IMP_N][3] = {
        [IMP_LOINC] = {"loinc/Loinc.csv", "loinc/MapTo.csv"},
        [IMP_RXNORM] = {"rx/RXNCONSO.RRF", "rx/RXNCUI.RRF"},
        [IMP_SNOMED] = {"sct/Terminology/sct2_Concept_Snapshot_INT_20200131.txt",
                        "sct/Terminology/sct2_Description_Snapshot-en_INT_20200131.txt",
                        "sct/Refset/Content/der2_cRefset_AssociationSnapshot_INT_20200131.txt"},
        [IMP_TSV] = {"codes.tsv"}, [IMP_TSV_MULTI] = {"codes.tsv"}, [IMP_GENES] = {"codes.tsv"},
        [IMP_REFSEQ] = {"codes.tsv"}, [IMP_CVX] = {"cvx.txt"}, [IMP_HGNC] = {"hgnc.txt"}};
    const char *path = NULL;
    for (int k = 0; k < 3 && names[fmt][k]; k++) {
        if (k >= np)
            break;
        const char *w = imp_write(k, names[fmt][k], part[k], plen[k], gz);
        if (k == 0)
            path = w;
    }
    if (!path)
        return 0;

    char err[S4S_ERRMSG] = "", db[256];
    snprintf(db, sizeof db, "%s/out.db", imp_root);
    s4s_tb *b;
    if (s4s_tb_open(db, &b, err) != S4S_OK)
        abort();
    snprintf(p, sizeof p, "%s/%s", imp_root, fmt == IMP_LOINC ? "loinc" : fmt == IMP_RXNORM ? "rx" : "sct");
    s4s_rc rc;
    switch (fmt) {
    case IMP_LOINC: rc = s4s_import_loinc(b, p, err); break;
    case IMP_RXNORM: rc = s4s_import_rxnorm(b, p, err); break;
    case IMP_SNOMED: rc = s4s_import_snomed(b, p, err); break;
    case IMP_TSV: rc = s4s_import_tsv(b, "http://example.org/fuzz", path, err); break;
    case IMP_TSV_MULTI: rc = s4s_import_tsv(b, NULL, path, err); break;
    case IMP_GENES: rc = s4s_import_genes(b, path, err); break;
    case IMP_REFSEQ: rc = s4s_import_refseq(b, path, err); break;
    case IMP_CVX: rc = s4s_import_cvx(b, path, err); break;
    default: rc = s4s_import_hgnc(b, path, err); break;
    }
    if (rc != S4S_OK && (!memchr(err, '\0', sizeof err) || !strstr(err, imp_root)))
        abort();
    if (rc == S4S_OK) {
        sqlite3_stmt *q;
        if (sqlite3_prepare_v2(s4s_tb_db(b), "SELECT count(*) FROM concepts", -1, &q, NULL) != SQLITE_OK ||
            sqlite3_step(q) != SQLITE_ROW)
            abort();
        sqlite3_finalize(q);
    }
    s4s_tb_abort(b);
    return 0;
}
