/* test_rt_test.c — the range-test driver with hand-written C models: each
 * way a test can end (stop clause, non-finite loss, end of schedule,
 * interrupt), the recorded points, the suggestions and determinism. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>
#include "rt_test.h"

/* The fake steps below set this to interrupt the run; tests reset it. */
static volatile sig_atomic_t g_interrupt;
static int g_interrupt_after;

/* ---- models ----------------------------------------------------------------
 * Linear regression y ~ w * x with one parameter: mem[0] = w, mem[1] = the
 * number of steps taken. */

static void lin_init(float *mem, uint64_t seed)
{
    mem[0] = (float)(seed % 7) * 0.05f;
}

static float lin_loss_and_update(float *mem, const float *x, const float *y, float rate, int n)
{
    float loss = 0, grad = 0;
    for (int i = 0; i < n; i++) {
        float e = mem[0] * x[i] - y[i];
        loss += e * e / (float)n;
        grad += 2 * e * x[i] / (float)n;
    }
    mem[0] -= rate * grad;
    mem[1] += 1;
    return loss;
}

static float lin_step(float *mem, const float *x, const float *y, float rate, int32_t t, lrc_rt_pool *pool)
{
    (void)pool;
    assert_int_equal((int)mem[1] + 1, t);   /* t is the 1-based update count */
    return lin_loss_and_update(mem, x, y, rate, 4);
}

static float lin_eval(float *mem, const float *x, const float *y, lrc_rt_pool *pool)
{
    (void)pool;
    (void)mem, (void)x, (void)y;
    return 0;
}

/* The same model, but the loss is NaN at step 30 (t = 31). */
static float nan_step(float *mem, const float *x, const float *y, float rate, int32_t t, lrc_rt_pool *pool)
{
    (void)pool;
    float loss = lin_loss_and_update(mem, x, y, rate * 1e-3f, 4);
    return t == 31 ? NAN : loss;
}

/* The same model, raising the interrupt flag after g_interrupt_after steps. */
static float interrupting_step(float *mem, const float *x, const float *y, float rate, int32_t t, lrc_rt_pool *pool)
{
    (void)pool;
    if (t == g_interrupt_after)
        g_interrupt = 1;
    return lin_loss_and_update(mem, x, y, rate * 1e-3f, 4);
}

static lrc_model model_with(lrc_step_fn step)
{
    return (lrc_model){.init = lin_init, .step = step, .eval = lin_eval, .mem_floats = 2,
                       .param_floats = 1, .batch = 4, .x_floats = 1, .y_floats = 1};
}

/* ---- data and sweep ------------------------------------------------------- */

typedef struct fixture {
    float x[16], y[16];
    rt_dataset d;
} fixture;

static int setup(void **state)
{
    static fixture fx;
    memset(&fx, 0, sizeof fx);
    for (int i = 0; i < 16; i++) {
        fx.x[i] = (float)(i + 1) / 16.0f;
        fx.y[i] = 2.0f * fx.x[i] + (i % 2 ? 0.1f : -0.1f);   /* no exact fit */
    }
    fx.d = (rt_dataset){.n = 16, .features = 1, .x = fx.x, .y = fx.y};
    g_interrupt = 0;
    *state = &fx;
    return 0;
}

static rt_insn ins_var(rt_var v) { return (rt_insn){.op = RT_OP_VAR, .var = v}; }
static rt_insn ins_num(double v) { return (rt_insn){.op = RT_OP_NUM, .num = v}; }
static rt_insn ins_op(rt_op o) { return (rt_insn){.op = o}; }

static void add_clause(rt_sweep *sw, const char *text, const rt_insn *code, int n)
{
    rt_stop_clause *cl = &sw->stop.clause[sw->stop.n++];
    snprintf(cl->text, sizeof cl->text, "%s", text);
    cl->n = n;
    memcpy(cl->code, code, (size_t)n * sizeof *code);
}

/* rate from 1e-4 to 100 over 200 steps (the start/end form), all methods */
static rt_sweep default_sweep(void)
{
    rt_sweep sw = {.beta = 0.9, .skip_begin = 10, .skip_end = 5, .seed = 3, .shuffle = 1,
                   .nmethods = 4, .methods = {RT_SUG_STEEPEST, RT_SUG_VALLEY, RT_SUG_MINIMUM, RT_SUG_CLR}};
    sw.schedule = (rt_schedule){.kind = RT_SCHED_EXP, .start = 1e-4, .decay_rate = 1e6,
                                .decay_steps = 199, .steps = 200};
    return sw;
}

static void check_points(const rt_result *r, const rt_sweep *sw)
{
    rt_smoother sm;
    rt_smoother_init(&sm, sw->beta);
    for (int64_t i = 0; i < r->n; i++) {
        assert_int_equal(r->pts[i].step, i);
        assert_true(r->pts[i].rate == rt_schedule_rate(&sw->schedule, i));
        double s = rt_smoother_push(&sm, r->pts[i].loss);
        assert_true(r->pts[i].smooth == s || (isnan(s) && isnan(r->pts[i].smooth)));
    }
}

/* ---- tests ------------------------------------------------------------------ */

static void test_divergence_clause(void **state)
{
    fixture *fx = *state;
    lrc_model m = model_with(lin_step);
    rt_sweep sw = default_sweep();
    const rt_insn diverged[] = {ins_var(RT_VAR_LOSS), ins_num(4), ins_var(RT_VAR_BEST),
                                ins_op(RT_OP_MUL), ins_op(RT_OP_GT)};
    add_clause(&sw, "loss > 4 * best", diverged, 5);
    rt_result r;
    rt_err err = {0};
    assert_int_equal(rt_range_test(&m, &sw, &fx->d, &g_interrupt, NULL, &r, &err), 0);
    assert_int_equal(r.end, RT_END_CLAUSE);
    assert_int_equal(r.clause, 1);
    assert_string_equal(r.end_text, "loss > 4 * best");
    assert_true(r.n > 20 && r.n < 200);
    check_points(&r, &sw);
    double best = INFINITY;
    for (int64_t i = 0; i < r.n; i++)
        best = fmin(best, r.pts[i].smooth);
    assert_true(r.pts[r.n - 1].smooth > 4 * best);
    assert_true(r.pts[r.n - 2].smooth <= 4 * best);
    assert_int_equal(r.nsug, 4);
    for (int i = 0; i < 4; i++) {
        const rt_suggestion *s = &r.sug[i];
        assert_int_equal(s->method, sw.methods[i]);
        assert_true(s->ok);
        assert_true(s->index >= 10 && s->index < r.n - 5);
        double want = r.pts[s->index].rate / (s->method == RT_SUG_MINIMUM ? 10.0 : 1.0);
        assert_true(s->rate == want);
    }
    assert_string_equal(rt_end_name(r.end), "stop clause");
    rt_result_free(&r);
}

static void test_which_clause_and_step_var(void **state)
{
    fixture *fx = *state;
    lrc_model m = model_with(lin_step);
    rt_sweep sw = default_sweep();
    const rt_insn huge_rate[] = {ins_var(RT_VAR_RATE), ins_num(1e9), ins_op(RT_OP_GT)};
    const rt_insn fifth_step[] = {ins_var(RT_VAR_STEP), ins_num(5), ins_op(RT_OP_GE)};
    add_clause(&sw, "rate > 1e9", huge_rate, 3);
    add_clause(&sw, "step >= 5", fifth_step, 3);
    rt_result r;
    rt_err err = {0};
    assert_int_equal(rt_range_test(&m, &sw, &fx->d, NULL, NULL, &r, &err), 0);
    assert_int_equal(r.end, RT_END_CLAUSE);
    assert_int_equal(r.clause, 2);
    assert_string_equal(r.end_text, "step >= 5");
    assert_int_equal(r.n, 6);
    assert_false(r.sug[0].ok);   /* 6 points, 15 skipped */
    rt_result_free(&r);
}

static void test_nonfinite_loss(void **state)
{
    fixture *fx = *state;
    lrc_model m = model_with(nan_step);
    rt_sweep sw = default_sweep();
    rt_result r;
    rt_err err = {0};
    assert_int_equal(rt_range_test(&m, &sw, &fx->d, NULL, NULL, &r, &err), 0);
    assert_int_equal(r.end, RT_END_NONFINITE);
    assert_string_equal(r.end_text, "loss is nan at step 30");
    assert_int_equal(r.n, 31);
    assert_true(isnan(r.pts[30].loss));
    check_points(&r, &sw);
    for (int i = 0; i < r.nsug; i++)
        if (r.sug[i].ok)
            assert_true(r.sug[i].index < 30 - 5);
    assert_true(r.sug[2].ok);    /* minimum on points 10..24 */
    rt_result_free(&r);
}

static void test_end_of_schedule(void **state)
{
    fixture *fx = *state;
    lrc_model m = model_with(nan_step);
    rt_sweep sw = default_sweep();
    sw.schedule = (rt_schedule){.kind = RT_SCHED_LINEAR, .start = 0.0, .end = 1.0, .steps = 25};
    rt_result r;
    rt_err err = {0};
    char buf[4096] = {0};
    FILE *progress = fmemopen(buf, sizeof buf, "w");
    assert_int_equal(rt_range_test(&m, &sw, &fx->d, NULL, progress, &r, &err), 0);
    fclose(progress);
    assert_int_equal(r.end, RT_END_SCHEDULE);
    assert_int_equal(r.n, 25);
    assert_true(r.pts[24].rate == 1.0);
    check_points(&r, &sw);
    assert_non_null(strstr(buf, "\r  step 0  rate 0.0e+00  loss "));
    assert_true(buf[strlen(buf) - 1] == '\r');   /* the line is cleared at the end */
    assert_string_equal(rt_end_name(r.end), "end of schedule");
    rt_result_free(&r);
}

static void test_interrupt(void **state)
{
    fixture *fx = *state;
    lrc_model m = model_with(interrupting_step);
    rt_sweep sw = default_sweep();
    g_interrupt_after = 7;
    rt_result r;
    rt_err err = {0};
    assert_int_equal(rt_range_test(&m, &sw, &fx->d, &g_interrupt, NULL, &r, &err), 0);
    assert_int_equal(r.end, RT_END_INTERRUPT);
    assert_int_equal(r.n, 7);
    assert_string_equal(rt_end_name(r.end), "interrupted");
    rt_result_free(&r);
    /* raised before the first step: nothing measured, no suggestion */
    assert_int_equal(rt_range_test(&m, &sw, &fx->d, &g_interrupt, NULL, &r, &err), 0);
    assert_int_equal(r.end, RT_END_INTERRUPT);
    assert_int_equal(r.n, 0);
    assert_false(r.sug[0].ok);
    rt_result_free(&r);
}

static void test_deterministic(void **state)
{
    fixture *fx = *state;
    lrc_model m = model_with(lin_step);
    rt_sweep sw = default_sweep();
    sw.schedule.steps = 60;
    rt_result a, b, c;
    rt_err err = {0};
    assert_int_equal(rt_range_test(&m, &sw, &fx->d, NULL, NULL, &a, &err), 0);
    assert_int_equal(rt_range_test(&m, &sw, &fx->d, NULL, NULL, &b, &err), 0);
    sw.seed = 4;
    assert_int_equal(rt_range_test(&m, &sw, &fx->d, NULL, NULL, &c, &err), 0);
    assert_int_equal(a.n, b.n);
    assert_memory_equal(a.pts, b.pts, (size_t)a.n * sizeof *a.pts);
    assert_memory_equal(a.sug, b.sug, sizeof a.sug);
    assert_int_equal(a.seed, 3);
    assert_true(memcmp(a.pts, c.pts, (size_t)a.n * sizeof *a.pts) != 0);
    rt_result_free(&a);
    rt_result_free(&b);
    rt_result_free(&c);
}

static void test_bad_shapes(void **state)
{
    fixture *fx = *state;
    lrc_model m = model_with(lin_step);
    m.x_floats = 3;
    rt_sweep sw = default_sweep();
    rt_result r;
    rt_err err = {0};
    assert_int_equal(rt_range_test(&m, &sw, &fx->d, NULL, NULL, &r, &err), RT_BAD_INPUT);
    assert_non_null(strstr(err.msg, "features"));
    assert_null(r.pts);
    m.x_floats = 1;
    sw.schedule.steps = 0;
    assert_int_equal(rt_range_test(&m, &sw, &fx->d, NULL, NULL, &r, &err), RT_BAD_INPUT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_divergence_clause, setup),
        cmocka_unit_test_setup(test_which_clause_and_step_var, setup),
        cmocka_unit_test_setup(test_nonfinite_loss, setup),
        cmocka_unit_test_setup(test_end_of_schedule, setup),
        cmocka_unit_test_setup(test_interrupt, setup),
        cmocka_unit_test_setup(test_deterministic, setup),
        cmocka_unit_test_setup(test_bad_shapes, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
