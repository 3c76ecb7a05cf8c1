/*
 * synth-bundle.c - writes one huge FHIR R4 transaction Bundle for bench/run.
 *
 * Usage: synth-bundle [MIN_BYTES] < resources.ndjson > bundle.json
 *
 * Reads compact NDJSON resources (one per line, e.g. zcat of
 * synthea-r4-resources.ndjson.gz) into memory and writes a single Bundle whose
 * entry array repeats them until at least MIN_BYTES (default 1 GiB) have been
 * written.  Invariants:
 *   - the output is one JSON object: {"resourceType":"Bundle",...,"entry":[..]}
 *     and nothing else; every entry is {"fullUrl","resource","request"};
 *   - a line whose "id" was already seen is dropped (Synthea repeats shared
 *     Organizations and Practitioners across patient Bundles), so fullUrls are
 *     unique within the Bundle;
 *   - repetition k (0 = the input as is) adds k to the 16 bits that open the
 *     last group of every UUID (mod 2^16), so ids, fullUrls and urn:uuid
 *     references stay valid UUIDs, stay consistent within a repetition and
 *     are fresh across repetitions (up to 65536 repetitions);
 *   - memory is the input plus one line buffer; the Bundle is streamed.
 * Standalone on purpose (libc only): a benchmark input generator, not part of
 * libs4s.  Prints the byte and entry counts to stderr.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int is_hex(int c)
{
    return isxdigit((unsigned char)c);
}

/* Length of a UUID (8-4-4-4-12 hex) starting at p, or 0. */
static int uuid_at(const char *p, const char *end)
{
    static const int groups[] = {8, 4, 4, 4, 12};
    const char *q = p;
    for (int g = 0; g < 5; g++) {
        if (g > 0) {
            if (q >= end || *q != '-')
                return 0;
            q++;
        }
        for (int i = 0; i < groups[g]; i++, q++)
            if (q >= end || !is_hex(*q))
                return 0;
    }
    if (q < end && (is_hex(*q) || *q == '-'))
        return 0;                 /* part of a longer token: leave it alone */
    return (int)(q - p);
}

/* Copies [p,end) into out with every UUID shifted by rep; returns bytes. */
static size_t shift_uuids(const char *p, const char *end, unsigned rep, char *out)
{
    char *o = out;
    while (p < end) {
        if (is_hex(*p) && (o == out || !is_hex(o[-1])) && uuid_at(p, end) == 36) {
            memcpy(o, p, 36);
            if (rep) {
                char hx[5] = {p[24], p[25], p[26], p[27], 0};
                unsigned v = (unsigned)strtoul(hx, NULL, 16);
                snprintf(hx, sizeof hx, "%04x", (v + rep) & 0xffffu);
                memcpy(o + 24, hx, 4);
            }
            o += 36;
            p += 36;
        } else {
            *o++ = *p++;
        }
    }
    return (size_t)(o - out);
}

/* Finds the string value of the first "key":"..." in [p,end) (compact JSON). */
static const char *str_member(const char *p, const char *end, const char *key, size_t *len)
{
    size_t kl = strlen(key);
    for (const char *q = p; q + kl < end; q++) {
        if (memcmp(q, key, kl) == 0) {
            const char *v = q + kl, *e = v;
            while (e < end && *e != '"')
                e++;
            *len = (size_t)(e - v);
            return v;
        }
    }
    return NULL;
}

/* Open-addressing set of ids (pointers into the input); returns 1 if new. */
static int id_insert(const char **keys, size_t *lens, size_t mask, const char *id, size_t len)
{
    unsigned long long h = 1469598103934665603ULL;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)id[i]) * 1099511628211ULL;
    for (size_t i = (size_t)h & mask;; i = (i + 1) & mask) {
        if (!keys[i]) {
            keys[i] = id;
            lens[i] = len;
            return 1;
        }
        if (lens[i] == len && memcmp(keys[i], id, len) == 0)
            return 0;
    }
}

static void die(const char *msg)
{
    fprintf(stderr, "synth-bundle: %s\n", msg);
    exit(1);
}

int main(int argc, char **argv)
{
    if (argc > 2 || (argc == 2 && !isdigit((unsigned char)argv[1][0]))) {
        fprintf(stderr, "usage: synth-bundle [MIN_BYTES] < resources.ndjson > bundle.json\n");
        return 1;
    }
    unsigned long long min_bytes = argc > 1 ? strtoull(argv[1], NULL, 10) : 1ULL << 30;

    size_t size = 0, dcap = 64u << 20;
    char *data = malloc(dcap);
    for (size_t n; data && (n = fread(data + size, 1, dcap - size, stdin)) > 0;) {
        size += n;
        if (size == dcap)
            data = realloc(data, dcap *= 2);
    }
    if (!data || ferror(stdin))
        die("cannot read the resources from stdin");
    if (size == 0)
        die("no resources on stdin");

    /* One pass to keep the first line of each id: starts of kept lines. */
    size_t nlines = 0, lcap = 1024;
    const char **starts = malloc(lcap * sizeof *starts);
    size_t mask = (1u << 20) - 1;
    for (const char *p = data; p < data + size; p++)
        if (*p == '\n')
            while ((size_t)mask < 2 * ++nlines)
                mask = mask * 2 + 1;
    nlines = 0;
    const char **keys = calloc(mask + 1, sizeof *keys);
    size_t *klens = malloc((mask + 1) * sizeof *klens);
    if (!starts || !keys || !klens)
        die("out of memory");
    size_t dropped = 0;
    for (const char *p = data, *end = data + size; p < end;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        size_t il = 0;
        const char *id = le > p ? str_member(p, le, "\"id\":\"", &il) : NULL;
        if (le > p && (!id || id_insert(keys, klens, mask, id, il))) {
            if (nlines == lcap && !(starts = realloc(starts, (lcap *= 2) * sizeof *starts)))
                die("out of memory");
            starts[nlines++] = p;
        } else if (le > p) {
            dropped++;
        }
        p = nl ? nl + 1 : end;
    }
    free(keys);
    free(klens);

    size_t cap = 1 << 20;
    char *line = malloc(cap);
    static char obuf[1 << 20];
    setvbuf(stdout, obuf, _IOFBF, sizeof obuf);
    const char *head = "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":[\n";
    unsigned long long written = strlen(head), entries = 0;
    fputs(head, stdout);
    unsigned rep = 0;
    while (written < min_bytes && rep < 65536) {
        for (size_t k = 0; k < nlines && written < min_bytes; k++) {
            const char *p = starts[k], *end = data + size;
            const char *nl = memchr(p, '\n', (size_t)(end - p));
            const char *le = nl ? nl : end;
            if (le > p && le[-1] == '\r')
                le--;
            size_t n = (size_t)(le - p);
            if (n > cap) {
                while (cap < n)
                    cap *= 2;
                line = realloc(line, cap);
            }
            if (!line)
                die("out of memory");
            n = shift_uuids(p, le, rep, line);
            size_t tl = 0, il = 0;
            const char *type = str_member(line, line + n, "\"resourceType\":\"", &tl);
            const char *id = str_member(line, line + n, "\"id\":\"", &il);
            int w = 0;
            if (entries)
                w += fputs(",\n", stdout) >= 0 ? 2 : 0;
            w += printf("{");
            if (id)
                w += printf("\"fullUrl\":\"urn:uuid:%.*s\",", (int)il, id);
            w += printf("\"resource\":");
            fwrite(line, 1, n, stdout);
            w += (int)n;
            if (type)
                w += printf(",\"request\":{\"method\":\"POST\",\"url\":\"%.*s\"}", (int)tl, type);
            w += printf("}");
            written += (unsigned long long)w;
            entries++;
        }
        rep++;
    }
    fputs("\n]}\n", stdout);
    written += 4;
    if (fflush(stdout) != 0 || ferror(stdout))
        die("write error");
    fprintf(stderr, "synth-bundle: %llu bytes, %llu entries, %u repetitions of %zu resources (%zu duplicate ids dropped)\n",
            written, entries, rep, nlines, dropped);
    free(line);
    free(starts);
    free(data);
    return 0;
}
