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
 * oh = (ih + 2p - k) / s + 1 (floor), likewise ow. Padding is zeros.
 *
 * im2col and col2im are emitted as straight vector code, so that they need
 * no loop optimisation: for one (b, oy, ky) the k*ic floats of a col row's
 * ky-th block are one contiguous run of x's row iy (x[b][iy][ox*s-p..][..]),
 * copied (or, backward, added back) in vector pieces. Only the output
 * columns whose window crosses the left or right padding take the
 * element-wise path, reads clamped into x and their value selected away,
 * so no address is ever out of bounds; a row iy in the padding is zeros.
 * Backward keeps the order in which each dx pixel receives its terms (oy,
 * then ox), so the sums are the same. Not the activation (cg_act.c).
 */
#include "cg_internal.h"

/* ---- runs of floats ---------------------------------------------------------- */

/* n floats at src + si .. to dst + di ..: dst = src (fwd), dst += src (not
 * fwd); with `keep` (an i1) dst gets 0, or 0 is added, where it is false. */
static void run_copy(cg *g, int fwd, LLVMValueRef dst, LLVMValueRef di, LLVMValueRef src, LLVMValueRef si, int64_t n,
                     LLVMValueRef keep)
{
    for (int64_t o = 0; o < n;) {
        int w = cg_piece(g, n - o);
        LLVMValueRef dp = cg_at(g, dst, LLVMBuildNSWAdd(g->b, di, cg_i64(g, o), ""));
        LLVMValueRef v = cg_load_w(g, cg_at(g, src, LLVMBuildNSWAdd(g->b, si, cg_i64(g, o), "")), w);
        if (keep) {
            LLVMValueRef zero = LLVMConstNull(LLVMTypeOf(v));
            v = LLVMBuildSelect(g->b, keep, v, zero, "");
        }
        if (!fwd)
            v = LLVMBuildFAdd(g->b, cg_load_w(g, dp, w), v, "");
        cg_store_w(g, v, dp);
        o += w;
    }
}

/* n zeros at dst + di .. */
static void run_zero(cg *g, LLVMValueRef dst, LLVMValueRef di, int64_t n)
{
    for (int64_t o = 0; o < n;) {
        int w = cg_piece(g, n - o);
        cg_store_w(g, LLVMConstNull(cg_type_w(g, w)),
                cg_at(g, dst, LLVMBuildNSWAdd(g->b, di, cg_i64(g, o), "")));
        o += w;
    }
}

/* ---- im2col and col2im -------------------------------------------------------- */

typedef struct walk {
    const plan_layer *l;
    int fwd;
    LLVMValueRef col, x;   /* col or dcol; x or dx */
    LLVMValueRef xrow;     /* index of x[b][iy][0][0] */
    LLVMValueRef crow;     /* index of col[(b,oy,0)][ky*k*ic] */
} walk;

/* n floats of col at ci and of x at xi: col = x forward, x += col backward. */
static void col_run(cg *g, const walk *w, LLVMValueRef ci, LLVMValueRef xi, int64_t n, LLVMValueRef keep)
{
    if (w->fwd)
        run_copy(g, 1, w->col, ci, w->x, xi, n, keep);
    else
        run_copy(g, 0, w->x, xi, w->col, ci, n, keep);
}

/* The ky-th block of col row (b,oy,ox), whose window lies inside x. */
static void block_inside(cg *g, const walk *w, LLVMValueRef ox)
{
    const plan_layer *l = w->l;
    int64_t kcols = l->k * l->k * l->ish.c;
    LLVMValueRef xi = cg_idx(g, cg_idx(g, ox, l->stride, cg_i64(g, -l->pad)), l->ish.c, w->xrow);
    LLVMValueRef ci = cg_idx(g, ox, kcols, w->crow);
    col_run(g, w, ci, xi, l->k * l->ish.c, NULL);
}

/* The same block when the window crosses the left or right padding: pixel
 * by pixel, ix clamped into x. */
static void block_edge(cg *g, const walk *w, LLVMValueRef ox)
{
    const plan_layer *l = w->l;
    int64_t ic = l->ish.c, kcols = l->k * l->k * ic;
    cg_loop kx = cg_for(g, 0, l->k, 1, "ckx");
    LLVMValueRef ix = LLVMBuildNSWAdd(g->b, cg_idx(g, ox, l->stride, cg_i64(g, -l->pad)), kx.iv, "");
    LLVMValueRef lo = LLVMBuildICmp(g->b, LLVMIntSGE, ix, cg_i64(g, 0), "");
    LLVMValueRef hi = LLVMBuildICmp(g->b, LLVMIntSLT, ix, cg_i64(g, l->ish.w), "");
    LLVMValueRef inside = LLVMBuildAnd(g->b, lo, hi, "");
    ix = LLVMBuildSelect(g->b, hi, LLVMBuildSelect(g->b, lo, ix, cg_i64(g, 0), ""), cg_i64(g, l->ish.w - 1), "");
    LLVMValueRef xi = cg_idx(g, ix, ic, w->xrow);
    LLVMValueRef ci = cg_idx(g, kx.iv, ic, cg_idx(g, ox, kcols, w->crow));
    col_run(g, w, ci, xi, ic, inside);
    cg_end(g, &kx);
}

/* ox in [lo, hi) through `block` (nothing when the range is empty). */
static void columns(cg *g, const walk *w, int64_t lo, int64_t hi, void (*block)(cg *, const walk *, LLVMValueRef))
{
    if (lo >= hi)
        return;
    cg_loop ox = cg_for(g, lo, hi, 1, "cox");
    block(g, w, ox.iv);
    cg_end(g, &ox);
}

/* fwd: col = im2col(x); else dx = col2im(dcol) (zeroed, then added into);
 * for the images [base, base + count). */
static void walk_images(cg *g, const void *arg, LLVMValueRef base, int64_t count)
{
    const cg_layer_pass *a = arg;
    const plan_layer *l = a->l;
    int fwd = a->fwd;
    const plan_shape is = l->ish, os = l->osh;
    int64_t k = l->k, s = l->stride, p = l->pad, kcols = k * k * is.c;
    /* ox in [ox_lo, ox_hi): the window ox*s-p .. ox*s-p+k-1 lies in [0, iw) */
    int64_t ox_lo = (p + s - 1) / s < os.w ? (p + s - 1) / s : os.w;
    int64_t ox_hi = is.w + p - k < 0 ? 0 : (is.w + p - k) / s + 1;
    ox_hi = ox_hi > os.w ? os.w : ox_hi < ox_lo ? ox_lo : ox_hi;
    walk w = {.l = l, .fwd = fwd, .col = cg_mem(g, fwd ? l->col : l->dcol, NULL),
              .x = fwd ? cg_layer_x(g, l) : cg_mem(g, l->dx, NULL)};
    if (!fwd) /* these images' dx, before col2im adds into it */
        cg_zero_at(g, l->dx, cg_idx(g, base, l->in, NULL), count * l->in);
    cg_loop b = cg_for(g, 0, count, 1, "cb");
    LLVMValueRef image = LLVMBuildNSWAdd(g->b, base, b.iv, "");
    cg_loop oy = cg_for(g, 0, os.h, 1, "coy");
    LLVMValueRef r0 = cg_idx(g, cg_idx(g, image, os.h, oy.iv), os.w, NULL);
    cg_loop ky = cg_for(g, 0, k, 1, "cky");
    LLVMValueRef iy = LLVMBuildNSWAdd(g->b, cg_idx(g, oy.iv, s, cg_i64(g, -p)), ky.iv, "");
    w.crow = cg_idx(g, ky.iv, k * is.c, cg_idx(g, r0, kcols, NULL));
    LLVMBasicBlockRef after = NULL;
    if (p > 0) { /* without padding every iy is inside */
        LLVMValueRef in_y = LLVMBuildAnd(g->b, LLVMBuildICmp(g->b, LLVMIntSGE, iy, cg_i64(g, 0), ""),
                                         LLVMBuildICmp(g->b, LLVMIntSLT, iy, cg_i64(g, is.h), ""), "");
        LLVMBasicBlockRef row = LLVMAppendBasicBlockInContext(g->ctx, g->fn, "crow");
        LLVMBasicBlockRef pad = LLVMAppendBasicBlockInContext(g->ctx, g->fn, "cpad");
        after = LLVMAppendBasicBlockInContext(g->ctx, g->fn, "crowdone");
        LLVMBuildCondBr(g->b, in_y, row, pad);
        LLVMPositionBuilderAtEnd(g->b, pad); /* row iy in the padding: zeros, nothing to add back */
        if (fwd) {
            cg_loop ox = cg_for(g, 0, os.w, 1, "czx");
            run_zero(g, w.col, cg_idx(g, ox.iv, kcols, w.crow), k * is.c);
            cg_end(g, &ox);
        }
        LLVMBuildBr(g->b, after);
        LLVMPositionBuilderAtEnd(g->b, row);
    }
    w.xrow = cg_idx(g, cg_idx(g, image, is.h, iy), is.w * is.c, NULL);
    columns(g, &w, 0, ox_lo, block_edge);
    columns(g, &w, ox_lo, ox_hi, block_inside);
    columns(g, &w, ox_hi, os.w, block_edge);
    if (after) {
        LLVMBuildBr(g->b, after);
        LLVMPositionBuilderAtEnd(g->b, after);
    }
    cg_end(g, &ky);
    cg_end(g, &oy);
    cg_end(g, &b);
}

/* The walk over the batch, on the pool's threads when large: each image's
 * col rows (and, backward, its dx pixels) are its own, and every dx pixel
 * still receives its terms in the same order. A float copied counts as 8
 * FLOPs against cg_parallel's threshold (LeNet's serial im2col and col2im
 * were a sixth of its two-thread step). */
static void im2col_walk(cg *g, const plan_layer *l, int fwd)
{
    cg_layer_pass a = {.l = l, .fwd = fwd};
    double floats = (double)g->p->batch * (double)(l->osh.h * l->osh.w) * (double)(l->k * l->k * l->ish.c);
    cg_parallel(g, &(cg_split){.name = fwd ? "im2col" : "col2im", .n = g->p->batch, .align = 1, .flops = 8 * floats,
                               .body = walk_images, .arg = &a});
}

/* outputs z [batch*oh*ow][oc], dcol; inputs col, dz; weights W [k*k*ic][oc], b [oc] */
static cg_mm conv_mm(cg *g, const plan_layer *l)
{
    return (cg_mm){.rows = g->p->batch * l->osh.h * l->osh.w, .in = l->k * l->k * l->ish.c, .out = l->osh.c,
                   .x = l->col, .w = l->w, .b = l->b, .z = l->z, .dz = l->dy, .dx = l->dcol,
                   .dx_nn = plan_dx_transposed(g->p, l), .dw_parts = l->dw_parts, .dwt = l->dwt};
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
    if (l->dx >= 0)
        im2col_walk(g, l, 0);
}
