/*
 * stage.c - a bounded ring of resources, worked on in parallel and
 * committed in order.
 *
 * Invariants: slots are pushed at `head`, taken for work at `next` and
 * committed at `tail`; these count pushes (slot = count % nslots), so
 * tail <= next <= head always and commits follow push order; `queued`
 * counts the slots between next and head (all still to be worked); a
 * slot's arena is touched by one thread at a time (the parser until push,
 * one thread for work, one for commit); at most one commit runs at a time
 * (`committing`); all shared fields are guarded by one mutex; the arena
 * pool never holds more than slots + 1 arenas.  A parser that would wait
 * for room works the oldest queued slot itself (a unit: STEAL_MIN), as
 * worker index n, so no core idles while the workers lag.
 */
#include "stage.h"
#include "base/alloc.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* wake-ups in batches: a sleeping worker is woken once BATCH resources
 * wait, a blocked parser once the ring is half empty (a wake-up per
 * resource cost more than the hand-over itself) */
#define BATCH 4
/* BUDGET: bytes of arenas in flight, measured at hand-over (a unit's
 * bytes, a resource's tree), beyond which a push waits for commits: a
 * unit's trees grow to a few times its bytes, so this bounds memory as
 * slots alone cannot when a slot is a whole Bundle */

typedef struct slot {
    s4s_res r;
    size_t  weight;    /* its arena's use when pushed */
    bool    done;      /* work has run */
    s4s_rc  work_rc;
} slot;

/* a queued slot the pushing thread works itself when there is no room:
 * at least this many bytes (a unit of values, not one small resource) */
#define STEAL_MIN ((size_t)32 << 10)
/* bytes of arenas in flight per worker (and the parser): see BUDGET */
#define BUDGET_PER ((size_t)4 << 20)

struct s4s_stage {
    s4s_stage_work_fn   work;
    s4s_stage_commit_fn commit;
    void               *u;
    pthread_t           th[S4S_STAGE_MAX_WORKERS];
    unsigned            nth, n;      /* running; asked for (the parser works as index n) */
    size_t              budget;
    pthread_mutex_t     mu;
    pthread_cond_t      wake, not_full, idle;
    slot               *q;
    unsigned            nslots;
    uint64_t            head, next, tail;  /* pushes so far; the slot is % nslots */
    unsigned            count, queued;
    size_t              inflight;  /* weights of the slots pushed, not committed */
    unsigned            sleepers;
    bool                committing, stop, draining, parser_waits;
    s4s_rc              err;
    s4s_arena         **pool;
    unsigned            npool;
    unsigned            started;   /* worker indices handed out */
};

static void recycle(s4s_stage *s, s4s_arena *a)
{
    if (s->npool < s->nslots + 1)
        s->pool[s->npool++] = a;
    else
        s4s_arena_free(a);
}

/* Called with the lock held: commit every finished slot at the tail. */
static void commit_ready(s4s_stage *s)
{
    while (!s->committing && s->count && s->q[s->tail % s->nslots].done) {
        slot *sl = &s->q[s->tail % s->nslots];
        s4s_rc failed = s->err;
        s->committing = true;
        pthread_mutex_unlock(&s->mu);
        s4s_rc rc = failed ? failed : s->commit(s->u, &sl->r, sl->work_rc);
        s4s_arena_reset(sl->r.arena);
        pthread_mutex_lock(&s->mu);
        s->committing = false;
        if (rc && !s->err)
            s->err = rc;
        recycle(s, sl->r.arena);
        s->tail++;
        s->count--;
        s->inflight -= sl->weight;
        if (s->parser_waits && s->count <= s->nslots / 2 && s->inflight <= s->budget / 2)
            pthread_cond_signal(&s->not_full);
        if (!s->count)
            pthread_cond_broadcast(&s->idle);
    }
}

/* With the lock held: the oldest queued slot is worth working on the
 * pushing thread (STEAL_MIN) */
static bool worth_taking(const s4s_stage *s)
{
    return s->queued && s->q[s->next % s->nslots].weight >= STEAL_MIN;
}

/* With the lock held and a slot queued: take the oldest and work it as
 * worker `me` (the lock is released meanwhile). */
static void work_one(s4s_stage *s, unsigned me)
{
    slot *sl = &s->q[s->next++ % s->nslots];
    s->queued--;
    if (s->queued && s->sleepers) /* more for a sleeping worker */
        pthread_cond_signal(&s->wake);
    s4s_rc failed = s->err;
    pthread_mutex_unlock(&s->mu);
    s4s_rc rc = failed ? S4S_OK : s->work(s->u, me, &sl->r);
    pthread_mutex_lock(&s->mu);
    sl->work_rc = rc;
    sl->done = true;
}

static void *run(void *arg)
{
    s4s_stage *s = arg;
    pthread_mutex_lock(&s->mu);
    unsigned me = s->started++;
    char name[16];
    snprintf(name, sizeof name, "s4s-work-%u", me); /* for top -H, perf */
    pthread_setname_np(pthread_self(), name);
    for (;;) {
        commit_ready(s);
        if (s->queued) {
            work_one(s, me);
            continue;
        }
        if (s->stop && !s->count)
            break;
        s->sleepers++;
        pthread_cond_wait(&s->wake, &s->mu);
        s->sleepers--;
    }
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

unsigned s4s_stage_workers(const s4s_stage *s) { return s->nth; }

static void destroy(s4s_stage *s)
{
    for (unsigned i = 0; i < s->npool; i++)
        s4s_arena_free(s->pool[i]);
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->wake);
    pthread_cond_destroy(&s->not_full);
    pthread_cond_destroy(&s->idle);
    free(s->pool);
    free(s->q);
    free(s);
}

s4s_stage *s4s_stage_start(unsigned n, s4s_stage_work_fn work, s4s_stage_commit_fn commit, void *u)
{
    if (n < 1)
        n = 1;
    if (n > S4S_STAGE_MAX_WORKERS)
        n = S4S_STAGE_MAX_WORKERS;
    s4s_stage *s = s4s_xcalloc(1, sizeof *s);
    s->work = work;
    s->commit = commit;
    s->u = u;
    /* enough in flight that a slow resource at the tail does not idle the
     * other workers; no more: with one worker, 8 slots ran as fast as 16
     * on every input, and the 1 GB Bundle's peak was 5-8 MB lower */
    s->nslots = 8 + 4 * (n - 1);
    s->n = n;
    s->budget = BUDGET_PER * (n + 1);
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->wake, NULL);
    pthread_cond_init(&s->not_full, NULL);
    pthread_cond_init(&s->idle, NULL);
    s4s_oom_hold h; /* the stage is freed if the tables cannot be */
    s4s_oom_push(&h, s, (void (*)(void *))destroy);
    s->q = s4s_xcalloc(s->nslots, sizeof *s->q);
    s->pool = s4s_xcalloc(s->nslots + 1, sizeof *s->pool);
    s4s_oom_pop(&h);
    pthread_mutex_lock(&s->mu);
    for (unsigned i = 0; i < n; i++) {
        if (pthread_create(&s->th[s->nth], NULL, run, s) != 0)
            break;
        s->nth++;
    }
    pthread_mutex_unlock(&s->mu);
    if (!s->nth) {
        destroy(s);
        return NULL; /* the caller processes inline instead */
    }
    return s;
}

/* with the lock held: a push of weight w would wait (one slot always fits) */
static bool no_room(const s4s_stage *s, size_t w)
{
    return s->count == s->nslots || (s->count && s->inflight + w > s->budget);
}

s4s_rc s4s_stage_push(s4s_stage *s, const s4s_res *r, s4s_arena **next)
{
    pthread_mutex_lock(&s->mu);
    s4s_arena *spare = s->npool ? s->pool[--s->npool] : NULL;
    if (!spare) {
        /* allocated before the hand-over: if this fails, r->arena is
         * still the parser's (alloc.h) */
        pthread_mutex_unlock(&s->mu);
        spare = s4s_arena_new(64 * 1024); /* most resources are a few KB */
        pthread_mutex_lock(&s->mu);
    }
    size_t w = s4s_arena_used(r->arena);
    while (no_room(s, w)) {
        /* the workers lag: help rather than wait, with work worth it (a
         * unit; for one small streamed resource the hand-over round trips
         * cost more than the work: 10.6 s against 8.7 s on the 1 GB Bundle
         * with --no-validate) */
        if (worth_taking(s)) {
            work_one(s, s->n);
            commit_ready(s);
            continue;
        }
        s->parser_waits = true;
        pthread_cond_wait(&s->not_full, &s->mu);
        s->parser_waits = false;
    }
    s->q[s->head++ % s->nslots] = (slot){.r = *r, .weight = w};
    s->count++;
    s->inflight += w;
    s->queued++;
    if (s->sleepers && (s->queued >= BATCH || s->draining))
        pthread_cond_signal(&s->wake);
    *next = spare;
    s4s_rc err = s->err;
    pthread_mutex_unlock(&s->mu);
    return err;
}


s4s_rc s4s_stage_drain(s4s_stage *s)
{
    pthread_mutex_lock(&s->mu);
    s->draining = true;
    if (s->count)
        pthread_cond_broadcast(&s->wake); /* fewer than BATCH may wait */
    while (s->count) {
        /* help with the queue's tail rather than leave a core idle (at the
         * input's end: up to a ring of units for one worker), as a push
         * does; not after an error, when the queue is only being dropped */
        if (!s->err && worth_taking(s)) {
            work_one(s, s->n);
            commit_ready(s);
            continue;
        }
        pthread_cond_wait(&s->idle, &s->mu);
    }
    s->draining = false;
    s4s_rc err = s->err;
    pthread_mutex_unlock(&s->mu);
    return err;
}

s4s_rc s4s_stage_stop(s4s_stage *s)
{
    s4s_stage_drain(s);
    pthread_mutex_lock(&s->mu);
    s->stop = true;
    pthread_cond_broadcast(&s->wake);
    pthread_mutex_unlock(&s->mu);
    for (unsigned i = 0; i < s->nth; i++)
        pthread_join(s->th[i], NULL);
    s4s_rc err = s->err;
    destroy(s);
    return err;
}
