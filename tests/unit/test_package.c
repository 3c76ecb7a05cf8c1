/*
 * test_package.c - the tar reader under --package (rules/package.c) on good
 * and bad gzip'd tarballs written here: members read, others skipped, and
 * a truncated member, a bad header checksum, an oversized member and a
 * truncated gzip stream each an error naming the file and the member.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include "unit.h"
#include "../../rules/profset.h"

/* one ustar header for a regular file `name` of `size` bytes */
static void header(unsigned char *h, const char *name, size_t size, bool bad_sum)
{
    memset(h, 0, 512);
    snprintf((char *)h, 100, "%s", name);
    memcpy(h + 100, "0000644", 8);
    snprintf((char *)h + 124, 12, "%011o", (unsigned)size);
    h[156] = '0';
    memcpy(h + 257, "ustar", 6);
    memcpy(h + 263, "00", 2);
    memset(h + 148, ' ', 8);
    unsigned sum = 0;
    for (size_t i = 0; i < 512; i++) sum += h[i];
    snprintf((char *)h + 148, 8, "%06o", sum + (bad_sum ? 1 : 0));
}

typedef struct member { const char *name, *data; bool bad_sum; } member;

/* write the members as a gzip'd tar; cut: keep only that many bytes of the tar (0: all) */
static void write_tgz(const char *path, const member *m, unsigned n, size_t cut, bool cut_gzip)
{
    size_t cap = 1 << 16, len = 0;
    unsigned char *tar = calloc(1, cap);
    for (unsigned i = 0; i < n; i++) {
        size_t dl = strlen(m[i].data);
        header(tar + len, m[i].name, dl, m[i].bad_sum);
        len += 512;
        memcpy(tar + len, m[i].data, dl);
        len += (dl + 511) / 512 * 512;
    }
    len += 1024; /* two zero blocks */
    if (cut && !cut_gzip) len = cut;
    gzFile f = gzopen(path, "wb");
    gzwrite(f, tar, (unsigned)len);
    gzclose(f);
    if (cut_gzip) {
        FILE *g = fopen(path, "r+b");
        fseek(g, 0, SEEK_END);
        long sz = ftell(g);
        fclose(g);
        truncate(path, sz / 2);
    }
    free(tar);
}

typedef struct seen { unsigned n; char names[4][64]; } seen;

static s4s_rc on_member(void *ud, const char *name, char *data, size_t n, char *err, size_t errsz)
{
    seen *s = ud;
    (void)err, (void)errsz;
    if (s->n < 4) snprintf(s->names[s->n], sizeof s->names[0], "%s:%zu:%c", name, n, data[n] == 0 ? 'z' : '!');
    s->n++;
    return S4S_OK;
}

static char tmpl[] = "/tmp/s4s-pkg-XXXXXX";

static s4s_rc walk(const char *path, size_t cap, seen *s, char *err, size_t errsz)
{
    memset(s, 0, sizeof *s);
    err[0] = 0;
    return s4s_tar_walk(path, cap, on_member, s, err, errsz);
}

static void test_tar(void)
{
    int fd = mkstemp(tmpl);
    close(fd);
    char err[512];
    seen s;
    static const char big[] = "{\"resourceType\":\"ValueSet\",\"url\":\"http://example.org/vs\",\"status\":\"draft\"}";
    const member good[] = {
        {"package/package.json", "{\"name\":\"x\",\"version\":\"1.0.0\"}", false},
        {"package/other/skip.json", "{}", false},
        {"package/README.md", "not json", false},
        {"package/ValueSet-x.json", big, false},
    };
    write_tgz(tmpl, good, 4, 0, false);
    CHECK(walk(tmpl, 1 << 20, &s, err, sizeof err) == S4S_OK);
    CHECK(s.n == 2); /* only package/NAME.json */
    CHECK_STR(s.names[0], "package/package.json:30:z");
    CHECK(!strncmp(s.names[1], "package/ValueSet-x.json:", 24));

    /* a member over the cap */
    CHECK(walk(tmpl, 40, &s, err, sizeof err) == S4S_ERR_LIMIT);
    CHECK(strstr(err, "member package/ValueSet-x.json") != NULL);
    CHECK(strstr(err, tmpl) != NULL);

    /* the tar cut inside the last member's data */
    write_tgz(tmpl, good, 4, 512 * 7 + 20, false);
    CHECK(walk(tmpl, 1 << 20, &s, err, sizeof err) == S4S_ERR_FORMAT);
    CHECK(strstr(err, "member package/ValueSet-x.json: truncated") != NULL);

    /* the tar cut inside a header */
    write_tgz(tmpl, good, 4, 512 + 512 + 100, false);
    CHECK(walk(tmpl, 1 << 20, &s, err, sizeof err) == S4S_ERR_FORMAT);
    CHECK(strstr(err, "the header after member package/package.json: truncated header") != NULL);

    /* a bad header checksum names the member before it, or says it is the first */
    const member sum[] = {
        {"package/package.json", "{}", false},
        {"package/StructureDefinition-x.json", "{}", true},
    };
    write_tgz(tmpl, sum, 2, 0, false);
    CHECK(walk(tmpl, 1 << 20, &s, err, sizeof err) == S4S_ERR_FORMAT);
    CHECK(strstr(err, ": the header after member package/package.json: bad header checksum") != NULL);
    CHECK(s.n == 1);
    write_tgz(tmpl, sum + 1, 1, 0, false);
    CHECK(walk(tmpl, 1 << 20, &s, err, sizeof err) == S4S_ERR_FORMAT);
    CHECK(strstr(err, ": the first member's header: bad header checksum") != NULL);

    /* the gzip stream itself cut in half */
    write_tgz(tmpl, good, 4, 0, true);
    CHECK(walk(tmpl, 1 << 20, &s, err, sizeof err) != S4S_OK);
    CHECK(strstr(err, "member") != NULL);

    /* the loader: JSON that does not parse names its member */
    const member broken[] = {{"package/StructureDefinition-x.json", "{\"resourceType\":", false}};
    write_tgz(tmpl, broken, 1, 0, false);
    s4s_prof_set *set;
    CHECK(s4s_package_load(tmpl, &set, err, sizeof err) == S4S_ERR_FORMAT);
    CHECK(strstr(err, "member package/StructureDefinition-x.json: not JSON") != NULL);

    /* a package without any profile is an error, not an empty set */
    write_tgz(tmpl, good, 4, 0, false);
    CHECK(s4s_package_load(tmpl, &set, err, sizeof err) == S4S_ERR_FORMAT);
    CHECK(strstr(err, "no StructureDefinition") != NULL);
    unlink(tmpl);
}

int main(void)
{
    test_tar();
    return UNIT_DONE();
}
