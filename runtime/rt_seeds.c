/* rt_seeds.c — `seeds N`: N independent range tests (seed, seed+1, ...) run
 * in parallel with pthreads, each thread with its own memory block and the
 * same compiled step; then each suggestion's median and spread across the
 * seeds, the median curve with its min-max band, and curve.csv for all. */
#include "rt_results.h"
#include "rt_mpi.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

typedef struct seed_pool {
    const lrc_model *m;
    const rt_sweep *sw;
    const rt_dataset *d;
    const rt_heldout *val;
    const rt_mpi *dp;               /* data-parallel: every test over all ranks */
    int64_t first, stride;          /* tests first, first+stride, ... (seeds over MPI ranks) */
    int step_threads;               /* each test's step splits its products over these (0: decide) */
    const volatile sig_atomic_t *interrupt;
    rt_result *res;
    int *rc;
    rt_err *errs;
    int64_t n;
    atomic_llong next;
} seed_pool;

static void run_one(seed_pool *p, int64_t i, FILE *progress)
{
    rt_sweep sw = *p->sw;
    sw.seed = p->sw->seed + (uint64_t)i;
    p->rc[i] = rt_range_test_dp(p->m, &sw, p->d, p->val, p->dp, p->step_threads, p->interrupt, progress, &p->res[i],
                                &p->errs[i]);
}

static void *worker(void *arg)
{
    seed_pool *p = arg;
    for (int64_t k; (k = atomic_fetch_add(&p->next, 1)) * p->stride + p->first < p->n;)
        run_one(p, k * p->stride + p->first, NULL);
    return NULL;
}

/* Tests first, first+stride, ... < n; the others' res[] stay zero. */
static int run_strided(seed_pool p, int threads, FILE *progress, rt_err *err)
{
    int64_t n = p.n, mine = n > p.first ? (n - p.first + p.stride - 1) / p.stride : 0;
    rt_result *res = p.res;
    p.rc = calloc((size_t)n, sizeof *p.rc);
    p.errs = calloc((size_t)n, sizeof *p.errs);
    pthread_t *tid = calloc((size_t)(threads > 0 ? threads : 1), sizeof *tid);
    if (!p.rc || !p.errs || !tid) {
        free(p.rc);
        free(p.errs);
        free(tid);
        return rt_errf(err, RT_FAILED, "out of memory for %lld seeds", (long long)n);
    }
    atomic_init(&p.next, 0);
    int started = 0, all = threads > 0 ? threads : 1;
    if (threads > mine)
        threads = (int)mine;
    if (p.step_threads == 0) /* unless the caller chose: what the seeds leave free */
        p.step_threads = threads > 1 ? all / threads : all;
    for (int t = 0; threads > 1 && t < threads; t++)
        if (pthread_create(&tid[started], NULL, worker, &p) == 0)
            started++;
    if (started == 0)   /* one thread, or none could start: the caller's thread */
        for (int64_t i = p.first; i < n; i += p.stride)
            run_one(&p, i, progress);
    for (int t = 0; t < started; t++)
        pthread_join(tid[t], NULL);
    int rc = RT_OK;
    for (int64_t i = p.first; i < n && rc == RT_OK; i += p.stride)
        if (p.rc[i] != RT_OK) {
            rc = p.rc[i];
            if (err)
                *err = p.errs[i];
        }
    if (rc != RT_OK)
        for (int64_t i = 0; i < n; i++)
            rt_result_free(&res[i]);
    free(p.rc);
    free(p.errs);
    free(tid);
    return rc;
}

int rt_run_seeds_mpi(const rt_mpi *mpi, const lrc_model *m, const rt_sweep *sw, const rt_dataset *d,
                     const rt_heldout *val, int64_t n, int threads, const volatile sig_atomic_t *interrupt,
                     FILE *progress, rt_result *res, rt_err *err)
{
    seed_pool p = {.m = m, .sw = sw, .d = d, .val = val, .interrupt = interrupt, .res = res, .n = n,
                   .first = 0, .stride = 1};
    if (sw->data_parallel) {   /* the ranks share each step: one test at a time, on this thread */
        p.dp = mpi;
        p.step_threads = threads;
        return run_strided(p, 1, progress, err);
    }
    if (!mpi || !mpi->active || mpi->size == 1)
        return run_strided(p, threads, progress, err);
    p.first = mpi->rank;
    p.stride = mpi->size;
    int rc = run_strided(p, threads, progress, err);
    if (rc == RT_OK)
        rc = rt_mpi_gather_results(mpi, res, n, err);
    return rc;
}

/* ---- statistics ------------------------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static const rt_suggestion *find_sug(const rt_result *r, rt_method m)
{
    for (int i = 0; i < r->nsug; i++)
        if (r->sug[i].method == m)
            return &r->sug[i];
    return NULL;
}

void rt_seed_stats(const rt_result *res, int64_t n, const rt_sweep *sw, rt_seed_stat *out)
{
    double *v = malloc((size_t)(n > 0 ? n : 1) * sizeof *v);
    for (int k = 0; k < sw->nmethods; k++) {
        rt_seed_stat *s = &out[k];
        memset(s, 0, sizeof *s);
        s->method = sw->methods[k];
        s->median = s->min = s->max = s->spread = NAN;
        for (int64_t i = 0; v && i < n; i++) {
            const rt_suggestion *g = find_sug(&res[i], s->method);
            if (g && g->ok && g->rate > 0 && isfinite(g->rate))
                v[s->nok++] = g->rate;
        }
        if (s->nok == 0)
            continue;
        qsort(v, (size_t)s->nok, sizeof *v, cmp_double);
        int h = s->nok / 2;
        s->median = s->nok % 2 ? v[h] : sqrt(v[h - 1] * v[h]);
        s->min = v[0];
        s->max = v[s->nok - 1];
        s->spread = s->max / s->min;
        s->stable = s->nok == n && s->spread <= RT_STABLE_SPREAD;
    }
    free(v);
}

/* ---- the band ------------------------------------------------------------------ */

void rt_band_free(rt_band *b)
{
    free(b->rate);
    free(b->lo);
    free(b->med);
    free(b->hi);
    memset(b, 0, sizeof *b);
}

int rt_band_make(const rt_result *res, int64_t nres, rt_band *b, rt_err *err)
{
    memset(b, 0, sizeof *b);
    int64_t n = nres > 0 ? res[0].n : 0;
    for (int64_t i = 1; i < nres; i++)
        if (res[i].n < n)
            n = res[i].n;
    size_t sz = (size_t)(n > 0 ? n : 1) * sizeof(double);
    b->rate = malloc(sz);
    b->lo = malloc(sz);
    b->med = malloc(sz);
    b->hi = malloc(sz);
    double *col = malloc((size_t)(nres > 0 ? nres : 1) * sizeof *col);
    if (!b->rate || !b->lo || !b->med || !b->hi || !col) {
        free(col);
        rt_band_free(b);
        return rt_errf(err, RT_FAILED, "out of memory for the seed band");
    }
    b->n = n;
    for (int64_t s = 0; s < n; s++) {
        for (int64_t i = 0; i < nres; i++)
            col[i] = res[i].pts[s].smooth;
        qsort(col, (size_t)nres, sizeof *col, cmp_double);
        b->rate[s] = res[0].pts[s].rate;
        b->lo[s] = col[0];
        b->hi[s] = col[nres - 1];
        b->med[s] = nres % 2 ? col[nres / 2] : 0.5 * (col[nres / 2 - 1] + col[nres / 2]);
    }
    free(col);
    return RT_OK;
}

double rt_band_at(const rt_band *b, double rate)
{
    if (b->n == 0)
        return NAN;
    if (rate <= b->rate[0])
        return b->med[0];
    for (int64_t i = 1; i < b->n; i++)
        if (rate <= b->rate[i]) {
            double t = log(rate / b->rate[i - 1]) / log(b->rate[i] / b->rate[i - 1]);
            return b->med[i - 1] + t * (b->med[i] - b->med[i - 1]);
        }
    return b->med[b->n - 1];
}

/* ---- curve.csv and the terminal table --------------------------------------- */

int rt_write_curves_csv(const char *path, const rt_result *res, int64_t n, rt_err *err)
{
    rt_buf b = {0};
    rt_buf_printf(&b, "seed,step,rate,loss,smoothed\n");
    for (int64_t k = 0; k < n; k++)
        for (int64_t i = 0; i < res[k].n; i++) {
            const rt_point *p = &res[k].pts[i];
            rt_buf_printf(&b, "%llu,%lld,", (unsigned long long)res[k].seed, (long long)p->step);
            rt_buf_csv_number(&b, p->rate);
            rt_buf_printf(&b, ",");
            rt_buf_csv_number(&b, p->loss);
            rt_buf_printf(&b, ",");
            rt_buf_csv_number(&b, p->smooth);
            rt_buf_printf(&b, "\n");
        }
    int rc = b.oom ? rt_errf(err, RT_FAILED, "%s: out of memory", path)
                   : rt_write_atomic(path, b.data ? b.data : "", b.len, err);
    rt_buf_free(&b);
    return rc;
}

void rt_print_seed_table(FILE *f, const rt_seed_stat *st, int nst, int64_t nseeds)
{
    fprintf(f, "across %lld seeds (stable: every seed gives a rate and max/min <= %g)\n",
            (long long)nseeds, RT_STABLE_SPREAD);
    for (int k = 0; k < nst; k++) {
        const rt_seed_stat *s = &st[k];
        fprintf(f, "  %-9s ", rt_method_name(s->method));
        if (s->nok == 0) {
            fprintf(f, " no seed gave a rate  unstable\n");
            continue;
        }
        fprintf(f, " median %-9.3g  min %-9.3g  max %-9.3g  spread %-6.3g %s", s->median, s->min, s->max,
                s->spread, s->stable ? "stable" : "unstable");
        if (s->nok < nseeds)
            fprintf(f, " (%d of %lld seeds gave a rate)", s->nok, (long long)nseeds);
        fputc('\n', f);
    }
}
