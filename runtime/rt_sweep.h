/* rt_sweep.h — the mathematics of the range test, as RANGE_TEST.md defines it:
 * the rate schedule, the smoothing of the loss, the stop rules and the
 * suggestion methods. Pure functions on plain numbers; no I/O, no model. */
#ifndef RT_SWEEP_H
#define RT_SWEEP_H

#include <stdint.h>

/* ---- schedule ------------------------------------------------------------ */

typedef enum { RT_SCHED_EXP, RT_SCHED_LINEAR } rt_sched_kind;

typedef struct rt_schedule {
    rt_sched_kind kind;
    double start;        /* rate at step 0 */
    double decay_rate;   /* EXP: factor per decay_steps steps */
    double decay_steps;  /* EXP */
    int staircase;       /* EXP: exponent floor(s / decay_steps) */
    double end;          /* LINEAR: rate at step steps-1 */
    int64_t steps;       /* the schedule's last step is steps-1 */
} rt_schedule;

/* EXP:    start * decay_rate ^ (s / decay_steps)   (floor() with staircase)
 * LINEAR: start + (end - start) * s / (steps - 1) */
double rt_schedule_rate(const rt_schedule *s, int64_t step);

/* ---- smoothing ----------------------------------------------------------- */

/* Bias-corrected exponential moving average; beta 0 means no smoothing. */
typedef struct rt_smoother {
    double beta;
    double avg;
    int64_t n;
} rt_smoother;

void   rt_smoother_init(rt_smoother *sm, double beta);
double rt_smoother_push(rt_smoother *sm, double loss); /* returns smooth_s */

/* ---- stop rules ---------------------------------------------------------- */

/* The stop expression is compiled (by compiler/sema) into one postfix
 * program per top-level `or` clause, so that the report can say which
 * clause fired. */
typedef enum {
    RT_VAR_STEP, RT_VAR_RATE, RT_VAR_LOSS /* smoothed */, RT_VAR_RAW /* raw loss */,
    RT_VAR_BEST /* lowest smoothed loss so far */, RT_VAR_COUNT
} rt_var;

typedef enum {
    RT_OP_NUM, RT_OP_VAR, RT_OP_NEG, RT_OP_NOT, RT_OP_ABS,
    RT_OP_ADD, RT_OP_SUB, RT_OP_MUL, RT_OP_DIV,
    RT_OP_LT, RT_OP_LE, RT_OP_GT, RT_OP_GE, RT_OP_EQ, RT_OP_NE,
    RT_OP_AND, RT_OP_OR
} rt_op;

typedef struct rt_insn {
    rt_op op;
    rt_var var;   /* RT_OP_VAR */
    double num;   /* RT_OP_NUM */
} rt_insn;

#define RT_STOP_MAX_CLAUSES 8
#define RT_STOP_MAX_INSNS 64

typedef struct rt_stop_clause {
    char text[160];              /* the clause as the user wrote it */
    int n;
    rt_insn code[RT_STOP_MAX_INSNS];
} rt_stop_clause;

typedef struct rt_stop {
    int n;
    rt_stop_clause clause[RT_STOP_MAX_CLAUSES];
} rt_stop;

/* Evaluates one clause (non-zero = holds). */
double rt_stop_eval_clause(const rt_stop_clause *c, const double vars[RT_VAR_COUNT]);
/* 1-based index of the first clause that holds, 0 when none does. */
int rt_stop_check(const rt_stop *s, const double vars[RT_VAR_COUNT]);

/* ---- suggestions --------------------------------------------------------- */

typedef enum { RT_SUG_STEEPEST, RT_SUG_VALLEY, RT_SUG_MINIMUM, RT_SUG_CLR, RT_SUG_COUNT } rt_method;

const char *rt_method_name(rt_method m);   /* "steepest", ... */

typedef struct rt_suggestion {
    rt_method method;
    int ok;              /* 0: no suggestion; `note` says why */
    int64_t index;       /* point of the curve the rate is taken from */
    double rate;         /* the rate marked on the plot (clr: max_rate) */
    double loss;         /* smoothed loss there */
    double base_rate;    /* clr only: max_rate / 4 */
    char note[160];
} rt_suggestion;

/* On the smoothed curve (rate[i], smooth[i]), i < n: cut at the first
 * non-finite point, drop skip_begin first and skip_end last points, then
 * apply the method. Too few points or a curve that never falls: ok = 0. */
void rt_suggest(rt_method m, const double *rate, const double *smooth, int64_t n,
                int64_t skip_begin, int64_t skip_end, rt_suggestion *out);

/* ---- the whole sweep configuration --------------------------------------- */

#define RT_GRID_MAX 32

typedef struct rt_sweep {
    rt_schedule schedule;
    double beta;                     /* smoothing */
    rt_stop stop;
    int64_t skip_begin, skip_end;
    int nmethods;
    rt_method methods[RT_SUG_COUNT]; /* in the order the user asked */
    uint64_t seed;                   /* drives initialisation and shuffling */
    int shuffle;
    int64_t seeds;                   /* independent tests on seed, seed+1, ... (0 or 1: one) */
    int validation;                  /* measure: the loss on held-out batches after each step */
    int64_t validation_batches;      /* how many held-out batches (validation) */
    int ngrid;                       /* lrc grid: fixed rates, each trained grid_steps steps */
    double grid_rates[RT_GRID_MAX];
    int64_t grid_steps;
    int data_parallel;               /* `parallel data`: every rank a shard of each batch (rt_mpi.h) */
} rt_sweep;

#endif
