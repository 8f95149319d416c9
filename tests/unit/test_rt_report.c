/* test_rt_report.c — what a run leaves behind: JSON string escaping, atomic
 * writes, curve.csv, report.json (checked valid with python3's json module),
 * the terminal summary and plot, SHA-256 test vectors and the CPU name. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "rt_report.h"

typedef struct fixture {
    char dir[64];
} fixture;

static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof *fx);
    snprintf(fx->dir, sizeof fx->dir, "/tmp/lrc_report_XXXXXX");
    if (!mkdtemp(fx->dir))
        return -1;
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fixture *fx = *state;
    DIR *d = opendir(fx->dir);
    struct dirent *e;
    char path[512];
    while (d && (e = readdir(d)))
        if (e->d_name[0] != '.') {
            snprintf(path, sizeof path, "%s/%s", fx->dir, e->d_name);
            unlink(path);
        }
    if (d)
        closedir(d);
    rmdir(fx->dir);
    free(fx);
    return 0;
}

static char *read_all(const char *path)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    static char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    return buf;
}

static int count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

/* ---- buffers and escaping -------------------------------------------------- */

static void test_json_escaping(void **state)
{
    (void)state;
    rt_buf b = {0};
    rt_buf_json_string(&b, "a\"b\\c\n\t\x01\x1f/é");
    assert_string_equal(b.data, "\"a\\\"b\\\\c\\n\\t\\u0001\\u001f/é\"");
    rt_buf_free(&b);
    rt_buf_json_string(&b, "");
    assert_string_equal(b.data, "\"\"");
    rt_buf_free(&b);
}

static void test_buf_grows(void **state)
{
    (void)state;
    rt_buf b = {0};
    for (int i = 0; i < 1000; i++)
        rt_buf_printf(&b, "%04d,", i);
    assert_int_equal(b.len, 5000);
    assert_memory_equal(b.data + 4995, "0999,", 5);
    rt_buf_free(&b);
}

/* ---- atomic write ---------------------------------------------------------- */

static void test_atomic_write_replaces(void **state)
{
    fixture *fx = *state;
    char path[128];
    snprintf(path, sizeof path, "%s/out.txt", fx->dir);
    rt_err err = {0};
    assert_int_equal(rt_write_atomic(path, "first version\n", 14, &err), 0);
    assert_string_equal(read_all(path), "first version\n");
    assert_int_equal(rt_write_atomic(path, "second", 6, &err), 0);
    assert_string_equal(read_all(path), "second");
    assert_int_equal(count_entries(fx->dir), 1);   /* no temp file left */
}

static void test_atomic_write_failure(void **state)
{
    fixture *fx = *state;
    char path[128];
    snprintf(path, sizeof path, "%s/missing_dir/out.txt", fx->dir);
    rt_err err = {0};
    assert_int_equal(rt_write_atomic(path, "x", 1, &err), RT_FAILED);
    assert_non_null(strstr(err.msg, path));
    assert_non_null(strstr(err.msg, "No such file"));
    /* a directory in the way: the rename fails and the temp file is removed */
    assert_int_equal(rt_write_atomic(fx->dir, "x", 1, &err), RT_FAILED);
    assert_int_equal(count_entries(fx->dir), 0);
}

/* ---- curve.csv and report.json -------------------------------------------- */

static rt_point g_pts[4] = {
    {0, 1e-5, 2.5, 2.5},
    {1, 1e-4, 2.25, 2.375},
    {2, 1e-3, 1.0, 1.9},
    {3, 1e-2, NAN, NAN},
};

static rt_result make_result(void)
{
    rt_result r = {.pts = g_pts, .n = 4, .cap = 4, .end = RT_END_NONFINITE, .nsug = 3, .seed = 42};
    snprintf(r.end_text, sizeof r.end_text, "loss is nan at step 3");
    r.sug[0] = (rt_suggestion){.method = RT_SUG_STEEPEST, .ok = 1, .index = 1, .rate = 1e-4,
                               .loss = 2.375};
    r.sug[1] = (rt_suggestion){.method = RT_SUG_CLR, .ok = 1, .index = 2, .rate = 1e-3,
                               .loss = 1.9, .base_rate = 2.5e-4};
    r.sug[2] = (rt_suggestion){.method = RT_SUG_VALLEY, .ok = 0, .rate = NAN, .loss = NAN};
    snprintf(r.sug[2].note, sizeof r.sug[2].note, "the loss never \"fell\"");
    return r;
}

static void test_curve_csv(void **state)
{
    fixture *fx = *state;
    char path[128];
    snprintf(path, sizeof path, "%s/curve.csv", fx->dir);
    rt_result r = make_result();
    rt_err err = {0};
    assert_int_equal(rt_write_curve_csv(path, &r, &err), 0);
    assert_string_equal(read_all(path), "step,rate,loss,smoothed\n"
                                        "0,1e-05,2.5,2.5\n"
                                        "1,0.0001,2.25,2.375\n"
                                        "2,0.001,1,1.9\n"
                                        "3,0.01,nan,nan\n");
}

static rt_report make_report(const rt_result *r, rt_provenance *prov, const rt_setting *set, int nset)
{
    memset(prov, 0, sizeof *prov);
    prov->source_path = "ex/mnist \"tiny\".lrf";
    snprintf(prov->source_sha256, sizeof prov->source_sha256, "%064d", 0);
    prov->overrides = "--set sweep.steps=4";
    prov->lrc_version = "0.1.0";
    prov->llvm_version = "19.1.0";
    prov->host_cpu = "Test CPU\t@ 1GHz";
    prov->target_features = "+avx2";
    prov->compile_seconds = 0.25;
    prov->run_seconds = INFINITY;
    snprintf(prov->started_at, sizeof prov->started_at, "2024-01-01T00:00:00Z");
    return (rt_report){.name = "tiny", .settings = set, .nsettings = nset, .prov = prov,
                       .result = r, .params = 1234, .mem_bytes = 8192,
                       .data_source = "data/x.csv", .data_samples = 100};
}

/* Runs the `n` python expressions `exprs` with d = the parsed JSON file, in
 * one python3 process (it is slow to start); fails naming the first false. */
static void python_check(const char *json_path, const char *const *exprs, int n)
{
    char script[256], cmd[600];
    snprintf(script, sizeof script, "%s.py", json_path);
    FILE *f = fopen(script, "w");
    assert_non_null(f);
    fprintf(f, "import json, sys\nd = json.load(open(sys.argv[1]))\nchecks = [\n");
    for (int i = 0; i < n; i++)
        fprintf(f, "  (%s),\n", exprs[i]);
    fprintf(f, "]\nbad = [i for i, ok in enumerate(checks) if not ok]\n"
               "print('failed check', bad[0]) if bad else None\nsys.exit(1 if bad else 0)\n");
    fclose(f);
    snprintf(cmd, sizeof cmd, "python3 %s %s", script, json_path);
    int rc = system(cmd);
    unlink(script);
    if (rc != 0)
        fail_msg("report.json check failed (%s)", json_path);
}

static void test_report_json(void **state)
{
    fixture *fx = *state;
    char path[128];
    snprintf(path, sizeof path, "%s/report.json", fx->dir);
    rt_result r = make_result();
    rt_provenance prov;
    const rt_setting set[] = {{"sweep.start_rate", "1e-07", 1}, {"sweep.steps", "4", 1},
                              {"data.path", "a\\b.csv", 0}, {"odd", ".5", 1},
                              {"word", "fast", 1}, {"sweep.staircase", "true", 1},
                              {"quoted", "false", 0}};
    rt_report rep = make_report(&r, &prov, set, 7);
    rt_err err = {0};
    assert_int_equal(rt_write_report_json(path, &rep, &err), 0);
    const char *const checks[] = {
        "sorted(d) == sorted(['lrc_version', 'experiment', 'data', 'model', 'stop', 'steps', "
        "'suggestions', 'settings', 'provenance'])",
        "d['experiment'] == 'tiny' and d['data'] == {'source': 'data/x.csv', 'samples': 100}",
        "d['model'] == {'parameters': 1234, 'memory_bytes': 8192} and d['lrc_version'] == '0.1.0'",
        "d['stop'] == {'reason': 'non-finite loss', 'detail': 'loss is nan at step 3', 'step': 3}",
        "d['steps'] == 4",
        "d['suggestions']['steepest'] == {'rate': 1e-4, 'loss': 2.375, 'step': 1}",
        "d['suggestions']['clr'] == {'rate': 1e-3, 'loss': 1.9, 'step': 2, "
        "'base_rate': 2.5e-4, 'max_rate': 1e-3}",
        "d['suggestions']['valley'] == {'rate': None, 'note': 'the loss never \"fell\"'}",
        "list(d['suggestions']) == ['steepest', 'clr', 'valley']",
        "d['settings'] == {'sweep.start_rate': 1e-7, 'sweep.steps': 4, "
        "'data.path': 'a\\\\b.csv', 'odd': 0.5, 'word': 'fast', "
        "'sweep.staircase': True, 'quoted': 'false'}",
        "d['provenance']['run_seconds'] is None and d['provenance']['seed'] == 42",
        "d['provenance']['source'] == 'ex/mnist \"tiny\".lrf'",
        "d['provenance']['host_cpu'] == 'Test CPU\\t@ 1GHz'",
        "d['provenance']['compile_seconds'] == 0.25 and d['provenance']['sha256'] == '0' * 64",
        "d['provenance']['overrides'] == '--set sweep.steps=4' and d['provenance']['llvm_version'] == '19.1.0'",
    };
    python_check(path, checks, (int)(sizeof checks / sizeof *checks));
}

static void test_report_json_empty(void **state)
{
    fixture *fx = *state;
    char path[128];
    snprintf(path, sizeof path, "%s/empty.json", fx->dir);
    rt_result r = {.end = RT_END_INTERRUPT};
    rt_report rep = {.name = "e", .result = &r};
    rt_err err = {0};
    assert_int_equal(rt_write_report_json(path, &rep, &err), 0);
    const char *const checks[] = {
        "d['suggestions'] == {} and d['settings'] == {} and d['provenance'] is None",
        "d['stop']['step'] is None and d['stop']['reason'] == 'interrupted' and d['steps'] == 0",
    };
    python_check(path, checks, 2);
}

/* ---- terminal output ------------------------------------------------------- */

static char *capture(void (*fn)(FILE *, const void *), const void *arg)
{
    static char buf[1 << 15];
    FILE *f = fmemopen(buf, sizeof buf, "w");
    fn(f, arg);
    fclose(f);
    return buf;
}

static void summary_of(FILE *f, const void *rep) { rt_print_summary(f, rep); }

static void test_summary_and_plot(void **state)
{
    (void)state;
    rt_point pts[41];
    for (int i = 0; i <= 40; i++) {
        double x = (i - 20) / 10.0;   /* log10(rate) from -6 to -2 around -4 */
        pts[i] = (rt_point){i, pow(10.0, -4.0 + x), 0, x * x};
    }
    rt_result r = {.pts = pts, .n = 41, .end = RT_END_SCHEDULE, .nsug = 2};
    r.sug[0] = (rt_suggestion){.method = RT_SUG_MINIMUM, .ok = 1, .index = 20,
                               .rate = pts[20].rate / 10, .loss = 0};
    r.sug[1] = (rt_suggestion){.method = RT_SUG_VALLEY, .ok = 0};
    snprintf(r.sug[1].note, sizeof r.sug[1].note, "the loss never fell over the tested range");
    rt_provenance prov;
    rt_report rep = make_report(&r, &prov, NULL, 0);
    const char *out = capture(summary_of, &rep);
    if (getenv("LRC_TEST_SHOW"))
        fputs(out, stdout);
    assert_non_null(strstr(out, "experiment   tiny"));
    assert_non_null(strstr(out, "stopped      at step 40 (rate 0.01): end of schedule"));
    assert_non_null(strstr(out, "minimum"));
    assert_non_null(strstr(out, "rate 1e-05"));
    assert_non_null(strstr(out, "no suggestion: the loss never fell"));
    assert_non_null(strstr(out, "log10(rate)"));
    assert_non_null(strstr(out, "marks: M minimum 1e-05\n"));
    /* M marks rate 1e-5 on the bottom row (loss 0): log10 -5 of the range
     * -6..-2 is column 63/4 = 15.75 -> 16 of the 64 columns */
    assert_non_null(strstr(out, "        0 |                M          **"));
    assert_non_null(strstr(out, "-5"));
    assert_non_null(strstr(out, "-2"));
}

/* ---- sha256 and host -------------------------------------------------------- */

static void sha_of(const char *msg, char out[65])
{
    rt_sha256 s;
    rt_sha256_init(&s);
    rt_sha256_update(&s, msg, strlen(msg));
    rt_sha256_hex(&s, out);
}

static void test_sha256_vectors(void **state)
{
    (void)state;
    char hex[65];
    sha_of("", hex);
    assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    sha_of("abc", hex);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    sha_of("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", hex);
    assert_string_equal(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    rt_sha256 s;
    rt_sha256_init(&s);
    char chunk[1001];
    memset(chunk, 'a', sizeof chunk);
    for (int i = 0; i < 1000; i++)
        rt_sha256_update(&s, chunk, (size_t)(i % 2 ? 999 : 1001));
    rt_sha256_hex(&s, hex);
    assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

static void test_host_cpu(void **state)
{
    (void)state;
    char buf[256];
    rt_host_cpu_model(buf, sizeof buf);
    assert_true(strlen(buf) > 0);
    assert_null(strchr(buf, '\n'));
    char tiny[4];
    rt_host_cpu_model(tiny, sizeof tiny);
    assert_true(strlen(tiny) <= 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_escaping),
        cmocka_unit_test(test_buf_grows),
        cmocka_unit_test_setup_teardown(test_atomic_write_replaces, setup, teardown),
        cmocka_unit_test_setup_teardown(test_atomic_write_failure, setup, teardown),
        cmocka_unit_test_setup_teardown(test_curve_csv, setup, teardown),
        cmocka_unit_test_setup_teardown(test_report_json, setup, teardown),
        cmocka_unit_test_setup_teardown(test_report_json_empty, setup, teardown),
        cmocka_unit_test(test_summary_and_plot),
        cmocka_unit_test(test_sha256_vectors),
        cmocka_unit_test(test_host_cpu),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
