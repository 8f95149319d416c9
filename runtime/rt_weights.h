/* rt_weights.h — a run's starting weights: drawn by lrc_init from the
 * sweep's seed or read from a safetensors file (`init from`), and written
 * to the run directory as init.safetensors. */
#ifndef RT_WEIGHTS_H
#define RT_WEIGHTS_H

#include "rt_run.h"

/* The parameters the run starts from: lrc_init's draw for the sweep's seed,
 * then, when x->init_from is set, every tensor of x->tensors read from that
 * file. *out is NULL when the experiment lists no tensors, else
 * m->param_floats floats (free them). */
int rt_weights_initial(const rt_experiment *x, const lrc_model *m, float **out, rt_err *err);

/* Writes <dir>/init.safetensors from `params`. */
int rt_weights_write_init(const char *dir, const rt_experiment *x, const float *params, rt_err *err);

#endif
