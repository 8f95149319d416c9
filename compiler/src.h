/* src.h — source files and locations.
 *
 * Every loaded .lrf file (and every --set override, as a pseudo-file) gets an
 * id in a src_set. Locations are byte spans into a file; line and column are
 * computed from the file's line table only when a message is printed. */
#ifndef SRC_H
#define SRC_H

#include <stddef.h>
#include <stdint.h>

typedef struct src_span {
    uint32_t file;       /* index into src_set.files */
    uint32_t begin, end; /* byte offsets, end exclusive */
} src_span;

typedef struct src_file {
    char *path;          /* as shown in messages (relative as given) */
    char *abspath;       /* canonical, for import cycles; NULL for pseudo-files */
    char *text;          /* NUL-terminated contents */
    size_t len;
    uint32_t *line_start;/* byte offset of each line's first character */
    int nlines;
    int is_std;          /* from the standard library */
} src_file;

typedef struct src_set {
    src_file **files;
    int n, cap;
} src_set;

/* The largest source file read (a .lrf file is a few KiB; this bounds
 * what `import "/dev/zero"` or a huge file can cost). */
#define SRC_MAX_BYTES ((size_t)16 << 20)

/* Adds a file read from disk; returns its id, or -1 (errno set) when it
 * cannot be read, EFBIG when it is larger than SRC_MAX_BYTES. */
int  src_add_file(src_set *s, const char *path, const char *abspath);
/* Adds an in-memory text (e.g. "--set sweep.start_rate=1e-6"). */
int  src_add_text(src_set *s, const char *name, const char *text);
void src_free(src_set *s);

/* 1-based line and column (in bytes) of a byte offset. */
void src_line_col(const src_file *f, uint32_t off, int *line, int *col);
/* Start and length of 1-based line `line` (without the newline). */
const char *src_line_text(const src_file *f, int line, size_t *len);

src_span span_join(src_span a, src_span b);

#endif
