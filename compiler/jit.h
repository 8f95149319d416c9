/* jit.h — JIT compilation of an experiment's module with ORC LLJIT.
 * Owns the LLVM context and the JIT; the functions it hands out stay valid
 * until jit_free(). Runtime functions the code calls are registered
 * explicitly (no -rdynamic needed). */
#ifndef JIT_H
#define JIT_H

#include "lrc_abi.h"
#include "plan.h"

typedef struct jit jit;

typedef struct jit_info {
    int compile_threads;      /* lrc_init and lrc_step compiled on so many at once */
    char cpu[64];             /* target CPU name */
    char features[1024];      /* target features (truncated) */
    char llvm_version[32];
} jit_info;

/* Compiles `p`; fills `model` with the functions and the sizes. lrc_init
 * and lrc_step are compiled before this returns, on up to `threads`
 * threads (0: every core, at most JIT_SPLIT_MAX); lrc_eval (and lrc_grad,
 * lrc_update) on their first call. The code is the same whatever the
 * thread count.
 * Returns NULL and fills *msg (malloc'd) on failure. */
jit *jit_compile(const plan *p, int threads, lrc_model *model, jit_info *info, char **msg);
void jit_free(jit *j);

/* The optimised (opt != 0) or unoptimised module as LLVM IR text (malloc'd),
 * for `lrc emit-llvm`. */
char *jit_emit_ir(const plan *p, int opt, char **msg);

#endif
