/*
 * alloc.h - checked allocation: out-of-memory unwinds to the library call
 * that hit it.
 *
 * s4s_xmalloc() and friends never return NULL, so the code above them needs
 * no error paths.  On failure the allocator jumps (longjmp) to the calling
 * thread's innermost recovery point, an s4s_oom_frame, and the call that set
 * it returns S4S_ERR_NOMEM.  Frames are set by the s4s_pipe_* entry points,
 * the reader thread, the per-resource callback of pipe.c (on the stage
 * thread, or inline) and s4s-term's dispatch.  With no frame on the thread
 * the OOM handler runs: by default it prints one line and exits with
 * status 2.
 *
 * The rule for code that allocates: at the moment an allocation can fail,
 * every earlier allocation must be reachable from an object its owner will
 * free (assign before the next allocation; publish a new object to its
 * owner before filling it), or be held with s4s_oom_push() so the unwinding
 * frees it.  Never leave a freed pointer in a structure across an
 * allocation.  A free function must accept a half-built object (fields
 * still zero).  After S4S_ERR_NOMEM an object may be half-updated: the
 * caller may only read its counts and message, write its stats, and free
 * it; freeing releases everything.
 *
 * Ownership: memory from these functions is released with free(); a frame
 * and its holds live on the stack of the function that set them.
 */
#ifndef S4S_ALLOC_H
#define S4S_ALLOC_H
#include <setjmp.h>
#include <stddef.h>

typedef void (*s4s_oom_fn)(size_t wanted);

/* the handler used when a thread has no recovery point; must not return */
void  s4s_set_oom_handler(s4s_oom_fn fn);
void *s4s_xmalloc(size_t n);
void *s4s_xcalloc(size_t n, size_t size);
void *s4s_xrealloc(void *p, size_t n);
char *s4s_xstrdup(const char *s);
char *s4s_xstrndup(const char *s, size_t n);

/* Zeroed pages for a table that grows by doubling.  Growing moves the
 * pages (mremap where there is one) instead of copying them into a new
 * block, so the old and the new table are never resident at once; the
 * bytes past old_n come zeroed.  On failure the old block is untouched.
 * Released with s4s_free_pages (same n), never with free(). */
void *s4s_xpages(size_t n);
void *s4s_xgrow_pages(void *p, size_t old_n, size_t new_n);
void  s4s_free_pages(void *p, size_t n);

/* A recovery point.  Use exactly as
 *     s4s_oom_frame f;
 *     s4s_oom_enter(&f);
 *     if (setjmp(f.jb)) { ...out of memory: f is already left...; return S4S_ERR_NOMEM; }
 *     ...work...
 *     s4s_oom_leave(&f);
 * in a function that does not return between enter and leave.  Locals
 * changed after setjmp must not be read in the recovery branch. */
typedef struct s4s_oom_hold s4s_oom_hold;
typedef struct s4s_oom_frame {
    jmp_buf                jb;
    struct s4s_oom_frame  *prev;
    s4s_oom_hold          *holds; /* the thread's holds when the frame was set */
} s4s_oom_frame;
void s4s_oom_enter(s4s_oom_frame *f);
void s4s_oom_leave(s4s_oom_frame *f);

/* A hold: while pushed, an allocation failure calls fn(p) before unwinding
 * past it.  For locals and objects not yet given to their owner.  Pop in
 * reverse order of pushing, before the function returns. */
struct s4s_oom_hold {
    s4s_oom_hold *prev;
    void         *p;
    void        (*fn)(void *p);
};
void s4s_oom_push(s4s_oom_hold *h, void *p, void (*fn)(void *p));
void s4s_oom_pop(s4s_oom_hold *h);
/* fn for holding a local pointer variable by its address: frees what it
 * points to when the unwinding runs (NULL is fine) */
void s4s_free_at(void *pp);

/* For libraries that allocate on their own and report out of memory by a
 * return code (SQLite, ICU): the same unwinding as a failed allocation. */
_Noreturn void s4s_oom_raise(void);

/* Allocation functions for a library that cannot be told to stop (yajl):
 * blocks come from the same checked allocator and are linked into the
 * tracker (ctx, zeroed s4s_tracker) so s4s_tracker_release() frees whatever
 * the library lost when an out-of-memory jump left it half-built.  The
 * signatures are yajl_alloc_funcs'.  One thread per tracker. */
typedef struct s4s_tracker {
    struct s4s_tracked *head;
} s4s_tracker;
void *s4s_tracked_malloc(void *ctx, size_t n);
void *s4s_tracked_realloc(void *ctx, void *p, size_t n);
void  s4s_tracked_free(void *ctx, void *p);
void  s4s_tracker_release(s4s_tracker *t);

#endif
