/* cg_target.c — the target machine (host CPU and features, or portable
 * x86-64-v3) and the optimisation pipelines (cg_optimize: the JIT and
 * `lrc build` alike; one for dense networks, one for conv/pool ones), run with the target machine so the loop vectoriser
 * sees the real vector width. Not the JIT (jit.c).
 */
#include "cg.h"

#include <llvm-c/Error.h>
#include <llvm-c/Support.h>
#include <llvm-c/Target.h>
#include <llvm-c/Transforms/PassBuilder.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "llvm_compat.h"

static char *dup_message(const char *prefix, const char *text)
{
    char *m = malloc(strlen(prefix) + strlen(text) + 1);
    if (m)
        strcat(strcpy(m, prefix), text);
    return m;
}

/* The code generator's settings, measured on LeNet's step (5.4k IR
 * instructions, two compile threads, znver3), which machine code
 * generation took ~75% of the compile:
 * - No loop strength reduction (LLVM's -disable-lsr): it took a quarter
 *   of code generation. The kernels do its work themselves: their loops
 *   step one pointer into each operand (cg_gemm.c), 5 scalar
 *   instructions where LSR's had 4-8; with addresses computed from the
 *   loop counter instead, fashion_mlp's step was 7-13% slower. The steps
 *   are the same speed as with LSR (paired ABBA: fashion_mlp, LeNet,
 *   digits).
 * - Level "less" (-O1) instead of "aggressive": ~10% less time, the same
 *   steps. It still selects instructions with the full SelectionDAG and
 *   allocates registers with the greedy allocator, which is what the
 *   kernels need; "none" (-O0) compiles in half the time, but with the
 *   fast allocator, which leaves values on the stack across blocks.
 * LLVM takes the first only as a command-line option, which it keeps for
 * the whole process; it is set once (a second parse of the same option
 * would be an error), before the first target machine. */
static const char codegen_option[] = "-disable-lsr";
static const LLVMCodeGenOptLevel codegen_level = LLVMCodeGenLevelLess;

static void set_codegen_options(void)
{
    const char *argv[] = {"lrc", codegen_option};
    LLVMParseCommandLineOptions(2, argv, "");
}

LLVMTargetMachineRef cg_create_target_machine(LLVMTargetRef target, const char *triple, const char *cpu,
                                              const char *features, LLVMCodeModel model)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, set_codegen_options);
    return LLVMCreateTargetMachine(target, triple, cpu, features, codegen_level, LLVMRelocPIC, model);
}

LLVMTargetMachineRef cg_target_machine(int portable, char **msg)
{
    if (LLVMInitializeNativeTarget() || LLVMInitializeNativeAsmPrinter()) {
        *msg = dup_message("", "cannot initialise the native LLVM target");
        return NULL;
    }
    char *triple = LLVMGetDefaultTargetTriple();
    char *err = NULL;
    LLVMTargetRef target;
    LLVMTargetMachineRef tm = NULL;
    if (LLVMGetTargetFromTriple(triple, &target, &err)) {
        *msg = dup_message("cannot find the LLVM target: ", err);
        LLVMDisposeMessage(err);
    } else {
        char *cpu = portable ? NULL : LLVMGetHostCPUName();
        char *features = portable ? NULL : LLVMGetHostCPUFeatures();
        tm = cg_create_target_machine(target, triple, portable ? "x86-64-v3" : cpu, portable ? "" : features,
                                      LLVMCodeModelJITDefault);
        if (!tm)
            *msg = dup_message("", "cannot create the LLVM target machine");
        LLVMDisposeMessage(cpu);
        LLVMDisposeMessage(features);
    }
    LLVMDisposeMessage(triple);
    return tm;
}

/* The pipeline of dense networks (CG_OPT_DENSE). The matrix kernels arrive as explicit vector IR with their
 * accumulators in registers (cg_gemm.c), so most of O3 only made the module
 * bigger: "default<O3>" spent 120 ms (digits) to 630 ms (LeNet) of CPU
 * here and left machine-code generation 40% more to do. Kept: promotion of
 * the few allocas, CSE, loop-invariant code motion, GVN, the loop
 * vectoriser for the scalar loops (activations, loss, optimizer: digits'
 * Adam step runs at half speed without it), and full unrolling of loops
 * with a small constant trip count (the loss over 10 classes and the like:
 * digits' step 6% faster). Partial and
 * runtime unrolling, SLP and the inliner gave no measurable step speed
 * (for dense networks). */
#if LLVM_VERSION_MAJOR >= 18
/* A pipeline string's instcombine otherwise aborts when one run does not
 * reach its fixpoint (default<O3> turns that check off too). */
#define INSTCOMBINE "instcombine<no-verify-fixpoint>"
#else
#define INSTCOMBINE "instcombine"
#endif
static const char pipeline[] = "function(sroa,early-cse<memssa>," INSTCOMBINE ",loop-mssa(licm),gvn,loop-vectorize,"
                               "loop-unroll<O3;no-partial;no-runtime>," INSTCOMBINE ",simplifycfg)";

/* Networks with convolutions or pooling (CG_OPT_CONV, cg_opt_level_for):
 * a shorter pipeline still, whose modules are the largest. Their im2col,
 * col2im and pooling arrive as vector code (cg_conv.c, cg_pool.c), the
 * products unroll their own reduction loops by two (cg_gemm.c), and the
 * bias gradient keeps its sums in registers across the rows (cg_dense.c)
 * — the two things LLVM's unrolling used to buy them (its full unrolling
 * of db's loop over 6 outputs, 4x; its partial unrolling of the products,
 * ~20%). Unrolling the remaining small loops made LeNet's module a third
 * larger (10.5k against 6.6k IR instructions) for no step time: without
 * it, its compile 0.30 -> 0.23 s on two threads and 0.58 -> 0.43 s on
 * one, the step the same (medians of 6 interleaved, znver3). Nor GVN and
 * the first instcombine: 40% of the pipeline's time, LeNet's step the same
 * without them (min and median of 6 interleaved, znver3); dense networks
 * keep them (digits' step 25% slower without). Dense networks keep the
 * unrolling too: digits' step, 90 us, is 6% slower without. */
static const char conv_pipeline[] = "function(sroa,early-cse<memssa>,loop-mssa(licm),loop-vectorize," INSTCOMBINE
                                    ",simplifycfg)";

int cg_vector_floats(LLVMTargetMachineRef tm)
{
    char *cpu = LLVMGetTargetMachineCPU(tm), *features = LLVMGetTargetMachineFeatureString(tm);
    int w = strstr(features, "+avx512f") || !strcmp(cpu, "x86-64-v4")                ? 16
            : strstr(features, "+avx2") || strstr(features, "+avx,") || !strcmp(cpu, "x86-64-v3") ? 8
                                                                                               : 4;
    LLVMDisposeMessage(cpu);
    LLVMDisposeMessage(features);
    /* LRC_VECTOR_FLOATS=8 or 4 builds narrower kernels than the machine
     * allows (tests run the AVX2 kernels on an AVX-512 machine with it) */
    const char *force = getenv("LRC_VECTOR_FLOATS");
    int narrower = force ? atoi(force) : 0;
    return (narrower == 4 || narrower == 8) && narrower < w ? narrower : w;
}

cg_opt_level cg_opt_level_for(const plan *p)
{
    for (int i = 0; i < p->nlayers; i++) {
        plan_layer_kind k = p->layers[i].kind;
        if (k == PLAN_CONV2D || k == PLAN_MAXPOOL || k == PLAN_AVGPOOL)
            return CG_OPT_CONV;
    }
    return CG_OPT_DENSE;
}

void cg_describe_compile(cg_opt_level level, char *buf, size_t len)
{
    snprintf(buf, len, "pipeline %s\ncodegen level %d %s\n", level == CG_OPT_CONV ? conv_pipeline : pipeline,
             (int)codegen_level, codegen_option);
}

int cg_optimize(LLVMModuleRef m, LLVMTargetMachineRef tm, cg_opt_level level, char **msg)
{
    LLVMTargetDataRef layout = LLVMCreateTargetDataLayout(tm);
    LLVMSetModuleDataLayout(m, layout);
    LLVMDisposeTargetData(layout);
    char *triple = LLVMGetTargetMachineTriple(tm);
    LLVMSetTarget(m, triple);
    LLVMDisposeMessage(triple);
    LLVMPassBuilderOptionsRef opts = LLVMCreatePassBuilderOptions();
    LLVMErrorRef err = LLVMRunPasses(m, level == CG_OPT_CONV ? conv_pipeline : pipeline, tm, opts);
    LLVMDisposePassBuilderOptions(opts);
    if (err) {
        char *text = LLVMGetErrorMessage(err);
        *msg = dup_message("LLVM optimisation failed: ", text);
        LLVMDisposeErrorMessage(text);
        return -1;
    }
    return 0;
}

void cg_llvm_version(char *buf, size_t len)
{
#if LLVM_VERSION_MAJOR >= 16
    unsigned major, minor, patch;
    LLVMGetVersion(&major, &minor, &patch);
    snprintf(buf, len, "%u.%u.%u", major, minor, patch);
#else
    snprintf(buf, len, "%s", LRC_LLVM_VERSION_STRING);
#endif
}
