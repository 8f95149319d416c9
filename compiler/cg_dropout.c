/* cg_dropout.c — dropout, forward and backward side by side (inverted
 * dropout, as PyTorch: kept values are scaled by 1 / (1 - rate) in training,
 * and evaluation is the identity).
 *
 *   x, z, dz, dx   [batch][n]
 *   step:  keep[k] = plan_dropout_bits(key, k) >= plan_dropout_threshold(rate)
 *          key = plan_dropout_key(seed, t, layer)       (plan.h)
 *          z = keep ? x / (1 - rate) : 0;   dx = keep ? dz / (1 - rate) : 0
 *   eval:  z = x
 *
 * The mask is a counter-based hash of (init seed, step t, layer, element),
 * recomputed in the backward pass instead of stored: the same seed and step
 * always drop the same units, and the C reference (tests/ref) draws the
 * same mask from the same plan.h functions. The seed is written into
 * mem[p->seed] (its bits) by lrc_init.
 */
#include "cg_internal.h"

static LLVMValueRef mix32(cg *g, LLVMValueRef h)
{
    h = LLVMBuildXor(g->b, h, LLVMBuildLShr(g->b, h, cg_i32(g, 16), ""), "");
    h = LLVMBuildMul(g->b, h, cg_i32(g, 0x85ebca6bu), "");
    h = LLVMBuildXor(g->b, h, LLVMBuildLShr(g->b, h, cg_i32(g, 13), ""), "");
    h = LLVMBuildMul(g->b, h, cg_i32(g, 0xc2b2ae35u), "");
    return LLVMBuildXor(g->b, h, LLVMBuildLShr(g->b, h, cg_i32(g, 16), ""), "");
}

static LLVMValueRef seed_word(cg *g, int64_t k)
{
    return LLVMBuildBitCast(g->b, cg_load(g, cg_mem(g, g->p->seed + k, NULL)), g->i32, "");
}

/* plan_dropout_key(seed_lo, seed_hi, t, layer) */
static LLVMValueRef mask_key(cg *g, const plan_layer *l)
{
    LLVMValueRef h = LLVMBuildAdd(g->b, LLVMBuildMul(g->b, g->t, cg_i32(g, 0x9e3779b1u), ""), cg_i32(g, (uint32_t)l->index), "");
    h = mix32(g, LLVMBuildXor(g->b, seed_word(g, 1), mix32(g, h), ""));
    return mix32(g, LLVMBuildXor(g->b, seed_word(g, 0), h, ""));
}

/* v / (1 - rate) when element k is kept, else 0 */
static LLVMValueRef masked(cg *g, const plan_layer *l, LLVMValueRef key, LLVMValueRef k, LLVMValueRef v)
{
    LLVMValueRef idx = LLVMBuildTrunc(g->b, k, g->i32, "");
    LLVMValueRef bits = LLVMBuildLShr(g->b, mix32(g, LLVMBuildAdd(g->b, LLVMBuildMul(g->b, idx, cg_i32(g, 0x632be5abu), ""), key, "")),
                                      cg_i32(g, 8), "");
    LLVMValueRef keep = LLVMBuildICmp(g->b, LLVMIntUGE, bits, cg_i32(g, plan_dropout_threshold(l->rate)), "keep");
    LLVMValueRef scaled = LLVMBuildFMul(g->b, v, cg_f32(g, 1.0 / (1.0 - l->rate)), "");
    return LLVMBuildSelect(g->b, keep, scaled, cg_f32(g, 0.0), "");
}

/* output z [batch][n]; input x [batch][n] */
void cg_dropout_forward(cg *g, const plan_layer *l)
{
    LLVMValueRef x = cg_layer_x(g, l);
    if (!g->train) {
        cg_copy(g, l->z, x, g->p->batch * l->out);
        return;
    }
    LLVMValueRef key = mask_key(g, l);
    cg_loop k = cg_for(g, 0, g->p->batch * l->out, 1, "drop");
    cg_store(g, masked(g, l, key, k.iv, cg_load(g, cg_at(g, x, k.iv))), cg_mem(g, l->z, k.iv));
    cg_end(g, &k);
}

/* output dx [batch][n]; input dz [batch][n] (the same mask) */
void cg_dropout_backward(cg *g, const plan_layer *l)
{
    if (l->dx < 0)
        return;
    LLVMValueRef key = mask_key(g, l);
    cg_loop k = cg_for(g, 0, g->p->batch * l->out, 1, "ddrop");
    cg_store(g, masked(g, l, key, k.iv, cg_load(g, cg_mem(g, l->dy, k.iv))), cg_mem(g, l->dx, k.iv));
    cg_end(g, &k);
}
