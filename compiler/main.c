/* main.c — the lrc command line: parses arguments and runs the pipeline
 *   load (imports) -> sema (checks) -> data -> plan -> codegen + JIT -> range test -> outputs
 * Exit codes: 0 success, 1 the run failed, 2 bad input (with its location),
 * 130/143 interrupted by SIGINT/SIGTERM (what was measured is written). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ast.h"
#include "diag.h"
#include "jit.h"
#include "load.h"
#include "rt_report.h"
#include "rt_test.h"
#include "sema.h"

enum { EXIT_RUN_FAILED = 1, EXIT_BAD_INPUT = 2 };

#define MAX_OVERRIDES 64

typedef struct options {
    const char *command;
    const char *file;
    const char *out_dir;
    sema_override ovr[MAX_OVERRIDES];
    int novr;
    int quiet;
    int unoptimized;     /* emit-llvm -O0 */
} options;

static const char usage[] =
    "usage: lrc <command> FILE.lrf [options]\n"
    "\n"
    "commands:\n"
    "  run        compile the experiment and run the learning-rate range test\n"
    "  check      parse and check; print layers, shapes, parameters and memory\n"
    "  emit-llvm  print the generated LLVM module (optimised; -O0 for the raw one)\n"
    "  dump-ast   print the syntax tree\n"
    "\n"
    "options:\n"
    "  --out DIR          where `run` writes curve.csv and report.json\n"
    "                     (default: runs/<name>-<date>-<time>/)\n"
    "  --set KIND.KEY=V   override a setting, e.g. --set sweep.start_rate=1e-6\n"
    "  --seed N           the same as --set sweep.seed=N\n"
    "  --quiet            print no summary and no progress\n"
    "  -O0                emit-llvm: the module before optimisation\n"
    "  --help, --version\n"
    "\n"
    "exit codes: 0 ok, 1 the run failed, 2 bad input, 130/143 interrupted\n"
    "environment: LRC_STDLIB overrides where `import \"std/...\"` looks\n";

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

/* ---- arguments ----------------------------------------------------------------- */

static int add_override(options *o, const char *arg)
{
    const char *eq = strchr(arg, '=');
    if (!eq || eq == arg || o->novr == MAX_OVERRIDES) {
        fprintf(stderr, "lrc: error: --set takes KIND.KEY=VALUE, got '%s'\n", arg);
        return 0;
    }
    char *path = strndup(arg, (size_t)(eq - arg));
    o->ovr[o->novr++] = (sema_override){path, eq + 1};
    return 1;
}

static int parse_args(int argc, char **argv, options *o)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *next = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--out") && next) {
            o->out_dir = argv[++i];
        } else if (!strcmp(a, "--set") && next) {
            if (!add_override(o, argv[++i]))
                return 0;
        } else if (!strncmp(a, "--set=", 6)) {
            if (!add_override(o, a + 6))
                return 0;
        } else if (!strcmp(a, "--seed") && next && o->novr < MAX_OVERRIDES) {
            o->ovr[o->novr++] = (sema_override){strdup("sweep.seed"), argv[++i]};
        } else if (!strcmp(a, "--quiet") || !strcmp(a, "-q")) {
            o->quiet = 1;
        } else if (!strcmp(a, "-O0")) {
            o->unoptimized = 1;
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "lrc: error: unknown option '%s' (or it needs a value)\n%s", a, usage);
            return 0;
        } else if (!o->command) {
            o->command = a;
        } else if (!o->file) {
            o->file = a;
        } else {
            fprintf(stderr, "lrc: error: unexpected argument '%s'\n", a);
            return 0;
        }
    }
    if (!o->command || !o->file) {
        fprintf(stderr, "%s", usage);
        return 0;
    }
    return 1;
}

/* ---- output directory --------------------------------------------------------------- */

static int make_dirs(const char *path)
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

/* ---- the pipeline ---------------------------------------------------------------------- */

typedef struct session {
    options *opt;
    arena a;
    load_set ls;
    diag d;
    sema_experiment e;
    rt_dataset data;
} session;

/* A data error reads `path:row:col: message`; print it as
 * `path:row:col: error: message`, like every other located error. */
static void print_data_error(const rt_data_spec *spec, const rt_err *err)
{
    const char *paths[] = {spec->path, spec->labels};
    for (int i = 0; i < 2; i++) {
        size_t n = paths[i] ? strlen(paths[i]) : 0;
        const char *rest = err->msg + n;
        if (n == 0 || strncmp(err->msg, paths[i], n) != 0 || *rest != ':')
            continue;
        const char *sep = strstr(rest, ": ");
        if (!sep)
            break;
        fprintf(stderr, "%.*s: error: %s\n", (int)(sep - err->msg), err->msg, sep + 2);
        return;
    }
    fprintf(stderr, "lrc: error: %s\n", err->msg);
}

/* Load, check, read the data. Returns 0 or an exit code. */
static int front(session *s, int need_data)
{
    diag_init(&s->d, &s->ls.srcs, stderr);
    if (load_experiment(&s->a, &s->ls, s->opt->file, load_stdlib_dir(), &s->d) > 0)
        return EXIT_BAD_INPUT;
    if (sema_check(&s->a, &s->ls, s->opt->ovr, s->opt->novr, &s->d, &s->e) > 0)
        return EXIT_BAD_INPUT;
    if (!need_data)
        return 0;
    rt_err err = {0};
    if (rt_data_load(&s->e.data, &s->data, &err) != 0) {
        print_data_error(&s->e.data, &err);
        diag_note(&s->d, s->e.data_span, "while reading the dataset defined here");
        return err.code == RT_FAILED ? EXIT_RUN_FAILED : EXIT_BAD_INPUT;
    }
    if (sema_check_data(&s->e, &s->data, &s->d) > 0)
        return EXIT_BAD_INPUT;
    return 0;
}

static void hash_sources(const load_set *ls, char out[65])
{
    rt_sha256 h;
    rt_sha256_init(&h);
    for (int i = 0; i < ls->norder; i++) {
        const src_file *f = ls->srcs.files[ls->order[i]->file];
        rt_sha256_update(&h, f->text, f->len);
    }
    rt_sha256_hex(&h, out);
}

static double seconds_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0->tv_nsec);
}

static void overrides_text(const options *o, char *buf, size_t len)
{
    size_t n = 0;
    buf[0] = '\0';
    for (int i = 0; i < o->novr && n < len; i++)
        n += (size_t)snprintf(buf + n, len - n, "%s--set %s=%s", i ? " " : "", o->ovr[i].path, o->ovr[i].value);
}

static int write_outputs(const char *dir, const rt_report *rep, rt_err *err)
{
    int rc = make_dirs(dir);
    if (rc != 0)
        return rt_errf(err, RT_FAILED, "cannot create output directory '%s': %s", dir, strerror(rc));
    char path[4200];
    snprintf(path, sizeof path, "%s/curve.csv", dir);
    if ((rc = rt_write_curve_csv(path, rep->result, err)) != 0)
        return rc;
    snprintf(path, sizeof path, "%s/report.json", dir);
    return rt_write_report_json(path, rep, err);
}

/* Trainable parameters, without the alignment padding of the layout. */
static int64_t plan_params(const plan *p)
{
    int64_t n = 0;
    for (int i = 0; i < p->nlayers; i++)
        n += plan_layer_params(&p->layers[i]);
    return n;
}

static int cmd_run(session *s)
{
    int rc = front(s, 1);
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
    double compile_seconds = seconds_since(&t0);

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
    overrides_text(s->opt, overrides, sizeof overrides);
    hash_sources(&s->ls, prov.source_sha256);
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
        .sweep = &s->e.sweep, .result = &res, .params = plan_params(&s->e.net),
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

static int cmd_check(session *s)
{
    int rc = front(s, 1);
    if (rc)
        return rc;
    printf("%s: ok\n", s->opt->file);
    printf("data: %s, %lld samples x %lld features", s->data.source, (long long)s->data.n,
           (long long)s->data.features);
    if (s->data.classes)
        printf(", %lld classes", (long long)s->data.classes);
    printf(" (%.1f MiB)\n", (double)(s->data.n * (s->data.features + 1)) * sizeof(float) / (1 << 20));
    plan_print(stdout, &s->e.net);
    const rt_schedule *sc = &s->e.sweep.schedule;
    if (sc->kind == RT_SCHED_LINEAR)
        printf("sweep: linear from %g to %g in %lld steps\n", sc->start, sc->end, (long long)sc->steps);
    else
        printf("sweep: exponential from %g, x%g every %g steps%s, at most %lld steps\n", sc->start, sc->decay_rate,
               sc->decay_steps, sc->staircase ? " (staircase)" : "", (long long)sc->steps);
    for (int i = 0; i < s->e.sweep.stop.n; i++)
        printf("  stop when %s\n", s->e.sweep.stop.clause[i].text);
    return 0;
}

static int cmd_emit_llvm(session *s)
{
    int rc = front(s, 0);
    if (rc)
        return rc;
    char *msg = NULL;
    char *ir = jit_emit_ir(&s->e.net, !s->opt->unoptimized, &msg);
    if (!ir) {
        fprintf(stderr, "lrc: error: code generation failed: %s\n", msg ? msg : "unknown error");
        free(msg);
        return EXIT_RUN_FAILED;
    }
    fputs(ir, stdout);
    free(ir);
    return 0;
}

static int cmd_dump_ast(session *s)
{
    diag_init(&s->d, &s->ls.srcs, stderr);
    if (load_experiment(&s->a, &s->ls, s->opt->file, load_stdlib_dir(), &s->d) > 0)
        return EXIT_BAD_INPUT;
    for (int i = 0; i < s->ls.norder; i++) {
        printf("; %s\n", s->ls.srcs.files[s->ls.order[i]->file]->path);
        ast_dump(stdout, s->ls.order[i]);
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 2 && (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version"))) {
        printf("lrc %s (LLVM %s)\n", LRC_VERSION, LRC_LLVM_VERSION_STRING);
        return 0;
    }
    if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help"))) {
        printf("%s", usage);
        return 0;
    }
    options opt = {0};
    if (!parse_args(argc, argv, &opt))
        return EXIT_BAD_INPUT;
    static const struct { const char *name; int (*fn)(session *); } commands[] = {
        {"run", cmd_run}, {"check", cmd_check}, {"emit-llvm", cmd_emit_llvm}, {"dump-ast", cmd_dump_ast},
    };
    int rc = -1;
    session s = {.opt = &opt};
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(opt.command, commands[i].name))
            rc = commands[i].fn(&s);
    if (rc < 0) {
        fprintf(stderr, "lrc: error: unknown command '%s'\n%s", opt.command, usage);
        rc = EXIT_BAD_INPUT;
    }
    rt_data_free(&s.data);
    load_free(&s.ls);
    arena_free(&s.a);
    for (int i = 0; i < opt.novr; i++)
        free((char *)opt.ovr[i].path);
    return rc;
}
