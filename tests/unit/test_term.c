/*
 * test_term.c - the terminology cache: check digits, system URIs, the
 * importers on real-format fixtures (tests/fixtures/terminology), atomic
 * builds, look-ups, genes, display matching and the embedded default cache.
 * Runs from the repository root (tests/run-tests.sh does).
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../terminology/embedded.h"
#include "../../terminology/term.h"
#include "../../terminology/term_cli.h"
#include "unit.h"

#define FX "tests/fixtures/terminology/"

static char dir[64], db[96];

static int build(const char *a1, const char *a2, const char *a3, const char *a4)
{
    char *argv[16];
    int n = 0;
    argv[n++] = (char *)"build";
    argv[n++] = (char *)"--out";
    argv[n++] = db;
    const char *extra[] = {a1, a2, a3, a4};
    for (int i = 0; i < 4; i++)
        if (extra[i])
            argv[n++] = (char *)extra[i];
    argv[n] = NULL;
    return s4s_term_cmd_build(n, argv);
}

static void test_checkdigits(void)
{
    CHECK(s4s_loinc_valid("8480-6"));
    CHECK(s4s_loinc_valid("29463-7"));
    CHECK(s4s_loinc_valid("2345-7"));
    CHECK(!s4s_loinc_valid("8480-5"));     /* wrong check digit */
    CHECK(!s4s_loinc_valid("8480"));
    CHECK(!s4s_loinc_valid("8480-66"));
    CHECK(!s4s_loinc_valid("-6"));
    CHECK(!s4s_loinc_valid("9-Oct"));      /* spreadsheet-mangled 10-9 */
    CHECK(s4s_loinc_code_valid("LA6576-8")); /* answer code: form only */
    CHECK(!s4s_loinc_code_valid("LX6576-8"));
    /* real SNOMED CT ids (the Verhoeff permutation table is easy to get wrong) */
    CHECK(s4s_snomed_valid("138875005"));
    CHECK(s4s_snomed_valid("73761001"));
    CHECK(s4s_snomed_valid("5880005"));
    CHECK(s4s_snomed_valid("22298006"));
    CHECK(s4s_snomed_valid("428191000124101")); /* US extension, partition 10 */
    CHECK(!s4s_snomed_valid("73761002"));  /* check digit */
    CHECK(!s4s_snomed_valid("751689013")); /* a description id: partition 01 */
    CHECK(!s4s_snomed_valid("34552-0"));   /* a LOINC code under SNOMED (Synthea) */
    CHECK(!s4s_snomed_valid("12345"));     /* too short */
    CHECK(s4s_rxcui_valid("198211"));
    CHECK(!s4s_rxcui_valid("0198211"));
    CHECK(!s4s_rxcui_valid("19x"));
    CHECK(s4s_cvx_valid("08"));
    CHECK(!s4s_cvx_valid("1234"));
    CHECK(s4s_ndc_valid("0006-0749-54"));
    CHECK(s4s_ndc_valid("00006074954"));
    CHECK(!s4s_ndc_valid("0006-0749"));
    CHECK(!s4s_ndc_valid("006-0749-54"));
    CHECK(s4s_hgnc_id_valid("HGNC:1097"));
    CHECK(!s4s_hgnc_id_valid("BRAF"));
    CHECK(!s4s_hgnc_id_valid("HGNC:"));
    /* systems without a table: the form of their codes */
    CHECK(s4s_icd10cm_valid("E11.9"));
    CHECK(s4s_icd10cm_valid("E11"));
    CHECK(s4s_icd10cm_valid("S72.001A"));
    CHECK(s4s_icd10cm_valid("T36.0X1A"));
    CHECK(s4s_icd10cm_valid("C4A.9"));
    CHECK(!s4s_icd10cm_valid("E119"));      /* dot missing: repairable */
    CHECK(!s4s_icd10cm_valid("E11.9X"));    /* X placeholder with nothing after it */
    CHECK(!s4s_icd10cm_valid("E11.91234")); /* more than four after the dot */
    CHECK(!s4s_icd10cm_valid("e11.9"));
    char d[16];
    CHECK(s4s_icd10cm_dotted("E119", d, sizeof d) && !strcmp(d, "E11.9"));
    CHECK(s4s_icd10cm_dotted("S72001A", d, sizeof d) && !strcmp(d, "S72.001A"));
    CHECK(!s4s_icd10cm_dotted("E119X", d, sizeof d));
    CHECK(!s4s_icd10cm_dotted("E11.9", d, sizeof d));
    CHECK(!s4s_icd10cm_dotted("E119", d, 5));
    CHECK(s4s_icd10pcs_valid("0DTJ4ZZ"));
    CHECK(!s4s_icd10pcs_valid("0DTJ4Z"));   /* six characters */
    CHECK(!s4s_icd10pcs_valid("0DTI4ZZ"));  /* no I */
    CHECK(!s4s_icd10pcs_valid("0DTO4ZZ"));  /* no O */
    CHECK(s4s_icd9cm_valid("250.00"));
    CHECK(s4s_icd9cm_valid("V22.1"));
    CHECK(s4s_icd9cm_valid("E880.9"));
    CHECK(s4s_icd9cm_valid("39.95"));       /* a procedure */
    CHECK(!s4s_icd9cm_valid("250.001"));
    CHECK(!s4s_icd9cm_valid("E11.9"));
    CHECK(s4s_cpt_valid("99213"));
    CHECK(s4s_cpt_valid("0001F"));
    CHECK(s4s_cpt_valid("0042T"));
    CHECK(!s4s_cpt_valid("4497"));
    CHECK(!s4s_cpt_valid("0001X"));
    CHECK(s4s_hcpcs_valid("J1100"));
    CHECK(!s4s_hcpcs_valid("W1100"));
    CHECK(!s4s_hcpcs_valid("J110"));
}

static void test_systems(void)
{
    CHECK_STR(s4s_system_canonical("urn:oid:2.16.840.1.113883.6.1"), "http://loinc.org");
    CHECK_STR(s4s_system_canonical("http://snomed.info/sct/"), "http://snomed.info/sct");
    CHECK_STR(s4s_system_canonical("http://www.genenames.org/geneId"), "http://www.genenames.org");
    CHECK_STR(s4s_system_canonical("urn:oid:2.16.840.1.113883.6.88"), "http://www.nlm.nih.gov/research/umls/rxnorm");
    CHECK_STR(s4s_system_canonical("urn:oid:2.16.840.1.113883.12.292"), "http://hl7.org/fhir/sid/cvx");
    CHECK_STR(s4s_system_canonical("http://hl7.org/fhir/observation-category"),
              "http://terminology.hl7.org/CodeSystem/observation-category");
    CHECK_STR(s4s_system_canonical("LOINC"), "http://loinc.org");
    CHECK(s4s_system_canonical("http://example.org/x") == NULL);
    CHECK(s4s_system_row("http://snomed.info/sct")->syntax == s4s_snomed_valid);
    /* how a string matched: names, OIDs bare and urn:oid, http/https, '/' */
    s4s_sys_match how;
    CHECK_STR(s4s_system_resolve("SNOMED CT", &how), "http://snomed.info/sct");
    CHECK(how == S4S_SM_NAME);
    CHECK_STR(s4s_system_resolve("RxNorm", &how), "http://www.nlm.nih.gov/research/umls/rxnorm");
    CHECK_STR(s4s_system_resolve("ICD-10-CM", &how), "http://hl7.org/fhir/sid/icd-10-cm");
    CHECK_STR(s4s_system_resolve("icd10cm", &how), "http://hl7.org/fhir/sid/icd-10-cm");
    CHECK_STR(s4s_system_resolve("CPT", &how), "http://www.ama-assn.org/go/cpt");
    CHECK_STR(s4s_system_resolve("2.16.840.1.113883.6.1", &how), "http://loinc.org");
    CHECK(how == S4S_SM_ALIAS);
    CHECK_STR(s4s_system_resolve("https://loinc.org/", &how), "http://loinc.org");
    CHECK(how == S4S_SM_ALIAS);
    CHECK_STR(s4s_system_resolve("http://loinc.org", &how), "http://loinc.org");
    CHECK(how == S4S_SM_EXACT);
    /* THO: its preferred URI wins, even an OID (CDC race and ethnicity) */
    CHECK_STR(s4s_system_resolve("urn:oid:2.16.840.1.113883.6.238", &how), "urn:oid:2.16.840.1.113883.6.238");
    CHECK(how == S4S_SM_EXACT);
    CHECK_STR(s4s_system_resolve("http://terminology.hl7.org/CodeSystem/CVX", &how), "http://hl7.org/fhir/sid/cvx");
    CHECK_STR(s4s_system_resolve("http://terminology.hl7.org/CodeSystem/icd10PCS", &how),
              "http://www.cms.gov/Medicare/Coding/ICD10");
    CHECK(s4s_system_resolve("Snomed Clinical Terms Foo", &how) == NULL && how == S4S_SM_NONE);
    CHECK(s4s_system_resolve("2.16.840.1.999999", &how) == NULL);
    /* every row: its URI is THO's preferred one where THO names the system,
     * and no alias or name of one row resolves to another */
    for (size_t i = 0; s4s_system_at(i); i++) {
        const s4s_system *r = s4s_system_at(i);
        CHECK_STR(s4s_system_canonical(r->uri), r->uri);
        CHECK_STR(s4s_system_canonical(r->key), r->uri);
        CHECK(!r->syntax == !r->pattern);
        CHECK(!r->import == !r->build_flag);
        for (size_t k = 0; k < s4s_tho_naliases; k++)
            if (!strcmp(s4s_tho_aliases[k].alias, r->uri))
                CHECK_STR(s4s_tho_aliases[k].uri, r->uri);
    }
    for (size_t k = 1; k < s4s_tho_naliases; k++)
        CHECK(strcmp(s4s_tho_aliases[k - 1].alias, s4s_tho_aliases[k].alias) < 0);
}

static void test_importers(void)
{
    CHECK(build("--loinc", FX "loinc", "--rxnorm", FX "rxnorm") == 0);
    /* build replaces atomically: a second build adds the rest */
    char *argv[] = {"build", "--out", db, "--loinc", FX "loinc", "--rxnorm", FX "rxnorm/rrf/RXNCONSO.RRF",
                    "--snomed", FX "snomed/Snapshot", "--hgnc", FX "hgnc/hgnc_complete_set.txt",
                    "--cvx", FX "cvx/cvx.txt", "--tsv", "http://hl7.org/fhir/administrative-gender=" FX "tsv/gender.tsv",
                    NULL};
    CHECK(s4s_term_cmd_build((int)(sizeof argv / sizeof argv[0]) - 1, argv) == 0);

    s4s_term *t = NULL;
    CHECK(s4s_term_open(db, &t) == S4S_OK);
    if (!t)
        return;
    s4s_term_result r;
    /* LOINC: LoincTable/Loinc.csv, quoted CSV with CRLF and a multi-line field */
    CHECK(s4s_term_lookup(t, "http://loinc.org", "29463-7", &r) == S4S_OK);
    CHECK(r.status == S4S_TS_ACTIVE);
    CHECK_STR(r.display, "Body weight");
    CHECK_STR(r.unit, "kg");
    CHECK_STR(r.property, "Mass");
    /* deprecated, MapTo gives exactly one successor */
    CHECK(s4s_term_lookup(t, "urn:oid:2.16.840.1.113883.6.1", "33914-3", &r) == S4S_OK);
    CHECK(r.status == S4S_TS_DEPRECATED);
    CHECK_STR(r.replaced_by, "62238-1");
    /* two successors: no single replacement */
    CHECK(s4s_term_lookup(t, "http://loinc.org", "2000-8", &r) == S4S_OK);
    CHECK(r.status == S4S_TS_DEPRECATED && r.replaced_by == NULL);
    CHECK(s4s_term_lookup(t, "http://loinc.org", "2345-7", &r) == S4S_OK && r.status == S4S_TS_TRIAL);
    CHECK(s4s_term_lookup(t, "http://loinc.org", "1234-5", &r) == S4S_OK && r.status == S4S_TS_NOT_FOUND);

    /* RxNorm: SAB filter, SUPPRESS, RXNCUI retired -> current */
    CHECK(s4s_term_lookup(t, "rxnorm", "198211", &r) == S4S_OK && r.status == S4S_TS_ACTIVE);
    CHECK_STR(r.display, "Simvastatin 40 MG Oral Tablet");
    CHECK(s4s_term_lookup(t, "rxnorm", "104490", &r) == S4S_OK && r.status == S4S_TS_RETIRED);
    CHECK_STR(r.replaced_by, "198211");
    CHECK(s4s_term_lookup(t, "rxnorm", "1234567", &r) == S4S_OK && r.status == S4S_TS_RETIRED && !r.replaced_by);
    CHECK(s4s_term_lookup(t, "rxnorm", "1000097", &r) == S4S_OK && r.status == S4S_TS_INACTIVE && !r.display);
    CHECK(s4s_term_lookup(t, "rxnorm", "7777777", &r) == S4S_OK && r.status == S4S_TS_NOT_FOUND); /* VANDF only */

    /* SNOMED: inactive concept with REPLACED BY; POSSIBLY EQUIVALENT is not a replacement */
    CHECK(s4s_term_lookup(t, "http://snomed.info/sct", "118225008", &r) == S4S_OK);
    CHECK(r.status == S4S_TS_INACTIVE);
    CHECK_STR(r.replaced_by, "22298006");
    CHECK(s4s_term_lookup(t, "snomed", "246188002", &r) == S4S_OK && r.status == S4S_TS_INACTIVE && !r.replaced_by);
    CHECK(s4s_term_lookup(t, "snomed", "22298006", &r) == S4S_OK && r.status == S4S_TS_ACTIVE);
    CHECK_STR(r.display, "Myocardial infarction (disorder)");
    bool known, match;
    CHECK(s4s_term_display_match(t, "snomed", "22298006", "heart ATTACK", &known, &match) == S4S_OK);
    CHECK(known && match);  /* synonym, case-folded */
    CHECK(s4s_term_display_match(t, "snomed", "22298006", "Old inactive synonym", &known, &match) == S4S_OK);
    CHECK(known && !match); /* inactive descriptions don't count */
    CHECK(s4s_term_display_match(t, "loinc", "29463-7", "BODY WEIGHT", &known, &match) == S4S_OK && match);

    /* HGNC: by id and by symbol, previous symbols and aliases */
    CHECK(s4s_term_lookup(t, "http://www.genenames.org/geneId", "HGNC:1097", &r) == S4S_OK);
    CHECK(r.status == S4S_TS_ACTIVE);
    CHECK_STR(r.display, "BRAF");
    s4s_gene_result g;
    CHECK(s4s_term_gene(t, "BRAF", &g) == S4S_OK && g.match == S4S_GENE_CURRENT);
    CHECK_STR(g.hgnc_id, "HGNC:1097");
    CHECK(s4s_term_gene(t, "RNF53", &g) == S4S_OK && g.match == S4S_GENE_PREVIOUS);
    CHECK_STR(g.symbol, "BRCA1");
    CHECK(s4s_term_gene(t, "B-RAF1", &g) == S4S_OK && g.match == S4S_GENE_ALIAS);
    CHECK_STR(g.symbol, "BRAF");
    CHECK(s4s_term_gene(t, "HGNC:3236", &g) == S4S_OK && g.match == S4S_GENE_CURRENT);
    CHECK_STR(g.symbol, "EGFR");
    CHECK(s4s_term_gene(t, "NOPE1", &g) == S4S_OK && g.match == S4S_GENE_NONE);

    /* CVX with padded codes; generic TSV with metadata */
    CHECK(s4s_term_lookup(t, "cvx", "08", &r) == S4S_OK && r.status == S4S_TS_ACTIVE);
    CHECK(s4s_term_lookup(t, "cvx", "02", &r) == S4S_OK && r.status == S4S_TS_INACTIVE);
    CHECK(s4s_term_lookup(t, "http://hl7.org/fhir/administrative-gender", "old", &r) == S4S_OK);
    CHECK(r.status == S4S_TS_RETIRED);
    /* a system with no table is "not loaded", never "not found" */
    CHECK(s4s_term_lookup(t, "http://hl7.org/fhir/sid/icd-10-cm", "E11.9", &r) == S4S_OK);
    CHECK(r.status == S4S_TS_NOT_LOADED);
    /* memo: the same answer (same interned pointer) the second time */
    const char *d1, *d2;
    s4s_term_lookup(t, "loinc", "8480-6", &r);
    d1 = r.display;
    s4s_term_lookup(t, "http://loinc.org", "8480-6", &r);
    d2 = r.display;
    CHECK(d1 && d1 == d2);
    s4s_term_close(t);
}

static void test_atomic_failure(void)
{
    struct stat before, after;
    CHECK(stat(db, &before) == 0);
    /* malformed sources: error, and the old cache stays as it was */
    CHECK(build("--loinc", FX "loinc-bad/Loinc.csv", NULL, NULL) == 3);
    CHECK(build("--loinc", FX "loinc-badquote", NULL, NULL) == 3);
    CHECK(build("--rxnorm", FX "rxnorm-bad", NULL, NULL) == 3);
    CHECK(build("--tsv", "http://x.org/cs=" FX "tsv-bad/gender.tsv", NULL, NULL) == 3);
    CHECK(build("--cvx", FX "no-such-file", NULL, NULL) == 2);
    CHECK(stat(db, &after) == 0 && after.st_size == before.st_size && after.st_mtime == before.st_mtime);
    s4s_term *t;
    s4s_term_result r;
    CHECK(s4s_term_open(db, &t) == S4S_OK);
    CHECK(s4s_term_lookup(t, "loinc", "33914-3", &r) == S4S_OK && r.status == S4S_TS_DEPRECATED);
    s4s_term_close(t);
    /* no temp file left behind */
    char cmd[160];
    snprintf(cmd, sizeof cmd, "ls %s | grep -q tmp", dir);
    CHECK(system(cmd) != 0);
    /* not a cache at all */
    CHECK(s4s_term_open(FX "cvx/cvx.txt", &t) != S4S_OK);
    CHECK(s4s_term_open(FX "missing.db", &t) == S4S_ERR_NOTFOUND);
}

/* The generic TSV format of the embedded tables, in a user's own cache:
 * trial/discouraged statuses, other names, code prefixes outside the table. */
static void test_tsv_core(void)
{
    CHECK(build("--tsv", "LOINC=" FX "tsv/loinc-core.tsv", NULL, NULL) == 0);
    s4s_term *t = NULL;
    CHECK(s4s_term_open(db, &t) == S4S_OK);
    if (!t)
        return;
    s4s_term_result r;
    CHECK(s4s_term_lookup(t, "http://loinc.org", "2345-7", &r) == S4S_OK && r.status == S4S_TS_TRIAL);
    CHECK(s4s_term_lookup(t, "http://loinc.org", "1009-0", &r) == S4S_OK && r.status == S4S_TS_DISCOURAGED);
    CHECK(s4s_term_lookup(t, "http://loinc.org", "8480-6", &r) == S4S_OK && r.status == S4S_TS_NOT_FOUND);
    CHECK(s4s_term_lookup(t, "http://loinc.org", "LA6576-8", &r) == S4S_OK && r.status == S4S_TS_NOT_LOADED);
    CHECK(s4s_term_lookup(t, "http://loinc.org", "LP1234-5", &r) == S4S_OK && r.status == S4S_TS_NOT_LOADED);
    CHECK(s4s_term_lookup(t, "http://loinc.org", "LG1234-5", &r) == S4S_OK && r.status == S4S_TS_NOT_FOUND);
    s4s_term_table_info ti;
    CHECK(s4s_term_table(t, "urn:oid:2.16.840.1.113883.6.1", &ti) && ti.complete);
    CHECK_STR(ti.not_covered, "LA LP");
    CHECK_STR(ti.version, "9.9");
    bool known, match;
    /* every '|'-separated name, case and white space folded */
    CHECK(s4s_term_display_match(t, "loinc", "2345-7", "glucose  serpl-mcnc", &known, &match) == S4S_OK);
    CHECK(known && match);
    CHECK(s4s_term_display_match(t, "loinc", "2345-7", "Glucose", &known, &match) == S4S_OK && match);
    CHECK(s4s_term_display_match(t, "loinc", "8302-2", "BODY HEIGHT:LEN:PT", &known, &match) == S4S_OK && match);
    CHECK(s4s_term_display_match(t, "loinc", "2345-7", "Glucose SerPl", &known, &match) == S4S_OK);
    CHECK(known && !match);
    s4s_term_close(t);
}

static void test_embedded(void)
{
    s4s_term *t = NULL;
    s4s_term_set_embedded(s4s_default_db, s4s_default_db_len);
    CHECK(s4s_term_open(NULL, &t) == S4S_OK);
    if (!t)
        return;
    CHECK_STR(s4s_term_source(t), "embedded");
    s4s_term_result r;
    CHECK(s4s_term_lookup(t, "http://loinc.org", "8480-6", &r) == S4S_OK && r.status == S4S_TS_ACTIVE);
    CHECK_STR(r.unit, "mm[Hg]");
    CHECK(s4s_term_lookup(t, "http://hl7.org/fhir/administrative-gender", "female", &r) == S4S_OK);
    CHECK(r.status == S4S_TS_ACTIVE);
    CHECK(s4s_term_lookup(t, "http://terminology.hl7.org/CodeSystem/observation-category", "vital-sign", &r) ==
          S4S_OK);
    CHECK(r.status == S4S_TS_NOT_FOUND); /* the Synthea typo for vital-signs */
    /* no SNOMED content, RxNorm is a sample: misses are "not loaded" */
    CHECK(s4s_term_lookup(t, "http://snomed.info/sct", "22298006", &r) == S4S_OK && r.status == S4S_TS_NOT_LOADED);
    CHECK(s4s_term_lookup(t, "rxnorm", "1", &r) == S4S_OK && r.status == S4S_TS_NOT_LOADED);
    /* LOINC 2.78 core: status from the table; answer codes are outside it */
    CHECK(s4s_term_lookup(t, "loinc", "72166-2", &r) == S4S_OK && r.status == S4S_TS_ACTIVE);
    CHECK(s4s_term_lookup(t, "loinc", "1009-0", &r) == S4S_OK && r.status == S4S_TS_DEPRECATED);
    CHECK(s4s_term_lookup(t, "loinc", "LA9633-4", &r) == S4S_OK && r.status == S4S_TS_NOT_LOADED);
    CHECK(s4s_term_lookup(t, "loinc", "99999-5", &r) == S4S_OK && r.status == S4S_TS_NOT_FOUND);
    s4s_term_table_info ti;
    CHECK(s4s_term_table(t, "LOINC", &ti) && ti.complete && ti.not_covered && !strcmp(ti.version, "2.78"));
    CHECK(s4s_term_table(t, "rxnorm", &ti) && !ti.complete);
    CHECK(!s4s_term_table(t, "snomed", &ti));
    /* CVX 2025: Inactive is valid history, Never Active is retired */
    CHECK(s4s_term_lookup(t, "cvx", "140", &r) == S4S_OK && r.status == S4S_TS_ACTIVE);
    CHECK(s4s_term_lookup(t, "cvx", "02", &r) == S4S_OK && r.status == S4S_TS_INACTIVE);
    CHECK(s4s_term_lookup(t, "cvx", "404", &r) == S4S_OK && r.status == S4S_TS_NOT_FOUND);
    /* genes: the HGNC release, ids and symbols answer each other */
    s4s_gene_result g;
    CHECK(s4s_term_gene(t, "BRAF", &g) == S4S_OK && g.match == S4S_GENE_CURRENT);
    CHECK_STR(g.hgnc_id, "HGNC:1097");
    CHECK(s4s_term_gene(t, "HGNC:1097", &g) == S4S_OK && g.match == S4S_GENE_CURRENT);
    CHECK_STR(g.symbol, "BRAF");
    CHECK(s4s_term_lookup(t, "hgnc", "HGNC:1097", &r) == S4S_OK && r.status == S4S_TS_ACTIVE);
    CHECK(s4s_term_lookup(t, "hgnc", "HGNC:1", &r) == S4S_OK && r.status == S4S_TS_RETIRED); /* withdrawn */
    CHECK_STR(s4s_term_refseq_gene(t, "NM_004333.6"), "BRAF");
    /* the code-system table says what the embedded cache holds (cache.mk
     * and the rows cannot drift apart) */
    for (size_t i = 0; s4s_system_at(i); i++) {
        const s4s_system *row = s4s_system_at(i);
        bool loaded = s4s_term_table(t, row->uri, &ti);
        CHECK(loaded == (row->embedded != S4S_EMB_NONE));
        CHECK(!loaded || ti.complete == (row->embedded == S4S_EMB_COMPLETE));
    }
    CHECK(s4s_term_refseq_gene(t, "NM_999999999") == NULL);
    s4s_term_close(t);
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/s4s-term-test.XXXXXX");
    if (!mkdtemp(dir))
        return 2;
    snprintf(db, sizeof db, "%s/cache.db", dir);
    test_checkdigits();
    test_systems();
    test_importers();
    test_atomic_failure();
    test_tsv_core();
    test_embedded();
    unlink(db);
    rmdir(dir);
    return UNIT_DONE();
}
