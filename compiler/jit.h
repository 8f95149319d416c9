/* jit.h — JIT compilation of an experiment's module with ORC LLJIT.
 * Owns the LLVM context and the JIT; the functions it hands out stay valid
 * until jit_free(). Runtime functions the code calls are registered
 * explicitly (no -rdynamic needed). */
#ifndef JIT_H
#define JIT_H

#include "lrc_abi.h"
#include "plan.h"

typedef struct jit jit;

/* How lrc_init and lrc_step were compiled. */
typedef enum jit_cache_use {
    JIT_CACHE_OFF,            /* compiled; no cache directory */
    JIT_CACHE_MISS,           /* compiled, and stored in the cache */
    JIT_CACHE_HIT,            /* linked from the cache, nothing compiled */
} jit_cache_use;

typedef struct jit_options {
    int threads;              /* compile on at most so many (0: every core, at most JIT_SPLIT_MAX) */
    const char *cache_dir;    /* machine code kept across runs here (jit_cache.h); NULL: no cache */
} jit_options;

typedef struct jit_info {
    int compile_threads;      /* lrc_init and lrc_step compiled on so many at once (0: a cache hit) */
    jit_cache_use cache;
    char cpu[64];             /* target CPU name */
    char features[1024];      /* target features (truncated) */
    char llvm_version[32];
} jit_info;

/* Compiles `p`; fills `model` with the functions and the sizes. lrc_init
 * and lrc_step are compiled before this returns, on up to o->threads
 * threads, or linked from o->cache_dir when an earlier run compiled the
 * same module for the same target; lrc_eval (and lrc_grad, lrc_update) on
 * their first call. The code is the same whatever the thread count, and
 * from the cache. o may be NULL (every core, no cache).
 * Returns NULL and fills *msg (malloc'd) on failure. */
jit *jit_compile(const plan *p, const jit_options *o, lrc_model *model, jit_info *info, char **msg);
void jit_free(jit *j);

/* The optimised (opt != 0) or unoptimised module as LLVM IR text (malloc'd),
 * for `lrc emit-llvm`. */
char *jit_emit_ir(const plan *p, int opt, char **msg);

#endif
