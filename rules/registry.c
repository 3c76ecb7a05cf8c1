/*
 * registry.c - the rule families, in the order they run on each resource,
 * and which of them a run enables.
 *
 * Invariant: the DSTU2/STU3 upgrade runs first (unless --no-upgrade or
 * --no-validate), so every later family sees R4; the urn:uuid rewrite
 * runs next and is the only family that
 * runs under --no-validate (it is part of the passthrough); nfc (only with
 * --nfc) runs next, so every later family sees normalized text; structure
 * follows, then profiles (later families may rely on its verdict being recorded, never on
 * the tree being valid); terminology-aware families follow, variants before
 * codes so codes judges the repaired gene codes; bundle-ref runs last, so
 * the verdict it keeps for a resource (written or quarantined) is final.
 * Stats sections appear in this order.  Adding a family is one row here
 * plus its own file (and a line in s4s_rule_bundle_end if it spans Bundles).
 */
#include "rule.h"

extern const s4s_rule s4s_rule_upgrade;  /* upgrade.c: DSTU2/STU3 -> R4 */
extern const s4s_rule s4s_rule_urnuuid;   /* urnuuid.c: urn:uuid references -> Type/id */
extern const s4s_rule s4s_rule_nfc;       /* nfc.c: Unicode NFC (--nfc) */
extern const s4s_rule s4s_rule_structure; /* structure.c: FHIR R4 definitions */
extern const s4s_rule s4s_rule_profiles;  /* profiles.c: US Core 3.1.1 profiles */
extern const s4s_rule s4s_rule_codes;     /* codes.c: system URIs, code syntax, look-ups */
extern const s4s_rule s4s_rule_units;     /* units.c: UCUM quantities */
extern const s4s_rule s4s_rule_variants;  /* variants.c: HGVS and HGNC */
extern const s4s_rule s4s_rule_content;  /* content.c: HTML in strings, Attachment size/hash */
extern const s4s_rule s4s_rule_invariants; /* invariants.c: R4 FHIRPath constraints */
extern const s4s_rule s4s_rule_bundlerefs; /* bundlerefs.c: references unresolved in a Bundle */
void s4s_bundlerefs_end(s4s_rctx *rc, void *state);

const s4s_rule *const s4s_rules[] = {
    &s4s_rule_upgrade,
    &s4s_rule_urnuuid,
    &s4s_rule_nfc,
    &s4s_rule_structure, /* before invariants: it lists the elements those run on (rc->elems) */
    &s4s_rule_profiles,
    &s4s_rule_variants, /* before codes: it repairs gene codes (2623 -> HGNC:2623) that codes then looks up */
    &s4s_rule_codes,
    &s4s_rule_units,
    &s4s_rule_content,
    &s4s_rule_invariants,
    &s4s_rule_bundlerefs,
};
const unsigned s4s_n_rules = sizeof s4s_rules / sizeof s4s_rules[0];

bool s4s_rule_enabled(unsigned i, const s4s_opts *o)
{
    const s4s_rule *r = s4s_rules[i];
    if (r == &s4s_rule_urnuuid)
        return true;
    if (r == &s4s_rule_upgrade)
        return o->validate && !o->no_upgrade;
    if (r == &s4s_rule_nfc)
        return o->validate && o->nfc;
    return o->validate;
}

void s4s_rule_bundle_end(unsigned i, s4s_rctx *rc, void *state)
{
    if (s4s_rules[i] == &s4s_rule_bundlerefs)
        s4s_bundlerefs_end(rc, state);
}
