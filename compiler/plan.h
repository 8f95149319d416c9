/* plan.h — the checked network, ready for code generation.
 *
 * compiler/sema_net.c fills the description part (layers, loss, optimizer,
 * batch); plan_layout() then fixes where every tensor lives in the runtime's
 * flat float block `mem` (offsets in floats, each 16-float = 64-byte
 * aligned). The code generator reads only this struct: every size and offset
 * becomes a constant in the generated code.
 *
 * mem layout:  [params | grads | opt_m | opt_v | activations, scratch, state]
 * params and grads are parallel: a tensor at params+o has its gradient at
 * grads+o, so optimizers are one flat loop over [0, n_params).
 *
 * Tensors are channels last (NHWC): one sample of shape [h, w, c] is
 * h*w*c floats with c fastest. A flat vector of n features is [1, 1, n], so
 * `dense` after a conv or pool flattens implicitly (same memory).
 */
#ifndef PLAN_H
#define PLAN_H

#include <stdint.h>
#include <stdio.h>
#include "src.h"

typedef enum {
    PLAN_ACT_NONE, PLAN_ACT_RELU, PLAN_ACT_LEAKY_RELU, PLAN_ACT_TANH, PLAN_ACT_SIGMOID,
    PLAN_ACT_GELU,   /* tanh approximation: PyTorch's GELU(approximate='tanh') */
    PLAN_ACT_SOFTMAX /* over the channel (last) axis */
} plan_act;
typedef enum { PLAN_INIT_HE, PLAN_INIT_GLOROT, PLAN_INIT_ZEROS } plan_init;
typedef enum { PLAN_LOSS_CROSS_ENTROPY, PLAN_LOSS_MSE, PLAN_LOSS_MAE, PLAN_LOSS_HUBER, PLAN_LOSS_BCE } plan_loss;
typedef enum { PLAN_OPT_SGD, PLAN_OPT_ADAM, PLAN_OPT_ADAMW, PLAN_OPT_RMSPROP, PLAN_OPT_ADAGRAD } plan_opt_kind;
typedef enum {
    PLAN_DENSE,      /* y = act(x . W + b)                 W [in][out] */
    PLAN_CONV2D,     /* y = act(conv(x, W) + b)            W [k][k][in c][out c] */
    PLAN_MAXPOOL,    /* max over k x k windows, per channel */
    PLAN_AVGPOOL,    /* mean over k x k windows, per channel */
    PLAN_FLATTEN,    /* [h, w, c] -> [1, 1, h*w*c]: no code, aliases its input */
    PLAN_DROPOUT,    /* training: x * keep / (1 - rate); eval: x */
    PLAN_BATCHNORM,  /* per channel; batch statistics in step, running ones in eval */
    PLAN_ACTIVATION  /* an activation on its own (e.g. `softmax`) */
} plan_layer_kind;

/* One sample's shape, channels last. */
typedef struct plan_shape {
    int64_t h, w, c;
} plan_shape;

typedef struct plan_layer {
    plan_layer_kind kind;
    src_span span;          /* the layer's statement, for messages */
    plan_shape ish, osh;    /* input and output shape of one sample (plan_layout
                               fills them for a dense layer built by hand) */
    int64_t in, out;        /* floats per sample: ish and osh products */
    plan_act act;
    float alpha;            /* leaky_relu negative slope */
    plan_init init;
    double lr_mult;         /* the optimizer's rate x this (Caffe); 0 in a
                               hand-built plan means 1 */
    int64_t k, stride, pad; /* CONV2D, pools: window, stride, zero padding */
    double rate;            /* DROPOUT: probability of zeroing */
    double momentum, eps;   /* BATCHNORM (PyTorch: 0.1, 1e-5) */
    int index;              /* position in the network (dropout's stream) */
    /* filled by plan_layout (offsets into mem, in floats; -1: none) */
    int64_t w, b;           /* parameters, gradients at grads + same. DENSE/CONV2D:
                               W and bias [out c]; BATCHNORM: gamma, beta [c] */
    int64_t x, dx;          /* input [batch][in] and its gradient; x -1: the x
                               argument of step/eval, dx -1: not needed */
    int64_t z;              /* pre-activation [batch][out] */
    int64_t y;              /* output [batch][out] (== z when act is NONE) */
    int64_t dy;             /* dL/dy, then dL/dz after the act [batch][out] */
    int64_t col, dcol;      /* CONV2D im2col [batch*oh*ow][k*k*ic] and its gradient;
                               MAXPOOL: col [batch][out] = ky*k+kx of each max */
    int64_t dw_parts;       /* DENSE/CONV2D: dW summed as this many partial
                               products over consecutive rows (plan_dw_parts); 0: one */
    int64_t dwt;            /* their partial sums: dW^T [dw_parts][out][in],
                               then db [dw_parts][out]; -1 */
    int64_t mean, invstd;   /* BATCHNORM batch statistics [c] */
    int64_t run_mean, run_var; /* BATCHNORM running statistics [c] (state, not params) */
    int64_t xhat;           /* BATCHNORM normalised input [batch][out] */
} plan_layer;

typedef struct plan_opt {
    plan_opt_kind kind;
    double momentum;        /* SGD, RMSPROP */
    int nesterov;           /* SGD */
    double beta1, beta2, eps; /* ADAM, ADAMW; eps also RMSPROP, ADAGRAD */
    double alpha;           /* RMSPROP smoothing constant */
    double weight_decay;    /* ADAMW: decoupled; the others: L2 added to the gradient */
    double clip_norm;       /* > 0: scale the gradient to this global L2 norm at most */
} plan_opt;

typedef struct plan {
    int64_t batch;
    int64_t in;             /* features per sample (the product of `input`) */
    plan_shape ishape;      /* `input [h, w, c]`; zero in a hand-built plan: [1, 1, in] */
    int64_t y_floats;       /* floats per target (1 for class labels) */
    int nlayers;
    plan_layer *layers;
    plan_loss loss;
    double huber_delta;     /* HUBER (0 in a hand-built plan means 1) */
    plan_opt opt;
    /* filled by plan_layout */
    int64_t n_params;
    int64_t params, grads, opt_m, opt_v;   /* offsets of the blocks (-1: none) */
    int64_t act_begin;                     /* first activation float */
    int64_t seed;                          /* 2 floats: the init seed's bits (dropout), or -1 */
    int64_t scratch;                       /* 16 floats of scratch (global norm), or -1 */
    int64_t opt_scalars;                   /* PLAN_OPT_SCALARS floats per run of layers
                                              with one lr_mult: the update's per-step
                                              scalars (cg_opt.c) */
    int64_t mem_floats;                    /* total size of mem */
    int split_step;                        /* also generate lrc_grad and lrc_update
                                              (data-parallel runs only: they double
                                              the code to compile) */
} plan;

/* Computes every offset and the total size. */
void plan_layout(plan *p);

/* Trainable parameters of one layer. */
int64_t plan_layer_params(const plan_layer *l);
#define PLAN_OPT_SCALARS 4
/* Whether the layer's input gradient dx = dz W^T runs as an "nn" product
 * that reads W transposed (compiler/cg_pack.c packs each sliver of W^T as
 * it goes) rather than as dot products along W's rows: a DENSE or CONV2D
 * layer with a dx and PLAN_WT_MIN_ROWS rows of dz and more (enough row
 * tiles to reuse each packed sliver), and either a W of PLAN_WT_MIN_FLOATS
 * (256 KB) and more (it would not stay in a core's L2 cache, beside dz
 * and dx, while the dot products run over it once per few rows:
 * fashion_mlp's 512 x 256 W2, 512 KB, a Zen 3 core's whole L2, took as
 * long as nn products of 1.5x its multiply-adds; as nn 0.65x that, the
 * step 6% shorter) or fewer than PLAN_DOT_MIN outputs and
 * PLAN_DOT_MIN_ROWS rows or more (dot products that short spend as much on
 * summing their lanes as on the multiply-adds: LeNet's conv2 dx, 16 long
 * over 12,800 rows, took 14% of its step, 10% faster as nn on znver3; a
 * dense layer's few batch rows gain little for the transposes' code:
 * digits' step the same, its compile 14% shorter without). */
#define PLAN_WT_MIN_FLOATS (64 * 1024)
#define PLAN_WT_MIN_ROWS 64
#define PLAN_DOT_MIN 64
#define PLAN_DOT_MIN_ROWS 1024
int plan_dx_transposed(const plan *p, const plan_layer *l);
/* How many partial products over consecutive rows a DENSE or CONV2D
 * layer's dW = x^T dz is summed as (0: one product). A small dW summed over
 * many rows — a convolution's k*k*ic x oc over batch*oh*ow rows, at least
 * PLAN_DW_ROWS_PER_WEIGHT rows per weight, at most PLAN_DW_MAX_WEIGHTS
 * weights — cut by its own rows or columns for the threads would stream
 * the whole of x (the im2col rows) once per chunk, reading k*k*ic floats
 * strided for every few multiply-adds; cut along the sum instead, each
 * part reads its rows of x and dz once, as dW^T = dz^T x with vectors
 * along x's rows (compiler/cg_dense.c), and the parts are added in order.
 * PLAN_DW_PARTS parts, or the first of 16, 12, 10, 6 and 4 that divides
 * the rows (none: one product). The cut is fixed here, so the sums do not
 * depend on the threads. LeNet at batch 128: conv1's dW 194 -> 62 perf
 * samples per million multiply-adds, conv2's 109 -> 47 (the forward
 * products: 44-62); at batch 64 conv2 has 2.7 rows per weight, its step
 * 4% shorter in parts. */
#define PLAN_DW_PARTS 8
#define PLAN_DW_ROWS_PER_WEIGHT 2
#define PLAN_DW_MAX_WEIGHTS 16384
int64_t plan_dw_parts(const plan *p, const plan_layer *l);
/* Multiply-adds of one sample's forward pass through the layer. */
int64_t plan_layer_macs(const plan_layer *l);
/* The layer's rate multiplier (lr_mult, or 1 when unset). */
double plan_lr_mult(const plan_layer *l);

/* What `lrc check` prints: layers with shapes, parameter count, memory. */
void plan_print(FILE *f, const plan *p);

const char *plan_act_name(plan_act a);
const char *plan_loss_name(plan_loss l);
const char *plan_opt_name(plan_opt_kind k);
const char *plan_layer_kind_name(plan_layer_kind k);
const char *plan_init_name(plan_init i);

/* Dropout's mask: element `idx` of layer `layer` at step `t` (1-based) is
 * kept when the top 24 bits of this hash, as a fraction, are >= rate. A
 * counter-based hash (murmur3's finaliser), so step t always draws the same
 * mask from the same seed; the code generator emits the same arithmetic. */
static inline uint32_t plan_mix32(uint32_t h)
{
    h ^= h >> 16;
    h *= 0x85ebca6bu;
    h ^= h >> 13;
    h *= 0xc2b2ae35u;
    h ^= h >> 16;
    return h;
}
static inline uint32_t plan_dropout_key(uint32_t seed_lo, uint32_t seed_hi, uint32_t t, uint32_t layer)
{
    return plan_mix32(seed_lo ^ plan_mix32(seed_hi ^ plan_mix32(t * 0x9e3779b1u + layer)));
}
static inline uint32_t plan_dropout_bits(uint32_t key, uint32_t idx)
{
    return plan_mix32(idx * 0x632be5abu + key) >> 8;
}
/* The threshold on those 24 bits: kept when bits >= it. */
static inline uint32_t plan_dropout_threshold(double rate) { return (uint32_t)(rate * 16777216.0 + 0.5); }

#endif
