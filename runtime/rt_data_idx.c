/* rt_data_idx.c — the IDX loader (LeCun's MNIST format, as used by
 * Fashion-MNIST).
 *
 * An images file (magic 0x00000803: unsigned bytes, dimensions n, rows,
 * cols) and a labels file (magic 0x00000801: unsigned bytes, dimension n),
 * dimensions big-endian. Files are read through zlib, which gunzips them
 * when they start with the gzip magic and reads them as they are
 * otherwise. Both headers are checked first; the bytes then stream straight
 * into the data set's floats (pixels 0..255, labels the class numbers).
 * With a `limit` only the first `limit` samples are allocated and decoded:
 * reading stops there, so a gzipped file is never inflated past them (and
 * its tail is not checked); a plain file's size is still checked against
 * its header. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>
#include "rt_data_internal.h"

enum { IDX_IMAGES_MAGIC = 0x00000803, IDX_LABELS_MAGIC = 0x00000801 };

/* zlib's read buffer; large buffers make gunzipping noticeably faster. */
enum { GZ_BUFFER = 1 << 18 };
/* Bytes converted to floats per read. */
enum { CHUNK = 1 << 16 };

/* One open IDX file and what its header says. */
typedef struct idx_file {
    const char *path;
    const char *what;      /* "image" or "label", for messages */
    uint32_t magic;        /* the magic this file must have */
    int ndims;
    uint32_t dims[3];
    uint64_t data_bytes;   /* the product of the dimensions */
    uint64_t keep_bytes;   /* the bytes of the samples kept (`limit`), <= data_bytes */
    gzFile f;
} idx_file;

/* Reads up to `len` bytes; *got is how many arrived before the end. */
static int read_some(idx_file *idx, unsigned char *buf, size_t len, size_t *got, rt_err *err)
{
    *got = 0;
    while (*got < len) {
        int n = gzread(idx->f, buf + *got, (unsigned)(len - *got));
        if (n < 0) {
            int code;
            const char *msg = gzerror(idx->f, &code);
            return rt_errf(err, RT_BAD_INPUT, "%s: cannot read: %s",
                           idx->path, code == Z_ERRNO ? strerror(errno) : msg);
        }
        if (n == 0)
            break;
        *got += (size_t)n;
    }
    return RT_OK;
}

static uint32_t big_endian_u32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The product of the dimensions; 0 when it is absurd (past what a float
 * matrix could ever hold). */
static uint64_t announced_bytes(const idx_file *idx)
{
    uint64_t total = 1, cap = (uint64_t)INT64_MAX / sizeof(float);
    for (int i = 0; i < idx->ndims; i++) {
        if (total > cap / idx->dims[i])
            return 0;
        total *= idx->dims[i];
    }
    return total;
}

/* Reads the magic number, checks it, then reads the dimensions. */
static int read_header(idx_file *idx, rt_err *err)
{
    unsigned char head[16];
    size_t want = 4 + 4 * (size_t)idx->ndims, got, more = 0;
    int rc = read_some(idx, head, 4, &got, err);
    if (rc == RT_OK && got == 4 && big_endian_u32(head) != idx->magic)
        return rt_errf(err, RT_BAD_INPUT, "%s: not an IDX %s file: magic number 0x%08x, expected 0x%08x",
                       idx->path, idx->what, (unsigned)big_endian_u32(head), (unsigned)idx->magic);
    if (rc == RT_OK && got == 4)
        rc = read_some(idx, head + 4, want - 4, &more, err);
    if (rc != RT_OK)
        return rc;
    if (got + more < want)
        return rt_errf(err, RT_BAD_INPUT, "%s: truncated: expected a %zu-byte IDX header, found %zu bytes",
                       idx->path, want, got + more);
    for (int i = 0; i < idx->ndims; i++) {
        idx->dims[i] = big_endian_u32(head + 4 + 4 * i);
        if (idx->dims[i] == 0)
            return rt_errf(err, RT_BAD_INPUT, "%s: empty IDX %s file: dimension %d is 0",
                           idx->path, idx->what, i + 1);
    }
    idx->data_bytes = announced_bytes(idx);
    if (idx->data_bytes == 0)
        return rt_errf(err, RT_BAD_INPUT, "%s: the dimensions in the header are too large",
                       idx->path);
    return RT_OK;
}

/* Opens the file and reads its header; idx->f stays open for the data. */
static int open_idx(idx_file *idx, rt_err *err)
{
    errno = 0;
    idx->f = gzopen(idx->path, "rb");
    if (!idx->f)
        return rt_errf(err, RT_BAD_INPUT, "%s: cannot open: %s", idx->path,
                       errno ? strerror(errno) : "out of memory");
    gzbuffer(idx->f, GZ_BUFFER);
    int rc = read_header(idx, err);
    /* A plain (not gzipped) file must hold what its header announces: say
     * so before the caller allocates for it, so that a short file with a
     * hostile header cannot ask for gigabytes. */
    struct stat st;
    uint64_t header = 4 + 4 * (uint64_t)idx->ndims;
    if (rc == RT_OK && gzdirect(idx->f) && stat(idx->path, &st) == 0 && S_ISREG(st.st_mode)
        && (uint64_t)st.st_size < header + idx->data_bytes)
        return rt_errf(err, RT_BAD_INPUT, "%s: truncated: expected %llu bytes of %s data, found %llu",
                       idx->path, (unsigned long long)idx->data_bytes, idx->what,
                       (unsigned long long)st.st_size - header);
    return rc;
}

/* Streams the first idx->keep_bytes bytes after the header into dst as
 * floats. When they are the whole data, it must be exactly idx->data_bytes
 * bytes long; otherwise the rest is left unread. */
static int read_data(idx_file *idx, float *dst, rt_err *err)
{
    unsigned char buf[CHUNK];
    uint64_t done = 0;
    size_t got = CHUNK;
    int rc = RT_OK;
    while (rc == RT_OK && done < idx->keep_bytes && got > 0) {
        uint64_t left = idx->keep_bytes - done;
        rc = read_some(idx, buf, left < CHUNK ? (size_t)left : CHUNK, &got, err);
        for (size_t i = 0; i < got; i++)
            dst[done + i] = buf[i];
        done += got;
    }
    if (rc == RT_OK && done < idx->keep_bytes)
        return rt_errf(err, RT_BAD_INPUT, "%s: truncated: expected %llu bytes of %s data, found %llu",
                       idx->path, (unsigned long long)idx->data_bytes, idx->what,
                       (unsigned long long)done);
    if (rc != RT_OK || idx->keep_bytes < idx->data_bytes)
        return rc;
    rc = read_some(idx, buf, 1, &got, err);
    if (rc == RT_OK && got > 0)
        return rt_errf(err, RT_BAD_INPUT, "%s: expected %llu bytes of %s data, found more after them",
                       idx->path, (unsigned long long)idx->data_bytes, idx->what);
    return rc;
}

static int read_both(idx_file *images, idx_file *labels, int64_t limit, rt_dataset *out, rt_err *err)
{
    int rc = open_idx(images, err);
    if (rc == RT_OK)
        rc = open_idx(labels, err);
    if (rc == RT_OK && labels->dims[0] != images->dims[0])
        rc = rt_errf(err, RT_BAD_INPUT, "%s: holds %u labels, but %s holds %u images",
                     labels->path, (unsigned)labels->dims[0], images->path,
                     (unsigned)images->dims[0]);
    if (rc != RT_OK) /* the dimensions are only known to be sane once both headers are */
        return rc;
    int64_t n = images->dims[0], features = (int64_t)images->dims[1] * images->dims[2];
    if (limit > 0 && limit < n)
        n = limit;
    images->keep_bytes = (uint64_t)n * (uint64_t)features;
    labels->keep_bytes = (uint64_t)n;
    rc = rt_data_alloc(out, n, features, err);
    if (rc == RT_OK)
        rc = read_data(images, out->x, err);
    if (rc == RT_OK)
        rc = read_data(labels, out->y, err);
    return rc;
}

int rt_data_load_idx(const rt_data_spec *spec, rt_dataset *out, rt_err *err)
{
    if (!spec->labels)
        return rt_errf(err, RT_BAD_INPUT, "%s: IDX images need a labels file", spec->path);
    idx_file images = { spec->path, "image", IDX_IMAGES_MAGIC, 3, { 0 }, 0, 0, NULL };
    idx_file labels = { spec->labels, "label", IDX_LABELS_MAGIC, 1, { 0 }, 0, 0, NULL };
    int rc = read_both(&images, &labels, spec->limit, out, err);
    if (images.f)
        gzclose(images.f);
    if (labels.f)
        gzclose(labels.f);
    if (rc == RT_OK)
        snprintf(out->source, sizeof out->source, "%s (labels %s)", spec->path, spec->labels);
    return rc;
}
