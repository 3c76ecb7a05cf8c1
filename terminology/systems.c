/*
 * systems.c - the code-system URI table: canonical URI, short name, aliases,
 * and which syntax check applies.
 *
 * One row per system (from ../shared/sources/s4s/code-system-uris.json plus
 * the OIDs and old URIs seen in real feeds).  Invariant: every alias maps to
 * exactly one canonical URI, and a canonical URI is never another row's alias.
 * Matching is exact (URIs are case-sensitive) except short names, which match
 * case-insensitively.  Everything here is static and read-only.
 */
#include <string.h>
#include <strings.h>

#include "term.h"

typedef struct sys_row {
    const char *uri;
    const char *short_name;
    s4s_code_check check;
    const char *aliases[6];
} sys_row;

static const sys_row rows[] = {
    {"http://loinc.org", "loinc", S4S_CHK_LOINC,
     {"urn:oid:2.16.840.1.113883.6.1", "http://loinc.org/", "https://loinc.org", "http://www.loinc.org", NULL}},
    {"http://snomed.info/sct", "snomed", S4S_CHK_SNOMED,
     {"http://snomed.info/sct/", "urn:oid:2.16.840.1.113883.6.96", "https://snomed.info/sct", "http://www.snomed.org/", NULL}},
    {"http://www.nlm.nih.gov/research/umls/rxnorm", "rxnorm", S4S_CHK_RXNORM,
     {"urn:oid:2.16.840.1.113883.6.88", "http://www.nlm.nih.gov/research/umls/rxnorm/",
      "https://www.nlm.nih.gov/research/umls/rxnorm", "http://rxnav.nlm.nih.gov/REST/rxcui", NULL}},
    {"http://hl7.org/fhir/sid/cvx", "cvx", S4S_CHK_CVX,
     {"urn:oid:2.16.840.1.113883.12.292", "http://www2a.cdc.gov/vaccines/iis/iisstandards/vaccines.asp?rpt=cvx",
      "http://hl7.org/fhir/sid/cvx/", NULL}},
    {"http://hl7.org/fhir/sid/ndc", "ndc", S4S_CHK_NDC,
     {"urn:oid:2.16.840.1.113883.6.69", "http://hl7.org/fhir/sid/ndc/", NULL}},
    {"http://www.genenames.org", "hgnc", S4S_CHK_HGNC,
     {"http://www.genenames.org/geneId", "urn:oid:2.16.840.1.113883.6.281", "http://www.genenames.org/",
      "https://www.genenames.org", "http://www.genenames.org/geneid", NULL}},
    {"http://hl7.org/fhir/sid/icd-9-cm", "icd9cm", S4S_CHK_NONE, {"urn:oid:2.16.840.1.113883.6.103", NULL}},
    {"http://hl7.org/fhir/sid/icd-10-cm", "icd10cm", S4S_CHK_NONE, {"urn:oid:2.16.840.1.113883.6.90", NULL}},
    {"http://hl7.org/fhir/sid/icd-10", "icd10", S4S_CHK_NONE, {"urn:oid:2.16.840.1.113883.6.3", NULL}},
    {"http://www.ama-assn.org/go/cpt", "cpt", S4S_CHK_NONE, {"urn:oid:2.16.840.1.113883.6.12", NULL}},
    {"http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets", "hcpcs", S4S_CHK_NONE,
     {"urn:oid:2.16.840.1.113883.6.285", NULL}},
    {"http://www.cms.gov/Medicare/Coding/ICD10", "icd10pcs", S4S_CHK_NONE, {"urn:oid:2.16.840.1.113883.6.4", NULL}},
    {"http://www.ada.org/cdt", "cdt", S4S_CHK_NONE, {"urn:oid:2.16.840.1.113883.6.13", NULL}},
    {"http://unitsofmeasure.org", "ucum", S4S_CHK_NONE,
     {"urn:oid:2.16.840.1.113883.6.8", "http://unitsofmeasure.org/", "https://unitsofmeasure.org", NULL}},
    {"http://rxnav.nlm.nih.gov/REST/Ndfrt", "ndfrt", S4S_CHK_NONE, {"urn:oid:2.16.840.1.113883.3.26.1.5", NULL}},
    {"http://terminology.hl7.org/CodeSystem/observation-category", "observation-category", S4S_CHK_NONE,
     {"http://hl7.org/fhir/observation-category", NULL}},
    {"http://terminology.hl7.org/CodeSystem/v2-0074", "v2-0074", S4S_CHK_NONE,
     {"http://hl7.org/fhir/v2/0074", NULL}},
    {"http://varnomen.hgvs.org", "hgvs", S4S_CHK_NONE, {"http://varnomen.hgvs.org/", NULL}},
    {"http://www.sequenceontology.org", "so", S4S_CHK_NONE, {NULL}},
    {"http://www.ncbi.nlm.nih.gov/refseq", "refseq", S4S_CHK_NONE, {NULL}},
    {"http://www.ncbi.nlm.nih.gov/clinvar", "clinvar", S4S_CHK_NONE, {NULL}},
};
#define N_ROWS (sizeof rows / sizeof rows[0])

static const sys_row *find(const char *s)
{
    if (!s || !*s)
        return NULL;
    for (size_t i = 0; i < N_ROWS; i++)
        if (!strcmp(s, rows[i].uri))
            return &rows[i];
    for (size_t i = 0; i < N_ROWS; i++)
        for (const char *const *a = rows[i].aliases; *a; a++)
            if (!strcmp(s, *a))
                return &rows[i];
    for (size_t i = 0; i < N_ROWS; i++)
        if (!strcasecmp(s, rows[i].short_name))
            return &rows[i];
    return NULL;
}

const char *s4s_system_canonical(const char *uri_or_alias)
{
    const sys_row *r = find(uri_or_alias);
    return r ? r->uri : NULL;
}

s4s_code_check s4s_system_check(const char *uri_or_alias)
{
    const sys_row *r = find(uri_or_alias);
    return r ? r->check : S4S_CHK_NONE;
}

const char *s4s_system_aliases(const char *canonical, unsigned i)
{
    const sys_row *r = find(canonical);
    if (!r)
        return NULL;
    for (unsigned k = 0; r->aliases[k]; k++)
        if (k == i)
            return r->aliases[k];
    return NULL;
}
