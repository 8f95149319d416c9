/* cg.h — code generation: one LLVM module per experiment, specialised to the
 * plan's shapes, defining lrc_init / lrc_step / lrc_eval (runtime/lrc_abi.h).
 * Each layer kind has one emitter file (cg_dense.c, ...) holding its forward
 * and backward side by side; cg_loss.c and cg_opt.c hold losses and
 * optimizers; cg_module.c assembles the three functions. */
#ifndef CG_H
#define CG_H

#include <llvm-c/Core.h>
#include <llvm-c/TargetMachine.h>
#include "plan.h"

/* Which of runtime/lrc_abi.h's functions a module defines: CG_ALL is
 * lrc_init, lrc_step and lrc_eval, and lrc_grad and lrc_update when the
 * plan asks for the split step (the JIT builds lrc_eval, lrc_grad and
 * lrc_update into modules of their own, compiled on first call). */
enum { CG_INIT = 1, CG_STEP = 2, CG_EVAL = 4, CG_GRAD = 8, CG_UPDATE = 16, CG_ALL = 31 };

/* Builds a module in `ctx` with the `functions` asked for (grad and update
 * only for a split-step plan), its matrix kernels for vectors of
 * `vec_floats` floats. Verified; returns NULL and fills *msg (malloc'd) on
 * an internal error. */
LLVMModuleRef cg_build_module(const plan *p, LLVMContextRef ctx, int vec_floats, unsigned functions, char **msg);
/* Floats per vector register of the machine tm generates code for: 16
 * with AVX-512, 8 with AVX2 (x86-64-v3), else 4; LRC_VECTOR_FLOATS=8 or 4
 * asks for narrower (tests). cg_build_module's kernels are built for it. */
int cg_vector_floats(LLVMTargetMachineRef tm);

/* A target machine for the host (CPU name and features) or, with
 * portable != 0, for x86-64-v3. Returns NULL and fills *msg on failure. */
LLVMTargetMachineRef cg_target_machine(int portable, char **msg);
/* Every target machine lrc makes (the JIT's and `lrc build`'s), with the
 * code generator's settings (cg_target.c); NULL on failure. */
LLVMTargetMachineRef cg_create_target_machine(LLVMTargetRef target, const char *triple, const char *cpu,
                                              const char *features, LLVMCodeModel model);

/* The LLVM library's version, e.g. "19.1.7" (the build's on LLVM < 16). */
void cg_llvm_version(char *buf, size_t len);

/* The optimisation pipeline a plan's module gets (cg_target.c), a short
 * one (the kernels are explicit vector IR already): DENSE for networks of
 * dense layers, with full unrolling of small constant loops; CONV, when
 * convolutions or pooling make the module large, without it. */
typedef enum { CG_OPT_DENSE, CG_OPT_CONV } cg_opt_level;
cg_opt_level cg_opt_level_for(const plan *p);
/* Runs that pipeline with the target machine (the JIT and `lrc build`). */
int cg_optimize(LLVMModuleRef m, LLVMTargetMachineRef tm, cg_opt_level level, char **msg);
/* The pipeline and the code generator's settings as text, for the key of
 * the cache of compiled steps: machine code compiled with other settings
 * is not used. */
void cg_describe_compile(cg_opt_level level, char *buf, size_t len);

/* Adds the configuration text of a standalone binary (lrc_abi.h's
 * LRC_SYM_CONFIG and LRC_SYM_CONFIG_SIZE; cg_config.c). Returns 0, or -1
 * with *msg filled. */
int cg_add_config(LLVMModuleRef m, const char *text, size_t len, char **msg);

#endif
