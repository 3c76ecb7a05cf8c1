/*
 * callbacks.c - issue and reject views for s4s_callbacks (see callbacks.h).
 *
 * Invariant: the views carry exactly what the CSV report and the reject
 * envelopes carry, so the memory interface and the file outputs agree.
 */
#include "callbacks.h"
#include "report.h"

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
