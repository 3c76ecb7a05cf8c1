/*
 * test_passthru.c - --no-validate's tree-free check of NDJSON lines: it
 * takes a unit of clean lines, with their types and compacted bytes, and
 * declines the whole unit for any line the tree path would not write
 * unchanged; a declined unit leaves nothing behind for the next.  Bundle
 * units: taken with their urn:uuid references rewritten, declined for
 * anything the tree path would report or treat otherwise.
 */
#include "unit.h"
#include "../../filter/passthru.h"

#include <stdlib.h>
#include <string.h>

static const char clean[] = "{\"resourceType\":\"Patient\",\"id\":\"a\"}\n";

static bool check(s4s_passthru *q, const char *s)
{
    return s4s_passthru_check(q, (const unsigned char *)s, strlen(s));
}

/* line between two clean ones: is the unit taken? */
static bool takes(s4s_passthru *q, const char *line)
{
    char unit[1 << 16];
    snprintf(unit, sizeof unit, "%s%s\n%s", clean, line, clean);
    return check(q, unit);
}

static char *nested(const char *open, const char *close, unsigned depth)
{
    char *s = malloc(64 + depth * (strlen(open) + strlen(close)));
    strcpy(s, "{\"resourceType\":\"Basic\",\"x\":");
    for (unsigned i = 0; i < depth; i++)
        strcat(s, open);
    strcat(s, "1");
    for (unsigned i = 0; i < depth; i++)
        strcat(s, close);
    strcat(s, "}");
    return s;
}

static void test_taken(void)
{
    s4s_opts o;
    s4s_opts_default(&o);
    s4s_passthru *q = s4s_passthru_new(&o, 1 << 20);
    const char *u = "{ \"resourceType\" : \"Observation\", \"id\": \"o 1\" }\r\n"
                    "{\"resourceType\":\"Patient\",\"name\":[{\"given\":[\"a\",\"b\"]}],\"x\":\"\\\"\\n\"}";
    CHECK(check(q, u));
    CHECK(s4s_passthru_count(q) == 2);
    const s4s_pt_line *l0 = s4s_passthru_line(q, 0), *l1 = s4s_passthru_line(q, 1);
    CHECK_STR(l0->type, "Observation");
    CHECK(l0->at == 0 && l1->at == l0->len && l0->len + l1->len == strlen(u));
    const s4s_buf *out = s4s_passthru_out(q);
    CHECK(out->len == l0->out_len + l1->out_len && l1->out_at == l0->out_len);
    CHECK(!memcmp(out->p, "{\"resourceType\":\"Observation\",\"id\":\"o 1\"}\n", l0->out_len));
    CHECK_STR(l1->type, "Patient");
    /* blank lines are skipped, counted as lines */
    CHECK(check(q, "\n \r\n{\"resourceType\":\"Patient\"}\n\n"));
    CHECK(s4s_passthru_count(q) == 1 && s4s_passthru_line(q, 0)->line == 2);
    CHECK(!check(q, "\n\n")); /* nothing to take */
    /* the same name in sibling objects, and again after its object closed */
    CHECK(takes(q, "{\"resourceType\":\"Patient\",\"a\":{\"id\":1},\"b\":{\"id\":2},\"id\":\"x\"}"));
    s4s_passthru_free(q);
}

static void test_declined(void)
{
    s4s_opts o;
    s4s_opts_default(&o);
    o.max_resource_bytes = 2000;
    o.max_depth = 10;
    s4s_passthru *q = s4s_passthru_new(&o, 1 << 20);
    static const char *const bad[] = {
        "{\"resourceType\":\"Patient\",\"id\":\"a\",\"id\":\"b\"}",           /* a name twice */
        "{\"resourceType\":\"Patient\",\"n\":[{\"f\":1,\"g\":2,\"f\":3}]}",    /* ... nested */
        "{\"resourceType\":\"Bundle\",\"entry\":[]}",                          /* split into entries */
        "{\"id\":\"a\"}",                                                      /* no type */
        "{\"resourceType\":1}",                                                /* not a string */
        "{\"resourceType\":\"Patient\",\"x\":\"\xff\"}",                       /* bad UTF-8 */
        "{\"resourceType\":\"Patient\",\"x\":\"a\\u0000\"}",                   /* decodes to NUL */
        "{\"resourceType\":\"Patient\",\"x\":\"\\u00e9\"}",                    /* the writer spells it é */
        "{\"resourceType\":\"Patient\",\"x\":\"\\ud83d\\ude00\"}",
        "{\"resourceType\":\"Patient\",\"x\":\"a\\/b\"}",
        "{\"resourceType\":\"Patient\"} {\"resourceType\":\"Patient\"}",       /* two values */
        "{\"resourceType\":\"Patient\",",                                      /* broken */
        "[{\"resourceType\":\"Patient\"}]",                                    /* not an object */
        "{\"resourceType\":\"Patient\",\"a\\\"b\":1}",                         /* yajl's decoded name */
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        CHECK(!takes(q, bad[i]));
        CHECK(s4s_passthru_count(q) == 0);
        CHECK(check(q, clean)); /* the handle was made anew */
    }
    CHECK(!check(q, "{\"resourceType\":\"Patient\",\"x\":\"\\")); /* the unit ends in a backslash */
    /* a token yajl has not finished after the value, at the unit's end */
    CHECK(!check(q, "{\"resourceType\":\"Patient\"} 7"));
    CHECK(!check(q, "{\"resourceType\":\"Patient\"}\"ab"));
    CHECK(check(q, "{\"resourceType\":\"Patient\"} \r"));
    char *ok = nested("[", "]", 10), *deep = nested("{\"a\":", "}", 11);
    CHECK(takes(q, ok));
    CHECK(!takes(q, deep)); /* --max-depth */
    free(ok);
    free(deep);
    char longer[2100];
    snprintf(longer, sizeof longer, "{\"resourceType\":\"Basic\",\"x\":\"%01990d\"}", 0);
    CHECK(!takes(q, longer)); /* --max-resource-bytes */
    s4s_passthru_free(q);
}

/* depth past the fixed table (--max-depth above it): declined, no overflow
 * (ASan); events past assemble's node budget: declined */
static void test_bounds(void)
{
    s4s_opts o;
    s4s_opts_default(&o);
    o.max_depth = 1000;
    s4s_passthru *q = s4s_passthru_new(&o, 1 << 20);
    char *deep = nested("[", "]", 200);
    CHECK(!takes(q, deep));
    free(deep);
    s4s_passthru_free(q);

    s4s_opts_default(&o);
    o.max_resource_bytes = 40000;
    q = s4s_passthru_new(&o, 1 << 20);
    char *zeros = malloc(40000);
    strcpy(zeros, "{\"resourceType\":\"Basic\",\"x\":[0");
    size_t n = strlen(zeros);
    while (n < 39000) {
        zeros[n++] = ',';
        zeros[n++] = '0';
    }
    strcpy(zeros + n, "]}");
    CHECK(!takes(q, zeros)); /* ~19,500 nodes cost more than 8 x 40 KB + 1 MB */
    zeros[2000] = ']';
    strcpy(zeros + 2001, "}");
    CHECK(takes(q, zeros));
    free(zeros);
    /* a unit over the cap */
    s4s_passthru_free(q);
    q = s4s_passthru_new(&o, 20);
    CHECK(!check(q, clean));
    s4s_passthru_free(q);
}

/* a Bundle printed across lines, entries from the format strings */
static char *bundle(const char *const *entries, size_t n)
{
    static char s[8192];
    size_t k = (size_t)snprintf(s, sizeof s, "{\n  \"resourceType\": \"Bundle\",\n  \"type\": \"transaction\",\n  \"entry\": [");
    for (size_t i = 0; i < n; i++)
        k += (size_t)snprintf(s + k, sizeof s - k, "%s\n    %s", i ? "," : "", entries[i]);
    snprintf(s + k, sizeof s - k, "\n  ]\n}\n");
    return s;
}

#define PAT "{\"fullUrl\": \"urn:uuid:1\", \"resource\": {\"resourceType\": \"Patient\", \"id\": \"p1\"}}"
#define OBS(ref) "{\"fullUrl\": \"urn:uuid:2\", \"resource\": {\"resourceType\": \"Observation\", " \
                 "\"subject\": {\"reference\": \"" ref "\"}, \"hasMember\": [{\"reference\": \"Observation/x\"}]}}"

static void test_bundles(void)
{
    s4s_opts o;
    s4s_opts_default(&o);
    s4s_passthru *q = s4s_passthru_new(&o, 1 << 20);
    const char *ok[] = {PAT, OBS("urn:uuid:1")};
    char u[8192];
    snprintf(u, sizeof u, "%s", bundle(ok, 2));
    CHECK(s4s_passthru_bundles(q, (const unsigned char *)u, strlen(u)));
    CHECK(s4s_passthru_count(q) == 2);
    const s4s_pt_line *l0 = s4s_passthru_line(q, 0), *l1 = s4s_passthru_line(q, 1);
    const s4s_buf *out = s4s_passthru_out(q);
    static const char want[] = "{\"resourceType\":\"Patient\",\"id\":\"p1\"}\n"
                               "{\"resourceType\":\"Observation\",\"subject\":{\"reference\":\"Patient/p1\"},"
                               "\"hasMember\":[{\"reference\":\"Observation/x\"}]}\n";
    CHECK(out->len >= sizeof want - 1 && !memcmp(out->p, want, sizeof want - 1));
    CHECK(l0->rewritten == 0 && l1->rewritten == 1 && l0->bundle == 0 && l1->bundle == 0);
    CHECK_STR(l1->type, "Observation");
    CHECK(l0->line == 4 && l1->line == 5); /* newlines before each resource */
    /* two Bundles: the map starts empty in the second */
    char two[16384];
    snprintf(two, sizeof two, "%s%s", u, u);
    CHECK(s4s_passthru_bundles(q, (const unsigned char *)two, strlen(two)));
    CHECK(s4s_passthru_count(q) == 4 && s4s_passthru_line(q, 3)->bundle == 1);
    /* Bundle.meta and Bundle.link (objects at depth 2) are no entries */
    static const char meta[] = "{\"resourceType\":\"Bundle\",\"meta\":{\"lastUpdated\":\"2020\"},"
                               "\"link\":[{\"url\":\"x\"}],\"entry\":[" PAT "]}";
    CHECK(s4s_passthru_bundles(q, (const unsigned char *)meta, strlen(meta)));

    static const char *const bad[][2] = {
        {OBS("urn:uuid:1"), PAT},                         /* forward: reported */
        {PAT, OBS("urn:uuid:9")},                         /* missing: reported */
        {PAT, PAT},                                       /* fullUrl twice */
        {PAT, "{\"resource\": {\"resourceType\": \"Patient\"}, \"search\": {\"mode\": \"outcome\"}}"},
        {PAT, "{\"fullUrl\": \"urn:uuid:3\"}"},           /* no resource */
        {PAT, "{\"resource\": [1]}"},
        {PAT, "{\"resource\": {\"resourceType\": \"Bundle\"}}"},
        {PAT, "{\"resource\": {\"id\": \"no-type\"}}"},
        {PAT, "{\"resource\": {\"resourceType\": \"Patient\", \"x\": \"\\u00e9\"}}"},
        {PAT, "{\"resource\": {\"resourceType\": \"Patient\", \"id\": \"a\", \"id\": \"b\"}}"},
        {PAT, "{\"fullUrl\": 7, \"resource\": {\"resourceType\": \"Patient\"}}"},
        {PAT, "7"},                                       /* an entry that is no object */
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        const char *b = bundle(bad[i], 2);
        CHECK(!s4s_passthru_bundles(q, (const unsigned char *)b, strlen(b)));
        CHECK(s4s_passthru_count(q) == 0);
        CHECK(s4s_passthru_bundles(q, (const unsigned char *)u, strlen(u))); /* made anew */
    }
    static const char *const whole[] = {
        "{\"entry\":[" PAT "],\"resourceType\":\"Bundle\"}",      /* assembled whole, then split */
        "{\"resourceType\":\"Patient\",\"id\":\"p\"}",            /* no Bundle */
        "{\"resourceType\":\"Bundle\",\"entry\":[" PAT "]} 7",    /* a token after it */
        "{\"resourceType\":\"Bundle\",\"id\":\"\\u0041\",\"entry\":[" PAT "]}",
        "{\"resourceType\":\"Bundle\"}",                          /* no entries */
    };
    for (size_t i = 0; i < sizeof whole / sizeof *whole; i++)
        CHECK(!s4s_passthru_bundles(q, (const unsigned char *)whole[i], strlen(whole[i])));
    s4s_passthru_free(q);
}

int main(void)
{
    test_taken();
    test_declined();
    test_bounds();
    test_bundles();
    return UNIT_DONE();
}
