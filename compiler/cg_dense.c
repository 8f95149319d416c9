/* cg_dense.c — the dense layer, forward and backward side by side, and the
 * matrix product it shares with conv2d (cg_conv.c runs it on im2col rows).
 *
 *   forward   z[r][o]  = bias[o] + sum_i x[r][i] W[i][o]      W: [in][out]
 *   backward  dW[i][o] = sum_r x[r][i] dz[r][o]                 dz: [rows][out] (in dy)
 *             db[o]    = sum_r dz[r][o]
 *             dx[r][i] = sum_o dz[r][o] W[i][o]                 dx: [rows][in]
 *
 * Forward: 4 rows share each load of W, the innermost loop runs over
 * contiguous o so it vectorises. Backward: dW and dx in one pass over dz;
 * when W is bigger than dz (a dense layer: rows = batch) i runs outermost so
 * a row of W stays in L1 while the batch streams past it; when dz is bigger
 * (a convolution: rows = batch x pixels) r runs outermost so all of dW stays
 * in L1 while dz streams once. dx's inner loop is a reduction, marked
 * reassoc/contract. Activations are cg_act.c; the gradient block is zeroed
 * by the caller before the backward pass.
 */
#include "cg_internal.h"

/* x[r][i] */
static LLVMValueRef load_x(cg *g, const cg_mm *m, LLVMValueRef r, LLVMValueRef i)
{
    return cg_load(g, cg_at(g, m->x, cg_idx(g, r, m->in, i)));
}

/* z[r][o] = bias[o] */
static void emit_bias(cg *g, const cg_mm *m)
{
    cg_loop r = cg_for(g, 0, m->rows, 1, "fb");
    cg_loop o = cg_for(g, 0, m->out, 1, "fo");
    cg_store(g, cg_load(g, cg_mem(g, m->b, o.iv)), cg_mem(g, m->z, cg_idx(g, r.iv, m->out, o.iv)));
    cg_end(g, &o);
    cg_end(g, &r);
}

enum { ROWS = 4 }; /* rows sharing each load of W in the forward pass */

/* z[r0+k][o] += x[r0+k][i] W[i][o] for k < n, for all i and o: one pass over
 * W feeds `n` rows of z. */
static void forward_rows(cg *g, const cg_mm *m, LLVMValueRef r0, int n)
{
    LLVMValueRef xv[ROWS], zrow[ROWS];
    cg_loop i = cg_for(g, 0, m->in, 1, "fi");
    for (int k = 0; k < n; k++) {
        LLVMValueRef r = LLVMBuildNSWAdd(g->b, r0, cg_i64(g, k), "");
        xv[k] = load_x(g, m, r, i.iv);
        zrow[k] = cg_idx(g, r, m->out, NULL);
    }
    LLVMValueRef wrow = cg_idx(g, i.iv, m->out, NULL);
    cg_loop o = cg_for(g, 0, m->out, 1, "fo");
    LLVMValueRef w = cg_load(g, cg_mem(g, m->w, LLVMBuildNSWAdd(g->b, wrow, o.iv, "")));
    for (int k = 0; k < n; k++) {
        LLVMValueRef zp = cg_mem(g, m->z, LLVMBuildNSWAdd(g->b, zrow[k], o.iv, ""));
        cg_store(g, cg_fmuladd(g, xv[k], w, cg_load(g, zp)), zp);
    }
    cg_end(g, &o);
    cg_end(g, &i);
}

void cg_mm_forward(cg *g, const cg_mm *m)
{
    emit_bias(g, m);
    int64_t full = m->rows / ROWS * ROWS;
    if (full > 0) {
        cg_loop r = cg_for(g, 0, full, ROWS, "fr");
        forward_rows(g, m, r.iv, ROWS);
        cg_end(g, &r);
    }
    if (full < m->rows)
        forward_rows(g, m, cg_i64(g, full), (int)(m->rows - full));
}

/* The body for one (i, r): dW[i][o] += x[r][i] dz[r][o] for all o and, when
 * dx is wanted, dx[r][i] = sum_o dz[r][o] W[i][o]. */
static void dw_dx_body(cg *g, const cg_mm *m, LLVMValueRef acc, LLVMValueRef i, LLVMValueRef r)
{
    int64_t dw = g->p->grads + m->w;
    LLVMValueRef xv = load_x(g, m, r, i);
    LLVMValueRef drow = cg_idx(g, r, m->out, NULL), wrow = cg_idx(g, i, m->out, NULL);
    if (acc)
        cg_store(g, cg_f32(g, 0.0), acc);
    cg_loop o = cg_for(g, 0, m->out, 1, "wo");
    LLVMValueRef dz = cg_load(g, cg_mem(g, m->dz, LLVMBuildNSWAdd(g->b, drow, o.iv, "")));
    LLVMValueRef widx = LLVMBuildNSWAdd(g->b, wrow, o.iv, "");
    LLVMValueRef gp = cg_mem(g, dw, widx);
    cg_store(g, cg_fmuladd(g, xv, dz, cg_load(g, gp)), gp);
    if (acc)
        cg_store(g, cg_reduce_fmuladd(g, dz, cg_load(g, cg_mem(g, m->w, widx)), cg_load(g, acc)), acc);
    cg_end(g, &o);
    if (acc)
        cg_store(g, cg_load(g, acc), cg_mem(g, m->dx, cg_idx(g, r, m->in, i)));
}

static void emit_dw_dx(cg *g, const cg_mm *m)
{
    LLVMValueRef acc = m->dx >= 0 ? cg_slot(g, "dxacc") : NULL;
    if (m->in * m->out >= m->rows * m->out) { /* W is the big one: i outermost */
        cg_loop i = cg_for(g, 0, m->in, 1, "wi");
        cg_loop r = cg_for(g, 0, m->rows, 1, "wr");
        dw_dx_body(g, m, acc, i.iv, r.iv);
        cg_end(g, &r);
        cg_end(g, &i);
    } else {                                  /* dz is the big one: r outermost */
        cg_loop r = cg_for(g, 0, m->rows, 1, "wr");
        cg_loop i = cg_for(g, 0, m->in, 1, "wi");
        dw_dx_body(g, m, acc, i.iv, r.iv);
        cg_end(g, &i);
        cg_end(g, &r);
    }
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
    emit_dw_dx(g, m);
    emit_db(g, m);
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
