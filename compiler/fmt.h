/* fmt.h — the .lrf formatter behind `lrc fmt`: one canonical layout for any
 * parsed file, keeping every comment.
 *
 * The layout: two spaces per block level, one statement per line, single
 * spaces between values, `, ` where the user wrote a comma, `key ... {` with
 * the body indented and `}` on its own line (a nested block of simple
 * statements without comments, like a layer's `{ init he }`, stays on one
 * line: `{ a 1; b 2 }`, up to 100 columns), numbers and strings as spelt,
 * stop expressions with single spaces around operators and only the
 * parentheses the tree needs, at most one blank line between statements, no
 * alignment. End-of-line comments follow their line after two spaces;
 * own-line comments keep their place at the indentation of what follows.
 * Inside ( ) and [ ] the user's line breaks are kept (continuation lines
 * are indented two levels deeper). A comment written inside a stop
 * expression moves to its own line above the statement. The output parses
 * to the same tree, and formatting it again changes nothing. */
#ifndef FMT_H
#define FMT_H

#include <stdio.h>
#include "ast.h"
#include "src.h"

/* The canonical text of `af`, parsed from `f` (malloc'd, NUL-terminated;
 * NULL when out of memory). `af` must have parsed without errors. */
char *fmt_ast(const src_file *f, const ast_file *af);

/* Parses `text` (shown as `name` in messages) and formats it. Returns the
 * number of syntax errors, printed to `errs`; on 0, *out is the malloc'd
 * result (NULL when out of memory). */
int fmt_text(const char *name, const char *text, FILE *errs, char **out);

#endif
