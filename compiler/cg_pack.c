/* cg_pack.c — the operands of cg_gemm.c's kernels, copied where the
 * tiles read them best:
 *   B  each reduction block's sliver of a panel into a contiguous buffer
 *      on the stack when many row tiles will read it (the rows of a
 *      power-of-two-wide W lie in the same few L1 sets), and always for a
 *      B read transposed (W^T for dx), through w x w register transposes
 *      (a small one element by element);
 *      the next sliver prefetched while the tiles compute;
 *   A  with AVX2, a large block tile by tile, for all the panels to read.
 * A copy changes no sum: the packed and the direct kernels give the same
 * bits.
 */
#include "cg_kernel.h"

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

/* A B read transposed of at most PACK_T_SMALL floats (LeNet's conv2 W,
 * 2,400) is packed element by element: a third of the transposes' code
 * (its dx function 621 -> 467 IR instructions), and at most that many
 * scalar copies per chunk of rows (LeNet: 2,560 per chunk of 800 rows,
 * ~0.2% of its step; 1.6% measured, within the noise, ABBA of 12). */
enum { PACK_T_SMALL = 16 * 1024 };

static bsrc pack_b_trans_small(cg *g, const vec *v, const cg_gemm *m, LLVMValueRef j0, LLVMValueRef p0, int64_t kc,
                               int nv, int last)
{
    LLVMValueRef buf = pack_buffer(g, v);
    int64_t ld = (int64_t)nv * v->w;
    cg_loop j = cg_for(g, 0, (int64_t)(nv - 1) * v->w + last, 1, "packj");
    LLVMValueRef from = cg_idx(g, LLVMBuildNSWAdd(g->b, j0, j.iv, ""), m->ldb, p0);
    cg_loop p = cg_for(g, 0, kc, 1, "packp");
    cg_store(g, cg_load(g, cg_at(g, m->b, LLVMBuildNSWAdd(g->b, from, p.iv, ""))),
             cg_at(g, buf, cg_idx(g, p.iv, ld, j.iv)));
    cg_end_scalar(g, &p);
    cg_end(g, &j);
    return (bsrc){.b = buf, .j0 = cg_i64(g, 0), .p0 = cg_i64(g, 0), .ld = ld};
}

/* Where the tiles of one panel read B: B itself, or a packed copy — always
 * for a B read transposed, else when enough row tiles reuse the sliver and
 * B's rows are far enough apart to collide in L1. */
bsrc cg_pack_panel_b(cg *g, const vec *v, const cg_gemm *m, int64_t count, LLVMValueRef j0, LLVMValueRef p0,
                     int64_t kc, int nv, int last)
{
    if (m->b_trans && m->n * m->k <= PACK_T_SMALL)
        return pack_b_trans_small(g, v, m, j0, p0, kc, nv, last);
    if (m->b_trans)
        return pack_b_trans(g, v, m, j0, p0, kc, nv, last);
    if (nv == panel_vectors(v) && last == v->w && count >= 3 * MAX_MR && kc >= 16 && m->ldb >= 256)
        return pack_b(g, v, m, j0, p0, kc, nv);
    return (bsrc){.b = m->b, .j0 = j0, .p0 = p0, .ld = m->ldb};
}

/* Rows [tile * per, tile * per + per) of the next panel's sliver of B
 * (columns from j0; the last tiles' may lie past it, harmlessly), fetched
 * while this panel's row tiles compute: packing it is then no longer a
 * walk of kc cache misses a B row apart (~10% of a 2048-wide product on
 * znver3; prefetching from the packing loop itself, a panel ahead, did
 * not help). */
void cg_pack_prefetch(cg *g, const cg_gemm *m, LLVMValueRef tile, int64_t per, LLVMValueRef j0, LLVMValueRef p0)
{
    LLVMValueRef row = cg_idx(g, LLVMBuildNSWAdd(g->b, p0, cg_idx(g, tile, per, NULL), ""), m->ldb, j0);
    for (int64_t q = 0; q < per; q++)
        prefetch(g, m->b, add_i(g, row, q * m->ldb));
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

int cg_pack_a_pays(const vec *v, const cg_gemm *m, int64_t count, int64_t ncols, int64_t kc)
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

/* Steps [pk, pk + lanes) (lanes <= w) of a tile's rows of A, starting at
 * row[r] (a row-major A: A(i, p) = a[i*a_m + p]), into the packed tile at
 * buf + at: loaded along p, transposed in registers, stored step by step. */
static void pack_a_steps(cg *g, const vec *v, const cg_gemm *m, LLVMValueRef buf, LLVMValueRef at,
                         const LLVMValueRef *row, LLVMValueRef pk, int lanes, int mr)
{
    LLVMValueRef rv[16];
    for (int r = 0; r < v->w; r++)
        rv[r] = r < mr ? vload(g, v, cg_at(g, m->a, LLVMBuildNSWAdd(g->b, row[r], pk, "")), lanes) : LLVMConstNull(v->t);
    transpose(g, v, rv);
    for (int q = 0; q < lanes; q++)
        vstore(g, v, rv[q], cg_at(g, buf, cg_idx(g, add_i(g, pk, q), mr, at)), v->w);
}

/* The tile of mr rows at A row i, p over [p0, p0 + kc), to buf + at: p
 * after p, mr floats each (the tile's rows for one step of the reduction
 * side by side, where its broadcasts read them). Rows from `end` on are
 * not A's (the last tile of the block): they are read as the last row
 * again, or masked off, and what a tile sums from them is overwritten by
 * C's last row (cg_gemm.c stores it last). Each store writes a whole
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
        LLVMValueRef from = cg_at(g, m->a, cg_idx(g, LLVMBuildNSWAdd(g->b, p0, p.iv, ""), m->a_k, i));
        vstore(g, v, vload_masked(g, v, from, mask), cg_at(g, buf, cg_idx(g, p.iv, mr, at)), v->w);
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
    if (full > 0) {
        cg_loop pb = cg_for(g, 0, full, v->w, "packat");
        pack_a_steps(g, v, m, buf, at, row, pb.iv, v->w, mr);
        cg_end(g, &pb);
    }
    if (full < kc)
        pack_a_steps(g, v, m, buf, at, row, cg_i64(g, full), (int)(kc - full), mr);
}

/* Rows [base, base + count) of A, p over [p0, p0 + kc), packed tile by
 * tile (tiles of mr rows, the last one maybe shorter) into a buffer that
 * stays in L2 while every panel's tiles read it: their broadcasts then
 * walk consecutive floats, where the operand's rows (or, for x^T, its
 * steps) lie a power-of-two stride apart in the same few cache sets. */
asrc cg_pack_a(cg *g, const vec *v, const cg_gemm *m, LLVMValueRef base, int64_t count, LLVMValueRef p0, int64_t kc,
               int mr)
{
    LLVMValueRef buf = apack_buffer(g, v), end = add_i(g, base, count);
    cg_loop t = cg_for(g, 0, (count + mr - 1) / mr * mr, mr, "packt");
    pack_a_tile(g, v, m, buf, cg_idx(g, t.iv, kc, NULL), LLVMBuildNSWAdd(g->b, base, t.iv, ""), end, p0, kc, mr);
    cg_end(g, &t);
    return (asrc){.a = buf, .p = cg_i64(g, 0), .am = 1, .ak = mr, .base = base, .mr = mr};
}

