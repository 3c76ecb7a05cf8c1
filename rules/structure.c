/*
 * structure.c - FHIR R4 structural validation of one resource tree against
 * the generated definition tables (rules/tables/fhir_r4.h).
 *
 * Each node is resolved to an element definition by walking down from the
 * resource root with the current context (resource, datatype or backbone
 * element): one hash probe per member, no strings built.  FHIRPaths are
 * only made (by s4s_issue) when an issue is raised.  The silent pass also
 * lists, in the resource's arena, the elements the invariants family runs
 * rows on (rule.h rc->elems), so that family need not walk the tree again:
 * in the order of its walk (each item before what it holds), complete only
 * when the pass found no error.
 *
 * Families checked: elements (unknown, resourceType), JSON types and array
 * shape, cardinality, primitive formats, choice types, primitive extensions
 * (_x, aligned arrays), contained/Bundle/Parameters resources (recursively,
 * dom-2), emptiness and ele-1, required bindings, references, and DSTU2/STU3
 * sniffing.
 *
 * Version sniffing needs all of a resource's errors before it can speak, so a
 * resource is walked silently first; only if that pass found errors is it
 * walked again to report them (or reported once as DSTU2/STU3).  Valid data
 * pays for one pass.
 *
 * State: per-run counters in st_state (only the rules thread touches them).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "rule.h"
#include "fhirtypes.h"
#include "fhirpath.h"
#include "refs.h"
#include "tables/fhir_r4.h"
#include "../filter/base/jsonw.h"
#include "../filter/base/alloc.h"

#define MAX_NEST 64 /* resource nesting (contained, Bundle.entry.resource) */
#define BITWORDS ((S4S_FHIR_MAX_CTX_ELEMS + 63) / 64)

/* Per context, its required elements (min > 0) as bits of the element
 * index in the context: a missing one is then a mask test per word, not a
 * look at every element of every object.  Found once per process (the
 * tables are constant). */
static uint64_t req_bits[S4S_FHIR_N_CTX][BITWORDS];
static pthread_once_t req_once = PTHREAD_ONCE_INIT;

static void req_init(void)
{
    for (unsigned x = 0; x < S4S_FHIR_N_CTX; x++)
        for (unsigned i = 0; i < s4s_fhir_ctxs[x].n; i++)
            if (s4s_fhir_elems[s4s_fhir_ctxs[x].first + i].min > 0)
                req_bits[x][i / 64] |= 1ull << (i % 64);
}

typedef struct st_state {
    uint64_t resources, with_errors, old_version;
    const s4s_elem_listing *listing; /* NULL: no invariants family to list for */
} st_state;

/* rc->elems past this many: not listed (the invariants family walks) */
#define LIST_MAX (1u << 16)

typedef struct walk {
    s4s_rctx   *rc;
    bool        emit;       /* false: the silent pass */
    unsigned    errors;     /* error-severity issues seen in this pass */
    const char *old_hint;   /* first DSTU2/STU3 marker seen */
    unsigned    nest;
    unsigned    depth;      /* of the object being checked, as the FHIRPath walk counts */
    /* the silent pass's list for the invariants family (rule.h rc->elems) */
    const s4s_elem_listing *listing; /* NULL: not listing */
    s4s_elem_ref *list;
    uint32_t    nlist, cap;
    bool        list_over;  /* the list is not whole */
} walk;

/* One macro so the printf template reaches s4s_issue (stats group by it). */
#define ISSUE(w, sev, code, node, ...) do { \
        if ((sev) <= S4S_SEV_ERROR) (w)->errors++; \
        if ((w)->emit) s4s_issue((w)->rc, (sev), (code), (node), __VA_ARGS__); \
    } while (0)

static void check_object(walk *w, const s4s_node *obj, unsigned ctx, const s4s_node *res,
                         const s4s_node *container);
static void check_resource(walk *w, const s4s_node *obj, const s4s_node *container, bool contained);

/* --- table lookups --------------------------------------------------------- */

static const char *tname(unsigned t) { return S4S_FHIR_STR(s4s_fhir_types[t].name); }
static bool is_prim(unsigned t) { return t < S4S_FP_N_; }

/* --- the list for the invariants family ------------------------------------ */

static void list_push(walk *w, const s4s_node *n, unsigned elem, unsigned type, const s4s_node *res, bool alone)
{
    if (w->nlist == w->cap) {
        if (w->cap == LIST_MAX) {
            w->list_over = true;
            return;
        }
        uint32_t cap = w->cap ? 2 * w->cap : 64;
        s4s_elem_ref *l = s4s_arena_alloc(w->rc->arena, cap * sizeof *l);
        if (w->nlist) memcpy(l, w->list, w->nlist * sizeof *l);
        w->list = l;
        w->cap = cap;
    }
    w->list[w->nlist++] = (s4s_elem_ref){n, res, (uint16_t)elem, (uint16_t)type, alone};
}

/* n, an item of element e with resolved type `type` (or, alone, an object
 * item of e's `_name` without a value), onto the list when the invariants
 * family runs rows on it: in the order its walk would reach it.  Inline:
 * most items are not listed. */
static inline void list_elem(walk *w, const s4s_node *n, const s4s_fhir_elem *e, unsigned type,
                             const s4s_node *res, bool alone)
{
    const s4s_elem_listing *l = w->listing;
    unsigned elem = (unsigned)(e - s4s_fhir_elems);
    if (l && (l->elem[elem] || (type != S4S_FHIR_NONE && l->type[type]) || (e->flags & S4S_FE_RESOURCE)))
        list_push(w, n, elem, type, res, alone);
}

/* --- DSTU2 / STU3 markers (facts from the DSTU2 and STU3 specifications) --- */

static const char *const old_types[] = {
    "BodySite", "Conformance", "DataElement", "DecisionSupportRule", "DecisionSupportServiceModule",
    "DeviceComponent", "DeviceUseRequest", "DiagnosticOrder", "EligibilityRequest",
    "EligibilityResponse", "ExpansionProfile", "ImagingManifest", "ImagingObjectSelection",
    "MedicationOrder", "ModuleDefinition", "Order", "OrderResponse", "ProcedureRequest",
    "ProcessRequest", "ProcessResponse", "ReferralRequest", "Sequence", "ServiceDefinition",
    "Supply",
};

/* Members that exist in DSTU2 or STU3 but not in R4, or changed JSON shape. */
static const char *const old_members[] = {
    "AllergyIntolerance.substance", "AllergyIntolerance.status", "AllergyIntolerance.reporter",
    "AllergyIntolerance.assertedDate", "AllergyIntolerance.recordedDate",
    "AllergyIntolerance.category", "AllergyIntolerance.clinicalStatus",
    "AllergyIntolerance.verificationStatus", "CarePlan.context", "CarePlan.definition",
    "Condition.patient", "Condition.asserter", "Condition.dateRecorded", "Condition.context",
    "Condition.assertedDate", "Condition.clinicalStatus", "Condition.verificationStatus",
    "Condition.category", "Condition.notes", "DiagnosticReport.codedDiagnosis",
    "DiagnosticReport.request", "DiagnosticReport.context", "DiagnosticReport.image",
    "DiagnosticReport.category", "DocumentReference.created", "DocumentReference.indexed",
    "DocumentReference.class", "Encounter.patient", "Encounter.class", "Encounter.incomingReferral",
    "Encounter.fulfills", "Encounter.indication", "Goal.status", "Goal.subject", "Goal.outcome",
    "Immunization.wasNotGiven", "Immunization.notGiven", "Immunization.date",
    "Immunization.explanation", "Immunization.requester", "Immunization.vaccinationProtocol",
    "Immunization.reported", "Immunization.practitioner", "Medication.isBrand",
    "Medication.product", "Medication.package", "Medication.isOverTheCounter", "Medication.image",
    "MedicationRequest.context", "MedicationRequest.definition", "MedicationStatement.wasNotTaken",
    "MedicationStatement.reasonNotTaken", "MedicationStatement.taken",
    "MedicationStatement.patient", "MedicationStatement.effectiveDateTime", "Observation.comments",
    "Observation.related", "Observation.context", "Observation.category", "Patient.animal",
    "Patient.careProvider", "Procedure.notPerformed", "Procedure.reasonNotPerformed",
    "Procedure.context", "Procedure.definition",
    "MedicationDispense.patient", "MedicationAdministration.patient", "MedicationAdministration.prescription",
};

/* Codes that DSTU2/STU3 allowed and R4's required value set does not. */
static const struct { const char *path, *code; } old_codes[] = {
    {"AllergyIntolerance.criticality", "CRITL"}, {"AllergyIntolerance.criticality", "CRITH"},
    {"AllergyIntolerance.criticality", "CRITU"}, {"CarePlan.status", "proposed"},
    {"Procedure.status", "aborted"}, {"Immunization.status", "in-progress"},
    {"Immunization.status", "on-hold"}, {"Immunization.status", "stopped"},
    {"Goal.lifecycleStatus", "in-progress"}, {"Goal.lifecycleStatus", "achieved"},
    {"Goal.lifecycleStatus", "sustaining"}, {"DiagnosticReport.status", "corrected"},
};

static void note_old(walk *w, const char *hint)
{
    if (!w->old_hint) w->old_hint = hint;
}

static void sniff_type(walk *w, const char *type, size_t n)
{
    for (size_t i = 0; i < sizeof old_types / sizeof old_types[0]; i++)
        if (strlen(old_types[i]) == n && memcmp(old_types[i], type, n) == 0)
            note_old(w, old_types[i]);
}

/* an unknown or misshapen member of a resource root */
static void sniff_member(walk *w, const s4s_node *n, const s4s_node *res)
{
    if (!n->key || n->parent != res) return;
    const char *rt = s4s_get_str(res, "resourceType");
    if (!rt) return;
    size_t tl = strlen(rt);
    for (size_t i = 0; i < sizeof old_members / sizeof old_members[0]; i++) {
        const char *m = old_members[i];
        if (strncmp(m, rt, tl) == 0 && m[tl] == '.' && s4s_key_eq(n, m + tl + 1))
            note_old(w, m);
    }
}

static void sniff_code(walk *w, const s4s_fhir_elem *e, const s4s_node *n)
{
    const char *path = S4S_FHIR_STR(e->path);
    for (size_t i = 0; i < sizeof old_codes / sizeof old_codes[0]; i++)
        if (strcmp(old_codes[i].path, path) == 0 && s4s_str_eq(n, old_codes[i].code))
            note_old(w, old_codes[i].path);
}

/* --- "did you mean" ------------------------------------------------------ */

static unsigned edit_distance(const char *a, size_t na, const char *b, size_t nb)
{
    unsigned row[64];
    if (na >= 63 || nb >= 63) return 99;
    for (size_t j = 0; j <= nb; j++) row[j] = (unsigned)j;
    for (size_t i = 1; i <= na; i++) {
        unsigned diag = row[0];
        row[0] = (unsigned)i;
        for (size_t j = 1; j <= nb; j++) {
            unsigned up = row[j];
            unsigned c = diag + ((a[i - 1] | 32) == (b[j - 1] | 32) ? 0 : 1);
            if (up + 1 < c) c = up + 1;
            if (row[j - 1] + 1 < c) c = row[j - 1] + 1;
            row[j] = c;
            diag = up;
        }
    }
    return row[nb];
}

/* The closest JSON name in ctx within a small distance, or NULL.  Error path
 * only: names of choice variants are built in a stack buffer. */
static const char *suggest(walk *w, unsigned ctx, const char *key, size_t n)
{
    const s4s_fhir_ctx *c = &s4s_fhir_ctxs[ctx];
    unsigned bestd = n <= 3 ? 1 : 3, best_e = S4S_FHIR_NONE, best_t = 0;
    char buf[96];
    for (unsigned i = 0; i < c->n; i++) {
        const s4s_fhir_elem *e = &s4s_fhir_elems[c->first + i];
        const char *name = S4S_FHIR_STR(e->name);
        unsigned nt = (e->flags & S4S_FE_CHOICE) ? e->ntypes : 1;
        for (unsigned t = 0; t < nt; t++) {
            int k;
            if (e->flags & S4S_FE_CHOICE) {
                const char *tn = tname(s4s_fhir_elem_types[e->types + t]);
                k = snprintf(buf, sizeof buf, "%s%c%s", name, tn[0] & ~32, tn + 1);
            } else {
                k = snprintf(buf, sizeof buf, "%s", name);
            }
            if (k < 0 || (size_t)k >= sizeof buf) continue;
            unsigned d = edit_distance(key, n, buf, (size_t)k);
            if (d < bestd) { bestd = d; best_e = c->first + i; best_t = t; }
        }
    }
    if (best_e == S4S_FHIR_NONE) return NULL;
    const s4s_fhir_elem *e = &s4s_fhir_elems[best_e];
    if (!(e->flags & S4S_FE_CHOICE)) return S4S_FHIR_STR(e->name);
    const char *tn = tname(s4s_fhir_elem_types[e->types + best_t]);
    return s4s_arena_printf(w->rc->arena, "%s%c%s", S4S_FHIR_STR(e->name), tn[0] & ~32, tn + 1);
}

/* --- required bindings ----------------------------------------------------- */

static bool vs_has_system(const s4s_fhir_vs *vs, const char *sys)
{
    for (uint32_t i = 0; i < vs->n; i++)
        if (strcmp(S4S_FHIR_STR(s4s_fhir_systems[s4s_fhir_vs_codes[vs->first + i].system]), sys) == 0)
            return true;
    return false;
}

/* Is code in vs (with system sys, or any system when sys is NULL)? */
static bool vs_has_code(const s4s_fhir_vs *vs, const char *code, size_t n, const char *sys)
{
    uint32_t lo = vs->first, hi = vs->first + vs->n;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        const s4s_fhir_code *c = &s4s_fhir_vs_codes[mid];
        size_t m = c->len < n ? c->len : n;
        int cmp = memcmp(S4S_FHIR_STR(c->code), code, m);
        if (cmp == 0) cmp = c->len < n ? -1 : c->len > n ? 1 : 0;
        if (cmp < 0) lo = mid + 1; else hi = mid;
    }
    for (; lo < vs->first + vs->n; lo++) {
        const s4s_fhir_code *c = &s4s_fhir_vs_codes[lo];
        if (c->len != n || memcmp(S4S_FHIR_STR(c->code), code, n) != 0) return false;
        if (!sys || strcmp(S4S_FHIR_STR(s4s_fhir_systems[c->system]), sys) == 0) return true;
    }
    return false;
}

/* A Coding against a required value set: 1 in it, 0 not in it, -1 no verdict
 * (other system, or no code). */
static int coding_in_vs(walk *w, const s4s_node *coding, const s4s_fhir_vs *vs, bool report)
{
    const s4s_node *code = s4s_get(coding, "code");
    const char *sys = s4s_get_str(coding, "system");
    if (!s4s_is_str(code) || !sys || !vs_has_system(vs, sys)) return -1;
    if (vs_has_code(vs, code->str, code->len, sys)) return 1;
    if (report)
        ISSUE(w, S4S_SEV_ERROR, "code-invalid", code,
              "code '%s' is not in the required value set %s", code->str, S4S_FHIR_STR(vs->url));
    return 0;
}

static void check_binding(walk *w, const s4s_node *n, const s4s_fhir_elem *e, unsigned type)
{
    const s4s_fhir_vs *vs = &s4s_fhir_vss[e->vs];
    if (type == S4S_FP_code) {
        if (n->type == S4S_J_STRING && n->len && !vs_has_code(vs, n->str, n->len, NULL)) {
            sniff_code(w, e, n);
            ISSUE(w, S4S_SEV_ERROR, "code-invalid", n,
                  "code '%s' is not in the required value set %s", n->str, S4S_FHIR_STR(vs->url));
        }
    } else if (type == S4S_FT_Coding) {
        coding_in_vs(w, n, vs, true);
    } else if (type == S4S_FT_CodeableConcept) {
        const s4s_node *codings = s4s_get(n, "coding");
        if (!codings || codings->type != S4S_J_ARRAY) return;
        bool any = false, judged = false;
        S4S_EACH(c, codings) {
            if (c->type != S4S_J_OBJECT) continue;
            int r = coding_in_vs(w, c, vs, true);
            if (r >= 0) judged = true;
            if (r == 1) any = true;
        }
        if (!judged && !any && codings->nkids)
            ISSUE(w, S4S_SEV_ERROR, "code-invalid", n,
                  "none of the codings are from the required value set %s", S4S_FHIR_STR(vs->url));
    }
}

/* --- references ---------------------------------------------------------- */

static bool target_ok(const s4s_fhir_elem *e, unsigned type)
{
    if (e->ntargets == 0) return true;
    for (unsigned i = 0; i < e->ntargets; i++)
        if (s4s_fhir_elem_targets[e->targets + i] == type) return true;
    return false;
}

static const s4s_node *find_contained(const s4s_node *container, const char *id, size_t n)
{
    const s4s_node *list = container ? s4s_get(container, "contained") : NULL;
    if (!list || list->type != S4S_J_ARRAY) return NULL;
    S4S_EACH(r, list) {
        const s4s_node *rid = r->type == S4S_J_OBJECT ? s4s_get(r, "id") : NULL;
        if (rid && rid->type == S4S_J_STRING && rid->len == n && memcmp(rid->str, id, n) == 0)
            return r;
    }
    return NULL;
}

static void check_reference(walk *w, const s4s_node *obj, const s4s_fhir_elem *e,
                            const s4s_node *container)
{
    const s4s_node *ref = s4s_get(obj, "reference");
    const s4s_node *rtype = s4s_get(obj, "type");
    if (rtype && rtype->type == S4S_J_STRING && rtype->len) {
        unsigned t = s4s_fhir_resource_type(rtype->str, rtype->len);
        if (t != S4S_FHIR_NONE && !target_ok(e, t))
            ISSUE(w, S4S_SEV_ERROR, "structure", rtype,
                  "Reference.type %s is not a target type allowed by %s", rtype->str, S4S_FHIR_STR(e->path));
    }
    if (!ref || ref->type != S4S_J_STRING || ref->len == 0) return;
    s4s_ref r;
    s4s_ref_parse(ref->str, ref->len, &r);
    unsigned t = r.type;
    switch (r.kind) {
    case S4S_REF_INVALID:
        ISSUE(w, S4S_SEV_ERROR, "invalid", ref, "invalid reference: %s", r.why);
        return;
    case S4S_REF_LOCAL:
        if (r.idlen == 0) return; /* "#": the container itself */
        {
            const s4s_node *hit = find_contained(container, r.id, r.idlen);
            if (!hit) {
                ISSUE(w, S4S_SEV_ERROR, "not-found", ref,
                      "local reference %s does not resolve to a contained resource", ref->str);
                return;
            }
            const char *rt = s4s_get_str(hit, "resourceType");
            t = rt ? s4s_fhir_resource_type(rt, strlen(rt)) : S4S_FHIR_NONE;
        }
        break;
    case S4S_REF_RELATIVE:
        if (t == S4S_FHIR_NONE) {
            sniff_type(w, r.tname, r.tlen);
            ISSUE(w, S4S_SEV_ERROR, "invalid", ref, "reference names an unknown resource type '%.*s'",
                  (int)r.tlen, r.tname);
            return;
        }
        break;
    default:
        break;
    }
    if (t != S4S_FHIR_NONE && !target_ok(e, t))
        ISSUE(w, S4S_SEV_ERROR, "structure", ref,
              "reference to %s is not allowed by %s", tname(t), S4S_FHIR_STR(e->path));
}

/* --- values ------------------------------------------------------------- */

static const char *jname(s4s_jtype t)
{
    switch (t) {
    case S4S_J_NULL: return "null";
    case S4S_J_TRUE: case S4S_J_FALSE: return "a boolean";
    case S4S_J_NUMBER: return "a number";
    case S4S_J_STRING: return "a string";
    case S4S_J_OBJECT: return "an object";
    default: return "an array";
    }
}

/* Check a primitive value node (not null) of type prim. */
static void check_primitive(walk *w, const s4s_node *n, const s4s_fhir_elem *e, unsigned prim,
                            const s4s_node *res)
{
    s4s_jtype want = s4s_fhir_prim_json(prim);
    s4s_jtype got = (s4s_jtype)n->type;
    if (got == S4S_J_FALSE) got = S4S_J_TRUE;
    if (got != want) {
        sniff_member(w, n, res);
        ISSUE(w, S4S_SEV_ERROR, "structure", n, "%s is %s, but FHIR type %s must be %s",
              S4S_FHIR_STR(e->path), jname(got), tname(prim), jname(want));
        return;
    }
    if (want == S4S_J_TRUE) return;
    if (want == S4S_J_STRING && n->len == 0) {
        ISSUE(w, S4S_SEV_ERROR, "value", n, "empty string (a primitive must have a value)");
        return;
    }
    const char *why = s4s_fhir_prim_check(prim, n->str, n->len);
    if (why) {
        if (prim == S4S_FP_code || prim == S4S_FP_id)
            ISSUE(w, S4S_SEV_ERROR, "value", n, "invalid %s '%s': %s", tname(prim), n->str, why);
        else
            ISSUE(w, S4S_SEV_ERROR, "value", n, "invalid %s: %s", tname(prim), why);
        return;
    }
    if (e->vs != S4S_FHIR_NONE && prim == S4S_FP_code) check_binding(w, n, e, prim);
}

/* One item (or the single value) of element e with resolved type `type`. */
static void check_item(walk *w, const s4s_node *n, const s4s_fhir_elem *e, unsigned type,
                       const s4s_node *res, const s4s_node *container)
{
    if (n->type == S4S_J_NULL) {
        ISSUE(w, S4S_SEV_ERROR, "structure", n, "null is not a value (only in arrays aligned with _%s)",
              S4S_FHIR_STR(e->name));
        return;
    }
    list_elem(w, n, e, type, res, false);
    if (e->flags & S4S_FE_RESOURCE) {
        if (n->type != S4S_J_OBJECT) {
            ISSUE(w, S4S_SEV_ERROR, "structure", n, "%s must be a resource object, not %s",
                  S4S_FHIR_STR(e->path), jname((s4s_jtype)n->type));
            return;
        }
        bool contained = strcmp(S4S_FHIR_STR(e->name), "contained") == 0;
        if (contained && res != container) {
            ISSUE(w, S4S_SEV_ERROR, "structure", n,
                  "a contained resource SHALL NOT contain resources (dom-2)");
            return;
        }
        check_resource(w, n, contained ? container : NULL, contained);
        return;
    }
    if (type != S4S_FHIR_NONE && is_prim(type)) {
        if (n->type == S4S_J_OBJECT || n->type == S4S_J_ARRAY) {
            sniff_member(w, n, res);
            ISSUE(w, S4S_SEV_ERROR, "structure", n, "%s is %s, but FHIR type %s is a primitive",
                  S4S_FHIR_STR(e->path), jname((s4s_jtype)n->type), tname(type));
            return;
        }
        check_primitive(w, n, e, type, res);
        return;
    }
    if (n->type != S4S_J_OBJECT) {
        sniff_member(w, n, res);
        ISSUE(w, S4S_SEV_ERROR, "structure", n, "%s is %s, but must be an object (%s)",
              S4S_FHIR_STR(e->path), jname((s4s_jtype)n->type),
              type != S4S_FHIR_NONE ? tname(type) : "BackboneElement");
        return;
    }
    unsigned ctx = e->ctx != S4S_FHIR_NONE ? e->ctx : s4s_fhir_types[type].ctx;
    check_object(w, n, ctx, res, container);
    if (type == S4S_FT_Reference) check_reference(w, n, e, container);
    else if (e->vs != S4S_FHIR_NONE) check_binding(w, n, e, type);
    if ((e->flags & S4S_FE_SIMPLE_QTY) && type == S4S_FT_Quantity) {
        const s4s_node *cmp = s4s_get(n, "comparator");
        if (cmp) ISSUE(w, S4S_SEV_ERROR, "invariant", cmp, "a SimpleQuantity has no comparator (sqty-1)");
    }
}

/* A member whose key resolved to element e (type from the key for choices). */
static void check_member(walk *w, const s4s_node *n, const s4s_fhir_elem *e, unsigned type,
                         const s4s_node *res, const s4s_node *container)
{
    bool many = e->max != 1;
    if (n->type == S4S_J_ARRAY) {
        if (!many) {
            sniff_member(w, n, res);
            if (strcmp(S4S_FHIR_STR(e->path), "HumanName.family") == 0)
                note_old(w, "HumanName.family as an array"); /* DSTU2 shape */
            ISSUE(w, S4S_SEV_ERROR, "structure", n, "%s has max cardinality 1, but is an array",
                  S4S_FHIR_STR(e->path));
            return;
        }
        if (n->nkids == 0) {
            ISSUE(w, S4S_SEV_ERROR, "structure", n, "array must not be empty");
            return;
        }
        uint32_t count = 0;
        bool prim = type != S4S_FHIR_NONE && is_prim(type);
        S4S_EACH(it, n) {
            count++;
            if (it->type == S4S_J_NULL && prim) continue; /* judged with its _ sibling */
            check_item(w, it, e, type, res, container);
        }
        if (e->max != S4S_FHIR_STAR && count > e->max)
            ISSUE(w, S4S_SEV_ERROR, "structure", n, "%s allows at most %u items, found %u",
                  S4S_FHIR_STR(e->path), (unsigned)e->max, count);
        return;
    }
    if (many) {
        sniff_member(w, n, res);
        ISSUE(w, S4S_SEV_ERROR, "structure", n, "%s has max cardinality *, so it must be an array",
              S4S_FHIR_STR(e->path));
        return;
    }
    check_item(w, n, e, type, res, container);
}

/* `_name` (primitive extension) next to `name` (value, may be NULL). */
static void check_prim_ext(walk *w, const s4s_node *ext, const s4s_node *val, const s4s_fhir_elem *e,
                           unsigned type, const s4s_node *res, const s4s_node *container)
{
    if (e->max == 1) {
        if (ext->type != S4S_J_OBJECT) {
            ISSUE(w, S4S_SEV_ERROR, "structure", ext, "_%s must be an object (id, extension)",
                  S4S_FHIR_STR(e->name));
            return;
        }
        if (!val) list_elem(w, ext, e, type, res, true);
        check_object(w, ext, S4S_FHIR_CTX_Element, res, container);
        return;
    }
    if (ext->type != S4S_J_ARRAY) {
        ISSUE(w, S4S_SEV_ERROR, "structure", ext, "_%s must be an array aligned with %s",
              S4S_FHIR_STR(e->name), S4S_FHIR_STR(e->name));
        return;
    }
    if (val && val->type == S4S_J_ARRAY && val->nkids != ext->nkids)
        ISSUE(w, S4S_SEV_ERROR, "structure", ext, "_%s has %u items but %s has %u",
              S4S_FHIR_STR(e->name), (unsigned)ext->nkids, S4S_FHIR_STR(e->name), (unsigned)val->nkids);
    if (ext->nkids == 0) {
        ISSUE(w, S4S_SEV_ERROR, "structure", ext, "array must not be empty");
        return;
    }
    bool all_null = true;
    S4S_EACH(it, ext) {
        if (it->type == S4S_J_NULL) continue;
        all_null = false;
        if (it->type != S4S_J_OBJECT) {
            ISSUE(w, S4S_SEV_ERROR, "structure", it, "_%s items must be objects or null", S4S_FHIR_STR(e->name));
            continue;
        }
        if (!val) list_elem(w, it, e, type, res, true);
        check_object(w, it, S4S_FHIR_CTX_Element, res, container);
    }
    if (all_null)
        ISSUE(w, S4S_SEV_ERROR, "structure", ext, "_%s holds only nulls", S4S_FHIR_STR(e->name));
}

/* null items of a primitive array must be matched by a _name item */
static void check_nulls(walk *w, const s4s_node *val, const s4s_node *ext)
{
    const s4s_node *x = ext && ext->type == S4S_J_ARRAY ? ext->first : NULL;
    S4S_EACH(it, val) {
        while (x && (x->flags & S4S_NF_REMOVED)) x = x->next;
        if (it->type == S4S_J_NULL && (!x || x->type == S4S_J_NULL))
            ISSUE(w, S4S_SEV_ERROR, "structure", it, "null item without a matching _%.*s extension",
                  (int)val->klen, val->key);
        if (x) x = x->next;
    }
}

static void unknown_member(walk *w, const s4s_node *n, unsigned ctx, const s4s_node *res)
{
    sniff_member(w, n, res);
    if (!w->emit) { w->errors++; return; }
    const char *hint = suggest(w, ctx, n->key, n->klen);
    if (hint)
        ISSUE(w, S4S_SEV_ERROR, "structure", n, "unknown element '%s' in %s (did you mean '%s'?)",
              n->key, S4S_FHIR_STR(s4s_fhir_ctxs[ctx].path), hint);
    else
        ISSUE(w, S4S_SEV_ERROR, "structure", n, "unknown element '%s' in %s",
              n->key, S4S_FHIR_STR(s4s_fhir_ctxs[ctx].path));
}

/* An object whose members are the elements of ctx. */
static void check_object(walk *w, const s4s_node *obj, unsigned ctx, const s4s_node *res,
                         const s4s_node *container)
{
    const s4s_fhir_ctx *c = &s4s_fhir_ctxs[ctx];
    uint64_t seen[BITWORDS] = {0}, useen[BITWORDS] = {0};
    bool is_res = obj == res, content = false;
    unsigned members = 0;
    if (w->depth > S4S_FP_WALK_DEPTH) w->list_over = true; /* that walk stops there */
    w->depth++;
    S4S_EACH(m, obj) {
        members++;
        if (is_res && m->klen == 12 && memcmp(m->key, "resourceType", 12) == 0) continue;
        const char *key = m->key;
        size_t klen = m->klen;
        bool under = klen > 1 && key[0] == '_';
        if (under) { key++; klen--; }
        const s4s_fhir_key *k = s4s_fhir_member_key(m, ctx, key, klen);
        if (!k) { unknown_member(w, m, ctx, res); continue; }
        const s4s_fhir_elem *e = &s4s_fhir_elems[k->elem];
        unsigned bit = k->elem - c->first;
        if (!(klen == 2 && key[0] == 'i' && key[1] == 'd')) content = true;
        if (under) {
            if (k->type == S4S_FHIR_NONE || !is_prim(k->type)) { unknown_member(w, m, ctx, res); continue; }
            if (useen[bit / 64] & (1ull << (bit % 64)))
                ISSUE(w, S4S_SEV_ERROR, "structure", m, "%s appears more than once", S4S_FHIR_STR(e->path));
            useen[bit / 64] |= 1ull << (bit % 64);
            /* the value sibling, for alignment */
            const s4s_node *val = NULL;
            S4S_EACH(v, obj) if (v->klen == klen && memcmp(v->key, key, klen) == 0) { val = v; break; }
            check_prim_ext(w, m, val, e, k->type, res, container);
            continue;
        }
        if (seen[bit / 64] & (1ull << (bit % 64))) {
            if (e->flags & S4S_FE_CHOICE)
                ISSUE(w, S4S_SEV_ERROR, "structure", m, "only one %s[x] variant is allowed",
                      S4S_FHIR_STR(e->name));
            else
                ISSUE(w, S4S_SEV_ERROR, "structure", m, "%s appears more than once", S4S_FHIR_STR(e->path));
            continue;
        }
        seen[bit / 64] |= 1ull << (bit % 64);
        check_member(w, m, e, k->type, res, container);
        if (m->type == S4S_J_ARRAY && k->type != S4S_FHIR_NONE && is_prim(k->type)) {
            bool nulls = false;
            S4S_EACH(it, m) if (it->type == S4S_J_NULL) { nulls = true; break; }
            if (nulls) {
                char ukey[128];
                const s4s_node *ext = NULL;
                if (klen + 1 < sizeof ukey) {
                    ukey[0] = '_';
                    memcpy(ukey + 1, key, klen);
                    ukey[klen + 1] = '\0';
                    ext = s4s_get(obj, ukey);
                }
                check_nulls(w, m, ext);
            }
        }
    }
    w->depth--;
    if (members == 0) {
        ISSUE(w, S4S_SEV_ERROR, "structure", obj, "object must not be empty");
        return;
    }
    if (!is_res && !content)
        ISSUE(w, S4S_SEV_ERROR, "invariant", obj, "element has no value and no children (ele-1)");
    if (c->nreq) {
        for (unsigned wd = 0; wd < BITWORDS; wd++) {
            for (uint64_t miss = req_bits[ctx][wd] & ~(seen[wd] | useen[wd]); miss; miss &= miss - 1) {
                const s4s_fhir_elem *e = &s4s_fhir_elems[c->first + wd * 64 + (unsigned)__builtin_ctzll(miss)];
                ISSUE(w, S4S_SEV_ERROR, "required", obj, "missing required element %s (min %u)",
                      S4S_FHIR_STR(e->path), (unsigned)e->min);
            }
        }
    }
}

static void check_resource(walk *w, const s4s_node *obj, const s4s_node *container, bool contained)
{
    const s4s_node *rt = s4s_get(obj, "resourceType");
    if (!rt) {
        ISSUE(w, S4S_SEV_ERROR, "required", obj, "resourceType is missing");
        return;
    }
    if (rt->type != S4S_J_STRING) {
        ISSUE(w, S4S_SEV_ERROR, "structure", rt, "resourceType must be a string");
        return;
    }
    unsigned t = s4s_fhir_resource_type(rt->str, rt->len);
    if (t == S4S_FHIR_NONE || s4s_fhir_types[t].abstract) {
        sniff_type(w, rt->str, rt->len);
        if (t == S4S_FHIR_NONE)
            ISSUE(w, S4S_SEV_ERROR, "structure", rt, "unknown resourceType '%s'", rt->str);
        else
            ISSUE(w, S4S_SEV_ERROR, "structure", rt, "resourceType '%s' is abstract", rt->str);
        return;
    }
    if (w->nest >= MAX_NEST) {
        ISSUE(w, S4S_SEV_ERROR, "too-costly", obj, "resources nested deeper than %d", MAX_NEST);
        return;
    }
    w->nest++;
    if (contained) {
        const s4s_node *meta = s4s_get(obj, "meta");
        if (meta && (s4s_get(meta, "versionId") || s4s_get(meta, "lastUpdated")))
            ISSUE(w, S4S_SEV_ERROR, "invariant", meta,
                  "a contained resource SHALL NOT have meta.versionId or meta.lastUpdated (dom-4)");
    }
    check_object(w, obj, s4s_fhir_types[t].ctx, obj, contained ? container : obj);
    w->nest--;
}

/* --- the rule ---------------------------------------------------------- */

static s4s_rc init(const s4s_opts *o, s4s_term *term, void **state)
{
    (void)term;
    pthread_once(&req_once, req_init);
    st_state *st = s4s_xcalloc(1, sizeof *st);
    *state = st;
    if (o && o->invariants != S4S_INVARIANTS_OFF) st->listing = s4s_invariants_listing();
    return S4S_OK;
}

static void apply(s4s_rctx *rc, void *state)
{
    st_state *st = state;
    /* the invariants family takes the list only from a tree never reshaped */
    walk w = {.rc = rc, .emit = false, .listing = rc->reshaped ? NULL : st->listing};
    if (!rc->root) return;
    st->resources++;
    if (rc->root->type != S4S_J_OBJECT) {
        w.emit = true;
        ISSUE(&w, S4S_SEV_ERROR, "structure", rc->root, "a resource must be a JSON object");
        st->with_errors++;
        return;
    }
    check_resource(&w, rc->root, rc->root, false);
    if (!w.errors) {
        rc->elems = w.list;
        rc->nelems = w.nlist;
        rc->elems_ok = w.listing && !w.list_over;
        return;
    }
    st->with_errors++;
    /* a resource the upgrade family converted is judged as the R4 it now is */
    if (w.old_hint && !rc->upgraded_from) {
        st->old_version++;
        s4s_issue(rc, S4S_SEV_ERROR, "not-supported", NULL,
                  "this looks like DSTU2 (or STU3) content, not FHIR R4 (evidence: %s); "
                  "structure not checked further", w.old_hint);
        return;
    }
    w.emit = true;
    w.errors = 0;
    check_resource(&w, rc->root, rc->root, false);
}

static void stats(void *state, s4s_jw *w)
{
    const st_state *st = state;
    s4s_jw_key(w, "structure");
    s4s_jw_obj(w);
    s4s_jw_kuint(w, "resources", st->resources);
    s4s_jw_kuint(w, "with_errors", st->with_errors);
    s4s_jw_kuint(w, "dstu2_or_stu3", st->old_version);
    s4s_jw_obj_end(w);
}

static void fini(void *state) { free(state); }

static void merge(void *into, const void *from)
{
    st_state *a = into;
    const st_state *b = from;
    a->resources += b->resources;
    a->with_errors += b->with_errors;
    a->old_version += b->old_version;
}

const s4s_rule s4s_rule_structure = {"structure", init, apply, stats, NULL /*side_output*/, fini, S4S_RULE_ANY, merge};
