/* cmd_build.c — `lrc build FILE -o BIN [--cpu native|portable]`: checks the
 * experiment as `lrc run` does (data included), serialises its resolved
 * configuration with the build's provenance (runtime/rt_config.c), emits
 * the module plus that configuration as an object file (aot.c) and links it
 * with the static runtime and the standalone main (runtime/standalone/) into
 * one executable that needs no LLVM. Not here: what the binary does when it
 * runs (runtime/standalone/main.c). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "aot.h"
#include "driver.h"
#include "rt_config.h"

/* Data paths travel as absolute paths, so the binary runs from anywhere. */
static int absolute(arena *a, const char **path)
{
    if (!*path)
        return 0;
    char *abs = realpath(*path, NULL);
    if (!abs) {
        fprintf(stderr, "lrc: error: cannot resolve '%s': %s\n", *path, strerror(errno));
        return -1;
    }
    *path = arena_strdup(a, abs);
    free(abs);
    return 0;
}

/* The configuration text: experiment, sizes, provenance and the sources. */
static int config_text(session *s, const aot_target *t, rt_buf *out)
{
    const plan *p = &s->e.net;
    rt_config c = {0};
    c.x = (rt_experiment){.name = s->e.name, .data = s->e.data, .sweep = s->e.sweep, .settings = s->e.settings,
                          .nsettings = s->e.nsettings, .params = drv_params(p)};
    c.x.tensors = s->e.ntensors > 0 ? s->e.tensors : NULL;
    c.x.ntensors = s->e.ntensors > 0 ? s->e.ntensors : 0;
    c.x.init_from = s->e.init_from;
    if (absolute(&s->a, &c.x.data.path) || absolute(&s->a, &c.x.data.labels) || absolute(&s->a, &c.x.init_from))
        return EXIT_BAD_INPUT;
    char overrides[2048], *src = realpath(s->opt->file, NULL);
    drv_overrides_text(s->opt, overrides, sizeof overrides);
    drv_hash_sources(&s->ls, c.prov.source_sha256);
    c.prov.source_path = src ? src : s->opt->file;
    c.prov.overrides = overrides;
    c.prov.lrc_version = LRC_VERSION;
    c.prov.llvm_version = t->llvm_version;
    c.prov.host_cpu = t->cpu;
    c.prov.target_features = t->portable ? t->check : t->features;
    c.portable = t->portable;
    c.cpu_check = t->check;
    c.shape = (lrc_model){.mem_floats = p->mem_floats, .param_floats = p->n_params, .batch = p->batch,
                          .x_floats = p->in, .y_floats = p->y_floats};
    if (p->loss == PLAN_LOSS_CROSS_ENTROPY && p->nlayers > 0 && p->y_floats == 1)
        c.classes = p->layers[p->nlayers - 1].out; /* class indices: the binary checks its labels */
    c.sources = drv_list_sources(s, &c.nsources);
    rt_err err = {0};
    int rc = rt_config_write(&c, out, &err);
    free(src);
    if (rc)
        fprintf(stderr, "lrc: error: %s\n", err.msg);
    return rc ? EXIT_RUN_FAILED : 0;
}

/* Removes the temporary object and its directory. */
static void clean_temp(const char *dir, const char *obj)
{
    unlink(obj);
    rmdir(dir);
}

static int compile_and_link(session *s, const aot_target *t, const rt_buf *cfg)
{
    char runtime[PATH_MAX], standalone[PATH_MAX], *msg = NULL;
    if (aot_find_libs(runtime, standalone, sizeof runtime, &msg)) {
        fprintf(stderr, "lrc: error: %s\n", msg);
        free(msg);
        return EXIT_RUN_FAILED;
    }
    const char *tmpdir = getenv("TMPDIR");
    char dir[PATH_MAX], obj[PATH_MAX + 16];
    snprintf(dir, sizeof dir, "%s/lrc-build-XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
    if (!mkdtemp(dir)) {
        fprintf(stderr, "lrc: error: cannot create a temporary directory '%s': %s\n", dir, strerror(errno));
        return EXIT_RUN_FAILED;
    }
    snprintf(obj, sizeof obj, "%s/%s.o", dir, s->e.name);
    int rc = 0;
    if (aot_emit_object(&s->e.net, t, cfg->data, cfg->len, obj, &msg)) {
        fprintf(stderr, "lrc: error: code generation failed: %s\n", msg ? msg : "unknown error");
        rc = EXIT_RUN_FAILED;
    } else if (aot_link(obj, runtime, standalone, s->opt->output, &msg)) {
        fprintf(stderr, "lrc: error: %s\n", msg ? msg : "linking failed");
        rc = EXIT_RUN_FAILED;
    }
    free(msg);
    clean_temp(dir, obj);
    return rc;
}

int cmd_build(session *s)
{
    if (!s->opt->output) {
        fprintf(stderr, "lrc: error: lrc build needs the binary's name: lrc build %s -o BIN\n", s->opt->file);
        return EXIT_BAD_INPUT;
    }
    int rc = drv_front(s, 1);
    if (rc)
        return rc;
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    aot_target t;
    char *msg = NULL;
    if (aot_describe_target(s->opt->portable, &t, &msg)) {
        fprintf(stderr, "lrc: error: %s\n", msg ? msg : "no target");
        free(msg);
        return EXIT_RUN_FAILED;
    }
    rt_buf cfg = {0};
    rc = config_text(s, &t, &cfg);
    if (rc == 0)
        rc = compile_and_link(s, &t, &cfg);
    rt_buf_free(&cfg);
    if (rc)
        return rc;
    struct stat st;
    if (stat(s->opt->output, &st) != 0) {
        fprintf(stderr, "lrc: error: the linker wrote no '%s'\n", s->opt->output);
        return EXIT_RUN_FAILED;
    }
    if (!s->opt->quiet)
        printf("built %s (%lld bytes; %s code for %s; %.2f s)\n", s->opt->output, (long long)st.st_size,
               t.portable ? "portable" : "native", t.cpu, drv_seconds_since(&t0));
    return 0;
}
