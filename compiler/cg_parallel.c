/* cg_parallel.c — spreads a large matrix product over the pool's threads:
 * its output rows or columns are cut into chunks (about CHUNKS of them,
 * equal where the length allows), an internal function
 * `lrc_part_<name>(mem, x, part)` emits chunk `part`, and the generated
 * code hands it to the runtime's lrc_rt_parallel (runtime/rt_parallel.c;
 * registered with the JIT, linked into standalone binaries), whose threads
 * take chunks in turn until none is left — so a thread the machine is
 * busy with elsewhere holds back at most the chunk it took. Below the
 * threshold the range is emitted in line. A chunk never crosses a sum, so
 * results are the same whatever runs the chunks (threads, or one after
 * the other). The part functions are named after what they compute
 * (lrc_part_z, _dw, _dx, _update, _im2col, _col2im, _act, _dact, _pool,
 * _dpool), which is what a profile of a standalone binary shows.
 */
#include "cg_internal.h"

#include <stdio.h>
#include <stdlib.h>

enum { CHUNKS = 8 };

/* Below this many FLOPs (about 20 us of work for one core) a dispatch's few
 * microseconds and the part function's code do not pay. Above it, whether
 * the split pays depends on what else the machine is running, so the
 * runtime times steps both ways and keeps the faster (rt_pool_pick in
 * runtime/rt_parallel.h). LRC_PARALLEL_FLOPS overrides it (tests force the
 * split with 0; 1e18 turns it off). */
#define MIN_FLOPS 4e6

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
    LLVMTypeRef params[5] = {g->ptr, LLVMPointerType(part_type(g), 0), g->ptr, g->ptr, g->i64};
    return LLVMAddFunction(g->mod, "lrc_rt_parallel", LLVMFunctionType(g->void_t, params, 5, 0));
}

/* body over `count` from base, in a block of its own that returns. */
static LLVMBasicBlockRef part_block(cg *g, cg_range_fn body, const void *arg, LLVMValueRef base, int64_t count)
{
    LLVMBasicBlockRef bb = LLVMAppendBasicBlockInContext(g->ctx, g->fn, "part");
    LLVMPositionBuilderAtEnd(g->b, bb);
    if (!base) /* the chunk's first row, from the part number */
        base = LLVMBuildNSWMul(g->b, LLVMGetParam(g->fn, 2), cg_i64(g, count), "");
    body(g, arg, base, count);
    LLVMBuildRetVoid(g->b);
    return bb;
}

/* Chunk length for [0, n): equal chunks if n allows (one copy of the
 * product's code in the part function instead of two), multiples of align
 * if it allows that too; else multiples of align and a shorter last
 * chunk. */
static int64_t chunk_len(int64_t n, int64_t align)
{
    static const int64_t parts[] = {8, 10, 12, 16, 6, 4, 9, 11, 13, 14, 15, 7, 5};
    for (int tiles = 1; tiles >= 0; tiles--)
        for (size_t k = 0; k < sizeof parts / sizeof *parts; k++)
            if (n % parts[k] == 0 && (!tiles || n / parts[k] % align == 0))
                return n / parts[k];
    return ((n + CHUNKS - 1) / CHUNKS + align - 1) / align * align;
}

void cg_parallel(cg *g, const cg_split *s)
{
    int64_t n = s->n, chunk = chunk_len(n, s->align);
    if (!g->pool || s->flops < min_flops() || chunk >= n) {
        s->body(g, s->arg, cg_i64(g, 0), n);
        return;
    }
    int64_t parts = (n + chunk - 1) / chunk, last = parts - 1, tail = n - last * chunk;
    cg_frame caller = cg_frame_save(g);

    char name[64];
    snprintf(name, sizeof name, "lrc_part_%s", s->name);
    LLVMValueRef part = LLVMAddFunction(g->mod, name, part_type(g));
    LLVMSetLinkage(part, LLVMInternalLinkage);
    g->fn = part;
    g->mem = LLVMGetParam(part, 0);
    g->x = LLVMGetParam(part, 1);
    g->t = NULL;
    g->pool = NULL; /* parts do not split further */
    LLVMBasicBlockRef entry = LLVMAppendBasicBlockInContext(g->ctx, part, "entry");
    LLVMBasicBlockRef whole = part_block(g, s->body, s->arg, NULL, chunk);
    LLVMPositionBuilderAtEnd(g->b, entry);
    if (tail == chunk)
        LLVMBuildBr(g->b, whole);
    else { /* the last chunk is shorter */
        LLVMBasicBlockRef end = part_block(g, s->body, s->arg, cg_i64(g, last * chunk), tail);
        LLVMPositionBuilderAtEnd(g->b, entry);
        LLVMValueRef is_last = LLVMBuildICmp(g->b, LLVMIntEQ, LLVMGetParam(part, 2), cg_i64(g, last), "");
        LLVMBuildCondBr(g->b, is_last, end, whole);
    }

    cg_frame_restore(g, &caller);
    LLVMValueRef rt = parallel_decl(g);
    LLVMValueRef args[5] = {g->pool, part, g->mem, g->x ? g->x : LLVMConstNull(g->ptr), cg_i64(g, parts)};
    LLVMBuildCall2(g->b, LLVMGlobalGetValueType(rt), rt, args, 5, "");
}
