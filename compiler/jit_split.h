/* jit_split.h — a module compiled to object code on several threads
 * (jit_split.c), for the JIT to link (jit.c). */
#ifndef JIT_SPLIT_H
#define JIT_SPLIT_H

#include <llvm-c/Core.h>
#include "cg.h"

#define JIT_SPLIT_MAX 4

/* Optimises m with `level` and compiles it to up to `threads` (at most
 * JIT_SPLIT_MAX) object files, one per group of its functions, compiled at
 * the same time. `bitcode` is m's, if the caller has it (NULL: written
 * here when needed). Consumes m. Returns the number of objects, stored in
 * objs (the caller owns them), or -1 with *msg filled (malloc'd). */
int jit_split_compile(LLVMModuleRef m, LLVMMemoryBufferRef bitcode, cg_opt_level level, int threads,
                      LLVMMemoryBufferRef *objs, char **msg);

/* Shared by jit.c and jit_split.c: prefix + text in a malloc'd string
 * (NULL when out of memory). */
char *jit_message(const char *prefix, const char *text);

#endif
