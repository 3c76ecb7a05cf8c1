/*
 * report.h - one OperationOutcome line per resource that has issues.
 *
 * Shape (documented in README "Report format"):
 *   {"resourceType":"OperationOutcome",
 *    "extension":[{"url":S4S_EXT_BASE "source-resource","valueString":"Type/id"},
 *                 {"url":S4S_EXT_BASE "source-offset","valueDecimal":N},
 *                 {"url":S4S_EXT_BASE "source-line","valueInteger":L},
 *                 {"url":S4S_EXT_BASE "source-file","valueString":F} (file != NULL),
 *                 {"url":S4S_EXT_BASE "disposition","valueCode":"written|rejected|reported"}],
 *    "issue":[{"severity","code","details":{"text"},"diagnostics","expression":[path],
 *              "extension":[repair: kind, old, new]}]}
 * disposition "reported": a searchset entry with search.mode "outcome" (the
 * server's OperationOutcome), neither written nor quarantined.
 * Ownership: writes into the caller's s4s_jw.
 */
#ifndef S4S_REPORT_H
#define S4S_REPORT_H
#include <stdbool.h>
#include <stdint.h>
#include "base/jsonw.h"
#include "../rules/rule.h"

/* Whether the report carries r at --report-level lv. */
bool s4s_report_keeps(const s4s_issue_rec *r, s4s_report_level lv);
/* The first issue from `issues` on that the report carries, or NULL. */
const s4s_issue_rec *s4s_report_next(const s4s_issue_rec *issues, s4s_report_level lv);

/* One line for the issues the level keeps; call only when there is one. */
void s4s_report_write(s4s_jw *w, const char *file, const char *type, const char *id,
                      uint64_t off, uint64_t line, const char *disposition,
                      const s4s_issue_rec *issues, s4s_report_level lv);
const char *s4s_sev_str(s4s_sev s);

#endif
