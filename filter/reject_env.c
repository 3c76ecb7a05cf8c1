/*
 * reject_env.c - JSON envelopes for quarantined bytes (see reject_env.h).
 *
 * Invariant: the data_base64 value decodes to exactly the bytes given, in
 * order, whether they came in one piece or many (the bytes of an incomplete
 * 3-byte group are carried to the next chunk); each envelope is one line.
 */
#include "reject_env.h"
#include "writer.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void group(s4s_buf *b, const unsigned char *g, unsigned n)
{
    char o[4];
    unsigned v = (unsigned)g[0] << 16 | (n > 1 ? (unsigned)g[1] << 8 : 0) | (n > 2 ? g[2] : 0);
    o[0] = b64[v >> 18];
    o[1] = b64[v >> 12 & 63];
    o[2] = n > 1 ? b64[v >> 6 & 63] : '=';
    o[3] = n > 2 ? b64[v & 63] : '=';
    s4s_buf_put(b, o, 4);
}

void s4s_reject_env_chunk(s4s_buf *b, s4s_b64 *st, const void *data, size_t n)
{
    const unsigned char *p = data;
    for (; n && st->n; n--) { /* complete the carried group first */
        st->carry[st->n++] = *p++;
        if (st->n == 3) {
            group(b, st->carry, 3);
            st->n = 0;
        }
    }
    for (; n >= 3; p += 3, n -= 3)
        group(b, p, 3);
    for (; n; n--)
        st->carry[st->n++] = *p++;
}

static void b64_end(s4s_buf *b, s4s_b64 *st)
{
    if (st->n)
        group(b, st->carry, st->n);
    st->n = 0;
}

static void str_or_null(s4s_buf *b, const char *s)
{
    if (s)
        s4s_buf_json_str(b, s, strlen(s));
    else
        s4s_buf_puts(b, "null");
}

/* "source":{…},"reason":… without the enclosing braces */
static void source_reason(s4s_buf *b, const char *file, uint64_t line, uint64_t off,
                          const char *reason)
{
    char t[64];
    s4s_buf_puts(b, "\"source\":{\"file\":");
    str_or_null(b, file);
    s4s_buf_put(b, t, (size_t)snprintf(t, sizeof t, ",\"line\":%" PRIu64 ",\"offset\":%" PRIu64 "}",
                                       line, off));
    s4s_buf_puts(b, ",\"reason\":");
    str_or_null(b, reason);
}

void s4s_reject_env_begin(s4s_buf *b, s4s_b64 *st)
{
    st->n = 0;
    s4s_buf_puts(b, "{\"data_base64\":\"");
}

void s4s_reject_env_end(s4s_buf *b, s4s_b64 *st, const char *file, uint64_t line,
                        uint64_t off, const char *reason)
{
    b64_end(b, st);
    s4s_buf_puts(b, "\",");
    source_reason(b, file, line, off, reason);
    s4s_buf_puts(b, "}\n");
}

void s4s_reject_env(s4s_buf *b, const char *file, uint64_t line, uint64_t off,
                    const char *reason, const void *data, size_t n)
{
    s4s_b64 st = {.n = 0};
    s4s_buf_putc(b, '{');
    source_reason(b, file, line, off, reason);
    s4s_buf_puts(b, ",\"data_base64\":\"");
    s4s_reject_env_chunk(b, &st, data, n);
    b64_end(b, &st);
    s4s_buf_puts(b, "\"}\n");
}

const char *s4s_reject_reason(const s4s_res *r, const s4s_issue_rec *issues)
{
    const s4s_issue_rec *e = issues;
    while (e && e->sev > S4S_SEV_ERROR)
        e = e->next;
    return r->reason ? r->reason : e ? e->msg : NULL;
}

void s4s_reject_env_res(s4s_buf *b, s4s_buf *scratch, s4s_b64 *spill, const char *file,
                        const s4s_res *r, const s4s_issue_rec *issues)
{
    const char *why = s4s_reject_reason(r, issues);
    if (r->spilled) {
        s4s_reject_env_end(b, spill, file, r->line, r->off, why);
    } else if (r->raw) {
        s4s_reject_env(b, file, r->line, r->off, why, r->raw->p, r->raw->len);
    } else if (r->root) {
        s4s_buf_clear(scratch);
        s4s_write_node(scratch, r->root);
        s4s_reject_env(b, file, r->line, r->off, why, scratch->p, scratch->len);
    }
}
