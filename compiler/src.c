/* src.c — source files and their line tables (src.h). Loads a file whole,
 * or takes an in-memory text, and maps byte offsets to line and column.
 * It does not print anything: callers report failures through diag. */
#include "src.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- line table ------------------------------------------------------- */

static int build_lines(src_file *f)
{
    int cap = 64, n = 0;
    uint32_t *starts = malloc((size_t)cap * sizeof *starts);
    if (!starts)
        return -1;
    starts[n++] = 0;
    for (size_t i = 0; i < f->len; i++) {
        if (f->text[i] != '\n' || i + 1 >= f->len)
            continue;
        if (n == cap) {
            uint32_t *grown = realloc(starts, (size_t)cap * 2 * sizeof *starts);
            if (!grown) {
                free(starts);
                return -1;
            }
            starts = grown;
            cap *= 2;
        }
        starts[n++] = (uint32_t)(i + 1);
    }
    f->line_start = starts;
    f->nlines = n;
    return 0;
}

void src_line_col(const src_file *f, uint32_t off, int *line, int *col)
{
    int lo = 0, hi = f->nlines - 1;
    while (lo < hi) {                  /* last line starting at or before off */
        int mid = lo + (hi - lo + 1) / 2;
        if (f->line_start[mid] <= off)
            lo = mid;
        else
            hi = mid - 1;
    }
    *line = lo + 1;
    *col = (int)(off - f->line_start[lo]) + 1;
}

const char *src_line_text(const src_file *f, int line, size_t *len)
{
    if (line < 1 || line > f->nlines) {
        *len = 0;
        return NULL;
    }
    size_t b = f->line_start[line - 1], e = b;
    while (e < f->len && f->text[e] != '\n')
        e++;
    if (e > b && f->text[e - 1] == '\r')
        e--;
    *len = e - b;
    return f->text + b;
}

src_span span_join(src_span a, src_span b)
{
    src_span s = a;
    if (b.begin < s.begin)
        s.begin = b.begin;
    if (b.end > s.end)
        s.end = b.end;
    return s;
}

/* ---- the set of files ----------------------------------------------- */

static void free_file(src_file *f)
{
    if (!f)
        return;
    free(f->path);
    free(f->abspath);
    free(f->text);
    free(f->line_start);
    free(f);
}

/* Takes ownership of `text` (len bytes plus a NUL); returns the new id. */
static int add(src_set *s, const char *path, const char *abspath, char *text, size_t len)
{
    src_file *f = calloc(1, sizeof *f);
    if (!f) {
        free(text);
        return -1;
    }
    f->text = text;
    f->len = len;
    f->path = strdup(path);
    f->abspath = abspath ? strdup(abspath) : NULL;
    if (!f->path || (abspath && !f->abspath) || build_lines(f) != 0)
        goto fail;
    if (s->n == s->cap) {
        int cap = s->cap ? s->cap * 2 : 8;
        src_file **files = realloc(s->files, (size_t)cap * sizeof *files);
        if (!files)
            goto fail;
        s->files = files;
        s->cap = cap;
    }
    s->files[s->n] = f;
    return s->n++;
fail:
    free_file(f);
    errno = ENOMEM;
    return -1;
}

/* Reads a whole stream (regular file or not) into a NUL-terminated buffer. */
static char *read_all(FILE *fp, size_t *len)
{
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    if (!buf)
        return NULL;
    for (;;) {
        if (cap - n < 2) {
            char *grown = cap > SIZE_MAX / 2 ? NULL : realloc(buf, cap * 2);
            if (!grown) {
                free(buf);
                errno = ENOMEM;
                return NULL;
            }
            buf = grown;
            cap *= 2;
        }
        size_t got = fread(buf + n, 1, cap - n - 1, fp);
        n += got;
        if (got == 0)
            break;
        if (n > SRC_MAX_BYTES) {       /* e.g. import "/dev/zero": stop before memory does */
            free(buf);
            errno = EFBIG;
            return NULL;
        }
    }
    if (ferror(fp)) {
        int e = errno ? errno : EIO;
        free(buf);
        errno = e;
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

int src_add_file(src_set *s, const char *path, const char *abspath)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return -1;
    size_t len = 0;
    errno = 0;
    char *text = read_all(fp, &len);
    int e = errno;
    fclose(fp);
    if (!text) {
        errno = e;
        return -1;
    }
    if (memchr(text, '\0', len)) {     /* a binary file, not a .lrf */
        free(text);
        errno = EINVAL;
        return -1;
    }
    if (len > UINT32_MAX / 2) {        /* spans are 32-bit offsets */
        free(text);
        errno = EFBIG;
        return -1;
    }
    return add(s, path, abspath, text, len);
}

int src_add_text(src_set *s, const char *name, const char *text)
{
    size_t len = strlen(text);
    if (len > UINT32_MAX / 2) {
        errno = EFBIG;
        return -1;
    }
    char *copy = malloc(len + 1);
    if (!copy) {
        errno = ENOMEM;
        return -1;
    }
    memcpy(copy, text, len + 1);
    return add(s, name, NULL, copy, len);
}

void src_free(src_set *s)
{
    for (int i = 0; i < s->n; i++)
        free_file(s->files[i]);
    free(s->files);
    s->files = NULL;
    s->n = s->cap = 0;
}
