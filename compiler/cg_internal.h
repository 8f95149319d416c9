/* cg_internal.h — what the code generator's files share: the build state,
 * loop and memory helpers (cg_util.c), and one entry point per emitter.
 * Not part of the back end's public interface (that is cg.h).
 *
 * Conventions: every pointer the emitters use is `mem + constant offset`
 * (or the x / y arguments + constant); every size is an i64 constant, so the
 * optimiser sees exact trip counts. Loops are emitted with cg_for/cg_end.
 */
#ifndef CG_INTERNAL_H
#define CG_INTERNAL_H

#include <llvm-c/Core.h>
#include "plan.h"

typedef struct cg {
    const plan *p;
    LLVMContextRef ctx;
    LLVMModuleRef mod;
    LLVMBuilderRef b;
    LLVMValueRef fn;       /* function being built */
    LLVMValueRef mem;      /* its float* mem argument */
    LLVMValueRef x;        /* its float* x argument (step, eval) */
    LLVMValueRef t;        /* step: the i32 update count t; NULL in eval */
    LLVMValueRef pool;     /* its lrc_rt_pool* argument; NULL in lrc_init */
    int train;             /* 1 in lrc_step: dropout on, batch statistics */
    int vec_floats;        /* floats per vector register (cg_vector_floats) */
    LLVMValueRef pack;     /* cg_pack.c's packing buffer for B in pack_fn's frame */
    LLVMValueRef pack_fn;
    LLVMValueRef apack;    /* and for A, in apack_fn's */
    LLVMValueRef apack_fn;
    LLVMTypeRef f32, i32, i64, ptr, void_t;
} cg;

/* An open counted loop: for (iv = begin; iv < end; iv += step). */
typedef struct cg_loop {
    LLVMValueRef iv;
    LLVMBasicBlockRef body, exit;
    int64_t end, step;
} cg_loop;

/* ---- cg_util.c ------------------------------------------------------------ */
LLVMValueRef cg_i64(cg *g, int64_t v);
LLVMValueRef cg_f32(cg *g, double v);
/* Opens a loop (begin < end required) and leaves the builder in its body. */
cg_loop cg_for(cg *g, int64_t begin, int64_t end, int64_t step, const char *name);
/* Closes it and leaves the builder after it. */
void cg_end(cg *g, cg_loop *l);
/* The same, and tells LLVM's loop vectoriser to leave the loop alone (a
 * copy whose vector form would only be longer code). */
void cg_end_scalar(cg *g, cg_loop *l);
/* base + index (a float*); index is an i64 value. */
LLVMValueRef cg_at(cg *g, LLVMValueRef base, LLVMValueRef index);
/* p (a float*) + bytes (an i64 value), as a float* (a plain GEP). */
LLVMValueRef cg_at_bytes(cg *g, LLVMValueRef p, LLVMValueRef bytes);
/* mem + off (+ index when not NULL). */
LLVMValueRef cg_mem(cg *g, int64_t off, LLVMValueRef index);
LLVMValueRef cg_load(cg *g, LLVMValueRef ptr);
void cg_store(cg *g, LLVMValueRef v, LLVMValueRef ptr);
/* a * k + c, i64 index arithmetic (nsw/nuw). */
LLVMValueRef cg_idx(cg *g, LLVMValueRef a, int64_t k, LLVMValueRef c);
/* Calls the float intrinsic `name` (llvm.exp, llvm.fmuladd, ...), overloaded
 * on its first argument's type (a float or a float vector). */
LLVMValueRef cg_intrinsic(cg *g, const char *name, LLVMValueRef *args, unsigned n);
LLVMValueRef cg_fmuladd(cg *g, LLVMValueRef a, LLVMValueRef b, LLVMValueRef c);
/* acc + v (or fmuladd) marked reassoc/contract: the term of a reduction. */
LLVMValueRef cg_reduce_add(cg *g, LLVMValueRef acc, LLVMValueRef v);
LLVMValueRef cg_reduce_fmuladd(cg *g, LLVMValueRef a, LLVMValueRef b, LLVMValueRef acc);
/* A stack slot of type t in the function's entry block (align 0: t's own),
 * as a float*. */
LLVMValueRef cg_entry_alloca(cg *g, LLVMTypeRef t, unsigned align, const char *name);
/* A float stack slot in the entry block (promoted to a register by SROA). */
LLVMValueRef cg_slot(cg *g, const char *name);
/* Vector pieces: a float (w 1) or <w x float>; the widest power of two <= n
 * and <= the target's vector width; w floats loaded from p (a float*), v
 * stored to p, both 4-byte aligned. */
LLVMTypeRef cg_type_w(cg *g, int w);
int cg_piece(const cg *g, int64_t n);
LLVMValueRef cg_load_w(cg *g, LLVMValueRef p, int w);
void cg_store_w(cg *g, LLVMValueRef v, LLVMValueRef p);
/* The function being built and its arguments, saved while another one is
 * emitted from inside it (a parallel part, a layer's own function), and
 * restored after, the builder back where it was. */
typedef struct cg_frame {
    LLVMValueRef fn, mem, x, t, pool;
    LLVMBasicBlockRef at;
} cg_frame;
cg_frame cg_frame_save(const cg *g);
void cg_frame_restore(cg *g, const cg_frame *f);
/* for i in [0, n): mem[off + i] = 0; _at: mem[off + index + i] */
void cg_zero(cg *g, int64_t off, int64_t n);
void cg_zero_at(cg *g, int64_t off, LLVMValueRef index, int64_t n);

/* The layer's input: mem + l->x, or the x argument when l->x < 0. */
LLVMValueRef cg_layer_x(cg *g, const plan_layer *l);
/* for i in [0, n): mem[dst + i] = src[i] */
void cg_copy(cg *g, int64_t dst, LLVMValueRef src, int64_t n);
/* Float <-> i32 bits, and i32 constants. */
LLVMValueRef cg_i32(cg *g, uint32_t v);
/* if (cond) { ... }: opens the then-block; cg_if_end closes it. */
LLVMBasicBlockRef cg_if(cg *g, LLVMValueRef cond, const char *name);
void cg_if_end(cg *g, LLVMBasicBlockRef after);

/* ---- cg_act.c: elementwise activation on [batch][out] -------------------- */
/* y = act(z) (nothing when act is NONE: y aliases z). */
void cg_act_forward(cg *g, const plan_layer *l);
/* dy <- dy * act'(z, y), in place: dy then holds dL/dz. */
void cg_act_backward(cg *g, const plan_layer *l);

/* An activation layer on its own: z = x, then the act (cg_act_forward). */
void cg_activation_forward(cg *g, const plan_layer *l);
/* dx = dz (after cg_act_backward). */
void cg_activation_backward(cg *g, const plan_layer *l);

/* ---- cg_dense.c: the matrix product shared by dense and conv2d ----------- */
typedef struct cg_mm {
    int64_t rows, in, out;
    int64_t x;              /* mem offset of [rows][in]; -1: the x argument */
    int64_t w, b;           /* mem offsets of W [in][out] and bias [out] */
    int64_t z, dz;          /* [rows][out] */
    int64_t dx;             /* [rows][in], or -1 */
    int dx_nn;              /* dx as an nn product reading W transposed
                               (plan_dx_transposed), else dot products on W */
    int64_t dw_parts, dwt;  /* dW summed in parts (plan_dw_parts) into dwt */
} cg_mm;
/* z = x . W + bias */
void cg_mm_forward(cg *g, const cg_mm *m);
/* dW overwritten, db accumulated into the zeroed grads; dx (overwritten)
 * when dx >= 0. */
void cg_mm_backward(cg *g, const cg_mm *m);
void cg_dense_forward(cg *g, const plan_layer *l);
void cg_dense_backward(cg *g, const plan_layer *l);

/* ---- cg_gemm.c: register-blocked matrix products ------------------------ */
typedef struct cg_gemm {
    int64_t m, n, k;        /* C is [m][n]; the sums run over k */
    LLVMValueRef a;         /* A(i, p) = a[i*a_m + p*a_k] (nt: a_k is 1) */
    int64_t a_m, a_k;
    LLVMValueRef b;         /* nn: B(p, j) = b[p*ldb + j]; nt: b[j*ldb + p] */
    int64_t ldb;
    int b_trans;            /* nn: B(p, j) = b[j*ldb + p] (B is read transposed) */
    LLVMValueRef c;         /* C(i, j) = c[i*ldc + j], overwritten */
    int64_t ldc;
    LLVMValueRef bias;      /* nn: C starts at bias[j]; NULL: at 0 */
} cg_gemm;
/* Rows [base, base + count) of C = bias + A B, vectors along j (base: an
 * i64 value). */
void cg_gemm_nn_rows(cg *g, const cg_gemm *m, LLVMValueRef base, int64_t count);
/* Columns [base, base + count) of every row of the same product. */
void cg_gemm_nn_cols(cg *g, const cg_gemm *m, LLVMValueRef base, int64_t count);
/* Chunk sizes that keep cg_gemm.c's tiles whole: every row tile height
 * (8, 6, 4, 3) divides CG_ROW_ALIGN, every column panel width divides
 * CG_COL_ALIGN. */
enum { CG_ROW_ALIGN = 24, CG_COL_ALIGN = 64 };
/* Rows [base, base + count) of C = A B^T: dot products along p (both
 * operands contiguous in p). */
void cg_gemm_nt_rows(cg *g, const cg_gemm *m, LLVMValueRef base, int64_t count);

/* ---- cg_parallel.c: large products on the pool's threads ------------------ */
/* Emits [base, base + count) of some range (rows or columns of a product;
 * base: an i64 value), reading through g->mem and g->x only (it may be
 * called inside another function). */
typedef void (*cg_range_fn)(cg *g, const void *arg, LLVMValueRef base, int64_t count);
typedef struct cg_split {
    const char *name;      /* the part function is lrc_part_<name> */
    int64_t n;             /* the range [0, n) */
    int64_t align;         /* chunks are multiples of it where n allows */
    double flops;          /* the whole range's work */
    cg_range_fn body;
    const void *arg;
} cg_split;
/* body over [0, n): in line, or, at `flops` above the threshold, cut into
 * chunks that the pool's threads take in turn (lrc_rt_parallel). */
void cg_parallel(cg *g, const cg_split *s);
/* The arg of a layer's pass over the batch cut by images or rows (im2col
 * and col2im, pooling, activations): which layer, and which way. */
typedef struct cg_layer_pass {
    const plan_layer *l;
    int fwd;
} cg_layer_pass;

/* ---- cg_conv.c, cg_pool.c, cg_norm.c, cg_dropout.c ------------------------
 * Each reads its input with cg_layer_x, writes z; backward reads dz (dy
 * after the act) and overwrites dx when l->dx >= 0. */
void cg_conv_forward(cg *g, const plan_layer *l);
void cg_conv_backward(cg *g, const plan_layer *l);
void cg_pool_forward(cg *g, const plan_layer *l);
void cg_pool_backward(cg *g, const plan_layer *l);
void cg_norm_forward(cg *g, const plan_layer *l);   /* g->train: batch statistics */
void cg_norm_backward(cg *g, const plan_layer *l);
void cg_norm_init(cg *g, const plan_layer *l);      /* running var <- 1, gamma <- 1 */
void cg_dropout_forward(cg *g, const plan_layer *l); /* g->train: masked; else a copy */
void cg_dropout_backward(cg *g, const plan_layer *l);

/* ---- cg_loss.c ----------------------------------------------------------- */
/* Loss of the last layer's output against targets `y` (a float); with
 * grad != 0 also writes dL/dy into the last layer's dy. */
LLVMValueRef cg_loss(cg *g, LLVMValueRef y, int grad);

/* ---- cg_opt.c ------------------------------------------------------------ */
/* One flat update over [0, n_params) with learning rate `rate` (float) and
 * 1-based step count `t` (i32). */
void cg_opt_update(cg *g, LLVMValueRef rate, LLVMValueRef t);

#endif
