/* cg_module.c — assembles one experiment's module: lrc_init, lrc_step and
 * lrc_eval (and lrc_grad/lrc_update, lrc_step split for data-parallel
 * steps), or the ones asked for, exactly as runtime/lrc_abi.h documents
 * them, every shape and offset a constant from the plan. In lrc_step and
 * lrc_grad each layer's forward and backward is a function of its own,
 * for the JIT to compile on several threads (jit_split.c). The per-op
 * emitters live in cg_dense.c, cg_conv.c, cg_pool.c, cg_norm.c,
 * cg_dropout.c, cg_act.c, cg_loss.c and cg_opt.c; target machine and
 * passes in cg_target.c. Not the JIT (jit.c).
 */
#include "cg.h"

#include <llvm-c/Analysis.h>
#include <math.h>
#include <stdio.h>
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
    g->pool = NULL;
    LLVMPositionBuilderAtEnd(g->b, LLVMAppendBasicBlockInContext(g->ctx, fn, "entry"));
    return fn;
}

/* ---- lrc_init(mem, seed) --------------------------------------------------- */

/* Fan-in and fan-out of a weight tensor, PyTorch's convention: a conv's
 * fans count its receptive field (k*k*ic in, k*k*oc out). */
static void fans(const plan_layer *l, double *in, double *out)
{
    if (l->kind == PLAN_CONV2D) {
        *in = (double)(l->k * l->k * l->ish.c);
        *out = (double)(l->k * l->k * l->osh.c);
    } else {
        *in = (double)l->in;
        *out = (double)l->out;
    }
}

static float init_bound(const plan_layer *l)
{
    double fin, fout;
    fans(l, &fin, &fout);
    return (float)sqrt(6.0 / (l->init == PLAN_INIT_HE ? fin : fin + fout));
}

/* The seed's two 32-bit halves, as float bits, for dropout's masks. */
static void store_seed(cg *g, LLVMValueRef seed)
{
    for (int k = 0; k < 2; k++) {
        LLVMValueRef half = LLVMBuildTrunc(g->b, k ? LLVMBuildLShr(g->b, seed, cg_i64(g, 32), "") : seed, g->i32, "");
        cg_store(g, LLVMBuildBitCast(g->b, half, g->f32, ""), cg_mem(g, g->p->seed + k, NULL));
    }
}

static void build_init(cg *g)
{
    LLVMTypeRef params[2] = {g->ptr, g->i64};
    begin_function(g, LRC_SYM_INIT, g->void_t, params, 2, 1);
    LLVMValueRef seed = LLVMGetParam(g->fn, 1);
    LLVMTypeRef fill_params[5] = {g->ptr, g->i64, g->f32, g->i64, g->i64};
    LLVMTypeRef fill_t = LLVMFunctionType(g->void_t, fill_params, 5, 0);
    LLVMValueRef fill = NULL;
    cg_zero(g, 0, g->p->mem_floats);
    for (int k = 0; k < g->p->nlayers; k++) {
        const plan_layer *l = &g->p->layers[k];
        if (l->kind == PLAN_BATCHNORM)
            cg_norm_init(g, l);
        if ((l->kind != PLAN_DENSE && l->kind != PLAN_CONV2D) || l->init == PLAN_INIT_ZEROS)
            continue;
        if (!fill)
            fill = LLVMAddFunction(g->mod, "lrc_rt_fill_uniform", fill_t);
        int64_t n = plan_layer_params(l) - l->osh.c;
        LLVMValueRef args[5] = {cg_mem(g, l->w, NULL), cg_i64(g, n), cg_f32(g, init_bound(l)), seed,
                                cg_i64(g, RT_STREAM_INIT_BASE + k)};
        LLVMBuildCall2(g->b, fill_t, fill, args, 5, "");
    }
    if (g->p->seed >= 0)
        store_seed(g, seed);
    LLVMBuildRetVoid(g->b);
}

/* ---- lrc_step / lrc_eval --------------------------------------------------- */

/* Each kind's emitters, forward and backward side by side (the activation
 * is cg_act.c's, around them; a flatten has no code). */
typedef void (*layer_emit)(cg *g, const plan_layer *l);
static const struct {
    layer_emit forward, backward;
} emitters[] = {
    [PLAN_DENSE] = {cg_dense_forward, cg_dense_backward},
    [PLAN_CONV2D] = {cg_conv_forward, cg_conv_backward},
    [PLAN_MAXPOOL] = {cg_pool_forward, cg_pool_backward},
    [PLAN_AVGPOOL] = {cg_pool_forward, cg_pool_backward},
    [PLAN_FLATTEN] = {NULL, NULL},
    [PLAN_DROPOUT] = {cg_dropout_forward, cg_dropout_backward},
    [PLAN_BATCHNORM] = {cg_norm_forward, cg_norm_backward},
    [PLAN_ACTIVATION] = {cg_activation_forward, cg_activation_backward},
};

static void layer_forward(cg *g, const plan_layer *l)
{
    if (emitters[l->kind].forward)
        emitters[l->kind].forward(g, l);
    cg_act_forward(g, l);
}

static void layer_backward(cg *g, const plan_layer *l)
{
    cg_act_backward(g, l);
    if (emitters[l->kind].backward)
        emitters[l->kind].backward(g, l);
}

/* One layer's forward or backward in lrc_step (and lrc_grad) as a function
 * of its own, lrc_<what>_<k>(mem, x, t, pool), never inlined: the JIT
 * shares a module's functions out to several threads to compile (jit.c),
 * and a layer is the piece it can share. lrc_eval (compiled alone, on its
 * first call) keeps its layers in line. */
static void layer_call(cg *g, const char *what, const plan_layer *l, layer_emit emit)
{
    if (!g->t || l->kind == PLAN_FLATTEN) {
        emit(g, l);
        return;
    }
    cg_frame caller = cg_frame_save(g);
    char name[64];
    snprintf(name, sizeof name, "lrc_%s_%d", what, l->index);
    LLVMTypeRef params[4] = {g->ptr, g->ptr, g->i32, g->ptr}, type = LLVMFunctionType(g->void_t, params, 4, 0);
    LLVMValueRef body = begin_function(g, name, g->void_t, params, 4, 2);
    LLVMSetLinkage(body, LLVMInternalLinkage);
    unsigned noinline = LLVMGetEnumAttributeKindForName("noinline", 8);
    LLVMAddAttributeAtIndex(body, LLVMAttributeFunctionIndex, LLVMCreateEnumAttribute(g->ctx, noinline, 0));
    g->x = LLVMGetParam(body, 1);
    g->t = LLVMGetParam(body, 2);
    g->pool = LLVMGetParam(body, 3);
    emit(g, l);
    LLVMBuildRetVoid(g->b);
    cg_frame_restore(g, &caller);
    LLVMValueRef args[4] = {g->mem, g->x ? g->x : LLVMConstNull(g->ptr), g->t, g->pool ? g->pool : LLVMConstNull(g->ptr)};
    LLVMBuildCall2(g->b, type, body, args, 4, "");
}

static void forward(cg *g)
{
    for (int k = 0; k < g->p->nlayers; k++)
        layer_call(g, "forward", &g->p->layers[k], layer_forward);
}

/* The gradients the backward pass adds into: biases and batch norm's gamma
 * and beta. Weight gradients are overwritten by their products, and the
 * padding between tensors is never written (zero since lrc_init). */
static void zero_accumulated_grads(cg *g)
{
    for (int k = 0; k < g->p->nlayers; k++) {
        const plan_layer *l = &g->p->layers[k];
        if (l->kind == PLAN_DENSE || l->kind == PLAN_CONV2D)
            cg_zero(g, g->p->grads + l->b, l->osh.c);
        else if (l->kind == PLAN_BATCHNORM) {
            cg_zero(g, g->p->grads + l->w, l->osh.c);
            cg_zero(g, g->p->grads + l->b, l->osh.c);
        }
    }
}

static void backward(cg *g)
{
    zero_accumulated_grads(g);
    for (int k = g->p->nlayers - 1; k >= 0; k--)
        layer_call(g, "backward", &g->p->layers[k], layer_backward);
}

static void build_step(cg *g)
{
    LLVMTypeRef params[6] = {g->ptr, g->ptr, g->ptr, g->f32, g->i32, g->ptr};
    begin_function(g, LRC_SYM_STEP, g->f32, params, 6, 3);
    g->pool = LLVMGetParam(g->fn, 5);
    LLVMValueRef y = LLVMGetParam(g->fn, 2);
    g->x = LLVMGetParam(g->fn, 1);
    g->t = LLVMGetParam(g->fn, 4);
    g->train = 1;
    forward(g);
    LLVMValueRef loss = cg_loss(g, y, 1);
    backward(g);
    cg_opt_update(g, LLVMGetParam(g->fn, 3), LLVMGetParam(g->fn, 4));
    LLVMBuildRet(g->b, loss);
}

/* lrc_grad(mem, x, y, t, pool) -> loss: lrc_step without the update (the
 * gradient block holds the batch's mean gradient). */
static void build_grad(cg *g)
{
    LLVMTypeRef params[5] = {g->ptr, g->ptr, g->ptr, g->i32, g->ptr};
    begin_function(g, LRC_SYM_GRAD, g->f32, params, 5, 3);
    g->pool = LLVMGetParam(g->fn, 4);
    LLVMValueRef y = LLVMGetParam(g->fn, 2);
    g->x = LLVMGetParam(g->fn, 1);
    g->t = LLVMGetParam(g->fn, 3);
    g->train = 1;
    forward(g);
    LLVMValueRef loss = cg_loss(g, y, 1);
    backward(g);
    LLVMBuildRet(g->b, loss);
}

/* lrc_update(mem, rate, t, pool): lrc_step's optimizer update from the gradient block. */
static void build_update(cg *g)
{
    LLVMTypeRef params[4] = {g->ptr, g->f32, g->i32, g->ptr};
    begin_function(g, LRC_SYM_UPDATE, g->void_t, params, 4, 1);
    g->pool = LLVMGetParam(g->fn, 3);
    g->x = NULL;
    g->t = LLVMGetParam(g->fn, 2);
    g->train = 1;
    cg_opt_update(g, LLVMGetParam(g->fn, 1), LLVMGetParam(g->fn, 2));
    LLVMBuildRetVoid(g->b);
}

static void build_eval(cg *g)
{
    LLVMTypeRef params[4] = {g->ptr, g->ptr, g->ptr, g->ptr};
    begin_function(g, LRC_SYM_EVAL, g->f32, params, 4, 3);
    g->pool = LLVMGetParam(g->fn, 3);
    LLVMValueRef y = LLVMGetParam(g->fn, 2);
    g->x = LLVMGetParam(g->fn, 1);
    g->t = NULL;
    g->train = 0;
    forward(g);
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

LLVMModuleRef cg_build_module(const plan *p, LLVMContextRef ctx, int vec_floats, unsigned functions, char **msg)
{
    cg g = {.p = p, .ctx = ctx, .vec_floats = vec_floats};
    cg_types(&g);
    g.mod = LLVMModuleCreateWithNameInContext("lrc_model", ctx);
    g.b = LLVMCreateBuilderInContext(ctx);
    if (functions & CG_INIT)
        build_init(&g);
    if (functions & CG_STEP)
        build_step(&g);
    if (functions & CG_EVAL)
        build_eval(&g);
    if (p->split_step && (functions & CG_GRAD))
        build_grad(&g);
    if (p->split_step && (functions & CG_UPDATE))
        build_update(&g);
    LLVMDisposeBuilder(g.b);
    char *err = verify(g.mod);
    if (err) {
        *msg = err;
        LLVMDisposeModule(g.mod);
        return NULL;
    }
    return g.mod;
}
