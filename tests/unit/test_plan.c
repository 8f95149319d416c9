/* test_plan.c — the memory layout: every tensor 64-byte aligned, inside the
 * block, not overlapping another; gradients parallel to parameters; moment
 * blocks only for the optimizers that need them; parameter counts; which
 * weight gradients are summed in parts (plan_dw_parts). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include "plan.h"

typedef struct range {
    int64_t at, n;
} range;

static plan make_plan(plan_layer *layers, int n, plan_opt_kind opt, double momentum)
{
    static const int64_t widths[] = {10, 33, 7, 5};
    int64_t in = 13;
    for (int i = 0; i < n; i++) {
        layers[i] = (plan_layer){.kind = PLAN_DENSE, .in = in, .out = widths[i], .act = i % 2 ? PLAN_ACT_NONE : PLAN_ACT_RELU};
        in = widths[i];
    }
    plan p = {.batch = 9, .in = 13, .y_floats = 1, .nlayers = n, .layers = layers, .loss = PLAN_LOSS_CROSS_ENTROPY};
    p.opt = (plan_opt){.kind = opt, .momentum = momentum};
    plan_layout(&p);
    return p;
}

static int overlaps(range a, range b) { return a.at < b.at + b.n && b.at < a.at + a.n; }

static void test_tensors_aligned_disjoint_inside(void **state)
{
    (void)state;
    plan_layer layers[4];
    plan p = make_plan(layers, 4, PLAN_OPT_ADAM, 0);
    range r[64];
    int n = 0;
    for (int i = 0; i < p.nlayers; i++) {
        const plan_layer *l = &layers[i];
        r[n++] = (range){p.params + l->w, l->in * l->out};
        r[n++] = (range){p.params + l->b, l->out};
        r[n++] = (range){p.grads + l->w, l->in * l->out};
        r[n++] = (range){p.grads + l->b, l->out};
        r[n++] = (range){l->z, p.batch * l->out};
        if (l->y != l->z)
            r[n++] = (range){l->y, p.batch * l->out};
        r[n++] = (range){l->dy, p.batch * l->out};
    }
    r[n++] = (range){p.opt_m, p.n_params};
    r[n++] = (range){p.opt_v, p.n_params};
    for (int i = 0; i < n; i++) {
        assert_int_equal(r[i].at % 16, 0);
        assert_true(r[i].at >= 0 && r[i].at + r[i].n <= p.mem_floats);
        for (int j = 0; j < i; j++)
            assert_false(overlaps(r[i], r[j]));
    }
}

static void test_parameter_blocks(void **state)
{
    (void)state;
    plan_layer layers[4];
    plan p = make_plan(layers, 4, PLAN_OPT_SGD, 0.9);
    int64_t count = 0;
    for (int i = 0; i < 4; i++) {
        count += plan_layer_params(&layers[i]);
        /* inside [0, n_params) of their block */
        assert_true(layers[i].b + layers[i].out <= p.n_params);
    }
    assert_int_equal(count, 13 * 10 + 10 + 10 * 33 + 33 + 33 * 7 + 7 + 7 * 5 + 5);
    assert_true(p.n_params >= count && p.n_params < count + 16 * 8);
    assert_int_equal(p.params, 0);
    assert_int_equal(p.grads, p.n_params);      /* parallel, right after */
    assert_true(p.opt_m >= p.grads + p.n_params);
    assert_int_equal(p.opt_v, -1);               /* momentum needs one moment */
    assert_true(p.act_begin >= p.opt_m + p.n_params);
}

static void test_moments_per_optimizer(void **state)
{
    (void)state;
    plan_layer layers[2];
    plan sgd = make_plan(layers, 2, PLAN_OPT_SGD, 0);
    assert_int_equal(sgd.opt_m, -1);
    assert_int_equal(sgd.opt_v, -1);
    plan adam = make_plan(layers, 2, PLAN_OPT_ADAM, 0);
    assert_true(adam.opt_m > 0 && adam.opt_v > adam.opt_m);
    assert_true(adam.mem_floats > sgd.mem_floats + 2 * adam.n_params - 1);
}

static void test_identity_activation_aliases(void **state)
{
    (void)state;
    plan_layer layers[2];
    make_plan(layers, 2, PLAN_OPT_SGD, 0);
    assert_true(layers[0].y != layers[0].z); /* relu keeps z for the backward pass */
    assert_int_equal(layers[1].y, layers[1].z); /* none: the output is z */
}

/* One conv2d layer (k x k, odd, padding k / 2: the same size; oc outputs)
 * on a batch of h x w x c images, laid out. */
static plan_layer conv_layout(int64_t batch, plan_shape in, int64_t oc, int64_t k)
{
    static plan_layer l[1];
    l[0] = (plan_layer){.kind = PLAN_CONV2D, .ish = in, .osh = {in.h, in.w, oc}, .in = in.h * in.w * in.c,
                        .out = in.h * in.w * oc, .k = k, .stride = 1, .pad = k / 2}; /* as sema_net.c fills them */
    plan p = {.batch = batch, .in = in.h * in.w * in.c, .ishape = in, .y_floats = 1, .nlayers = 1, .layers = l,
              .loss = PLAN_LOSS_MSE};
    plan_layout(&p);
    if (l[0].dwt >= 0) /* the partial sums lie inside the block, after the activations began */
        assert_true(l[0].dwt >= p.act_begin && l[0].dwt + l[0].dw_parts * (k * k * in.c * oc + oc) <= p.mem_floats);
    return l[0];
}

static void test_dw_parts(void **state)
{
    (void)state;
    /* LeNet's first convolution at batch 128: 150 weights over 100,352 rows */
    plan_layer lenet = conv_layout(128, (plan_shape){28, 28, 1}, 6, 5);
    assert_int_equal(lenet.dw_parts, PLAN_DW_PARTS);
    /* test_cg_layers' convolutions, whose gradients it checks: 54 weights
     * over 144 rows; 18 over 196 rows, not a multiple of 8: 4 parts */
    assert_int_equal(conv_layout(4, (plan_shape){6, 6, 2}, 3, 3).dw_parts, 8);
    assert_int_equal(conv_layout(4, (plan_shape){7, 7, 1}, 2, 3).dw_parts, 4);
    /* 49 rows: no count divides them */
    assert_int_equal(conv_layout(1, (plan_shape){7, 7, 1}, 2, 3).dw_parts, 0);
    assert_int_equal(conv_layout(1, (plan_shape){7, 7, 1}, 2, 3).dwt, -1);
    /* too few rows per weight: 36 x 9 x 3 weights over 4 x 36 rows */
    assert_int_equal(conv_layout(4, (plan_shape){6, 6, 36}, 3, 3).dw_parts, 0);
    /* a dense layer's large W over a batch: one product */
    plan_layer layers[4];
    make_plan(layers, 4, PLAN_OPT_SGD, 0);
    for (int i = 0; i < 4; i++)
        assert_int_equal(layers[i].dw_parts, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tensors_aligned_disjoint_inside),
        cmocka_unit_test(test_parameter_blocks),
        cmocka_unit_test(test_moments_per_optimizer),
        cmocka_unit_test(test_identity_activation_aliases),
        cmocka_unit_test(test_dw_parts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
