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

static void usage(FILE *f)
{
    fprintf(f, "usage: s4s-term COMMAND [ARGS]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
        fprintf(f, "  s4s-term %s\n", cmds[i].usage);
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
            return run(i, argc - 1, argv + 1);
    fprintf(stderr, "s4s-term: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return 1;
}
