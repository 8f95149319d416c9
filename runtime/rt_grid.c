/* rt_grid.c — `lrc grid`: the "range test vs grid search" comparison. From
 * the same initial weights (the sweep's seed), trains a fixed number of
 * steps at each fixed rate, one after the other so each wall time is its
 * own, and writes grid.csv, grid.json and a terminal table beside the range
 * test's suggestions. */
#include "rt_results.h"
#include "rt_mpi.h"

#include <math.h>
#include <string.h>

/* Under mpirun the rates go round the ranks (rate g on rank g % size) and
 * rank 0 gathers the rows; data-parallel, every rank takes part in each. */
int rt_grid_run_mpi(const rt_mpi *mpi, const lrc_model *m, const rt_sweep *sw, const rt_dataset *d,
                    const rt_heldout *val, int threads, const volatile sig_atomic_t *interrupt, rt_grid_row *rows,
                    rt_err *err)
{
    int spread = mpi && mpi->active && mpi->size > 1 && !sw->data_parallel;
    int first = spread ? mpi->rank : 0, stride = spread ? mpi->size : 1;
    for (int g = first; g < sw->ngrid; g += stride) {
        rt_sweep c = *sw;   /* a constant schedule, no stop clause, no suggestions */
        c.schedule = (rt_schedule){.kind = RT_SCHED_LINEAR, .start = sw->grid_rates[g], .end = sw->grid_rates[g],
                                   .steps = sw->grid_steps};
        c.stop.n = 0;
        c.nmethods = 0;
        rt_result r;
        int rc = rt_range_test_dp(m, &c, d, val, sw->data_parallel ? mpi : NULL, threads, interrupt, NULL, &r, err);
        if (rc != RT_OK)
            return rc;
        rows[g] = (rt_grid_row){.rate = sw->grid_rates[g], .steps = r.n, .seconds = r.seconds,
                                .final_loss = r.n ? r.pts[r.n - 1].smooth : NAN,
                                .final_raw = r.n ? r.pts[r.n - 1].loss : NAN};
        rt_result_free(&r);
    }
    return spread ? rt_mpi_gather_grid(mpi, rows, sw->ngrid, err) : RT_OK;
}

static void json_num(rt_buf *b, double v)
{
    if (isfinite(v))
        rt_buf_printf(b, "%.9g", v);
    else
        rt_buf_printf(b, "null");
}

/* The grid rate with the lowest final loss, or -1. */
static int best_row(const rt_grid_row *rows, int n)
{
    int best = -1;
    for (int g = 0; g < n; g++)
        if (isfinite(rows[g].final_loss) && (best < 0 || rows[g].final_loss < rows[best].final_loss))
            best = g;
    return best;
}

static int write_file(const char *dir, const char *name, rt_buf *b, rt_err *err)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    int rc = b->oom ? rt_errf(err, RT_FAILED, "%s: out of memory", path)
                    : rt_write_atomic(path, b->data ? b->data : "", b->len, err);
    rt_buf_free(b);
    return rc;
}

static void print_table(FILE *f, const rt_sweep *sw, const rt_grid_row *rows, const rt_result *r, int best)
{
    double total = 0;
    fprintf(f, "grid: %lld steps at each rate, from the same initial weights (seed %llu)\n",
            (long long)sw->grid_steps, (unsigned long long)sw->seed);
    fprintf(f, "  %-10s  %-12s  %-7s  %s\n", "rate", "final loss", "steps", "seconds");
    for (int g = 0; g < sw->ngrid; g++) {
        fprintf(f, "  %-10.3g  %-12.5g  %-7lld  %.3f%s\n", rows[g].rate, rows[g].final_loss, (long long)rows[g].steps,
                rows[g].seconds, g == best ? "   <- lowest" : "");
        total += rows[g].seconds;
    }
    fprintf(f, "  grid total %.3f s for %d rates; the range test took %.3f s for %lld steps\n", total, sw->ngrid,
            r->seconds, (long long)r->n);
    for (int i = 0; i < r->nsug; i++)
        if (r->sug[i].ok)
            fprintf(f, "  range test %-9s rate %.3g\n", rt_method_name(r->sug[i].method), r->sug[i].rate);
}

int rt_grid_write(const char *dir, const rt_sweep *sw, const rt_grid_row *rows, const rt_result *r,
                  FILE *term, rt_err *err)
{
    int best = best_row(rows, sw->ngrid);
    rt_buf csv = {0}, js = {0};
    rt_buf_printf(&csv, "rate,final_loss,final_raw_loss,steps,seconds\n");
    rt_buf_printf(&js, "{\n  \"grid_steps\": %lld,\n  \"seed\": %llu,\n  \"rates\": [", (long long)sw->grid_steps,
                  (unsigned long long)sw->seed);
    for (int g = 0; g < sw->ngrid; g++) {
        const rt_grid_row *w = &rows[g];
        rt_buf_csv_number(&csv, w->rate);
        rt_buf_printf(&csv, ",");
        rt_buf_csv_number(&csv, w->final_loss);
        rt_buf_printf(&csv, ",");
        rt_buf_csv_number(&csv, w->final_raw);
        rt_buf_printf(&csv, ",%lld,%.6f\n", (long long)w->steps, w->seconds);
        rt_buf_printf(&js, "%s\n    {\"rate\": ", g ? "," : "");
        json_num(&js, w->rate);
        rt_buf_printf(&js, ", \"final_loss\": ");
        json_num(&js, w->final_loss);
        rt_buf_printf(&js, ", \"final_raw_loss\": ");
        json_num(&js, w->final_raw);
        rt_buf_printf(&js, ", \"steps\": %lld, \"seconds\": %.6f}", (long long)w->steps, w->seconds);
    }
    rt_buf_printf(&js, "\n  ],\n  \"best_grid_rate\": ");
    json_num(&js, best >= 0 ? rows[best].rate : NAN);
    rt_buf_printf(&js, ",\n  \"range_test\": {\"steps\": %lld, \"seconds\": %.6f, \"suggestions\": {", (long long)r->n,
                  r->seconds);
    for (int i = 0; i < r->nsug; i++) {
        rt_buf_printf(&js, "%s\"%s\": ", i ? ", " : "", rt_method_name(r->sug[i].method));
        json_num(&js, r->sug[i].ok ? r->sug[i].rate : NAN);
    }
    rt_buf_printf(&js, "}}\n}\n");
    int rc = write_file(dir, "grid.csv", &csv, err);
    if (rc == RT_OK)
        rc = write_file(dir, "grid.json", &js, err);
    rt_buf_free(&csv);
    rt_buf_free(&js);
    if (term)
        print_table(term, sw, rows, r, best);
    return rc;
}
