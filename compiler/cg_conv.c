/* cg_conv.c — the 2-D convolution, forward and backward side by side, as
 * im2col + the dense layer's matrix product (cg_dense.c), channels last.
 *
 *   x    [batch][ih][iw][ic]           input (NHWC)
 *   W    [k][k][ic][oc]  = [k*k*ic][oc]   weights, bias [oc]
 *   col  [batch*oh*ow][k*k*ic]          col[(b,oy,ox)][(ky,kx,ci)] =
 *                                       x[b][oy*s-p+ky][ox*s-p+kx][ci], 0 outside
 *   z    [batch][oh][ow][oc] = [batch*oh*ow][oc] = col . W + bias
 *
 *   backward: dW, db and dcol = dz . W^T from the matrix product;
 *             dx = col2im(dcol): each col entry adds back into the pixel it
 *             was copied from.
 *
 * oh = (ih + 2p - k) / s + 1 (floor), likewise ow. Padding is zeros. Reads
 * outside x are clamped into it and their value selected away, so no
 * address is ever out of bounds. Not the activation (cg_act.c).
 */
#include "cg_internal.h"

/* Clamped input coordinate and whether it is inside [0, n). */
static LLVMValueRef coord(cg *g, LLVMValueRef o, const plan_layer *l, LLVMValueRef kk, int64_t n, LLVMValueRef *inside)
{
    LLVMValueRef c = LLVMBuildNSWAdd(g->b, cg_idx(g, o, l->stride, cg_i64(g, -l->pad)), kk, "");
    LLVMValueRef lo = LLVMBuildICmp(g->b, LLVMIntSGE, c, cg_i64(g, 0), "");
    LLVMValueRef hi = LLVMBuildICmp(g->b, LLVMIntSLT, c, cg_i64(g, n), "");
    *inside = *inside ? LLVMBuildAnd(g->b, *inside, LLVMBuildAnd(g->b, lo, hi, ""), "") : LLVMBuildAnd(g->b, lo, hi, "");
    LLVMValueRef c0 = LLVMBuildSelect(g->b, lo, c, cg_i64(g, 0), "");
    return LLVMBuildSelect(g->b, hi, c0, cg_i64(g, n - 1), "");
}

/* Visits every (col row r, col column j, x index) triple: for b, oy, ox, ky,
 * kx, ci. `fwd`: col[r][j] = inside ? x[xi] : 0; else dx[xi] += inside ?
 * dcol[r][j] : 0. */
static void im2col_walk(cg *g, const plan_layer *l, int fwd)
{
    const plan_shape is = l->ish, os = l->osh;
    int64_t kcols = l->k * l->k * is.c;
    LLVMValueRef x = cg_layer_x(g, l);
    cg_loop b = cg_for(g, 0, g->p->batch, 1, "cb");
    cg_loop oy = cg_for(g, 0, os.h, 1, "coy");
    cg_loop ox = cg_for(g, 0, os.w, 1, "cox");
    LLVMValueRef r = cg_idx(g, cg_idx(g, b.iv, os.h, oy.iv), os.w, ox.iv);
    cg_loop ky = cg_for(g, 0, l->k, 1, "cky");
    LLVMValueRef inside = NULL;
    LLVMValueRef iy = coord(g, oy.iv, l, ky.iv, is.h, &inside);
    LLVMValueRef in_y = inside;
    cg_loop kx = cg_for(g, 0, l->k, 1, "ckx");
    inside = in_y;
    LLVMValueRef ix = coord(g, ox.iv, l, kx.iv, is.w, &inside);
    LLVMValueRef pix = cg_idx(g, cg_idx(g, cg_idx(g, b.iv, is.h, iy), is.w, ix), is.c, NULL);
    LLVMValueRef j0 = cg_idx(g, cg_idx(g, ky.iv, l->k, kx.iv), is.c, cg_idx(g, r, kcols, NULL));
    cg_loop ci = cg_for(g, 0, is.c, 1, "cci");
    LLVMValueRef xi = LLVMBuildNSWAdd(g->b, pix, ci.iv, "");
    LLVMValueRef ci_idx = LLVMBuildNSWAdd(g->b, j0, ci.iv, "");
    if (fwd) {
        LLVMValueRef v = cg_load(g, cg_at(g, x, xi));
        cg_store(g, LLVMBuildSelect(g->b, inside, v, cg_f32(g, 0.0), ""), cg_mem(g, l->col, ci_idx));
    } else {
        LLVMValueRef v = cg_load(g, cg_mem(g, l->dcol, ci_idx));
        LLVMValueRef dp = cg_mem(g, l->dx, xi);
        cg_store(g, LLVMBuildFAdd(g->b, cg_load(g, dp), LLVMBuildSelect(g->b, inside, v, cg_f32(g, 0.0), ""), ""), dp);
    }
    cg_end(g, &ci);
    cg_end(g, &kx);
    cg_end(g, &ky);
    cg_end(g, &ox);
    cg_end(g, &oy);
    cg_end(g, &b);
}

/* outputs z [batch*oh*ow][oc], dcol; inputs col, dz; weights W [k*k*ic][oc], b [oc] */
static cg_mm conv_mm(cg *g, const plan_layer *l)
{
    return (cg_mm){.rows = g->p->batch * l->osh.h * l->osh.w, .in = l->k * l->k * l->ish.c, .out = l->osh.c,
                   .x = l->col, .w = l->w, .b = l->b, .z = l->z, .dz = l->dy, .dx = l->dcol,
                   .dx_nn = plan_dx_transposed(g->p, l)};
}

void cg_conv_forward(cg *g, const plan_layer *l)
{
    im2col_walk(g, l, 1);
    cg_mm m = conv_mm(g, l);
    cg_mm_forward(g, &m);
}

void cg_conv_backward(cg *g, const plan_layer *l)
{
    cg_mm m = conv_mm(g, l);
    cg_mm_backward(g, &m);
    if (l->dx < 0)
        return;
    cg_zero(g, l->dx, g->p->batch * l->in);
    im2col_walk(g, l, 0);
}
