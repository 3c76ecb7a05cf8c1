/*
 * reader.c - reader thread feeding a fixed ring of blocks.
 *
 * Invariants: slots are filled and drained strictly in order (head = next
 * to fill, tail = next to drain, count in between); a slot being read by the
 * consumer is not refilled until the consumer asks for the next one; all
 * shared state is guarded by one mutex with two condition variables.  A
 * reader that found the ring full is woken when half of it is free, not at
 * each slot: when parsing is the slower side (nearly always) that is one
 * wake-up per four blocks instead of one per block.
 */
#include "reader.h"
#include "base/alloc.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define RING_SLOTS 8

struct s4s_reader {
    int             fd;
    size_t          read_size, slot_size;
    s4s_decode_fn   decode;
    void           *u;
    pthread_t       th;
    pthread_mutex_t mu;
    pthread_cond_t  not_full, not_empty;
    unsigned char  *slot[RING_SLOTS];
    size_t          len[RING_SLOTS];
    unsigned        head, tail, count;
    bool            holding;   /* consumer holds the tail slot */
    bool            filler_waits; /* the reader waits for free slots */
    bool            started, done, cancelled;
    s4s_rc          rc;
    int             err;       /* errno of a failed read, taken on this thread */
    uint64_t        bytes;
};

s4s_rc s4s_reader_push(s4s_reader *r, const unsigned char *p, size_t n)
{
    while (n) {
        pthread_mutex_lock(&r->mu);
        while (r->count == RING_SLOTS && !r->cancelled) {
            r->filler_waits = true;
            pthread_cond_wait(&r->not_full, &r->mu);
        }
        r->filler_waits = false;
        if (r->cancelled) {
            pthread_mutex_unlock(&r->mu);
            return S4S_ERR_EPIPE;
        }
        unsigned h = r->head;
        pthread_mutex_unlock(&r->mu);
        /* the slot is ours until count is raised */
        size_t k = n < r->slot_size ? n : r->slot_size;
        memcpy(r->slot[h], p, k);
        r->len[h] = k;
        p += k;
        n -= k;
        pthread_mutex_lock(&r->mu);
        r->head = (h + 1) % RING_SLOTS;
        r->count++;
        pthread_cond_signal(&r->not_empty);
        pthread_mutex_unlock(&r->mu);
    }
    return S4S_OK;
}

static s4s_rc read_all(s4s_reader *r)
{
    unsigned char *buf = s4s_xmalloc(r->read_size);
    s4s_oom_hold h;
    s4s_oom_push(&h, buf, free);
    s4s_rc rc = S4S_OK;
    for (;;) {
        ssize_t n = read(r->fd, buf, r->read_size);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            r->err = errno;
            rc = S4S_ERR_IO;
            break;
        }
        if (n == 0)
            break;
        r->bytes += (uint64_t)n;
        rc = r->decode(r->u, buf, (size_t)n);
        if (rc)
            break;
    }
    s4s_oom_pop(&h);
    free(buf);
    return rc;
}

static void *run(void *arg)
{
    s4s_reader *r = arg;
    s4s_rc rc;
    pthread_setname_np(pthread_self(), "s4s-reader"); /* for top -H, perf */
    /* this thread's recovery point: out of memory while decoding ends the
     * read like a read error, and the consumer gets S4S_ERR_NOMEM */
    s4s_oom_frame f;
    s4s_oom_enter(&f);
    if (setjmp(f.jb)) {
        rc = S4S_ERR_NOMEM;
    } else {
        rc = read_all(r);
        s4s_oom_leave(&f);
    }
    pthread_mutex_lock(&r->mu);
    r->rc = rc == S4S_ERR_EPIPE && r->cancelled ? S4S_OK : rc;
    r->done = true;
    pthread_cond_signal(&r->not_empty);
    pthread_mutex_unlock(&r->mu);
    return NULL;
}

static void release_partial(void *p)
{
    s4s_reader *r = p;
    for (int i = 0; i < RING_SLOTS; i++)
        free(r->slot[i]);
    free(r);
}

s4s_reader *s4s_reader_new(int fd, size_t read_size, s4s_decode_fn decode, void *u)
{
    s4s_reader *r = s4s_xcalloc(1, sizeof *r);
    s4s_oom_hold h; /* freed with the slots so far if one cannot be allocated */
    s4s_oom_push(&h, r, release_partial);
    r->fd = fd;
    r->read_size = read_size;
    r->slot_size = read_size > (256u << 10) ? read_size : (256u << 10);
    r->decode = decode;
    r->u = u;
    for (int i = 0; i < RING_SLOTS; i++)
        r->slot[i] = s4s_xmalloc(r->slot_size);
    s4s_oom_pop(&h);
    pthread_mutex_init(&r->mu, NULL);
    pthread_cond_init(&r->not_full, NULL);
    pthread_cond_init(&r->not_empty, NULL);
    return r;
}

void s4s_reader_run(s4s_reader *r)
{
    r->started = pthread_create(&r->th, NULL, run, r) == 0;
    if (!r->started) {
        r->rc = S4S_ERR_NOMEM;
        r->done = true;
    }
}

static void release_held(s4s_reader *r)
{
    if (r->holding) {
        r->tail = (r->tail + 1) % RING_SLOTS;
        r->count--;
        r->holding = false;
        if (r->filler_waits && r->count <= RING_SLOTS / 2)
            pthread_cond_signal(&r->not_full);
    }
}

const unsigned char *s4s_reader_next(s4s_reader *r, size_t *n)
{
    pthread_mutex_lock(&r->mu);
    release_held(r);
    while (r->count == 0 && !r->done)
        pthread_cond_wait(&r->not_empty, &r->mu);
    const unsigned char *p = NULL;
    if (r->count) {
        p = r->slot[r->tail];
        *n = r->len[r->tail];
        r->holding = true;
    }
    pthread_mutex_unlock(&r->mu);
    return p;
}

void s4s_reader_cancel(s4s_reader *r)
{
    pthread_mutex_lock(&r->mu);
    r->cancelled = true;
    pthread_cond_broadcast(&r->not_full);
    pthread_mutex_unlock(&r->mu);
}

s4s_rc s4s_reader_join(s4s_reader *r, uint64_t *bytes_read, int *err)
{
    if (r->started)
        pthread_join(r->th, NULL);
    s4s_rc rc = r->rc;
    *bytes_read = r->bytes;
    *err = r->err;
    for (int i = 0; i < RING_SLOTS; i++)
        free(r->slot[i]);
    pthread_mutex_destroy(&r->mu);
    pthread_cond_destroy(&r->not_full);
    pthread_cond_destroy(&r->not_empty);
    free(r);
    return rc;
}
