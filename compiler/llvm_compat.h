/* llvm_compat.h — the few differences between the LLVM C APIs this project
 * builds against (14 through 19), hidden behind one name each. Only the
 * back end (compiler/cg_*.c, compiler/jit.c) includes it. Not a general
 * LLVM wrapper: add an entry only when two versions really differ.
 */
#ifndef LLVM_COMPAT_H
#define LLVM_COMPAT_H

#include <llvm-c/Core.h>
#include <llvm-c/Orc.h>
#include <llvm/Config/llvm-config.h>

/* One (name, address) pair for LLVMOrcAbsoluteSymbols. */
#if LLVM_VERSION_MAJOR >= 15
typedef LLVMOrcCSymbolMapPair compat_symbol_pair;
#else
typedef LLVMJITCSymbolMapPair compat_symbol_pair;
#endif

/* Marks a floating-point instruction `reassoc contract`, so reductions may
 * be vectorised. The C API gained fast-math flags in LLVM 18; before that
 * this does nothing (the reductions stay in order, still correct). NaN and
 * infinity handling is never relaxed. */
static inline void compat_set_reassoc(LLVMValueRef inst)
{
#if LLVM_VERSION_MAJOR >= 18
    if (LLVMCanValueUseFastMathFlags(inst))
        LLVMSetFastMathFlags(inst, LLVMFastMathAllowReassoc | LLVMFastMathAllowContract);
#else
    (void)inst;
#endif
}

#endif
