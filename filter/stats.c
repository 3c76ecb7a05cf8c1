/*
 * stats.c - counting resources, issues and repairs; the --stats object.
 *
 * Invariant: resources_in == resources_out + resources_rejected after every
 * call of s4s_stats_resource (each call adds 1 to in and 1 to exactly one of
 * the other two).  A searchset entry with search.mode "outcome" is no
 * resource: s4s_stats_outcome counts it in outcome_entries and its issues
 * with the rest.  Tables are bounded (s4s_counter caps).
 */
#include "stats.h"
#include "base/alloc.h"
#include "report.h"
#include "base/alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void s4s_stats_init(s4s_stats *s)
{
    memset(s, 0, sizeof *s);
    s4s_counter_init(&s->by_type, 1024);
    s4s_counter_init(&s->by_code, 256);
    s4s_counter_init(&s->messages, 4096);
    s4s_counter_init(&s->by_rule, 256);
    s4s_counter_init(&s->repairs, 1024);
}

void s4s_stats_free(s4s_stats *s)
{
    s4s_counter_free(&s->by_type);
    s4s_counter_free(&s->by_code);
    s4s_counter_free(&s->messages);
    s4s_counter_free(&s->by_rule);
    for (size_t i = 0; i < s->n_examples; i++)
        free(s->examples[i]);
    free(s->examples);
    s4s_counter_free(&s->repairs);
}

void s4s_stats_resource(s4s_stats *s, const char *type, bool rejected, const s4s_issue_rec *issues)
{
    const char *t = type ? type : "(none)";
    s4s_counter_ent *e = s4s_counter_add(&s->by_type, t, strlen(t), 0, 1);
    e->n[rejected ? 2 : 1]++;
    s->c.resources_in++;
    if (rejected)
        s->c.resources_rejected++;
    else
        s->c.resources_out++;
    s4s_stats_issues(s, issues);
}

void s4s_stats_outcome(s4s_stats *s, const s4s_issue_rec *issues)
{
    s->outcome_entries++;
    s4s_stats_issues(s, issues);
}

void s4s_stats_issues(s4s_stats *s, const s4s_issue_rec *issues)
{
    for (const s4s_issue_rec *r = issues; r; r = r->next) {
        /* a tally counts as the changes it stands for, so the stats are
         * the same at every --report-level */
        unsigned n = r->count ? r->count : 1;
        s->c.issues_by_sev[r->sev] += n;
        if (r->repair) {
            s->c.repairs += n;
            s4s_counter_add(&s->repairs, r->repair, strlen(r->repair), 0, n);
            continue;
        }
        s4s_counter_add(&s->by_code, r->code, strlen(r->code), 0, 1);
        s4s_counter_ent *m = s4s_counter_add(&s->messages, r->tmpl, strlen(r->tmpl), 0, 1);
        if ((size_t)(m - s->messages.ent) == s->n_examples) { /* a new template */
            s->examples = s4s_xrealloc(s->examples, (s->n_examples + 1) * sizeof *s->examples);
            char *ex = strcmp(m->key, "(other)") ? s4s_xstrdup(r->msg) : NULL;
            s->examples[s->n_examples++] = ex; /* counted once it is owned */
        }
        const char *rule = r->rule ? r->rule : "(none)";
        s4s_counter_add(&s->by_rule, rule, strlen(rule), 0, 1);
    }
}

void s4s_stats_write(const s4s_stats *s, s4s_jw *w, double elapsed_s)
{
    s4s_jw_kuint(w, "bytes_in", s->c.bytes_in);
    s4s_jw_kuint(w, "bytes_uncompressed", s->c.bytes_uncompressed);
    s4s_jw_kuint(w, "resources_in", s->c.resources_in);
    s4s_jw_kuint(w, "resources_out", s->c.resources_out);
    s4s_jw_kuint(w, "resources_rejected", s->c.resources_rejected);
    if (s->outcome_entries) /* only when there were any: other runs' stats stay as they were */
        s4s_jw_kuint(w, "outcome_entries", s->outcome_entries);
    s4s_jw_key(w, "elapsed_s");
    s4s_jw_fixed(w, elapsed_s, 3);

    size_t n;
    s4s_oom_hold h;
    s4s_counter_ent **v = s4s_counter_sorted(&s->by_type, 0, &n);
    s4s_oom_push(&h, v, free);
    s4s_jw_key(w, "by_type");
    s4s_jw_obj(w);
    for (size_t i = 0; i < n; i++) {
        s4s_jw_key(w, v[i]->key);
        s4s_jw_obj(w);
        s4s_jw_kuint(w, "in", v[i]->n[0]);
        s4s_jw_kuint(w, "out", v[i]->n[1]);
        s4s_jw_kuint(w, "rejected", v[i]->n[2]);
        s4s_jw_obj_end(w);
    }
    s4s_jw_obj_end(w);
    s4s_oom_pop(&h);
    free(v);

    s4s_jw_key(w, "issues");
    s4s_jw_obj(w);
    for (int i = 0; i < 4; i++)
        s4s_jw_kuint(w, s4s_sev_str((s4s_sev)i), s->c.issues_by_sev[i]);
    s4s_jw_obj_end(w);
    s4s_counter_write(&s->by_code, w, "issues_by_code");

    /* top 20 message templates: values are never part of a template */
    v = s4s_counter_sorted(&s->messages, 0, &n);
    s4s_oom_push(&h, v, free);
    s4s_jw_key(w, "top_messages");
    s4s_jw_arr(w);
    for (size_t i = 0; i < n && i < 20; i++) {
        s4s_jw_obj(w);
        s4s_jw_kstr(w, "message", v[i]->key);
        s4s_jw_kuint(w, "count", v[i]->n[0]);
        s4s_jw_obj_end(w);
    }
    s4s_jw_arr_end(w);
    s4s_oom_pop(&h);
    free(v);

    s4s_jw_kuint(w, "repairs", s->c.repairs);
    s4s_counter_write(&s->repairs, w, "repairs_by_kind");
    s4s_counter_write(&s->by_rule, w, "issues_by_rule");
    /* every template with its count, so shards' stats can be merged
     * (top_messages alone cannot be summed) */
    s4s_counter_write(&s->messages, w, "messages");
}

/* A template as a person reads it: each printf conversion (a value) shown
 * as an ellipsis. */
static void put_template(FILE *f, const char *t)
{
    for (; *t; t++) {
        if (*t != '%') {
            fputc(*t, f);
        } else if (t[1] == '%') {
            fputc('%', f);
            t++;
        } else {
            t += strspn(t + 1, "-+ #0123456789.*hlLqjzt");
            if (t[1])
                t++;
            fputs("\u2026", f);
        }
    }
}

void s4s_stats_write_messages(const s4s_stats *s, FILE *f, size_t top)
{
    size_t n;
    s4s_counter_ent **v = s4s_counter_sorted(&s->messages, 0, &n);
    for (size_t i = 0; i < n && i < top; i++) {
        size_t k = (size_t)(v[i] - s->messages.ent);
        const char *ex = k < s->n_examples ? s->examples[k] : NULL;
        fprintf(f, "  %8llu  ", (unsigned long long)v[i]->n[0]);
        if (ex && v[i]->n[0] == 1) {
            fprintf(f, "%s\n", ex);
            continue;
        }
        put_template(f, v[i]->key);
        fputc('\n', f);
        if (ex)
            fprintf(f, "            e.g. %s\n", ex);
    }
    free(v);
}
