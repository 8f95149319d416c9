/* test_cg_gemm.c — the register-blocked matrix products (cg_gemm.c) and
 * their split over two threads (cg_parallel.c, rt_parallel.c) on shapes
 * that are not multiples of the tiles: 1, 3, 17, 33 and 130 rows and
 * columns (row tiles of 1-8, vectors of 8 or 16 floats, dot-product tiles
 * of 3x4 or 4x4).
 *
 * Shape 6 is large enough for the blocked reductions (block_rows in
 * cg_gemm.c), with a shorter last block, for reduction loops unrolled by
 * two (NN_UNROLL_MACS; the other shapes' are not), for packed slivers of B and, with
 * 8-float vectors, packed blocks of A (x and dz, 65 rows: a last tile of
 * 5), for
 * products split by columns, and for dx as an nn product reading W
 * transposed (cg_dense.c); shape 7's x W sums over enough blocks (5 of
 * 220 with AVX2, 9 with AVX-512) that C starts at the bias and every
 * block is one loop's body.
 *
 * For each shape, a dense network in -> hidden relu -> out (cross-entropy,
 * SGD with momentum) runs 3 steps in the generated code and in the C
 * reference (tests/ref/ref_mlp.c): losses, parameters and lrc_eval must
 * agree within a relative 1e-4. Then the same network compiled with every
 * product cut into chunks (LRC_PARALLEL_FLOPS=0), compiled on and run with
 * three threads, two and one, must give the same mem bit for bit: results
 * do not depend on the thread count, for the step or for its compile.
 * Last, the kernels built for 8-float vectors (LRC_VECTOR_FLOATS=8, what
 * an AVX2 machine gets) against the reference too.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "cg_test.h"
#include "cg.h"
#include "ref_mlp.h"
#include "rt_parallel.h"
#include "rt_rng.h"

enum { STEPS = 3 };

typedef struct shape {
    int64_t batch, in, hidden, out;
    int transposed; /* the second layer's dx reads W transposed (plan_dx_transposed) */
} shape;

static void close_enough(double got, double want, const char *what, int64_t k)
{
    if (fabs(got - want) > 1e-4 * fmax(fabs(want), 1e-2))
        fail_msg("%s %lld: generated %.9g, reference %.9g", what, (long long)k, got, want);
}

static plan make_plan(const shape *s, plan_layer *l)
{
    l[0] = (plan_layer){.kind = PLAN_DENSE, .in = s->in, .out = s->hidden, .act = PLAN_ACT_RELU, .init = PLAN_INIT_HE};
    l[1] = (plan_layer){.kind = PLAN_DENSE, .in = s->hidden, .out = s->out, .act = PLAN_ACT_NONE,
                        .init = PLAN_INIT_GLOROT};
    plan p = {.batch = s->batch, .in = s->in, .y_floats = 1, .nlayers = 2, .layers = l,
              .loss = PLAN_LOSS_CROSS_ENTROPY, .opt = {.kind = PLAN_OPT_SGD, .momentum = 0.9}};
    plan_layout(&p);
    return p;
}

static void make_batch(const plan *p, int64_t classes, float *x, float *y, uint64_t seed)
{
    rt_rng r;
    rt_rng_seed(&r, seed, 11);
    for (int64_t k = 0; k < p->batch * p->in; k++)
        x[k] = (float)(2 * rt_rng_uniform(&r) - 1);
    for (int64_t k = 0; k < p->batch; k++)
        y[k] = (float)rt_rng_below(&r, (uint64_t)classes);
}

/* Compiles p on `threads` threads and runs init + STEPS steps into a new
 * mem on a pool of as many; returns it. The losses go to `loss`. */
static float *run_generated(const plan *p, int64_t classes, int threads, float *loss, float *eval)
{
    lrc_rt_pool *pool = NULL;
    assert_int_equal(rt_pool_start(threads, &pool), 0);
    assert_int_equal(rt_pool_threads(pool), threads);
    lrc_model m;
    jit_info info;
    jit_options o = {.threads = threads};
    jit *j = cg_test_compile(p, &o, &m, &info);
    assert_int_equal(info.compile_threads, threads); /* lrc_init, lrc_step, two layers each way */
    float *mem = aligned_alloc(64, (size_t)p->mem_floats * sizeof(float));
    float *x = malloc((size_t)(p->batch * p->in) * sizeof(float)), *y = malloc((size_t)p->batch * sizeof(float));
    assert_true(mem && x && y);
    m.init(mem, 7);
    for (int t = 1; t <= STEPS; t++) {
        make_batch(p, classes, x, y, (uint64_t)t);
        loss[t - 1] = m.step(mem, x, y, 0.05f, t, pool);
    }
    *eval = m.eval(mem, x, y, pool);
    rt_pool_stop(pool);
    free(x);
    free(y);
    jit_free(j);
    return mem;
}

static void check_shape(const shape *s)
{
    plan_layer l[2];
    plan p = make_plan(s, l);
    float loss[STEPS], eval;
    assert_int_equal(plan_dx_transposed(&p, &p.layers[1]), s->transposed);
    unsetenv("LRC_PARALLEL_FLOPS");
    float *gen = run_generated(&p, s->out, 1, loss, &eval);

    float *ref = aligned_alloc(64, (size_t)p.mem_floats * sizeof(float));
    float *x = malloc((size_t)(p.batch * p.in) * sizeof(float)), *y = malloc((size_t)p.batch * sizeof(float));
    assert_true(ref && x && y);
    ref_init(&p, ref, 7);
    for (int t = 1; t <= STEPS; t++) {
        make_batch(&p, s->out, x, y, (uint64_t)t);
        close_enough(loss[t - 1], ref_step(&p, ref, x, y, 0.05f, t), "loss at step", t);
    }
    for (int64_t k = 0; k < p.n_params; k++)
        close_enough(gen[k], ref[k], "parameter", k);
    close_enough(eval, ref_eval(&p, ref, x, y), "eval", 0);

    /* every product split in chunks: on a pool of three and of two
     * threads, and every chunk on this thread; the step compiled on as
     * many threads (its functions shared out three, two and one ways) */
    setenv("LRC_PARALLEL_FLOPS", "0", 1);
    for (int threads = 3; threads >= 1; threads--) {
        float loss2[STEPS], eval2;
        float *split = run_generated(&p, s->out, threads, loss2, &eval2);
        assert_memory_equal(loss, loss2, sizeof loss);
        assert_memory_equal(&eval, &eval2, sizeof eval);
        assert_memory_equal(gen, split, (size_t)p.n_params * 2 * sizeof(float)); /* parameters and gradients */
        free(split);
    }
    /* the AVX2 kernels (8-float vectors, 8 x 8 transposes), split, against
     * the reference */
    setenv("LRC_VECTOR_FLOATS", "8", 1);
    float loss8[STEPS], eval8;
    float *narrow = run_generated(&p, s->out, 2, loss8, &eval8);
    for (int t = 0; t < STEPS; t++)
        close_enough(loss8[t], loss[t], "8-float kernels: loss at step", t + 1);
    for (int64_t k = 0; k < p.n_params; k++)
        close_enough(narrow[k], ref[k], "8-float kernels: parameter", k);
    close_enough(eval8, eval, "8-float kernels: eval", 0);
    free(narrow);
    unsetenv("LRC_VECTOR_FLOATS");
    unsetenv("LRC_PARALLEL_FLOPS");
    free(gen);
    free(ref);
    free(x);
    free(y);
}

static const shape shapes[] = {
    {1, 3, 17, 2, 0}, {3, 17, 33, 3, 0}, {17, 33, 1, 2, 0}, {33, 130, 17, 10, 0},
    /* dot products of 17 over 130 rows of dz; of 33 over 1030 rows (shorter
     * than PLAN_DOT_MIN, PLAN_DOT_MIN_ROWS rows and more): dx as an nn
     * product reading W transposed, a W small enough (PACK_T_SMALL) to be
     * packed element by element */
    {130, 33, 130, 17, 0}, {1030, 1, 3, 33, 1},
    /* blocked reductions: x W over in = 401 (AVX-512: blocks of 101, 101,
     * 101, 98; AVX2: 201, 200), with B's slivers packed (ldb 600); split,
     * every product is cut by columns (n > m), in chunks of 128 and a last
     * one of 88 (a masked vector) or of 111 (masked vectors inside the
     * matrix). The second layer's W (600 x 777 floats) is large enough for
     * dz W^T as an nn product reading W transposed (plan_dx_transposed):
     * 7 reduction blocks of 111 (AVX2: 3 of 195, one of 192), each packed as
     * whole w x w transposes and a rest. */
    {65, 401, 600, 777, 1},
    {33, 1100, 20, 3, 0},
    /* dW = x^T dz by rows (260 > 130 columns), x^T's steps 260 floats
     * apart: with 8-float vectors A is packed from x^T (its tiles' rows
     * adjacent, a last tile of 2), and for x W from x (a last tile of 4) */
    {40, 260, 130, 3, 0},
    /* a W just over PLAN_WT_MIN_FLOATS (257 x 256 = 65,792 floats) at the
     * fewest rows of dz that take it (64): dz W^T as the nn product over
     * W^T packed block by block, 257 columns a masked last vector */
    {64, 9, 257, 256, 1},
    /* x W over in = 512: two reduction blocks of 256 (AVX2; 4 of 128 with
     * AVX-512) into a C of 40 x 24 floats, small enough (MERGE_C_FLOATS)
     * that C starts at the bias in a pass of its own and both blocks are
     * one loop's body */
    {40, 512, 24, 3, 0},
};

/* In the innermost loops of the products (the functions lrc_part_*,
 * cg_parallel.c): the multiply-adds, the vector registers spilled to
 * the stack or reloaded (the lines LLVM's verbose assembly marks "32-byte
 * Spill" or "Reload": a ymm register), the sign of accumulators that do
 * not fit, and the most scalar instructions other than jumps (address
 * arithmetic and the loop's counter) in one loop with multiply-adds. */
typedef struct loop_code {
    int fmas, spills, scalar;
} loop_code;

static int scalar_instruction(const char *line)
{
    if (line[0] != '\t' || line[1] == '.' || line[1] == 'v' || line[1] == 'j')
        return 0;
    return line[1] >= 'a' && line[1] <= 'z';
}

static loop_code product_loops(char *text)
{
    loop_code c = {0, 0, 0};
    int in_part = 0, in_inner = 0, fmas = 0, scalar = 0;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        if (!strncmp(line, "lrc_", 4))
            in_part = !strncmp(line, "lrc_part_", 9);
        if (!strncmp(line, ".LBB", 4) || !strncmp(line, "# %bb.", 6) || !strncmp(line, "lrc_", 4)) {
            if (fmas > 0 && scalar > c.scalar)
                c.scalar = scalar;
            in_inner = fmas = scalar = 0; /* a block begins: the header of an innermost loop if its comment says so */
        }
        if (strstr(line, "Inner Loop Header"))
            in_inner = 1;
        if (in_part && in_inner) {
            fmas += strstr(line, "vfmadd") != NULL;
            scalar += scalar_instruction(line);
            c.fmas += strstr(line, "vfmadd") != NULL;
            c.spills += strstr(line, "32-byte") && (strstr(line, "Spill") || strstr(line, "Reload"));
        }
    }
    return c;
}

/* Every tile's accumulators and operands fit in the 16 vector registers
 * of an AVX2 machine: the kernels built for 8-float vectors and compiled
 * for x86-64-v3 spill a ymm register in their inner loops at most once per
 * 50 multiply-adds (LLVM's scheduler spills one now and then in an edge
 * tile) — the nn tiles of the largest shape and the dot-product tiles of
 * dx in `nt_shape`. 8 x 2 nn tiles spilled once per 3 multiply-adds,
 * 4 x 4 dot-product tiles once per 5: a third of the machine's speed.
 * And no loop spends more than 6 scalar instructions on its addresses
 * and counter: the code generator runs no loop strength reduction
 * (cg_target.c), so the tiles step their own pointers (cg_gemm.c); a 6 x 2
 * tile's rows addressed from the loop's counter took 17, and made
 * fashion_mlp's step 7-13% longer. */
static void check_avx2_tiles(const shape *s)
{
    plan_layer l[2];
    plan p = make_plan(s, l);
    setenv("LRC_PARALLEL_FLOPS", "0", 1); /* every product in part functions */
    char *msg = NULL, *err = NULL;
    LLVMTargetMachineRef tm = cg_target_machine(1, &msg);
    assert_non_null(tm);
    LLVMContextRef ctx = LLVMContextCreate();
    LLVMModuleRef m = cg_build_module(&p, ctx, 8, CG_INIT | CG_STEP, &msg);
    unsetenv("LRC_PARALLEL_FLOPS");
    assert_non_null(m);
    assert_int_equal(cg_optimize(m, tm, cg_opt_level_for(&p), &msg), 0);
    LLVMSetTargetMachineAsmVerbosity(tm, 1);
    LLVMMemoryBufferRef asm_text = NULL;
    if (LLVMTargetMachineEmitToMemoryBuffer(tm, m, LLVMAssemblyFile, &err, &asm_text))
        fail_msg("assembly: %s", err);
    char *text = strndup(LLVMGetBufferStart(asm_text), LLVMGetBufferSize(asm_text));
    assert_non_null(strstr(text, "vfmadd")); /* the products are there, as AVX2 code */
    loop_code c = product_loops(text);
    if (c.fmas < 24 || c.spills * 50 > c.fmas || c.scalar > 6)
        fail_msg("inner loops of the products: %d multiply-adds, %d ymm spills and reloads, up to %d scalar "
                 "instructions in one",
                 c.fmas, c.spills, c.scalar);
    free(text);
    LLVMDisposeMemoryBuffer(asm_text);
    LLVMDisposeModule(m);
    LLVMContextDispose(ctx);
    LLVMDisposeTargetMachine(tm);
}

static void test_avx2_tiles_fit_registers(void **state)
{
    (void)state;
    static const shape nt_shape = {64, 40, 70, 200, 0}; /* dx = dz W^T over k = 200 */
    check_avx2_tiles(&nt_shape);
    check_avx2_tiles(&shapes[6]);
}

#define SHAPE_TEST(k) \
    static void test_shape_##k(void **s) { (void)s; check_shape(&shapes[k]); }
SHAPE_TEST(0)
SHAPE_TEST(1)
SHAPE_TEST(2)
SHAPE_TEST(3)
SHAPE_TEST(4)
SHAPE_TEST(5)
SHAPE_TEST(6)
SHAPE_TEST(7)
SHAPE_TEST(8)
SHAPE_TEST(9)
SHAPE_TEST(10)

/* one test per shape */
_Static_assert(sizeof shapes / sizeof *shapes == 11, "a SHAPE_TEST for every shape");

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shape_0), cmocka_unit_test(test_shape_1), cmocka_unit_test(test_shape_2),
        cmocka_unit_test(test_shape_3), cmocka_unit_test(test_shape_4), cmocka_unit_test(test_shape_5),
        cmocka_unit_test(test_shape_6), cmocka_unit_test(test_shape_7), cmocka_unit_test(test_shape_8),
        cmocka_unit_test(test_shape_9), cmocka_unit_test(test_shape_10),
        cmocka_unit_test(test_avx2_tiles_fit_registers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
