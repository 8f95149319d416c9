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

#include "rt_test.h"

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

static int write_outputs(const char *dir, const rt_report *rep, rt_err *err)
{
    int rc = rt_make_dirs(dir);
    if (rc != 0)
        return rt_errf(err, RT_FAILED, "cannot create output directory '%s': %s", dir, strerror(rc));
    char path[4200];
    snprintf(path, sizeof path, "%s/curve.csv", dir);
    if ((rc = rt_write_curve_csv(path, rep->result, err)) != 0)
        return rc;
    snprintf(path, sizeof path, "%s/report.json", dir);
    return rt_write_report_json(path, rep, err);
}

int rt_run(const rt_experiment *x, const lrc_model *m, const rt_dataset *data, rt_run_opts *o, rt_err *err)
{
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(o->prov.started_at, sizeof o->prov.started_at, "%Y-%m-%dT%H:%M:%SZ", &tm);
    rt_result res = {0};
    FILE *progress = !o->quiet && isatty(STDERR_FILENO) ? stderr : NULL;
    int rc = rt_range_test(m, &x->sweep, data, o->interrupt, progress, &res, err);
    if (rc != 0) {
        rt_result_free(&res);
        return rc;
    }
    o->prov.run_seconds = res.seconds;
    rt_report rep = {
        .name = x->name, .settings = x->settings, .nsettings = x->nsettings, .prov = &o->prov,
        .sweep = &x->sweep, .result = &res, .params = x->params,
        .mem_bytes = m->mem_floats * (int64_t)sizeof(float), .data_source = data->source, .data_samples = data->n,
    };
    char dir[4096];
    if (o->out_dir)
        snprintf(dir, sizeof dir, "%s", o->out_dir);
    else
        default_out_dir(x->name, dir, sizeof dir);
    rc = write_outputs(dir, &rep, err);
    if (!o->quiet) {
        rt_print_summary(stdout, &rep);
        if (rc == 0)
            printf("wrote %s/curve.csv and %s/report.json\n", dir, dir);
    }
    rt_result_free(&res);
    return rc;
}
