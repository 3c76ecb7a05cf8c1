/*
 * fuzz_package.c - libFuzzer harness for --package (rules/package.c): the
 * input is written to a file as the package (gzip'd or plain tar; zlib
 * reads both) and loaded with s4s_package_load().
 *
 * Invariants checked (abort() on violation):
 *  - a failed load says why, starting with the file's path;
 *  - a loaded set is consistent: each profile's elements lie inside the set,
 *    its root first; parents, slices, kids and value-set indexes point
 *    inside the set; fixed, pattern and match strings are JSON (or
 *    "@type:T"); each value set's codes are sorted and distinct.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <yajl/yajl_tree.h>

#include "../../rules/profset.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char pkg_path[64];

static bool pkg_json(const char *s)
{
    if (!s || !strncmp(s, "@type:", 6)) return true;
    yajl_val v = yajl_tree_parse(s, NULL, 0);
    yajl_tree_free(v);
    return v != NULL;
}

static void pkg_check(const s4s_prof_set *s)
{
    for (unsigned p = 0; p < s->nprofs; p++) {
        const s4s_prof *pr = &s->profs[p];
        if (!pr->url || !pr->n || pr->first + pr->n > s->nelems || s->elems[pr->first].parent != -1) abort();
    }
    for (unsigned i = 0; i < s->nelems; i++) {
        const s4s_prof_elem *e = &s->elems[i];
        if (e->parent >= (int32_t)s->nelems || e->slice_of >= (int32_t)s->nelems) abort();
        if (e->vs >= (int16_t)s->nvs) abort();
        for (unsigned k = 0; k < e->nkids; k++)
            if (s->kids[e->kids + k] >= s->nelems) abort();
        for (unsigned k = 0; k < e->nslices; k++)
            if (s->elems[s->kids[e->slices + k]].slice_of != (int32_t)i) abort();
        if (!pkg_json(e->fixed) || !pkg_json(e->pattern) || !pkg_json(e->match)) abort();
    }
    for (unsigned c = 0; c < s->ncons; c++)
        if (s->cons[c].elem >= s->nelems || !s->cons[c].expr) abort();
    for (unsigned v = 0; v < s->nvs; v++)
        for (int32_t i = 1; i < s->vss[v].n; i++)
            if (strcmp(s->codes[s->vss[v].first + (uint32_t)i - 1], s->codes[s->vss[v].first + (uint32_t)i]) >= 0)
                abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!pkg_path[0]) snprintf(pkg_path, sizeof pkg_path, "/tmp/s4s-fuzz-pkg-%ld.tgz", (long)getpid());
    FILE *f = fopen(pkg_path, "wb");
    if (!f) return 0;
    fwrite(data, 1, size, f);
    fclose(f);
    s4s_prof_set *set = NULL;
    char err[768] = "";
    s4s_rc rc = s4s_package_load(pkg_path, &set, err, sizeof err);
    if (rc) {
        if (set || strncmp(err, pkg_path, strlen(pkg_path))) abort();
    } else {
        if (!set) abort();
        pkg_check(set);
        s4s_package_free(set);
    }
    unlink(pkg_path);
    return 0;
}
