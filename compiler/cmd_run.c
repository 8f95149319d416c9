/* cmd_run.c — `lrc run`: check the experiment, read its data, JIT-compile
 * the step and hand everything to the runtime's rt_run (the same code a
 * standalone binary runs). SIGINT/SIGTERM stop the test after the current
 * step; what was measured is still written and the exit code is 130/143. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "driver.h"
#include "jit.h"
#include "jit_cache.h"
#include "rt_mpi.h"
#include "rt_run.h"
#include "rt_signal.h"

int cmd_run(session *s) { return drv_run(s, 0); }

/* `parallel data`: compile for the per-rank batch B/K. Returns 0 or an exit code. */
static int data_parallel_plan(session *s, const rt_mpi *mpi)
{
    if (!rt_mpi_built()) {
        fprintf(stderr, "lrc: error: this lrc was built without MPI: data-parallel steps (--data-parallel, "
                        "'parallel data') need an lrc built with MPI (apt-get install libopenmpi-dev; cmake -DLRC_MPI=ON)\n");
        return EXIT_BAD_INPUT;
    }
    int64_t batch = s->e.net.batch, k = mpi->size;
    if (batch % k != 0) {
        fprintf(stderr, "lrc: error: data parallel over %lld ranks needs a batch that divides by %lld, but the batch "
                        "is %lld (--set dataset.batch=%lld)\n", (long long)k, (long long)k, (long long)batch,
                (long long)((batch + k - 1) / k * k));
        return EXIT_BAD_INPUT;
    }
    if (s->e.sweep.validation) {
        fprintf(stderr, "lrc: error: data-parallel runs measure the training loss; 'measure validation' needs a run "
                        "without 'parallel data'\n");
        return EXIT_BAD_INPUT;
    }
    s->e.net.batch = batch / k;   /* every rank compiles for its shard of the global batch */
    s->e.net.split_step = 1;      /* and the step split into lrc_grad + lrc_update */
    plan_layout(&s->e.net);
    return 0;
}

static int run_rank(session *s, int grid, const rt_mpi *mpi, const volatile sig_atomic_t *interrupt);

/* Under mpirun every rank runs this; a rank that fails stops the job
 * (its message first, then MPI_Abort) instead of leaving the others waiting. */
int drv_run(session *s, int grid)
{
    const volatile sig_atomic_t *interrupt = rt_signal_install();
    rt_mpi mpi;
    rt_err err = {0};
    if (rt_mpi_start(&mpi, &err) != 0) {
        fprintf(stderr, "lrc: error: %s\n", err.msg);
        return err.code;
    }
    int rc = run_rank(s, grid, &mpi, interrupt);
    if (rc != 0 && rc != 130 && rc != 143)
        rt_mpi_abort(&mpi, "lrc", rc);
    rt_mpi_finish(&mpi);
    return rc;
}

/* The network is compiled before the data is read: LLVM's working memory
 * (and its code pages, which jit_compile drops) is gone by the time the
 * data set is in memory, so the run's peak is the larger of the two, not
 * their sum. The data can still change the plan (soft labels set
 * y_floats); then the network is compiled again. */
static jit *compile(session *s, lrc_model *model, jit_info *info)
{
    char *msg = NULL, cache[4096];
    jit_options o = {.threads = s->opt->threads};
    if (!s->opt->no_cache && jit_cache_default_dir(cache, sizeof cache))
        o.cache_dir = cache;
    jit *j = jit_compile(&s->e.net, &o, model, info, &msg);
    if (!j) {
        fprintf(stderr, "lrc: error: code generation failed: %s\n", msg ? msg : "unknown error");
        free(msg);
    }
    return j;
}

static int run_rank(session *s, int grid, const rt_mpi *mpi, const volatile sig_atomic_t *interrupt)
{
    int rc = drv_front(s, 0);
    if (rc)
        return rc;
    if (s->e.sweep.data_parallel && (rc = data_parallel_plan(s, mpi)) != 0)
        return rc;
    if (grid && s->e.sweep.ngrid == 0) {
        fprintf(stderr, "lrc: error: grid needs rates: 'grid_rates 1e-4, 1e-3, 1e-2' in the sweep, "
                        "or --rates 1e-4:1:x10\n");
        return EXIT_BAD_INPUT;
    }
    if ((rc = drv_check_memory(s)) != 0)
        return rc;
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    lrc_model model;
    jit_info info;
    jit *j = compile(s, &model, &info);
    if (!j)
        return EXIT_RUN_FAILED;
    double compile_seconds = drv_seconds_since(&t0);
    int64_t y_floats = s->e.net.y_floats;
    if ((rc = drv_data(s)) != 0) {
        jit_free(j);
        return rc;
    }
    if (s->e.net.y_floats != y_floats) {
        jit_free(j);
        clock_gettime(CLOCK_MONOTONIC, &t0);
        if (!(j = compile(s, &model, &info)))
            return EXIT_RUN_FAILED;
        compile_seconds += drv_seconds_since(&t0);
    }
    rt_run_opts o = {.out_dir = s->opt->out_dir, .quiet = s->opt->quiet, .interrupt = interrupt,
                     .threads = s->opt->threads, .grid = grid, .mpi = mpi};
    o.sources = drv_list_sources(s, &o.nsources);
    o.prov.compile_seconds = compile_seconds;
    static const char *const cache_use[] = {[JIT_CACHE_OFF] = "off", [JIT_CACHE_MISS] = "miss", [JIT_CACHE_HIT] = "hit"};
    o.prov.compile_cache = cache_use[info.cache];
    char cpu[256], host[384], overrides[2048];
    rt_host_cpu_model(cpu, sizeof cpu);
    snprintf(host, sizeof host, "%s (%s)", info.cpu, cpu);
    drv_overrides_text(s->opt, overrides, sizeof overrides);
    drv_hash_sources(&s->ls, o.prov.source_sha256);
    o.prov.source_path = s->opt->file;
    o.prov.overrides = overrides;
    o.prov.lrc_version = LRC_VERSION;
    o.prov.llvm_version = info.llvm_version;
    o.prov.host_cpu = host;
    o.prov.target_features = info.features;
    rt_experiment x = {
        .name = s->e.name, .data = s->e.data, .sweep = s->e.sweep, .settings = s->e.settings,
        .nsettings = s->e.nsettings, .params = drv_params(&s->e.net),
        .tensors = s->e.ntensors > 0 ? s->e.tensors : NULL, .ntensors = s->e.ntensors > 0 ? s->e.ntensors : 0,
        .init_from = s->e.init_from,
    };
    rt_err err = {0};
    rc = rt_run(&x, &model, &s->data, &o, &err);
    jit_free(j);
    if (rc != 0) {
        fprintf(stderr, "lrc: error: %s\n", err.msg);
        return rc; /* RT_FAILED (1) or RT_BAD_INPUT (2): the exit codes */
    }
    return rt_signal_exit_code();
}
