/* main.c — the lrc command line: parses the arguments and dispatches to a
 * command (cmd_*.c). The pipeline they share is in driver.c:
 *   load (imports) -> sema (checks) -> data -> plan -> codegen + JIT -> range test -> outputs
 * Exit codes: 0 success, 1 the run failed, 2 bad input (with its location),
 * 130/143 interrupted by SIGINT/SIGTERM (what was measured is written). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aot.h"
#include "driver.h"
#include "help.h"

static const char usage[] =
    "usage: lrc <command> FILE.lrf [options]\n"
    "\n"
    "commands:\n"
    "  run        compile the experiment and run the learning-rate range test\n"
    "  build      compile the experiment into a standalone binary: build FILE -o BIN\n"
    "  check      parse and check; print layers, shapes, parameters and memory\n"
    "  emit-llvm  print the generated LLVM module (optimised; -O0 for the raw one)\n"
    "  dump-ast   print the syntax tree\n"
    "  grid       the range test, then fixed rates for fixed steps from the same weights\n"
    "  explain    print the fully resolved experiment as a .lrf file (= check --resolved)\n"
    "  fmt        rewrite .lrf files in the canonical layout: fmt [--check|--stdout] FILE...\n"
    "  compare    compare run directories: compare RUN_DIR RUN_DIR... [--out FILE.svg]\n"
    "  help       help COMMAND: the options of one command; help --man: the manual page\n"
    "\n"
    "options:\n"
    "  --out DIR          where `run` writes curve.csv and report.json\n"
    "                     (default: runs/<name>-<date>-<time>/)\n"
    "  --set KIND.KEY=V   override a setting, e.g. --set sweep.start_rate=1e-6\n"
    "  --seed N           the same as --set sweep.seed=N\n"
    "  --seeds N          N tests on seed, seed+1, ... in parallel (= --set sweep.seeds=N)\n"
    "  --threads N        run: at most N threads for the seeds (default: all cores)\n"
    "  --no-cache         run, grid: compile the step, do not link it from LRC_CACHE_DIR\n"
    "  --data-parallel    run, grid under mpirun: the ranks share each batch (= --set sweep.parallel=data)\n"
    "  --rates LIST       grid: 1e-4,1e-3,0.01 or FROM:TO:xFACTOR (1e-4:1:x10)\n"
    "  --max-memory SIZE  refuse a network + data set needing more (512M, 2G, 50%;\n"
    "                     default: 75% of RAM)\n"
    "  --quiet            print no summary and no progress\n"
    "  -O0                emit-llvm: the module before optimisation\n"
    "  --resolved         check: print the resolved experiment (as explain does)\n"
    "  -o BIN             build: the binary to write\n"
    "  --cpu native|portable  build: code for this CPU (default) or any x86-64-v3\n"
    "  --help, --version\n"
    "\n"
    "exit codes: 0 ok, 1 the run failed, 2 bad input, 130/143 interrupted\n"
    "environment: LRC_STDLIB overrides where `import \"std/...\"` looks;\n"
    "             LRC_CACHE_DIR where compiled steps are kept (default: ~/.cache/lrc)\n";

/* ---- arguments ----------------------------------------------------------------- */

static int add_override(options *o, const char *arg)
{
    const char *eq = strchr(arg, '=');
    if (!eq || eq == arg || o->novr == DRV_MAX_OVERRIDES) {
        fprintf(stderr, "lrc: error: --set takes KIND.KEY=VALUE, got '%s'\n", arg);
        return 0;
    }
    char *path = strndup(arg, (size_t)(eq - arg));
    o->ovr[o->novr++] = (sema_override){path, eq + 1};
    return 1;
}

/* 0 (with the error printed) when an option given is not one of the
 * command's: refused rather than ignored (`lrc run x.lrf -o y` is a
 * mistake). What each command takes is its help's list (cmd_help.c). */
static int options_apply(const char *command, const char *const *given, int n)
{
    for (int k = 0; k < n; k++)
        if (help_takes(command, given[k]) == 0) {
            fprintf(stderr, "lrc: error: option '%s' does not apply to '%s' (see lrc help %s)\n", given[k],
                    command, command);
            return 0;
        }
    return 1;
}

static int parse_args(int argc, char **argv, options *o)
{
    const char *given[64]; /* the options given */
    int ngiven = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *next = i + 1 < argc ? argv[i + 1] : NULL;
        if (a[0] == '-' && ngiven < 64)
            given[ngiven++] = !strncmp(a, "--set=", 6) ? "--set" : a;
        if (!strcmp(a, "--out") && next) {
            o->out_dir = argv[++i];
        } else if (!strcmp(a, "--set") && next) {
            if (!add_override(o, argv[++i]))
                return 0;
        } else if (!strncmp(a, "--set=", 6)) {
            if (!add_override(o, a + 6))
                return 0;
        } else if (!strcmp(a, "--seed") && next && o->novr < DRV_MAX_OVERRIDES) {
            o->ovr[o->novr++] = (sema_override){strdup("sweep.seed"), argv[++i]};
        } else if (!strcmp(a, "--quiet") || !strcmp(a, "-q")) {
            o->quiet = 1;
        } else if (!strcmp(a, "-O0")) {
            o->unoptimized = 1;
        } else if (!strcmp(a, "--seeds") && next && o->novr < DRV_MAX_OVERRIDES) {
            o->ovr[o->novr++] = (sema_override){strdup("sweep.seeds"), argv[++i]};
        } else if (!strcmp(a, "--data-parallel") && o->novr < DRV_MAX_OVERRIDES) {
            o->ovr[o->novr++] = (sema_override){strdup("sweep.parallel"), "data"};
        } else if (!strcmp(a, "--max-memory") && next) {
            o->max_memory = drv_parse_size(argv[++i]);
            if (o->max_memory <= 0) {
                fprintf(stderr, "lrc: error: --max-memory takes a size such as 512M, 2G, 1.5GiB or 50%%, "
                        "got '%s'\n", argv[i]);
                return 0;
            }
        } else if (!strcmp(a, "--threads") && next) {
            char *end;
            long t = strtol(argv[++i], &end, 10);
            if (*end || t < 1 || t > 1024) {
                fprintf(stderr, "lrc: error: --threads takes a number from 1 to 1024, got '%s'\n", argv[i]);
                return 0;
            }
            o->threads = (int)t;
        } else if (!strcmp(a, "--no-cache")) {
            o->no_cache = 1;
        } else if (!strcmp(a, "--rates") && next) {
            o->rates = argv[++i];
        } else if (!strcmp(a, "--resolved")) {
            o->resolved = 1;
        } else if (!strcmp(a, "-o") && next) {
            o->output = argv[++i];
        } else if (!strcmp(a, "--cpu") && next) {
            const char *cpu = argv[++i];
            if (strcmp(cpu, "native") != 0 && strcmp(cpu, "portable") != 0) {
                fprintf(stderr, "lrc: error: --cpu takes 'native' or 'portable', got '%s'\n", cpu);
                return 0;
            }
            o->portable = !strcmp(cpu, "portable");
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
    return options_apply(o->command, given, ngiven);
}

static int run_command(options *opt)
{
    static const struct { const char *name; int (*fn)(session *); } commands[] = {
        {"run", cmd_run}, {"build", cmd_build}, {"check", cmd_check}, {"emit-llvm", cmd_emit_llvm}, {"dump-ast", cmd_dump_ast},
        {"explain", cmd_explain}, {"grid", cmd_grid},
    };
    int rc = -1;
    if (opt->resolved && !strcmp(opt->command, "check"))
        opt->command = "explain";
    session s = {.opt = opt};
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(opt->command, commands[i].name))
            rc = commands[i].fn(&s);
    if (rc < 0) {
        fprintf(stderr, "lrc: error: unknown command '%s'\n%s", opt->command, usage);
        rc = EXIT_BAD_INPUT;
    }
    drv_free(&s);
    return rc;
}

int main(int argc, char **argv)
{
    /* Past a file-size limit (ulimit -f) write(2) should fail with EFBIG and
     * be reported like a full disk, not kill lrc with SIGXFSZ. */
    signal(SIGXFSZ, SIG_IGN);
    if (argc == 2 && (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version"))) {
        printf("lrc %s (LLVM %s)\n", LRC_VERSION, LRC_LLVM_VERSION_STRING);
        return 0;
    }
    if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help"))) {
        printf("%s", usage);
        return 0;
    }
    /* An installed lrc (<prefix>/bin/lrc) uses <prefix>/share/lrc/stdlib
     * unless LRC_STDLIB says otherwise; a build-tree lrc its source tree's. */
    char stdlib[4096];
    const char *env = getenv("LRC_STDLIB");
    if ((!env || !*env) && aot_exe_relative("../share/lrc/stdlib", stdlib, sizeof stdlib))
        setenv("LRC_STDLIB", stdlib, 1);
    /* Commands that take several files or run directories parse their own arguments. */
    if (argc >= 2 && !strcmp(argv[1], "fmt"))
        return cmd_fmt_main(argc - 1, argv + 1);
    if (argc >= 2 && !strcmp(argv[1], "compare"))
        return cmd_compare_main(argc - 1, argv + 1);
    if (argc >= 2 && !strcmp(argv[1], "help"))
        return cmd_help_main(argc - 1, argv + 1);
    options opt = {0};
    int rc = parse_args(argc, argv, &opt) ? run_command(&opt) : EXIT_BAD_INPUT;
    for (int i = 0; i < opt.novr; i++)
        free((char *)opt.ovr[i].path);
    return rc;
}
