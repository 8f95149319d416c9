/* cg_dense.c — the dense layer, forward and backward side by side.
 *
 *   forward   z[b][o]  = bias[o] + sum_i x[b][i] W[i][o]      W: [in][out]
 *   backward  dW[i][o] = sum_b x[b][i] dz[b][o]                 dz: [batch][out] (in dy)
 *             db[o]    = sum_b dz[b][o]
 *             dx[b][i] = sum_o dz[b][o] W[i][o]                 dx: [batch][in]
 *
 * The matrix loops run i outermost so one row of W (out floats) stays in
 * L1 while the batch streams past it, and the innermost loop runs over
 * contiguous o so it vectorises; dx's inner loop is a reduction, marked
 * reassoc/contract. Activations are cg_act.c; the gradient block is zeroed
 * by the caller before the backward pass.
 */
#include "cg_internal.h"

/* x[b][i] where x has `in` floats per row. */
static LLVMValueRef load_x(cg *g, LLVMValueRef x, const plan_layer *l, LLVMValueRef b, LLVMValueRef i)
{
    return cg_load(g, cg_at(g, x, cg_idx(g, b, l->in, i)));
}

/* z[b][o] = bias[o] */
static void emit_bias(cg *g, const plan_layer *l)
{
    cg_loop b = cg_for(g, 0, g->p->batch, 1, "fb");
    cg_loop o = cg_for(g, 0, l->out, 1, "fo");
    cg_store(g, cg_load(g, cg_mem(g, l->b, o.iv)), cg_mem(g, l->z, cg_idx(g, b.iv, l->out, o.iv)));
    cg_end(g, &o);
    cg_end(g, &b);
}

enum { ROWS = 4 }; /* batch rows sharing each load of W in the forward pass */

/* z[b0+r][o] += x[b0+r][i] W[i][o] for r < rows, for all i and o: one pass
 * over W feeds `rows` rows of z. */
static void forward_rows(cg *g, const plan_layer *l, LLVMValueRef x, LLVMValueRef b0, int rows)
{
    LLVMValueRef xv[ROWS], zrow[ROWS];
    cg_loop i = cg_for(g, 0, l->in, 1, "fi");
    for (int r = 0; r < rows; r++) {
        LLVMValueRef b = LLVMBuildNSWAdd(g->b, b0, cg_i64(g, r), "");
        xv[r] = load_x(g, x, l, b, i.iv);
        zrow[r] = cg_idx(g, b, l->out, NULL);
    }
    LLVMValueRef wrow = cg_idx(g, i.iv, l->out, NULL);
    cg_loop o = cg_for(g, 0, l->out, 1, "fo");
    LLVMValueRef w = cg_load(g, cg_mem(g, l->w, LLVMBuildNSWAdd(g->b, wrow, o.iv, "")));
    for (int r = 0; r < rows; r++) {
        LLVMValueRef zp = cg_mem(g, l->z, LLVMBuildNSWAdd(g->b, zrow[r], o.iv, ""));
        cg_store(g, cg_fmuladd(g, xv[r], w, cg_load(g, zp)), zp);
    }
    cg_end(g, &o);
    cg_end(g, &i);
}

void cg_dense_forward(cg *g, const plan_layer *l, LLVMValueRef x)
{
    emit_bias(g, l);
    int64_t full = g->p->batch / ROWS * ROWS;
    if (full > 0) {
        cg_loop b = cg_for(g, 0, full, ROWS, "fb");
        forward_rows(g, l, x, b.iv, ROWS);
        cg_end(g, &b);
    }
    if (full < g->p->batch)
        forward_rows(g, l, x, cg_i64(g, full), (int)(g->p->batch - full));
}

/* dW[i][o] += x[b][i] dz[b][o] (grads zeroed before) and, when dx_off >= 0,
 * dx[b][i] = sum_o dz[b][o] W[i][o] in the same pass over dz[b]. */
static void emit_dw_dx(cg *g, const plan_layer *l, LLVMValueRef x, int64_t dx_off)
{
    int64_t dw = g->p->grads + l->w;
    LLVMValueRef acc = dx_off >= 0 ? cg_slot(g, "dxacc") : NULL;
    cg_loop i = cg_for(g, 0, l->in, 1, "wi");
    cg_loop b = cg_for(g, 0, g->p->batch, 1, "wb");
    LLVMValueRef xv = load_x(g, x, l, b.iv, i.iv);
    LLVMValueRef drow = cg_idx(g, b.iv, l->out, NULL), wrow = cg_idx(g, i.iv, l->out, NULL);
    if (acc)
        cg_store(g, cg_f32(g, 0.0), acc);
    cg_loop o = cg_for(g, 0, l->out, 1, "wo");
    LLVMValueRef dz = cg_load(g, cg_mem(g, l->dy, LLVMBuildNSWAdd(g->b, drow, o.iv, "")));
    LLVMValueRef widx = LLVMBuildNSWAdd(g->b, wrow, o.iv, "");
    LLVMValueRef gp = cg_mem(g, dw, widx);
    cg_store(g, cg_fmuladd(g, xv, dz, cg_load(g, gp)), gp);
    if (acc)
        cg_store(g, cg_reduce_fmuladd(g, dz, cg_load(g, cg_mem(g, l->w, widx)), cg_load(g, acc)), acc);
    cg_end(g, &o);
    if (acc)
        cg_store(g, cg_load(g, acc), cg_mem(g, dx_off, cg_idx(g, b.iv, l->in, i.iv)));
    cg_end(g, &b);
    cg_end(g, &i);
}

/* db[o] += dz[b][o] */
static void emit_db(cg *g, const plan_layer *l)
{
    int64_t db = g->p->grads + l->b;
    cg_loop b = cg_for(g, 0, g->p->batch, 1, "bb");
    cg_loop o = cg_for(g, 0, l->out, 1, "bo");
    LLVMValueRef gp = cg_mem(g, db, o.iv);
    LLVMValueRef dz = cg_load(g, cg_mem(g, l->dy, cg_idx(g, b.iv, l->out, o.iv)));
    cg_store(g, LLVMBuildFAdd(g->b, cg_load(g, gp), dz, ""), gp);
    cg_end(g, &o);
    cg_end(g, &b);
}

void cg_dense_backward(cg *g, const plan_layer *l, LLVMValueRef x, int64_t dx_off)
{
    emit_dw_dx(g, l, x, dx_off);
    emit_db(g, l);
}
