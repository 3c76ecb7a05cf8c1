/*
 * pipe.c - the pipeline: input -> sax -> assemble -> rules -> writer, with
 * report and stats on the side.
 *
 * Invariants:
 *  - Each resource handed over by assemble is accounted exactly once: written
 *    to out, or quarantined to reject (raw bytes, compacted), in input order;
 *    so resources_in == resources_out + resources_rejected.  The one
 *    exception is no resource: a searchset entry whose search.mode is
 *    "outcome" (the server's OperationOutcome) goes only to the report,
 *    disposition "reported", and is counted in outcome_entries.
 *  - Output buffers (out, reject, report) are flushed when they pass
 *    FLUSH_AT, so memory does not grow with the input; a write error stops
 *    the run, and its message (file, bytes it got, errno) is made on the
 *    thread that wrote.
 *  - Every change to a resource is made by a rule family of the registry;
 *    the stream only hands them the context (Bundle number, fullUrl).
 *  - Rules see only resources whose tree is complete and valid UTF-8.
 *  - Threads: s4s_pipe_feed() is synchronous; s4s_pipe_feed_fd() reads on a
 *    reader thread, parses here and hands each resource to the stage's
 *    workers (--threads).  A resource goes through three steps: prepare()
 *    in input order (the BEFORE families: upgrade, urn:uuid map); work()
 *    on any worker, in parallel (the ANY families, each worker with its own
 *    rule states and terminology handle; the output line), or here with a
 *    row of our own when the workers lag (the ring is full); commit() in
 *    input order, one at a time (the AFTER families, then out or reject,
 *    report, stats).  Resources parsed here are handed over in batches (the
 *    ones gathered in assemble's arena, one slot at ~64 KB or at an input
 *    block's end), and prepared by the thread that works the batch, with
 *    this thread's row, one batch at a time in push order (prepare_batch),
 *    so the parse of a streamed Bundle is all this thread does for it.
 *    With workers, the boundary scanner (scan.h) hands whole top-level
 *    values (units) to them instead: a worker parses the
 *    unit with a parser of its row, started over where the unit begins,
 *    and prepares and works each of its resources there (a unit holds
 *    whole Bundles, so the BEFORE families need nothing from outside it);
 *    the unit is committed as one slot, its resources in order.  Only
 *    commit touches the output buffers, stats, the "once" keys and p->err,
 *    so they need no locks; the rows' states are merged into row 0's
 *    when the stage has stopped (merge_states), so every
 *    output is the same for any number of workers.  The progress display
 *    reads only the live_* atomics.
 */
#include "s4s.h"
#include "base/alloc.h"
#include "assemble.h"
#include "callbacks.h"
#include "inflate.h"
#include "input.h"
#include "out_pgcopy.h"
#include "passthru.h"
#include "reader.h"
#include "reject_env.h"
#include "report_csv.h"
#include "stage.h"
#include "base/jsonw.h"
#include "report.h"
#include "sax.h"
#include "scan.h"
#include "split.h"
#include "squeeze.h"
#include "stats.h"
#include "base/text.h"
#include "writer.h"
#include "../rules/rule.h"
#include "../rules/urnuuid.h"
#include "../terminology/term.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FLUSH_AT (1u << 20)
#define ONCE_KEYS 4096
#define HARD_DEPTH_MIN 1024
/* units for workers (scan.h): handed over at UNIT_TARGET bytes (many NDJSON
 * lines: one hand-over, not one per resource); a top-level value above
 * UNIT_MAX is parsed here, streamed, like the 1 GB Bundle */
#define UNIT_TARGET ((size_t)64 << 10)
#define UNIT_MAX    ((size_t)4 << 20)
#define UNIT_CAP    (UNIT_TARGET + UNIT_MAX) /* lines up to the target, and one more */

/* One row's parser of units: a worker's (or, when it helps, this thread's). */
typedef struct unitp {
    s4s_pipe    *p;
    unsigned     row;
    s4s_sax     *sax;
    s4s_asm     *as;
    s4s_passthru *pt;      /* --no-validate's lines without a tree, or NULL */
    struct unit *cur;
    s4s_squeeze  sq;       /* the unit's squeezed bytes (work_squeezed) */
    bool         squeezing;/* they are being parsed */
    const unsigned char *held; /* resources wait (parsed from these bytes) */
    size_t       held_len;
    s4s_arena   *scratch;  /* sq's bytes and map, reset for each unit */
} unitp;

/* Top-level values cut out of the stream, and what became of them; or a
 * batch: resources this thread parsed, handed over together
 * (one hand-over, not one per resource).  Lives in the slot's arena. */
typedef struct unit {
    const unsigned char *bytes;
    size_t       len;
    const size_t *cuts;    /* where an input block began: fed in those pieces */
    size_t       ncuts;
    uint64_t     off, line, bundles;
    s4s_sax_mode mode;
    s4s_res     *res;      /* the resources (and Bundle ends) it held, worked */
    size_t       n, cap;
    s4s_rc       rc;       /* a fatal parse error after them, with its message */
    const char  *msg;
    uint64_t     oom_off;  /* where the worker ran out of memory */
    bool         batch;    /* res[] are parsed: prepare (in turn) and work() each */
    size_t       worked;   /* a batch's: res[0..worked) went through work() */
    uint64_t     turn;     /* a pushed batch's place in push order (1, 2, ...); 0: not pushed */
    bool         in_turn;  /* its thread holds the turn (released on out of memory too) */
    bool         squeezed; /* res[] were parsed from squeezed bytes: worked (and
                              committed) up to `worked` */
    bool         items;    /* entries of the Bundle the stream's parser streams,
                              stepped over there (s4s_sax_skip_items): parsed
                              here, then prepared in turn as a batch */
    s4s_asm_entries at;    /*   where they stand in their Bundle */
    const void  *tape;     /*   the tapes of their check there (sax.h) */
    size_t       tape_len;
} unit;

/* An output stream and what it has been given, for the message when a
 * write fails. */
typedef struct sink {
    FILE       *f;
    const char *name;
    uint64_t    bytes;   /* written to it so far */
} sink;

struct s4s_pipe {
    const s4s_opts *o;
    s4s_outputs     io;
    s4s_input      *in;
    s4s_asm        *as;
    s4s_sax        *sax;
    s4s_scan       *scan;        /* cuts units for the workers, while they run */
    unitp          *up;          /* [rows] when workers run */
    s4s_arena      *unit_arena;  /* the next unit is copied into it */
    unit           *batch;       /* streamed resources gathered in assemble's arena */
    bool            batch_stale; /* an input block ended since the batch began */
    uint64_t        units;       /* units handed over: their Bundles' numbers */
    /* the stream's BEFORE families run on whichever thread works a batch,
     * one batch at a time in push order (prepare_batch): batches pushed,
     * the last one prepared */
    uint64_t        turns;
    uint64_t        turn_done;
    pthread_mutex_t turn_mu;
    pthread_cond_t  turn_cv;
    unsigned        nw;          /* rule workers (--threads - 1, at least 1) */
    unsigned        rows;        /* rule-state rows: one per worker and, when workers
                                    run, two for this thread (parser_row; its ANY
                                    families are row nw's, any_row) */
    s4s_term      **terms;       /* [rows]: one terminology handle per row (none for
                                    parser_row), or NULLs */
    void          **rule_state;  /* [rows][s4s_n_rules]; AFTER families use row 0 only */
    bool            merged;      /* rows 1.. are added into row 0 */
    s4s_buf        *line;        /* [rows]: a row's output line before it moves to the arena */
    s4s_counter     once;        /* keys of the "once" issues said so far (commit) */
    s4s_stats       st;
    s4s_buf         out, rej;
    s4s_jw          rep;         /* report lines, buffered like out and rej */
    sink            out_s, rej_s, rep_s, cov_s;
    /* copies of the counters the progress line shows, stored by the thread
     * that counts, loaded by the one that ticks */
    _Atomic uint64_t live_bytes, live_in, live_rejected;
    s4s_reader     *reader;      /* set while a reader thread decodes */
    s4s_stage      *stage;       /* rules + writer thread, when running */
    bool            spill_inline;/* the resource being spilled is processed here */
    s4s_compact_state spill_st;
    s4s_b64         spill_b64;   /* the same, for an envelope */
    bool            spilling;
    s4s_buf         scratch;     /* a resource's JSON before COPY escaping */
    s4s_split      *split;       /* --split-by-type, or NULL */
    const char     *src_name;    /* the input being read (s4s_pipe_next_source) */
    bool            src_fed;     /* bytes of it reached the parser */
    bool            had_errors;
    s4s_rc          late_rc;     /* what stopped the issues of a Bundle's end */
    s4s_rc          rc;
    char            err[512];
};

/* The message for a failed write; errno is the writing thread's. */
static void write_failed(s4s_pipe *p, const sink *s, int err)
{
    char eb[128];
    if (!p->err[0])
        snprintf(p->err, sizeof p->err, "%s: write error after %llu bytes: %s", s->name,
                 (unsigned long long)s->bytes, strerror_r(err, eb, sizeof eb));
}

static s4s_rc sink_write(s4s_pipe *p, sink *s, const void *b, size_t n)
{
    size_t w = fwrite(b, 1, n, s->f);
    s->bytes += w;
    if (w == n && fflush(s->f) == 0)
        return S4S_OK;
    int err = errno;
    if (err == EPIPE)
        return S4S_ERR_EPIPE;
    write_failed(p, s, err);
    return S4S_ERR_IO;
}

static s4s_rc flush_buf(s4s_pipe *p, s4s_buf *b, sink *s, bool force)
{
    s4s_rc rc = S4S_OK;
    if (!s->f)
        s4s_buf_clear(b);
    else if (b->len && (force || b->len >= FLUSH_AT)) {
        rc = sink_write(p, s, b->p, b->len);
        s4s_buf_clear(b);
    }
    return rc;
}

static s4s_rc batch_inline(s4s_pipe *p);

static void spill(void *u, const char *p, size_t n)
{
    s4s_pipe *pp = u;
    if (!pp->io.reject)
        return;
    if (pp->stage && !pp->spill_inline) {
        /* the reject stream is the stage's: let it finish, then take over
         * until this resource is delivered (it is processed inline) */
        s4s_rc rc = batch_inline(pp);
        if (rc && !pp->rc)
            pp->rc = rc;
        pp->spill_inline = true;
    }
    bool env = pp->io.reject_format == S4S_REJECT_ENVELOPE;
    if (!pp->spilling) {
        pp->spilling = true;
        memset(&pp->spill_st, 0, sizeof pp->spill_st);
        if (env)
            s4s_reject_env_begin(&pp->rej, &pp->spill_b64);
    }
    if (env)
        s4s_reject_env_chunk(&pp->rej, &pp->spill_b64, p, n);
    else
        s4s_compact(&pp->rej, p, n, &pp->spill_st);
    s4s_rc rc = flush_buf(pp, &pp->rej, &pp->rej_s, false);
    if (rc && !pp->rc)
        pp->rc = rc;
}

/* A resource's way through the stage, in its arena. */
typedef struct job {
    s4s_rctx rc;
    bool     outcome;   /* a server's OperationOutcome: no rule runs */
    bool     has_line;  /* work() wrote the output line */
    bool     passthru;  /* checked without a tree (passthru.h): clean, no root */
    const char *line;   /* the cleaned resource and its newline */
    size_t   len;
} job;

/* The row of the parse thread's own steps (the stream's BEFORE families,
 * also where a worker prepares a batch in its turn; inline work) when
 * workers run: rows 0..nw-1 are theirs, nw is what the
 * parse thread works for them while they lag (s4s_stage_push), which may
 * be whole units while a streamed Bundle is open here, so it is apart. */
static unsigned parser_row(const s4s_pipe *p) { return p->rows > 1 ? p->nw + 1 : 0; }

/* Row w as the ANY families see it: the parse thread's two rows share one
 * set (that of row nw), with its terminology handle.  Both run only on
 * this thread and never at once (work is not reentered), and a row of
 * their own cost as much to start as a worker's (start at two threads:
 * 15 ms with it, 13 without). */
static unsigned any_row(const s4s_pipe *p, unsigned w)
{
    return p->rows > 1 && w == parser_row(p) ? p->nw : w;
}

/* a row that holds no state of family i's own: it uses any_row's */
static bool aliased(const s4s_pipe *p, unsigned w, unsigned i)
{
    return s4s_rules[i]->order == S4S_RULE_ANY && any_row(p, w) != w;
}

static void **state_of(s4s_pipe *p, unsigned w, unsigned i)
{
    if (s4s_rules[i]->order == S4S_RULE_ANY)
        w = any_row(p, w);
    return &p->rule_state[(size_t)w * s4s_n_rules + i];
}

/* The families of one order, with row w's states (AFTER ones run only at
 * commit, with row 0's; only ANY ones get a terminology handle). */
static void run_rules(s4s_pipe *p, s4s_rctx *rc, unsigned w, s4s_rule_order order)
{
    rc->term = order == S4S_RULE_ANY ? p->terms[any_row(p, w)] : NULL;
    for (unsigned i = 0; i < s4s_n_rules; i++) {
        if (s4s_rules[i]->order != order || !s4s_rule_enabled(i, p->o))
            continue;
        rc->rule = s4s_rules[i]->name;
        s4s_rules[i]->apply(rc, *state_of(p, order == S4S_RULE_AFTER ? 0 : w, i));
    }
}


/* the urn:uuid family's index in the registry */
static unsigned urnuuid_index(void)
{
    unsigned i = 0;
    while (s4s_rules[i] != &s4s_rule_urnuuid)
        i++;
    return i;
}

static s4s_rc stopped_by_callback(s4s_pipe *p, s4s_rc rc)
{
    if (!p->err[0])
        snprintf(p->err, sizeof p->err, "stopped by a callback: %s", s4s_rc_str(rc));
    return rc;
}

/* --on-invalid=fail: the message naming the first error of a resource */
static s4s_rc stop_at_error(s4s_pipe *p, const char *type, const char *id, uint64_t off,
                            const s4s_issue_rec *issues)
{
    const s4s_issue_rec *e = issues;
    while (e && e->sev > S4S_SEV_ERROR)
        e = e->next;
    snprintf(p->err, sizeof p->err, "stopped at the first error (--on-invalid=fail): %s/%s at byte %llu: %s%s%s",
             type ? type : "(unknown)", id ? id : "(no id)",
             (unsigned long long)(e ? e->off : off), e && e->path ? e->path : "",
             e && e->path ? ": " : "", e ? e->msg : "");
    return S4S_ERR_INVALID;
}

/* The report line (or CSV rows) of one resource's issues, those that
 * --report-level keeps; nothing when it keeps none. */
static s4s_rc report_issues(s4s_pipe *p, const char *type, const char *id, uint64_t off,
                            uint64_t line, const char *disposition, const s4s_issue_rec *issues)
{
    s4s_report_level lv = p->o->report_level;
    const s4s_issue_rec *shown = p->io.report ? s4s_report_next(issues, lv) : NULL;
    if (!shown)
        return S4S_OK;
    if (p->io.report_format == S4S_REPORT_CSV) {
        s4s_report_csv_rows(&p->rep.b, p->src_name, type, id, off, line, disposition, shown, lv);
    } else {
        s4s_report_write(&p->rep, p->io.name_sources ? p->src_name : NULL, type, id, off, line,
                         disposition, shown, lv);
        s4s_jw_line(&p->rep);
    }
    return flush_buf(p, &p->rep.b, &p->rep_s, false);
}

/* rc->late: issues about a resource written (or quarantined) earlier, raised
 * when its Bundle ended.  They get a report line of their own and count in
 * stats and exit status; what was written stays as it is. */
static void late_issues(s4s_rctx *rc, const s4s_late_res *who)
{
    s4s_pipe *p = rc->late_u;
    if (rc->issues && !p->late_rc) {
        bool has_err = rc->n_by_sev[S4S_SEV_ERROR] + rc->n_by_sev[S4S_SEV_FATAL] > 0;
        if (has_err)
            p->had_errors = true;
        s4s_rc out_rc = report_issues(p, who->type, who->id, who->off, who->line,
                                      who->rejected ? "rejected" : "written", rc->issues);
        if (p->io.cb && !out_rc) {
            s4s_res r = {.off = who->off, .line = who->line};
            out_rc = s4s_cb_issues(p->io.cb, p->src_name, &r, who->type, who->id, who->rejected,
                                   rc->issues);
            if (out_rc)
                stopped_by_callback(p, out_rc);
        }
        s4s_stats_issues(&p->st, rc->issues);
        if (!out_rc && has_err && p->o->on_invalid == S4S_INVALID_FAIL)
            out_rc = stop_at_error(p, who->type, who->id, who->off, rc->issues);
        p->late_rc = out_rc;
    }
    rc->issues = rc->issues_tail = NULL;
    memset(rc->n_by_sev, 0, sizeof rc->n_by_sev);
    rc->n_repairs = 0;
}

/* The marker after a Bundle's last entry: the families that span a Bundle
 * conclude. */
static s4s_rc bundle_end(s4s_pipe *p, s4s_res *r)
{
    s4s_rctx rc = {
        .arena = r->arena, .off = r->off, .line = r->line, .opts = p->o,
        .bundle = r->bundle, .bundle_type = r->bundle_type, .late = late_issues, .late_u = p,
    };
    p->late_rc = S4S_OK;
    for (unsigned i = 0; i < s4s_n_rules && !p->late_rc; i++) {
        if (!s4s_rule_enabled(i, p->o))
            continue;
        rc.rule = s4s_rules[i]->name;
        s4s_rule_bundle_end(i, &rc, *state_of(p, 0, i));
    }
    return p->late_rc;
}

/* A searchset entry with search.mode "outcome": the server's message about
 * the search, not patient data.  No rule runs on it; its issues' severity and
 * code (codes only: never diagnostics text) go to the report as
 * information. */
static s4s_rc server_outcome(s4s_pipe *p, s4s_res *r, s4s_rctx *rc)
{
    rc->rule = "input";
    s4s_issue(rc, S4S_SEV_INFO, "informational", NULL,
              "Bundle entry with search.mode outcome: the server's OperationOutcome is "
              "reported, not written");
    s4s_node *issues = s4s_get(r->root, "issue");
    if (issues && issues->type == S4S_J_ARRAY)
        S4S_EACH(i, issues) {
            const char *sev = i->type == S4S_J_OBJECT ? s4s_get_str(i, "severity") : NULL;
            const char *code = i->type == S4S_J_OBJECT ? s4s_get_str(i, "code") : NULL;
            char sv[33], cv[33]; /* codes, cut short: a malformed one may be long */
            snprintf(sv, sizeof sv, "%s", sev ? sev : "(none)");
            snprintf(cv, sizeof cv, "%s", code ? code : "(none)");
            s4s_issue(rc, S4S_SEV_INFO, "informational", i, "server issue: severity %s, code %s",
                      sv, cv);
        }
    if (p->io.report || p->io.cb)
        s4s_issue_paths(rc);
    s4s_rc out_rc = report_issues(p, rc->type, rc->id, r->off, r->line, "reported", rc->issues);
    if (p->io.cb && !out_rc) {
        out_rc = s4s_cb_resource_done(p->io.cb, p->src_name, r, rc, false, &p->scratch);
        if (out_rc)
            stopped_by_callback(p, out_rc);
    }
    s4s_stats_outcome(&p->st, rc->issues);
    return out_rc;
}

/* Step 1, in input order (the parse thread's, or a unit's on the worker
 * parsing it, with row w): the resource's context, and the families that
 * need the resources before it, which are those of its Bundle (a unit
 * holds whole Bundles). */
static void prepare(s4s_pipe *p, s4s_res *r, unsigned w)
{
    r->job = NULL;
    if (r->bundle_end)
        return;
    job *j = s4s_arena_zalloc(r->arena, sizeof *j);
    r->job = j;
    s4s_rctx *rc = &j->rc;
    *rc = (s4s_rctx){
        .arena = r->arena, .root = r->root, .off = r->off, .line = r->line, .opts = p->o,
        .bundle = r->bundle, .full_url = r->full_url, .bundle_type = r->bundle_type,
        .refs = r->refs, .nrefs = r->nrefs, .refs_listed = r->refs_listed, .nodes = r->nodes,
        .kinds = r->kinds,
    };
    if (r->root) {
        rc->type = s4s_get_str(r->root, "resourceType");
        rc->id = s4s_get_str(r->root, "id");
        if (r->outcome && rc->type && !strcmp(rc->type, "OperationOutcome")) {
            j->outcome = true;
            return;
        }
        run_rules(p, rc, w, S4S_RULE_BEFORE);
    } else {
        rc->rule = "input";
        s4s_issue_path(rc, S4S_SEV_ERROR, r->reason_code ? r->reason_code : "structure",
                       "", r->reason_off, "%s (line %llu)", r->reason,
                       (unsigned long long)r->line);
        rc->issues->path = NULL; /* no element to point at */
        rc->issues->node = NULL;
    }
}

static bool wants_paths(const s4s_pipe *p, const s4s_rctx *rc)
{
    bool has_err = rc->n_by_sev[S4S_SEV_ERROR] + rc->n_by_sev[S4S_SEV_FATAL] > 0;
    return rc->issues && (p->io.report || p->io.cb || (has_err && p->o->on_invalid == S4S_INVALID_FAIL));
}

/* The edited values for s4s_write_compact_edited: rc's list while it is
 * whole and nothing was inserted, moved or removed, else NULL (a walk). */
static const s4s_node *const *edit_list(const s4s_rctx *rc)
{
    static const s4s_node *const none[1];
    if (rc->reshaped || rc->edits_over)
        return NULL;
    return rc->edits ? (const s4s_node *const *)rc->edits : none;
}

/* The NDJSON output line of r (work() on row w).  Unchanged (every
 * change is a recorded repair: edit.c), its bytes as received, compacted,
 * cost less than writing the tree and are the same bytes
 * (s4s_write_compact; plain ones need no compacting, and where their
 * newline follows them in a unit's bytes they are the line as they are);
 * so are they with string values replaced, most often the urn:uuid
 * references. */
static void make_line(s4s_pipe *p, unsigned w, const s4s_res *r, job *j)
{
    const s4s_rctx *rc = &j->rc;
    bool raw = r->raw && !r->spilled;
    const char *src = raw ? r->raw->p : NULL;
    size_t len = raw ? r->raw->len : 0;
    bool as_is = raw && !rc->n_repairs && r->plain;
    j->has_line = true;
    if (as_is && r->raw_nl) {
        j->line = src;
        j->len = len + 1;
        return;
    }
    if (!as_is) {
        s4s_buf *b = &p->line[w];
        s4s_buf_clear(b);
        if (!(raw && (rc->n_repairs ? s4s_write_compact_edited(b, r->raw->p, r->raw->len, r->off, r->root,
                                                               edit_list(rc), rc->nedits)
                                    : s4s_write_compact(b, r->raw->p, r->raw->len))))
            s4s_write_node(b, r->root);
        src = b->p;
        len = b->len;
    }
    char *line = s4s_arena_alloc(r->arena, len + 1);
    memcpy(line, src, len);
    line[len] = '\n';
    j->line = line;
    j->len = len + 1;
}

/* Step 2, on worker w, several resources at once: the families that look
 * at one resource, then its NDJSON line (the AFTER families never change
 * a resource, they may only quarantine it) and its issues' paths. */
static s4s_rc work(s4s_pipe *p, unsigned w, s4s_res *r)
{
    job *j = r->job;
    if (!j || !r->root || j->outcome)
        return S4S_OK;
    s4s_rctx *rc = &j->rc;
    if (r->raw && !r->spilled && !r->shared) { /* where they are now (own() may have moved them) */
        rc->raw = r->raw->p;
        rc->raw_len = r->raw->len;
    }
    run_rules(p, rc, w, S4S_RULE_ANY);
    if (p->io.out_format == S4S_OUT_NDJSON && !s4s_rctx_rejects(rc))
        make_line(p, w, r, j);
    if (wants_paths(p, rc))
        s4s_issue_paths(rc);
    return S4S_OK;
}

static s4s_rc work_unit(s4s_pipe *p, unsigned w, s4s_res *r);

static void turn_wait(s4s_pipe *p, const unit *u)
{
    pthread_mutex_lock(&p->turn_mu);
    while (p->turn_done + 1 < u->turn)
        pthread_cond_wait(&p->turn_cv, &p->turn_mu);
    pthread_mutex_unlock(&p->turn_mu);
}

/* The batch u is prepared by now (or never will be: out of memory). */
static void turn_release(s4s_pipe *p, unit *u)
{
    u->in_turn = false;
    pthread_mutex_lock(&p->turn_mu);
    if (p->turn_done < u->turn)
        p->turn_done = u->turn;
    pthread_cond_broadcast(&p->turn_cv);
    pthread_mutex_unlock(&p->turn_mu);
}

/* Step 1 for a batch, on the thread that works it: the BEFORE families of
 * the parse thread's row, after every batch pushed before it (the stage
 * hands slots out oldest first, so the one waited for is being worked,
 * never queued behind this one).  A batch worked where it was gathered
 * (batch_inline: the stage is drained) has no turn to wait for. */
static void prepare_batch(s4s_pipe *p, unit *u)
{
    if (u->turn) {
        turn_wait(p, u);
        u->in_turn = true;
    }
    for (size_t i = 0; i < u->n; i++) {
        u->oom_off = u->res[i].off;
        prepare(p, &u->res[i], parser_row(p));
    }
    if (u->in_turn)
        turn_release(p, u);
}

/* u will never be prepared: its turn passes to the next when it comes. */
static void turn_pass(s4s_pipe *p, unit *u)
{
    turn_wait(p, u);
    turn_release(p, u);
}

static s4s_rc work_guarded(void *u, unsigned w, s4s_res *r)
{
    s4s_pipe *p = u;
    s4s_oom_frame f;
    s4s_oom_enter(&f);
    if (setjmp(f.jb)) {
        unit *un = r->unit;
        unitp *up = un && !un->batch ? &p->up[w] : NULL;
        if (up && up->squeezing) { /* squeezed bytes: their offset mapped back */
            size_t k = 0;
            un->oom_off = un->off + s4s_squeeze_orig(&up->sq, s4s_sax_offset(up->sax) - un->off, &k);
            up->squeezing = false;
        } else if (up && !un->squeezed) { /* the run stops: the row's parser is not used again */
            un->oom_off = s4s_sax_offset(up->sax);
        }
        if (un && un->in_turn) /* the next batch must not wait for this one */
            turn_release(p, un);
        else if (un && un->items && !un->batch) /* its turn has not come: pass it on when it does */
            turn_pass(p, un);
        return S4S_ERR_NOMEM; /* commit names the resource */
    }
    s4s_rc rc = r->unit ? work_unit(p, w, r) : work(p, w, r);
    s4s_oom_leave(&f);
    return rc;
}

/* s4s_issue_drop_repeats: is this the first resource to say key? */
static bool first_once(void *u, const char *key)
{
    s4s_pipe *p = u;
    return s4s_counter_add(&p->once, key, strlen(key), 0, 1)->n[0] == 1;
}

/* A cleaned resource in the chosen output format, to out or its type's file;
 * line is work()'s, or NULL. */
static s4s_rc put_resource(s4s_pipe *p, const s4s_res *r, const job *j)
{
    const s4s_rctx *rc = &j->rc;
    size_t at = p->out.len;
    if (j->has_line) {
        s4s_buf_put(&p->out, j->line, j->len);
    } else if (p->io.out_format == S4S_OUT_PGCOPY) {
        s4s_pgcopy_row(&p->out, &p->scratch, r->root, rc->type, rc->id);
    } else {
        s4s_write_node(&p->out, r->root);
        s4s_buf_putc(&p->out, '\n');
    }
    if (p->io.cb && p->io.cb->resource) {
        s4s_rc cb = p->io.cb->resource(p->io.cb->u, p->out.p + at, p->out.len - at - 1, rc->type, rc->id);
        if (cb)
            return stopped_by_callback(p, cb);
    }
    if (!p->split)
        return flush_buf(p, &p->out, &p->out_s, false);
    s4s_rc sc = s4s_split_put(p->split, rc->type, p->out.p, p->out.len);
    s4s_buf_clear(&p->out);
    if (sc && !p->err[0])
        snprintf(p->err, sizeof p->err, "%s", s4s_split_errmsg(p->split));
    return sc;
}

/* Step 3, in input order, one resource at a time: the families that need
 * the resources before it, then out or reject, report, stats.  The only
 * step that touches p->out, p->rej, p->rep, p->st and p->err. */
static s4s_rc commit(s4s_pipe *p, s4s_res *r)
{
    if (r->bundle_end)
        return bundle_end(p, r);
    job *j = r->job;
    s4s_rctx *rc = &j->rc;
    if (j->outcome)
        return server_outcome(p, r, rc);
    if (r->root)
        run_rules(p, rc, 0, S4S_RULE_AFTER);
    if (rc->issues)
        s4s_issue_drop_repeats(rc, first_once, p);
    bool has_err = rc->n_by_sev[S4S_SEV_ERROR] + rc->n_by_sev[S4S_SEV_FATAL] > 0;
    /* under fail the offending resource is quarantined too, so the counts
     * still add up when the run stops */
    bool reject = (!r->root && !j->passthru) || s4s_rctx_rejects(rc);
    if (has_err)
        p->had_errors = true;

    s4s_rc out_rc;
    if (reject) {
        if (p->io.reject && p->io.reject_format == S4S_REJECT_ENVELOPE) {
            s4s_reject_env_res(&p->rej, &p->scratch, &p->spill_b64, p->src_name, r, rc->issues);
        } else if (p->io.reject) {
            if (r->spilled) {
                s4s_buf_putc(&p->rej, '\n');
            } else if (r->raw) {
                s4s_write_raw_line(&p->rej, r->raw->p, r->raw->len);
                s4s_buf_putc(&p->rej, '\n');
            } else if (r->root) {
                s4s_write_node(&p->rej, r->root);
                s4s_buf_putc(&p->rej, '\n');
            }
        }
        out_rc = flush_buf(p, &p->rej, &p->rej_s, false);
    } else {
        out_rc = put_resource(p, r, j);
    }
    if (wants_paths(p, rc)) /* the AFTER families' issues */
        s4s_issue_paths(rc);
    s4s_rc rep_rc = report_issues(p, rc->type, rc->id, r->off, r->line, reject ? "rejected" : "written",
                                  rc->issues);
    if (!out_rc)
        out_rc = rep_rc;
    if (p->io.cb && !out_rc) {
        out_rc = s4s_cb_resource_done(p->io.cb, p->src_name, r, rc, reject, &p->scratch);
        if (out_rc)
            stopped_by_callback(p, out_rc);
    }
    s4s_stats_resource(&p->st, rc->type, reject, rc->issues);
    atomic_store_explicit(&p->live_in, p->st.c.resources_in, memory_order_relaxed);
    atomic_store_explicit(&p->live_rejected, p->st.c.resources_rejected, memory_order_relaxed);
    if (out_rc)
        return out_rc;
    if (has_err && p->o->on_invalid == S4S_INVALID_FAIL)
        return stop_at_error(p, rc->type, rc->id, r->off, rc->issues);
    return S4S_OK;
}

static s4s_rc nomem_in_resource(s4s_pipe *p, const s4s_res *r)
{
    snprintf(p->err, sizeof p->err, "out of memory at byte %llu, in the resource starting there",
             (unsigned long long)r->off);
    return S4S_ERR_NOMEM;
}

/* commit() with its own recovery point, on whichever thread runs it: out
 * of memory names the resource's offset, drops what it had half-written to
 * the output buffers and stops the run. */
static s4s_rc commit_unit(s4s_pipe *p, s4s_res *r, s4s_rc work_rc);

static s4s_rc commit_guarded(void *u, s4s_res *r, s4s_rc work_rc)
{
    s4s_pipe *p = u;
    if (r->unit)
        return commit_unit(p, r, work_rc);
    if (work_rc)
        return work_rc == S4S_ERR_NOMEM ? nomem_in_resource(p, r) : work_rc;
    size_t out_len = p->out.len, rej_len = p->rej.len;
    s4s_oom_frame f;
    s4s_oom_enter(&f);
    if (setjmp(f.jb)) {
        if (p->out.len > out_len)
            p->out.len = out_len;
        if (p->rej.len > rej_len)
            p->rej.len = rej_len;
        s4s_buf_clear(&p->rep.b);
        return nomem_in_resource(p, r);
    }
    s4s_rc rc = commit(p, r);
    s4s_oom_leave(&f);
    return rc;
}

static s4s_rc prepare_guarded(s4s_pipe *p, s4s_res *r)
{
    s4s_oom_frame f;
    s4s_oom_enter(&f);
    if (setjmp(f.jb)) {
        if (p->stage) /* a commit may be writing p->err */
            s4s_stage_drain(p->stage);
        return nomem_in_resource(p, r);
    }
    prepare(p, r, parser_row(p));
    s4s_oom_leave(&f);
    return S4S_OK;
}

/* All three steps here, with this thread's states (no worker is busy). */
static s4s_rc process_inline(s4s_pipe *p, s4s_res *r)
{
    s4s_rc rc = prepare_guarded(p, r);
    if (rc)
        return rc;
    return commit_guarded(p, r, work_guarded(p, parser_row(p), r));
}

/* What points outside the arena (sax's capture and messages, assemble's
 * fullUrl and Bundle type buffers) is copied into it, so the resource can
 * travel with its arena; raw bytes inside kept[0..kept_len) (a unit's, in
 * the arena already) are only pointed to. */
static void own(s4s_res *r, const unsigned char *kept, size_t kept_len)
{
    if (r->raw) {
        s4s_buf *b = s4s_arena_zalloc(r->arena, sizeof *b);
        const unsigned char *rp = (const unsigned char *)r->raw->p;
        if (kept && rp >= kept && rp + r->raw->len <= kept + kept_len) {
            *b = *r->raw; /* already in the arena: a view of a unit's bytes (rawcap.h) */
            r->raw_nl = rp + b->len < kept + kept_len && rp[b->len] == '\n';
        } else {
            r->raw_nl = false;
            b->p = s4s_arena_alloc(r->arena, r->raw->len ? r->raw->len : 1);
            memcpy(b->p, r->raw->p, r->raw->len);
            b->len = b->cap = b->max = r->raw->len;
        }
        r->raw = b;
    }
    if (r->full_url)
        r->full_url = s4s_arena_strndup(r->arena, r->full_url, strlen(r->full_url));
    if (r->bundle_type)
        r->bundle_type = s4s_arena_strndup(r->arena, r->bundle_type, strlen(r->bundle_type));
    if (r->reason)
        r->reason = s4s_arena_strndup(r->arena, r->reason, strlen(r->reason));
}

/* --- units: top-level values parsed on a worker (scan.h) ------------------ */

/* Appends a resource of u's arena to u's list (which grows in that arena). */
static void unit_add(unit *u, const s4s_res *h)
{
    if (u->n == u->cap) {
        size_t cap = u->cap ? 2 * u->cap : 16;
        s4s_res *v = s4s_arena_alloc(h->arena, cap * sizeof *v);
        if (u->n)
            memcpy(v, u->res, u->n * sizeof *v);
        u->res = v;
        u->cap = cap;
    }
    u->res[u->n++] = *h;
}

/* From a row's assembler, on the worker parsing the unit: the resource is
 * prepared and worked there (the unit's Bundles are whole, so the BEFORE
 * families see every entry before it) and waits in the unit for commit. */
static s4s_rc on_unit_res(void *ctx, s4s_res *r)
{
    unitp *up = ctx;
    s4s_pipe *p = up->p;
    unit *u = up->cur;
    s4s_res h = *r;
    if (h.root && p->o->on_invalid == S4S_INVALID_KEEP && p->io.out_format != S4S_OUT_NDJSON)
        h.raw = NULL;
    h.shared = false;
    if (up->held) {
        own(&h, up->held, up->held_len);
        unit_add(u, &h);
        return S4S_OK;
    }
    own(&h, u->bytes, u->len);
    prepare(p, &h, up->row);
    work(p, up->row, &h);
    unit_add(u, &h);
    return S4S_OK;
}

/* Step 2 for a unit that needs no tree (passthru.h): NDJSON lines, or
 * Bundles whose only change is the urn:uuid rewrite (told to that
 * family's state of row w, as its own rewrites are).  Each resource
 * becomes one with only its type, output line and that family's record.
 * False: not taken. */
static bool work_passthru(s4s_pipe *p, unsigned w, unitp *up, unit *u, s4s_arena *a)
{
    if (!up->pt)
        return false;
    void *refs = NULL; /* Bundles: the urn:uuid family's state of row w */
    if (!(u->mode == S4S_SAX_LINES && s4s_passthru_check(up->pt, u->bytes, u->len))) {
        /* the family's tally stands for its rewrites only below --report-level=all */
        if (p->o->report_level == S4S_LEVEL_ALL || !s4s_passthru_bundles(up->pt, u->bytes, u->len))
            return false;
        refs = *state_of(p, w, urnuuid_index());
    }
    const s4s_buf *out = s4s_passthru_out(up->pt);
    char *lines = s4s_arena_alloc(a, out->len);
    memcpy(lines, out->p, out->len);
    for (size_t i = 0, n = s4s_passthru_count(up->pt); i < n; i++) {
        const s4s_pt_line *l = s4s_passthru_line(up->pt, i);
        job *j = s4s_arena_zalloc(a, sizeof *j);
        s4s_res h = {.arena = a, .off = u->off + l->at, .line = u->line + l->line, .job = j};
        j->rc = (s4s_rctx){.arena = a, .off = h.off, .line = h.line, .opts = p->o,
                           .type = s4s_arena_strndup(a, l->type, l->type_len)};
        j->passthru = j->has_line = true;
        j->line = lines + l->out_at;
        j->len = l->out_len;
        if (refs) {
            h.bundle = j->rc.bundle = u->bundles + 1 + l->bundle; /* as assemble numbers them */
            j->rc.rule = s4s_rule_urnuuid.name;
            s4s_urnuuid_tally(&j->rc, refs, l->rewritten);
        }
        unit_add(u, &h);
    }
    return true;
}

/* Every node of a tree from squeezed offsets (absolute, as the parser saw
 * them) to input offsets (preorder: offsets rise, so the hint makes each
 * O(1)).  Depth is bounded by --max-depth. */
static void unsqueeze_tree(const unit *u, const s4s_squeeze *sq, s4s_node *n, size_t *hint)
{
    n->off = u->off + s4s_squeeze_next(sq, n->off - u->off, hint);
    for (s4s_node *c = n->first; c; c = c->next)
        unsqueeze_tree(u, sq, c, hint);
}

/* A resource parsed from the squeezed bytes, as if from the unit's own:
 * offsets mapped back (lines are the same: newlines are kept), raw bytes a
 * view of the input's (the writer compacts them as ever). */
static void unsqueeze_res(const unit *u, const s4s_squeeze *sq, s4s_res *h, size_t *hint)
{
    s4s_buf *raw = (s4s_buf *)h->raw; /* own() made it, in the arena */
    const unsigned char *rp = raw ? (const unsigned char *)raw->p : NULL;
    if (rp && rp >= sq->p && rp + raw->len <= sq->p + sq->len && raw->len) {
        size_t k = *hint; /* it begins where the resource does: before its nodes */
        uint64_t from = s4s_squeeze_orig(sq, (uint64_t)(rp - sq->p), &k),
                 to = s4s_squeeze_orig(sq, (uint64_t)(rp - sq->p) + raw->len - 1, &k) + 1;
        raw->p = (char *)(uintptr_t)(u->bytes + from);
        raw->len = raw->cap = raw->max = (size_t)(to - from);
    }
    h->raw_nl = false; /* own() saw the squeezed bytes */
    h->off = u->off + s4s_squeeze_orig(sq, h->off - u->off, hint);
    if (h->root)
        unsqueeze_tree(u, sq, h->root, hint);
}

/* Step 2 for a unit of top-level objects, pretty-printed (squeeze.h): the
 * parse reads the squeezed bytes with the resources held back.  Kept only
 * when it was clean - no error, nothing quarantined by the parse, whose
 * messages carry offsets - and then each resource is mapped back, prepared
 * and worked; otherwise the unit's own bytes are parsed.  False: not
 * taken (nothing is left of the attempt but arena bytes). */
static bool work_squeezed(s4s_pipe *p, unitp *up, unit *u, s4s_arena *a)
{
    if (u->mode != S4S_SAX_MULTI)
        return false;
    if (!up->scratch)
        up->scratch = s4s_arena_new(3 * UNIT_CAP); /* one chunk holds a unit's squeeze */
    s4s_arena_reset(up->scratch);
    if (!s4s_squeeze_make(up->scratch, u->bytes, u->len, &up->sq))
        return false;
    s4s_asm_unit(up->as, a, u->bundles);
    u->squeezed = up->squeezing = true;
    up->held = up->sq.p;
    up->held_len = up->sq.len;
    s4s_rc rc = s4s_sax_feed_unit(up->sax, up->sq.p, up->sq.len, NULL, 0);
    up->squeezing = false;
    up->held = NULL;
    bool clean = !rc && s4s_sax_idle(up->sax);
    for (size_t i = 0; clean && i < u->n; i++)
        clean = !u->res[i].reason;
    if (!clean) {
        u->squeezed = false;
        u->n = 0;
        s4s_sax_rebase(up->sax, u->off, u->line, u->mode);
        return false;
    }
    size_t hint = 0;
    for (; u->worked < u->n; u->worked++) { /* nothing points into the scratch after this */
        s4s_res *h = &u->res[u->worked];
        unsqueeze_res(u, &up->sq, h, &hint);
        u->oom_off = h->off;
        prepare(p, h, up->row);
        work(p, up->row, h);
    }
    return true;
}

/* Step 2 for entries the stream's parser stepped over: parsed with the
 * resources held back (the strict check passed them there, so nothing can
 * break), then a batch: prepared in turn, with the stream's row. */
static void parse_items(s4s_pipe *p, unitp *up, unit *u, s4s_arena *a)
{
    up->cur = u;
    s4s_sax_rebase(up->sax, u->off, u->line, u->mode);
    s4s_asm_unit_entries(up->as, a, &u->at);
    up->held = u->bytes;
    up->held_len = u->len;
    u->rc = s4s_sax_replay_items(up->sax, u->bytes, u->len, u->tape, u->tape_len);
    up->held = NULL;
    if (u->rc) {
        char m[160];
        snprintf(m, sizeof m, "internal error: Bundle entries at bytes %llu to %llu did not parse again; "
                 "run with --threads=1", (unsigned long long)u->off, (unsigned long long)(u->off + u->len));
        u->msg = s4s_arena_strndup(a, m, strlen(m));
        u->n = 0; /* the turn is still taken and passed on */
    }
    u->batch = true;
}

/* Step 2 for a unit: parse it (row w's parser, started over where the unit
 * begins, gives the events and errors the stream's parser would have),
 * which prepares and works each of its resources. */
static s4s_rc work_unit(s4s_pipe *p, unsigned w, s4s_res *r)
{
    unit *u = r->unit;
    if (u->items && !u->batch)
        parse_items(p, &p->up[w], u, r->arena);
    if (u->batch) { /* worked once: by a worker, or here (batch_inline) */
        prepare_batch(p, u);
        for (; u->worked < u->n; u->worked++) {
            u->oom_off = u->res[u->worked].off;
            work(p, w, &u->res[u->worked]);
        }
        return S4S_OK;
    }
    unitp *up = &p->up[w];
    up->cur = u;
    s4s_sax_rebase(up->sax, u->off, u->line, u->mode); /* first: out of memory asks it where */
    if (work_passthru(p, w, up, u, r->arena) || work_squeezed(p, up, u, r->arena))
        return S4S_OK;
    s4s_asm_unit(up->as, r->arena, u->bundles);
    u->rc = s4s_sax_feed_unit(up->sax, u->bytes, u->len, u->cuts, u->ncuts);
    if (!u->rc && !s4s_sax_idle(up->sax)) {
        /* the scanner cut inside a value: never guess, stop */
        char m[160];
        snprintf(m, sizeof m, "internal error: a unit of input (bytes %llu to %llu) ends inside a JSON value; "
                 "run with --threads=1", (unsigned long long)u->off, (unsigned long long)(u->off + u->len));
        u->rc = S4S_ERR_INTERNAL;
        u->msg = s4s_arena_strndup(r->arena, m, strlen(m));
    } else if (u->rc) {
        const char *m = s4s_sax_errmsg(up->sax);
        u->msg = s4s_arena_strndup(r->arena, m, strlen(m));
    }
    return S4S_OK;
}

/* Step 3 for a unit: its resources, one at a time, then its parse error. */
static s4s_rc commit_unit(s4s_pipe *p, s4s_res *r, s4s_rc work_rc)
{
    unit *u = r->unit;
    size_t n = u->batch || u->squeezed ? u->worked : u->n; /* these stop where work did */
    for (size_t i = 0; i < n; i++) {
        s4s_rc rc = commit_guarded(p, &u->res[i], S4S_OK);
        if (rc)
            return rc;
    }
    if (work_rc == S4S_ERR_NOMEM) {
        snprintf(p->err, sizeof p->err, "out of memory at byte %llu",
                 (unsigned long long)u->oom_off);
        return work_rc;
    }
    if (u->rc && !p->err[0])
        snprintf(p->err, sizeof p->err, "%s", u->msg && *u->msg ? u->msg : s4s_rc_str(u->rc));
    return work_rc ? work_rc : u->rc;
}

/* The stage's memory for the unit to come. */
static s4s_arena *unit_arena(s4s_pipe *p)
{
    if (!p->unit_arena)
        p->unit_arena = s4s_arena_new(UNIT_TARGET * 2);
    return p->unit_arena;
}

/* --- batches: streamed resources handed over together --------------------- */

/* The batch as one slot of the stage. */
static s4s_res batch_slot(unit *u)
{
    return (s4s_res){.arena = u->res[0].arena, .off = u->off, .line = u->line, .unit = u};
}

/* The batch has left assemble's hands: its arena may be reset again. */
static void batch_clear(s4s_pipe *p)
{
    p->batch = NULL;
    p->batch_stale = false;
    s4s_asm_hold(p->as, false);
}

typedef struct turn_hold { s4s_pipe *p; unit *u; } turn_hold;
static void turn_unhold(void *th)
{
    turn_release(((turn_hold *)th)->p, ((turn_hold *)th)->u);
}

/* Hands the batch to the workers; assemble continues in a fresh arena.
 * Only between resources: the arena holds nothing assemble still builds. */
static s4s_rc batch_push(s4s_pipe *p)
{
    if (!p->batch)
        return S4S_OK;
    unit *u = p->batch;
    u->turn = ++p->turns;
    s4s_res r = batch_slot(u);
    s4s_arena *next;
    /* out of memory in the push: nothing moved, and no batch after this
     * one may wait for its turn */
    turn_hold th = {p, u};
    s4s_oom_hold h;
    s4s_oom_push(&h, &th, turn_unhold);
    s4s_rc rc = s4s_stage_push(p->stage, &r, &next);
    s4s_oom_pop(&h);
    batch_clear(p);
    s4s_asm_set_arena(p->as, next);
    return rc;
}

/* The batch, worked and committed here after what was handed over, when
 * its arena cannot move: assemble may be building in it (a split Bundle,
 * a spilled resource, the input's end, out of memory).  After an earlier
 * stop (a commit failed, --on-invalid=fail) it is dropped, as the stage
 * drops what it holds. */
static s4s_rc batch_inline(s4s_pipe *p)
{
    s4s_rc rc = s4s_stage_drain(p->stage);
    if (!p->batch)
        return rc;
    s4s_res r = batch_slot(p->batch);
    batch_clear(p);
    if (rc)
        return rc;
    return commit_guarded(p, &r, work_guarded(p, parser_row(p), &r));
}

/* A resource of assemble's arena joins the batch, which goes to
 * the workers at UNIT_TARGET bytes or after an input block's end (so a
 * slow input still sees its records soon). */
static s4s_rc batch_add(s4s_pipe *p, const s4s_res *h)
{
    if (!p->batch) {
        unit *u = s4s_arena_zalloc(h->arena, sizeof *u);
        u->batch = true;
        u->off = h->off;
        u->line = h->line;
        p->batch = u;
        s4s_asm_hold(p->as, true);
    }
    unit_add(p->batch, h);
    if (p->batch_stale || s4s_arena_used(h->arena) >= UNIT_TARGET)
        return batch_push(p);
    return S4S_OK;
}

/* A unit of b[0..n) in the stage's next arena (the bytes and the input
 * blocks' cuts inside them copied). */
static unit *copy_unit(s4s_pipe *p, const unsigned char *b, size_t n, const size_t *cuts, size_t ncuts)
{
    s4s_arena *a = unit_arena(p);
    unit *u = s4s_arena_zalloc(a, sizeof *u);
    unsigned char *copy = s4s_arena_alloc(a, n);
    memcpy(copy, b, n);
    u->bytes = copy;
    u->len = n;
    while (ncuts && cuts[ncuts - 1] >= n)
        ncuts--;
    if (ncuts) {
        size_t *c = s4s_arena_alloc(a, ncuts * sizeof *c);
        memcpy(c, cuts, ncuts * sizeof *c);
        u->cuts = c;
        u->ncuts = ncuts;
    }
    return u;
}

static s4s_rc push_unit(s4s_pipe *p, unit *u)
{
    s4s_res r = {.arena = p->unit_arena, .off = u->off, .line = u->line, .unit = u};
    s4s_arena *next;
    s4s_rc rc = s4s_stage_push(p->stage, &r, &next);
    p->unit_arena = next;
    if (rc && !p->rc)
        p->rc = rc;
    return p->rc;
}

/* From the scanner, on the parse thread: whole values go to a worker; the
 * stream's parser steps over them. */
static s4s_rc scan_unit(void *ctx, const unsigned char *b, size_t n, s4s_sax_mode mode,
                        const size_t *cuts, size_t ncuts, uint64_t nl)
{
    s4s_pipe *p = ctx;
    if (!p->rc && p->batch) /* it came first */
        p->rc = batch_push(p);
    if (p->rc)
        return p->rc;
    unit *u = copy_unit(p, b, n, cuts, ncuts);
    u->mode = mode;
    u->off = s4s_sax_skip(p->sax, b, n, nl, &u->line);
    /* a Bundle number range of its own (the stream's count from 1): a
     * unit of UNIT_MAX bytes holds far fewer than 2^24 Bundles */
    u->bundles = (1ull << 63) | (++p->units << 24);
    return push_unit(p, u);
}

static s4s_rc scan_stream(void *ctx, const unsigned char *b, size_t n)
{
    s4s_pipe *p = ctx;
    return s4s_sax_feed(p->sax, b, n);
}

static bool scan_ready(void *ctx, s4s_sax_mode *mode)
{
    s4s_pipe *p = ctx;
    *mode = s4s_sax_framing(p->sax);
    return s4s_sax_idle(p->sax);
}

/* From the scanner, on the parse thread: items of the value streaming.
 * Those the strict check takes are stepped over by the stream's parser
 * and go to a worker as entries of the Bundle (a unit of items, prepared
 * in turn like a batch); the rest is parsed here. */
static s4s_rc scan_items(void *ctx, const unsigned char *b, size_t n, const size_t *cuts, size_t ncuts)
{
    s4s_pipe *p = ctx;
    if (p->rc)
        return p->rc;
    size_t len = 0, count, tape_len = 0;
    uint64_t off, line;
    const void *tape = NULL;
    s4s_asm_entries at;
    /* only between entries: then nothing is being built in the batch's arena */
    if (s4s_asm_between_entries(p->as)) {
        if (p->batch && (p->rc = batch_push(p)) != S4S_OK) /* it came first */
            return p->rc;
        s4s_asm_entries_at(p->as, &at);
        len = s4s_sax_skip_items(p->sax, b, n, &count, &off, &line, &tape, &tape_len);
    }
    if (len) {
        s4s_asm_skip_entries(p->as, count);
        unit *u = copy_unit(p, b, len, cuts, ncuts);
        u->items = true;
        u->at = at;
        void *t = s4s_arena_alloc(p->unit_arena, tape_len); /* 8-byte aligned */
        memcpy(t, tape, tape_len);
        u->tape = t;
        u->tape_len = tape_len;
        u->off = off;
        u->line = line;
        u->mode = s4s_sax_framing(p->sax);
        u->turn = ++p->turns;
        turn_hold th = {p, u}; /* out of memory in the push: no batch may wait for it */
        s4s_oom_hold h;
        s4s_oom_push(&h, &th, turn_unhold);
        s4s_rc rc = push_unit(p, u);
        s4s_oom_pop(&h);
        if (rc)
            return rc;
    }
    return s4s_sax_feed_pieces(p->sax, b, n, len, cuts, ncuts);
}

static bool scan_item_ready(void *ctx)
{
    s4s_pipe *p = ctx;
    return s4s_sax_at_item(p->sax);
}

static const s4s_scan_sink scan_sink = {scan_stream, scan_unit, scan_ready, scan_items, scan_item_ready};

/* From assemble, on the parse thread. */
static s4s_rc on_resource(void *u, s4s_res *r)
{
    s4s_pipe *p = u;
    s4s_rc rc;
    if (p->stage && !r->shared && !p->spill_inline) {
        /* a complete resource's raw bytes serve its quarantine copy
         * (--on-invalid=reject/fail) and the NDJSON output when no rule
         * changes it */
        s4s_res h = *r;
        if (h.root && p->o->on_invalid == S4S_INVALID_KEEP && p->io.out_format != S4S_OUT_NDJSON)
            h.raw = NULL;
        own(&h, NULL, 0);
        rc = batch_add(p, &h); /* prepared where it is worked (prepare_batch) */
    } else {
        /* keep output order: whatever was handed over goes first */
        rc = p->stage ? batch_inline(p) : S4S_OK;
        if (!rc)
            rc = process_inline(p, r);
    }
    p->spilling = false;
    p->spill_inline = false;
    if (rc && !p->rc)
        p->rc = rc;
    return p->rc;
}

static s4s_rc fail(s4s_pipe *p, s4s_rc rc);
static s4s_rc open_source(s4s_pipe *p);
static unsigned hard_depth(const s4s_opts *o);
static unsigned threads(const s4s_opts *o);

static s4s_rc to_sax(void *u, const unsigned char *b, size_t n)
{
    s4s_pipe *p = u;
    if (p->reader) /* on the reader thread: hand over, never touch sax */
        return s4s_reader_push(p->reader, b, n);
    p->st.c.bytes_uncompressed += n;
    atomic_store_explicit(&p->live_bytes, p->st.c.bytes_uncompressed, memory_order_relaxed);
    return p->scan ? s4s_scan_feed(p->scan, b, n) : s4s_sax_feed(p->sax, b, n);
}

/* The input ended (in_rc: how): what the scanner holds is parsed, also
 * after a read or decode error, as it would have been without the
 * scanner; a parse error there comes first (it is earlier in the input). */
static s4s_rc scan_flush(s4s_pipe *p, s4s_rc in_rc)
{
    s4s_rc rc = p->scan ? s4s_scan_finish(p->scan) : S4S_OK;
    return rc ? rc : in_rc;
}

static s4s_rc decode(void *u, const unsigned char *b, size_t n)
{
    s4s_pipe *p = u;
    return s4s_input_feed(p->in, b, n);
}

static s4s_rc pipe_feed_fd(s4s_pipe *p, int fd, const char *name, size_t read_size,
                           void (*tick)(void *), void *tick_u)
{
    if (p->rc)
        return p->rc;
    /* rules and writer get their own thread when there are rules to run,
     * or when inflating is cheap (ISA-L) so a core is free for writing;
     * with zlib a passthrough measured faster inline (3 busy threads, 2 cores) */
    if (!p->stage && threads(p->o) > 1 && (p->o->validate || strcmp(s4s_inflater_backend(), "zlib")))
        p->stage = s4s_stage_start(p->nw, work_guarded, commit_guarded, p); /* NULL: process inline */
    if (p->stage && !p->scan) {
        size_t max = p->o->max_resource_bytes < UNIT_MAX ? p->o->max_resource_bytes : UNIT_MAX;
        p->scan = s4s_scan_new(UNIT_TARGET, max, &scan_sink, p);
    }
    p->reader = s4s_reader_new(fd, read_size, decode, p);
    s4s_reader_run(p->reader);
    s4s_rc rc = S4S_OK;
    const unsigned char *b;
    size_t n;
    while ((b = s4s_reader_next(p->reader, &n)) != NULL) {
        p->st.c.bytes_uncompressed += n;
        atomic_store_explicit(&p->live_bytes, p->st.c.bytes_uncompressed, memory_order_relaxed);
        rc = p->scan ? s4s_scan_feed(p->scan, b, n) : s4s_sax_feed(p->sax, b, n);
        p->batch_stale = p->batch != NULL;
        if (tick)
            tick(tick_u);
        if (rc) {
            s4s_reader_cancel(p->reader);
            break;
        }
    }
    uint64_t got;
    int rerr;
    s4s_rc rrc = s4s_reader_join(p->reader, &got, &rerr);
    p->reader = NULL;
    p->st.c.bytes_in += got;
    p->src_fed |= got > 0;
    if (!rc)
        rc = scan_flush(p, rrc);
    if (p->batch || (rc && p->stage)) { /* the stage may be writing p->err: let it finish first */
        s4s_rc src = batch_inline(p);
        if (src) /* it stopped at an earlier point of the input */
            rc = src;
    }
    if (rc == S4S_ERR_IO && rrc == S4S_ERR_IO && !p->err[0]) {
        char eb[128];
        if (rerr == EISDIR)
            snprintf(p->err, sizeof p->err, "%s: is a directory", name);
        else
            snprintf(p->err, sizeof p->err, "%s: read error at byte %llu: %s", name,
                     (unsigned long long)got, strerror_r(rerr, eb, sizeof eb));
    }
    return rc ? fail(p, rc) : S4S_OK;
}

/* --threads (or the online CPUs, at most 64): the threads that parse and
 * check.  This thread parses, so N-1 rule workers; 1 = no worker, this
 * thread does everything.  On 2 cores a second worker measured slower
 * than one (4 busy threads on 2 cores, and the parse thread keeps a core). */
static unsigned threads(const s4s_opts *o)
{
    long n = o->threads ? (long)o->threads : sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > S4S_STAGE_MAX_WORKERS ? S4S_STAGE_MAX_WORKERS : (unsigned)n;
}

/* Adds the counts of workers 1.. into worker 0's states, once, when no
 * worker runs: stats and side files are then those of one run. */
static void merge_states(s4s_pipe *p)
{
    if (p->merged)
        return;
    p->merged = true;
    for (unsigned i = 0; i < s4s_n_rules; i++) {
        if (!s4s_rules[i]->merge || !s4s_rule_enabled(i, p->o))
            continue;
        for (unsigned w = 1; w < p->rows; w++)
            if (!aliased(p, w, i))
                s4s_rules[i]->merge(*state_of(p, 0, i), *state_of(p, w, i));
    }
}

/* Units may skip the tree when nothing would look at it: no rule but the
 * urn:uuid rewrite (which passthru makes on a Bundle's bytes), NDJSON out
 * and no callback that is handed the tree. */
static bool passthru_fits(const s4s_pipe *p)
{
    return !p->o->validate && !p->o->input_encoding && p->io.out_format == S4S_OUT_NDJSON && !p->io.cb;
}

static s4s_rc pipe_new(const s4s_opts *o, const s4s_outputs *io, s4s_pipe **out)
{
    s4s_pipe *p = s4s_xcalloc(1, sizeof *p);
    *out = p; /* owned by the caller from here, also after out of memory */
    pthread_mutex_init(&p->turn_mu, NULL);
    pthread_cond_init(&p->turn_cv, NULL);
    p->o = o;
    p->io = *io;
    s4s_stats_init(&p->st);
    s4s_buf_init(&p->out, o->max_resource_bytes * 8 + FLUSH_AT * 2);
    s4s_buf_init(&p->rej, o->max_resource_bytes * 8 + FLUSH_AT * 2);
    s4s_jw_init(&p->rep, NULL);
    s4s_buf_init(&p->scratch, o->max_resource_bytes * 8 + FLUSH_AT);
    if (io->report && io->report_format == S4S_REPORT_CSV)
        s4s_report_csv_header(&p->rep.b);
    p->out_s = (sink){.f = io->out, .name = io->out_name ? io->out_name : "output"};
    p->rej_s = (sink){.f = io->reject, .name = io->reject_name ? io->reject_name : "reject file"};
    p->rep_s = (sink){.f = io->report, .name = io->report_name ? io->report_name : "report file"};
    p->cov_s = (sink){.f = io->coverage, .name = io->coverage_name ? io->coverage_name : "coverage file"};
    p->nw = threads(o) > 1 ? threads(o) - 1 : 1;
    p->rows = threads(o) > 1 ? p->nw + 2 : 1;
    p->rule_state = s4s_xcalloc((size_t)p->rows * s4s_n_rules + 1, sizeof *p->rule_state);
    p->terms = s4s_xcalloc(p->rows, sizeof *p->terms);
    p->line = s4s_xcalloc(p->rows, sizeof *p->line);
    for (unsigned w = 0; w < p->rows; w++)
        s4s_buf_init(&p->line[w], o->max_resource_bytes * 8 + FLUSH_AT);
    s4s_counter_init(&p->once, ONCE_KEYS);
    if (io->split_dir && s4s_split_new(io->split_dir, io->split_gzip, &p->split)) {
        snprintf(p->err, sizeof p->err, "%s", s4s_split_errmsg(p->split));
        return S4S_ERR_IO;
    }

    p->as = s4s_asm_new(o, on_resource, p);
    s4s_rc rc = open_source(p);
    if (rc)
        return rc;
    if (p->rows > 1) {
        p->up = s4s_xcalloc(p->rows, sizeof *p->up);
        for (unsigned w = 0; w < p->rows; w++) {
            unitp *up = &p->up[w];
            up->p = p;
            up->row = w;
            up->sax = s4s_sax_new(o->max_resource_bytes, hard_depth(o), NULL, NULL);
            up->as = s4s_asm_new(o, on_unit_res, up);
            s4s_asm_attach(up->as, up->sax);
            if (passthru_fits(p))
                up->pt = s4s_passthru_new(o, UNIT_CAP);
        }
    }

    for (unsigned w = 0; w < p->rows && o->validate && !o->no_terminology; w++) {
        if (any_row(p, w) != w)
            continue;
        rc = s4s_term_open(o->terminology, &p->terms[w]);
        if (rc) {
            snprintf(p->err, sizeof p->err, "cannot open the terminology cache %s: %s",
                     o->terminology ? o->terminology : "(embedded)", s4s_rc_str(rc));
            return rc;
        }
    }
    for (unsigned i = 0; i < s4s_n_rules; i++) {
        if (!s4s_rules[i]->init || !s4s_rule_enabled(i, o))
            continue;
        /* a row each for the families that run where the resource is
         * parsed or worked; AFTER ones run only at commit */
        bool any = s4s_rules[i]->order == S4S_RULE_ANY;
        bool rowed = s4s_rules[i]->order != S4S_RULE_AFTER;
        for (unsigned w = 0; w < (rowed ? p->rows : 1); w++) {
            if (aliased(p, w, i))
                continue;
            rc = s4s_rules[i]->init(o, any ? p->terms[w] : NULL, state_of(p, w, i));
            if (rc) {
                snprintf(p->err, sizeof p->err, "rule family %s failed to start: %s",
                         s4s_rules[i]->name, s4s_rc_str(rc));
                return rc;
            }
        }
    }
    return S4S_OK;
}

static s4s_rc nomem(s4s_pipe *p);

/* the depth beyond which sax stops (yajl's stack), past --max-depth's quarantine */
static unsigned hard_depth(const s4s_opts *o)
{
    return o->max_depth * 4 > HARD_DEPTH_MIN ? o->max_depth * 4 : HARD_DEPTH_MIN;
}

/* The input and parser of one source: offsets and lines count from its
 * first byte. */
static s4s_rc open_source(s4s_pipe *p)
{
    const s4s_opts *o = p->o;
    s4s_rc rc = s4s_input_new(o->input_encoding, to_sax, p, &p->in);
    if (rc) {
        snprintf(p->err, sizeof p->err, "unknown --input-encoding '%s'", o->input_encoding);
        return rc;
    }
    p->sax = s4s_sax_new(o->max_resource_bytes, hard_depth(o), spill, p);
    s4s_asm_attach(p->as, p->sax);
    return S4S_OK;
}

static s4s_rc pipe_next_source(s4s_pipe *p, const char *name)
{
    if (p->rc)
        return p->rc;
    if (p->src_fed) {
        /* end the previous source as its own stream: a value cut off at
         * its end is reported there, not glued to the next file */
        s4s_rc rc = scan_flush(p, s4s_input_finish(p->in));
        if (!rc)
            rc = s4s_sax_finish(p->sax);
        if (p->stage) { /* its resources are processed under its name */
            s4s_rc src = batch_inline(p);
            if (src) /* it stopped at an earlier point of the input */
                rc = src;
        }
        if (rc)
            return fail(p, rc);
        s4s_scan_free(p->scan); /* offsets count from the next source's start */
        p->scan = NULL;
        s4s_sax_free(p->sax);
        s4s_input_free(p->in);
        p->sax = NULL;
        p->in = NULL;
        p->src_fed = false;
        rc = open_source(p);
        if (rc)
            return p->rc = rc;
    }
    p->src_name = name;
    return S4S_OK;
}

static s4s_rc fail(s4s_pipe *p, s4s_rc rc)
{
    if (rc == S4S_ERR_NOMEM) /* from a thread, or a library that reports it */
        return nomem(p);
    if (!p->err[0]) {
        const char *m = rc == S4S_ERR_GZIP || rc == S4S_ERR_ENCODING ? s4s_input_errmsg(p->in)
                                                                     : s4s_sax_errmsg(p->sax);
        snprintf(p->err, sizeof p->err, "%s", m && *m ? m : s4s_rc_str(rc));
    }
    return p->rc = rc;
}

static s4s_rc pipe_feed(s4s_pipe *p, const void *buf, size_t len)
{
    if (p->rc)
        return p->rc;
    p->st.c.bytes_in += len;
    p->src_fed |= len > 0;
    s4s_rc rc = s4s_input_feed(p->in, buf, len);
    return rc ? fail(p, rc) : S4S_OK;
}

/* a memory stream and its text, released if an allocation fails while a
 * family writes into it */
typedef struct memfile {
    FILE  *f;
    char  *text;
    size_t len;
} memfile;

static void memfile_drop(void *u)
{
    memfile *m = u;
    if (m->f)
        fclose(m->f);
    free(m->text);
}

/* The families' side files, each composed in memory and then written
 * through its sink, so a write error is caught and counted like any other. */
static s4s_rc side_outputs(s4s_pipe *p)
{
    if (!p->io.coverage)
        return S4S_OK;
    memfile m = {0};
    m.f = open_memstream(&m.text, &m.len);
    if (!m.f)
        return S4S_ERR_NOMEM;
    s4s_oom_hold h;
    s4s_oom_push(&h, &m, memfile_drop);
    s4s_outputs side = p->io;
    side.coverage = m.f;
    for (unsigned i = 0; i < s4s_n_rules; i++)
        if (s4s_rules[i]->side_output && s4s_rule_enabled(i, p->o))
            s4s_rules[i]->side_output(*state_of(p, 0, i), &side);
    s4s_oom_pop(&h);
    fclose(m.f);
    s4s_rc rc = sink_write(p, &p->cov_s, m.text, m.len);
    free(m.text);
    return rc;
}

static s4s_rc pipe_finish(s4s_pipe *p)
{
    s4s_rc rc = p->rc;
    if (!rc)
        rc = scan_flush(p, s4s_input_finish(p->in));
    if (!rc)
        rc = s4s_sax_finish(p->sax);
    if (p->stage) {
        s4s_rc src = batch_inline(p);
        s4s_rc stop = s4s_stage_stop(p->stage);
        if (!src)
            src = stop;
        p->stage = NULL;
        if (src) /* it stopped at an earlier point of the input */
            rc = src;
    }
    if (rc && rc != p->rc)
        fail(p, rc);
    /* flush what was produced even after an input error: it is complete */
    s4s_rc f1 = flush_buf(p, &p->out, &p->out_s, true);
    s4s_rc f2 = flush_buf(p, &p->rej, &p->rej_s, true);
    s4s_rc f3 = flush_buf(p, &p->rep.b, &p->rep_s, true);
    /* after out of memory the rule states may be half-updated */
    if (p->rc != S4S_ERR_NOMEM)
        merge_states(p);
    s4s_rc f4 = p->rc != S4S_ERR_NOMEM ? side_outputs(p) : S4S_OK;
    s4s_rc f5 = p->split ? s4s_split_close(p->split) : S4S_OK;
    if (f5 && !p->err[0])
        snprintf(p->err, sizeof p->err, "%s", s4s_split_errmsg(p->split));
    if (!rc)
        rc = f1 ? f1 : f2 ? f2 : f3 ? f3 : f4 ? f4 : f5;
    if (rc && !p->rc)
        fail(p, rc);
    return rc;
}

const s4s_counts *s4s_pipe_counts(const s4s_pipe *p) { return &p->st.c; }

void s4s_pipe_progress(s4s_pipe *p, s4s_counts *c)
{
    memset(c, 0, sizeof *c);
    c->bytes_uncompressed = atomic_load_explicit(&p->live_bytes, memory_order_relaxed);
    c->resources_in = atomic_load_explicit(&p->live_in, memory_order_relaxed);
    c->resources_rejected = atomic_load_explicit(&p->live_rejected, memory_order_relaxed);
}
const char *s4s_pipe_errmsg(const s4s_pipe *p) { return p->err; }
bool s4s_pipe_had_errors(const s4s_pipe *p) { return p->had_errors || p->st.c.resources_rejected; }

static void stats_object(s4s_pipe *p, s4s_jw *w, double elapsed_s)
{
    s4s_jw_obj(w);
    s4s_stats_write(&p->st, w, elapsed_s);
    for (unsigned i = 0; i < s4s_n_rules; i++)
        if (s4s_rules[i]->stats && s4s_rule_enabled(i, p->o))
            s4s_rules[i]->stats(*state_of(p, 0, i), w);
    s4s_jw_obj_end(w);
}

static s4s_rc pipe_stats_json(s4s_pipe *p, double elapsed_s,
                              s4s_rc (*fn)(void *u, const char *json, size_t len), void *u)
{
    s4s_jw w;
    s4s_jw_init(&w, NULL);
    s4s_oom_hold h;
    s4s_oom_push(&h, &w.b, s4s_buf_drop);
    stats_object(p, &w, elapsed_s);
    s4s_oom_pop(&h);
    s4s_rc rc = fn(u, w.b.p, w.b.len);
    s4s_jw_done(&w);
    return rc;
}

static s4s_rc pipe_write_stats(s4s_pipe *p, FILE *f, const char *name, double elapsed_s)
{
    s4s_jw w;
    s4s_jw_init(&w, NULL);
    s4s_oom_hold h;
    s4s_oom_push(&h, &w.b, s4s_buf_drop);
    stats_object(p, &w, elapsed_s);
    s4s_jw_line(&w);
    s4s_oom_pop(&h);
    sink s = {.f = f, .name = name ? name : "stats file"};
    p->err[0] = '\0'; /* the run's own message has been read by now */
    s4s_rc rc = sink_write(p, &s, w.b.p, w.b.len);
    s4s_jw_done(&w);
    return rc;
}

static void pipe_write_summary(s4s_pipe *p, FILE *f, double elapsed_s)
{
    const s4s_counts *c = &p->st.c;
    fprintf(f, "s4s-normalize: %llu resources in, %llu written, %llu quarantined; "
            "%llu errors, %llu warnings, %llu repairs; %.1f MB in %.2f s\n",
            (unsigned long long)c->resources_in, (unsigned long long)c->resources_out,
            (unsigned long long)c->resources_rejected,
            (unsigned long long)(c->issues_by_sev[S4S_SEV_FATAL] + c->issues_by_sev[S4S_SEV_ERROR]),
            (unsigned long long)c->issues_by_sev[S4S_SEV_WARNING], (unsigned long long)c->repairs,
            (double)c->bytes_uncompressed / 1e6, elapsed_s);
    size_t n;
    s4s_stats_write_messages(&p->st, f, 10);
    s4s_counter_ent **v = s4s_counter_sorted(&p->st.repairs, 0, &n);
    for (size_t i = 0; i < n && i < 10; i++)
        fprintf(f, "  %8llu  repair: %s\n", (unsigned long long)v[i]->n[0], v[i]->key);
    free(v);
}

void s4s_pipe_free(s4s_pipe *p)
{
    if (!p)
        return;
    if (p->stage)
        s4s_stage_stop(p->stage);
    if (p->rule_state)
        for (unsigned w = 0; w < p->rows; w++)
            for (unsigned i = 0; i < s4s_n_rules; i++)
                if (!aliased(p, w, i) && *state_of(p, w, i) && s4s_rules[i]->fini)
                    s4s_rules[i]->fini(*state_of(p, w, i));
    free(p->rule_state);
    /* after the states: codes' merged entries point at strings of every handle */
    for (unsigned w = 0; p->terms && w < p->rows; w++)
        if (p->terms[w])
            s4s_term_close(p->terms[w]);
    free(p->terms);
    for (unsigned w = 0; p->line && w < p->rows; w++)
        s4s_buf_free(&p->line[w]);
    free(p->line);
    s4s_counter_free(&p->once);
    s4s_scan_free(p->scan);
    for (unsigned w = 0; p->up && w < p->rows; w++) {
        s4s_sax_free(p->up[w].sax);
        s4s_asm_free(p->up[w].as);
        s4s_passthru_free(p->up[w].pt);
        s4s_arena_free(p->up[w].scratch);
    }
    free(p->up);
    s4s_arena_free(p->unit_arena);
    s4s_sax_free(p->sax);
    s4s_asm_free(p->as);
    s4s_input_free(p->in);
    s4s_buf_free(&p->out);
    s4s_buf_free(&p->rej);
    s4s_buf_free(&p->scratch);
    s4s_split_free(p->split);
    s4s_jw_done(&p->rep);
    s4s_stats_free(&p->st);
    pthread_mutex_destroy(&p->turn_mu);
    pthread_cond_destroy(&p->turn_cv);
    free(p);
}

/* --- out of memory: every entry point is a recovery point (alloc.h) ------ */

/* On the caller's thread, after an allocation failed outside process():
 * stop the reader, let the stage finish what it holds, name the offset. */
static s4s_rc nomem(s4s_pipe *p)
{
    if (p->reader) {
        uint64_t got;
        s4s_reader_cancel(p->reader);
        int rerr;
        s4s_reader_join(p->reader, &got, &rerr);
        p->reader = NULL;
        p->st.c.bytes_in += got;
    }
    if (p->stage) /* the batch gathered before the failure is written */
        batch_inline(p);
    /* keep the message a guarded step wrote, which names the resource */
    if (strncmp(p->err, "out of memory", 13))
        snprintf(p->err, sizeof p->err, "out of memory at byte %llu%s",
                 (unsigned long long)(p->sax ? s4s_sax_offset(p->sax) : 0),
                 p->as && s4s_asm_in_bundle(p->as) ? ", inside a Bundle; the entries before it were written" : "");
    return p->rc = S4S_ERR_NOMEM;
}

s4s_rc s4s_pipe_new(const s4s_opts *o, const s4s_outputs *io, s4s_pipe **out)
{
    *out = NULL;
    s4s_oom_frame f;
    s4s_oom_enter(&f);
    if (setjmp(f.jb)) {
        if (!*out)
            return S4S_ERR_NOMEM;
        nomem(*out);
        snprintf((*out)->err, sizeof (*out)->err, "out of memory at byte 0, while starting");
        return S4S_ERR_NOMEM;
    }
    s4s_rc rc = pipe_new(o, io, out);
    s4s_oom_leave(&f);
    return rc;
}

s4s_rc s4s_pipe_feed(s4s_pipe *p, const void *buf, size_t len)
{
    s4s_oom_frame f;
    s4s_oom_enter(&f);
    if (setjmp(f.jb))
        return nomem(p);
    s4s_rc rc = pipe_feed(p, buf, len);
    s4s_oom_leave(&f);
    return rc;
}

s4s_rc s4s_pipe_feed_fd(s4s_pipe *p, int fd, const char *name, size_t read_size,
                        void (*tick)(void *), void *tick_u)
{
    s4s_oom_frame f;
    s4s_oom_enter(&f);
    if (setjmp(f.jb))
        return nomem(p);
    s4s_rc rc = pipe_feed_fd(p, fd, name, read_size, tick, tick_u);
    s4s_oom_leave(&f);
    return rc;
}

s4s_rc s4s_pipe_finish(s4s_pipe *p)
{
    s4s_oom_frame f;
    s4s_oom_enter(&f);
    if (setjmp(f.jb))
        return nomem(p);
    s4s_rc rc = pipe_finish(p);
    s4s_oom_leave(&f);
    return rc;
}

/* Out of memory while writing the stats still leaves one valid object: the
 * main counters, printed without allocating. */
s4s_rc s4s_pipe_write_stats(s4s_pipe *p, FILE *f, const char *name, double elapsed_s)
{
    s4s_oom_frame fr;
    s4s_oom_enter(&fr);
    if (setjmp(fr.jb)) {
        const s4s_counts *c = &p->st.c;
        fprintf(f, "{\"bytes_in\":%llu,\"bytes_uncompressed\":%llu,\"resources_in\":%llu,"
                   "\"resources_out\":%llu,\"resources_rejected\":%llu,\"elapsed_s\":%.3f,"
                   "\"error\":\"out of memory writing the stats\"}\n",
                (unsigned long long)c->bytes_in, (unsigned long long)c->bytes_uncompressed,
                (unsigned long long)c->resources_in, (unsigned long long)c->resources_out,
                (unsigned long long)c->resources_rejected, elapsed_s);
        fflush(f);
        return S4S_ERR_NOMEM;
    }
    s4s_rc rc = pipe_write_stats(p, f, name, elapsed_s);
    s4s_oom_leave(&fr);
    return rc;
}

void s4s_pipe_write_summary(s4s_pipe *p, FILE *f, double elapsed_s)
{
    s4s_oom_frame fr;
    s4s_oom_enter(&fr);
    if (setjmp(fr.jb))
        return; /* the summary is a courtesy: what was printed stays */
    pipe_write_summary(p, f, elapsed_s);
    s4s_oom_leave(&fr);
}

s4s_rc s4s_pipe_next_source(s4s_pipe *p, const char *name)
{
    s4s_oom_frame f;
    s4s_oom_enter(&f);
    if (setjmp(f.jb))
        return nomem(p);
    s4s_rc rc = pipe_next_source(p, name);
    s4s_oom_leave(&f);
    return rc;
}

s4s_rc s4s_pipe_stats_json(s4s_pipe *p, double elapsed_s,
                           s4s_rc (*fn)(void *u, const char *json, size_t len), void *u)
{
    s4s_oom_frame f;
    s4s_oom_enter(&f);
    if (setjmp(f.jb))
        return S4S_ERR_NOMEM;
    s4s_rc rc = pipe_stats_json(p, elapsed_s, fn, u);
    s4s_oom_leave(&f);
    return rc;
}
