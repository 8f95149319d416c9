/* cmd_help.c — `lrc help [COMMAND | --man]` and the table it prints from:
 * the single source of truth for every command's synopsis, description,
 * options, the exit codes and the environment. The man page docs/lrc.1 is
 * generated from this table (`lrc help --man > docs/lrc.1`, or the `man`
 * build target); tests/e2e/test_tooling.sh fails when the page is stale or
 * when a command or option of `lrc --help` is missing here. */
#include <stdio.h>
#include <string.h>

#include "help.h"

typedef struct help_opt {
    const char *flag, *text;
} help_opt;

typedef struct help_cmd {
    const char *name;
    const char *synopsis;   /* after "lrc " */
    const char *summary;    /* one line */
    const char *text;       /* paragraphs separated by blank lines */
    help_opt opts[10];
} help_cmd;

#define SET_OPT {"--set KIND.KEY=VALUE", "Override one setting of the experiment's dataset, network, loss, optimizer " \
                 "or sweep, e.g. --set sweep.start_rate=1e-6; checked like the file, errors point into the --set " \
                 "text. --set \"sweep.stop=when step >= 300\" replaces the stop rule. Repeatable."}
#define SEED_OPT {"--seed N", "The same as --set sweep.seed=N."}
#define MAX_MEMORY_OPT {"--max-memory SIZE", "Refuse a network and data set needing more memory than SIZE " \
                        "(512M, 2G, 50%; default: 75% of RAM)."}

static const help_cmd help_cmds[] = {
    {"run", "run FILE.lrf [--out DIR] [--set KIND.KEY=VALUE]... [--seed N] [--quiet]",
     "compile the experiment and run the learning-rate range test",
     "Loads FILE.lrf and its imports, checks them, reads the data, generates one training step as LLVM IR, "
     "JIT-compiles it for the host CPU and runs the range test. Prints a summary (stop reason, suggestions, "
     "a plot) and writes curve.csv (step,rate,loss,smoothed) and report.json (suggestions, every resolved "
     "setting, provenance) atomically into the run directory.",
     {{"--out DIR", "Where to write curve.csv and report.json (default: runs/NAME-YYYYmmdd-HHMMSS/)."},
      SET_OPT, SEED_OPT,
      {"--seeds N", "Run N tests on seed, seed+1, ... in parallel (= --set sweep.seeds=N)."},
      {"--threads N", "At most N threads (default: all cores): the step compiles on them, seeds run in parallel, and the threads they leave free split each step's large matrix products. Results do not depend on N."},
      {"--data-parallel", "Under mpirun -n K: every rank takes B/K rows of each batch and the ranks average "
                          "their gradients (= --set sweep.parallel=data; needs an lrc built with MPI)."},
      MAX_MEMORY_OPT,
      {"--no-cache", "Compile the step even when an earlier run compiled the same one (see LRC_CACHE_DIR), "
                     "and do not store it."},
      {"--quiet, -q", "Print no summary and no progress."}}},
    {"grid", "grid FILE.lrf [--rates LIST] [run options]",
     "the range test, then fixed rates for fixed steps from the same weights",
     "Runs the range test, then trains from the same initial weights at each of a list of fixed rates for a "
     "fixed number of steps, so that the range test's suggestions can be checked against real training.",
     {{"--rates LIST", "The rates: 1e-4,1e-3,0.01 or FROM:TO:xFACTOR (1e-4:1:x10)."},
      {"--out DIR", "Where to write the results (as for run)."}, SET_OPT, SEED_OPT}},
    {"build", "build FILE.lrf -o BIN [--cpu native|portable] [--set KIND.KEY=VALUE]... [--seed N]",
     "compile the experiment into a standalone binary",
     "Compiles the experiment ahead of time into a standalone executable BIN that runs the same range test "
     "without lrc or LLVM.",
     {{"-o BIN", "The binary to write."},
      {"--cpu native|portable", "Generate code for this CPU (the default) or for any x86-64-v3 CPU."},
      SET_OPT, SEED_OPT, MAX_MEMORY_OPT,
      {"--quiet, -q", "Print nothing but errors."}}},
    {"check", "check FILE.lrf [--resolved] [--set KIND.KEY=VALUE]... [--seed N]",
     "parse and check; print layers, shapes, parameters and memory",
     "Parses and checks the experiment and reads its data without compiling or running anything; prints the "
     "data set, the layer table with shapes and parameter counts, the memory the model needs and the sweep.",
     {{"--resolved", "Print the fully resolved experiment instead, exactly as lrc explain does."},
      SET_OPT, SEED_OPT, MAX_MEMORY_OPT}},
    {"explain", "explain FILE.lrf [--set KIND.KEY=VALUE]... [--seed N]",
     "print the fully resolved experiment as a .lrf file",
     "Prints the experiment that would run: imports and presets expanded, --set overrides applied, every "
     "default filled in, one block per kind with every key and its value, the layers and the stop rule. "
     "The output is itself a valid .lrf file (data paths are made absolute) that checks and runs exactly like "
     "the original: lrc explain a.lrf > b.lrf; lrc run b.lrf gives a byte-identical curve.csv.",
     {SET_OPT, SEED_OPT}},
    {"compare", "compare RUN_DIR RUN_DIR... [--out FILE.svg]",
     "compare finished runs: suggestions, differing settings, overlaid curves",
     "Reads report.json and curve.csv of each run directory written by lrc run. Prints the suggestions side by "
     "side (one column per run), then only the settings that differ between the runs, and writes an SVG with "
     "the runs' smoothed loss curves overlaid on a log rate axis, with a legend naming each run.",
     {{"--out FILE", "Where to write the SVG (default: compare.svg)."}}},
    {"fmt", "fmt [--check | --stdout] FILE.lrf...",
     "rewrite .lrf files in the canonical layout, keeping every comment",
     "Rewrites each file in one canonical layout: two spaces per block level, one statement per line, single "
     "spaces between values, ', ' where a comma was written, '}' on its own line (a nested block of simple "
     "statements, like a layer's { init he }, stays on one line), numbers and strings as "
     "spelt, stop expressions with single spaces around operators and only the parentheses they need, at "
     "most one blank line between statements, nothing aligned. Every comment is kept. Formatting is "
     "idempotent and never changes what the file means. A file with a syntax error is not rewritten: its "
     "errors are printed and lrc exits 2. Files are replaced atomically (temporary file + rename).",
     {{"--check", "Write nothing; print the name of every file that would change and exit 1 if there is one "
                  "(for CI)."},
      {"--stdout", "Print the formatted text instead of writing the files."}}},
    {"emit-llvm", "emit-llvm FILE.lrf [-O0] [--set KIND.KEY=VALUE]...",
     "print the generated LLVM module",
     "Prints the LLVM module generated for the experiment (lrc_init, lrc_step, lrc_eval), optimised as "
     "the JIT optimises it.",
     {{"-O0", "Print the module before optimisation."}, SET_OPT}},
    {"dump-ast", "dump-ast FILE.lrf",
     "print the syntax tree of the file and its imports",
     "Prints the syntax tree of the file and of each file it imports, as indented S-expressions; layout and "
     "comments do not appear in it.",
     {{0, 0}}},
    {"help", "help [COMMAND | --man]",
     "print the help of one command, or this manual page",
     "Without an argument, lists the commands. With a command, prints its synopsis, description and options. "
     "lrc --help prints the short usage; lrc --version the version of lrc and LLVM.",
     {{"--man", "Print the manual page in roff; docs/lrc.1 is generated by it."}}},
};
enum { HELP_NCMDS = sizeof help_cmds / sizeof help_cmds[0] };

static const char help_exit[] =
    "0 success; 1 the run failed (code generation, an unwritable output file) or, for fmt --check, a file "
    "would change; 2 bad input: a located error (syntax, an unknown key, a wrong type or value, a shape that "
    "cannot work, a missing or malformed data file or run directory) or a bad invocation; 130/143 "
    "interrupted by SIGINT/SIGTERM (what was measured is still written).";
static const char help_env[] =
    "LRC_STDLIB=DIR changes where import \"std/...\" looks (default: the stdlib/ folder of the source tree "
    "lrc was built from). LRC_CACHE_DIR=DIR is where run and grid keep the machine code they compiled, to "
    "link it again when the same network, loss and optimizer run on the same CPU (default: "
    "$XDG_CACHE_HOME/lrc or ~/.cache/lrc; empty: no cache). The 64 most recently used steps are kept; "
    "report.json's provenance.compile_cache says hit, miss or off.";

/* ---- plain text -------------------------------------------------------------- */

/* Writes `text` wrapped at 78 columns, each line indented by `indent`. */
static void help_wrap(FILE *f, const char *text, int indent)
{
    const char *p = text;
    while (*p) {
        if (*p == '\n') { /* a paragraph break */
            fputc('\n', f);
            p++;
            continue;
        }
        int col = indent;
        fprintf(f, "%*s", indent, "");
        int first = 1;
        while (*p && *p != '\n') {
            size_t w = strcspn(p, " \n");
            if (!first && col + 1 + (int)w > 78)
                break;
            fprintf(f, "%s%.*s", first ? "" : " ", (int)w, p);
            col += (int)w + !first;
            first = 0;
            p += w;
            while (*p == ' ')
                p++;
        }
        fputc('\n', f);
        if (*p == '\n')
            p++;
    }
}

static const help_cmd *help_find(const char *name)
{
    for (int i = 0; i < HELP_NCMDS; i++)
        if (!strcmp(help_cmds[i].name, name))
            return &help_cmds[i];
    return NULL;
}

/* `flag` as one of the words an option's entry starts with ("--quiet, -q"
 * names --quiet and -q; "--cpu native|portable" names --cpu). */
static int names_flag(const char *entry, const char *flag)
{
    size_t len = strlen(flag);
    for (const char *p = entry; p; p = strstr(p, ", ")) {
        p += *p == ',' ? 2 : 0;
        if (!strncmp(p, flag, len) && (p[len] == '\0' || p[len] == ' ' || p[len] == ','))
            return 1;
    }
    return 0;
}

int help_takes(const char *command, const char *flag)
{
    const help_cmd *c = help_find(command);
    if (!c)
        return -1;
    for (int i = 0; i < 10 && c->opts[i].flag; i++)
        if (names_flag(c->opts[i].flag, flag))
            return 1;
    /* grid takes run's options too ("[run options]") */
    return !strcmp(command, "grid") ? help_takes("run", flag) : 0;
}

int help_print(FILE *f, const char *command)
{
    const help_cmd *c = help_find(command);
    if (!c)
        return 0;
    fprintf(f, "usage: lrc %s\n\n", c->synopsis);
    help_wrap(f, c->text, 2);
    if (c->opts[0].flag) {
        fprintf(f, "\noptions:\n");
        for (int i = 0; i < 10 && c->opts[i].flag; i++) {
            fprintf(f, "  %s\n", c->opts[i].flag);
            help_wrap(f, c->opts[i].text, 6);
        }
    }
    fprintf(f, "\nexit codes:\n");
    help_wrap(f, help_exit, 2);
    return 1;
}

void help_overview(FILE *f)
{
    fprintf(f, "usage: lrc <command> [arguments]\n\ncommands:\n");
    for (int i = 0; i < HELP_NCMDS; i++)
        fprintf(f, "  %-10s %s\n", help_cmds[i].name, help_cmds[i].summary);
    fprintf(f, "\n`lrc help COMMAND` prints the options of one command; `man -l docs/lrc.1` the manual.\n\nexit codes:\n");
    help_wrap(f, help_exit, 2);
    fprintf(f, "\nenvironment:\n");
    help_wrap(f, help_env, 2);
}

/* ---- roff ------------------------------------------------------------------- */

/* Text for roff: backslashes and hyphens escaped, no line starting with a
 * control character; paragraph breaks become .PP. */
static void roff_text(FILE *f, const char *s)
{
    int bol = 1;
    for (; *s; s++) {
        if (bol && (*s == '.' || *s == '\''))
            fputs("\\&", f);
        bol = 0;
        if (*s == '\\')
            fputs("\\e", f);
        else if (*s == '-')
            fputs("\\-", f);
        else if (*s == '\n') {
            fputs("\n.PP\n", f);
            bol = 1;
        } else
            fputc(*s, f);
    }
    fputc('\n', f);
}

void help_man(FILE *f)
{
    fprintf(f, ".\\\" docs/lrc.1 - generated by `lrc help --man` from compiler/cmd_help.c; do not edit.\n");
    fprintf(f, ".TH LRC 1 \"\" \"lrc %s\" \"User Commands\"\n", LRC_VERSION);
    fprintf(f, ".SH NAME\nlrc \\- a compiler for learning\\-rate range tests\n");
    fprintf(f, ".SH SYNOPSIS\n");
    for (int i = 0; i < HELP_NCMDS; i++) {
        fprintf(f, ".B lrc\n");
        roff_text(f, help_cmds[i].synopsis);
        fprintf(f, ".br\n");
    }
    fprintf(f, ".SH DESCRIPTION\n");
    roff_text(f, "lrc compiles a learning-rate range-test experiment written in a small text language (.lrf: data, "
                 "network, loss, optimizer and sweep) into a training step specialised to its shapes, JIT-compiles "
                 "it with LLVM, and runs the range test in a C runtime that reports the suggested rates with their "
                 "curve and provenance. The language is described in README.md and grammar/GRAMMAR.md.");
    fprintf(f, ".SH COMMANDS\n");
    for (int i = 0; i < HELP_NCMDS; i++) {
        const help_cmd *c = &help_cmds[i];
        fprintf(f, ".SS \"lrc %s\"\n", c->name);
        roff_text(f, c->text);
        fprintf(f, ".PP\n");
        fprintf(f, "Usage:\n");
        fprintf(f, ".RS\n.B lrc\n");
        roff_text(f, c->synopsis);
        fprintf(f, ".RE\n");
        for (int k = 0; k < 10 && c->opts[k].flag; k++) {
            fprintf(f, ".TP\n.B ");
            roff_text(f, c->opts[k].flag);
            roff_text(f, c->opts[k].text);
        }
    }
    fprintf(f, ".SH OPTIONS\n.TP\n.B \\-\\-help, help\nList the commands.\n.TP\n.B \\-\\-version\n"
               "Print the versions of lrc and LLVM.\n");
    fprintf(f, ".SH EXIT STATUS\n");
    roff_text(f, help_exit);
    fprintf(f, ".SH ENVIRONMENT\n");
    roff_text(f, help_env);
    fprintf(f, ".SH FILES\n");
    roff_text(f, "RUN_DIR/curve.csv and RUN_DIR/report.json, written by lrc run. editors/vim and editors/vscode "
                 "in the source tree: syntax highlighting for .lrf files.");
    fprintf(f, ".SH SEE ALSO\n");
    roff_text(f, "README.md and grammar/GRAMMAR.md in the lrc source tree.");
}

int cmd_help_main(int argc, char **argv)
{
    if (argc < 2) {
        help_overview(stdout);
        return 0;
    }
    if (!strcmp(argv[1], "--man")) {
        help_man(stdout);
        return 0;
    }
    if (help_print(stdout, argv[1]))
        return 0;
    fprintf(stderr, "lrc: error: no help for '%s'\n", argv[1]);
    help_overview(stderr);
    return 2;
}
