/* rt_safetensors.c — writing and reading weights as safetensors (see
 * rt_safetensors.h). The JSON header is built and parsed with json-c; the
 * data is converted to and from little-endian bytes explicitly, so files
 * are the same on every host. Every problem in a file read is an RT_BAD_INPUT
 * error naming the file and, where there is one, the tensor. */
#include "rt_safetensors.h"

#include <json-c/json.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

enum { MAX_HEADER = 100 << 20, CHUNK = 1 << 16 };

int64_t rt_tensor_floats(const rt_tensor *t)
{
    int64_t n = 1;
    for (int d = 0; d < t->rank; d++)
        n *= t->shape[d];
    return n;
}

/* The offset in lrc's array (relative to t->offset) of every file element,
 * in file order, through a callback-free walk: idx[] counts over the file's
 * shape; stride[d] is the lrc stride of file dimension d. */
typedef struct walk {
    int rank;
    int64_t shape[RT_TENSOR_MAX_RANK], idx[RT_TENSOR_MAX_RANK], stride[RT_TENSOR_MAX_RANK];
    int64_t at;
} walk;

static void walk_init(walk *w, const rt_tensor *t)
{
    memset(w, 0, sizeof *w);
    w->rank = t->rank;
    int64_t lshape[RT_TENSOR_MAX_RANK];
    for (int d = 0; d < t->rank; d++) {
        w->shape[d] = t->shape[d];
        lshape[d] = t->shape[t->permuted ? t->perm[d] : d];
    }
    int64_t s = 1;
    for (int d = t->rank - 1; d >= 0; d--) {
        w->stride[t->permuted ? t->perm[d] : d] = s;
        s *= lshape[d];
    }
}

/* Moves to the next file element. */
static void walk_next(walk *w)
{
    for (int d = w->rank - 1; d >= 0; d--) {
        w->at += w->stride[d];
        if (++w->idx[d] < w->shape[d])
            return;
        w->at -= w->stride[d] * w->shape[d];
        w->idx[d] = 0;
    }
}

static int check_list(const rt_tensor *t, int n, rt_err *err)
{
    for (int i = 0; i < n; i++) {
        if (t[i].rank < 1 || t[i].rank > RT_TENSOR_MAX_RANK)
            return rt_errf(err, RT_FAILED, "tensor '%s': rank %d is not 1..%d", t[i].name, t[i].rank,
                           RT_TENSOR_MAX_RANK);
        for (int d = 0; d < t[i].rank; d++)
            if (t[i].shape[d] < 1 || (t[i].permuted && (t[i].perm[d] < 0 || t[i].perm[d] >= t[i].rank)))
                return rt_errf(err, RT_FAILED, "tensor '%s': bad shape or permutation", t[i].name);
    }
    return RT_OK;
}

/* ---- writing ----------------------------------------------------------------- */

static json_object *int_array(const int64_t *v, int n)
{
    json_object *a = json_object_new_array();
    for (int i = 0; a && i < n; i++)
        if (json_object_array_add(a, json_object_new_int64(v[i])) != 0) {
            json_object_put(a);
            return NULL;
        }
    return a;
}

static char *build_header(const rt_tensor *t, int n, const char *const *metadata, size_t *len)
{
    json_object *root = json_object_new_object();
    int ok = root != NULL;
    if (ok && metadata && metadata[0]) {
        json_object *meta = json_object_new_object();
        for (int i = 0; meta && metadata[i] && metadata[i + 1]; i += 2)
            ok = ok && json_object_object_add(meta, metadata[i], json_object_new_string(metadata[i + 1])) == 0;
        ok = ok && meta && json_object_object_add(root, "__metadata__", meta) == 0;
    }
    int64_t begin = 0;
    for (int i = 0; ok && i < n; i++) {
        json_object *o = json_object_new_object();
        int64_t end = begin + rt_tensor_floats(&t[i]) * 4, offs[2] = {begin, end};
        ok = o && json_object_object_add(o, "dtype", json_object_new_string("F32")) == 0
             && json_object_object_add(o, "shape", int_array(t[i].shape, t[i].rank)) == 0
             && json_object_object_add(o, "data_offsets", int_array(offs, 2)) == 0
             && json_object_object_add(root, t[i].name, o) == 0;
        begin = end;
    }
    const char *text = ok ? json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN) : NULL;
    size_t raw = text ? strlen(text) : 0, padded = (raw + 7) / 8 * 8;
    char *out = text ? malloc(padded + 1) : NULL;
    if (out) {
        memcpy(out, text, raw);
        memset(out + raw, ' ', padded - raw);
        out[padded] = '\0';
        *len = padded;
    }
    json_object_put(root);
    return out;
}

static void put_le32(unsigned char *b, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        b[i] = (unsigned char)(v >> (8 * i));
}

static int write_tensor(FILE *f, const float *params, const rt_tensor *t)
{
    unsigned char buf[4 * 1024];
    size_t used = 0;
    walk w;
    walk_init(&w, t);
    for (int64_t k = rt_tensor_floats(t); k > 0; k--) {
        uint32_t u;
        memcpy(&u, &params[t->offset + w.at], sizeof u);
        put_le32(buf + used, u);
        used += 4;
        if (used == sizeof buf) {
            if (fwrite(buf, 1, used, f) != used)
                return -1;
            used = 0;
        }
        walk_next(&w);
    }
    return fwrite(buf, 1, used, f) == used ? 0 : -1;
}

int rt_safetensors_write(const char *path, const float *params, const rt_tensor *t, int n,
                         const char *const *metadata, rt_err *err)
{
    int rc = check_list(t, n, err);
    if (rc != RT_OK)
        return rc;
    size_t hlen = 0;
    char *header = build_header(t, n, metadata, &hlen);
    if (!header)
        return rt_errf(err, RT_FAILED, "%s: out of memory building the header", path);
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "wb");
    if (!f) {
        free(header);
        return rt_errf(err, RT_FAILED, "cannot write '%s': %s", tmp, strerror(errno));
    }
    unsigned char len8[8];
    put_le32(len8, (uint32_t)hlen);
    put_le32(len8 + 4, (uint32_t)((uint64_t)hlen >> 32));
    int bad = fwrite(len8, 1, 8, f) != 8 || fwrite(header, 1, hlen, f) != hlen;
    for (int i = 0; !bad && i < n; i++)
        bad = write_tensor(f, params, &t[i]) != 0;
    free(header);
    bad = fclose(f) != 0 || bad;
    if (bad || rename(tmp, path) != 0) {
        int e = errno;
        remove(tmp);
        return rt_errf(err, RT_FAILED, "cannot write '%s': %s", path, strerror(e));
    }
    return RT_OK;
}

/* ---- reading ----------------------------------------------------------------- */

/* Where each network tensor is in the file: element size and data offset. */
typedef struct found {
    int size;                  /* 4 (F32) or 8 (F64); 0: not found */
    int64_t begin;
} found;

static const char *shape_text(const int64_t *shape, int rank, char *buf, size_t len)
{
    size_t k = (size_t)snprintf(buf, len, "[");
    for (int d = 0; d < rank && k < len; d++)
        k += (size_t)snprintf(buf + k, len - k, "%s%lld", d ? ", " : "", (long long)shape[d]);
    if (k < len)
        snprintf(buf + k, len - k, "]");
    return buf;
}

static int json_int(json_object *v, int64_t *out)
{
    if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 0)
        return 0;
    *out = json_object_get_int64(v);
    return 1;
}

/* Checks one entry of the header against the network tensor `t`. */
static int check_entry(const char *path, json_object *e, const rt_tensor *t, int64_t data_len,
                       found *fd, rt_err *err)
{
    const char *name = t->name;
    if (!json_object_is_type(e, json_type_object))
        return rt_errf(err, RT_BAD_INPUT, "%s: tensor '%s': the header entry is not an object", path, name);
    json_object *dtype = NULL, *shape = NULL, *offs = NULL;
    json_object_object_get_ex(e, "dtype", &dtype);
    json_object_object_get_ex(e, "shape", &shape);
    json_object_object_get_ex(e, "data_offsets", &offs);
    if (!json_object_is_type(dtype, json_type_string) || !json_object_is_type(shape, json_type_array)
        || !json_object_is_type(offs, json_type_array))
        return rt_errf(err, RT_BAD_INPUT, "%s: tensor '%s': the header entry needs \"dtype\", \"shape\" and \"data_offsets\"",
                       path, name);
    if (strcmp(json_object_get_string(dtype), "F32") == 0)
        fd->size = 4;
    else if (strcmp(json_object_get_string(dtype), "F64") == 0)
        fd->size = 8;
    else
        return rt_errf(err, RT_BAD_INPUT, "%s: tensor '%s' has dtype %s; lrc reads F32 and F64", path, name,
                       json_object_get_string(dtype));
    int64_t fshape[RT_TENSOR_MAX_RANK + 1];
    int rank = (int)json_object_array_length(shape);
    int ok = rank <= RT_TENSOR_MAX_RANK;
    for (int d = 0; ok && d < rank; d++)
        ok = json_int(json_object_array_get_idx(shape, (size_t)d), &fshape[d]);
    if (!ok)
        return rt_errf(err, RT_BAD_INPUT, "%s: tensor '%s': \"shape\" is not a list of at most %d sizes",
                       path, name, RT_TENSOR_MAX_RANK);
    int same = rank == t->rank;
    for (int d = 0; same && d < rank; d++)
        same = fshape[d] == t->shape[d];
    char a[96], b[96];
    if (!same)
        return rt_errf(err, RT_BAD_INPUT, "%s: tensor '%s' has shape %s, but the network's is %s", path, name,
                       shape_text(fshape, rank, a, sizeof a), shape_text(t->shape, t->rank, b, sizeof b));
    int64_t begin = 0, end = 0;
    if (json_object_array_length(offs) != 2 || !json_int(json_object_array_get_idx(offs, 0), &begin)
        || !json_int(json_object_array_get_idx(offs, 1), &end) || end < begin)
        return rt_errf(err, RT_BAD_INPUT, "%s: tensor '%s': \"data_offsets\" is not [begin, end]", path, name);
    if (end - begin != rt_tensor_floats(t) * fd->size)
        return rt_errf(err, RT_BAD_INPUT, "%s: tensor '%s': data_offsets [%lld, %lld] hold %lld bytes, but %s %s needs %lld",
                       path, name, (long long)begin, (long long)end, (long long)(end - begin),
                       json_object_get_string(dtype), b, (long long)(rt_tensor_floats(t) * fd->size));
    if (end > data_len)
        return rt_errf(err, RT_BAD_INPUT, "%s: tensor '%s': data_offsets [%lld, %lld] run past the end of the file "
                       "(%lld bytes of data)", path, name, (long long)begin, (long long)end, (long long)data_len);
    fd->begin = begin;
    return RT_OK;
}

static int check_header(const char *path, json_object *root, const rt_tensor *t, int n, int64_t data_len,
                        found *fd, rt_err *err)
{
    if (!json_object_is_type(root, json_type_object))
        return rt_errf(err, RT_BAD_INPUT, "%s: the header is not a JSON object", path);
    json_object_object_foreach(root, key, e) {
        if (strcmp(key, "__metadata__") == 0)
            continue;
        int k = -1;
        for (int i = 0; i < n && k < 0; i++)
            if (strcmp(t[i].name, key) == 0)
                k = i;
        if (k < 0)
            return rt_errf(err, RT_BAD_INPUT, "%s: tensor '%s' is in the file but not in the network "
                           "(its tensors are named %s ... %s)", path, key, n ? t[0].name : "-",
                           n ? t[n - 1].name : "-");
        if (fd[k].size)
            return rt_errf(err, RT_BAD_INPUT, "%s: tensor '%s' appears twice in the header", path, key);
        int rc = check_entry(path, e, &t[k], data_len, &fd[k], err);
        if (rc != RT_OK)
            return rc;
    }
    for (int i = 0; i < n; i++)
        if (!fd[i].size) {
            char b[96];
            return rt_errf(err, RT_BAD_INPUT, "%s: tensor '%s' %s is missing from the file", path, t[i].name,
                           shape_text(t[i].shape, t[i].rank, b, sizeof b));
        }
    return RT_OK;
}

/* Opens the file, parses and checks its header; on success *f is open and
 * *data_start is the byte where the data begins. */
static int open_checked(const char *path, const rt_tensor *t, int n, FILE **fp, long *data_start,
                        found *fd, rt_err *err)
{
    int rc = check_list(t, n, err);
    if (rc != RT_OK)
        return rc;
    FILE *f = fopen(path, "rb");
    if (!f)
        return rt_errf(err, RT_BAD_INPUT, "%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    unsigned char len8[8];
    if (fstat(fileno(f), &st) != 0 || fread(len8, 1, 8, f) != 8) {
        fclose(f);
        return rt_errf(err, RT_BAD_INPUT, "%s: byte 0: not a safetensors file (shorter than its 8-byte header length)",
                       path);
    }
    uint64_t hlen = 0;
    for (int i = 7; i >= 0; i--)
        hlen = hlen << 8 | len8[i];
    if (hlen < 2 || hlen > MAX_HEADER || hlen > (uint64_t)st.st_size - 8) {
        fclose(f);
        return rt_errf(err, RT_BAD_INPUT, "%s: byte 0: header length %llu does not fit the file (%lld bytes): "
                       "not a safetensors file", path, (unsigned long long)hlen, (long long)st.st_size);
    }
    char *h = malloc((size_t)hlen + 1);
    if (!h || fread(h, 1, (size_t)hlen, f) != hlen) {
        free(h);
        fclose(f);
        return rt_errf(err, RT_BAD_INPUT, "%s: byte 8: cannot read the %llu-byte header", path,
                       (unsigned long long)hlen);
    }
    h[hlen] = '\0';
    json_tokener *tok = json_tokener_new();
    json_object *root = tok ? json_tokener_parse_ex(tok, h, (int)hlen) : NULL;
    size_t used = tok ? json_tokener_get_parse_end(tok) : 0;
    while (root && used < hlen && (h[used] == ' ' || h[used] == '\t' || h[used] == '\n' || h[used] == '\r'))
        used++;
    if (!tok)
        rc = rt_errf(err, RT_FAILED, "out of memory");
    else if (!root || used != hlen)
        rc = rt_errf(err, RT_BAD_INPUT, "%s: byte %ld: the header is not valid JSON%s%s", path, 8 + (long)used,
                     root ? "" : ": ", root ? " (text after the object)" : json_tokener_error_desc(json_tokener_get_error(tok)));
    else
        rc = check_header(path, root, t, n, (int64_t)st.st_size - 8 - (int64_t)hlen, fd, err);
    json_object_put(root);
    if (tok)
        json_tokener_free(tok);
    free(h);
    if (rc != RT_OK) {
        fclose(f);
        return rc;
    }
    *fp = f;
    *data_start = 8 + (long)hlen;
    return RT_OK;
}

int rt_safetensors_check(const char *path, const rt_tensor *t, int n, rt_err *err)
{
    return rt_safetensors_read(path, NULL, t, n, err);
}

static int read_tensor(const char *path, FILE *f, long start, const found *fd, const rt_tensor *t,
                       float *params, rt_err *err)
{
    if (fseek(f, start + (long)fd->begin, SEEK_SET) != 0)
        return rt_errf(err, RT_BAD_INPUT, "%s: tensor '%s': cannot seek to its data", path, t->name);
    unsigned char buf[8 * 512];
    walk w;
    walk_init(&w, t);
    int64_t total = rt_tensor_floats(t);
    for (int64_t done = 0; done < total;) {
        size_t want = (size_t)(total - done < 512 ? total - done : 512);
        if (fread(buf, (size_t)fd->size, want, f) != want)
            return rt_errf(err, RT_BAD_INPUT, "%s: tensor '%s': the file ends inside its data", path, t->name);
        for (size_t k = 0; k < want; k++, done++) {
            const unsigned char *b = buf + k * (size_t)fd->size;
            uint64_t u = 0;
            for (int i = fd->size - 1; i >= 0; i--)
                u = u << 8 | b[i];
            float v;
            if (fd->size == 4) {
                uint32_t u32 = (uint32_t)u;
                memcpy(&v, &u32, sizeof v);
            } else {
                double dv;
                memcpy(&dv, &u, sizeof dv);
                v = fabs(dv) <= 3.4028234663852886e38 ? (float)dv : (float)INFINITY;
            }
            if (!isfinite(v))
                return rt_errf(err, RT_BAD_INPUT, "%s: tensor '%s': element %lld is not a finite float", path,
                               t->name, (long long)done);
            params[t->offset + w.at] = v;
            walk_next(&w);
        }
    }
    return RT_OK;
}

int rt_safetensors_read(const char *path, float *params, const rt_tensor *t, int n, rt_err *err)
{
    found *fd = calloc((size_t)(n > 0 ? n : 1), sizeof *fd);
    if (!fd)
        return rt_errf(err, RT_FAILED, "out of memory");
    FILE *f = NULL;
    long start = 0;
    int rc = open_checked(path, t, n, &f, &start, fd, err);
    for (int i = 0; rc == RT_OK && params && i < n; i++) /* no params: the header check only */
        rc = read_tensor(path, f, start, &fd[i], &t[i], params, err);
    if (f)
        fclose(f);
    free(fd);
    return rc;
}
