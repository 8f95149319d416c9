/* test_rt_tfevents.c — CRC-32C against its published check values, and the
 * TFRecord framing of a written event file (lengths and both masked CRCs). */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "rt_results.h"

static void crc32c_vectors(void **state)
{
    (void)state;
    assert_int_equal(rt_crc32c("123456789", 9), 0xe3069283u);   /* the CRC catalogue's check */
    unsigned char zeros[32] = {0};
    assert_int_equal(rt_crc32c(zeros, 32), 0x8a9136aau);        /* RFC 3720 B.4 */
    assert_int_equal(rt_crc32c("", 0), 0);
}

static uint32_t masked(const void *p, size_t n)
{
    uint32_t c = rt_crc32c(p, n);
    return ((c >> 15) | (c << 17)) + 0xa282ead8u;
}

static void framing(void **state)
{
    (void)state;
    rt_point pts[3] = {{0, 1e-3, 2.5, 2.5}, {1, 1e-2, 2.0, 2.2}, {2, 1e-1, 1.5, 1.9}};
    rt_result r = {.pts = pts, .n = 3, .seconds = 0.5};
    char path[] = "/tmp/lrc_tfevents_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    rt_err err = {0};
    assert_int_equal(rt_write_tfevents(path, &r, 1.7e9, &err), RT_OK);
    FILE *f = fopen(path, "rb");
    unsigned char buf[4096];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    unlink(path);
    int records = 0;
    for (size_t i = 0; i < n; records++) {
        uint64_t len = 0;
        uint32_t c1, c2;
        memcpy(&len, buf + i, 8);
        memcpy(&c1, buf + i + 8, 4);
        assert_int_equal(c1, masked(buf + i, 8));
        memcpy(&c2, buf + i + 12 + len, 4);
        assert_int_equal(c2, masked(buf + i + 12, (size_t)len));
        i += 16 + (size_t)len;
        assert_true(i <= n);
    }
    assert_int_equal(records, 4);   /* file_version + one per step */
    assert_non_null(memmem(buf, n, "brain.Event:2", 13));
    assert_non_null(memmem(buf, n, "loss/smoothed", 13));
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(crc32c_vectors), cmocka_unit_test(framing)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
