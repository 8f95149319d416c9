/* test_fmt.c — the formatter (compiler/fmt.c): exact canonical output for
 * comments in awkward places, one-line blocks, `;` separators, commas,
 * blank lines, line breaks inside brackets and stop expressions; and, for
 * every case and every .lrf file of examples/, stdlib/ and bench/workloads/,
 * that formatting is idempotent and keeps the syntax tree. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "ast.h"
#include "diag.h"
#include "fmt.h"
#include "src.h"

/* The ast_dump of `text` (which must parse), malloc'd. */
static char *dump_of(const char *text)
{
    arena a = {0};
    src_set srcs = {0};
    diag d;
    diag_init(&d, &srcs, stderr);
    int id = src_add_text(&srcs, "t.lrf", text);
    ast_file *af = ast_parse(&a, &srcs, id, &d);
    assert_int_equal(diag_errors(&d), 0);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    ast_dump(f, af);
    fclose(f);
    src_free(&srcs);
    arena_free(&a);
    return buf;
}

static char *fmt_ok(const char *text)
{
    char *out = NULL;
    assert_int_equal(fmt_text("t.lrf", text, stderr, &out), 0);
    assert_non_null(out);
    return out;
}

/* Formats `in`, expects `want`, and checks idempotence and the tree. */
static void check_fmt(const char *in, const char *want)
{
    char *once = fmt_ok(in);
    if (want && strcmp(once, want) != 0)
        fail_msg("formatted:\n%s\nexpected:\n%s", once, want);
    char *twice = fmt_ok(once);
    if (strcmp(once, twice) != 0)
        fail_msg("not idempotent:\n%s\nthen:\n%s", once, twice);
    char *d1 = dump_of(in), *d2 = dump_of(once);
    if (strcmp(d1, d2) != 0)
        fail_msg("the tree changed:\n%s\nbecame:\n%s", d1, d2);
    free(once);
    free(twice);
    free(d1);
    free(d2);
}

static void test_layout(void **state)
{
    (void)state;
    check_fmt("network   mlp{\n\tinput    64\n        dense 128   relu\n}\n",
              "network mlp {\n  input 64\n  dense 128 relu\n}\n");
    check_fmt("\n\n\nloss cross_entropy\n\n\n\n\noptimizer sgd\n\n\n",
              "loss cross_entropy\n\noptimizer sgd\n");
    check_fmt("sweep = fastai {\n\n  seed 1\n\n\n  steps 5\n\n}\n",
              "sweep = fastai {\n  seed 1\n\n  steps 5\n}\n");
    check_fmt("", "");
}

static void test_one_line_blocks_and_semicolons(void **state)
{
    (void)state;
    check_fmt("optimizer sgd { momentum 0.9 }\n", "optimizer sgd {\n  momentum 0.9\n}\n");
    check_fmt("optimizer adam { beta1 0.8; beta2 0.99 };loss mse",
              "optimizer adam {\n  beta1 0.8\n  beta2 0.99\n}\nloss mse\n");
    /* nested blocks of simple statements stay on (or move to) one line */
    check_fmt("network n { input 2; dense 3 { init he } }\n",
              "network n {\n  input 2\n  dense 3 { init he }\n}\n");
    check_fmt("network n {\n  conv2d 6 5 {\n    padding 2\n    stride 1\n  }  # c\n}\n",
              "network n {\n  conv2d 6 5 { padding 2; stride 1 }  # c\n}\n");
    /* ... but not with a comment inside, a nested block or past 100 columns */
    check_fmt("network n {\n  dense 3 {\n    init he  # why\n  }\n}\n",
              "network n {\n  dense 3 {\n    init he  # why\n  }\n}\n");
    check_fmt("a {\n  b {\n    c { d 1 }\n  }\n}\n", "a {\n  b {\n    c { d 1 }\n  }\n}\n");
    check_fmt("a {\n  b { c \"01234567890123456789012345678901234567890123456789\"; d \"01234567890123456789012345678901234567890123456789\" }\n}\n",
              "a {\n  b {\n    c \"01234567890123456789012345678901234567890123456789\"\n    d \"01234567890123456789012345678901234567890123456789\"\n  }\n}\n");
    check_fmt("dataset d = spirals {}\n", "dataset d = spirals {\n}\n");
}

static void test_values_as_spelt(void **state)
{
    (void)state;
    check_fmt("sweep s { start_rate 1E-07; end_rate 10.; smooth .98 }\n",
              "sweep s {\n  start_rate 1E-07\n  end_rate 10.\n  smooth .98\n}\n");
    check_fmt("suggest steepest,valley   minimum ,clr\n", "suggest steepest, valley minimum, clr\n");
    check_fmt("dataset d = csv( \"a\\\"b.csv\" ) { label - 1 }\n",
              "dataset d = csv(\"a\\\"b.csv\") {\n  label -1\n}\n");
    check_fmt("x [ 28,28 , 1, ] f( )\n", "x [28, 28, 1] f()\n");
    check_fmt("import   \"std/sweeps\"\n", "import \"std/sweeps\"\n");
}

static void test_comments(void **state)
{
    (void)state;
    /* after `{`, end of line after a value, before `}`, at the end of the file */
    check_fmt("# head\n\n\n# second\ndataset d = spirals {   # after the brace\n"
              "  batch 32      # end of line\n    # before the brace\n}  # after the block\n# at the end",
              "# head\n\n# second\ndataset d = spirals {  # after the brace\n"
              "  batch 32  # end of line\n  # before the brace\n}  # after the block\n# at the end\n");
    /* a one-line block with a comment: it goes to the closing line */
    check_fmt("optimizer sgd { momentum 0.9 }  # fast\n", "optimizer sgd {\n  momentum 0.9\n}  # fast\n");
    /* after `;` on the same line, it stays with the statement before */
    check_fmt("loss mse; # which loss\noptimizer sgd\n", "loss mse  # which loss\noptimizer sgd\n");
    check_fmt("loss mse; optimizer sgd # both\n", "loss mse\noptimizer sgd  # both\n");
    /* an empty block with only a comment; trailing blanks of a comment dropped */
    check_fmt("network n {\n# nothing yet   \n}\n", "network n {\n  # nothing yet\n}\n");
    /* only comments */
    check_fmt("# a\n\n\n\n# b\n", "# a\n\n# b\n");
}

static void test_brackets_keep_breaks(void **state)
{
    (void)state;
    check_fmt("dataset d = idx(\"a.gz\",\n                \"b.gz\") {\n  batch 1\n}\n",
              "dataset d = idx(\"a.gz\",\n    \"b.gz\") {\n  batch 1\n}\n");
    check_fmt("x [1,  # one\n  # two and three\n  2, 3\n]\n",
              "x [1,  # one\n    # two and three\n    2, 3\n]\n");
    check_fmt("a {\n  x f(1,\n 2)\n}\n", "a {\n  x f(1,\n      2)\n}\n");
}

static void test_stop_expressions(void **state)
{
    (void)state;
    check_fmt("stop when (loss>4*best)or(rate>10)\n", "stop when loss > 4 * best or rate > 10\n");
    check_fmt("stop when (a or b) and c\n", "stop when (a or b) and c\n");
    check_fmt("stop when a or (b or c)\n", "stop when a or (b or c)\n");
    check_fmt("stop when a - (b - c) > (d / e) * f\n", "stop when a - (b - c) > d / e * f\n");
    check_fmt("stop when not (loss > 4)\n", "stop when not loss > 4\n");
    check_fmt("stop when not (a and b)\n", "stop when not (a and b)\n");
    check_fmt("stop when -(-x) > - (1 + y)\n", "stop when - -x > -(1 + y)\n");
    check_fmt("stop when (a < b) == c\n", "stop when (a < b) == c\n");
    check_fmt("stop when diverges( 4 )or abs(loss-best)>1\n", "stop when diverges(4) or abs(loss - best) > 1\n");
    /* a comment inside the expression moves above the statement */
    check_fmt("sweep s {\n  stop when (step > 10 # ten\n    or rate > 1)\n}\n",
              "sweep s {\n  # ten\n  stop when step > 10 or rate > 1\n}\n");
}

static void test_syntax_error_not_formatted(void **state)
{
    (void)state;
    char *out = (char *)1;
    FILE *devnull = fopen("/dev/null", "w");
    assert_true(fmt_text("bad.lrf", "network n {\n  dense = \n", devnull, &out) > 0);
    assert_null(out);
    fclose(devnull);
}

/* Every .lrf of a folder of the source tree: idempotent, same tree. */
static int check_dir(const char *sub)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/%s", LRC_SOURCE_DIR, sub);
    DIR *dp = opendir(dir);
    if (!dp)
        return 0;
    int n = 0;
    struct dirent *de;
    while ((de = readdir(dp))) {
        size_t l = strlen(de->d_name);
        if (l < 5 || strcmp(de->d_name + l - 4, ".lrf") != 0)
            continue;
        char path[8192];
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        FILE *f = fopen(path, "rb");
        assert_non_null(f);
        char *text = NULL;
        size_t len = 0;
        FILE *m = open_memstream(&text, &len);
        int ch;
        while ((ch = fgetc(f)) != EOF)
            fputc(ch, m);
        fclose(m);
        fclose(f);
        check_fmt(text, NULL);
        free(text);
        n++;
    }
    closedir(dp);
    return n;
}

static void test_tree_files(void **state)
{
    (void)state;
    assert_true(check_dir("examples") >= 3);
    assert_true(check_dir("stdlib/std") >= 2);
    assert_true(check_dir("bench/workloads") >= 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_layout),
        cmocka_unit_test(test_one_line_blocks_and_semicolons),
        cmocka_unit_test(test_values_as_spelt),
        cmocka_unit_test(test_comments),
        cmocka_unit_test(test_brackets_keep_breaks),
        cmocka_unit_test(test_stop_expressions),
        cmocka_unit_test(test_syntax_error_not_formatted),
        cmocka_unit_test(test_tree_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
