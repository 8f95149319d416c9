/* cmd_fmt.c — `lrc fmt [--check] [--stdout] FILE...`: rewrites each .lrf
 * file in the canonical layout of fmt.c (atomically: temp file + rename),
 * or, with --check, names the files that would change (exit 1) for CI.
 * A file with a syntax error is never rewritten: its errors are printed,
 * located, and lrc exits 2. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "arena.h"
#include "ast.h"
#include "diag.h"
#include "driver.h"
#include "fmt.h"
#include "help.h"
#include "rt_report.h"

/* Formats one file. Returns 0 (unchanged or rewritten), 1 (--check: it
 * would change) or EXIT_BAD_INPUT. */
static int fmt_one(const char *path, int check, int to_stdout)
{
    arena a = {0};
    src_set srcs = {0};
    diag d;
    diag_init(&d, &srcs, stderr);
    int rc = 0;
    int id = src_add_file(&srcs, path, NULL);
    if (id < 0) {
        diag_error_plain(&d, "cannot read '%s': %s", path, strerror(errno));
        rc = EXIT_BAD_INPUT;
        goto done;
    }
    const src_file *f = srcs.files[id];
    if (strlen(f->text) != f->len) {
        diag_error_plain(&d, "'%s' contains a NUL byte; it is not a .lrf file", path);
        rc = EXIT_BAD_INPUT;
        goto done;
    }
    ast_file *af = ast_parse(&a, &srcs, id, &d);
    if (diag_errors(&d)) {
        fprintf(stderr, "lrc: %s not formatted: it has syntax errors\n", path);
        rc = EXIT_BAD_INPUT;
        goto done;
    }
    char *out = fmt_ast(f, af);
    if (!out) {
        fprintf(stderr, "lrc: error: %s: out of memory\n", path);
        rc = EXIT_RUN_FAILED;
        goto done;
    }
    size_t len = strlen(out);
    int same = len == f->len && memcmp(out, f->text, len) == 0;
    if (to_stdout) {
        fwrite(out, 1, len, stdout);
    } else if (check) {
        if (!same) {
            printf("%s\n", path);
            rc = 1;
        }
    } else if (!same) {
        struct stat st;
        int have_mode = stat(path, &st) == 0;
        rt_err err = {0};
        if (rt_write_atomic(path, out, len, &err) != RT_OK) {
            fprintf(stderr, "lrc: error: cannot write %s\n", err.msg);
            rc = EXIT_RUN_FAILED;
        } else if (have_mode) {
            chmod(path, st.st_mode & 07777);
        }
    }
    free(out);
done:
    src_free(&srcs);
    arena_free(&a);
    return rc;
}

int cmd_fmt_main(int argc, char **argv)
{
    int check = 0, to_stdout = 0, nfiles = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--check"))
            check = 1;
        else if (!strcmp(argv[i], "--stdout"))
            to_stdout = 1;
        else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
            return help_print(stdout, "fmt") ? 0 : EXIT_BAD_INPUT;
        else if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "lrc: error: unknown option '%s' for fmt\n", argv[i]);
            help_print(stderr, "fmt");
            return EXIT_BAD_INPUT;
        } else
            nfiles++;
    }
    if (!nfiles || (check && to_stdout)) {
        fprintf(stderr, "lrc: error: %s\n", nfiles ? "--check and --stdout exclude each other" : "fmt needs FILE.lrf");
        help_print(stderr, "fmt");
        return EXIT_BAD_INPUT;
    }
    int worst = 0;
    for (int i = 1; i < argc; i++) {
        if (argv[i][0] == '-' && argv[i][1])
            continue;
        int rc = fmt_one(argv[i], check, to_stdout);
        if (rc == EXIT_BAD_INPUT || (rc && worst != EXIT_BAD_INPUT))
            worst = rc;
    }
    return worst;
}
