/*
 * test_structure.c - unit tests for rules/structure.c (FHIR R4 structure):
 * one positive and negative case per rule family, checking issue code and
 * FHIRPath.  Trees come from a test-only yajl_tree loader.
 */
#include <stdlib.h>
#include <yajl/yajl_tree.h>
#include "unit.h"
#include "../../rules/rule.h"
#include "../../rules/fhirtypes.h"
#include "../../rules/refs.h"
#include "../../rules/tables/fhir_r4.h"

extern const s4s_rule s4s_rule_structure;
static void *state;
static s4s_arena *arena;
static s4s_rctx rc;

static s4s_node *conv(yajl_val v, const char *key)
{
    size_t kl = key ? strlen(key) : 0;
    s4s_node *n;
    if (YAJL_IS_STRING(v)) n = s4s_node_new(arena, S4S_J_STRING, key, kl, v->u.string, strlen(v->u.string));
    else if (YAJL_IS_NUMBER(v)) n = s4s_node_new(arena, S4S_J_NUMBER, key, kl, v->u.number.r, strlen(v->u.number.r));
    else if (YAJL_IS_TRUE(v)) n = s4s_node_new(arena, S4S_J_TRUE, key, kl, NULL, 0);
    else if (YAJL_IS_FALSE(v)) n = s4s_node_new(arena, S4S_J_FALSE, key, kl, NULL, 0);
    else if (YAJL_IS_OBJECT(v)) {
        n = s4s_node_new(arena, S4S_J_OBJECT, key, kl, NULL, 0);
        for (size_t i = 0; i < v->u.object.len; i++)
            s4s_node_append(n, conv(v->u.object.values[i], v->u.object.keys[i]));
    } else if (YAJL_IS_ARRAY(v)) {
        n = s4s_node_new(arena, S4S_J_ARRAY, key, kl, NULL, 0);
        for (size_t i = 0; i < v->u.array.len; i++)
            s4s_node_append(n, conv(v->u.array.values[i], NULL));
    } else {
        n = s4s_node_new(arena, S4S_J_NULL, key, kl, NULL, 0);
    }
    return n;
}

/* Validate one resource given as JSON text; returns the number of issues. */
static unsigned run(const char *json)
{
    char err[256];
    s4s_arena_reset(arena);
    memset(&rc, 0, sizeof rc);
    yajl_val v = yajl_tree_parse(json, err, sizeof err);
    if (!v) { fprintf(stderr, "bad test JSON: %s\n", err); return 999; }
    rc.arena = arena;
    rc.root = conv(v, NULL);
    yajl_tree_free(v);
    rc.type = s4s_get_str(rc.root, "resourceType");
    rc.id = s4s_get_str(rc.root, "id");
    rc.rule = "structure";
    s4s_rule_structure.apply(&rc, state);
    s4s_issue_paths(&rc);
    unsigned n = 0;
    for (s4s_issue_rec *i = rc.issues; i; i = i->next) n++;
    return n;
}

/* Is there an issue with this code at this path (message containing sub)? */
static bool has(const char *code, const char *path, const char *sub)
{
    for (s4s_issue_rec *i = rc.issues; i; i = i->next)
        if (strcmp(i->code, code) == 0 && strcmp(i->path, path) == 0 && (!sub || strstr(i->msg, sub)))
            return true;
    for (s4s_issue_rec *i = rc.issues; i; i = i->next)
        fprintf(stderr, "  have: %s %s %s\n", i->code, i->path, i->msg);
    return false;
}

#define OBS(extra) "{\"resourceType\":\"Observation\",\"id\":\"o1\",\"status\":\"final\"," \
    "\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"8867-4\"}]}" extra "}"

static void test_valid(void)
{
    CHECK(run(OBS(",\"valueQuantity\":{\"value\":72,\"unit\":\"/min\",\"system\":\"http://unitsofmeasure.org\",\"code\":\"/min\"},"
                  "\"effectiveDateTime\":\"2020-02-29T10:00:00+01:00\",\"subject\":{\"reference\":\"Patient/p1\"}")) == 0);
    CHECK(run("{\"resourceType\":\"Patient\",\"id\":\"p\",\"gender\":\"female\",\"birthDate\":\"1970-01\","
              "\"name\":[{\"given\":[\"A\",null],\"_given\":[null,{\"extension\":[{\"url\":\"http://x\",\"valueString\":\"b\"}]}]}],"
              "\"_active\":{\"extension\":[{\"url\":\"http://x\",\"valueBoolean\":true}]}}") == 0);
    CHECK(run("{\"resourceType\":\"Questionnaire\",\"status\":\"draft\",\"item\":[{\"linkId\":\"1\",\"type\":\"group\","
              "\"item\":[{\"linkId\":\"1.1\",\"type\":\"string\"}]}]}") == 0);
}

static void test_elements(void)
{
    CHECK(run(OBS(",\"valueQuantiy\":{\"value\":1}")) == 1);
    CHECK(has("structure", "Observation.valueQuantiy", "did you mean 'valueQuantity'"));
    CHECK(run("{\"resourceType\":\"Patiant\"}") == 1);
    CHECK(has("structure", "Patiant.resourceType", "unknown resourceType"));
    CHECK(run("{\"id\":\"x\"}") == 1);
    CHECK(has("required", "Resource", "resourceType is missing"));
    CHECK(run("{\"resourceType\":\"DomainResource\"}") == 1);
}

static void test_json_types(void)
{
    CHECK(run("{\"resourceType\":\"Patient\",\"active\":\"true\"}") == 1);
    CHECK(has("structure", "Patient.active", "must be a boolean"));
    CHECK(run("{\"resourceType\":\"Patient\",\"multipleBirthInteger\":\"2\"}") == 1);
    CHECK(has("structure", "Patient.multipleBirthInteger", "must be a number"));
    CHECK(run("{\"resourceType\":\"Patient\",\"gender\":1}") == 1);
    CHECK(has("structure", "Patient.gender", "must be a string"));
    CHECK(run("{\"resourceType\":\"Patient\",\"gender\":{\"value\":\"male\"}}") == 1);
    CHECK(has("structure", "Patient.gender", "is a primitive"));
    CHECK(run("{\"resourceType\":\"Patient\",\"gender\":[\"male\"]}") == 1);
    CHECK(has("structure", "Patient.gender", "max cardinality 1"));
    CHECK(run("{\"resourceType\":\"Patient\",\"name\":{\"family\":\"X\"}}") == 1);
    CHECK(has("structure", "Patient.name", "must be an array"));
}

static void test_cardinality(void)
{
    CHECK(run("{\"resourceType\":\"Observation\",\"code\":{\"text\":\"x\"}}") == 1);
    CHECK(has("required", "Observation", "Observation.status"));
    CHECK(run("{\"resourceType\":\"Observation\",\"status\":\"final\",\"code\":{\"text\":\"x\"},"
              "\"component\":[{\"valueString\":\"a\"}]}") == 1);
    CHECK(has("required", "Observation.component[0]", "Observation.component.code"));
    CHECK(run("{\"resourceType\":\"Patient\",\"gender\":\"male\",\"gender\":\"female\"}") == 1);
    CHECK(has("structure", "Patient.gender", "more than once"));
}

static void test_formats(void)
{
    static const struct { const char *json, *path; } bad[] = {
        {"{\"resourceType\":\"Patient\",\"birthDate\":\"2021-02-30\"}", "Patient.birthDate"},
        {"{\"resourceType\":\"Patient\",\"birthDate\":\"1900-02-29\"}", "Patient.birthDate"},
        {"{\"resourceType\":\"Patient\",\"deceasedDateTime\":\"2020-01-01T10:00:00\"}", "Patient.deceasedDateTime"},
        {"{\"resourceType\":\"Patient\",\"deceasedDateTime\":\"2020-01-01T10:00Z\"}", "Patient.deceasedDateTime"},
        {"{\"resourceType\":\"Patient\",\"deceasedDateTime\":\"2020-01-01T10:00:00+15:00\"}", "Patient.deceasedDateTime"},
        {"{\"resourceType\":\"Patient\",\"meta\":{\"lastUpdated\":\"2020-01-01\"}}", "Patient.meta.lastUpdated"},
        {"{\"resourceType\":\"Patient\",\"gender\":\"male \"}", "Patient.gender"},
        {"{\"resourceType\":\"Patient\",\"id\":\"a_b\"}", "Patient.id"},
        {"{\"resourceType\":\"Patient\",\"multipleBirthInteger\":2147483648}", "Patient.multipleBirthInteger"},
        {"{\"resourceType\":\"Patient\",\"multipleBirthInteger\":1.5}", "Patient.multipleBirthInteger"},
        {"{\"resourceType\":\"Patient\",\"photo\":[{\"data\":\"abc\"}]}", "Patient.photo[0].data"},
        {"{\"resourceType\":\"Patient\",\"photo\":[{\"size\":-1}]}", "Patient.photo[0].size"},
        {"{\"resourceType\":\"Patient\",\"implicitRules\":\"http://a b\"}", "Patient.implicitRules"},
        {"{\"resourceType\":\"Patient\",\"language\":\"en  US\"}", "Patient.language"},
        {"{\"resourceType\":\"Observation\",\"status\":\"final\",\"code\":{\"text\":\"x\"},\"valueTime\":\"25:00:00\"}", "Observation.valueTime"},
        {"{\"resourceType\":\"Observation\",\"status\":\"final\",\"code\":{\"text\":\"x\"},\"valueSampledData\":"
         "{\"origin\":{\"value\":1},\"period\":1,\"dimensions\":0}}", "Observation.valueSampledData.dimensions"},
        {"{\"resourceType\":\"Patient\",\"identifier\":[{\"system\":\"urn:oid:1.2.03\"}]}", "Patient.identifier[0].system"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        unsigned n = run(bad[i].json);
        CHECK(n == 1);
        if (!has("value", bad[i].path, NULL)) fprintf(stderr, "  case %zu\n", i);
    }
    CHECK(s4s_fhir_is_date("2000-02-29", 10));
    CHECK(!s4s_fhir_is_date("0000", 4));
    CHECK(s4s_fhir_is_datetime("2015-02-07T13:28:17.239+02:00", 29));
    CHECK(s4s_fhir_is_instant("2015-02-07T13:28:17Z", 20));
    CHECK(!s4s_fhir_is_instant("2015-02-07", 10));
    CHECK(s4s_fhir_is_time("23:59:60", 8));
    CHECK(s4s_fhir_prim_check(S4S_FP_base64Binary, "aGk=", 4) == NULL);
    CHECK(s4s_fhir_prim_check(S4S_FP_base64Binary, "aG=k", 4) != NULL);
    CHECK(s4s_fhir_prim_check(S4S_FP_uuid, "urn:uuid:c757873d-ec9a-4326-a141-556f43239520", 45) == NULL);
    CHECK(s4s_fhir_prim_check(S4S_FP_uuid, "urn:uuid:C757873D-EC9A-4326-A141-556F43239520", 45) != NULL);
    CHECK(s4s_fhir_prim_check(S4S_FP_positiveInt, "0", 1) != NULL);
    CHECK(s4s_fhir_prim_check(S4S_FP_integer, "-2147483648", 11) == NULL);
    /* decimals: anything a double holds passes, beyond it is out of range */
    static const struct { const char *v; bool ok; } dec[] = {
        {"0", true}, {"-0.0e999999", true}, {"1e308", true}, {"1.7976931348623157e308", true},
        {"-17976931348623157e292", true}, {"0.00001e309", true},
        {"1e-999999", true}, {"12345678901234567890.5", true},
        {"1e999999", false}, {"-1e400", false}, {"1.7976931348623159e308", false},
        {"2e308", false}, {"10e308", false}, {"1E+309", false}, {"1e99999999999999999999", false},
        {"17976931348623157000000000001e280", false},
    };
    for (size_t i = 0; i < sizeof dec / sizeof dec[0]; i++) {
        const char *why = s4s_fhir_prim_check(S4S_FP_decimal, dec[i].v, strlen(dec[i].v));
        CHECK((why == NULL) == dec[i].ok);
        if ((why == NULL) != dec[i].ok) fprintf(stderr, "  decimal %s\n", dec[i].v);
    }
}

static void test_choice(void)
{
    CHECK(run(OBS(",\"valueString\":\"a\",\"valueBoolean\":true")) == 1);
    CHECK(has("structure", "Observation.valueBoolean", "only one value[x]"));
    CHECK(run(OBS(",\"valueMoney\":{\"value\":1}")) == 1); /* Money is not an allowed type */
    CHECK(has("structure", "Observation.valueMoney", "unknown element"));
}

static void test_primitive_extensions(void)
{
    CHECK(run("{\"resourceType\":\"Patient\",\"name\":[{\"given\":[\"A\",\"B\"],\"_given\":[null]}]}") == 2); /* + only nulls */
    CHECK(has("structure", "Patient.name[0]._given", "has 1 items"));
    CHECK(run("{\"resourceType\":\"Patient\",\"name\":[{\"given\":[\"A\",null]}]}") == 1);
    CHECK(has("structure", "Patient.name[0].given[1]", "null item"));
    CHECK(run("{\"resourceType\":\"Patient\",\"_gender\":{\"foo\":1}}") == 2); /* unknown + ele-1 */
    CHECK(has("structure", "Patient._gender.foo", "unknown element"));
    CHECK(run("{\"resourceType\":\"Patient\",\"_name\":{\"id\":\"a\"}}") == 1); /* not a primitive */
    CHECK(run("{\"resourceType\":\"Patient\",\"_gender\":{\"id\":\"a\"}}") == 1);
    CHECK(has("invariant", "Patient._gender", "ele-1"));
}

static void test_contained(void)
{
    CHECK(run("{\"resourceType\":\"Observation\",\"status\":\"final\",\"code\":{\"text\":\"x\"},"
              "\"contained\":[{\"resourceType\":\"Patient\",\"id\":\"p\"}],\"subject\":{\"reference\":\"#p\"}}") == 0);
    CHECK(run("{\"resourceType\":\"Observation\",\"status\":\"final\",\"code\":{\"text\":\"x\"},"
              "\"contained\":[{\"resourceType\":\"Patient\",\"id\":\"p\"}],\"subject\":{\"reference\":\"#q\"}}") == 1);
    CHECK(has("not-found", "Observation.subject.reference", NULL));
    CHECK(run("{\"resourceType\":\"Observation\",\"status\":\"final\",\"code\":{\"text\":\"x\"},"
              "\"contained\":[{\"resourceType\":\"Patient\",\"id\":\"p\",\"contained\":[{\"resourceType\":\"Patient\",\"id\":\"q\"}]}]}") == 1);
    CHECK(has("structure", "Observation.contained[0].contained[0]", "dom-2"));
    CHECK(run("{\"resourceType\":\"Observation\",\"contained\":[{\"resourceType\":\"Patient\",\"gender\":\"x\"}],"
              "\"status\":\"final\",\"code\":{\"text\":\"x\"}}") == 1);
    CHECK(has("code-invalid", "Observation.contained[0].gender", NULL));
    CHECK(run("{\"resourceType\":\"Bundle\",\"type\":\"collection\",\"entry\":[{\"resource\":{\"resourceType\":\"Patient\",\"active\":1}}]}") == 1);
    CHECK(has("structure", "Bundle.entry[0].resource.active", NULL));
}

static void test_emptiness(void)
{
    CHECK(run("{\"resourceType\":\"Patient\",\"name\":[{}]}") == 1);
    CHECK(has("structure", "Patient.name[0]", "must not be empty"));
    CHECK(run("{\"resourceType\":\"Patient\",\"name\":[]}") == 1);
    CHECK(has("structure", "Patient.name", "must not be empty"));
    CHECK(run("{\"resourceType\":\"Patient\",\"name\":[{\"family\":\"\"}]}") == 1);
    CHECK(has("value", "Patient.name[0].family", "empty"));
    CHECK(run("{\"resourceType\":\"Patient\",\"name\":[{\"id\":\"n1\"}]}") == 1);
    CHECK(has("invariant", "Patient.name[0]", "ele-1"));
}

static void test_bindings(void)
{
    CHECK(run(OBS("") ) == 0);
    CHECK(run("{\"resourceType\":\"Observation\",\"status\":\"done\",\"code\":{\"text\":\"x\"}}") == 1);
    CHECK(has("code-invalid", "Observation.status", "'done'"));
    CHECK(run("{\"resourceType\":\"Patient\",\"gender\":\"M\"}") == 1);
    CHECK(has("code-invalid", "Patient.gender", NULL));
    CHECK(run(OBS(",\"valueQuantity\":{\"value\":1,\"comparator\":\"=\"}")) == 1);
    CHECK(has("code-invalid", "Observation.valueQuantity.comparator", NULL));
    CHECK(run("{\"resourceType\":\"Condition\",\"subject\":{\"reference\":\"Patient/p\"},\"clinicalStatus\":{\"coding\":"
              "[{\"system\":\"http://terminology.hl7.org/CodeSystem/condition-clinical\",\"code\":\"gone\"}]}}") == 1);
    CHECK(has("code-invalid", "Condition.clinicalStatus.coding[0].code", NULL));
}

static void test_references(void)
{
    CHECK(run(OBS(",\"subject\":{\"reference\":\"Patient/\"}")) == 1);
    CHECK(has("invalid", "Observation.subject.reference", NULL));
    CHECK(run(OBS(",\"subject\":{\"reference\":\"Patinet/1\"}")) == 1);
    CHECK(run(OBS(",\"subject\":{\"reference\":\"Medication/1\"}")) == 1);
    CHECK(has("structure", "Observation.subject.reference", "Medication"));
    CHECK(run(OBS(",\"subject\":{\"reference\":\"urn:uuid:c757873d-ec9a-4326-a141-556f43239520\"}")) == 0);
    CHECK(run(OBS(",\"subject\":{\"reference\":\"http://x.org/fhir/Patient/1/_history/2\"}")) == 0);
    CHECK(run(OBS(",\"subject\":{\"reference\":\"http://x.org/fhir/Practitioner/1\"}")) == 1);
    CHECK(run(OBS(",\"subject\":{\"reference\":\"Patient?identifier=x\"}")) == 0);
    s4s_ref r;
    s4s_ref_parse("Patient/1/_history/2", 20, &r);
    CHECK(r.kind == S4S_REF_RELATIVE && r.idlen == 1);
    s4s_ref_parse("#", 1, &r);
    CHECK(r.kind == S4S_REF_LOCAL && r.idlen == 0);
}

static void test_version_sniff(void)
{
    CHECK(run("{\"resourceType\":\"MedicationOrder\",\"id\":\"m\",\"status\":\"active\"}") == 1);
    CHECK(has("not-supported", "MedicationOrder", "DSTU2"));
    CHECK(run("{\"resourceType\":\"Patient\",\"animal\":{\"species\":{\"text\":\"dog\"}},\"careProvider\":[{\"reference\":\"Practitioner/1\"}],"
              "\"name\":[{\"family\":[\"X\"]}]}") == 1);
    CHECK(has("not-supported", "Patient", "Patient.animal"));
    CHECK(run("{\"resourceType\":\"Immunization\",\"status\":\"in-progress\",\"vaccineCode\":{\"text\":\"x\"},"
              "\"patient\":{\"reference\":\"Patient/1\"},\"occurrenceDateTime\":\"2020\"}") == 1);
    CHECK(has("not-supported", "Immunization", "Immunization.status"));
}

/* Every name of the generated table is found by the lookup (the C hash and
 * the generator's agree), and the byte scans that skip 8 bytes at a time
 * still see a space, tab or form feed at every position. */
static void test_lookup_and_scans(void)
{
    unsigned missing = 0;
    for (uint32_t i = 0; i < S4S_FHIR_HASH_SIZE; i++) {
        const s4s_fhir_key *k = &s4s_fhir_keys[i];
        if (k->len && s4s_fhir_key_lookup(k->ctx, S4S_FHIR_STR(k->name), k->len) != k) missing++;
    }
    CHECK(missing == 0);
    CHECK(s4s_fhir_key_lookup(S4S_FHIR_CTX_Element, "idx", 3) == NULL);
    unsigned wrong = 0;
    for (size_t len = 3; len <= 20; len++)
        for (size_t pos = 1; pos + 1 < len; pos++) {
            char b[24];
            memset(b, 'a', len);
            b[pos] = ' ';
            wrong += s4s_fhir_prim_check(S4S_FP_code, b, len) != NULL;      /* one inner space is fine */
            wrong += s4s_fhir_prim_check(S4S_FP_uri, b, len) == NULL;
            b[pos + 1] = ' ';
            if (pos + 2 < len) wrong += s4s_fhir_prim_check(S4S_FP_code, b, len) == NULL;
            b[pos + 1] = 'a';
            b[pos] = '\t';
            wrong += s4s_fhir_prim_check(S4S_FP_code, b, len) == NULL;
            wrong += s4s_fhir_prim_check(S4S_FP_uri, b, len) == NULL;
            b[pos] = '\f';
            wrong += s4s_fhir_prim_check(S4S_FP_string, b, len) == NULL;
            b[pos] = '\x01'; /* a control character, but no whitespace */
            wrong += s4s_fhir_prim_check(S4S_FP_uri, b, len) != NULL;
            wrong += s4s_fhir_prim_check(S4S_FP_string, b, len) != NULL;
        }
    CHECK(wrong == 0);
    /* every position of a uuid set to every byte, both cases, against a
     * plain reading of the format (the library checks 16 bytes at a time) */
    unsigned uwrong = 0;
    for (int upper = 0; upper < 2; upper++)
        for (size_t pos = 0; pos < 45; pos++)
            for (int c = 0; c < 256; c++) {
                char u[46];
                memcpy(u, upper ? "urn:uuid:C757873D-EC9A-4326-A141-556F43239520"
                                : "urn:uuid:c757873d-ec9a-4326-a141-556f43239520", 46);
                u[pos] = (char)c;
                bool lower_ok = memcmp(u, "urn:uuid:", 9) == 0, any_ok = lower_ok;
                for (size_t i = 9; i < 45; i++) {
                    unsigned char b = (unsigned char)u[i];
                    bool dash = i == 17 || i == 22 || i == 27 || i == 32;
                    bool lo = (b >= '0' && b <= '9') || (b >= 'a' && b <= 'f');
                    bool up = b >= 'A' && b <= 'F';
                    if (dash ? b != '-' : !lo) lower_ok = false;
                    if (dash ? b != '-' : !(lo || up)) any_ok = false;
                }
                uwrong += s4s_fhir_is_uuid(u, 45) != lower_ok;
                uwrong += s4s_fhir_is_uuid_ci(u, 45) != any_ok;
            }
    CHECK(uwrong == 0);
    /* ids of every length around the limit, every position set to every
     * byte, against [A-Za-z0-9-.]{1,64} read plainly (the library checks
     * 16 bytes at a time from 16 bytes on) */
    unsigned iwrong = 0, iok = 0;
    for (size_t len = 1; len <= 66; len++)
        for (size_t pos = 0; pos < len; pos++)
            for (int c = 0; c < 256; c++) {
                char id[66];
                for (size_t i = 0; i < len; i++)
                    id[i] = "aZ09-.x"[i % 7];
                id[pos] = (char)c;
                bool want = len <= 64;
                for (size_t i = 0; i < len; i++) {
                    unsigned char b = (unsigned char)id[i];
                    if (!((b >= '0' && b <= '9') || (b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z') ||
                          b == '-' || b == '.'))
                        want = false;
                }
                bool got = s4s_fhir_is_id(id, len);
                iwrong += got != want;
                iok += got;
            }
    CHECK(iwrong == 0);
    CHECK(iok == 64u * 65 / 2 * 64); /* 64 id bytes at each position of each valid length */
    CHECK(!s4s_fhir_is_id("", 0));
    CHECK(s4s_fhir_is_uuid_ci("urn:uuid:C757873D-EC9A-4326-A141-556F43239520", 45));
    CHECK(!s4s_fhir_is_uuid_ci("urn:uuid:G757873D-EC9A-4326-A141-556F43239520", 45));
    CHECK(!s4s_fhir_is_uuid_ci("urn:uuid:c757873d-ec9a-4326-a141-556f4323952@", 45));
    CHECK(!s4s_fhir_is_uuid_ci("urn:uuid:c757873d-ec9a-4326-a141-556f4323952`", 45));
}

/* The parser's S4S_KK_* bits of a tree are trusted only until an edit
 * inserts, moves or removes nodes: a member added by a family (a "system"
 * beside a lone "code") is in no bit of its ancestors. */
static void test_kinds_trust(void)
{
    for (int how = 0; how < 3; how++) {
        run("{\"resourceType\":\"Basic\",\"code\":{\"coding\":[{\"code\":\"x\"}]}}");
        rc.kinds = true;
        CHECK(s4s_rctx_kinds(&rc));
        s4s_node *coding = s4s_get(rc.root, "code")->first->first;
        if (how == 0)
            s4s_edit_add_str(&rc, coding, "system", "http://example.org", "test", "added");
        else if (how == 1)
            s4s_edit_remove(&rc, s4s_get(coding, "code"), "test", "removed");
        else
            s4s_edit_insert_json(&rc, coding, NULL, "system", "\"http://example.org\"", "test", "added");
        CHECK(!s4s_rctx_kinds(&rc));
    }
}

int main(void)
{
    CHECK(s4s_rule_structure.init(NULL, NULL, &state) == S4S_OK);
    arena = s4s_arena_new(1 << 16);
    test_valid();
    test_elements();
    test_json_types();
    test_cardinality();
    test_formats();
    test_choice();
    test_primitive_extensions();
    test_contained();
    test_emptiness();
    test_bindings();
    test_references();
    test_version_sniff();
    test_lookup_and_scans();
    test_kinds_trust();
    s4s_arena_free(arena);
    s4s_rule_structure.fini(state);
    return UNIT_DONE();
}
