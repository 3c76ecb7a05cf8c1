/*
 * fhirpath_cli.c - `s4s-term fhirpath [--trace] [--context EXPR] EXPR [FILE|-]`:
 * evaluate EXPR against one JSON resource (with --context, once per item
 * the context expression selects) and print one line,
 *   {"result":[{"type":"<type>","value":<value>},...]}
 * A TypeInfo (type()) prints as {"namespace":"FHIR"|"System","name":"<type>"};
 * a value set memberOf() cannot decide is noted on stderr as
 * "information: value set URL not evaluated ...", once per value set.
 * or {"error":"..."} (exit 1 for a syntax, type or evaluation error, 2 when
 * the input cannot be read or is not JSON).  Also the result writer.
 *
 * Invariants: the input is parsed with yajl's tree API into one arena tree
 * (numbers keep their lexeme), so the engine sees what the filter sees;
 * dates, times and quantities print as their FHIRPath literal text.
 */
#include "fhirpath_int.h"

#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_tree.h>
#include "../filter/base/alloc.h"
#include "../terminology/term.h"
#include "../terminology/ucum.h"
#include "tables/fhir_r4.h"

static void json_node(s4s_buf *b, const s4s_node *n)
{
    switch (n->type) {
    case S4S_J_STRING: s4s_buf_json_str(b, n->str, n->len); return;
    case S4S_J_NUMBER: s4s_buf_put(b, n->str, n->len); return;
    case S4S_J_TRUE: s4s_buf_puts(b, "true"); return;
    case S4S_J_FALSE: s4s_buf_puts(b, "false"); return;
    case S4S_J_NULL: s4s_buf_puts(b, "null"); return;
    default: break;
    }
    bool obj = n->type == S4S_J_OBJECT, first = true;
    s4s_buf_putc(b, obj ? '{' : '[');
    S4S_EACH(k, n) {
        if (!first) s4s_buf_putc(b, ',');
        first = false;
        if (obj) {
            s4s_buf_json_str(b, k->key, k->klen);
            s4s_buf_putc(b, ':');
        }
        json_node(b, k);
    }
    s4s_buf_putc(b, obj ? '}' : ']');
}

void s4s_fp_write_result(s4s_buf *b, const s4s_fp_coll *c)
{
    s4s_buf_putc(b, '[');
    for (uint32_t i = 0; i < c->n; i++) {
        const fp_val *v = &c->v[i];
        char t[96];
        if (i) s4s_buf_putc(b, ',');
        s4s_buf_puts(b, "{\"type\":");
        const char *tn = fp_type_name(v);
        s4s_buf_json_str(b, tn, strlen(tn));
        s4s_buf_puts(b, ",\"value\":");
        switch (v->k) {
        case FK_NODE:
            if (!v->n) json_node(b, v->ext);
            else json_node(b, v->n);
            break;
        case FK_BOOL: s4s_buf_puts(b, v->u.b ? "true" : "false"); break;
        case FK_INT: snprintf(t, sizeof t, "%lld", (long long)v->u.i); s4s_buf_puts(b, t); break;
        case FK_DEC: fp_dec_str(v->u.d, t, sizeof t); s4s_buf_puts(b, t); break;
        case FK_STR: s4s_buf_json_str(b, v->u.s.p, v->u.s.len); break;
        case FK_QTY: fp_qty_str(v, t, sizeof t); s4s_buf_json_str(b, t, strlen(t)); break;
        case FK_TYPE:
            s4s_buf_puts(b, "{\"namespace\":");
            s4s_buf_json_str(b, v->u.ti.ns, strlen(v->u.ti.ns));
            s4s_buf_puts(b, ",\"name\":");
            s4s_buf_json_str(b, v->u.ti.name, strlen(v->u.ti.name));
            s4s_buf_putc(b, '}');
            break;
        default: fp_dt_str(&v->u.dt, (fp_kind)v->k, t, sizeof t); s4s_buf_json_str(b, t, strlen(t)); break;
        }
        s4s_buf_putc(b, '}');
    }
    s4s_buf_putc(b, ']');
}

/* yajl's tree to ours; numbers keep their lexeme */
static s4s_node *from_yajl(s4s_arena *a, yajl_val v, const char *key)
{
    size_t kl = key ? strlen(key) : 0;
    s4s_node *n;
    switch (v->type) {
    case yajl_t_string: n = s4s_node_new(a, S4S_J_STRING, key, kl, v->u.string, strlen(v->u.string)); break;
    case yajl_t_number: n = s4s_node_new(a, S4S_J_NUMBER, key, kl, v->u.number.r, strlen(v->u.number.r)); break;
    case yajl_t_true: n = s4s_node_new(a, S4S_J_TRUE, key, kl, NULL, 0); break;
    case yajl_t_false: n = s4s_node_new(a, S4S_J_FALSE, key, kl, NULL, 0); break;
    case yajl_t_object:
        n = s4s_node_new(a, S4S_J_OBJECT, key, kl, NULL, 0);
        for (size_t i = 0; i < v->u.object.len; i++)
            s4s_node_append(n, from_yajl(a, v->u.object.values[i], v->u.object.keys[i]));
        break;
    case yajl_t_array:
        n = s4s_node_new(a, S4S_J_ARRAY, key, kl, NULL, 0);
        for (size_t i = 0; i < v->u.array.len; i++) s4s_node_append(n, from_yajl(a, v->u.array.values[i], NULL));
        break;
    default: n = s4s_node_new(a, S4S_J_NULL, key, kl, NULL, 0); break;
    }
    return n;
}

static int error_line(s4s_buf *out, const char *msg, int rc)
{
    s4s_buf_clear(out);
    s4s_buf_puts(out, "{\"error\":");
    s4s_buf_json_str(out, msg, strlen(msg));
    s4s_buf_putc(out, '}');
    return rc;
}

/* value sets memberOf() could not decide, each noted once */
typedef struct vs_notes {
    FILE       *f;
    const char *seen[16];
    unsigned    n;
    s4s_arena  *a;
} vs_notes;

static void vs_note(void *ud, const char *vs, size_t n)
{
    vs_notes *vn = ud;
    for (unsigned i = 0; i < vn->n; i++)
        if (strlen(vn->seen[i]) == n && !memcmp(vn->seen[i], vs, n)) return;
    if (vn->n < sizeof vn->seen / sizeof vn->seen[0]) vn->seen[vn->n++] = s4s_arena_strndup(vn->a, vs, n);
    if (vn->f) fprintf(vn->f, "information: value set %.*s not evaluated (not expandable from the terminology cache)\n",
                       (int)n, vs);
}

/* the resource holding node: its nearest ancestor-or-self with a resourceType */
static const s4s_node *holder(const s4s_node *n)
{
    for (; n; n = n->parent)
        if (n->type == S4S_J_OBJECT && s4s_get_str(n, "resourceType")) return n;
    return NULL;
}

/* evaluate x for each context item into one collection */
static s4s_rc eval_per_context(const s4s_fp_expr *x, s4s_fp_env *env, const s4s_fp_coll *ctx, s4s_fp_coll *res)
{
    s4s_fp_coll all = {0};
    for (uint32_t i = 0; i < ctx->n; i++) {
        const fp_val *it = &ctx->v[i];
        const s4s_node *at = it->k == FK_NODE ? (it->n ? it->n : it->ext) : NULL;
        const s4s_node *r = holder(at), *p = r ? r->parent : NULL;
        env->resource = r;
        /* a contained resource's container is %rootResource */
        env->root = p && p->type == S4S_J_ARRAY && p->key && !strcmp(p->key, "contained") ? holder(p->parent) : r;
        s4s_fp_coll one;
        if (s4s_fp_eval_item(x, env, it, &one) != S4S_OK) return S4S_ERR_INVALID;
        s4s_fp_val *v = s4s_arena_alloc(env->arena, ((size_t)all.n + one.n + 1) * sizeof *v);
        if (all.n) memcpy(v, all.v, all.n * sizeof *v);
        if (one.n) memcpy(v + all.n, one.v, one.n * sizeof *v);
        all.v = v;
        all.n += one.n;
        all.cap = all.n + 1;
    }
    *res = all;
    return S4S_OK;
}

int s4s_fp_run(const char *expr, const char *json, const s4s_fp_run_opts *o, s4s_buf *out)
{
    static const s4s_fp_run_opts none;
    if (!o) o = &none;
    s4s_arena *a = s4s_arena_new(1 << 16);
    char err[S4S_FP_ERR + 64];
    s4s_fp_expr *x, *cx = NULL;
    const s4s_node *root = NULL;
    int rc = 0;
    if (s4s_fp_compile(a, expr, strlen(expr), &x, err, sizeof err) != S4S_OK ||
        (o->context && s4s_fp_compile(a, o->context, strlen(o->context), &cx, err, sizeof err) != S4S_OK)) {
        rc = error_line(out, err, 1);
        goto done;
    }
    if (json) {
        char why[256];
        yajl_val v = yajl_tree_parse(json, why, sizeof why);
        if (!v || v->type != yajl_t_object) {
            yajl_tree_free(v);
            rc = error_line(out, "input is not a JSON object", 2);
            goto done;
        }
        root = from_yajl(a, v, NULL);
        yajl_tree_free(v);
    }
    vs_notes vn = {.f = o->info, .a = a};
    s4s_fp_env env = {.arena = a, .resource = root, .ucum = s4s_ucum_new(), .trace = o->trace,
                      .term = o->term, .vs_not_evaluated = vs_note, .vs_ud = &vn};
    s4s_fp_coll res, ctx;
    s4s_rc erc = cx ? s4s_fp_eval(cx, &env, root, S4S_FHIR_NONE, S4S_FHIR_NONE, &ctx) : S4S_OK;
    if (erc == S4S_OK)
        erc = cx ? eval_per_context(x, &env, &ctx, &res) : s4s_fp_eval(x, &env, root, S4S_FHIR_NONE, S4S_FHIR_NONE, &res);
    if (erc != S4S_OK) {
        rc = error_line(out, env.err, 1);
    } else {
        s4s_buf_puts(out, "{\"result\":");
        s4s_fp_write_result(out, &res);
        s4s_buf_putc(out, '}');
        if (out->over) rc = error_line(out, "result too large", 2);
    }
    s4s_fp_env_fini(&env);
    s4s_ucum_free(env.ucum);
done:
    s4s_arena_free(a);
    return rc;
}

#define MAX_INPUT ((size_t)256 << 20)

static char *read_all(FILE *f, size_t *n)
{
    size_t cap = 65536, len = 0;
    char *p = s4s_xmalloc(cap + 1);
    for (;;) {
        size_t got = fread(p + len, 1, cap - len, f);
        len += got;
        if (len < cap) break;
        if (cap >= MAX_INPUT) { free(p); return NULL; }
        cap *= 2;
        p = s4s_xrealloc(p, cap + 1);
    }
    if (ferror(f)) { free(p); return NULL; }
    p[len] = '\0';
    *n = len;
    return p;
}

int s4s_term_cmd_fhirpath(int argc, char **argv)
{
    s4s_fp_run_opts o = {.info = stderr};
    int i = 1;
    for (; i < argc; i++) {
        if (!strcmp(argv[i], "--trace")) o.trace = stderr;
        else if (!strcmp(argv[i], "--context") && i + 1 < argc) o.context = argv[++i];
        else break;
    }
    if (argc - i < 1 || argc - i > 2) {
        fprintf(stderr, "usage: s4s-term fhirpath [--trace] [--context EXPR] EXPR [FILE|-]\n");
        return 1;
    }
    const char *src = argv[i], *path = i + 1 < argc ? argv[i + 1] : NULL;
    char *text = NULL;
    s4s_buf out;
    s4s_buf_init(&out, (size_t)1 << 30);
    int rc;
    if (path) {
        FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
        size_t n = 0;
        if (f) text = read_all(f, &n);
        if (f && f != stdin) fclose(f);
        if (!text) {
            char err[64 + 4096];
            snprintf(err, sizeof err, "cannot read %s", path);
            rc = error_line(&out, err, 2);
            goto print;
        }
    }
    /* without the cache memberOf() still answers enumerated value sets */
    if (s4s_term_open(NULL, &o.term) != S4S_OK) o.term = NULL;
    rc = s4s_fp_run(src, text, &o, &out);
    s4s_term_close(o.term);
print:
    s4s_buf_putc(&out, '\n');
    if (fwrite(out.p, 1, out.len, stdout) != out.len && rc == 0) rc = 2;
    s4s_buf_free(&out);
    free(text);
    return rc;
}
