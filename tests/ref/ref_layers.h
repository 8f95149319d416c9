/* ref_layers.h — plain-C reference forward and backward of every layer
 * kind (tests/ref/ref_layers.c), on the plan's offsets into mem. The test
 * oracle for the generated emitters (cg_dense.c, cg_conv.c, cg_pool.c,
 * cg_norm.c, cg_dropout.c, cg_act.c): direct loops from the definitions,
 * sums in double. Not fast, not used by lrc.
 */
#ifndef REF_LAYERS_H
#define REF_LAYERS_H

#include <stdint.h>
#include "plan.h"

/* z (and the act's y) of layer l; train: dropout on, batch statistics. */
void ref_layer_forward(const plan *p, const plan_layer *l, float *mem, const float *x, int train, int32_t t);
/* From dy: the act's dz, the layer's parameter gradients (overwritten) and
 * dx (overwritten) when l->dx >= 0. */
void ref_layer_backward(const plan *p, const plan_layer *l, float *mem, const float *x, int32_t t);

#endif
