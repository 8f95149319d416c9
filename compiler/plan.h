/* plan.h — the checked network, ready for code generation.
 *
 * compiler/sema.c fills the description part (layers, loss, optimizer,
 * batch); plan_layout() then fixes where every tensor lives in the runtime's
 * flat float block `mem` (offsets in floats, each 16-float = 64-byte
 * aligned). The code generator reads only this struct: every size and offset
 * becomes a constant in the generated code.
 *
 * mem layout:  [params | grads | opt_m | opt_v | activations and scratch]
 * params and grads are parallel: a tensor at params+o has its gradient at
 * grads+o, so optimizers are one flat loop over [0, n_params).
 */
#ifndef PLAN_H
#define PLAN_H

#include <stdint.h>
#include <stdio.h>
#include "src.h"

typedef enum { PLAN_ACT_NONE, PLAN_ACT_RELU, PLAN_ACT_LEAKY_RELU, PLAN_ACT_TANH, PLAN_ACT_SIGMOID } plan_act;
typedef enum { PLAN_INIT_HE, PLAN_INIT_GLOROT } plan_init;
typedef enum { PLAN_LOSS_CROSS_ENTROPY, PLAN_LOSS_MSE } plan_loss;
typedef enum { PLAN_OPT_SGD, PLAN_OPT_ADAM } plan_opt_kind;
typedef enum { PLAN_DENSE } plan_layer_kind;

typedef struct plan_layer {
    plan_layer_kind kind;
    src_span span;          /* the layer's statement, for messages */
    /* DENSE: y[b][out] = act(x[b][in] . W[in][out] + bias[out]) */
    int64_t in, out;
    plan_act act;
    float alpha;            /* leaky_relu negative slope */
    plan_init init;
    /* filled by plan_layout (offsets into mem, in floats) */
    int64_t w, b;           /* W [in][out] row-major, bias [out]; gradients at grads + same */
    int64_t z;              /* pre-activation [batch][out] */
    int64_t y;              /* output [batch][out] (== z when act is NONE) */
    int64_t dy;             /* gradient of the loss w.r.t. y (and z after the act) [batch][out] */
} plan_layer;

typedef struct plan_opt {
    plan_opt_kind kind;
    double momentum;        /* SGD */
    int nesterov;           /* SGD */
    double beta1, beta2, eps; /* ADAM */
    double weight_decay;    /* L2 added to the gradient (coupled), all optimizers */
} plan_opt;

typedef struct plan {
    int64_t batch;
    int64_t in;             /* features per sample */
    int64_t y_floats;       /* floats per target (1) */
    int nlayers;
    plan_layer *layers;
    plan_loss loss;
    plan_opt opt;
    /* filled by plan_layout */
    int64_t n_params;
    int64_t params, grads, opt_m, opt_v;   /* offsets of the blocks */
    int64_t act_begin;                     /* first activation float */
    int64_t mem_floats;                    /* total size of mem */
} plan;

/* Computes every offset and the total size. */
void plan_layout(plan *p);

/* Trainable parameters of one layer. */
int64_t plan_layer_params(const plan_layer *l);

/* What `lrc check` prints: layers with shapes, parameter count, memory. */
void plan_print(FILE *f, const plan *p);

const char *plan_act_name(plan_act a);
const char *plan_loss_name(plan_loss l);
const char *plan_opt_name(plan_opt_kind k);

#endif
