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
 * strides), dx = dz W^T as dot products along o ("nt") — or, when W is too
 * large to stay in L2 while every row tile of dz passes over it
 * (plan_dx_transposed), as an "nn" product on a copy of W transposed into
 * the plan's scratch p->wt: one pass over W then saves a pass over W per
 * row tile. Large products are cut into chunks of output rows for the
 * pool's threads (cg_parallel.c). Activations are cg_act.c; the gradient
 * block is zeroed by the caller before the backward pass (dW is
 * overwritten, db accumulated).
 */
#include "cg_internal.h"

static LLVMValueRef mm_x(cg *g, const cg_mm *m) { return m->x < 0 ? g->x : cg_mem(g, m->x, NULL); }

/* z rows [base, base + count) */
static void z_rows(cg *g, const void *arg, LLVMValueRef base, int64_t count)
{
    const cg_mm *m = arg;
    cg_gemm z = {.m = m->rows, .n = m->out, .k = m->in, .a = mm_x(g, m), .a_m = m->in, .a_k = 1,
                 .b = cg_mem(g, m->w, NULL), .ldb = m->out, .c = cg_mem(g, m->z, NULL), .ldc = m->out,
                 .bias = cg_mem(g, m->b, NULL)};
    cg_gemm_nn_rows(g, &z, base, count);
}

/* dW rows [base, base + count) (rows of dW are inputs i) */
static void dw_rows(cg *g, const void *arg, LLVMValueRef base, int64_t count)
{
    const cg_mm *m = arg;
    cg_gemm dw = {.m = m->in, .n = m->out, .k = m->rows, .a = mm_x(g, m), .a_m = 1, .a_k = m->in,
                  .b = cg_mem(g, m->dz, NULL), .ldb = m->out, .c = cg_mem(g, g->p->grads + m->w, NULL),
                  .ldc = m->out};
    cg_gemm_nn_rows(g, &dw, base, count);
}

/* dx rows [base, base + count): dot products of dz rows and W rows */
static void dx_rows(cg *g, const void *arg, LLVMValueRef base, int64_t count)
{
    const cg_mm *m = arg;
    cg_gemm dx = {.m = m->rows, .n = m->in, .k = m->out, .a = cg_mem(g, m->dz, NULL), .a_m = m->out, .a_k = 1,
                  .b = cg_mem(g, m->w, NULL), .ldb = m->out, .c = cg_mem(g, m->dx, NULL), .ldc = m->in};
    cg_gemm_nt_rows(g, &dx, base, count);
}

/* dx rows [base, base + count) as dz W^T with W^T read from m->wt */
static void dx_rows_wt(cg *g, const void *arg, LLVMValueRef base, int64_t count)
{
    const cg_mm *m = arg;
    cg_gemm dx = {.m = m->rows, .n = m->in, .k = m->out, .a = cg_mem(g, m->dz, NULL), .a_m = m->out, .a_k = 1,
                  .b = cg_mem(g, m->wt, NULL), .ldb = m->in, .c = cg_mem(g, m->dx, NULL), .ldc = m->in};
    cg_gemm_nn_rows(g, &dx, base, count);
}

/* W^T[o][i] = W[i][o] for o in [base, base + count), WT_BLOCK columns of W
 * at a time: each row of W is read in runs of WT_BLOCK floats and each of
 * the WT_BLOCK rows of W^T written in order. */
enum { WT_BLOCK = 8 };

static void wt_block(cg *g, const cg_mm *m, LLVMValueRef o0, int64_t n)
{
    cg_loop i = cg_for(g, 0, m->in, 1, "ti");
    LLVMValueRef wrow = cg_idx(g, i.iv, m->out, o0);
    for (int64_t c = 0; c < n; c++) {
        LLVMValueRef o = LLVMBuildNSWAdd(g->b, o0, cg_i64(g, c), "");
        LLVMValueRef v = cg_load(g, cg_mem(g, m->w, LLVMBuildNSWAdd(g->b, wrow, cg_i64(g, c), "")));
        cg_store(g, v, cg_mem(g, m->wt, cg_idx(g, o, m->in, i.iv)));
    }
    cg_end(g, &i);
}

static void wt_rows(cg *g, const void *arg, LLVMValueRef base, int64_t count)
{
    const cg_mm *m = arg;
    int64_t full = count / WT_BLOCK * WT_BLOCK;
    if (full > 0) {
        cg_loop ob = cg_for(g, 0, full, WT_BLOCK, "tb");
        wt_block(g, m, LLVMBuildNSWAdd(g->b, base, ob.iv, ""), WT_BLOCK);
        cg_end(g, &ob);
    }
    if (full < count)
        wt_block(g, m, LLVMBuildNSWAdd(g->b, base, cg_i64(g, full), ""), count - full);
}

static double flops(const cg_mm *m) { return 2.0 * (double)m->rows * (double)m->in * (double)m->out; }

void cg_mm_forward(cg *g, const cg_mm *m) { cg_parallel_rows(g, m->rows, flops(m), z_rows, m); }

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
    cg_parallel_rows(g, m->in, flops(m), dw_rows, m);
    emit_db(g, m);
    if (m->dx >= 0 && m->wt >= 0) {
        cg_parallel_rows(g, m->out, flops(m), wt_rows, m);
        cg_parallel_rows(g, m->rows, flops(m), dx_rows_wt, m);
    } else if (m->dx >= 0)
        cg_parallel_rows(g, m->rows, flops(m), dx_rows, m);
}

/* ---- the dense layer: rows = batch ----------------------------------------- */

/* outputs z, dx; inputs x [batch][in], dz [batch][out]; weights W [in][out], b [out] */
static cg_mm dense_mm(cg *g, const plan_layer *l)
{
    return (cg_mm){.rows = g->p->batch, .in = l->in, .out = l->out, .x = l->x,
                   .w = l->w, .b = l->b, .z = l->z, .dz = l->dy, .dx = l->dx,
                   .wt = plan_dx_transposed(g->p, l) ? g->p->wt : -1};
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
