/*
 * systems.h - the code-system table: one row per code system the tool knows
 * by more than its URI (systems.c), backed by every THO NamingSystem alias
 * (tables/systems_tho.c, generated).
 *
 * A row says everything about a system: canonical URI (THO's preferred
 * one), the name messages use, free-text names seen in exports, aliases THO
 * does not list, the syntax check and its pattern in words, the release
 * importer with its `s4s-term build` flag, and what the embedded default
 * cache holds for it.  Nothing else in the code base spells a system URI:
 * callers name rows by s4s_sys_id.  Adding a system is one row (plus one
 * check function if its syntax is new).
 *
 * Ownership: everything returned is static and read-only.
 */
#ifndef S4S_SYSTEMS_H
#define S4S_SYSTEMS_H
#include <stdbool.h>
#include <stddef.h>
#include "../filter/base/rc.h"

struct s4s_tb;

/* Rows other code names directly; their order is the table's. */
typedef enum s4s_sys_id {
    S4S_SYS_LOINC, S4S_SYS_SNOMED, S4S_SYS_RXNORM, S4S_SYS_CVX, S4S_SYS_NDC, S4S_SYS_HGNC,
    S4S_SYS_ICD9CM, S4S_SYS_ICD10CM, S4S_SYS_ICD10, S4S_SYS_ICD10PCS, S4S_SYS_CPT, S4S_SYS_HCPCS,
    S4S_SYS_CDT, S4S_SYS_UCUM, S4S_SYS_NDFRT, S4S_SYS_OBSCAT, S4S_SYS_V2_0074, S4S_SYS_HGVS,
    S4S_SYS_SO, S4S_SYS_REFSEQ, S4S_SYS_CLINVAR,
    S4S_SYS_COUNT
} s4s_sys_id;

/* What the embedded default cache holds for a system. */
typedef enum s4s_embedded { S4S_EMB_NONE, S4S_EMB_PARTIAL, S4S_EMB_COMPLETE } s4s_embedded;

typedef struct s4s_system {
    const char *uri;        /* canonical: THO's preferred URI */
    const char *key;        /* short name for the CLIs ("loinc") */
    const char *name;       /* as messages and usage say it ("LOINC") */
    const char *names;      /* free-text names, folded (lower-case letters and digits), '|'-separated */
    const char *aliases;    /* URIs/OIDs THO does not list (retired URIs seen in feeds), space-separated */
    bool      (*syntax)(const char *code);   /* NULL: any code */
    const char *pattern;    /* the syntax in words, for code-invalid messages */
    s4s_rc    (*import)(struct s4s_tb *b, const char *path, char *err);  /* release importer or NULL */
    const char *build_flag; /* its `s4s-term build` flag ("--loinc") */
    const char *build_arg;  /* what the flag takes ("PATH": file or release directory) */
    s4s_embedded embedded;
} s4s_system;

/* THO alias -> preferred URI (tables/systems_tho.c, sorted by alias). */
typedef struct s4s_sys_alias {
    const char *alias, *uri;
} s4s_sys_alias;
extern const s4s_sys_alias s4s_tho_aliases[];
extern const size_t s4s_tho_naliases;

const s4s_system *s4s_system_get(s4s_sys_id id);
/* The canonical URI of a row. */
const char *s4s_sys_uri(s4s_sys_id id);
/* i-th row (0-based), NULL past the end: for usage texts and listings. */
const s4s_system *s4s_system_at(size_t i);
/* The row for a canonical URI, NULL if the system has none (THO-only). */
const s4s_system *s4s_system_row(const char *canonical);

/* How a system string was recognised. */
typedef enum s4s_sys_match {
    S4S_SM_NONE = 0,   /* unknown */
    S4S_SM_EXACT,      /* the canonical URI itself */
    S4S_SM_ALIAS,      /* an OID (urn:oid: or bare), an old URI, http/https or trailing-slash variant */
    S4S_SM_NAME        /* a free-text name ("RxNorm", "SNOMED CT") or a key */
} s4s_sys_match;
/* Canonical URI of a system string, or NULL; *how (may be NULL) says how it
 * matched.  Exact strings first, then THO aliases, then variants (bare OID,
 * https<->http, trailing '/'), then free-text names (case, spaces, '-' and
 * '_' ignored). */
const char *s4s_system_resolve(const char *s, s4s_sys_match *how);

#endif
