/*
 * term_build.h - private to terminology/: the cache builder and the source
 * readers the importers share.  Owned by the terminology cache (issue #5).
 *
 * A build writes OUT.tmp-PID next to OUT and renames it over OUT only after
 * every importer succeeded, so a failed build leaves the old cache untouched.
 * Every error message names file, line and column ("path:line:col: what").
 * Ownership: s4s_tb_commit()/s4s_tb_abort() free the builder; a reader owns
 * its buffers until s4s_rd_close(); a record's fields r->f[] are valid only
 * until the next s4s_rd_next() (for an s4s_rd_each() row: until it returns).
 */
#ifndef S4S_TERM_BUILD_H
#define S4S_TERM_BUILD_H
#include <stdbool.h>
#include <stddef.h>
#include <zlib.h>

#include "../filter/base/alloc.h"
#include "../filter/base/buf.h"
#include "term.h"

#define S4S_ERRMSG 512

/* --- builder (import_db.c) ---------------------------------------------------- */
typedef struct s4s_tb s4s_tb;

s4s_rc s4s_tb_open(const char *out_path, s4s_tb **out, char *err);
s4s_rc s4s_tb_commit(s4s_tb *b, char *err);   /* indexes, rename; frees b */
void   s4s_tb_abort(s4s_tb *b);               /* removes the temp file; frees b */

/* Add a system row; fails if the URI is already loaded. */
s4s_rc s4s_tb_system(s4s_tb *b, const char *uri, const char *version, const char *source,
                     const char *licence, bool complete, long long *id, char *err);
/* Code prefixes the system's table does not cover ("LA LP"): codes with
 * them are "not loaded", never "not found". */
s4s_rc s4s_tb_not_covered(s4s_tb *b, long long sys, const char *prefixes);
s4s_rc s4s_tb_concept(s4s_tb *b, long long sys, const char *code, const char *status,
                      const char *display, const char *replaced_by, const char *unit,
                      const char *property);
/* Append a replacement (space-separated) to an existing concept; false if absent. */
s4s_rc s4s_tb_replacement(s4s_tb *b, long long sys, const char *code, const char *to, bool *found);
s4s_rc s4s_tb_display(s4s_tb *b, long long sys, const char *code, const char *display);
s4s_rc s4s_tb_designation(s4s_tb *b, long long sys, const char *code, const char *term);
s4s_rc s4s_tb_gene(s4s_tb *b, const char *name, int kind, const char *symbol, const char *hgnc_id);
s4s_rc s4s_tb_refseq(s4s_tb *b, const char *accession, const char *symbol);
bool   s4s_tb_has_concept(s4s_tb *b, long long sys, const char *code);
/* Run SQL (importers' staging tables); NULL-safe error text into err. */
s4s_rc s4s_tb_exec(s4s_tb *b, const char *sql, char *err);
struct sqlite3;
struct sqlite3 *s4s_tb_db(s4s_tb *b);

/* --- source reader (import_read.c) --------------------------------------- */
typedef struct s4s_rd {
    gzFile      gz;
    const char *path;
    unsigned long line;        /* line of the record's first physical line */
    unsigned long next_line;
    char        delim;
    bool        quotes;        /* "..." fields with "" escapes, may span lines */
    s4s_buf     rec;           /* the raw record */
    s4s_buf     val;           /* unescaped fields, NUL-separated */
    size_t     *off, *col;     /* per field: offset into val, 1-based column */
    char      **f;             /* per field: pointer into val (valid after next) */
    size_t      nf, capf;
    char       *err;
    s4s_oom_hold hold;         /* closes it if an allocation fails while open */
} s4s_rd;

/* Open path (plain or gzip).  err receives the message on failure.  Once
 * open, r is held (alloc.h) until s4s_rd_close(): close readers in reverse
 * order of opening, after popping holds pushed since. */
s4s_rc s4s_rd_open(s4s_rd *r, const char *path, char delim, bool quotes, char *err);
/* Next non-empty record: 1 = a record, 0 = end, -1 = error (message in err). */
int    s4s_rd_next(s4s_rd *r);
void   s4s_rd_close(s4s_rd *r);
/* Set err to "path:line:col: message" for field i (col 1 if i is out of range). */
s4s_rc s4s_rd_fail(s4s_rd *r, size_t field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Index of the header field named `name` (exact), or -1. */
int    s4s_rd_find(const s4s_rd *r, const char *name);
/* Read the header record and look names[0..n) up in it (idx[k] = -1 where
 * absent).  The first nreq names are required: an empty file or a missing
 * one fails with the message `lacks` at column 1. */
s4s_rc s4s_rd_header(s4s_rd *r, const char *const *names, int *idx, size_t n, size_t nreq, const char *lacks);
/* S4S_OK if the record has want fields, else "expected N fields, found M"
 * at the first missing or extra field. */
s4s_rc s4s_rd_shape(s4s_rd *r, size_t want);
/* Pass a builder result through; a failure also sets err to
 * "path:line:1: database error" for the current record. */
s4s_rc s4s_rd_db(s4s_rd *r, s4s_rc rc);
/* One record of s4s_rd_each(); anything but S4S_OK stops the walk. */
typedef s4s_rc (*s4s_rd_row)(s4s_rd *r, void *ctx);
/* Call row() on every remaining record and return its first failure;
 * S4S_ERR_FORMAT on a read error.  want > 0: each record must pass
 * s4s_rd_shape(r, want) first. */
s4s_rc s4s_rd_each(s4s_rd *r, size_t want, s4s_rd_row row, void *ctx);

/* --- importers (import_*.c) ------------------------------------------------ */
s4s_rc s4s_import_loinc(s4s_tb *b, const char *path, char *err);
s4s_rc s4s_import_rxnorm(s4s_tb *b, const char *path, char *err);
s4s_rc s4s_import_snomed(s4s_tb *b, const char *path, char *err);
s4s_rc s4s_import_hgnc(s4s_tb *b, const char *path, char *err);
s4s_rc s4s_import_cvx(s4s_tb *b, const char *path, char *err);
/* uri == NULL: the file has a `system` column (many systems in one file). */
s4s_rc s4s_import_tsv(s4s_tb *b, const char *uri, const char *path, char *err);
s4s_rc s4s_import_genes(s4s_tb *b, const char *path, char *err);
s4s_rc s4s_import_refseq(s4s_tb *b, const char *path, char *err);

/* Small path helpers shared by the importers (import_read.c). */
bool  s4s_is_dir(const char *path);
bool  s4s_is_file(const char *path);
/* First file in dir whose name starts with prefix (sorted), or NULL; caller frees. */
char *s4s_find_file(const char *dir, const char *prefix);
/* The first of dir/names[0], dir/names[1], ... (NULL-terminated) that is a
 * regular file, or NULL; caller frees. */
char *s4s_first_file(const char *dir, const char *const *names);
/* A release's main file: path itself unless it is a directory, else
 * s4s_first_file(path, names); none: "path: no <missing>", S4S_ERR_IO.
 * On success the caller frees *out. */
s4s_rc s4s_source_file(const char *path, const char *const *names, const char *missing, char **out, char *err);
char *s4s_path_join(const char *a, const char *b);   /* caller frees */
char *s4s_path_dir(const char *path);                /* caller frees */

#endif
