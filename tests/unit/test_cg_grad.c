/* test_cg_grad.c — the generated backward pass against finite differences.
 *
 * For every activation x loss, a 5 -> 7 act -> out network (out 3 for
 * cross-entropy, 2 for mse), batch 4, is JIT-compiled. One lrc_step with
 * SGD and rate 0 leaves the parameters unchanged and the analytic gradient
 * in the gradient block; every weight and bias gradient is compared with a
 * central difference of lrc_eval. Also: losses at hand-computed points, and
 * NaN inputs giving a NaN loss.
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
#include "rt_rng.h"

enum { BATCH = 4, IN = 5, HIDDEN = 7 };

/* Central-difference step and tolerance. The loss is float32 (~1e-7
 * relative rounding), so a difference quotient carries ~1e-7/H noise, and
 * the truncation error is ~H^2. With H = 1e-2 we accept
 * |g - fd| <= 1e-3 + 1e-2 |fd|; a missing or wrong backward term (a wrong
 * act' or a dropped 1/batch) errs by far more than that on these gradients
 * of size ~0.01..1. */
#define FD_STEP 1e-2f
#define FD_ABS 1e-3
#define FD_REL 1e-2
/* Hidden pre-activations must stay this far from a ReLU kink, so that a
 * perturbation of FD_STEP (inputs in [-1, 1]) never crosses one. */
#define KINK_MARGIN 0.03

typedef struct net {
    plan p;
    plan_layer layers[2];
    lrc_model m;
    jit *j;
    float *mem;
} net;

static void net_build(net *n, plan_act act, plan_loss loss)
{
    memset(n, 0, sizeof *n);
    int64_t out = loss == PLAN_LOSS_MSE ? 2 : 3;
    n->layers[0] = (plan_layer){.kind = PLAN_DENSE, .in = IN, .out = HIDDEN, .act = act, .alpha = 0.1f, .init = PLAN_INIT_HE};
    n->layers[1] = (plan_layer){.kind = PLAN_DENSE, .in = HIDDEN, .out = out, .act = PLAN_ACT_NONE, .init = PLAN_INIT_GLOROT};
    n->p = (plan){.batch = BATCH, .in = IN, .y_floats = loss == PLAN_LOSS_MSE ? out : 1, .nlayers = 2,
                  .layers = n->layers, .loss = loss, .opt = {.kind = PLAN_OPT_SGD}};
    plan_layout(&n->p);
    jit_info info;
    n->j = cg_test_compile(&n->p, NULL, &n->m, &info);
    n->mem = aligned_alloc(64, (size_t)n->m.mem_floats * sizeof(float));
    assert_non_null(n->mem);
}

static void net_free(net *n)
{
    free(n->mem);
    jit_free(n->j);
}

/* Inputs uniform in [-1, 1]; targets: class indices or values in [-1, 1]. */
static void make_batch(const plan *p, float *x, float *y, uint64_t seed)
{
    rt_rng r;
    rt_rng_seed(&r, seed, 7);
    for (int64_t k = 0; k < p->batch * p->in; k++)
        x[k] = (float)(2 * rt_rng_uniform(&r) - 1);
    int64_t classes = p->layers[p->nlayers - 1].out;
    for (int64_t k = 0; k < p->batch * p->y_floats; k++)
        y[k] = p->loss == PLAN_LOSS_MSE ? (float)(2 * rt_rng_uniform(&r) - 1) : (float)rt_rng_below(&r, (uint64_t)classes);
}

static void assert_away_from_kinks(const net *n)
{
    const plan_layer *h = &n->layers[0];
    if (h->act != PLAN_ACT_RELU && h->act != PLAN_ACT_LEAKY_RELU)
        return;
    for (int64_t k = 0; k < BATCH * HIDDEN; k++)
        assert_true(fabs(n->mem[h->z + k]) > KINK_MARGIN);
}

/* Compares grads[off .. off+count) with central differences of eval. */
static void check_tensor(net *n, const float *x, const float *y, int64_t off, int64_t count)
{
    for (int64_t k = off; k < off + count; k++) {
        float saved = n->mem[k];
        n->mem[k] = saved + FD_STEP;
        double up = n->m.eval(n->mem, x, y, NULL);
        n->mem[k] = saved - FD_STEP;
        double down = n->m.eval(n->mem, x, y, NULL);
        n->mem[k] = saved;
        double fd = (up - down) / (2.0 * FD_STEP), g = n->mem[n->p.grads + k];
        if (fabs(g - fd) > FD_ABS + FD_REL * fabs(fd))
            fail_msg("param %lld: analytic %.6g, finite difference %.6g", (long long)k, g, fd);
    }
}

static void check_gradients(plan_act act, plan_loss loss)
{
    net n;
    net_build(&n, act, loss);
    float x[BATCH * IN], y[BATCH * 2];
    n.m.init(n.mem, 42);
    make_batch(&n.p, x, y, 5);
    float before = n.m.eval(n.mem, x, y, NULL);
    float l = n.m.step(n.mem, x, y, 0.0f, 1, NULL);
    assert_float_equal(l, before, 0.0f); /* step returns the pre-update loss */
    assert_away_from_kinks(&n);
    for (int k = 0; k < n.p.nlayers; k++) {
        const plan_layer *pl = &n.layers[k];
        check_tensor(&n, x, y, pl->w, pl->in * pl->out);
        check_tensor(&n, x, y, pl->b, pl->out);
    }
    net_free(&n);
}

#define GRAD_TEST(act, loss) \
    static void test_grad_##act##_##loss(void **s) { (void)s; check_gradients(PLAN_ACT_##act, PLAN_LOSS_##loss); }
GRAD_TEST(NONE, CROSS_ENTROPY)
GRAD_TEST(RELU, CROSS_ENTROPY)
GRAD_TEST(LEAKY_RELU, CROSS_ENTROPY)
GRAD_TEST(TANH, CROSS_ENTROPY)
GRAD_TEST(SIGMOID, CROSS_ENTROPY)
GRAD_TEST(NONE, MSE)
GRAD_TEST(RELU, MSE)
GRAD_TEST(LEAKY_RELU, MSE)
GRAD_TEST(TANH, MSE)
GRAD_TEST(SIGMOID, MSE)

/* Zero the parameters, then set W0 = identity on the first min(in, out)
 * inputs; the second layer passes the first two hidden units through. */
static void set_pass_through(net *n)
{
    memset(n->mem, 0, (size_t)n->p.n_params * sizeof(float));
    for (int l = 0; l < 2; l++)
        for (int64_t i = 0; i < 2; i++)
            n->mem[n->layers[l].w + i * n->layers[l].out + i] = 1.0f;
}

/* Cross-entropy with logits (x0, x1, 0) per sample, by hand. */
static void test_cross_entropy_value(void **s)
{
    (void)s;
    net n;
    net_build(&n, PLAN_ACT_NONE, PLAN_LOSS_CROSS_ENTROPY);
    set_pass_through(&n);
    float x[BATCH * IN] = {0}, y[BATCH] = {0, 1, 2, 0};
    x[0] = 1.0f;                /* sample 0: logits (1, 0, 0), label 0 */
    x[IN + 1] = 2.0f;           /* sample 1: logits (0, 2, 0), label 1 */
    x[2 * IN] = 100.0f;         /* sample 2: logits (100, 0, 0), label 2: no overflow */
    /* sample 3: logits (0, 0, 0), label 0 */
    double expect = (log(2 + exp(1.0)) - 1 + log(2 + exp(2.0)) - 2 + (100 + log(1 + 2 * exp(-100.0))) + log(3.0)) / 4;
    assert_float_equal(n.m.eval(n.mem, x, y, NULL), expect, 1e-5 * expect);
    net_free(&n);
}

/* mse with outputs (x0, x1) against targets, by hand. */
static void test_mse_value(void **s)
{
    (void)s;
    net n;
    net_build(&n, PLAN_ACT_NONE, PLAN_LOSS_MSE);
    set_pass_through(&n);
    float x[BATCH * IN] = {0}, y[BATCH * 2] = {1, 0, 0, 0, 0, 0, 0.5f, -0.5f};
    x[0] = 3.0f;   /* (3, 0) vs (1, 0): 4 */
    x[IN + 1] = 2; /* (0, 2) vs (0, 0): 4 */
    /* (0, 0) vs (0, 0): 0;  (0, 0) vs (0.5, -0.5): 0.5 */
    assert_float_equal(n.m.eval(n.mem, x, y, NULL), (4 + 4 + 0.5) / 8.0, 1e-6);
    net_free(&n);
}

static void test_nan_propagates(void **s)
{
    (void)s;
    net n;
    net_build(&n, PLAN_ACT_RELU, PLAN_LOSS_CROSS_ENTROPY);
    float x[BATCH * IN], y[BATCH * 2];
    n.m.init(n.mem, 1);
    make_batch(&n.p, x, y, 3);
    x[2] = NAN;
    assert_true(isnan(n.m.step(n.mem, x, y, 0.1f, 1, NULL)));
    assert_true(isnan(n.m.eval(n.mem, x, y, NULL)));
    net_free(&n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_grad_NONE_CROSS_ENTROPY),  cmocka_unit_test(test_grad_RELU_CROSS_ENTROPY),
        cmocka_unit_test(test_grad_LEAKY_RELU_CROSS_ENTROPY), cmocka_unit_test(test_grad_TANH_CROSS_ENTROPY),
        cmocka_unit_test(test_grad_SIGMOID_CROSS_ENTROPY), cmocka_unit_test(test_grad_NONE_MSE),
        cmocka_unit_test(test_grad_RELU_MSE),            cmocka_unit_test(test_grad_LEAKY_RELU_MSE),
        cmocka_unit_test(test_grad_TANH_MSE),            cmocka_unit_test(test_grad_SIGMOID_MSE),
        cmocka_unit_test(test_cross_entropy_value),      cmocka_unit_test(test_mse_value),
        cmocka_unit_test(test_nan_propagates),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
