/* rt_data.h — data sets and the batches fed to the step.
 *
 * Loaders turn a source (CSV, IDX plain or gzipped, NumPy .npy, or a
 * synthetic generator) into one dense float matrix x [n][features] and
 * targets y [n][targets] (a class index, regression targets, or one-hot
 * class floats). Errors name the file, row and column (rt_err code 2).
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
    RT_SRC_BLOBS,    /* `classes` Gaussian blobs in `features` dimensions */
    RT_SRC_NPY,      /* path: x .npy (n, d...), labels: y .npy (n,) or (n, k) */
    RT_SRC_REGRESSION, /* `targets` seeded linear functions of `features` inputs + noise */
    RT_SRC_MOONS     /* two interleaved half circles in 2-D (2 classes) */
} rt_src_kind;

/* The most target columns a CSV `labels [...]` list may name. */
#define RT_MAX_LABEL_COLS 64

typedef struct rt_data_spec {
    rt_src_kind kind;
    const char *path;        /* CSV file or IDX images; as the OS should open it */
    const char *labels;      /* IDX labels file; NPY targets file */
    int header;              /* CSV: skip the first row */
    int64_t label_col;       /* CSV: 0-based label column; -1 means the last */
    int nlabel_cols;         /* CSV: > 0: the target columns are label_cols[] (in this order) */
    int64_t label_cols[RT_MAX_LABEL_COLS];
    int64_t targets;         /* CSV: > 1: the last `targets` columns are targets;
                                regression: outputs per sample */
    int one_hot;             /* an integer label becomes `classes` floats (1 at the label) */
    int drop_nonfinite;      /* NPY: drop rows holding NaN/inf instead of failing */
    int64_t samples;         /* synthetic: number of samples */
    int64_t classes;         /* synthetic: number of classes */
    int64_t features;        /* synthetic (blobs): dimensions */
    double noise;            /* synthetic: noise level */
    int64_t limit;           /* keep only the first `limit` samples; 0 = all. The file
                                loaders read and allocate no more than those */
    double scale;            /* multiply every feature (1 = unchanged) */
    int standardize;         /* then per-feature zero mean, unit variance */
    uint64_t seed;           /* synthetic generators draw from (seed, RT_STREAM_SYNTH) */
    double split;            /* fraction held out, never trained on (rt_data_split); 0 = none */
    int64_t max_bytes;       /* refuse (before allocating) a data set, or a CSV text, larger
                                than this many bytes (lrc's --max-memory); 0 = no limit */
} rt_data_spec;

typedef struct rt_dataset {
    int64_t n;               /* samples */
    int64_t features;        /* floats per sample */
    int rank;                /* dimensions of one sample: 1, or 2-3 for an image ([h, w(, c)]) */
    int64_t shape[4];        /* the sample's shape; its product is `features` */
    int64_t targets;         /* floats of y per sample (1: a class index or one target) */
    int64_t dropped;         /* rows dropped for non-finite values (drop_nonfinite) */
    int64_t classes;         /* 1 + the largest label (0 for no integer labels) */
    int labels_integral;     /* targets == 1 and every y is a non-negative integer */
    float *x;                /* [n][features], row-major */
    float *y;                /* [n][targets] */
    char source[512];        /* what was read, for reports (e.g. the path) */
    int64_t max_bytes;       /* the spec's limit, set by rt_data_load before the loader
                                runs: rt_data_alloc refuses a larger data set */
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
/* x: [batch][features], y: [batch][targets]. */
void rt_batcher_next(rt_batcher *b, float *x, float *y);
void rt_batcher_free(rt_batcher *b);

#endif
