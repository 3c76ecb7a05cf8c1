/*
 * report_csv.h - the issue report as CSV (--report-format=csv).
 *
 * A header line, then one row per issue:
 *   source_file,line,offset,resource_type,id,disposition,severity,code,
 *   rule,expression,message,repair_kind,repair_new
 * RFC 4180 quoting; a field holding a comma, quote, backslash, CR or LF is
 * quoted, so `COPY t FROM … (format csv, header true)` loads it (a quoted
 * `\.` cannot end the data).  Absent values are empty fields (NULL to COPY).
 * Like the OperationOutcome report, it carries only what rules put in issue
 * records, which never hold free text from the record.
 * Ownership: rows are appended to a caller-owned s4s_buf.
 */
#ifndef S4S_REPORT_CSV_H
#define S4S_REPORT_CSV_H
#include <stdbool.h>
#include <stdint.h>
#include "base/buf.h"
#include "../rules/rule.h"

void s4s_report_csv_header(s4s_buf *b);
void s4s_report_csv_rows(s4s_buf *b, const char *file, const char *type, const char *id,
                         uint64_t off, uint64_t line, const char *disposition,
                         const s4s_issue_rec *issues, s4s_report_level lv);

#endif
