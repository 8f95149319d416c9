/* rt_data_npy.c — the NumPy .npy loader: npy("x.npy", "y.npy").
 *
 * Reads format versions 1.0, 2.0 and 3.0: the magic "\x93NUMPY", the
 * version, a little-endian header length (2 bytes in v1, 4 in v2/v3), then
 * a Python dict literal {'descr': ..., 'fortran_order': ..., 'shape': (...)}
 * and the raw C-ordered data. dtypes: <f4 <f8 <i8 <i4 |u1 (little-endian or
 * byte-sized). x has shape (n,), (n, d), (n, h, w) or (n, h, w, c): one
 * sample is the product of the trailing dimensions, and an image keeps its
 * shape in rt_dataset.shape. y has shape (n,) (a class index or one target)
 * or (n, k) (k targets). Every malformed input is an error naming the file
 * and, for the header, the byte offset; a NaN or infinity names the file,
 * row and column (1-based, as in CSV) unless drop_nonfinite asks to drop
 * those rows. Nothing is allocated before the file size has been checked
 * against the shape, so a hostile header cannot ask for huge memory. With a
 * `limit`, only `limit` rows are allocated and rows are read until that
 * many are kept (with drop_nonfinite, the first `limit` finite rows): the
 * rest are not read, so their values are not checked. */
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "rt_data_internal.h"

enum { NPY_MAX_RANK = 8, NPY_MAX_HEADER = 1 << 20, CHUNK = 1 << 16 };

typedef struct npy_arr {
    const char *path;
    const char *name;        /* "x" or "y", for messages */
    char kind;               /* 'f' float, 'i' signed, 'u' unsigned */
    int size;                /* bytes per element */
    char descr[16];
    int rank;
    int64_t shape[NPY_MAX_RANK];
    int64_t count;           /* elements */
    long data_off;           /* byte offset of the data */
} npy_arr;

typedef struct npy_parse {
    const npy_arr *a;
    const char *h;           /* the header text */
    size_t len, pos;
    long base;               /* byte offset of h[0] in the file */
    rt_err *err;
} npy_parse;

static int bad_header(npy_parse *p, const char *what)
{
    return rt_errf(p->err, RT_BAD_INPUT, "%s: byte %ld: malformed .npy header: %s",
                   p->a->path, p->base + (long)p->pos, what);
}

static void skip_ws(npy_parse *p)
{
    while (p->pos < p->len && (p->h[p->pos] == ' ' || p->h[p->pos] == '\t' || p->h[p->pos] == '\n'))
        p->pos++;
}

static int expect(npy_parse *p, char c, const char *what)
{
    skip_ws(p);
    if (p->pos >= p->len || p->h[p->pos] != c)
        return bad_header(p, what);
    p->pos++;
    return RT_OK;
}

/* A quoted Python string ('...' or "...") into out[size]. */
static int parse_str(npy_parse *p, char *out, size_t size, const char *what)
{
    skip_ws(p);
    char q = p->pos < p->len ? p->h[p->pos] : 0;
    if (q != '\'' && q != '"')
        return bad_header(p, what);
    size_t start = ++p->pos;
    while (p->pos < p->len && p->h[p->pos] != q)
        p->pos++;
    if (p->pos >= p->len)
        return bad_header(p, "unterminated string");
    size_t n = p->pos - start;
    if (n >= size)
        return bad_header(p, "string too long");
    memcpy(out, p->h + start, n);
    out[n] = '\0';
    p->pos++;
    return RT_OK;
}

static int parse_descr(npy_parse *p, npy_arr *a)
{
    skip_ws(p);
    if (p->pos < p->len && (p->h[p->pos] == '[' || p->h[p->pos] == '{'))
        return rt_errf(p->err, RT_BAD_INPUT, "%s: byte %ld: structured dtypes are not supported "
                       "(lrc reads <f4, <f8, <i8, <i4 and |u1)", a->path, p->base + (long)p->pos);
    long at = p->base + (long)p->pos;
    int rc = parse_str(p, a->descr, sizeof a->descr, "expected the dtype as a string after 'descr':");
    if (rc != RT_OK)
        return rc;
    const char *d = a->descr;
    static const struct { const char *descr; char kind; int size; } known[] = {
        {"<f4", 'f', 4}, {"<f8", 'f', 8}, {"<i8", 'i', 8}, {"<i4", 'i', 4}, {"|u1", 'u', 1}, {"<u1", 'u', 1},
    };
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (strcmp(d, known[i].descr) == 0) {
            a->kind = known[i].kind;
            a->size = known[i].size;
            return RT_OK;
        }
    if (d[0] == '>' && d[1] && strchr("fiu", d[1]))
        return rt_errf(p->err, RT_BAD_INPUT, "%s: byte %ld: big-endian dtype '%s' is not supported "
                       "(save it with a.astype(a.dtype.newbyteorder('<')))", a->path, at, d);
    if (strchr(d, 'O'))
        return rt_errf(p->err, RT_BAD_INPUT, "%s: byte %ld: object arrays (dtype '%s') are not supported; "
                       "save a numeric array", a->path, at, d);
    return rt_errf(p->err, RT_BAD_INPUT, "%s: byte %ld: unsupported dtype '%s' "
                   "(lrc reads <f4, <f8, <i8, <i4 and |u1)", a->path, at, d);
}

static int parse_bool(npy_parse *p, int *out)
{
    skip_ws(p);
    if (p->len - p->pos >= 4 && memcmp(p->h + p->pos, "True", 4) == 0) {
        *out = 1;
        p->pos += 4;
    } else if (p->len - p->pos >= 5 && memcmp(p->h + p->pos, "False", 5) == 0) {
        *out = 0;
        p->pos += 5;
    } else
        return bad_header(p, "expected True or False after 'fortran_order':");
    return RT_OK;
}

static int parse_shape(npy_parse *p, npy_arr *a)
{
    int rc = expect(p, '(', "expected a tuple after 'shape':");
    a->rank = 0;
    while (rc == RT_OK) {
        skip_ws(p);
        if (p->pos < p->len && p->h[p->pos] == ')') {
            p->pos++;
            return RT_OK;
        }
        if (a->rank == NPY_MAX_RANK)
            return bad_header(p, "too many dimensions");
        if (p->pos >= p->len || p->h[p->pos] < '0' || p->h[p->pos] > '9')
            return bad_header(p, "expected a dimension (a whole number >= 0) in the shape");
        int64_t v = 0;
        while (p->pos < p->len && p->h[p->pos] >= '0' && p->h[p->pos] <= '9') {
            if (v > (INT64_MAX - 9) / 10)
                return bad_header(p, "dimension too large");
            v = v * 10 + (p->h[p->pos++] - '0');
        }
        if (p->pos < p->len && p->h[p->pos] == 'L')
            p->pos++;
        a->shape[a->rank++] = v;
        skip_ws(p);
        if (p->pos < p->len && p->h[p->pos] == ',')
            p->pos++;
        else if (p->pos >= p->len || p->h[p->pos] != ')')
            return bad_header(p, "expected ',' or ')' in the shape");
    }
    return rc;
}

/* The header dict: exactly the keys descr, fortran_order and shape. */
static int parse_dict(npy_parse *p, npy_arr *a)
{
    int seen[3] = {0, 0, 0}, fortran = 0;
    int rc = expect(p, '{', "expected '{' at the start of the header");
    while (rc == RT_OK) {
        skip_ws(p);
        if (p->pos < p->len && p->h[p->pos] == '}')
            break;
        char key[32];
        long at = p->base + (long)p->pos;
        if ((rc = parse_str(p, key, sizeof key, "expected a key in quotes")) != RT_OK)
            return rc;
        if ((rc = expect(p, ':', "expected ':' after the key")) != RT_OK)
            return rc;
        if (strcmp(key, "descr") == 0) {
            rc = parse_descr(p, a);
            seen[0] = 1;
        } else if (strcmp(key, "fortran_order") == 0) {
            rc = parse_bool(p, &fortran);
            seen[1] = 1;
        } else if (strcmp(key, "shape") == 0) {
            rc = parse_shape(p, a);
            seen[2] = 1;
        } else
            return rt_errf(p->err, RT_BAD_INPUT, "%s: byte %ld: malformed .npy header: unknown key '%s'",
                           a->path, at, key);
        if (rc != RT_OK)
            return rc;
        skip_ws(p);
        if (p->pos < p->len && p->h[p->pos] == ',')
            p->pos++;
        else if (p->pos >= p->len || p->h[p->pos] != '}')
            return bad_header(p, "expected ',' or '}' after a value");
    }
    if (rc != RT_OK)
        return rc;
    if (!seen[0] || !seen[1] || !seen[2])
        return bad_header(p, !seen[0] ? "no 'descr' key" : !seen[1] ? "no 'fortran_order' key" : "no 'shape' key");
    if (fortran)
        return rt_errf(p->err, RT_BAD_INPUT, "%s: Fortran-ordered arrays are not supported; "
                       "save np.ascontiguousarray(a)", a->path);
    return RT_OK;
}

static uint32_t le32(const unsigned char *b)
{
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

static uint64_t le64(const unsigned char *b) { return le32(b) | (uint64_t)le32(b + 4) << 32; }

/* Reads the preamble and header of an open file; checks the file's size
 * against the shape. */
static int read_header(FILE *f, npy_arr *a, rt_err *err)
{
    unsigned char pre[12];
    size_t got = fread(pre, 1, sizeof pre, f);
    if (got < 6 || memcmp(pre, "\x93NUMPY", 6) != 0)
        return rt_errf(err, RT_BAD_INPUT, "%s: byte 0: not a NumPy .npy file (it does not start with \\x93NUMPY)",
                       a->path);
    if (got < 10)
        return rt_errf(err, RT_BAD_INPUT, "%s: byte %zu: file is truncated inside the .npy preamble", a->path, got);
    int major = pre[6], minor = pre[7];
    if (major < 1 || major > 3 || minor != 0)
        return rt_errf(err, RT_BAD_INPUT, "%s: byte 6: unsupported .npy format version %d.%d (lrc reads 1.0, 2.0 and 3.0)",
                       a->path, major, minor);
    long base = major == 1 ? 10 : 12;
    if (major > 1 && got < 12)
        return rt_errf(err, RT_BAD_INPUT, "%s: byte %zu: file is truncated inside the .npy preamble", a->path, got);
    uint32_t hlen = major == 1 ? (uint32_t)(pre[8] | pre[9] << 8) : le32(pre + 8);
    if (hlen > NPY_MAX_HEADER)
        return rt_errf(err, RT_BAD_INPUT, "%s: byte 8: header length %lu is implausibly large",
                       a->path, (unsigned long)hlen);
    char *h = malloc((size_t)hlen + 1);
    if (!h)
        return rt_errf(err, RT_FAILED, "%s: out of memory for the header", a->path);
    if (fseek(f, base, SEEK_SET) != 0 || fread(h, 1, hlen, f) != hlen) {
        free(h);
        return rt_errf(err, RT_BAD_INPUT, "%s: byte %ld: file is truncated inside the header (%lu bytes promised)",
                       a->path, base, (unsigned long)hlen);
    }
    h[hlen] = '\0';
    npy_parse p = {a, h, hlen, 0, base, err};
    int rc = memchr(h, '\0', hlen) ? bad_header(&p, "NUL byte in the header") : parse_dict(&p, a);
    free(h);
    if (rc != RT_OK)
        return rc;
    a->data_off = base + (long)hlen;
    a->count = 1;
    for (int i = 0; i < a->rank; i++) {
        if (a->shape[i] != 0 && a->count > INT64_MAX / a->size / a->shape[i])
            return rt_errf(err, RT_BAD_INPUT, "%s: the shape is too large", a->path);
        a->count *= a->shape[i];
    }
    struct stat st;
    if (fstat(fileno(f), &st) != 0)
        return rt_errf(err, RT_BAD_INPUT, "%s: cannot stat: %s", a->path, strerror(errno));
    int64_t want = a->count * a->size, have = (int64_t)st.st_size - a->data_off;
    if (have < want)
        return rt_errf(err, RT_BAD_INPUT, "%s: byte %lld: file is truncated: the shape needs %lld bytes of data "
                       "from byte %ld, but only %lld follow", a->path, (long long)st.st_size,
                       (long long)want, a->data_off, (long long)(have > 0 ? have : 0));
    if (have > want)
        return rt_errf(err, RT_BAD_INPUT, "%s: byte %lld: %lld bytes after the end of the data",
                       a->path, (long long)(a->data_off + want), (long long)(have - want));
    return RT_OK;
}

static float decode(const npy_arr *a, const unsigned char *b)
{
    switch (a->kind) {
    case 'u': return (float)b[0];
    case 'i': return a->size == 4 ? (float)(int32_t)le32(b) : (float)(int64_t)le64(b);
    default: break;
    }
    if (a->size == 4) {
        uint32_t u = le32(b);
        float v;
        memcpy(&v, &u, sizeof v);
        return v;
    }
    uint64_t u = le64(b);
    double v;
    memcpy(&v, &u, sizeof v);
    return fabs(v) > FLT_MAX && isfinite(v) ? (v > 0 ? INFINITY : -INFINITY) : (float)v;
}

static int open_header(const char *path, const char *name, FILE **f, npy_arr *a, rt_err *err)
{
    memset(a, 0, sizeof *a);
    a->path = path;
    a->name = name;
    *f = fopen(path, "rb");
    if (!*f)
        return rt_errf(err, RT_BAD_INPUT, "%s: cannot open: %s", path, strerror(errno));
    return read_header(*f, a, err);
}

/* Checks x's and y's shapes against each other and fills the data set's
 * sizes and sample shape. */
static int check_shapes(const npy_arr *x, const npy_arr *y, rt_dataset *out, int64_t *targets, rt_err *err)
{
    if (x->rank < 1 || x->rank > 4)
        return rt_errf(err, RT_BAD_INPUT, "%s: x has %d dimensions; lrc reads (n,), (n, d), (n, h, w) or (n, h, w, c)",
                       x->path, x->rank);
    if (y->rank < 1 || y->rank > 2)
        return rt_errf(err, RT_BAD_INPUT, "%s: y has %d dimensions; lrc reads (n,) or (n, k) for k targets",
                       y->path, y->rank);
    if (x->shape[0] == 0)
        return rt_errf(err, RT_BAD_INPUT, "%s: no samples (the shape starts with 0)", x->path);
    if (x->shape[0] != y->shape[0])
        return rt_errf(err, RT_BAD_INPUT, "%s: %lld samples, but %s has %lld: x and y must have the same first dimension",
                       y->path, (long long)y->shape[0], x->path, (long long)x->shape[0]);
    int64_t features = x->count / x->shape[0];
    if (features == 0)
        return rt_errf(err, RT_BAD_INPUT, "%s: a sample has 0 features", x->path);
    *targets = y->rank == 2 ? y->shape[1] : 1;
    if (*targets == 0)
        return rt_errf(err, RT_BAD_INPUT, "%s: y has 0 targets per sample", y->path);
    out->rank = x->rank > 1 ? x->rank - 1 : 1;
    for (int i = 0; i < out->rank; i++)
        out->shape[i] = x->rank > 1 ? x->shape[i + 1] : 1;
    return RT_OK;
}

/* The first non-finite value of row[w], or -1. */
static int64_t nonfinite_col(const float *row, int64_t w)
{
    for (int64_t j = 0; j < w; j++)
        if (!isfinite(row[j]))
            return j;
    return -1;
}

/* Row i of the file, row[w], holds a non-finite value at column j. */
static int nonfinite_error(const npy_arr *a, const float *row, int64_t w, int64_t i, int64_t j, rt_err *err)
{
    float v = row[j];
    const char *what = isnan(v) ? "nan" : v > 0 ? "inf" : "-inf";
    return rt_errf(err, RT_BAD_INPUT, "%s:%lld:%lld: %s[%lld]%s%lld%s is %s, not a finite number "
                   "(row and column 1-based; `drop_nonfinite true` drops such rows)",
                   a->path, (long long)i + 1, (long long)j + 1, a->name, (long long)i,
                   w > 1 || a->rank > 1 ? ".flat[" : "", w > 1 || a->rank > 1 ? (long long)j : 0LL,
                   w > 1 || a->rank > 1 ? "]" : "", what);
}

/* Reads `rows` rows of `w` elements of `a` into buf and decodes them into
 * out[rows][w]; `first` is the file row of the first, for messages. */
static int read_rows(FILE *f, const npy_arr *a, int64_t first, int64_t rows, int64_t w,
                     unsigned char *buf, float *out, rt_err *err)
{
    size_t count = (size_t)(rows * w);
    if (fread(buf, (size_t)a->size, count, f) != count)
        return rt_errf(err, RT_BAD_INPUT, "%s: byte %lld: file is truncated inside the data", a->path,
                       (long long)(a->data_off + first * w * a->size));
    for (size_t k = 0; k < count; k++)
        out[k] = decode(a, buf + k * (size_t)a->size);
    return RT_OK;
}

/* Reads x's and y's rows in step into d (allocated for d->n rows) until
 * d->n rows are kept or the file ends: a row holding a NaN/inf fails, or
 * (drop) is dropped and the next one read in its place. Rows after the
 * last one kept are never read. */
static int read_data(FILE *fx, const npy_arr *xa, FILE *fy, const npy_arr *ya, rt_dataset *d, int drop,
                     rt_err *err)
{
    int64_t f = d->features, t = d->targets, nfile = xa->shape[0], keep = d->n;
    int64_t chunk = CHUNK / (f > t ? f : t) > 0 ? CHUNK / (f > t ? f : t) : 1; /* rows per read */
    unsigned char *xbuf = malloc((size_t)(chunk * f * xa->size));
    unsigned char *ybuf = malloc((size_t)(chunk * t * ya->size));
    int rc = RT_OK;
    if (!xbuf || !ybuf)
        rc = rt_errf(err, RT_FAILED, "%s: out of memory", xa->path);
    if (rc == RT_OK && fseek(fx, xa->data_off, SEEK_SET) != 0)
        rc = rt_errf(err, RT_BAD_INPUT, "%s: cannot seek to the data: %s", xa->path, strerror(errno));
    if (rc == RT_OK && fseek(fy, ya->data_off, SEEK_SET) != 0)
        rc = rt_errf(err, RT_BAD_INPUT, "%s: cannot seek to the data: %s", ya->path, strerror(errno));
    int64_t i = 0, kept = 0; /* rows read, rows kept */
    while (rc == RT_OK && kept < keep && i < nfile) {
        int64_t rows = keep - kept < chunk ? keep - kept : chunk;
        rows = nfile - i < rows ? nfile - i : rows;
        float *x = d->x + kept * f, *y = d->y + kept * t;
        rc = read_rows(fx, xa, i, rows, f, xbuf, x, err);
        if (rc == RT_OK)
            rc = read_rows(fy, ya, i, rows, t, ybuf, y, err);
        for (int64_t k = 0; rc == RT_OK && k < rows; k++, i++) {
            const float *xr = x + k * f, *yr = y + k * t;
            int64_t jx = nonfinite_col(xr, f), jy = jx < 0 ? nonfinite_col(yr, t) : -1;
            if ((jx >= 0 || jy >= 0) && !drop)
                rc = jx >= 0 ? nonfinite_error(xa, xr, f, i, jx, err) : nonfinite_error(ya, yr, t, i, jy, err);
            else if (jx < 0 && jy < 0) {
                if (d->x + kept * f != xr) {
                    memmove(d->x + kept * f, xr, (size_t)f * sizeof(float));
                    memmove(d->y + kept * t, yr, (size_t)t * sizeof(float));
                }
                kept++;
            }
        }
    }
    free(xbuf);
    free(ybuf);
    if (rc == RT_OK && kept == 0)
        rc = rt_errf(err, RT_BAD_INPUT, "%s: every one of the %lld rows holds a non-finite value",
                     xa->path, (long long)i);
    if (rc == RT_OK) {
        d->dropped = i - kept;
        d->n = kept;
    }
    return rc;
}

int rt_data_load_npy(const rt_data_spec *spec, rt_dataset *out, rt_err *err)
{
    if (!spec->labels)
        return rt_errf(err, RT_BAD_INPUT, "npy: no targets file given: npy(\"x.npy\", \"y.npy\")");
    FILE *fx = NULL, *fy = NULL;
    npy_arr xa, ya;
    int64_t targets = 1;
    int rc = open_header(spec->path, "x", &fx, &xa, err);
    if (rc == RT_OK)
        rc = open_header(spec->labels, "y", &fy, &ya, err);
    rt_dataset shape = {0};
    if (rc == RT_OK)
        rc = check_shapes(&xa, &ya, &shape, &targets, err);
    int64_t keep = rc == RT_OK ? xa.shape[0] : 0;
    if (spec->limit > 0 && spec->limit < keep)
        keep = spec->limit;
    if (rc == RT_OK)
        rc = rt_data_alloc_y(out, keep, xa.count / xa.shape[0], targets, err);
    if (rc == RT_OK) {
        out->rank = shape.rank;
        memcpy(out->shape, shape.shape, sizeof out->shape);
        rc = read_data(fx, &xa, fy, &ya, out, spec->drop_nonfinite, err);
    }
    if (fx)
        fclose(fx);
    if (fy)
        fclose(fy);
    if (rc != RT_OK)
        return rc;
    int len = snprintf(out->source, sizeof out->source, "%s", spec->path);
    if (out->dropped && len >= 0 && (size_t)len < sizeof out->source)
        snprintf(out->source + len, sizeof out->source - (size_t)len,
                 " (dropped %lld rows with non-finite values)", (long long)out->dropped);
    return RT_OK;
}
