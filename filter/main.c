/*
 * main.c - s4s-normalize: options, wiring, progress, exit status.
 *
 * A thin CLI over libs4s: it parses options into s4s_opts, opens files,
 * reads input into s4s_pipe_feed(), and maps the result to an exit status.
 * Invariant: no data logic here; everything it calls is reachable by tests
 * through the library.
 */
#include "s4s.h"
#include "html.h"
#include "progress.h"
#include "../terminology/embedded.h"
#include "../terminology/term.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

enum { EXIT_OK = 0, EXIT_USAGE = 1, EXIT_FATAL = 2, EXIT_DATA = 3 };

static const char usage_text[] =
"usage: s4s-normalize [OPTIONS] [FILE...]\n"
"\n"
"Cleans FHIR R4 JSON: reads gzip or plain JSON (one Bundle of any size, many\n"
"Bundles, Bulk Data NDJSON or bare resources) from FILEs or stdin ('-'),\n"
"validates and normalizes every resource, and writes one resource per line.\n"
"\n"
"Output:\n"
"  -o, --output=FILE          cleaned NDJSON (default stdout)\n"
"      --reject=FILE          quarantined resources, as received, one per line\n"
"      --report=FILE          OperationOutcome NDJSON, one line per resource with issues\n"
"      --stats=FILE           JSON counters at the end ('-' for stderr)\n"
"      --coverage=FILE        terminology coverage TSV (per system and code)\n"
"      --html-report=FILE     one-page HTML data-quality report (same as s4s-term html)\n"
"      --output-format=FMT    ndjson (default) or pg-copy: PostgreSQL COPY text rows\n"
"                             resource_type<TAB>id<TAB>json\n"
"      --split-by-type=DIR    write DIR/<Type>.ndjson per resource type instead of stdout\n"
"      --split-gzip           with --split-by-type: gzip them, DIR/<Type>.ndjson.gz\n"
"      --report-format=FMT    outcome (default: OperationOutcome NDJSON) or csv\n"
"      --report-level=LEVEL   error, warning, information (default: all but routine\n"
"                             urn:uuid rewrites, one counted repair per resource) or all\n"
"                             (one row per issue, with a header)\n"
"      --reject-format=FMT    raw (default: bytes as received) or envelope: JSON lines\n"
"                             {source:{file,line,offset},reason,data_base64}\n"
"Policy:\n"
"      --on-invalid=MODE      keep (default): write with safe repairs and report;\n"
"                             reject: quarantine to --reject (required);\n"
"                             fail: stop at the first error\n"
"      --fail-on=WHEN         error (default): exit 3 when the data had errors;\n"
"                             never: exit 0 then (fatal I/O errors still exit 2)\n"
"      --no-validate          parse and rewrite only (urn:uuid references), no rules\n"
"Text:\n"
"      --input-encoding=NAME  convert from a legacy charset (e.g. windows-1252)\n"
"      --nfc                  normalize strings to Unicode NFC (each change recorded)\n"
"Terminology:\n"
"      --terminology=FILE.db  terminology cache (default: the embedded one)\n"
"      --no-terminology       skip code look-ups\n"
"      --strict-codes         unknown codes are errors, not warnings\n"
"      --replace-deprecated   rewrite deprecated codes with their single replacement\n"
"      --check-display        report display strings that differ from the cache\n"
"Invariants:\n"
"      --invariants=error|all check the R4 FHIRPath invariants of error severity\n"
"                             (default), or warnings and best-practice ones too\n"
"      --no-invariants        do not check FHIRPath invariants\n"
"      --no-upgrade           report DSTU2/STU3 resources instead of converting them to R4\n"
"      --from=dstu2|stu3|auto source version of old resources (default auto: detected)\n"
"Profiles:\n"
"      --profile=us-core|none check each resource against its US Core 3.1.1 profile\n"
"                             (none: only profiles named in meta.profile; default)\n"
"      --package=FILE.tgz     load the profiles and value sets of a FHIR npm package\n"
"                             (repeatable, up to 16); checked when meta.profile names them\n"
"Units:\n"
"      --convert-vitals       convert vital signs to kg, cm, Cel (originals kept in an extension)\n"
"      --vital-ranges=FILE    plausible vital-sign ranges (TSV: LOINC, UCUM unit, low, high\n"
"                             [, likely mislabels]) instead of the built-in table\n"
"Limits:\n"
"      --max-depth=N          deepest JSON nesting inside a resource (default 64)\n"
"      --max-resource-bytes=N largest resource or string, K/M/G suffixes (default 64M)\n"
"      --max-refs=N           Bundle entries whose fullUrl is held in memory (default 2M;\n"
"                             K/M suffixes); later ones go to a temporary file\n"
"      --read-size=N          bytes per read() (default 256K; tests use tiny sizes)\n"
"      --threads=N            threads that parse and check, 1 to 64 (default: the\n"
"                             online CPUs): one cuts the input into units, N-1\n"
"                             parse and check them; every output is byte for\n"
"                             byte the same for any N\n"
"Other:\n"
"  -q, --quiet                no progress line and no summary on a terminal\n"
"      --summary              counts and the most frequent issues on stderr at the end\n"
"  -h, --help                 this text\n"
"      --version              versions of the tool, its libraries and tables\n"
"\n"
"Exit status: 0 done, no errors; 1 usage error; 2 fatal input or output error or\n"
"out of memory (the message names the byte offset; everything complete before it\n"
"was written);\n"
"3 done, with errors in the data (some resource had an error or was quarantined;\n"
"0 with --fail-on=never).  With several FILEs each is a stream of its own: offsets\n"
"and lines restart per file and the reports name it.\n"
"If stdout is closed early (e.g. | head), the tool stops quietly as if killed by SIGPIPE.\n";

static int usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "s4s-normalize: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\nTry 's4s-normalize --help'.\n");
    return EXIT_USAGE;
}

static bool parse_size(const char *s, size_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s)
        return false;
    unsigned shift = 0;
    if (*end == 'K' || *end == 'k') shift = 10, end++;
    else if (*end == 'M' || *end == 'm') shift = 20, end++;
    else if (*end == 'G' || *end == 'g') shift = 30, end++;
    if (*end || v == 0 || v > (1ull << 40) >> shift)
        return false;
    *out = (size_t)(v << shift);
    return true;
}

/* Unbuffered: the pipe writes in large blocks itself, and fwrite's count is
 * then exactly what reached the file (a write error names that count). */
static FILE *open_out(const char *path, const char *what)
{
    if (!strcmp(path, "-"))
        return stderr;
    FILE *f = fopen(path, "w");
    if (!f)
        fprintf(stderr, "s4s-normalize: cannot open %s file %s: %s\n", what, path, strerror(errno));
    else
        setvbuf(f, NULL, _IONBF, 0);
    return f;
}

static const char *out_name(const char *path, const char *dflt)
{
    return !path ? dflt : strcmp(path, "-") ? path : "stderr";
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

enum {
    O_REJECT = 256, O_REPORT, O_STATS, O_COVERAGE, O_ON_INVALID, O_NO_VALIDATE, O_ENCODING,
    O_NFC, O_TERM, O_NO_TERM, O_STRICT, O_REPLACE, O_DISPLAY, O_VITALS, O_MAX_DEPTH,
    O_MAX_BYTES, O_READ_SIZE, O_THREADS, O_VERSION, O_SUMMARY, O_HTML, O_RANGES, O_INV, O_NO_INV,
    O_OUT_FMT, O_SPLIT, O_SPLIT_GZ, O_REPORT_FMT, O_REJECT_FMT, O_FAIL_ON,
    O_NO_UPGRADE, O_FROM,
    O_PROFILE, O_REPORT_LEVEL, O_MAX_REFS, O_PACKAGE
};

static const struct option long_opts[] = {
    {"output", required_argument, NULL, 'o'},
    {"reject", required_argument, NULL, O_REJECT},
    {"report", required_argument, NULL, O_REPORT},
    {"stats", required_argument, NULL, O_STATS},
    {"coverage", required_argument, NULL, O_COVERAGE},
    {"html-report", required_argument, NULL, O_HTML},
    {"output-format", required_argument, NULL, O_OUT_FMT},
    {"split-by-type", required_argument, NULL, O_SPLIT},
    {"split-gzip", no_argument, NULL, O_SPLIT_GZ},
    {"report-format", required_argument, NULL, O_REPORT_FMT},
    {"report-level", required_argument, NULL, O_REPORT_LEVEL},
    {"reject-format", required_argument, NULL, O_REJECT_FMT},
    {"fail-on", required_argument, NULL, O_FAIL_ON},
    {"on-invalid", required_argument, NULL, O_ON_INVALID},
    {"no-validate", no_argument, NULL, O_NO_VALIDATE},
    {"input-encoding", required_argument, NULL, O_ENCODING},
    {"nfc", no_argument, NULL, O_NFC},
    {"terminology", required_argument, NULL, O_TERM},
    {"no-terminology", no_argument, NULL, O_NO_TERM},
    {"strict-codes", no_argument, NULL, O_STRICT},
    {"replace-deprecated", no_argument, NULL, O_REPLACE},
    {"check-display", no_argument, NULL, O_DISPLAY},
    {"convert-vitals", no_argument, NULL, O_VITALS},
    {"vital-ranges", required_argument, NULL, O_RANGES},
    {"invariants", required_argument, NULL, O_INV},
    {"no-invariants", no_argument, NULL, O_NO_INV},
    {"no-upgrade", no_argument, NULL, O_NO_UPGRADE},
    {"from", required_argument, NULL, O_FROM},
    {"profile", required_argument, NULL, O_PROFILE},
    {"package", required_argument, NULL, O_PACKAGE},
    {"max-depth", required_argument, NULL, O_MAX_DEPTH},
    {"max-resource-bytes", required_argument, NULL, O_MAX_BYTES},
    {"max-refs", required_argument, NULL, O_MAX_REFS},
    {"read-size", required_argument, NULL, O_READ_SIZE},
    {"threads", required_argument, NULL, O_THREADS},
    {"quiet", no_argument, NULL, 'q'},
    {"summary", no_argument, NULL, O_SUMMARY},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, O_VERSION},
    {NULL, 0, NULL, 0},
};

typedef struct cli {
    s4s_opts    o;
    const char *out, *reject, *report, *stats, *coverage, *html;
    size_t      read_size;
    bool        quiet, summary;
    bool        fail_never;   /* --fail-on=never */
    s4s_outputs fmt;          /* the format fields of the outputs */
} cli;

static int parse_args(int argc, char **argv, cli *c)
{
    s4s_opts_default(&c->o);
    c->read_size = 256 * 1024;
    int ch;
    while ((ch = getopt_long(argc, argv, "o:qh", long_opts, NULL)) != -1) {
        switch (ch) {
        case 'o': c->out = optarg; break;
        case O_REJECT: c->reject = optarg; break;
        case O_REPORT: c->report = optarg; break;
        case O_STATS: c->stats = optarg; break;
        case O_COVERAGE: c->coverage = optarg; break;
        case O_HTML: c->html = optarg; break;
        case O_OUT_FMT:
            if (!strcmp(optarg, "ndjson")) c->fmt.out_format = S4S_OUT_NDJSON;
            else if (!strcmp(optarg, "pg-copy")) c->fmt.out_format = S4S_OUT_PGCOPY;
            else return usage_error("--output-format must be ndjson or pg-copy, not '%s'", optarg);
            break;
        case O_SPLIT: c->fmt.split_dir = optarg; break;
        case O_SPLIT_GZ: c->fmt.split_gzip = true; break;
        case O_REPORT_FMT:
            if (!strcmp(optarg, "outcome")) c->fmt.report_format = S4S_REPORT_OUTCOME;
            else if (!strcmp(optarg, "csv")) c->fmt.report_format = S4S_REPORT_CSV;
            else return usage_error("--report-format must be outcome or csv, not '%s'", optarg);
            break;
        case O_REPORT_LEVEL:
            if (!strcmp(optarg, "error")) c->o.report_level = S4S_LEVEL_ERROR;
            else if (!strcmp(optarg, "warning")) c->o.report_level = S4S_LEVEL_WARNING;
            else if (!strcmp(optarg, "information")) c->o.report_level = S4S_LEVEL_INFO;
            else if (!strcmp(optarg, "all")) c->o.report_level = S4S_LEVEL_ALL;
            else return usage_error("--report-level must be error, warning, information or all, not '%s'", optarg);
            break;
        case O_REJECT_FMT:
            if (!strcmp(optarg, "raw")) c->fmt.reject_format = S4S_REJECT_RAW;
            else if (!strcmp(optarg, "envelope")) c->fmt.reject_format = S4S_REJECT_ENVELOPE;
            else return usage_error("--reject-format must be raw or envelope, not '%s'", optarg);
            break;
        case O_FAIL_ON:
            if (!strcmp(optarg, "error")) c->fail_never = false;
            else if (!strcmp(optarg, "never")) c->fail_never = true;
            else return usage_error("--fail-on must be error or never, not '%s'", optarg);
            break;
        case O_ON_INVALID:
            if (!strcmp(optarg, "keep")) c->o.on_invalid = S4S_INVALID_KEEP;
            else if (!strcmp(optarg, "reject")) c->o.on_invalid = S4S_INVALID_REJECT;
            else if (!strcmp(optarg, "fail")) c->o.on_invalid = S4S_INVALID_FAIL;
            else return usage_error("--on-invalid must be keep, reject or fail, not '%s'", optarg);
            break;
        case O_NO_VALIDATE: c->o.validate = false; break;
        case O_ENCODING: c->o.input_encoding = optarg; break;
        case O_NFC: c->o.nfc = true; break;
        case O_TERM: c->o.terminology = optarg; break;
        case O_NO_TERM: c->o.no_terminology = true; break;
        case O_STRICT: c->o.strict_codes = true; break;
        case O_REPLACE: c->o.replace_deprecated = true; break;
        case O_DISPLAY: c->o.check_display = true; break;
        case O_VITALS: c->o.convert_vitals = true; break;
        case O_RANGES: c->o.vital_ranges = optarg; break;
        case O_INV:
            if (!strcmp(optarg, "error")) c->o.invariants = S4S_INVARIANTS_ERROR;
            else if (!strcmp(optarg, "all")) c->o.invariants = S4S_INVARIANTS_ALL;
            else return usage_error("--invariants must be error or all, not '%s'", optarg);
            break;
        case O_NO_INV: c->o.invariants = S4S_INVARIANTS_OFF; break;
        case O_NO_UPGRADE: c->o.no_upgrade = true; break;
        case O_FROM: /* values are the S4S_UP_* bits of rules/tables/upgrade_map.h */
            if (!strcmp(optarg, "auto")) c->o.upgrade_from = 0;
            else if (!strcmp(optarg, "dstu2")) c->o.upgrade_from = 1;
            else if (!strcmp(optarg, "stu3")) c->o.upgrade_from = 2;
            else return usage_error("--from must be dstu2, stu3 or auto, not '%s'", optarg);
            break;
        case O_PROFILE:
            if (!strcmp(optarg, "us-core")) c->o.profile = S4S_PROFILE_US_CORE;
            else if (!strcmp(optarg, "none")) c->o.profile = S4S_PROFILE_NONE;
            else return usage_error("--profile must be us-core or none, not '%s'", optarg);
            break;
        case O_PACKAGE:
            if (c->o.npackages == S4S_MAX_PACKAGES)
                return usage_error("--package is allowed at most 16 times (%s is one more)", optarg);
            c->o.packages[c->o.npackages++] = optarg;
            break;
        case O_MAX_DEPTH: {
            size_t v;
            if (!parse_size(optarg, &v) || v > 4096)
                return usage_error("--max-depth needs a number from 1 to 4096, not '%s'", optarg);
            c->o.max_depth = (unsigned)v;
            break;
        }
        case O_MAX_BYTES:
            if (!parse_size(optarg, &c->o.max_resource_bytes) || c->o.max_resource_bytes > ((size_t)1 << 32))
                return usage_error("--max-resource-bytes needs a size up to 4G, not '%s'", optarg);
            break;
        case O_MAX_REFS:
            if (!parse_size(optarg, &c->o.max_refs) || !c->o.max_refs || c->o.max_refs > ((size_t)1 << 28))
                return usage_error("--max-refs needs a count from 1 to 256M, not '%s'", optarg);
            break;
        case O_THREADS: {
            size_t v;
            if (!parse_size(optarg, &v) || !v || v > 64)
                return usage_error("--threads needs a number from 1 to 64, not '%s'", optarg);
            c->o.threads = (unsigned)v;
            break;
        }
        case O_READ_SIZE:
            if (!parse_size(optarg, &c->read_size) || c->read_size > ((size_t)64 << 20))
                return usage_error("--read-size needs a size up to 64M, not '%s'", optarg);
            break;
        case 'q': c->quiet = true; break;
        case O_SUMMARY: c->summary = true; break;
        case 'h': fputs(usage_text, stdout); return -1;
        case O_VERSION:
            printf("s4s-normalize %s\n", S4S_VERSION);
            s4s_write_versions(stdout);
            return -1;
        default:
            fprintf(stderr, "Try 's4s-normalize --help'.\n");
            return EXIT_USAGE;
        }
    }
    if (c->o.on_invalid == S4S_INVALID_REJECT && !c->reject)
        return usage_error("%s", "--on-invalid=reject needs --reject=FILE");
    if (c->fmt.split_dir && (c->out || c->fmt.out_format != S4S_OUT_NDJSON))
        return usage_error("%s", "--split-by-type writes NDJSON files instead of --output");
    if (c->fmt.split_gzip && !c->fmt.split_dir)
        return usage_error("%s", "--split-gzip needs --split-by-type=DIR");
    return 0;
}

/* --html-report: the page is rendered from the run's stats text exactly as
 * s4s-term html renders a stats file */
static bool write_html(const cli *c, FILE *f, char **files, int n, const char *stats, size_t stats_len,
                       const char *cov, size_t cov_len)
{
    static const char *const stdin_name[] = {"-"};
    s4s_html_in in = {
        .inputs_label = "Input", .inputs = n ? (const char *const *)files : stdin_name, .n_inputs = n ? (size_t)n : 1,
        .stats = stats, .stats_len = stats_len,
        .coverage_path = c->coverage && strcmp(c->coverage, "-") ? c->coverage : NULL,
        .coverage_mem = cov, .coverage_len = cov_len,
        .report_path = c->report && strcmp(c->report, "-") ? c->report : NULL,
    };
    char err[512];
    if (s4s_html_write(f, &in, err, sizeof err) == S4S_OK)
        return true;
    fprintf(stderr, "s4s-normalize: %s\n", err);
    return false;
}

typedef struct tick_ctx {
    s4s_progress *pr;
    s4s_pipe     *p;
} tick_ctx;

static void tick(void *u)
{
    tick_ctx *t = u;
    s4s_counts c;
    s4s_pipe_progress(t->p, &c);
    s4s_progress_tick(t->pr, &c, false);
}

/* feeds one file (or stdin) into the pipe; returns an rc, or -1 on open
 * error; read errors are the pipe's message (it knows the offset) */
static int feed_file(s4s_pipe *p, const char *path, size_t bs, s4s_progress *pr)
{
    int fd = 0;
    if (strcmp(path, "-")) {
        fd = open(path, O_RDONLY);
        if (fd < 0) {
            fprintf(stderr, "s4s-normalize: cannot open %s: %s\n", path, strerror(errno));
            return -1;
        }
    }
    tick_ctx t = {pr, p};
    s4s_rc rc = s4s_pipe_feed_fd(p, fd, fd ? path : "stdin", bs, pr ? tick : NULL, &t);
    if (fd)
        close(fd);
    return rc;
}

int main(int argc, char **argv)
{
    cli c = {0};
    s4s_term_set_embedded(s4s_default_db, s4s_default_db_len);
    int st = parse_args(argc, argv, &c);
    if (st)
        return st < 0 ? EXIT_OK : st;
    /* a closed stdout shows up as EPIPE from write, handled below */
    signal(SIGPIPE, SIG_IGN);
#ifdef __GLIBC__
    /* Arenas and unit buffers are freed and taken again all run long; by
     * default glibc hands such blocks back to the kernel (munmap, trim) and
     * faults them in again, each time with a TLB flush on every core the
     * workers run on: 2-3% of the CPU on compact NDJSON.  Fixed thresholds
     * keep up to 32 MiB of them. */
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 32 << 20);
#endif

    s4s_outputs io = c.fmt;
    io.out = stdout;
    io.name_sources = argc - optind > 1;
    FILE *stats_f = NULL, *html_f = NULL;
    int exit_st = EXIT_OK;
    if ((c.out && !(io.out = open_out(c.out, "output"))) ||
        (c.reject && !(io.reject = open_out(c.reject, "reject"))) ||
        (c.report && !(io.report = open_out(c.report, "report"))) ||
        (c.coverage && !(io.coverage = open_out(c.coverage, "coverage"))) ||
        (c.stats && !(stats_f = open_out(c.stats, "stats"))) ||
        (c.html && !(html_f = open_out(c.html, "HTML report"))))
        return EXIT_FATAL;
    char *cov_mem = NULL, *stats_mem = NULL;
    size_t cov_len = 0, stats_len = 0;
    /* the page shows the coverage rows even when no --coverage file is asked for */
    if (c.html && !c.coverage && !(io.coverage = open_memstream(&cov_mem, &cov_len)))
        return EXIT_FATAL;
    if (!c.out)
        setvbuf(stdout, NULL, _IONBF, 0);
    io.out_name = out_name(c.out, "stdout");
    io.reject_name = out_name(c.reject, NULL);
    io.report_name = out_name(c.report, NULL);
    io.coverage_name = out_name(c.coverage, NULL);

    double t0 = now();
    s4s_pipe *p;
    s4s_rc rc = s4s_pipe_new(&c.o, &io, &p);
    if (rc) {
        /* p is NULL only when not even the pipe could be allocated */
        fprintf(stderr, "s4s-normalize: %s\n", p ? s4s_pipe_errmsg(p) : "out of memory at byte 0, while starting");
        s4s_pipe_free(p);
        return rc == S4S_ERR_USAGE ? EXIT_USAGE : EXIT_FATAL;
    }
    s4s_progress pr;
    bool show = !c.quiet && isatty(2);
    if (show)
        s4s_progress_init(&pr, stderr, t0);
    int fr = 0;
    if (optind == argc && !(fr = s4s_pipe_next_source(p, "stdin")))
        fr = feed_file(p, "-", c.read_size, show ? &pr : NULL);
    for (int i = optind; i < argc && !fr; i++) {
        fr = s4s_pipe_next_source(p, strcmp(argv[i], "-") ? argv[i] : "stdin");
        if (!fr)
            fr = feed_file(p, argv[i], c.read_size, show ? &pr : NULL);
    }
    rc = s4s_pipe_finish(p);
    if (show)
        s4s_progress_tick(&pr, s4s_pipe_counts(p), true);

    if (fr == -1)
        exit_st = EXIT_FATAL;
    else if (rc == S4S_ERR_EPIPE)
        exit_st = -1;
    else if (rc == S4S_ERR_INVALID)
        exit_st = EXIT_DATA, fprintf(stderr, "s4s-normalize: %s\n", s4s_pipe_errmsg(p));
    else if (rc)
        exit_st = EXIT_FATAL, fprintf(stderr, "s4s-normalize: %s\n", s4s_pipe_errmsg(p));
    else if (s4s_pipe_had_errors(p) && !c.fail_never)
        exit_st = EXIT_DATA;

    double elapsed = now() - t0;
    /* after out of memory too: the stats are still written */
    s4s_rc src = stats_f ? s4s_pipe_write_stats(p, stats_f, out_name(c.stats, NULL), elapsed) : S4S_OK;
    if (src == S4S_ERR_IO) {
        fprintf(stderr, "s4s-normalize: %s\n", s4s_pipe_errmsg(p));
        if (exit_st != -1)
            exit_st = EXIT_FATAL;
    } else if (src == S4S_ERR_NOMEM && exit_st != EXIT_FATAL) {
        exit_st = EXIT_FATAL;
        fprintf(stderr, "s4s-normalize: out of memory at byte %llu, writing the stats\n",
                (unsigned long long)s4s_pipe_counts(p)->bytes_uncompressed);
    }
    FILE *stats_m = c.html ? open_memstream(&stats_mem, &stats_len) : NULL;
    if (stats_m) {
        s4s_pipe_write_stats(p, stats_m, "(memory)", elapsed);
        fclose(stats_m);
    }
    if (c.summary || show)
        s4s_pipe_write_summary(p, stderr, now() - t0);
    s4s_pipe_free(p);
    FILE *fs[] = {io.out, io.reject, io.report, io.coverage, stats_f};
    for (size_t i = 0; i < sizeof fs / sizeof fs[0]; i++)
        if (fs[i] && fs[i] != stderr && fs[i] != stdout && fclose(fs[i]) && exit_st != -1)
            exit_st = EXIT_FATAL;
    if (html_f) {
        bool ok = write_html(&c, html_f, argv + optind, argc - optind, stats_mem, stats_len, cov_mem, cov_len);
        if (html_f != stderr && fclose(html_f))
            ok = false;
        if (!ok && exit_st != -1)
            exit_st = EXIT_FATAL;
    }
    free(stats_mem);
    free(cov_mem);
    if (exit_st != -1 && fflush(stdout) && errno == EPIPE)
        exit_st = -1;
    if (exit_st == -1) {
        /* the reader went away: end as a pipeline member normally does */
        signal(SIGPIPE, SIG_DFL);
        raise(SIGPIPE);
        return EXIT_FATAL;
    }
    return exit_st;
}
