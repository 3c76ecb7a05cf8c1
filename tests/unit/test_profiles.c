/*
 * test_profiles.c - the generated US Core tables (rules/tables/profiles_uscore.h)
 * are consistent and every constraint they carry compiles in the FHIRPath
 * engine; the pattern, fixed and slice strings are JSON.
 */
#include <string.h>
#include <yajl/yajl_tree.h>
#include "unit.h"
#include "../../rules/fhirpath.h"
#include "../../rules/tables/profiles_uscore.h"

static void test_constraints_compile(void)
{
    s4s_arena *a = s4s_arena_new(1 << 14);
    unsigned bad = 0;
    for (unsigned i = 0; i < S4S_PROF_N_CONS; i++) {
        s4s_fp_expr *x;
        char err[256];
        const char *src = s4s_prof_cons[i].expr;
        if (s4s_fp_compile(a, src, strlen(src), &x, err, sizeof err) != S4S_OK) {
            fprintf(stderr, "profile constraint %s does not compile: %s\n", s4s_prof_cons[i].key, err);
            bad++;
        }
        CHECK(s4s_prof_cons[i].elem < S4S_PROF_N_ELEMS);
    }
    CHECK(bad == 0);
    CHECK(S4S_PROF_N_CONS >= 20);
    s4s_arena_free(a);
}

static bool is_json(const char *s)
{
    if (!s) return true;
    yajl_val v = yajl_tree_parse(s, NULL, 0);
    yajl_tree_free(v);
    return v != NULL;
}

static void test_elements(void)
{
    unsigned bad = 0;
    for (unsigned p = 0; p < S4S_PROF_N_PROFILES; p++) {
        const s4s_prof *pr = &s4s_profs[p];
        CHECK(pr->first + pr->n <= S4S_PROF_N_ELEMS);
        CHECK(s4s_prof_elems[pr->first].parent == -1);        /* the root first */
        CHECK(is_json(pr->selector));
        for (unsigned i = pr->first + 1u; i < (unsigned)pr->first + pr->n; i++) {
            const s4s_prof_elem *e = &s4s_prof_elems[i];
            /* parents and sliced elements inside the same profile, earlier */
            if (e->parent < pr->first || e->parent >= (int)i) bad++;
            if (e->slice_of != -1 && (e->slice_of < pr->first || e->slice_of >= (int)i)) bad++;
            if (!is_json(e->fixed) || !is_json(e->pattern)) bad++;
            if (e->match && strncmp(e->match, "@type:", 6) && !is_json(e->match)) bad++;
            if (e->min > e->max) bad++;
        }
    }
    CHECK(bad == 0);
}

static void test_value_sets(void)
{
    unsigned omb = 0;
    for (unsigned v = 0; v < S4S_PROF_N_VS; v++) {
        const s4s_prof_vs *vs = &s4s_prof_vss[v];
        for (int32_t i = 1; i < vs->n; i++)
            CHECK(strcmp(s4s_prof_codes[vs->first + i - 1], s4s_prof_codes[vs->first + i]) < 0);
        if (!strcmp(vs->url, "http://hl7.org/fhir/us/core/ValueSet/omb-race-category")) {
            omb = (unsigned)vs->n; /* 5 OMB categories + UNK, ASKU */
            CHECK_STR(s4s_prof_codes[vs->first], "http://terminology.hl7.org/CodeSystem/v3-NullFlavor|ASKU");
        }
    }
    CHECK(omb == 7);
}

int main(void)
{
    test_constraints_compile();
    test_elements();
    test_value_sets();
    return UNIT_DONE();
}
