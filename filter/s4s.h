/*
 * s4s.h - the libs4s API: options, the streaming pipeline, its stats.
 *
 * Data flow: s4s_pipe_feed(raw bytes) -> input (gunzip, charset) -> sax (yajl)
 * -> assemble (one resource tree per arena) -> rules -> writer.  Issues go to
 * the report stream, quarantined resources to the reject stream, counters to
 * s4s_pipe_write_stats().
 *
 * Invariant kept by the pipeline: resources_in == resources_out +
 * resources_rejected, and every input resource appears exactly once across
 * out and reject, in input order.
 *
 * Two ways in and out, which may be mixed: FILE streams and file
 * descriptors (s4s_outputs, s4s_pipe_feed_fd), or memory (s4s_pipe_feed
 * with bytes, s4s_callbacks receiving each cleaned resource, issue and
 * quarantined unit, s4s_pipe_stats_json the stats object).
 *
 * Ownership: the pipe borrows the FILE streams and callbacks in s4s_outputs
 * (caller closes them) and the s4s_opts (must outlive the pipe).  Bytes and
 * strings handed to a callback are the pipe's, valid only during the call:
 * copy what you keep.  s4s_pipe_free() releases everything the pipe
 * allocated.
 *
 * Threads: a pipe is used by one thread at a time; separate pipes may run
 * in separate threads at once (they share nothing writable).  With
 * s4s_pipe_feed the callbacks run on the calling thread; with
 * s4s_pipe_feed_fd on the pipe's rule workers (s4s_opts.threads: 1 = this thread), one call
 * at a time and in input order, all of them returned before
 * s4s_pipe_feed_fd / s4s_pipe_finish returns.  The rule-family stats
 * sections are complete after s4s_pipe_finish (the workers' counts are
 * added together there).  Process-wide, to be set before any pipe is
 * created: s4s_use_default_terminology() / s4s_term_set_embedded() and the
 * allocation-failure handler (base/alloc.h).
 *
 * Out of memory never ends the process: the call that hit it returns
 * S4S_ERR_NOMEM (s4s_pipe_new too, with *out set if the pipe itself could be
 * allocated).  The pipe may then only be asked for its counts and message,
 * its stats and summary, s4s_pipe_finish() (which flushes the resources
 * complete before it) and s4s_pipe_free(), which releases everything.
 */
#ifndef S4S_H
#define S4S_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "base/rc.h"
#include "base/opts.h"



/* Counters every layer updates; read them through s4s_pipe_counts() when no
 * feed is running, through s4s_pipe_progress() at any time. */
typedef struct s4s_counts {
    uint64_t bytes_in;           /* bytes given to s4s_pipe_feed */
    uint64_t bytes_uncompressed; /* bytes given to the JSON parser */
    uint64_t resources_in, resources_out, resources_rejected;
    uint64_t issues_by_sev[4];   /* fatal, error, warning, information */
    uint64_t repairs;
} s4s_counts;

typedef struct s4s_pipe s4s_pipe;

/* One issue or repair of a resource, as the reports carry it. */
typedef struct s4s_issue_info {
    const char *file;            /* s4s_pipe_next_source name, or NULL */
    uint64_t    line, offset;    /* of the resource in its input */
    const char *resource_type, *id;   /* NULL when absent */
    bool        rejected;        /* the resource was quarantined */
    const char *severity;        /* fatal, error, warning, information */
    const char *code;            /* FHIR issue type */
    const char *rule;            /* rule family ("input" for a broken unit) */
    const char *expression;      /* FHIRPath with indices, or NULL */
    const char *message;         /* never free text from the record */
    const char *repair_kind, *repair_old, *repair_new;  /* repairs; else NULL */
    unsigned    count;           /* changes this repair stands for: 1, or more for a
                                    tally of routine urn:uuid rewrites (--report-level) */
} s4s_issue_info;

/* One quarantined unit. */
typedef struct s4s_reject_info {
    const char *file;            /* s4s_pipe_next_source name, or NULL */
    uint64_t    line, offset;
    const char *reason;
    const void *data;            /* the exact bytes received; NULL when they
                                    outgrew --max-resource-bytes and streamed
                                    to the reject FILE instead */
    size_t      len;
} s4s_reject_info;

/* Each returns S4S_OK to go on; anything else stops the run with that rc
 * (s4s_pipe_errmsg: "stopped by a callback").  Any may be NULL. */
typedef struct s4s_callbacks {
    void *u;
    /* a cleaned resource in the output format (--output-format), one line
     * without its newline */
    s4s_rc (*resource)(void *u, const char *line, size_t len, const char *type, const char *id);
    s4s_rc (*issue)(void *u, const s4s_issue_info *i);
    s4s_rc (*reject)(void *u, const s4s_reject_info *r);
} s4s_callbacks;

/* Registers the terminology cache built into libs4s as the default
 * (s4s_opts.terminology == NULL).  Call once before creating pipes. */
void s4s_use_default_terminology(void);

s4s_rc s4s_pipe_new(const s4s_opts *o, const s4s_outputs *io, s4s_pipe **out);
s4s_rc s4s_pipe_feed(s4s_pipe *p, const void *buf, size_t len);
/* Reads fd to its end: a reader thread reads and gunzips, this thread
 * parses and assembles, and (unless --no-validate) s4s_opts.threads - 1 rule
 * workers run the rules and write, started on the first call and stopped by
 * s4s_pipe_finish().  tick (may be NULL) runs after each block.  name is
 * the input's name for messages (a read error names it and the offset). */
s4s_rc s4s_pipe_feed_fd(s4s_pipe *p, int fd, const char *name, size_t read_size,
                        void (*tick)(void *), void *tick_u);
/* The next bytes fed come from the input called name (several FILE
 * arguments): the previous input ends there as a stream of its own (a
 * value cut off at its end is reported as truncated), offsets and lines
 * restart at 0 and 1, and the reports name the file (CSV report, reject
 * envelopes; the OperationOutcome report when io.name_sources).  name is
 * borrowed until the next call or s4s_pipe_finish(). */
s4s_rc s4s_pipe_next_source(s4s_pipe *p, const char *name);
/* End of input: flushes everything; reports truncation. */
s4s_rc s4s_pipe_finish(s4s_pipe *p);
const s4s_counts *s4s_pipe_counts(const s4s_pipe *p);
/* A snapshot of bytes_uncompressed, resources_in and resources_rejected
 * (the rest zero), safe to take from any thread while a feed runs. */
void s4s_pipe_progress(s4s_pipe *p, s4s_counts *c);
/* Human message for the last fatal rc, naming the byte offset (input
 * errors) or the file and the bytes written to it (write errors). */
const char *s4s_pipe_errmsg(const s4s_pipe *p);
/* True when any resource had an error-severity issue (exit status 3). */
bool s4s_pipe_had_errors(const s4s_pipe *p);
/* One JSON object (plus newline) with every counter and rule section; name
 * is f's name for messages.  On a write error returns S4S_ERR_IO (or
 * S4S_ERR_EPIPE) and s4s_pipe_errmsg() names the file.  S4S_ERR_NOMEM: out
 * of memory on the way; the object then holds the main counters only. */
s4s_rc s4s_pipe_write_stats(s4s_pipe *p, FILE *f, const char *name, double elapsed_s);
/* The --stats object (one line of JSON, no newline) handed to fn. */
s4s_rc s4s_pipe_stats_json(s4s_pipe *p, double elapsed_s,
                           s4s_rc (*fn)(void *u, const char *json, size_t len), void *u);
/* Human summary: counts, then the most frequent issues (a message, or for
 * a template seen more than once the template with its values elided and
 * its first message) and repair kinds.  Messages never carry free text. */
void s4s_pipe_write_summary(s4s_pipe *p, FILE *f, double elapsed_s);
void s4s_pipe_free(s4s_pipe *p);

/* Versions of the libraries actually linked, for --version. */
void s4s_write_versions(FILE *f);

#endif
