/*
 * html.h - the one-page data-quality report (s4s-term html, --html-report).
 *
 * Both commands render through s4s_html_write(): the run serialises its
 * stats to memory and the page is built from that text exactly as from a
 * stats file.  The page is self-contained (inline CSS and SVG, no script,
 * no external URL) and carries counts, codes, paths and message templates
 * only, all HTML-escaped.
 * Ownership: every pointer in s4s_html_in is borrowed for the call.
 */
#ifndef S4S_HTML_H
#define S4S_HTML_H
#include <stddef.h>
#include <stdio.h>
#include "base/rc.h"

/* largest stats object accepted (the run's tables are capped well below) */
#define S4S_HTML_MAX_STATS ((size_t)64 << 20)

typedef struct s4s_html_in {
    const char         *title;          /* NULL: "Data-quality report" */
    const char         *inputs_label;   /* e.g. "Input" or "Built from" */
    const char *const  *inputs;         /* names shown in the header */
    size_t              n_inputs;
    const char         *stats;          /* the --stats JSON object (required) */
    size_t              stats_len;
    const char         *coverage_path;  /* coverage TSV file, or NULL ... */
    const char         *coverage_mem;   /* ... or the TSV text in memory */
    size_t              coverage_len;
    const char         *report_path;    /* OperationOutcome NDJSON, or NULL */
} s4s_html_in;

/* Writes the page to f.  On failure err says why (a path or a position,
 * never data).  S4S_ERR_JSON: the stats text is not a JSON object. */
s4s_rc s4s_html_write(FILE *f, const s4s_html_in *in, char *err, size_t errlen);
/* s4s-term html --stats=FILE [--coverage=FILE] [--report=FILE] [--title=TEXT];
 * argv[0] is "html"; returns the exit status (0, 1 usage, 2 fatal). */
int s4s_html_cmd(int argc, char **argv);

#endif
