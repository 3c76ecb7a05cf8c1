/*
 * opts.h - the run's options, shared by every layer that reads them.
 *
 * Lives in base/ so that rules and terminology can read the options without
 * depending on the stream layer (filter/) that parses them.
 * Ownership: plain values; strings are borrowed from the caller (argv), which
 * must keep them alive for the life of the pipe.
 */
#ifndef S4S_OPTS_H
#define S4S_OPTS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define S4S_VERSION "0.1.0"
/* Base of the extension URLs this tool writes (report, original values). */
#define S4S_EXT_BASE "http://s4s-normalize.org/fhir/StructureDefinition/"

typedef enum s4s_on_invalid {
    S4S_INVALID_KEEP,   /* write it with safe repairs, report it */
    S4S_INVALID_REJECT, /* quarantine it */
    S4S_INVALID_FAIL    /* stop at the first error */
} s4s_on_invalid;

typedef enum s4s_invariants {
    S4S_INVARIANTS_ERROR, /* default: error-severity invariants only */
    S4S_INVARIANTS_ALL,   /* warnings (and best-practice ones) too */
    S4S_INVARIANTS_OFF    /* --no-invariants */
} s4s_invariants;

#define S4S_MAX_PACKAGES 16          /* --package is repeatable up to this */

typedef enum s4s_profile_mode {
    S4S_PROFILE_NONE,    /* default: only profiles named in meta.profile */
    S4S_PROFILE_US_CORE  /* --profile=us-core: the US Core profile per type */
} s4s_profile_mode;

/* What the --report stream carries; stats count everything at any level. */
typedef enum s4s_report_level {
    S4S_LEVEL_ERROR,   /* errors (and fatal ones) */
    S4S_LEVEL_WARNING, /* and warnings */
    S4S_LEVEL_INFO,    /* default: and information and repairs, except routine
                          reference rewrites (one counted summary per resource) */
    S4S_LEVEL_ALL      /* and each routine rewrite on its own, with its path */
} s4s_report_level;

typedef struct s4s_opts {
    s4s_on_invalid on_invalid;
    bool        validate;            /* false: --no-validate, pure passthrough */
    bool        nfc;                 /* --nfc */
    const char *input_encoding;      /* --input-encoding, NULL for UTF-8 */
    unsigned    max_depth;           /* --max-depth */
    size_t      max_resource_bytes;  /* --max-resource-bytes */
    size_t      max_refs;            /* urn:uuid map capacity per Bundle */
    size_t      max_bundle_refs;     /* unresolved references held until a Bundle ends */
    unsigned    threads;             /* --threads: threads of s4s_pipe_feed_fd that parse (1) and
                                        check (N-1; 1 = the parser checks too); 0 = the online
                                        CPUs (at most 64); outputs are the same for any */
    /* terminology (rules/codes.c) */
    const char *terminology;         /* --terminology FILE.db, NULL: embedded */
    bool        no_terminology;      /* --no-terminology */
    bool        strict_codes;        /* --strict-codes */
    bool        replace_deprecated;  /* --replace-deprecated */
    bool        check_display;       /* --check-display */
    /* units (rules/units.c) */
    bool        convert_vitals;      /* --convert-vitals */
    const char *vital_ranges;        /* --vital-ranges FILE.tsv, NULL: the built-in table */
    /* FHIRPath invariants (rules/invariants.c) */
    s4s_invariants invariants;       /* --invariants=error|all, --no-invariants */
    /* DSTU2/STU3 -> R4 (rules/upgrade.c) */
    bool        no_upgrade;          /* --no-upgrade */
    unsigned    upgrade_from;        /* --from: 0 auto, 1 dstu2, 2 stu3 (S4S_UP_* bits) */
    /* profiles (rules/profiles.c) */
    s4s_profile_mode profile;        /* --profile=us-core|none */
    s4s_report_level report_level;   /* --report-level */
    const char *packages[S4S_MAX_PACKAGES]; /* --package=FILE.tgz, in order (not owned) */
    unsigned    npackages;
} s4s_opts;

void s4s_opts_default(s4s_opts *o);

/* Shapes of the output streams (--output-format, --report-format,
 * --reject-format); the first value of each is the default. */
typedef enum s4s_out_format { S4S_OUT_NDJSON, S4S_OUT_PGCOPY } s4s_out_format;
typedef enum s4s_report_format { S4S_REPORT_OUTCOME, S4S_REPORT_CSV } s4s_report_format;
typedef enum s4s_reject_format { S4S_REJECT_RAW, S4S_REJECT_ENVELOPE } s4s_reject_format;

struct s4s_callbacks; /* s4s.h */

/* Where the run writes; rule families with a side file (coverage) get it
 * through their side_output hook. */
typedef struct s4s_outputs {
    FILE *out;      /* cleaned NDJSON (required unless cb->resource is set) */
    FILE *reject;   /* quarantined NDJSON, may be NULL */
    FILE *report;   /* OperationOutcome NDJSON, may be NULL */
    FILE *coverage; /* terminology coverage TSV (--coverage), may be NULL */
    /* names for messages (a write error names the file); NULL: generic */
    const char *out_name, *reject_name, *report_name, *coverage_name;
    s4s_out_format    out_format;
    s4s_report_format report_format;
    s4s_reject_format reject_format;
    /* --split-by-type: DIR/<Type>.ndjson (".ndjson.gz" with split_gzip)
     * instead of out; NULL: off */
    const char *split_dir;
    bool        split_gzip;
    /* the OperationOutcome report names each resource's source file
     * (several FILE arguments) */
    bool        name_sources;
    /* memory interface: each resource, issue and quarantined unit is also
     * handed to these (borrowed, may be NULL); with them out may be NULL */
    const struct s4s_callbacks *cb;
} s4s_outputs;

#endif
