/*
 * upgrade.c - DSTU2 and STU3 resources converted to FHIR R4 before any other
 * family runs, so every later family (structure, codes, units, invariants)
 * judges R4.
 *
 * A resource is converted when a row of the conversion table
 * (rules/tables/upgrade_map.c) matches it: every row names something R4 does
 * not have, so a match is the evidence.  The source version is DSTU2 if a
 * DSTU2-only row matched, else STU3 if an STU3-only row or an STU3 HINT row
 * (a member DSTU2 lacks) matched; a resource matched only by rows both
 * versions share takes its container's version, else the version last
 * settled in the same Bundle, else DSTU2 (--from= overrides all).  It gets
 * one "version-upgrade" repair, each element change its own "upgrade-element"
 * repair (all through the edit API), and rc->upgraded_from is set so the
 * structure family validates it as R4 instead of reporting an old version.
 *
 * Invariants: nothing is dropped: an element with no R4 home moves into the
 * standard cross-version extension
 * http://hl7.org/fhir/{1.0|3.0}/StructureDefinition/extension-<Type.path>
 * with an information issue naming the path.  Each contained resource is
 * detected and converted on its own (its `#id` references are left alone).
 * References to a type the table renames (MedicationOrder/1 ->
 * MedicationRequest/1) are rewritten in every resource of the stream,
 * converted or not: the new name follows from the old type name alone, so
 * no memory of earlier entries is needed and a reference to an entry later
 * in a Bundle is rewritten like any other.  Messages name paths and codes
 * only.
 *
 * State: per-run counters, the last Bundle's settled version and the last
 * type's runs in up_state (only the rules thread touches them); the table's
 * rows by type, indexed once per process (pthread_once), never change after.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "rule.h"
#include "tables/upgrade_map.h"
#include "../filter/base/alloc.h"
#include "../filter/base/buf.h"
#include "../filter/base/counter.h"
#include "../filter/base/jsonw.h"

#define KIND "upgrade-element"
#define THO "http://terminology.hl7.org/CodeSystem/"
#define MAX_KEYS 4096

typedef struct up_state {
    s4s_counter by_type[2];  /* [0] DSTU2, [1] STU3: resources by source type */
    s4s_counter to_ext;      /* elements moved into extensions, by path */
    const s4s_up_row **renames; /* the table's TYPE rows, for references */
    size_t      n_renames;
    uint64_t    rename_lens; /* bit n: some renamed type name is n bytes long */
    uint64_t    bundle;      /* the Bundle whose version bundle_ver was last settled */
    unsigned    bundle_ver;  /*   by a row only one version has */
    char        last_type[48]; /* the last resource type looked up (runs_of), */
    size_t      last_lo, last_hi; /* and its runs: by_type[last_lo .. last_hi) */
} up_state;

typedef struct up {
    s4s_rctx   *rc;
    up_state   *st;
    s4s_node   *root;  /* the resource converted: rc->root or one of its contained */
    unsigned    ver;   /* S4S_UP_DSTU2 or S4S_UP_STU3 */
    const char *type;  /* source resourceType */
} up;

/* --- small helpers --------------------------------------------------------- */

/* A JSON text with one escaped string value spliced in (`pre` value `post`). */
static s4s_node *insert_with_str(up *u, s4s_node *parent, s4s_node *ref, const char *key,
                                 const char *pre, const char *val, size_t n,
                                 const char *post, const char *why)
{
    s4s_buf b;
    s4s_buf_init(&b, 1u << 20);
    s4s_node *r = NULL;
    if (s4s_buf_puts(&b, pre) && s4s_buf_json_str(&b, val, n) && s4s_buf_puts(&b, post) &&
        s4s_buf_putc(&b, '\0'))
        r = s4s_edit_insert_json(u->rc, parent, ref, key, b.p, KIND, why);
    s4s_buf_free(&b);
    return r;
}

static s4s_node *array_member(up *u, s4s_node *obj, const char *key)
{
    s4s_node *a = s4s_get(obj, key);
    if (a && a->type == S4S_J_ARRAY)
        return a;
    return a ? NULL : s4s_edit_insert_json(u->rc, obj, NULL, key, "[]", KIND, "array added for R4");
}

/* value[x] type for a member moved into an extension, from its JSON shape;
 * NULL for an object that is no datatype (a backbone element) */
static const char *infer_type(const s4s_node *n)
{
    switch (n->type) {
    case S4S_J_TRUE: case S4S_J_FALSE: return "Boolean";
    case S4S_J_NUMBER: return strchr(n->str, '.') ? "Decimal" : "Integer";
    case S4S_J_STRING: return "String";
    case S4S_J_OBJECT:
        if (s4s_get(n, "coding") || s4s_get(n, "text")) return "CodeableConcept";
        if (s4s_get(n, "reference") || s4s_get(n, "display") || s4s_get(n, "identifier"))
            return "Reference";
        if (s4s_get(n, "start") || s4s_get(n, "end")) return "Period";
        if (s4s_get(n, "currency")) return "Money";
        if (s4s_is_str(s4s_get(n, "value"))) return "Identifier";
        if (s4s_get(n, "value") || s4s_get(n, "unit")) return "Quantity";
        if (s4s_get(n, "numerator") || s4s_get(n, "denominator")) return "Ratio";
        if (s4s_get(n, "low") || s4s_get(n, "high")) return "Range";
        if (s4s_get(n, "code") || s4s_get(n, "system")) return "Coding";
        if (s4s_get(n, "contentType") || s4s_get(n, "url") || s4s_get(n, "data"))
            return "Attachment";
        return NULL;
    default: return NULL;
    }
}

/* Each member of backbone object v becomes a sub-extension of `ext` (an
 * extension object), nested backbones recursively. */
static void backbone_ext(up *u, s4s_node *ext, s4s_node *v)
{
    s4s_node *sub = array_member(u, ext, "extension");
    S4S_EACH(c, v) {
        bool cmany = c->type == S4S_J_ARRAY;
        for (s4s_node *cv = cmany ? c->first : c; cv && sub; cv = cmany ? cv->next : NULL) {
            if (cv->flags & S4S_NF_REMOVED)
                continue;
            const char *t = infer_type(cv);
            if (!t && cv->type != S4S_J_OBJECT)
                continue;
            s4s_node *se = insert_with_str(u, sub, NULL, NULL, "{\"url\":", c->key, c->klen,
                                           "}", "sub-extension added");
            if (!se)
                continue;
            if (!t) {
                backbone_ext(u, se, cv);
                cv->flags |= S4S_NF_REMOVED;
                continue;
            }
            char key[64];
            snprintf(key, sizeof key, "value%s", t);
            s4s_edit_move(u->rc, cv, se, NULL, key, KIND, "value moved into its extension");
        }
    }
}

/* One extension per value of member m of `parent` (arrays give one each). */
static void to_extension(up *u, s4s_node *parent, s4s_node *m, const char *path, const char *vtype)
{
    char url[256];
    snprintf(url, sizeof url, "http://hl7.org/fhir/%s/StructureDefinition/extension-%s.%s",
             u->ver == S4S_UP_DSTU2 ? "1.0" : "3.0", u->type, path);
    s4s_node *ext = array_member(u, parent, "extension");
    if (!ext)
        return;
    bool many = m->type == S4S_J_ARRAY;
    for (s4s_node *v = many ? m->first : m; v; v = many ? v->next : NULL) {
        if (v->flags & S4S_NF_REMOVED)
            continue;
        s4s_node *e = insert_with_str(u, ext, NULL, NULL, "{\"url\":", url, strlen(url), "}",
                                      "extension added for an element R4 lacks");
        if (!e)
            return;
        /* vtype "": a backbone; NULL: each value's type from its shape */
        const char *t = vtype && *vtype ? vtype
                      : vtype && v->type == S4S_J_OBJECT ? NULL : infer_type(v);
        if (t) {
            char key[64];
            snprintf(key, sizeof key, "value%s", t);
            s4s_edit_move(u->rc, v, e, NULL, key, KIND, "value moved into its extension");
            continue;
        }
        backbone_ext(u, e, v); /* a backbone element: members become sub-extensions */
        v->flags |= S4S_NF_REMOVED;
    }
    if (many)
        m->flags |= S4S_NF_REMOVED;
    s4s_issue(u->rc, S4S_SEV_INFO, "informational", ext,
              "%s.%s has no R4 element: kept in extension %s", u->type, path, url);
    char key[160];
    int kn = snprintf(key, sizeof key, "%s.%s", u->type, path);
    s4s_counter_add(&u->st->to_ext, key, (size_t)kn < sizeof key ? (size_t)kn : sizeof key - 1, 0, 1);
}

static void rename_member(up *u, s4s_node *parent, s4s_node *m, const char *key, const char *path)
{
    if (strcmp(m->key, key) != 0 && s4s_get(parent, key)) {
        /* both names present: R4 has room for one, the other is kept aside */
        to_extension(u, parent, m, path, NULL);
        return;
    }
    s4s_edit_move(u->rc, m, parent, m, key, KIND, "member renamed for R4");
}

/* m (not an array) becomes the single item of an array named key */
static void wrap_list(up *u, s4s_node *parent, s4s_node *m, const char *key)
{
    if (m->type == S4S_J_ARRAY)
        return;
    s4s_node *a = s4s_edit_insert_json(u->rc, parent, m, key, "[]", KIND, "R4 makes this a list");
    if (a)
        s4s_edit_move(u->rc, m, a, NULL, NULL, KIND, "value moved into the list");
}

static void to_cc(up *u, s4s_node *parent, s4s_node *m, const char *system, const char *key)
{
    if (!s4s_is_str(m))
        return;
    char pre[256];
    snprintf(pre, sizeof pre, "{\"coding\":[{\"system\":\"%s\",\"code\":", system);
    if (insert_with_str(u, parent, m, key, pre, m->str, m->len, "}]}",
                        "code became a CodeableConcept for R4"))
        s4s_edit_remove(u->rc, m, KIND, "code moved into the CodeableConcept");
}

/* --- structural changes named in the table -------------------------------- */

static s4s_node *status_member(up *u)
{
    s4s_node *s = s4s_get(u->root, "status");
    return s ? s : s4s_edit_add_str(u->rc, u->root, "status", "", KIND, "status added");
}

/* wasNotGiven / notGiven / notPerformed / wasNotTaken: true sets the status */
static void fn_negation(up *u, s4s_node *m, const char *code)
{
    if (m->type == S4S_J_TRUE) {
        s4s_node *s = status_member(u);
        s4s_edit_set_str(u->rc, s, code, strlen(code), KIND, "negation flag became a status");
    }
    if (m->type == S4S_J_TRUE || m->type == S4S_J_FALSE)
        s4s_edit_remove(u->rc, m, KIND, "negation flag folded into status");
}

/* DSTU2 AllergyIntolerance.status -> clinicalStatus + verificationStatus */
static void fn_allergy_status(up *u, s4s_node *parent, s4s_node *m)
{
    static const struct { const char *v, *clinical, *verification; } map[] = {
        {"active", "active", NULL},           {"unconfirmed", "active", "unconfirmed"},
        {"confirmed", "active", "confirmed"}, {"inactive", "inactive", NULL},
        {"resolved", "resolved", NULL},       {"refuted", "inactive", "refuted"},
        {"entered-in-error", NULL, "entered-in-error"},
    };
    for (size_t i = 0; s4s_is_str(m) && i < sizeof map / sizeof map[0]; i++) {
        if (!s4s_str_eq(m, map[i].v))
            continue;
        s4s_node *ref = m;
        if (map[i].verification)
            insert_with_str(u, parent, ref, "verificationStatus",
                            "{\"coding\":[{\"system\":\"" THO "allergyintolerance-verification\",\"code\":",
                            map[i].verification, strlen(map[i].verification), "}]}",
                            "status became verificationStatus");
        if (map[i].clinical)
            insert_with_str(u, parent, ref, "clinicalStatus",
                            "{\"coding\":[{\"system\":\"" THO "allergyintolerance-clinical\",\"code\":",
                            map[i].clinical, strlen(map[i].clinical), "}]}",
                            "status became clinicalStatus");
        s4s_edit_remove(u->rc, m, KIND, "status split into clinicalStatus and verificationStatus");
        return;
    }
    to_extension(u, parent, m, "status", "Code");
}

/* DSTU2 Encounter.class code -> R4 Coding in v3 ActCode */
static void fn_encounter_class(up *u, s4s_node *parent, s4s_node *m)
{
    static const struct { const char *v, *act; } map[] = {
        {"inpatient", "IMP"}, {"outpatient", "AMB"}, {"ambulatory", "AMB"}, {"emergency", "EMER"},
        {"home", "HH"}, {"field", "FLD"}, {"daytime", "SS"}, {"virtual", "VR"},
    };
    for (size_t i = 0; s4s_is_str(m) && i < sizeof map / sizeof map[0]; i++)
        if (s4s_str_eq(m, map[i].v)) {
            if (insert_with_str(u, parent, m, "class",
                                "{\"system\":\"http://terminology.hl7.org/CodeSystem/v3-ActCode\",\"code\":",
                                map[i].act, strlen(map[i].act), "}", "class became a v3 ActCode Coding"))
                s4s_edit_remove(u->rc, m, KIND, "class code moved into the Coding");
            return;
        }
    if (s4s_is_str(m))
        to_extension(u, parent, m, "class", "Code");
}

/* DSTU2 HumanName.family (array of parts) -> one string */
static void fn_family(up *u, s4s_node *names)
{
    bool many = names->type == S4S_J_ARRAY;
    for (s4s_node *h = many ? names->first : names; h; h = many ? h->next : NULL) {
        s4s_node *f = h->type == S4S_J_OBJECT ? s4s_get(h, "family") : NULL;
        if (!f || f->type != S4S_J_ARRAY || (h->flags & S4S_NF_REMOVED))
            continue;
        s4s_buf b;
        s4s_buf_init(&b, 1u << 20);
        S4S_EACH(p, f)
            if (s4s_is_str(p))
                (void)((b.len && !s4s_buf_putc(&b, ' ')) || !s4s_buf_put(&b, p->str, p->len));
        if (!b.over && insert_with_str(u, h, f, "family", "", b.p ? b.p : "", b.len, "",
                                       "family parts joined into one string"))
            s4s_edit_remove(u->rc, f, KIND, "family parts moved into one string");
        s4s_buf_free(&b);
    }
}

/* dosage dose[x] and rate[x] -> doseAndRate[0] */
static void fn_dose_and_rate(up *u, s4s_node *m)
{
    static const struct { const char *from, *to; } keys[] = {
        {"doseQuantity", "doseQuantity"}, {"doseRange", "doseRange"},
        {"quantityQuantity", "doseQuantity"}, {"quantityRange", "doseRange"},
        {"rateRatio", "rateRatio"}, {"rateRange", "rateRange"}, {"rateQuantity", "rateQuantity"},
    };
    if (m->type != S4S_J_ARRAY)
        return;
    S4S_EACH(d, m) {
        if (d->type != S4S_J_OBJECT)
            continue;
        s4s_node *dar = NULL;
        for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
            s4s_node *v = s4s_get(d, keys[i].from);
            if (!v)
                continue;
            if (!dar) {
                dar = s4s_edit_insert_json(u->rc, d, v, "doseAndRate", "[{}]", KIND,
                                           "dose and rate moved into doseAndRate");
                if (!dar)
                    return;
            }
            s4s_edit_move(u->rc, v, dar->first, NULL, keys[i].to, KIND, "moved into doseAndRate");
        }
        s4s_node *site = s4s_get(d, "siteCodeableConcept");
        if (site)
            s4s_edit_move(u->rc, site, d, site, "site", KIND, "member renamed for R4");
        s4s_node *add = s4s_get(d, "additionalInstructions");
        if (add)
            wrap_list(u, d, add, "additionalInstruction");
    }
}

/* DSTU2 Reference -> [{actor: Reference}] */
static void fn_performer_actor(up *u, s4s_node *parent, s4s_node *m)
{
    if (m->type != S4S_J_OBJECT)
        return;
    s4s_node *a = s4s_edit_insert_json(u->rc, parent, m, "performer", "[{}]", KIND,
                                       "performer became a list of actors");
    if (a)
        s4s_edit_move(u->rc, m, a->first, NULL, "actor", KIND, "reference moved into performer.actor");
}

/* true when the space-separated word list `list` holds name (NULL: any) */
static bool in_list(const char *list, const char *name, size_t n)
{
    if (!list)
        return true;
    for (const char *w = list; *w; ) {
        size_t l = strcspn(w, " ");
        if (l == n && !memcmp(w, name, n))
            return true;
        w += l + (w[l] == ' ');
    }
    return false;
}

/* Members of backbone m (Immunization.explanation, Medication.product; only
 * those named in `only` when not NULL) move up to the resource; m goes once
 * empty. */
static void fn_hoist(up *u, s4s_node *parent, s4s_node *m, const char *path, const char *only)
{
    if (m->type != S4S_J_OBJECT)
        return;
    S4S_EACH(c, m) {
        if (!in_list(only, c->key, c->klen))
            continue;
        s4s_node *have = s4s_get(parent, c->key);
        if (have && have->type == S4S_J_ARRAY && c->type == S4S_J_ARRAY) {
            S4S_EACH(i, c)
                s4s_edit_move(u->rc, i, have, NULL, NULL, KIND, "moved up to the resource");
            c->flags |= S4S_NF_REMOVED;
        } else if (!have) {
            s4s_edit_move(u->rc, c, parent, m, c->key, KIND, "moved up to the resource");
        } else {
            to_extension(u, parent, c, path, NULL);
        }
    }
    bool left = false;
    S4S_EACH(c, m)
        left = true;
    if (!left)
        s4s_edit_remove(u->rc, m, KIND, "emptied element removed");
}

/* Observation.related: has-member -> hasMember, derived-from -> derivedFrom */
static void fn_related(up *u, s4s_node *parent, s4s_node *m)
{
    if (m->type != S4S_J_ARRAY)
        return;
    bool rest = false;
    S4S_EACH(r, m) {
        s4s_node *t = r->type == S4S_J_OBJECT ? s4s_get(r, "target") : NULL;
        const char *key = NULL;
        if (t && s4s_str_eq(s4s_get(r, "type"), "has-member")) key = "hasMember";
        else if (t && s4s_str_eq(s4s_get(r, "type"), "derived-from")) key = "derivedFrom";
        s4s_node *to = key ? array_member(u, parent, key) : NULL;
        if (!to) {
            rest = true;
            continue;
        }
        s4s_edit_move(u->rc, t, to, NULL, NULL, KIND, "related target moved");
        r->flags |= S4S_NF_REMOVED;
    }
    if (rest)
        to_extension(u, parent, m, "related", "");
    else
        s4s_edit_remove(u->rc, m, KIND, "related emptied");
}

/* A Coding (system/code, no coding list): DSTU2 used it where R4 has a
 * CodeableConcept */
static bool is_coding(const s4s_node *n)
{
    return n->type == S4S_J_OBJECT && !s4s_get(n, "coding") && !s4s_get(n, "text") &&
           (s4s_get(n, "code") || s4s_get(n, "system"));
}

/* the value, or for an array any item, passes test */
static bool any_value(const s4s_node *m, bool (*test)(const s4s_node *))
{
    if (m->type != S4S_J_ARRAY)
        return test(m);
    S4S_EACH(c, m)
        if (test(c))
            return true;
    return false;
}

static void wrap_coding(up *u, s4s_node *parent, s4s_node *c)
{
    s4s_node *cc = s4s_edit_insert_json(u->rc, parent, c, c->key, "{\"coding\":[]}", KIND,
                                        "Coding became a CodeableConcept for R4");
    if (cc)
        s4s_edit_move(u->rc, c, s4s_get(cc, "coding"), NULL, NULL, KIND,
                      "Coding moved into the CodeableConcept");
}

/* Coding (or a list of them) -> CodeableConcept(s), in place */
static void fn_coding_cc(up *u, s4s_node *parent, s4s_node *m)
{
    if (m->type != S4S_J_ARRAY) {
        if (is_coding(m))
            wrap_coding(u, parent, m);
        return;
    }
    S4S_EACH(c, m)
        if (is_coding(c))
            wrap_coding(u, m, c);
}

/* DSTU2/STU3 Money is a Quantity (value, unit, system urn:iso:std:iso:4217,
 * code); R4 Money is value + currency (bound to ISO 4217 itself). */
static bool is_old_money(const s4s_node *m)
{
    return m->type == S4S_J_OBJECT &&
           (s4s_get(m, "code") || s4s_get(m, "system") || s4s_get(m, "unit"));
}

static void fn_money(up *u, s4s_node *m, const char *path)
{
    static const char iso[] = "urn:iso:std:iso:4217";
    bool many = m->type == S4S_J_ARRAY;
    for (s4s_node *v = many ? m->first : m; v; v = many ? v->next : NULL) {
        if ((v->flags & S4S_NF_REMOVED) || !is_old_money(v))
            continue;
        s4s_node *code = s4s_get(v, "code"), *sys = s4s_get(v, "system"), *unit = s4s_get(v, "unit");
        bool iso_sys = !sys || s4s_str_eq(sys, iso);
        s4s_node *src = code && s4s_is_str(code) && iso_sys ? code
                      : !code && unit && s4s_is_str(unit) && iso_sys ? unit : NULL;
        s4s_node *cur = src ? s4s_edit_move(u->rc, src, v, src, "currency", KIND,
                                            "Money code became currency") : NULL;
        if (cur && sys)
            s4s_edit_remove(u->rc, sys, KIND, "ISO 4217 is the system of Money.currency in R4");
        if (unit && unit != src && cur && s4s_is_str(unit) && unit->len == cur->len &&
            !memcmp(unit->str, cur->str, cur->len))
            s4s_edit_remove(u->rc, unit, KIND, "unit repeated the currency");
        char sub[160];
        static const char *const keys[] = {"code", "system", "unit"};
        static const char *const types[] = {"Code", "Uri", "String"};
        for (size_t i = 0; i < 3; i++) {
            s4s_node *left = s4s_get(v, keys[i]);
            if (!left)
                continue;
            snprintf(sub, sizeof sub, "%s.%s", path, keys[i]);
            to_extension(u, v, left, sub, types[i]);
        }
    }
}

/* Goal.status (DSTU2, STU3) -> lifecycleStatus, with the progress part in
 * achievementStatus; a progress code R4 lacks is kept in an extension */
static void fn_goal_status(up *u, s4s_node *parent, s4s_node *m)
{
    static const struct { const char *v, *life, *ach; } map[] = {
        {"proposed", "proposed", NULL},   {"planned", "planned", NULL},
        {"accepted", "accepted", NULL},   {"rejected", "rejected", NULL},
        {"on-hold", "on-hold", NULL},     {"cancelled", "cancelled", NULL},
        {"entered-in-error", "entered-in-error", NULL},
        {"in-progress", "active", "in-progress"}, {"sustaining", "active", "sustaining"},
        {"achieved", "completed", "achieved"},    {"on-target", "active", ""},
        {"ahead-of-target", "active", ""},        {"behind-target", "active", ""},
    };
    if (!s4s_is_str(m))
        return;
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
        if (!s4s_str_eq(m, map[i].v))
            continue;
        if (map[i].ach && !*map[i].ach) {
            to_extension(u, parent, m, "status", "Code");
            s4s_edit_add_str(u->rc, parent, "lifecycleStatus", map[i].life, KIND,
                             "status became lifecycleStatus");
            return;
        }
        s4s_node *ls = s4s_edit_move(u->rc, m, parent, m, "lifecycleStatus", KIND,
                                     "status became lifecycleStatus");
        if (strcmp(map[i].v, map[i].life) != 0)
            s4s_edit_set_str(u->rc, ls, map[i].life, strlen(map[i].life), KIND,
                             "status code mapped to the R4 lifecycle");
        if (map[i].ach)
            insert_with_str(u, parent, ls, "achievementStatus",
                            "{\"coding\":[{\"system\":\"" THO "goal-achievement\",\"code\":",
                            map[i].ach, strlen(map[i].ach), "}]}",
                            "progress part of status became achievementStatus");
        return;
    }
    s4s_edit_move(u->rc, m, parent, m, "lifecycleStatus", KIND, "status became lifecycleStatus");
}

/* DSTU2 Goal.targetDate / targetQuantity -> target[0].dueDate / detailQuantity */
static void fn_goal_target(up *u, s4s_node *parent, s4s_node *m)
{
    const char *key = s4s_key_eq(m, "targetDate") ? "dueDate" : "detailQuantity";
    s4s_node *t = s4s_get(parent, "target");
    if (!t)
        t = s4s_edit_insert_json(u->rc, parent, m, "target", "[{}]", KIND, "target added for R4");
    s4s_node *item = t && t->type == S4S_J_ARRAY ? s4s_at(t, 0) : NULL;
    if (item && item->type == S4S_J_OBJECT && !s4s_get(item, key))
        s4s_edit_move(u->rc, m, item, NULL, key, KIND, "moved into Goal.target");
    else
        to_extension(u, parent, m, s4s_key_eq(m, "targetDate") ? "targetDate" : "targetQuantity", NULL);
}

/* DSTU2 Goal.outcome[].result[x] -> outcomeCode[] / outcomeReference[] */
static void fn_goal_outcome(up *u, s4s_node *parent, s4s_node *m)
{
    if (m->type != S4S_J_ARRAY)
        return;
    bool rest = false;
    S4S_EACH(o, m) {
        unsigned live = 0;
        if (o->type == S4S_J_OBJECT)
            S4S_EACH(c, o)
                live++;
        s4s_node *cc = o->type == S4S_J_OBJECT ? s4s_get(o, "resultCodeableConcept") : NULL;
        s4s_node *ref = o->type == S4S_J_OBJECT ? s4s_get(o, "resultReference") : NULL;
        s4s_node *to = live == 1 && (cc || ref)
                     ? array_member(u, parent, cc ? "outcomeCode" : "outcomeReference") : NULL;
        if (!to) {
            rest = true;
            continue;
        }
        s4s_edit_move(u->rc, cc ? cc : ref, to, NULL, NULL, KIND, "outcome result moved");
        o->flags |= S4S_NF_REMOVED;
    }
    if (rest)
        to_extension(u, parent, m, "outcome", "");
    else
        s4s_edit_remove(u->rc, m, KIND, "outcome emptied");
}

/* a string -> CodeableConcept with that text, in place (Goal.description) */
static void fn_text_cc(up *u, s4s_node *parent, s4s_node *m)
{
    if (!s4s_is_str(m))
        return;
    s4s_node *cc = s4s_edit_insert_json(u->rc, parent, m, m->key, "{}", KIND,
                                        "text became a CodeableConcept for R4");
    if (cc)
        s4s_edit_move(u->rc, m, cc, NULL, "text", KIND, "text moved into the CodeableConcept");
}

/* STU3 requester {agent, onBehalfOf} -> the agent Reference */
static void fn_requester_agent(up *u, s4s_node *parent, s4s_node *m)
{
    s4s_node *ag = m->type == S4S_J_OBJECT ? s4s_get(m, "agent") : NULL;
    if (!ag)
        return;
    s4s_node *ob = s4s_get(m, "onBehalfOf");
    if (ob)
        to_extension(u, parent, ob, "requester.onBehalfOf", "Reference");
    s4s_edit_move(u->rc, ag, parent, m, "requester", KIND, "requester.agent became requester");
    s4s_edit_remove(u->rc, m, KIND, "requester.agent moved up");
}

/* STU3 ExplanationOfBenefit.insurance (one) -> insurance[] with focal */
static void fn_eob_insurance(up *u, s4s_node *parent, s4s_node *m)
{
    if (m->type != S4S_J_OBJECT)
        return;
    wrap_list(u, parent, m, "insurance");
    s4s_node *a = s4s_get(parent, "insurance");
    s4s_node *item = a && a->type == S4S_J_ARRAY ? s4s_at(a, 0) : NULL;
    if (item && item->type == S4S_J_OBJECT && !s4s_get(item, "focal"))
        s4s_edit_insert_json(u->rc, item, NULL, "focal", "true", KIND,
                             "the only insurance is the focal one");
}

/* STU3 ExplanationOfBenefit.totalCost / totalBenefit -> total[] with an
 * adjudication category */
static void fn_eob_total(up *u, s4s_node *parent, s4s_node *m, const char *category)
{
    s4s_node *total = array_member(u, parent, "total");
    s4s_node *t = total ? insert_with_str(u, total, NULL, NULL,
                                          "{\"category\":{\"coding\":[{\"system\":\"" THO
                                          "adjudication\",\"code\":", category, strlen(category),
                                          "}]}}", "total added for R4") : NULL;
    if (t)
        s4s_edit_move(u->rc, m, t, NULL, "amount", KIND, "amount moved into total");
}

/* a CodeableConcept of one code -> that code (STU3 ExplanationOfBenefit.outcome) */
static void fn_cc_code(up *u, s4s_node *parent, s4s_node *m, const char *path)
{
    if (m->type != S4S_J_OBJECT)
        return;
    s4s_node *cs = s4s_get(m, "coding");
    s4s_node *c0 = cs && cs->type == S4S_J_ARRAY ? s4s_at(cs, 0) : NULL;
    const char *code = c0 && c0->type == S4S_J_OBJECT ? s4s_get_str(c0, "code") : NULL;
    if (code && !s4s_at(cs, 1) &&
        insert_with_str(u, parent, m, m->key, "", code, strlen(code), "",
                        "CodeableConcept became a code for R4"))
        s4s_edit_remove(u->rc, m, KIND, "code taken from the CodeableConcept");
    else
        to_extension(u, parent, m, path, "CodeableConcept");
}

/* --- the table engine ---------------------------------------------------- */

static bool family_array(const s4s_node *names)
{
    bool many = names->type == S4S_J_ARRAY;
    for (const s4s_node *h = many ? names->first : names; h; h = many ? h->next : NULL) {
        const s4s_node *f = h->type == S4S_J_OBJECT ? s4s_get(h, "family") : NULL;
        if (f && f->type == S4S_J_ARRAY)
            return true;
    }
    return false;
}

/* Does m have the JSON shape of value[x] type vtype ("" a backbone)?  An
 * EXT row is evidence only then: STU3 may reuse a DSTU2 name with another
 * type (Goal.statusReason: CodeableConcept in DSTU2, string in STU3). */
static bool ext_shape_ok(const char *vtype, const s4s_node *m)
{
    const s4s_node *v = m->type == S4S_J_ARRAY ? s4s_at(m, 0) : m;
    if (!v)
        return false;
    if (!strcmp(vtype, "Boolean"))
        return v->type == S4S_J_TRUE || v->type == S4S_J_FALSE;
    if (!strcmp(vtype, "Decimal") || !strcmp(vtype, "Integer"))
        return v->type == S4S_J_NUMBER;
    if (!strcmp(vtype, "String") || !strcmp(vtype, "Code") || !strcmp(vtype, "Date") ||
        !strcmp(vtype, "DateTime") || !strcmp(vtype, "Uri"))
        return v->type == S4S_J_STRING;
    return v->type == S4S_J_OBJECT;
}

/* Is leaf m (the member at the row's path) evidence of an old version? */
static bool row_matches(const s4s_up_row *r, const s4s_node *m)
{
    if (r->op == S4S_UP_TYPE)
        return true;
    if (!m || r->op == S4S_UP_ADD)
        return false;
    switch (r->op) {
    case S4S_UP_CODE: return s4s_str_eq(m, r->arg);
    case S4S_UP_CC:   return s4s_is_str(m);
    case S4S_UP_LIST: return m->type != S4S_J_ARRAY;
    case S4S_UP_NOTE: return m->type != S4S_J_ARRAY && m->type != S4S_J_OBJECT;
    case S4S_UP_EXT:  return ext_shape_ok(r->arg, m);
    case S4S_UP_FN:
        if (!strcmp(r->arg, "family-string")) return family_array(m);
        if (!strcmp(r->arg, "dose-and-rate")) return false; /* shapes R4 shares */
        if (!strcmp(r->arg, "performer-actor")) return m->type == S4S_J_OBJECT;
        if (!strcmp(r->arg, "encounter-class")) return s4s_is_str(m);
        if (!strcmp(r->arg, "coding-cc")) return any_value(m, is_coding);
        if (!strcmp(r->arg, "money")) return any_value(m, is_old_money);
        if (!strcmp(r->arg, "text-cc")) return s4s_is_str(m);
        if (!strcmp(r->arg, "requester-agent")) return m->type == S4S_J_OBJECT && s4s_get(m, "agent");
        if (!strcmp(r->arg, "eob-insurance") || !strcmp(r->arg, "cc-code"))
            return m->type == S4S_J_OBJECT;
        return true;
    default:          return true;
    }
}

static void apply_row(up *u, const s4s_up_row *r, s4s_node *parent, s4s_node *m, const char *leaf)
{
    const char *path = r->path;
    switch (r->op) {
    case S4S_UP_TYPE:
        s4s_edit_set_str(u->rc, s4s_get(u->root, "resourceType"), r->arg, strlen(r->arg), KIND,
                         "resource type renamed for R4");
        break;
    case S4S_UP_RENAME: rename_member(u, parent, m, r->arg, path); break;
    case S4S_UP_CODE:
        if (r->arg2)
            s4s_edit_set_str(u->rc, m, r->arg2, strlen(r->arg2), KIND, "code renamed for R4");
        break;
    case S4S_UP_CC:   to_cc(u, parent, m, r->arg, r->arg2 ? r->arg2 : leaf); break;
    case S4S_UP_LIST: wrap_list(u, parent, m, r->arg ? r->arg : leaf); break;
    case S4S_UP_NOTE: {
        if (m->type == S4S_J_ARRAY || m->type == S4S_J_OBJECT)
            break;
        s4s_node *a = s4s_edit_insert_json(u->rc, parent, m, r->arg, "[{}]", KIND,
                                           "value wrapped in an R4 element");
        if (a)
            s4s_edit_move(u->rc, m, a->first, NULL, r->arg2 ? r->arg2 : "text", KIND,
                          "value moved into the wrapping element");
        break;
    }
    case S4S_UP_ONE: {
        if (m->type != S4S_J_ARRAY)
            break;
        s4s_node *first = s4s_at(m, 0), *have = s4s_get(parent, r->arg);
        if (first && (!have || have == m))
            s4s_edit_move(u->rc, first, parent, m, r->arg, KIND, "R4 keeps one: the first item");
        if (s4s_at(m, 0))
            to_extension(u, parent, m, path, NULL);
        else
            s4s_edit_remove(u->rc, m, KIND, "list emptied into the R4 element");
        break;
    }
    case S4S_UP_ADD:
        if (!s4s_get(parent, r->arg))
            s4s_edit_add_str(u->rc, parent, r->arg, r->arg2, KIND, "R4 requires this element");
        break;
    case S4S_UP_EXT: to_extension(u, parent, m, path, r->arg); break;
    case S4S_UP_HINT: break;
    case S4S_UP_FN:
        if (!strcmp(r->arg, "not-done")) fn_negation(u, m, "not-done");
        else if (!strcmp(r->arg, "not-taken")) fn_negation(u, m, "not-taken");
        else if (!strcmp(r->arg, "primary-source")) {
            if (m->type == S4S_J_TRUE || m->type == S4S_J_FALSE) {
                if (s4s_edit_insert_json(u->rc, parent, m, "primarySource",
                                         m->type == S4S_J_TRUE ? "false" : "true", KIND,
                                         "primarySource is the inverse of reported"))
                    s4s_edit_remove(u->rc, m, KIND, "reported replaced by primarySource");
            }
        }
        else if (!strcmp(r->arg, "allergy-status")) fn_allergy_status(u, parent, m);
        else if (!strcmp(r->arg, "encounter-class")) fn_encounter_class(u, parent, m);
        else if (!strcmp(r->arg, "family-string")) fn_family(u, m);
        else if (!strcmp(r->arg, "dose-and-rate")) fn_dose_and_rate(u, m);
        else if (!strcmp(r->arg, "performer-actor")) fn_performer_actor(u, parent, m);
        else if (!strcmp(r->arg, "hoist")) fn_hoist(u, parent, m, path, r->arg2);
        else if (!strcmp(r->arg, "coding-cc")) fn_coding_cc(u, parent, m);
        else if (!strcmp(r->arg, "money")) fn_money(u, m, path);
        else if (!strcmp(r->arg, "goal-status")) fn_goal_status(u, parent, m);
        else if (!strcmp(r->arg, "goal-target")) fn_goal_target(u, parent, m);
        else if (!strcmp(r->arg, "goal-outcome")) fn_goal_outcome(u, parent, m);
        else if (!strcmp(r->arg, "text-cc")) fn_text_cc(u, parent, m);
        else if (!strcmp(r->arg, "requester-agent")) fn_requester_agent(u, parent, m);
        else if (!strcmp(r->arg, "eob-organization"))
            rename_member(u, parent, m, u->ver == S4S_UP_DSTU2 ? "insurer" : "provider", path);
        else if (!strcmp(r->arg, "eob-insurance")) fn_eob_insurance(u, parent, m);
        else if (!strcmp(r->arg, "eob-total")) fn_eob_total(u, parent, m, r->arg2);
        else if (!strcmp(r->arg, "cc-code")) fn_cc_code(u, parent, m, path);
        else if (!strcmp(r->arg, "observation-related")) fn_related(u, parent, m);
        break;
    }
}

/* Apply row r to every member at its dotted path below obj (arrays fan
 * out) that matches it; functions check shapes themselves (some convert
 * without being evidence), so they see every member found. */
static void each_leaf(up *u, const s4s_up_row *r, s4s_node *obj, const char *path)
{
    size_t n = 0; /* segments are short: no library call */
    while (path[n] && path[n] != '.')
        n++;
    const char *dot = path[n] ? path + n : NULL;
    if (n == 0) {
        apply_row(u, r, obj, NULL, "");
        return;
    }
    if (n >= 64) /* no FHIR member name is this long */
        return;
    s4s_node *m = s4s_getn(obj, path, n);
    if (!m)
        return;
    if (!dot) {
        if (r->op == S4S_UP_FN || row_matches(r, m))
            apply_row(u, r, obj, m, path); /* the last segment: NUL-terminated */
        return;
    }
    bool many = m->type == S4S_J_ARRAY;
    for (s4s_node *i = many ? m->first : m; i; i = many ? i->next : NULL)
        if (!(i->flags & S4S_NF_REMOVED) && i->type == S4S_J_OBJECT)
            each_leaf(u, r, i, dot + 1);
}

/* The end of the run of rows from i whose type is the same string: the
 * table writes each type's rows together with one literal, so one strcmp
 * per run decides them all (a run split in two only costs a second one). */
static size_t run_end(size_t i)
{
    const char *t = s4s_up_rows[i].type;
    while (++i < s4s_up_n_rows && s4s_up_rows[i].type == t)
        ;
    return i;
}

/* A 64-bit summary of member names: one bit per (length, first byte, last
 * byte).  A name whose bit is clear in an object's summary is not among its
 * members, so a row whose first segment is absent costs no member scan. */
static uint64_t name_bit(const char *k, size_t n)
{
    return 1ull << ((n * 7 + (unsigned char)k[0] * 3 + (unsigned char)k[n - 1]) & 63);
}

/* The runs, found once per process (the table is constant): run k is rows
 * run_first[k] .. run_first[k + 1], so a resource looks at each type once
 * instead of at each row. */
static uint16_t run_first[S4S_UP_MAX_ROWS + 1];
static size_t n_runs;
static pthread_once_t runs_once = PTHREAD_ONCE_INIT;

/* Detection only asks whether some row matches, and a run's paths share
 * their leading segments (Claim: item.net, item.udi, item.detail.net...):
 * each run's paths form a tree of segments, so a resource is walked once
 * per segment instead of once per row, and an object's summary of member
 * names (name_bit) skips the segments it lacks without a member scan.
 * seg 0 .. n_runs-1 are the runs' roots (their rows: empty paths). */
#define SEG_MAX (S4S_UP_MAX_ROWS * 4)
typedef struct segment {
    const char *name;
    size_t      len;
    uint64_t    bit;
    int         kid, sib, row; /* first child, next sibling, first row ending here; -1: none */
} segment;
static segment segs[SEG_MAX];
static size_t n_segs;
static int row_next[S4S_UP_MAX_ROWS]; /* the next row ending at the same segment */

static int seg_child(int at, const char *name, size_t len)
{
    for (int k = segs[at].kid; k >= 0; k = segs[k].sib)
        if (segs[k].len == len && !memcmp(segs[k].name, name, len))
            return k;
    if (n_segs == SEG_MAX)
        return -1;
    int k = (int)n_segs++;
    segs[k] = (segment){name, len, name_bit(name, len), -1, segs[at].kid, -1};
    segs[at].kid = k;
    return k;
}

/* Row r under run root `at`; a row each_leaf could never match (an empty
 * or overlong segment: the table has none) is left out, as is one the tree
 * has no room for (SEG_MAX is four segments a row, as many as the table's
 * deepest path has). */
static void seg_add(int at, size_t r)
{
    const char *p = s4s_up_rows[r].path;
    while (*p) {
        size_t n = strcspn(p, ".");
        if (n == 0 || n >= 64 || (at = seg_child(at, p, n)) < 0)
            return;
        p += n;
        if (*p)
            p++;
    }
    row_next[r] = segs[at].row;
    segs[at].row = (int)r;
}

/* The runs by the name of their type, each type's in table order: a
 * resource finds its type's by one search, not a test of every run. */
static uint16_t by_type[S4S_UP_MAX_ROWS];

static int by_type_cmp(const void *a, const void *b)
{
    uint16_t x = *(const uint16_t *)a, y = *(const uint16_t *)b;
    int c = strcmp(s4s_up_rows[run_first[x]].type, s4s_up_rows[run_first[y]].type);
    return c ? c : (x > y) - (x < y);
}

static void runs_init(void)
{
    size_t i = 0;
    while (i < s4s_up_n_rows) {
        run_first[n_runs++] = (uint16_t)i;
        i = run_end(i);
    }
    run_first[n_runs] = (uint16_t)i;
    for (size_t k = 0; k < n_runs; k++)
        by_type[k] = (uint16_t)k;
    qsort(by_type, n_runs, sizeof by_type[0], by_type_cmp);
    for (size_t k = 0; k < n_runs; k++)
        segs[k] = (segment){"", 0, 0, -1, -1, -1};
    n_segs = n_runs;
    for (size_t k = 0; k < n_runs; k++)
        for (size_t r = run_first[k]; r < run_first[k + 1]; r++)
            seg_add((int)k, r);
}

/* The runs of u's type: by_type[*lo .. *hi).  Resources of one type often
 * come together, so the last answer is kept. */
static void runs_of(up *u, size_t *lo, size_t *hi)
{
    up_state *st = u->st;
    size_t n = strlen(u->type);
    if (n < sizeof st->last_type && !memcmp(st->last_type, u->type, n + 1)) {
        *lo = st->last_lo;
        *hi = st->last_hi;
        return;
    }
    size_t a = 0, b = n_runs;
    while (a < b) {
        size_t mid = (a + b) / 2;
        if (strcmp(s4s_up_rows[run_first[by_type[mid]]].type, u->type) < 0) a = mid + 1;
        else b = mid;
    }
    *lo = a;
    while (a < n_runs && !strcmp(s4s_up_rows[run_first[by_type[a]]].type, u->type))
        a++;
    *hi = a;
    if (n < sizeof st->last_type) {
        memcpy(st->last_type, u->type, n + 1);
        st->last_lo = *lo;
        st->last_hi = *hi;
    }
}

static uint64_t names_of(const s4s_node *obj)
{
    uint64_t bits = 0;
    for (const s4s_node *c = obj->first; c; c = c->next) /* removed ones too: a superset is safe */
        if (c->klen)
            bits |= name_bit(c->key, c->klen);
    return bits;
}

/* A row's verdict on member m (NULL: none) into seen and hint. */
static void note_row(const s4s_up_row *r, const s4s_node *m, unsigned *seen, unsigned *hint)
{
    if (!row_matches(r, m))
        return;
    if (r->op == S4S_UP_HINT)
        *hint |= r->from;
    else
        *seen |= r->from == S4S_UP_BOTH ? 4u : r->from;
}

/* The rows below segment s, on obj (the members each_leaf would find for
 * each, all at once): detection edits nothing, so the order does not
 * matter. */
static void seg_detect(const segment *s, const s4s_node *obj, unsigned *seen, unsigned *hint)
{
    uint64_t have = names_of(obj);
    for (int k = s->kid; k >= 0; k = segs[k].sib) {
        const segment *c = &segs[k];
        if (!(have & c->bit))
            continue;
        const s4s_node *m = s4s_getn(obj, c->name, c->len);
        if (!m)
            continue;
        for (int r = c->row; r >= 0; r = row_next[r])
            note_row(&s4s_up_rows[r], m, seen, hint);
        if (c->kid < 0)
            continue;
        bool many = m->type == S4S_J_ARRAY;
        for (const s4s_node *i = many ? m->first : m; i; i = many ? i->next : NULL)
            if (!(i->flags & S4S_NF_REMOVED) && i->type == S4S_J_OBJECT)
                seg_detect(c, i, seen, hint);
    }
}

/* Source version of the resource: 0 when no row gives evidence.  dflt: the
 * container's version for a contained resource, else 0. */
static unsigned detect(up *u, unsigned dflt)
{
    unsigned seen = 0, hint = 0;
    pthread_once(&runs_once, runs_init);
    size_t lo, hi;
    runs_of(u, &lo, &hi);
    for (size_t i = lo; i < hi; i++) {
        size_t k = by_type[i];
        for (int e = segs[k].row; e >= 0; e = row_next[e]) /* empty paths */
            note_row(&s4s_up_rows[e], NULL, &seen, &hint);
        seg_detect(&segs[k], u->root, &seen, &hint);
    }
    if (!seen)
        return 0;
    if (u->rc->opts->upgrade_from)
        return u->rc->opts->upgrade_from;
    if (seen & S4S_UP_DSTU2) {
        if (u->rc->bundle) {
            u->st->bundle = u->rc->bundle;
            u->st->bundle_ver = S4S_UP_DSTU2;
        }
        return S4S_UP_DSTU2;
    }
    unsigned ver = (seen & S4S_UP_STU3) || hint == S4S_UP_STU3 ? S4S_UP_STU3 : 0;
    if (ver && u->rc->bundle) {
        u->st->bundle = u->rc->bundle;
        u->st->bundle_ver = ver;
    }
    if (ver)
        return ver;
    /* only rows both versions share: the container's version, else the last
     * one named in this Bundle, else the older shape */
    if (dflt)
        return dflt;
    if (u->rc->bundle && u->rc->bundle == u->st->bundle)
        return u->st->bundle_ver;
    return S4S_UP_DSTU2;
}

/* System URIs that R4 moved to terminology.hl7.org. */
static void rewrite_systems(up *u, s4s_node *n)
{
    S4S_EACH(c, n) {
        if (c->type == S4S_J_OBJECT || c->type == S4S_J_ARRAY) {
            rewrite_systems(u, c);
            continue;
        }
        if (!s4s_is_str(c) || !c->key || !s4s_key_eq(c, "system"))
            continue;
        for (size_t i = 0; i < s4s_up_n_systems; i++)
            if (s4s_str_eq(c, s4s_up_systems[i].old_uri)) {
                s4s_edit_set_str(u->rc, c, s4s_up_systems[i].new_uri,
                                 strlen(s4s_up_systems[i].new_uri), KIND,
                                 "code system moved to terminology.hl7.org in R4");
                break;
            }
        static const char v2[] = "http://hl7.org/fhir/v2/", v3[] = "http://hl7.org/fhir/v3/";
        bool is2 = !strncmp(c->str, v2, sizeof v2 - 1), is3 = !strncmp(c->str, v3, sizeof v3 - 1);
        if ((is2 || is3) && !strchr(c->str + sizeof v2 - 1, '/')) {
            char uri[256];
            int k = snprintf(uri, sizeof uri, THO "%s-%s", is2 ? "v2" : "v3", c->str + sizeof v2 - 1);
            if (k > 0 && (size_t)k < sizeof uri)
                s4s_edit_set_str(u->rc, c, uri, (size_t)k, KIND,
                                 "code system moved to terminology.hl7.org in R4");
        }
    }
}

/* Could the reference s[0..n) name a renamed type?  Only as a whole
 * segment ending in '/', which is what rename_refs asks of the first
 * occurrence it finds, so false here means it would change nothing.  Most
 * references are urn:uuid: or Type/id of an R4 type: one memchr, or a
 * length test per segment. */
static bool may_rename(const up_state *st, const char *s, size_t n)
{
    const char *seg = s, *end = s + n, *slash;
    while ((slash = memchr(seg, '/', (size_t)(end - seg))) != NULL) {
        size_t len = (size_t)(slash - seg);
        if ((st->rename_lens & 1) || (len < 64 && (st->rename_lens >> len & 1)))
            for (size_t i = 0; i < st->n_renames; i++)
                if (!strncmp(st->renames[i]->type, seg, len) && st->renames[i]->type[len] == '\0')
                    return true;
        seg = slash + 1;
    }
    return false;
}

/* Reference.reference naming a type the table renames ("MedicationOrder/1",
 * "https://x/fhir/MedicationOrder/1") -> the R4 type.  Run on every
 * resource: R4 has none of the old type names, so the rewrite never needs
 * to know the target ("#id" and urn:uuid references never match). */
typedef struct renaming {
    s4s_rctx       *rc;
    const up_state *st;
} renaming;

/* One reference (s4s_rctx_each_ref). */
static bool rename_ref(void *u, s4s_node *c)
{
    const renaming *rn = u;
    s4s_rctx *rc = rn->rc;
    const up_state *st = rn->st;
    if (!may_rename(st, c->str, c->len))
        return true;
    for (size_t i = 0; i < st->n_renames; i++) {
        const s4s_up_row *r = st->renames[i];
        size_t tl = strlen(r->type);
        const char *at = strstr(c->str, r->type);
        if (!at || at[tl] != '/' || (at != c->str && at[-1] != '/'))
            continue;
        s4s_buf b;
        s4s_buf_init(&b, 1u << 20);
        char why[160];
        snprintf(why, sizeof why, "%s is %s in R4", r->type, r->arg);
        if (s4s_buf_put(&b, c->str, (size_t)(at - c->str)) && s4s_buf_puts(&b, r->arg) &&
            s4s_buf_puts(&b, at + tl))
            s4s_edit_set_str(rc, c, b.p, b.len, KIND, why);
        s4s_buf_free(&b);
        break;
    }
    return true;
}

/* Extension values of type Money anywhere (Synthea STU3 puts dozens on each
 * ExplanationOfBenefit) lose their Quantity shape like Money elements. */
static void money_values(up *u, s4s_node *n)
{
    S4S_EACH(c, n) {
        if (c->key && s4s_key_eq(c, "valueMoney"))
            fn_money(u, c, "extension.valueMoney");
        else if (c->type == S4S_J_OBJECT || c->type == S4S_J_ARRAY)
            money_values(u, c);
    }
}

/* Detect and convert one resource (u->root); the source version or 0. */
static unsigned convert(up *u, s4s_node *at, unsigned dflt)
{
    u->ver = detect(u, dflt);
    if (!u->ver)
        return 0;
    u->rc->reshaped = true; /* conversions also change the tree directly */
    const char *from = u->ver == S4S_UP_DSTU2 ? "DSTU2" : "STU3";
    s4s_repair(u->rc, at, "version-upgrade", from, "R4", "converted from FHIR %s to R4", from);
    size_t lo, hi;
    runs_of(u, &lo, &hi);
    for (size_t i = lo; i < hi; i++) {
        size_t k = by_type[i];
        for (const s4s_up_row *r = &s4s_up_rows[run_first[k]]; r < &s4s_up_rows[run_first[k + 1]]; r++) {
            if (!(r->from & u->ver))
                continue;
            each_leaf(u, r, u->root, r->path);
        }
    }
    rewrite_systems(u, u->root);
    money_values(u, u->root);
    s4s_counter_add(&u->st->by_type[u->ver == S4S_UP_DSTU2 ? 0 : 1], u->type, strlen(u->type), 0, 1);
    return u->ver;
}

/* --- the rule ---------------------------------------------------------- */

static s4s_rc init(const s4s_opts *o, s4s_term *term, void **state)
{
    (void)o; (void)term;
    up_state *st = s4s_xcalloc(1, sizeof *st);
    *state = st; /* first: an allocation failure below must still find it to free */
    s4s_counter_init(&st->by_type[0], MAX_KEYS);
    s4s_counter_init(&st->by_type[1], MAX_KEYS);
    s4s_counter_init(&st->to_ext, MAX_KEYS);
    st->renames = s4s_xcalloc(s4s_up_n_rows, sizeof *st->renames);
    for (size_t i = 0; i < s4s_up_n_rows; i++)
        if (s4s_up_rows[i].op == S4S_UP_TYPE) {
            st->renames[st->n_renames++] = &s4s_up_rows[i];
            size_t n = strlen(s4s_up_rows[i].type);
            st->rename_lens |= n < 64 ? 1ull << n : 1; /* bit 0: a name too long for the mask */
        }
    return S4S_OK;
}

static void apply(s4s_rctx *rc, void *state)
{
    if (!rc->root || rc->root->type != S4S_J_OBJECT || !rc->type)
        return;
    up u = {.rc = rc, .st = state, .root = rc->root, .type = rc->type};
    unsigned ver = convert(&u, NULL, 0);
    /* each contained resource on its own: an R4 container may hold old ones */
    s4s_node *cont = s4s_get(rc->root, "contained");
    if (cont && cont->type == S4S_J_ARRAY)
        S4S_EACH(c, cont) {
            const char *t = c->type == S4S_J_OBJECT ? s4s_get_str(c, "resourceType") : NULL;
            up cu = {.rc = rc, .st = state, .root = c, .type = t};
            if (t && convert(&cu, c, u.ver) && !ver)
                ver = cu.ver;
        }
    renaming rn = {.rc = rc, .st = state};
    s4s_rctx_each_ref(rc, rename_ref, &rn);
    if (!ver)
        return;
    rc->type = s4s_get_str(rc->root, "resourceType");
    rc->upgraded_from = ver == S4S_UP_DSTU2 ? "DSTU2" : "STU3";
}

static void stats(void *state, s4s_jw *w)
{
    up_state *st = state;
    s4s_jw_key(w, "upgrade");
    s4s_jw_obj(w);
    s4s_counter_write(&st->by_type[0], w, "DSTU2");
    s4s_counter_write(&st->by_type[1], w, "STU3");
    s4s_counter_write(&st->to_ext, w, "to_extension");
    s4s_jw_obj_end(w);
}

/* counts of another row (the workers parse units of their own) */
static void merge(void *into, const void *from)
{
    up_state *a = into;
    const up_state *b = from;
    s4s_counter_merge(&a->by_type[0], &b->by_type[0]);
    s4s_counter_merge(&a->by_type[1], &b->by_type[1]);
    s4s_counter_merge(&a->to_ext, &b->to_ext);
}

static void fini(void *state)
{
    up_state *st = state;
    s4s_counter_free(&st->by_type[0]);
    s4s_counter_free(&st->by_type[1]);
    s4s_counter_free(&st->to_ext);
    free(st->renames);
    free(st);
}

/* BEFORE: a Bundle's version is settled by its earlier entries */
const s4s_rule s4s_rule_upgrade = {"upgrade", init, apply, stats, NULL /*side_output*/, fini, S4S_RULE_BEFORE, merge};
