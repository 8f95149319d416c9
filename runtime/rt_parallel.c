/* rt_parallel.c — the thread pool behind lrc_rt_parallel, the parallel-for
 * the generated code calls for its large matrix products
 * (compiler/cg_parallel.c cuts each into chunks of rows).
 *
 * A range test starts one pool (rt_pool_start) and hands it to every call
 * of the compiled step. Its workers live for the whole test. A product is
 * published as one 64-bit ticket — job generation, number of parts, next
 * part — and every thread, the caller's included, takes parts from it by
 * compare-and-swap until none is left; the caller then waits for the parts
 * others took. So a dispatch costs a few microseconds instead of a thread
 * start, and a worker the machine has busy elsewhere holds the step back
 * by at most the one part it took (with fixed halves, by a whole half).
 * An idle worker spins briefly — the step's next product usually follows
 * within microseconds — then sleeps on a condition variable.
 *
 * Each part writes disjoint outputs and the cut is fixed when the code is
 * generated, so results are the same whatever thread runs which part; a
 * NULL pool runs them one after another on the caller's thread. No state
 * outside the pool.
 */
#include "rt_parallel.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

enum { MAX_WORKERS = 15, SPIN_CHECK = 256, MAX_TICKET_PARTS = 0xffff };

/* How long an idle worker spins before it sleeps. */
#define SPIN_SECONDS 200e-6

/* ticket: generation (32 bits) | parts (16) | next part to take (16) */
static uint64_t ticket_gen(uint64_t t) { return t >> 32; }
static uint64_t ticket_parts(uint64_t t) { return (t >> 16) & 0xffff; }
static uint64_t ticket_next(uint64_t t) { return t & 0xffff; }

struct lrc_rt_pool {
    int workers;
    pthread_t th[MAX_WORKERS];
    /* the current job: written before its ticket is published */
    lrc_part_fn fn;
    float *mem;
    const float *x;
    atomic_uint_fast64_t ticket;
    atomic_int_fast64_t done;  /* parts of the current job finished */
    atomic_int sleepers;       /* workers waiting on `wake` */
    atomic_int quit;
    pthread_mutex_t mu;
    pthread_cond_t wake;
};

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

/* Takes the next part of job `gen`: its number, or -1 when none is left
 * (or a newer job has started). Once a part is taken the caller waits for
 * it, so the job's fields stay as they are until it is done. */
static int64_t take_part(lrc_rt_pool *p, uint64_t gen)
{
    uint64_t t = atomic_load_explicit(&p->ticket, memory_order_acquire);
    while (ticket_gen(t) == gen && ticket_next(t) < ticket_parts(t))
        if (atomic_compare_exchange_weak_explicit(&p->ticket, &t, t + 1, memory_order_acq_rel,
                                                  memory_order_acquire))
            return (int64_t)ticket_next(t);
    return -1;
}

/* Runs parts of job `gen` until none is left. */
static void run_parts(lrc_rt_pool *p, uint64_t gen)
{
    for (int64_t k; (k = take_part(p, gen)) >= 0;) {
        p->fn(p->mem, p->x, k);
        atomic_fetch_add_explicit(&p->done, 1, memory_order_release);
    }
}

/* Waits until the generation differs from `seen` (or the pool quits):
 * spins first, then sleeps. Returns the new generation. */
static uint64_t await_job(lrc_rt_pool *p, uint64_t seen)
{
    double until = now_seconds() + SPIN_SECONDS;
    for (int i = 1;; i++) {
        uint64_t g = ticket_gen(atomic_load_explicit(&p->ticket, memory_order_acquire));
        if (g != seen || atomic_load(&p->quit))
            return g;
        if (i % SPIN_CHECK == 0 && now_seconds() > until)
            break;
        cpu_relax();
    }
    /* Sleeping: `sleepers` is raised before the last look at the ticket,
     * and the dispatcher publishes the ticket before it looks at `sleepers`
     * (both seq_cst), so one of the two always sees the other. */
    pthread_mutex_lock(&p->mu);
    atomic_fetch_add(&p->sleepers, 1);
    uint64_t g;
    while ((g = ticket_gen(atomic_load(&p->ticket))) == seen && !atomic_load(&p->quit))
        pthread_cond_wait(&p->wake, &p->mu);
    atomic_fetch_sub(&p->sleepers, 1);
    pthread_mutex_unlock(&p->mu);
    return g;
}

static void *worker(void *arg)
{
    lrc_rt_pool *p = arg;
    uint64_t seen = 0;
    for (;;) {
        seen = await_job(p, seen);
        if (atomic_load(&p->quit))
            return NULL;
        run_parts(p, seen);
    }
}

static void wake_all(lrc_rt_pool *p)
{
    if (atomic_load(&p->sleepers) == 0)
        return;
    pthread_mutex_lock(&p->mu);
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->mu);
}

int rt_pool_start(int threads, lrc_rt_pool **out)
{
    *out = NULL;
    if (threads <= 1)
        return 0;
    lrc_rt_pool *p = calloc(1, sizeof *p);
    if (!p)
        return -1;
    atomic_init(&p->ticket, 0);
    atomic_init(&p->done, 0);
    atomic_init(&p->sleepers, 0);
    atomic_init(&p->quit, 0);
    if (pthread_mutex_init(&p->mu, NULL) != 0) {
        free(p);
        return -1;
    }
    if (pthread_cond_init(&p->wake, NULL) != 0) {
        pthread_mutex_destroy(&p->mu);
        free(p);
        return -1;
    }
    /* Workers leave SIGINT/SIGTERM to the threads that poll for them. */
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &block, &old);
    int want = threads - 1 < MAX_WORKERS ? threads - 1 : MAX_WORKERS;
    for (int w = 0; w < want && pthread_create(&p->th[w], NULL, worker, p) == 0; w++)
        p->workers++;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (p->workers == 0) { /* no thread could start: the caller's thread alone */
        rt_pool_stop(p);
        return 0;
    }
    *out = p;
    return 0;
}

void rt_pool_stop(lrc_rt_pool *p)
{
    if (!p)
        return;
    atomic_store(&p->quit, 1);
    pthread_mutex_lock(&p->mu);
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->mu);
    for (int w = 0; w < p->workers; w++)
        pthread_join(p->th[w], NULL);
    pthread_cond_destroy(&p->wake);
    pthread_mutex_destroy(&p->mu);
    free(p);
}

int rt_pool_threads(const lrc_rt_pool *p) { return p ? p->workers + 1 : 1; }

void lrc_rt_parallel(lrc_rt_pool *p, lrc_part_fn fn, float *mem, const float *x, int64_t parts)
{
    if (!p || parts <= 1 || parts > MAX_TICKET_PARTS) {
        for (int64_t k = 0; k < parts; k++)
            fn(mem, x, k);
        return;
    }
    p->fn = fn;
    p->mem = mem;
    p->x = x;
    atomic_store_explicit(&p->done, 0, memory_order_relaxed);
    uint64_t gen = (ticket_gen(atomic_load_explicit(&p->ticket, memory_order_relaxed)) + 1) & 0xffffffffu;
    atomic_store(&p->ticket, gen << 32 | (uint64_t)parts << 16); /* seq_cst: then wake_all reads sleepers */
    wake_all(p);
    run_parts(p, gen);
    while (atomic_load_explicit(&p->done, memory_order_acquire) < parts)
        cpu_relax();
}

/* ---- choosing per step ------------------------------------------------------ */

enum { PROBES = 2 }; /* after the first step: one each way */

void rt_pool_pick_init(rt_pool_pick *k, lrc_rt_pool *pool)
{
    *k = (rt_pool_pick){.pool = pool, .avg = {-1.0, -1.0}, .interval = RT_POOL_RETRY};
    k->next_retry = PROBES + 1 + k->interval;
}

static int faster(const rt_pool_pick *k) { return k->avg[1] < k->avg[0]; }

lrc_rt_pool *rt_pool_pick_next(rt_pool_pick *k)
{
    if (!k->pool)
        return NULL;
    int64_t s = k->steps;
    k->retry = 0;
    if (s == 0)
        k->last = 1;             /* the first step warms caches and pages: not counted */
    else if (s <= PROBES)
        k->last = (int)(s & 1);
    else {
        k->retry = s >= k->next_retry;
        k->last = k->retry ? !faster(k) : faster(k);
    }
    return k->last ? k->pool : NULL;
}

void rt_pool_pick_took(rt_pool_pick *k, double seconds)
{
    if (!k->pool)
        return;
    k->split += k->last;
    if (k->steps++ == 0)
        return;
    double *a = &k->avg[k->last];
    /* a retry's time replaces the way's old average, which is stale */
    *a = *a < 0 || k->retry ? seconds : 0.7 * *a + 0.3 * seconds;
    if (k->retry) {
        int lost = faster(k) != k->last;
        k->interval = lost ? (k->interval * 2 < RT_POOL_RETRY_MAX ? k->interval * 2 : RT_POOL_RETRY_MAX)
                           : RT_POOL_RETRY;
        k->next_retry = k->steps + k->interval;
    }
}

