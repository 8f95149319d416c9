/* cg_pool.c — max and average pooling, forward and backward side by side,
 * channels last, no padding.
 *
 *   x   [batch][ih][iw][c]
 *   z   [batch][oh][ow][c]     oh = (ih - k) / s + 1 (floor), likewise ow
 *   max: z = the largest x in the k x k window (the first one on ties, NaN
 *        wins so it propagates); col [batch][oh][ow][c] keeps its window
 *        position ky*k+kx, and backward adds dz to that one input.
 *   avg: z = the window's mean; backward adds dz / k^2 to each input.
 *
 * Windows overlap when s < k, so dx is zeroed and accumulated, in the order
 * (oy, ox) of the outputs. Emitted as straight vector code that needs no
 * loop optimisation: for one output pixel, the channels in vectors (a loop
 * over whole vectors, then pieces of 8, 4, 2, 1 floats), and the k x k
 * window unrolled with the running max (or sum) in registers; cut by
 * images for the pool's threads when large. Not conv (cg_conv.c).
 */
#include "cg_internal.h"

#include <math.h>

/* ---- vector pieces ---------------------------------------------------------- */

/* <w x float> (a float when w is 1) with every lane v */
static LLVMValueRef const_w(cg *g, int w, double v)
{
    LLVMValueRef lanes[64];
    for (int i = 0; i < w; i++)
        lanes[i] = cg_f32(g, v);
    return w == 1 ? lanes[0] : LLVMConstVector(lanes, (unsigned)w);
}

/* ---- one output pixel, channel by channel ------------------------------------ */

typedef struct pool_px {
    const plan_layer *l;
    LLVMValueRef x;    /* x, or dx backward */
    LLVMValueRef win;  /* index of x[b][oy*s][ox*s][0] */
    LLVMValueRef zrow; /* index of z[b][oy][ox][0] */
} pool_px;

/* Offset of window position (ky, kx) from x[b][oy*s][ox*s][0]. */
static LLVMValueRef window_at(cg *g, const pool_px *p, int64_t ky, int64_t kx, LLVMValueRef c0)
{
    const plan_shape is = p->l->ish;
    return LLVMBuildNSWAdd(g->b, p->win, LLVMBuildNSWAdd(g->b, c0, cg_i64(g, (ky * is.w + kx) * is.c), ""), "");
}

/* channels [c0, c0 + w): z = max (col = its position) or mean of the window */
static void forward_w(cg *g, const pool_px *p, LLVMValueRef c0, int w)
{
    const plan_layer *l = p->l;
    int max = l->kind == PLAN_MAXPOOL;
    LLVMValueRef cur = const_w(g, w, max ? -INFINITY : 0.0), pos = const_w(g, w, 0.0);
    for (int64_t ky = 0; ky < l->k; ky++)
        for (int64_t kx = 0; kx < l->k; kx++) {
            LLVMValueRef v = cg_load_w(g, cg_at(g, p->x, window_at(g, p, ky, kx, c0)), w);
            if (max) {
                LLVMValueRef take = LLVMBuildOr(g->b, LLVMBuildFCmp(g->b, LLVMRealOGT, v, cur, ""),
                                                LLVMBuildFCmp(g->b, LLVMRealUNO, v, v, ""), "");
                cur = LLVMBuildSelect(g->b, take, v, cur, "");
                pos = LLVMBuildSelect(g->b, take, const_w(g, w, (double)(ky * l->k + kx)), pos, "");
            } else {
                cur = cg_fmuladd(g, v, const_w(g, w, 1.0 / (double)(l->k * l->k)), cur);
            }
        }
    LLVMValueRef k = LLVMBuildNSWAdd(g->b, p->zrow, c0, "");
    cg_store_w(g, cur, cg_mem(g, l->z, k));
    if (max)
        cg_store_w(g, pos, cg_mem(g, l->col, k));
}

/* channels [c0, c0 + w): each window input += its share of dz */
static void backward_w(cg *g, const pool_px *p, LLVMValueRef c0, int w)
{
    const plan_layer *l = p->l;
    LLVMValueRef k = LLVMBuildNSWAdd(g->b, p->zrow, c0, "");
    LLVMValueRef d = cg_load_w(g, cg_mem(g, l->dy, k), w), at = NULL;
    if (l->kind == PLAN_MAXPOOL)
        at = cg_load_w(g, cg_mem(g, l->col, k), w);
    else
        d = LLVMBuildFMul(g->b, d, const_w(g, w, 1.0 / (double)(l->k * l->k)), "");
    for (int64_t ky = 0; ky < l->k; ky++)
        for (int64_t kx = 0; kx < l->k; kx++) {
            LLVMValueRef share = d;
            if (at) {
                LLVMValueRef hit = LLVMBuildFCmp(g->b, LLVMRealOEQ, at, const_w(g, w, (double)(ky * l->k + kx)), "");
                share = LLVMBuildSelect(g->b, hit, d, const_w(g, w, 0.0), "");
            }
            LLVMValueRef dp = cg_at(g, p->x, window_at(g, p, ky, kx, c0));
            cg_store_w(g, LLVMBuildFAdd(g->b, cg_load_w(g, dp, w), share, ""), dp);
        }
}

/* Every output pixel of the images [base, base + count); `body` on its
 * channels: a loop over whole vectors (when there are two or more), then
 * pieces of halving width. */
static void each_pixel(cg *g, const plan_layer *l, LLVMValueRef x, void (*body)(cg *, const pool_px *, LLVMValueRef, int),
                       LLVMValueRef base, int64_t count)
{
    int64_t nc = l->osh.c, vw = g->vec_floats, done = 0;
    pool_px p = {.l = l, .x = x};
    cg_loop b = cg_for(g, 0, count, 1, "pb");
    LLVMValueRef image = LLVMBuildNSWAdd(g->b, base, b.iv, "");
    cg_loop oy = cg_for(g, 0, l->osh.h, 1, "poy");
    cg_loop ox = cg_for(g, 0, l->osh.w, 1, "pox");
    p.zrow = cg_idx(g, cg_idx(g, cg_idx(g, image, l->osh.h, oy.iv), l->osh.w, ox.iv), nc, NULL);
    LLVMValueRef iy = cg_idx(g, oy.iv, l->stride, NULL), ix = cg_idx(g, ox.iv, l->stride, NULL);
    p.win = cg_idx(g, cg_idx(g, cg_idx(g, image, l->ish.h, iy), l->ish.w, ix), l->ish.c, NULL);
    if (nc >= 2 * vw) {
        done = nc / vw * vw;
        cg_loop c = cg_for(g, 0, done, vw, "pc");
        body(g, &p, c.iv, (int)vw);
        cg_end(g, &c);
    }
    for (int w = (int)vw; done < nc; w /= 2)
        if (nc - done >= w) {
            body(g, &p, cg_i64(g, done), w);
            done += w;
        }
    cg_end(g, &ox);
    cg_end(g, &oy);
    cg_end(g, &b);
}

/* Images [base, base + count): forward, z (and col) from x; backward, their
 * dx zeroed, then accumulated. */
static void pool_images(cg *g, const void *arg, LLVMValueRef base, int64_t count)
{
    const cg_layer_pass *a = arg;
    const plan_layer *l = a->l;
    if (a->fwd) {
        each_pixel(g, l, cg_layer_x(g, l), forward_w, base, count);
        return;
    }
    cg_zero_at(g, l->dx, cg_idx(g, base, l->in, NULL), count * l->in);
    each_pixel(g, l, cg_mem(g, l->dx, NULL), backward_w, base, count);
}

/* The pass over the batch, on the pool's threads when large: each image's
 * outputs (and, backward, its dx pixels) are its own. An input float
 * counts as 8 FLOPs against cg_parallel's threshold, as im2col's do. */
static void pool_pass_all(cg *g, const plan_layer *l, int fwd)
{
    cg_parallel(g, &(cg_split){.name = fwd ? "pool" : "dpool", .n = g->p->batch, .align = 1,
                               .flops = 8.0 * (double)(g->p->batch * l->in), .body = pool_images,
                               .arg = &(cg_layer_pass){l, fwd}});
}

/* outputs z [batch][oh][ow][c] (and col for max); input x [batch][ih][iw][c] */
void cg_pool_forward(cg *g, const plan_layer *l) { pool_pass_all(g, l, 1); }

/* output dx [batch][ih][iw][c] (zeroed, accumulated); input dz (dy) */
void cg_pool_backward(cg *g, const plan_layer *l)
{
    if (l->dx >= 0)
        pool_pass_all(g, l, 0);
}
