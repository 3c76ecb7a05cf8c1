/*
 * stage.c - a bounded, ordered hand-over of resources to a worker thread.
 *
 * Invariants: jobs are processed strictly in push order (one worker, a FIFO
 * ring); a job's arena is touched by exactly one thread at a time (the
 * parser until push, the worker until recycle); all shared fields are
 * guarded by one mutex; the arena pool never holds more than STAGE_SLOTS + 1
 * arenas.
 */
#include "stage.h"
#include "base/alloc.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define STAGE_SLOTS 16
/* wake-ups in batches: a sleeping worker is woken once BATCH resources
 * wait, a blocked parser once the ring is half empty (a wake-up per
 * resource cost more than the hand-over itself) */
#define BATCH 4

struct s4s_stage {
    s4s_stage_fn    fn;
    void           *u;
    pthread_t       th;
    pthread_mutex_t mu;
    pthread_cond_t  not_empty, not_full, idle;
    s4s_res         q[STAGE_SLOTS];
    unsigned        head, tail, count;
    bool            busy, stop, worker_waits, parser_waits;
    s4s_rc          err;
    s4s_arena      *pool[STAGE_SLOTS + 1];
    unsigned        npool;
};

static void *run(void *arg)
{
    s4s_stage *s = arg;
    pthread_mutex_lock(&s->mu);
    for (;;) {
        while (!s->count && !s->stop) {
            s->worker_waits = true;
            pthread_cond_wait(&s->not_empty, &s->mu);
            s->worker_waits = false;
        }
        if (!s->count)
            break;
        s4s_res r = s->q[s->tail];
        s4s_rc failed = s->err;
        s->busy = true;
        pthread_mutex_unlock(&s->mu);
        s4s_rc rc = failed ? failed : s->fn(s->u, &r);
        s4s_arena_reset(r.arena);
        pthread_mutex_lock(&s->mu);
        if (rc && !s->err)
            s->err = rc;
        if (s->npool < STAGE_SLOTS + 1)
            s->pool[s->npool++] = r.arena;
        else
            s4s_arena_free(r.arena);
        s->tail = (s->tail + 1) % STAGE_SLOTS;
        s->count--;
        s->busy = false;
        if (s->parser_waits && s->count <= STAGE_SLOTS / 2)
            pthread_cond_signal(&s->not_full);
        if (!s->count)
            pthread_cond_broadcast(&s->idle);
    }
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

s4s_stage *s4s_stage_start(s4s_stage_fn fn, void *u)
{
    s4s_stage *s = s4s_xcalloc(1, sizeof *s);
    s->fn = fn;
    s->u = u;
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->not_empty, NULL);
    pthread_cond_init(&s->not_full, NULL);
    pthread_cond_init(&s->idle, NULL);
    if (pthread_create(&s->th, NULL, run, s) != 0) {
        pthread_mutex_destroy(&s->mu);
        pthread_cond_destroy(&s->not_empty);
        pthread_cond_destroy(&s->not_full);
        pthread_cond_destroy(&s->idle);
        free(s);
        return NULL; /* the caller processes inline instead */
    }
    return s;
}

s4s_rc s4s_stage_push(s4s_stage *s, const s4s_res *r, s4s_arena **next)
{
    s4s_res j = *r;
    /* what points outside the arena (sax's capture and messages,
     * assemble's fullUrl and Bundle type buffers) is copied into it */
    if (r->raw) {
        s4s_buf *b = s4s_arena_zalloc(r->arena, sizeof *b);
        b->p = s4s_arena_alloc(r->arena, r->raw->len ? r->raw->len : 1);
        memcpy(b->p, r->raw->p, r->raw->len);
        b->len = b->cap = b->max = r->raw->len;
        j.raw = b;
    }
    if (r->full_url)
        j.full_url = s4s_arena_strndup(r->arena, r->full_url, strlen(r->full_url));
    if (r->bundle_type)
        j.bundle_type = s4s_arena_strndup(r->arena, r->bundle_type, strlen(r->bundle_type));
    if (r->reason) /* may live in sax's message buffer */
        j.reason = s4s_arena_strndup(r->arena, r->reason, strlen(r->reason));
    pthread_mutex_lock(&s->mu);
    s4s_arena *spare = s->npool ? s->pool[--s->npool] : NULL;
    if (!spare) {
        /* allocated before the hand-over: if this fails, r->arena is
         * still the parser's (alloc.h) */
        pthread_mutex_unlock(&s->mu);
        spare = s4s_arena_new(64 * 1024); /* most resources are a few KB */
        pthread_mutex_lock(&s->mu);
    }
    while (s->count == STAGE_SLOTS) {
        s->parser_waits = true;
        pthread_cond_wait(&s->not_full, &s->mu);
        s->parser_waits = false;
    }
    s->q[s->head] = j;
    s->head = (s->head + 1) % STAGE_SLOTS;
    s->count++;
    if (s->worker_waits && s->count >= BATCH)
        pthread_cond_signal(&s->not_empty);
    *next = spare;
    s4s_rc err = s->err;
    pthread_mutex_unlock(&s->mu);
    return err;
}

s4s_rc s4s_stage_drain(s4s_stage *s)
{
    pthread_mutex_lock(&s->mu);
    if (s->count)
        pthread_cond_signal(&s->not_empty); /* fewer than BATCH may wait */
    while (s->count)
        pthread_cond_wait(&s->idle, &s->mu);
    s4s_rc err = s->err;
    pthread_mutex_unlock(&s->mu);
    return err;
}

s4s_rc s4s_stage_stop(s4s_stage *s)
{
    s4s_stage_drain(s);
    pthread_mutex_lock(&s->mu);
    s->stop = true;
    pthread_cond_signal(&s->not_empty);
    pthread_mutex_unlock(&s->mu);
    pthread_join(s->th, NULL);
    s4s_rc err = s->err;
    for (unsigned i = 0; i < s->npool; i++)
        s4s_arena_free(s->pool[i]);
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->not_empty);
    pthread_cond_destroy(&s->not_full);
    pthread_cond_destroy(&s->idle);
    free(s);
    return err;
}
