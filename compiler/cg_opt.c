/* cg_opt.c — optimizer updates as one flat loop over the parameter block
 * [0, n_params), PyTorch semantics:
 *
 *   all:   g = grad + wd * w                       (coupled weight decay)
 *   sgd:   momentum 0:  w -= rate * g
 *          else:        m = mu m + g;  step = nesterov ? g + mu m : m;
 *                       w -= rate * step
 *   adam:  m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g^2
 *          w -= (rate / (1-b1^t)) * m / (sqrt(v) / sqrt(1-b2^t) + eps)
 *
 * Padding between tensors has zero weight and zero gradient, so it stays 0.
 * Not the gradients themselves (cg_dense.c, cg_loss.c).
 */
#include "cg_internal.h"

#include <math.h>

/* 1 - beta^t as a float computed at run time: exp(t * log(beta)). */
static LLVMValueRef bias_correction(cg *g, double beta, LLVMValueRef tf)
{
    LLVMValueRef e = LLVMBuildFMul(g->b, tf, cg_f32(g, log(beta)), "");
    return LLVMBuildFSub(g->b, cg_f32(g, 1.0), cg_intrinsic(g, "llvm.exp", &e, 1), "bc");
}

static LLVMValueRef decayed_grad(cg *g, LLVMValueRef i, LLVMValueRef w)
{
    LLVMValueRef grad = cg_load(g, cg_mem(g, g->p->grads, i));
    double wd = g->p->opt.weight_decay;
    return wd != 0.0 ? cg_fmuladd(g, cg_f32(g, wd), w, grad) : grad;
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

/* w - step_size * m / (sqrt(v) / sqrt_bc2 + eps), updating m and v. */
static LLVMValueRef adam_update(cg *g, LLVMValueRef i, LLVMValueRef w, LLVMValueRef grad,
                                LLVMValueRef step_size, LLVMValueRef sqrt_bc2)
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
    LLVMValueRef denom = LLVMBuildFAdd(g->b, LLVMBuildFDiv(g->b, root, sqrt_bc2, ""), cg_f32(g, o->eps), "");
    LLVMValueRef upd = LLVMBuildFDiv(g->b, LLVMBuildFMul(g->b, step_size, m, ""), denom, "");
    return LLVMBuildFSub(g->b, w, upd, "");
}

static void adam(cg *g, LLVMValueRef rate, LLVMValueRef t)
{
    const plan_opt *o = &g->p->opt;
    LLVMValueRef tf = LLVMBuildSIToFP(g->b, t, g->f32, "t");
    LLVMValueRef step_size = LLVMBuildFDiv(g->b, rate, bias_correction(g, o->beta1, tf), "");
    LLVMValueRef bc2 = bias_correction(g, o->beta2, tf);
    LLVMValueRef sqrt_bc2 = cg_intrinsic(g, "llvm.sqrt", &bc2, 1);
    cg_loop i = cg_for(g, 0, g->p->n_params, 1, "adam");
    LLVMValueRef wp = cg_mem(g, g->p->params, i.iv);
    LLVMValueRef w = cg_load(g, wp);
    cg_store(g, adam_update(g, i.iv, w, decayed_grad(g, i.iv, w), step_size, sqrt_bc2), wp);
    cg_end(g, &i);
}

static void sgd(cg *g, LLVMValueRef rate)
{
    LLVMValueRef neg_rate = LLVMBuildFNeg(g->b, rate, "");
    cg_loop i = cg_for(g, 0, g->p->n_params, 1, "sgd");
    LLVMValueRef wp = cg_mem(g, g->p->params, i.iv);
    LLVMValueRef w = cg_load(g, wp);
    LLVMValueRef step = sgd_step(g, i.iv, decayed_grad(g, i.iv, w));
    cg_store(g, cg_fmuladd(g, neg_rate, step, w), wp);
    cg_end(g, &i);
}

void cg_opt_update(cg *g, LLVMValueRef rate, LLVMValueRef t)
{
    switch (g->p->opt.kind) {
    case PLAN_OPT_ADAM: adam(g, rate, t); return;
    case PLAN_OPT_SGD: break;
    }
    sgd(g, rate);
}
