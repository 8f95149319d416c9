/* test_cg_layers.c — conv2d, pooling, flatten, dropout, batchnorm, the
 * activation layer, gelu/softmax, the newer losses, optimizers, lr_mult and
 * clip_norm: the generated code against central finite differences and
 * against the C reference (tests/ref/ref_layers.c, ref_mlp.c).
 *
 * Gradient checks: the loss is lrc_step's own (training mode: dropout mask
 * of step t, batch statistics), evaluated with rate 0 and a fixed t so
 * nothing moves between evaluations; every parameter's analytic gradient
 * must match (L(w+h) - L(w-h)) / 2h with h = 3e-3 within
 * 2e-3 + 2e-2 |fd| (float32 losses: ~1e-7/h noise; a wrong backward term
 * errs by far more on these gradients of size 0.01..1). Each tested layer
 * sits after a dense or conv layer, so its input gradient (dx) is checked
 * through the earlier layer's parameters.
 *
 * Reference checks: init must equal the reference bit for bit; after 4
 * steps every parameter, every running statistic, every returned loss and
 * lrc_eval must agree within |a - r| <= 2e-4 max(|r|, 1e-2) (float sums in
 * a different order than the reference's double sums).
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

#define FD_STEP 3e-3f
#define FD_ABS 2e-3
#define FD_REL 2e-2
#define REL_TOL 2e-4
#define REL_FLOOR 1e-2
enum { BATCH = 4, MAXL = 8, STEPS = 4 };

/* ---- building small networks ------------------------------------------------ */

typedef struct net {
    plan p;
    plan_layer l[MAXL];
    lrc_model m;
    jit *j;
    float *mem, *ref, *x, *y;
} net;

/* Output shape of layer l from its input shape (what sema_net.c computes). */
static plan_shape out_shape(const plan_layer *l, plan_shape in)
{
    switch (l->kind) {
    case PLAN_CONV2D:
        return (plan_shape){(in.h + 2 * l->pad - l->k) / l->stride + 1, (in.w + 2 * l->pad - l->k) / l->stride + 1,
                            l->osh.c};
    case PLAN_MAXPOOL:
    case PLAN_AVGPOOL: return (plan_shape){(in.h - l->k) / l->stride + 1, (in.w - l->k) / l->stride + 1, in.c};
    case PLAN_FLATTEN: return (plan_shape){1, 1, in.h * in.w * in.c};
    case PLAN_DENSE: return (plan_shape){1, 1, l->out};
    default: return in;
    }
}

static plan_layer L_dense(int64_t out, plan_act a) { return (plan_layer){.kind = PLAN_DENSE, .out = out, .act = a, .alpha = 0.1f, .init = PLAN_INIT_GLOROT}; }
static plan_layer L_conv(int64_t oc, int64_t k, int64_t s, int64_t pad, plan_act a)
{
    return (plan_layer){.kind = PLAN_CONV2D, .osh = {0, 0, oc}, .k = k, .stride = s, .pad = pad, .act = a, .init = PLAN_INIT_HE};
}
static plan_layer L_pool(plan_layer_kind kind, int64_t k, int64_t s) { return (plan_layer){.kind = kind, .k = k, .stride = s}; }
static plan_layer L_kind(plan_layer_kind kind) { return (plan_layer){.kind = kind}; }
static plan_layer L_norm(plan_act a) { return (plan_layer){.kind = PLAN_BATCHNORM, .momentum = 0.1, .eps = 1e-5, .act = a}; }
static plan_layer L_drop(double rate) { return (plan_layer){.kind = PLAN_DROPOUT, .rate = rate}; }
static plan_layer L_act(plan_act a) { return (plan_layer){.kind = PLAN_ACTIVATION, .act = a}; }

/* soft: cross_entropy with a distribution per sample (y_floats = outputs) */
static void net_build_targets(net *n, plan_shape in, const plan_layer *layers, int nl, plan_loss loss, plan_opt opt,
                              int soft)
{
    memset(n, 0, sizeof *n);
    plan_shape s = in;
    for (int i = 0; i < nl; i++) {
        n->l[i] = layers[i];
        n->l[i].osh = out_shape(&layers[i], s);
        s = n->l[i].osh;
    }
    int64_t outs = s.h * s.w * s.c;
    n->p = (plan){.batch = BATCH, .in = in.h * in.w * in.c, .ishape = in, .nlayers = nl, .layers = n->l,
                  .loss = loss, .huber_delta = 0.5, .opt = opt,
                  .y_floats = loss == PLAN_LOSS_CROSS_ENTROPY && !soft ? 1 : outs};
    plan_layout(&n->p);
    jit_info info;
    n->j = cg_test_compile(&n->p, NULL, &n->m, &info);
    size_t bytes = (size_t)n->p.mem_floats * sizeof(float);
    n->mem = aligned_alloc(64, bytes);
    n->ref = aligned_alloc(64, bytes);
    n->x = malloc((size_t)(BATCH * n->p.in) * sizeof(float));
    n->y = malloc((size_t)(BATCH * n->p.y_floats) * sizeof(float));
    assert_true(n->mem && n->ref && n->x && n->y);
}

static void net_build(net *n, plan_shape in, const plan_layer *layers, int nl, plan_loss loss, plan_opt opt)
{
    net_build_targets(n, in, layers, nl, loss, opt, 0);
}

static void net_free(net *n)
{
    free(n->mem);
    free(n->ref);
    free(n->x);
    free(n->y);
    jit_free(n->j);
}

/* Inputs uniform in [-1, 1]; targets class indices, values in [0, 1], or
 * (cross_entropy with y_floats > 1) such values normalized to sum to 1. */
static void make_batch(net *n, uint64_t seed)
{
    rt_rng r;
    rt_rng_seed(&r, seed, 13);
    const plan *p = &n->p;
    for (int64_t k = 0; k < p->batch * p->in; k++)
        n->x[k] = (float)(2 * rt_rng_uniform(&r) - 1);
    int64_t classes = p->layers[p->nlayers - 1].out;
    int index = p->loss == PLAN_LOSS_CROSS_ENTROPY && p->y_floats == 1;
    for (int64_t k = 0; k < p->batch * p->y_floats; k++)
        n->y[k] = index ? (float)rt_rng_below(&r, (uint64_t)classes) : (float)rt_rng_uniform(&r);
    for (int64_t b = 0; p->loss == PLAN_LOSS_CROSS_ENTROPY && !index && b < p->batch; b++) {
        float *t = n->y + b * p->y_floats, sum = 0;
        for (int64_t o = 0; o < p->y_floats; o++)
            sum += t[o];
        for (int64_t o = 0; o < p->y_floats; o++)
            t[o] /= sum;
    }
}

/* ---- finite differences ------------------------------------------------------- */

static void check_gradients(net *n, uint64_t seed)
{
    const plan *p = &n->p;
    n->m.init(n->mem, seed);
    make_batch(n, seed + 1);
    n->m.step(n->mem, n->x, n->y, 0.0f, 3, NULL);
    float *grads = malloc((size_t)p->n_params * sizeof(float));
    assert_non_null(grads);
    memcpy(grads, n->mem + p->grads, (size_t)p->n_params * sizeof(float));
    int64_t checked = 0;
    for (int i = 0; i < p->nlayers; i++) {
        const plan_layer *l = &p->layers[i];
        for (int64_t k = l->w; plan_layer_params(l) > 0 && k < l->w + plan_layer_params(l) + 16 && k < p->n_params; k++) {
            /* W then bias, skipping the alignment padding between them */
            int64_t nw = plan_layer_params(l) - (l->kind == PLAN_BATCHNORM ? l->osh.c : l->osh.c);
            if (!((k >= l->w && k < l->w + nw) || (k >= l->b && k < l->b + l->osh.c)))
                continue;
            float saved = n->mem[k];
            n->mem[k] = saved + FD_STEP;
            double up = n->m.step(n->mem, n->x, n->y, 0.0f, 3, NULL);
            n->mem[k] = saved - FD_STEP;
            double down = n->m.step(n->mem, n->x, n->y, 0.0f, 3, NULL);
            n->mem[k] = saved;
            double fd = (up - down) / (2.0 * FD_STEP), g = grads[k];
            if (fabs(g - fd) > FD_ABS + FD_REL * fabs(fd))
                fail_msg("layer %d (%s) param %lld: analytic %.6g, finite difference %.6g", i,
                         plan_layer_kind_name(l->kind), (long long)(k - l->w), g, fd);
            checked++;
        }
    }
    assert_true(checked > 0);
    free(grads);
}

/* ---- reference ----------------------------------------------------------------- */

static void close_enough(double got, double want, const char *what, int64_t k)
{
    if (!(fabs(got - want) <= REL_TOL * fmax(fabs(want), REL_FLOOR)))
        fail_msg("%s %lld: generated %.9g, reference %.9g", what, (long long)k, got, want);
}

static void compare_with_reference(net *n, float rate)
{
    const plan *p = &n->p;
    size_t bytes = (size_t)p->mem_floats * sizeof(float);
    memset(n->mem, 0xff, bytes);
    n->m.init(n->mem, 77);
    ref_init(p, n->ref, 77);
    assert_memory_equal(n->mem, n->ref, bytes);
    for (int t = 1; t <= STEPS; t++) {
        make_batch(n, (uint64_t)(100 + t));
        float lg = n->m.step(n->mem, n->x, n->y, rate, t, NULL), lr = ref_step(p, n->ref, n->x, n->y, rate, t);
        close_enough(lg, lr, "loss at step", t);
    }
    for (int64_t k = 0; k < p->n_params; k++)
        close_enough(n->mem[k], n->ref[k], "parameter", k);
    for (int i = 0; i < p->nlayers; i++)
        if (p->layers[i].kind == PLAN_BATCHNORM)
            for (int64_t c = 0; c < p->layers[i].osh.c; c++) {
                close_enough(n->mem[p->layers[i].run_mean + c], n->ref[p->layers[i].run_mean + c], "running mean", c);
                close_enough(n->mem[p->layers[i].run_var + c], n->ref[p->layers[i].run_var + c], "running var", c);
            }
    close_enough(n->m.eval(n->mem, n->x, n->y, NULL), ref_eval(p, n->ref, n->x, n->y), "eval", 0);
    float *start = aligned_alloc(64, bytes);
    assert_non_null(start);
    ref_init(p, start, 77);
    assert_memory_not_equal(start, n->mem, (size_t)p->n_params * sizeof(float));
    free(start);
}

static const plan_opt SGD = {.kind = PLAN_OPT_SGD};
static const plan_opt MOMENTUM = {.kind = PLAN_OPT_SGD, .momentum = 0.9};

/* Both checks on one network. */
static void check_net(plan_shape in, const plan_layer *layers, int nl, plan_loss loss, plan_opt opt, float rate)
{
    net n;
    net_build(&n, in, layers, nl, loss, SGD);
    check_gradients(&n, 5);
    net_free(&n);
    net_build(&n, in, layers, nl, loss, opt);
    compare_with_reference(&n, rate);
    net_free(&n);
}

#define NET(...) (const plan_layer[]){__VA_ARGS__}, (int)(sizeof((plan_layer[]){__VA_ARGS__}) / sizeof(plan_layer))

/* ---- layers ---------------------------------------------------------------------- */

static void test_conv_same_padding(void **s)
{
    (void)s;
    check_net((plan_shape){6, 6, 2}, NET(L_conv(3, 3, 1, 1, PLAN_ACT_TANH), L_conv(2, 3, 1, 1, PLAN_ACT_NONE), L_dense(3, PLAN_ACT_NONE)),
              PLAN_LOSS_CROSS_ENTROPY, MOMENTUM, 0.05f);
}

static void test_conv_stride_padding(void **s)
{
    (void)s;
    /* 7x7: k3 s2 p1 -> 4x4; k2 s2 p0 -> 2x2; k5 s1 p2 -> 2x2; k3 s3 p0 on 7 -> 2 */
    check_net((plan_shape){7, 7, 1}, NET(L_conv(4, 3, 2, 1, PLAN_ACT_SIGMOID), L_conv(3, 2, 2, 0, PLAN_ACT_TANH),
                                         L_conv(2, 5, 1, 2, PLAN_ACT_NONE), L_kind(PLAN_FLATTEN), L_dense(3, PLAN_ACT_NONE)),
              PLAN_LOSS_CROSS_ENTROPY, SGD, 0.1f);
    check_net((plan_shape){7, 5, 3}, NET(L_conv(2, 3, 3, 0, PLAN_ACT_GELU), L_dense(2, PLAN_ACT_NONE)),
              PLAN_LOSS_MSE, MOMENTUM, 0.05f);
}

/* Windows wider than the input (no column is free of padding), and more
 * channels than two vectors (pooling's loop over whole vectors, then a
 * narrower piece): 4x3: k5 s1 p2 -> 4x3x36; avg k2 s1 -> 3x2. */
static void test_conv_pool_edges(void **s)
{
    (void)s;
    check_net((plan_shape){4, 3, 1}, NET(L_conv(36, 5, 1, 2, PLAN_ACT_NONE), L_pool(PLAN_AVGPOOL, 2, 1), L_dense(3, PLAN_ACT_NONE)),
              PLAN_LOSS_CROSS_ENTROPY, MOMENTUM, 0.05f);
}

/* im2col and col2im, pooling and activations cut by images into part
 * functions (cg_conv.c, cg_pool.c, cg_act.c; each image's dx zeroed in its
 * own part), and every product cut in chunks (LRC_PARALLEL_FLOPS=0):
 * padding, strides and a conv after a conv, against finite differences
 * and the reference, the chunks run one after the other on this thread. */
static void test_conv_split(void **s)
{
    (void)s;
    setenv("LRC_PARALLEL_FLOPS", "0", 1);
    check_net((plan_shape){7, 7, 2}, NET(L_conv(3, 3, 1, 1, PLAN_ACT_TANH), L_conv(2, 3, 2, 1, PLAN_ACT_NONE),
                                         L_dense(3, PLAN_ACT_NONE)),
              PLAN_LOSS_CROSS_ENTROPY, MOMENTUM, 0.1f);
    check_net((plan_shape){8, 8, 2}, NET(L_conv(3, 3, 1, 1, PLAN_ACT_RELU), L_pool(PLAN_MAXPOOL, 2, 2),
                                         L_conv(4, 3, 1, 1, PLAN_ACT_SIGMOID), L_pool(PLAN_AVGPOOL, 2, 2),
                                         L_dense(3, PLAN_ACT_NONE)),
              PLAN_LOSS_CROSS_ENTROPY, MOMENTUM, 0.1f);
    unsetenv("LRC_PARALLEL_FLOPS");
}

static void test_maxpool(void **s)
{
    (void)s;
    check_net((plan_shape){6, 6, 2}, NET(L_conv(3, 3, 1, 1, PLAN_ACT_TANH), L_pool(PLAN_MAXPOOL, 2, 2), L_dense(3, PLAN_ACT_NONE)),
              PLAN_LOSS_CROSS_ENTROPY, MOMENTUM, 0.05f);
    /* overlapping windows: 3 wide, stride 2 */
    check_net((plan_shape){7, 7, 1}, NET(L_conv(2, 3, 1, 1, PLAN_ACT_NONE), L_pool(PLAN_MAXPOOL, 3, 2), L_dense(3, PLAN_ACT_NONE)),
              PLAN_LOSS_CROSS_ENTROPY, SGD, 0.1f);
}

static void test_avgpool(void **s)
{
    (void)s;
    check_net((plan_shape){6, 6, 2}, NET(L_conv(3, 3, 1, 1, PLAN_ACT_TANH), L_pool(PLAN_AVGPOOL, 3, 2), L_dense(3, PLAN_ACT_NONE)),
              PLAN_LOSS_CROSS_ENTROPY, MOMENTUM, 0.05f);
}

/* Every conv output equal (W = 0, bias = 1): each max window is all ties,
 * and the gradient must go to its first element only, as in PyTorch. */
static void test_maxpool_ties(void **s)
{
    (void)s;
    net n;
    net_build(&n, (plan_shape){4, 4, 1}, NET(L_conv(2, 1, 1, 0, PLAN_ACT_NONE), L_pool(PLAN_MAXPOOL, 2, 2), L_dense(3, PLAN_ACT_NONE)),
              PLAN_LOSS_CROSS_ENTROPY, SGD);
    const plan_layer *conv = &n.l[0];
    n.m.init(n.mem, 3);
    for (int64_t k = 0; k < 2; k++) {
        n.mem[conv->w + k] = 0.0f;
        n.mem[conv->b + k] = 1.0f;
    }
    memcpy(n.ref, n.mem, (size_t)n.p.mem_floats * sizeof(float));
    make_batch(&n, 9);
    n.m.step(n.mem, n.x, n.y, 0.0f, 1, NULL);
    ref_step(&n.p, n.ref, n.x, n.y, 0.0f, 1);
    int64_t nonzero = 0;
    for (int64_t k = 0; k < BATCH * conv->out; k++) {
        close_enough(n.mem[conv->dy + k], n.ref[conv->dy + k], "conv dy", k);
        nonzero += n.mem[conv->dy + k] != 0.0f;
    }
    /* one gradient per window: 4 windows x 2 channels x batch */
    assert_true(nonzero <= 4 * 2 * BATCH);
    for (int64_t k = 0; k < n.p.n_params; k++)
        close_enough(n.mem[n.p.grads + k], n.ref[n.p.grads + k], "gradient", k);
    net_free(&n);
}

static void test_batchnorm_dense(void **s)
{
    (void)s;
    check_net((plan_shape){1, 1, 5}, NET(L_dense(6, PLAN_ACT_NONE), L_norm(PLAN_ACT_TANH), L_dense(3, PLAN_ACT_NONE)),
              PLAN_LOSS_CROSS_ENTROPY, MOMENTUM, 0.05f);
}

static void test_batchnorm_conv(void **s)
{
    (void)s;
    check_net((plan_shape){5, 5, 2}, NET(L_conv(3, 3, 1, 1, PLAN_ACT_NONE), L_norm(PLAN_ACT_SIGMOID), L_pool(PLAN_AVGPOOL, 2, 2),
                                         L_dense(3, PLAN_ACT_NONE)),
              PLAN_LOSS_CROSS_ENTROPY, SGD, 0.1f);
}

/* eval uses the running statistics: after one step from init, run_mean =
 * 0.1 batch mean and run_var = 0.9 + 0.1 unbiased var; eval differs from
 * the training loss and equals the reference's. */
static void test_batchnorm_eval_mode(void **s)
{
    (void)s;
    net n;
    net_build(&n, (plan_shape){1, 1, 5}, NET(L_dense(4, PLAN_ACT_NONE), L_norm(PLAN_ACT_NONE), L_dense(3, PLAN_ACT_NONE)),
              PLAN_LOSS_CROSS_ENTROPY, SGD);
    n.m.init(n.mem, 4);
    make_batch(&n, 4);
    float train = n.m.step(n.mem, n.x, n.y, 0.0f, 1, NULL);
    const plan_layer *bn = &n.l[1], *d = &n.l[0];
    for (int64_t c = 0; c < 4; c++) {
        double mean = 0, var = 0;
        for (int64_t b = 0; b < BATCH; b++)
            mean += n.mem[d->z + b * 4 + c] / (double)BATCH;
        for (int64_t b = 0; b < BATCH; b++)
            var += pow(n.mem[d->z + b * 4 + c] - mean, 2) / (BATCH - 1);
        assert_float_equal(n.mem[bn->run_mean + c], 0.1 * mean, 1e-5);
        assert_float_equal(n.mem[bn->run_var + c], 0.9 + 0.1 * var, 1e-5);
    }
    memcpy(n.ref, n.mem, (size_t)n.p.mem_floats * sizeof(float));
    float ev = n.m.eval(n.mem, n.x, n.y, NULL);
    assert_true(fabs(ev - train) > 1e-4);
    close_enough(ev, ref_eval(&n.p, n.ref, n.x, n.y), "eval", 0);
    net_free(&n);
}

static void test_dropout(void **s)
{
    (void)s;
    check_net((plan_shape){1, 1, 6}, NET(L_dense(8, PLAN_ACT_TANH), L_drop(0.5), L_dense(3, PLAN_ACT_NONE)),
              PLAN_LOSS_CROSS_ENTROPY, MOMENTUM, 0.05f);
}

/* The mask: about `rate` of the units dropped, kept ones scaled by 1/(1-rate),
 * the same for the same seed and step, different for another step or seed,
 * and none in eval. */
static void test_dropout_mask(void **s)
{
    (void)s;
    net n;
    enum { UNITS = 256 };
    net_build(&n, (plan_shape){1, 1, UNITS}, NET(L_act(PLAN_ACT_NONE), L_drop(0.25), L_dense(2, PLAN_ACT_NONE)),
              PLAN_LOSS_CROSS_ENTROPY, SGD);
    const plan_layer *d = &n.l[1];
    n.m.init(n.mem, 11);
    for (int64_t k = 0; k < BATCH * UNITS; k++)
        n.x[k] = 1.0f;
    memset(n.y, 0, BATCH * sizeof(float));
    float *first = malloc(BATCH * UNITS * sizeof(float));
    assert_non_null(first);
    n.m.step(n.mem, n.x, n.y, 0.0f, 5, NULL);
    memcpy(first, n.mem + d->z, BATCH * UNITS * sizeof(float));
    int64_t dropped = 0;
    for (int64_t k = 0; k < BATCH * UNITS; k++) {
        assert_true(first[k] == 0.0f || fabs(first[k] - 1 / 0.75) < 1e-6);
        dropped += first[k] == 0.0f;
    }
    assert_in_range(dropped, BATCH * UNITS * 0.25 * 0.8, BATCH * UNITS * 0.25 * 1.2);
    n.m.step(n.mem, n.x, n.y, 0.0f, 5, NULL);
    assert_memory_equal(first, n.mem + d->z, BATCH * UNITS * sizeof(float));
    n.m.step(n.mem, n.x, n.y, 0.0f, 6, NULL);
    assert_memory_not_equal(first, n.mem + d->z, BATCH * UNITS * sizeof(float));
    n.m.init(n.mem, 12);
    n.m.step(n.mem, n.x, n.y, 0.0f, 5, NULL);
    assert_memory_not_equal(first, n.mem + d->z, BATCH * UNITS * sizeof(float));
    n.m.eval(n.mem, n.x, n.y, NULL);
    for (int64_t k = 0; k < BATCH * UNITS; k++)
        assert_float_equal(n.mem[d->z + k], 1.0f, 0.0f);
    free(first);
    net_free(&n);
}

static void test_gelu_softmax(void **s)
{
    (void)s;
    check_net((plan_shape){1, 1, 5}, NET(L_dense(6, PLAN_ACT_GELU), L_dense(4, PLAN_ACT_SOFTMAX)), PLAN_LOSS_MSE, MOMENTUM, 0.2f);
    /* softmax as a layer of its own, over the channels of an image */
    check_net((plan_shape){3, 3, 2}, NET(L_conv(3, 3, 1, 1, PLAN_ACT_NONE), L_act(PLAN_ACT_SOFTMAX), L_dense(3, PLAN_ACT_NONE)),
              PLAN_LOSS_CROSS_ENTROPY, SGD, 0.2f);
}

/* ---- losses ----------------------------------------------------------------------- */

static void test_losses(void **s)
{
    (void)s;
    static const plan_loss losses[] = {PLAN_LOSS_MAE, PLAN_LOSS_HUBER, PLAN_LOSS_BCE, PLAN_LOSS_MSE};
    for (size_t i = 0; i < sizeof losses / sizeof losses[0]; i++)
        check_net((plan_shape){1, 1, 5}, NET(L_dense(7, PLAN_ACT_TANH), L_dense(3, PLAN_ACT_NONE)), losses[i], MOMENTUM, 0.1f);
}

/* cross_entropy on a distribution per sample: gradients, the reference, and
 * one-hot targets giving exactly the class-index form's losses and steps. */
static void test_cross_entropy_distribution(void **s)
{
    (void)s;
    plan_shape in = {1, 1, 5};
    enum { NL = 2 };
    const plan_layer layers[NL] = {L_dense(7, PLAN_ACT_TANH), L_dense(4, PLAN_ACT_NONE)};
    net n, h;
    net_build_targets(&n, in, layers, NL, PLAN_LOSS_CROSS_ENTROPY, SGD, 1);
    check_gradients(&n, 5);
    net_free(&n);
    net_build_targets(&n, in, layers, NL, PLAN_LOSS_CROSS_ENTROPY, MOMENTUM, 1);
    compare_with_reference(&n, 0.1f);
    net_free(&n);

    net_build(&n, in, layers, NL, PLAN_LOSS_CROSS_ENTROPY, MOMENTUM);
    net_build_targets(&h, in, layers, NL, PLAN_LOSS_CROSS_ENTROPY, MOMENTUM, 1);
    n.m.init(n.mem, 3);
    h.m.init(h.mem, 3);
    for (int t = 1; t <= STEPS; t++) {
        make_batch(&n, (uint64_t)(200 + t));
        memcpy(h.x, n.x, (size_t)(BATCH * n.p.in) * sizeof(float));
        for (int64_t b = 0; b < BATCH; b++)
            for (int64_t o = 0; o < 4; o++)
                h.y[b * 4 + o] = o == (int64_t)n.y[b] ? 1.0f : 0.0f;
        float ln = n.m.eval(n.mem, n.x, n.y, NULL), lh = h.m.eval(h.mem, h.x, h.y, NULL);
        assert_memory_equal(&ln, &lh, sizeof ln);
        ln = n.m.step(n.mem, n.x, n.y, 0.1f, t, NULL);
        lh = h.m.step(h.mem, h.x, h.y, 0.1f, t, NULL);
        assert_memory_equal(&ln, &lh, sizeof ln);
    }
    assert_memory_equal(n.mem, h.mem, (size_t)n.p.n_params * sizeof(float));
    net_free(&n);
    net_free(&h);
}

/* Hand-computed values: one output passed through from x0 (W = 1). */
static void test_loss_values(void **s)
{
    (void)s;
    static const struct { plan_loss loss; double want; } cases[] = {
        /* d = y - t over (3 vs 1, -0.2 vs 0, 0.5 vs 0.5, -2 vs 1) */
        {PLAN_LOSS_MAE, (2 + 0.2 + 0 + 3) / 4.0},
        {PLAN_LOSS_HUBER, (0.5 * (2 - 0.25) + 0.5 * 0.04 + 0 + 0.5 * (3 - 0.25)) / 4.0}, /* delta 0.5 */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        net n;
        net_build(&n, (plan_shape){1, 1, 1}, NET(L_dense(1, PLAN_ACT_NONE)), cases[i].loss, SGD);
        n.m.init(n.mem, 1);
        n.mem[n.l[0].w] = 1.0f;
        float x[BATCH] = {3, -0.2f, 0.5f, -2}, y[BATCH] = {1, 0, 0.5f, 1};
        assert_float_equal(n.m.eval(n.mem, x, y, NULL), cases[i].want, 1e-6);
        net_free(&n);
    }
    /* bce on logits: stable at +-100, where a naive log(sigmoid) overflows */
    net n;
    net_build(&n, (plan_shape){1, 1, 1}, NET(L_dense(1, PLAN_ACT_NONE)), PLAN_LOSS_BCE, SGD);
    n.m.init(n.mem, 1);
    n.mem[n.l[0].w] = 1.0f;
    float x[BATCH] = {100, -100, 0, 2}, y[BATCH] = {0, 1, 1, 1};
    double want = (100 + 100 + log(2.0) + log1p(exp(-2.0))) / 4;
    assert_float_equal(n.m.eval(n.mem, x, y, NULL), want, 1e-5 * want);
    net_free(&n);
}

/* ---- optimizers ---------------------------------------------------------------------- */

static void check_opt(plan_opt o, float rate)
{
    check_net((plan_shape){1, 1, 6}, NET(L_dense(9, PLAN_ACT_RELU), L_dense(4, PLAN_ACT_NONE)), PLAN_LOSS_CROSS_ENTROPY, o, rate);
}

static void test_adamw(void **s)
{
    (void)s;
    check_opt((plan_opt){.kind = PLAN_OPT_ADAMW, .beta1 = 0.9, .beta2 = 0.999, .eps = 1e-8, .weight_decay = 0.01}, 0.01f);
    check_opt((plan_opt){.kind = PLAN_OPT_ADAMW, .beta1 = 0.8, .beta2 = 0.99, .eps = 1e-6, .weight_decay = 0.5}, 0.05f);
}

static void test_rmsprop(void **s)
{
    (void)s;
    check_opt((plan_opt){.kind = PLAN_OPT_RMSPROP, .alpha = 0.99, .eps = 1e-8}, 0.01f);
    check_opt((plan_opt){.kind = PLAN_OPT_RMSPROP, .alpha = 0.9, .eps = 1e-8, .momentum = 0.9, .weight_decay = 0.01}, 0.01f);
}

static void test_adagrad(void **s)
{
    (void)s;
    check_opt((plan_opt){.kind = PLAN_OPT_ADAGRAD, .eps = 1e-10}, 0.1f);
    check_opt((plan_opt){.kind = PLAN_OPT_ADAGRAD, .eps = 1e-10, .weight_decay = 0.1}, 0.1f);
}

static void test_clip_norm(void **s)
{
    (void)s;
    /* tiny threshold: every step is clipped */
    check_opt((plan_opt){.kind = PLAN_OPT_SGD, .momentum = 0.9, .clip_norm = 0.05}, 0.5f);
    check_opt((plan_opt){.kind = PLAN_OPT_ADAM, .beta1 = 0.9, .beta2 = 0.999, .eps = 1e-8, .clip_norm = 0.1}, 0.01f);
    /* and the clipped step has exactly that norm: sgd, rate 1, w' - w = -g */
    net n;
    net_build(&n, (plan_shape){1, 1, 6}, NET(L_dense(9, PLAN_ACT_RELU), L_dense(4, PLAN_ACT_NONE)), PLAN_LOSS_CROSS_ENTROPY,
              (plan_opt){.kind = PLAN_OPT_SGD, .clip_norm = 0.01});
    n.m.init(n.mem, 2);
    memcpy(n.ref, n.mem, (size_t)n.p.n_params * sizeof(float));
    make_batch(&n, 2);
    n.m.step(n.mem, n.x, n.y, 1.0f, 1, NULL);
    double sq = 0;
    for (int64_t k = 0; k < n.p.n_params; k++)
        sq += pow(n.mem[k] - n.ref[k], 2);
    assert_float_equal(sqrt(sq), 0.01, 1e-5);
    net_free(&n);
}

/* lr_mult: a layer with lr_mult 0.25 moves exactly a quarter as far (sgd). */
static void test_lr_mult(void **s)
{
    (void)s;
    plan_layer a = L_dense(9, PLAN_ACT_TANH), b = L_dense(4, PLAN_ACT_NONE);
    a.lr_mult = 0.25;
    check_net((plan_shape){1, 1, 6}, NET(a, b), PLAN_LOSS_CROSS_ENTROPY,
              (plan_opt){.kind = PLAN_OPT_ADAM, .beta1 = 0.9, .beta2 = 0.999, .eps = 1e-8}, 0.01f);
    net n;
    net_build(&n, (plan_shape){1, 1, 6}, NET(a, b), PLAN_LOSS_CROSS_ENTROPY, SGD);
    n.m.init(n.mem, 3);
    memcpy(n.ref, n.mem, (size_t)n.p.mem_floats * sizeof(float));
    make_batch(&n, 3);
    n.m.step(n.mem, n.x, n.y, 0.5f, 1, NULL);
    for (int64_t k = 0; k < 6 * 9; k++) {
        double moved = n.mem[n.l[0].w + k] - n.ref[n.l[0].w + k], g = n.mem[n.p.grads + n.l[0].w + k];
        assert_float_equal(moved, -0.5 * 0.25 * g, 1e-6);
    }
    for (int64_t k = 0; k < 9 * 4; k++) {
        double moved = n.mem[n.l[1].w + k] - n.ref[n.l[1].w + k], g = n.mem[n.p.grads + n.l[1].w + k];
        assert_float_equal(moved, -0.5 * g, 1e-6);
    }
    net_free(&n);
}

/* init zeros leaves the weights at 0; conv's Glorot bound uses k*k*ic and k*k*oc. */
static void test_init(void **s)
{
    (void)s;
    plan_layer c = L_conv(4, 3, 1, 0, PLAN_ACT_NONE), d = L_dense(3, PLAN_ACT_NONE);
    c.init = PLAN_INIT_GLOROT;
    d.init = PLAN_INIT_ZEROS;
    net n;
    net_build(&n, (plan_shape){5, 5, 2}, NET(c, d), PLAN_LOSS_CROSS_ENTROPY, SGD);
    n.m.init(n.mem, 8);
    double bound = sqrt(6.0 / (9 * 2 + 9 * 4)), max = 0;
    for (int64_t k = 0; k < 9 * 2 * 4; k++)
        max = fmax(max, fabs(n.mem[n.l[0].w + k]));
    assert_true(max <= bound && max > 0.8 * bound);
    for (int64_t k = 0; k < n.l[1].in * 3; k++)
        assert_float_equal(n.mem[n.l[1].w + k], 0.0f, 0.0f);
    net_free(&n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_conv_same_padding), cmocka_unit_test(test_conv_stride_padding),
        cmocka_unit_test(test_conv_pool_edges),
        cmocka_unit_test(test_conv_split), cmocka_unit_test(test_maxpool),           cmocka_unit_test(test_avgpool),
        cmocka_unit_test(test_maxpool_ties),      cmocka_unit_test(test_batchnorm_dense),
        cmocka_unit_test(test_batchnorm_conv),    cmocka_unit_test(test_batchnorm_eval_mode),
        cmocka_unit_test(test_dropout),           cmocka_unit_test(test_dropout_mask),
        cmocka_unit_test(test_gelu_softmax),      cmocka_unit_test(test_losses),
        cmocka_unit_test(test_loss_values),       cmocka_unit_test(test_adamw),
        cmocka_unit_test(test_rmsprop),           cmocka_unit_test(test_adagrad),
        cmocka_unit_test(test_clip_norm),         cmocka_unit_test(test_lr_mult),
        cmocka_unit_test(test_init),              cmocka_unit_test(test_cross_entropy_distribution),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
