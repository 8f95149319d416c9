/* cg_dense.c — the dense layer, forward and backward side by side, and the
 * matrix product it shares with conv2d (cg_conv.c runs it on im2col rows).
 *
 *   forward   z[r][o]  = bias[o] + sum_i x[r][i] W[i][o]      W: [in][out]
 *   backward  dW[i][o] = sum_r x[r][i] dz[r][o]                 dz: [rows][out] (in dy)
 *             db[o]    = sum_r dz[r][o]
 *             dx[r][i] = sum_o dz[r][o] W[i][o]                 dx: [rows][in]
 *
 * All three products are cg_gemm.c's register-blocked kernels: z = x W and
 * dW = x^T dz as "nn" products (vectors along o; x^T is x read with swapped
 * strides), dx = dz W^T as dot products along o ("nt") — or, when W is too
 * large to stay in L2 while every row tile of dz passes over it
 * (plan_dx_transposed), as an "nn" product that packs W^T sliver by
 * sliver as it goes. Large products are cut into chunks of rows or of
 * columns for the pool's threads (cg_parallel.c), whichever makes the
 * chunks read less again; a small dW summed over many rows (a
 * convolution's) is cut along its sums instead, in parts added in order
 * (plan_dw_parts). Activations are cg_act.c; the gradient block is
 * zeroed by the caller before the backward pass (dW is overwritten, db
 * accumulated).
 */
#include "cg_internal.h"

static LLVMValueRef mm_x(cg *g, const cg_mm *m) { return m->x < 0 ? g->x : cg_mem(g, m->x, NULL); }

/* The bias gradient's sums in registers: DB_VECTORS vectors a pass, and at
 * most that many pieces more for the rest (halving widths). */
enum { DB_VECTORS = 4, DB_PIECES = DB_VECTORS + 5 };

/* The three products' operands, built in the function being emitted (a
 * part function cannot use the caller's values). */
static cg_gemm z_gemm(cg *g, const cg_mm *m) /* z = x W + bias */
{
    return (cg_gemm){.m = m->rows, .n = m->out, .k = m->in, .a = mm_x(g, m), .a_m = m->in, .a_k = 1,
                     .b = cg_mem(g, m->w, NULL), .ldb = m->out, .c = cg_mem(g, m->z, NULL), .ldc = m->out,
                     .bias = cg_mem(g, m->b, NULL)};
}

static cg_gemm dw_gemm(cg *g, const cg_mm *m) /* dW = x^T dz: rows of dW are inputs i */
{
    return (cg_gemm){.m = m->in, .n = m->out, .k = m->rows, .a = mm_x(g, m), .a_m = 1, .a_k = m->in,
                     .b = cg_mem(g, m->dz, NULL), .ldb = m->out, .c = cg_mem(g, g->p->grads + m->w, NULL),
                     .ldc = m->out};
}

static cg_gemm dx_gemm(cg *g, const cg_mm *m) /* dx = dz W^T: B(o, i) = W[i][o] */
{
    return (cg_gemm){.m = m->rows, .n = m->in, .k = m->out, .a = cg_mem(g, m->dz, NULL), .a_m = m->out, .a_k = 1,
                     .b = cg_mem(g, m->w, NULL), .ldb = m->out, .b_trans = m->dx_nn, .c = cg_mem(g, m->dx, NULL),
                     .ldc = m->in};
}

typedef struct mm_product {
    const cg_mm *m;
    cg_gemm (*gemm)(cg *g, const cg_mm *m);
    enum { BY_ROWS, BY_COLS, NT_ROWS } how;
} mm_product;

static void product_range(cg *g, const void *arg, LLVMValueRef base, int64_t count)
{
    const mm_product *p = arg;
    cg_gemm gm = p->gemm(g, p->m);
    switch (p->how) {
    case BY_ROWS: cg_gemm_nn_rows(g, &gm, base, count); break;
    case BY_COLS: cg_gemm_nn_cols(g, &gm, base, count); break;
    case NT_ROWS: cg_gemm_nt_rows(g, &gm, base, count); break;
    }
}

/* An m x n product over k, on the pool when large. Chunks of rows each
 * read all of B (k x n), chunks of columns all of A (m x k): it is cut
 * the way that reads the smaller operand again — by columns when n > m,
 * as for a wide layer's z = x W at a batch smaller than its width, where
 * every chunk of batch rows would otherwise stream the whole of W. */
static void product(cg *g, const char *name, const cg_mm *m, cg_gemm (*gemm)(cg *, const cg_mm *), int nt,
                    int64_t rows, int64_t cols)
{
    mm_product p = {.m = m, .gemm = gemm, .how = nt ? NT_ROWS : cols > rows ? BY_COLS : BY_ROWS};
    int by_cols = p.how == BY_COLS;
    double flops = 2.0 * (double)m->rows * (double)m->in * (double)m->out;
    cg_parallel(g, &(cg_split){.name = name, .n = by_cols ? cols : rows, .align = by_cols ? CG_COL_ALIGN : CG_ROW_ALIGN,
                               .flops = flops, .body = product_range, .arg = &p});
}

void cg_mm_forward(cg *g, const cg_mm *m) { product(g, "z", m, z_gemm, 0, m->rows, m->out); }

/* Where a bias gradient's sums go: db[o] at dst + o, adding dz's rows
 * [r0, r0 + rows) (r0 an i64 value) to what it holds, or (fresh) starting
 * from 0. */
typedef struct db_sums {
    LLVMValueRef dst, r0;
    int64_t rows;
    int fresh;
} db_sums;

/* db[o] += dz[r][o] for o in [o0, o0 + n): in pieces (cg_piece) whose sums
 * stay in registers across the rows, each db[o] still summing r = r0,
 * r0 + 1, ... in order. (A loop over o inside the loop over r kept them in
 * memory, one load and store per row: LLVM had to unroll it fully to do
 * better.) */
static void db_group(cg *g, const cg_mm *m, const db_sums *d, LLVMValueRef o0, int64_t n)
{
    LLVMValueRef at[DB_PIECES], acc[DB_PIECES], next[DB_PIECES];
    int width[DB_PIECES], np = 0;
    for (int64_t o = 0; o < n; o += width[np++]) {
        width[np] = cg_piece(g, n - o);
        at[np] = LLVMBuildNSWAdd(g->b, o0, cg_i64(g, o), "");
        acc[np] = d->fresh ? LLVMConstNull(cg_type_w(g, width[np])) : cg_load_w(g, cg_at(g, d->dst, at[np]), width[np]);
    }
    LLVMBasicBlockRef pre = LLVMGetInsertBlock(g->b);
    cg_loop r = cg_for(g, 0, d->rows, 1, "bb");
    for (int k = 0; k < np; k++) { /* the phis first, at the top of the loop's block */
        LLVMValueRef phi = LLVMBuildPhi(g->b, cg_type_w(g, width[k]), "db");
        LLVMAddIncoming(phi, &acc[k], &pre, 1);
        acc[k] = phi;
    }
    LLVMValueRef row = cg_idx(g, LLVMBuildNSWAdd(g->b, d->r0, r.iv, ""), m->out, NULL);
    for (int k = 0; k < np; k++)
        next[k] = LLVMBuildFAdd(g->b, acc[k], cg_load_w(g, cg_mem(g, m->dz, LLVMBuildNSWAdd(g->b, row, at[k], "")), width[k]),
                                "");
    LLVMBasicBlockRef latch = LLVMGetInsertBlock(g->b);
    cg_end(g, &r);
    for (int k = 0; k < np; k++) {
        LLVMAddIncoming(acc[k], &next[k], &latch, 1);
        cg_store_w(g, next[k], cg_at(g, d->dst, at[k]));
    }
}

/* db[o] += sum_r dz[r][o] over d's rows: groups of DB_VECTORS vectors,
 * then the rest. */
static void emit_db(cg *g, const cg_mm *m, const db_sums *d)
{
    int64_t group = DB_VECTORS * g->vec_floats, full = m->out / group * group;
    if (full > 0) {
        cg_loop o = cg_for(g, 0, full, group, "bo");
        db_group(g, m, d, o.iv, group);
        cg_end(g, &o);
    }
    if (full < m->out)
        db_group(g, m, d, cg_i64(g, full), m->out - full);
}

/* Where part q's sums of dz's rows lie: after the dW^T parts,
 * [parts][out]. */
static int64_t dbt_at(const cg_mm *m, int64_t q) { return m->dwt + (m->dw_parts * m->in + q) * m->out; }

/* dW and db summed in m->dw_parts parts over consecutive chunks of rows
 * (plan_dw_parts): part q is dW^T = dz^T x over its chunk, into
 * dwt + q * in * out ([out][in]), as an nn product with vectors along x's
 * rows (read once, contiguous) and dz broadcast, then the chunk's sums of
 * dz's rows (dbt_at). A part function loops over the parts it is given,
 * so whether they run on threads or in one call, each part sums the same
 * rows. */
static void dw_parts_range(cg *g, const void *arg, LLVMValueRef base, int64_t count)
{
    const cg_mm *m = arg;
    int64_t len = m->rows / m->dw_parts; /* rows per part */
    cg_loop q = cg_for(g, 0, count, 1, "dwq");
    LLVMValueRef part = LLVMBuildNSWAdd(g->b, base, q.iv, ""), r0 = cg_idx(g, part, len, NULL);
    cg_gemm gm = {.m = m->out, .n = m->in, .k = len, .a = cg_mem(g, m->dz, cg_idx(g, r0, m->out, NULL)), .a_m = 1,
                  .a_k = m->out, .b = cg_at(g, mm_x(g, m), cg_idx(g, r0, m->in, NULL)), .ldb = m->in,
                  .c = cg_mem(g, m->dwt, cg_idx(g, part, m->in * m->out, NULL)), .ldc = m->in};
    cg_gemm_nn_rows(g, &gm, cg_i64(g, 0), m->out);
    db_sums db = {.dst = cg_mem(g, dbt_at(m, 0), cg_idx(g, part, m->out, NULL)), .r0 = r0, .rows = len, .fresh = 1};
    emit_db(g, m, &db);
    cg_end(g, &q);
}

/* init + mem[first + q * stride + at] for q in [q0, parts) (q0 < parts),
 * in order: a loop, not the adds written out (code size is compile time). */
static LLVMValueRef sum_parts(cg *g, LLVMValueRef init, int64_t first, int64_t stride, int64_t q0, int64_t parts,
                              LLVMValueRef at)
{
    LLVMBasicBlockRef pre = LLVMGetInsertBlock(g->b);
    cg_loop q = cg_for(g, q0, parts, 1, "dwq");
    LLVMValueRef acc = LLVMBuildPhi(g->b, g->f32, "parts");
    LLVMAddIncoming(acc, &init, &pre, 1);
    LLVMValueRef v = cg_load(g, cg_mem(g, first, LLVMBuildNSWAdd(g->b, cg_idx(g, q.iv, stride, NULL), at, "")));
    LLVMValueRef next = LLVMBuildFAdd(g->b, acc, v, "");
    LLVMBasicBlockRef latch = LLVMGetInsertBlock(g->b);
    cg_end_scalar(g, &q);
    LLVMAddIncoming(acc, &next, &latch, 1);
    return next;
}

/* dW[i][o] = dwt[0][o][i] + dwt[1][o][i] + ..., and db[o] += the parts'
 * sums, each in the parts' order. */
static void dw_add_parts(cg *g, const cg_mm *m)
{
    int64_t weights = m->in * m->out;
    cg_loop i = cg_for(g, 0, m->in, 1, "dwi");
    cg_loop o = cg_for(g, 0, m->out, 1, "dwo");
    LLVMValueRef at = cg_idx(g, o.iv, m->in, i.iv);
    LLVMValueRef sum = sum_parts(g, cg_load(g, cg_mem(g, m->dwt, at)), m->dwt, weights, 1, m->dw_parts, at);
    cg_store(g, sum, cg_mem(g, g->p->grads + m->w, cg_idx(g, i.iv, m->out, o.iv)));
    cg_end_scalar(g, &o);
    cg_end(g, &i);
    cg_loop b = cg_for(g, 0, m->out, 1, "dbo");
    LLVMValueRef db = cg_mem(g, g->p->grads + m->b, b.iv);
    cg_store(g, sum_parts(g, cg_load(g, db), dbt_at(m, 0), m->out, 0, m->dw_parts, b.iv), db);
    cg_end_scalar(g, &b);
}

static void dw_product(cg *g, const cg_mm *m)
{
    if (m->dw_parts == 0) {
        product(g, "dw", m, dw_gemm, 0, m->in, m->out);
        emit_db(g, m, &(db_sums){.dst = cg_mem(g, g->p->grads + m->b, NULL), .r0 = cg_i64(g, 0), .rows = m->rows});
        return;
    }
    double flops = 2.0 * (double)m->rows * (double)m->in * (double)m->out;
    cg_parallel(g, &(cg_split){.name = "dw", .n = m->dw_parts, .align = 1, .flops = flops, .body = dw_parts_range,
                               .arg = m});
    dw_add_parts(g, m);
}

void cg_mm_backward(cg *g, const cg_mm *m)
{
    dw_product(g, m);
    if (m->dx >= 0)
        product(g, "dx", m, dx_gemm, !m->dx_nn, m->rows, m->in);
}

/* ---- the dense layer: rows = batch ----------------------------------------- */

/* outputs z, dx; inputs x [batch][in], dz [batch][out]; weights W [in][out], b [out] */
static cg_mm dense_mm(cg *g, const plan_layer *l)
{
    return (cg_mm){.rows = g->p->batch, .in = l->in, .out = l->out, .x = l->x,
                   .w = l->w, .b = l->b, .z = l->z, .dz = l->dy, .dx = l->dx,
                   .dx_nn = plan_dx_transposed(g->p, l), .dw_parts = l->dw_parts, .dwt = l->dwt};
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
