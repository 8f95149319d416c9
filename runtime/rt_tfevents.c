/* rt_tfevents.c — a TensorBoard event file written by hand: TFRecord frames
 * (uint64 length, masked CRC-32C of the length, data, masked CRC-32C of the
 * data) around tensorflow.Event protobufs: wall_time (1, double), step (2,
 * int64), file_version (3, "brain.Event:2") in the first record, summary
 * (5) holding values {tag (1), simple_value (2, float)}. */
#include "rt_results.h"

#include <math.h>
#include <string.h>

uint32_t rt_crc32c(const void *data, size_t len)
{
    const unsigned char *p = data;
    uint32_t crc = 0xffffffffu;
    for (size_t i = 0; i < len; i++) {
        crc ^= p[i];
        for (int k = 0; k < 8; k++)
            crc = (crc >> 1) ^ (0x82f63b78u & (0u - (crc & 1u)));
    }
    return crc ^ 0xffffffffu;
}

static uint32_t masked_crc(const void *data, size_t len)
{
    uint32_t c = rt_crc32c(data, len);
    return ((c >> 15) | (c << 17)) + 0xa282ead8u;
}

/* ---- protobuf encoding into a small fixed buffer ------------------------------ */

typedef struct pb {
    unsigned char b[512];
    size_t n;
} pb;

static void pb_byte(pb *p, unsigned v)
{
    if (p->n < sizeof p->b)
        p->b[p->n++] = (unsigned char)v;
}

static void pb_varint(pb *p, uint64_t v)
{
    while (v >= 0x80) {
        pb_byte(p, (unsigned)(v & 0x7f) | 0x80);
        v >>= 7;
    }
    pb_byte(p, (unsigned)v);
}

static void pb_le(pb *p, uint64_t v, int bytes)
{
    for (int i = 0; i < bytes; i++)
        pb_byte(p, (unsigned)(v >> (8 * i)) & 0xff);
}

static void pb_bytes(pb *p, unsigned field, const void *data, size_t len)
{
    pb_varint(p, field << 3 | 2);
    pb_varint(p, len);
    for (size_t i = 0; i < len; i++)
        pb_byte(p, ((const unsigned char *)data)[i]);
}

static void pb_double(pb *p, unsigned field, double v)
{
    uint64_t u;
    memcpy(&u, &v, sizeof u);
    pb_varint(p, field << 3 | 1);
    pb_le(p, u, 8);
}

/* Summary.Value {tag = 1; simple_value = 2} */
static void pb_value(pb *summary, const char *tag, double v)
{
    pb val = {.n = 0};
    float f = (float)v;
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    pb_bytes(&val, 1, tag, strlen(tag));
    pb_varint(&val, 2 << 3 | 5);
    pb_le(&val, u, 4);
    pb_bytes(summary, 1, val.b, val.n);
}

static void record(rt_buf *out, const pb *p)
{
    unsigned char len[8];
    for (int i = 0; i < 8; i++)
        len[i] = (unsigned char)((uint64_t)p->n >> (8 * i));
    uint32_t c1 = masked_crc(len, 8), c2 = masked_crc(p->b, p->n);
    for (int i = 0; i < 8; i++)    /* "%c" appends any byte, NUL included */
        rt_buf_printf(out, "%c", len[i]);
    for (int i = 0; i < 4; i++)
        rt_buf_printf(out, "%c", (unsigned char)(c1 >> (8 * i)));
    for (size_t i = 0; i < p->n; i++)
        rt_buf_printf(out, "%c", p->b[i]);
    for (int i = 0; i < 4; i++)
        rt_buf_printf(out, "%c", (unsigned char)(c2 >> (8 * i)));
}

int rt_write_tfevents(const char *path, const rt_result *r, double start, rt_err *err)
{
    rt_buf out = {0};
    pb ev = {.n = 0};
    pb_double(&ev, 1, start);
    pb_bytes(&ev, 3, "brain.Event:2", 13);
    record(&out, &ev);
    for (int64_t i = 0; i < r->n; i++) {
        const rt_point *p = &r->pts[i];
        pb summary = {.n = 0};
        pb_value(&summary, "loss", p->loss);
        pb_value(&summary, "loss/smoothed", p->smooth);
        pb_value(&summary, "learning_rate", p->rate);
        ev.n = 0;
        pb_double(&ev, 1, start + r->seconds * (double)(i + 1) / (double)r->n);
        pb_varint(&ev, 2 << 3 | 0);
        pb_varint(&ev, (uint64_t)p->step);
        pb_bytes(&ev, 5, summary.b, summary.n);
        record(&out, &ev);
    }
    int rc = out.oom ? rt_errf(err, RT_FAILED, "%s: out of memory", path)
                     : rt_write_atomic(path, out.data ? out.data : "", out.len, err);
    rt_buf_free(&out);
    return rc;
}
