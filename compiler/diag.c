/* diag.c — printing diagnostics (diag.h) in gcc's format:
 *
 *   path:LINE:COL: error: MESSAGE
 *      LINE | source line text
 *           |   ^~~~~
 *
 * It counts errors and stops printing after max_errors. It decides nothing
 * about what is an error; the lexer, parser and checker do. */
#include "diag.h"

#include <stdarg.h>

enum { DIAG_DEFAULT_MAX = 100 };

void diag_init(diag *d, const src_set *srcs, FILE *out)
{
    d->srcs = srcs;
    d->out = out;
    d->errors = 0;
    d->max_errors = DIAG_DEFAULT_MAX;
}

int diag_errors(const diag *d)
{
    return d->errors;
}

static int limit(const diag *d)
{
    return d->max_errors > 0 ? d->max_errors : DIAG_DEFAULT_MAX;
}

/* Counts one more error; returns whether it is still printed. */
static int count_error(diag *d)
{
    d->errors++;
    if (d->errors == limit(d) + 1)
        fprintf(d->out, "lrc: too many errors, stopping\n");
    return d->errors <= limit(d);
}

static int is_utf8_continuation(char c)
{
    return ((unsigned char)c & 0xC0) == 0x80;
}

/* The caret line: blanks up to the span (a tab where the source has one,
 * one blank per character, not per byte), '^' and then '~' to the span's
 * end on this line. */
static void print_caret(FILE *out, const char *line, size_t len, size_t col0, size_t width)
{
    for (size_t i = 0; i < col0 && i < len; i++)
        if (!is_utf8_continuation(line[i]))
            fputc(line[i] == '\t' ? '\t' : ' ', out);
    for (size_t i = len; i < col0; i++)
        fputc(' ', out);
    fputc('^', out);
    for (size_t i = col0 + 1; i < col0 + width; i++)
        if (i >= len || !is_utf8_continuation(line[i]))
            fputc('~', out);
    fputc('\n', out);
}

static int digits(int n)
{
    int k = 1;
    while (n >= 10) {
        n /= 10;
        k++;
    }
    return k;
}

static void print_located(diag *d, src_span at, const char *kind, const char *fmt, va_list ap)
{
    if (!d->srcs || at.file >= (uint32_t)d->srcs->n) {
        fprintf(d->out, "lrc: %s: ", kind);
        vfprintf(d->out, fmt, ap);
        fputc('\n', d->out);
        return;
    }
    const src_file *f = d->srcs->files[at.file];
    uint32_t begin = at.begin <= f->len ? at.begin : (uint32_t)f->len;
    int line, col;
    src_line_col(f, begin, &line, &col);
    fprintf(d->out, "%s:%d:%d: %s: ", f->path, line, col, kind);
    vfprintf(d->out, fmt, ap);
    fputc('\n', d->out);

    size_t len;
    const char *text = src_line_text(f, line, &len);
    if (!text)
        return;
    size_t col0 = (size_t)col - 1;
    size_t rest = len > col0 ? len - col0 : 0;
    size_t width = at.end > begin ? at.end - begin : 1;
    if (width > rest)
        width = rest > 0 ? rest : 1;
    int w = digits(line);
    fprintf(d->out, "   %d | %.*s\n", line, (int)len, text);
    fprintf(d->out, "   %*s | ", w, "");
    print_caret(d->out, text, len, col0, width);
}

void diag_error(diag *d, src_span at, const char *fmt, ...)
{
    if (!count_error(d))
        return;
    va_list ap;
    va_start(ap, fmt);
    print_located(d, at, "error", fmt, ap);
    va_end(ap);
}

void diag_note(diag *d, src_span at, const char *fmt, ...)
{
    if (d->errors > limit(d))         /* notes of suppressed errors */
        return;
    va_list ap;
    va_start(ap, fmt);
    print_located(d, at, "note", fmt, ap);
    va_end(ap);
}

void diag_error_plain(diag *d, const char *fmt, ...)
{
    if (!count_error(d))
        return;
    va_list ap;
    va_start(ap, fmt);
    fprintf(d->out, "lrc: error: ");
    vfprintf(d->out, fmt, ap);
    fputc('\n', d->out);
    va_end(ap);
}
