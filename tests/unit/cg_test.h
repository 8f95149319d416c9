/* cg_test.h — shared by the code-generation tests (test_cg_*.c), included
 * after cmocka.h: a plan compiled, or the test failed with LLVM's message. */
#ifndef CG_TEST_H
#define CG_TEST_H

#include "jit.h"

static inline jit *cg_test_compile(const plan *p, const jit_options *o, lrc_model *m, jit_info *info)
{
    char *msg = NULL;
    jit *j = jit_compile(p, o, m, info, &msg);
    if (!j)
        fail_msg("jit_compile: %s", msg ? msg : "unknown error");
    return j;
}

#endif
