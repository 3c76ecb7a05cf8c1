/*
 * report.c - OperationOutcome NDJSON for the --report stream.
 *
 * Invariant: only what rules put in issue records is written, and rules never
 * put free text there (rule.h); the resource is named by Type/id only.
 */
#include "report.h"

#include <stdio.h>

const char *s4s_sev_str(s4s_sev s)
{
    switch (s) {
    case S4S_SEV_FATAL:   return "fatal";
    case S4S_SEV_ERROR:   return "error";
    case S4S_SEV_WARNING: return "warning";
    case S4S_SEV_INFO:    return "information";
    }
    return "error";
}

static void ext_str(s4s_jw *w, const char *name, const char *vkey, const char *v)
{
    s4s_jw_obj(w);
    s4s_jw_key(w, "url");
    char url[128];
    snprintf(url, sizeof url, "%s%s", S4S_EXT_BASE, name);
    s4s_jw_str(w, url);
    s4s_jw_kstr(w, vkey, v);
    s4s_jw_obj_end(w);
}

static void ext_num(s4s_jw *w, const char *name, const char *vkey, uint64_t v)
{
    s4s_jw_obj(w);
    char url[128];
    snprintf(url, sizeof url, "%s%s", S4S_EXT_BASE, name);
    s4s_jw_kstr(w, "url", url);
    s4s_jw_kuint(w, vkey, v);
    s4s_jw_obj_end(w);
}

bool s4s_report_keeps(const s4s_issue_rec *r, s4s_report_level lv)
{
    switch (lv) {
    case S4S_LEVEL_ERROR:   return r->sev <= S4S_SEV_ERROR;
    case S4S_LEVEL_WARNING: return r->sev <= S4S_SEV_WARNING;
    case S4S_LEVEL_INFO:    return !r->routine;
    case S4S_LEVEL_ALL:     return true;
    }
    return true;
}

const s4s_issue_rec *s4s_report_next(const s4s_issue_rec *r, s4s_report_level lv)
{
    while (r && !s4s_report_keeps(r, lv))
        r = r->next;
    return r;
}

void s4s_report_write(s4s_jw *w, const char *file, const char *type, const char *id,
                      uint64_t off, uint64_t line, const char *disposition,
                      const s4s_issue_rec *issues, s4s_report_level lv)
{
    char ref[512];
    snprintf(ref, sizeof ref, "%s/%s", type ? type : "(unknown)", id ? id : "(no id)");
    s4s_jw_obj(w);
    s4s_jw_kstr(w, "resourceType", "OperationOutcome");
    s4s_jw_key(w, "extension");
    s4s_jw_arr(w);
    ext_str(w, "source-resource", "valueString", ref);
    ext_num(w, "source-offset", "valueDecimal", off);
    ext_num(w, "source-line", "valueInteger", line);
    if (file)
        ext_str(w, "source-file", "valueString", file);
    ext_str(w, "disposition", "valueCode", disposition);
    s4s_jw_arr_end(w);
    s4s_jw_key(w, "issue");
    s4s_jw_arr(w);
    for (const s4s_issue_rec *r = s4s_report_next(issues, lv); r; r = s4s_report_next(r->next, lv)) {
        s4s_jw_obj(w);
        s4s_jw_kstr(w, "severity", s4s_sev_str(r->sev));
        s4s_jw_kstr(w, "code", r->code);
        s4s_jw_key(w, "details");
        s4s_jw_obj(w);
        s4s_jw_kstr(w, "text", r->msg);
        s4s_jw_obj_end(w);
        char diag[640];
        snprintf(diag, sizeof diag, "%s @%llu [%s]", ref, (unsigned long long)r->off,
                 r->rule ? r->rule : "input");
        s4s_jw_kstr(w, "diagnostics", diag);
        if (r->path) {
            s4s_jw_key(w, "expression");
            s4s_jw_arr(w);
            s4s_jw_str(w, r->path);
            s4s_jw_arr_end(w);
        }
        if (r->repair) {
            s4s_jw_key(w, "extension");
            s4s_jw_arr(w);
            s4s_jw_obj(w);
            s4s_jw_kstr(w, "url", S4S_EXT_BASE "repair");
            s4s_jw_key(w, "extension");
            s4s_jw_arr(w);
            s4s_jw_obj(w);
            s4s_jw_kstr(w, "url", "kind");
            s4s_jw_kstr(w, "valueCode", r->repair);
            s4s_jw_obj_end(w);
            if (r->old_val) {
                s4s_jw_obj(w);
                s4s_jw_kstr(w, "url", "old");
                s4s_jw_kstr(w, "valueString", r->old_val);
                s4s_jw_obj_end(w);
            }
            if (r->new_val) {
                s4s_jw_obj(w);
                s4s_jw_kstr(w, "url", "new");
                s4s_jw_kstr(w, "valueString", r->new_val);
                s4s_jw_obj_end(w);
            }
            s4s_jw_arr_end(w);
            s4s_jw_obj_end(w);
            s4s_jw_arr_end(w);
        }
        s4s_jw_obj_end(w);
    }
    s4s_jw_arr_end(w);
    s4s_jw_obj_end(w);
}
