/* plan.c — memory layout of a checked network and its `lrc check` summary.
 *
 * plan_layout() fixes where every tensor lives in the runtime's flat float
 * block (see plan.h); the code generator and the C reference kernels both
 * read these offsets. This file does not check the network (sema_net.c
 * does) and knows nothing about LLVM.
 */
#include "plan.h"

#include <inttypes.h>

enum { PLAN_ALIGN = 16 }; /* floats: 64 bytes */

static int64_t align_up(int64_t n) { return (n + PLAN_ALIGN - 1) / PLAN_ALIGN * PLAN_ALIGN; }

/* Reserves `n` floats at *cursor (aligned) and returns their offset. */
static int64_t reserve(int64_t *cursor, int64_t n)
{
    int64_t at = align_up(*cursor);
    *cursor = at + n;
    return at;
}

static int64_t shape_size(plan_shape s) { return s.h * s.w * s.c; }

int64_t plan_layer_params(const plan_layer *l)
{
    switch (l->kind) {
    case PLAN_DENSE: return l->in * l->out + l->out;
    case PLAN_CONV2D: return l->k * l->k * l->ish.c * l->osh.c + l->osh.c;
    case PLAN_BATCHNORM: return 2 * l->osh.c;
    default: return 0;
    }
}

/* Weights of a DENSE/CONV2D layer (W only, not the bias). */
static int64_t layer_weights(const plan_layer *l)
{
    return l->kind == PLAN_DENSE ? l->in * l->out : l->k * l->k * l->ish.c * l->osh.c;
}

/* Rows of a DENSE or CONV2D layer's matrix product: the batch, or for a
 * convolution every output pixel of it. */
static int64_t product_rows(const plan *p, const plan_layer *l)
{
    return l->kind == PLAN_CONV2D ? p->batch * l->osh.h * l->osh.w : p->batch;
}

int plan_dx_transposed(const plan *p, const plan_layer *l)
{
    int64_t rows = product_rows(p, l);
    int64_t out = l->kind == PLAN_DENSE ? l->out : l->osh.c;
    return (l->kind == PLAN_DENSE || l->kind == PLAN_CONV2D) && l->dx >= 0 && rows >= PLAN_WT_MIN_ROWS &&
           (layer_weights(l) >= PLAN_WT_MIN_FLOATS || (out < PLAN_DOT_MIN && rows >= PLAN_DOT_MIN_ROWS));
}

int64_t plan_dw_parts(const plan *p, const plan_layer *l)
{
    static const int64_t counts[] = {PLAN_DW_PARTS, 16, 12, 10, 6, 4};
    if (l->kind != PLAN_DENSE && l->kind != PLAN_CONV2D)
        return 0;
    int64_t rows = product_rows(p, l), weights = layer_weights(l);
    if (weights > PLAN_DW_MAX_WEIGHTS || rows < PLAN_DW_ROWS_PER_WEIGHT * weights)
        return 0;
    for (size_t k = 0; k < sizeof counts / sizeof *counts; k++)
        if (rows % counts[k] == 0)
            return counts[k];
    return 0;
}

int64_t plan_layer_macs(const plan_layer *l)
{
    switch (l->kind) {
    case PLAN_DENSE: return l->in * l->out;
    case PLAN_CONV2D: return l->osh.h * l->osh.w * l->osh.c * l->k * l->k * l->ish.c;
    case PLAN_MAXPOOL:
    case PLAN_AVGPOOL: return l->out * l->k * l->k;
    case PLAN_BATCHNORM: return 4 * l->out;
    case PLAN_DROPOUT:
    case PLAN_ACTIVATION: return l->out;
    case PLAN_FLATTEN: return 0;
    }
    return 0;
}

double plan_lr_mult(const plan_layer *l) { return l->lr_mult > 0 ? l->lr_mult : 1.0; }

/* A dense layer built by hand gives only in/out: flat shapes. The input
 * shape of every layer is the previous output (or the plan's input). */
static void fill_shapes(plan *p)
{
    if (p->ishape.c == 0)
        p->ishape = (plan_shape){1, 1, p->in};
    plan_shape in = p->ishape;
    for (int i = 0; i < p->nlayers; i++) {
        plan_layer *l = &p->layers[i];
        l->index = i;
        if (l->kind == PLAN_DENSE && l->osh.c == 0)
            l->osh = (plan_shape){1, 1, l->out};
        if (l->ish.c == 0)
            l->ish = in;
        l->in = shape_size(l->ish);
        l->out = shape_size(l->osh);
        in = l->osh;
    }
}

/* Parameters: each layer's W then its bias, each tensor aligned. The padding
 * between tensors is part of the block (zero, and kept zero by every
 * optimizer), so one flat loop over [0, n_params) covers everything. */
static void layout_params(plan *p)
{
    int64_t cursor = 0;
    for (int i = 0; i < p->nlayers; i++) {
        plan_layer *l = &p->layers[i];
        l->w = l->b = -1;
        if (l->kind == PLAN_DENSE || l->kind == PLAN_CONV2D) {
            l->w = reserve(&cursor, layer_weights(l));
            l->b = reserve(&cursor, l->osh.c);
        } else if (l->kind == PLAN_BATCHNORM) {
            l->w = reserve(&cursor, l->osh.c);
            l->b = reserve(&cursor, l->osh.c);
        }
    }
    p->n_params = align_up(cursor);
}

static int opt_moments(const plan_opt *o)
{
    switch (o->kind) {
    case PLAN_OPT_ADAM:
    case PLAN_OPT_ADAMW: return 2;
    case PLAN_OPT_RMSPROP: return o->momentum != 0.0 ? 2 : 1;
    case PLAN_OPT_ADAGRAD: return 1;
    case PLAN_OPT_SGD: break;
    }
    return o->momentum != 0.0 ? 1 : 0;
}

static void layout_layer(plan *p, plan_layer *l, int64_t *cursor)
{
    int64_t n = p->batch * l->out;
    l->col = l->dcol = l->dwt = l->mean = l->invstd = l->run_mean = l->run_var = l->xhat = -1;
    l->dw_parts = plan_dw_parts(p, l);
    if (l->dw_parts > 0)
        l->dwt = reserve(cursor, l->dw_parts * (layer_weights(l) + l->osh.c));
    switch (l->kind) {
    case PLAN_FLATTEN:
        l->z = l->y = l->x;
        l->dy = l->dx;
        return;
    case PLAN_CONV2D: {
        int64_t cols = p->batch * l->osh.h * l->osh.w * l->k * l->k * l->ish.c;
        l->col = reserve(cursor, cols);
        if (l->dx >= 0)
            l->dcol = reserve(cursor, cols);
        break;
    }
    case PLAN_MAXPOOL:
        l->col = reserve(cursor, n); /* the window position of each max */
        break;
    case PLAN_BATCHNORM:
        l->xhat = reserve(cursor, n);
        l->mean = reserve(cursor, l->osh.c);
        l->invstd = reserve(cursor, l->osh.c);
        l->run_mean = reserve(cursor, l->osh.c);
        l->run_var = reserve(cursor, l->osh.c);
        break;
    default: break;
    }
    l->z = reserve(cursor, n);
    l->y = l->act == PLAN_ACT_NONE ? l->z : reserve(cursor, n);
    l->dy = reserve(cursor, n);
}

static void layout_activations(plan *p, int64_t *cursor)
{
    int64_t x = -1, dx = -1;
    for (int i = 0; i < p->nlayers; i++) {
        plan_layer *l = &p->layers[i];
        l->x = x;
        l->dx = dx;
        layout_layer(p, l, cursor);
        x = l->y;
        dx = l->dy;
    }
}

void plan_layout(plan *p)
{
    fill_shapes(p);
    layout_params(p);
    p->params = 0;
    p->grads = p->n_params;
    int64_t cursor = p->grads + p->n_params;
    int moments = opt_moments(&p->opt);
    p->opt_m = moments >= 1 ? reserve(&cursor, p->n_params) : -1;
    p->opt_v = moments >= 2 ? reserve(&cursor, p->n_params) : -1;
    p->act_begin = align_up(cursor);
    cursor = p->act_begin;
    layout_activations(p, &cursor);
    int dropout = 0;
    for (int i = 0; i < p->nlayers; i++)
        dropout |= p->layers[i].kind == PLAN_DROPOUT;
    p->seed = dropout ? reserve(&cursor, 2) : -1;
    p->scratch = p->opt.clip_norm > 0 ? reserve(&cursor, PLAN_ALIGN) : -1;
    p->opt_scalars = reserve(&cursor, (int64_t)(p->nlayers + 1) * PLAN_OPT_SCALARS);
    p->mem_floats = align_up(cursor);
}

/* ---- printing ------------------------------------------------------------ */

/* "1,234,567" into buf. */
static const char *thousands(int64_t n, char *buf, size_t size)
{
    char digits[32];
    int len = snprintf(digits, sizeof digits, "%" PRId64, n < 0 ? -n : n);
    size_t k = 0;
    if (n < 0 && k + 1 < size)
        buf[k++] = '-';
    for (int i = 0; i < len && k + 1 < size; i++) {
        if (i > 0 && (len - i) % 3 == 0 && k + 1 < size)
            buf[k++] = ',';
        buf[k++] = digits[i];
    }
    buf[k] = '\0';
    return buf;
}

static void print_bytes(FILE *f, double bytes)
{
    if (bytes >= 1024.0 * 1024.0)
        fprintf(f, "%.1f MiB", bytes / (1024.0 * 1024.0));
    else
        fprintf(f, "%.1f KiB", bytes / 1024.0);
}

static const char *flops_text(double flops, char *buf, size_t size)
{
    static const char *const unit[] = {"", "k", "M", "G", "T"};
    int u = 0;
    while (flops >= 1000.0 && u < 4) {
        flops /= 1000.0;
        u++;
    }
    snprintf(buf, size, "%.1f %sFLOP", flops, unit[u]);
    return buf;
}

/* FLOPs of one training step through layer i: 2 per multiply-add forward,
 * twice that backward (weights and input), less when no input gradient. */
static double layer_step_flops(const plan *p, const plan_layer *l)
{
    double macs = (double)p->batch * (double)plan_layer_macs(l);
    if (l->kind == PLAN_DENSE || l->kind == PLAN_CONV2D)
        return macs * (l->dx >= 0 ? 6.0 : 4.0);
    return macs * 2.0;
}

static void print_shape(char *buf, size_t size, const plan *p, plan_shape s)
{
    if (s.h == 1 && s.w == 1)
        snprintf(buf, size, "[%" PRId64 ", %" PRId64 "]", p->batch, s.c);
    else
        snprintf(buf, size, "[%" PRId64 ", %" PRId64 ", %" PRId64 ", %" PRId64 "]", p->batch, s.h, s.w, s.c);
}

static void print_layer(FILE *f, const plan *p, int i)
{
    const plan_layer *l = &p->layers[i];
    char shape[96], params[32], flops[32], act[48];
    print_shape(shape, sizeof shape, p, l->osh);
    if (l->act == PLAN_ACT_LEAKY_RELU)
        snprintf(act, sizeof act, "leaky_relu(%g)", (double)l->alpha);
    else
        snprintf(act, sizeof act, "%s", plan_act_name(l->act));
    fprintf(f, "%3d  %-9s %-20s %10s  %-12s %12s", i, plan_layer_kind_name(l->kind), shape,
            thousands(plan_layer_params(l), params, sizeof params), act,
            flops_text(layer_step_flops(p, l), flops, sizeof flops));
    switch (l->kind) {
    case PLAN_CONV2D:
        fprintf(f, "  kernel %" PRId64 " stride %" PRId64 " padding %" PRId64 ", init %s", l->k, l->stride, l->pad,
                plan_init_name(l->init));
        break;
    case PLAN_MAXPOOL:
    case PLAN_AVGPOOL: fprintf(f, "  size %" PRId64 " stride %" PRId64, l->k, l->stride); break;
    case PLAN_DROPOUT: fprintf(f, "  rate %g", l->rate); break;
    case PLAN_BATCHNORM: fprintf(f, "  momentum %g eps %g", l->momentum, l->eps); break;
    case PLAN_DENSE: fprintf(f, "  init %s", plan_init_name(l->init)); break;
    default: break;
    }
    if (plan_layer_params(l) > 0 && plan_lr_mult(l) != 1.0)
        fprintf(f, ", lr_mult %g", plan_lr_mult(l));
    fputc('\n', f);
}

void plan_print(FILE *f, const plan *p)
{
    char buf[32], shape[96];
    int64_t total = 0;
    double flops = 0;
    fprintf(f, "%3s  %-9s %-20s %10s  %-12s %12s\n", "#", "layer", "output", "params", "activation", "per step");
    for (int i = 0; i < p->nlayers; i++) {
        print_layer(f, p, i);
        total += plan_layer_params(&p->layers[i]);
        flops += layer_step_flops(p, &p->layers[i]);
    }
    print_shape(shape, sizeof shape, p, p->ishape.c ? p->ishape : (plan_shape){1, 1, p->in});
    fprintf(f, "input:      %s (channels last)\n", shape);
    fprintf(f, "loss:       %s\noptimizer:  %s\n", plan_loss_name(p->loss), plan_opt_name(p->opt.kind));
    fprintf(f, "parameters: %s\n", thousands(total, buf, sizeof buf));
    fprintf(f, "memory:     ");
    print_bytes(f, (double)p->mem_floats * sizeof(float));
    fprintf(f, " (%s floats)\n", thousands(p->mem_floats, buf, sizeof buf));
    fprintf(f, "per step:   ~%s (forward 2, backward 4 per multiply-add)\n", flops_text(flops, buf, sizeof buf));
}

const char *plan_act_name(plan_act a)
{
    switch (a) {
    case PLAN_ACT_NONE: return "none";
    case PLAN_ACT_RELU: return "relu";
    case PLAN_ACT_LEAKY_RELU: return "leaky_relu";
    case PLAN_ACT_TANH: return "tanh";
    case PLAN_ACT_SIGMOID: return "sigmoid";
    case PLAN_ACT_GELU: return "gelu";
    case PLAN_ACT_SOFTMAX: return "softmax";
    }
    return "?";
}

const char *plan_loss_name(plan_loss l)
{
    switch (l) {
    case PLAN_LOSS_CROSS_ENTROPY: return "cross_entropy";
    case PLAN_LOSS_MSE: return "mse";
    case PLAN_LOSS_MAE: return "mae";
    case PLAN_LOSS_HUBER: return "huber";
    case PLAN_LOSS_BCE: return "binary_cross_entropy";
    }
    return "?";
}

const char *plan_opt_name(plan_opt_kind k)
{
    switch (k) {
    case PLAN_OPT_SGD: return "sgd";
    case PLAN_OPT_ADAM: return "adam";
    case PLAN_OPT_ADAMW: return "adamw";
    case PLAN_OPT_RMSPROP: return "rmsprop";
    case PLAN_OPT_ADAGRAD: return "adagrad";
    }
    return "?";
}

const char *plan_layer_kind_name(plan_layer_kind k)
{
    switch (k) {
    case PLAN_DENSE: return "dense";
    case PLAN_CONV2D: return "conv2d";
    case PLAN_MAXPOOL: return "maxpool";
    case PLAN_AVGPOOL: return "avgpool";
    case PLAN_FLATTEN: return "flatten";
    case PLAN_DROPOUT: return "dropout";
    case PLAN_BATCHNORM: return "batchnorm";
    case PLAN_ACTIVATION: return "activation";
    }
    return "?";
}

const char *plan_init_name(plan_init i)
{
    switch (i) {
    case PLAN_INIT_HE: return "he";
    case PLAN_INIT_GLOROT: return "glorot";
    case PLAN_INIT_ZEROS: return "zeros";
    }
    return "?";
}
