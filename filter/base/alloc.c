/*
 * alloc.c - checked allocation with a single out-of-memory path.
 *
 * Invariants: no allocation function here returns NULL; a failure runs the
 * holds pushed since the thread's innermost frame was set, then jumps to
 * it, or, with no frame, ends in the handler, which does not return.  Frames
 * and holds are per thread, so the reader and stage threads unwind to their
 * own recovery points.  Tracked blocks carry a two-pointer header and are
 * always linked into their tracker, also across a failed realloc.
 *
 * Built with -DS4S_FAILALLOC (the allocation-failure test, never the release
 * build), the environment variable S4S_FAIL_AT=k makes the k-th allocation
 * of the process fail (and says so on stderr); S4S_FAIL_AT=0 only counts,
 * and prints the count at exit as "s4s-failalloc: N allocations".
 */
#include "alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __linux__
#include <sys/mman.h>
#endif

static void default_oom(size_t wanted)
{
    fprintf(stderr, "s4s: out of memory (allocating %zu bytes)\n", wanted);
    exit(2);
}

static s4s_oom_fn oom_handler = default_oom;
static _Thread_local s4s_oom_frame *top;
static _Thread_local s4s_oom_hold *holds;

void s4s_set_oom_handler(s4s_oom_fn fn)
{
    oom_handler = fn ? fn : default_oom;
}

#ifdef S4S_FAILALLOC
#include <stdatomic.h>
static atomic_ulong n_allocs;
static unsigned long fail_at;
static int counting;

static void print_count(void)
{
    fprintf(stderr, "s4s-failalloc: %lu allocations\n", (unsigned long)atomic_load(&n_allocs));
}

__attribute__((constructor)) static void failalloc_init(void)
{
    const char *k = getenv("S4S_FAIL_AT");
    if (!k)
        return;
    fail_at = strtoul(k, NULL, 10);
    counting = fail_at == 0;
    if (counting)
        atexit(print_count);
}

static int fail_now(void)
{
    unsigned long n = atomic_fetch_add(&n_allocs, 1) + 1;
    if (n != fail_at)
        return 0;
    fprintf(stderr, "s4s-failalloc: failing allocation %lu\n", n);
    return 1;
}
#define SYS_MALLOC(n)     (fail_now() ? NULL : malloc(n))
#define SYS_CALLOC(n, s)  (fail_now() ? NULL : calloc(n, s))
#define SYS_REALLOC(p, n) (fail_now() ? NULL : realloc(p, n))
#define SYS_PAGES(n)      (fail_now() ? NULL : sys_pages(n))
#define SYS_GROW_PAGES(p, o, n) (fail_now() ? NULL : sys_grow_pages(p, o, n))
#else
#define SYS_MALLOC(n)     malloc(n)
#define SYS_CALLOC(n, s)  calloc(n, s)
#define SYS_REALLOC(p, n) realloc(p, n)
#define SYS_PAGES(n)      sys_pages(n)
#define SYS_GROW_PAGES(p, o, n) sys_grow_pages(p, o, n)
#endif

static _Noreturn void out_of_memory(size_t n)
{
    s4s_oom_frame *f = top;
    if (!f) {
        oom_handler(n);
        abort(); /* a handler that returns is a bug */
    }
    while (holds != f->holds) {
        s4s_oom_hold *h = holds;
        holds = h->prev;
        h->fn(h->p);
    }
    top = f->prev;
    longjmp(f->jb, 1);
}

void s4s_oom_raise(void)
{
    out_of_memory(0);
}

void s4s_oom_enter(s4s_oom_frame *f)
{
    f->prev = top;
    f->holds = holds;
    top = f;
}

void s4s_oom_leave(s4s_oom_frame *f)
{
    top = f->prev;
}

void s4s_oom_push(s4s_oom_hold *h, void *p, void (*fn)(void *p))
{
    h->prev = holds;
    h->p = p;
    h->fn = fn;
    holds = h;
}

void s4s_oom_pop(s4s_oom_hold *h)
{
    holds = h->prev;
}

void s4s_free_at(void *pp)
{
    free(*(void **)pp);
}

void *s4s_xmalloc(size_t n)
{
    void *p = SYS_MALLOC(n ? n : 1);
    if (!p)
        out_of_memory(n);
    return p;
}

void *s4s_xcalloc(size_t n, size_t size)
{
    void *p = SYS_CALLOC(n ? n : 1, size ? size : 1);
    if (!p)
        out_of_memory(n * size);
    return p;
}

void *s4s_xrealloc(void *p, size_t n)
{
    void *q = SYS_REALLOC(p, n ? n : 1);
    if (!q)
        out_of_memory(n);
    return q;
}

char *s4s_xstrndup(const char *s, size_t n)
{
    char *d = s4s_xmalloc(n + 1);
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

char *s4s_xstrdup(const char *s) { return s4s_xstrndup(s, strlen(s)); }

/* --- pages for doubling tables ------------------------------------------- */

#ifdef MREMAP_MAYMOVE
static void *sys_pages(size_t n)
{
    void *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

static void *sys_grow_pages(void *p, size_t old_n, size_t new_n)
{
    void *q = mremap(p, old_n, new_n, MREMAP_MAYMOVE); /* new pages read as zero */
    return q == MAP_FAILED ? NULL : q;
}

void s4s_free_pages(void *p, size_t n)
{
    if (p)
        munmap(p, n);
}
#else
static void *sys_pages(size_t n) { return calloc(1, n); }

static void *sys_grow_pages(void *p, size_t old_n, size_t new_n)
{
    unsigned char *q = realloc(p, new_n);
    if (q)
        memset(q + old_n, 0, new_n - old_n);
    return q;
}

void s4s_free_pages(void *p, size_t n)
{
    (void)n;
    free(p);
}
#endif

void *s4s_xpages(size_t n)
{
    void *p = SYS_PAGES(n ? n : 1);
    if (!p)
        out_of_memory(n);
    return p;
}

void *s4s_xgrow_pages(void *p, size_t old_n, size_t new_n)
{
    void *q = SYS_GROW_PAGES(p, old_n, new_n);
    if (!q)
        out_of_memory(new_n);
    return q;
}

/* --- tracked blocks ------------------------------------------------------ */

typedef struct s4s_tracked {
    _Alignas(max_align_t) struct s4s_tracked *prev;
    struct s4s_tracked *next;
} s4s_tracked;

static void *link_in(s4s_tracker *t, s4s_tracked *b)
{
    b->prev = NULL;
    b->next = t->head;
    if (t->head)
        t->head->prev = b;
    t->head = b;
    return b + 1;
}

static void unlink_out(s4s_tracker *t, s4s_tracked *b)
{
    if (b->prev)
        b->prev->next = b->next;
    else
        t->head = b->next;
    if (b->next)
        b->next->prev = b->prev;
}

void *s4s_tracked_malloc(void *ctx, size_t n)
{
    return link_in(ctx, s4s_xmalloc(sizeof(s4s_tracked) + n));
}

void *s4s_tracked_realloc(void *ctx, void *p, size_t n)
{
    if (!p)
        return s4s_tracked_malloc(ctx, n);
    s4s_tracked *b = (s4s_tracked *)p - 1;
    /* on failure b is untouched and still linked */
    s4s_tracked *nb = s4s_xrealloc(b, sizeof *nb + n);
    if (nb->prev)
        nb->prev->next = nb;
    else
        ((s4s_tracker *)ctx)->head = nb;
    if (nb->next)
        nb->next->prev = nb;
    return nb + 1;
}

void s4s_tracked_free(void *ctx, void *p)
{
    if (!p)
        return;
    s4s_tracked *b = (s4s_tracked *)p - 1;
    unlink_out(ctx, b);
    free(b);
}

void s4s_tracker_release(s4s_tracker *t)
{
    while (t->head) {
        s4s_tracked *b = t->head;
        t->head = b->next;
        free(b);
    }
}
