/* test_rt_data.c — data loading (CSV, IDX, synthetic), the transforms after
 * loading (limit, scale, standardize, classes) and the batcher.
 * Small files live in tests/data; the real digits.csv and, when installed,
 * Fashion-MNIST are loaded too. */
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

#define DATA(name) LRC_TEST_DATA_DIR "/" name
#define FASHION_DIR "/usr/share/datasets/fashion-mnist/"

static rt_data_spec csv_spec(const char *path)
{
    rt_data_spec s = { 0 };
    s.kind = RT_SRC_CSV;
    s.path = path;
    s.label_col = -1;
    s.scale = 1;
    return s;
}

static rt_data_spec idx_spec(const char *images, const char *labels)
{
    rt_data_spec s = { 0 };
    s.kind = RT_SRC_IDX;
    s.path = images;
    s.labels = labels;
    s.scale = 1;
    return s;
}

static rt_data_spec synth_spec(rt_src_kind kind, int64_t samples, int64_t classes, uint64_t seed)
{
    rt_data_spec s = { 0 };
    s.kind = kind;
    s.samples = samples;
    s.classes = classes;
    s.features = 3;
    s.noise = 0.2;
    s.seed = seed;
    s.scale = 1;
    return s;
}

static void load_ok(const rt_data_spec *s, rt_dataset *d)
{
    rt_err err = { 0 };
    int rc = rt_data_load(s, d, &err);
    if (rc != RT_OK)
        print_error("unexpected error: %s\n", err.msg);
    assert_int_equal(rc, RT_OK);
}

/* Loading must fail with RT_BAD_INPUT and exactly the message `want`. */
static void load_fails(const rt_data_spec *s, const char *want)
{
    rt_dataset d;
    rt_err err = { 0 };
    assert_int_equal(rt_data_load(s, &d, &err), RT_BAD_INPUT);
    assert_int_equal(err.code, RT_BAD_INPUT);
    assert_string_equal(err.msg, want);
    assert_null(d.x);
    assert_null(d.y);
}

static void csv_fails(const char *path, const char *message)
{
    char want[1024];
    snprintf(want, sizeof want, "%s%s", path, message);
    rt_data_spec s = csv_spec(path);
    load_fails(&s, want);
}

static void assert_floats(const float *got, const float *want, int n)
{
    for (int i = 0; i < n; i++)
        assert_float_equal(got[i], want[i], 0);
}

/* ---- CSV ------------------------------------------------------------------ */

static void test_csv_label_last(void **state)
{
    (void)state;
    rt_data_spec s = csv_spec(DATA("csv_basic.csv"));
    rt_dataset d;
    load_ok(&s, &d);
    assert_int_equal(d.n, 3);
    assert_int_equal(d.features, 3);
    assert_floats(d.x, (const float[]){ 1, 2.5f, 3, -4, 0.5f, 6, 7, 8, 9 }, 9);
    assert_floats(d.y, (const float[]){ 0, 1, 2 }, 3);
    assert_int_equal(d.classes, 3);
    assert_int_equal(d.labels_integral, 1);
    assert_string_equal(d.source, DATA("csv_basic.csv"));
    rt_data_free(&d);
    assert_null(d.x);
}

static void test_csv_label_first(void **state)
{
    (void)state;
    rt_data_spec s = csv_spec(DATA("csv_basic.csv"));
    s.label_col = 0;
    rt_dataset d;
    load_ok(&s, &d);
    assert_floats(d.x, (const float[]){ 2.5f, 3, 0, 0.5f, 6, 1, 8, 9, 2 }, 9);
    assert_floats(d.y, (const float[]){ 1, -4, 7 }, 3);
    assert_int_equal(d.labels_integral, 0); /* -4 is negative */
    assert_int_equal(d.classes, 0);
    rt_data_free(&d);
}

static void test_csv_label_middle(void **state)
{
    (void)state;
    rt_data_spec s = csv_spec(DATA("csv_basic.csv"));
    s.label_col = 1;
    rt_dataset d;
    load_ok(&s, &d);
    assert_floats(d.x, (const float[]){ 1, 3, 0, -4, 6, 1, 7, 9, 2 }, 9);
    assert_floats(d.y, (const float[]){ 2.5f, 0.5f, 8 }, 3);
    assert_int_equal(d.labels_integral, 0); /* 2.5 is not an integer */
    assert_int_equal(d.classes, 0);
    rt_data_free(&d);
}

static void test_csv_header_no_final_newline(void **state)
{
    (void)state;
    rt_data_spec s = csv_spec(DATA("csv_header.csv"));
    s.header = 1;
    rt_dataset d;
    load_ok(&s, &d);
    assert_int_equal(d.n, 2);
    assert_int_equal(d.features, 2);
    assert_floats(d.x, (const float[]){ 1, 2, 3, 4 }, 4);
    assert_floats(d.y, (const float[]){ 0, 1 }, 2);
    assert_int_equal(d.classes, 2);
    rt_data_free(&d);
}

static void test_csv_crlf(void **state)
{
    (void)state;
    rt_data_spec s = csv_spec(DATA("csv_crlf.csv"));
    s.header = 1;
    rt_dataset d;
    load_ok(&s, &d);
    assert_int_equal(d.n, 2);
    assert_floats(d.x, (const float[]){ 1, 2, 3, 4 }, 4);
    assert_floats(d.y, (const float[]){ 0, 1 }, 2);
    rt_data_free(&d);
}

static void test_csv_header_row_is_data_without_header(void **state)
{
    (void)state;
    csv_fails(DATA("csv_header.csv"), ":1:1: column 1: expected a number, found 'a'");
}

static void test_csv_errors(void **state)
{
    (void)state;
    csv_fails(DATA("no_such_file.csv"), ": cannot open: No such file or directory");
    csv_fails(DATA("csv_empty.csv"), ": empty file: no data rows");
    csv_fails(DATA("csv_bad_ragged.csv"), ":3: row has 2 columns, expected 3");
    csv_fails(DATA("csv_bad_word.csv"), ":2:2: column 2: expected a number, found 'abc'");
    csv_fails(DATA("csv_bad_empty_field.csv"),
              ":2:2: column 2: expected a number, found an empty field");
    csv_fails(DATA("csv_bad_nan.csv"), ":2:3: column 3: expected a finite number, found 'nan'");
    csv_fails(DATA("csv_bad_inf.csv"), ":1:2: column 2: expected a finite number, found 'inf'");
    csv_fails(DATA("csv_bad_blank_row.csv"), ":2: empty row, expected 3 columns");
}

static void test_csv_header_only(void **state)
{
    (void)state;
    rt_data_spec s = csv_spec(DATA("csv_header_only.csv"));
    s.header = 1;
    load_fails(&s, DATA("csv_header_only.csv") ": no data rows after the header");
}

static void test_csv_label_col_out_of_range(void **state)
{
    (void)state;
    rt_data_spec s = csv_spec(DATA("csv_basic.csv"));
    s.label_col = 4;
    load_fails(&s, DATA("csv_basic.csv") ": label column 4 is out of range: rows have 4 columns "
                                         "(0-based index 0..3, or -1 for the last)");
}

static void test_digits_csv(void **state)
{
    (void)state;
    rt_data_spec s = csv_spec(LRC_SOURCE_DIR "/examples/data/digits.csv");
    rt_dataset d;
    load_ok(&s, &d);
    assert_int_equal(d.n, 1797);
    assert_int_equal(d.features, 64);
    assert_int_equal(d.classes, 10);
    assert_int_equal(d.labels_integral, 1);
    assert_floats(d.x, (const float[]){ 0, 0, 5, 13 }, 4);
    assert_float_equal(d.y[0], 0, 0);
    assert_float_equal(d.y[1], 1, 0);
    rt_data_free(&d);
}

/* ---- IDX ------------------------------------------------------------------ */

static const float tiny_pixels[12] = { 0, 1, 2, 3, 10, 20, 30, 40, 200, 255, 7, 9 };
static const float tiny_labels[3] = { 7, 0, 9 };

static void check_tiny_idx(const char *images, const char *labels)
{
    rt_data_spec s = idx_spec(images, labels);
    rt_dataset d;
    load_ok(&s, &d);
    assert_int_equal(d.n, 3);
    assert_int_equal(d.features, 4);
    assert_floats(d.x, tiny_pixels, 12);
    assert_floats(d.y, tiny_labels, 3);
    assert_int_equal(d.classes, 10);
    assert_non_null(strstr(d.source, images));
    rt_data_free(&d);
}

static void test_idx_plain(void **state)
{
    (void)state;
    check_tiny_idx(DATA("idx_images.idx"), DATA("idx_labels.idx"));
}

static void test_idx_gzip(void **state)
{
    (void)state;
    check_tiny_idx(DATA("idx_images.idx.gz"), DATA("idx_labels.idx.gz"));
    check_tiny_idx(DATA("idx_images.idx.gz"), DATA("idx_labels.idx"));
}

static void test_idx_errors(void **state)
{
    (void)state;
    rt_data_spec s = idx_spec(DATA("idx_bad_truncated.idx"), DATA("idx_labels.idx"));
    load_fails(&s, DATA("idx_bad_truncated.idx")
               ": truncated: expected 12 bytes of image data, found 10");
    s = idx_spec(DATA("idx_bad_cut.idx.gz"), DATA("idx_labels.idx"));
    load_fails(&s, DATA("idx_bad_cut.idx.gz") /* a gzip stream cut short */
               ": truncated: expected a 16-byte IDX header, found 12 bytes");
    s = idx_spec(DATA("idx_bad_trailing.idx"), DATA("idx_labels.idx"));
    load_fails(&s, DATA("idx_bad_trailing.idx")
               ": expected 12 bytes of image data, found more after them");
    s = idx_spec(DATA("idx_labels.idx"), DATA("idx_labels.idx"));
    load_fails(&s, DATA("idx_labels.idx")
               ": not an IDX image file: magic number 0x00000801, expected 0x00000803");
    s = idx_spec(DATA("idx_images.idx"), DATA("idx_images.idx"));
    load_fails(&s, DATA("idx_images.idx")
               ": not an IDX label file: magic number 0x00000803, expected 0x00000801");
    s = idx_spec(DATA("idx_images.idx"), DATA("idx_bad_two_labels.idx"));
    load_fails(&s, DATA("idx_bad_two_labels.idx") ": holds 2 labels, but "
               DATA("idx_images.idx") " holds 3 images");
    s = idx_spec(DATA("no_such_images.idx"), DATA("idx_labels.idx"));
    load_fails(&s, DATA("no_such_images.idx") ": cannot open: No such file or directory");
    s = idx_spec(DATA("csv_empty.csv"), DATA("idx_labels.idx"));
    load_fails(&s, DATA("csv_empty.csv")
               ": truncated: expected a 16-byte IDX header, found 0 bytes");
}

static void test_fashion_mnist_t10k(void **state)
{
    (void)state;
    const char *images = FASHION_DIR "t10k-images-idx3-ubyte.gz";
    const char *labels = FASHION_DIR "t10k-labels-idx1-ubyte.gz";
    if (access(images, R_OK) != 0 || access(labels, R_OK) != 0)
        skip();
    rt_data_spec s = idx_spec(images, labels);
    rt_dataset d;
    load_ok(&s, &d);
    assert_int_equal(d.n, 10000);
    assert_int_equal(d.features, 784);
    assert_int_equal(d.classes, 10);
    float lo = 255, hi = 0;
    for (int64_t i = 0; i < d.n * d.features; i++) {
        lo = d.x[i] < lo ? d.x[i] : lo;
        hi = d.x[i] > hi ? d.x[i] : hi;
    }
    assert_float_equal(lo, 0, 0);
    assert_float_equal(hi, 255, 0);
    assert_float_equal(d.y[0], 9, 0); /* the first test image is an ankle boot */
    rt_data_free(&d);
}

/* ---- synthetic ------------------------------------------------------------ */

static int same_data(const rt_dataset *a, const rt_dataset *b)
{
    return a->n == b->n && a->features == b->features
        && memcmp(a->x, b->x, (size_t)(a->n * a->features) * sizeof(float)) == 0
        && memcmp(a->y, b->y, (size_t)a->n * sizeof(float)) == 0;
}

static void check_deterministic(rt_src_kind kind)
{
    rt_data_spec s = synth_spec(kind, 100, 3, 42);
    rt_dataset a, b, c;
    load_ok(&s, &a);
    load_ok(&s, &b);
    s.seed = 43;
    load_ok(&s, &c);
    assert_true(same_data(&a, &b));
    assert_false(same_data(&a, &c));
    rt_data_free(&a);
    rt_data_free(&b);
    rt_data_free(&c);
}

static void test_synthetic_deterministic(void **state)
{
    (void)state;
    check_deterministic(RT_SRC_SPIRALS);
    check_deterministic(RT_SRC_BLOBS);
}

static void test_spirals_shape(void **state)
{
    (void)state;
    rt_data_spec s = synth_spec(RT_SRC_SPIRALS, 301, 3, 7);
    rt_dataset d;
    load_ok(&s, &d);
    assert_int_equal(d.n, 301);
    assert_int_equal(d.features, 2);
    assert_int_equal(d.classes, 3);
    int64_t count[3] = { 0 };
    for (int64_t i = 0; i < d.n; i++) {
        count[(int)d.y[i]]++;
        double r = hypot(d.x[2 * i], d.x[2 * i + 1]);
        assert_true(r <= 1.0 + 1e-6); /* radii run from 0 to 1 */
    }
    assert_int_equal(count[0], 101);
    assert_int_equal(count[1], 100);
    assert_int_equal(count[2], 100);
    /* the last point of each arm sits at radius 1 */
    assert_float_equal(hypot(d.x[2 * 300], d.x[2 * 300 + 1]), 1.0, 1e-6);
    assert_string_equal(d.source, "spirals(samples=301, classes=3, noise=0.2, seed=7)");
    rt_data_free(&d);
}

static void test_spirals_noiseless_follow_the_formula(void **state)
{
    (void)state;
    rt_data_spec s = synth_spec(RT_SRC_SPIRALS, 10, 2, 1);
    s.noise = 0;
    rt_dataset d;
    load_ok(&s, &d);
    /* sample 3: class 1, point 1 of 5: r = 0.25, theta = 4 + 1 */
    assert_float_equal(d.y[3], 1, 0);
    assert_float_equal(d.x[6], (0.25 * sin(5.0)), 1e-6);
    assert_float_equal(d.x[7], (0.25 * cos(5.0)), 1e-6);
    rt_data_free(&d);
}

static void test_blobs_shape(void **state)
{
    (void)state;
    rt_data_spec s = synth_spec(RT_SRC_BLOBS, 3000, 4, 5);
    s.features = 5;
    s.noise = 0;
    rt_dataset d;
    load_ok(&s, &d);
    assert_int_equal(d.n, 3000);
    assert_int_equal(d.features, 5);
    assert_int_equal(d.classes, 4);
    /* noise 0 means standard deviation 1 around the class centre */
    double sum = 0, sq = 0, centre = 0;
    int64_t m = 0;
    for (int64_t i = 0; i < d.n; i++)
        if (d.y[i] == 2) {
            sum += d.x[i * 5];
            m++;
        }
    centre = sum / (double)m;
    assert_true(centre >= -10 && centre <= 10);
    for (int64_t i = 0; i < d.n; i++)
        if (d.y[i] == 2)
            sq += (d.x[i * 5] - centre) * (d.x[i * 5] - centre);
    assert_float_equal(sqrt(sq / (double)m), 1.0, 0.1);
    rt_data_free(&d);
}

static void test_synthetic_errors(void **state)
{
    (void)state;
    rt_data_spec s = synth_spec(RT_SRC_SPIRALS, 2, 3, 1);
    load_fails(&s, "spirals: samples (2) must be at least classes (3)");
    s = synth_spec(RT_SRC_BLOBS, 10, 2, 1);
    s.features = 0;
    load_fails(&s, "blobs: features must be at least 1, got 0");
    s = synth_spec(RT_SRC_BLOBS, 10, 0, 1);
    load_fails(&s, "blobs: classes must be at least 1, got 0");
}

/* ---- limit, scale, standardize -------------------------------------------- */

static void test_limit_and_scale(void **state)
{
    (void)state;
    rt_data_spec s = csv_spec(DATA("csv_basic.csv"));
    s.limit = 2;
    s.scale = 0.5;
    rt_dataset d;
    load_ok(&s, &d);
    assert_int_equal(d.n, 2);
    assert_floats(d.x, (const float[]){ 0.5f, 1.25f, 1.5f, -2, 0.25f, 3 }, 6);
    assert_int_equal(d.classes, 2); /* labels 0, 1 are left */
    rt_data_free(&d);
}

static void test_bad_settings(void **state)
{
    (void)state;
    rt_data_spec s = csv_spec(DATA("csv_basic.csv"));
    s.scale = 0;
    load_fails(&s, "data: scale must be a finite non-zero number, got 0");
    s = csv_spec(DATA("csv_basic.csv"));
    s.limit = -1;
    load_fails(&s, "data: limit must be 0 (all) or more, got -1");
}

static void test_standardize(void **state)
{
    (void)state;
    rt_data_spec s = csv_spec(LRC_SOURCE_DIR "/examples/data/digits.csv");
    s.standardize = 1;
    rt_dataset d;
    load_ok(&s, &d);
    for (int64_t j = 0; j < d.features; j++) {
        double sum = 0, sq = 0;
        int constant = 1;
        for (int64_t i = 0; i < d.n; i++) {
            sum += d.x[i * d.features + j];
            constant = constant && d.x[i * d.features + j] == d.x[j];
        }
        double mean = sum / (double)d.n;
        for (int64_t i = 0; i < d.n; i++) {
            double dev = d.x[i * d.features + j] - mean;
            sq += dev * dev;
        }
        assert_float_equal(mean, 0, 1e-5);
        /* digits has pixels that are always 0: they stay 0 */
        assert_float_equal(sqrt(sq / (double)d.n), (constant ? 0 : 1), 1e-4);
    }
    assert_float_equal(d.x[0], 0, 0); /* pixel 0 is constant 0 in digits */
    rt_data_free(&d);
}

static void test_standardize_constant_feature(void **state)
{
    (void)state;
    rt_data_spec s = csv_spec(DATA("csv_constant.csv"));
    s.standardize = 1;
    rt_dataset d;
    load_ok(&s, &d);
    /* column 1 is always 0.1: centred to exactly 0, not divided by ~0 */
    const float z = (float)sqrt(1.5);
    assert_floats(d.x, (const float[]){ 0, -z, 0, 0, 0, z }, 6);
    rt_data_free(&d);
}

/* ---- the batcher ---------------------------------------------------------- */

/* A data set whose sample i has feature i and label i. */
static rt_dataset counting_dataset(int64_t n)
{
    rt_dataset d = { 0 };
    d.n = n;
    d.features = 1;
    d.x = malloc((size_t)n * sizeof(float));
    d.y = malloc((size_t)n * sizeof(float));
    for (int64_t i = 0; i < n; i++)
        d.x[i] = d.y[i] = (float)i;
    return d;
}

/* Draws `epochs` epochs with batch 1 and returns the order, epoch after epoch. */
static int64_t *draw_order(const rt_dataset *d, int shuffle, uint64_t seed, int epochs)
{
    rt_batcher b;
    rt_err err = { 0 };
    assert_int_equal(rt_batcher_init(&b, d, 1, shuffle, seed, &err), RT_OK);
    int64_t *order = malloc((size_t)(d->n * epochs) * sizeof(int64_t));
    for (int64_t k = 0; k < d->n * epochs; k++) {
        float x, y;
        rt_batcher_next(&b, &x, &y);
        assert_float_equal(x, y, 0);
        order[k] = (int64_t)y;
    }
    rt_batcher_free(&b);
    return order;
}

static void test_batcher_visits_every_sample_each_epoch(void **state)
{
    (void)state;
    enum { N = 50, EPOCHS = 4 };
    rt_dataset d = counting_dataset(N);
    int64_t *order = draw_order(&d, 1, 9, EPOCHS);
    for (int e = 0; e < EPOCHS; e++) {
        int seen[N] = { 0 };
        for (int k = 0; k < N; k++)
            seen[order[e * N + k]]++;
        for (int i = 0; i < N; i++)
            assert_int_equal(seen[i], 1);
    }
    /* shuffled: not in file order, and a new order every epoch */
    int in_order = 1, same_as_first = 1;
    for (int k = 0; k < N; k++) {
        in_order = in_order && order[k] == k;
        same_as_first = same_as_first && order[N + k] == order[k];
    }
    assert_false(in_order);
    assert_false(same_as_first);
    free(order);
    rt_data_free(&d);
}

static void test_batcher_deterministic(void **state)
{
    (void)state;
    rt_dataset d = counting_dataset(40);
    int64_t *a = draw_order(&d, 1, 5, 3), *b = draw_order(&d, 1, 5, 3), *c = draw_order(&d, 1, 6, 3);
    assert_memory_equal(a, b, 120 * sizeof(int64_t));
    assert_memory_not_equal(a, c, 120 * sizeof(int64_t));
    free(a);
    free(b);
    free(c);
    rt_data_free(&d);
}

static void test_batcher_file_order(void **state)
{
    (void)state;
    rt_dataset d = counting_dataset(7);
    int64_t *order = draw_order(&d, 0, 5, 3);
    for (int k = 0; k < 21; k++)
        assert_int_equal(order[k], k % 7);
    free(order);
    rt_data_free(&d);
}

static void test_batcher_batches_cross_epochs(void **state)
{
    (void)state;
    rt_dataset d = counting_dataset(5);
    rt_batcher b;
    rt_err err = { 0 };
    float x[12], y[12];
    /* batch larger than the data: wraps over epochs, never short */
    assert_int_equal(rt_batcher_init(&b, &d, 12, 0, 1, &err), RT_OK);
    rt_batcher_next(&b, x, y);
    for (int k = 0; k < 12; k++) {
        assert_float_equal(y[k], (k % 5), 0);
        assert_float_equal(x[k], (k % 5), 0);
    }
    assert_int_equal(b.epoch, 2);
    rt_batcher_free(&b);
    /* a shuffled batch of 3 over 5 samples: batch 2 = the last 2 of epoch 0
     * then the first of epoch 1; every epoch is still a permutation */
    assert_int_equal(rt_batcher_init(&b, &d, 3, 1, 1, &err), RT_OK);
    float seq[15];
    for (int k = 0; k < 5; k++)
        rt_batcher_next(&b, x, seq + 3 * k);
    for (int e = 0; e < 3; e++) {
        int seen[5] = { 0 };
        for (int k = 0; k < 5; k++)
            seen[(int)seq[5 * e + k]]++;
        for (int i = 0; i < 5; i++)
            assert_int_equal(seen[i], 1);
    }
    rt_batcher_free(&b);
    rt_data_free(&d);
}

static void test_batcher_errors(void **state)
{
    (void)state;
    rt_dataset d = counting_dataset(3);
    rt_batcher b;
    rt_err err = { 0 };
    assert_int_equal(rt_batcher_init(&b, &d, 0, 1, 1, &err), RT_BAD_INPUT);
    assert_string_equal(err.msg, "data: batch size must be at least 1, got 0");
    rt_data_free(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_csv_label_last),
        cmocka_unit_test(test_csv_label_first),
        cmocka_unit_test(test_csv_label_middle),
        cmocka_unit_test(test_csv_header_no_final_newline),
        cmocka_unit_test(test_csv_crlf),
        cmocka_unit_test(test_csv_header_row_is_data_without_header),
        cmocka_unit_test(test_csv_errors),
        cmocka_unit_test(test_csv_header_only),
        cmocka_unit_test(test_csv_label_col_out_of_range),
        cmocka_unit_test(test_digits_csv),
        cmocka_unit_test(test_idx_plain),
        cmocka_unit_test(test_idx_gzip),
        cmocka_unit_test(test_idx_errors),
        cmocka_unit_test(test_fashion_mnist_t10k),
        cmocka_unit_test(test_synthetic_deterministic),
        cmocka_unit_test(test_spirals_shape),
        cmocka_unit_test(test_spirals_noiseless_follow_the_formula),
        cmocka_unit_test(test_blobs_shape),
        cmocka_unit_test(test_synthetic_errors),
        cmocka_unit_test(test_limit_and_scale),
        cmocka_unit_test(test_bad_settings),
        cmocka_unit_test(test_standardize),
        cmocka_unit_test(test_standardize_constant_feature),
        cmocka_unit_test(test_batcher_visits_every_sample_each_epoch),
        cmocka_unit_test(test_batcher_deterministic),
        cmocka_unit_test(test_batcher_file_order),
        cmocka_unit_test(test_batcher_batches_cross_epochs),
        cmocka_unit_test(test_batcher_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
