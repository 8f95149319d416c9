/* test_rt_npy.c — the NumPy .npy loader: every dtype, rank and format
 * version, and every error message (tests/data/npy_*.npy, made by
 * tests/data/make_npy.py); non-finite values and drop_nonfinite; one_hot. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>
#include "rt_data.h"

#define DATA(name) LRC_TEST_DATA_DIR "/" name

static rt_data_spec npy_spec(const char *x, const char *y)
{
    rt_data_spec s = {0};
    s.kind = RT_SRC_NPY;
    s.path = x;
    s.labels = y;
    s.scale = 1;
    return s;
}

static void load_ok(const rt_data_spec *s, rt_dataset *d)
{
    rt_err err = {0};
    int rc = rt_data_load(s, d, &err);
    if (rc != RT_OK)
        print_error("unexpected error: %s\n", err.msg);
    assert_int_equal(rc, RT_OK);
}

/* Loading must fail with code 2 and a message containing every fragment. */
static void load_fails(const rt_data_spec *s, const char *a, const char *b)
{
    rt_dataset d;
    rt_err err = {0};
    int rc = rt_data_load(s, &d, &err);
    if (rc != RT_BAD_INPUT || !strstr(err.msg, a) || (b && !strstr(err.msg, b)))
        print_error("rc %d, message: %s\n", rc, err.msg);
    assert_int_equal(rc, RT_BAD_INPUT);
    assert_non_null(strstr(err.msg, a));
    if (b)
        assert_non_null(strstr(err.msg, b));
    assert_null(d.x);
}

/* x = arange(12).reshape(4, 3) / 4 - 1 */
static void check_x(const rt_dataset *d)
{
    assert_int_equal(d->n, 4);
    assert_int_equal(d->features, 3);
    for (int i = 0; i < 12; i++)
        assert_float_equal(d->x[i], i / 4.0 - 1, 0);
}

static void test_f4_x_i8_labels(void **state)
{
    (void)state;
    rt_data_spec s = npy_spec(DATA("npy_f4_x.npy"), DATA("npy_i8_y.npy"));
    rt_dataset d;
    load_ok(&s, &d);
    check_x(&d);
    assert_int_equal(d.targets, 1);
    assert_int_equal(d.rank, 1);
    assert_int_equal(d.labels_integral, 1);
    assert_int_equal(d.classes, 3);
    float want[] = {0, 2, 1, 2};
    for (int i = 0; i < 4; i++)
        assert_float_equal(d.y[i], want[i], 0);
    rt_data_free(&d);
}

static void test_f8_x_two_targets(void **state)
{
    (void)state;
    rt_data_spec s = npy_spec(DATA("npy_f8_x.npy"), DATA("npy_f8_y2.npy"));
    rt_dataset d;
    load_ok(&s, &d);
    check_x(&d);
    assert_int_equal(d.targets, 2);
    assert_int_equal(d.classes, 0);
    for (int i = 0; i < 4; i++) {
        assert_float_equal(d.y[2 * i], 2 * d.x[3 * i], 1e-6);
        assert_float_equal(d.y[2 * i + 1], d.x[3 * i + 1] + 0.5, 1e-6);
    }
    /* The batcher copies both targets of each sample. */
    rt_batcher b;
    rt_err err = {0};
    assert_int_equal(rt_batcher_init(&b, &d, 3, 0, 1, &err), RT_OK);
    float x[9], y[6];
    rt_batcher_next(&b, x, y);
    for (int k = 0; k < 6; k++)
        assert_float_equal(y[k], d.y[k], 0);
    rt_batcher_free(&b);
    rt_data_free(&d);
}

static void test_i4_and_versions(void **state)
{
    (void)state;
    rt_data_spec s = npy_spec(DATA("npy_i4_x.npy"), DATA("npy_i4_y.npy"));
    rt_dataset d;
    load_ok(&s, &d);
    for (int i = 0; i < 12; i++)
        assert_float_equal(d.x[i], i - 6, 0);
    assert_float_equal(d.y[1], 2, 0);
    rt_data_free(&d);
    const char *versions[] = {DATA("npy_v2_x.npy"), DATA("npy_v3_x.npy")};
    for (int v = 0; v < 2; v++) {
        s = npy_spec(versions[v], DATA("npy_u1_y.npy"));
        load_ok(&s, &d);
        check_x(&d);
        assert_int_equal(d.classes, 3);
        rt_data_free(&d);
    }
}

static void test_u1_image_keeps_shape(void **state)
{
    (void)state;
    rt_data_spec s = npy_spec(DATA("npy_u1_img.npy"), DATA("npy_u1_y.npy"));
    s.scale = 1.0 / 255;
    rt_dataset d;
    load_ok(&s, &d);
    assert_int_equal(d.features, 4);
    assert_int_equal(d.rank, 3);
    assert_int_equal(d.shape[0], 2);
    assert_int_equal(d.shape[1], 2);
    assert_int_equal(d.shape[2], 1);
    assert_float_equal(d.x[15], 240.0 / 255, 1e-6);
    rt_data_free(&d);
    s = npy_spec(DATA("npy_i8_x3d.npy"), DATA("npy_i8_y.npy"));
    load_ok(&s, &d);
    assert_int_equal(d.features, 6);
    assert_int_equal(d.rank, 2);
    assert_int_equal(d.shape[0], 2);
    assert_int_equal(d.shape[1], 3);
    assert_float_equal(d.x[23], 23, 0);
    rt_data_free(&d);
}

static void test_one_hot(void **state)
{
    (void)state;
    rt_data_spec s = npy_spec(DATA("npy_f4_x.npy"), DATA("npy_i8_y.npy"));
    s.one_hot = 1;
    rt_dataset d;
    load_ok(&s, &d);
    assert_int_equal(d.targets, 3);
    assert_int_equal(d.classes, 3);
    float want[] = {1, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 1};
    for (int i = 0; i < 12; i++)
        assert_float_equal(d.y[i], want[i], 0);
    rt_data_free(&d);
    s = npy_spec(DATA("npy_f8_x.npy"), DATA("npy_f8_y2.npy"));
    s.one_hot = 1;
    load_fails(&s, "one_hot needs one integer label per sample", "2 targets");
}

static void test_nonfinite(void **state)
{
    (void)state;
    rt_data_spec s = npy_spec(DATA("npy_nan_x.npy"), DATA("npy_i8_y.npy"));
    load_fails(&s, "npy_nan_x.npy:3:2: x[2].flat[1] is nan", "drop_nonfinite");
    s.drop_nonfinite = 1;
    rt_dataset d;
    load_ok(&s, &d);
    assert_int_equal(d.n, 3);
    assert_int_equal(d.dropped, 1);
    assert_non_null(strstr(d.source, "dropped 1 rows"));
    assert_float_equal(d.x[6], 1.25, 0);  /* row 3 (9 / 4 - 1) moved up */
    assert_float_equal(d.y[2], 2, 0);
    rt_data_free(&d);
}

static void test_errors(void **state)
{
    (void)state;
    const char *y = DATA("npy_i8_y.npy");
    rt_data_spec s = npy_spec(DATA("npy_bad_fortran.npy"), y);
    load_fails(&s, "npy_bad_fortran.npy: Fortran-ordered arrays are not supported", NULL);
    s = npy_spec(DATA("npy_bad_object.npy"), y);
    load_fails(&s, "npy_bad_object.npy: byte ", "object arrays (dtype '|O') are not supported");
    s = npy_spec(DATA("npy_bad_bigendian.npy"), y);
    load_fails(&s, "npy_bad_bigendian.npy: byte ", "big-endian dtype '>f4' is not supported");
    s = npy_spec(DATA("npy_bad_dtype.npy"), y);
    load_fails(&s, "unsupported dtype '<c8'", NULL);
    s = npy_spec(DATA("npy_bad_magic.npy"), y);
    load_fails(&s, "npy_bad_magic.npy: byte 0: not a NumPy .npy file", NULL);
    s = npy_spec(DATA("npy_bad_header.npy"), y);
    load_fails(&s, "npy_bad_header.npy: byte ", "malformed .npy header: expected a tuple after 'shape':");
    s = npy_spec(DATA("npy_bad_truncated.npy"), y);
    load_fails(&s, "npy_bad_truncated.npy: byte 171: file is truncated", "needs 48 bytes of data from byte 128, but only 43");
    s = npy_spec(DATA("npy_f4_x.npy"), DATA("npy_bad_n.npy"));
    load_fails(&s, "npy_bad_n.npy: 3 samples, but", "npy_f4_x.npy has 4");
    s = npy_spec(DATA("npy_f4_x.npy"), DATA("npy_u1_img.npy"));
    load_fails(&s, "npy_u1_img.npy: y has 4 dimensions", NULL);
    s = npy_spec(DATA("no_such.npy"), y);
    load_fails(&s, "no_such.npy: cannot open", NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_f4_x_i8_labels),
        cmocka_unit_test(test_f8_x_two_targets),
        cmocka_unit_test(test_i4_and_versions),
        cmocka_unit_test(test_u1_image_keeps_shape),
        cmocka_unit_test(test_one_hot),
        cmocka_unit_test(test_nonfinite),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
