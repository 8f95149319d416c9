/* test_cg_ref.c — the generated code against the C reference MLP
 * (tests/ref/ref_mlp.c), driven by the same plan and layout.
 *
 * For sgd, momentum, nesterov and adam, each with and without weight decay,
 * on a 6 -> 16 relu -> 12 tanh -> 4 network (batch 8, cross-entropy), and
 * once with mse + sigmoid/leaky_relu: lrc_init must equal ref_init bit for
 * bit; then 5 steps on different batches: every returned loss and, after
 * the 5 steps, every parameter and lrc_eval must agree with the reference
 * within a relative 1e-4, i.e. |a - r| <= 1e-4 * max(|r|, 1e-2) (the floor
 * keeps near-zero biases from demanding more than float32 rounding of the
 * reference's double sums can give).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "cg_test.h"
#include "ref_mlp.h"
#include "rt_rng.h"

enum { BATCH = 8, IN = 6, STEPS = 5, MAX_OUT = 4 };
#define REL_TOL 1e-4
#define REL_FLOOR 1e-2

typedef struct config {
    plan_opt opt;
    plan_loss loss;
    float rate;
} config;

static void close_enough(double got, double want, const char *what, int64_t k)
{
    if (fabs(got - want) > REL_TOL * fmax(fabs(want), REL_FLOOR))
        fail_msg("%s %lld: generated %.9g, reference %.9g", what, (long long)k, got, want);
}

static void make_layers(plan_layer *l, plan_loss loss)
{
    int mse = loss == PLAN_LOSS_MSE;
    l[0] = (plan_layer){.kind = PLAN_DENSE, .in = IN, .out = 16, .act = mse ? PLAN_ACT_LEAKY_RELU : PLAN_ACT_RELU,
                        .alpha = 0.2f, .init = PLAN_INIT_HE};
    l[1] = (plan_layer){.kind = PLAN_DENSE, .in = 16, .out = 12, .act = mse ? PLAN_ACT_SIGMOID : PLAN_ACT_TANH,
                        .init = PLAN_INIT_GLOROT};
    l[2] = (plan_layer){.kind = PLAN_DENSE, .in = 12, .out = MAX_OUT, .act = PLAN_ACT_NONE, .init = PLAN_INIT_GLOROT};
}

static void make_batch(const plan *p, float *x, float *y, uint64_t seed)
{
    rt_rng r;
    rt_rng_seed(&r, seed, 11);
    for (int64_t k = 0; k < p->batch * p->in; k++)
        x[k] = (float)(2 * rt_rng_uniform(&r) - 1);
    for (int64_t k = 0; k < p->batch * p->y_floats; k++)
        y[k] = p->loss == PLAN_LOSS_MSE ? (float)rt_rng_uniform(&r) : (float)rt_rng_below(&r, MAX_OUT);
}

static void compare_with_reference(const config *c)
{
    plan_layer layers[3];
    make_layers(layers, c->loss);
    plan p = {.batch = BATCH, .in = IN, .y_floats = c->loss == PLAN_LOSS_MSE ? MAX_OUT : 1, .nlayers = 3,
              .layers = layers, .loss = c->loss, .opt = c->opt};
    plan_layout(&p);
    lrc_model m;
    jit_info info;
    jit *j = cg_test_compile(&p, NULL, &m, &info);
    size_t bytes = (size_t)p.mem_floats * sizeof(float);
    float *gen = aligned_alloc(64, bytes), *ref = aligned_alloc(64, bytes);
    assert_non_null(gen);
    assert_non_null(ref);
    memset(gen, 0xff, bytes); /* NaN everywhere: init must write all of mem */
    m.init(gen, 2024);
    ref_init(&p, ref, 2024);
    assert_memory_equal(gen, ref, bytes);

    float x[BATCH * IN], y[BATCH * MAX_OUT];
    for (int t = 1; t <= STEPS; t++) {
        make_batch(&p, x, y, (uint64_t)t);
        float lg = m.step(gen, x, y, c->rate, t, NULL), lr = ref_step(&p, ref, x, y, c->rate, t);
        close_enough(lg, lr, "loss at step", t);
    }
    for (int64_t k = 0; k < p.n_params; k++)
        close_enough(gen[k], ref[k], "parameter", k);
    close_enough(m.eval(gen, x, y, NULL), ref_eval(&p, ref, x, y), "eval", 0);
    /* The run must have moved the parameters, or the comparison is empty. */
    float *start = aligned_alloc(64, bytes);
    assert_non_null(start);
    ref_init(&p, start, 2024);
    assert_memory_not_equal(start, gen, (size_t)p.n_params * sizeof(float));
    free(start);
    free(gen);
    free(ref);
    jit_free(j);
}

static const config configs[] = {
    {.opt = {.kind = PLAN_OPT_SGD}, .rate = 0.1f},
    {.opt = {.kind = PLAN_OPT_SGD, .weight_decay = 0.01}, .rate = 0.1f},
    {.opt = {.kind = PLAN_OPT_SGD, .momentum = 0.9}, .rate = 0.1f},
    {.opt = {.kind = PLAN_OPT_SGD, .momentum = 0.9, .weight_decay = 0.05}, .rate = 0.1f},
    {.opt = {.kind = PLAN_OPT_SGD, .momentum = 0.9, .nesterov = 1}, .rate = 0.1f},
    {.opt = {.kind = PLAN_OPT_SGD, .momentum = 0.9, .nesterov = 1, .weight_decay = 0.05}, .rate = 0.1f},
    {.opt = {.kind = PLAN_OPT_ADAM, .beta1 = 0.9, .beta2 = 0.999, .eps = 1e-8}, .rate = 0.01f},
    {.opt = {.kind = PLAN_OPT_ADAM, .beta1 = 0.9, .beta2 = 0.999, .eps = 1e-8, .weight_decay = 0.01}, .rate = 0.01f},
    {.opt = {.kind = PLAN_OPT_ADAM, .beta1 = 0.8, .beta2 = 0.99, .eps = 1e-6}, .loss = PLAN_LOSS_MSE, .rate = 0.01f},
    {.opt = {.kind = PLAN_OPT_SGD, .momentum = 0.5, .weight_decay = 0.1}, .loss = PLAN_LOSS_MSE, .rate = 0.5f},
};

#define REF_TEST(name, k) \
    static void test_##name(void **s) { (void)s; compare_with_reference(&configs[k]); }
REF_TEST(sgd, 0)
REF_TEST(sgd_wd, 1)
REF_TEST(momentum, 2)
REF_TEST(momentum_wd, 3)
REF_TEST(nesterov, 4)
REF_TEST(nesterov_wd, 5)
REF_TEST(adam, 6)
REF_TEST(adam_wd, 7)
REF_TEST(adam_mse, 8)
REF_TEST(momentum_wd_mse, 9)

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sgd),      cmocka_unit_test(test_sgd_wd),       cmocka_unit_test(test_momentum),
        cmocka_unit_test(test_momentum_wd), cmocka_unit_test(test_nesterov), cmocka_unit_test(test_nesterov_wd),
        cmocka_unit_test(test_adam),     cmocka_unit_test(test_adam_wd),      cmocka_unit_test(test_adam_mse),
        cmocka_unit_test(test_momentum_wd_mse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
