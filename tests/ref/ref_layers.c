/* ref_layers.c — the reference layers (see ref_layers.h), written as
 * directly from their definitions as possible: a convolution as the
 * 7-deep loop nest, pooling by scanning windows, batchnorm with two-pass
 * statistics, dropout from plan.h's mask functions. Elementwise math in
 * double, stored as float.
 */
#include "ref_layers.h"

#include <math.h>
#include <string.h>

static const float *input_of(const float *mem, const float *x, const plan_layer *l)
{
    return l->x < 0 ? x : mem + l->x;
}

/* ---- activations ----------------------------------------------------------- */

static double gelu_t(double z) { return tanh(0.7978845608028654 * (z + 0.044715 * z * z * z)); }

static double act(const plan_layer *l, double z)
{
    switch (l->act) {
    case PLAN_ACT_RELU: return z > 0 ? z : 0;
    case PLAN_ACT_LEAKY_RELU: return z > 0 ? z : l->alpha * z;
    case PLAN_ACT_TANH: return tanh(z);
    case PLAN_ACT_SIGMOID: return 1.0 / (1.0 + exp(-z));
    case PLAN_ACT_GELU: return 0.5 * z * (1 + gelu_t(z));
    case PLAN_ACT_NONE:
    case PLAN_ACT_SOFTMAX: break;
    }
    return z;
}

static double act_grad(const plan_layer *l, double z, double y)
{
    switch (l->act) {
    case PLAN_ACT_RELU: return z > 0 ? 1 : 0;
    case PLAN_ACT_LEAKY_RELU: return z > 0 ? 1 : l->alpha;
    case PLAN_ACT_TANH: return 1 - y * y;
    case PLAN_ACT_SIGMOID: return y * (1 - y);
    case PLAN_ACT_GELU: {
        double t = gelu_t(z), s = 0.7978845608028654;
        return 0.5 * (1 + t) + 0.5 * z * (1 - t * t) * s * (1 + 3 * 0.044715 * z * z);
    }
    case PLAN_ACT_NONE:
    case PLAN_ACT_SOFTMAX: break;
    }
    return 1;
}

static void act_forward(const plan *p, const plan_layer *l, float *mem)
{
    int64_t n = p->batch * l->out, c = l->osh.c;
    if (l->act != PLAN_ACT_SOFTMAX) {
        for (int64_t k = 0; k < n; k++)
            mem[l->y + k] = (float)act(l, mem[l->z + k]);
        return;
    }
    for (int64_t r = 0; r < n / c; r++) {
        const float *z = mem + l->z + r * c;
        double max = z[0], sum = 0;
        for (int64_t i = 1; i < c; i++)
            max = z[i] > max ? z[i] : max;
        for (int64_t i = 0; i < c; i++)
            sum += exp(z[i] - max);
        for (int64_t i = 0; i < c; i++)
            mem[l->y + r * c + i] = (float)(exp(z[i] - max) / sum);
    }
}

static void act_backward(const plan *p, const plan_layer *l, float *mem)
{
    int64_t n = p->batch * l->out, c = l->osh.c;
    float *dy = mem + l->dy;
    if (l->act != PLAN_ACT_SOFTMAX) {
        for (int64_t k = 0; k < n; k++)
            dy[k] = (float)(dy[k] * act_grad(l, mem[l->z + k], mem[l->y + k]));
        return;
    }
    for (int64_t r = 0; r < n / c; r++) {
        const float *y = mem + l->y + r * c;
        double dot = 0;
        for (int64_t i = 0; i < c; i++)
            dot += (double)dy[r * c + i] * y[i];
        for (int64_t i = 0; i < c; i++)
            dy[r * c + i] = (float)(y[i] * (dy[r * c + i] - dot));
    }
}

/* ---- dense ----------------------------------------------------------------- */

static void dense_forward(const plan *p, const plan_layer *l, float *mem, const float *in)
{
    for (int64_t b = 0; b < p->batch; b++)
        for (int64_t o = 0; o < l->out; o++) {
            double s = mem[l->b + o];
            for (int64_t i = 0; i < l->in; i++)
                s += (double)in[b * l->in + i] * mem[l->w + i * l->out + o];
            mem[l->z + b * l->out + o] = (float)s;
        }
}

static void dense_backward(const plan *p, const plan_layer *l, float *mem, const float *in)
{
    const float *dz = mem + l->dy;
    float *gw = mem + p->grads + l->w, *gb = mem + p->grads + l->b;
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
    if (l->dx < 0)
        return;
    for (int64_t b = 0; b < p->batch; b++)
        for (int64_t i = 0; i < l->in; i++) {
            double s = 0;
            for (int64_t o = 0; o < l->out; o++)
                s += (double)dz[b * l->out + o] * mem[l->w + i * l->out + o];
            mem[l->dx + b * l->in + i] = (float)s;
        }
}

/* ---- conv2d (NHWC, W [ky][kx][ic][oc]) -------------------------------------- */

static int64_t xat(const plan_layer *l, int64_t b, int64_t y, int64_t x, int64_t c)
{
    return ((b * l->ish.h + y) * l->ish.w + x) * l->ish.c + c;
}

static int64_t zat(const plan_layer *l, int64_t b, int64_t y, int64_t x, int64_t c)
{
    return ((b * l->osh.h + y) * l->osh.w + x) * l->osh.c + c;
}

static int64_t wat(const plan_layer *l, int64_t ky, int64_t kx, int64_t ci, int64_t co)
{
    return ((ky * l->k + kx) * l->ish.c + ci) * l->osh.c + co;
}

/* Calls back for every (output, weight, input) triple inside the image. */
#define CONV_FOR(p, l)                                                                            \
    for (int64_t b = 0; b < (p)->batch; b++)                                                      \
        for (int64_t oy = 0; oy < (l)->osh.h; oy++)                                               \
            for (int64_t ox = 0; ox < (l)->osh.w; ox++)                                           \
                for (int64_t co = 0; co < (l)->osh.c; co++)                                       \
                    for (int64_t ky = 0; ky < (l)->k; ky++)                                       \
                        for (int64_t kx = 0; kx < (l)->k; kx++)                                   \
                            for (int64_t ci = 0, iy = oy * (l)->stride - (l)->pad + ky,           \
                                         ix = ox * (l)->stride - (l)->pad + kx;                   \
                                 ci < (l)->ish.c && iy >= 0 && iy < (l)->ish.h && ix >= 0 &&      \
                                 ix < (l)->ish.w;                                                 \
                                 ci++)

static void conv_forward(const plan *p, const plan_layer *l, float *mem, const float *in)
{
    for (int64_t b = 0; b < p->batch; b++)
        for (int64_t oy = 0; oy < l->osh.h; oy++)
            for (int64_t ox = 0; ox < l->osh.w; ox++)
                for (int64_t co = 0; co < l->osh.c; co++) {
                    double s = mem[l->b + co];
                    for (int64_t ky = 0; ky < l->k; ky++)
                        for (int64_t kx = 0; kx < l->k; kx++) {
                            int64_t iy = oy * l->stride - l->pad + ky, ix = ox * l->stride - l->pad + kx;
                            if (iy < 0 || iy >= l->ish.h || ix < 0 || ix >= l->ish.w)
                                continue;
                            for (int64_t ci = 0; ci < l->ish.c; ci++)
                                s += (double)in[xat(l, b, iy, ix, ci)] * mem[l->w + wat(l, ky, kx, ci, co)];
                        }
                    mem[l->z + zat(l, b, oy, ox, co)] = (float)s;
                }
}

static void conv_backward(const plan *p, const plan_layer *l, float *mem, const float *in)
{
    const float *dz = mem + l->dy;
    int64_t nw = l->k * l->k * l->ish.c * l->osh.c;
    double gw[nw > 0 ? nw : 1], gb[l->osh.c];
    memset(gw, 0, sizeof gw);
    memset(gb, 0, sizeof gb);
    if (l->dx >= 0)
        memset(mem + l->dx, 0, (size_t)(p->batch * l->in) * sizeof(float));
    CONV_FOR(p, l)
    {
        double d = dz[zat(l, b, oy, ox, co)];
        gw[wat(l, ky, kx, ci, co)] += d * in[xat(l, b, iy, ix, ci)];
        if (l->dx >= 0)
            mem[l->dx + xat(l, b, iy, ix, ci)] += (float)(d * mem[l->w + wat(l, ky, kx, ci, co)]);
    }
    for (int64_t k = 0; k < p->batch * l->out; k++)
        gb[k % l->osh.c] += dz[k];
    for (int64_t k = 0; k < nw; k++)
        mem[p->grads + l->w + k] = (float)gw[k];
    for (int64_t c = 0; c < l->osh.c; c++)
        mem[p->grads + l->b + c] = (float)gb[c];
}

/* ---- pooling ----------------------------------------------------------------- */

/* The first largest input of the window (NaN wins), as x index. */
static int64_t window_max(const plan_layer *l, const float *in, int64_t b, int64_t oy, int64_t ox, int64_t c)
{
    int64_t best = -1;
    for (int64_t ky = 0; ky < l->k; ky++)
        for (int64_t kx = 0; kx < l->k; kx++) {
            int64_t i = xat(l, b, oy * l->stride + ky, ox * l->stride + kx, c);
            if (best < 0 || in[i] > in[best] || (isnan(in[i]) && !isnan(in[best])))
                best = i;
        }
    return best;
}

static void pool_forward(const plan *p, const plan_layer *l, float *mem, const float *in)
{
    for (int64_t b = 0; b < p->batch; b++)
        for (int64_t oy = 0; oy < l->osh.h; oy++)
            for (int64_t ox = 0; ox < l->osh.w; ox++)
                for (int64_t c = 0; c < l->osh.c; c++) {
                    double v = 0;
                    if (l->kind == PLAN_MAXPOOL)
                        v = in[window_max(l, in, b, oy, ox, c)];
                    else {
                        for (int64_t ky = 0; ky < l->k; ky++)
                            for (int64_t kx = 0; kx < l->k; kx++)
                                v += in[xat(l, b, oy * l->stride + ky, ox * l->stride + kx, c)];
                        v /= (double)(l->k * l->k);
                    }
                    mem[l->z + zat(l, b, oy, ox, c)] = (float)v;
                }
}

static void pool_backward(const plan *p, const plan_layer *l, float *mem, const float *in)
{
    if (l->dx < 0)
        return;
    float *dx = mem + l->dx;
    memset(dx, 0, (size_t)(p->batch * l->in) * sizeof(float));
    for (int64_t b = 0; b < p->batch; b++)
        for (int64_t oy = 0; oy < l->osh.h; oy++)
            for (int64_t ox = 0; ox < l->osh.w; ox++)
                for (int64_t c = 0; c < l->osh.c; c++) {
                    double d = mem[l->dy + zat(l, b, oy, ox, c)];
                    if (l->kind == PLAN_MAXPOOL) {
                        dx[window_max(l, in, b, oy, ox, c)] += (float)d;
                        continue;
                    }
                    for (int64_t ky = 0; ky < l->k; ky++)
                        for (int64_t kx = 0; kx < l->k; kx++)
                            dx[xat(l, b, oy * l->stride + ky, ox * l->stride + kx, c)] +=
                                (float)(d / (double)(l->k * l->k));
                }
}

/* ---- batchnorm ---------------------------------------------------------------- */

static void norm_forward(const plan *p, const plan_layer *l, float *mem, const float *in, int train)
{
    int64_t C = l->osh.c, N = p->batch * l->out / C;
    for (int64_t c = 0; c < C; c++) {
        double mean, invstd;
        if (train) {
            double s = 0, v = 0;
            for (int64_t r = 0; r < N; r++)
                s += in[r * C + c];
            mean = s / (double)N;
            for (int64_t r = 0; r < N; r++)
                v += (in[r * C + c] - mean) * (in[r * C + c] - mean);
            v /= (double)N;
            invstd = 1 / sqrt(v + l->eps);
            mem[l->run_mean + c] = (float)((1 - l->momentum) * mem[l->run_mean + c] + l->momentum * mean);
            mem[l->run_var + c] =
                (float)((1 - l->momentum) * mem[l->run_var + c] + l->momentum * v * (double)N / (double)(N - 1));
        } else {
            mean = mem[l->run_mean + c];
            invstd = 1 / sqrt(mem[l->run_var + c] + l->eps);
        }
        mem[l->mean + c] = (float)mean;
        mem[l->invstd + c] = (float)invstd;
        for (int64_t r = 0; r < N; r++) {
            double xh = (in[r * C + c] - mean) * invstd;
            mem[l->xhat + r * C + c] = (float)xh;
            mem[l->z + r * C + c] = (float)(mem[l->w + c] * xh + mem[l->b + c]);
        }
    }
}

static void norm_backward(const plan *p, const plan_layer *l, float *mem)
{
    int64_t C = l->osh.c, N = p->batch * l->out / C;
    const float *dz = mem + l->dy, *xh = mem + l->xhat;
    for (int64_t c = 0; c < C; c++) {
        double dg = 0, db = 0;
        for (int64_t r = 0; r < N; r++) {
            dg += (double)dz[r * C + c] * xh[r * C + c];
            db += dz[r * C + c];
        }
        mem[p->grads + l->w + c] = (float)dg;
        mem[p->grads + l->b + c] = (float)db;
        if (l->dx < 0)
            continue;
        double scale = (double)mem[l->w + c] * mem[l->invstd + c] / (double)N;
        for (int64_t r = 0; r < N; r++)
            mem[l->dx + r * C + c] = (float)(scale * ((double)N * dz[r * C + c] - db - xh[r * C + c] * dg));
    }
}

/* ---- dropout ------------------------------------------------------------------- */

static int kept(const float *mem, const plan *p, const plan_layer *l, int32_t t, int64_t k)
{
    uint32_t lo, hi;
    memcpy(&lo, mem + p->seed, 4);
    memcpy(&hi, mem + p->seed + 1, 4);
    uint32_t key = plan_dropout_key(lo, hi, (uint32_t)t, (uint32_t)l->index);
    return plan_dropout_bits(key, (uint32_t)k) >= plan_dropout_threshold(l->rate);
}

static void dropout_forward(const plan *p, const plan_layer *l, float *mem, const float *in, int train, int32_t t)
{
    for (int64_t k = 0; k < p->batch * l->out; k++)
        mem[l->z + k] = !train ? in[k] : kept(mem, p, l, t, k) ? (float)(in[k] / (1.0 - l->rate)) : 0.0f;
}

static void dropout_backward(const plan *p, const plan_layer *l, float *mem, int32_t t)
{
    for (int64_t k = 0; l->dx >= 0 && k < p->batch * l->out; k++)
        mem[l->dx + k] = kept(mem, p, l, t, k) ? (float)(mem[l->dy + k] / (1.0 - l->rate)) : 0.0f;
}

/* ---- dispatch -------------------------------------------------------------------- */

void ref_layer_forward(const plan *p, const plan_layer *l, float *mem, const float *x, int train, int32_t t)
{
    const float *in = input_of(mem, x, l);
    switch (l->kind) {
    case PLAN_DENSE: dense_forward(p, l, mem, in); break;
    case PLAN_CONV2D: conv_forward(p, l, mem, in); break;
    case PLAN_MAXPOOL:
    case PLAN_AVGPOOL: pool_forward(p, l, mem, in); break;
    case PLAN_BATCHNORM: norm_forward(p, l, mem, in, train); break;
    case PLAN_DROPOUT: dropout_forward(p, l, mem, in, train, t); break;
    case PLAN_ACTIVATION: memcpy(mem + l->z, in, (size_t)(p->batch * l->out) * sizeof(float)); break;
    case PLAN_FLATTEN: return;
    }
    if (l->act != PLAN_ACT_NONE)
        act_forward(p, l, mem);
}

void ref_layer_backward(const plan *p, const plan_layer *l, float *mem, const float *x, int32_t t)
{
    const float *in = input_of(mem, x, l);
    if (l->act != PLAN_ACT_NONE)
        act_backward(p, l, mem);
    switch (l->kind) {
    case PLAN_DENSE: dense_backward(p, l, mem, in); break;
    case PLAN_CONV2D: conv_backward(p, l, mem, in); break;
    case PLAN_MAXPOOL:
    case PLAN_AVGPOOL: pool_backward(p, l, mem, in); break;
    case PLAN_BATCHNORM: norm_backward(p, l, mem); break;
    case PLAN_DROPOUT: dropout_backward(p, l, mem, t); break;
    case PLAN_ACTIVATION:
        if (l->dx >= 0)
            memcpy(mem + l->dx, mem + l->dy, (size_t)(p->batch * l->out) * sizeof(float));
        break;
    case PLAN_FLATTEN: break;
    }
}
