/* cg_act.c — activations, forward and backward side by side, as flat
 * elementwise loops over a layer's [batch][out] block (cut by rows for the
 * pool's threads when large), and the activation layer (`softmax` on its
 * own line). NaN propagates through every
 * activation (we must see it); tanh and sigmoid are written with llvm.exp in
 * forms that cannot overflow into NaN.
 *
 *   gelu:    PyTorch's GELU(approximate='tanh'):
 *            0.5 z (1 + tanh(u)), u = sqrt(2/pi) (z + 0.044715 z^3)
 *   softmax: over the channel (last) axis, max-subtracted;
 *            backward dz = y (dy - sum_c dy y)
 * Not the layers' products (cg_dense.c, cg_conv.c).
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

#define GELU_S 0.7978845608028654 /* sqrt(2 / pi) */
#define GELU_C 0.044715

/* tanh(u), u = sqrt(2/pi) (z + 0.044715 z^3) */
static LLVMValueRef gelu_tanh(cg *g, LLVMValueRef z)
{
    LLVMValueRef z2 = LLVMBuildFMul(g->b, z, z, "");
    LLVMValueRef inner = cg_fmuladd(g, LLVMBuildFMul(g->b, z2, cg_f32(g, GELU_C), ""), z, z);
    return act_tanh(g, LLVMBuildFMul(g->b, inner, cg_f32(g, GELU_S), ""));
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
    case PLAN_ACT_GELU: {
        LLVMValueRef half = LLVMBuildFMul(g->b, z, cg_f32(g, 0.5), "");
        return cg_fmuladd(g, half, gelu_tanh(g, z), half);
    }
    case PLAN_ACT_NONE:
    case PLAN_ACT_SOFTMAX: break;
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
    case PLAN_ACT_GELU: { /* 0.5 (1 + t) + 0.5 z (1 - t^2) s (1 + 3c z^2) */
        LLVMValueRef t = gelu_tanh(g, z);
        LLVMValueRef a = LLVMBuildFMul(g->b, cg_f32(g, 0.5), LLVMBuildFAdd(g->b, one, t, ""), "");
        LLVMValueRef sech2 = LLVMBuildFSub(g->b, one, LLVMBuildFMul(g->b, t, t, ""), "");
        LLVMValueRef du = cg_fmuladd(g, LLVMBuildFMul(g->b, z, z, ""), cg_f32(g, 3.0 * GELU_C * GELU_S), cg_f32(g, GELU_S));
        LLVMValueRef bterm = LLVMBuildFMul(g->b, LLVMBuildFMul(g->b, z, cg_f32(g, 0.5), ""), LLVMBuildFMul(g->b, sech2, du, ""), "");
        return LLVMBuildFMul(g->b, d, LLVMBuildFAdd(g->b, a, bterm, ""), "");
    }
    case PLAN_ACT_NONE:
    case PLAN_ACT_SOFTMAX: break;
    }
    return d;
}

/* ---- softmax over the channel axis: rows of c floats ---------------------- */

/* y[r][:] = softmax(z[r][:]) */
static void softmax_forward(cg *g, const plan_layer *l)
{
    int64_t c = l->osh.c;
    LLVMValueRef mx = cg_slot(g, "smax"), sum = cg_slot(g, "ssum");
    cg_loop r = cg_for(g, 0, g->p->batch * l->out / c, 1, "sr");
    LLVMValueRef row = cg_idx(g, r.iv, c, NULL);
    cg_store(g, cg_load(g, cg_mem(g, l->z, row)), mx);
    cg_loop o = cg_for(g, 0, c, 1, "smo");
    LLVMValueRef v = cg_load(g, cg_mem(g, l->z, LLVMBuildNSWAdd(g->b, row, o.iv, ""))), cur = cg_load(g, mx);
    cg_store(g, LLVMBuildSelect(g->b, LLVMBuildFCmp(g->b, LLVMRealOGT, v, cur, ""), v, cur, ""), mx);
    cg_end(g, &o);
    LLVMValueRef m = cg_load(g, mx);
    cg_store(g, cg_f32(g, 0.0), sum);
    o = cg_for(g, 0, c, 1, "sse");
    LLVMValueRef k = LLVMBuildNSWAdd(g->b, row, o.iv, "");
    LLVMValueRef dlt = LLVMBuildFSub(g->b, cg_load(g, cg_mem(g, l->z, k)), m, "");
    LLVMValueRef e = cg_intrinsic(g, "llvm.exp", &dlt, 1);
    cg_store(g, e, cg_mem(g, l->y, k));
    cg_store(g, cg_reduce_add(g, cg_load(g, sum), e), sum);
    cg_end(g, &o);
    LLVMValueRef inv = LLVMBuildFDiv(g->b, cg_f32(g, 1.0), cg_load(g, sum), "");
    o = cg_for(g, 0, c, 1, "ssn");
    LLVMValueRef yp = cg_mem(g, l->y, LLVMBuildNSWAdd(g->b, row, o.iv, ""));
    cg_store(g, LLVMBuildFMul(g->b, cg_load(g, yp), inv, ""), yp);
    cg_end(g, &o);
    cg_end(g, &r);
}

/* dy[r][i] <- y[r][i] (dy[r][i] - sum_j dy[r][j] y[r][j]) */
static void softmax_backward(cg *g, const plan_layer *l)
{
    int64_t c = l->osh.c;
    LLVMValueRef dot = cg_slot(g, "sdot");
    cg_loop r = cg_for(g, 0, g->p->batch * l->out / c, 1, "dsr");
    LLVMValueRef row = cg_idx(g, r.iv, c, NULL);
    cg_store(g, cg_f32(g, 0.0), dot);
    cg_loop o = cg_for(g, 0, c, 1, "dso");
    LLVMValueRef k = LLVMBuildNSWAdd(g->b, row, o.iv, "");
    cg_store(g, cg_reduce_fmuladd(g, cg_load(g, cg_mem(g, l->dy, k)), cg_load(g, cg_mem(g, l->y, k)), cg_load(g, dot)), dot);
    cg_end(g, &o);
    LLVMValueRef s = cg_load(g, dot);
    o = cg_for(g, 0, c, 1, "dsn");
    k = LLVMBuildNSWAdd(g->b, row, o.iv, "");
    LLVMValueRef dp = cg_mem(g, l->dy, k);
    cg_store(g, LLVMBuildFMul(g->b, cg_load(g, cg_mem(g, l->y, k)), LLVMBuildFSub(g->b, cg_load(g, dp), s, ""), ""), dp);
    cg_end(g, &o);
    cg_end(g, &r);
}

/* ---- the activation layer: z = x ----------------------------------------- */

void cg_activation_forward(cg *g, const plan_layer *l) { cg_copy(g, l->z, cg_layer_x(g, l), g->p->batch * l->out); }

void cg_activation_backward(cg *g, const plan_layer *l)
{
    if (l->dx >= 0)
        cg_copy(g, l->dx, cg_mem(g, l->dy, NULL), g->p->batch * l->out);
}

/* ---- every layer's activation ------------------------------------------- */

/* forward: y[k] = act(z[k]); backward: dy[k] <- dy[k] * act'(z[k]), for
 * the k of rows [base, base + count) */
static void act_rows(cg *g, const void *arg, LLVMValueRef base, int64_t count)
{
    const cg_layer_pass *a = arg;
    const plan_layer *l = a->l;
    LLVMValueRef k0 = cg_idx(g, base, l->out, NULL);
    cg_loop k = cg_for(g, 0, count * l->out, 1, a->fwd ? "act" : "dact");
    LLVMValueRef at = LLVMBuildNSWAdd(g->b, k0, k.iv, "");
    LLVMValueRef z = cg_load(g, cg_mem(g, l->z, at));
    if (a->fwd)
        cg_store(g, act_value(g, l, z), cg_mem(g, l->y, at));
    else {
        LLVMValueRef dptr = cg_mem(g, l->dy, at), y = cg_load(g, cg_mem(g, l->y, at));
        cg_store(g, act_grad(g, l, cg_load(g, dptr), z, y), dptr);
    }
    cg_end(g, &k);
}

/* The pass over the whole batch, on the pool's threads when large (every
 * element is its own). A float counts as 8 FLOPs against cg_parallel's
 * threshold, as im2col's do, 32 where the activation takes an exp. */
static void act_pass_all(cg *g, const plan_layer *l, int fwd)
{
    int cheap = l->act == PLAN_ACT_RELU || l->act == PLAN_ACT_LEAKY_RELU;
    double floats = (double)g->p->batch * (double)l->out;
    cg_parallel(g, &(cg_split){.name = fwd ? "act" : "dact", .n = g->p->batch, .align = 1,
                               .flops = (cheap ? 8.0 : 32.0) * floats, .body = act_rows, .arg = &(cg_layer_pass){l, fwd}});
}

void cg_act_forward(cg *g, const plan_layer *l)
{
    if (l->act == PLAN_ACT_NONE)
        return;
    if (l->act == PLAN_ACT_SOFTMAX)
        softmax_forward(g, l);
    else
        act_pass_all(g, l, 1);
}

void cg_act_backward(cg *g, const plan_layer *l)
{
    if (l->act == PLAN_ACT_NONE)
        return;
    if (l->act == PLAN_ACT_SOFTMAX)
        softmax_backward(g, l);
    else
        act_pass_all(g, l, 0);
}
