/* lrc_abi.h — the one contract between generated code and the runtime.
 *
 * The compiler emits one LLVM module per experiment that DEFINES the three
 * functions below (every shape a constant), and may CALL the runtime
 * functions declared at the end. The runtime owns all memory: one flat,
 * 64-byte aligned float block `mem` of `lrc_model.mem_floats` floats, whose
 * layout (parameters, gradients, optimizer moments, activations) is fixed at
 * compile time by compiler/plan.c. Nothing here depends on LLVM, so the same
 * runtime serves the JIT (`lrc run`) and standalone binaries (`lrc build`).
 */
#ifndef LRC_ABI_H
#define LRC_ABI_H

#include <stdint.h>

#define LRC_ABI_VERSION 2

/* Symbol names of the generated functions. */
#define LRC_SYM_INIT "lrc_init"
#define LRC_SYM_STEP "lrc_step"
#define LRC_SYM_EVAL "lrc_eval"
#define LRC_SYM_GRAD "lrc_grad"
#define LRC_SYM_UPDATE "lrc_update"

/* A standalone binary's module (`lrc build`) also defines the experiment's
 * configuration (runtime/rt_config.h) as constants:
 *   const char lrc_config_text[];   NUL-terminated text
 *   const int64_t lrc_config_size;  its length without the NUL */
#define LRC_SYM_CONFIG "lrc_config_text"
#define LRC_SYM_CONFIG_SIZE "lrc_config_size"

/* lrc_init: parameters <- initial values drawn from `seed`; gradients and
 * optimizer moments <- 0. */
typedef void (*lrc_init_fn)(float *mem, uint64_t seed);

/* The runtime's thread pool (runtime/rt_parallel.c), opaque to the
 * generated code: the step, eval, grad and update functions take it as
 * their last argument and hand it to lrc_rt_parallel. NULL: one thread. */
typedef struct lrc_rt_pool lrc_rt_pool;

/* lrc_step: one fused training step on a batch.
 *   x: [batch][x_floats] inputs, y: [batch][y_floats] targets (a class index
 *   stored as a float for cross-entropy), rate: learning rate of this update,
 *   t: 1-based update count (Adam's bias correction).
 * Forward, loss (mean over the batch), backward and optimizer update.
 * Returns the loss measured BEFORE the update. */
typedef float (*lrc_step_fn)(float *mem, const float *x, const float *y, float rate, int32_t t, lrc_rt_pool *pool);

/* lrc_eval: forward and loss only; parameters are not changed. */
typedef float (*lrc_eval_fn)(float *mem, const float *x, const float *y, lrc_rt_pool *pool);

/* lrc_step split in two, for data-parallel steps (runtime/rt_mpi.h):
 * lrc_grad: forward, loss and backward; the gradient of parameter i (mean
 *   over this batch) is written to mem[param_floats + i] (the gradient block
 *   follows the parameters). Returns the loss. Parameters are not changed.
 * lrc_update: the optimizer update (clipping, weight decay, moments) from
 *   whatever the gradient block holds, e.g. the mean over every rank.
 * lrc_grad then lrc_update on the same batch is lrc_step. */
typedef float (*lrc_grad_fn)(float *mem, const float *x, const float *y, int32_t t, lrc_rt_pool *pool);
typedef void (*lrc_update_fn)(float *mem, float rate, int32_t t, lrc_rt_pool *pool);

/* A compiled model as the runtime sees it. */
typedef struct lrc_model {
    lrc_init_fn init;
    lrc_step_fn step;
    lrc_eval_fn eval;
    int64_t mem_floats;    /* size of the block `mem` */
    int64_t param_floats;  /* trainable parameters (they come first in mem) */
    int64_t batch;         /* samples per step */
    int64_t x_floats;      /* floats per input sample */
    int64_t y_floats;      /* floats per target */
    const float *init_params; /* NULL, or param_floats floats that replace what
                              lrc_init drew (`init from` a weights file) */
    lrc_grad_fn grad;      /* NULL when the caller did not look it up */
    lrc_update_fn update;
} lrc_model;

/* ---- runtime functions the generated code calls ---------------------------
 * Registered explicitly with the JIT (compiler/jit.c); linked statically in
 * standalone binaries. */

/* dst[0..n) <- uniform in [-bound, bound], from the stream (seed, stream):
 * the same (seed, stream) always gives the same numbers. */
void lrc_rt_fill_uniform(float *dst, int64_t n, float bound, uint64_t seed, uint64_t stream);

/* Runs fn(mem, x, p) for p in [0, parts): part 0 on the caller's thread,
 * the others on the pool's workers (on the caller's thread when the pool is
 * NULL or has too few), and returns when all are done (rt_parallel.c).
 * The generated code splits its large matrix products this way; each part
 * writes disjoint outputs, so the result does not depend on who ran what. */
typedef void (*lrc_part_fn)(float *mem, const float *x, int64_t part);
void lrc_rt_parallel(lrc_rt_pool *pool, lrc_part_fn fn, float *mem, const float *x, int64_t parts);

#endif
