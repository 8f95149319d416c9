/* cg_opt.c — optimizer updates as flat loops over the parameter block,
 * PyTorch semantics (torch.optim.*, defaults set by sema_net.c):
 *
 *   clip:    clip_norm c > 0: g *= min(1, c / (||grad||_2 + 1e-6)), the norm
 *            over every parameter (torch.nn.utils.clip_grad_norm_)
 *   decay:   adamw: w -= rate * wd * w (decoupled);
 *            the others: g += wd * w (coupled L2)
 *   sgd:     momentum 0:  w -= rate * g
 *            else:        m = mu m + g;  step = nesterov ? g + mu m : m;
 *                         w -= rate * step
 *   adam(w): m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g^2
 *            w -= (rate / (1-b1^t)) * m / (sqrt(v) / sqrt(1-b2^t) + eps)
 *   rmsprop: v = a v + (1-a) g^2;  u = g / (sqrt(v) + eps)
 *            momentum 0: w -= rate u;  else b = mu b + u; w -= rate b
 *   adagrad: s += g^2;  w -= rate g / (sqrt(s) + eps)
 *
 * rate is multiplied by each layer's lr_mult: the block is cut into runs of
 * layers with the same multiplier, one loop each, split over the pool's
 * threads when large (cg_parallel.c). Padding between tensors
 * has zero weight and gradient, so it stays 0. Moments: opt_m is m (sgd,
 * adam), v (rmsprop) or s (adagrad); opt_v is adam's v or rmsprop's b.
 */
#include "cg_internal.h"

#include <math.h>

/* 1 - beta^t as a float computed at run time: exp(t * log(beta)). */
static LLVMValueRef bias_correction(cg *g, double beta, LLVMValueRef tf)
{
    LLVMValueRef e = LLVMBuildFMul(g->b, tf, cg_f32(g, log(beta)), "");
    return LLVMBuildFSub(g->b, cg_f32(g, 1.0), cg_intrinsic(g, "llvm.exp", &e, 1), "bc");
}

/* What every update loop shares: per-step scalars computed once. */
typedef struct opt_ctx {
    LLVMValueRef rate;       /* rate x lr_mult of this run of layers */
    LLVMValueRef clip;       /* gradient scale, or NULL */
    LLVMValueRef step_size;  /* adam: rate / (1 - b1^t) */
    LLVMValueRef sqrt_bc2;   /* adam: sqrt(1 - b2^t) */
} opt_ctx;

/* The gradient after clipping and coupled weight decay. */
static LLVMValueRef effective_grad(cg *g, const opt_ctx *o, LLVMValueRef i, LLVMValueRef w)
{
    LLVMValueRef grad = cg_load(g, cg_mem(g, g->p->grads, i));
    if (o->clip)
        grad = LLVMBuildFMul(g->b, grad, o->clip, "");
    double wd = g->p->opt.weight_decay;
    if (wd == 0.0 || g->p->opt.kind == PLAN_OPT_ADAMW)
        return grad;
    return cg_fmuladd(g, cg_f32(g, wd), w, grad);
}

/* The SGD step direction for gradient `grad` (updates m when momentum). */
static LLVMValueRef sgd_step(cg *g, LLVMValueRef i, LLVMValueRef grad)
{
    const plan_opt *o = &g->p->opt;
    if (o->momentum == 0.0)
        return grad;
    LLVMValueRef mu = cg_f32(g, o->momentum);
    LLVMValueRef mp = cg_mem(g, g->p->opt_m, i);
    LLVMValueRef m = cg_fmuladd(g, mu, cg_load(g, mp), grad);
    cg_store(g, m, mp);
    return o->nesterov ? cg_fmuladd(g, mu, m, grad) : m;
}

/* rate * step_direction for adam: step_size * m / (sqrt(v) / sqrt_bc2 + eps) */
static LLVMValueRef adam_delta(cg *g, const opt_ctx *c, LLVMValueRef i, LLVMValueRef grad)
{
    const plan_opt *o = &g->p->opt;
    LLVMValueRef mp = cg_mem(g, g->p->opt_m, i), vp = cg_mem(g, g->p->opt_v, i);
    LLVMValueRef m = cg_fmuladd(g, cg_f32(g, o->beta1), cg_load(g, mp),
                                LLVMBuildFMul(g->b, cg_f32(g, 1.0 - o->beta1), grad, ""));
    LLVMValueRef g2 = LLVMBuildFMul(g->b, grad, grad, "");
    LLVMValueRef v = cg_fmuladd(g, cg_f32(g, o->beta2), cg_load(g, vp),
                                LLVMBuildFMul(g->b, cg_f32(g, 1.0 - o->beta2), g2, ""));
    cg_store(g, m, mp);
    cg_store(g, v, vp);
    LLVMValueRef root = cg_intrinsic(g, "llvm.sqrt", &v, 1);
    LLVMValueRef denom = LLVMBuildFAdd(g->b, LLVMBuildFDiv(g->b, root, c->sqrt_bc2, ""), cg_f32(g, o->eps), "");
    return LLVMBuildFDiv(g->b, LLVMBuildFMul(g->b, c->step_size, m, ""), denom, "");
}

/* rmsprop's step direction (before the rate) */
static LLVMValueRef rmsprop_step(cg *g, LLVMValueRef i, LLVMValueRef grad)
{
    const plan_opt *o = &g->p->opt;
    LLVMValueRef vp = cg_mem(g, g->p->opt_m, i);
    LLVMValueRef v = cg_fmuladd(g, cg_f32(g, o->alpha), cg_load(g, vp),
                                LLVMBuildFMul(g->b, cg_f32(g, 1.0 - o->alpha), LLVMBuildFMul(g->b, grad, grad, ""), ""));
    cg_store(g, v, vp);
    LLVMValueRef denom = LLVMBuildFAdd(g->b, cg_intrinsic(g, "llvm.sqrt", &v, 1), cg_f32(g, o->eps), "");
    LLVMValueRef u = LLVMBuildFDiv(g->b, grad, denom, "");
    if (o->momentum == 0.0)
        return u;
    LLVMValueRef bp = cg_mem(g, g->p->opt_v, i);
    LLVMValueRef buf = cg_fmuladd(g, cg_f32(g, o->momentum), cg_load(g, bp), u);
    cg_store(g, buf, bp);
    return buf;
}

/* adagrad's step direction (before the rate) */
static LLVMValueRef adagrad_step(cg *g, LLVMValueRef i, LLVMValueRef grad)
{
    LLVMValueRef sp = cg_mem(g, g->p->opt_m, i);
    LLVMValueRef s = cg_fmuladd(g, grad, grad, cg_load(g, sp));
    cg_store(g, s, sp);
    LLVMValueRef denom = LLVMBuildFAdd(g->b, cg_intrinsic(g, "llvm.sqrt", &s, 1), cg_f32(g, g->p->opt.eps), "");
    return LLVMBuildFDiv(g->b, grad, denom, "");
}

/* w <- updated w for parameters [begin, begin + count) */
static void update_range(cg *g, const opt_ctx *c, LLVMValueRef begin, int64_t count)
{
    const plan_opt *o = &g->p->opt;
    cg_loop l = cg_for(g, 0, count, 1, plan_opt_name(o->kind));
    LLVMValueRef i = LLVMBuildNSWAdd(g->b, begin, l.iv, "");
    LLVMValueRef wp = cg_mem(g, g->p->params, i);
    LLVMValueRef w = cg_load(g, wp);
    LLVMValueRef grad = effective_grad(g, c, i, w);
    LLVMValueRef neg_rate = LLVMBuildFNeg(g->b, c->rate, "");
    switch (o->kind) {
    case PLAN_OPT_ADAMW:
        if (o->weight_decay != 0.0) /* w *= 1 - rate wd */
            w = cg_fmuladd(g, LLVMBuildFMul(g->b, neg_rate, cg_f32(g, o->weight_decay), ""), w, w);
        /* fall through */
    case PLAN_OPT_ADAM: w = LLVMBuildFSub(g->b, w, adam_delta(g, c, i, grad), ""); break;
    case PLAN_OPT_RMSPROP: w = cg_fmuladd(g, neg_rate, rmsprop_step(g, i, grad), w); break;
    case PLAN_OPT_ADAGRAD: w = cg_fmuladd(g, neg_rate, adagrad_step(g, i, grad), w); break;
    case PLAN_OPT_SGD: w = cg_fmuladd(g, neg_rate, sgd_step(g, i, grad), w); break;
    }
    cg_store(g, w, wp);
    cg_end(g, &l);
}

/* One run of parameters with one lr_mult, [begin, begin + n), and where in
 * mem its per-step scalars wait (a part function cannot see the caller's
 * values, so they travel through mem). */
typedef struct opt_run {
    int64_t begin, scalars;
    int clip, adam;
} opt_run;

enum { S_RATE, S_CLIP, S_STEP_SIZE, S_SQRT_BC2 }; /* of PLAN_OPT_SCALARS */

static void run_range(cg *g, const void *arg, LLVMValueRef base, int64_t count)
{
    const opt_run *r = arg;
    opt_ctx c = {.rate = cg_load(g, cg_mem(g, r->scalars + S_RATE, NULL))};
    if (r->clip)
        c.clip = cg_load(g, cg_mem(g, r->scalars + S_CLIP, NULL));
    if (r->adam) {
        c.step_size = cg_load(g, cg_mem(g, r->scalars + S_STEP_SIZE, NULL));
        c.sqrt_bc2 = cg_load(g, cg_mem(g, r->scalars + S_SQRT_BC2, NULL));
    }
    update_range(g, &c, LLVMBuildNSWAdd(g->b, base, cg_i64(g, r->begin), ""), count);
}

/* The run's scalars into mem, then its update, split over the pool's
 * threads when it is large (every parameter's update is its own, so the
 * result does not depend on the split). */
static void update_run(cg *g, const opt_ctx *c, int64_t run, int64_t begin, int64_t end)
{
    opt_run r = {.begin = begin, .scalars = g->p->opt_scalars + run * PLAN_OPT_SCALARS, .clip = c->clip != NULL,
                 .adam = c->step_size != NULL};
    cg_store(g, c->rate, cg_mem(g, r.scalars + S_RATE, NULL));
    if (r.clip)
        cg_store(g, c->clip, cg_mem(g, r.scalars + S_CLIP, NULL));
    if (r.adam) {
        cg_store(g, c->step_size, cg_mem(g, r.scalars + S_STEP_SIZE, NULL));
        cg_store(g, c->sqrt_bc2, cg_mem(g, r.scalars + S_SQRT_BC2, NULL));
    }
    /* memory-bound: about 10 loads, stores and flops per parameter */
    cg_parallel(g, &(cg_split){.name = "update", .n = end - begin, .align = CG_COL_ALIGN,
                               .flops = 10.0 * (double)(end - begin), .body = run_range, .arg = &r});
}

/* min(1, clip_norm / (||grads|| + 1e-6)) */
static LLVMValueRef clip_scale(cg *g)
{
    LLVMValueRef acc = cg_slot(g, "gnorm2");
    cg_store(g, cg_f32(g, 0.0), acc);
    cg_loop i = cg_for(g, 0, g->p->n_params, 1, "gnorm");
    LLVMValueRef v = cg_load(g, cg_mem(g, g->p->grads, i.iv));
    cg_store(g, cg_reduce_fmuladd(g, v, v, cg_load(g, acc)), acc);
    cg_end(g, &i);
    LLVMValueRef n2 = cg_load(g, acc);
    LLVMValueRef norm = LLVMBuildFAdd(g->b, cg_intrinsic(g, "llvm.sqrt", &n2, 1), cg_f32(g, 1e-6), "");
    LLVMValueRef coef = LLVMBuildFDiv(g->b, cg_f32(g, g->p->opt.clip_norm), norm, "");
    cg_store(g, coef, cg_mem(g, g->p->scratch, NULL)); /* kept for inspection */
    LLVMValueRef below = LLVMBuildFCmp(g->b, LLVMRealOLT, coef, cg_f32(g, 1.0), "");
    return LLVMBuildSelect(g->b, below, coef, cg_f32(g, 1.0), "clip");
}

void cg_opt_update(cg *g, LLVMValueRef rate, LLVMValueRef t)
{
    const plan *p = g->p;
    const plan_opt *o = &p->opt;
    if (p->n_params == 0)
        return;
    opt_ctx c = {0};
    if (o->clip_norm > 0)
        c.clip = clip_scale(g);
    LLVMValueRef inv_bc1 = NULL;
    if (o->kind == PLAN_OPT_ADAM || o->kind == PLAN_OPT_ADAMW) {
        LLVMValueRef tf = LLVMBuildSIToFP(g->b, t, g->f32, "t");
        inv_bc1 = LLVMBuildFDiv(g->b, cg_f32(g, 1.0), bias_correction(g, o->beta1, tf), "");
        LLVMValueRef bc2 = bias_correction(g, o->beta2, tf);
        c.sqrt_bc2 = cg_intrinsic(g, "llvm.sqrt", &bc2, 1);
    }
    /* Runs of layers with one lr_mult: [begin, next run's first tensor). */
    int64_t begin = 0, run = 0;
    double mult = -1;
    for (int k = 0; k <= p->nlayers; k++) {
        const plan_layer *l = k < p->nlayers ? &p->layers[k] : NULL;
        if (l && plan_layer_params(l) == 0)
            continue;
        if (l && mult < 0) {
            mult = plan_lr_mult(l);
            continue;
        }
        if (l && plan_lr_mult(l) == mult)
            continue;
        int64_t end = l ? l->w : p->n_params;
        c.rate = mult == 1.0 ? rate : LLVMBuildFMul(g->b, rate, cg_f32(g, mult), "");
        if (inv_bc1)
            c.step_size = LLVMBuildFMul(g->b, c.rate, inv_bc1, "");
        if (end > begin)
            update_run(g, &c, run++, begin, end);
        begin = end;
        if (l)
            mult = plan_lr_mult(l);
    }
}
