/* rt_split.c — held-out data: the seeded train/held-out split of a data set
 * (`split 0.2` in the dataset) and the fixed validation batches measured
 * after every step in validation mode (`measure validation`). */
#include "rt_results.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int64_t y_width(int64_t targets) { return targets > 1 ? targets : 1; }

/* Copies the rows order[from..to) of d into out (same shape and labels). */
static int take_rows(const rt_dataset *d, const int64_t *order, int64_t from, int64_t to,
                     rt_dataset *out, rt_err *err)
{
    int64_t n = to - from, yw = y_width(d->targets);
    *out = *d;
    out->n = n;
    out->x = malloc((size_t)(n * d->features) * sizeof(float));
    out->y = malloc((size_t)(n * yw) * sizeof(float));
    if (!out->x || !out->y) {
        free(out->x);
        free(out->y);
        out->x = out->y = NULL;
        return rt_errf(err, RT_FAILED, "out of memory splitting %s", d->source);
    }
    for (int64_t i = 0; i < n; i++) {
        int64_t r = order[from + i];
        memcpy(out->x + i * d->features, d->x + r * d->features, (size_t)d->features * sizeof(float));
        memcpy(out->y + i * yw, d->y + r * yw, (size_t)yw * sizeof(float));
    }
    return RT_OK;
}

int rt_data_split(const rt_dataset *d, double frac, uint64_t seed, rt_dataset *train,
                  rt_dataset *held, rt_err *err)
{
    memset(train, 0, sizeof *train);
    memset(held, 0, sizeof *held);
    int64_t nheld = (int64_t)llround(frac * (double)d->n);
    if (!(frac > 0 && frac < 1) || nheld < 1 || nheld >= d->n)
        return rt_errf(err, RT_BAD_INPUT, "split %g of %lld samples leaves no samples to %s", frac,
                       (long long)d->n, nheld < 1 ? "hold out" : "train on");
    int64_t *order = malloc((size_t)d->n * sizeof *order);
    if (!order)
        return rt_errf(err, RT_FAILED, "out of memory splitting %s", d->source);
    for (int64_t i = 0; i < d->n; i++)
        order[i] = i;
    rt_rng rng;
    rt_rng_seed(&rng, seed, RT_STREAM_SPLIT);
    for (int64_t i = d->n - 1; i > 0; i--) {   /* Fisher-Yates */
        int64_t j = (int64_t)rt_rng_below(&rng, (uint64_t)i + 1);
        int64_t t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    int rc = take_rows(d, order, 0, d->n - nheld, train, err);
    if (rc == RT_OK && (rc = take_rows(d, order, d->n - nheld, d->n, held, err)) != RT_OK)
        rt_data_free(train);
    free(order);
    return rc;
}

int rt_heldout_make(const rt_dataset *held, const lrc_model *m, int64_t batches, rt_heldout *out,
                    rt_err *err)
{
    memset(out, 0, sizeof *out);
    int64_t yw = y_width(m->y_floats), hw = y_width(held->targets), rows = batches * m->batch;
    if (held->n < 1 || batches < 1)
        return rt_errf(err, RT_BAD_INPUT, "validation needs held-out samples and at least one batch");
    if (held->features != m->x_floats || hw != yw)
        return rt_errf(err, RT_BAD_INPUT, "the held-out data does not fit the model");
    float *x = malloc((size_t)(rows * m->x_floats) * sizeof(float));
    float *y = malloc((size_t)(rows * yw) * sizeof(float));
    if (!x || !y) {
        free(x);
        free(y);
        return rt_errf(err, RT_FAILED, "out of memory for %lld validation batches", (long long)batches);
    }
    for (int64_t i = 0; i < rows; i++) {
        int64_t r = i % held->n;
        memcpy(x + i * m->x_floats, held->x + r * held->features, (size_t)held->features * sizeof(float));
        memcpy(y + i * yw, held->y + r * hw, (size_t)yw * sizeof(float));
    }
    out->x = x;
    out->y = y;
    out->batches = batches;
    return RT_OK;
}

void rt_heldout_free(rt_heldout *h)
{
    free((void *)h->x);
    free((void *)h->y);
    memset(h, 0, sizeof *h);
}
