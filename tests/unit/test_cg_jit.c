/* test_cg_jit.c — what jit.c does around the code: once lrc_init and
 * lrc_step are compiled, LLVM's machine code pages are dropped from the
 * process (the mapping that holds LLVMContextCreate keeps under a tenth of
 * its size resident), and the functions compiled later, lazily (lrc_eval),
 * still compile and run after that.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <llvm-c/Core.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cg_test.h"

/* Size and resident size (kB) of the mapping that holds addr. */
static void mapping_of(uintptr_t addr, long *size_kb, long *rss_kb)
{
    FILE *f = fopen("/proc/self/smaps", "r");
    assert_non_null(f);
    char line[512];
    int in = 0;
    *size_kb = *rss_kb = -1;
    while (fgets(line, sizeof line, f)) {
        unsigned long lo, hi;
        if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2) { /* a mapping's first line */
            if (in)
                break;
            in = lo <= addr && addr < hi;
        } else if (in) {
            sscanf(line, "Size: %ld kB", size_kb);
            sscanf(line, "Rss: %ld kB", rss_kb);
        }
    }
    fclose(f);
    assert_true(*size_kb > 0 && *rss_kb >= 0);
}

static void test_llvm_code_released(void **state)
{
    (void)state;
    plan_layer l[2] = {
        {.kind = PLAN_DENSE, .in = 8, .out = 32, .act = PLAN_ACT_RELU, .init = PLAN_INIT_HE},
        {.kind = PLAN_DENSE, .in = 32, .out = 3, .act = PLAN_ACT_NONE, .init = PLAN_INIT_GLOROT},
    };
    plan p = {.batch = 16, .in = 8, .y_floats = 1, .nlayers = 2, .layers = l, .loss = PLAN_LOSS_CROSS_ENTROPY,
              .opt = {.kind = PLAN_OPT_SGD, .momentum = 0.9}};
    plan_layout(&p);
    lrc_model m;
    jit_info info;
    jit *j = cg_test_compile(&p, NULL, &m, &info);

    long size_kb, rss_kb;
    mapping_of((uintptr_t)&LLVMContextCreate, &size_kb, &rss_kb);
    if (rss_kb * 10 >= size_kb)
        fail_msg("LLVM's code mapping keeps %ld of %ld kB resident after the compile", rss_kb, size_kb);

    float *mem = aligned_alloc(64, (size_t)p.mem_floats * sizeof(float));
    float x[16 * 8], y[16];
    assert_non_null(mem);
    for (int k = 0; k < 16 * 8; k++)
        x[k] = (float)((k * 37) % 11) / 11.0f - 0.5f;
    for (int k = 0; k < 16; k++)
        y[k] = (float)(k % 3);
    m.init(mem, 3);
    float loss = m.step(mem, x, y, 0.1f, 1, NULL);
    float eval = m.eval(mem, x, y, NULL); /* compiled now, after the release */
    assert_true(isfinite(loss) && isfinite(eval) && loss > 0 && eval > 0);
    free(mem);
    jit_free(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_llvm_code_released),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
