/* ref_mlp.c — the reference network (see ref_mlp.h): init, loss and
 * optimizers written as directly from their definitions as possible; the
 * layers are ref_layers.c.
 * Sums are accumulated in double; elementwise math in double, stored as
 * float. Shares only the plan and lrc_rt_fill_uniform with the generated code.
 */
#include "ref_mlp.h"

#include <math.h>
#include <string.h>
#include "lrc_abi.h"
#include "ref_layers.h"
#include "rt_rng.h"

void ref_init(const plan *p, float *mem, uint64_t seed)
{
    memset(mem, 0, (size_t)p->mem_floats * sizeof *mem);
    for (int k = 0; k < p->nlayers; k++) {
        const plan_layer *l = &p->layers[k];
        if (l->kind == PLAN_BATCHNORM)
            for (int64_t c = 0; c < l->osh.c; c++)
                mem[l->w + c] = mem[l->run_var + c] = 1.0f;
        if ((l->kind != PLAN_DENSE && l->kind != PLAN_CONV2D) || l->init == PLAN_INIT_ZEROS)
            continue;
        double fin = (double)l->in, fout = (double)l->out;
        if (l->kind == PLAN_CONV2D) {
            fin = (double)(l->k * l->k * l->ish.c);
            fout = (double)(l->k * l->k * l->osh.c);
        }
        double fan = l->init == PLAN_INIT_HE ? fin : fin + fout;
        lrc_rt_fill_uniform(mem + l->w, plan_layer_params(l) - l->osh.c, (float)sqrt(6.0 / fan), seed,
                            RT_STREAM_INIT_BASE + k);
    }
    if (p->seed >= 0) {
        uint32_t lo = (uint32_t)seed, hi = (uint32_t)(seed >> 32);
        memcpy(mem + p->seed, &lo, 4);
        memcpy(mem + p->seed + 1, &hi, 4);
    }
}

/* ---- loss ------------------------------------------------------------------ */

/* One element's loss and derivative for output v, target tv. */
static double elem_loss(const plan *p, double v, double tv, double *grad)
{
    double d = v - tv, delta = p->huber_delta > 0 ? p->huber_delta : 1.0;
    switch (p->loss) {
    case PLAN_LOSS_MAE: *grad = d > 0 ? 1 : d < 0 ? -1 : 0; return fabs(d);
    case PLAN_LOSS_HUBER:
        *grad = fabs(d) <= delta ? d : d > 0 ? delta : -delta;
        return fabs(d) <= delta ? 0.5 * d * d : delta * (fabs(d) - 0.5 * delta);
    case PLAN_LOSS_BCE:
        *grad = 1 / (1 + exp(-v)) - tv;
        return (v > 0 ? v : 0) - v * tv + log1p(exp(-fabs(v)));
    case PLAN_LOSS_MSE:
    case PLAN_LOSS_CROSS_ENTROPY: break;
    }
    *grad = 2 * d;
    return d * d;
}

/* Loss; with grad, dL/dy into the last layer's dy. */
static float loss(const plan *p, float *mem, const float *t, int grad)
{
    const plan_layer *l = &p->layers[p->nlayers - 1];
    double total = 0;
    for (int64_t b = 0; b < p->batch; b++) {
        const float *y = mem + l->y + b * l->out;
        float *dy = mem + l->dy + b * l->out;
        if (p->loss != PLAN_LOSS_CROSS_ENTROPY) {
            double n = (double)(p->batch * l->out);
            for (int64_t o = 0; o < l->out; o++) {
                double g;
                total += elem_loss(p, y[o], t[b * p->y_floats + o], &g) / n;
                if (grad)
                    dy[o] = (float)(g / n);
            }
            continue;
        }
        /* target: a class index (y_floats 1) or a distribution over the outputs */
        const float *tb = t + b * p->y_floats;
        double max = y[0], sum = 0;
        for (int64_t o = 1; o < l->out; o++)
            max = y[o] > max ? y[o] : max;
        for (int64_t o = 0; o < l->out; o++)
            sum += exp(y[o] - max);
        for (int64_t o = 0; o < l->out; o++) {
            double to = p->y_floats > 1 ? tb[o] : o == (int64_t)tb[0];
            if (to != 0)
                total += to * (max + log(sum) - y[o]) / (double)p->batch;
            if (grad)
                dy[o] = (float)((exp(y[o] - max) / sum - to) / (double)p->batch);
        }
    }
    return (float)total;
}

/* ---- optimizers ------------------------------------------------------------ */

/* min(1, clip / (||g|| + 1e-6)), or 1 */
static double clip_scale(const plan *p, const float *mem)
{
    if (p->opt.clip_norm <= 0)
        return 1;
    double s = 0;
    for (int64_t i = 0; i < p->n_params; i++)
        s += (double)mem[p->grads + i] * mem[p->grads + i];
    double c = p->opt.clip_norm / (sqrt(s) + 1e-6);
    return c < 1 ? c : 1;
}

/* The lr_mult of the layer owning parameter i (padding: the layer before). */
static double mult_at(const plan *p, int64_t i)
{
    double m = 1;
    for (int k = 0; k < p->nlayers; k++)
        if (plan_layer_params(&p->layers[k]) > 0 && p->layers[k].w <= i)
            m = plan_lr_mult(&p->layers[k]);
    return m;
}

static void update(const plan *p, float *mem, float rate0, int32_t t)
{
    const plan_opt *o = &p->opt;
    double clip = clip_scale(p, mem);
    for (int64_t i = 0; i < p->n_params; i++) {
        double rate = rate0 * mult_at(p, i);
        float *w = mem + p->params + i;
        double g = mem[p->grads + i] * clip;
        if (o->kind == PLAN_OPT_ADAMW)
            *w = (float)(*w * (1 - rate * o->weight_decay));
        else
            g += o->weight_decay * *w;
        if (o->kind == PLAN_OPT_ADAM || o->kind == PLAN_OPT_ADAMW) {
            float *m = mem + p->opt_m + i, *v = mem + p->opt_v + i;
            *m = (float)(o->beta1 * *m + (1 - o->beta1) * g);
            *v = (float)(o->beta2 * *v + (1 - o->beta2) * g * g);
            double mhat = *m / (1 - pow(o->beta1, t)), vhat = *v / (1 - pow(o->beta2, t));
            *w = (float)(*w - rate * mhat / (sqrt(vhat) + o->eps));
        } else if (o->kind == PLAN_OPT_RMSPROP) {
            float *v = mem + p->opt_m + i;
            *v = (float)(o->alpha * *v + (1 - o->alpha) * g * g);
            double u = g / (sqrt(*v) + o->eps);
            if (o->momentum != 0.0) {
                float *b = mem + p->opt_v + i;
                *b = (float)(o->momentum * *b + u);
                u = *b;
            }
            *w = (float)(*w - rate * u);
        } else if (o->kind == PLAN_OPT_ADAGRAD) {
            float *s = mem + p->opt_m + i;
            *s = (float)(*s + g * g);
            *w = (float)(*w - rate * g / (sqrt(*s) + o->eps));
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
    for (int k = 0; k < p->nlayers; k++)
        ref_layer_forward(p, &p->layers[k], mem, x, 1, t);
    float l = loss(p, mem, y, 1);
    for (int k = p->nlayers - 1; k >= 0; k--)
        ref_layer_backward(p, &p->layers[k], mem, x, t);
    update(p, mem, rate, t);
    return l;
}

float ref_eval(const plan *p, float *mem, const float *x, const float *y)
{
    for (int k = 0; k < p->nlayers; k++)
        ref_layer_forward(p, &p->layers[k], mem, x, 0, 0);
    return loss(p, mem, y, 0);
}
