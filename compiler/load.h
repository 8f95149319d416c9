/* load.h — reads an experiment and everything it imports.
 *
 * `import "std/sweeps"` resolves against the standard library directory,
 * any other path against the importing file's directory; ".lrf" is added
 * when the path has no extension. Each file is parsed once (diamonds are
 * fine); an import cycle, a missing file or an import nested too deeply is
 * an error at the import statement. Files are listed in dependency order:
 * every file comes after the files it imports, the main file last. */
#ifndef LOAD_H
#define LOAD_H

#include "arena.h"
#include "ast.h"
#include "diag.h"
#include "src.h"

#define LOAD_MAX_DEPTH 32

typedef struct load_set {
    src_set srcs;          /* every file read, by id */
    ast_file **order;      /* parsed files in dependency order, main last */
    int norder;
    int main_file;         /* src id of the main file */
} load_set;

/* Loads `path` and its imports. Returns the number of errors reported. */
int  load_experiment(arena *a, load_set *ls, const char *path, const char *stdlib_dir, diag *d);
void load_free(load_set *ls);

/* The standard library directory: $LRC_STDLIB, else the build's default. */
const char *load_stdlib_dir(void);

#endif
