/*
 * stats.h - run counters and the --stats JSON object.
 *
 * Ownership: s4s_stats owns its counter tables; s4s_stats_free() releases them.
 */
#ifndef S4S_STATS_H
#define S4S_STATS_H
#include "base/counter.h"
#include "base/jsonw.h"
#include "s4s.h"
#include "../rules/rule.h"

typedef struct s4s_stats {
    s4s_counts  c;
    s4s_counter by_type;   /* n[0] in, n[1] out, n[2] rejected */
    s4s_counter by_code;   /* issues by FHIR issue-type code */
    s4s_counter messages;  /* issues by message template */
    s4s_counter by_rule;   /* issues by rule family */
    char      **examples;  /* the first message of each `messages` entry, same
                              order (NULL for "(other)"): the summary shows it */
    size_t      n_examples;
    s4s_counter repairs;   /* repairs by kind */
    uint64_t    outcome_entries; /* searchset entries with search.mode "outcome":
                                    reported, outside resources_in */
} s4s_stats;

void s4s_stats_init(s4s_stats *s);
void s4s_stats_free(s4s_stats *s);
/* account one resource and its issues */
void s4s_stats_resource(s4s_stats *s, const char *type, bool rejected, const s4s_issue_rec *issues);
/* account issues only: those raised about a resource after it was counted
 * (at the end of its Bundle) */
void s4s_stats_issues(s4s_stats *s, const s4s_issue_rec *issues);
/* account a searchset outcome entry: its issues, not a resource */
void s4s_stats_outcome(s4s_stats *s, const s4s_issue_rec *issues);
/* writes the common members into an open object; the rule families'
 * sections (references, structure, ...) follow from their stats hooks */
void s4s_stats_write(const s4s_stats *s, s4s_jw *w, double elapsed_s);
/* The `top` most frequent issues for a person: a message seen once as it
 * is, a template seen more often with its values elided and its first
 * message as an example.  Never a printf template. */
void s4s_stats_write_messages(const s4s_stats *s, FILE *f, size_t top);

#endif
