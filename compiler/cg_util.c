/* cg_util.c — small IR-building helpers shared by the emitters: constants,
 * counted loops, addressing into mem, float intrinsics, reduction terms.
 * No layer, loss or optimizer logic lives here.
 */
#include "cg_internal.h"

#include <llvm-c/DebugInfo.h>

#include <string.h>
#include "llvm_compat.h"

LLVMValueRef cg_i64(cg *g, int64_t v) { return LLVMConstInt(g->i64, (unsigned long long)v, 1); }
LLVMValueRef cg_f32(cg *g, double v) { return LLVMConstReal(g->f32, (float)v); }

/* ---- loops ----------------------------------------------------------------
 * Emitted rotated (the test at the bottom): the caller guarantees at least
 * one iteration, and every bound is a constant. */

cg_loop cg_for(cg *g, int64_t begin, int64_t end, int64_t step, const char *name)
{
    cg_loop l = {.end = end, .step = step};
    LLVMBasicBlockRef pre = LLVMGetInsertBlock(g->b);
    l.body = LLVMAppendBasicBlockInContext(g->ctx, g->fn, name);
    LLVMBuildBr(g->b, l.body);
    LLVMPositionBuilderAtEnd(g->b, l.body);
    l.iv = LLVMBuildPhi(g->b, g->i64, name);
    LLVMValueRef start = cg_i64(g, begin);
    LLVMAddIncoming(l.iv, &start, &pre, 1);
    return l;
}

static LLVMValueRef close_loop(cg *g, cg_loop *l)
{
    LLVMBasicBlockRef latch = LLVMGetInsertBlock(g->b);
    LLVMValueRef next = LLVMBuildNSWAdd(g->b, l->iv, cg_i64(g, l->step), "next");
    LLVMValueRef more = LLVMBuildICmp(g->b, LLVMIntSLT, next, cg_i64(g, l->end), "more");
    l->exit = LLVMAppendBasicBlockInContext(g->ctx, g->fn, "done");
    LLVMValueRef br = LLVMBuildCondBr(g->b, more, l->body, l->exit);
    LLVMAddIncoming(l->iv, &next, &latch, 1);
    LLVMPositionBuilderAtEnd(g->b, l->exit);
    return br;
}

void cg_end(cg *g, cg_loop *l) { close_loop(g, l); }

/* The loop's latch gets !llvm.loop !{self, !{"llvm.loop.vectorize.enable",
 * false}}: the self reference (made by replacing a temporary node) is
 * what makes it a loop ID. */
void cg_end_scalar(cg *g, cg_loop *l)
{
    LLVMValueRef br = close_loop(g, l);
    const char key[] = "llvm.loop.vectorize.enable";
    LLVMMetadataRef self = LLVMTemporaryMDNode(g->ctx, NULL, 0);
    LLVMMetadataRef off[2] = {LLVMMDStringInContext2(g->ctx, key, sizeof key - 1),
                              LLVMValueAsMetadata(LLVMConstInt(LLVMInt1TypeInContext(g->ctx), 0, 0))};
    LLVMMetadataRef ops[2] = {self, LLVMMDNodeInContext2(g->ctx, off, 2)};
    LLVMMetadataRef id = LLVMMDNodeInContext2(g->ctx, ops, 2);
    LLVMMetadataReplaceAllUsesWith(self, id);
    LLVMSetMetadata(br, LLVMGetMDKindIDInContext(g->ctx, "llvm.loop", 9), LLVMMetadataAsValue(g->ctx, id));
}

/* ---- memory --------------------------------------------------------------- */

LLVMValueRef cg_at(cg *g, LLVMValueRef base, LLVMValueRef index)
{
    return LLVMBuildInBoundsGEP2(g->b, g->f32, base, &index, 1, "");
}

LLVMValueRef cg_at_bytes(cg *g, LLVMValueRef p, LLVMValueRef bytes)
{
    LLVMTypeRef i8 = LLVMInt8TypeInContext(g->ctx);
    LLVMValueRef b = LLVMBuildPointerCast(g->b, p, LLVMPointerType(i8, 0), ""); /* a no-op with opaque pointers */
    return LLVMBuildPointerCast(g->b, LLVMBuildGEP2(g->b, i8, b, &bytes, 1, ""), g->ptr, "");
}

LLVMValueRef cg_mem(cg *g, int64_t off, LLVMValueRef index)
{
    LLVMValueRef i = cg_i64(g, off);
    if (index)
        i = LLVMBuildNSWAdd(g->b, index, i, "");
    return cg_at(g, g->mem, i);
}

LLVMValueRef cg_load(cg *g, LLVMValueRef ptr) { return LLVMBuildLoad2(g->b, g->f32, ptr, ""); }
void cg_store(cg *g, LLVMValueRef v, LLVMValueRef ptr) { LLVMBuildStore(g->b, v, ptr); }

LLVMValueRef cg_idx(cg *g, LLVMValueRef a, int64_t k, LLVMValueRef c)
{
    LLVMValueRef v = k == 1 ? a : LLVMBuildNSWMul(g->b, a, cg_i64(g, k), "");
    return c ? LLVMBuildNSWAdd(g->b, v, c, "") : v;
}

/* n floats of the memory block from `off` set to zero: one llvm.memset,
 * which the back end turns into a few vector stores (or a call to memset
 * for a large n) — a loop of scalar stores got fully unrolled instead, by
 * the conv pipeline, into hundreds of instructions to compile. */
void cg_zero_at(cg *g, int64_t off, LLVMValueRef index, int64_t n)
{
    LLVMTypeRef i8 = LLVMInt8TypeInContext(g->ctx);
    LLVMBuildMemSet(g->b, cg_mem(g, off, index), LLVMConstInt(i8, 0, 0), cg_i64(g, n * (int64_t)sizeof(float)), 4);
}

void cg_zero(cg *g, int64_t off, int64_t n) { cg_zero_at(g, off, NULL, n); }

LLVMValueRef cg_entry_alloca(cg *g, LLVMTypeRef t, unsigned align, const char *name)
{
    LLVMBuilderRef at = LLVMCreateBuilderInContext(g->ctx);
    LLVMBasicBlockRef entry = LLVMGetEntryBasicBlock(g->fn);
    LLVMValueRef first = LLVMGetFirstInstruction(entry);
    if (first)
        LLVMPositionBuilderBefore(at, first);
    else
        LLVMPositionBuilderAtEnd(at, entry);
    LLVMValueRef slot = LLVMBuildAlloca(at, t, name);
    if (align)
        LLVMSetAlignment(slot, align);
    slot = LLVMBuildPointerCast(at, slot, g->ptr, "");
    LLVMDisposeBuilder(at);
    return slot;
}

LLVMValueRef cg_slot(cg *g, const char *name) { return cg_entry_alloca(g, g->f32, 0, name); }

/* ---- vector pieces -------------------------------------------------------- */

LLVMTypeRef cg_type_w(cg *g, int w) { return w == 1 ? g->f32 : LLVMVectorType(g->f32, (unsigned)w); }

int cg_piece(const cg *g, int64_t n)
{
    int w = 1;
    while (w * 2 <= n && w * 2 <= g->vec_floats)
        w *= 2;
    return w;
}

/* The cast matters only to LLVM's typed pointers, before 15. */
LLVMValueRef cg_load_w(cg *g, LLVMValueRef p, int w)
{
    LLVMTypeRef t = cg_type_w(g, w);
    LLVMValueRef v = LLVMBuildLoad2(g->b, t, LLVMBuildPointerCast(g->b, p, LLVMPointerType(t, 0), ""), "");
    LLVMSetAlignment(v, 4);
    return v;
}

void cg_store_w(cg *g, LLVMValueRef v, LLVMValueRef p)
{
    LLVMValueRef vp = LLVMBuildPointerCast(g->b, p, LLVMPointerType(LLVMTypeOf(v), 0), "");
    LLVMSetAlignment(LLVMBuildStore(g->b, v, vp), 4);
}

/* ---- another function, emitted from inside this one ---------------------- */

cg_frame cg_frame_save(const cg *g)
{
    return (cg_frame){.fn = g->fn, .mem = g->mem, .x = g->x, .t = g->t, .pool = g->pool,
                      .at = LLVMGetInsertBlock(g->b)};
}

void cg_frame_restore(cg *g, const cg_frame *f)
{
    g->fn = f->fn;
    g->mem = f->mem;
    g->x = f->x;
    g->t = f->t;
    g->pool = f->pool;
    LLVMPositionBuilderAtEnd(g->b, f->at);
}

/* ---- arithmetic ----------------------------------------------------------- */

LLVMValueRef cg_intrinsic(cg *g, const char *name, LLVMValueRef *args, unsigned n)
{
    unsigned id = LLVMLookupIntrinsicID(name, strlen(name));
    LLVMTypeRef t = LLVMTypeOf(args[0]);
    LLVMValueRef fn = LLVMGetIntrinsicDeclaration(g->mod, id, &t, 1);
    return LLVMBuildCall2(g->b, LLVMGlobalGetValueType(fn), fn, args, n, "");
}

LLVMValueRef cg_fmuladd(cg *g, LLVMValueRef a, LLVMValueRef b, LLVMValueRef c)
{
    LLVMValueRef args[3] = {a, b, c};
    return cg_intrinsic(g, "llvm.fmuladd", args, 3);
}

LLVMValueRef cg_reduce_add(cg *g, LLVMValueRef acc, LLVMValueRef v)
{
    LLVMValueRef s = LLVMBuildFAdd(g->b, acc, v, "");
    compat_set_reassoc(s);
    return s;
}

LLVMValueRef cg_reduce_fmuladd(cg *g, LLVMValueRef a, LLVMValueRef b, LLVMValueRef acc)
{
    LLVMValueRef s = cg_fmuladd(g, a, b, acc);
    compat_set_reassoc(s);
    return s;
}

/* ---- layers' shared helpers ------------------------------------------------ */

LLVMValueRef cg_layer_x(cg *g, const plan_layer *l) { return l->x < 0 ? g->x : cg_mem(g, l->x, NULL); }

void cg_copy(cg *g, int64_t dst, LLVMValueRef src, int64_t n)
{
    cg_loop i = cg_for(g, 0, n, 1, "copy");
    cg_store(g, cg_load(g, cg_at(g, src, i.iv)), cg_mem(g, dst, i.iv));
    cg_end(g, &i);
}

LLVMValueRef cg_i32(cg *g, uint32_t v) { return LLVMConstInt(g->i32, v, 0); }

LLVMBasicBlockRef cg_if(cg *g, LLVMValueRef cond, const char *name)
{
    LLVMBasicBlockRef then = LLVMAppendBasicBlockInContext(g->ctx, g->fn, name);
    LLVMBasicBlockRef after = LLVMAppendBasicBlockInContext(g->ctx, g->fn, "endif");
    LLVMBuildCondBr(g->b, cond, then, after);
    LLVMPositionBuilderAtEnd(g->b, then);
    return after;
}

void cg_if_end(cg *g, LLVMBasicBlockRef after)
{
    LLVMBuildBr(g->b, after);
    LLVMPositionBuilderAtEnd(g->b, after);
}
