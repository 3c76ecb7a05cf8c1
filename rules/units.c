/*
 * units.c - UCUM quantities: every Quantity-shaped object (valueQuantity,
 * component.valueQuantity, referenceRange low/high, dose, SimpleQuantity,
 * Duration, Age, Ratio numerator/denominator, in contained resources too)
 * must carry a correct UCUM code, and never a wrong one.
 *
 * Per quantity (an object with a number `value` and a string unit, code or
 * system; a system other than UCUM is left alone):
 *   - a valid code without system gets system http://unitsofmeasure.org;
 *   - an invalid code, or a missing one, is derived from code or unit through
 *     the committed messy->UCUM table (tables/units_messy.c); a string that
 *     is already valid UCUM is only re-spelled when the canonical form stays
 *     the same ("mg/dl" -> "mg/dL");
 *   - strings that are not UCUM are also looked up without regard to case
 *     and blanks ("LBS", "Deg F", "breaths/min": tables/units_words);
 *   - a valid code with a preferred spelling is re-spelled when the
 *     canonical form stays the same ("mg/dl" -> "mg/dL", "ml" -> "mL");
 *   - traps (valid UCUM, almost certainly wrong: pH, K/uL, F, C, ft,
 *     mL/min/1.73.m2, all-caps MG, ML...) are flagged naming both meanings;
 *     they are repaired only when the context settles it: the Observation's
 *     LOINC code expects a unit commensurable with the intended one and not
 *     with the trap, or (rows marked dose) the quantity is in a medication
 *     or immunization resource;
 *   - a unit text that names another unit than the code (after the tables
 *     above) is a warning, and such a quantity is never converted;
 *   - a unit whose dimension does not match what the LOINC code expects
 *     (vital-sign table, else the terminology cache's example unit or
 *     property) is a warning;
 *   - vital signs use the unit spelling US Core lists ("{beats}/min" ->
 *     "/min"), and with --convert-vitals weight -> kg, height/length -> cm,
 *     temperature -> Cel, blood pressure -> mm[Hg];
 *   - vital signs out of the plausible range of their LOINC code
 *     (tables/units_vitals.c, after conversion) are warnings naming the
 *     likely mislabel; values are never changed for it;
 *   - referenceRange: low above high is an error, low/high/value in
 *     different dimensions an error, in different units a warning (and the
 *     comparison is made after conversion).
 * Every change goes through s4s_edit_* (recorded old -> new).
 *
 * --convert-vitals keeps the original on the Quantity as an extension:
 *   {"url": "http://s4s-normalize.org/fhir/StructureDefinition/original-quantity",
 *    "valueQuantity": {"value": <original number, lexeme unchanged>,
 *                      "unit": <original unit, if any>,
 *                      "system": "http://unitsofmeasure.org",
 *                      "code": <original UCUM code>}}
 * appended to the Quantity's `extension` array (created if absent).  The new
 * value keeps the original's resolution: the step of its last digit,
 * converted and rounded down to a power of ten (150 [lb_av] -> 68.0 kg).
 *
 * State: per-run counters and bounded string->count maps (stats), touched
 * only by the rules thread.  The UCUM cache lives in the state too.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rule.h"
#include "../filter/base/counter.h"
#include "tables/units_tables.h"
#include "../filter/base/alloc.h"
#include "../filter/base/buf.h"
#include "../filter/base/jsonw.h"
#include "../terminology/systems.h"
#include "../terminology/term.h"
#include "../terminology/ucum.h"

/* System URIs come from the code-system table (terminology/systems.h). */
#define UCUM_URI   s4s_sys_uri(S4S_SYS_UCUM)
#define LOINC_URI  s4s_sys_uri(S4S_SYS_LOINC)
#define ORIG_URL   S4S_EXT_BASE "original-quantity"

/* UCUM's canonical URI or its OID (the two forms FHIR allows); other
 * spellings are another system here. */
static bool is_ucum(const s4s_node *sys)
{
    if (s4s_str_eq(sys, UCUM_URI))
        return true;
    const char *canon = sys->type == S4S_J_STRING && !strncmp(sys->str, "urn:oid:", 8)
                        ? s4s_system_resolve(sys->str, NULL) : NULL;
    return canon && !strcmp(canon, UCUM_URI);
}
#define MAP_KEYS   512   /* distinct keys per stats map; more go to "(other)" */
#define KEY_MAX    96

/* --- bounded counters for stats ------------------------------------------ */

/* "from -> to" or a plain key, counted in a bounded s4s_counter */
static void cmap_add(s4s_counter *m, const char *a, const char *b)
{
    char key[KEY_MAX];
    snprintf(key, sizeof key, b ? "%s -> %s" : "%s", a, b);
    s4s_counter_add(m, key, strlen(key), 0, 1);
}

typedef struct units_state {
    const s4s_opts *o;
    s4s_ucum       *ucum;
    uint64_t seen, valid, system_added, repaired, traps_flagged, traps_repaired,
             invalid, no_code, dim_warnings, converted, other_system, canonical,
             text_code, implausible, range_errors, range_warnings;
    s4s_counter repairs, traps, invalid_units;
    /* plausible vital ranges: the built-in table, or --vital-ranges (owned) */
    const s4s_units_range *ranges;
    unsigned n_ranges;
    s4s_units_range *own_ranges;
    char *own_text;
} units_state;

/* --- table look-ups -------------------------------------------------------- */

static int map_cmp(const void *k, const void *e)
{
    return strcmp((const char *)k, ((const s4s_units_map *)e)->from);
}

static const s4s_units_map *map_find(const s4s_units_map *t, unsigned n, const char *s)
{
    return bsearch(s, t, n, sizeof *t, map_cmp);
}

static int trap_cmp(const void *k, const void *e)
{
    return strcmp((const char *)k, ((const s4s_units_trap *)e)->from);
}

static const s4s_units_trap *trap_find(const char *s)
{
    return bsearch(s, s4s_units_traps, s4s_units_n_traps, sizeof s4s_units_traps[0], trap_cmp);
}

static int range_cmp(const void *k, const void *e)
{
    return strcmp((const char *)k, ((const s4s_units_range *)e)->loinc);
}

static const s4s_units_range *range_find(const units_state *st, const char *loinc)
{
    return loinc ? bsearch(loinc, st->ranges, st->n_ranges, sizeof st->ranges[0], range_cmp) : NULL;
}

/* The words-table key of s: ASCII lower case, blank runs as one space, no
 * blanks at the ends.  False when it does not fit. */
static bool word_key(const char *s, char *out, size_t outsz)
{
    size_t n = 0;
    bool blank = false;
    for (; *s; s++) {
        if (*s == ' ' || *s == '\t') {
            blank = n > 0;
            continue;
        }
        if (n + 2 >= outsz)
            return false;
        if (blank)
            out[n++] = ' ';
        blank = false;
        out[n++] = *s >= 'A' && *s <= 'Z' ? (char)(*s - 'A' + 'a') : *s;
    }
    out[n] = 0;
    return true;
}

static int vital_cmp(const void *k, const void *e)
{
    return strcmp((const char *)k, ((const s4s_units_vital *)e)->loinc);
}

static const s4s_units_vital *vital_find(const char *loinc)
{
    return loinc ? bsearch(loinc, s4s_units_vitals, s4s_units_n_vitals, sizeof s4s_units_vitals[0],
                           vital_cmp) : NULL;
}

/* LOINC property -> a unit of that property's dimension (our summary of the
 * LOINC property axis; only properties with one dimension are listed). */
static const struct { const char *prop, *unit; } props[] = {
    {"MCnc", "g/L"}, {"SCnc", "mol/L"}, {"NCnc", "/L"}, {"CCnc", "kat/L"}, {"Mass", "g"},
    {"Len", "m"}, {"Temp", "K"}, {"Pres", "Pa"}, {"Vol", "L"}, {"Time", "s"}, {"Vel", "m/s"},
    {"VRat", "L/s"}, {"MRat", "g/s"}, {"SRat", "mol/s"}, {"CAct", "kat"}, {"Area", "m2"},
    {"Sub", "mol"}, {"LsCnc", "[pH]"}, {"MFr", "1"}, {"NFr", "1"}, {"VFr", "1"}, {"SFr", "1"},
};

static bool check(units_state *st, const char *s, s4s_ucum_result *r)
{
    return s4s_ucum_check(st->ucum, s, strlen(s), r);
}

/* Same canonical form: a spelling change only. */
static bool same_unit(const s4s_ucum_result *a, const s4s_ucum_result *b)
{
    return s4s_ucum_commensurable(a, b) && a->fn == b->fn && a->c.sub == b->c.sub &&
           fabs(a->c.mag - b->c.mag) <= 1e-12 * fabs(a->c.mag);
}

/* Same kind of quantity: dimension, and amount of substance vs count. */
static bool same_kind(const s4s_ucum_result *a, const s4s_ucum_result *b)
{
    return s4s_ucum_commensurable(a, b) && a->c.sub == b->c.sub;
}

/* The UCUM code a messy string stands for, or NULL.  rs is its parse. */
static const char *derive(units_state *st, s4s_rctx *rc, const char *s, const s4s_ucum_result *rs)
{
    s4s_ucum_result rt;
    const s4s_units_map *m = map_find(s4s_units_messy, s4s_units_n_messy, s);
    if (m && check(st, m->to, &rt)) {
        if (!rs->valid)
            return m->to;
        bool spelling = !strcmp(m->kind, "case-preference") || !strcmp(m->kind, "style");
        return spelling && same_unit(rs, &rt) ? m->to : NULL;
    }
    if (rs->valid)
        return NULL;
    bool upper = false, lower = false;
    for (const char *p = s; *p; p++) {
        upper |= *p >= 'A' && *p <= 'Z';
        lower |= *p >= 'a' && *p <= 'z';
    }
    if (upper && !lower && (m = map_find(s4s_units_fold, s4s_units_n_fold, s)) && check(st, m->to, &rt))
        return m->to;
    char key[KEY_MAX];
    if (word_key(s, key, sizeof key) && (m = map_find(s4s_units_words, s4s_units_n_words, key)) &&
        check(st, m->to, &rt))
        return m->to;
    /* "ppm" -> "[ppm]": the whole string is a bracketed atom */
    const char *hint = s4s_ucum_hint(s, strlen(s));
    if (hint)
        return hint;
    /* surrounding blanks */
    size_t n = strlen(s), a = 0;
    while (a < n && s[a] == ' ')
        a++;
    while (n > a && s[n - 1] == ' ')
        n--;
    if (a > 0 || n < strlen(s)) {
        char *t = s4s_arena_strndup(rc->arena, s + a, n - a);
        if (check(st, t, &rt) && !trap_find(t))
            return t;
        m = map_find(s4s_units_messy, s4s_units_n_messy, t);
        if (m && check(st, m->to, &rt))
            return m->to;
    }
    return NULL;
}

/* --- context: the LOINC code a quantity measures ---------------------------- */

static const char *loinc_of(const s4s_node *q)
{
    for (const s4s_node *p = q->parent; p; p = p->parent) {
        if (p->type != S4S_J_OBJECT)
            continue;
        const s4s_node *code = s4s_get(p, "code");
        if (code && code->type == S4S_J_OBJECT) {
            const s4s_node *cod = s4s_get(code, "coding");
            if (cod && cod->type == S4S_J_ARRAY) {
                S4S_EACH(c, cod) {
                    if (c->type == S4S_J_OBJECT && s4s_str_eq(s4s_get(c, "system"), LOINC_URI)) {
                        const char *v = s4s_get_str(c, "code");
                        if (v)
                            return v;
                    }
                }
            }
            return NULL;   /* the nearest coded element decides */
        }
        if (s4s_get(p, "resourceType"))
            return NULL;
    }
    return NULL;
}

/* A medication dose or an immunization: the nearest resource says. */
static bool dose_context(const s4s_node *q)
{
    static const char *const types[] = {"Medication", "MedicationAdministration", "MedicationDispense",
        "MedicationKnowledge", "MedicationRequest", "MedicationStatement", "Immunization"};
    for (const s4s_node *p = q; p; p = p->parent) {
        const char *rt = p->type == S4S_J_OBJECT ? s4s_get_str(p, "resourceType") : NULL;
        if (!rt)
            continue;
        for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
            if (!strcmp(rt, types[i]))
                return true;
        return false;
    }
    return false;
}

/* The unit the LOINC code expects (valid UCUM), or NULL. */
static const char *expected_unit(units_state *st, s4s_rctx *rc, const char *loinc,
                                 const s4s_units_vital *vital, s4s_ucum_result *re)
{
    if (vital && vital->units[0]) {
        size_t n = strcspn(vital->units, " ");
        const char *u = s4s_arena_strndup(rc->arena, vital->units, n);
        if (check(st, u, re))
            return u;
    }
    if (!loinc || !rc->term)
        return NULL;
    s4s_term_result tr;
    memset(&tr, 0, sizeof tr);
    if (s4s_term_lookup(rc->term, LOINC_URI, loinc, &tr) != S4S_OK)
        return NULL;
    if (tr.unit && check(st, tr.unit, re) && !trap_find(tr.unit))
        return tr.unit;
    if (tr.property)
        for (size_t i = 0; i < sizeof props / sizeof props[0]; i++)
            if (!strcmp(tr.property, props[i].prop) && check(st, props[i].unit, re))
                return props[i].unit;
    return NULL;
}

/* --- edits ------------------------------------------------------------------ */

static void set_code(s4s_rctx *rc, units_state *st, s4s_node *q, s4s_node *code_n,
                     const char *old, const char *new, const char *kind, const char *why)
{
    if (code_n)
        s4s_edit_set_str(rc, code_n, new, strlen(new), kind, why);
    else
        s4s_edit_add_str(rc, q, "code", new, kind, why);
    cmap_add(&st->repairs, old ? old : "(none)", new);
    st->repaired++;
}

static void add_system(s4s_rctx *rc, units_state *st, s4s_node *q)
{
    s4s_edit_add_str(rc, q, "system", UCUM_URI, "ucum-system",
                     "UCUM code without system: system added");
    st->system_added++;
}

/* True when the value is now in target. */
static bool convert_vital(s4s_rctx *rc, units_state *st, s4s_node *q, s4s_node *val_n,
                          const char *code, const char *target)
{
    char out[128], why[256];
    if (!val_n || val_n->type != S4S_J_NUMBER || !strcmp(code, target))
        return false;
    s4s_rc r = s4s_ucum_convert_str(st->ucum, val_n->str, code, target, -1, out, sizeof out,
                                    why, sizeof why);
    if (r != S4S_OK) {
        s4s_issue(rc, S4S_SEV_WARNING, "value", q, "vital sign not converted: %s", why);
        return false;
    }
    s4s_node *unit_n = s4s_get(q, "unit");
    s4s_buf b;
    s4s_buf_init(&b, 4096);
    s4s_oom_hold h; /* freed if an allocation fails (alloc.h) */
    s4s_oom_push(&h, &b, s4s_buf_drop);
    s4s_buf_puts(&b, "{\"url\":\"" ORIG_URL "\",\"valueQuantity\":{\"value\":");
    s4s_buf_puts(&b, val_n->str);
    if (unit_n && unit_n->type == S4S_J_STRING) {
        s4s_buf_puts(&b, ",\"unit\":");
        s4s_buf_json_str(&b, unit_n->str, unit_n->len);
    }
    s4s_buf_puts(&b, ",\"system\":");
    s4s_buf_json_str(&b, UCUM_URI, strlen(UCUM_URI));
    s4s_buf_puts(&b, ",\"code\":");
    s4s_buf_json_str(&b, code, strlen(code));
    s4s_buf_puts(&b, "}}");
    if (b.over) {
        s4s_oom_pop(&h);
        s4s_buf_free(&b);
        return false;
    }
    s4s_node *ext = s4s_get(q, "extension");
    if (ext && ext->type != S4S_J_ARRAY) {
        s4s_oom_pop(&h);
        s4s_buf_free(&b);
        return false;   /* a malformed extension member: structure reports it */
    }
    /* s4s_buf is not NUL-terminated: copy into the arena as a C string */
    char *item = s4s_arena_printf(rc->arena, ext ? "%.*s" : "[%.*s]", (int)b.len, b.p);
    s4s_oom_pop(&h);
    s4s_buf_free(&b);
    s4s_edit_insert_json(rc, ext ? ext : q, NULL, ext ? NULL : "extension", item,
                         "unit-conversion", "original value and unit kept in an extension");
    char *msg = s4s_arena_printf(rc->arena, "vital sign converted from `%s` to `%s`", code, target);
    s4s_edit_set_num(rc, val_n, out, "unit-conversion", msg);
    s4s_edit_set_str(rc, s4s_get(q, "code"), target, strlen(target), "unit-conversion", msg);
    if (unit_n && unit_n->type == S4S_J_STRING)
        s4s_edit_set_str(rc, unit_n, target, strlen(target), "unit-conversion", msg);
    else if (!unit_n)
        s4s_edit_add_str(rc, q, "unit", target, "unit-conversion", msg);
    st->converted++;
    return true;
}

/* Convert the decimal lexeme num from unit a to unit b. */
static bool convert_num(units_state *st, const char *num, const char *a, const char *b, double *out)
{
    s4s_ucum_result ra, rb;
    double v;
    char why[160];
    return s4s_ucum_parse_number(num, &v) && check(st, a, &ra) && check(st, b, &rb) &&
           s4s_ucum_convert(&ra, &rb, a, b, v, out, why, sizeof why) == S4S_OK;
}

/* Vital signs out of their plausible range: a warning naming the first
 * listed mislabel that would put the value in range (not for a converted
 * value: its label was the original unit, not the one it has now). */
static void plausible(s4s_rctx *rc, units_state *st, const s4s_node *val_n, const char *loinc,
                      const char *code, bool converted)
{
    const s4s_units_range *r = range_find(st, loinc);
    double v, w;
    if (!r || !val_n || val_n->type != S4S_J_NUMBER || !convert_num(st, val_n->str, code, r->unit, &v))
        return;
    if (v >= r->lo && v <= r->hi)
        return;
    char lo[32], hi[32];
    s4s_ucum_format(r->lo, 0, lo, sizeof lo);
    s4s_ucum_format(r->hi, 0, hi, sizeof hi);
    st->implausible++;
    for (const char *p = converted ? "" : r->alt; *p; ) {
        size_t n = strcspn(p, " ");
        char *alt = s4s_arena_strndup(rc->arena, p, n);
        p += n + (p[n] == ' ');
        if (strcmp(alt, code) && convert_num(st, val_n->str, alt, r->unit, &w) && w >= r->lo && w <= r->hi) {
            s4s_issue(rc, S4S_SEV_WARNING, "value", val_n,
                      "%s `%s` is outside the plausible range %s-%s `%s` of LOINC %s; "
                      "probably `%s` labelled `%s`", val_n->str, code, lo, hi, r->unit, loinc, alt, code);
            return;
        }
    }
    s4s_issue(rc, S4S_SEV_WARNING, "value", val_n,
              "%s `%s` is outside the plausible range %s-%s `%s` of LOINC %s", val_n->str, code, lo, hi,
              r->unit, loinc);
}

/* Unit text naming another unit than the (now valid) code: a warning.  The
 * text is read through the trap and messy tables; text they do not know
 * (free words) is left alone. */
static bool text_differs(units_state *st, s4s_rctx *rc, s4s_node *q, const char *unit,
                         const char *code, const s4s_ucum_result *rcode)
{
    if (!strcmp(unit, code))
        return false;
    s4s_ucum_result ru;
    const s4s_units_trap *t = trap_find(unit);
    size_t n = strlen(unit);
    if (!t && n > 2 && unit[0] == '(' && unit[n - 1] == ')')
        t = trap_find(s4s_arena_strndup(rc->arena, unit + 1, n - 2));   /* "(pH)": a label in parentheses */
    const char *u = t ? t->to : unit;
    if (!check(st, u, &ru)) {
        u = derive(st, rc, unit, &ru);
        if (!u || !check(st, u, &ru))
            return false;
    }
    if (same_unit(&ru, rcode))
        return false;
    s4s_issue(rc, S4S_SEV_WARNING, "value", s4s_get(q, "unit"),
              "unit text `%s` and UCUM code `%s` name different units; not converted", unit, code);
    st->text_code++;
    return true;
}

/* --- one quantity --------------------------------------------------------------- */

static void quantity(s4s_rctx *rc, units_state *st, s4s_node *q)
{
    s4s_node *sys_n = s4s_get(q, "system"), *code_n = s4s_get(q, "code");
    s4s_node *unit_n = s4s_get(q, "unit"), *val_n = s4s_get(q, "value");
    if ((sys_n && sys_n->type != S4S_J_STRING) || (code_n && code_n->type != S4S_J_STRING) ||
        (unit_n && unit_n->type != S4S_J_STRING))
        return;   /* wrong JSON types: the structure rule reports them */
    st->seen++;
    bool ucum_sys = sys_n && is_ucum(sys_n);
    if (sys_n && !ucum_sys) {
        st->other_system++;
        return;
    }
    const char *code = code_n ? code_n->str : NULL;
    const char *unit = unit_n ? unit_n->str : NULL;
    const char *loinc = loinc_of(q);
    const s4s_units_vital *vital = vital_find(loinc);
    s4s_ucum_result rcode, rexp, rfix;
    const char *final = NULL;
    bool exp_done = false;
    const char *exp = NULL;

    /* the string the quantity's code should come from */
    const char *src = code ? code : unit;
    if (!src) {
        /* a number with a unit system but no unit: the unit is a guess, so
         * say what the LOINC code expects instead of filling it in */
        exp = expected_unit(st, rc, loinc, vital, &rexp);
        if (exp)
            s4s_issue(rc, S4S_SEV_WARNING, "required", q,
                      "quantity has no unit or code; LOINC %s expects `%s`", loinc, exp);
        else
            s4s_issue(rc, S4S_SEV_WARNING, "required", q, "quantity has no unit or code");
        st->no_code++;
        cmap_add(&st->invalid_units, "(none)", NULL);
        return;
    }
    const s4s_units_trap *trap = trap_find(src);
    if (trap) {
        exp = expected_unit(st, rc, loinc, vital, &rexp);
        exp_done = true;
        check(st, src, &rcode);
        bool fix_ok = check(st, trap->to, &rfix);
        char *why = NULL;
        if (exp && fix_ok && same_kind(&rfix, &rexp) && !same_kind(&rcode, &rexp))
            why = s4s_arena_printf(rc->arena, "`%s` is UCUM for %s; LOINC %s expects `%s`",
                                   src, trap->meaning, loinc, exp);
        else if (trap->dose && fix_ok && dose_context(q))
            why = s4s_arena_printf(rc->arena, "`%s` is UCUM for %s; a medication dose means %s (`%s`)",
                                   src, trap->meaning, trap->meant, trap->to);
        if (why) {
            set_code(rc, st, q, code_n, code, trap->to, "ucum-trap", why);
            code_n = s4s_get(q, "code");
            st->traps_repaired++;
            cmap_add(&st->traps, src, NULL);
            final = trap->to;
        } else {
            s4s_issue(rc, S4S_SEV_WARNING, "code-invalid", code_n ? code_n : unit_n,
                      "UCUM `%s` means %s; probably %s (`%s`) was meant", src, trap->meaning,
                      trap->meant, trap->to);
            st->traps_flagged++;
            cmap_add(&st->traps, src, NULL);
            if (!code_n)
                return;   /* never derive a code we doubt */
            final = code;
        }
        if (!sys_n && final)
            add_system(rc, st, q);
    } else if (code) {
        if (check(st, code, &rcode)) {
            st->valid++;
            final = code;
            const s4s_units_map *m = map_find(s4s_units_messy, s4s_units_n_messy, code);
            if (m && (!strcmp(m->kind, "case-preference") || !strcmp(m->kind, "style")) &&
                check(st, m->to, &rfix) && same_unit(&rcode, &rfix)) {
                char *why = s4s_arena_printf(rc->arena, "UCUM `%s` is spelled `%s`", code, m->to);
                set_code(rc, st, q, code_n, code, m->to, "ucum-canonical", why);
                code_n = s4s_get(q, "code");
                st->canonical++;
                final = m->to;
            }
            if (!sys_n)
                add_system(rc, st, q);
        } else {
            const char *fix = derive(st, rc, code, &rcode);
            if (!fix && unit && strcmp(unit, code)) {
                s4s_ucum_result ru;
                check(st, unit, &ru);
                fix = ru.valid && !trap_find(unit)
                    ? unit : derive(st, rc, unit, &ru);
            }
            if (!fix) {
                if (ucum_sys) {
                    s4s_issue(rc, S4S_SEV_ERROR, "code-invalid", code_n, "invalid UCUM code `%s`: %s",
                              code, rcode.msg);
                    st->invalid++;
                    cmap_add(&st->invalid_units, code, NULL);
                } else {
                    st->other_system++;   /* no system, not UCUM: not ours */
                }
                return;
            }
            char *why = s4s_arena_printf(rc->arena, "invalid UCUM code `%s` replaced by `%s`", code, fix);
            set_code(rc, st, q, code_n, code, fix, "ucum-code", why);
            final = fix;
            if (!sys_n)
                add_system(rc, st, q);
        }
    } else {
        s4s_ucum_result ru;
        check(st, unit, &ru);
        const char *fix = derive(st, rc, unit, &ru);
        if (!fix && ru.valid)
            fix = unit;
        if (!fix) {
            s4s_issue(rc, S4S_SEV_WARNING, "code-invalid", unit_n,
                      "no UCUM code: unit `%s` is not UCUM (%s)", unit, ru.msg);
            st->no_code++;
            cmap_add(&st->invalid_units, unit, NULL);
            return;
        }
        char *why = s4s_arena_printf(rc->arena, "UCUM code `%s` derived from unit `%s`", fix, unit);
        set_code(rc, st, q, NULL, NULL, fix, "ucum-code", why);
        code_n = s4s_get(q, "code");
        final = fix;
        if (!sys_n)
            add_system(rc, st, q);
    }

    /* the code is valid UCUM now: check it against what the LOINC code expects */
    s4s_ucum_result rfinal;
    if (!final || !check(st, final, &rfinal))
        return;
    bool mismatch = code && unit && text_differs(st, rc, q, unit, final, &rfinal);
    if (!exp_done)
        exp = expected_unit(st, rc, loinc, vital, &rexp);
    if (exp && !rfinal.c.n_arb && !rexp.c.n_arb && !same_kind(&rfinal, &rexp)) {
        s4s_issue(rc, S4S_SEV_WARNING, "value", code_n ? code_n : q,
                  "unit `%s` does not have the dimension LOINC %s expects (`%s`)", final, loinc, exp);
        st->dim_warnings++;
        return;
    }
    if (!vital || !vital->units[0])
        return;
    /* vital signs: the spelling US Core lists ("{beats}/min" -> "/min") */
    const char *p = vital->units;
    bool listed = false;
    while (*p && !listed) {
        size_t n = strcspn(p, " ");
        listed = strlen(final) == n && !memcmp(final, p, n);
        p += n + (p[n] == ' ');
    }
    if (!listed && same_unit(&rfinal, &rexp)) {
        char *why = s4s_arena_printf(rc->arena, "vital sign LOINC %s uses `%s`", loinc, exp);
        set_code(rc, st, q, code_n, final, exp, "ucum-vital-unit", why);
        final = exp;
    }
    if (mismatch)
        return;   /* which of the two was meant is unknown */
    bool converted = st->o->convert_vitals && vital->target &&
                     convert_vital(rc, st, q, val_n, final, vital->target);
    plausible(rc, st, val_n, loinc, converted ? vital->target : final, converted);
}

/* The valid UCUM code of a quantity (after this rule's repairs), or NULL. */
static const char *ucum_code(units_state *st, const s4s_node *q, s4s_ucum_result *r)
{
    if (!q || q->type != S4S_J_OBJECT)
        return NULL;
    const s4s_node *sys = s4s_get(q, "system");
    const char *code = s4s_get_str(q, "code");
    if (sys && !is_ucum(sys))
        return NULL;
    return code && check(st, code, r) ? code : NULL;
}

static const char *num_of(const s4s_node *q)
{
    const s4s_node *v = q && q->type == S4S_J_OBJECT ? s4s_get(q, "value") : NULL;
    return v && v->type == S4S_J_NUMBER ? v->str : NULL;
}

/* Two quantities' units: false (and an error) when the dimensions differ,
 * a warning when the units differ. */
static bool units_agree(s4s_rctx *rc, units_state *st, const s4s_node *at, const char *what,
                        const char *a, const s4s_ucum_result *ra, const char *b,
                        const s4s_ucum_result *rb)
{
    if (!s4s_ucum_commensurable(ra, rb) || ra->c.sub != rb->c.sub) {
        s4s_issue(rc, S4S_SEV_ERROR, "value", at, "%s: units `%s` and `%s` have different dimensions",
                  what, a, b);
        st->range_errors++;
        return false;
    }
    if (strcmp(a, b) && !same_unit(ra, rb)) {
        s4s_issue(rc, S4S_SEV_WARNING, "value", at, "%s: units `%s` and `%s` differ; compared after "
                  "conversion", what, a, b);
        st->range_warnings++;
    }
    return true;
}

/* referenceRange items of an Observation (or component): low against high,
 * both against the value's unit.  rr: obj's first live referenceRange. */
static void ref_ranges(s4s_rctx *rc, units_state *st, s4s_node *obj, const s4s_node *rr)
{
    if (!rr || rr->type != S4S_J_ARRAY)
        return;
    s4s_ucum_result rv, rl, rh;
    const char *vc = ucum_code(st, s4s_get(obj, "valueQuantity"), &rv);
    S4S_EACH(item, rr) {
        if (item->type != S4S_J_OBJECT)
            continue;
        const s4s_node *low = s4s_get(item, "low"), *high = s4s_get(item, "high");
        const char *lc = ucum_code(st, low, &rl), *hc = ucum_code(st, high, &rh);
        const char *ln = num_of(low), *hn = num_of(high);
        if (vc && (lc || hc) &&
            !units_agree(rc, st, item, "value and referenceRange", vc, &rv, lc ? lc : hc, lc ? &rl : &rh))
            continue;
        if (!ln || !hn)
            continue;
        double l, h;
        if (lc && hc) {
            if (!units_agree(rc, st, item, "referenceRange low and high", lc, &rl, hc, &rh) ||
                !convert_num(st, ln, lc, hc, &l) || !s4s_ucum_parse_number(hn, &h))
                continue;
        } else if (!lc && !hc && !s4s_get(low, "unit") && !s4s_get(high, "unit")) {
            if (!s4s_ucum_parse_number(ln, &l) || !s4s_ucum_parse_number(hn, &h))
                continue;
        } else {
            continue;   /* one side has no usable unit: not comparable */
        }
        if (l > h) {
            if (lc)
                s4s_issue(rc, S4S_SEV_ERROR, "value", item, "referenceRange low %s `%s` is above high %s `%s`",
                          ln, lc, hn, hc);
            else
                s4s_issue(rc, S4S_SEV_ERROR, "value", item, "referenceRange low %s is above high %s", ln, hn);
            st->range_errors++;
        }
    }
}

/* The members walk() asks every object about, found in one pass: the first
 * live one of each name, as s4s_get() would. */
typedef struct obj_keys {
    const s4s_node *url, *value, *unit, *code, *system, *rr;
} obj_keys;

static void find_keys(const s4s_node *n, obj_keys *k)
{
    memset(k, 0, sizeof *k);
    S4S_EACH(c, n) {
        const s4s_node **slot = NULL;
        switch (c->klen) {
        case 3: slot = !memcmp(c->key, "url", 3) ? &k->url : NULL; break;
        case 4: slot = !memcmp(c->key, "unit", 4) ? &k->unit : !memcmp(c->key, "code", 4) ? &k->code : NULL; break;
        case 5: slot = !memcmp(c->key, "value", 5) ? &k->value : NULL; break;
        case 6: slot = !memcmp(c->key, "system", 6) ? &k->system : NULL; break;
        case 14: slot = !memcmp(c->key, "referenceRange", 14) ? &k->rr : NULL; break;
        default: break;
        }
        if (slot && !*slot)
            *slot = c;
    }
}

/* Children are walked after the quantity itself; nodes inserted by edits
 * (the original-quantity extension) and earlier runs' original-quantity
 * extensions are history, never normalized again. */
/* any: S4S_KK_VALUE | S4S_KK_RANGE when the kinds bits hold (a subtree
 * without either name holds no quantity and no range), else 0 */
static void walk(s4s_rctx *rc, units_state *st, s4s_node *n, unsigned any)
{
    if (n->flags & S4S_NF_INSERTED)
        return;
    obj_keys k;
    bool edited = false;
    if (n->type == S4S_J_OBJECT) {
        find_keys(n, &k);
        if (s4s_str_eq(k.url, ORIG_URL))
            return;
        if (k.value && k.value->type == S4S_J_NUMBER && (k.unit || k.code || k.system)) {
            quantity(rc, st, n);
            edited = true;
        }
    }
    S4S_EACH(c, n) {
        if ((c->type == S4S_J_OBJECT || c->type == S4S_J_ARRAY) && (!any || (c->kinds & any)))
            walk(rc, st, c, any);
    }
    /* only quantity() edits this object's own members (never adding a
     * referenceRange); after it, or should the one found be gone, ask again */
    if (n->type == S4S_J_OBJECT)
        ref_ranges(rc, st, n, edited || (k.rr && (k.rr->flags & S4S_NF_REMOVED))
                                  ? s4s_get(n, "referenceRange") : k.rr);
}

/* --- --vital-ranges ---------------------------------------------------------------- */

#define RANGES_MAX      1024       /* rows */
#define RANGES_MAX_TEXT (1u << 20) /* bytes of the file */

static int range_sort(const void *a, const void *b)
{
    return strcmp(((const s4s_units_range *)a)->loinc, ((const s4s_units_range *)b)->loinc);
}

static s4s_rc ranges_error(const char *path, unsigned line, const char *why)
{
    fprintf(stderr, "s4s-normalize: --vital-ranges %s line %u: %s\n", path, line, why);
    return S4S_ERR_FORMAT;
}

/* Read the TSV "LOINC unit low high [alt]" into st->own_ranges; the rows
 * point into st->own_text (the file, cut at tabs and newlines). */
static s4s_rc load_ranges(units_state *st, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "s4s-normalize: --vital-ranges %s: cannot open\n", path);
        return S4S_ERR_IO;
    }
    char *text = s4s_xmalloc(RANGES_MAX_TEXT + 1);
    size_t n = fread(text, 1, RANGES_MAX_TEXT + 1, f);
    fclose(f);
    st->own_text = text;
    if (n > RANGES_MAX_TEXT)
        return ranges_error(path, 0, "file larger than 1 MB");
    text[n] = 0;
    st->own_ranges = s4s_xcalloc(RANGES_MAX, sizeof *st->own_ranges);
    unsigned rows = 0, line = 0;
    for (char *p = text, *next; *p; p = next) {
        next = p + strcspn(p, "\n");
        if (*next)
            *next++ = 0;
        line++;
        size_t len = strlen(p);
        if (len && p[len - 1] == '\r')
            p[--len] = 0;
        if (!len || p[0] == '#')
            continue;
        char *fld[5] = {0};
        unsigned nf = 0;
        for (char *q = p; q && nf < 5; nf++) {
            fld[nf] = q;
            q = strchr(q, '\t');
            if (q)
                *q++ = 0;
        }
        if (nf < 4)
            return ranges_error(path, line, "expected LOINC, unit, low, high (tab separated)");
        s4s_ucum_result r;
        double lo, hi;
        if (!check(st, fld[1], &r))
            return ranges_error(path, line, "the unit is not valid UCUM");
        if (!s4s_ucum_parse_number(fld[2], &lo) || !s4s_ucum_parse_number(fld[3], &hi) || lo > hi)
            return ranges_error(path, line, "low and high must be numbers, low <= high");
        if (rows == RANGES_MAX)
            return ranges_error(path, line, "more than 1024 rows");
        st->own_ranges[rows++] = (s4s_units_range){fld[0], fld[1], lo, hi, fld[4] ? fld[4] : ""};
    }
    qsort(st->own_ranges, rows, sizeof *st->own_ranges, range_sort);
    for (unsigned i = 1; i < rows; i++)
        if (!strcmp(st->own_ranges[i].loinc, st->own_ranges[i - 1].loinc))
            return ranges_error(path, 0, "a LOINC code has two rows");
    st->ranges = st->own_ranges;
    st->n_ranges = rows;
    return S4S_OK;
}

/* --- the rule --------------------------------------------------------------------- */

static s4s_rc init(const s4s_opts *o, s4s_term *term, void **state)
{
    units_state *st = s4s_xcalloc(1, sizeof *st);
    *state = st; /* the pipe frees it, also when a later allocation fails */
    st->o = o;
    st->ucum = s4s_ucum_new();
    s4s_counter_init(&st->repairs, MAP_KEYS);
    s4s_counter_init(&st->traps, MAP_KEYS);
    s4s_counter_init(&st->invalid_units, MAP_KEYS);
    st->ranges = s4s_units_ranges;
    st->n_ranges = s4s_units_n_ranges;
    return o->vital_ranges ? load_ranges(st, o->vital_ranges) : S4S_OK;
}

static void apply(s4s_rctx *rc, void *state)
{
    if (rc->root)
        walk(rc, state, rc->root, s4s_rctx_kinds(rc) ? S4S_KK_VALUE | S4S_KK_RANGE : 0);
}

static void stats(void *state, s4s_jw *w)
{
    const units_state *st = state;
    s4s_jw_key(w, "units");
    s4s_jw_obj(w);
    s4s_jw_kuint(w, "quantities", st->seen);
    s4s_jw_kuint(w, "valid", st->valid);
    s4s_jw_kuint(w, "system_added", st->system_added);
    s4s_jw_kuint(w, "repaired", st->repaired);
    s4s_counter_write(&st->repairs, w, "repairs");
    s4s_jw_kuint(w, "traps_flagged", st->traps_flagged);
    s4s_jw_kuint(w, "traps_repaired", st->traps_repaired);
    s4s_counter_write(&st->traps, w, "traps");
    s4s_jw_kuint(w, "invalid", st->invalid);
    s4s_jw_kuint(w, "no_code", st->no_code);
    s4s_counter_write(&st->invalid_units, w, "invalid_units");
    s4s_jw_kuint(w, "dimension_warnings", st->dim_warnings);
    s4s_jw_kuint(w, "converted", st->converted);
    s4s_jw_kuint(w, "other_system", st->other_system);
    s4s_jw_kuint(w, "canonical_spelling", st->canonical);
    s4s_jw_kuint(w, "text_code_mismatch", st->text_code);
    s4s_jw_kuint(w, "implausible_vitals", st->implausible);
    s4s_jw_kuint(w, "range_errors", st->range_errors);
    s4s_jw_kuint(w, "range_warnings", st->range_warnings);
    s4s_jw_obj_end(w);
}

static void fini(void *state)
{
    units_state *st = state;
    if (!st)
        return;
    s4s_ucum_free(st->ucum);
    s4s_counter_free(&st->repairs);
    s4s_counter_free(&st->traps);
    s4s_counter_free(&st->invalid_units);
    free(st->own_ranges);
    free(st->own_text);
    free(st);
}

static void merge(void *into, const void *from)
{
    units_state *a = into;
    const units_state *b = from;
    uint64_t *const ac[] = {&a->seen, &a->valid, &a->system_added, &a->repaired, &a->traps_flagged,
                            &a->traps_repaired, &a->invalid, &a->no_code, &a->dim_warnings, &a->converted,
                            &a->other_system, &a->canonical, &a->text_code, &a->implausible,
                            &a->range_errors, &a->range_warnings};
    const uint64_t bc[] = {b->seen, b->valid, b->system_added, b->repaired, b->traps_flagged,
                           b->traps_repaired, b->invalid, b->no_code, b->dim_warnings, b->converted,
                           b->other_system, b->canonical, b->text_code, b->implausible,
                           b->range_errors, b->range_warnings};
    for (size_t i = 0; i < sizeof bc / sizeof bc[0]; i++)
        *ac[i] += bc[i];
    s4s_counter_merge(&a->repairs, &b->repairs);
    s4s_counter_merge(&a->traps, &b->traps);
    s4s_counter_merge(&a->invalid_units, &b->invalid_units);
}

const s4s_rule s4s_rule_units = {"units", init, apply, stats, NULL, fini, S4S_RULE_ANY, merge};
