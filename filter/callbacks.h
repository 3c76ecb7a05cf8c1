/*
 * callbacks.h - the memory interface's per-resource calls (s4s_callbacks).
 *
 * Turns the pipeline's issue records and quarantined units into the public
 * s4s_issue_info / s4s_reject_info views and calls the user's functions.
 * Ownership: the views point into the resource's arena and the pipe's
 * buffers; they are valid only during the call.
 */
#ifndef S4S_CALLBACKS_H
#define S4S_CALLBACKS_H
#include "assemble.h"
#include "s4s.h"
#include "../rules/rule.h"

/* Every issue of the resource, in order; stops at the first non-OK return. */
s4s_rc s4s_cb_issues(const s4s_callbacks *cb, const char *file, const s4s_res *r,
                     const char *type, const char *id, bool rejected,
                     const s4s_issue_rec *issues);
s4s_rc s4s_cb_reject(const s4s_callbacks *cb, const char *file, const s4s_res *r,
                     const char *reason, const void *data, size_t len);
/* After a resource is written or quarantined: its issues, then (rejected)
 * its bytes; a tree without raw bytes is serialized through scratch. */
s4s_rc s4s_cb_resource_done(const s4s_callbacks *cb, const char *file, const s4s_res *r,
                            const s4s_rctx *rc, bool rejected, s4s_buf *scratch);

#endif
