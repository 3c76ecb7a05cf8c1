/*
 * embed.c - s4s-normalize in a dozen lines of libs4s: NDJSON (or Bundles,
 * gzip or plain) on stdin, cleaned NDJSON on stdout, a count of issues and
 * the stats object on stderr.
 *
 * Build: cc embed.c $(pkg-config --cflags --libs s4s) -o embed
 * It uses the memory interface: bytes in with s4s_pipe_feed(), each cleaned
 * resource, issue and quarantined unit out through callbacks.
 */
#include <s4s.h>
#include <stdio.h>

static s4s_rc on_resource(void *u, const char *line, size_t len, const char *type, const char *id)
{
    (void)u, (void)type, (void)id;
    return fwrite(line, 1, len, stdout) == len && putchar('\n') != EOF ? S4S_OK : S4S_ERR_IO;
}

static s4s_rc on_issue(void *u, const s4s_issue_info *i)
{
    (void)i;
    ++*(unsigned long *)u;
    return S4S_OK;
}

static s4s_rc on_stats(void *u, const char *json, size_t len)
{
    (void)u;
    fprintf(stderr, "%.*s\n", (int)len, json);
    return S4S_OK;
}

int main(void)
{
    unsigned long issues = 0;
    s4s_opts o;
    s4s_opts_default(&o);
    s4s_use_default_terminology();
    s4s_callbacks cb = {.u = &issues, .resource = on_resource, .issue = on_issue};
    s4s_outputs io = {.cb = &cb}; /* no FILE streams: memory only */
    s4s_pipe *p;
    s4s_rc rc = s4s_pipe_new(&o, &io, &p);
    char buf[65536];
    size_t n;
    while (!rc && (n = fread(buf, 1, sizeof buf, stdin)) > 0)
        rc = s4s_pipe_feed(p, buf, n);
    if (!rc)
        rc = s4s_pipe_finish(p);
    if (rc)
        fprintf(stderr, "embed: %s\n", s4s_pipe_errmsg(p));
    fprintf(stderr, "embed: %lu issues\n", issues);
    s4s_pipe_stats_json(p, 0, on_stats, NULL);
    s4s_pipe_free(p);
    return rc ? 2 : 0;
}
