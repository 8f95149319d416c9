/* aot.h — ahead-of-time compilation for `lrc build`: the target (host CPU or
 * portable x86-64-v3), the object file (the experiment's module plus its
 * configuration text, optimised and emitted by LLVM), and the link with the
 * static runtime and the standalone main by the system C compiler. Also
 * where an installed lrc finds its files (relative to its own executable).
 * Not here: checking the experiment or serialising it (cmd_build.c,
 * runtime/rt_config.c). */
#ifndef AOT_H
#define AOT_H

#include <stddef.h>
#include "plan.h"

typedef struct aot_target {
    int portable;            /* --cpu portable */
    char triple[128];
    char cpu[64];            /* LLVM CPU name, e.g. "znver4" or "x86-64-v3" */
    char features[8192];     /* the feature string given to LLVM ("" for portable) */
    char check[4096];        /* "+avx2,+fma,...": what the running CPU must have */
    char llvm_version[32];
} aot_target;

/* Describes the target for --cpu native (portable 0) or portable. Returns 0,
 * or -1 with *msg (malloc'd) filled. */
int aot_describe_target(int portable, aot_target *t, char **msg);

/* Builds p's module, adds the configuration text, optimises it (O3) for t and
 * writes an object file. Returns 0, or -1 with *msg filled. */
int aot_emit_object(const plan *p, const aot_target *t, const char *config, size_t len,
                    const char *obj_path, char **msg);

/* The static libraries a binary is linked with: first next to the running
 * lrc (<prefix>/lib/lrc/ for <prefix>/bin/lrc), else those of the build tree
 * lrc was built in. Returns 0, or -1 with *msg filled. */
int aot_find_libs(char *runtime, char *standalone, size_t len, char **msg);

/* Links obj_path with the libraries into out_path by running $CC (default
 * `cc`). Returns 0, or -1 with *msg filled (the compiler's own messages go
 * to stderr). */
int aot_link(const char *obj_path, const char *runtime, const char *standalone, const char *out_path,
             char **msg);

/* <directory of the running executable>/<rel> in out when that exists
 * (returns 1); 0 otherwise. */
int aot_exe_relative(const char *rel, char *out, size_t len);

#endif
