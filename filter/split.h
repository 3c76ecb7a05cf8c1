/*
 * split.h - cleaned resources into one file per resource type (--split-by-type).
 *
 * DIR/<Type>.ndjson, or DIR/<Type>.ndjson.gz (gzip) — the Bulk Data layout.
 * Each file gets its type's lines in input order.  A resourceType that is
 * not a plain name ([A-Za-z][A-Za-z0-9]*, at most 64 characters) or is
 * missing goes to DIR/_unknown.ndjson, so no value from the record can
 * choose a path.
 * At most S4S_SPLIT_MAX_OPEN files are open at once: the least recently used
 * is closed and reopened for appending when needed (a gzip file then gets
 * another member, which every gzip reader continues through).
 * Ownership: the split owns its file handles and copies of the names;
 * s4s_split_close() closes them all and reports the first error;
 * s4s_split_free() releases everything.  Not thread-safe: one writer.
 */
#ifndef S4S_SPLIT_H
#define S4S_SPLIT_H
#include <stdbool.h>
#include <stddef.h>
#include "base/rc.h"

#define S4S_SPLIT_MAX_OPEN 32

typedef struct s4s_split s4s_split;

/* Creates dir when missing.  On error *out is still set (for the message). */
s4s_rc s4s_split_new(const char *dir, bool gzip, s4s_split **out);
/* Appends one line (with its newline) to type's file. */
s4s_rc s4s_split_put(s4s_split *s, const char *type, const char *line, size_t n);
s4s_rc s4s_split_close(s4s_split *s);
/* The file, what failed and errno's text, after an error. */
const char *s4s_split_errmsg(const s4s_split *s);
void s4s_split_free(s4s_split *s);

#endif
