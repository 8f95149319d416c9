/* cg_parallel.c — splits a large matrix product over the two cores: the
 * rows of its output go to an internal function `lrc_part(mem, x, part)`
 * of their own, half each, which the generated code runs through the
 * runtime's lrc_rt_parallel (runtime/rt_parallel.c; registered with the
 * JIT, linked into standalone binaries). Below the threshold the rows are
 * emitted in line. The split never crosses a sum, so results are the same
 * whatever runs the parts (threads, or one after the other).
 */
#include "cg_internal.h"

#include <stdlib.h>

enum { PARTS = 2, ROW_ALIGN = 8 };

/* Below this many FLOPs the split does not pay on the shared 2-core
 * machine (bench/README.md: fashion_mlp's 33-103 MFLOP products were 20%
 * slower split, fashion_wide's 0.27-2 GFLOP ones 40% faster).
 * LRC_PARALLEL_FLOPS overrides it (tests force the split with 0). */
#define MIN_FLOPS 2e8

static double min_flops(void)
{
    const char *s = getenv("LRC_PARALLEL_FLOPS");
    return s ? atof(s) : MIN_FLOPS;
}

static LLVMTypeRef part_type(cg *g)
{
    LLVMTypeRef params[3] = {g->ptr, g->ptr, g->i64};
    return LLVMFunctionType(g->void_t, params, 3, 0);
}

static LLVMValueRef parallel_decl(cg *g)
{
    LLVMValueRef fn = LLVMGetNamedFunction(g->mod, "lrc_rt_parallel");
    if (fn)
        return fn;
    LLVMTypeRef params[4] = {LLVMPointerType(part_type(g), 0), g->ptr, g->ptr, g->i64};
    return LLVMAddFunction(g->mod, "lrc_rt_parallel", LLVMFunctionType(g->void_t, params, 4, 0));
}

/* body for [lo, hi) in a block of its own that returns. */
static LLVMBasicBlockRef part_block(cg *g, cg_rows_fn body, const void *arg, int64_t lo, int64_t hi)
{
    LLVMBasicBlockRef bb = LLVMAppendBasicBlockInContext(g->ctx, g->fn, "part");
    LLVMPositionBuilderAtEnd(g->b, bb);
    body(g, arg, lo, hi);
    LLVMBuildRetVoid(g->b);
    return bb;
}

void cg_parallel_rows(cg *g, int64_t n, double flops, cg_rows_fn body, const void *arg)
{
    int64_t half = (n / PARTS + ROW_ALIGN - 1) / ROW_ALIGN * ROW_ALIGN;
    if (flops < min_flops() || half <= 0 || half >= n) {
        body(g, arg, 0, n);
        return;
    }
    /* the caller's state, restored after the part function is built */
    LLVMValueRef fn = g->fn, mem = g->mem, x = g->x;
    LLVMBasicBlockRef at = LLVMGetInsertBlock(g->b);

    LLVMValueRef part = LLVMAddFunction(g->mod, "lrc_part", part_type(g));
    LLVMSetLinkage(part, LLVMInternalLinkage);
    g->fn = part;
    g->mem = LLVMGetParam(part, 0);
    g->x = LLVMGetParam(part, 1);
    LLVMBasicBlockRef entry = LLVMAppendBasicBlockInContext(g->ctx, part, "entry");
    LLVMBasicBlockRef first = part_block(g, body, arg, 0, half);
    LLVMBasicBlockRef second = part_block(g, body, arg, half, n);
    LLVMPositionBuilderAtEnd(g->b, entry);
    LLVMValueRef is0 = LLVMBuildICmp(g->b, LLVMIntEQ, LLVMGetParam(part, 2), cg_i64(g, 0), "");
    LLVMBuildCondBr(g->b, is0, first, second);

    g->fn = fn;
    g->mem = mem;
    g->x = x;
    LLVMPositionBuilderAtEnd(g->b, at);
    LLVMValueRef rt = parallel_decl(g);
    LLVMValueRef args[4] = {part, mem, x ? x : LLVMConstNull(g->ptr), cg_i64(g, PARTS)};
    LLVMBuildCall2(g->b, LLVMGlobalGetValueType(rt), rt, args, 4, "");
}
