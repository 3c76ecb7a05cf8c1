/*
 * fhirpath_html.c - htmlChecks(): FHIR R4's rules for narrative XHTML
 * (Narrative.div, invariants txt-1 and txt-2), with a small parser of our
 * own rather than an XML library: the rules need only tags, attributes and
 * whether there is text, and a tokenizer over the string keeps this
 * allocation-free and bounded by the string's length.
 *
 * Checked (R4 2.4.0 Narrative): well-formed, balanced tags; the root is a
 * <div> in the XHTML namespace; only the basic HTML 4 formatting elements
 * (no head, body, script, style, form, frame, iframe, object, embed, base,
 * link, meta...); no event attributes (on*), no javascript: URLs, only the
 * HTML 4 presentation attributes; some non-whitespace content or an image.
 * Invariant: never reads past s[n); reports a bool, never the text.
 */
#include "fhirpath_int.h"

#include <ctype.h>
#include <string.h>

#define MAX_NEST 64

static bool in_list(const char *s, size_t n, const char *const *list)
{
    for (; *list; list++)
        if (strlen(*list) == n && !strncasecmp(*list, s, n)) return true;
    return false;
}

static const char *const elements[] = {
    "a", "abbr", "acronym", "b", "big", "blockquote", "br", "caption", "cite", "code", "col",
    "colgroup", "dd", "dfn", "div", "dl", "dt", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr",
    "i", "img", "li", "ol", "p", "pre", "q", "samp", "small", "span", "strong", "sub", "sup",
    "table", "tbody", "td", "tfoot", "th", "thead", "tr", "tt", "ul", "var", NULL,
};

static const char *const attributes[] = {
    "abbr", "accesskey", "align", "alt", "axis", "bgcolor", "border", "cellhalign", "cellpadding",
    "cellspacing", "cellvalign", "char", "charoff", "charset", "cite", "class", "colspan",
    "compact", "coords", "datetime", "dir", "frame", "headers", "height", "href", "hreflang",
    "hspace", "id", "lang", "longdesc", "name", "nowrap", "rel", "rev", "rowspan", "rules",
    "scope", "shape", "span", "src", "start", "style", "summary", "tabindex", "title", "type",
    "valign", "value", "vspace", "width", "xml:lang", "xmlns", NULL,
};

static bool starts_ci(const char *s, size_t n, const char *p)
{
    size_t k = strlen(p);
    return n >= k && !strncasecmp(s, p, k);
}

/* attributes of one start tag, s[i..] up to '>' or "/>"; false if not allowed */
static bool attrs(const char *s, size_t n, size_t *i, bool root, bool *xmlns_ok, bool *self_close)
{
    for (;;) {
        while (*i < n && isspace((unsigned char)s[*i])) (*i)++;
        if (*i >= n) return false;
        if (s[*i] == '>') { (*i)++; return true; }
        if (s[*i] == '/' && *i + 1 < n && s[*i + 1] == '>') { *i += 2; *self_close = true; return true; }
        size_t a = *i;
        while (*i < n && (isalnum((unsigned char)s[*i]) || strchr(":-_.", s[*i]))) (*i)++;
        size_t an = *i - a;
        if (an == 0) return false;
        if (!in_list(s + a, an, attributes)) return false;
        while (*i < n && isspace((unsigned char)s[*i])) (*i)++;
        if (*i >= n || s[*i] != '=') return false;
        (*i)++;
        while (*i < n && isspace((unsigned char)s[*i])) (*i)++;
        if (*i >= n || (s[*i] != '"' && s[*i] != '\'')) return false;
        char q = s[(*i)++];
        size_t v = *i;
        while (*i < n && s[*i] != q) (*i)++;
        if (*i >= n) return false;
        size_t vn = *i - v;
        (*i)++;
        size_t lead = 0;
        while (lead < vn && isspace((unsigned char)s[v + lead])) lead++;
        if (starts_ci(s + v + lead, vn - lead, "javascript:") || starts_ci(s + v + lead, vn - lead, "vbscript:"))
            return false;
        if (an == 5 && !strncmp(s + a, "xmlns", 5)) {
            if (!root || vn != 28 || memcmp(s + v, "http://www.w3.org/1999/xhtml", 28)) return false;
            *xmlns_ok = true;
        }
    }
}

bool fp_html_check(const char *s, size_t n)
{
    size_t i = 0, depth = 0;
    const char *open[MAX_NEST];
    size_t olen[MAX_NEST];
    bool content = false, seen_root = false;
    while (i < n && isspace((unsigned char)s[i])) i++;
    while (i < n) {
        if (s[i] != '<') {
            if (depth == 0) return false; /* text outside the root div */
            if (!isspace((unsigned char)s[i])) content = true;
            i++;
            continue;
        }
        if (starts_ci(s + i, n - i, "<!--")) {
            const char *e = memmem(s + i + 4, n - i - 4, "-->", 3);
            if (!e) return false;
            i = (size_t)(e - s) + 3;
            continue;
        }
        if (i + 1 < n && (s[i + 1] == '!' || s[i + 1] == '?')) return false; /* doctype, PI, CDATA */
        bool close = i + 1 < n && s[i + 1] == '/';
        size_t b = i + 1 + close, e = b;
        while (e < n && (isalnum((unsigned char)s[e]) || s[e] == ':')) e++;
        size_t tn = e - b;
        if (tn == 0 || !in_list(s + b, tn, elements)) return false;
        if (close) {
            while (e < n && isspace((unsigned char)s[e])) e++;
            if (e >= n || s[e] != '>' || depth == 0) return false;
            depth--;
            if (olen[depth] != tn || memcmp(open[depth], s + b, tn)) return false;
            i = e + 1;
            if (depth == 0) {
                while (i < n && isspace((unsigned char)s[i])) i++;
                if (i != n) return false; /* one root only */
            }
            continue;
        }
        bool root = !seen_root, xmlns_ok = false, self_close = false;
        if (root && (tn != 3 || memcmp(s + b, "div", 3))) return false;
        i = e;
        if (!attrs(s, n, &i, root, &xmlns_ok, &self_close)) return false;
        if (root && !xmlns_ok) return false;
        seen_root = true;
        if (tn == 3 && !strncasecmp(s + b, "img", 3)) content = true;
        if (self_close) {
            if (root) return false;
            continue;
        }
        if (depth == MAX_NEST) return false;
        open[depth] = s + b;
        olen[depth++] = tn;
    }
    return seen_root && depth == 0 && content;
}
