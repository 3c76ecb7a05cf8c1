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
 * Ownership: the pipe borrows the FILE streams in s4s_outputs (caller closes
 * them) and the s4s_opts (must outlive the pipe).  s4s_pipe_free() releases
 * everything the pipe allocated.
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

s4s_rc s4s_pipe_new(const s4s_opts *o, const s4s_outputs *io, s4s_pipe **out);
s4s_rc s4s_pipe_feed(s4s_pipe *p, const void *buf, size_t len);
/* Reads fd to its end: a reader thread reads and gunzips, this thread
 * parses and assembles, and (unless --no-validate) a stage thread runs the
 * rules and writes, started on the first call and stopped by
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
 * S4S_ERR_EPIPE) and s4s_pipe_errmsg() names the file. */
s4s_rc s4s_pipe_write_stats(s4s_pipe *p, FILE *f, const char *name, double elapsed_s);
/* Human summary: counts, then the most frequent issues (a message, or for
 * a template seen more than once the template with its values elided and
 * its first message) and repair kinds.  Messages never carry free text. */
void s4s_pipe_write_summary(s4s_pipe *p, FILE *f, double elapsed_s);
void s4s_pipe_free(s4s_pipe *p);

/* Versions of the libraries actually linked, for --version. */
void s4s_write_versions(FILE *f);

#endif
