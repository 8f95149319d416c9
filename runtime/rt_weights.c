/* rt_weights.c — a run's starting weights (see rt_weights.h). */
#include "rt_weights.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rt_mem.h"
#include "rt_safetensors.h"

int rt_weights_initial(const rt_experiment *x, const lrc_model *m, float **out, rt_err *err)
{
    *out = NULL;
    if (x->ntensors <= 0 && !x->init_from)
        return RT_OK;
    if (m->mem_floats < m->param_floats || m->param_floats < 1)
        return rt_errf(err, RT_FAILED, "the model has no parameters to initialise");
    float *mem = rt_mem_floats((size_t)m->mem_floats, 1);
    if (!mem)
        return rt_errf(err, RT_FAILED, "out of memory for the initial weights (%lld floats)",
                       (long long)m->mem_floats);
    m->init(mem, x->sweep.seed);
    int rc = x->init_from ? rt_safetensors_read(x->init_from, mem, x->tensors, x->ntensors, err) : RT_OK;
    float *params = rc == RT_OK ? malloc((size_t)m->param_floats * sizeof(float)) : NULL;
    if (rc == RT_OK && !params)
        rc = rt_errf(err, RT_FAILED, "out of memory for the initial weights");
    if (params)
        memcpy(params, mem, (size_t)m->param_floats * sizeof(float));
    free(mem);
    *out = params;
    return rc;
}

int rt_weights_write_init(const char *dir, const rt_experiment *x, const float *params, rt_err *err)
{
    char path[4200], seed[32];
    snprintf(path, sizeof path, "%s/init.safetensors", dir);
    snprintf(seed, sizeof seed, "%llu", (unsigned long long)x->sweep.seed);
    const char *meta[] = {"format", "pt", "producer", "lrc " LRC_VERSION, "experiment", x->name ? x->name : "",
                          "seed", seed, "init_from", x->init_from ? x->init_from : "lrc_init", NULL};
    return rt_safetensors_write(path, params, x->tensors, x->ntensors, meta, err);
}
