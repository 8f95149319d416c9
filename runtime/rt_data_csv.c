/* rt_data_csv.c — the numeric CSV loader.
 *
 * The file is read whole into one buffer and parsed in a single pass with
 * strtod. Fields are numbers separated by commas, with optional spaces or
 * tabs around them; lines end in LF or CRLF; blank lines at the end are
 * ignored. Column `label_col` (-1: the last) is the target, every other
 * column a feature; `labels [a, b, ...]` (label_cols) or `targets N` (the
 * last N columns) make several target columns, stored in that order. Errors say `path:ROW:COL: ...` with ROW the 1-based
 * line of the file and COL the 1-based column number. With a `limit`,
 * reading stops after the header and the first `limit` rows (once
 * something other than blank space follows them), and only those rows are
 * allocated and parsed: the rest of the file is neither held nor checked. */
#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "rt_data_internal.h"

/* The longest piece of an offending field quoted in an error message. */
enum { QUOTE_MAX = 40 };

typedef struct csv_text {
    const char *path;
    char *buf;             /* the whole file, NUL-terminated */
    const char *end;       /* just past the last non-blank character */
} csv_text;

typedef struct csv_line {
    const char *start;
    const char *end;       /* before the line's '\r\n' or '\n' */
    const char *next;      /* start of the following line */
    int64_t row;           /* 1-based line number in the file */
} csv_line;

typedef struct csv_shape {
    int64_t columns;
    int64_t nt;            /* target columns */
    int64_t tcols[RT_MAX_LABEL_COLS]; /* their 0-based indices, in target order */
} csv_shape;

/* Which target column `col` is, or -1 for a feature. */
static int64_t target_index(const csv_shape *s, int64_t col)
{
    for (int64_t k = 0; k < s->nt; k++)
        if (s->tcols[k] == col)
            return k;
    return -1;
}

static int is_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

/* Looks through buf[*scanned, used) for the end of the first `lines` lines
 * (`lines` > 0; *newlines counts the '\n' seen, *cut is where the last of
 * those lines ends) and then for something that is not blank after them.
 * Returns 1 when found: the file's first `lines` lines end at *cut and more
 * data follows, so nothing after *cut needs to be read. */
static int lines_done(const char *buf, size_t used, int64_t lines, size_t *scanned, int64_t *newlines,
                      size_t *cut)
{
    for (size_t i = *scanned; i < used; i++) {
        if (*newlines < lines) {
            if (buf[i] == '\n' && ++*newlines == lines)
                *cut = i;
        } else if (!is_blank(buf[i])) {
            *scanned = i;
            return 1;
        }
    }
    *scanned = used;
    return 0;
}

/* Reads the file into one NUL-terminated buffer. With `lines` > 0 it stops
 * as soon as the first `lines` lines are known to be followed by more data
 * (see lines_done): *len is then the length of those lines without the
 * '\n' that ends the last one, and *cut is set. */
static int read_whole_file(const char *path, int64_t max_bytes, int64_t lines, char **out, size_t *len,
                           int *cut, rt_err *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return rt_errf(err, RT_BAD_INPUT, "%s: cannot open: %s", path, strerror(errno));
    size_t cap = 1 << 16, used = 0, scanned = 0, cut_at = 0;
    int64_t newlines = 0;
    *cut = 0;
    char *buf = malloc(cap);
    while (buf) {
        used += fread(buf + used, 1, cap - used - 1, f);
        if (lines > 0 && lines_done(buf, used, lines, &scanned, &newlines, &cut_at)) {
            *cut = 1;
            used = cut_at;
            break;
        }
        if (used < cap - 1)
            break;
        if (max_bytes > 0 && (int64_t)used > max_bytes) { /* e.g. /dev/zero, or far too big */
            free(buf);
            fclose(f);
            char lb[32];
            return rt_errf(err, RT_BAD_INPUT, "%s: the file is larger than the %s the memory limit "
                           "leaves for data (--max-memory)", path, rt_data_bytes_text((double)max_bytes, lb));
        }
        char *grown = realloc(buf, cap * 2);
        if (!grown)
            free(buf);
        buf = grown;
        cap *= 2;
    }
    int read_error = ferror(f), saved_errno = errno;
    fclose(f);
    if (!buf)
        return rt_errf(err, RT_FAILED, "%s: out of memory reading the file", path);
    if (read_error) {
        free(buf);
        return rt_errf(err, RT_BAD_INPUT, "%s: cannot read: %s", path, strerror(saved_errno));
    }
    buf[used] = '\0';
    *out = buf;
    *len = used;
    return RT_OK;
}

static const char *skip_spaces(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    return p;
}

/* The line starting at `start` (which must be before t->end). */
static csv_line line_at(const csv_text *t, const char *start, int64_t row)
{
    csv_line l = { start, t->end, t->end, row };
    const char *nl = memchr(start, '\n', (size_t)(t->end - start));
    if (nl) {
        l.end = nl;
        l.next = nl + 1;
    }
    if (l.end > l.start && l.end[-1] == '\r')
        l.end--;
    return l;
}

static int line_is_blank(const csv_line *l) { return skip_spaces(l->start, l->end) == l->end; }

static int64_t count_columns(const csv_line *l)
{
    int64_t n = 1;
    for (const char *p = l->start; p < l->end; p++)
        n += *p == ',';
    return n;
}

static int64_t count_lines(const char *p, const char *end)
{
    int64_t n = 1;
    while ((p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
        n++;
        p++;
    }
    return n;
}

/* Parses field number `col` (0-based) spanning [p, field_end) into *v. */
static int parse_field(const csv_text *t, const csv_line *l, int64_t col, const char *p,
                       const char *field_end, float *v, rt_err *err)
{
    const char *text = skip_spaces(p, field_end), *text_end = field_end;
    while (text_end > text && (text_end[-1] == ' ' || text_end[-1] == '\t'))
        text_end--;
    /* strtod skips leading white space of its own: never let it start there. */
    char *num_end = (char *)text;
    double d = text < text_end && !isspace((unsigned char)*text) ? strtod(text, &num_end) : 0;
    long long row = (long long)l->row, c = (long long)col + 1;
    int len = (int)(text_end - text < QUOTE_MAX ? text_end - text : QUOTE_MAX);
    if (text == text_end)
        return rt_errf(err, RT_BAD_INPUT, "%s:%lld:%lld: column %lld: expected a number, found an empty field",
                       t->path, row, c, c);
    if (num_end != text_end)
        return rt_errf(err, RT_BAD_INPUT, "%s:%lld:%lld: column %lld: expected a number, found '%.*s'",
                       t->path, row, c, c, len, text);
    if (!isfinite(d))
        return rt_errf(err, RT_BAD_INPUT, "%s:%lld:%lld: column %lld: expected a finite number, found '%.*s'",
                       t->path, row, c, c, len, text);
    if (fabs(d) > FLT_MAX)
        return rt_errf(err, RT_BAD_INPUT, "%s:%lld:%lld: column %lld: number too large for a float, found '%.*s'",
                       t->path, row, c, c, len, text);
    *v = (float)d;
    return RT_OK;
}

/* Parses one data row into x[features] and *y. */
static int parse_row(const csv_text *t, const csv_line *l, const csv_shape *s,
                     float *x, float *y, rt_err *err)
{
    if (line_is_blank(l))
        return rt_errf(err, RT_BAD_INPUT, "%s:%lld: empty row, expected %lld columns",
                       t->path, (long long)l->row, (long long)s->columns);
    int64_t columns = count_columns(l);
    if (columns != s->columns)
        return rt_errf(err, RT_BAD_INPUT, "%s:%lld: row has %lld columns, expected %lld",
                       t->path, (long long)l->row, (long long)columns, (long long)s->columns);
    const char *p = l->start;
    for (int64_t col = 0; col < columns; col++) {
        const char *comma = memchr(p, ',', (size_t)(l->end - p));
        const char *field_end = comma ? comma : l->end;
        int64_t k = target_index(s, col);
        float *dst = k >= 0 ? y + k : x++;
        int rc = parse_field(t, l, col, p, field_end, dst, err);
        if (rc != RT_OK)
            return rc;
        p = field_end + 1;
    }
    return RT_OK;
}

/* Works out the columns from the first data row and checks the target
 * columns (label_cols, targets or label_col) against them. */
static int find_shape(const csv_text *t, const csv_line *first, const rt_data_spec *spec,
                      csv_shape *s, rt_err *err)
{
    int64_t label_col = spec->label_col;
    s->columns = count_columns(first);
    if (line_is_blank(first))
        return rt_errf(err, RT_BAD_INPUT, "%s:%lld: empty row where the first data row should be",
                       t->path, (long long)first->row);
    if (s->columns < 2)
        return rt_errf(err, RT_BAD_INPUT, "%s:%lld: row has 1 column; need a label and at least one feature",
                       t->path, (long long)first->row);
    if (label_col < -1 || label_col >= s->columns)
        return rt_errf(err, RT_BAD_INPUT, "%s: label column %lld is out of range: rows have %lld columns (0-based index 0..%lld, or -1 for the last)",
                       t->path, (long long)label_col, (long long)s->columns,
                       (long long)s->columns - 1);
    s->nt = 1;
    s->tcols[0] = label_col == -1 ? s->columns - 1 : label_col;
    if (spec->nlabel_cols > 0) {
        s->nt = spec->nlabel_cols > RT_MAX_LABEL_COLS ? RT_MAX_LABEL_COLS : spec->nlabel_cols;
        for (int64_t k = 0; k < s->nt; k++) {
            int64_t c = spec->label_cols[k];
            if (c < 0 || c >= s->columns)
                return rt_errf(err, RT_BAD_INPUT, "%s: label column %lld is out of range: rows have %lld columns (0-based index 0..%lld)",
                               t->path, (long long)c, (long long)s->columns, (long long)s->columns - 1);
            if (target_index(s, c) >= 0 && target_index(s, c) < k)
                return rt_errf(err, RT_BAD_INPUT, "%s: label column %lld is listed twice", t->path, (long long)c);
            s->tcols[k] = c;
        }
    } else if (spec->targets > 1) {
        if (spec->targets >= s->columns || spec->targets > RT_MAX_LABEL_COLS)
            return rt_errf(err, RT_BAD_INPUT, "%s: targets %lld leaves no feature: rows have %lld columns",
                           t->path, (long long)spec->targets, (long long)s->columns);
        s->nt = spec->targets;
        for (int64_t k = 0; k < s->nt; k++)
            s->tcols[k] = s->columns - s->nt + k;
    }
    if (s->nt >= s->columns)
        return rt_errf(err, RT_BAD_INPUT, "%s: %lld target columns leave no feature: rows have %lld columns",
                       t->path, (long long)s->nt, (long long)s->columns);
    return RT_OK;
}

/* Parses the rows from `first` to the end of the data. */
static int parse_rows(const csv_text *t, const csv_line *first, const rt_data_spec *spec,
                      rt_dataset *out, rt_err *err)
{
    csv_shape shape = { 0, 0, {0} };
    int rc = find_shape(t, first, spec, &shape, err);
    /* A valid row of C columns takes at least 2C-1 bytes plus its newline,
     * so at most (L+1)/(2C) of the L bytes left can be valid rows: the row
     * after them, if any, is bad and stops the loop below. Allocating for
     * that many rather than for every line keeps a small file of many short
     * lines under a wide first row from asking for rows x columns floats. */
    int64_t rows = count_lines(first->start, t->end);
    if (spec->limit > 0 && rows > spec->limit)
        rows = spec->limit;
    if (rc == RT_OK) {
        int64_t fit = (int64_t)(t->end - first->start + 1) / (2 * shape.columns) + 1;
        rc = rt_data_alloc_y(out, rows < fit ? rows : fit, shape.columns - shape.nt, shape.nt, err);
    }
    csv_line l = *first;
    for (int64_t i = 0; rc == RT_OK && i < out->n; i++) {
        rc = parse_row(t, &l, &shape, out->x + i * out->features, out->y + i * shape.nt, err);
        if (i + 1 < out->n)
            l = line_at(t, l.next, l.row + 1);
    }
    if (rc == RT_OK && out->n < rows) /* cannot happen (see above); never drop rows silently */
        rc = rt_errf(err, RT_BAD_INPUT, "%s:%lld: more rows than the file's size allows",
                     t->path, (long long)l.row + 1);
    return rc;
}

int rt_data_load_csv(const rt_data_spec *spec, rt_dataset *out, rt_err *err)
{
    csv_text t = { spec->path, NULL, NULL };
    size_t len = 0;
    int cut = 0;
    int64_t lines = spec->limit > 0 && spec->limit < INT64_MAX - 1 ? spec->limit + (spec->header != 0) : 0;
    int rc = read_whole_file(spec->path, spec->max_bytes, lines, &t.buf, &len, &cut, err);
    if (rc != RT_OK)
        return rc;
    t.end = t.buf + len;
    /* Blank space ends the file only where nothing follows it. */
    while (!cut && t.end > t.buf && is_blank(t.end[-1]))
        t.end--;
    /* A cut text holds every line it ends with, even an empty last one. */
    int has_text = t.buf < t.end || cut;
    csv_line first = has_text ? line_at(&t, t.buf, 1) : (csv_line){ 0 };
    if (spec->header && has_text)
        first = first.next < t.end || cut ? line_at(&t, first.next, 2) : (csv_line){ 0 };
    if (!has_text)
        rc = rt_errf(err, RT_BAD_INPUT, "%s: empty file: no data rows", spec->path);
    else if (!first.start)
        rc = rt_errf(err, RT_BAD_INPUT, "%s: no data rows after the header", spec->path);
    else
        rc = parse_rows(&t, &first, spec, out, err);
    if (rc == RT_OK)
        snprintf(out->source, sizeof out->source, "%s", spec->path);
    free(t.buf);
    return rc;
}
