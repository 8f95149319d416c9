/* rt_test.c — the range-test driver: runs a compiled model step by step over
 * the rate schedule, records (step, rate, raw loss, smoothed loss), ends on
 * a stop clause, a non-finite loss, the schedule's last step or an
 * interrupt, and then computes the requested suggestions. */
#include "rt_test.h"
#include "rt_mem.h"
#include "rt_mpi.h"
#include "rt_parallel.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

/* Everything one run allocates, freed together on every path. */
typedef struct run_buffers {
    float *mem, *x, *y;
    float *comm;        /* data-parallel: gradient + loss + interrupt flag, then every rank's */
    rt_batcher batcher;
    int batcher_ready;
    lrc_rt_pool *pool;  /* the step's threads (NULL: this thread alone) */
} run_buffers;

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void free_buffers(run_buffers *b)
{
    if (b->batcher_ready)
        rt_batcher_free(&b->batcher);
    free(b->mem);
    free(b->x);
    free(b->y);
    free(b->comm);
    rt_pool_stop(b->pool);
}

static int check_shapes(const lrc_model *m, const rt_sweep *sw, const rt_dataset *d, rt_err *err)
{
    if (sw->schedule.steps < 1)
        return rt_errf(err, RT_BAD_INPUT, "the schedule has no steps (steps = %lld)",
                       (long long)sw->schedule.steps);
    if (m->batch < 1 || m->mem_floats < 1)
        return rt_errf(err, RT_BAD_INPUT, "the model has no batch or no memory");
    if (d->features != m->x_floats)
        return rt_errf(err, RT_BAD_INPUT,
                       "the data has %lld features per sample but the model expects %lld",
                       (long long)d->features, (long long)m->x_floats);
    return RT_OK;
}

/* Data-parallel: x/y hold the global batch (ranks x the model's batch). */
static int alloc_buffers(const lrc_model *m, const rt_sweep *sw, const rt_dataset *d, const rt_mpi *dp,
                         int threads, run_buffers *b, rt_err *err)
{
    int64_t yf = m->y_floats > 1 ? m->y_floats : 1, ranks = dp ? dp->size : 1, batch = m->batch * ranks;
    b->mem = rt_mem_floats((size_t)m->mem_floats, 1);
    b->x = rt_mem_floats((size_t)(batch * m->x_floats), 1);
    b->y = rt_mem_floats((size_t)(batch * yf), 1);
    if (dp)
        b->comm = rt_mem_floats((size_t)((ranks + 1) * (m->param_floats + 2)), 1);
    if (!b->mem || !b->x || !b->y || (dp && !b->comm) || rt_pool_start(threads, &b->pool) != 0)
        return rt_errf(err, RT_FAILED, "out of memory for the model (%lld floats)",
                       (long long)m->mem_floats);
    int rc = rt_batcher_init(&b->batcher, d, batch, sw->shuffle, sw->seed, err);
    if (rc != RT_OK)
        return rc;
    b->batcher_ready = 1;
    return RT_OK;
}

static int push_point(rt_result *r, rt_point p, rt_err *err)
{
    if (r->n == r->cap) {
        int64_t cap = r->cap ? r->cap * 2 : 256;
        rt_point *pts = realloc(r->pts, (size_t)cap * sizeof *pts);
        if (!pts)
            return rt_errf(err, RT_FAILED, "out of memory recording the curve");
        r->pts = pts;
        r->cap = cap;
    }
    r->pts[r->n++] = p;
    return RT_OK;
}

/* Rewrites the status line at most ten times a second. */
static void show_progress(FILE *f, double *last, const rt_point *p)
{
    double t = now_seconds();
    if (!f || t - *last < 0.1)
        return;
    *last = t;
    fprintf(f, "\r  step %lld  rate %.1e  loss %.3g   ", (long long)p->step, p->rate, p->loss);
    fflush(f);
}

static void clear_progress(FILE *f)
{
    if (!f)
        return;
    fprintf(f, "\r%60s\r", "");
    fflush(f);
}

/* Decides whether the test ends after point p; sets r->end and its text. */
static void check_end(const rt_sweep *sw, const rt_point *p, double best, rt_result *r)
{
    if (!isfinite(p->loss)) {
        r->end = RT_END_NONFINITE;
        snprintf(r->end_text, sizeof r->end_text, "loss is %s at step %lld",
                 isnan(p->loss) ? "nan" : p->loss > 0 ? "inf" : "-inf", (long long)p->step);
        return;
    }
    double vars[RT_VAR_COUNT];
    vars[RT_VAR_STEP] = (double)p->step;
    vars[RT_VAR_RATE] = p->rate;
    vars[RT_VAR_LOSS] = p->smooth;
    vars[RT_VAR_RAW] = p->loss;
    vars[RT_VAR_BEST] = best;
    int c = rt_stop_check(&sw->stop, vars);
    if (c > 0) {
        r->end = RT_END_CLAUSE;
        r->clause = c;
        snprintf(r->end_text, sizeof r->end_text, "%s", sw->stop.clause[c - 1].text);
    } else if (p->step == sw->schedule.steps - 1) {
        r->end = RT_END_SCHEDULE;
        snprintf(r->end_text, sizeof r->end_text, "last step of the schedule (%lld)",
                 (long long)p->step);
    }
}

/* The mean loss of the model on the held-out batches (parameters unchanged). */
static double heldout_loss(const lrc_model *m, float *mem, const rt_heldout *val, lrc_rt_pool *pool)
{
    int64_t yf = m->y_floats > 1 ? m->y_floats : 1;
    double sum = 0.0;
    for (int64_t k = 0; k < val->batches; k++)
        sum += m->eval(mem, val->x + k * m->batch * m->x_floats, val->y + k * m->batch * yf, pool);
    return sum / (double)val->batches;
}

/* One data-parallel step: this rank's rows through lrc_grad, the mean of
 * [gradient | loss | interrupt flag] over the ranks, lrc_update. The flag
 * travels with the gradient so that every rank stops after the same step. */
static int dp_step(const lrc_model *m, const rt_mpi *dp, run_buffers *b, lrc_rt_pool *pool, float rate, int32_t t,
                   const volatile sig_atomic_t *interrupt, double *loss, int *stop, rt_result *r, rt_err *err)
{
    int64_t yf = m->y_floats > 1 ? m->y_floats : 1, p = m->param_floats;
    float *g = b->mem + p;
    float l = m->grad(b->mem, b->x + dp->rank * m->batch * m->x_floats, b->y + dp->rank * m->batch * yf, t, pool);
    memcpy(b->comm, g, (size_t)p * sizeof *g);
    b->comm[p] = l;
    b->comm[p + 1] = interrupt && *interrupt ? 1.0f : 0.0f;
    int rc = rt_mpi_mean(dp, b->comm, p + 2, b->comm + p + 2, &r->comm_seconds, err);
    if (rc != RT_OK)
        return rc;
    memcpy(g, b->comm, (size_t)p * sizeof *g);
    m->update(b->mem, rate, t, pool);
    *loss = b->comm[p];
    *stop = b->comm[p + 1] > 0.0f;
    return RT_OK;
}

static int run_steps(const lrc_model *m, const rt_sweep *sw, run_buffers *b, const rt_heldout *val,
                     const rt_mpi *dp, const volatile sig_atomic_t *interrupt, FILE *progress,
                     rt_result *r, rt_err *err)
{
    int dp_stop = 0;
    rt_smoother sm;
    rt_smoother_init(&sm, sw->beta);
    double best = INFINITY, last_shown = 0.0;
    rt_pool_pick pick;
    rt_pool_pick_init(&pick, b->pool);
    r->step_threads = rt_pool_threads(b->pool);
    for (int64_t s = 0; r->end == RT_END_NONE; s++) {
        if (dp ? dp_stop : interrupt && *interrupt) {
            r->end = RT_END_INTERRUPT;
            snprintf(r->end_text, sizeof r->end_text, "interrupted before step %lld", (long long)s);
            break;
        }
        rt_point p = {.step = s, .rate = rt_schedule_rate(&sw->schedule, s)};
        rt_batcher_next(&b->batcher, b->x, b->y);
        lrc_rt_pool *pool = rt_pool_pick_next(&pick);
        double t0 = now_seconds();
        if (dp) {
            int rc = dp_step(m, dp, b, pool, (float)p.rate, (int32_t)(s + 1), interrupt, &p.loss, &dp_stop, r, err);
            if (rc != RT_OK)
                return rc;
        } else
            p.loss = m->step(b->mem, b->x, b->y, (float)p.rate, (int32_t)(s + 1), pool);
        double t1 = now_seconds(), t2 = t1;
        r->step_seconds += t1 - t0;
        if (val) {
            p.loss = heldout_loss(m, b->mem, val, pool);
            t2 = now_seconds();
            r->eval_seconds += t2 - t1;
        }
        rt_pool_pick_took(&pick, t2 - t0);
        r->split_steps = pick.split;
        p.smooth = rt_smoother_push(&sm, p.loss);
        if (p.smooth < best)
            best = p.smooth;
        int rc = push_point(r, p, err);
        if (rc != RT_OK)
            return rc;
        show_progress(progress, &last_shown, &p);
        check_end(sw, &p, best, r);
    }
    clear_progress(progress);
    return RT_OK;
}

static int compute_suggestions(const rt_sweep *sw, rt_result *r, rt_err *err)
{
    size_t n = (size_t)(r->n > 0 ? r->n : 1);
    double *rate = malloc(n * sizeof *rate);
    double *smooth = malloc(n * sizeof *smooth);
    if (!rate || !smooth) {
        free(rate);
        free(smooth);
        return rt_errf(err, RT_FAILED, "out of memory computing the suggestions");
    }
    for (int64_t i = 0; i < r->n; i++) {
        rate[i] = r->pts[i].rate;
        smooth[i] = r->pts[i].smooth;
    }
    r->nsug = 0;
    for (int i = 0; i < sw->nmethods && i < RT_SUG_COUNT; i++)
        rt_suggest(sw->methods[i], rate, smooth, r->n, sw->skip_begin, sw->skip_end,
                   &r->sug[r->nsug++]);
    free(rate);
    free(smooth);
    return RT_OK;
}

int rt_range_test(const lrc_model *m, const rt_sweep *sw, const rt_dataset *d,
                  const volatile sig_atomic_t *interrupt, FILE *progress,
                  rt_result *out, rt_err *err)
{
    return rt_range_test_heldout(m, sw, d, NULL, interrupt, progress, out, err);
}

int rt_range_test_heldout(const lrc_model *m, const rt_sweep *sw, const rt_dataset *d,
                          const rt_heldout *val, const volatile sig_atomic_t *interrupt,
                          FILE *progress, rt_result *out, rt_err *err)
{
    return rt_range_test_dp(m, sw, d, val, NULL, 1, interrupt, progress, out, err);
}

int rt_range_test_dp(const lrc_model *m, const rt_sweep *sw, const rt_dataset *d, const rt_heldout *val,
                     const rt_mpi *dp, int threads, const volatile sig_atomic_t *interrupt, FILE *progress,
                     rt_result *out, rt_err *err)
{
    memset(out, 0, sizeof *out);
    out->seed = sw->seed;
    out->validation = val != NULL;
    out->ranks = dp ? dp->size : 0;
    if (val && (val->batches < 1 || !m->eval))
        return rt_errf(err, RT_BAD_INPUT, "validation needs at least one held-out batch");
    if (dp && val)
        return rt_errf(err, RT_BAD_INPUT, "data-parallel runs measure the training loss; 'measure validation' "
                                          "needs a run without 'parallel data'");
    if (dp && (!m->grad || !m->update))
        return rt_errf(err, RT_FAILED, "data-parallel steps need lrc_grad and lrc_update, which this model lacks");
    int rc = check_shapes(m, sw, d, err);
    if (rc != RT_OK)
        return rc;
    run_buffers b = {0};
    rc = alloc_buffers(m, sw, d, dp, threads, &b, err);
    if (rc == RT_OK) {
        m->init(b.mem, sw->seed);
        if (m->init_params)
            memcpy(b.mem, m->init_params, (size_t)m->param_floats * sizeof(float));
        double t0 = now_seconds();
        rc = run_steps(m, sw, &b, val, dp, interrupt, progress, out, err);
        out->seconds = now_seconds() - t0;
    }
    if (rc == RT_OK)
        rc = compute_suggestions(sw, out, err);
    free_buffers(&b);
    if (rc != RT_OK)
        rt_result_free(out);
    return rc;
}

void rt_result_free(rt_result *r)
{
    free(r->pts);
    r->pts = NULL;
    r->n = r->cap = 0;
}

const char *rt_end_name(rt_end e)
{
    switch (e) {
    case RT_END_CLAUSE:    return "stop clause";
    case RT_END_NONFINITE: return "non-finite loss";
    case RT_END_SCHEDULE:  return "end of schedule";
    case RT_END_INTERRUPT: return "interrupted";
    default:               return "running";
    }
}
