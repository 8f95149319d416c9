/* cg_dense.c — the dense layer, forward and backward side by side, and the
 * matrix product it shares with conv2d (cg_conv.c runs it on im2col rows).
 *
 *   forward   z[r][o]  = bias[o] + sum_i x[r][i] W[i][o]      W: [in][out]
 *   backward  dW[i][o] = sum_r x[r][i] dz[r][o]                 dz: [rows][out] (in dy)
 *             db[o]    = sum_r dz[r][o]
 *             dx[r][i] = sum_o dz[r][o] W[i][o]                 dx: [rows][in]
 *
 * All three products are cg_gemm.c's register-blocked kernels: z = x W and
 * dW = x^T dz as "nn" products (vectors along o; x^T is x read with swapped
 * strides), dx = dz W^T as dot products along o ("nt"). Activations are
 * cg_act.c; the gradient block is zeroed by the caller before the backward
 * pass (dW is overwritten, db accumulated).
 */
#include "cg_internal.h"

void cg_mm_forward(cg *g, const cg_mm *m)
{
    cg_gemm z = {.m = m->rows, .n = m->out, .k = m->in, .a = m->x, .a_m = m->in, .a_k = 1,
                 .b = cg_mem(g, m->w, NULL), .ldb = m->out, .c = cg_mem(g, m->z, NULL), .ldc = m->out,
                 .bias = cg_mem(g, m->b, NULL)};
    cg_gemm_nn(g, &z);
}

/* db[o] += dz[r][o] */
static void emit_db(cg *g, const cg_mm *m)
{
    int64_t db = g->p->grads + m->b;
    cg_loop r = cg_for(g, 0, m->rows, 1, "bb");
    cg_loop o = cg_for(g, 0, m->out, 1, "bo");
    LLVMValueRef gp = cg_mem(g, db, o.iv);
    LLVMValueRef dz = cg_load(g, cg_mem(g, m->dz, cg_idx(g, r.iv, m->out, o.iv)));
    cg_store(g, LLVMBuildFAdd(g->b, cg_load(g, gp), dz, ""), gp);
    cg_end(g, &o);
    cg_end(g, &r);
}

void cg_mm_backward(cg *g, const cg_mm *m)
{
    cg_gemm dw = {.m = m->in, .n = m->out, .k = m->rows, .a = m->x, .a_m = 1, .a_k = m->in,
                  .b = cg_mem(g, m->dz, NULL), .ldb = m->out, .c = cg_mem(g, g->p->grads + m->w, NULL),
                  .ldc = m->out};
    cg_gemm_nn(g, &dw);
    emit_db(g, m);
    if (m->dx < 0)
        return;
    cg_gemm dx = {.m = m->rows, .n = m->in, .k = m->out, .a = cg_mem(g, m->dz, NULL), .a_m = m->out, .a_k = 1,
                  .b = cg_mem(g, m->w, NULL), .ldb = m->out, .c = cg_mem(g, m->dx, NULL), .ldc = m->in};
    cg_gemm_nt(g, &dx);
}

/* ---- the dense layer: rows = batch ----------------------------------------- */

/* outputs z, dx; inputs x [batch][in], dz [batch][out]; weights W [in][out], b [out] */
static cg_mm dense_mm(cg *g, const plan_layer *l)
{
    return (cg_mm){.rows = g->p->batch, .in = l->in, .out = l->out, .x = cg_layer_x(g, l),
                   .w = l->w, .b = l->b, .z = l->z, .dz = l->dy, .dx = l->dx};
}

void cg_dense_forward(cg *g, const plan_layer *l)
{
    cg_mm m = dense_mm(g, l);
    cg_mm_forward(g, &m);
}

void cg_dense_backward(cg *g, const plan_layer *l)
{
    cg_mm m = dense_mm(g, l);
    cg_mm_backward(g, &m);
}
