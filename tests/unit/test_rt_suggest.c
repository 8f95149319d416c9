/* test_rt_suggest.c — each suggestion method on synthetic curves whose
 * answer is known in closed form, plus the window rules (cut at the first
 * non-finite point, skip_begin, skip_end) and the "no suggestion" cases. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>
#include "rt_sweep.h"

#define N 101
#define CENTER 50

/* rate[i] = 1e-2 * 10^((i - 50) / 20): 1e-2 exactly at i = 50, 5 decades. */
static void make_rates(double rate[N])
{
    for (int i = 0; i < N; i++)
        rate[i] = 1e-2 * pow(10.0, (i - CENTER) / 20.0);
}

static double u_of(double rate) { return log(rate) - log(1e-2); }

static rt_suggestion suggest(rt_method m, const double *rate, const double *smooth, int64_t n,
                             int64_t skip_begin, int64_t skip_end)
{
    rt_suggestion s;
    rt_suggest(m, rate, smooth, n, skip_begin, skip_end, &s);
    assert_int_equal(s.method, m);
    return s;
}

static void test_names(void **state)
{
    (void)state;
    assert_string_equal(rt_method_name(RT_SUG_STEEPEST), "steepest");
    assert_string_equal(rt_method_name(RT_SUG_VALLEY), "valley");
    assert_string_equal(rt_method_name(RT_SUG_MINIMUM), "minimum");
    assert_string_equal(rt_method_name(RT_SUG_CLR), "clr");
}

/* -tanh(ln(rate / 1e-2)) falls fastest (against ln rate) at 1e-2. */
static void test_steepest_on_tanh(void **state)
{
    (void)state;
    double rate[N], smooth[N];
    make_rates(rate);
    for (int i = 0; i < N; i++)
        smooth[i] = -tanh(u_of(rate[i]));
    rt_suggestion s = suggest(RT_SUG_STEEPEST, rate, smooth, N, 10, 5);
    assert_true(s.ok);
    assert_int_equal(s.index, CENTER);
    assert_true(s.rate == rate[CENTER]);
    assert_true(fabs(s.rate - 1e-2) < 1e-17);
    assert_true(s.loss == smooth[CENTER]);
}

/* A curve falling everywhere is one run of decreasing points: its middle. */
static void test_valley_on_tanh(void **state)
{
    (void)state;
    double rate[N], smooth[N];
    make_rates(rate);
    for (int i = 0; i < N; i++)
        smooth[i] = -tanh(u_of(rate[i]));
    rt_suggestion s = suggest(RT_SUG_VALLEY, rate, smooth, N, 5, 5);  /* points 5..95 */
    assert_true(s.ok);
    assert_int_equal(s.index, CENTER);
    assert_true(s.rate == rate[CENTER]);
}

static void test_valley_takes_longest_run(void **state)
{
    (void)state;
    /* runs of decreasing points: 0..2 (3 points) and 3..8 (6 points) */
    const double smooth[10] = {5, 4, 3, 4, 3.5, 3, 2.5, 2, 1.9, 3};
    double rate[10];
    for (int i = 0; i < 10; i++)
        rate[i] = 1e-4 * pow(2.0, i);
    rt_suggestion s = suggest(RT_SUG_VALLEY, rate, smooth, 10, 0, 0);
    assert_true(s.ok);
    assert_int_equal(s.index, 5);   /* 3 + (6 - 1) / 2 */
    assert_true(s.rate == rate[5]);
    assert_true(s.loss == 3.0);
}

static void make_u(double rate[N], double smooth[N])
{
    make_rates(rate);
    for (int i = 0; i < N; i++)
        smooth[i] = u_of(rate[i]) * u_of(rate[i]);
}

static void test_minimum_on_u(void **state)
{
    (void)state;
    double rate[N], smooth[N];
    make_u(rate, smooth);
    rt_suggestion s = suggest(RT_SUG_MINIMUM, rate, smooth, N, 10, 5);
    assert_true(s.ok);
    assert_int_equal(s.index, CENTER);
    assert_true(s.rate == rate[CENTER] / 10.0);
    assert_true(s.note[0] != '\0');
}

/* On u^2 the central slope is exactly 2u; the steepest slope at or before
 * the minimum is the one-sided one at point 0 (-99h for the grid step h),
 * and the last point before the minimum with slope <= -49.5h is i = 25. */
static void test_clr_on_u(void **state)
{
    (void)state;
    double rate[N], smooth[N];
    make_u(rate, smooth);
    rt_suggestion s = suggest(RT_SUG_CLR, rate, smooth, N, 0, 0);
    assert_true(s.ok);
    assert_int_equal(s.index, 25);
    assert_true(s.rate == rate[25]);
    assert_true(s.base_rate == rate[25] / 4.0);
}

static void test_rising_curve_suggests_nothing(void **state)
{
    (void)state;
    double rate[N], smooth[N];
    make_rates(rate);
    for (int i = 0; i < N; i++)
        smooth[i] = 1.0 + 0.01 * i;
    for (int m = 0; m < RT_SUG_COUNT; m++) {
        rt_suggestion s = suggest((rt_method)m, rate, smooth, N, 10, 5);
        assert_false(s.ok);
        assert_true(isnan(s.rate));
        assert_non_null(strstr(s.note, "never fell"));
    }
}

static void test_too_few_points(void **state)
{
    (void)state;
    double rate[N], smooth[N];
    make_u(rate, smooth);
    for (int m = 0; m < RT_SUG_COUNT; m++) {
        rt_suggestion s = suggest((rt_method)m, rate, smooth, 10, 5, 3);
        assert_false(s.ok);
        assert_non_null(strstr(s.note, "too few"));
    }
}

/* Sharp drops at points 5 and 98 and a gentle one at 60: the skipped ends
 * decide which one steepest sees. */
static void test_skip_begin_and_end(void **state)
{
    (void)state;
    double rate[N], smooth[N];
    make_rates(rate);
    double h = log(10.0) / 20.0;
    for (int i = 0; i < N; i++) {
        double x = (i - CENTER) * h;
        smooth[i] = -tanh(10 * (x - (5 - CENTER) * h)) - 0.5 * tanh(x - (60 - CENTER) * h) -
                    tanh(10 * (x - (98 - CENTER) * h));
    }
    assert_int_equal(suggest(RT_SUG_STEEPEST, rate, smooth, N, 0, 5).index, 5);
    assert_int_equal(suggest(RT_SUG_STEEPEST, rate, smooth, N, 10, 0).index, 98);
    assert_int_equal(suggest(RT_SUG_STEEPEST, rate, smooth, N, 10, 5).index, 60);
}

static void test_nan_cuts_the_curve(void **state)
{
    (void)state;
    double rate[N], smooth[N];
    make_u(rate, smooth);
    smooth[40] = NAN;
    rt_suggestion s = suggest(RT_SUG_MINIMUM, rate, smooth, N, 0, 5);
    assert_true(s.ok);
    assert_int_equal(s.index, 34);   /* points 0..34 remain; u^2 still falling */
    assert_true(s.rate == rate[34] / 10.0);
    smooth[40] = INFINITY;
    s = suggest(RT_SUG_VALLEY, rate, smooth, N, 0, 0);
    assert_int_equal(s.index, 19);   /* run 0..39 */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_steepest_on_tanh),
        cmocka_unit_test(test_valley_on_tanh),
        cmocka_unit_test(test_valley_takes_longest_run),
        cmocka_unit_test(test_minimum_on_u),
        cmocka_unit_test(test_clr_on_u),
        cmocka_unit_test(test_rising_curve_suggests_nothing),
        cmocka_unit_test(test_too_few_points),
        cmocka_unit_test(test_skip_begin_and_end),
        cmocka_unit_test(test_nan_cuts_the_curve),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
