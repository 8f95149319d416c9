/* rt_parallel.h — the thread pool the compiled step splits its large
 * matrix products over (rt_parallel.c). The generated code sees only the
 * opaque lrc_rt_pool and lrc_rt_parallel (lrc_abi.h). */
#ifndef RT_PARALLEL_H
#define RT_PARALLEL_H

#include "lrc_abi.h"

/* A pool of `threads` - 1 workers (the caller is the other thread), at
 * most 16 threads in all. threads <= 1, or no thread could start: *out is
 * NULL, which lrc_rt_parallel takes as "run the parts on the caller's
 * thread". Returns 0, or -1 when memory ran out (*out NULL). */
int rt_pool_start(int threads, lrc_rt_pool **out);
/* Stops the workers and frees the pool (NULL is fine). */
void rt_pool_stop(lrc_rt_pool *p);
/* Threads the pool runs parts on, the caller's included (1 for NULL). */
int rt_pool_threads(const lrc_rt_pool *p);

/* Whether a step runs faster with its products split over the pool or all
 * on the caller's thread depends on the shapes and on what else the
 * machine is doing (a worker whose core is busy elsewhere holds the step
 * back), and the results are the same either way. So the range test
 * measures both as it goes: after a first step on the pool, one step
 * each way, then the faster one, trying the other again after
 * RT_POOL_RETRY steps, and after twice as many each time the retry loses
 * again (up to RT_POOL_RETRY_MAX; back to RT_POOL_RETRY when it wins).
 * Each way's time per step is a moving average, so a way that slows down
 * while it runs is left at once; a retry, whose time replaces its way's
 * stale average, is what notices the other way got faster. A step on the slower way costs its difference, so a clear
 * winner is retried rarely. */
enum { RT_POOL_RETRY = 32, RT_POOL_RETRY_MAX = 128 };
typedef struct rt_pool_pick {
    lrc_rt_pool *pool;  /* NULL: always the caller's thread */
    int64_t steps;      /* steps timed so far */
    int64_t split;      /* of which on the pool */
    double avg[2];      /* seconds per step: [0] one thread, [1] the pool; < 0: none yet */
    int last;           /* the way the current step runs */
    int retry;          /* the current step retries the slower way */
    int64_t next_retry; /* the step that will */
    int64_t interval;   /* steps from one retry to the next */
} rt_pool_pick;
void rt_pool_pick_init(rt_pool_pick *k, lrc_rt_pool *pool);
/* The pool to hand to the next step: k->pool or NULL. */
lrc_rt_pool *rt_pool_pick_next(rt_pool_pick *k);
/* How long that step took. */
void rt_pool_pick_took(rt_pool_pick *k, double seconds);

#endif
