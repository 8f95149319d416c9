/* jit_split.c — compiles a module's functions to object code on several
 * threads at once. Optimisation and instruction selection take most of
 * `lrc run`'s start-up and are per function, so the module's defined
 * functions (lrc_init, lrc_step, each layer's forward and backward,
 * cg_module.c's layer_call, and each parallel part, cg_parallel.c) are
 * shared out to groups of about equal size. Every group gets its own copy
 * of the module, read back from bitcode in a context of its own (an
 * LLVMContext is not thread-safe), keeps its functions' bodies, turns the
 * others into declarations, and becomes one object file; the JIT links
 * the objects (jit.c). Functions another group calls are made external
 * for that: their names are unique in the module, and internal to the JIT.
 */
#include "jit_split.h"

#include <llvm-c/BitReader.h>
#include <llvm-c/BitWriter.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

typedef struct group {
    int k;                        /* this group's number */
    const int *group_of;          /* per defined function, in module order */
    int nfuncs;
    cg_opt_level level;
    const char *bitcode;          /* the whole module (other groups) */
    size_t bitcode_len;
    LLVMModuleRef m;              /* the module itself (group 0) */
    LLVMMemoryBufferRef obj;      /* out */
    char *msg;                    /* out, on failure */
} group;

char *jit_message(const char *prefix, const char *text)
{
    char *m = malloc(strlen(prefix) + strlen(text) + 1);
    if (m)
        strcat(strcpy(m, prefix), text);
    return m;
}

static int defined_functions(LLVMModuleRef m, LLVMValueRef *out, int max)
{
    int n = 0;
    for (LLVMValueRef f = LLVMGetFirstFunction(m); f; f = LLVMGetNextFunction(f))
        if (!LLVMIsDeclaration(f)) {
            if (out && n < max)
                out[n] = f;
            n++;
        }
    return n;
}

static int64_t instructions(LLVMValueRef f)
{
    int64_t n = 0;
    for (LLVMBasicBlockRef b = LLVMGetFirstBasicBlock(f); b; b = LLVMGetNextBasicBlock(b))
        for (LLVMValueRef i = LLVMGetFirstInstruction(b); i; i = LLVMGetNextInstruction(i))
            n++;
    return n;
}

/* Largest first, each to the group with the fewest instructions so far
 * (ties to the lower number): the same answer for the same module. The
 * groups after the first start with a load of a 20th of the module, for
 * reading the module back from bitcode first (LeNet's step: 4-7 ms, where
 * optimising and compiling all of it takes ~150 ms of CPU): LeNet's
 * compile 107 -> 91 ms, digits' 75 -> 63 (medians of 12 and 8
 * interleaved, two threads, znver3). */
static void partition(const int64_t *size, int n, int groups, int *group_of)
{
    int64_t load[JIT_SPLIT_MAX] = {0}, total = 0;
    for (int i = 0; i < n; i++)
        total += size[i];
    for (int k = 1; k < groups; k++)
        load[k] = total / 20;
    for (int i = 0; i < n; i++)
        group_of[i] = -1;
    for (int placed = 0; placed < n; placed++) {
        int big = -1, to = 0;
        for (int i = 0; i < n; i++)
            if (group_of[i] < 0 && (big < 0 || size[i] > size[big]))
                big = i;
        for (int k = 1; k < groups; k++)
            if (load[k] < load[to])
                to = k;
        group_of[big] = to;
        load[to] += size[big];
    }
}

/* Keeps the bodies of group k's functions (made external, for the other
 * groups' calls) and declares the rest. Returns -1 when memory ran out. */
static int keep_group(LLVMModuleRef m, const int *group_of, int n, int k)
{
    LLVMValueRef *fns = malloc((size_t)n * sizeof *fns);
    int rc = fns && defined_functions(m, fns, n) == n ? 0 : -1;
    for (int i = 0; rc == 0 && i < n; i++) {
        LLVMValueRef f = fns[i];
        if (group_of[i] == k) {
            LLVMSetLinkage(f, LLVMExternalLinkage);
            continue;
        }
        size_t len; /* the name, kept across the deletion */
        const char *name = LLVMGetValueName2(f, &len);
        char *keep = malloc(len + 1);
        if (!keep) {
            rc = -1;
            break;
        }
        memcpy(keep, name, len);
        LLVMValueRef decl = LLVMAddFunction(m, "", LLVMGlobalGetValueType(f));
        LLVMReplaceAllUsesWith(f, decl);
        LLVMDeleteFunction(f);
        LLVMSetValueName2(decl, keep, len);
        free(keep);
    }
    free(fns);
    return rc;
}

/* The group's copy of the module, optimised and compiled to an object. */
static void *compile_group(void *arg)
{
    group *g = arg;
    LLVMContextRef ctx = NULL;
    LLVMModuleRef m = g->m;
    if (!m) {
        ctx = LLVMContextCreate();
        LLVMMemoryBufferRef bc = LLVMCreateMemoryBufferWithMemoryRange(g->bitcode, g->bitcode_len, "lrc_model", 0);
        if (LLVMParseBitcodeInContext2(ctx, bc, &m))
            g->msg = jit_message("", "internal error: cannot read back the module's bitcode");
        LLVMDisposeMemoryBuffer(bc);
    }
    LLVMTargetMachineRef tm = m ? cg_target_machine(0, &g->msg) : NULL;
    if (tm) {
        if (keep_group(m, g->group_of, g->nfuncs, g->k) != 0)
            g->msg = jit_message("", "out of memory");
        else if (cg_optimize(m, tm, g->level, &g->msg) == 0) {
            char *err = NULL;
            if (LLVMTargetMachineEmitToMemoryBuffer(tm, m, LLVMObjectFile, &err, &g->obj)) {
                g->msg = jit_message("cannot generate machine code: ", err ? err : "unknown error");
                g->obj = NULL;
            }
            LLVMDisposeMessage(err);
        }
        LLVMDisposeTargetMachine(tm);
    }
    if (m)
        LLVMDisposeModule(m);
    if (ctx)
        LLVMContextDispose(ctx);
    return NULL;
}

int jit_split_compile(LLVMModuleRef m, LLVMMemoryBufferRef given, cg_opt_level level, int threads,
                      LLVMMemoryBufferRef *objs, char **msg)
{
    int n = defined_functions(m, NULL, 0);
    int groups = threads < 1 ? 1 : threads > JIT_SPLIT_MAX ? JIT_SPLIT_MAX : threads;
    if (groups > n)
        groups = n > 0 ? n : 1;
    size_t cap = (size_t)(n > 0 ? n : 1);
    LLVMValueRef *fns = malloc(cap * sizeof *fns);
    int64_t *size = malloc(cap * sizeof *size);
    int *group_of = malloc(cap * sizeof *group_of);
    if (!fns || !size || !group_of) {
        free(fns);
        free(size);
        free(group_of);
        LLVMDisposeModule(m);
        *msg = jit_message("", "out of memory");
        return -1;
    }
    defined_functions(m, fns, n);
    for (int i = 0; i < n; i++)
        size[i] = instructions(fns[i]);
    partition(size, n, groups, group_of);
    free(fns);
    free(size);

    LLVMMemoryBufferRef bitcode = groups > 1 && !given ? LLVMWriteBitcodeToMemoryBuffer(m) : given;
    group g[JIT_SPLIT_MAX];
    pthread_t thread[JIT_SPLIT_MAX];
    int started[JIT_SPLIT_MAX] = {0};
    for (int k = 0; k < groups; k++)
        g[k] = (group){.k = k, .group_of = group_of, .nfuncs = n, .level = level, .m = k == 0 ? m : NULL,
                       .bitcode = bitcode ? LLVMGetBufferStart(bitcode) : NULL,
                       .bitcode_len = bitcode ? LLVMGetBufferSize(bitcode) : 0};
    for (int k = 1; k < groups; k++)
        started[k] = bitcode && pthread_create(&thread[k], NULL, compile_group, &g[k]) == 0;
    compile_group(&g[0]);
    for (int k = 1; k < groups; k++) {
        if (started[k])
            pthread_join(thread[k], NULL);
        else
            compile_group(&g[k]); /* no thread (or no bitcode): here, after the others */
    }
    if (bitcode && bitcode != given)
        LLVMDisposeMemoryBuffer(bitcode);
    free(group_of);

    int failed = -1;
    for (int k = 0; k < groups; k++)
        if (!g[k].obj && failed < 0)
            failed = k;
    if (failed >= 0) {
        *msg = g[failed].msg ? g[failed].msg : jit_message("", "internal error: machine code generation failed");
        g[failed].msg = NULL;
    }
    for (int k = 0; k < groups; k++) {
        free(g[k].msg);
        if (failed >= 0 && g[k].obj)
            LLVMDisposeMemoryBuffer(g[k].obj);
        objs[k] = g[k].obj;
    }
    return failed >= 0 ? -1 : groups;
}
