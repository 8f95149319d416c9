/* sema_data.c — the dataset block: its source (csv, idx, npy, synthetic) and
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

/* The generators, written as a bare name: `dataset d = spirals { ... }`. */
static const struct { const char *name; rt_src_kind kind; } generators[] = {
    {"spirals", RT_SRC_SPIRALS}, {"blobs", RT_SRC_BLOBS}, {"regression", RT_SRC_REGRESSION}, {"moons", RT_SRC_MOONS},
};

int sema_is_generator(const char *name)
{
    for (size_t i = 0; i < sizeof generators / sizeof generators[0]; i++)
        if (strcmp(name, generators[i].name) == 0)
            return 1;
    return 0;
}

static int source_kind(sema_ctx *c, const ast_expr *src, rt_data_spec *out)
{
    static const char *const sources[] = {"csv", "idx", "npy", "spirals", "blobs", "regression", "moons", NULL};
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
    if (strcmp(name, "npy") == 0 && src->kind == AST_CALL && src->nitems == 2) {
        out->kind = RT_SRC_NPY;
        out->path = path_arg(c, src, 0, "the inputs (x) file");
        out->labels = path_arg(c, src, 1, "the targets (y) file");
        return out->path && out->labels;
    }
    for (size_t i = 0; i < sizeof generators / sizeof generators[0]; i++)
        if (strcmp(name, generators[i].name) == 0 && (src->kind == AST_IDENT || src->nitems == 0)) {
            out->kind = generators[i].kind;
            return 1;
        }
    if (strcmp(name, "npy") == 0) {
        diag_error(c->d, src->span, "npy() takes two file names: npy(\"x.npy\", \"y.npy\")");
        return 0;
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
                                    "npy(\"x.npy\", \"y.npy\"), spirals, blobs, regression or moons)");
    return 0;
}

/* CSV targets: `label N` (one column), `labels [a, b, ...]` (these columns,
 * in this order) or `targets N` (the last N columns); one of the three. */
static void csv_targets(sema_ctx *c, const sema_block *b, rt_data_spec *out)
{
    const ast_stmt *label = sema_find(b, "label"), *labels = sema_find(b, "labels"), *targets = sema_find(b, "targets");
    if ((label != NULL) + (labels != NULL) + (targets != NULL) > 1) {
        const ast_stmt *second = labels && label ? labels : targets;
        diag_error(c->d, second->key_span, "give the targets once: 'label N', 'labels [a, b, ...]' or 'targets N'");
        return;
    }
    /* Only the form in effect is recorded, so that the settings read back
     * as a valid dataset (lrc explain). */
    out->label_col = targets || labels ? -1 : sema_int(c, b, "label", -1, -1, INT32_MAX);
    out->targets = targets ? sema_int(c, b, "targets", 1, 1, RT_MAX_LABEL_COLS) : 1;
    if (!labels || !sema_arity(c, labels, 1, "a list of column numbers"))
        return;
    const ast_expr *e = labels->args[0];
    if (e->kind != AST_LIST || e->nitems < 1 || e->nitems > RT_MAX_LABEL_COLS) {
        diag_error(c->d, e->span, "'labels' takes a list of 1 to %d 0-based column numbers, e.g. labels [10, 11, 12]",
                   RT_MAX_LABEL_COLS);
        return;
    }
    char text[512];
    size_t len = 0;
    text[0] = '\0';
    for (int i = 0; i < e->nitems; i++) {
        const ast_expr *it = e->items[i];
        if (it->kind != AST_NUM || !it->is_int || it->num < 0 || it->num > INT32_MAX) {
            diag_error(c->d, it->span, "a label column is a 0-based column number (a whole number >= 0)");
            return;
        }
        for (int j = 0; j < i; j++)
            if (out->label_cols[j] == (int64_t)it->num) {
                diag_error(c->d, it->span, "column %s is listed twice", it->text);
                return;
            }
        out->label_cols[i] = (int64_t)it->num;
        if (len < sizeof text)
            len += (size_t)snprintf(text + len, sizeof text - len, "%s%s", i ? ", " : "", it->text);
    }
    out->nlabel_cols = e->nitems;
    sema_record(c, "labels", 0, "[%s]", text);
}

void sema_build_dataset(sema_ctx *c, const sema_block *b, rt_data_spec *out, int64_t *batch, int *shuffle)
{
    static const char *const csv_keys[] = {"header", "label", "labels", "targets", "one_hot", "limit", "scale",
                                           "standardize", "batch", "shuffle", "split", NULL};
    static const char *const idx_keys[] = {"one_hot", "limit", "scale", "standardize", "batch", "shuffle", "split", NULL};
    static const char *const npy_keys[] = {"one_hot", "drop_nonfinite", "limit", "scale", "standardize", "batch",
                                           "shuffle", "split", NULL};
    static const char *const regression_keys[] = {"samples", "features", "targets", "noise", "seed", "limit",
                                                  "scale", "standardize", "batch", "shuffle", "split", NULL};
    static const char *const moons_keys[] = {"samples", "noise", "seed", "one_hot", "limit", "scale",
                                             "standardize", "batch", "shuffle", "split", NULL};
    static const char *const synth_keys[] = {"samples", "classes", "features", "noise", "seed", "one_hot", "limit",
                                             "scale", "standardize", "batch", "shuffle", "split", NULL};
    static const char *const *const keys_of[] = {
        [RT_SRC_CSV] = csv_keys, [RT_SRC_IDX] = idx_keys, [RT_SRC_SPIRALS] = synth_keys, [RT_SRC_BLOBS] = synth_keys,
        [RT_SRC_NPY] = npy_keys, [RT_SRC_REGRESSION] = regression_keys, [RT_SRC_MOONS] = moons_keys,
    };
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
    static const char *const src_names[] = {
        [RT_SRC_CSV] = "csv", [RT_SRC_IDX] = "idx", [RT_SRC_SPIRALS] = "spirals", [RT_SRC_BLOBS] = "blobs",
        [RT_SRC_NPY] = "npy", [RT_SRC_REGRESSION] = "regression", [RT_SRC_MOONS] = "moons",
    };
    const char *src = src_names[out->kind];
    sema_record(c, "source", 0, "%s", src);
    if (out->path)
        sema_record(c, "path", 0, "%s", out->path);
    if (out->labels)
        sema_record(c, "labels", 0, "%s", out->labels);
    char what[64];
    snprintf(what, sizeof what, "a %s dataset", src);
    sema_unknown_keys(c, b, what, keys_of[out->kind]);
    if (out->kind == RT_SRC_CSV) {
        out->header = sema_bool(c, b, "header", 0);
        csv_targets(c, b, out);
    } else if (out->kind == RT_SRC_NPY) {
        out->drop_nonfinite = sema_bool(c, b, "drop_nonfinite", 0);
    } else if (out->kind == RT_SRC_REGRESSION || out->kind == RT_SRC_MOONS) {
        int moons = out->kind == RT_SRC_MOONS;
        out->samples = sema_int(c, b, "samples", moons ? 600 : 1000, moons ? 2 : 1, 100000000);
        out->classes = moons ? 2 : 0;
        out->features = moons ? 2 : sema_int(c, b, "features", 8, 1, SEMA_MAX_UNITS);
        out->targets = moons ? 1 : sema_int(c, b, "targets", 1, 1, RT_MAX_LABEL_COLS);
        out->noise = sema_real(c, b, "noise", 0.1, 0, 0, INFINITY, 0);
        out->seed = (uint64_t)sema_int(c, b, "seed", 0, 0, INT64_MAX);
    } else if (out->kind != RT_SRC_IDX) {
        int spirals = out->kind == RT_SRC_SPIRALS;
        out->samples = sema_int(c, b, "samples", 600, 1, 100000000);
        out->classes = sema_int(c, b, "classes", 3, 2, 1000);
        out->features = spirals ? 2 : sema_int(c, b, "features", 2, 1, SEMA_MAX_UNITS);
        out->noise = sema_real(c, b, "noise", spirals ? 0.2 : 1.0, 0, 0, INFINITY, 0);
        out->seed = (uint64_t)sema_int(c, b, "seed", 0, 0, INT64_MAX);
    }
    if (out->kind != RT_SRC_REGRESSION)
        out->one_hot = sema_bool(c, b, "one_hot", 0);
    out->limit = sema_int(c, b, "limit", 0, 0, INT64_MAX);
    out->scale = sema_real(c, b, "scale", 1, 0, 1, INFINITY, 0);
    out->standardize = sema_bool(c, b, "standardize", 0);
    *batch = sema_int(c, b, "batch", 64, 1, SEMA_MAX_BATCH);
    *shuffle = sema_bool(c, b, "shuffle", 1);
    out->split = sema_real(c, b, "split", 0, 0, 0, 1, 1);
}

