/*
 * term_main.c - s4s-term: a thin CLI over the terminology engines in libs4s.
 *
 * Invariant: no logic here beyond dispatch and --help/--version; every
 * subcommand is a library function (term_cli.h) that tests can call.
 */
#include <stdio.h>
#include <string.h>

#include "s4s.h"
#include "html.h"
#include "merge.h"
#include "base/alloc.h"
#include "../terminology/embedded.h"
#include "../terminology/term.h"
#include "../terminology/term_cli.h"
#include "../rules/fhirpath.h"

static const struct {
    const char *name;
    int (*run)(int, char **);
    const char *usage;
} cmds[] = {
    {"build",    s4s_term_cmd_build,    "build --out FILE.db [--loinc PATH] [--rxnorm PATH] [--snomed PATH]\n"
                                        "        [--hgnc FILE] [--cvx FILE] [--tsv SYSTEM_URI=FILE]..."},
    {"lookup",   s4s_term_cmd_lookup,   "lookup [--db FILE.db] SYSTEM CODE..."},
    {"info",     s4s_term_cmd_info,     "info [--db FILE.db]"},
    {"coverage", s4s_term_cmd_coverage, "coverage A.tsv B.tsv"},
    {"ucum",     s4s_term_cmd_ucum,     "ucum < units.txt  |  ucum --convert VALUE FROM TO"},
    {"hgvs",     s4s_term_cmd_hgvs,     "hgvs < expressions.txt"},
    {"merge-stats",    s4s_merge_stats_cmd,    "merge-stats [--coverage=MERGED.tsv] A.json B.json... > merged.json"},
    {"merge-coverage", s4s_merge_coverage_cmd, "merge-coverage A.tsv B.tsv... > merged.tsv"},
    {"html",     s4s_html_cmd,          "html --stats=FILE [--coverage=FILE] [--report=FILE] [--title=TEXT] > report.html"},
    {"fhirpath", s4s_term_cmd_fhirpath, "fhirpath [--trace] [--context EXPR] EXPR [FILE|-]"},
};

/* What `s4s-term COMMAND --help` prints after the usage line; a command
 * missing here gets its usage line alone. */
static const struct {
    const char *name, *text;
} helps[] = {
    {"build", "Builds a terminology cache (SQLite) from the real release formats: the LOINC\n"
              "table, RxNorm RRF, SNOMED CT RF2, HGNC and CVX files, or SYSTEM_URI=FILE TSVs\n"
              "with a header (code, display, status, replaced_by...).  FILE.db is replaced\n"
              "only when the build succeeds.\n"},
    {"lookup", "Looks CODEs up in SYSTEM (a URI or an alias such as loinc); one JSON line per\n"
               "code.  --db FILE.db: this cache instead of the embedded one.  Exit 3 when a\n"
               "code is not found or its system is not loaded.\n"},
    {"info", "JSON lines: which cache, then one line per code system with its version,\n"
             "concept count and source.  --db FILE.db: this cache instead of the embedded one.\n"},
    {"coverage", "Compares two coverage TSVs (s4s-normalize --coverage), one row per change:\n"
                 "TSV: level, system, code, column, a, b, delta for each counter that differs.\n"},
    {"ucum", "Validates one UCUM unit per input line: a JSON line each with input, valid,\n"
             "normalized, canonical, dimension and issues.  --convert VALUE FROM TO converts\n"
             "a value (--round keeps the input's significant digits).\n"},
    {"hgvs", "Judges one HGVS expression per input line (or each argument): a JSON line\n"
             "each with input, valid, normalized, kind and issues.  Exit 3 when one is invalid.\n"},
};

static int command_help(size_t i)
{
    printf("usage: s4s-term %s\n", cmds[i].usage);
    for (size_t h = 0; h < sizeof helps / sizeof helps[0]; h++)
        if (!strcmp(helps[h].name, cmds[i].name))
            printf("\n%s", helps[h].text);
    return 0;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: s4s-term COMMAND [ARGS]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
        fprintf(f, "  s4s-term %s\n", cmds[i].usage);
    fprintf(f, "\n's4s-term COMMAND --help' describes one command.\n");
    fprintf(f, "\nexit status: 0 ok, 1 usage error, 2 fatal error, 3 some inputs invalid or not found\n");
}

/* The subcommands release what they hold when an allocation fails
 * (term_cli.h); this is their recovery point. */
static int run(size_t i, int argc, char **argv)
{
    s4s_oom_frame f;
    s4s_oom_enter(&f);
    if (setjmp(f.jb)) {
        fprintf(stderr, "s4s-term %s: out of memory\n", cmds[i].name);
        return 2;
    }
    int st = cmds[i].run(argc, argv);
    s4s_oom_leave(&f);
    return st;
}

int main(int argc, char **argv)
{
    s4s_term_set_embedded(s4s_default_db, s4s_default_db_len);
    if (argc < 2) {
        usage(stderr);
        return 1;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(argv[1], "--version")) {
        printf("s4s-term %s\n", S4S_VERSION);
        s4s_write_versions(stdout);
        return 0;
    }
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
        if (!strcmp(argv[1], cmds[i].name))
            return argc > 2 && (!strcmp(argv[2], "--help") || !strcmp(argv[2], "-h"))
                       ? command_help(i) : run(i, argc - 1, argv + 1);
    fprintf(stderr, "s4s-term: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return 1;
}
