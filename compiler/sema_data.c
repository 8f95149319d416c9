/* sema_data.c — the dataset block: its source (csv, idx, synthetic) and
 * settings, checked and turned into the runtime's rt_data_spec. Paths are
 * resolved against the .lrf file that wrote them. */
#include "sema_internal.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <string.h>


/* ---- dataset --------------------------------------------------------------- */

static const char *dir_of_file(sema_ctx *c, int file)
{
    const char *path = c->ls->srcs.files[file]->path;
    const char *slash = strrchr(path, '/');
    return slash ? arena_strndup(c->a, path, (size_t)(slash - path + 1)) : "";
}

/* A path argument, resolved against the directory of the file that wrote it. */
static const char *path_arg(sema_ctx *c, const ast_expr *call, int i, const char *what)
{
    const ast_expr *e = call->items[i];
    if (e->kind != AST_STR || !e->text[0]) {
        diag_error(c->d, e->span, "%s() takes %s as a file name in quotes", call->text, what);
        return NULL;
    }
    if (e->text[0] == '/')
        return e->text;
    return arena_printf(c->a, "%s%s", dir_of_file(c, e->span.file), e->text);
}

static int source_kind(sema_ctx *c, const ast_expr *src, rt_data_spec *out)
{
    static const char *const sources[] = {"csv", "idx", "spirals", "blobs", NULL};
    const char *name = src->kind == AST_CALL || src->kind == AST_IDENT ? src->text : "";
    if (strcmp(name, "csv") == 0 && src->kind == AST_CALL && src->nitems == 1) {
        out->kind = RT_SRC_CSV;
        out->path = path_arg(c, src, 0, "the CSV file");
        return out->path != NULL;
    }
    if (strcmp(name, "idx") == 0 && src->kind == AST_CALL && src->nitems == 2) {
        out->kind = RT_SRC_IDX;
        out->path = path_arg(c, src, 0, "the images file");
        out->labels = path_arg(c, src, 1, "the labels file");
        return out->path && out->labels;
    }
    if ((strcmp(name, "spirals") == 0 || strcmp(name, "blobs") == 0) &&
        (src->kind == AST_IDENT || src->nitems == 0)) {
        out->kind = strcmp(name, "spirals") == 0 ? RT_SRC_SPIRALS : RT_SRC_BLOBS;
        return 1;
    }
    const char *near = sema_closest(name, sources);
    if (strcmp(name, "csv") == 0 || strcmp(name, "idx") == 0)
        diag_error(c->d, src->span, "%s", strcmp(name, "csv") == 0
                   ? "csv() takes one file name: csv(\"data.csv\")"
                   : "idx() takes two file names: idx(\"images.idx3-ubyte.gz\", \"labels.idx1-ubyte.gz\")");
    else if (near)
        diag_error(c->d, src->span, "unknown data source '%s' (did you mean '%s'?)", name, near);
    else
        diag_error(c->d, src->span, "unknown data source (expected csv(\"file\"), idx(\"images\", \"labels\"), "
                                    "spirals or blobs)");
    return 0;
}

void sema_build_dataset(sema_ctx *c, const sema_block *b, rt_data_spec *out, int64_t *batch, int *shuffle)
{
    static const char *const csv_keys[] = {"header", "label", "limit", "scale", "standardize", "batch", "shuffle", NULL};
    static const char *const idx_keys[] = {"limit", "scale", "standardize", "batch", "shuffle", NULL};
    static const char *const synth_keys[] = {"samples", "classes", "features", "noise", "seed", "limit",
                                             "scale", "standardize", "batch", "shuffle", NULL};
    memset(out, 0, sizeof *out);
    out->label_col = -1;
    out->scale = 1;
    if (!b->source) {
        diag_error(c->d, b->span, "dataset '%s' has no source: write e.g. dataset %s = csv(\"data.csv\")",
                   b->name, b->name);
        return;
    }
    if (!source_kind(c, b->source, out))
        return;
    const char *src = out->kind == RT_SRC_CSV ? "csv" : out->kind == RT_SRC_IDX ? "idx"
                    : out->kind == RT_SRC_SPIRALS ? "spirals" : "blobs";
    sema_record(c, "source", 0, "%s", src);
    if (out->path)
        sema_record(c, "path", 0, "%s", out->path);
    if (out->labels)
        sema_record(c, "labels", 0, "%s", out->labels);
    char what[64];
    snprintf(what, sizeof what, "a %s dataset", src);
    sema_unknown_keys(c, b, what, out->kind == RT_SRC_CSV ? csv_keys : out->kind == RT_SRC_IDX ? idx_keys : synth_keys);
    if (out->kind == RT_SRC_CSV) {
        out->header = sema_bool(c, b, "header", 0);
        out->label_col = sema_int(c, b, "label", -1, -1, INT32_MAX);
    } else if (out->kind != RT_SRC_IDX) {
        int spirals = out->kind == RT_SRC_SPIRALS;
        out->samples = sema_int(c, b, "samples", 600, 1, 100000000);
        out->classes = sema_int(c, b, "classes", 3, 2, 1000);
        out->features = spirals ? 2 : sema_int(c, b, "features", 2, 1, SEMA_MAX_UNITS);
        out->noise = sema_real(c, b, "noise", spirals ? 0.2 : 1.0, 0, 0, INFINITY, 0);
        out->seed = (uint64_t)sema_int(c, b, "seed", 0, 0, INT64_MAX);
    }
    out->limit = sema_int(c, b, "limit", 0, 0, INT64_MAX);
    out->scale = sema_real(c, b, "scale", 1, 0, 1, INFINITY, 0);
    out->standardize = sema_bool(c, b, "standardize", 0);
    *batch = sema_int(c, b, "batch", 64, 1, SEMA_MAX_BATCH);
    *shuffle = sema_bool(c, b, "shuffle", 1);
}

