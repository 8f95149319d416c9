/* cg_kernel.h — what the matrix kernels (cg_gemm.c) and the packing of
 * their operands (cg_pack.c) share: the target's vectors, the geometry of
 * tiles, panels and reduction blocks, vector IR helpers, and where a tile
 * reads A and B from. Internal to those two files.
 */
#ifndef CG_KERNEL_H
#define CG_KERNEL_H

#include <string.h>

#include "cg_internal.h"

enum { MAX_MR = 8, MAX_NV = 4 };

typedef struct vec {
    int w;           /* floats per vector */
    LLVMTypeRef t;   /* <w x float> */
} vec;

static inline vec host_vec(cg *g)
{
    return (vec){.w = g->vec_floats, .t = LLVMVectorType(g->f32, (unsigned)g->vec_floats)};
}

/* ---- vector helpers ---------------------------------------------------------- */

static inline LLVMValueRef vcall(cg *g, const char *name, LLVMTypeRef *over, unsigned nover, LLVMValueRef *args, unsigned n)
{
    unsigned id = LLVMLookupIntrinsicID(name, strlen(name));
    LLVMValueRef fn = LLVMGetIntrinsicDeclaration(g->mod, id, over, nover);
    return LLVMBuildCall2(g->b, LLVMGlobalGetValueType(fn), fn, args, n, "");
}

/* The first `lanes` lanes on. */
static inline LLVMValueRef lane_mask(cg *g, const vec *v, int lanes)
{
    LLVMTypeRef i1 = LLVMInt1TypeInContext(g->ctx);
    LLVMValueRef bits[16];
    for (int k = 0; k < v->w; k++)
        bits[k] = LLVMConstInt(i1, k < lanes, 0);
    return LLVMConstVector(bits, (unsigned)v->w);
}

static inline LLVMValueRef vptr(cg *g, const vec *v, LLVMValueRef p)
{
    return LLVMBuildPointerCast(g->b, p, LLVMPointerType(v->t, 0), "");
}

/* The lanes of p that `mask` (a <w x i1>) turns on, zeros in the others. */
static inline LLVMValueRef vload_masked(cg *g, const vec *v, LLVMValueRef p, LLVMValueRef mask)
{
    LLVMValueRef vp = vptr(g, v, p);
    LLVMTypeRef over[2] = {v->t, LLVMTypeOf(vp)};
    LLVMValueRef args[4] = {vp, cg_i32(g, 4), mask, LLVMConstNull(v->t)};
    return vcall(g, "llvm.masked.load", over, 2, args, 4);
}

/* `lanes` floats from p, zeros in the other lanes. */
static inline LLVMValueRef vload(cg *g, const vec *v, LLVMValueRef p, int lanes)
{
    if (lanes < v->w)
        return vload_masked(g, v, p, lane_mask(g, v, lanes));
    LLVMValueRef l = LLVMBuildLoad2(g->b, v->t, vptr(g, v, p), "");
    LLVMSetAlignment(l, 4);
    return l;
}

/* The first `lanes` lanes of x to p. Without AVX-512 a partial vector is
 * stored in pieces of 4, 2 and 1 floats: AVX2's masked store is microcode
 * on AMD (on znver3 the stores of conv1's 6-wide tiles took as long as
 * their 25 multiply-adds). */
static inline void vstore(cg *g, const vec *v, LLVMValueRef x, LLVMValueRef p, int lanes)
{
    if (lanes == v->w) {
        LLVMSetAlignment(LLVMBuildStore(g->b, x, vptr(g, v, p)), 4);
        return;
    }
    if (v->w < 16) {
        for (int at = 0, piece = 4; at < lanes; piece /= 2) {
            if (lanes - at < piece)
                continue;
            LLVMValueRef part, to = LLVMBuildInBoundsGEP2(g->b, g->f32, p, (LLVMValueRef[]){cg_i64(g, at)}, 1, "");
            if (piece == 1) {
                part = LLVMBuildExtractElement(g->b, x, cg_i32(g, (uint32_t)at), "");
            } else {
                LLVMValueRef idx[4];
                for (int k = 0; k < piece; k++)
                    idx[k] = cg_i32(g, (uint32_t)(at + k));
                part = LLVMBuildShuffleVector(g->b, x, LLVMGetUndef(v->t), LLVMConstVector(idx, (unsigned)piece), "");
                to = LLVMBuildPointerCast(g->b, to, LLVMPointerType(LLVMTypeOf(part), 0), "");
            }
            LLVMSetAlignment(LLVMBuildStore(g->b, part, to), 4);
            at += piece;
        }
        return;
    }
    LLVMValueRef vp = vptr(g, v, p);
    LLVMTypeRef over[2] = {v->t, LLVMTypeOf(vp)};
    LLVMValueRef args[4] = {x, vp, cg_i32(g, 4), lane_mask(g, v, lanes)};
    vcall(g, "llvm.masked.store", over, 2, args, 4);
}

/* A hint to bring the line of base[index] into the caches (llvm.prefetch:
 * read, high locality, data). It never faults, and the address may lie
 * past the array (a plain GEP, not inbounds). */
static inline void prefetch(cg *g, LLVMValueRef base, LLVMValueRef index)
{
    LLVMValueRef p = LLVMBuildGEP2(g->b, g->f32, base, &index, 1, "");
    LLVMTypeRef over[1] = {LLVMTypeOf(p)};
    LLVMValueRef args[4] = {p, cg_i32(g, 0), cg_i32(g, 3), cg_i32(g, 1)};
    vcall(g, "llvm.prefetch", over, 1, args, 4);
}

static inline LLVMValueRef splat(cg *g, const vec *v, LLVMValueRef s)
{
    LLVMValueRef one = LLVMBuildInsertElement(g->b, LLVMGetUndef(v->t), s, cg_i32(g, 0), "");
    LLVMTypeRef mt = LLVMVectorType(g->i32, (unsigned)v->w);
    return LLVMBuildShuffleVector(g->b, one, LLVMGetUndef(v->t), LLVMConstNull(mt), "");
}

static inline LLVMValueRef add_i(cg *g, LLVMValueRef a, int64_t k) { return LLVMBuildNSWAdd(g->b, a, cg_i64(g, k), ""); }

/* ---- geometry ---------------------------------------------------------------- */

/* The target's vector registers: 32 with AVX-512, 16 with AVX2 and SSE.
 * A tile's accumulators and operands must fit in them: one more spills
 * an accumulator to the stack on every step of the reduction (an 8 x 2
 * tile on AVX2 ran fashion_wide's products at a third of the machine's
 * speed). */
static inline int vector_registers(const vec *v) { return v->w == 16 ? 32 : 16; }

/* The vectors of one panel of B: a 64-column panel with AVX-512, 16
 * columns with AVX2 (a 6 x 2 tile: 12 accumulators, 2 of B, 1 of A). */
static inline int panel_vectors(const vec *v) { return v->w == 16 ? MAX_NV : 2; }

/* The rows of a reduction block: its sliver of a B panel stays in L1
 * while the row tiles go by — 128 x 64 floats (32 KB) with AVX-512, 256 x
 * 16 (16 KB) with AVX2, whose 16-column panels would otherwise leave C to
 * be loaded and stored again every 128 steps (~10% of a 2048-wide
 * product's time on znver3, the loads missing L2). */
static inline int64_t block_rows(const vec *v) { return v->w == 16 ? 128 : 256; }

/* The rows of a tile with nv vectors: the accumulators, nv of B and one
 * broadcast of A in the target's registers; with 16 registers at most 6
 * (8 x 1 tiles still spilled: the reduction's unrolled steps keep two sets
 * of sums in flight). */
static inline int tile_rows(const vec *v, int nv)
{
    int regs = vector_registers(v), mr = (regs - 1 - nv) / nv, most = regs == 16 ? 6 : MAX_MR;
    return mr < most ? mr : most;
}

/* Where a tile reads B from: B(p0 + p, j0 + j) = b[(p0 + p)*ld + j0 + j] —
 * the operand itself, or a panel packed from it (p0 and j0 then 0). */
typedef struct bsrc {
    LLVMValueRef b, j0, p0;
    int64_t ld;
} bsrc;

/* Where a tile reads A from: A(i0 + r, p0 + k) = a[(i + r)*am + (p + k)*ak]
 * — the operand itself (i = i0, p = p0, its strides), or a block packed
 * tile by tile from row `base` on (cg_pack_a: i = (i0 - base) * kc, the
 * tile's offset in the buffer, p = 0). */
typedef struct asrc {
    LLVMValueRef a, p;
    int64_t am, ak;
    LLVMValueRef base; /* packed: the block's first row; NULL: the operand itself */
    int mr;            /* packed: the rows of a tile */
} asrc;

/* ---- cg_pack.c ------------------------------------------------------------------ */

/* Where the tiles of one panel (columns from j0, nv vectors, the last
 * `last` lanes wide) read B over rows [p0, p0 + kc): B itself, or a packed
 * copy of its sliver (cg_pack.c). count: the rows of C the tiles cover. */
bsrc cg_pack_panel_b(cg *g, const vec *v, const cg_gemm *m, int64_t count, LLVMValueRef j0, LLVMValueRef p0, int64_t kc,
                     int nv, int last);
/* Whether rows [base, base + count) of A are worth packing for the panels
 * of ncols columns that will read them, and the packing itself: tiles of
 * mr rows, p over [p0, p0 + kc). */
int cg_pack_a_pays(const vec *v, const cg_gemm *m, int64_t count, int64_t ncols, int64_t kc);
asrc cg_pack_a(cg *g, const vec *v, const cg_gemm *m, LLVMValueRef base, int64_t count, LLVMValueRef p0, int64_t kc,
               int mr);
/* Rows [tile * per, tile * per + per) of the sliver of B that starts at
 * column j0 and row p0, prefetched (tile: a run-time tile number). */
void cg_pack_prefetch(cg *g, const cg_gemm *m, LLVMValueRef tile, int64_t per, LLVMValueRef j0, LLVMValueRef p0);

#endif
