/*
 * test_term_codes.c - the "codes" rule through the whole pipeline, against a
 * cache built from the real-format fixtures: system-URI repairs, syntax
 * errors, unknown/deprecated/retired/inactive codes, --replace-deprecated,
 * --strict-codes, --check-display, the stats section and the coverage TSV.
 * Runs from the repository root.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../filter/s4s.h"
#include "../../terminology/term_cli.h"
#include "unit.h"

#define FX "tests/fixtures/terminology/"

static char dir[64], db[96];

/* One Observation with a contained Medication and every kind of coding. */
static const char input[] =
    "{\"resourceType\":\"Observation\",\"id\":\"o1\",\"status\":\"final\","
    "\"contained\":[{\"resourceType\":\"Medication\",\"id\":\"m\",\"code\":{\"coding\":["
    "{\"system\":\"urn:oid:2.16.840.1.113883.6.88\",\"code\":\"104490\"}]}}],"
    "\"category\":[{\"coding\":[{\"system\":\"http://snomed.info/sct\",\"code\":\"73761002\"}]}],"
    "\"code\":{\"coding\":[{\"system\":\"urn:oid:2.16.840.1.113883.6.1\",\"code\":\"33914-3\",\"display\":\"GFR MDRD\"},"
    "{\"system\":\"http://loinc.org\",\"code\":\"99999-5\"},"
    "{\"system\":\"http://loinc.org\",\"code\":\"29463-7\",\"display\":\"Body Weight\"},"
    "{\"system\":\"http://loinc.org\",\"code\":\"8480-6\",\"display\":\"Secret free text\"},"
    "{\"system\":\"http://snomed.info/sct/\",\"code\":\"118225008\"},"
    "{\"system\":\"http://hl7.org/fhir/sid/icd-10-cm\",\"code\":\"E11.9\"}]},"
    "\"valueQuantity\":{\"value\":70,\"unit\":\"kg\",\"system\":\"http://unitsofmeasure.org\",\"code\":\"kg\"}}\n";

typedef struct run {
    char *out, *report, *cov, *stats;
    size_t n_out, n_report, n_cov, n_stats;
} run;

static void run_free(run *r)
{
    free(r->out);
    free(r->report);
    free(r->cov);
    free(r->stats);
}

static bool filter(s4s_opts *o, run *r)
{
    memset(r, 0, sizeof *r);
    FILE *out = open_memstream(&r->out, &r->n_out), *rep = open_memstream(&r->report, &r->n_report),
         *cov = open_memstream(&r->cov, &r->n_cov), *st = open_memstream(&r->stats, &r->n_stats);
    s4s_outputs io = {.out = out, .report = rep, .coverage = cov};
    s4s_pipe *p;
    bool ok = s4s_pipe_new(o, &io, &p) == S4S_OK;
    if (ok) {
        ok = s4s_pipe_feed(p, input, sizeof input - 1) == S4S_OK && s4s_pipe_finish(p) == S4S_OK;
        s4s_pipe_write_stats(p, st, "stats", 0.0);
        s4s_pipe_free(p);
    }
    fclose(out);
    fclose(rep);
    fclose(cov);
    fclose(st);
    return ok;
}

static bool has(const char *hay, const char *needle)
{
    bool r = hay && strstr(hay, needle);
    if (!r)
        fprintf(stderr, "  missing: %s\n", needle);
    return r;
}

static void test_default_checks(void)
{
    s4s_opts o;
    s4s_opts_default(&o);
    o.terminology = db;
    run r;
    CHECK(filter(&o, &r));
    /* alias URIs rewritten, each a recorded repair */
    CHECK(has(r.out, "{\"system\":\"http://loinc.org\",\"code\":\"33914-3\""));
    CHECK(has(r.out, "\"system\":\"http://www.nlm.nih.gov/research/umls/rxnorm\",\"code\":\"104490\""));
    CHECK(has(r.out, "\"system\":\"http://snomed.info/sct\",\"code\":\"118225008\""));
    CHECK(has(r.report, "\"valueCode\":\"system-uri\"},{\"url\":\"old\",\"valueString\":\"urn:oid:2.16.840.1.113883.6.1\"}"));
    /* syntax before look-up */
    CHECK(has(r.report, "\"severity\":\"error\",\"code\":\"code-invalid\",\"details\":{\"text\":\"'73761002' is not a valid SNOMED CT"));
    /* unknown: warning; deprecated/retired/inactive: warning naming the successor */
    CHECK(has(r.report, "\"severity\":\"warning\",\"code\":\"code-invalid\",\"details\":{\"text\":\"code '99999-5' not found in http://loinc.org"));
    CHECK(has(r.report, "code '33914-3' of http://loinc.org is deprecated; replaced by '62238-1'"));
    CHECK(has(r.report, "code '104490' of http://www.nlm.nih.gov/research/umls/rxnorm is retired; replaced by '198211'"));
    CHECK(has(r.report, "code '118225008' of http://snomed.info/sct is inactive; replaced by '22298006'"));
    CHECK(has(r.report, "Observation.contained[0].code.coding[0].code"));
    /* not rewritten without --replace-deprecated; display check off */
    CHECK(!strstr(r.out, "62238-1"));
    CHECK(!strstr(r.report, "display does not match"));
    /* ICD-10-CM has no table: not loaded, no issue */
    CHECK(!strstr(r.report, "E11.9"));
    /* stats: per-system section; UCUM quantity not counted */
    CHECK(has(r.stats, "\"http://loinc.org\":{\"codings\":4,\"distinct\":4,\"found\":3,\"not_found\":1,\"deprecated\":1,"
                       "\"repaired\":1,\"syntax_invalid\":0,\"not_loaded\":0,"));
    CHECK(has(r.stats, "\"http://snomed.info/sct\":{\"codings\":2,\"distinct\":2,\"found\":1,\"not_found\":0,"
                       "\"deprecated\":1,\"repaired\":1,\"syntax_invalid\":1,\"not_loaded\":0,"));
    CHECK(has(r.stats, "\"http://hl7.org/fhir/sid/icd-10-cm\":{\"codings\":1,\"distinct\":1,\"found\":0,\"not_found\":0,"
                       "\"deprecated\":0,\"repaired\":0,\"syntax_invalid\":0,\"not_loaded\":1,"));
    CHECK(!strstr(r.stats, "unitsofmeasure"));
    /* coverage TSV: header, system rows, top unknown, code rows */
    CHECK(has(r.cov, "level\tsystem\tcode\tstatus\tcodings\tdistinct\tfound\tnot_found\tdeprecated\trepaired\t"
                     "syntax_invalid\tnot_loaded\n"));
    CHECK(has(r.cov, "system\thttp://loinc.org\t*\t-\t4\t4\t3\t1\t1\t1\t0\t0\n"));
    CHECK(has(r.cov, "unknown\thttp://loinc.org\t99999-5\tnot-found\t1\t1\t0\t1\t0\t0\t0\t0\n"));
    CHECK(has(r.cov, "code\thttp://snomed.info/sct\t73761002\tsyntax-invalid\t1\t1\t0\t0\t0\t0\t1\t0\n"));
    CHECK(has(r.cov, "code\thttp://loinc.org\t33914-3\tdeprecated\t1\t1\t1\t0\t1\t0\t0\t0\n"));
    /* privacy: display text never reaches the report */
    CHECK(!strstr(r.report, "Secret free text") && !strstr(r.report, "GFR MDRD"));
    run_free(&r);
}

static void test_options(void)
{
    s4s_opts o;
    s4s_opts_default(&o);
    o.terminology = db;
    o.replace_deprecated = true;
    o.strict_codes = true;
    o.check_display = true;
    run r;
    CHECK(filter(&o, &r));
    /* replacement first, the original kept as the next Coding */
    CHECK(has(r.out, "{\"system\":\"http://loinc.org\",\"code\":\"62238-1\",\"display\":\"Glomerular filtration rate/1.73 "
                     "sq M.predicted [Volume Rate/Area] in Serum or Plasma by Creatinine-based formula (CKD-EPI)\"},"
                     "{\"system\":\"http://loinc.org\",\"code\":\"33914-3\",\"display\":\"GFR MDRD\"}"));
    CHECK(has(r.out, "{\"system\":\"http://snomed.info/sct\",\"code\":\"22298006\"},"
                     "{\"system\":\"http://snomed.info/sct\",\"code\":\"118225008\"}"));
    CHECK(has(r.report, "{\"url\":\"kind\",\"valueCode\":\"deprecated-code\"},{\"url\":\"old\",\"valueString\":\"33914-3\"},"
                        "{\"url\":\"new\",\"valueString\":\"62238-1\"}"));
    /* strict: unknown codes are errors */
    CHECK(has(r.report, "\"severity\":\"error\",\"code\":\"code-invalid\",\"details\":{\"text\":\"code '99999-5' not found"));
    /* display: "Body Weight" matches "Body weight" (case fold); free text does not */
    CHECK(has(r.report, "display does not match any name of http://loinc.org code '8480-6'"));
    CHECK(!strstr(r.report, "code '29463-7'\""));
    CHECK(!strstr(r.report, "Secret free text") && !strstr(r.report, "GFR MDRD"));
    CHECK(has(r.stats, "\"http://loinc.org\":{\"codings\":4,\"distinct\":4,\"found\":3,\"not_found\":1,\"deprecated\":1,"
                       "\"repaired\":1,"));
    run_free(&r);
}

static void test_no_terminology(void)
{
    s4s_opts o;
    s4s_opts_default(&o);
    o.no_terminology = true;
    run r;
    CHECK(filter(&o, &r));
    /* syntax and URIs still checked; look-ups are all "not loaded" */
    CHECK(has(r.report, "'73761002' is not a valid SNOMED CT"));
    CHECK(!strstr(r.report, "not found in"));
    CHECK(has(r.stats, "\"http://loinc.org\":{\"codings\":4,\"distinct\":4,\"found\":0,\"not_found\":0,\"deprecated\":0,"
                       "\"repaired\":1,\"syntax_invalid\":0,\"not_loaded\":4,"));
    run_free(&r);
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/s4s-codes-test.XXXXXX");
    if (!mkdtemp(dir))
        return 2;
    snprintf(db, sizeof db, "%s/cache.db", dir);
    char *argv[] = {"build", "--out", db, "--loinc", FX "loinc", "--rxnorm", FX "rxnorm",
                    "--snomed", FX "snomed/Snapshot/Terminology", NULL};
    CHECK(s4s_term_cmd_build((int)(sizeof argv / sizeof argv[0]) - 1, argv) == 0);
    test_default_checks();
    test_options();
    test_no_terminology();
    unlink(db);
    rmdir(dir);
    return UNIT_DONE();
}
