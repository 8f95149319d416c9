/* rt_measure.h — the measuring half of a run and the files beyond
 * curve.csv/report.json, for rt_run.c: the held-out split and validation
 * batches, the seeds (in parallel), their statistics and band; then
 * plot.svg, the TensorBoard events, sources/, overrides.txt and the extra
 * members of report.json. */
#ifndef RT_MEASURE_H
#define RT_MEASURE_H

#include "rt_results.h"
#include "rt_run.h"

typedef struct rt_measured {
    rt_dataset train, held;        /* the split (when the dataset has one) */
    int split;
    rt_heldout val;                /* validation batches (measure validation) */
    int has_val;
    rt_result *res;                /* one per seed; res[0] is the sweep's own seed */
    int64_t nres;
    int threads;                   /* seeds run at once */
    int cores;                     /* threads the run may use: --threads, or the machine's cores */
    rt_seed_stat stats[RT_SUG_COUNT];
    rt_band band;                  /* nres > 1 */
    int interrupted;
} rt_measured;

/* Splits the data, cuts the validation batches and runs every seed. */
int  rt_measure(const rt_experiment *x, const lrc_model *m, const rt_dataset *data, const rt_run_opts *o,
                FILE *progress, rt_measured *ms, rt_err *err);
/* The data the model trains on: the split's training part, or `data`. */
const rt_dataset *rt_measured_train(const rt_measured *ms, const rt_dataset *data);
void rt_measured_free(rt_measured *ms);

/* The report.json members beyond rt_report's: interrupted, measure, seeds. */
void rt_measured_json(const rt_measured *ms, const rt_sweep *sw, rt_buf *b);
/* curve.csv (with a seed column when there are several), plot.svg, the
 * event file, sources/ and overrides.txt into `dir`; `written` gets their
 * names for the summary. */
int  rt_measured_write(const char *dir, const rt_experiment *x, const rt_measured *ms, const rt_run_opts *o,
                       char *written, size_t len, rt_err *err);
/* The short terminal lines a run adds: what was measured, seeds. */
void rt_measured_print(FILE *f, const rt_measured *ms, const rt_sweep *sw);

#endif
