/*
 * test_elems.c - the structure family's element list (rule.h rc->elems)
 * against the FHIRPath walk it stands in for: on every resource of every
 * case file's input and of the bundled sample, built by the real parser
 * and assembler, s4s_fp_walk_list over the list must make the calls
 * s4s_fp_walk makes over the tree, in the same order, with want() the
 * listing itself (the most the invariants family can ask for).
 */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include "unit.h"
#include "../../filter/assemble.h"
#include "../../filter/sax.h"
#include "../../rules/fhirpath_int.h"
#include "../../rules/rule.h"
#include "../../rules/tables/fhir_r4.h"

extern const s4s_rule s4s_rule_structure;

typedef struct call {
    const s4s_node *at, *res, *node, *ext;  /* where, and the item's value and `_x` object */
    unsigned elem, type, ctx;               /* as fn gets them */
    unsigned kind, item_type, item_ctx, item_elem;
} call;

#define MAX_CALLS 8192

typedef struct calls {
    call v[MAX_CALLS];
    unsigned n;
    bool over;
} calls;

static calls by_walk, by_list;
static void *st_state;
static s4s_opts opts;
static unsigned listed, walked_only, resources;

static bool want(void *ud, unsigned elem, unsigned type)
{
    (void)ud;
    const s4s_elem_listing *l = s4s_invariants_listing();
    return (elem != S4S_FHIR_NONE && l->elem[elem]) || (type != S4S_FHIR_NONE && l->type[type]);
}

static void record(void *ud, const s4s_fp_val *item, unsigned elem, unsigned type, unsigned ctx,
                   const s4s_node *res, const s4s_node *at)
{
    calls *c = ud;
    if (c->n == MAX_CALLS) {
        c->over = true;
        return;
    }
    c->v[c->n++] = (call){at, res, item->n, item->ext, elem, type, ctx, item->k, item->type, item->ctx, item->elem};
}

static bool same(const calls *a, const calls *b)
{
    if (a->n != b->n || a->over || b->over) return false;
    for (unsigned i = 0; i < a->n; i++) {
        const call *x = &a->v[i], *y = &b->v[i];
        if (x->at != y->at || x->res != y->res || x->node != y->node || x->ext != y->ext || x->elem != y->elem ||
            x->type != y->type || x->ctx != y->ctx || x->kind != y->kind || x->item_type != y->item_type ||
            x->item_ctx != y->item_ctx || x->item_elem != y->item_elem)
            return false;
    }
    return true;
}

static s4s_rc on_res(void *u, s4s_res *r)
{
    (void)u;
    if (!r->root || r->reason) return S4S_OK;
    s4s_rctx rc = {.arena = r->arena, .root = r->root, .opts = &opts, .rule = "structure"};
    rc.type = s4s_get_str(r->root, "resourceType");
    s4s_rule_structure.apply(&rc, st_state);
    resources++;
    s4s_fp_env env = {.arena = r->arena, .root = r->root};
    by_walk.n = by_list.n = 0;
    by_walk.over = by_list.over = false;
    s4s_fp_walk(&env, r->root, NULL, want, record, &by_walk);
    if (!rc.elems_ok) {
        walked_only++;
        return S4S_OK;
    }
    listed++;
    s4s_fp_walk_list(&env, r->root, rc.elems, rc.nelems, want, record, &by_list);
    if (!same(&by_walk, &by_list)) {
        fprintf(stderr, "  %s %s: walk %u calls, list %u\n", rc.type ? rc.type : "?",
                s4s_get_str(r->root, "id") ? s4s_get_str(r->root, "id") : "?", by_walk.n, by_list.n);
        CHECK(0);
    } else {
        CHECK(1);
    }
    return S4S_OK;
}

/* every top-level value of text, parsed as the pipeline would */
static void feed(const char *text, size_t n)
{
    s4s_sax *sax = s4s_sax_new(opts.max_resource_bytes, 1024, NULL, NULL);
    s4s_asm *as = s4s_asm_new(&opts, on_res, NULL);
    s4s_asm_attach(as, sax);
    if (s4s_sax_feed(sax, (const unsigned char *)text, n) == S4S_OK) s4s_sax_finish(sax);
    s4s_asm_free(as);
    s4s_sax_free(sax);
}

static char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char *b = NULL;
    size_t cap = 0;
    *n = 0;
    for (;;) {
        if (*n + 4096 > cap) b = realloc(b, cap = cap * 2 + 8192);
        size_t got = fread(b + *n, 1, cap - *n - 1, f);
        if (!got) break;
        *n += got;
    }
    fclose(f);
    b[*n] = '\0';
    return b;
}

/* a case file's "=== input" section */
static void feed_case(const char *path)
{
    size_t n;
    char *t = slurp(path, &n);
    if (!t) return;
    char *in = strstr(t, "=== input\n");
    if (in) {
        in += strlen("=== input\n");
        char *end = strstr(in, "\n=== ");
        feed(in, end ? (size_t)(end - in) + 1 : strlen(in));
    }
    free(t);
}

static void feed_cases(const char *root)
{
    DIR *d = opendir(root);
    CHECK(d != NULL);
    if (!d) return;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        char sub[512];
        snprintf(sub, sizeof sub, "%s/%s", root, e->d_name);
        DIR *s = opendir(sub);
        if (!s) continue;
        struct dirent *f;
        while ((f = readdir(s))) {
            size_t l = strlen(f->d_name);
            if (l < 6 || strcmp(f->d_name + l - 5, ".test")) continue;
            char path[1024];
            snprintf(path, sizeof path, "%s/%s", sub, f->d_name);
            feed_case(path);
        }
        closedir(s);
    }
    closedir(d);
}

/* the walk's order at the edges: a primitive's extensions (alone and beside
 * a value), nested extensions, a contained resource, an array of
 * primitives with nulls, a Narrative with only `_div` */
static const char edges[] =
    "{\"resourceType\":\"Observation\",\"id\":\"o\",\"status\":\"final\",\"code\":{\"coding\":[{\"system\":\"s\","
    "\"code\":\"c\",\"extension\":[{\"url\":\"u\",\"valueString\":\"v\",\"extension\":[{\"url\":\"w\","
    "\"valueInteger\":1}]}]}],\"text\":\"t\"},\"_status\":{\"extension\":[{\"url\":\"x\",\"valueCode\":\"y\"}]},"
    "\"valuePeriod\":{\"start\":\"2020\",\"end\":\"2021\"},\"subject\":{\"reference\":\"#p\"},"
    "\"contained\":[{\"resourceType\":\"Patient\",\"id\":\"p\",\"name\":[{\"given\":[\"a\",null],"
    "\"_given\":[null,{\"extension\":[{\"url\":\"z\",\"valueBoolean\":true}]}]}],"
    "\"_birthDate\":{\"extension\":[{\"url\":\"q\",\"valueDate\":\"2000\"}]}}]}\n"
    "{\"resourceType\":\"Patient\",\"id\":\"q\",\"text\":{\"status\":\"generated\",\"div\":\"<div "
    "xmlns=\\\"http://www.w3.org/1999/xhtml\\\">x</div>\"},\"contact\":[{\"gender\":\"female\"}]}\n"
    "{\"resourceType\":\"Patient\",\"id\":\"r\",\"text\":{\"status\":\"generated\",\"_div\":{\"extension\":"
    "[{\"url\":\"d\",\"valueString\":\"e\"}]}}}\n";

int main(void)
{
    s4s_opts_default(&opts);
    CHECK(s4s_rule_structure.init(&opts, NULL, &st_state) == S4S_OK);
    feed(edges, sizeof edges - 1);
    CHECK(listed == 3 && walked_only == 0);
    feed_cases("tests/cases");
    size_t n;
    char *sample = slurp("tests/data/sample-bundle.json", &n);
    CHECK(sample != NULL);
    if (sample) feed(sample, n);
    free(sample);
    /* most resources of the cases are valid: the list is the common path */
    CHECK(listed > 300 && walked_only > 50);
    printf("resources %u: listed %u, walked (a structure error) %u\n", resources, listed, walked_only);
    s4s_rule_structure.fini(st_state);
    return UNIT_DONE();
}
