/* rt_results.h — results people can trust and look at: held-out data
 * (split, validation batches), several seeds run in parallel with their
 * statistics, the grid comparison, and the files a run writes beside
 * curve.csv and report.json (plot.svg, a TensorBoard event file, the
 * sources). rt_run.c puts them together. */
#ifndef RT_RESULTS_H
#define RT_RESULTS_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "lrc_abi.h"
#include "rt_data.h"
#include "rt_report.h"
#include "rt_test.h"

/* The stream of the held-out split, drawn from the sweep's seed. */
#define RT_STREAM_SPLIT 3
/* A suggestion is "stable" across seeds when max/min of its rate is at most this. */
#define RT_STABLE_SPREAD 2.0

/* ---- held-out data (rt_split.c) ------------------------------------------- */

/* Shuffles the sample order with (seed, RT_STREAM_SPLIT) and holds out the
 * last round(frac * n) samples: `train` gets the rest, in the shuffled
 * order. Both are copies (free with rt_data_free). At least one sample on
 * each side, else RT_BAD_INPUT. */
int rt_data_split(const rt_dataset *d, double frac, uint64_t seed, rt_dataset *train,
                  rt_dataset *held, rt_err *err);

/* `batches` batches of the model's size cut from `held` in its order,
 * wrapping around when it is shorter. Free with rt_heldout_free. */
int  rt_heldout_make(const rt_dataset *held, const lrc_model *m, int64_t batches, rt_heldout *out,
                     rt_err *err);
void rt_heldout_free(rt_heldout *h);

/* ---- seeds (rt_seeds.c) ------------------------------------------------------ */

/* Runs `n` independent range tests, test i on seed sw->seed + i, on up to
 * `threads` threads (each its own memory; the compiled step is reentrant);
 * threads the seeds leave free go to each test's step (its large products
 * split over them). res[i] does not depend on the thread count. With one thread the tests
 * run on the caller's thread with `progress`. mpi NULL (or no mpirun): all
 * in this process. Under mpirun (runtime/rt_mpi.h), seeds: test i runs on
 * rank i % size and rank 0 gathers every result, so res[0..n) on rank 0 is what one process computes; other ranks hold only
 * their own. Data-parallel (sw->data_parallel): every rank takes part in
 * every test, one after the other, and each gets every result. */
struct rt_mpi;
int rt_run_seeds_mpi(const struct rt_mpi *mpi, const lrc_model *m, const rt_sweep *sw, const rt_dataset *d,
                     const rt_heldout *val, int64_t n, int threads, const volatile sig_atomic_t *interrupt,
                     FILE *progress, rt_result *res, rt_err *err);

/* One method across seeds: the median (geometric mean of the middle two for
 * an even count), min, max and spread = max/min of the seeds' rates. */
typedef struct rt_seed_stat {
    rt_method method;
    int nok;             /* seeds that gave a rate */
    double median, min, max, spread;
    int stable;          /* every seed gave a rate and spread <= RT_STABLE_SPREAD */
} rt_seed_stat;

/* out[i] for sw->methods[i]. */
void rt_seed_stats(const rt_result *res, int64_t n, const rt_sweep *sw, rt_seed_stat *out);

/* The smoothed curves of the seeds, step by step over the steps every seed
 * ran: min, median, max. */
typedef struct rt_band {
    int64_t n;
    double *rate, *lo, *med, *hi;
} rt_band;
int  rt_band_make(const rt_result *res, int64_t nres, rt_band *b, rt_err *err);
void rt_band_free(rt_band *b);
/* The median curve's loss at `rate` (linear in log(rate) between points). */
double rt_band_at(const rt_band *b, double rate);

/* seed,step,rate,loss,smoothed — every seed's rows, in seed order. */
int rt_write_curves_csv(const char *path, const rt_result *res, int64_t n, rt_err *err);

/* The per-method table of the terminal summary across seeds. */
void rt_print_seed_table(FILE *f, const rt_seed_stat *st, int nst, int64_t nseeds);

/* ---- plot.svg (rt_svg.c) ----------------------------------------------------- */

typedef struct rt_plot_mark {
    rt_method method;
    double rate, loss;   /* where the mark is drawn: exactly the suggested rate */
    char label[64];
} rt_plot_mark;

typedef struct rt_plot_in {
    const char *title;
    const char *measure;             /* "training loss" or "validation loss" */
    const rt_result *r;              /* the raw and smoothed curve, its stop point */
    const rt_band *band;             /* seeds > 1: median curve and min-max band, else NULL */
    int64_t nseeds;
    int nmarks;
    rt_plot_mark marks[RT_SUG_COUNT];
} rt_plot_in;

/* Loss against rate on a log axis: raw loss faint, smoothed (or the seeds'
 * median with its band) bold, each suggestion and the stop point marked. */
void rt_svg_plot(const rt_plot_in *in, rt_buf *out);
int  rt_write_plot_svg(const char *path, const rt_plot_in *in, rt_err *err);

/* ---- TensorBoard (rt_tfevents.c) ---------------------------------------------- */

/* CRC-32C (Castagnoli), as TFRecord frames use it. */
uint32_t rt_crc32c(const void *data, size_t len);
/* One TFRecord per event: the file_version event, then per step the scalars
 * `loss`, `loss/smoothed` and `learning_rate`. Wall times are spread evenly
 * over the run's `seconds` from `start` (Unix time). */
int rt_write_tfevents(const char *path, const rt_result *r, double start, rt_err *err);

/* ---- grid comparison (rt_grid.c) ------------------------------------------------ */

typedef struct rt_grid_row {
    double rate;
    double final_loss;   /* the last smoothed loss */
    double final_raw;
    int64_t steps;       /* steps run (fewer when the loss became non-finite or on Ctrl-C) */
    double seconds;
} rt_grid_row;

/* From the initial weights of sw->seed, trains sw->grid_steps steps at each
 * of sw->grid_rates in turn (a constant schedule; only a non-finite loss or
 * an interrupt ends one early). rows: [sw->ngrid]. mpi NULL (or no
 * mpirun): all in this process; under mpirun rate g runs on rank g % size
 * and rank 0 gathers the rows; data-parallel: every rank takes part in
 * every rate. Each run's step uses up to `threads` threads. */
int rt_grid_run_mpi(const struct rt_mpi *mpi, const lrc_model *m, const rt_sweep *sw, const rt_dataset *d,
                    const rt_heldout *val, int threads, const volatile sig_atomic_t *interrupt, rt_grid_row *rows,
                    rt_err *err);
/* grid.csv, grid.json and (when `term` is not NULL) the table, beside the
 * range test `r` that took `r->seconds`. */
int rt_grid_write(const char *dir, const rt_sweep *sw, const rt_grid_row *rows, const rt_result *r,
                  FILE *term, rt_err *err);

/* ---- sources (rt_outputs.c) ----------------------------------------------------- */

/* One .lrf file of the experiment, saved as sources/<path>. */
typedef struct rt_source {
    const char *path;    /* relative, without ".." (the caller makes it so) */
    const char *text;
    size_t len;
} rt_source;

int rt_write_sources(const char *dir, const rt_source *src, int n, const char *overrides, rt_err *err);

#endif
