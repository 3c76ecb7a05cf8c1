/*
 * nfc.c - the --nfc rule family: every string value is normalized to
 * Unicode NFC.
 *
 * Invariants: only string values change (keys, numbers and structure stay);
 * each changed value is one repair of kind "nfc" made through the
 * non-echoing edit, because a string may be free text (a name, narrative)
 * that must never reach the report.  Runs before structure, so later
 * families judge the normalized text.
 */
#include "rule.h"
#include "../filter/base/alloc.h"
#include "../filter/base/jsonw.h"
#include "../filter/base/text.h"

#include <stdlib.h>

typedef struct nstate {
    uint64_t resources, strings;  /* resources with a change; values changed */
} nstate;

static s4s_rc nfc_init(const s4s_opts *o, s4s_term *term, void **state)
{
    *state = s4s_xcalloc(1, sizeof(nstate));
    return S4S_OK;
}

static unsigned walk(s4s_rctx *rc, s4s_node *n)
{
    unsigned changed = 0;
    for (s4s_node *c = n->first; c; c = c->next) {
        if (c->type == S4S_J_OBJECT || c->type == S4S_J_ARRAY) {
            changed += walk(rc, c);
        } else if (c->type == S4S_J_STRING) {
            size_t len;
            const char *v = s4s_text_nfc(rc->arena, c->str, c->len, &len);
            if (v) {
                s4s_edit_set_str_noecho(rc, c, v, len, "nfc", "string normalized to Unicode NFC");
                changed++;
            }
        }
    }
    return changed;
}

static void nfc_apply(s4s_rctx *rc, void *state)
{
    nstate *st = state;
    unsigned n = walk(rc, rc->root);
    st->strings += n;
    st->resources += n > 0;
}

static void nfc_stats(void *state, s4s_jw *w)
{
    const nstate *st = state;
    s4s_jw_key(w, "nfc");
    s4s_jw_obj(w);
    s4s_jw_kuint(w, "resources_changed", st->resources);
    s4s_jw_kuint(w, "strings_normalized", st->strings);
    s4s_jw_obj_end(w);
}

static void nfc_merge(void *into, const void *from)
{
    nstate *a = into;
    const nstate *b = from;
    a->resources += b->resources;
    a->strings += b->strings;
}

const s4s_rule s4s_rule_nfc = {"nfc", nfc_init, nfc_apply, nfc_stats, NULL, free, S4S_RULE_ANY, nfc_merge};
