/* cg_norm.c — batch normalisation, forward and backward side by side,
 * per channel (the last axis) over the N = batch*h*w rows, PyTorch's
 * BatchNorm (momentum 0.1, eps 1e-5 by default):
 *
 *   x, z, xhat   [N][c]          gamma (W), beta (b), mean, invstd,
 *                                run_mean, run_var: [c]
 *   step:  mean = sum_r x / N;  var = sum_r (x - mean)^2 / N (biased)
 *          invstd = 1 / sqrt(var + eps);  xhat = (x - mean) invstd
 *          z = gamma xhat + beta
 *          run_mean = (1 - m) run_mean + m mean
 *          run_var  = (1 - m) run_var  + m var N / (N - 1)   (unbiased)
 *   eval:  xhat = (x - run_mean) / sqrt(run_var + eps); z = gamma xhat + beta
 *   backward (batch statistics):
 *          dgamma = sum_r dz xhat;  dbeta = sum_r dz
 *          dx = gamma invstd / N (N dz - dbeta - xhat dgamma)
 *
 * Running statistics live outside the parameter block (the optimizer never
 * sees them); lrc_init sets gamma and run_var to 1. Not the act (cg_act.c).
 */
#include "cg_internal.h"

static int64_t rows(cg *g, const plan_layer *l) { return g->p->batch * l->out / l->osh.c; }

/* dst[c] = 0 for every channel */
static void zero_channels(cg *g, const plan_layer *l, int64_t dst) { cg_zero(g, dst, l->osh.c); }

/* for r, c: the body gets the flat index r*C + c and c */
typedef struct rc_loops {
    cg_loop r, c;
    LLVMValueRef k;
} rc_loops;

static rc_loops open_rc(cg *g, const plan_layer *l)
{
    rc_loops p;
    p.r = cg_for(g, 0, rows(g, l), 1, "nr");
    p.c = cg_for(g, 0, l->osh.c, 1, "nc");
    p.k = cg_idx(g, p.r.iv, l->osh.c, p.c.iv);
    return p;
}

static void close_rc(cg *g, rc_loops *p)
{
    cg_end(g, &p->c);
    cg_end(g, &p->r);
}

/* acc[c] += v */
static void add_to(cg *g, int64_t acc, LLVMValueRef c, LLVMValueRef v)
{
    LLVMValueRef p = cg_mem(g, acc, c);
    cg_store(g, LLVMBuildFAdd(g->b, cg_load(g, p), v, ""), p);
}

/* mean, invstd from the batch; running statistics updated. */
static void batch_statistics(cg *g, const plan_layer *l, LLVMValueRef x)
{
    double n = (double)rows(g, l), m = l->momentum;
    zero_channels(g, l, l->mean);
    zero_channels(g, l, l->invstd);
    rc_loops p = open_rc(g, l);
    add_to(g, l->mean, p.c.iv, cg_load(g, cg_at(g, x, p.k)));
    close_rc(g, &p);
    cg_loop c = cg_for(g, 0, l->osh.c, 1, "nm");
    LLVMValueRef mp = cg_mem(g, l->mean, c.iv);
    cg_store(g, LLVMBuildFMul(g->b, cg_load(g, mp), cg_f32(g, 1.0 / n), ""), mp);
    cg_end(g, &c);
    p = open_rc(g, l);
    LLVMValueRef d = LLVMBuildFSub(g->b, cg_load(g, cg_at(g, x, p.k)), cg_load(g, cg_mem(g, l->mean, p.c.iv)), "");
    add_to(g, l->invstd, p.c.iv, LLVMBuildFMul(g->b, d, d, ""));
    close_rc(g, &p);
    c = cg_for(g, 0, l->osh.c, 1, "nv");
    LLVMValueRef vp = cg_mem(g, l->invstd, c.iv);
    LLVMValueRef var = LLVMBuildFMul(g->b, cg_load(g, vp), cg_f32(g, 1.0 / n), "var");
    LLVMValueRef ve = LLVMBuildFAdd(g->b, var, cg_f32(g, l->eps), "");
    cg_store(g, LLVMBuildFDiv(g->b, cg_f32(g, 1.0), cg_intrinsic(g, "llvm.sqrt", &ve, 1), ""), vp);
    LLVMValueRef rm = cg_mem(g, l->run_mean, c.iv), rv = cg_mem(g, l->run_var, c.iv);
    LLVMValueRef mean = cg_load(g, cg_mem(g, l->mean, c.iv));
    cg_store(g, cg_fmuladd(g, cg_f32(g, 1.0 - m), cg_load(g, rm), LLVMBuildFMul(g->b, cg_f32(g, m), mean, "")), rm);
    cg_store(g, cg_fmuladd(g, cg_f32(g, 1.0 - m), cg_load(g, rv), LLVMBuildFMul(g->b, cg_f32(g, m * n / (n - 1.0)), var, "")), rv);
    cg_end(g, &c);
}

/* outputs z, xhat [N][c] (and the statistics); input x [N][c]; weights gamma, beta [c] */
void cg_norm_forward(cg *g, const plan_layer *l)
{
    LLVMValueRef x = cg_layer_x(g, l);
    if (g->train) {
        batch_statistics(g, l, x);
    } else { /* mean <- run_mean, invstd <- 1/sqrt(run_var + eps) */
        cg_loop c = cg_for(g, 0, l->osh.c, 1, "ne");
        cg_store(g, cg_load(g, cg_mem(g, l->run_mean, c.iv)), cg_mem(g, l->mean, c.iv));
        LLVMValueRef ve = LLVMBuildFAdd(g->b, cg_load(g, cg_mem(g, l->run_var, c.iv)), cg_f32(g, l->eps), "");
        cg_store(g, LLVMBuildFDiv(g->b, cg_f32(g, 1.0), cg_intrinsic(g, "llvm.sqrt", &ve, 1), ""), cg_mem(g, l->invstd, c.iv));
        cg_end(g, &c);
    }
    rc_loops p = open_rc(g, l);
    LLVMValueRef d = LLVMBuildFSub(g->b, cg_load(g, cg_at(g, x, p.k)), cg_load(g, cg_mem(g, l->mean, p.c.iv)), "");
    LLVMValueRef xh = LLVMBuildFMul(g->b, d, cg_load(g, cg_mem(g, l->invstd, p.c.iv)), "xhat");
    cg_store(g, xh, cg_mem(g, l->xhat, p.k));
    cg_store(g, cg_fmuladd(g, cg_load(g, cg_mem(g, l->w, p.c.iv)), xh, cg_load(g, cg_mem(g, l->b, p.c.iv))),
             cg_mem(g, l->z, p.k));
    close_rc(g, &p);
}

/* outputs dgamma, dbeta (zeroed grads), dx [N][c]; inputs dz (dy), xhat */
void cg_norm_backward(cg *g, const plan_layer *l)
{
    int64_t dgamma = g->p->grads + l->w, dbeta = g->p->grads + l->b;
    rc_loops p = open_rc(g, l);
    LLVMValueRef dz = cg_load(g, cg_mem(g, l->dy, p.k));
    add_to(g, dgamma, p.c.iv, LLVMBuildFMul(g->b, dz, cg_load(g, cg_mem(g, l->xhat, p.k)), ""));
    add_to(g, dbeta, p.c.iv, dz);
    close_rc(g, &p);
    if (l->dx < 0)
        return;
    double n = (double)rows(g, l);
    p = open_rc(g, l);
    LLVMValueRef c = p.c.iv;
    LLVMValueRef scale = LLVMBuildFMul(g->b, cg_load(g, cg_mem(g, l->w, c)), cg_load(g, cg_mem(g, l->invstd, c)), "");
    LLVMValueRef dzn = LLVMBuildFMul(g->b, cg_load(g, cg_mem(g, l->dy, p.k)), cg_f32(g, n), "");
    LLVMValueRef t = LLVMBuildFSub(g->b, dzn, cg_load(g, cg_mem(g, dbeta, c)), "");
    t = LLVMBuildFSub(g->b, t, LLVMBuildFMul(g->b, cg_load(g, cg_mem(g, l->xhat, p.k)), cg_load(g, cg_mem(g, dgamma, c)), ""), "");
    cg_store(g, LLVMBuildFMul(g->b, LLVMBuildFMul(g->b, scale, cg_f32(g, 1.0 / n), ""), t, ""), cg_mem(g, l->dx, p.k));
    close_rc(g, &p);
}

/* gamma <- 1 (beta stays 0), run_var <- 1 (run_mean stays 0) */
void cg_norm_init(cg *g, const plan_layer *l)
{
    cg_loop c = cg_for(g, 0, l->osh.c, 1, "ni");
    cg_store(g, cg_f32(g, 1.0), cg_mem(g, l->w, c.iv));
    cg_store(g, cg_f32(g, 1.0), cg_mem(g, l->run_var, c.iv));
    cg_end(g, &c);
}
