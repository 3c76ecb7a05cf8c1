/*
 * test_writer.c - s4s_write_compact_edited: a resource's raw bytes with
 * edited string values spliced in are the bytes s4s_write_node writes for
 * its tree, or it declines (appending nothing) and the tree is written.
 *
 * Trees come from the real parser (sax + assemble), so node offsets are
 * the pipeline's.  Random resources (pretty and compact, escapes canonical
 * or not) get random string values replaced, as the rules do through
 * edit.c; a node removed or inserted, or a value that was not a string in
 * the input, must be declined.  The edited values are found by walking the
 * tree, or given as the rules' list (rule.h rc->edits, in any order): both
 * must give the same answer.
 */
#include "unit.h"
#include "../../filter/assemble.h"
#include "../../filter/base/arena.h"
#include "../../filter/base/buf.h"
#include "../../filter/s4s.h"
#include "../../filter/sax.h"
#include "../../filter/writer.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* EDIT_CANON: escapes only as s4s_write_node spells them, so every
 * resource must be taken */
typedef enum { EDIT_STRINGS, EDIT_CANON, EDIT_REMOVE, EDIT_NUMBER } plan;

typedef struct run {
    plan     plan;
    uint64_t seed;
    unsigned resources, taken, declined, listed;
} run;

static uint32_t rnd(uint64_t *s)
{
    *s = *s * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)(*s >> 33);
}

static const char *const new_values[] = {
    "Patient/p1", "", "a \"quoted\" word", "back\\slash", "tab\there", "line\nbreak", "caf\xc3\xa9",
    "urn:uuid:0f8fad5b-d9cb-469f-a165-70867728950e",
};

/* every node of the tree, depth first, into v */
static void nodes(s4s_node *n, s4s_node **v, size_t *k, size_t cap)
{
    for (s4s_node *c = n->first; c; c = c->next) {
        if (*k < cap)
            v[(*k)++] = c;
        nodes(c, v, k, cap);
    }
}

static size_t count(const s4s_node *n)
{
    size_t k = 0;
    for (const s4s_node *c = n->first; c; c = c->next)
        k += 1 + count(c);
    return k;
}

/* the S4S_KK_* bits of every member name below n, counted afresh */
static unsigned kinds_below(const s4s_node *n)
{
    unsigned k = 0;
    for (const s4s_node *c = n->first; c; c = c->next)
        k |= (n->type == S4S_J_OBJECT ? s4s_key_kind(c->key, c->klen) : 0) | kinds_below(c);
    return k;
}

static s4s_rc on_res(void *u, s4s_res *r)
{
    run *t = u;
    if (!r->root || !r->raw)
        return S4S_OK;
    t->resources++;
    /* the parser's count of the nodes (the invariants family's dom-3
     * shortcut bounds its work by it instead of walking) */
    CHECK(r->refs_listed && r->nodes == count(r->root));
    s4s_node *v[512];
    size_t k = 0;
    nodes(r->root, v, &k, 512);
    /* the parser's summary of member names (codes and units skip subtrees by it) */
    CHECK(r->kinds && r->root->kinds == kinds_below(r->root));
    for (size_t i = 0; i < k; i++)
        CHECK(v[i]->kinds == kinds_below(v[i]));
    bool edited = false, must_decline = false;
    const s4s_node *list[512];
    size_t nlist = 0;
    for (size_t i = 0; i < k; i++) {
        s4s_node *n = v[i];
        if (rnd(&t->seed) % 3)
            continue;
        if ((t->plan == EDIT_STRINGS || t->plan == EDIT_CANON) && n->type == S4S_J_STRING) {
            const char *nv = new_values[rnd(&t->seed) % (sizeof new_values / sizeof *new_values)];
            s4s_node_set(r->arena, n, S4S_J_STRING, nv, strlen(nv));
            n->flags |= S4S_NF_EDITED;
            /* the rules edit in any order: a random place in the list */
            size_t at = nlist ? rnd(&t->seed) % (nlist + 1) : 0;
            list[nlist++] = list[at];
            list[at] = n;
            edited = true;
        } else if (t->plan == EDIT_REMOVE && n != r->root->first) {
            n->flags |= S4S_NF_REMOVED;
            edited = must_decline = true;
        } else if (t->plan == EDIT_NUMBER && n->type == S4S_J_NUMBER) {
            s4s_node_set(r->arena, n, S4S_J_STRING, "7", 1); /* was a number in the input */
            n->flags |= S4S_NF_EDITED;
            list[nlist++] = n;
            edited = must_decline = true;
        }
    }
    s4s_buf got, want;
    s4s_buf_init(&got, 1 << 20);
    s4s_buf_init(&want, 1 << 20);
    s4s_buf_puts(&got, "prefix:"); /* a decline must leave what was there */
    bool ok = s4s_write_compact_edited(&got, r->raw->p, r->raw->len, r->off, r->root, NULL, 0);
    s4s_write_node(&want, r->root);
    if (t->plan != EDIT_REMOVE) { /* a removal is the list's caller's to see (rc->reshaped) */
        s4s_buf viaList;
        s4s_buf_init(&viaList, 1 << 20);
        s4s_buf_puts(&viaList, "prefix:");
        bool lok = s4s_write_compact_edited(&viaList, r->raw->p, r->raw->len, r->off, r->root, list, nlist);
        CHECK(lok == ok);
        CHECK(viaList.len == got.len && !memcmp(viaList.p, got.p, got.len));
        t->listed += lok;
        s4s_buf_free(&viaList);
    }
    if (ok) {
        t->taken++;
        CHECK(got.len == want.len + 7 && !memcmp(got.p + 7, want.p, want.len));
        CHECK(!must_decline);
    } else {
        t->declined++;
        CHECK(got.len == 7);
        CHECK(t->plan != EDIT_CANON || !edited);
    }
    s4s_buf_free(&got);
    s4s_buf_free(&want);
    return S4S_OK;
}

static void feed(run *t, const char *json)
{
    s4s_opts o;
    s4s_opts_default(&o);
    s4s_sax *sax = s4s_sax_new(o.max_resource_bytes, 1024, NULL, NULL);
    s4s_asm *a = s4s_asm_new(&o, on_res, t);
    s4s_asm_attach(a, sax);
    size_t n = strlen(json);
    /* in pieces, as reads come: offsets must not depend on them */
    for (size_t i = 0, step; i < n; i += step) {
        step = 1 + rnd(&t->seed) % 97;
        if (step > n - i)
            step = n - i;
        CHECK(s4s_sax_feed(sax, (const unsigned char *)json + i, step) == S4S_OK);
    }
    CHECK(s4s_sax_finish(sax) == S4S_OK);
    s4s_asm_free(a);
    s4s_sax_free(sax);
}

/* a random resource: nested objects and arrays of strings (escaped both
 * canonically and not), numbers and literals, pretty or compact */
static void gen_value(uint64_t *s, s4s_buf *b, int depth, bool pretty, bool canon);

static void gen_string(uint64_t *s, s4s_buf *b, bool canon)
{
    /* the first eight are spelled as s4s_buf_json_str spells them */
    static const char *const bits[] = {"abc", "\\\"", "\\\\", "\\n", "x y", "urn:uuid:", "\xc3\xa9", "\\t",
                                       "\\u00e9", "\\/", "\\u0041", "Patient/"};
    s4s_buf_putc(b, '"');
    for (unsigned i = 0, n = rnd(s) % 5; i < n; i++)
        s4s_buf_puts(b, bits[rnd(s) % (canon ? 8 : sizeof bits / sizeof *bits)]);
    s4s_buf_putc(b, '"');
}

static void gen_value(uint64_t *s, s4s_buf *b, int depth, bool pretty, bool canon)
{
    unsigned k = depth > 3 ? rnd(s) % 4 : rnd(s) % 6;
    const char *sp = pretty ? " " : "";
    switch (k) {
    case 0: case 1: gen_string(s, b, canon); break;
    case 2: s4s_buf_puts(b, rnd(s) % 2 ? "12.50" : "-3"); break;
    case 3: s4s_buf_puts(b, rnd(s) % 2 ? "true" : "null"); break;
    case 4: {
        s4s_buf_putc(b, '[');
        for (unsigned i = 0, n = rnd(s) % 4; i < n; i++) {
            if (i) s4s_buf_putc(b, ',');
            s4s_buf_puts(b, sp);
            gen_value(s, b, depth + 1, pretty, canon);
        }
        s4s_buf_putc(b, ']');
        break;
    }
    default: {
        /* distinct names, some of them ones the parser sums up (S4S_KK_*) */
        static const char *const names[] = {"system", "code", "value", "referenceRange", "data",
                                            "k0", "k1", "k2", "k3"};
        const unsigned nn = sizeof names / sizeof *names;
        unsigned from = rnd(s) % nn;
        s4s_buf_putc(b, '{');
        for (unsigned i = 0, n = 1 + rnd(s) % 4; i < n; i++) {
            if (i) s4s_buf_putc(b, ',');
            s4s_buf_puts(b, pretty ? "\n  " : "");
            char key[32];
            snprintf(key, sizeof key, "\"%s\":%s", names[(from + i) % nn], sp);
            s4s_buf_puts(b, key);
            gen_value(s, b, depth + 1, pretty, canon);
        }
        s4s_buf_puts(b, pretty ? "\n}" : "}");
    }
    }
}

static void test_random(plan pl, unsigned rounds)
{
    run t = {.plan = pl, .seed = 0x2545f4914f6cdd1dull + pl};
    for (unsigned r = 0; r < rounds; r++) {
        s4s_buf b;
        s4s_buf_init(&b, 1 << 20);
        bool pretty = r % 2;
        /* a Bundle now and then: entries' resources have offsets of their own */
        bool bundle = r % 5 == 0;
        s4s_buf_puts(&b, bundle ? "{\"resourceType\":\"Bundle\",\"entry\":[{\"resource\":" : "");
        s4s_buf_puts(&b, pretty ? "{\n  \"resourceType\": \"Basic\",\n  \"x\": " : "{\"resourceType\":\"Basic\",\"x\":");
        gen_value(&t.seed, &b, 0, pretty, pl == EDIT_CANON);
        s4s_buf_puts(&b, pretty ? ",\n  \"y\": " : ",\"y\":");
        gen_value(&t.seed, &b, 0, pretty, pl == EDIT_CANON);
        s4s_buf_puts(&b, pretty ? "\n}" : "}");
        s4s_buf_puts(&b, bundle ? "}]}\n" : "\n");
        s4s_buf_putc(&b, '\0');
        feed(&t, b.p);
        s4s_buf_free(&b);
    }
    CHECK(t.resources == rounds);
    if (pl == EDIT_STRINGS)
        CHECK(t.taken > rounds / 2 && t.listed == t.taken); /* most are taken: the path is used */
    else if (pl == EDIT_CANON)
        CHECK(t.taken == rounds && t.listed == rounds); /* edited or not, every one (checked above) */
    else
        CHECK(t.taken < rounds); /* whatever changed the shape was declined (checked above) */
}

int main(void)
{
    test_random(EDIT_STRINGS, 3000);
    test_random(EDIT_CANON, 2000);
    test_random(EDIT_REMOVE, 1000);
    test_random(EDIT_NUMBER, 1000);
    return UNIT_DONE();
}
