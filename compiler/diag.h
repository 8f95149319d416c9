/* diag.h — diagnostics: `file:line:col: error: message`, the source line and
 * a caret under the whole span, like gcc. Counts errors and keeps going, so a
 * run reports every error of a file; callers stop when diag_errors() > 0. */
#ifndef DIAG_H
#define DIAG_H

#include <stdio.h>
#include "src.h"

typedef struct diag {
    const src_set *srcs;
    FILE *out;
    int errors;
    int max_errors;      /* stop printing after this many (0 = 100) */
} diag;

void diag_init(diag *d, const src_set *srcs, FILE *out);
void diag_error(diag *d, src_span at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void diag_note(diag *d, src_span at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* An error with no source location (e.g. a file given on the command line). */
void diag_error_plain(diag *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int  diag_errors(const diag *d);

#endif
