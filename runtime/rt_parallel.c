/* rt_parallel.c — the parallel-for the generated code calls for its large
 * matrix products (compiler/cg_parallel.c): part p of `parts` runs on its
 * own thread, part 0 on the caller's. Each part writes disjoint outputs and
 * its split is fixed when the code is generated, so the results are the
 * same whether the parts run on threads or one after another (as they do
 * when a thread cannot be started). No state between calls.
 */
#include <pthread.h>
#include "lrc_abi.h"

enum { MAX_PARTS = 16 };

typedef struct part_call {
    lrc_part_fn fn;
    float *mem;
    const float *x;
    int64_t part;
} part_call;

static void *run_part(void *arg)
{
    const part_call *c = arg;
    c->fn(c->mem, c->x, c->part);
    return NULL;
}

void lrc_rt_parallel(lrc_part_fn fn, float *mem, const float *x, int64_t parts)
{
    pthread_t th[MAX_PARTS];
    part_call calls[MAX_PARTS];
    int started[MAX_PARTS] = {0};
    for (int64_t p = 1; p < parts && p < MAX_PARTS; p++) {
        calls[p] = (part_call){.fn = fn, .mem = mem, .x = x, .part = p};
        started[p] = pthread_create(&th[p], NULL, run_part, &calls[p]) == 0;
        if (!started[p])
            fn(mem, x, p);
    }
    fn(mem, x, 0);
    for (int64_t p = 1; p < parts && p < MAX_PARTS; p++)
        if (started[p])
            pthread_join(th[p], NULL);
}
