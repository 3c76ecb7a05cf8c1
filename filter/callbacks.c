/*
 * callbacks.c - issue and reject views for s4s_callbacks (see callbacks.h).
 *
 * Invariant: the views carry exactly what the CSV report and the reject
 * envelopes carry, so the memory interface and the file outputs agree.
 */
#include "callbacks.h"
#include "reject_env.h"
#include "report.h"
#include "writer.h"

s4s_rc s4s_cb_issues(const s4s_callbacks *cb, const char *file, const s4s_res *r,
                     const char *type, const char *id, bool rejected,
                     const s4s_issue_rec *issues)
{
    if (!cb->issue)
        return S4S_OK;
    for (const s4s_issue_rec *e = issues; e; e = e->next) {
        s4s_issue_info i = {
            .file = file, .line = r->line, .offset = r->off, .resource_type = type, .id = id,
            .rejected = rejected, .severity = s4s_sev_str(e->sev), .code = e->code,
            .rule = e->rule ? e->rule : "input", .expression = e->path, .message = e->msg,
            .repair_kind = e->repair,
            .repair_old = e->repair ? e->old_val : NULL, .repair_new = e->repair ? e->new_val : NULL,
            .count = e->count ? e->count : 1,
        };
        s4s_rc rc = cb->issue(cb->u, &i);
        if (rc)
            return rc;
    }
    return S4S_OK;
}

s4s_rc s4s_cb_reject(const s4s_callbacks *cb, const char *file, const s4s_res *r,
                     const char *reason, const void *data, size_t len)
{
    if (!cb->reject)
        return S4S_OK;
    s4s_reject_info i = {.file = file, .line = r->line, .offset = r->off, .reason = reason,
                         .data = data, .len = data ? len : 0};
    return cb->reject(cb->u, &i);
}

s4s_rc s4s_cb_resource_done(const s4s_callbacks *cb, const char *file, const s4s_res *r,
                            const s4s_rctx *rc, bool rejected, s4s_buf *scratch)
{
    s4s_rc st = s4s_cb_issues(cb, file, r, rc->type, rc->id, rejected, rc->issues);
    if (st || !rejected || !cb->reject)
        return st;
    const void *data = r->raw ? r->raw->p : NULL;
    size_t len = r->raw ? r->raw->len : 0;
    if (!r->raw && !r->spilled && r->root) {
        s4s_buf_clear(scratch);
        s4s_write_node(scratch, r->root);
        data = scratch->p;
        len = scratch->len;
    }
    return s4s_cb_reject(cb, file, r, s4s_reject_reason(r, rc->issues), data, len);
}
