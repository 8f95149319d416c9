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
 * Windows overlap when s < k, so dx is zeroed and accumulated. The loops
 * keep the channel innermost (contiguous, vectorised). Not conv (cg_conv.c).
 */
#include "cg_internal.h"

#include <math.h>

/* Index of x[b][oy*s+ky][ox*s+kx][0]. */
static LLVMValueRef window_pixel(cg *g, const plan_layer *l, LLVMValueRef b, LLVMValueRef oy, LLVMValueRef ox,
                                 LLVMValueRef ky, LLVMValueRef kx)
{
    LLVMValueRef iy = cg_idx(g, oy, l->stride, ky), ix = cg_idx(g, ox, l->stride, kx);
    return cg_idx(g, cg_idx(g, cg_idx(g, b, l->ish.h, iy), l->ish.w, ix), l->ish.c, NULL);
}

typedef struct pool_loops {
    cg_loop b, oy, ox;
    LLVMValueRef zrow; /* index of z[b][oy][ox][0] */
} pool_loops;

static pool_loops open_outputs(cg *g, const plan_layer *l)
{
    pool_loops p;
    p.b = cg_for(g, 0, g->p->batch, 1, "pb");
    p.oy = cg_for(g, 0, l->osh.h, 1, "poy");
    p.ox = cg_for(g, 0, l->osh.w, 1, "pox");
    p.zrow = cg_idx(g, cg_idx(g, cg_idx(g, p.b.iv, l->osh.h, p.oy.iv), l->osh.w, p.ox.iv), l->osh.c, NULL);
    return p;
}

static void close_outputs(cg *g, pool_loops *p)
{
    cg_end(g, &p->ox);
    cg_end(g, &p->oy);
    cg_end(g, &p->b);
}

/* z[...][c] = -inf (max) or 0 (avg); col = 0 */
static void init_outputs(cg *g, const plan_layer *l, LLVMValueRef zrow)
{
    cg_loop c = cg_for(g, 0, l->osh.c, 1, "pc");
    LLVMValueRef k = LLVMBuildNSWAdd(g->b, zrow, c.iv, "");
    cg_store(g, cg_f32(g, l->kind == PLAN_MAXPOOL ? -INFINITY : 0.0), cg_mem(g, l->z, k));
    if (l->kind == PLAN_MAXPOOL)
        cg_store(g, cg_f32(g, 0.0), cg_mem(g, l->col, k));
    cg_end(g, &c);
}

/* outputs z [batch][oh][ow][c] (and col for max); input x [batch][ih][iw][c] */
void cg_pool_forward(cg *g, const plan_layer *l)
{
    LLVMValueRef x = cg_layer_x(g, l);
    pool_loops p = open_outputs(g, l);
    init_outputs(g, l, p.zrow);
    cg_loop ky = cg_for(g, 0, l->k, 1, "pky");
    cg_loop kx = cg_for(g, 0, l->k, 1, "pkx");
    LLVMValueRef pix = window_pixel(g, l, p.b.iv, p.oy.iv, p.ox.iv, ky.iv, kx.iv);
    LLVMValueRef pos = LLVMBuildSIToFP(g->b, cg_idx(g, ky.iv, l->k, kx.iv), g->f32, "");
    cg_loop c = cg_for(g, 0, l->osh.c, 1, "pc");
    LLVMValueRef v = cg_load(g, cg_at(g, x, LLVMBuildNSWAdd(g->b, pix, c.iv, "")));
    LLVMValueRef k = LLVMBuildNSWAdd(g->b, p.zrow, c.iv, "");
    LLVMValueRef zp = cg_mem(g, l->z, k), cur = cg_load(g, zp);
    if (l->kind == PLAN_MAXPOOL) {
        LLVMValueRef take = LLVMBuildOr(g->b, LLVMBuildFCmp(g->b, LLVMRealOGT, v, cur, ""),
                                        LLVMBuildFCmp(g->b, LLVMRealUNO, v, v, ""), "");
        cg_store(g, LLVMBuildSelect(g->b, take, v, cur, ""), zp);
        LLVMValueRef ap = cg_mem(g, l->col, k);
        cg_store(g, LLVMBuildSelect(g->b, take, pos, cg_load(g, ap), ""), ap);
    } else {
        cg_store(g, cg_fmuladd(g, v, cg_f32(g, 1.0 / (double)(l->k * l->k)), cur), zp);
    }
    cg_end(g, &c);
    cg_end(g, &kx);
    cg_end(g, &ky);
    close_outputs(g, &p);
}

/* output dx [batch][ih][iw][c] (zeroed, accumulated); input dz (dy) */
void cg_pool_backward(cg *g, const plan_layer *l)
{
    if (l->dx < 0)
        return;
    cg_zero(g, l->dx, g->p->batch * l->in);
    pool_loops p = open_outputs(g, l);
    cg_loop ky = cg_for(g, 0, l->k, 1, "pky");
    cg_loop kx = cg_for(g, 0, l->k, 1, "pkx");
    LLVMValueRef pix = window_pixel(g, l, p.b.iv, p.oy.iv, p.ox.iv, ky.iv, kx.iv);
    LLVMValueRef pos = LLVMBuildSIToFP(g->b, cg_idx(g, ky.iv, l->k, kx.iv), g->f32, "");
    cg_loop c = cg_for(g, 0, l->osh.c, 1, "pc");
    LLVMValueRef k = LLVMBuildNSWAdd(g->b, p.zrow, c.iv, "");
    LLVMValueRef d = cg_load(g, cg_mem(g, l->dy, k));
    if (l->kind == PLAN_MAXPOOL) {
        LLVMValueRef hit = LLVMBuildFCmp(g->b, LLVMRealOEQ, cg_load(g, cg_mem(g, l->col, k)), pos, "");
        d = LLVMBuildSelect(g->b, hit, d, cg_f32(g, 0.0), "");
    } else {
        d = LLVMBuildFMul(g->b, d, cg_f32(g, 1.0 / (double)(l->k * l->k)), "");
    }
    LLVMValueRef dp = cg_mem(g, l->dx, LLVMBuildNSWAdd(g->b, pix, c.iv, ""));
    cg_store(g, LLVMBuildFAdd(g->b, cg_load(g, dp), d, ""), dp);
    cg_end(g, &c);
    cg_end(g, &kx);
    cg_end(g, &ky);
    close_outputs(g, &p);
}
