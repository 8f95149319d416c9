/* cg_act.c — activations, forward and backward side by side, as flat
 * elementwise loops over a layer's [batch][out] block. NaN propagates
 * through every activation (we must see it); tanh and sigmoid are written
 * with llvm.exp in forms that cannot overflow into NaN. Not the dense
 * product itself (cg_dense.c).
 */
#include "cg_internal.h"

/* tanh(z) = 1 - 2 / (exp(2z) + 1): exp -> inf gives 1, exp -> 0 gives -1. */
static LLVMValueRef act_tanh(cg *g, LLVMValueRef z)
{
    LLVMValueRef twice = LLVMBuildFMul(g->b, z, cg_f32(g, 2.0), "");
    LLVMValueRef e = cg_intrinsic(g, "llvm.exp", &twice, 1);
    LLVMValueRef q = LLVMBuildFDiv(g->b, cg_f32(g, 2.0), LLVMBuildFAdd(g->b, e, cg_f32(g, 1.0), ""), "");
    return LLVMBuildFSub(g->b, cg_f32(g, 1.0), q, "tanh");
}

/* sigmoid(z) = 1 / (1 + exp(-z)): exp -> inf gives 0. */
static LLVMValueRef act_sigmoid(cg *g, LLVMValueRef z)
{
    LLVMValueRef neg = LLVMBuildFNeg(g->b, z, "");
    LLVMValueRef e = cg_intrinsic(g, "llvm.exp", &neg, 1);
    return LLVMBuildFDiv(g->b, cg_f32(g, 1.0), LLVMBuildFAdd(g->b, e, cg_f32(g, 1.0), ""), "sigmoid");
}

static LLVMValueRef act_value(cg *g, const plan_layer *l, LLVMValueRef z)
{
    LLVMValueRef zero = cg_f32(g, 0.0);
    switch (l->act) {
    case PLAN_ACT_RELU: /* z < 0 ? 0 : z keeps NaN */
        return LLVMBuildSelect(g->b, LLVMBuildFCmp(g->b, LLVMRealOLT, z, zero, ""), zero, z, "relu");
    case PLAN_ACT_LEAKY_RELU:
        return LLVMBuildSelect(g->b, LLVMBuildFCmp(g->b, LLVMRealOGT, z, zero, ""), z,
                               LLVMBuildFMul(g->b, z, cg_f32(g, l->alpha), ""), "leaky");
    case PLAN_ACT_TANH: return act_tanh(g, z);
    case PLAN_ACT_SIGMOID: return act_sigmoid(g, z);
    case PLAN_ACT_NONE: break;
    }
    return z;
}

/* dL/dz from dL/dy = d, the pre-activation z and the output y. */
static LLVMValueRef act_grad(cg *g, const plan_layer *l, LLVMValueRef d, LLVMValueRef z, LLVMValueRef y)
{
    LLVMValueRef zero = cg_f32(g, 0.0), one = cg_f32(g, 1.0);
    switch (l->act) {
    case PLAN_ACT_RELU:
        return LLVMBuildSelect(g->b, LLVMBuildFCmp(g->b, LLVMRealOGT, z, zero, ""), d, zero, "");
    case PLAN_ACT_LEAKY_RELU:
        return LLVMBuildSelect(g->b, LLVMBuildFCmp(g->b, LLVMRealOGT, z, zero, ""), d,
                               LLVMBuildFMul(g->b, d, cg_f32(g, l->alpha), ""), "");
    case PLAN_ACT_TANH: /* 1 - y^2 */
        return LLVMBuildFMul(g->b, d, LLVMBuildFSub(g->b, one, LLVMBuildFMul(g->b, y, y, ""), ""), "");
    case PLAN_ACT_SIGMOID: /* y (1 - y) */
        return LLVMBuildFMul(g->b, d, LLVMBuildFMul(g->b, y, LLVMBuildFSub(g->b, one, y, ""), ""), "");
    case PLAN_ACT_NONE: break;
    }
    return d;
}

/* y[k] = act(z[k]) for k in [0, batch*out) */
void cg_act_forward(cg *g, const plan_layer *l)
{
    if (l->act == PLAN_ACT_NONE)
        return;
    cg_loop k = cg_for(g, 0, g->p->batch * l->out, 1, "act");
    LLVMValueRef z = cg_load(g, cg_mem(g, l->z, k.iv));
    cg_store(g, act_value(g, l, z), cg_mem(g, l->y, k.iv));
    cg_end(g, &k);
}

/* dy[k] <- dy[k] * act'(z[k]) for k in [0, batch*out) */
void cg_act_backward(cg *g, const plan_layer *l)
{
    if (l->act == PLAN_ACT_NONE)
        return;
    cg_loop k = cg_for(g, 0, g->p->batch * l->out, 1, "dact");
    LLVMValueRef dptr = cg_mem(g, l->dy, k.iv);
    LLVMValueRef z = cg_load(g, cg_mem(g, l->z, k.iv));
    LLVMValueRef y = cg_load(g, cg_mem(g, l->y, k.iv));
    cg_store(g, act_grad(g, l, cg_load(g, dptr), z, y), dptr);
    cg_end(g, &k);
}
