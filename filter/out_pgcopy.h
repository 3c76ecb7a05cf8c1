/*
 * out_pgcopy.h - cleaned resources as PostgreSQL COPY text-format rows.
 *
 * One row per resource: resource_type <TAB> id <TAB> resource JSON, each
 * field escaped for COPY's text format (backslash, tab, newline, carriage
 * return), a missing type or id written as \N (NULL).  So
 *   \copy t(resource_type, id, resource) from stdin
 * loads the stream into a jsonb column with no options.
 * Ownership: output is appended to a caller-owned s4s_buf; scratch is the
 * caller's too (reused between rows, so a row costs no allocation).
 */
#ifndef S4S_OUT_PGCOPY_H
#define S4S_OUT_PGCOPY_H
#include <stdbool.h>
#include "base/buf.h"
#include "base/node.h"

bool s4s_pgcopy_row(s4s_buf *out, s4s_buf *scratch, const s4s_node *root,
                    const char *type, const char *id);
/* One COPY text field (no delimiter); s NULL writes \N. */
bool s4s_pgcopy_field(s4s_buf *out, const char *s, size_t n);

#endif
