/* cg_loss.c — losses on the last layer's output y [batch][out], with their
 * gradient dL/dy written beside them into that layer's dy.
 *
 *   cross_entropy: with y_floats == 1, mean_b ( logsumexp(y[b]) - y[b][label_b] ),
 *                  label_b = t[b] as a float class index; dL/dy =
 *                  (softmax(y[b]) - onehot) / batch. With y_floats == out, t[b]
 *                  is a distribution: mean_b sum_o t[b][o] (logsumexp(y[b]) -
 *                  y[b][o]), terms with t = 0 skipped (a one-hot t gives the
 *                  index form's value exactly); dL/dy = (softmax(y[b]) - t[b]) /
 *                  batch (CrossEntropyLoss with probabilities). Max-subtracted,
 *                  so it never overflows.
 *   elementwise (t [batch][y_floats], y_floats == out, n = batch*out):
 *   mse:           mean of (y - t)^2;           dL/dy = 2 (y - t) / n
 *   mae:           mean of |y - t|;             dL/dy = sign(y - t) / n (0 at 0)
 *   huber(delta):  mean of 0.5 d^2 when |d| <= delta, else delta (|d| - delta/2);
 *                  dL/dy = clamp(d, -delta, delta) / n        (PyTorch's HuberLoss)
 *   binary_cross_entropy, on logits y and targets t in [0, 1]:
 *                  mean of max(y, 0) - y t + log(1 + exp(-|y|));
 *                  dL/dy = (sigmoid(y) - t) / n               (BCEWithLogitsLoss)
 * Labels are trusted to be in [0, out): the runtime validates its data.
 */
#include "cg_internal.h"

static const plan_layer *last_layer(const cg *g) { return &g->p->layers[g->p->nlayers - 1]; }

/* max_o y[b][o] (NaN-propagating enough: a NaN still reaches the sum). */
static LLVMValueRef row_max(cg *g, const plan_layer *l, LLVMValueRef row)
{
    LLVMValueRef m = cg_slot(g, "max");
    cg_store(g, cg_load(g, cg_mem(g, l->y, row)), m);
    cg_loop o = cg_for(g, 0, l->out, 1, "mo");
    LLVMValueRef v = cg_load(g, cg_mem(g, l->y, LLVMBuildNSWAdd(g->b, row, o.iv, "")));
    LLVMValueRef cur = cg_load(g, m);
    cg_store(g, LLVMBuildSelect(g->b, LLVMBuildFCmp(g->b, LLVMRealOGT, v, cur, ""), v, cur, ""), m);
    cg_end(g, &o);
    return cg_load(g, m);
}

/* sum_o exp(y[b][o] - max); with grad, dy[b][o] = that exp. The loops
 * over one sample's classes stay scalar (cg_end_scalar): vectorised, ten
 * classes became masked loads and stores around an exp that LLVM splits
 * into scalar calls anyway — lrc_step's code generation 14 -> 8 ms for
 * LeNet, digits' step 3% faster (paired ABBA of 10). */
static LLVMValueRef row_sumexp(cg *g, const plan_layer *l, LLVMValueRef row, LLVMValueRef max, int grad)
{
    LLVMValueRef s = cg_slot(g, "sumexp");
    cg_store(g, cg_f32(g, 0.0), s);
    cg_loop o = cg_for(g, 0, l->out, 1, "so");
    LLVMValueRef k = LLVMBuildNSWAdd(g->b, row, o.iv, "");
    LLVMValueRef d = LLVMBuildFSub(g->b, cg_load(g, cg_mem(g, l->y, k)), max, "");
    LLVMValueRef e = cg_intrinsic(g, "llvm.exp", &d, 1);
    if (grad)
        cg_store(g, e, cg_mem(g, l->dy, k));
    cg_store(g, cg_reduce_add(g, cg_load(g, s), e), s);
    cg_end_scalar(g, &o);
    return cg_load(g, s);
}

/* dy[b][o] = (e[o] / sum - onehot[o]) / batch */
static void row_softmax_grad(cg *g, const plan_layer *l, LLVMValueRef row, LLVMValueRef sum, LLVMValueRef label)
{
    double inv_batch = 1.0 / (double)g->p->batch;
    LLVMValueRef scale = LLVMBuildFDiv(g->b, cg_f32(g, inv_batch), sum, "");
    cg_loop o = cg_for(g, 0, l->out, 1, "go");
    LLVMValueRef p = cg_mem(g, l->dy, LLVMBuildNSWAdd(g->b, row, o.iv, ""));
    cg_store(g, LLVMBuildFMul(g->b, cg_load(g, p), scale, ""), p);
    cg_end_scalar(g, &o);
    LLVMValueRef lp = cg_mem(g, l->dy, LLVMBuildNSWAdd(g->b, row, label, ""));
    cg_store(g, LLVMBuildFSub(g->b, cg_load(g, lp), cg_f32(g, inv_batch), ""), lp);
}

/* sum_o t[o] (lse - y[b][o]) over the o with t[o] != 0; with grad,
 * dy[b][o] = (e[o] / sum - t[o]) / batch. */
static LLVMValueRef row_soft(cg *g, const plan_layer *l, LLVMValueRef t, LLVMValueRef row, LLVMValueRef trow,
                             LLVMValueRef lse, LLVMValueRef sum, int grad)
{
    double inv_batch = 1.0 / (double)g->p->batch;
    LLVMValueRef scale = LLVMBuildFDiv(g->b, cg_f32(g, inv_batch), sum, "");
    LLVMValueRef acc = cg_slot(g, "softce");
    cg_store(g, cg_f32(g, 0.0), acc);
    cg_loop o = cg_for(g, 0, l->out, 1, "to");
    LLVMValueRef k = LLVMBuildNSWAdd(g->b, row, o.iv, "");
    LLVMValueRef tv = cg_load(g, cg_at(g, t, LLVMBuildNSWAdd(g->b, trow, o.iv, "")));
    LLVMValueRef term = LLVMBuildFMul(g->b, tv, LLVMBuildFSub(g->b, lse, cg_load(g, cg_mem(g, l->y, k)), ""), "");
    LLVMValueRef zero = cg_f32(g, 0.0);
    term = LLVMBuildSelect(g->b, LLVMBuildFCmp(g->b, LLVMRealOEQ, tv, zero, ""), zero, term, "");
    cg_store(g, cg_reduce_add(g, cg_load(g, acc), term), acc);
    if (grad) {
        LLVMValueRef p = cg_mem(g, l->dy, k);
        cg_store(g, LLVMBuildFSub(g->b, LLVMBuildFMul(g->b, cg_load(g, p), scale, ""),
                                  LLVMBuildFMul(g->b, tv, cg_f32(g, inv_batch), ""), ""), p);
    }
    cg_end_scalar(g, &o);
    return cg_load(g, acc);
}

static LLVMValueRef cross_entropy(cg *g, LLVMValueRef t, int grad)
{
    const plan_layer *l = last_layer(g);
    LLVMValueRef total = cg_slot(g, "celoss");
    cg_store(g, cg_f32(g, 0.0), total);
    cg_loop b = cg_for(g, 0, g->p->batch, 1, "cb");
    LLVMValueRef row = cg_idx(g, b.iv, l->out, NULL), trow = cg_idx(g, b.iv, g->p->y_floats, NULL);
    LLVMValueRef max = row_max(g, l, row);
    LLVMValueRef sum = row_sumexp(g, l, row, max, grad);
    LLVMValueRef lse = LLVMBuildFAdd(g->b, max, cg_intrinsic(g, "llvm.log", &sum, 1), "lse");
    if (g->p->y_floats > 1) {
        LLVMValueRef v = row_soft(g, l, t, row, trow, lse, sum, grad);
        cg_store(g, cg_reduce_add(g, cg_load(g, total), v), total);
    } else {
        LLVMValueRef label = LLVMBuildFPToSI(g->b, cg_load(g, cg_at(g, t, trow)), g->i64, "label");
        LLVMValueRef picked = cg_load(g, cg_mem(g, l->y, LLVMBuildNSWAdd(g->b, row, label, "")));
        cg_store(g, cg_reduce_add(g, cg_load(g, total), LLVMBuildFSub(g->b, lse, picked, "")), total);
        if (grad)
            row_softmax_grad(g, l, row, sum, label);
    }
    cg_end(g, &b);
    return LLVMBuildFMul(g->b, cg_load(g, total), cg_f32(g, 1.0 / (double)g->p->batch), "loss");
}

/* One element's loss for difference/logit v and target tv; *grad gets its
 * derivative (before the 1/n). */
static LLVMValueRef elem_loss(cg *g, LLVMValueRef yv, LLVMValueRef tv, LLVMValueRef *grad)
{
    LLVMValueRef zero = cg_f32(g, 0.0), one = cg_f32(g, 1.0);
    LLVMValueRef d = LLVMBuildFSub(g->b, yv, tv, "");
    LLVMValueRef ad = cg_intrinsic(g, "llvm.fabs", &d, 1);
    switch (g->p->loss) {
    case PLAN_LOSS_MAE: {
        LLVMValueRef pos = LLVMBuildFCmp(g->b, LLVMRealOGT, d, zero, "");
        LLVMValueRef neg = LLVMBuildFCmp(g->b, LLVMRealOLT, d, zero, "");
        *grad = LLVMBuildSelect(g->b, pos, one, LLVMBuildSelect(g->b, neg, cg_f32(g, -1.0), LLVMBuildFMul(g->b, d, zero, ""), ""), "");
        return ad;
    }
    case PLAN_LOSS_HUBER: {
        double delta = g->p->huber_delta > 0 ? g->p->huber_delta : 1.0;
        LLVMValueRef small = LLVMBuildFCmp(g->b, LLVMRealULE, ad, cg_f32(g, delta), "");
        LLVMValueRef quad = LLVMBuildFMul(g->b, cg_f32(g, 0.5), LLVMBuildFMul(g->b, d, d, ""), "");
        LLVMValueRef lin = LLVMBuildFMul(g->b, cg_f32(g, delta), LLVMBuildFSub(g->b, ad, cg_f32(g, 0.5 * delta), ""), "");
        LLVMValueRef clip = LLVMBuildSelect(g->b, LLVMBuildFCmp(g->b, LLVMRealOGT, d, zero, ""), cg_f32(g, delta), cg_f32(g, -delta), "");
        *grad = LLVMBuildSelect(g->b, small, d, clip, "");
        return LLVMBuildSelect(g->b, small, quad, lin, "");
    }
    case PLAN_LOSS_BCE: {
        LLVMValueRef ay = cg_intrinsic(g, "llvm.fabs", &yv, 1);
        LLVMValueRef nay = LLVMBuildFNeg(g->b, ay, "");
        LLVMValueRef e = cg_intrinsic(g, "llvm.exp", &nay, 1);        /* exp(-|y|) in (0, 1] */
        LLVMValueRef l1p = LLVMBuildFAdd(g->b, one, e, "");
        LLVMValueRef relu = LLVMBuildSelect(g->b, LLVMBuildFCmp(g->b, LLVMRealOLT, yv, zero, ""), zero, yv, "");
        LLVMValueRef val = LLVMBuildFAdd(g->b, LLVMBuildFSub(g->b, relu, LLVMBuildFMul(g->b, yv, tv, ""), ""),
                                         cg_intrinsic(g, "llvm.log", &l1p, 1), "");
        /* sigmoid(y) = 1/(1+e) for y >= 0, e/(1+e) for y < 0: never overflows */
        LLVMValueRef num = LLVMBuildSelect(g->b, LLVMBuildFCmp(g->b, LLVMRealOLT, yv, zero, ""), e, one, "");
        *grad = LLVMBuildFSub(g->b, LLVMBuildFDiv(g->b, num, l1p, ""), tv, "");
        return val;
    }
    case PLAN_LOSS_MSE:
    case PLAN_LOSS_CROSS_ENTROPY: break;
    }
    *grad = LLVMBuildFMul(g->b, d, cg_f32(g, 2.0), "");
    return LLVMBuildFMul(g->b, d, d, "");
}

/* mse, mae, huber, binary_cross_entropy: the mean over batch*out. */
static LLVMValueRef elementwise(cg *g, LLVMValueRef t, int grad)
{
    const plan_layer *l = last_layer(g);
    double n = (double)(g->p->batch * l->out);
    LLVMValueRef total = cg_slot(g, "loss");
    cg_store(g, cg_f32(g, 0.0), total);
    cg_loop b = cg_for(g, 0, g->p->batch, 1, "mb");
    LLVMValueRef row = cg_idx(g, b.iv, l->out, NULL), trow = cg_idx(g, b.iv, g->p->y_floats, NULL);
    cg_loop o = cg_for(g, 0, l->out, 1, "mo");
    LLVMValueRef yv = cg_load(g, cg_mem(g, l->y, LLVMBuildNSWAdd(g->b, row, o.iv, "")));
    LLVMValueRef tv = cg_load(g, cg_at(g, t, LLVMBuildNSWAdd(g->b, trow, o.iv, "")));
    LLVMValueRef dv;
    LLVMValueRef v = elem_loss(g, yv, tv, &dv);
    cg_store(g, cg_reduce_add(g, cg_load(g, total), v), total);
    if (grad)
        cg_store(g, LLVMBuildFMul(g->b, dv, cg_f32(g, 1.0 / n), ""), cg_mem(g, l->dy, LLVMBuildNSWAdd(g->b, row, o.iv, "")));
    cg_end(g, &o);
    cg_end(g, &b);
    return LLVMBuildFMul(g->b, cg_load(g, total), cg_f32(g, 1.0 / n), "loss");
}

LLVMValueRef cg_loss(cg *g, LLVMValueRef t, int grad)
{
    if (g->p->loss == PLAN_LOSS_CROSS_ENTROPY)
        return cross_entropy(g, t, grad);
    return elementwise(g, t, grad);
}
