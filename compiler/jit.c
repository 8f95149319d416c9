/* jit.c — compiles an experiment's module with ORC LLJIT and hands out the
 * generated functions (runtime/lrc_abi.h). lrc_init and lrc_step are built
 * into one module (cg_build_module), optimised and compiled to machine
 * code on every core at once (jit_split.c) before jit_compile returns —
 * or, when an earlier run compiled the same module for the same target,
 * linked from the cache directory (jit_cache.c);
 * lrc_eval, lrc_grad and lrc_update (validation and data-parallel runs
 * only) are each built into a module of their own behind a lazy re-export,
 * optimised in the JIT's IR transform layer and compiled on their first
 * call. The JITDylib sees lrc_rt_fill_uniform and lrc_rt_parallel
 * (registered explicitly) and the process's libc/libm (memset, expf on
 * LLVM 14).
 * Also prints a module as IR text for `lrc emit-llvm`. Not code generation.
 */
#define _DEFAULT_SOURCE /* madvise */
#include "jit.h"

#include <llvm-c/BitWriter.h>
#include <llvm-c/LLJIT.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "cg.h"
#include "jit_cache.h"
#include "jit_split.h"
#include "llvm_compat.h"

struct jit {
    LLVMOrcLLJITRef lljit;
    LLVMOrcLazyCallThroughManagerRef lctm;   /* the lazy functions' stubs */
    LLVMOrcIndirectStubsManagerRef ism;
    cg_opt_level level;                      /* the plan's pipeline */
};

/* The functions compiled on first call, each from a module of its own. */
static const struct {
    const char *name;
    unsigned function;   /* cg_build_module's flag */
} lazy[] = {{LRC_SYM_EVAL, CG_EVAL}, {LRC_SYM_GRAD, CG_GRAD}, {LRC_SYM_UPDATE, CG_UPDATE}};
enum { NLAZY = sizeof lazy / sizeof lazy[0] };
#define BODY_SUFFIX ".body"

/* Consumes err; returns -1 with *msg filled, or 0 when err is success. */
static int take_error(LLVMErrorRef err, const char *what, char **msg)
{
    if (!err)
        return 0;
    char *text = LLVMGetErrorMessage(err);
    *msg = jit_message(what, text);
    LLVMDisposeErrorMessage(text);
    return -1;
}

/* info's target fields, and `target`: what the code depends on besides
 * the module — LLVM, the CPU and all its features (info keeps them
 * truncated), the pipeline: the cache's key, with the bitcode. */
static void describe_target(LLVMTargetMachineRef tm, cg_opt_level level, jit_info *info, char *target, size_t len)
{
    char *cpu = LLVMGetTargetMachineCPU(tm), *features = LLVMGetTargetMachineFeatureString(tm);
    snprintf(info->cpu, sizeof info->cpu, "%s", cpu);
    snprintf(info->features, sizeof info->features, "%s", features);
    cg_llvm_version(info->llvm_version, sizeof info->llvm_version);
    char compile[512];
    cg_describe_compile(level, compile, sizeof compile);
    snprintf(target, len, "llvm %s\ncpu %s\nfeatures %s\n%s", info->llvm_version, cpu, features, compile);
    LLVMDisposeMessage(cpu);
    LLVMDisposeMessage(features);
}

/* The IR transform layer's work: cg_optimize on each module as the JIT
 * materialises it (so a lazy function is optimised only if it is called). */
static LLVMErrorRef optimise_module(void *ctx, LLVMModuleRef m)
{
    jit *jt = ctx;
    char *msg = NULL;
    LLVMTargetMachineRef tm = cg_target_machine(0, &msg);
    if (!tm || cg_optimize(m, tm, jt->level, &msg)) {
        if (tm)
            LLVMDisposeTargetMachine(tm);
        LLVMErrorRef err = LLVMCreateStringError(msg ? msg : "optimisation failed");
        free(msg);
        return err;
    }
    LLVMDisposeTargetMachine(tm);
    return NULL;
}

static LLVMErrorRef optimise_transform(void *ctx, LLVMOrcThreadSafeModuleRef *tsm,
                                       LLVMOrcMaterializationResponsibilityRef mr)
{
    (void)mr;
    return LLVMOrcThreadSafeModuleWithModuleDo(*tsm, optimise_module, ctx);
}

/* Called by a lazy stub whose function failed to compile (the JIT has
 * reported why on stderr). */
static void lazy_compile_failed(void)
{
    fputs("lrc: internal error: the JIT could not compile a generated function\n", stderr);
    abort();
}

/* The LLJIT for tm's target (tm is consumed), with the optimising
 * transform and the lazy-call machinery. */
static int create_lljit(jit *jt, LLVMTargetMachineRef tm, char **msg)
{
    LLVMOrcLLJITBuilderRef builder = LLVMOrcCreateLLJITBuilder();
    LLVMOrcLLJITBuilderSetJITTargetMachineBuilder(builder, LLVMOrcJITTargetMachineBuilderCreateFromTargetMachine(tm));
    if (take_error(LLVMOrcCreateLLJIT(&jt->lljit, builder), "cannot create the JIT: ", msg))
        return -1;
    LLVMOrcIRTransformLayerSetTransform(LLVMOrcLLJITGetIRTransformLayer(jt->lljit), optimise_transform, jt);
    const char *triple = LLVMOrcLLJITGetTripleString(jt->lljit);
    if (take_error(LLVMOrcCreateLocalLazyCallThroughManager(triple, LLVMOrcLLJITGetExecutionSession(jt->lljit),
                                                            (LLVMOrcJITTargetAddress)(uintptr_t)&lazy_compile_failed,
                                                            &jt->lctm),
                   "cannot create the JIT's lazy calls: ", msg))
        return -1;
    jt->ism = LLVMOrcCreateLocalIndirectStubsManager(triple);
    if (!jt->ism) {
        *msg = jit_message("", "cannot create the JIT's stubs");
        return -1;
    }
    return 0;
}

/* lrc_rt_fill_uniform and lrc_rt_parallel by address, and a generator for
 * libc/libm. */
static int define_runtime_symbols(LLVMOrcLLJITRef j, char **msg)
{
    LLVMOrcJITDylibRef jd = LLVMOrcLLJITGetMainJITDylib(j);
    LLVMOrcDefinitionGeneratorRef gen = NULL;
    if (take_error(LLVMOrcCreateDynamicLibrarySearchGeneratorForProcess(&gen, LLVMOrcLLJITGetGlobalPrefix(j), NULL, NULL),
                   "cannot search the process for symbols: ", msg))
        return -1;
    LLVMOrcJITDylibAddGenerator(jd, gen);
    LLVMJITSymbolFlags flags = {.GenericFlags = LLVMJITSymbolGenericFlagsExported | LLVMJITSymbolGenericFlagsCallable};
    compat_symbol_pair syms[2] = {
        {.Name = LLVMOrcLLJITMangleAndIntern(j, "lrc_rt_fill_uniform"),
         .Sym = {.Address = (LLVMOrcExecutorAddress)(uintptr_t)&lrc_rt_fill_uniform, .Flags = flags}},
        {.Name = LLVMOrcLLJITMangleAndIntern(j, "lrc_rt_parallel"),
         .Sym = {.Address = (LLVMOrcExecutorAddress)(uintptr_t)&lrc_rt_parallel, .Flags = flags}},
    };
    LLVMOrcMaterializationUnitRef mu = LLVMOrcAbsoluteSymbols(syms, 2);
    LLVMErrorRef err = LLVMOrcJITDylibDefine(jd, mu);
    if (err) {
        LLVMOrcDisposeMaterializationUnit(mu);
        return take_error(err, "cannot define runtime symbols: ", msg);
    }
    return 0;
}

static int lookup(LLVMOrcLLJITRef j, const char *name, LLVMOrcExecutorAddress *addr, char **msg)
{
    return take_error(LLVMOrcLLJITLookup(j, addr, name), "cannot find a generated function: ", msg);
}

static int add_module(jit *jt, LLVMModuleRef m, LLVMOrcThreadSafeContextRef tsc, char **msg)
{
    LLVMOrcThreadSafeModuleRef tsm = LLVMOrcCreateNewThreadSafeModule(m, tsc);
    LLVMErrorRef err = LLVMOrcLLJITAddLLVMIRModule(jt->lljit, LLVMOrcLLJITGetMainJITDylib(jt->lljit), tsm);
    if (err) {
        LLVMOrcDisposeThreadSafeModule(tsm);
        return take_error(err, "cannot add the module to the JIT: ", msg);
    }
    return 0;
}

/* Builds each lazy function the plan has into a module of its own (named
 * NAME.body) and defines NAME as a lazy re-export of it: compiled on the
 * first call. */
static int add_lazy(jit *jt, const plan *p, int vec_floats, LLVMOrcThreadSafeContextRef tsc, char **msg)
{
    LLVMJITSymbolFlags flags = {.GenericFlags = LLVMJITSymbolGenericFlagsExported | LLVMJITSymbolGenericFlagsCallable};
    LLVMOrcCSymbolAliasMapPair alias[NLAZY];
    size_t n = 0;
    for (int i = 0; i < NLAZY; i++) {
        LLVMModuleRef one = cg_build_module(p, LLVMOrcThreadSafeContextGetContext(tsc), vec_floats, lazy[i].function, msg);
        if (!one)
            return -1;
        LLVMValueRef f = LLVMGetNamedFunction(one, lazy[i].name);
        if (!f) { /* not in this plan (grad, update) */
            LLVMDisposeModule(one);
            continue;
        }
        char body[64];
        snprintf(body, sizeof body, "%s" BODY_SUFFIX, lazy[i].name);
        LLVMSetValueName2(f, body, strlen(body));
        if (add_module(jt, one, tsc, msg))
            return -1;
        alias[n].Name = LLVMOrcLLJITMangleAndIntern(jt->lljit, lazy[i].name);
        alias[n].Entry.Name = LLVMOrcLLJITMangleAndIntern(jt->lljit, body);
        alias[n].Entry.Flags = flags;
        n++;
    }
    if (n == 0)
        return 0;
    LLVMOrcJITDylibRef jd = LLVMOrcLLJITGetMainJITDylib(jt->lljit);
    LLVMOrcMaterializationUnitRef mu = LLVMOrcLazyReexports(jt->lctm, jt->ism, jd, alias, n);
    LLVMErrorRef err = LLVMOrcJITDylibDefine(jd, mu);
    if (err) {
        LLVMOrcDisposeMaterializationUnit(mu);
        return take_error(err, "cannot define the lazy functions: ", msg);
    }
    return 0;
}

/* Threads to compile on: `threads`, or the machine's cores (0); at most
 * JIT_SPLIT_MAX. */
static int compile_threads(int threads)
{
    long n = threads > 0 ? threads : sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > JIT_SPLIT_MAX ? JIT_SPLIT_MAX : (int)n;
}

/* lrc_init and lrc_step: m (consumed) linked from the cache, or compiled
 * on every core (and then stored in the cache); the objects added to the
 * JIT. */
static int add_eager(jit *jt, LLVMModuleRef m, const jit_options *o, const char *target, jit_info *info, char **msg)
{
    LLVMMemoryBufferRef objs[JIT_SPLIT_MAX];
    LLVMMemoryBufferRef bitcode = o->cache_dir ? LLVMWriteBitcodeToMemoryBuffer(m) : NULL; /* else split's */
    jit_cache_key key;
    int n = 0;
    info->cache = JIT_CACHE_OFF;
    if (bitcode) {
        jit_cache_key_make(&key, LLVMGetBufferStart(bitcode), LLVMGetBufferSize(bitcode), target);
        n = jit_cache_load(o->cache_dir, &key, objs, JIT_SPLIT_MAX);
        info->cache = n > 0 ? JIT_CACHE_HIT : JIT_CACHE_MISS;
    }
    if (n > 0)
        LLVMDisposeModule(m);
    else {
        n = jit_split_compile(m, bitcode, jt->level, compile_threads(o->threads), objs, msg);
        info->compile_threads = n;
        if (n > 0 && bitcode)
            jit_cache_store(o->cache_dir, &key, objs, n);
    }
    if (bitcode)
        LLVMDisposeMemoryBuffer(bitcode);
    LLVMOrcJITDylibRef jd = LLVMOrcLLJITGetMainJITDylib(jt->lljit);
    for (int i = 0; i < n; i++) {
        LLVMErrorRef err = LLVMOrcLLJITAddObjectFile(jt->lljit, jd, objs[i]);
        if (err) {
            while (++i < n)
                LLVMDisposeMemoryBuffer(objs[i]);
            return take_error(err, "cannot add machine code to the JIT: ", msg);
        }
    }
    return n < 0 ? -1 : 0;
}

/* Every function the model needs, looked up (lrc_init and lrc_step are
 * compiled already; the lazy ones resolve to their stubs). */
static int link_model(jit *jt, int split_step, lrc_model *model, char **msg)
{
    LLVMOrcExecutorAddress init, step, eval;
    if (lookup(jt->lljit, LRC_SYM_INIT, &init, msg) || lookup(jt->lljit, LRC_SYM_STEP, &step, msg) ||
        lookup(jt->lljit, LRC_SYM_EVAL, &eval, msg))
        return -1;
    model->init = (lrc_init_fn)(uintptr_t)init;
    model->step = (lrc_step_fn)(uintptr_t)step;
    model->eval = (lrc_eval_fn)(uintptr_t)eval;
    model->grad = NULL;
    model->update = NULL;
    if (!split_step)
        return 0;
    LLVMOrcExecutorAddress grad, update;   /* data-parallel steps (rt_mpi.h) */
    if (lookup(jt->lljit, LRC_SYM_GRAD, &grad, msg) || lookup(jt->lljit, LRC_SYM_UPDATE, &update, msg))
        return -1;
    model->grad = (lrc_grad_fn)(uintptr_t)grad;
    model->update = (lrc_update_fn)(uintptr_t)update;
    return 0;
}

/* LLVM's machine code, once lrc_init and lrc_step are compiled. The pages
 * of it the compile touched (~55 MB of libLLVM 19's 120 MB, with the
 * kernel's read-around) are clean copies of the file, so they are dropped
 * from the process: the run's peak memory no longer carries them. A lazy
 * compile (lrc_eval, ...) faults back what it needs from the page cache.
 * Only the executable mapping that holds LLVM's code is touched: it is
 * never written, unlike the relocated data next to it. */
static void release_llvm_code(void)
{
    uintptr_t code = (uintptr_t)&LLVMContextCreate;
    FILE *f = fopen("/proc/self/maps", "r");
    if (!f)
        return;
    char line[512];
    while (fgets(line, sizeof line, f)) {
        unsigned long lo, hi;
        char perms[8];
        if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) == 3 && lo <= code && code < hi && perms[2] == 'x' &&
            perms[1] != 'w') {
            madvise((void *)lo, hi - lo, MADV_DONTNEED);
            break;
        }
    }
    fclose(f);
}

static void fill_model(const plan *p, lrc_model *model)
{
    model->mem_floats = p->mem_floats;
    model->param_floats = p->n_params;
    model->batch = p->batch;
    model->x_floats = p->in;
    model->y_floats = p->y_floats;
    model->init_params = NULL;
}

jit *jit_compile(const plan *p, const jit_options *o, lrc_model *model, jit_info *info, char **msg)
{
    jit_options defaults = {0};
    if (!o)
        o = &defaults;
    *msg = NULL;
    memset(info, 0, sizeof *info);
    jit *jt = calloc(1, sizeof *jt);
    if (!jt) {
        *msg = jit_message("", "out of memory");
        return NULL;
    }
    jt->level = cg_opt_level_for(p);
    LLVMOrcThreadSafeContextRef tsc = LLVMOrcCreateNewThreadSafeContext();
    LLVMTargetMachineRef tm = cg_target_machine(0, msg);
    int vec_floats = tm ? cg_vector_floats(tm) : 0;
    LLVMModuleRef m = tm ? cg_build_module(p, LLVMOrcThreadSafeContextGetContext(tsc), vec_floats, CG_INIT | CG_STEP, msg)
                         : NULL;
    int ok = m != NULL;
    if (!ok && tm)
        LLVMDisposeTargetMachine(tm);
    char target[8192];
    if (ok) { /* the JIT takes the target machine */
        describe_target(tm, jt->level, info, target, sizeof target);
        ok = create_lljit(jt, tm, msg) == 0 && define_runtime_symbols(jt->lljit, msg) == 0;
    }
    ok = ok && add_lazy(jt, p, vec_floats, tsc, msg) == 0;
    if (ok) {
        ok = add_eager(jt, m, o, target, info, msg) == 0 && link_model(jt, p->split_step, model, msg) == 0;
        m = NULL;
    }
    if (m)
        LLVMDisposeModule(m);
    LLVMOrcDisposeThreadSafeContext(tsc);
    if (!ok) {
        jit_free(jt);
        return NULL;
    }
    fill_model(p, model);
    release_llvm_code();
    return jt;
}

void jit_free(jit *j)
{
    if (!j)
        return;
    /* The lazy-call managers hold names from the JIT's string pool: they go first. */
    if (j->ism)
        LLVMOrcDisposeIndirectStubsManager(j->ism);
    if (j->lctm)
        LLVMOrcDisposeLazyCallThroughManager(j->lctm);
    if (j->lljit) {
        LLVMErrorRef err = LLVMOrcDisposeLLJIT(j->lljit);
        if (err) {
            char *text = LLVMGetErrorMessage(err);
            fprintf(stderr, "lrc: warning: disposing the JIT: %s\n", text);
            LLVMDisposeErrorMessage(text);
        }
    }
    free(j);
}

char *jit_emit_ir(const plan *p, int opt, char **msg)
{
    *msg = NULL;
    LLVMContextRef ctx = LLVMContextCreate();
    LLVMTargetMachineRef tm = cg_target_machine(0, msg);
    LLVMModuleRef m = tm ? cg_build_module(p, ctx, cg_vector_floats(tm), CG_ALL, msg) : NULL;
    char *text = NULL;
    if (m) {
        if (!opt || cg_optimize(m, tm, cg_opt_level_for(p), msg) == 0) {
            char *ir = LLVMPrintModuleToString(m);
            text = jit_message("", ir);
            LLVMDisposeMessage(ir);
        }
        LLVMDisposeModule(m);
    }
    if (tm)
        LLVMDisposeTargetMachine(tm);
    LLVMContextDispose(ctx);
    return text;
}
