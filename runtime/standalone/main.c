/* standalone/main.c — main() of a binary made by `lrc build`. The binary's
 * object file defines lrc_init/lrc_step/lrc_eval and the experiment's
 * configuration text (runtime/lrc_abi.h); this file reads the text back
 * (rt_config.c), applies the run-time options that do not change shapes,
 * checks that this CPU has the features the code was compiled for, reads
 * the data and hands everything to rt_run — the same run `lrc run` makes.
 * Built into its own static library (lrc_standalone), never into the
 * runtime library. Exit codes as lrc: 0, 1 run failed, 2 bad input, 130/143.
 * Under mpirun (rt_mpi.h) the seeds go round the ranks, rank 0 writes the
 * run, and a rank that fails stops the whole job. */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lrc_abi.h"
#include "rt_config.h"
#include "rt_data.h"
#include "rt_mpi.h"
#include "rt_run.h"
#include "rt_signal.h"

/* Defined by the generated object file. */
extern const char lrc_config_text[];
extern const int64_t lrc_config_size;
void lrc_init(float *mem, uint64_t seed);
float lrc_step(float *mem, const float *x, const float *y, float rate, int32_t t, lrc_rt_pool *pool);
float lrc_eval(float *mem, const float *x, const float *y, lrc_rt_pool *pool);

enum { EXIT_OK = 0, EXIT_FAILED = 1, EXIT_BAD = 2 };
#define MAX_STEPS 10000000   /* as the checker allows */

/* ---- options ------------------------------------------------------------------- */

typedef struct bin_opts {
    const char *prog;
    const char *out_dir, *data, *labels;
    int quiet, help, version;
    int has_seed, has_start, has_end, has_decay, has_steps, has_diverge, has_seeds;
    int64_t seeds;
    uint64_t seed;
    double start, end, decay, diverge;
    int64_t steps;
    char given[1024];         /* the run-time options as typed, for the report */
} bin_opts;

static void note_given(bin_opts *o, const char *opt, const char *val)
{
    size_t n = strlen(o->given);
    snprintf(o->given + n, sizeof o->given - n, "%s%s%s%s", n ? " " : "", opt, val ? " " : "", val ? val : "");
}

static int bad_value(const bin_opts *o, const char *opt, const char *val, const char *want)
{
    fprintf(stderr, "%s: error: %s takes %s, got '%s'\n", o->prog, opt, want, val);
    return 0;
}

static int parse_real(const bin_opts *o, const char *opt, const char *val, double lo, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(val, &end);
    if (end == val || *end || errno || !isfinite(v) || v <= lo) {
        char want[64];
        snprintf(want, sizeof want, "a number above %g", lo);
        return bad_value(o, opt, val, want);
    }
    *out = v;
    return 1;
}

static int parse_int(const bin_opts *o, const char *opt, const char *val, int64_t lo, int64_t hi, int64_t *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(val, &end, 10);
    if (end == val || *end || errno || v < lo || v > hi) {
        char want[96];
        snprintf(want, sizeof want, "a whole number from %lld to %lld", (long long)lo, (long long)hi);
        return bad_value(o, opt, val, want);
    }
    *out = v;
    return 1;
}

/* One option with a value; returns 1, or 0 after printing an error. */
static int set_option(bin_opts *o, const rt_config *c, const char *opt, const char *val)
{
    int64_t n;
    if (!strcmp(opt, "--out")) {
        o->out_dir = val;
        return 1; /* not recorded: where the files go is not part of the experiment */
    }
    note_given(o, opt, val);
    if (!strcmp(opt, "--data"))
        o->data = val;
    else if (!strcmp(opt, "--labels"))
        o->labels = val;
    else if (!strcmp(opt, "--seed")) {
        if (!parse_int(o, opt, val, 0, INT64_MAX, &n))
            return 0;
        o->seed = (uint64_t)n;
        o->has_seed = 1;
    } else if (!strcmp(opt, "--seeds"))
        return (o->has_seeds = parse_int(o, opt, val, 1, 4096, &o->seeds));
    else if (!strcmp(opt, "--start-rate"))
        return (o->has_start = parse_real(o, opt, val, 0, &o->start));
    else if (!strcmp(opt, "--end-rate"))
        return (o->has_end = parse_real(o, opt, val, 0, &o->end));
    else if (!strcmp(opt, "--decay-rate"))
        return (o->has_decay = parse_real(o, opt, val, 1, &o->decay));
    else if (!strcmp(opt, "--diverge"))
        return (o->has_diverge = parse_real(o, opt, val, 1, &o->diverge));
    else if (!strcmp(opt, "--steps"))
        return (o->has_steps = parse_int(o, opt, val, 2, MAX_STEPS, &o->steps));
    else if (!strcmp(opt, "--batch")) {
        fprintf(stderr, "%s: error: the batch size (%lld) is compiled into this binary; rebuild it with "
                "`lrc build %s --set dataset.batch=%s -o %s`\n", o->prog, (long long)c->shape.batch,
                c->prov.source_path ? c->prov.source_path : "FILE.lrf", val, o->prog);
        return 0;
    } else
        return -1;
    return 1;
}

/* --set KEY=VALUE: the sweep settings that have a run-time option map to
 * it; everything else is compiled in. */
static int set_override(bin_opts *o, const rt_config *c, const char *kv)
{
    static const struct { const char *key, *opt; } map[] = {
        {"sweep.seed", "--seed"}, {"sweep.start_rate", "--start-rate"}, {"sweep.end_rate", "--end-rate"},
        {"sweep.decay_rate", "--decay-rate"}, {"sweep.steps", "--steps"}, {"dataset.batch", "--batch"},
    };
    const char *eq = strchr(kv, '=');
    size_t klen = eq ? (size_t)(eq - kv) : strlen(kv);
    for (size_t i = 0; eq && i < sizeof map / sizeof map[0]; i++)
        if (strlen(map[i].key) == klen && !strncmp(kv, map[i].key, klen))
            return set_option(o, c, map[i].opt, eq + 1);
    fprintf(stderr, "%s: error: '%.*s' is compiled into this binary (only the seed, the rates, the steps, the stop "
            "factor and the data files can change at run time); rebuild it with `lrc build %s --set %s -o %s`\n",
            o->prog, (int)klen, kv, c->prov.source_path ? c->prov.source_path : "FILE.lrf", kv, o->prog);
    return 0;
}

static int parse_args(int argc, char **argv, bin_opts *o, const rt_config *c)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            o->help = 1;
            continue;
        }
        if (!strcmp(a, "--version")) {
            o->version = 1;
            continue;
        }
        if (!strcmp(a, "--data-parallel")) {
            fprintf(stderr, "%s: error: --data-parallel: a binary's batch (%lld) is compiled in, for one process; "
                    "data-parallel steps run with `mpirun -n K lrc run %s --data-parallel`\n", o->prog,
                    (long long)c->shape.batch, c->prov.source_path ? c->prov.source_path : "FILE.lrf");
            return 0;
        }
        if (!strcmp(a, "--quiet") || !strcmp(a, "-q")) {
            o->quiet = 1;
            continue;
        }
        const char *val = NULL;
        char name[64];
        const char *eq = strchr(a, '=');
        if (!strncmp(a, "--", 2) && eq && (size_t)(eq - a) < sizeof name && strncmp(a, "--set", 5) != 0) {
            snprintf(name, sizeof name, "%.*s", (int)(eq - a), a); /* --opt=value */
            val = eq + 1;
            a = name;
        } else if (i + 1 < argc)
            val = argv[i + 1];
        int rc;
        if (!strcmp(a, "--set") || !strncmp(a, "--set=", 6)) {
            const char *kv = a[5] == '=' ? a + 6 : val;
            if (!kv) {
                fprintf(stderr, "%s: error: --set takes KIND.KEY=VALUE\n", o->prog);
                return 0;
            }
            if (a[5] != '=')
                i++;
            if (!set_override(o, c, kv))
                return 0;
            continue;
        }
        if (a[0] != '-' || !val)
            rc = -1;
        else
            rc = set_option(o, c, a, val);
        if (rc < 0) {
            fprintf(stderr, "%s: error: unknown option '%s'%s (try --help)\n", o->prog, argv[i],
                    a[0] == '-' && !val ? " or it needs a value" : "");
            return 0;
        }
        if (rc == 0)
            return 0;
        if (a != name)
            i++;
    }
    return 1;
}

/* ---- help and version --------------------------------------------------------- */

static const char *or_none(const char *s) { return s && *s ? s : "(none)"; }

static const char *stop_text(const rt_stop *st, char *buf, size_t len)
{
    size_t n = 0;
    buf[0] = '\0';
    for (int i = 0; i < st->n && n < len; i++)
        n += (size_t)snprintf(buf + n, len - n, "%s%s", i ? " or " : "", st->clause[i].text);
    return buf[0] ? buf : "(none)";
}

static void print_help(const bin_opts *o, const rt_config *c)
{
    char stop[RT_STOP_MAX_CLAUSES * 170];
    const rt_schedule *sc = &c->x.sweep.schedule;
    int endform = sc->kind == RT_SCHED_LINEAR || sc->end > 0;
    printf("usage: %s [options]\n\n"
           "The learning-rate range test '%s', compiled by lrc %s from %s.\n"
           "Compiled in: the network, loss and optimizer, batch %lld, %lld input floats per sample\n"
           "(to change them, edit the file or rebuild with `lrc build FILE --set dataset.batch=N -o BIN`).\n\n"
           "options:\n"
           "  --out DIR          where to write curve.csv and report.json\n"
           "                     (default: runs/%s-<date>-<time>/)\n"
           "  --data PATH        read this data file instead (same format and shape)\n"
           "                     (default: %s)\n"
           "  --labels PATH      idx/npy data: the labels file (default: %s)\n"
           "  --seed N           initialisation and shuffling (default: %llu)\n"
           "  --seeds N          N tests on seed, seed+1, ... (threads; under mpirun, seed i on rank i mod K)\n"
           "  --start-rate R     the first rate (default: %g)\n",
           o->prog, c->x.name, or_none(c->prov.lrc_version), or_none(c->prov.source_path),
           (long long)c->shape.batch, (long long)c->shape.x_floats, c->x.name, or_none(c->x.data.path),
           or_none(c->x.data.labels), (unsigned long long)c->x.sweep.seed, sc->start);
    if (endform)
        printf("  --end-rate R       the last rate (default: %g)\n", sc->end);
    else
        printf("  --decay-rate F     the rate grows by F every %g steps (default: %g)\n", sc->decay_steps,
               sc->decay_rate);
    printf("  --steps N          the schedule's length (default: %lld)\n"
           "  --diverge F        stop when diverges(F) instead of: %s\n"
           "  --set KEY=VALUE    the same as the options above for sweep.seed, sweep.start_rate,\n"
           "                     sweep.end_rate, sweep.decay_rate and sweep.steps\n"
           "  --quiet            print no summary and no progress\n"
           "  --help, --version\n\n"
           "exit codes: 0 ok, 1 the run failed, 2 bad input, 130/143 interrupted\n",
           (long long)sc->steps, stop_text(&c->x.sweep.stop, stop, sizeof stop));
}

static int cpu_supports(const char *f);

/* The features of the check list that start-up tests, "+avx2,+fma,...". */
static void checked_features(const rt_config *c, char *out, size_t len)
{
    char list[4096], *save = NULL;
    size_t n = 0;
    out[0] = '\0';
    snprintf(list, sizeof list, "%s", c->cpu_check ? c->cpu_check : "");
    for (char *tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
        if (tok[0] == '+' && cpu_supports(tok + 1) >= 0 && n < len)
            n += (size_t)snprintf(out + n, len - n, "%s%s", n ? "," : "", tok);
}

static void print_version(const bin_opts *o, const rt_config *c)
{
    char needs[1024];
    checked_features(c, needs, sizeof needs);
    printf("%s: range test '%s' built by lrc %s (LLVM %s)\n", o->prog, c->x.name, or_none(c->prov.lrc_version),
           or_none(c->prov.llvm_version));
    printf("code: %s, for %s (needs %s)\n", c->portable ? "portable" : "native", or_none(c->prov.host_cpu),
           or_none(needs));
    printf("source: %s (sha256 %s)\n", or_none(c->prov.source_path), c->prov.source_sha256);
    printf("built with: %s\n", or_none(c->prov.overrides));
}

/* ---- the CPU check ------------------------------------------------------------- */

/* 1: this CPU has the feature, 0: it lacks it, -1: not a feature we can test. */
static int cpu_supports(const char *f)
{
#if defined(__x86_64__) && defined(__GNUC__)
#define T(name) if (!strcmp(f, name)) return __builtin_cpu_supports(name) != 0;
    T("sse4.1") T("sse4.2") T("popcnt") T("avx") T("avx2") T("fma") T("fma4") T("xop") T("f16c")
    T("bmi") T("bmi2") T("lzcnt") T("movbe") T("avx512f") T("avx512bw") T("avx512cd") T("avx512dq")
    T("avx512vl") T("avx512vbmi") T("avx512vbmi2") T("avx512vnni") T("avx512bitalg")
    T("avx512vpopcntdq") T("avx512ifma") T("avx512bf16") T("avx512fp16") T("avxvnni") T("gfni")
    T("vpclmulqdq") T("vaes")
#undef T
#else
    (void)f;
#endif
    return -1;
}

/* Refuses (returns 0) when this CPU lacks a feature the code was built for. */
static int check_cpu(const bin_opts *o, const rt_config *c)
{
#if defined(__x86_64__) && defined(__GNUC__)
    __builtin_cpu_init();
    char missing[512] = "", list[4096];
    snprintf(list, sizeof list, "%s", c->cpu_check ? c->cpu_check : "");
    char *save = NULL;
    for (char *tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        if (tok[0] != '+' || cpu_supports(tok + 1) != 0)
            continue;
        size_t n = strlen(missing);
        snprintf(missing + n, sizeof missing - n, "%s%s", n ? ", " : "", tok + 1);
    }
    if (missing[0]) {
        fprintf(stderr, "%s: error: this binary holds %s code for %s, and this CPU lacks %s; rebuild it on this "
                "machine (lrc build FILE -o BIN) or with --cpu portable\n", o->prog,
                c->portable ? "portable" : "native", or_none(c->prov.host_cpu), missing);
        return 0;
    }
#else
    (void)o;
    (void)c;
#endif
    return 1;
}

/* ---- applying the run-time options --------------------------------------------- */

typedef struct new_values {
    char seed[32], seeds[32], start[32], end[32], decay[32], steps[32], stop[sizeof(((rt_stop_clause *)0)->text)];
} new_values;

static void update_setting(rt_config *c, const char *key, const char *value)
{
    rt_setting *s = rt_config_setting(c, key);
    if (s)
        s->value = value;
}

/* Returns 1, or 0 after printing why an option does not fit this sweep. */
static int apply_options(const bin_opts *o, rt_config *c, new_values *nv)
{
    rt_sweep *sw = &c->x.sweep;
    rt_schedule *sc = &sw->schedule;
    int endform = sc->kind == RT_SCHED_LINEAR || sc->end > 0;
    if (o->has_end && !endform) {
        fprintf(stderr, "%s: error: --end-rate: this sweep has the TensorFlow form (start_rate, decay_rate, "
                "decay_steps); use --decay-rate and --steps\n", o->prog);
        return 0;
    }
    if (o->has_decay && endform) {
        fprintf(stderr, "%s: error: --decay-rate: this sweep goes from start_rate to end_rate; use --end-rate\n",
                o->prog);
        return 0;
    }
    if (o->has_seed) {
        sw->seed = o->seed;
        snprintf(nv->seed, sizeof nv->seed, "%llu", (unsigned long long)o->seed);
        update_setting(c, "sweep.seed", nv->seed);
    }
    if (o->has_seeds) {
        sw->seeds = o->seeds;
        snprintf(nv->seeds, sizeof nv->seeds, "%lld", (long long)o->seeds);
        update_setting(c, "sweep.seeds", nv->seeds);
    }
    if (o->has_start) {
        sc->start = o->start;
        snprintf(nv->start, sizeof nv->start, "%.17g", o->start);
        update_setting(c, "sweep.start_rate", nv->start);
    }
    if (o->has_end) {
        sc->end = o->end;
        snprintf(nv->end, sizeof nv->end, "%.17g", o->end);
        update_setting(c, "sweep.end_rate", nv->end);
    }
    if (o->has_decay) {
        sc->decay_rate = o->decay;
        snprintf(nv->decay, sizeof nv->decay, "%.17g", o->decay);
        update_setting(c, "sweep.decay_rate", nv->decay);
    }
    if (o->has_steps) {
        sc->steps = o->steps;
        snprintf(nv->steps, sizeof nv->steps, "%lld", (long long)o->steps);
        update_setting(c, "sweep.steps", nv->steps);
    }
    if (endform && sc->end <= sc->start) {
        fprintf(stderr, "%s: error: the end rate (%g) must be above the start rate (%g)\n", o->prog, sc->end,
                sc->start);
        return 0;
    }
    if (sc->kind == RT_SCHED_EXP && endform && (o->has_start || o->has_end || o->has_steps)) {
        sc->decay_rate = sc->end / sc->start;   /* as the checker computes the start/end form */
        sc->decay_steps = (double)(sc->steps - 1);
    }
    if (o->has_diverge) {
        rt_stop_clause *cl = &sw->stop.clause[0];
        memset(&sw->stop, 0, sizeof sw->stop);
        sw->stop.n = 1;
        snprintf(cl->text, sizeof cl->text, "diverges(%g)", o->diverge);
        /* loss > best + (F - 1) * |best|, as the checker compiles diverges(F) */
        const rt_insn code[] = {
            {RT_OP_VAR, RT_VAR_LOSS, 0}, {RT_OP_VAR, RT_VAR_BEST, 0}, {RT_OP_NUM, 0, o->diverge - 1},
            {RT_OP_VAR, RT_VAR_BEST, 0}, {RT_OP_ABS, 0, 0}, {RT_OP_MUL, 0, 0}, {RT_OP_ADD, 0, 0},
            {RT_OP_GT, 0, 0},
        };
        cl->n = (int)(sizeof code / sizeof code[0]);
        memcpy(cl->code, code, sizeof code);
        snprintf(nv->stop, sizeof nv->stop, "%s", cl->text);
        update_setting(c, "sweep.stop", nv->stop);
    }
    return 1;
}

/* The data: the compiled-in spec with --data/--labels, read and checked
 * against the compiled shapes. Returns 0 or an exit code. */
static int load_data(const bin_opts *o, rt_config *c, rt_dataset *d)
{
    rt_data_spec *spec = &c->x.data;
    int has_files = spec->path != NULL, has_labels = spec->labels != NULL;
    if ((o->data && !has_files) || (o->labels && !has_labels)) {
        fprintf(stderr, "%s: error: %s: this experiment's data set %s\n", o->prog, o->data && !has_files ? "--data" : "--labels",
                has_files ? "has no separate labels file" : "is generated, not read from a file");
        return EXIT_BAD;
    }
    if (o->data)
        spec->path = o->data;
    if (o->labels)
        spec->labels = o->labels;
    rt_err err = {0};
    if (rt_data_load(spec, d, &err) != 0) {
        fprintf(stderr, "%s: error: %s\n", o->prog, err.msg);
        return err.code == RT_FAILED ? EXIT_FAILED : EXIT_BAD;
    }
    if (d->features != c->shape.x_floats) {
        fprintf(stderr, "%s: error: %s has %lld features per sample, but the network compiled into this binary "
                "takes %lld\n", o->prog, d->source, (long long)d->features, (long long)c->shape.x_floats);
        return EXIT_BAD;
    }
    if (d->targets != c->shape.y_floats) {
        fprintf(stderr, "%s: error: %s has %lld target floats per sample, but this binary was compiled for %lld\n",
                o->prog, d->source, (long long)d->targets, (long long)c->shape.y_floats);
        return EXIT_BAD;
    }
    if (c->classes > 0 && (!d->labels_integral || d->classes > c->classes)) {
        fprintf(stderr, "%s: error: %s must have integer class labels below %lld (it has %s%lld classes)\n",
                o->prog, d->source, (long long)c->classes, d->labels_integral ? "" : "non-integer labels or ",
                (long long)d->classes);
        return EXIT_BAD;
    }
    return 0;
}

/* ---- main ---------------------------------------------------------------------- */

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

static int run(const bin_opts *o, rt_config *c, const rt_mpi *mpi, const volatile sig_atomic_t *interrupt)
{
    rt_dataset data = {0};
    int rc = load_data(o, c, &data);
    if (rc) {
        rt_data_free(&data);
        return rc;
    }
    lrc_model model = c->shape;
    model.init = lrc_init;
    model.step = lrc_step;
    model.eval = lrc_eval;
    char cpu[256], host[384], overrides[2400];
    rt_host_cpu_model(cpu, sizeof cpu);
    snprintf(host, sizeof host, "%s (%s)", or_none(c->prov.host_cpu), cpu);
    snprintf(overrides, sizeof overrides, "%s%s%s%s", c->prov.overrides ? c->prov.overrides : "",
             c->prov.overrides && *c->prov.overrides && o->given[0] ? " " : "", o->given[0] ? "(run) " : "",
             o->given);
    rt_run_opts ro = {.out_dir = o->out_dir, .quiet = o->quiet, .interrupt = interrupt, .prov = c->prov, .mpi = mpi,
                      .sources = c->sources, .nsources = c->nsources};
    ro.prov.host_cpu = host;
    ro.prov.overrides = overrides;
    ro.prov.compile_seconds = 0; /* compiled ahead of time */
    rt_err err = {0};
    rc = rt_run(&c->x, &model, &data, &ro, &err);
    rt_data_free(&data);
    if (rc) {
        fprintf(stderr, "%s: error: %s\n", o->prog, err.msg);
        return rc;
    }
    return rt_signal_exit_code();
}

int main(int argc, char **argv)
{
    const volatile sig_atomic_t *interrupt = rt_signal_install();
    bin_opts o = {.prog = argc > 0 ? base_name(argv[0]) : "lrc-binary"};
    rt_config c = {0};
    rt_err err = {0};
    if (lrc_config_size < 0 || rt_config_read(lrc_config_text, (size_t)lrc_config_size, &c, &err) != 0) {
        fprintf(stderr, "%s: error: %s\n", o.prog, err.msg[0] ? err.msg : "bad embedded configuration");
        rt_config_free(&c);
        return EXIT_FAILED;
    }
    rt_mpi mpi;   /* under mpirun: started before anything can fail, so that a failure stops every rank */
    if (rt_mpi_start(&mpi, &err) != 0) {
        fprintf(stderr, "%s: error: %s\n", o.prog, err.msg);
        rt_config_free(&c);
        return err.code;
    }
    int rc = EXIT_OK;
    new_values nv;
    if (!parse_args(argc, argv, &o, &c))
        rc = EXIT_BAD;
    else if (o.help && mpi.rank == 0)
        print_help(&o, &c);
    else if (o.version && mpi.rank == 0)
        print_version(&o, &c);
    else if (o.help || o.version)
        ;
    else if (!check_cpu(&o, &c))
        rc = EXIT_FAILED;
    else if (!apply_options(&o, &c, &nv))
        rc = EXIT_BAD;
    else
        rc = run(&o, &c, &mpi, interrupt);
    rt_config_free(&c);
    if (rc != EXIT_OK && rc != 130 && rc != 143)
        rt_mpi_abort(&mpi, o.prog, rc);
    rt_mpi_finish(&mpi);
    return rc;
}
