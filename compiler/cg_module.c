/* cg_module.c — assembles one experiment's module: lrc_init, lrc_step and
 * lrc_eval exactly as runtime/lrc_abi.h documents them, every shape and
 * offset a constant from the plan. The per-op emitters live in cg_dense.c,
 * cg_act.c, cg_loss.c and cg_opt.c; target machine and passes in
 * cg_target.c. Not the JIT (jit.c).
 */
#include "cg.h"

#include <llvm-c/Analysis.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "cg_internal.h"
#include "lrc_abi.h"
#include "rt_rng.h"

static void cg_types(cg *g)
{
    g->f32 = LLVMFloatTypeInContext(g->ctx);
    g->i32 = LLVMInt32TypeInContext(g->ctx);
    g->i64 = LLVMInt64TypeInContext(g->ctx);
    g->ptr = LLVMPointerType(g->f32, 0);
    g->void_t = LLVMVoidTypeInContext(g->ctx);
}

/* Mem, x and y never overlap (the runtime allocates them separately). */
static void mark_noalias(cg *g, LLVMValueRef fn, unsigned nptr)
{
    unsigned kind = LLVMGetEnumAttributeKindForName("noalias", 7);
    LLVMAttributeRef a = LLVMCreateEnumAttribute(g->ctx, kind, 0);
    for (unsigned i = 1; i <= nptr; i++)
        LLVMAddAttributeAtIndex(fn, i, a);
}

/* Defines `name` and positions the builder in its entry block. */
static LLVMValueRef begin_function(cg *g, const char *name, LLVMTypeRef ret, LLVMTypeRef *params,
                                   unsigned n, unsigned nptr)
{
    LLVMValueRef fn = LLVMAddFunction(g->mod, name, LLVMFunctionType(ret, params, n, 0));
    mark_noalias(g, fn, nptr);
    g->fn = fn;
    g->mem = LLVMGetParam(fn, 0);
    LLVMPositionBuilderAtEnd(g->b, LLVMAppendBasicBlockInContext(g->ctx, fn, "entry"));
    return fn;
}

/* ---- lrc_init(mem, seed) --------------------------------------------------- */

static float init_bound(const plan_layer *l)
{
    double fan = l->init == PLAN_INIT_HE ? (double)l->in : (double)(l->in + l->out);
    return (float)sqrt(6.0 / fan);
}

static void build_init(cg *g)
{
    LLVMTypeRef params[2] = {g->ptr, g->i64};
    begin_function(g, LRC_SYM_INIT, g->void_t, params, 2, 1);
    LLVMValueRef seed = LLVMGetParam(g->fn, 1);
    LLVMTypeRef fill_params[5] = {g->ptr, g->i64, g->f32, g->i64, g->i64};
    LLVMTypeRef fill_t = LLVMFunctionType(g->void_t, fill_params, 5, 0);
    LLVMValueRef fill = LLVMAddFunction(g->mod, "lrc_rt_fill_uniform", fill_t);
    cg_zero(g, 0, g->p->mem_floats);
    for (int k = 0; k < g->p->nlayers; k++) {
        const plan_layer *l = &g->p->layers[k];
        LLVMValueRef args[5] = {cg_mem(g, l->w, NULL), cg_i64(g, l->in * l->out), cg_f32(g, init_bound(l)),
                                seed, cg_i64(g, RT_STREAM_INIT_BASE + k)};
        LLVMBuildCall2(g->b, fill_t, fill, args, 5, "");
    }
    LLVMBuildRetVoid(g->b);
}

/* ---- lrc_step / lrc_eval --------------------------------------------------- */

/* Input of layer k: the x argument or the previous layer's output. */
static LLVMValueRef layer_input(cg *g, LLVMValueRef x, int k)
{
    return k == 0 ? x : cg_mem(g, g->p->layers[k - 1].y, NULL);
}

static void forward(cg *g, LLVMValueRef x)
{
    for (int k = 0; k < g->p->nlayers; k++) {
        cg_dense_forward(g, &g->p->layers[k], layer_input(g, x, k));
        cg_act_forward(g, &g->p->layers[k]);
    }
}

static void backward(cg *g, LLVMValueRef x)
{
    cg_zero(g, g->p->grads, g->p->n_params);
    for (int k = g->p->nlayers - 1; k >= 0; k--) {
        const plan_layer *l = &g->p->layers[k];
        cg_act_backward(g, l);
        cg_dense_backward(g, l, layer_input(g, x, k), k > 0 ? g->p->layers[k - 1].dy : -1);
    }
}

static void build_step(cg *g)
{
    LLVMTypeRef params[5] = {g->ptr, g->ptr, g->ptr, g->f32, g->i32};
    begin_function(g, LRC_SYM_STEP, g->f32, params, 5, 3);
    LLVMValueRef x = LLVMGetParam(g->fn, 1), y = LLVMGetParam(g->fn, 2);
    forward(g, x);
    LLVMValueRef loss = cg_loss(g, y, 1);
    backward(g, x);
    cg_opt_update(g, LLVMGetParam(g->fn, 3), LLVMGetParam(g->fn, 4));
    LLVMBuildRet(g->b, loss);
}

static void build_eval(cg *g)
{
    LLVMTypeRef params[3] = {g->ptr, g->ptr, g->ptr};
    begin_function(g, LRC_SYM_EVAL, g->f32, params, 3, 3);
    LLVMValueRef x = LLVMGetParam(g->fn, 1), y = LLVMGetParam(g->fn, 2);
    forward(g, x);
    LLVMBuildRet(g->b, cg_loss(g, y, 0));
}

static char *verify(LLVMModuleRef m)
{
    char *llvm_msg = NULL;
    if (!LLVMVerifyModule(m, LLVMReturnStatusAction, &llvm_msg)) {
        LLVMDisposeMessage(llvm_msg);
        return NULL;
    }
    const char *prefix = "internal error: generated module does not verify: ";
    char *msg = malloc(strlen(prefix) + strlen(llvm_msg) + 1);
    if (msg)
        strcat(strcpy(msg, prefix), llvm_msg);
    LLVMDisposeMessage(llvm_msg);
    return msg;
}

LLVMModuleRef cg_build_module(const plan *p, LLVMContextRef ctx, char **msg)
{
    cg g = {.p = p, .ctx = ctx};
    cg_types(&g);
    g.mod = LLVMModuleCreateWithNameInContext("lrc_model", ctx);
    g.b = LLVMCreateBuilderInContext(ctx);
    build_init(&g);
    build_step(&g);
    build_eval(&g);
    LLVMDisposeBuilder(g.b);
    char *err = verify(g.mod);
    if (err) {
        *msg = err;
        LLVMDisposeModule(g.mod);
        return NULL;
    }
    return g.mod;
}
