/* rt_test.h — the range-test driver: runs a compiled model over the schedule,
 * records the curve, applies the stop rules and computes the suggestions. */
#ifndef RT_TEST_H
#define RT_TEST_H

#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include "lrc_abi.h"
#include "rt_data.h"
#include "rt_err.h"
#include "rt_sweep.h"

typedef struct rt_point {
    int64_t step;
    double rate;      /* the rate used for this step's update */
    double loss;      /* raw loss measured at this step (before the update) */
    double smooth;    /* bias-corrected EMA */
} rt_point;

typedef enum {
    RT_END_NONE,       /* still running */
    RT_END_CLAUSE,     /* a clause of the stop expression held */
    RT_END_NONFINITE,  /* loss was NaN or Inf */
    RT_END_SCHEDULE,   /* the schedule's last step was run */
    RT_END_INTERRUPT   /* SIGINT/SIGTERM */
} rt_end;

typedef struct rt_result {
    rt_point *pts;
    int64_t n, cap;
    rt_end end;
    int clause;                    /* RT_END_CLAUSE: 1-based clause index */
    char end_text[200];            /* e.g. "loss > 4 * best" or "loss is nan at step 30" */
    int nsug;
    rt_suggestion sug[RT_SUG_COUNT];
    double seconds;                /* wall time of the steps */
    uint64_t seed;
    int validation;                /* loss = mean lrc_eval over held-out batches after the step */
    double step_seconds;           /* time inside lrc_step, all steps */
    double eval_seconds;           /* time measuring the held-out batches, all steps */
    int ranks;                     /* data-parallel: the ranks that shared each batch (0: not) */
    double comm_seconds;           /* data-parallel: time in the gradient reduction, all steps */
    int step_threads;              /* threads the step could split its products over */
    int64_t split_steps;           /* steps handed the pool (rt_pool_pick: where that was faster) */
} rt_result;

/* Held-out batches: `batches` x the model's batch samples, measured with
 * lrc_eval after every step (validation mode). */
typedef struct rt_heldout {
    const float *x, *y;
    int64_t batches;
} rt_heldout;

/* Runs the test. `interrupt` (may be NULL) is polled before every step;
 * when it becomes non-zero the test ends with RT_END_INTERRUPT and what was
 * measured is kept. `progress` (may be NULL) gets a one-line status that is
 * rewritten in place. Returns 0, or an rt_err code. */
int rt_range_test(const lrc_model *m, const rt_sweep *sw, const rt_dataset *d,
                  const volatile sig_atomic_t *interrupt, FILE *progress,
                  rt_result *out, rt_err *err);

/* The same, measuring the held-out batches `val` (may be NULL: the
 * training batch) after every step. */
int rt_range_test_heldout(const lrc_model *m, const rt_sweep *sw, const rt_dataset *d,
                          const rt_heldout *val, const volatile sig_atomic_t *interrupt,
                          FILE *progress, rt_result *out, rt_err *err);

/* The same, data-parallel when `dp` is not NULL (runtime/rt_mpi.h): the
 * model is compiled for dp->size times fewer samples than the global batch
 * the data is drawn in; rank r takes rows [r*B/K, (r+1)*B/K) of it, runs
 * lrc_grad, the ranks average gradient and loss (rt_mpi_mean), and every
 * rank runs lrc_update. Every rank gets the same curve. No held-out
 * measure (val must be NULL). `threads` (1 in the two calls above) is how
 * many threads the step may split its large products over (rt_parallel.h);
 * the curve is the same whatever it is. */
struct rt_mpi;
int rt_range_test_dp(const lrc_model *m, const rt_sweep *sw, const rt_dataset *d, const rt_heldout *val,
                     const struct rt_mpi *dp, int threads, const volatile sig_atomic_t *interrupt, FILE *progress,
                     rt_result *out, rt_err *err);

void rt_result_free(rt_result *r);

/* "stop clause", "non-finite loss", "end of schedule", "interrupted". */
const char *rt_end_name(rt_end e);

#endif
