/* rt_data.h — data sets and the batches fed to the step.
 *
 * Loaders turn a source (CSV, IDX plain or gzipped, or a synthetic generator)
 * into one dense float matrix x [n][features] and targets y [n] (class index
 * or regression target). Errors name the file, row and column (rt_err code 2).
 * A batcher then cuts shuffled batches, reshuffling at every epoch. */
#ifndef RT_DATA_H
#define RT_DATA_H

#include <stdint.h>
#include "rt_err.h"
#include "rt_rng.h"

typedef enum {
    RT_SRC_CSV,      /* path: numeric CSV; one row per sample */
    RT_SRC_IDX,      /* path: images IDX (ubyte), labels: labels IDX; .gz read through zlib */
    RT_SRC_SPIRALS,  /* `classes` interleaved spirals in 2-D */
    RT_SRC_BLOBS     /* `classes` Gaussian blobs in `features` dimensions */
} rt_src_kind;

typedef struct rt_data_spec {
    rt_src_kind kind;
    const char *path;        /* CSV file or IDX images; as the OS should open it */
    const char *labels;      /* IDX labels file */
    int header;              /* CSV: skip the first row */
    int64_t label_col;       /* CSV: 0-based label column; -1 means the last */
    int64_t samples;         /* synthetic: number of samples */
    int64_t classes;         /* synthetic: number of classes */
    int64_t features;        /* synthetic (blobs): dimensions */
    double noise;            /* synthetic: noise level */
    int64_t limit;           /* keep only the first `limit` samples; 0 = all */
    double scale;            /* multiply every feature (1 = unchanged) */
    int standardize;         /* then per-feature zero mean, unit variance */
    uint64_t seed;           /* synthetic generators draw from (seed, RT_STREAM_SYNTH) */
} rt_data_spec;

typedef struct rt_dataset {
    int64_t n;               /* samples */
    int64_t features;        /* floats per sample */
    int64_t classes;         /* 1 + the largest label (0 for no integer labels) */
    int labels_integral;     /* every y is a non-negative integer */
    float *x;                /* [n][features], row-major */
    float *y;                /* [n] */
    char source[512];        /* what was read, for reports (e.g. the path) */
} rt_dataset;

int  rt_data_load(const rt_data_spec *spec, rt_dataset *out, rt_err *err);
void rt_data_free(rt_dataset *d);

/* Batches of `batch` samples in a seeded random order (or in file order
 * when shuffle is 0); the order is redrawn at the start of every epoch. */
typedef struct rt_batcher {
    const rt_dataset *d;
    int64_t batch;
    int shuffle;
    rt_rng rng;
    int64_t *order;          /* [n] */
    int64_t pos;             /* next index into order */
    int64_t epoch;
} rt_batcher;

int  rt_batcher_init(rt_batcher *b, const rt_dataset *d, int64_t batch, int shuffle,
                     uint64_t seed, rt_err *err);
/* x: [batch][features], y: [batch]. */
void rt_batcher_next(rt_batcher *b, float *x, float *y);
void rt_batcher_free(rt_batcher *b);

#endif
