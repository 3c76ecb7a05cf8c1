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
 *   - traps (valid UCUM, almost certainly wrong: pH, K/uL, F, C, ft,
 *     mL/min/1.73.m2) are flagged; they are repaired only when the
 *     Observation's LOINC code expects a unit commensurable with the intended
 *     one and not with the trap;
 *   - a unit whose dimension does not match what the LOINC code expects
 *     (vital-sign table, else the terminology cache's example unit or
 *     property) is a warning;
 *   - vital signs use the unit spelling US Core lists ("{beats}/min" ->
 *     "/min"), and with --convert-vitals weight -> kg, height/length -> cm,
 *     temperature -> Cel, blood pressure -> mm[Hg].
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
#include "../terminology/term.h"
#include "../terminology/ucum.h"

#define UCUM_URI   "http://unitsofmeasure.org"
#define UCUM_OID   "urn:oid:2.16.840.1.113883.6.8"
#define LOINC_URI  "http://loinc.org"
#define ORIG_URL   "http://s4s-normalize.org/fhir/StructureDefinition/original-quantity"
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
             invalid, no_code, dim_warnings, converted, other_system;
    s4s_counter repairs, traps, invalid_units;
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
        if (check(st, t, &rt) && !map_find(s4s_units_traps, s4s_units_n_traps, t))
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
    if (tr.unit && check(st, tr.unit, re) && !map_find(s4s_units_traps, s4s_units_n_traps, tr.unit))
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

static void convert_vital(s4s_rctx *rc, units_state *st, s4s_node *q, s4s_node *val_n,
                          const char *code, const char *target)
{
    char out[128], why[256];
    if (!val_n || val_n->type != S4S_J_NUMBER || !strcmp(code, target))
        return;
    s4s_rc r = s4s_ucum_convert_str(st->ucum, val_n->str, code, target, -1, out, sizeof out,
                                    why, sizeof why);
    if (r != S4S_OK) {
        s4s_issue(rc, S4S_SEV_WARNING, "value", q, "vital sign not converted: %s", why);
        return;
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
    s4s_buf_puts(&b, ",\"system\":\"" UCUM_URI "\",\"code\":");
    s4s_buf_json_str(&b, code, strlen(code));
    s4s_buf_puts(&b, "}}");
    if (b.over) {
        s4s_oom_pop(&h);
        s4s_buf_free(&b);
        return;
    }
    s4s_node *ext = s4s_get(q, "extension");
    if (ext && ext->type != S4S_J_ARRAY) {
        s4s_oom_pop(&h);
        s4s_buf_free(&b);
        return;   /* a malformed extension member: structure reports it */
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
    bool ucum_sys = sys_n && (s4s_str_eq(sys_n, UCUM_URI) || s4s_str_eq(sys_n, UCUM_OID));
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
    const s4s_units_map *trap = map_find(s4s_units_traps, s4s_units_n_traps, src);
    if (trap) {
        exp = expected_unit(st, rc, loinc, vital, &rexp);
        exp_done = true;
        check(st, src, &rcode);
        if (exp && check(st, trap->to, &rfix) && same_kind(&rfix, &rexp) && !same_kind(&rcode, &rexp)) {
            char *why = s4s_arena_printf(rc->arena, "`%s` is UCUM for %s; LOINC %s expects `%s`",
                                         src, trap->kind, loinc, exp);
            set_code(rc, st, q, code_n, code, trap->to, "ucum-trap", why);
            code_n = s4s_get(q, "code");
            st->traps_repaired++;
            cmap_add(&st->traps, src, NULL);
            final = trap->to;
        } else {
            s4s_issue(rc, S4S_SEV_WARNING, "code-invalid", code_n ? code_n : unit_n,
                      "UCUM `%s` means %s; probably `%s` was meant", src, trap->kind, trap->to);
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
            if (!sys_n)
                add_system(rc, st, q);
        } else {
            const char *fix = derive(st, rc, code, &rcode);
            if (!fix && unit && strcmp(unit, code)) {
                s4s_ucum_result ru;
                check(st, unit, &ru);
                fix = ru.valid && !map_find(s4s_units_traps, s4s_units_n_traps, unit)
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
    if (st->o->convert_vitals && vital->target)
        convert_vital(rc, st, q, val_n, final, vital->target);
}

static bool is_quantity(const s4s_node *n)
{
    const s4s_node *v = s4s_get(n, "value");
    if (!v || v->type != S4S_J_NUMBER)
        return false;
    return s4s_get(n, "unit") || s4s_get(n, "code") || s4s_get(n, "system");
}

/* Children are walked after the quantity itself; nodes inserted by edits
 * (the original-quantity extension) and earlier runs' original-quantity
 * extensions are history, never normalized again. */
static void walk(s4s_rctx *rc, units_state *st, s4s_node *n)
{
    if (n->flags & S4S_NF_INSERTED)
        return;
    if (n->type == S4S_J_OBJECT) {
        if (s4s_str_eq(s4s_get(n, "url"), ORIG_URL))
            return;
        if (is_quantity(n))
            quantity(rc, st, n);
    }
    S4S_EACH(c, n) {
        if (c->type == S4S_J_OBJECT || c->type == S4S_J_ARRAY)
            walk(rc, st, c);
    }
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
    *state = st;
    return S4S_OK;
}

static void apply(s4s_rctx *rc, void *state)
{
    if (rc->root)
        walk(rc, state, rc->root);
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
    free(st);
}

const s4s_rule s4s_rule_units = {"units", init, apply, stats, NULL, fini};
