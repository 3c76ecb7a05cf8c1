/*
 * systems.c - the code-system table (systems.h): one row per system, and
 * the resolution of any system string (URI, alias, OID, free-text name) to
 * its canonical URI.
 *
 * Invariants: a row's uri is THO's preferred URI where THO names the system
 * (test_term checks it against tables/systems_tho.c); every alias and name
 * maps to exactly one row; rows are in s4s_sys_id order.  Sources: THO 7.0.1
 * NamingSystems (generated table), ../shared/sources/s4s/code-system-uris.json
 * and the retired URIs and names seen in real feeds (the rows below).
 * Everything here is static and read-only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "systems.h"
#include "term.h"
#include "term_build.h"

static const s4s_system rows[S4S_SYS_COUNT] = {
    [S4S_SYS_LOINC] = {"http://loinc.org", "loinc", "LOINC", "loinc", "http://www.loinc.org",
                       s4s_loinc_code_valid, "LOINC code (NNNNN-C with mod-10 check digit, or LA/LP/LG/LL code)",
                       s4s_import_loinc, "--loinc", "PATH", S4S_EMB_COMPLETE},
    [S4S_SYS_SNOMED] = {"http://snomed.info/sct", "snomed", "SNOMED CT", "snomed|snomedct|sct",
                        "http://www.snomed.org/", s4s_snomed_valid,
                        "SNOMED CT concept id (Verhoeff check digit, partition 00/10)", s4s_import_snomed,
                        "--snomed", "PATH", S4S_EMB_NONE},
    [S4S_SYS_RXNORM] = {"http://www.nlm.nih.gov/research/umls/rxnorm", "rxnorm", "RxNorm", "rxnorm",
                        "http://rxnav.nlm.nih.gov/REST/rxcui", s4s_rxcui_valid, "RxNorm RXCUI (digits)",
                        s4s_import_rxnorm, "--rxnorm", "PATH", S4S_EMB_PARTIAL},
    [S4S_SYS_CVX] = {"http://hl7.org/fhir/sid/cvx", "cvx", "CVX", "cvx",
                     "http://www2a.cdc.gov/vaccines/iis/iisstandards/vaccines.asp?rpt=cvx", s4s_cvx_valid,
                     "CVX code (1-3 digits)", s4s_import_cvx, "--cvx", "FILE", S4S_EMB_COMPLETE},
    [S4S_SYS_NDC] = {"http://hl7.org/fhir/sid/ndc", "ndc", "NDC", "ndc", NULL, s4s_ndc_valid,
                     "NDC (10 digits as 4-4-2, 5-3-2 or 5-4-1, or 11 digits as 5-4-2)", NULL, NULL, NULL,
                     S4S_EMB_NONE},
    [S4S_SYS_HGNC] = {"http://www.genenames.org", "hgnc", "HGNC", "hgnc", "http://www.genenames.org/geneid",
                      s4s_hgnc_id_valid, "HGNC id (HGNC:n)", s4s_import_hgnc, "--hgnc", "FILE", S4S_EMB_COMPLETE},
    [S4S_SYS_ICD9CM] = {"http://hl7.org/fhir/sid/icd-9-cm", "icd9cm", "ICD-9-CM", "icd9cm|icd9", NULL,
                        s4s_icd9cm_valid, "ICD-9-CM code (NNN[.NN], VNN[.NN], ENNN[.N] or procedure NN.N[N])",
                        NULL, NULL, NULL, S4S_EMB_NONE},
    [S4S_SYS_ICD10CM] = {"http://hl7.org/fhir/sid/icd-10-cm", "icd10cm", "ICD-10-CM", "icd10cm", NULL,
                         s4s_icd10cm_valid,
                         "ICD-10-CM code (letter, digit, digit or letter, then optionally '.' and up to 4 more "
                         "letters or digits, e.g. E11.9)", NULL, NULL, NULL, S4S_EMB_NONE},
    [S4S_SYS_ICD10] = {"http://hl7.org/fhir/sid/icd-10", "icd10", "ICD-10", "icd10", NULL, NULL, NULL, NULL, NULL,
                       NULL, S4S_EMB_NONE},
    [S4S_SYS_ICD10PCS] = {"http://www.cms.gov/Medicare/Coding/ICD10", "icd10pcs", "ICD-10-PCS", "icd10pcs", NULL,
                          s4s_icd10pcs_valid, "ICD-10-PCS code (exactly 7 of 0-9 and A-Z without I and O)", NULL,
                          NULL, NULL, S4S_EMB_NONE},
    [S4S_SYS_CPT] = {"http://www.ama-assn.org/go/cpt", "cpt", "CPT", "cpt|cpt4", NULL, s4s_cpt_valid,
                     "CPT code (5 digits, or 4 digits and F, T or U)", NULL, NULL, NULL, S4S_EMB_NONE},
    [S4S_SYS_HCPCS] = {"http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets", "hcpcs", "HCPCS Level II",
                       "hcpcs|hcpcslevelii|hcpcsii", NULL, s4s_hcpcs_valid,
                       "HCPCS Level II code (a letter A-V and 4 digits)", NULL, NULL, NULL, S4S_EMB_NONE},
    [S4S_SYS_CDT] = {"http://www.ada.org/cdt", "cdt", "CDT", "cdt", NULL, NULL, NULL, NULL, NULL, NULL,
                     S4S_EMB_NONE},
    [S4S_SYS_UCUM] = {"http://unitsofmeasure.org", "ucum", "UCUM", "ucum", NULL, NULL, NULL, NULL, NULL, NULL,
                      S4S_EMB_NONE},
    [S4S_SYS_NDFRT] = {"http://rxnav.nlm.nih.gov/REST/Ndfrt", "ndfrt", "NDF-RT (RxNav)", "ndfrt", NULL, NULL, NULL,
                       NULL, NULL, NULL, S4S_EMB_NONE},
    [S4S_SYS_OBSCAT] = {"http://terminology.hl7.org/CodeSystem/observation-category", "observation-category",
                        "observation category", "observationcategory", "http://hl7.org/fhir/observation-category",
                        NULL, NULL, NULL, NULL, NULL, S4S_EMB_COMPLETE},
    [S4S_SYS_V2_0074] = {"http://terminology.hl7.org/CodeSystem/v2-0074", "v2-0074", "HL7 v2 table 0074",
                         "v20074", "http://hl7.org/fhir/v2/0074", NULL, NULL, NULL, NULL, NULL, S4S_EMB_COMPLETE},
    [S4S_SYS_HGVS] = {"http://varnomen.hgvs.org", "hgvs", "HGVS", "hgvs", NULL, NULL, NULL, NULL, NULL, NULL,
                      S4S_EMB_NONE},
    [S4S_SYS_SO] = {"http://www.sequenceontology.org", "so", "Sequence Ontology", "so|sequenceontology", NULL, NULL,
                    NULL, NULL, NULL, NULL, S4S_EMB_NONE},
    [S4S_SYS_REFSEQ] = {"http://www.ncbi.nlm.nih.gov/refseq", "refseq", "RefSeq", "refseq|ncbirefseq", NULL, NULL,
                        NULL, NULL, NULL, NULL, S4S_EMB_NONE},
    [S4S_SYS_CLINVAR] = {"http://www.ncbi.nlm.nih.gov/clinvar", "clinvar", "ClinVar", "clinvar", NULL, NULL, NULL,
                         NULL, NULL, NULL, S4S_EMB_NONE},
};

const s4s_system *s4s_system_get(s4s_sys_id id)
{
    return (unsigned)id < S4S_SYS_COUNT ? &rows[id] : NULL;
}

const char *s4s_sys_uri(s4s_sys_id id)
{
    return (unsigned)id < S4S_SYS_COUNT ? rows[id].uri : NULL;
}

const s4s_system *s4s_system_at(size_t i)
{
    return i < S4S_SYS_COUNT ? &rows[i] : NULL;
}

const s4s_system *s4s_system_row(const char *canonical)
{
    for (size_t i = 0; canonical && i < S4S_SYS_COUNT; i++)
        if (!strcmp(canonical, rows[i].uri))
            return &rows[i];
    return NULL;
}

/* Is w one of the space- or '|'-separated words of list? */
static bool in_list(const char *list, const char *w, size_t n)
{
    for (const char *p = list; p && *p;) {
        size_t k = strcspn(p, " |");
        if (k == n && !memcmp(p, w, n))
            return true;
        p += k;
        p += *p != '\0';
    }
    return false;
}

static int alias_cmp(const void *key, const void *elt)
{
    return strcmp(key, ((const s4s_sys_alias *)elt)->alias);
}

/* Exact: a row's URI or alias, then THO. */
static const char *exact(const char *s, s4s_sys_match *how)
{
    size_t n = strlen(s);
    for (size_t i = 0; i < S4S_SYS_COUNT; i++) {
        if (!strcmp(s, rows[i].uri)) {
            *how = S4S_SM_EXACT;
            return rows[i].uri;
        }
        if (in_list(rows[i].aliases, s, n)) {
            *how = S4S_SM_ALIAS;
            return rows[i].uri;
        }
    }
    const s4s_sys_alias *a = bsearch(s, s4s_tho_aliases, s4s_tho_naliases, sizeof *a, alias_cmp);
    if (!a)
        return NULL;
    *how = strcmp(a->alias, a->uri) ? S4S_SM_ALIAS : S4S_SM_EXACT;
    return a->uri;
}

static bool is_bare_oid(const char *s)
{
    if (s[0] < '0' || s[0] > '2' || s[1] != '.')
        return false;
    for (const char *p = s + 1; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p == '.' && p[1] >= '0' && p[1] <= '9')))
            return false;
    return true;
}

/* https<->http and a trailing '/' dropped, one at a time and together. */
static const char *variants(const char *s)
{
    char buf[512];
    size_t n = strlen(s);
    if (n + 16 >= sizeof buf)
        return NULL;
    s4s_sys_match how;
    if (is_bare_oid(s)) {
        memcpy(buf, "urn:oid:", 8);
        memcpy(buf + 8, s, n + 1);
        return exact(buf, &how);
    }
    bool https = !strncmp(s, "https://", 8), http = !strncmp(s, "http://", 7);
    bool slash = n > 1 && s[n - 1] == '/';
    for (int v = 1; v < 4; v++) {
        bool swap = v & 1, trim = v & 2;
        if ((swap && !https && !http) || (trim && !slash))
            continue;
        const char *rest = swap ? s + (https ? 8 : 7) : s;
        size_t rn = strlen(rest) - (trim ? 1 : 0);
        int w = snprintf(buf, sizeof buf, "%s%.*s", swap ? (https ? "http://" : "https://") : "", (int)rn, rest);
        if (w < 0 || (size_t)w >= sizeof buf)
            continue;
        const char *c = exact(buf, &how);
        if (c)
            return c;
    }
    return NULL;
}

/* Free-text name: letters and digits only, lower-cased. */
static const char *by_name(const char *s)
{
    char f[64];
    size_t n = 0;
    for (const char *p = s; *p; p++) {
        char c = *p;
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
            if (n + 1 >= sizeof f)
                return NULL;
            f[n++] = c;
        } else if (c != ' ' && c != '-' && c != '_') {
            return NULL;
        }
    }
    for (size_t i = 0; n && i < S4S_SYS_COUNT; i++)
        if (in_list(rows[i].names, f, n))
            return rows[i].uri;
    return NULL;
}

const char *s4s_system_resolve(const char *s, s4s_sys_match *how)
{
    s4s_sys_match dummy;
    if (!how)
        how = &dummy;
    *how = S4S_SM_NONE;
    if (!s || !*s)
        return NULL;
    const char *c = exact(s, how);
    if (c)
        return c;
    if ((c = variants(s))) {
        *how = S4S_SM_ALIAS;
        return c;
    }
    for (size_t i = 0; i < S4S_SYS_COUNT; i++)
        if (!strcmp(s, rows[i].key)) {
            *how = S4S_SM_NAME;
            return rows[i].uri;
        }
    if ((c = by_name(s)))
        *how = S4S_SM_NAME;
    return c;
}

const char *s4s_system_canonical(const char *uri_or_alias)
{
    return s4s_system_resolve(uri_or_alias, NULL);
}
