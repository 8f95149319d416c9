/* rt_data.c — loading a data set and cutting it into batches.
 *
 * rt_data_load dispatches to the CSV, IDX, NPY or synthetic loader (the file
 * loaders stop at `limit` themselves), then keeps the first `limit` samples
 * of a generator's, multiplies the features by `scale`, optionally
 * standardizes each feature and works out the number of classes. The
 * batcher walks a Fisher–Yates permutation drawn from (seed,
 * RT_STREAM_SHUFFLE), redrawn at every epoch; a batch that runs past the
 * end of an epoch continues into the next one, so batches are never short. */
#include "rt_data.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "rt_data_internal.h"
#include "rt_mem.h"

const char *rt_data_bytes_text(double bytes, char buf[32])
{
    static const char *const unit[] = {"bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    int u = 0;
    while (bytes >= 1024 && u < 6) {
        bytes /= 1024;
        u++;
    }
    snprintf(buf, 32, u ? "%.1f %s" : "%.0f %s", bytes, unit[u]);
    return buf;
}

int rt_data_alloc_y(rt_dataset *d, int64_t n, int64_t features, int64_t targets, rt_err *err)
{
    if (n < 1 || features < 1 || targets < 1 || n > INT64_MAX / features || n > INT64_MAX / targets
        || (uint64_t)(n * features) > SIZE_MAX / sizeof(float)
        || (uint64_t)(n * targets) > SIZE_MAX / sizeof(float))
        return rt_errf(err, RT_FAILED, "out of memory: a %lld x %lld data set is too large",
                       (long long)n, (long long)features);
    double need = (double)(n * features + n * targets) * sizeof(float);
    if (d->max_bytes > 0 && need > (double)d->max_bytes) {
        char nb[32], lb[32];
        return rt_errf(err, RT_BAD_INPUT, "a data set of %lld samples x %lld features needs %s, "
                       "more than the %s the memory limit leaves for data (--max-memory)",
                       (long long)n, (long long)features, rt_data_bytes_text(need, nb),
                       rt_data_bytes_text((double)d->max_bytes, lb));
    }
    d->x = rt_mem_floats((size_t)(n * features), 0);
    d->y = rt_mem_floats((size_t)(n * targets), 0);
    if (!d->x || !d->y)
        return rt_errf(err, RT_FAILED, "out of memory loading a %lld x %lld data set",
                       (long long)n, (long long)features);
    d->n = n;
    d->features = features;
    d->targets = targets;
    d->rank = 1;
    d->shape[0] = features;
    return RT_OK;
}

int rt_data_alloc(rt_dataset *d, int64_t n, int64_t features, rt_err *err)
{
    return rt_data_alloc_y(d, n, features, 1, err);
}

static int check_spec(const rt_data_spec *spec, rt_err *err)
{
    int from_file = spec->kind == RT_SRC_CSV || spec->kind == RT_SRC_IDX || spec->kind == RT_SRC_NPY;
    if (from_file && !spec->path)
        return rt_errf(err, RT_BAD_INPUT, "data: no file given");
    if (spec->limit < 0)
        return rt_errf(err, RT_BAD_INPUT, "data: limit must be 0 (all) or more, got %lld",
                       (long long)spec->limit);
    if (!isfinite(spec->scale) || spec->scale == 0)
        return rt_errf(err, RT_BAD_INPUT, "data: scale must be a finite non-zero number, got %g",
                       spec->scale);
    return RT_OK;
}

static int load_source(const rt_data_spec *spec, rt_dataset *out, rt_err *err)
{
    switch (spec->kind) {
    case RT_SRC_CSV: return rt_data_load_csv(spec, out, err);
    case RT_SRC_IDX: return rt_data_load_idx(spec, out, err);
    case RT_SRC_SPIRALS: return rt_data_make_spirals(spec, out, err);
    case RT_SRC_BLOBS: return rt_data_make_blobs(spec, out, err);
    case RT_SRC_NPY: return rt_data_load_npy(spec, out, err);
    case RT_SRC_REGRESSION: return rt_data_make_regression(spec, out, err);
    case RT_SRC_MOONS: return rt_data_make_moons(spec, out, err);
    }
    return rt_errf(err, RT_BAD_INPUT, "data: unknown source kind %d", (int)spec->kind);
}

/* Keeps the first `limit` samples and returns the memory of the rest (only
 * the generators make more: the file loaders read no further than limit). */
static void apply_limit(rt_dataset *d, int64_t limit)
{
    if (limit == 0 || limit >= d->n)
        return;
    d->n = limit;
    float *x = realloc(d->x, (size_t)(d->n * d->features) * sizeof(float));
    float *y = realloc(d->y, (size_t)(d->n * d->targets) * sizeof(float));
    if (x)
        d->x = x;
    if (y)
        d->y = y;
}

static void apply_scale(rt_dataset *d, double scale)
{
    if (scale == 1)
        return;
    int64_t count = d->n * d->features;
    for (int64_t i = 0; i < count; i++)
        d->x[i] = (float)(d->x[i] * scale);
}

/* Per-feature mean and standard deviation, accumulated in double over rows
 * so that memory is read in order. A sum of n equal floats is exact in
 * double (n < 2^29), so a constant feature gets exactly its value as the
 * mean and exactly 0 as its standard deviation. */
static void feature_stats(const rt_dataset *d, double *mean, double *sd)
{
    int64_t f = d->features;
    for (int64_t j = 0; j < f; j++)
        mean[j] = sd[j] = 0;
    for (int64_t i = 0; i < d->n; i++)
        for (int64_t j = 0; j < f; j++)
            mean[j] += d->x[i * f + j];
    for (int64_t j = 0; j < f; j++)
        mean[j] /= (double)d->n;
    for (int64_t i = 0; i < d->n; i++)
        for (int64_t j = 0; j < f; j++) {
            double dev = d->x[i * f + j] - mean[j];
            sd[j] += dev * dev;
        }
    for (int64_t j = 0; j < f; j++)
        sd[j] = sqrt(sd[j] / (double)d->n);
}

static int standardize(rt_dataset *d, rt_err *err)
{
    int64_t f = d->features;
    double *mean = malloc((size_t)f * sizeof(double));
    double *sd = malloc((size_t)f * sizeof(double));
    if (!mean || !sd) {
        free(mean);
        free(sd);
        return rt_errf(err, RT_FAILED, "out of memory standardizing %lld features", (long long)f);
    }
    feature_stats(d, mean, sd);
    for (int64_t i = 0; i < d->n; i++)
        for (int64_t j = 0; j < f; j++) {
            double v = d->x[i * f + j] - mean[j];
            d->x[i * f + j] = (float)(sd[j] > 0 ? v / sd[j] : v);
        }
    free(mean);
    free(sd);
    return RT_OK;
}

/* classes = 1 + the largest label when there is one target per sample and
 * every label is a non-negative integer; 0 (regression targets) otherwise. */
static void count_classes(rt_dataset *d)
{
    float top = 0;
    d->labels_integral = d->targets == 1;
    for (int64_t i = 0; i < d->n && d->labels_integral; i++) {
        float v = d->y[i];
        d->labels_integral = v >= 0 && v == floorf(v) && v < 0x1p31f;
        if (v > top)
            top = v;
    }
    d->classes = d->labels_integral ? (int64_t)top + 1 : 0;
}

/* `one_hot true`: the integer label of each sample becomes `classes` floats,
 * 1 at the label and 0 elsewhere; `classes` stays as counted. */
static int one_hot(rt_dataset *d, rt_err *err)
{
    if (d->targets != 1)
        return rt_errf(err, RT_BAD_INPUT, "%s: one_hot needs one integer label per sample, but the data has %lld targets",
                       d->source, (long long)d->targets);
    if (!d->labels_integral)
        return rt_errf(err, RT_BAD_INPUT, "%s: one_hot needs integer labels >= 0, but some labels are not whole numbers",
                       d->source);
    if (d->classes > 100000 || d->n > INT64_MAX / d->classes
        || (uint64_t)(d->n * d->classes) > SIZE_MAX / sizeof(float))
        return rt_errf(err, RT_BAD_INPUT, "%s: one_hot: %lld classes are too many", d->source,
                       (long long)d->classes);
    float *y = rt_mem_floats((size_t)(d->n * d->classes), 0);
    if (!y)
        return rt_errf(err, RT_FAILED, "out of memory for %lld one-hot labels", (long long)d->n);
    for (int64_t i = 0; i < d->n; i++) {
        for (int64_t k = 0; k < d->classes; k++)
            y[i * d->classes + k] = 0;
        y[i * d->classes + (int64_t)d->y[i]] = 1;
    }
    free(d->y);
    d->y = y;
    d->targets = d->classes;
    d->labels_integral = 0;
    return RT_OK;
}

int rt_data_load(const rt_data_spec *spec, rt_dataset *out, rt_err *err)
{
    memset(out, 0, sizeof *out);
    out->max_bytes = spec->max_bytes;
    int rc = check_spec(spec, err);
    if (rc == RT_OK)
        rc = load_source(spec, out, err);
    if (rc == RT_OK && out->targets < 1)
        out->targets = 1;
    if (rc == RT_OK) {
        apply_limit(out, spec->limit);
        apply_scale(out, spec->scale);
        if (spec->standardize)
            rc = standardize(out, err);
    }
    if (rc != RT_OK) {
        rt_data_free(out);
        return rc;
    }
    count_classes(out);
    if (spec->one_hot && (rc = one_hot(out, err)) != RT_OK) {
        rt_data_free(out);
        return rc;
    }
    return RT_OK;
}

void rt_data_free(rt_dataset *d)
{
    if (!d)
        return;
    free(d->x);
    free(d->y);
    memset(d, 0, sizeof *d);
}

/* ---- the batcher ---------------------------------------------------------- */

/* Starts an epoch: file order, or a fresh Fisher–Yates permutation of it. */
static void start_epoch(rt_batcher *b)
{
    int64_t n = b->d->n;
    for (int64_t i = 0; i < n; i++)
        b->order[i] = i;
    if (b->shuffle)
        for (int64_t i = n - 1; i > 0; i--) {
            int64_t j = (int64_t)rt_rng_below(&b->rng, (uint64_t)i + 1);
            int64_t t = b->order[i];
            b->order[i] = b->order[j];
            b->order[j] = t;
        }
    b->pos = 0;
}

int rt_batcher_init(rt_batcher *b, const rt_dataset *d, int64_t batch, int shuffle,
                    uint64_t seed, rt_err *err)
{
    memset(b, 0, sizeof *b);
    if (d->n < 1)
        return rt_errf(err, RT_BAD_INPUT, "data: the data set has no samples");
    if (batch < 1)
        return rt_errf(err, RT_BAD_INPUT, "data: batch size must be at least 1, got %lld",
                       (long long)batch);
    b->order = malloc((size_t)d->n * sizeof(int64_t));
    if (!b->order)
        return rt_errf(err, RT_FAILED, "out of memory for the order of %lld samples",
                       (long long)d->n);
    b->d = d;
    b->batch = batch;
    b->shuffle = shuffle;
    rt_rng_seed(&b->rng, seed, RT_STREAM_SHUFFLE);
    start_epoch(b);
    return RT_OK;
}

void rt_batcher_next(rt_batcher *b, float *x, float *y)
{
    int64_t f = b->d->features, t = b->d->targets > 0 ? b->d->targets : 1;
    for (int64_t k = 0; k < b->batch; k++) {
        if (b->pos == b->d->n) {
            b->epoch++;
            start_epoch(b);
        }
        int64_t i = b->order[b->pos++];
        memcpy(x + k * f, b->d->x + i * f, (size_t)f * sizeof(float));
        memcpy(y + k * t, b->d->y + i * t, (size_t)t * sizeof(float));
    }
}

void rt_batcher_free(rt_batcher *b)
{
    if (!b)
        return;
    free(b->order);
    memset(b, 0, sizeof *b);
}
