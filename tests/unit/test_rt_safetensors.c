/* test_rt_safetensors.c — weights in and out: the written file's bytes
 * (header length, JSON, transposed little-endian data), reading it back,
 * a numpy-written F64 file (tests/data/st_dense_f64.safetensors), and the
 * errors that name a tensor. Also the multi-target CSV (`labels`, `targets`,
 * one_hot) and the regression and moons generators. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "rt_data.h"
#include "rt_safetensors.h"

#define DATA(name) LRC_TEST_DATA_DIR "/" name

/* A dense 2 -> 3 layer as lrc lays it out: W [in=2][out=3] at 0, bias [3] at 16. */
static const rt_tensor dense[] = {
    {.name = "0.weight", .rank = 2, .shape = {3, 2}, .offset = 0, .permuted = 1, .perm = {1, 0}},
    {.name = "0.bias", .rank = 1, .shape = {3}, .offset = 16},
};

static void fill(float *p)
{
    for (int i = 0; i < 20; i++)
        p[i] = -1;
    for (int i = 0; i < 2; i++)          /* W[i][o] = 10 i + o */
        for (int o = 0; o < 3; o++)
            p[i * 3 + o] = (float)(10 * i + o);
    p[16] = 0.5f, p[17] = -2, p[18] = 3.25f;
}

static char *tmp_path(char *buf, size_t len)
{
    snprintf(buf, len, "/tmp/lrc_test_st_%d.safetensors", (int)getpid());
    return buf;
}

static void test_write_layout(void **state)
{
    (void)state;
    float p[20];
    fill(p);
    char path[128];
    rt_err err = {0};
    const char *meta[] = {"format", "pt", NULL};
    assert_int_equal(rt_safetensors_write(tmp_path(path, sizeof path), p, dense, 2, meta, &err), RT_OK);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    unsigned char buf[1024];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    uint64_t hlen = 0;
    for (int i = 7; i >= 0; i--)
        hlen = hlen << 8 | buf[i];
    assert_int_equal(hlen % 8, 0);
    assert_int_equal(n, 8 + hlen + 9 * 4);
    char header[512];
    memcpy(header, buf + 8, hlen);
    header[hlen] = '\0';
    assert_non_null(strstr(header, "\"__metadata__\":{\"format\":\"pt\"}"));
    assert_non_null(strstr(header, "\"0.weight\":{\"dtype\":\"F32\",\"shape\":[3,2],\"data_offsets\":[0,24]}"));
    assert_non_null(strstr(header, "\"0.bias\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[24,36]}"));
    /* weight [out][in]: (o, i) = W[i][o] = 10 i + o, little-endian floats */
    const unsigned char *data = buf + 8 + hlen;
    float want[] = {0, 10, 1, 11, 2, 12, 0.5f, -2, 3.25f};
    for (int k = 0; k < 9; k++) {
        uint32_t u = (uint32_t)data[4 * k] | (uint32_t)data[4 * k + 1] << 8 | (uint32_t)data[4 * k + 2] << 16
                   | (uint32_t)data[4 * k + 3] << 24;
        float v;
        memcpy(&v, &u, sizeof v);
        assert_float_equal(v, want[k], 0);
    }
    /* and back */
    float q[20];
    for (int i = 0; i < 20; i++)
        q[i] = 99;
    assert_int_equal(rt_safetensors_read(path, q, dense, 2, &err), RT_OK);
    for (int i = 0; i < 6; i++)
        assert_float_equal(q[i], p[i], 0);
    for (int i = 16; i < 19; i++)
        assert_float_equal(q[i], p[i], 0);
    assert_float_equal(q[6], 99, 0);     /* padding untouched */
    remove(path);
}

static void test_read_numpy_f64(void **state)
{
    (void)state;
    float q[20] = {0};
    rt_err err = {0};
    int rc = rt_safetensors_read(DATA("st_dense_f64.safetensors"), q, dense, 2, &err);
    if (rc)
        print_error("%s\n", err.msg);
    assert_int_equal(rc, RT_OK);
    /* numpy weight [[1,2],[3,4],[5,6]] / 8 is [out][in]: W[i][o] = weight[o][i] */
    float w[2][3] = {{1 / 8.f, 3 / 8.f, 5 / 8.f}, {2 / 8.f, 4 / 8.f, 6 / 8.f}};
    for (int i = 0; i < 2; i++)
        for (int o = 0; o < 3; o++)
            assert_float_equal(q[i * 3 + o], w[i][o], 0);
    assert_float_equal(q[16], 0.5, 0);
    assert_float_equal(q[18], 0.25, 0);
}

static void check_fails(const rt_tensor *t, int n, const char *path, const char *a, const char *b)
{
    rt_err err = {0};
    int rc = rt_safetensors_check(path, t, n, &err);
    if (rc != RT_BAD_INPUT || !strstr(err.msg, a) || (b && !strstr(err.msg, b)))
        print_error("rc %d: %s\n", rc, err.msg);
    assert_int_equal(rc, RT_BAD_INPUT);
    assert_non_null(strstr(err.msg, a));
    if (b)
        assert_non_null(strstr(err.msg, b));
}

static void test_mismatch_names_tensor(void **state)
{
    (void)state;
    const char *f = DATA("st_dense_f64.safetensors");
    rt_tensor wide[2] = {dense[0], dense[1]};
    wide[0].shape[0] = 4;
    check_fails(wide, 2, f, "tensor '0.weight' has shape [3, 2], but the network's is [4, 2]", NULL);
    rt_tensor more[3] = {dense[0], dense[1], {.name = "2.weight", .rank = 2, .shape = {1, 3}, .offset = 32}};
    check_fails(more, 3, f, "tensor '2.weight' [1, 3] is missing from the file", NULL);
    check_fails(dense, 1, f, "tensor '0.bias' is in the file but not in the network", NULL);
    check_fails(dense, 2, DATA("npy_f4_x.npy"), "not a safetensors file", NULL);
    check_fails(dense, 2, DATA("no_such.safetensors"), "cannot open", NULL);
    /* a header that is not JSON, and a dtype lrc does not read */
    char path[128];
    tmp_path(path, sizeof path);
    const char *bad[] = {"{\"0.weight\": {\"dtype\": \"F32\", ", "{\"0.weight\":{\"dtype\":\"BF16\",\"shape\":[3,2],\"data_offsets\":[0,12]}}"};
    const char *want[] = {"the header is not valid JSON", "tensor '0.weight' has dtype BF16"};
    for (int k = 0; k < 2; k++) {
        FILE *out = fopen(path, "wb");
        uint64_t len = strlen(bad[k]);
        unsigned char len8[8];
        for (int i = 0; i < 8; i++)
            len8[i] = (unsigned char)(len >> (8 * i));
        fwrite(len8, 1, 8, out);
        fwrite(bad[k], 1, len, out);
        fwrite("\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 1, 16, out);
        fclose(out);
        check_fails(dense, 2, path, want[k], NULL);
    }
    remove(path);
}

/* ---- several targets, one_hot, generators --------------------------------- */

static int write_csv(char *path, size_t len, const char *text)
{
    snprintf(path, len, "/tmp/lrc_test_targets_%d.csv", (int)getpid());
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    fputs(text, f);
    return fclose(f);
}

static void test_csv_targets(void **state)
{
    (void)state;
    char path[128];
    assert_int_equal(write_csv(path, sizeof path, "1,2,3,4,5\n6,7,8,9,10\n"), 0);
    rt_data_spec s = {.kind = RT_SRC_CSV, .path = path, .label_col = -1, .scale = 1};
    s.nlabel_cols = 2;
    s.label_cols[0] = 3, s.label_cols[1] = 0;
    rt_dataset d;
    rt_err err = {0};
    assert_int_equal(rt_data_load(&s, &d, &err), RT_OK);
    assert_int_equal(d.features, 3);
    assert_int_equal(d.targets, 2);
    assert_int_equal(d.classes, 0);
    float x[] = {2, 3, 5, 7, 8, 10}, y[] = {4, 1, 9, 6};
    for (int i = 0; i < 6; i++)
        assert_float_equal(d.x[i], x[i], 0);
    for (int i = 0; i < 4; i++)
        assert_float_equal(d.y[i], y[i], 0);
    rt_data_free(&d);
    s.nlabel_cols = 0;
    s.targets = 3;                        /* the last 3 columns */
    assert_int_equal(rt_data_load(&s, &d, &err), RT_OK);
    assert_int_equal(d.features, 2);
    assert_int_equal(d.targets, 3);
    assert_float_equal(d.y[5], 10, 0);
    assert_float_equal(d.x[3], 7, 0);
    rt_data_free(&d);
    s.targets = 5;
    assert_int_equal(rt_data_load(&s, &d, &err), RT_BAD_INPUT);
    assert_non_null(strstr(err.msg, "targets 5 leaves no feature"));
    s.targets = 0;
    s.nlabel_cols = 1;
    s.label_cols[0] = 7;
    assert_int_equal(rt_data_load(&s, &d, &err), RT_BAD_INPUT);
    assert_non_null(strstr(err.msg, "label column 7 is out of range"));
    /* one_hot on the integer last column: classes 0..10 */
    s.nlabel_cols = 0;
    s.one_hot = 1;
    assert_int_equal(rt_data_load(&s, &d, &err), RT_OK);
    assert_int_equal(d.targets, 11);
    assert_float_equal(d.y[5], 1, 0);
    assert_float_equal(d.y[11 + 10], 1, 0);
    assert_float_equal(d.y[11 + 5], 0, 0);
    rt_data_free(&d);
    remove(path);
}

static void test_generators(void **state)
{
    (void)state;
    rt_data_spec s = {.kind = RT_SRC_REGRESSION, .samples = 50, .features = 4, .targets = 3, .noise = 0,
                      .seed = 7, .scale = 1};
    rt_dataset a, b, c;
    rt_err err = {0};
    assert_int_equal(rt_data_load(&s, &a, &err), RT_OK);
    assert_int_equal(rt_data_load(&s, &b, &err), RT_OK);
    s.seed = 8;
    assert_int_equal(rt_data_load(&s, &c, &err), RT_OK);
    assert_int_equal(a.n, 50);
    assert_int_equal(a.features, 4);
    assert_int_equal(a.targets, 3);
    assert_memory_equal(a.x, b.x, 200 * sizeof(float));
    assert_memory_equal(a.y, b.y, 150 * sizeof(float));
    assert_memory_not_equal(a.y, c.y, 150 * sizeof(float));
    rt_data_free(&c);
    /* noise 0 and one feature: each target is exactly w x + b, so the slope
     * between any two samples is the same */
    s.features = 1;
    s.targets = 2;
    assert_int_equal(rt_data_load(&s, &c, &err), RT_OK);
    for (int k = 0; k < 2; k++) {
        double w = (c.y[2 + k] - c.y[k]) / (c.x[1] - c.x[0]);
        for (int i = 2; i < 50; i++)
            assert_float_equal((c.y[2 * i + k] - c.y[k]) / (c.x[i] - c.x[0]), w, 1e-3 * (1 + fabs(w)));
    }
    rt_data_free(&a);
    rt_data_free(&b);
    rt_data_free(&c);
    rt_data_spec m = {.kind = RT_SRC_MOONS, .samples = 101, .noise = 0, .seed = 1, .scale = 1};
    assert_int_equal(rt_data_load(&m, &a, &err), RT_OK);
    assert_int_equal(a.n, 101);
    assert_int_equal(a.features, 2);
    assert_int_equal(a.classes, 2);
    /* noise 0: class 0 on the unit circle's upper half, class 1 on the shifted lower one */
    for (int i = 0; i < 101; i++) {
        double px = a.x[2 * i], py = a.x[2 * i + 1];
        if (a.y[i] == 0)
            assert_float_equal(px * px + py * py, 1, 1e-5);
        else
            assert_float_equal((1 - px) * (1 - px) + (0.5 - py) * (0.5 - py), 1, 1e-5);
    }
    rt_data_free(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_write_layout),
        cmocka_unit_test(test_read_numpy_f64),
        cmocka_unit_test(test_mismatch_names_tensor),
        cmocka_unit_test(test_csv_targets),
        cmocka_unit_test(test_generators),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
