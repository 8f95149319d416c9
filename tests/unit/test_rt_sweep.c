/* test_rt_sweep.c — the rate schedule, the smoother and the stop programs
 * against values computed by hand from RANGE_TEST.md. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>
#include "rt_sweep.h"

static void assert_rel(double got, double want, double tol)
{
    if (fabs(got - want) > tol * fabs(want))
        fail_msg("got %.17g, want %.17g", got, want);
}

static void test_exp_tf_form(void **state)
{
    (void)state;
    rt_schedule s = {.kind = RT_SCHED_EXP, .start = 1e-7, .decay_rate = 10.0, .decay_steps = 100,
                     .steps = 1000};
    assert_true(rt_schedule_rate(&s, 0) == 1e-7);
    assert_rel(rt_schedule_rate(&s, 100), 1e-6, 1e-14);
    assert_rel(rt_schedule_rate(&s, 50), 1e-7 * sqrt(10.0), 1e-14);
    assert_rel(rt_schedule_rate(&s, 700), 1e-0, 1e-13);
}

static void test_exp_staircase(void **state)
{
    (void)state;
    rt_schedule s = {.kind = RT_SCHED_EXP, .start = 0.01, .decay_rate = 2.0, .decay_steps = 10,
                     .staircase = 1, .steps = 100};
    assert_true(rt_schedule_rate(&s, 0) == 0.01);
    assert_true(rt_schedule_rate(&s, 9) == 0.01);
    assert_true(rt_schedule_rate(&s, 10) == 0.02);
    assert_true(rt_schedule_rate(&s, 19) == 0.02);
    assert_true(rt_schedule_rate(&s, 35) == 0.08);
}

/* The start/end form arrives as decay_rate = end/start, decay_steps = steps-1. */
static void test_exp_start_end_lands_on_end(void **state)
{
    (void)state;
    const double starts[] = {1e-7, 3e-6, 1e-5, 2.5e-8};
    const double ends[] = {10.0, 1.0, 0.3, 7.0};
    const int64_t steps[] = {100, 1000, 357, 2};
    for (int i = 0; i < 4; i++) {
        rt_schedule s = {.kind = RT_SCHED_EXP, .start = starts[i], .decay_rate = ends[i] / starts[i],
                         .decay_steps = (double)(steps[i] - 1), .steps = steps[i]};
        assert_true(rt_schedule_rate(&s, 0) == starts[i]);
        assert_rel(rt_schedule_rate(&s, steps[i] - 1), ends[i], 4.5e-16);
    }
}

static void test_linear(void **state)
{
    (void)state;
    rt_schedule s = {.kind = RT_SCHED_LINEAR, .start = 0.001, .end = 0.101, .steps = 101};
    assert_true(rt_schedule_rate(&s, 0) == 0.001);
    assert_true(rt_schedule_rate(&s, 100) == 0.101);
    assert_rel(rt_schedule_rate(&s, 50), 0.051, 1e-14);
    assert_rel(rt_schedule_rate(&s, 25), 0.026, 1e-14);
}

static void test_smoother_by_hand(void **state)
{
    (void)state;
    rt_smoother sm;
    rt_smoother_init(&sm, 0.9);
    /* avg1 = 0.1*2 = 0.2, smooth = 0.2/0.1 = 2
     * avg2 = 0.18 + 0.4 = 0.58, smooth = 0.58/0.19
     * avg3 = 0.522 + 0.1 = 0.622, smooth = 0.622/0.271 */
    assert_rel(rt_smoother_push(&sm, 2.0), 2.0, 1e-14);
    assert_rel(rt_smoother_push(&sm, 4.0), 0.58 / 0.19, 1e-14);
    assert_rel(rt_smoother_push(&sm, 1.0), 0.622 / 0.271, 1e-14);
}

static void test_smoother_beta_zero_is_identity(void **state)
{
    (void)state;
    rt_smoother sm;
    rt_smoother_init(&sm, 0.0);
    const double xs[] = {3.0, -1.5, 7.25, 0.0, 1e-9};
    for (int i = 0; i < 5; i++)
        assert_true(rt_smoother_push(&sm, xs[i]) == xs[i]);
}

/* ---- stop programs -------------------------------------------------------- */

static rt_insn num(double v) { return (rt_insn){.op = RT_OP_NUM, .num = v}; }
static rt_insn var(rt_var v) { return (rt_insn){.op = RT_OP_VAR, .var = v}; }
static rt_insn op(rt_op o) { return (rt_insn){.op = o}; }

static void set_clause(rt_stop_clause *c, const char *text, const rt_insn *code, int n)
{
    snprintf(c->text, sizeof c->text, "%s", text);
    c->n = n;
    memcpy(c->code, code, (size_t)n * sizeof *code);
}

static void vars_of(double v[RT_VAR_COUNT], double step, double rate, double loss, double best)
{
    v[RT_VAR_STEP] = step;
    v[RT_VAR_RATE] = rate;
    v[RT_VAR_LOSS] = loss;
    v[RT_VAR_RAW] = loss;
    v[RT_VAR_BEST] = best;
}

static void test_stop_divergence(void **state)
{
    (void)state;
    /* loss > 4 * best */
    const rt_insn code[] = {var(RT_VAR_LOSS), num(4), var(RT_VAR_BEST), op(RT_OP_MUL), op(RT_OP_GT)};
    rt_stop_clause c;
    set_clause(&c, "loss > 4 * best", code, 5);
    double v[RT_VAR_COUNT];
    vars_of(v, 10, 0.1, 3.9, 1.0);
    assert_true(rt_stop_eval_clause(&c, v) == 0.0);
    vars_of(v, 10, 0.1, 4.1, 1.0);
    assert_true(rt_stop_eval_clause(&c, v) == 1.0);
}

static void test_stop_which_clause_fires(void **state)
{
    (void)state;
    /* rate > 10 or step >= 5, as two clauses */
    const rt_insn c1[] = {var(RT_VAR_RATE), num(10), op(RT_OP_GT)};
    const rt_insn c2[] = {var(RT_VAR_STEP), num(5), op(RT_OP_GE)};
    rt_stop s = {.n = 2};
    set_clause(&s.clause[0], "rate > 10", c1, 3);
    set_clause(&s.clause[1], "step >= 5", c2, 3);
    double v[RT_VAR_COUNT];
    vars_of(v, 4, 1.0, 1.0, 1.0);
    assert_int_equal(rt_stop_check(&s, v), 0);
    vars_of(v, 5, 1.0, 1.0, 1.0);
    assert_int_equal(rt_stop_check(&s, v), 2);
    vars_of(v, 3, 11.0, 1.0, 1.0);
    assert_int_equal(rt_stop_check(&s, v), 1);
    vars_of(v, 6, 11.0, 1.0, 1.0);
    assert_int_equal(rt_stop_check(&s, v), 1);
}

static void test_stop_not_abs_and_or(void **state)
{
    (void)state;
    /* not (abs(loss - 1) < 0.5) */
    const rt_insn code[] = {var(RT_VAR_LOSS), num(1), op(RT_OP_SUB), op(RT_OP_ABS), num(0.5),
                            op(RT_OP_LT), op(RT_OP_NOT)};
    rt_stop_clause c;
    set_clause(&c, "not (abs(loss - 1) < 0.5)", code, 7);
    double v[RT_VAR_COUNT];
    vars_of(v, 0, 1, 0.7, 0);
    assert_true(rt_stop_eval_clause(&c, v) == 0.0);
    vars_of(v, 0, 1, 0.4, 0);
    assert_true(rt_stop_eval_clause(&c, v) == 1.0);
    vars_of(v, 0, 1, 1.6, 0);
    assert_true(rt_stop_eval_clause(&c, v) == 1.0);

    /* step > 2 and -rate < -1  /  step > 2 or rate > 1 */
    const rt_insn a[] = {var(RT_VAR_STEP), num(2), op(RT_OP_GT), var(RT_VAR_RATE), op(RT_OP_NEG),
                         num(-1), op(RT_OP_LT), op(RT_OP_AND)};
    set_clause(&c, "and", a, 8);
    vars_of(v, 3, 2, 0, 0);
    assert_true(rt_stop_eval_clause(&c, v) == 1.0);
    vars_of(v, 3, 0.5, 0, 0);
    assert_true(rt_stop_eval_clause(&c, v) == 0.0);
    c.code[7] = op(RT_OP_OR);
    vars_of(v, 1, 0.5, 0, 0);
    assert_true(rt_stop_eval_clause(&c, v) == 0.0);
    vars_of(v, 1, 2, 0, 0);
    assert_true(rt_stop_eval_clause(&c, v) == 1.0);
}

static void test_stop_nan_never_holds(void **state)
{
    (void)state;
    const rt_insn code[] = {var(RT_VAR_LOSS), num(4), op(RT_OP_GT)};
    rt_stop s = {.n = 1};
    set_clause(&s.clause[0], "loss > 4", code, 3);
    double v[RT_VAR_COUNT];
    vars_of(v, 0, 1, NAN, 0);
    assert_int_equal(rt_stop_check(&s, v), 0);
    /* a malformed program (underflow) does not stop the run */
    const rt_insn bad[] = {op(RT_OP_ADD)};
    set_clause(&s.clause[0], "bad", bad, 1);
    vars_of(v, 0, 1, 1, 0);
    assert_int_equal(rt_stop_check(&s, v), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exp_tf_form),
        cmocka_unit_test(test_exp_staircase),
        cmocka_unit_test(test_exp_start_end_lands_on_end),
        cmocka_unit_test(test_linear),
        cmocka_unit_test(test_smoother_by_hand),
        cmocka_unit_test(test_smoother_beta_zero_is_identity),
        cmocka_unit_test(test_stop_divergence),
        cmocka_unit_test(test_stop_which_clause_fires),
        cmocka_unit_test(test_stop_not_abs_and_or),
        cmocka_unit_test(test_stop_nan_never_holds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
