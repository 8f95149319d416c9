/* test_rt_data.c — data loading (CSV, IDX, synthetic), the transforms after
 * loading (limit, scale, standardize, classes) and the batcher.
 * Small files live in tests/data; the real digits.csv and, when installed,
 * Fashion-MNIST are loaded too. The `limit` tests write larger files into a
 * temporary directory. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
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

/* ---- limit bounds what is read and allocated ------------------------------ */

/* The loaders must stop at `limit`: a bad row after it loads fine, the
 * data set holds exactly `limit` samples with the right values, and a
 * --max-memory that fits only `limit` samples (max_bytes) is enough. */

enum { BIG = 5000, KEEP = 10 };

/* The bytes of KEEP samples of `features` floats and one target. */
#define KEEP_BYTES(features) ((int64_t)KEEP * ((features) + 1) * (int64_t)sizeof(float))

static char tmp_dir[64];

static const char *tmp_path(const char *name)
{
    static char path[4][128];
    static int next;
    if (!tmp_dir[0]) {
        strcpy(tmp_dir, "/tmp/lrc_test_limit_XXXXXX");
        assert_non_null(mkdtemp(tmp_dir));
    }
    char *p = path[next++ % 4];
    snprintf(p, sizeof path[0], "%s/%s", tmp_dir, name);
    return p;
}

static void remove_tmp(const char *name)
{
    unlink(tmp_path(name));
    if (rmdir(tmp_dir) == 0) /* fails until the last file is gone */
        tmp_dir[0] = '\0';
}

static void write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

static void test_limit_csv_rows_after_it_are_not_read(void **state)
{
    (void)state;
    /* the files of test_csv_errors, limited to the rows before the bad one */
    rt_data_spec s = csv_spec(DATA("csv_bad_ragged.csv")); /* row 3 has 2 columns */
    s.limit = 2;
    rt_dataset d;
    load_ok(&s, &d);
    assert_int_equal(d.n, 2);
    assert_floats(d.x, (const float[]){ 1, 2, 4, 5 }, 4);
    assert_floats(d.y, (const float[]){ 3, 6 }, 2);
    rt_data_free(&d);
    s = csv_spec(DATA("csv_bad_blank_row.csv")); /* row 2 is blank, row 3 is not */
    s.limit = 1;
    load_ok(&s, &d);
    assert_int_equal(d.n, 1);
    assert_floats(d.x, (const float[]){ 1, 2 }, 2);
    rt_data_free(&d);
    /* a bad row within the limit keeps its message and location */
    s = csv_spec(DATA("csv_bad_ragged.csv"));
    s.limit = 3;
    load_fails(&s, DATA("csv_bad_ragged.csv") ":3: row has 2 columns, expected 3");
    s = csv_spec(DATA("csv_bad_blank_row.csv"));
    s.limit = 2; /* the text is cut after the blank row: it is still a row */
    load_fails(&s, DATA("csv_bad_blank_row.csv") ":2: empty row, expected 3 columns");
    s.header = 1;
    s.limit = 1;
    load_fails(&s, DATA("csv_bad_blank_row.csv") ":2: empty row where the first data row should be");
    s = csv_spec(DATA("csv_basic.csv")); /* 3 rows, then a blank line */
    s.limit = 3;
    load_ok(&s, &d);
    assert_int_equal(d.n, 3);
    rt_data_free(&d);
}

static void test_limit_csv_bounds_memory(void **state)
{
    (void)state;
    /* BIG rows "i,-i.5,i%7" (about 80 KB, more than the first read), then a bad one */
    size_t cap = (size_t)BIG * 32 + 64, len = 0;
    char *text = malloc(cap);
    assert_non_null(text);
    for (int i = 0; i < BIG; i++)
        len += (size_t)snprintf(text + len, cap - len, "%d,-%d.5,%d\r\n", i, i, i % 7);
    len += (size_t)snprintf(text + len, cap - len, "1,oops,2\n");
    write_file(tmp_path("big.csv"), text, len);
    free(text);
    rt_data_spec s = csv_spec(tmp_path("big.csv"));
    s.limit = KEEP;
    s.max_bytes = KEEP_BYTES(2);
    rt_dataset d;
    load_ok(&s, &d);
    assert_int_equal(d.n, KEEP);
    assert_int_equal(d.features, 2);
    for (int i = 0; i < KEEP; i++) {
        assert_float_equal(d.x[2 * i], i, 0);
        assert_float_equal(d.x[2 * i + 1], (-i - 0.5), 0);
        assert_float_equal(d.y[i], (i % 7), 0);
    }
    rt_data_free(&d);
    s.header = 1; /* row 1 is the header now: rows 2..KEEP+1 */
    load_ok(&s, &d);
    assert_int_equal(d.n, KEEP);
    assert_float_equal(d.x[0], 1, 0);
    assert_float_equal(d.y[KEEP - 1], (KEEP % 7), 0);
    rt_data_free(&d);
    s = csv_spec(tmp_path("big.csv"));
    char want[256];
    snprintf(want, sizeof want, "%s:%d:2: column 2: expected a number, found 'oops'", s.path, BIG + 1);
    load_fails(&s, want);
    remove_tmp("big.csv");
}

/* An IDX images file of BIG 2x2 images (pixel k of image i: (7i + k) % 256)
 * and its labels (i % 10), both gzipped without compression and cut short
 * in the last quarter of the images. */
static void write_cut_idx(void)
{
    unsigned char head[16] = { 0, 0, 8, 3, 0, 0, BIG >> 8, BIG & 255, 0, 0, 0, 2, 0, 0, 0, 2 };
    unsigned char lhead[8] = { 0, 0, 8, 1, 0, 0, BIG >> 8, BIG & 255 };
    unsigned char *pix = malloc(4 * BIG), lab[BIG];
    assert_non_null(pix);
    for (int i = 0; i < BIG; i++) {
        for (int k = 0; k < 4; k++)
            pix[4 * i + k] = (unsigned char)((7 * i + k) % 256);
        lab[i] = (unsigned char)(i % 10);
    }
    gzFile f = gzopen(tmp_path("images.gz"), "wb0");
    assert_non_null(f);
    assert_int_equal(gzwrite(f, head, sizeof head), sizeof head);
    assert_int_equal(gzwrite(f, pix, 4 * BIG), 4 * BIG);
    assert_int_equal(gzclose(f), Z_OK);
    assert_int_equal(truncate(tmp_path("images.gz"), 3 * BIG), 0);
    f = gzopen(tmp_path("labels.gz"), "wb0");
    assert_non_null(f);
    assert_int_equal(gzwrite(f, lhead, sizeof lhead), sizeof lhead);
    assert_int_equal(gzwrite(f, lab, BIG), BIG);
    assert_int_equal(gzclose(f), Z_OK);
    free(pix);
}

static void test_limit_idx(void **state)
{
    (void)state;
    write_cut_idx();
    rt_data_spec s = idx_spec(tmp_path("images.gz"), tmp_path("labels.gz"));
    s.limit = KEEP;
    s.max_bytes = KEEP_BYTES(4);
    rt_dataset d;
    load_ok(&s, &d);
    assert_int_equal(d.n, KEEP);
    assert_int_equal(d.features, 4);
    for (int i = 0; i < KEEP; i++) {
        for (int k = 0; k < 4; k++)
            assert_float_equal(d.x[4 * i + k], ((7 * i + k) % 256), 0);
        assert_float_equal(d.y[i], (i % 10), 0);
    }
    rt_data_free(&d);
    /* without the limit the cut is read and reported */
    s.limit = 0;
    s.max_bytes = 0;
    rt_err err = { 0 };
    assert_int_equal(rt_data_load(&s, &d, &err), RT_BAD_INPUT);
    assert_non_null(strstr(err.msg, ": truncated: expected 20000 bytes of image data, found "));
    remove_tmp("images.gz");
    remove_tmp("labels.gz");
    /* a plain file: bytes after the kept images are not read */
    s = idx_spec(DATA("idx_bad_trailing.idx"), DATA("idx_labels.idx"));
    s.limit = 2;
    load_ok(&s, &d);
    assert_int_equal(d.n, 2);
    assert_floats(d.x, tiny_pixels, 8);
    assert_floats(d.y, tiny_labels, 2);
    rt_data_free(&d);
    /* but a plain file's size is still checked against its header */
    s = idx_spec(DATA("idx_bad_truncated.idx"), DATA("idx_labels.idx"));
    s.limit = 1;
    load_fails(&s, DATA("idx_bad_truncated.idx")
               ": truncated: expected 12 bytes of image data, found 10");
}

/* A version 1.0 .npy file of `rows` x `cols` little-endian float32 values
 * (cols 0: shape (rows,)). */
static void write_npy(const char *path, const float *v, int rows, int cols)
{
    char head[128];
    int len = cols ? snprintf(head + 10, sizeof head - 10, "{'descr': '<f4', 'fortran_order': False, 'shape': (%d, %d), }", rows, cols)
                   : snprintf(head + 10, sizeof head - 10, "{'descr': '<f4', 'fortran_order': False, 'shape': (%d,), }", rows);
    while ((10 + len + 1) % 64)
        head[10 + len++] = ' ';
    head[10 + len++] = '\n';
    memcpy(head, "\x93NUMPY\x01\x00", 8);
    head[8] = (char)(len & 255);
    head[9] = (char)(len >> 8);
    size_t count = (size_t)rows * (size_t)(cols ? cols : 1);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(head, 1, (size_t)(10 + len), f), (size_t)(10 + len));
    assert_int_equal(fwrite(v, sizeof(float), count, f), count); /* a little-endian host */
    assert_int_equal(fclose(f), 0);
}

static void test_limit_npy(void **state)
{
    (void)state;
    /* x [BIG][3]: x[i][j] = i + j / 4, y[i] = i % 5; row BIG - 2 holds a NaN */
    float *x = malloc(3 * BIG * sizeof(float)), y[BIG];
    assert_non_null(x);
    for (int i = 0; i < BIG; i++) {
        for (int j = 0; j < 3; j++)
            x[3 * i + j] = (float)i + (float)j / 4;
        y[i] = (float)(i % 5);
    }
    x[3 * (BIG - 2) + 1] = NAN;
    write_npy(tmp_path("x.npy"), x, BIG, 3);
    write_npy(tmp_path("y.npy"), y, BIG, 0);
    free(x);
    rt_data_spec s = { 0 };
    s.kind = RT_SRC_NPY;
    s.path = tmp_path("x.npy");
    s.labels = tmp_path("y.npy");
    s.scale = 1;
    s.limit = KEEP;
    s.max_bytes = KEEP_BYTES(3);
    rt_dataset d;
    load_ok(&s, &d);
    assert_int_equal(d.n, KEEP);
    assert_int_equal(d.features, 3);
    assert_int_equal(d.dropped, 0);
    for (int i = 0; i < KEEP; i++) {
        for (int j = 0; j < 3; j++)
            assert_float_equal(d.x[3 * i + j], (i + j / 4.0), 0);
        assert_float_equal(d.y[i], (i % 5), 0);
    }
    assert_string_equal(d.source, s.path);
    rt_data_free(&d);
    s.limit = 0;
    s.max_bytes = 0;
    rt_err err = { 0 };
    assert_int_equal(rt_data_load(&s, &d, &err), RT_BAD_INPUT);
    assert_non_null(strstr(err.msg, "x.npy:4999:2: x[4998].flat[1] is nan"));
    /* drop_nonfinite: the first `limit` finite rows, reading past the NaN */
    s.drop_nonfinite = 1;
    s.limit = BIG - 1;
    load_ok(&s, &d);
    assert_int_equal(d.n, BIG - 1);
    assert_int_equal(d.dropped, 1);
    assert_float_equal(d.x[3 * (BIG - 2)], (BIG - 1), 0); /* the last row moved up */
    assert_float_equal(d.y[BIG - 2], ((BIG - 1) % 5), 0);
    assert_non_null(strstr(d.source, "(dropped 1 rows with non-finite values)"));
    rt_data_free(&d);
    s.limit = BIG - 2; /* the rows before the NaN: it is never read */
    load_ok(&s, &d);
    assert_int_equal(d.n, BIG - 2);
    assert_int_equal(d.dropped, 0);
    assert_string_equal(d.source, s.path);
    rt_data_free(&d);
    remove_tmp("x.npy");
    remove_tmp("y.npy");
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
        cmocka_unit_test(test_limit_csv_rows_after_it_are_not_read),
        cmocka_unit_test(test_limit_csv_bounds_memory),
        cmocka_unit_test(test_limit_idx),
        cmocka_unit_test(test_limit_npy),
        cmocka_unit_test(test_batcher_visits_every_sample_each_epoch),
        cmocka_unit_test(test_batcher_deterministic),
        cmocka_unit_test(test_batcher_file_order),
        cmocka_unit_test(test_batcher_batches_cross_epochs),
        cmocka_unit_test(test_batcher_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
