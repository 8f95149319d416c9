/* load.c — reads the main .lrf file and, depth first, everything it imports;
 * detects cycles and missing files at the import statement that names them.
 * Not here: what the definitions mean (sema.c). */
#include "load.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

typedef struct loader {
    arena *a;
    load_set *ls;
    const char *stdlib_dir;
    diag *d;
    int stack[LOAD_MAX_DEPTH + 1]; /* src ids of the files being loaded */
    int depth;
    ptrvec order;                  /* parsed files, dependency order */
} loader;

const char *load_stdlib_dir(void)
{
    const char *env = getenv("LRC_STDLIB");
    return env && *env ? env : LRC_STDLIB_DIR;
}

/* Directory part of `path` ("." when there is none). */
static char *dir_of(arena *a, const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return arena_strdup(a, ".");
    if (slash == path)
        return arena_strdup(a, "/");
    return arena_strndup(a, path, (size_t)(slash - path));
}

static int has_extension(const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    return strchr(base, '.') != NULL;
}

/* Where `import "name"` in file `from` points. */
static char *resolve_import(loader *L, int from, const char *name)
{
    const char *ext = has_extension(name) ? "" : ".lrf";
    if (strncmp(name, "std/", 4) == 0)
        return arena_printf(L->a, "%s/%s%s", L->stdlib_dir, name, ext);
    if (name[0] == '/')
        return arena_printf(L->a, "%s%s", name, ext);
    const char *dir = dir_of(L->a, L->ls->srcs.files[from]->path);
    if (strcmp(dir, ".") == 0)
        return arena_printf(L->a, "%s%s", name, ext);
    return arena_printf(L->a, "%s/%s%s", dir, name, ext);
}

static int find_loaded(const loader *L, const char *abspath)
{
    const src_set *s = &L->ls->srcs;
    for (int i = 0; i < s->n; i++)
        if (s->files[i]->abspath && strcmp(s->files[i]->abspath, abspath) == 0)
            return i;
    return -1;
}

static void load_file(loader *L, int id);

static void load_import(loader *L, int from, const ast_stmt *imp)
{
    const ast_expr *name = imp->base;
    if (!name || name->kind != AST_STR) {
        diag_error(L->d, imp->span, "import takes a file name in quotes, e.g. import \"std/sweeps\"");
        return;
    }
    char *path = resolve_import(L, from, name->text);
    char *abs = realpath(path, NULL);
    if (!abs) {
        diag_error(L->d, name->span, "cannot import '%s': %s (looked for %s)", name->text,
                   strerror(errno), path);
        return;
    }
    int id = find_loaded(L, abs);
    if (id >= 0) {
        free(abs);
        for (int i = 0; i < L->depth; i++)
            if (L->stack[i] == id) {
                if (id == from)
                    diag_error(L->d, name->span, "'%s' imports itself", name->text);
                else
                    diag_error(L->d, name->span, "import cycle: '%s' is already being imported",
                               name->text);
                return;
            }
        return; /* already loaded through another path: fine */
    }
    if (L->depth >= LOAD_MAX_DEPTH) {
        free(abs);
        diag_error(L->d, name->span, "imports nested deeper than %d files", LOAD_MAX_DEPTH);
        return;
    }
    id = src_add_file(&L->ls->srcs, path, abs);
    free(abs);
    if (id < 0) {
        diag_error(L->d, name->span, "cannot import '%s': %s", name->text,
                   errno == EINVAL ? "not a text file" : strerror(errno));
        return;
    }
    L->ls->srcs.files[id]->is_std = strncmp(name->text, "std/", 4) == 0 ||
                                    L->ls->srcs.files[from]->is_std;
    load_file(L, id);
}

static void load_file(loader *L, int id)
{
    ast_file *af = ast_parse(L->a, &L->ls->srcs, id, L->d);
    L->stack[L->depth++] = id;
    for (int i = 0; i < af->nstmts; i++)
        if (af->stmts[i]->kind == AST_IMPORT)
            load_import(L, id, af->stmts[i]);
    L->depth--;
    ptrvec_push(L->a, &L->order, af);
}

int load_experiment(arena *a, load_set *ls, const char *path, const char *stdlib_dir, diag *d)
{
    memset(ls, 0, sizeof *ls);
    int before = diag_errors(d);
    char *abs = realpath(path, NULL);
    int id = abs ? src_add_file(&ls->srcs, path, abs) : -1;
    int saved = errno;
    free(abs);
    if (id < 0) {
        diag_error_plain(d, "cannot read '%s': %s", path,
                         saved == EINVAL ? "not a text file" : strerror(saved));
        return diag_errors(d) - before;
    }
    loader L = {.a = a, .ls = ls, .stdlib_dir = stdlib_dir, .d = d};
    ls->main_file = id;
    load_file(&L, id);
    ls->order = (ast_file **)L.order.items;
    ls->norder = L.order.n;
    return diag_errors(d) - before;
}

void load_free(load_set *ls) { src_free(&ls->srcs); }
