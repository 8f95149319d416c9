/* cmd_run.c — `lrc run`: compile the experiment, run the range test, write
 * curve.csv and report.json into the run directory and print the summary.
 * SIGINT/SIGTERM stop the test after the current step; what was measured is
 * still written and the exit code is 130/143. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "driver.h"
#include "jit.h"
#include "rt_report.h"
#include "rt_test.h"

/* ---- signals: the one piece of process-wide state a C program cannot avoid */
static volatile sig_atomic_t g_signal;

static void on_signal(int sig) { g_signal = sig; }

static void install_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

static char *default_out_dir(const char *name)
{
    char stamp[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
    char *dir = malloc(strlen(name) + 64);
    sprintf(dir, "runs/%s-%s", name, stamp);
    struct stat st;
    for (int k = 2; stat(dir, &st) == 0; k++)
        sprintf(dir, "runs/%s-%s-%d", name, stamp, k);
    return dir;
}

static int write_outputs(const char *dir, const rt_report *rep, rt_err *err)
{
    int rc = drv_make_dirs(dir);
    if (rc != 0)
        return rt_errf(err, RT_FAILED, "cannot create output directory '%s': %s", dir, strerror(rc));
    char path[4200];
    snprintf(path, sizeof path, "%s/curve.csv", dir);
    if ((rc = rt_write_curve_csv(path, rep->result, err)) != 0)
        return rc;
    snprintf(path, sizeof path, "%s/report.json", dir);
    return rt_write_report_json(path, rep, err);
}

int cmd_run(session *s)
{
    int rc = drv_front(s, 1);
    if (rc)
        return rc;
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    lrc_model model;
    jit_info info;
    char *msg = NULL;
    jit *j = jit_compile(&s->e.net, &model, &info, &msg);
    if (!j) {
        fprintf(stderr, "lrc: error: code generation failed: %s\n", msg ? msg : "unknown error");
        free(msg);
        return EXIT_RUN_FAILED;
    }
    double compile_seconds = drv_seconds_since(&t0);

    rt_provenance prov = {0};
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(prov.started_at, sizeof prov.started_at, "%Y-%m-%dT%H:%M:%SZ", &tm);
    install_signals();
    rt_result res = {0};
    rt_err err = {0};
    FILE *progress = !s->opt->quiet && isatty(STDERR_FILENO) ? stderr : NULL;
    rc = rt_range_test(&model, &s->e.sweep, &s->data, &g_signal, progress, &res, &err);
    if (rc != 0) {
        fprintf(stderr, "lrc: error: %s\n", err.msg);
        jit_free(j);
        rt_result_free(&res);
        return rc;
    }

    char cpu[256], host[384], overrides[2048];
    rt_host_cpu_model(cpu, sizeof cpu);
    snprintf(host, sizeof host, "%s (%s)", info.cpu, cpu);
    drv_overrides_text(s->opt, overrides, sizeof overrides);
    drv_hash_sources(&s->ls, prov.source_sha256);
    prov.source_path = s->opt->file;
    prov.overrides = overrides;
    prov.lrc_version = LRC_VERSION;
    prov.llvm_version = info.llvm_version;
    prov.host_cpu = host;
    prov.target_features = info.features;
    prov.compile_seconds = compile_seconds;
    prov.run_seconds = res.seconds;
    rt_report rep = {
        .name = s->e.name, .settings = s->e.settings, .nsettings = s->e.nsettings, .prov = &prov,
        .sweep = &s->e.sweep, .result = &res, .params = drv_params(&s->e.net),
        .mem_bytes = model.mem_floats * (int64_t)sizeof(float), .data_source = s->data.source,
        .data_samples = s->data.n,
    };
    char *dir = s->opt->out_dir ? strdup(s->opt->out_dir) : default_out_dir(s->e.name);
    rc = write_outputs(dir, &rep, &err);
    if (rc != 0)
        fprintf(stderr, "lrc: error: %s\n", err.msg);
    if (!s->opt->quiet) {
        rt_print_summary(stdout, &rep);
        if (rc == 0)
            printf("wrote %s/curve.csv and %s/report.json\n", dir, dir);
    }
    free(dir);
    rt_result_free(&res);
    jit_free(j);
    if (rc != 0)
        return EXIT_RUN_FAILED;
    return g_signal == SIGINT ? 130 : g_signal == SIGTERM ? 143 : 0;
}

