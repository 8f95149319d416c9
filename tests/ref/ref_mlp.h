/* ref_mlp.h — a plain-C reference implementation of lrc_init / lrc_step /
 * lrc_eval, driven by the same plan and the same mem layout as the generated
 * code. It is the test oracle for the code generator: the plainest loops,
 * sums accumulated in double. Not fast, and not used by lrc itself.
 */
#ifndef REF_MLP_H
#define REF_MLP_H

#include <stdint.h>
#include "plan.h"

void  ref_init(const plan *p, float *mem, uint64_t seed);
float ref_step(const plan *p, float *mem, const float *x, const float *y, float rate, int32_t t);
float ref_eval(const plan *p, float *mem, const float *x, const float *y);

#endif
