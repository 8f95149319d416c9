/* plan.c — memory layout of a checked network and its `lrc check` summary.
 *
 * plan_layout() fixes where every tensor lives in the runtime's flat float
 * block (see plan.h); the code generator and the C reference kernels both
 * read these offsets. This file does not check the network (compiler/sema.c
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

int64_t plan_layer_params(const plan_layer *l) { return l->in * l->out + l->out; }

/* Parameters: each layer's W then its bias, each tensor aligned. The padding
 * between tensors is part of the block (zero, and kept zero by every
 * optimizer), so one flat loop over [0, n_params) covers everything. */
static void layout_params(plan *p)
{
    int64_t cursor = 0;
    for (int i = 0; i < p->nlayers; i++) {
        plan_layer *l = &p->layers[i];
        l->w = reserve(&cursor, l->in * l->out);
        l->b = reserve(&cursor, l->out);
    }
    p->n_params = align_up(cursor);
}

static int opt_moments(const plan_opt *o)
{
    if (o->kind == PLAN_OPT_ADAM)
        return 2;
    return o->momentum != 0.0 ? 1 : 0;
}

static void layout_activations(plan *p, int64_t *cursor)
{
    for (int i = 0; i < p->nlayers; i++) {
        plan_layer *l = &p->layers[i];
        int64_t n = p->batch * l->out;
        l->z = reserve(cursor, n);
        l->y = l->act == PLAN_ACT_NONE ? l->z : reserve(cursor, n);
        l->dy = reserve(cursor, n);
    }
}

void plan_layout(plan *p)
{
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

static void print_flops(FILE *f, double flops)
{
    static const char *const unit[] = {"", "k", "M", "G", "T"};
    int u = 0;
    while (flops >= 1000.0 && u < 4) {
        flops /= 1000.0;
        u++;
    }
    fprintf(f, "%.1f %sFLOP", flops, unit[u]);
}

static const char *layer_kind_name(plan_layer_kind k)
{
    switch (k) {
    case PLAN_DENSE: return "dense";
    }
    return "?";
}

static void print_layer(FILE *f, const plan *p, int i)
{
    const plan_layer *l = &p->layers[i];
    char shape[64], params[32];
    snprintf(shape, sizeof shape, "[%" PRId64 ", %" PRId64 "]", p->batch, l->out);
    fprintf(f, "%3d  %-6s %-16s %12s  %s", i, layer_kind_name(l->kind), shape,
            thousands(plan_layer_params(l), params, sizeof params), plan_act_name(l->act));
    if (l->act == PLAN_ACT_LEAKY_RELU)
        fprintf(f, "(%g)", (double)l->alpha);
    fputc('\n', f);
}

void plan_print(FILE *f, const plan *p)
{
    char buf[32];
    int64_t total = 0, weights = 0;
    fprintf(f, "%3s  %-6s %-16s %12s  %s\n", "#", "layer", "output", "params", "activation");
    for (int i = 0; i < p->nlayers; i++) {
        print_layer(f, p, i);
        total += plan_layer_params(&p->layers[i]);
        weights += p->layers[i].in * p->layers[i].out;
    }
    fprintf(f, "input:      [%" PRId64 ", %" PRId64 "]\n", p->batch, p->in);
    fprintf(f, "loss:       %s\noptimizer:  %s\n", plan_loss_name(p->loss), plan_opt_name(p->opt.kind));
    fprintf(f, "parameters: %s\n", thousands(total, buf, sizeof buf));
    fprintf(f, "memory:     ");
    print_bytes(f, (double)p->mem_floats * sizeof(float));
    fprintf(f, " (%s floats)\n", thousands(p->mem_floats, buf, sizeof buf));
    fprintf(f, "per step:   ~");
    print_flops(f, 6.0 * (double)p->batch * (double)weights);
    fprintf(f, " (6 x batch x weights)\n");
}

const char *plan_act_name(plan_act a)
{
    switch (a) {
    case PLAN_ACT_NONE: return "none";
    case PLAN_ACT_RELU: return "relu";
    case PLAN_ACT_LEAKY_RELU: return "leaky_relu";
    case PLAN_ACT_TANH: return "tanh";
    case PLAN_ACT_SIGMOID: return "sigmoid";
    }
    return "?";
}

const char *plan_loss_name(plan_loss l)
{
    switch (l) {
    case PLAN_LOSS_CROSS_ENTROPY: return "cross_entropy";
    case PLAN_LOSS_MSE: return "mse";
    }
    return "?";
}

const char *plan_opt_name(plan_opt_kind k)
{
    switch (k) {
    case PLAN_OPT_SGD: return "sgd";
    case PLAN_OPT_ADAM: return "adam";
    }
    return "?";
}
