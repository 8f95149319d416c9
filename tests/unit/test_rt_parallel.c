/* test_rt_parallel.c — the step's thread pool (runtime/rt_parallel.c):
 * every part of every job runs exactly once and the call returns only when
 * all are done, on pools of 1 to 4 threads and on NULL, over thousands of
 * back-to-back jobs (the dispatch the generated step does between its
 * products) and after the workers have gone to sleep; and rt_pool_pick,
 * which times steps both ways and keeps the faster. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>
#include <time.h>
#include "rt_parallel.h"

enum { MAX_PARTS = 40 };

/* mem[0..MAX_PARTS): how often each part ran, as floats (the pool hands
 * every part the same mem and x). x[0] is added each time. */
static void count_part(float *mem, const float *x, int64_t part)
{
    /* each part writes only its own slot, as the generated parts do */
    mem[part] += x[0];
}

static void run_jobs(lrc_rt_pool *pool, int jobs)
{
    float mem[MAX_PARTS], one = 1.0f;
    for (int64_t parts = 1; parts <= MAX_PARTS; parts += 13) {
        memset(mem, 0, sizeof mem);
        for (int j = 0; j < jobs; j++)
            lrc_rt_parallel(pool, count_part, mem, &one, parts);
        for (int64_t k = 0; k < MAX_PARTS; k++)
            assert_true(mem[k] == (k < parts ? (float)jobs : 0.0f));
    }
}

static void test_every_part_once(void **state)
{
    (void)state;
    run_jobs(NULL, 100);
    for (int threads = 1; threads <= 4; threads++) {
        lrc_rt_pool *pool = NULL;
        assert_int_equal(rt_pool_start(threads, &pool), 0);
        assert_int_equal(rt_pool_threads(pool), threads);
        assert_true((pool == NULL) == (threads == 1));
        run_jobs(pool, 2000);
        rt_pool_stop(pool);
    }
}

/* Jobs after the workers have slept (they spin ~200 us, then wait on a
 * condition variable) still run every part. */
static void test_after_sleep(void **state)
{
    (void)state;
    lrc_rt_pool *pool = NULL;
    assert_int_equal(rt_pool_start(3, &pool), 0);
    for (int round = 0; round < 5; round++) {
        struct timespec pause = {.tv_sec = 0, .tv_nsec = 2000000};
        nanosleep(&pause, NULL);
        run_jobs(pool, 3);
    }
    rt_pool_stop(pool);
    rt_pool_stop(NULL);
}

/* Feeds rt_pool_pick step times: `pool_s` with the pool, `one_s` without. */
static int64_t picked_pool(double pool_s, double one_s, int steps)
{
    lrc_rt_pool *fake = (lrc_rt_pool *)&steps; /* never dereferenced by the picker */
    rt_pool_pick k;
    rt_pool_pick_init(&k, fake);
    int64_t late = 0;
    for (int s = 0; s < steps; s++) {
        lrc_rt_pool *p = rt_pool_pick_next(&k);
        assert_true(p == fake || p == NULL);
        if (s >= 100)
            late += p == fake;
        rt_pool_pick_took(&k, p ? pool_s : one_s);
    }
    assert_int_equal(k.steps, steps);
    return late;
}

static void test_pick(void **state)
{
    (void)state;
    /* after the probes (steps 1 and 2), the faster way; the other is
     * retried at 35, 100, then every 129 steps (229, ...): 2 of the 160
     * late steps */
    assert_int_equal(picked_pool(1e-3, 2e-3, 260), 160 - 2);
    assert_int_equal(picked_pool(2e-3, 1e-3, 260), 2);
    /* no pool: always NULL */
    rt_pool_pick k;
    rt_pool_pick_init(&k, NULL);
    for (int s = 0; s < 50; s++) {
        assert_null(rt_pool_pick_next(&k));
        rt_pool_pick_took(&k, 1e-3);
    }
    assert_int_equal(k.split, 0);
}

/* Steps on the pool among steps [from, 600) when the pool takes pool_s
 * and one thread one_s until step 300, pool_s2 and one_s2 from then on. */
static int64_t pool_after_change(double pool_s, double one_s, double pool_s2, double one_s2, int from)
{
    int steps = 0;
    lrc_rt_pool *fake = (lrc_rt_pool *)&steps;
    rt_pool_pick k;
    rt_pool_pick_init(&k, fake);
    int64_t late = 0;
    for (int s = 0; s < 600; s++) {
        lrc_rt_pool *p = rt_pool_pick_next(&k);
        double t = s < 300 ? (p ? pool_s : one_s) : (p ? pool_s2 : one_s2);
        if (s >= from)
            late += p != NULL;
        rt_pool_pick_took(&k, t);
    }
    return late;
}

/* A change of conditions midway moves the choice: the pool slowing down
 * (the other core got busy) is left within steps, the pool getting faster
 * is found by the next retry, at most RT_POOL_RETRY_MAX steps later. */
static void test_pick_follows(void **state)
{
    (void)state;
    assert_true(pool_after_change(1e-3, 2e-3, 4e-3, 2e-3, 305) <= 300 / RT_POOL_RETRY_MAX + 1);
    int from = 300 + RT_POOL_RETRY_MAX + 1; /* then the pool, but for retries of one thread */
    assert_true(pool_after_change(2e-3, 1e-3, 1e-3, 2e-3, from) >= (600 - from) - (600 - from) / RT_POOL_RETRY_MAX - 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_part_once),
        cmocka_unit_test(test_after_sleep),
        cmocka_unit_test(test_pick),
        cmocka_unit_test(test_pick_follows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
