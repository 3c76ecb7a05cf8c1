/*
 * issue.c - recording issues and repairs raised by rules.
 *
 * Invariants: records live in the resource arena (no malloc per issue) and
 * keep the order they were raised in; the FHIRPath is computed from the
 * node only when it is read (s4s_issue_paths), so the hot path builds none;
 * messages are formatted once and bounded (MSG_MAX).
 */
#include "rule.h"

#include <stdio.h>
#include <string.h>

#define MSG_MAX 512

static s4s_issue_rec *push(s4s_rctx *rc, s4s_sev sev, const char *code, const char *path,
                           const s4s_node *node, uint64_t off, const char *fmt, va_list ap)
{
    s4s_issue_rec *r = s4s_arena_zalloc(rc->arena, sizeof *r);
    if (fmt[0] == '%' && fmt[1] == 's' && !fmt[2]) {
        /* the edit API's constant "why": no formatting needed */
        const char *m = va_arg(ap, const char *);
        r->msg = s4s_arena_strndup(rc->arena, m, strnlen(m, MSG_MAX - 1));
    } else {
        char msg[MSG_MAX];
        vsnprintf(msg, sizeof msg, fmt, ap);
        r->msg = s4s_arena_strndup(rc->arena, msg, strlen(msg));
    }
    r->sev = sev;
    r->code = code;
    r->path = path;
    r->node = node;
    r->tmpl = fmt;
    r->rule = rc->rule;
    r->off = off;
    if (rc->issues_tail)
        rc->issues_tail->next = r;
    else
        rc->issues = r;
    rc->issues_tail = r;
    rc->n_by_sev[sev]++;
    return r;
}

void s4s_issue(s4s_rctx *rc, s4s_sev sev, const char *code, const s4s_node *at,
               const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    const s4s_node *n = at ? at : rc->root;
    push(rc, sev, code, NULL, n, n ? n->off : rc->off, fmt, ap);
    va_end(ap);
}

void s4s_issue_path(s4s_rctx *rc, s4s_sev sev, const char *code, const char *path,
                    uint64_t off, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    push(rc, sev, code, s4s_arena_strndup(rc->arena, path, strlen(path)), NULL, off, fmt, ap);
    va_end(ap);
}

void s4s_repair(s4s_rctx *rc, const s4s_node *at, const char *kind,
                const char *old_val, const char *new_val, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    const s4s_node *n = at ? at : rc->root;
    s4s_issue_rec *r = push(rc, S4S_SEV_INFO, "informational", NULL, n,
                            n && n->off ? n->off : rc->off, fmt, ap);
    va_end(ap);
    r->repair = kind;
    r->old_val = old_val ? s4s_arena_strndup(rc->arena, old_val, strlen(old_val)) : NULL;
    r->new_val = new_val ? s4s_arena_strndup(rc->arena, new_val, strlen(new_val)) : NULL;
    rc->n_repairs++;
}

void s4s_repair_tally(s4s_rctx *rc, const char *kind, unsigned n, const char *fmt, ...)
{
    if (!n)
        return;
    va_list ap;
    va_start(ap, fmt);
    s4s_issue_rec *r = push(rc, S4S_SEV_INFO, "informational", NULL, rc->root, rc->off, fmt, ap);
    va_end(ap);
    r->repair = kind;
    r->count = n;
    r->routine = true;
    rc->n_repairs += n;
}

void s4s_issue_paths(s4s_rctx *rc)
{
    for (s4s_issue_rec *r = rc->issues; r; r = r->next)
        if (!r->path && r->node)
            r->path = s4s_node_path(rc->arena, r->node, rc->type);
}

void s4s_issue_once(s4s_rctx *rc, const char *key)
{
    if (rc->issues_tail)
        rc->issues_tail->once = s4s_arena_strndup(rc->arena, key, strlen(key));
}

void s4s_issue_drop_repeats(s4s_rctx *rc, bool (*first)(void *u, const char *key), void *u)
{
    s4s_issue_rec *prev = NULL;
    for (s4s_issue_rec *r = rc->issues; r;) {
        s4s_issue_rec *next = r->next;
        if (r->once && !first(u, r->once)) {
            if (prev)
                prev->next = next;
            else
                rc->issues = next;
            if (rc->issues_tail == r)
                rc->issues_tail = prev;
            rc->n_by_sev[r->sev]--;
            if (r->repair)
                rc->n_repairs -= r->count ? r->count : 1;
        } else {
            prev = r;
        }
        r = next;
    }
}
