/*
 * test_fhirpath.c - the FHIRPath engine: the specification's own examples
 * (FHIRPath N1 / R4), empty propagation, three-valued logic, date/time
 * precision, exact decimals, UCUM quantities; and that every invariant of
 * the generated R4 table compiles (`--invariants-only` runs just that, for
 * `make tables`).
 */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "../../rules/fhirpath.h"
#include "../../rules/tables/fhir_invariants.h"
#include "../fuzz/fuzz_fhirpath.c"

static const char *patient =
    "{\"resourceType\":\"Patient\",\"id\":\"example\","
    "\"name\":[{\"use\":\"official\",\"family\":\"Chalmers\",\"given\":[\"Peter\",\"James\"]},"
    "{\"use\":\"usual\",\"given\":[\"Jim\"]}],"
    "\"telecom\":[{\"use\":\"home\"},{\"system\":\"phone\",\"value\":\"(03) 5555 6473\",\"use\":\"work\",\"rank\":1}],"
    "\"gender\":\"male\",\"birthDate\":\"1974-12-25\","
    "\"_birthDate\":{\"extension\":[{\"url\":\"http://hl7.org/fhir/StructureDefinition/patient-birthTime\","
    "\"valueDateTime\":\"1974-12-25T14:35:45-05:00\"}]},"
    "\"deceasedBoolean\":false,\"active\":true,"
    "\"contained\":[{\"resourceType\":\"Organization\",\"id\":\"o1\",\"name\":\"Clinic\"}],"
    "\"managingOrganization\":{\"reference\":\"#o1\"}}";

static const char *obs =
    "{\"resourceType\":\"Observation\",\"status\":\"final\",\"code\":{\"text\":\"w\"},"
    "\"valueQuantity\":{\"value\":185,\"unit\":\"lbs\",\"system\":\"http://unitsofmeasure.org\",\"code\":\"[lb_av]\"},"
    "\"effectivePeriod\":{\"start\":\"2019-05-03\",\"end\":\"2019-04-01\"}}";

static char got[8192];

static const char *ev(const char *expr, const char *json)
{
    s4s_buf b;
    s4s_buf_init(&b, 1 << 20);
    s4s_fp_run(expr, json, NULL, &b);
    snprintf(got, sizeof got, "%.*s", (int)b.len, b.p ? b.p : "");
    s4s_buf_free(&b);
    return got;
}

#define R(x) "{\"result\":[" x "]}"
#define B(v) "{\"type\":\"Boolean\",\"value\":" #v "}"
#define I(v) "{\"type\":\"Integer\",\"value\":" #v "}"
#define D(v) "{\"type\":\"Decimal\",\"value\":" #v "}"
#define S(v) "{\"type\":\"String\",\"value\":\"" v "\"}"

static void test_paths(void)
{
    CHECK_STR(ev("Patient.name.given", patient),
              R("{\"type\":\"string\",\"value\":\"Peter\"},{\"type\":\"string\",\"value\":\"James\"},"
                "{\"type\":\"string\",\"value\":\"Jim\"}"));
    CHECK_STR(ev("name.where(use = 'usual').given", patient), R("{\"type\":\"string\",\"value\":\"Jim\"}"));
    CHECK_STR(ev("Patient.birthDate", patient), R("{\"type\":\"date\",\"value\":\"1974-12-25\"}"));
    CHECK_STR(ev("Observation.name", patient), R(""));            /* type filter at the root */
    CHECK_STR(ev("name[1].given", patient), R("{\"type\":\"string\",\"value\":\"Jim\"}"));
    CHECK_STR(ev("telecom.where(use = 'home').value.empty()", patient), R(B(true)));
    CHECK_STR(ev("deceased", patient), R("{\"type\":\"boolean\",\"value\":false}")); /* choice: value[x] */
    CHECK_STR(ev("value.unit", obs), R("{\"type\":\"string\",\"value\":\"lbs\"}"));
    CHECK_STR(ev("value is Quantity", obs), R(B(true)));
    CHECK_STR(ev("value.ofType(Quantity).value", obs), R("{\"type\":\"decimal\",\"value\":185}"));
    CHECK_STR(ev("birthDate.extension('http://hl7.org/fhir/StructureDefinition/patient-birthTime').value", patient),
              R("{\"type\":\"dateTime\",\"value\":\"1974-12-25T14:35:45-05:00\"}"));
    CHECK_STR(ev("managingOrganization.resolve().name", patient), R("{\"type\":\"string\",\"value\":\"Clinic\"}"));
    CHECK_STR(ev("contained.ofType(Organization).count()", patient), R(I(1)));
    CHECK_STR(ev("Patient.is(DomainResource)", patient), R(B(true)));
    CHECK_STR(ev("`birthDate`.hasValue() and name.hasValue().not()", patient), R(B(true)));
    CHECK_STR(ev("name.select(given.first())", patient),
              R("{\"type\":\"string\",\"value\":\"Peter\"},{\"type\":\"string\",\"value\":\"Jim\"}"));
    CHECK_STR(ev("name.given.count() = 3 and name.all(given.exists())", patient), R(B(true)));
    CHECK_STR(ev("%resource.id", patient), R("{\"type\":\"id\",\"value\":\"example\"}"));
}

static void test_logic_and_empty(void)
{
    CHECK_STR(ev("true and {}", NULL), R(""));
    CHECK_STR(ev("false and {}", NULL), R(B(false)));
    CHECK_STR(ev("true or {}", NULL), R(B(true)));
    CHECK_STR(ev("{} or false", NULL), R(""));
    CHECK_STR(ev("{} implies true", NULL), R(B(true)));
    CHECK_STR(ev("false implies {}", NULL), R(B(true)));
    CHECK_STR(ev("true implies {}", NULL), R(""));
    CHECK_STR(ev("true xor false", NULL), R(B(true)));
    CHECK_STR(ev("{} = 1", NULL), R(""));
    CHECK_STR(ev("{} + 1", NULL), R(""));
    CHECK_STR(ev("{}.empty()", NULL), R(B(true)));
    CHECK_STR(ev("{} != {}", NULL), R(""));
    CHECK_STR(ev("{} ~ {}", NULL), R(B(true)));
    CHECK_STR(ev("'a' & {}", NULL), R(S("a")));
    CHECK_STR(ev("1 in {}", NULL), R(B(false)));
    CHECK_STR(ev("{} in (1 | 2)", NULL), R(""));
    CHECK_STR(ev("(1 | 2 | 2).count()", NULL), R(I(2)));
}

/* `x in (A | B)` is answered operand by operand when none can fail (the
 * engine's shortcut for dom-3): the same answers and errors as the union */
static void test_in_union(void)
{
    const char *p = "{\"resourceType\":\"Patient\",\"extension\":[{\"url\":\"http://x.org/e\","
                    "\"valueString\":\"v\"}],\"contained\":[{\"resourceType\":\"Organization\","
                    "\"id\":\"o1\"}],\"managingOrganization\":{\"reference\":\"#o1\"}}";
    CHECK_STR(ev("'#o1' in (descendants().reference | descendants().as(uri))", p), R(B(true)));
    CHECK_STR(ev("'http://x.org/e' in (descendants().reference | descendants().as(uri))", p), R(B(true)));
    CHECK_STR(ev("'x' in (descendants().reference | descendants().as(uri))", p), R(B(false)));
    CHECK_STR(ev("{} in (descendants().reference | 'x')", p), R(""));
    CHECK_STR(ev("(1 | 2) in (descendants().reference | 'x')", p),
              "{\"error\":\"left operand of 'in' has 2 items at position 9\"}");
    /* an operand that can fail is still evaluated after a match */
    CHECK_STR(ev("'a' in ('a' | (1 | 2).single())", NULL), "{\"error\":\"single() on 2 items at position 23\"}");
    CHECK_STR(ev("'b' in ('a' | 'b')", NULL), R(B(true)));
}

static void test_numbers(void)
{
    CHECK_STR(ev("0.1 + 0.2 = 0.3", NULL), R(B(true)));
    CHECK_STR(ev("0.1 + 0.2", NULL), R(D(0.3)));
    CHECK_STR(ev("1.50 * 2", NULL), R(D(3.00)));
    CHECK_STR(ev("10 / 4", NULL), R(D(2.5)));
    CHECK_STR(ev("1.0 / 3", NULL), R(D(0.33333333)));
    CHECK_STR(ev("5 div 2", NULL), R(I(2)));
    CHECK_STR(ev("5 mod 2", NULL), R(I(1)));
    CHECK_STR(ev("5.5 mod 0.7", NULL), R(D(0.6)));
    CHECK_STR(ev("1 / 0", NULL), R(""));
    CHECK_STR(ev("2147483647 + 1", NULL), R(""));
    CHECK_STR(ev("-(5)", NULL), R(I(-5)));
    CHECK_STR(ev("1.0 = 1", NULL), R(B(true)));
    CHECK_STR(ev("1.2 ~ 1.23", NULL), R(B(true)));
    CHECK_STR(ev("3.7.round()", NULL), R(D(4)));
    CHECK_STR(ev("3.14159.round(2)", NULL), R(D(3.14)));
    CHECK_STR(ev("(-1.5).floor()", NULL), R(I(-2)));
    CHECK_STR(ev("2.power(3)", NULL), R(I(8)));
    CHECK_STR(ev("16.sqrt()", NULL), R(D(4)));
    CHECK_STR(ev("(-5).abs()", NULL), R(I(5)));
    CHECK_STR(ev("'5'.toInteger() + '1.5'.toDecimal()", NULL), R(D(6.5)));
    CHECK_STR(ev("'x'.convertsToInteger()", NULL), R(B(false)));
}

static void test_dates(void)
{
    CHECK_STR(ev("@2019 < @2019-05-03", NULL), R(""));            /* precision differs: empty */
    CHECK_STR(ev("@2019 = @2019-05-03", NULL), R(""));
    CHECK_STR(ev("@2018 < @2019-05-03", NULL), R(B(true)));
    CHECK_STR(ev("@2019-05-03 ~ @2019", NULL), R(B(false)));
    CHECK_STR(ev("@2012-04-15T15:00:00Z = @2012-04-15T10:00:00-05:00", NULL), R(B(true)));
    CHECK_STR(ev("@T10:30 > @T10:29:59", NULL), R(B(true)));  /* decided at minutes */
    CHECK_STR(ev("@T10:30 > @T10:30:00", NULL), R(""));
    CHECK_STR(ev("@T10:30:00 > @T10:29:59.999", NULL), R(B(true)));
    CHECK_STR(ev("@2019-01-31 + 1 month", NULL), R("{\"type\":\"Date\",\"value\":\"2019-02-28\"}"));
    CHECK_STR(ev("@2019-12-31T23:00:00Z + 2 hours", NULL), R("{\"type\":\"DateTime\",\"value\":\"2020-01-01T01:00:00Z\"}"));
    CHECK_STR(ev("effective.start <= effective.end", obs), R(B(false)));
    CHECK_STR(ev("birthDate < today()", patient), R(B(true)));
    CHECK_STR(ev("'2019-02-30'.toDate()", NULL), R(""));
}

static void test_quantities(void)
{
    CHECK_STR(ev("1 'kg' = 1000 'g'", NULL), R(B(true)));
    CHECK_STR(ev("1 'kg' > 999 'g'", NULL), R(B(true)));
    CHECK_STR(ev("4 weeks = 28 days", NULL), R(B(true)));
    CHECK_STR(ev("1 'kg' = 1 'm'", NULL), R(""));
    CHECK_STR(ev("3 'mg' + 2 'g'", NULL), R("{\"type\":\"Quantity\",\"value\":\"2003 'mg'\"}"));
    CHECK_STR(ev("value > 80 'kg'", obs), R(B(true)));
    CHECK_STR(ev("4 'wk'", NULL), R("{\"type\":\"Quantity\",\"value\":\"4 'wk'\"}"));
    CHECK_STR(ev("'4 weeks'.toQuantity() = 28 'd'", NULL), R(B(true)));
}

static void test_strings(void)
{
    CHECK_STR(ev("'abcdefg'.substring(3, 2)", NULL), R(S("de")));
    CHECK_STR(ev("'abcdefg'.indexOf('bc')", NULL), R(I(1)));
    CHECK_STR(ev("'abc'.startsWith('ab') and 'abc'.endsWith('bc') and 'abc'.contains('b')", NULL), R(B(true)));
    CHECK_STR(ev("'AbC'.upper() & 'ÄbC'.lower()", NULL), R(S("ABCäbc")));
    CHECK_STR(ev("'abcdefg'.replace('cde', '123')", NULL), R(S("ab123fg")));
    CHECK_STR(ev("'abc'.replace('', 'x')", NULL), R(S("xaxbxcx")));
    CHECK_STR(ev("'N8000123123'.matches('^N[0-9]{8}')", NULL), R(B(true)));
    CHECK_STR(ev("'abc'.replaceMatches('(b)', '[$1]')", NULL), R(S("a[b]c")));
    CHECK_STR(ev("'ab'.length() + 'ü'.length()", NULL), R(I(3)));
    CHECK_STR(ev("'a,b,c'.split(',').join('|')", NULL), R(S("a|b|c")));
    CHECK_STR(ev("' x '.trim()", NULL), R(S("x")));
    CHECK_STR(ev("'abc'.toChars().count()", NULL), R(I(3)));
    CHECK_STR(ev("'test'.encode('base64').decode('base64')", NULL), R(S("test")));
    CHECK_STR(ev("'ab'.encode('hex')", NULL), R(S("6162")));
    CHECK_STR(ev("'a' ~ 'A'", NULL), R(B(true)));
    CHECK_STR(ev("'a' = 'A'", NULL), R(B(false)));
    CHECK_STR(ev("'x'.matches('(')", NULL), "{\"error\":\"invalid regular expression (U_REGEX_MISMATCHED_PAREN) at position 13\"}");
}

static void test_collections(void)
{
    CHECK_STR(ev("(1 | 2 | 3).where($this > 1).select($this * 2)", NULL), R(I(4) "," I(6)));
    CHECK_STR(ev("(1 | 2 | 3).aggregate($this + $total, 0)", NULL), R(I(6)));
    CHECK_STR(ev("(1 | 2 | 3).select($index)", NULL), R(I(0) "," I(1) "," I(2)));
    CHECK_STR(ev("(1 | 2).combine(2 | 3).count()", NULL), R(I(4)));
    CHECK_STR(ev("(1 | 2 | 3).intersect(2 | 4)", NULL), R(I(2)));
    CHECK_STR(ev("(1 | 2 | 3).exclude(2)", NULL), R(I(1) "," I(3)));
    CHECK_STR(ev("(1 | 2 | 3).tail().first()", NULL), R(I(2)));
    CHECK_STR(ev("(1 | 2 | 3).skip(1).take(1)", NULL), R(I(2)));
    CHECK_STR(ev("(1 | 2).subsetOf(1 | 2 | 3) and (1 | 2 | 3).supersetOf(3)", NULL), R(B(true)));
    CHECK_STR(ev("(true | false).allTrue() or (true | false).anyFalse().not()", NULL), R(B(false)));
    CHECK_STR(ev("(1 | 1).isDistinct()", NULL), R(B(true)));
    CHECK_STR(ev("iif(1 > 2, 'a', 'b')", NULL), R(S("b")));
    CHECK_STR(ev("descendants().where($this is HumanName).count()", patient), R(I(2)));
    CHECK_STR(ev("contained.children().count()", patient), R(I(2)));
    CHECK_STR(ev("(1 | 2).single()", NULL), "{\"error\":\"single() on 2 items at position 9\"}");
}

static void test_errors(void)
{
    CHECK_STR(ev("1 +", NULL), "{\"error\":\"unexpected end of expression at position 4\"}");
    CHECK_STR(ev("foo()", NULL), "{\"error\":\"unknown function 'foo' at position 1\"}");
    CHECK_STR(ev("first(1)", NULL), "{\"error\":\"wrong number of arguments to first() at position 1\"}");
    CHECK_STR(ev("1 is integr", NULL), "{\"error\":\"unknown type 'integr' at position 6\"}");
    CHECK_STR(ev("'abc", NULL), "{\"error\":\"unterminated string or identifier at position 1\"}");
    CHECK_STR(ev("%nope", NULL), "{\"error\":\"unknown external constant '%nope' at position 1\"}");
    CHECK_STR(ev("'a' < 1", NULL), "{\"error\":\"cannot compare String with Integer at position 5\"}");
    CHECK_STR(ev("1", "[1]"), "{\"error\":\"input is not a JSON object\"}");
    /* nesting beyond the parser's bound is an error, not a stack overflow */
    char deep[2100];
    memset(deep, '(', 1000);
    deep[1000] = '1';
    memset(deep + 1001, ')', 1000);
    deep[2001] = '\0';
    CHECK(strstr(ev(deep, NULL), "nested too deeply") != NULL);
}

static void test_html(void)
{
    static const char *ok = "{\"resourceType\":\"Patient\",\"text\":{\"status\":\"generated\","
                            "\"div\":\"<div xmlns=\\\"http://www.w3.org/1999/xhtml\\\"><p>Hi <b>there</b></p></div>\"}}";
    static const char *script = "{\"resourceType\":\"Patient\",\"text\":{\"status\":\"generated\","
                                "\"div\":\"<div xmlns=\\\"http://www.w3.org/1999/xhtml\\\"><script>x</script></div>\"}}";
    static const char *onclick = "{\"resourceType\":\"Patient\",\"text\":{\"status\":\"generated\","
                                 "\"div\":\"<div xmlns=\\\"http://www.w3.org/1999/xhtml\\\"><p onclick=\\\"x\\\">a</p></div>\"}}";
    static const char *blank = "{\"resourceType\":\"Patient\",\"text\":{\"status\":\"generated\","
                               "\"div\":\"<div xmlns=\\\"http://www.w3.org/1999/xhtml\\\"> </div>\"}}";
    CHECK_STR(ev("text.div.htmlChecks()", ok), R(B(true)));
    CHECK_STR(ev("text.div.htmlChecks()", script), R(B(false)));
    CHECK_STR(ev("text.div.htmlChecks()", onclick), R(B(false)));
    CHECK_STR(ev("text.div.htmlChecks()", blank), R(B(false)));
}

/* type(): TypeInfo values, their members and equality */
static void test_type(void)
{
    CHECK_STR(ev("Patient.active.type()", patient),
              R("{\"type\":\"TypeInfo\",\"value\":{\"namespace\":\"FHIR\",\"name\":\"boolean\"}}"));
    CHECK_STR(ev("name.first().type().name", patient), R(S("HumanName")));
    CHECK_STR(ev("(1.5).type().namespace", patient), R(S("System")));
    CHECK_STR(ev("(1.5).type().name", patient), R(S("Decimal")));
    CHECK_STR(ev("gender.type() = birthDate.type()", patient), R(B(false)));
    CHECK_STR(ev("given.type()", patient), R(""));
    CHECK_STR(ev("name.given.type().count()", patient), R(I(3)));
}

/* memberOf() without a terminology cache: enumerated sets answer, a whole
 * system is not evaluated (empty, noted once per value set), never false */
static void test_memberof(void)
{
    const char *c = "{\"resourceType\":\"Condition\",\"severity\":{\"coding\":[{\"system\":\"http://snomed.info/sct\","
                    "\"code\":\"6736007\"}]},\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"1-8\"}]}}";
    CHECK_STR(ev("severity.memberOf('http://hl7.org/fhir/ValueSet/condition-severity')", c), R(B(true)));
    CHECK_STR(ev("severity.coding.memberOf('http://hl7.org/fhir/ValueSet/condition-severity|4.0.1')", c), R(B(true)));
    CHECK_STR(ev("'6736007'.memberOf('http://hl7.org/fhir/ValueSet/condition-severity')", c), R(B(true)));
    CHECK_STR(ev("code.memberOf('http://hl7.org/fhir/ValueSet/condition-severity')", c), R(B(false)));
    CHECK_STR(ev("code.memberOf('http://hl7.org/fhir/ValueSet/condition-sever')", c), R(""));
    CHECK_STR(ev("(severity | code).memberOf('http://hl7.org/fhir/ValueSet/condition-severity')", c),
              "{\"error\":\"memberOf() needs a single item, got 2 at position 19\"}");
    FILE *info = tmpfile();
    s4s_fp_run_opts o = {.info = info};
    s4s_buf b;
    s4s_buf_init(&b, 1 << 20);
    s4s_fp_run("(code | code.coding).select(memberOf('http://hl7.org/fhir/ValueSet/observation-codes'))", c, &o, &b);
    CHECK(b.len == 13 && !memcmp(b.p, "{\"result\":[]}", 13));
    s4s_buf_free(&b);
    char line[256] = "";
    unsigned lines = 0;
    rewind(info);
    while (fgets(line, sizeof line, info)) lines++;
    fclose(info);
    CHECK(lines == 1);
    CHECK(strstr(line, "value set http://hl7.org/fhir/ValueSet/observation-codes not evaluated") != NULL);
}

/* which member's absence decides an expression (invariants.c skips those) */
static const char *guard_of(const char *src)
{
    static char out[96];
    s4s_arena *a = s4s_arena_new(1 << 12);
    s4s_fp_expr *x;
    char err[S4S_FP_ERR];
    const char *m;
    size_t n;
    int t;
    snprintf(out, sizeof out, "error");
    if (s4s_fp_compile(a, src, strlen(src), &x, err, sizeof err) == S4S_OK) {
        if (s4s_fp_guard(x, &m, &n, &t)) snprintf(out, sizeof out, "%.*s %d", (int)n, m, t);
        else snprintf(out, sizeof out, "none");
    }
    s4s_arena_free(a);
    return out;
}

static void test_guards(void)
{
    CHECK_STR(guard_of("contained.contained.empty()"), "contained 1");
    CHECK_STR(guard_of("contained.meta.versionId.empty() and contained.meta.lastUpdated.empty()"), "contained 1");
    CHECK_STR(guard_of("reference.startsWith('#').not() or (reference.substring(1) in %rootResource.contained.id)"),
              "reference -1");
    CHECK_STR(guard_of("low.empty() or high.empty() or (low <= high)"), "low 1");
    CHECK_STR(guard_of("duration.exists() implies duration >= 0"), "duration 1");
    CHECK_STR(guard_of("hasValue() or (children().count() > id.count())"), "none");
    CHECK_STR(guard_of("extension.exists() != value.exists()"), "none");
    CHECK_STR(guard_of("name.exists()"), "none");
    CHECK_STR(guard_of("name.count() = 0"), "none");
    CHECK_STR(guard_of("Patient.name.empty()"), "none");          /* a type, not a member */
    CHECK_STR(guard_of("where(x.empty()).exists().not()"), "none");   /* x is the item's */
    CHECK_STR(guard_of("a.empty() and b.exists()"), "none");
    /* what a guard promises, evaluated: no `reference` -> empty, no `low` -> true */
    CHECK_STR(ev("reference.startsWith('#').not() or (reference.substring(1) in %rootResource.contained.id)",
                 "{\"display\":\"x\"}"), R(""));
    CHECK_STR(ev("low.empty() or high.empty() or (low <= high)", "{\"high\":{\"value\":1}}"), R(B(true)));
}

/* large unions (hashed) and shared cached collections keep their meaning */
static void test_large_collections(void)
{
    static const char ids[] =
        "{\"resourceType\":\"Patient\",\"identifier\":["
        "{\"value\":\"a\"},{\"value\":\"b\"},{\"value\":\"a\"},{\"value\":\"c\"},{\"value\":\"d\"},"
        "{\"value\":\"e\"},{\"value\":\"f\"},{\"value\":\"b\"},{\"value\":\"g\"},{\"value\":\"h\"},"
        "{\"value\":\"i\"},{\"value\":\"j\"},{\"value\":\"k\"},{\"value\":\"\"},{\"value\":\"\"}],"
        "\"birthDate\":\"1974-12-25\"}";
    CHECK_STR(ev("(identifier.value | identifier.value).count()", ids), R(I(12)));
    CHECK_STR(ev("(identifier.value | identifier.value | birthDate | birthDate | @1974-12-25).count()", ids), R(I(13)));
    CHECK_STR(ev("(identifier.value | 'a' | 'z').count()", ids), R(I(13)));
    CHECK_STR(ev("identifier.value.union(identifier.value).first()", ids), R("{\"type\":\"string\",\"value\":\"a\"}"));
    CHECK_STR(ev("descendants().count()", ids), R(I(31)));
    CHECK_STR(ev("descendants().combine(descendants()).count()", ids), R(I(62)));
    CHECK_STR(ev("(descendants() | descendants()).count() = descendants().count()", ids), R(B(false)));
    CHECK_STR(ev("descendants().where($this = 'a').count() + descendants().ofType(string).count()", ids), R(I(17)));
}

/* every invariant of the R4 definitions compiles */
static void test_invariants_compile(void)
{
    s4s_arena *a = s4s_arena_new(1 << 16);
    unsigned bad = 0;
    for (unsigned i = 0; i < S4S_FHIR_N_INV_EXPRS; i++) {
        char err[256];
        s4s_fp_expr *x;
        const char *src = s4s_fhir_inv_exprs[i];
        if (s4s_fp_compile(a, src, strlen(src), &x, err, sizeof err) != S4S_OK) {
            fprintf(stderr, "invariant expression does not compile: %s: %s\n", src, err);
            bad++;
        }
    }
    CHECK(bad == 0);
    CHECK(S4S_FHIR_N_INV_EXPRS > 150);
    s4s_arena_free(a);
}

/* the fuzz harness over its seeds (and their prefixes), in every make check */
static void test_fuzz_seeds(void)
{
    DIR *d = opendir("tests/fuzz/seeds/fhirpath");
    CHECK(d != NULL);
    if (!d) return;
    struct dirent *e;
    unsigned n = 0;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') continue;
        char path[512];
        snprintf(path, sizeof path, "tests/fuzz/seeds/fhirpath/%s", e->d_name);
        FILE *f = fopen(path, "rb");
        if (!f) continue;
        static unsigned char buf[1 << 16];
        size_t len = fread(buf, 1, sizeof buf, f);
        fclose(f);
        for (size_t k = 0; k <= len; k += len / 16 + 1) LLVMFuzzerTestOneInput(buf, k);
        CHECK(LLVMFuzzerTestOneInput(buf, len) == 0);
        n++;
    }
    closedir(d);
    CHECK(n >= 5);
}

int main(int argc, char **argv)
{
    test_invariants_compile();
    if (argc > 1 && !strcmp(argv[1], "--invariants-only")) return UNIT_DONE();
    test_paths();
    test_in_union();
    test_logic_and_empty();
    test_numbers();
    test_dates();
    test_quantities();
    test_strings();
    test_collections();
    test_errors();
    test_html();
    test_type();
    test_memberof();
    test_guards();
    test_large_collections();
    test_fuzz_seeds();
    return UNIT_DONE();
}
