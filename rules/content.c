/*
 * content.c - rule family "content": two checks the HL7 validator makes by
 * default that need neither terminology nor Bundle context.
 *
 * - HTML in plain strings: a string value (any member but `div`, the one
 *   xhtml element of R4: Narrative.div, which txt-1/htmlChecks() judge)
 *   holding something that reads as an HTML tag (`<script`, `<img `,
 *   `<a href`, `<b>`...) is a warning, code security.  The message names the
 *   tag from our own list and the path, never the string.
 * - Attachment.size and Attachment.hash (base64 SHA-1) against the decoded
 *   `data`: an error when they disagree.  An Attachment is recognised by
 *   shape, an object (not a resource) with a string `data` and a `size` or
 *   `hash`: in R4 only Attachment has those members together (Binary and
 *   Signature have data but neither size nor hash).  Data that is not
 *   base64 is left to the structure family.
 *
 * Invariants: reads the tree only; the data is decoded in 3-byte steps
 * straight into SHA-1, so nothing is allocated per attachment; a resource
 * whose input bytes cannot hold a finding is not walked (nothing_to_find).
 * References that should resolve inside a Bundle are bundlerefs.c's: they
 * need the whole Bundle, which the pipeline hands over entry by entry.
 */
#include "rule.h"

#include <stdlib.h>
#include <string.h>
#include "sha1.h"


/* --- HTML tags in strings ---------------------------------------------------- */

/* tags that mean markup when followed by a space, '>' or '/' */
static const char *const long_tags[] = {
    "script", "img", "iframe", "object", "embed", "form", "input", "style", "link", "meta", "svg",
    "div", "span", "table", "body", "html", "button", "frame", "frameset", "base", "applet",
    "strong", "textarea", "select", "video", "audio", "source",
};
/* short ones ("a < b", "<i" in prose) only as "<b>" or "<br/>" */
static const char *const short_tags[] = {
    "b", "i", "p", "br", "u", "em", "li", "ul", "ol", "hr", "td", "tr", "th",
};

static bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

/* the tag at s (just after '<'), or NULL */
static const char *tag_at(const char *s, const char *end)
{
    if (s < end && *s == '/') s++;
    char name[12];
    size_t n = 0;
    while (s + n < end && n < sizeof name - 1 &&
           ((s[n] >= 'a' && s[n] <= 'z') || (s[n] >= 'A' && s[n] <= 'Z') || (n && s[n] >= '1' && s[n] <= '6')))
        name[n] = (char)(s[n] | 0x20), n++;
    if (n == 0 || n == sizeof name - 1) return NULL;
    name[n] = '\0';
    const char *p = s + n;
    char next = p < end ? *p : '\0';
    if (n == 1 && name[0] == 'a') {
        /* <a href=... */
        if (!is_space(next)) return NULL;
        while (p < end && is_space(*p)) p++;
        return end - p >= 4 && !strncasecmp(p, "href", 4) ? "a" : NULL;
    }
    for (size_t i = 0; i < sizeof long_tags / sizeof long_tags[0]; i++)
        if (!strcmp(name, long_tags[i]))
            return is_space(next) || next == '>' || next == '/' ? long_tags[i] : NULL;
    for (size_t i = 0; i < sizeof short_tags / sizeof short_tags[0]; i++)
        if (!strcmp(name, short_tags[i]))
            return next == '>' || (next == '/' && p + 1 < end && p[1] == '>') ? short_tags[i] : NULL;
    return NULL;
}

static const char *html_tag(const char *s, size_t n)
{
    const char *end = s + n;
    for (const char *p = memchr(s, '<', n); p; p = memchr(p + 1, '<', (size_t)(end - p - 1))) {
        const char *t = tag_at(p + 1, end);
        if (t) return t;
        if (end - p <= 1) break;
    }
    return NULL;
}

/* --- Attachment ------------------------------------------------------------- */

static int b64_val(char c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

/* decode base64 (whitespace skipped) into SHA-1 (sha may be NULL) and, up
 * to cap bytes, into out; the decoded length, or -1 if not base64 */
static int64_t b64_decode(const char *s, size_t n, s4s_sha1 *sha, uint8_t *out, size_t cap)
{
    uint32_t acc = 0;
    unsigned bits = 0, pad = 0;
    int64_t len = 0;
    for (size_t i = 0; i < n; i++) {
        if (is_space(s[i])) continue;
        if (s[i] == '=') { pad++; continue; }
        int v = b64_val(s[i]);
        if (v < 0 || pad) return -1;
        acc = acc << 6 | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            uint8_t byte = (uint8_t)(acc >> bits);
            if (sha) s4s_sha1_update(sha, &byte, 1);
            if ((size_t)len < cap) out[len] = byte;
            len++;
        }
    }
    if (pad > 2 || bits >= 6) return -1;
    return len;
}

static void check_attachment(s4s_rctx *rc, const s4s_node *att)
{
    const s4s_node *data = s4s_get(att, "data");
    if (!data || data->type != S4S_J_STRING) return;
    const s4s_node *size = s4s_get(att, "size"), *hash = s4s_get(att, "hash");
    if (!size && !hash) return;
    s4s_sha1 sha;
    s4s_sha1_init(&sha);
    int64_t len = b64_decode(data->str, data->len, hash ? &sha : NULL, NULL, 0);
    if (len < 0) return;
    if (size && size->type == S4S_J_NUMBER && size->len && size->len < 20 &&
        strspn(size->str, "0123456789") == size->len && strtoull(size->str, NULL, 10) != (uint64_t)len) {
        s4s_issue(rc, S4S_SEV_ERROR, "value", size, "Attachment.size %s does not match the %lld bytes of its data",
                  size->str, (long long)len);
    }
    if (!hash || hash->type != S4S_J_STRING) return;
    uint8_t want[32], got[20];
    int64_t hl = b64_decode(hash->str, hash->len, NULL, want, sizeof want);
    if (hl < 0) return; /* not base64: the structure family says so */
    s4s_sha1_final(&sha, got);
    if (hl != 20) {
        s4s_issue(rc, S4S_SEV_ERROR, "value", hash, "Attachment.hash is not a SHA-1 (%lld bytes, not 20)", (long long)hl);
    } else if (memcmp(want, got, 20)) {
        s4s_issue(rc, S4S_SEV_ERROR, "value", hash, "%s", "Attachment.hash does not match the SHA-1 of its data");
    }
}

/* key: the member name of n, or of its array */
static void walk(s4s_rctx *rc, const s4s_node *n, const char *key, size_t klen)
{
    S4S_EACH(c, n) {
        const char *k = c->key ? c->key : key;
        size_t kl = c->key ? c->klen : klen;
        if (c->type == S4S_J_OBJECT) {
            check_attachment(rc, c);
            walk(rc, c, k, kl);
        } else if (c->type == S4S_J_ARRAY) {
            walk(rc, c, k, kl);
        } else if (c->type == S4S_J_STRING && !(kl == 3 && !memcmp(k, "div", 3))) {
            const char *t = html_tag(c->str, c->len);
            if (!t) continue;
            s4s_issue(rc, S4S_SEV_WARNING, "security", c, "string contains an embedded HTML <%s> tag", t);
        }
    }
}

/* A \u escape in p[0..n) (which may spell a '<')?  Backslashes are rare:
 * memchr finds them. */
static bool has_u_escape(const char *p, size_t n)
{
    for (const char *e = p + n, *q = memchr(p, '\\', n); q; q = memchr(q, '\\', (size_t)(e - q)))
        if (++q < e && *q++ == 'u')
            return true;
    return false;
}

/* The walk would find nothing: the tree has no member named data (the
 * parser's summary says so, s4s_rctx_kinds) and its input bytes hold no '<' and no \u escape (which
 * may spell one), and the tree differs from them only by values edited in
 * place, none with a '<' (the edits' text comes from the input or from
 * tables).  Most resources: two memchr scans instead of a walk. */
static bool nothing_to_find(const s4s_rctx *rc)
{
    const char *p = rc->raw;
    size_t n = rc->raw_len;
    if (!p || !s4s_rctx_kinds(rc) || (rc->root->kinds & S4S_KK_DATA) || rc->edits_over || memchr(p, '<', n) ||
        has_u_escape(p, n))
        return false;
    for (uint32_t i = 0; i < rc->nedits; i++) {
        const s4s_node *e = rc->edits[i];
        if (e->type == S4S_J_STRING && memchr(e->str, '<', e->len))
            return false;
    }
    return true;
}

static void content_apply(s4s_rctx *rc, void *state)
{
    (void)state;
    if (rc->root && rc->root->type == S4S_J_OBJECT && !nothing_to_find(rc)) walk(rc, rc->root, NULL, 0);
}

const s4s_rule s4s_rule_content = {
    .name = "content",
    .init = NULL,
    .apply = content_apply,
    .stats = NULL,
    .side_output = NULL,
    .fini = NULL,
};
