/* test_rt_seeds.c — statistics across seeds (median, spread, stable), the
 * min/median/max band, and the held-out split (sizes, disjoint, seeded). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "rt_results.h"

static rt_result with_rate(double rate, int ok)
{
    rt_result r = {.nsug = 1};
    r.sug[0] = (rt_suggestion){.method = RT_SUG_VALLEY, .ok = ok, .rate = rate};
    return r;
}

static void stats(void **state)
{
    (void)state;
    rt_sweep sw = {.nmethods = 1, .methods = {RT_SUG_VALLEY}};
    rt_result res[4] = {with_rate(0.01, 1), with_rate(0.04, 1), with_rate(0.02, 1), with_rate(0.015, 1)};
    rt_seed_stat st;
    rt_seed_stats(res, 3, &sw, &st);
    assert_int_equal(st.nok, 3);
    assert_true(st.median == 0.02 && st.min == 0.01 && st.max == 0.04);
    assert_true(fabs(st.spread - 4) < 1e-12);
    assert_false(st.stable);
    res[1] = with_rate(0.019, 1);
    rt_seed_stats(res, 4, &sw, &st);   /* even count: geometric mean of the middle two */
    assert_true(fabs(st.median - sqrt(0.015 * 0.019)) < 1e-15);
    assert_true(st.stable);            /* 0.02 / 0.01 = 2 */
    res[3] = with_rate(0, 0);
    rt_seed_stats(res, 4, &sw, &st);
    assert_int_equal(st.nok, 3);
    assert_false(st.stable);           /* a seed without a rate */
}

static void band(void **state)
{
    (void)state;
    rt_point a[3] = {{0, 1e-3, 0, 3}, {1, 1e-2, 0, 2}, {2, 1e-1, 0, 9}};
    rt_point b[2] = {{0, 1e-3, 0, 1}, {1, 1e-2, 0, 4}};
    rt_point c[3] = {{0, 1e-3, 0, 2}, {1, 1e-2, 0, 3}, {2, 1e-1, 0, 1}};
    rt_result res[3] = {{.pts = a, .n = 3}, {.pts = b, .n = 2}, {.pts = c, .n = 3}};
    rt_band bd;
    rt_err err = {0};
    assert_int_equal(rt_band_make(res, 3, &bd, &err), RT_OK);
    assert_int_equal(bd.n, 2);   /* the steps every seed ran */
    assert_true(bd.lo[0] == 1 && bd.med[0] == 2 && bd.hi[0] == 3);
    assert_true(bd.lo[1] == 2 && bd.med[1] == 3 && bd.hi[1] == 4);
    assert_true(fabs(rt_band_at(&bd, sqrt(1e-3 * 1e-2)) - 2.5) < 1e-12);
    rt_band_free(&bd);
}

static void split(void **state)
{
    (void)state;
    enum { N = 100 };
    float x[N], y[N];
    for (int i = 0; i < N; i++)
        x[i] = y[i] = (float)i;
    rt_dataset d = {.n = N, .features = 1, .targets = 1, .x = x, .y = y};
    rt_dataset tr, ho, tr2, ho2;
    rt_err err = {0};
    assert_int_equal(rt_data_split(&d, 0.2, 7, &tr, &ho, &err), RT_OK);
    assert_int_equal(tr.n, 80);
    assert_int_equal(ho.n, 20);
    int seen[N] = {0};
    for (int i = 0; i < tr.n; i++)
        seen[(int)tr.x[i]]++;
    for (int i = 0; i < ho.n; i++) {
        seen[(int)ho.x[i]]++;
        assert_true(ho.x[i] == ho.y[i]);
    }
    for (int i = 0; i < N; i++)
        assert_int_equal(seen[i], 1);   /* disjoint, nothing lost */
    assert_int_equal(rt_data_split(&d, 0.2, 7, &tr2, &ho2, &err), RT_OK);
    assert_memory_equal(ho.x, ho2.x, sizeof(float) * 20);   /* seeded */
    rt_data_free(&tr);
    rt_data_free(&ho);
    rt_data_free(&tr2);
    rt_data_free(&ho2);
    assert_int_equal(rt_data_split(&d, 0.001, 7, &tr, &ho, &err), RT_BAD_INPUT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(stats), cmocka_unit_test(band), cmocka_unit_test(split)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
