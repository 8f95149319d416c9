/* ref_mlp.c — the reference MLP (see ref_mlp.h): forward, loss, backward
 * and optimizers written as directly from their definitions as possible.
 * Sums are accumulated in double; elementwise math in double, stored as
 * float. Shares only the plan and lrc_rt_fill_uniform with the generated code.
 */
#include "ref_mlp.h"

#include <math.h>
#include <string.h>
#include "lrc_abi.h"
#include "rt_rng.h"

void ref_init(const plan *p, float *mem, uint64_t seed)
{
    memset(mem, 0, (size_t)p->mem_floats * sizeof *mem);
    for (int k = 0; k < p->nlayers; k++) {
        const plan_layer *l = &p->layers[k];
        double fan = l->init == PLAN_INIT_HE ? (double)l->in : (double)(l->in + l->out);
        lrc_rt_fill_uniform(mem + l->w, l->in * l->out, (float)sqrt(6.0 / fan), seed, RT_STREAM_INIT_BASE + k);
    }
}

/* ---- forward --------------------------------------------------------------- */

static double act(const plan_layer *l, double z)
{
    switch (l->act) {
    case PLAN_ACT_RELU: return z > 0 ? z : 0;
    case PLAN_ACT_LEAKY_RELU: return z > 0 ? z : l->alpha * z;
    case PLAN_ACT_TANH: return tanh(z);
    case PLAN_ACT_SIGMOID: return 1.0 / (1.0 + exp(-z));
    case PLAN_ACT_NONE: break;
    }
    return z;
}

static const float *layer_input(const plan *p, const float *mem, const float *x, int k)
{
    return k == 0 ? x : mem + p->layers[k - 1].y;
}

static void forward(const plan *p, float *mem, const float *x)
{
    for (int k = 0; k < p->nlayers; k++) {
        const plan_layer *l = &p->layers[k];
        const float *in = layer_input(p, mem, x, k);
        for (int64_t b = 0; b < p->batch; b++)
            for (int64_t o = 0; o < l->out; o++) {
                double s = mem[l->b + o];
                for (int64_t i = 0; i < l->in; i++)
                    s += (double)in[b * l->in + i] * mem[l->w + i * l->out + o];
                mem[l->z + b * l->out + o] = (float)s;
                mem[l->y + b * l->out + o] = (float)act(l, (float)s);
            }
    }
}

/* ---- loss ------------------------------------------------------------------ */

/* Loss; with grad, dL/dy into the last layer's dy. */
static float loss(const plan *p, float *mem, const float *t, int grad)
{
    const plan_layer *l = &p->layers[p->nlayers - 1];
    double total = 0;
    for (int64_t b = 0; b < p->batch; b++) {
        const float *y = mem + l->y + b * l->out;
        float *dy = mem + l->dy + b * l->out;
        if (p->loss == PLAN_LOSS_MSE) {
            double n = (double)(p->batch * l->out);
            for (int64_t o = 0; o < l->out; o++) {
                double d = (double)y[o] - t[b * p->y_floats + o];
                total += d * d / n;
                if (grad)
                    dy[o] = (float)(2.0 * d / n);
            }
            continue;
        }
        int64_t label = (int64_t)t[b * p->y_floats];
        double max = y[0], sum = 0;
        for (int64_t o = 1; o < l->out; o++)
            max = y[o] > max ? y[o] : max;
        for (int64_t o = 0; o < l->out; o++)
            sum += exp(y[o] - max);
        total += (max + log(sum) - y[label]) / (double)p->batch;
        for (int64_t o = 0; grad && o < l->out; o++)
            dy[o] = (float)((exp(y[o] - max) / sum - (o == label)) / (double)p->batch);
    }
    return (float)total;
}

/* ---- backward -------------------------------------------------------------- */

static double act_grad(const plan_layer *l, double z, double y)
{
    switch (l->act) {
    case PLAN_ACT_RELU: return z > 0 ? 1 : 0;
    case PLAN_ACT_LEAKY_RELU: return z > 0 ? 1 : l->alpha;
    case PLAN_ACT_TANH: return 1 - y * y;
    case PLAN_ACT_SIGMOID: return y * (1 - y);
    case PLAN_ACT_NONE: break;
    }
    return 1;
}

static void backward_layer(const plan *p, float *mem, const float *x, int k)
{
    const plan_layer *l = &p->layers[k];
    const float *in = layer_input(p, mem, x, k);
    float *dz = mem + l->dy, *gw = mem + p->grads + l->w, *gb = mem + p->grads + l->b;
    for (int64_t j = 0; j < p->batch * l->out; j++)
        dz[j] = (float)(dz[j] * act_grad(l, mem[l->z + j], mem[l->y + j]));
    for (int64_t i = 0; i < l->in; i++)
        for (int64_t o = 0; o < l->out; o++) {
            double s = 0;
            for (int64_t b = 0; b < p->batch; b++)
                s += (double)in[b * l->in + i] * dz[b * l->out + o];
            gw[i * l->out + o] = (float)s;
        }
    for (int64_t o = 0; o < l->out; o++) {
        double s = 0;
        for (int64_t b = 0; b < p->batch; b++)
            s += dz[b * l->out + o];
        gb[o] = (float)s;
    }
    if (k == 0)
        return;
    float *dx = mem + p->layers[k - 1].dy;
    for (int64_t b = 0; b < p->batch; b++)
        for (int64_t i = 0; i < l->in; i++) {
            double s = 0;
            for (int64_t o = 0; o < l->out; o++)
                s += (double)dz[b * l->out + o] * mem[l->w + i * l->out + o];
            dx[b * l->in + i] = (float)s;
        }
}

/* ---- optimizers ------------------------------------------------------------ */

static void update(const plan *p, float *mem, float rate, int32_t t)
{
    const plan_opt *o = &p->opt;
    for (int64_t i = 0; i < p->n_params; i++) {
        float *w = mem + p->params + i;
        double g = mem[p->grads + i] + o->weight_decay * *w;
        if (o->kind == PLAN_OPT_ADAM) {
            float *m = mem + p->opt_m + i, *v = mem + p->opt_v + i;
            *m = (float)(o->beta1 * *m + (1 - o->beta1) * g);
            *v = (float)(o->beta2 * *v + (1 - o->beta2) * g * g);
            double mhat = *m / (1 - pow(o->beta1, t)), vhat = *v / (1 - pow(o->beta2, t));
            *w = (float)(*w - rate * mhat / (sqrt(vhat) + o->eps));
        } else if (o->momentum != 0.0) {
            float *m = mem + p->opt_m + i;
            *m = (float)(o->momentum * *m + g);
            double step = o->nesterov ? g + o->momentum * *m : *m;
            *w = (float)(*w - rate * step);
        } else {
            *w = (float)(*w - rate * g);
        }
    }
}

float ref_step(const plan *p, float *mem, const float *x, const float *y, float rate, int32_t t)
{
    forward(p, mem, x);
    float l = loss(p, mem, y, 1);
    for (int k = p->nlayers - 1; k >= 0; k--)
        backward_layer(p, mem, x, k);
    update(p, mem, rate, t);
    return l;
}

float ref_eval(const plan *p, float *mem, const float *x, const float *y)
{
    forward(p, mem, x);
    return loss(p, mem, y, 0);
}
