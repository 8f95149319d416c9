/* cg_gemm.c — register-blocked matrix products for the exact shapes of a
 * plan (the LIBXSMM approach): explicit vector IR, accumulators held in
 * registers (phi nodes) across the whole reduction, edge tiles for every
 * remainder, masked loads/stores for a partial last vector. The dense layer
 * (cg_dense.c) and, through im2col, conv2d use them for the forward pass
 * and both backward products.
 *
 *   cg_gemm_nn_rows   C(i, j) = bias[j] + sum_p A(i, p) B(p, j)
 *   cg_gemm_nn_cols      (the same product, a range of rows or of columns)
 *                A(i, p) = a[i*a_m + p*a_k] (any strides: X or X^T)
 *                B(p, j) = b[p*ldb + j], or b[j*ldb + p] (b_trans: W^T)
 *                tile: mr rows x nv vectors along j, as many as the
 *                target's vector registers hold (6 x 4 or 8 x 2-3 of 16
 *                floats with AVX-512's 32, 6 x 2 of 8 with AVX2's 16);
 *                one load of each B vector feeds mr rows, one broadcast
 *                of A feeds nv vectors. The reduction runs in blocks;
 *                each block's sliver of a panel of B (64 columns, AVX2
 *                16) is packed into a contiguous buffer on the stack when
 *                many row tiles will read it (and always for a B read
 *                transposed, through w x w register transposes), so it
 *                stays in L1 while they do. With AVX2 a large block of A
 *                is packed too, tile by tile, for all the panels to read.
 *   cg_gemm_nt_rows   C(i, j) = sum_p a[i*a_m + p] b[j*ldb + p]   (dZ W^T)
 *                tile: mr x nr dot products (4 x 4, AVX2 3 x 4),
 *                vectors along p, each accumulator summed by a fixed
 *                shuffle tree at the end.
 *                Every row tile reads all of B, so it is for a B that
 *                stays in L2 (a larger W^T goes to the nn kernel, b_trans).
 *
 * Each emits a range [base, base + count) of C's rows or columns, base a
 * run-time value (cg_parallel.c hands out chunks to threads). Every sum
 * runs in one fixed order, so results do not depend on how C is split.
 * The vector width is the target's (cg_vector_floats: 16 floats with
 * AVX-512, 8 with AVX2).
 */
#include "cg_internal.h"

#include <string.h>

enum { MAX_MR = 8, MAX_NV = 4, NT_MR = 4, NT_NR = 4 };

typedef struct vec {
    int w;           /* floats per vector */
    LLVMTypeRef t;   /* <w x float> */
} vec;

static vec host_vec(cg *g)
{
    return (vec){.w = g->vec_floats, .t = LLVMVectorType(g->f32, (unsigned)g->vec_floats)};
}

/* ---- vector helpers --------------------------------------------------------- */

static LLVMValueRef vcall(cg *g, const char *name, LLVMTypeRef *over, unsigned nover, LLVMValueRef *args, unsigned n)
{
    unsigned id = LLVMLookupIntrinsicID(name, strlen(name));
    LLVMValueRef fn = LLVMGetIntrinsicDeclaration(g->mod, id, over, nover);
    return LLVMBuildCall2(g->b, LLVMGlobalGetValueType(fn), fn, args, n, "");
}

/* The first `lanes` lanes on. */
static LLVMValueRef lane_mask(cg *g, const vec *v, int lanes)
{
    LLVMTypeRef i1 = LLVMInt1TypeInContext(g->ctx);
    LLVMValueRef bits[16];
    for (int k = 0; k < v->w; k++)
        bits[k] = LLVMConstInt(i1, k < lanes, 0);
    return LLVMConstVector(bits, (unsigned)v->w);
}

static LLVMValueRef vptr(cg *g, const vec *v, LLVMValueRef p)
{
    return LLVMBuildPointerCast(g->b, p, LLVMPointerType(v->t, 0), "");
}

/* `lanes` floats from p, zeros in the other lanes. */
static LLVMValueRef vload(cg *g, const vec *v, LLVMValueRef p, int lanes)
{
    LLVMValueRef vp = vptr(g, v, p);
    if (lanes == v->w) {
        LLVMValueRef l = LLVMBuildLoad2(g->b, v->t, vp, "");
        LLVMSetAlignment(l, 4);
        return l;
    }
    LLVMTypeRef over[2] = {v->t, LLVMTypeOf(vp)};
    LLVMValueRef args[4] = {vp, cg_i32(g, 4), lane_mask(g, v, lanes), LLVMConstNull(v->t)};
    return vcall(g, "llvm.masked.load", over, 2, args, 4);
}

static void vstore(cg *g, const vec *v, LLVMValueRef x, LLVMValueRef p, int lanes)
{
    LLVMValueRef vp = vptr(g, v, p);
    if (lanes == v->w) {
        LLVMSetAlignment(LLVMBuildStore(g->b, x, vp), 4);
        return;
    }
    LLVMTypeRef over[2] = {v->t, LLVMTypeOf(vp)};
    LLVMValueRef args[4] = {x, vp, cg_i32(g, 4), lane_mask(g, v, lanes)};
    vcall(g, "llvm.masked.store", over, 2, args, 4);
}

/* The target's vector registers: 32 with AVX-512, 16 with AVX2 and SSE.
 * A tile's accumulators and operands must fit in them: one more spills
 * an accumulator to the stack on every step of the reduction (an 8 x 2
 * tile on AVX2 ran fashion_wide's products at a third of the machine's
 * speed). */
static int vector_registers(const vec *v) { return v->w == 16 ? 32 : 16; }

/* A hint to bring the line of base[index] into the caches (llvm.prefetch:
 * read, high locality, data). It never faults, and the address may lie
 * past the array (a plain GEP, not inbounds). */
static void prefetch(cg *g, LLVMValueRef base, LLVMValueRef index)
{
    LLVMValueRef p = LLVMBuildGEP2(g->b, g->f32, base, &index, 1, "");
    LLVMTypeRef over[1] = {LLVMTypeOf(p)};
    LLVMValueRef args[4] = {p, cg_i32(g, 0), cg_i32(g, 3), cg_i32(g, 1)};
    vcall(g, "llvm.prefetch", over, 1, args, 4);
}

static LLVMValueRef splat(cg *g, const vec *v, LLVMValueRef s)
{
    LLVMValueRef one = LLVMBuildInsertElement(g->b, LLVMGetUndef(v->t), s, cg_i32(g, 0), "");
    LLVMTypeRef mt = LLVMVectorType(g->i32, (unsigned)v->w);
    return LLVMBuildShuffleVector(g->b, one, LLVMGetUndef(v->t), LLVMConstNull(mt), "");
}

/* Sum of the lanes by a fixed tree: halves added until one lane is left. */
static LLVMValueRef hsum(cg *g, const vec *v, LLVMValueRef x)
{
    for (int h = v->w / 2; h >= 1; h /= 2) {
        LLVMValueRef idx[16];
        for (int k = 0; k < v->w; k++)
            idx[k] = cg_i32(g, (uint32_t)(k < h ? k + h : k));
        LLVMValueRef hi = LLVMBuildShuffleVector(g->b, x, LLVMGetUndef(v->t), LLVMConstVector(idx, (unsigned)v->w), "");
        x = LLVMBuildFAdd(g->b, x, hi, "");
    }
    return LLVMBuildExtractElement(g->b, x, cg_i32(g, 0), "");
}

/* A loop-carried value: a phi in the loop body with `init` from the preheader. */
static LLVMValueRef carried(cg *g, LLVMTypeRef t, LLVMValueRef init, LLVMBasicBlockRef pre)
{
    LLVMValueRef phi = LLVMBuildPhi(g->b, t, "acc");
    LLVMAddIncoming(phi, &init, &pre, 1);
    return phi;
}

static LLVMValueRef add_i(cg *g, LLVMValueRef a, int64_t k) { return LLVMBuildNSWAdd(g->b, a, cg_i64(g, k), ""); }

/* A reduction over k cut into blocks of at most about `max`, all kc long
 * but the last: the first block, then a loop over [kc, loop_end), then
 * [loop_end, k) when the last block is shorter. One block when k is
 * within 1.5 `max`. */
typedef struct reduction {
    int64_t kc, loop_end;
} reduction;

static reduction cut_reduction(int64_t k, int64_t max)
{
    if (k <= max + max / 2)
        return (reduction){.kc = k, .loop_end = k};
    int64_t blocks = (k + max - 1) / max, kc = (k + blocks - 1) / blocks;
    return (reduction){.kc = kc, .loop_end = k / kc * kc};
}

/* ---- NN: vectors along j ---------------------------------------------------- */

/* Where a tile reads B from: B(p0 + p, j0 + j) = b[(p0 + p)*ld + j0 + j] —
 * the operand itself, or a panel packed from it (p0 and j0 then 0). */
typedef struct bsrc {
    LLVMValueRef b, j0, p0;
    int64_t ld;
} bsrc;

/* Where a tile reads A from: A(i0 + r, p0 + k) = a[(i + r)*am + (p + k)*ak]
 * — the operand itself (i = i0, p = p0, its strides), or the block packed
 * tile by tile (pack_a: i = the tile's offset in the buffer, p = 0). */
typedef struct asrc {
    LLVMValueRef a, p;
    int64_t am, ak;
    int mr; /* packed: the rows of a tile */
} asrc;

/* `lanes` floats of the bias from column j (zeros without one): where the
 * sums start. */
static LLVMValueRef bias_at(cg *g, const vec *v, const cg_gemm *m, LLVMValueRef j, int lanes)
{
    return m->bias ? vload(g, v, cg_at(g, m->bias, j), lanes) : LLVMConstNull(v->t);
}

/* The reduction loop runs NN_UNROLL k steps per iteration when kc allows
 * (half the loop overhead on short reductions such as LeNet's k = 150,
 * ~20% on those products). */
enum { NN_UNROLL = 2 };

/* One tile: rows i0..i0+mr, vectors j0 + c*w for c < nv, the last one
 * `last` lanes wide, summing p over [p0, p0 + kc). The accumulators start
 * from C itself (`from_c`, a later block of the reduction) or from the
 * bias (zero without one). */
/* Row i0 + r of a tile, or with `end` (rows from end on are not C's: the
 * last tile of a range) the last row where it would lie past it. */
static LLVMValueRef tile_row(cg *g, LLVMValueRef i0, int r, LLVMValueRef end)
{
    LLVMValueRef i = add_i(g, i0, r);
    if (!end || r == 0)
        return i;
    return LLVMBuildSelect(g->b, LLVMBuildICmp(g->b, LLVMIntSLT, i, end, ""), i, add_i(g, end, -1), "");
}

static void nn_tile(cg *g, const vec *v, const cg_gemm *m, const asrc *as, LLVMValueRef ai, const bsrc *bs,
                    LLVMValueRef i0, LLVMValueRef end, LLVMValueRef j0, int64_t kc, int from_c, int mr, int nv,
                    int last)
{
    LLVMValueRef init[MAX_MR][MAX_NV], acc[MAX_MR][MAX_NV], next[MAX_MR][MAX_NV], cp[MAX_MR][MAX_NV], arow[MAX_MR];
    for (int r = 0; r < mr; r++) {
        LLVMValueRef row = tile_row(g, i0, r, end);
        arow[r] = as->a == m->a ? row : add_i(g, ai, r); /* the operand's row, or the packed tile's */
        LLVMValueRef crow = cg_idx(g, row, m->ldc, j0);
        for (int c = 0; c < nv; c++) {
            int lanes = c == nv - 1 ? last : v->w;
            cp[r][c] = cg_at(g, m->c, add_i(g, crow, c * v->w));
            if (from_c)
                init[r][c] = vload(g, v, cp[r][c], lanes);
            else if (r > 0)
                init[r][c] = init[0][c];
            else
                init[r][c] = bias_at(g, v, m, add_i(g, j0, c * v->w), lanes);
        }
    }
    LLVMBasicBlockRef pre = LLVMGetInsertBlock(g->b);
    int u = kc % NN_UNROLL == 0 ? NN_UNROLL : 1;
    cg_loop l = cg_for(g, 0, kc, u, "gk");
    for (int r = 0; r < mr; r++)
        for (int c = 0; c < nv; c++)
            acc[r][c] = next[r][c] = carried(g, v->t, init[r][c], pre);
    for (int q = 0; q < u; q++) { /* p = p0 + k + q, in order: the same sums */
        LLVMValueRef k = add_i(g, l.iv, q), bv[MAX_NV];
        LLVMValueRef brow = cg_idx(g, LLVMBuildNSWAdd(g->b, bs->p0, k, ""), bs->ld, bs->j0);
        for (int c = 0; c < nv; c++)
            bv[c] = vload(g, v, cg_at(g, bs->b, add_i(g, brow, c * v->w)), c == nv - 1 ? last : v->w);
        LLVMValueRef apk = cg_idx(g, LLVMBuildNSWAdd(g->b, as->p, k, ""), as->ak, NULL);
        for (int r = 0; r < mr; r++) {
            LLVMValueRef at = cg_idx(g, arow[r], as->am, apk);
            LLVMValueRef a = splat(g, v, cg_load(g, cg_at(g, as->a, at)));
            for (int c = 0; c < nv; c++)
                next[r][c] = cg_fmuladd(g, a, bv[c], next[r][c]);
        }
    }
    LLVMBasicBlockRef latch = LLVMGetInsertBlock(g->b);
    cg_end(g, &l);
    for (int r = 0; r < mr; r++) {
        LLVMBasicBlockRef done = NULL;
        if (end && r > 0) { /* a row past the end: computed, not stored */
            LLVMBasicBlockRef store = LLVMAppendBasicBlockInContext(g->ctx, g->fn, "gst");
            done = LLVMAppendBasicBlockInContext(g->ctx, g->fn, "gstdone");
            LLVMBuildCondBr(g->b, LLVMBuildICmp(g->b, LLVMIntSLT, add_i(g, i0, r), end, ""), store, done);
            LLVMPositionBuilderAtEnd(g->b, store);
        }
        for (int c = 0; c < nv; c++) {
            LLVMAddIncoming(acc[r][c], &next[r][c], &latch, 1);
            vstore(g, v, next[r][c], cp[r][c], c == nv - 1 ? last : v->w);
        }
        if (done) {
            LLVMBuildBr(g->b, done);
            LLVMPositionBuilderAtEnd(g->b, done);
        }
    }
}

/* Rows [base, base + count) in tiles of mr, then one edge tile. */
/* The rows of a tile with nv vectors: the accumulators, nv of B and one
 * broadcast of A in the target's registers; with 16 registers at most 6
 * (8 x 1 tiles still spilled: the reduction's unrolled steps keep two sets
 * of sums in flight). */
static int tile_rows(const vec *v, int nv)
{
    int regs = vector_registers(v), mr = (regs - 1 - nv) / nv, most = regs == 16 ? 6 : MAX_MR;
    return mr < most ? mr : most;
}

/* Rows [tile * per, tile * per + per) of the next panel's sliver of B
 * (columns from j0; the last tiles' may lie past it, harmlessly), fetched
 * while this panel's row tiles compute: packing it is then no longer a
 * walk of kc cache misses a B row apart (~10% of a 2048-wide product on
 * znver3; prefetching from the packing loop itself, a panel ahead, did
 * not help). */
static void prefetch_sliver(cg *g, const cg_gemm *m, LLVMValueRef tile, int64_t per, LLVMValueRef j0, LLVMValueRef p0)
{
    LLVMValueRef row = cg_idx(g, LLVMBuildNSWAdd(g->b, p0, cg_idx(g, tile, per, NULL), ""), m->ldb, j0);
    for (int64_t q = 0; q < per; q++)
        prefetch(g, m->b, add_i(g, row, q * m->ldb));
}

static void nn_rows(cg *g, const vec *v, const cg_gemm *m, const asrc *as, const bsrc *bs, LLVMValueRef base,
                    int64_t count, LLVMValueRef j0, LLVMValueRef p0, int64_t kc, int from_c, int nv, int last,
                    LLVMValueRef next_j0)
{
    int mr = tile_rows(v, nv);
    if (as && as->mr != mr)
        as = NULL; /* packed for tiles of another height */
    asrc direct = {.a = m->a, .p = p0, .am = m->a_m, .ak = m->a_k};
    const asrc *src = as ? as : &direct;
    /* Whole tiles; the rest of the rows, when there are whole tiles too,
     * as one more whole tile that stores only C's rows (one tile's code
     * instead of two: a module a fifth smaller for the compiler) */
    int64_t tiles = count >= mr ? (count + mr - 1) / mr : 0, full = tiles * mr;
    LLVMValueRef end = full > count ? add_i(g, base, count) : NULL;
    if (tiles > 0) {
        cg_loop i = cg_for(g, 0, full, mr, "gi");
        LLVMValueRef i0 = LLVMBuildNSWAdd(g->b, base, i.iv, "");
        if (next_j0)
            prefetch_sliver(g, m, LLVMBuildExactSDiv(g->b, i.iv, cg_i64(g, mr), ""), (kc + tiles - 1) / tiles, next_j0,
                            p0);
        nn_tile(g, v, m, src, as ? cg_idx(g, i.iv, kc, NULL) : i0, bs, i0, end, j0, kc, from_c, mr, nv, last);
        cg_end(g, &i);
    } else {
        nn_tile(g, v, m, src, as ? cg_i64(g, 0) : base, bs, base, NULL, j0, kc, from_c, (int)count, nv, last);
    }
}

/* The vectors of one panel of B: a 64-column panel with AVX-512, 16
 * columns with AVX2 (a 6 x 2 tile: 12 accumulators, 2 of B, 1 of A). */
static int panel_vectors(const vec *v) { return v->w == 16 ? MAX_NV : 2; }

/* The rows of a reduction block: its sliver of a B panel stays in L1
 * while the row tiles go by — 128 x 64 floats (32 KB) with AVX-512, 256 x
 * 16 (16 KB) with AVX2, whose 16-column panels would otherwise leave C to
 * be loaded and stored again every 128 steps (~10% of a 2048-wide
 * product's time on znver3, the loads missing L2). */
static int64_t block_rows(const vec *v) { return v->w == 16 ? 128 : 256; }

/* The packing buffer: one per function, in its entry block, for the
 * largest sliver (a reduction block of at most 1.5 block_rows rows). */
static LLVMValueRef pack_buffer(cg *g, const vec *v)
{
    if (g->pack_fn != g->fn) {
        int64_t rows = block_rows(v) + block_rows(v) / 2;
        LLVMTypeRef t = LLVMArrayType(g->f32, (unsigned)(rows * panel_vectors(v) * v->w));
        g->pack = cg_entry_alloca(g, t, 64, "pack");
        g->pack_fn = g->fn;
    }
    return g->pack;
}

/* B(p0 .. p0 + kc, j0 .. j0 + nv vectors) copied to consecutive vectors
 * of the buffer: the sliver every row tile reads, made contiguous. In B
 * itself its rows lie ldb floats apart, which for the power-of-two widths
 * networks use puts them all in the same few L1 sets — the sliver would
 * not stay in L1 between row tiles. */
static bsrc pack_b(cg *g, const vec *v, const cg_gemm *m, LLVMValueRef j0, LLVMValueRef p0, int64_t kc, int nv)
{
    LLVMValueRef buf = pack_buffer(g, v);
    cg_loop p = cg_for(g, 0, kc, 1, "pack");
    LLVMValueRef from = cg_idx(g, LLVMBuildNSWAdd(g->b, p0, p.iv, ""), m->ldb, j0);
    LLVMValueRef to = cg_idx(g, p.iv, (int64_t)nv * v->w, NULL);
    for (int c = 0; c < nv; c++)
        vstore(g, v, vload(g, v, cg_at(g, m->b, add_i(g, from, c * v->w)), v->w), cg_at(g, buf, add_i(g, to, c * v->w)),
               v->w);
    cg_end(g, &p);
    return (bsrc){.b = buf, .j0 = cg_i64(g, 0), .p0 = cg_i64(g, 0), .ld = (int64_t)nv * v->w};
}

/* rows[0..w) transposed in place: lane q of row r goes to lane r of row q.
 * Each step swaps the off-diagonal s x s blocks of every 2s x 2s block
 * (one two-source shuffle per row); the steps for s = w/2, ..., 1 together
 * transpose. */
static void transpose(cg *g, const vec *v, LLVMValueRef *rows)
{
    for (int s = v->w / 2; s >= 1; s /= 2)
        for (int i = 0; i < v->w; i++) {
            if (i & s)
                continue;
            LLVMValueRef lo[16], hi[16];
            for (int j = 0; j < v->w; j++) {
                lo[j] = cg_i32(g, (uint32_t)(j & s ? v->w + j - s : j));
                hi[j] = cg_i32(g, (uint32_t)(j & s ? v->w + j : j + s));
            }
            LLVMValueRef a = rows[i], b = rows[i + s];
            rows[i] = LLVMBuildShuffleVector(g->b, a, b, LLVMConstVector(lo, (unsigned)v->w), "");
            rows[i + s] = LLVMBuildShuffleVector(g->b, a, b, LLVMConstVector(hi, (unsigned)v->w), "");
        }
}

/* For a B read transposed (B(p, j) = b[j*ldb + p]): sliver rows
 * [pb, pb + np) (np <= w) of the panel's nv vectors, the last `last`
 * lanes wide, into the buffer — w x w blocks loaded along p, transposed
 * in registers, stored along j. */
static void pack_t_block(cg *g, const vec *v, const cg_gemm *m, LLVMValueRef buf, int64_t ld, LLVMValueRef j0,
                         LLVMValueRef p, LLVMValueRef pb, int np, int nv, int last)
{
    for (int c = 0; c < nv; c++) {
        LLVMValueRef rows[16];
        for (int r = 0; r < v->w; r++)
            rows[r] = r < (c == nv - 1 ? last : v->w)
                          ? vload(g, v, cg_at(g, m->b, cg_idx(g, add_i(g, j0, c * v->w + r), m->ldb, p)), np)
                          : LLVMConstNull(v->t);
        transpose(g, v, rows);
        for (int q = 0; q < np; q++)
            vstore(g, v, rows[q], cg_at(g, buf, cg_idx(g, add_i(g, pb, q), ld, cg_i64(g, c * v->w))), v->w);
    }
}

static bsrc pack_b_trans(cg *g, const vec *v, const cg_gemm *m, LLVMValueRef j0, LLVMValueRef p0, int64_t kc, int nv,
                         int last)
{
    LLVMValueRef buf = pack_buffer(g, v);
    int64_t ld = (int64_t)nv * v->w, full = kc / v->w * v->w;
    if (full > 0) {
        cg_loop pb = cg_for(g, 0, full, v->w, "packt");
        pack_t_block(g, v, m, buf, ld, j0, LLVMBuildNSWAdd(g->b, p0, pb.iv, ""), pb.iv, v->w, nv, last);
        cg_end(g, &pb);
    }
    if (full < kc)
        pack_t_block(g, v, m, buf, ld, j0, add_i(g, p0, full), cg_i64(g, full), (int)(kc - full), nv, last);
    return (bsrc){.b = buf, .j0 = cg_i64(g, 0), .p0 = cg_i64(g, 0), .ld = ld};
}

/* Where the tiles of one panel read B: B itself, or a packed copy — always
 * for a B read transposed, else when enough row tiles reuse the sliver and
 * B's rows are far enough apart to collide in L1. */
static bsrc panel_b(cg *g, const vec *v, const cg_gemm *m, int64_t count, LLVMValueRef j0, LLVMValueRef p0, int64_t kc,
                    int nv, int last)
{
    if (m->b_trans)
        return pack_b_trans(g, v, m, j0, p0, kc, nv, last);
    if (nv == panel_vectors(v) && last == v->w && count >= 3 * MAX_MR && kc >= 16 && m->ldb >= 256)
        return pack_b(g, v, m, j0, p0, kc, nv);
    return (bsrc){.b = m->b, .j0 = j0, .p0 = p0, .ld = m->ldb};
}

/* ---- packing A ---------------------------------------------------------------- */

/* A block of A is packed (AVX2) when many panels read it, and its rows —
 * or for x^T its reduction steps — lie at least PACK_A_STRIDE floats
 * apart: at most PACK_A_ROWS rows (one buffer on the stack, 264 x 384
 * floats). On znver3 this made fashion_wide's step 13% faster on two
 * threads; digits' 64- and 128-wide products, which stay in L1 anyway,
 * only paid for the copy. AVX-512's 64-column panels ran at 84-89% of
 * that machine's ceiling without it, and are left as they were. */
enum { PACK_A_ROWS = 264, PACK_A_PANELS = 8, PACK_A_STRIDE = 256 };

static int pack_a_pays(const vec *v, const cg_gemm *m, int64_t count, int64_t ncols, int64_t kc)
{
    int64_t panel = (int64_t)panel_vectors(v) * v->w, stride = m->a_k == 1 ? m->a_m : m->a_k;
    int mr = tile_rows(v, panel_vectors(v));
    return vector_registers(v) == 16 && (m->a_k == 1 || m->a_m == 1) && stride >= PACK_A_STRIDE &&
           count >= 4 * mr && (count + mr - 1) / mr * mr <= PACK_A_ROWS && ncols >= PACK_A_PANELS * panel && kc >= 32;
}

static LLVMValueRef apack_buffer(cg *g, const vec *v)
{
    if (g->apack_fn != g->fn) {
        int64_t floats = PACK_A_ROWS * (block_rows(v) + block_rows(v) / 2) + v->w;
        g->apack = cg_entry_alloca(g, LLVMArrayType(g->f32, (unsigned)floats), 64, "apack");
        g->apack_fn = g->fn;
    }
    return g->apack;
}

/* The tile of mr rows at A row i, p over [p0, p0 + kc), to buf + at: p
 * after p, mr floats each (the tile's rows for one step of the reduction
 * side by side, where its broadcasts read them). Rows from `end` on are
 * not A's (the last tile of the block): they are read as the last row
 * again, or masked off, and no tile uses them. Each store writes a whole
 * vector, its lanes past mr overwritten by the next. */
static void pack_a_tile(cg *g, const vec *v, const cg_gemm *m, LLVMValueRef buf, LLVMValueRef at, LLVMValueRef i,
                        LLVMValueRef end, LLVMValueRef p0, int64_t kc, int mr)
{
    LLVMValueRef left = LLVMBuildSub(g->b, end, i, ""); /* rows of A in this tile, 1 .. */
    if (m->a_m == 1) { /* A(i, p) = a[p*a_k + i]: a tile's rows are adjacent, loaded under a mask */
        LLVMTypeRef mt = LLVMVectorType(g->i32, (unsigned)v->w);
        LLVMValueRef lane[16];
        for (int k = 0; k < v->w; k++)
            lane[k] = cg_i32(g, (uint32_t)k);
        LLVMValueRef more = LLVMBuildICmp(g->b, LLVMIntSGT, left, cg_i64(g, mr), "");
        LLVMValueRef n = LLVMBuildTrunc(g->b, LLVMBuildSelect(g->b, more, cg_i64(g, mr), left, ""), g->i32, "");
        LLVMValueRef one = LLVMBuildInsertElement(g->b, LLVMGetUndef(mt), n, cg_i32(g, 0), "");
        LLVMValueRef mask = LLVMBuildICmp(g->b, LLVMIntULT, LLVMConstVector(lane, (unsigned)v->w),
                                          LLVMBuildShuffleVector(g->b, one, LLVMGetUndef(mt), LLVMConstNull(mt), ""), "");
        cg_loop p = cg_for(g, 0, kc, 1, "packa");
        LLVMValueRef from = vptr(g, v, cg_at(g, m->a, cg_idx(g, LLVMBuildNSWAdd(g->b, p0, p.iv, ""), m->a_k, i)));
        LLVMTypeRef over[2] = {v->t, LLVMTypeOf(from)};
        LLVMValueRef args[4] = {from, cg_i32(g, 4), mask, LLVMConstNull(v->t)};
        vstore(g, v, vcall(g, "llvm.masked.load", over, 2, args, 4), cg_at(g, buf, cg_idx(g, p.iv, mr, at)), v->w);
        cg_end(g, &p);
        return;
    }
    /* A(i, p) = a[i*a_m + p]: w steps of each row, transposed in registers */
    LLVMValueRef row[16];
    for (int r = 0; r < mr; r++) {
        LLVMValueRef in = LLVMBuildICmp(g->b, LLVMIntSLT, cg_i64(g, r), left, "");
        row[r] = cg_idx(g, LLVMBuildSelect(g->b, in, add_i(g, i, r), LLVMBuildSub(g->b, end, cg_i64(g, 1), ""), ""),
                        m->a_m, p0);
    }
    int64_t full = kc / v->w * v->w;
    for (int part = 0; part < 2; part++) {
        if (part == 1 && full == kc)
            break;
        cg_loop pb = {0};
        LLVMValueRef pk = cg_i64(g, full);
        if (part == 0) {
            if (full == 0)
                continue;
            pb = cg_for(g, 0, full, v->w, "packat");
            pk = pb.iv;
        }
        int lanes = part == 0 ? v->w : (int)(kc - full);
        LLVMValueRef rv[16];
        for (int r = 0; r < v->w; r++)
            rv[r] = r < mr ? vload(g, v, cg_at(g, m->a, LLVMBuildNSWAdd(g->b, row[r], pk, "")), lanes) : LLVMConstNull(v->t);
        transpose(g, v, rv);
        for (int q = 0; q < lanes; q++)
            vstore(g, v, rv[q], cg_at(g, buf, cg_idx(g, add_i(g, pk, q), mr, at)), v->w);
        if (part == 0)
            cg_end(g, &pb);
    }
}

/* Rows [base, base + count) of A, p over [p0, p0 + kc), packed tile by
 * tile (tiles of mr rows, the last one maybe shorter) into a buffer that
 * stays in L2 while every panel's tiles read it: their broadcasts then
 * walk consecutive floats, where the operand's rows (or, for x^T, its
 * steps) lie a power-of-two stride apart in the same few cache sets. */
static asrc pack_a(cg *g, const vec *v, const cg_gemm *m, LLVMValueRef base, int64_t count, LLVMValueRef p0, int64_t kc,
                   int mr)
{
    LLVMValueRef buf = apack_buffer(g, v), end = add_i(g, base, count);
    cg_loop t = cg_for(g, 0, (count + mr - 1) / mr * mr, mr, "packt");
    pack_a_tile(g, v, m, buf, cg_idx(g, t.iv, kc, NULL), LLVMBuildNSWAdd(g->b, base, t.iv, ""), end, p0, kc, mr);
    cg_end(g, &t);
    return (asrc){.a = buf, .p = cg_i64(g, 0), .am = 1, .ak = mr, .mr = mr};
}

/* Columns [jbase, jbase + ncols) of rows [base, base + count), panel by
 * panel, summing p over [p0, p0 + kc). */
static void nn_block(cg *g, const vec *v, const cg_gemm *m, LLVMValueRef base, int64_t count, LLVMValueRef jbase,
                     int64_t ncols, LLVMValueRef p0, int64_t kc, int from_c)
{
    int nvmax = panel_vectors(v);
    asrc packed, *as = NULL;
    if (pack_a_pays(v, m, count, ncols, kc)) {
        packed = pack_a(g, v, m, base, count, p0, kc, tile_rows(v, nvmax));
        as = &packed;
    }
    int64_t panel = (int64_t)nvmax * v->w, full = ncols / panel * panel;
    if (full > 0) {
        cg_loop j = cg_for(g, 0, full, panel, "gj");
        LLVMValueRef j0 = LLVMBuildNSWAdd(g->b, jbase, j.iv, "");
        bsrc bs = panel_b(g, v, m, count, j0, p0, kc, nvmax, v->w);
        LLVMValueRef next = bs.b != m->b && !m->b_trans ? add_i(g, j0, panel) : NULL; /* packed from B's rows */
        nn_rows(g, v, m, as, &bs, base, count, j0, p0, kc, from_c, nvmax, v->w, next);
        cg_end(g, &j);
    }
    if (full < ncols) {
        int64_t rest = ncols - full;
        int nv = (int)((rest + v->w - 1) / v->w), last = (int)(rest - (int64_t)(nv - 1) * v->w);
        LLVMValueRef j0 = add_i(g, jbase, full);
        bsrc bs = panel_b(g, v, m, count, j0, p0, kc, nv, last);
        nn_rows(g, v, m, as, &bs, base, count, j0, p0, kc, from_c, nv, last, NULL);
    }
}

/* A long reduction runs in blocks of block_rows: the B sliver a tile reads
 * (32 KB or 16 KB) then stays in L1 while the row tiles go
 * by, instead of streaming the whole k x 64 panel from L2 or beyond for
 * every tile. Each block resumes from what the last one stored in C, so
 * every sum still runs p = 0, 1, ..., k-1 in one chain: blocked and
 * unblocked results are the same bits. */
/* C(i, j) = bias[j] (0 without one) over the rows and columns given: where
 * the sums of a product of MERGE_BLOCKS reduction blocks or more start, so
 * that its first block is the same code as the others (half the code to
 * compile). The extra pass over C costs too much for fewer blocks (a
 * 2048 x 2048 dW summed over a batch of 256: 4% of fashion_wide's step). */
enum { MERGE_BLOCKS = 4 };

static void c_init(cg *g, const vec *v, const cg_gemm *m, LLVMValueRef base, int64_t count, LLVMValueRef jbase,
                   int64_t ncols)
{
    int64_t full = ncols / v->w * v->w;
    cg_loop i = cg_for(g, 0, count, 1, "ci");
    LLVMValueRef row = cg_idx(g, LLVMBuildNSWAdd(g->b, base, i.iv, ""), m->ldc, jbase);
    if (full > 0) {
        cg_loop j = cg_for(g, 0, full, v->w, "cj");
        LLVMValueRef b = bias_at(g, v, m, LLVMBuildNSWAdd(g->b, jbase, j.iv, ""), v->w);
        vstore(g, v, b, cg_at(g, m->c, LLVMBuildNSWAdd(g->b, row, j.iv, "")), v->w);
        cg_end(g, &j);
    }
    if (full < ncols) /* a partial last vector */
        vstore(g, v, bias_at(g, v, m, add_i(g, jbase, full), (int)(ncols - full)), cg_at(g, m->c, add_i(g, row, full)),
               (int)(ncols - full));
    cg_end(g, &i);
}

static void nn_product(cg *g, const cg_gemm *m, LLVMValueRef base, int64_t count, LLVMValueRef jbase, int64_t ncols)
{
    vec v = host_vec(g);
    reduction r = cut_reduction(m->k, block_rows(&v));
    if (r.loop_end < MERGE_BLOCKS * r.kc) { /* the first block starts from the bias */
        nn_block(g, &v, m, base, count, jbase, ncols, cg_i64(g, 0), r.kc, 0);
        if (r.loop_end > r.kc) {
            cg_loop pc = cg_for(g, r.kc, r.loop_end, r.kc, "gkb");
            nn_block(g, &v, m, base, count, jbase, ncols, pc.iv, r.kc, 1);
            cg_end(g, &pc);
        }
    } else { /* C starts at the bias, and every block is one loop's body */
        c_init(g, &v, m, base, count, jbase, ncols);
        cg_loop pc = cg_for(g, 0, r.loop_end, r.kc, "gkb");
        nn_block(g, &v, m, base, count, jbase, ncols, pc.iv, r.kc, 1);
        cg_end(g, &pc);
    }
    if (r.loop_end < m->k)
        nn_block(g, &v, m, base, count, jbase, ncols, cg_i64(g, r.loop_end), m->k - r.loop_end, 1);
}

void cg_gemm_nn_rows(cg *g, const cg_gemm *m, LLVMValueRef base, int64_t count)
{
    nn_product(g, m, base, count, cg_i64(g, 0), m->n);
}

void cg_gemm_nn_cols(cg *g, const cg_gemm *m, LLVMValueRef base, int64_t count)
{
    nn_product(g, m, cg_i64(g, 0), m->m, base, count);
}

/* ---- NT: dot products, vectors along p ---------------------------------------- */

/* One tile of mr x nr dot products starting at (i0, j0). */
static void nt_tile(cg *g, const vec *v, const cg_gemm *m, LLVMValueRef i0, LLVMValueRef j0, int mr, int nr)
{
    LLVMValueRef acc[NT_MR][NT_NR], sum[NT_MR][NT_NR];
    LLVMValueRef arow[NT_MR], brow[NT_NR];
    for (int r = 0; r < mr; r++) {
        arow[r] = cg_idx(g, add_i(g, i0, r), m->a_m, NULL);
        for (int c = 0; c < nr; c++)
            sum[r][c] = LLVMConstNull(v->t);
    }
    for (int c = 0; c < nr; c++)
        brow[c] = cg_idx(g, add_i(g, j0, c), m->ldb, NULL);
    int64_t full = m->k / v->w * v->w;
    if (full > 0) {
        LLVMBasicBlockRef pre = LLVMGetInsertBlock(g->b);
        cg_loop p = cg_for(g, 0, full, v->w, "gp");
        LLVMValueRef av[NT_MR], next[NT_MR][NT_NR];
        for (int r = 0; r < mr; r++)
            for (int c = 0; c < nr; c++)
                acc[r][c] = carried(g, v->t, sum[r][c], pre);
        for (int r = 0; r < mr; r++)
            av[r] = vload(g, v, cg_at(g, m->a, LLVMBuildNSWAdd(g->b, arow[r], p.iv, "")), v->w);
        for (int c = 0; c < nr; c++) {
            LLVMValueRef bv = vload(g, v, cg_at(g, m->b, LLVMBuildNSWAdd(g->b, brow[c], p.iv, "")), v->w);
            for (int r = 0; r < mr; r++)
                next[r][c] = cg_fmuladd(g, av[r], bv, acc[r][c]);
        }
        LLVMBasicBlockRef latch = LLVMGetInsertBlock(g->b);
        cg_end(g, &p);
        for (int r = 0; r < mr; r++)
            for (int c = 0; c < nr; c++) {
                LLVMAddIncoming(acc[r][c], &next[r][c], &latch, 1);
                sum[r][c] = next[r][c];
            }
    }
    if (full < m->k) { /* the last partial vector, masked */
        int lanes = (int)(m->k - full);
        LLVMValueRef av[NT_MR];
        for (int r = 0; r < mr; r++)
            av[r] = vload(g, v, cg_at(g, m->a, add_i(g, arow[r], full)), lanes);
        for (int c = 0; c < nr; c++) {
            LLVMValueRef bv = vload(g, v, cg_at(g, m->b, add_i(g, brow[c], full)), lanes);
            for (int r = 0; r < mr; r++)
                sum[r][c] = cg_fmuladd(g, av[r], bv, sum[r][c]);
        }
    }
    for (int r = 0; r < mr; r++)
        for (int c = 0; c < nr; c++)
            cg_store(g, hsum(g, v, sum[r][c]), cg_at(g, m->c, cg_idx(g, add_i(g, i0, r), m->ldc, add_i(g, j0, c))));
}

static void nt_cols(cg *g, const vec *v, const cg_gemm *m, LLVMValueRef i0, int mr)
{
    int64_t full = m->n / NT_NR * NT_NR;
    if (full > 0) {
        cg_loop j = cg_for(g, 0, full, NT_NR, "gj");
        nt_tile(g, v, m, i0, j.iv, mr, NT_NR);
        cg_end(g, &j);
    }
    if (full < m->n)
        nt_tile(g, v, m, i0, cg_i64(g, full), mr, (int)(m->n - full));
}

void cg_gemm_nt_rows(cg *g, const cg_gemm *m, LLVMValueRef base, int64_t count)
{
    vec v = host_vec(g);
    int mr = vector_registers(&v) == 32 ? NT_MR : 3; /* 3 x 4 sums + 3 of A: 15 of 16 registers */
    int64_t full = count / mr * mr;
    if (full > 0) {
        cg_loop i = cg_for(g, 0, full, mr, "gi");
        nt_cols(g, &v, m, LLVMBuildNSWAdd(g->b, base, i.iv, ""), mr);
        cg_end(g, &i);
    }
    if (full < count)
        nt_cols(g, &v, m, add_i(g, base, full), (int)(count - full));
}
