/* cg_gemm.c — register-blocked matrix products for the exact shapes of a
 * plan (the LIBXSMM approach): explicit vector IR, accumulators held in
 * registers (phi nodes) across the whole reduction, masked loads/stores
 * for a partial last vector, the rows past the last whole tile as one more
 * tile whose rows past the end repeat C's last row. The dense layer
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
 *                of A feeds nv vectors; the reduction loop steps one
 *                pointer into A and one into B (no LSR: cg_target.c).
 *                The reduction runs in blocks,
 *                panel by panel of B (64 columns, AVX2 16); cg_pack.c
 *                copies each block's sliver of a panel where the tiles
 *                read it best, and with AVX2 a large block of A.
 *   cg_gemm_nt_rows   C(i, j) = sum_p a[i*a_m + p] b[j*ldb + p]   (dZ W^T)
 *                tile: mr x nr dot products (4 x 4, AVX2 3 x 4),
 *                vectors along p, a row's 4 accumulators summed
 *                together by a fixed shuffle tree at the end.
 *                Every row tile reads all of B, so it is for a B that
 *                stays in L2 (a larger W^T goes to the nn kernel, b_trans).
 *
 * Each emits a range [base, base + count) of C's rows or columns, base a
 * run-time value (cg_parallel.c hands out chunks to threads). Every sum
 * runs in one fixed order, so results do not depend on how C is split.
 * The vector width is the target's (cg_vector_floats: 16 floats with
 * AVX-512, 8 with AVX2).
 */
#include "cg_kernel.h"

enum { NT_MR = 4, NT_NR = 4 }; /* NT_NR: the 4 sums of lane_sums4 */

/* Lanes of a and b added in pairs, within each group of 4 lanes g:
 * [a0+a1, a2+a3, b0+b1, b2+b3] of that group (x86's haddps). */
static LLVMValueRef pair_add(cg *g, const vec *v, LLVMValueRef a, LLVMValueRef b)
{
    LLVMValueRef even[16], odd[16];
    for (int k = 0; k < v->w; k++) {
        int group = k / 4 * 4, from_b = k % 4 >= 2 ? v->w : 0, lane = group + 2 * (k % 2);
        even[k] = cg_i32(g, (uint32_t)(from_b + lane));
        odd[k] = cg_i32(g, (uint32_t)(from_b + lane + 1));
    }
    LLVMValueRef e = LLVMBuildShuffleVector(g->b, a, b, LLVMConstVector(even, (unsigned)v->w), "");
    LLVMValueRef o = LLVMBuildShuffleVector(g->b, a, b, LLVMConstVector(odd, (unsigned)v->w), "");
    return LLVMBuildFAdd(g->b, e, o, "");
}

/* The lane sums of x[0..3] as one vector of 4 (x[c] for c >= n: zeros),
 * by a fixed tree: each group of 4 lanes summed in pairs, (l0 + l1) +
 * (l2 + l3), four vectors at once; then the groups added, halves until 4
 * lanes are left. Half the instructions of summing each on its own, and
 * one store. */
static LLVMValueRef lane_sums4(cg *g, const vec *v, const LLVMValueRef *x, int n)
{
    LLVMValueRef in[4];
    for (int c = 0; c < 4; c++)
        in[c] = c < n ? x[c] : LLVMConstNull(v->t);
    LLVMValueRef s = pair_add(g, v, pair_add(g, v, in[0], in[1]), pair_add(g, v, in[2], in[3]));
    for (int w = v->w; w > 4; w /= 2) {
        LLVMValueRef lo[8], hi[8];
        for (int k = 0; k < w / 2; k++) {
            lo[k] = cg_i32(g, (uint32_t)k);
            hi[k] = cg_i32(g, (uint32_t)(k + w / 2));
        }
        LLVMValueRef l = LLVMBuildShuffleVector(g->b, s, LLVMGetUndef(LLVMTypeOf(s)), LLVMConstVector(lo, (unsigned)w / 2), "");
        LLVMValueRef h = LLVMBuildShuffleVector(g->b, s, LLVMGetUndef(LLVMTypeOf(s)), LLVMConstVector(hi, (unsigned)w / 2), "");
        s = LLVMBuildFAdd(g->b, l, h, "");
    }
    return s;
}

/* A loop-carried value: a phi in the loop body with `init` from the preheader. */
static LLVMValueRef carried(cg *g, LLVMTypeRef t, LLVMValueRef init, LLVMBasicBlockRef pre)
{
    LLVMValueRef phi = LLVMBuildPhi(g->b, t, "acc");
    LLVMAddIncoming(phi, &init, &pre, 1);
    return phi;
}

/* A pointer that a loop steps by `step` floats each iteration (the
 * loop's own strength reduction: cg_target.c runs no LSR). A plain GEP:
 * the last step points past the operand and is never loaded from. */
static LLVMValueRef step_pointer(cg *g, LLVMValueRef p, int64_t step)
{
    LLVMValueRef k = cg_i64(g, step);
    return LLVMBuildGEP2(g->b, g->f32, p, &k, 1, "");
}

/* A reduction over k cut into blocks of at most about `max`, all kc long
 * but the last: the first block, then a loop over [kc, loop_end), then
 * [loop_end, k) when the last block is shorter. One block when k is
 * within 1.5 `max`. Blocks of an even length between max / 2 and max that
 * divides k where there is one: no shorter last block, whose copy of the
 * block's code would be compiled too. */
typedef struct reduction {
    int64_t kc, loop_end;
} reduction;

static reduction cut_reduction(int64_t k, int64_t max)
{
    if (k <= max + max / 2)
        return (reduction){.kc = k, .loop_end = k};
    for (int64_t kc = max / 2 * 2; kc >= max / 2; kc -= 2)
        if (k % kc == 0)
            return (reduction){.kc = kc, .loop_end = k};
    int64_t blocks = (k + max - 1) / max, kc = (k + blocks - 1) / blocks;
    return (reduction){.kc = kc, .loop_end = k / kc * kc};
}

/* ---- NN: vectors along j ---------------------------------------------------- */

/* `lanes` floats of the bias from column j (zeros without one): where the
 * sums start. */
static LLVMValueRef bias_at(cg *g, const vec *v, const cg_gemm *m, LLVMValueRef j, int lanes)
{
    return m->bias ? vload(g, v, cg_at(g, m->bias, j), lanes) : LLVMConstNull(v->t);
}

/* The reduction loop runs NN_UNROLL k steps per iteration when kc allows
 * and the product has NN_UNROLL_MACS multiply-adds or more. The second
 * copy of the reduction step halves the loop's overhead: fashion_mlp's
 * step 12% faster with it (its products 17M and 51M multiply-adds; ABBA of
 * 8), LeNet's the same. It costs ~150 IR instructions per product, ~3 ms
 * of compile on two threads; saving ~10% of a product of 8M
 * multiply-adds (~0.1 ms a step) over a range test's few hundred steps
 * is about as much, so smaller products keep one copy (digits' compile
 * 75 -> 50 ms, its step the same; LeNet's dense layers 13% of its
 * module). */
enum { NN_UNROLL = 2 };
#define NN_UNROLL_MACS (INT64_C(1) << 23)

static int nn_unroll(const cg_gemm *m, int64_t kc)
{
    return kc % NN_UNROLL == 0 && m->m * m->n * m->k >= NN_UNROLL_MACS ? NN_UNROLL : 1;
}

/* A tile's rows: i0 + r, or with `end` (the rows from end on are not C's:
 * the last tile of a range) the last row of C for those past it. */
typedef struct rowset {
    LLVMValueRef in[MAX_MR]; /* whether row r is C's (NULL: it is) */
    LLVMValueRef back;       /* end - 1 - i0: C's last row, counted from i0 (NULL without end) */
} rowset;

static rowset tile_rowset(cg *g, LLVMValueRef i0, int mr, LLVMValueRef end)
{
    rowset t = {.back = NULL};
    if (end) {
        t.back = LLVMBuildNSWSub(g->b, add_i(g, end, -1), i0, "");
        for (int r = 1; r < mr; r++)
            t.in[r] = LLVMBuildICmp(g->b, LLVMIntSLT, add_i(g, i0, r), end, "");
    }
    return t;
}

/* Where each row of the tile lies from row i0, in bytes, in an operand
 * whose rows are ld floats apart: NULL for a constant r * ld floats, or
 * for a row that may lie past the end a select between r rows and C's
 * last row, made once — the code generator cannot sink a select back into
 * a loop as arithmetic, as it would a product. */
static void row_offsets(cg *g, const rowset *t, int mr, int64_t ld, LLVMValueRef *bytes)
{
    LLVMValueRef back = t->back ? cg_idx(g, t->back, ld * 4, NULL) : NULL;
    for (int r = 0; r < mr; r++)
        bytes[r] = t->in[r] ? LLVMBuildSelect(g->b, t->in[r], cg_i64(g, r * ld * 4), back, "") : NULL;
}

/* p (at row i0) moved to row r: by row_offsets' select, or by a constant. */
static LLVMValueRef row_ptr(cg *g, LLVMValueRef p, LLVMValueRef bytes, int r, int64_t ld)
{
    if (bytes)
        return cg_at_bytes(g, p, bytes);
    return r > 0 ? cg_at(g, p, cg_i64(g, r * ld)) : p;
}

/* One tile: rows i0..i0+mr, vectors j0 + c*w for c < nv, the last one
 * `last` lanes wide, summing kc steps of A (from `as`) times B
 * (from `bs`); with `end`, the rows from end on are C's last row again
 * (rowset), overwritten by the real one. The accumulators start from C
 * itself (`from_c`, a later block of the reduction) or from the bias
 * (zero without one). */
static void nn_tile(cg *g, const vec *v, const cg_gemm *m, const asrc *as, const bsrc *bs, LLVMValueRef i0,
                    LLVMValueRef end, LLVMValueRef j0, int64_t kc, int from_c, int mr, int nv, int last)
{
    LLVMValueRef init[MAX_MR][MAX_NV], acc[MAX_MR][MAX_NV], next[MAX_MR][MAX_NV], cp[MAX_MR][MAX_NV];
    rowset rows = tile_rowset(g, i0, mr, end);
    LLVMValueRef c0 = cg_at(g, m->c, cg_idx(g, i0, m->ldc, j0)), cbytes[MAX_MR], abytes[MAX_MR] = {NULL};
    row_offsets(g, &rows, mr, m->ldc, cbytes);
    for (int r = 0; r < mr; r++) {
        LLVMValueRef crow = row_ptr(g, c0, cbytes[r], r, m->ldc);
        for (int c = 0; c < nv; c++) {
            int lanes = c == nv - 1 ? last : v->w;
            cp[r][c] = c > 0 ? cg_at(g, crow, cg_i64(g, c * v->w)) : crow;
            if (from_c)
                init[r][c] = vload(g, v, cp[r][c], lanes);
            else if (r > 0)
                init[r][c] = init[0][c];
            else
                init[r][c] = bias_at(g, v, m, add_i(g, j0, c * v->w), lanes);
        }
    }
    /* One pointer into A (at the tile's first row) and one into B step
     * along the reduction, and every load is one addressing mode: the
     * pointer plus a constant, or for a guarded tile's later rows plus
     * row_offsets' offset. A packed block holds its rows adjacent. */
    LLVMValueRef packed = as->base ? cg_idx(g, LLVMBuildNSWSub(g->b, i0, as->base, ""), kc, NULL) : NULL;
    LLVMValueRef arow = packed ? packed : i0; /* the first row: the packed tile's, or the operand's */
    LLVMValueRef a_start = cg_at(g, as->a, cg_idx(g, as->p, as->ak, cg_idx(g, arow, as->am, NULL)));
    LLVMValueRef b_start = cg_at(g, bs->b, cg_idx(g, bs->p0, bs->ld, bs->j0));
    if (!packed)
        row_offsets(g, &rows, mr, as->am, abytes);
    LLVMBasicBlockRef pre = LLVMGetInsertBlock(g->b);
    int u = nn_unroll(m, kc);
    cg_loop l = cg_for(g, 0, kc, u, "gk");
    LLVMValueRef ap = carried(g, LLVMTypeOf(a_start), a_start, pre);
    LLVMValueRef bp = carried(g, LLVMTypeOf(b_start), b_start, pre);
    for (int r = 0; r < mr; r++)
        for (int c = 0; c < nv; c++)
            acc[r][c] = next[r][c] = carried(g, v->t, init[r][c], pre);
    LLVMValueRef arow_p[MAX_MR];
    for (int r = 0; r < mr; r++)
        arow_p[r] = row_ptr(g, ap, abytes[r], 0, as->am);
    for (int q = 0; q < u; q++) { /* p = p0 + k + q, in order: the same sums */
        LLVMValueRef bv[MAX_NV];
        for (int c = 0; c < nv; c++)
            bv[c] = vload(g, v, cg_at(g, bp, cg_i64(g, q * bs->ld + c * v->w)), c == nv - 1 ? last : v->w);
        for (int r = 0; r < mr; r++) {
            int64_t off = (abytes[r] ? 0 : r * as->am) + q * as->ak;
            LLVMValueRef a = splat(g, v, cg_load(g, cg_at(g, arow_p[r], cg_i64(g, off))));
            for (int c = 0; c < nv; c++)
                next[r][c] = cg_fmuladd(g, a, bv[c], next[r][c]);
        }
    }
    LLVMValueRef ap_next = step_pointer(g, ap, u * as->ak), bp_next = step_pointer(g, bp, u * bs->ld);
    LLVMBasicBlockRef latch = LLVMGetInsertBlock(g->b);
    cg_end(g, &l);
    LLVMAddIncoming(ap, &ap_next, &latch, 1);
    LLVMAddIncoming(bp, &bp_next, &latch, 1);
    for (int r = 0; r < mr; r++)
        for (int c = 0; c < nv; c++)
            LLVMAddIncoming(acc[r][c], &next[r][c], &latch, 1);
    /* Last row first: a row past the end points at C's last row, which the
     * row that is C's then overwrites — no branches around the stores. */
    for (int r = mr - 1; r >= 0; r--)
        for (int c = 0; c < nv; c++)
            vstore(g, v, next[r][c], cp[r][c], c == nv - 1 ? last : v->w);
}

/* A range of n rows (or columns) from base in tiles of t: whole tiles,
 * the last one guarded (end) when n is not a multiple of t — one tile's
 * code instead of two, the rows past the end repeating the last — or one
 * tile of n when n < t. */
typedef struct tiling {
    int64_t span;     /* rows covered by the loop */
    int size;         /* rows per tile */
    LLVMValueRef end; /* the guard, or NULL */
} tiling;

static tiling tile_range(cg *g, LLVMValueRef base, int64_t n, int t)
{
    if (n < t)
        return (tiling){.span = n, .size = (int)n, .end = NULL};
    int64_t span = (n + t - 1) / t * t;
    return (tiling){.span = span, .size = t, .end = span > n ? add_i(g, base, n) : NULL};
}

/* Rows [base, base + count) of C, columns from j0 (nv vectors, the last
 * `last` lanes wide), p over [p0, p0 + kc): tile after tile, A read
 * directly or from a packed block (as), B from bs; with next_j0 the next
 * panel's sliver of B prefetched meanwhile. */
static void nn_rows(cg *g, const vec *v, const cg_gemm *m, const asrc *as, const bsrc *bs, LLVMValueRef base,
                    int64_t count, LLVMValueRef j0, LLVMValueRef p0, int64_t kc, int from_c, int nv, int last,
                    LLVMValueRef next_j0)
{
    int mr = tile_rows(v, nv);
    if (as && as->mr != mr)
        as = NULL; /* packed for tiles of another height */
    asrc direct = {.a = m->a, .p = p0, .am = m->a_m, .ak = m->a_k};
    const asrc *src = as ? as : &direct;
    tiling tr = tile_range(g, base, count, mr);
    int64_t tiles = tr.span / tr.size;
    cg_loop i = cg_for(g, 0, tr.span, tr.size, "gi");
    LLVMValueRef i0 = LLVMBuildNSWAdd(g->b, base, i.iv, "");
    if (next_j0)
        cg_pack_prefetch(g, m, LLVMBuildExactSDiv(g->b, i.iv, cg_i64(g, tr.size), ""), (kc + tiles - 1) / tiles, next_j0,
                         p0);
    nn_tile(g, v, m, src, bs, i0, tr.end, j0, kc, from_c, tr.size, nv, last);
    cg_end(g, &i);
}

/* Columns [jbase, jbase + ncols) of rows [base, base + count), panel by
 * panel, summing p over [p0, p0 + kc). */
static void nn_block(cg *g, const vec *v, const cg_gemm *m, LLVMValueRef base, int64_t count, LLVMValueRef jbase,
                     int64_t ncols, LLVMValueRef p0, int64_t kc, int from_c)
{
    int nvmax = panel_vectors(v);
    asrc packed, *as = NULL;
    if (cg_pack_a_pays(v, m, count, ncols, kc)) {
        packed = cg_pack_a(g, v, m, base, count, p0, kc, tile_rows(v, nvmax));
        as = &packed;
    }
    int64_t panel = (int64_t)nvmax * v->w, full = ncols / panel * panel;
    if (full > 0) {
        cg_loop j = cg_for(g, 0, full, panel, "gj");
        LLVMValueRef j0 = LLVMBuildNSWAdd(g->b, jbase, j.iv, "");
        bsrc bs = cg_pack_panel_b(g, v, m, count, j0, p0, kc, nvmax, v->w);
        LLVMValueRef next = bs.b != m->b && !m->b_trans ? add_i(g, j0, panel) : NULL; /* packed from B's rows */
        nn_rows(g, v, m, as, &bs, base, count, j0, p0, kc, from_c, nvmax, v->w, next);
        cg_end(g, &j);
    }
    if (full < ncols) {
        int64_t rest = ncols - full;
        int nv = (int)((rest + v->w - 1) / v->w), last = (int)(rest - (int64_t)(nv - 1) * v->w);
        LLVMValueRef j0 = add_i(g, jbase, full);
        bsrc bs = cg_pack_panel_b(g, v, m, count, j0, p0, kc, nv, last);
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
 * compile) — or of two blocks or more when the range's C is at most
 * MERGE_C_FLOATS (64 KB, in L2 for the pass). The extra pass over a large
 * C costs too much for fewer blocks (a 2048 x 2048 dW summed over a batch
 * of 256: 4% of fashion_wide's step). */
enum { MERGE_BLOCKS = 4, MERGE_C_FLOATS = 16 * 1024 };

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
    int merge = r.loop_end >= MERGE_BLOCKS * r.kc || (r.loop_end >= 2 * r.kc && count * ncols <= MERGE_C_FLOATS);
    if (!merge) { /* the first block starts from the bias */
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

/* Rows i0 .. i0 + mr of A and C for the dot-product tiles along them:
 * where each row starts (rowset: with `end`, the rows past it are the last
 * row again, overwritten by the real one, as in the nn kernel). */
typedef struct nt_rowset {
    LLVMValueRef a0, c0;                     /* row i0 of A and of C */
    LLVMValueRef abytes[NT_MR], cbytes[NT_MR]; /* row_offsets: NULL for a constant distance */
} nt_rowset;

/* One tile of mr x nr dot products, rows from t, columns from j0. */
static void nt_tile(cg *g, const vec *v, const cg_gemm *m, const nt_rowset *t, LLVMValueRef j0, int mr, int nr)
{
    LLVMValueRef acc[NT_MR][NT_NR], sum[NT_MR][NT_NR];
    for (int r = 0; r < mr; r++)
        for (int c = 0; c < nr; c++)
            sum[r][c] = LLVMConstNull(v->t);
    LLVMValueRef b0 = cg_at(g, m->b, cg_idx(g, j0, m->ldb, NULL));
    int64_t full = m->k / v->w * v->w;
    if (full > 0) { /* one pointer into A's rows and one into B's step along p */
        LLVMBasicBlockRef pre = LLVMGetInsertBlock(g->b);
        cg_loop p = cg_for(g, 0, full, v->w, "gp");
        LLVMValueRef ap = carried(g, LLVMTypeOf(t->a0), t->a0, pre);
        LLVMValueRef bp = carried(g, LLVMTypeOf(b0), b0, pre);
        LLVMValueRef av[NT_MR], next[NT_MR][NT_NR];
        for (int r = 0; r < mr; r++)
            for (int c = 0; c < nr; c++)
                acc[r][c] = carried(g, v->t, sum[r][c], pre);
        for (int r = 0; r < mr; r++)
            av[r] = vload(g, v, row_ptr(g, ap, t->abytes[r], r, m->a_m), v->w);
        for (int c = 0; c < nr; c++) {
            LLVMValueRef bv = vload(g, v, cg_at(g, bp, cg_i64(g, c * m->ldb)), v->w);
            for (int r = 0; r < mr; r++)
                next[r][c] = cg_fmuladd(g, av[r], bv, acc[r][c]);
        }
        LLVMValueRef ap_next = step_pointer(g, ap, v->w), bp_next = step_pointer(g, bp, v->w);
        LLVMBasicBlockRef latch = LLVMGetInsertBlock(g->b);
        cg_end(g, &p);
        LLVMAddIncoming(ap, &ap_next, &latch, 1);
        LLVMAddIncoming(bp, &bp_next, &latch, 1);
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
            av[r] = vload(g, v, cg_at(g, row_ptr(g, t->a0, t->abytes[r], r, m->a_m), cg_i64(g, full)), lanes);
        for (int c = 0; c < nr; c++) {
            LLVMValueRef bv = vload(g, v, cg_at(g, b0, cg_i64(g, c * m->ldb + full)), lanes);
            for (int r = 0; r < mr; r++)
                sum[r][c] = cg_fmuladd(g, av[r], bv, sum[r][c]);
        }
    }
    vec four = {.w = NT_NR, .t = LLVMVectorType(g->f32, NT_NR)};
    for (int r = mr - 1; r >= 0; r--) /* last row first: see nt_rowset */
        vstore(g, &four, lane_sums4(g, v, sum[r], nr), cg_at(g, row_ptr(g, t->c0, t->cbytes[r], r, m->ldc), j0), nr);
}

static void nt_cols(cg *g, const vec *v, const cg_gemm *m, LLVMValueRef i0, LLVMValueRef end, int mr)
{
    rowset rows = tile_rowset(g, i0, mr, end);
    nt_rowset t = {.a0 = cg_at(g, m->a, cg_idx(g, i0, m->a_m, NULL)), .c0 = cg_at(g, m->c, cg_idx(g, i0, m->ldc, NULL))};
    row_offsets(g, &rows, mr, m->a_m, t.abytes);
    row_offsets(g, &rows, mr, m->ldc, t.cbytes);
    int64_t full = m->n / NT_NR * NT_NR;
    if (full > 0) {
        cg_loop j = cg_for(g, 0, full, NT_NR, "gj");
        nt_tile(g, v, m, &t, j.iv, mr, NT_NR);
        cg_end(g, &j);
    }
    if (full < m->n)
        nt_tile(g, v, m, &t, cg_i64(g, full), mr, (int)(m->n - full));
}

void cg_gemm_nt_rows(cg *g, const cg_gemm *m, LLVMValueRef base, int64_t count)
{
    vec v = host_vec(g);
    int mr = vector_registers(&v) == 32 ? NT_MR : 3; /* 3 x 4 sums + 3 of A: 15 of 16 registers */
    tiling tr = tile_range(g, base, count, mr);
    cg_loop i = cg_for(g, 0, tr.span, tr.size, "gi");
    nt_cols(g, &v, m, LLVMBuildNSWAdd(g->b, base, i.iv, ""), tr.end, tr.size);
    cg_end(g, &i);
}
