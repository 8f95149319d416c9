/* rt_run.c — one whole run: the range test, the run directory, the files
 * and the summary. See rt_run.h. */
#include "rt_run.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "rt_measure.h"
#include "rt_mpi.h"
#include "rt_test.h"
#include "rt_weights.h"

int rt_make_dirs(const char *path)
{
    char buf[4096];
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf)
        return ENAMETOOLONG;
    for (char *p = buf + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            if (mkdir(buf, 0777) != 0 && errno != EEXIST)
                return errno;
            *p = '/';
        }
    if (mkdir(buf, 0777) != 0 && errno != EEXIST)
        return errno;
    return 0;
}

/* runs/<name>-<UTC stamp>, with -2, -3, ... when that exists already. */
static void default_out_dir(const char *name, char *dir, size_t len)
{
    char stamp[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
    snprintf(dir, len, "runs/%s-%s", name, stamp);
    struct stat st;
    for (int k = 2; stat(dir, &st) == 0; k++)
        snprintf(dir, len, "runs/%s-%s-%d", name, stamp, k);
}

static int write_outputs(const char *dir, const rt_report *rep, const rt_experiment *x, const rt_measured *ms,
                         const rt_run_opts *o, char *written, size_t len, rt_err *err)
{
    int rc = rt_make_dirs(dir);
    if (rc != 0)
        return rt_errf(err, RT_FAILED, "cannot create output directory '%s': %s", dir, strerror(rc));
    if ((rc = rt_measured_write(dir, x, ms, o, written, len, err)) != 0)
        return rc;
    char path[4200];
    snprintf(path, sizeof path, "%s/report.json", dir);
    snprintf(written + strlen(written), len - strlen(written), ", report.json");
    return rt_write_report_json(path, rep, err);
}

/* lrc grid: the fixed rates from the same initial weights, then grid.csv/json. */
static int run_grid(const char *dir, const rt_experiment *x, const lrc_model *m, const rt_dataset *train,
                    const rt_measured *ms, const rt_run_opts *o, rt_err *err)
{
    rt_grid_row rows[RT_GRID_MAX];
    int rc = rt_grid_run_mpi(o->mpi, m, &x->sweep, train, ms->has_val ? &ms->val : NULL, ms->cores, o->interrupt,
                             rows, err);
    if (rc == 0 && dir)   /* NULL: a rank other than 0 */
        rc = rt_grid_write(dir, &x->sweep, rows, &ms->res[0], o->quiet ? NULL : stdout, err);
    return rc;
}

/* Under mpirun: the report's "mpi" member and the summary's line. */
static void mpi_report(const rt_mpi *mpi, const rt_measured *ms, const rt_sweep *sw, int64_t floats, rt_buf *extra,
                       FILE *term)
{
    const rt_result *r = &ms->res[0];
    double steps = r->n > 0 ? (double)r->n : 1.0;
    if (!sw->data_parallel) {
        rt_buf_printf(extra, ",\n  \"mpi\": {\"ranks\": %d, \"mode\": \"seeds\"}", mpi->size);
        if (term)
            fprintf(term, "mpi          %d ranks: seed i (and grid rate i) on rank i mod %d\n", mpi->size, mpi->size);
        return;
    }
    rt_buf_printf(extra, ",\n  \"mpi\": {\"ranks\": %d, \"mode\": \"data\", \"comm_seconds\": %.6f, "
                         "\"comm_seconds_per_step\": %.9g, \"comm_floats_per_step\": %lld}",
                  mpi->size, r->comm_seconds, r->comm_seconds / steps, (long long)floats);
    if (term)
        fprintf(term, "mpi          %d ranks, data parallel: %.3g ms communicating of %.3g ms per step\n", mpi->size,
                1e3 * r->comm_seconds / steps, 1e3 * r->step_seconds / steps);
}

int rt_run(const rt_experiment *x, const lrc_model *m, const rt_dataset *data, rt_run_opts *o, rt_err *err)
{
    int root = !o->mpi || o->mpi->rank == 0;
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(o->prov.started_at, sizeof o->prov.started_at, "%Y-%m-%dT%H:%M:%SZ", &tm);
    float *init = NULL; /* the starting weights, for init.safetensors and `init from` */
    int wrc = rt_weights_initial(x, m, &init, err);
    if (wrc != 0)
        return wrc;
    lrc_model start = *m;
    start.init_params = x->init_from ? init : NULL;
    m = &start;
    FILE *progress = root && !o->quiet && isatty(STDERR_FILENO) ? stderr : NULL;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    rt_measured ms;
    int rc = rt_measure(x, m, data, o, progress, &ms, err);
    if (rc != 0) {
        rt_measured_free(&ms);
        free(init);
        return rc;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (o->mpi && o->mpi->active && (rc = rt_mpi_bcast_int(o->mpi, &ms.interrupted, err)) == 0 && !root) {
        /* another rank: its part of the grid, then nothing to write or print */
        if (o->grid && !ms.interrupted)
            rc = run_grid(NULL, x, m, rt_measured_train(&ms, data), &ms, o, err);
        rt_measured_free(&ms);
        free(init);
        return rc;
    }
    if (rc != 0) {
        rt_measured_free(&ms);
        free(init);
        return rc;
    }
    o->prov.run_seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;
    rt_buf extra = {0};
    rt_measured_json(&ms, &x->sweep, &extra);
    if (o->mpi && (o->mpi->active || x->sweep.data_parallel))
        mpi_report(o->mpi, &ms, &x->sweep, m->param_floats + 2, &extra, NULL);
    const rt_dataset *train = rt_measured_train(&ms, data);
    rt_report rep = {
        .name = x->name, .settings = x->settings, .nsettings = x->nsettings, .prov = &o->prov,
        .sweep = &x->sweep, .result = &ms.res[0], .params = x->params,
        .mem_bytes = m->mem_floats * (int64_t)sizeof(float), .data_source = data->source, .data_samples = train->n,
        .extra_json = extra.oom ? NULL : extra.data,
    };
    char dir[4096], written[1024];
    if (o->out_dir)
        snprintf(dir, sizeof dir, "%s", o->out_dir);
    else
        default_out_dir(x->name, dir, sizeof dir);
    rc = write_outputs(dir, &rep, x, &ms, o, written, sizeof written, err);
    if (rc == 0 && init && (rc = rt_weights_write_init(dir, x, init, err)) == 0)
        snprintf(written + strlen(written), sizeof written - strlen(written), ", init.safetensors");
    free(init);
    if (!o->quiet) {
        rt_print_summary(stdout, &rep);
        rt_measured_print(stdout, &ms, &x->sweep);
        if (o->mpi && (o->mpi->active || x->sweep.data_parallel)) {
            rt_buf ignored = {0};
            mpi_report(o->mpi, &ms, &x->sweep, m->param_floats + 2, &ignored, stdout);
            rt_buf_free(&ignored);
        }
    }
    if (rc == 0 && o->grid && !ms.interrupted)
        rc = run_grid(dir, x, m, train, &ms, o, err);
    if (!o->quiet && rc == 0)
        printf("wrote %s/%s%s\n", dir, written, o->grid && !ms.interrupted ? ", grid.csv, grid.json" : "");
    rt_buf_free(&extra);
    rt_measured_free(&ms);
    return rc;
}
