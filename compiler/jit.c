/* jit.c — compiles an experiment's module with ORC LLJIT and hands out the
 * three generated functions (runtime/lrc_abi.h). Builds the module
 * (cg_build_module), optimises it for the host (cg_optimize), then links it
 * in an LLJIT whose JITDylib sees lrc_rt_fill_uniform and lrc_rt_parallel
 * (registered explicitly) and the process's libc/libm (memset, expf on LLVM 14).
 * Also prints a module as IR text for `lrc emit-llvm`. Not code generation.
 */
#include "jit.h"

#include <llvm-c/LLJIT.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "cg.h"
#include "llvm_compat.h"

struct jit {
    LLVMOrcLLJITRef lljit;
};

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static char *dup_message(const char *prefix, const char *text)
{
    char *m = malloc(strlen(prefix) + strlen(text) + 1);
    if (m)
        strcat(strcpy(m, prefix), text);
    return m;
}

/* Consumes err; returns -1 with *msg filled, or 0 when err is success. */
static int take_error(LLVMErrorRef err, const char *what, char **msg)
{
    if (!err)
        return 0;
    char *text = LLVMGetErrorMessage(err);
    *msg = dup_message(what, text);
    LLVMDisposeErrorMessage(text);
    return -1;
}

static void fill_target_info(jit_info *info, LLVMTargetMachineRef tm)
{
    char *cpu = LLVMGetTargetMachineCPU(tm), *features = LLVMGetTargetMachineFeatureString(tm);
    snprintf(info->cpu, sizeof info->cpu, "%s", cpu);
    snprintf(info->features, sizeof info->features, "%s", features);
    LLVMDisposeMessage(cpu);
    LLVMDisposeMessage(features);
    cg_llvm_version(info->llvm_version, sizeof info->llvm_version);
}

/* Builds and optimises the module inside tsc's context. */
static LLVMModuleRef build_optimised(const plan *p, LLVMContextRef ctx, jit_info *info, char **msg)
{
    double t0 = now_seconds();
    LLVMModuleRef m = cg_build_module(p, ctx, msg);
    if (!m)
        return NULL;
    double t1 = now_seconds();
    LLVMTargetMachineRef tm = cg_target_machine(0, msg);
    if (!tm || cg_optimize(m, tm, msg)) {
        if (tm)
            LLVMDisposeTargetMachine(tm);
        LLVMDisposeModule(m);
        return NULL;
    }
    fill_target_info(info, tm);
    LLVMDisposeTargetMachine(tm);
    info->build_seconds = t1 - t0;
    info->optimize_seconds = now_seconds() - t1;
    return m;
}

static LLVMOrcLLJITRef create_lljit(char **msg)
{
    LLVMTargetMachineRef tm = cg_target_machine(0, msg);
    if (!tm)
        return NULL;
    LLVMOrcLLJITBuilderRef builder = LLVMOrcCreateLLJITBuilder();
    LLVMOrcLLJITBuilderSetJITTargetMachineBuilder(builder, LLVMOrcJITTargetMachineBuilderCreateFromTargetMachine(tm));
    LLVMOrcLLJITRef j = NULL;
    if (take_error(LLVMOrcCreateLLJIT(&j, builder), "cannot create the JIT: ", msg))
        return NULL;
    return j;
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

/* Adds the module (ownership passes to the JIT) and looks up the three functions. */
static int link_model(jit *jt, LLVMModuleRef m, LLVMOrcThreadSafeContextRef tsc, int split_step, lrc_model *model,
                      char **msg)
{
    LLVMOrcThreadSafeModuleRef tsm = LLVMOrcCreateNewThreadSafeModule(m, tsc);
    LLVMOrcJITDylibRef jd = LLVMOrcLLJITGetMainJITDylib(jt->lljit);
    LLVMErrorRef err = LLVMOrcLLJITAddLLVMIRModule(jt->lljit, jd, tsm);
    if (err) {
        LLVMOrcDisposeThreadSafeModule(tsm);
        return take_error(err, "cannot add the module to the JIT: ", msg);
    }
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

static void fill_model(const plan *p, lrc_model *model)
{
    model->mem_floats = p->mem_floats;
    model->param_floats = p->n_params;
    model->batch = p->batch;
    model->x_floats = p->in;
    model->y_floats = p->y_floats;
    model->init_params = NULL;
}

jit *jit_compile(const plan *p, lrc_model *model, jit_info *info, char **msg)
{
    *msg = NULL;
    memset(info, 0, sizeof *info);
    jit *jt = calloc(1, sizeof *jt);
    if (!jt) {
        *msg = dup_message("", "out of memory");
        return NULL;
    }
    LLVMOrcThreadSafeContextRef tsc = LLVMOrcCreateNewThreadSafeContext();
    LLVMModuleRef m = build_optimised(p, LLVMOrcThreadSafeContextGetContext(tsc), info, msg);
    double t0 = now_seconds();
    int ok = m != NULL;
    if (ok)
        jt->lljit = create_lljit(msg);
    ok = ok && jt->lljit && define_runtime_symbols(jt->lljit, msg) == 0;
    if (ok)
        ok = link_model(jt, m, tsc, p->split_step, model, msg) == 0;
    else if (m)
        LLVMDisposeModule(m);
    LLVMOrcDisposeThreadSafeContext(tsc);
    if (!ok) {
        jit_free(jt);
        return NULL;
    }
    fill_model(p, model);
    info->link_seconds = now_seconds() - t0;
    return jt;
}

void jit_free(jit *j)
{
    if (!j)
        return;
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
    LLVMModuleRef m = cg_build_module(p, ctx, msg);
    char *text = NULL;
    if (m) {
        LLVMTargetMachineRef tm = opt ? cg_target_machine(0, msg) : NULL;
        if (!opt || (tm && cg_optimize(m, tm, msg) == 0)) {
            char *ir = LLVMPrintModuleToString(m);
            text = dup_message("", ir);
            LLVMDisposeMessage(ir);
        }
        if (tm)
            LLVMDisposeTargetMachine(tm);
        LLVMDisposeModule(m);
    }
    LLVMContextDispose(ctx);
    return text;
}
