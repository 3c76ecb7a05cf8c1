/*
 * test_memapi.c - the memory interface of libs4s (s4s.h): bytes in through
 * s4s_pipe_feed, each cleaned resource, issue and quarantined unit out
 * through s4s_callbacks, the stats object through s4s_pipe_stats_json; file
 * boundaries (s4s_pipe_next_source); base64 envelopes split at any byte.
 */
#include "unit.h"
#include "../../filter/s4s.h"
#include "../../filter/base/buf.h"
#include "../../filter/reject_env.h"

#include <stdlib.h>

typedef struct seen {
    char     out[4096];
    size_t   out_len;
    unsigned resources, issues, repairs, rejects, stop_after;
    char     reject_data[256];
    size_t   reject_len;
    char     reject_reason[256];
    unsigned long long reject_line, reject_off;
    char     file[64];
    char     stats[8192];
} seen;

static s4s_rc on_res(void *u, const char *line, size_t len, const char *type, const char *id)
{
    seen *s = u;
    (void)type, (void)id;
    if (s->out_len + len + 1 < sizeof s->out) {
        memcpy(s->out + s->out_len, line, len);
        s->out_len += len;
        s->out[s->out_len++] = '\n';
    }
    return ++s->resources == s->stop_after ? S4S_ERR_IO : S4S_OK;
}

static s4s_rc on_issue(void *u, const s4s_issue_info *i)
{
    seen *s = u;
    s->issues++;
    s->repairs += i->repair_kind != NULL;
    if (i->file)
        snprintf(s->file, sizeof s->file, "%s", i->file);
    return S4S_OK;
}

static s4s_rc on_reject(void *u, const s4s_reject_info *r)
{
    seen *s = u;
    s->rejects++;
    if (r->data && r->len < sizeof s->reject_data) {
        memcpy(s->reject_data, r->data, r->len);
        s->reject_len = r->len;
    }
    snprintf(s->reject_reason, sizeof s->reject_reason, "%s", r->reason ? r->reason : "");
    s->reject_line = r->line;
    s->reject_off = r->offset;
    return S4S_OK;
}

static s4s_rc on_stats(void *u, const char *json, size_t len)
{
    seen *s = u;
    snprintf(s->stats, sizeof s->stats, "%.*s", (int)len, json);
    return S4S_OK;
}

static const char input[] =
    "{\"resourceType\":\"Observation\",\"id\":\"o\",\"status\":\"final\",\"code\":{\"coding\":"
    "[{\"system\":\"http://loinc.org\",\"code\":\"8302-2\"}]},\"valueQuantity\":{\"value\":70,"
    "\"unit\":\"cm\",\"code\":\"cm\"}}\n"
    "{\"resourceType\":\"Basic\",  \"id\":\"bad\xff\"}\n"
    "{\"resourceType\":\"Patient\",\"id\":\"p\"}\n";

static void test_callbacks(void)
{
    seen s = {0};
    s4s_opts o;
    s4s_opts_default(&o);
    o.no_terminology = true;
    s4s_callbacks cb = {.u = &s, .resource = on_res, .issue = on_issue, .reject = on_reject};
    s4s_outputs io = {.cb = &cb};
    s4s_pipe *p;
    CHECK(s4s_pipe_new(&o, &io, &p) == S4S_OK);
    for (size_t i = 0; i < sizeof input - 1; i += 5) /* bytes in small pieces */
        CHECK(s4s_pipe_feed(p, input + i, sizeof input - 1 - i < 5 ? sizeof input - 1 - i : 5) == S4S_OK);
    CHECK(s4s_pipe_finish(p) == S4S_OK);
    CHECK(s.resources == 2);
    CHECK(strstr(s.out, "\"system\":\"http://unitsofmeasure.org\"") != NULL);
    CHECK(strstr(s.out, "{\"resourceType\":\"Patient\",\"id\":\"p\"}\n") != NULL);
    CHECK(s.rejects == 1);
    CHECK(s.reject_len == 38 && !memcmp(s.reject_data, "{\"resourceType\":\"Basic\",  \"id\":\"bad\xff\"}", 38));
    CHECK(s.reject_line == 2);
    CHECK(strstr(s.reject_reason, "UTF-8") != NULL);
    CHECK(s.repairs == 1);
    const s4s_counts *c = s4s_pipe_counts(p);
    CHECK(s.issues == c->issues_by_sev[0] + c->issues_by_sev[1] + c->issues_by_sev[2] + c->issues_by_sev[3]);
    CHECK(s4s_pipe_stats_json(p, 0, on_stats, &s) == S4S_OK);
    CHECK(strstr(s.stats, "\"resources_in\":3,\"resources_out\":2,\"resources_rejected\":1") != NULL);
    s4s_pipe_free(p);
}

/* a callback's error stops the run with its rc */
static void test_callback_stops(void)
{
    seen s = {.stop_after = 1};
    s4s_opts o;
    s4s_opts_default(&o);
    o.validate = false;
    s4s_callbacks cb = {.u = &s, .resource = on_res};
    s4s_outputs io = {.cb = &cb};
    s4s_pipe *p;
    CHECK(s4s_pipe_new(&o, &io, &p) == S4S_OK);
    s4s_rc rc = s4s_pipe_feed(p, input, sizeof input - 1);
    if (!rc)
        rc = s4s_pipe_finish(p);
    CHECK(rc == S4S_ERR_IO);
    CHECK(strstr(s4s_pipe_errmsg(p), "stopped by a callback") != NULL);
    CHECK(s.resources == 1);
    s4s_pipe_free(p);
}

/* each source is a stream of its own: offsets and lines restart, and the
 * views name it; a value cut off at a file's end stays in that file */
static void test_sources(void)
{
    seen s = {0};
    s4s_opts o;
    s4s_opts_default(&o);
    o.validate = false;
    s4s_callbacks cb = {.u = &s, .resource = on_res, .reject = on_reject};
    s4s_outputs io = {.cb = &cb};
    s4s_pipe *p;
    CHECK(s4s_pipe_new(&o, &io, &p) == S4S_OK);
    const char a[] = "{\"resourceType\":\"Basic\",\"id\":\"a\"}\n{\"resourceType\":\"Ba";
    const char b[] = "{\"resourceType\":\"Basic\",\"id\":\"b\"}\n{oops\n{\"resourceType\":\"Basic\",\"id\":\"c\"}\n";
    CHECK(s4s_pipe_next_source(p, "a.ndjson") == S4S_OK);
    CHECK(s4s_pipe_feed(p, a, sizeof a - 1) == S4S_OK);
    CHECK(s4s_pipe_next_source(p, "b.ndjson") == S4S_OK);
    CHECK(s.rejects == 1 && s.reject_line == 2 && s.reject_off == 34); /* a's cut-off line */
    CHECK(s4s_pipe_feed(p, b, sizeof b - 1) == S4S_OK);
    CHECK(s4s_pipe_finish(p) == S4S_OK);
    CHECK(s.resources == 3);
    CHECK(s.rejects == 2 && s.reject_line == 2 && s.reject_off == 34);
    CHECK(s.reject_len == 5 && !memcmp(s.reject_data, "{oops", 5));
    s4s_pipe_free(p);
}

/* base64 of an envelope does not depend on where the chunks end */
static void test_envelope_chunks(void)
{
    const char data[] = "\x00\xff\\.\n{\"x\":1}";
    s4s_buf whole, parts;
    s4s_buf_init(&whole, 4096);
    s4s_buf_init(&parts, 4096);
    s4s_reject_env(&whole, "f", 1, 0, "r", data, sizeof data - 1);
    const char *want = strstr(whole.p, "\"data_base64\":\"");
    CHECK(want && !strncmp(want, "\"data_base64\":\"AP9cLgp7IngiOjF9\"", 32));
    for (size_t cut = 0; cut <= sizeof data - 1; cut++) {
        s4s_b64 st;
        s4s_buf_clear(&parts);
        s4s_reject_env_begin(&parts, &st);
        s4s_reject_env_chunk(&parts, &st, data, cut);
        for (size_t i = cut; i < sizeof data - 1; i++) /* the rest byte by byte */
            s4s_reject_env_chunk(&parts, &st, data + i, 1);
        s4s_reject_env_end(&parts, &st, "f", 1, 0, "r");
        CHECK(parts.len > 40 && !strncmp(parts.p, "{\"data_base64\":\"AP9cLgp7IngiOjF9\",", 34));
    }
    s4s_buf_free(&whole);
    s4s_buf_free(&parts);
}

int main(void)
{
    test_callbacks();
    test_callback_stops();
    test_sources();
    test_envelope_chunks();
    return UNIT_DONE();
}
