/*
 * synth-bundle.c - writes one huge FHIR R4 transaction Bundle for bench/run.
 *
 * Usage: synth-bundle RESOURCES.ndjson [MIN_BYTES] > bundle.json
 *
 * Reads compact NDJSON resources (one per line, e.g. the unpacked
 * synthea-r4-resources.ndjson.gz) into memory and writes a single Bundle whose
 * entry array repeats them until at least MIN_BYTES (default 1 GiB) have been
 * written.  Invariants:
 *   - the output is one JSON object: {"resourceType":"Bundle",...,"entry":[..]}
 *     and nothing else; every entry is {"fullUrl","resource","request"};
 *   - repetition k (0 = the input as is) adds k to the 16 bits that open the
 *     last group of every UUID (mod 2^16), so ids, fullUrls and urn:uuid
 *     references stay valid UUIDs, stay consistent within a repetition and
 *     are fresh across repetitions (for up to 65535 repetitions);
 *   - memory is the input file plus one line buffer; the Bundle is streamed.
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

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: synth-bundle RESOURCES.ndjson [MIN_BYTES]\n");
        return 1;
    }
    unsigned long long min_bytes = argc > 2 ? strtoull(argv[2], NULL, 10) : 1ULL << 30;
    FILE *in = fopen(argv[1], "rb");
    if (!in) {
        perror(argv[1]);
        return 1;
    }
    if (fseek(in, 0, SEEK_END) != 0) {
        perror(argv[1]);
        return 1;
    }
    long size = ftell(in);
    rewind(in);
    if (size <= 0) {
        fprintf(stderr, "synth-bundle: %s is empty\n", argv[1]);
        return 1;
    }
    char *data = malloc((size_t)size);
    if (!data || fread(data, 1, (size_t)size, in) != (size_t)size) {
        fprintf(stderr, "synth-bundle: cannot read %s\n", argv[1]);
        return 1;
    }
    fclose(in);

    size_t cap = 1 << 20;
    char *line = malloc(cap);
    static char obuf[1 << 20];
    setvbuf(stdout, obuf, _IOFBF, sizeof obuf);
    const char *head = "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":[\n";
    unsigned long long written = strlen(head), entries = 0;
    fputs(head, stdout);
    unsigned rep = 0;
    while (written < min_bytes && rep < 65536) {
        const char *p = data, *end = data + size;
        while (p < end && written < min_bytes) {
            const char *nl = memchr(p, '\n', (size_t)(end - p));
            const char *le = nl ? nl : end;
            if (le > p && le[-1] == '\r')
                le--;
            if (le > p) {
                size_t n = (size_t)(le - p);
                if (n > cap) {
                    while (cap < n)
                        cap *= 2;
                    line = realloc(line, cap);
                }
                if (!line) {
                    fprintf(stderr, "synth-bundle: out of memory\n");
                    return 1;
                }
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
            p = nl ? nl + 1 : end;
        }
        rep++;
    }
    fputs("\n]}\n", stdout);
    written += 4;
    if (fflush(stdout) != 0 || ferror(stdout)) {
        perror("synth-bundle: write");
        return 1;
    }
    fprintf(stderr, "synth-bundle: %llu bytes, %llu entries, %u repetitions\n", written, entries, rep);
    free(line);
    free(data);
    return 0;
}
