/*
 * term.h - the terminology cache: one look-up interface over SQLite.
 *
 * FHIR-agnostic: knows code systems, not resources.  Behind s4s_term_lookup()
 * are a read-only SQLite connection (immutable, mmap, prepared statements)
 * and an in-process hash of codes already answered.  The embedded default
 * cache (built at `make`) has the same schema; the final binaries register
 * its bytes with s4s_term_set_embedded() before opening with path == NULL.
 *
 * Ownership: s4s_term_close() frees the handle.  Strings in an
 * s4s_term_result stay valid until s4s_term_close() (they are interned).
 */
#ifndef S4S_TERM_H
#define S4S_TERM_H
#include <stdbool.h>
#include <stddef.h>
#include "../filter/base/rc.h"
#include "systems.h"

typedef struct s4s_term s4s_term;

typedef enum s4s_term_status {
    S4S_TS_NOT_FOUND = 0,   /* system loaded, code unknown */
    S4S_TS_ACTIVE,
    S4S_TS_DEPRECATED,
    S4S_TS_RETIRED,
    S4S_TS_INACTIVE,        /* a valid historical code (CVX Inactive, SNOMED inactive) */
    S4S_TS_NOT_LOADED,      /* no table for this system or code space: never "unknown" */
    S4S_TS_TRIAL,           /* LOINC TRIAL */
    S4S_TS_DISCOURAGED      /* LOINC DISCOURAGED */
} s4s_term_status;

typedef struct s4s_term_result {
    s4s_term_status status;
    const char *display;      /* preferred name, may be NULL */
    const char *replaced_by;  /* single replacement code, may be NULL */
    const char *unit;         /* LOINC: example UCUM unit, may be NULL */
    const char *property;     /* LOINC: property (MCnc, SCnc...), may be NULL */
} s4s_term_result;

/* Register the embedded default database image (SQLite file bytes). */
void   s4s_term_set_embedded(const unsigned char *db, size_t len);
/* path == NULL opens the embedded default. */
s4s_rc s4s_term_open(const char *path, s4s_term **out);
void   s4s_term_close(s4s_term *t);
s4s_rc s4s_term_lookup(s4s_term *t, const char *system_uri, const char *code,
                       s4s_term_result *res);
const char *s4s_term_status_str(s4s_term_status s); /* "active", ..., NULL for not found */

/* Genes (HGNC).  With the real HGNC release loaded, ids are "HGNC:n"; with
 * only the Entrez symbol list (the embedded default), hgnc_id is NULL and
 * only the symbol is known.  `query` is "HGNC:n", a current symbol, a
 * previous symbol or an alias (case-sensitive as HGNC is). */
typedef enum s4s_gene_match {
    S4S_GENE_NONE = 0, S4S_GENE_CURRENT, S4S_GENE_PREVIOUS, S4S_GENE_ALIAS,
    S4S_GENE_AMBIGUOUS,      /* previous/alias of more than one current gene */
    S4S_GENE_NOT_LOADED
} s4s_gene_match;
typedef struct s4s_gene_result {
    s4s_gene_match match;
    const char *hgnc_id;     /* "HGNC:1097" or NULL */
    const char *symbol;      /* current approved symbol, NULL unless unique */
} s4s_gene_result;
s4s_rc s4s_term_gene(s4s_term *t, const char *query, s4s_gene_result *res);
/* Gene symbol of a RefSeq accession ("NM_004333", version ignored), or NULL. */
const char *s4s_term_refseq_gene(s4s_term *t, const char *accession);

/* Canonical URI for a system URI, alias, OID or name ("urn:oid:2.16.840.1.113883.6.1",
 * "LOINC", "loinc" -> "http://loinc.org"): s4s_system_resolve() without the
 * how.  NULL if not a known system.  Returns a static string. */
const char *s4s_system_canonical(const char *uri_or_alias);

/* Syntax checks before look-up (checkdigit.c). */
bool s4s_loinc_valid(const char *code);   /* NNNNN-C with mod-10 check digit */
bool s4s_snomed_valid(const char *code);  /* 6-18 digits, Verhoeff, partition 00/10 */

/* --- added by the terminology helper (issue #5) ------------------------- */

bool s4s_rxcui_valid(const char *code);   /* 1-9 digits, no leading zero */
bool s4s_cvx_valid(const char *code);     /* 1-3 digits */
bool s4s_ndc_valid(const char *code);     /* 4-4-2, 5-3-2, 5-4-1, 5-4-2 or 10/11 digits */
bool s4s_hgnc_id_valid(const char *code); /* HGNC:n */
bool s4s_loinc_code_valid(const char *code); /* a term code, or LA/LP/LG/LL-NNNN-C */
bool s4s_icd10cm_valid(const char *code);  /* A00-Z99[.XXXX], no trailing X placeholder */
bool s4s_icd10pcs_valid(const char *code); /* 7 of 0-9, A-Z without I and O */
bool s4s_icd9cm_valid(const char *code);
bool s4s_cpt_valid(const char *code);      /* NNNNN or NNNN[FTU] */
bool s4s_hcpcs_valid(const char *code);    /* [A-V]NNNN */
/* ICD-10-CM written without its dot ("E119" -> "E11.9" into out); false if
 * code is not such a code or out is too small. */
bool s4s_icd10cm_dotted(const char *code, char *out, size_t cap);

/* Does `display` match the preferred name or any designation of the code?
 * Comparison uses ICU NFC and full case folding.  *known is false when the
 * cache holds no display for the code (then *match is false too). */
s4s_rc s4s_term_display_match(s4s_term *t, const char *system_uri, const char *code,
                              const char *display, bool *known, bool *match);

/* One row of the systems table, for `s4s-term info`. */
typedef struct s4s_term_sysinfo {
    const char *uri, *aliases, *version, *source, *loaded, *licence;
    const char *not_covered; /* code prefixes the table does not cover ("LA LP"), or NULL */
    long long   concepts, genes, refseq;
    bool        complete;   /* false: a sample; misses count as "not loaded" */
} s4s_term_sysinfo;
/* Call fn for every loaded system, in URI order; strings valid during fn. */
s4s_rc s4s_term_systems(s4s_term *t, void (*fn)(const s4s_term_sysinfo *, void *), void *ctx);
/* The loaded table of a system (URI, alias or name), for stats and
 * coverage; false (and zeroes) when the system is not loaded.  Strings live
 * until s4s_term_close(). */
typedef struct s4s_term_table_info {
    const char *version, *not_covered;
    bool        complete;
} s4s_term_table_info;
bool s4s_term_table(s4s_term *t, const char *system_uri, s4s_term_table_info *out);
/* A table's content in words, as stats, coverage and the HTML page write it:
 * "complete", "partial", or "complete except codes starting LA LP ...";
 * returns a literal or buf (cap bytes, truncated to fit). */
const char *s4s_term_completeness(bool complete, const char *not_covered, char *buf, size_t cap);
/* "embedded" or the path given to s4s_term_open. */
const char *s4s_term_source(const s4s_term *t);

#endif
