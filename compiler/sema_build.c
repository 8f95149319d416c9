/* sema_build.c — turns each resolved block into the runtime's configuration
 * (dataset, sweep) or the network plan (layers, loss, optimizer), checking
 * every key against the block's schema. The defaults chosen here are the
 * documented defaults of the language (README, "The .lrf language"). */
#include "sema_internal.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#define MAX_UNITS 65536
#define MAX_LAYERS 256
#define MAX_BATCH (1 << 20)
#define MAX_STEPS 10000000

/* Where a key that is unknown here does belong, for the message. */
static const char *home_of(const char *key, const char **spelt)
{
    static const struct { const char *key, *home; } homes[] = {
        {"batch", "the dataset"}, {"shuffle", "the dataset"}, {"scale", "the dataset"},
        {"momentum", "an sgd optimizer"}, {"nesterov", "an sgd optimizer"}, {"beta1", "an adam optimizer"},
        {"beta2", "an adam optimizer"}, {"eps", "an adam optimizer"}, {"weight_decay", "the optimizer"},
        {"start_rate", "the sweep"}, {"end_rate", "the sweep"}, {"decay_rate", "the sweep"},
        {"decay_steps", "the sweep"}, {"steps", "the sweep"}, {"smooth", "the sweep"}, {"suggest", "the sweep"},
        {"dense", "a network"}, {"input", "a network"}, {"header", "a csv dataset"}, {"label", "a csv dataset"},
        {"samples", "a synthetic dataset"}, {"classes", "a synthetic dataset"}, {"noise", "a synthetic dataset"},
    };
    const char *keys[sizeof homes / sizeof homes[0] + 1];
    size_t n = sizeof homes / sizeof homes[0];
    for (size_t i = 0; i < n; i++)
        keys[i] = homes[i].key;
    keys[n] = NULL;
    const char *near = sema_closest(key, keys);
    for (size_t i = 0; near && i < n; i++)
        if (strcmp(homes[i].key, near) == 0) {
            *spelt = homes[i].key;
            return homes[i].home;
        }
    return NULL;
}

void sema_unknown_keys(sema_ctx *c, const sema_block *b, const char *what, const char *const *known)
{
    for (int i = 0; i < b->settings.n; i++) {
        const ast_stmt *s = b->settings.items[i];
        int ok = 0;
        for (int k = 0; known[k] && !ok; k++)
            ok = strcmp(known[k], s->key) == 0;
        if (ok)
            continue;
        const char *near = sema_closest(s->key, known), *spelt = NULL;
        const char *home = home_of(s->key, &spelt);
        if (near)
            diag_error(c->d, s->key_span, "unknown key '%s' in %s (did you mean '%s'?)", s->key, what, near);
        else if (home && strcmp(spelt, s->key) == 0)
            diag_error(c->d, s->key_span, "'%s' is not a key of %s; it belongs in %s", s->key, what, home);
        else if (home)
            diag_error(c->d, s->key_span, "unknown key '%s' in %s (did you mean '%s'? it belongs in %s)", s->key,
                       what, spelt, home);
        else
            diag_error(c->d, s->key_span, "unknown key '%s' in %s", s->key, what);
    }
}

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
        out->features = spirals ? 2 : sema_int(c, b, "features", 2, 1, MAX_UNITS);
        out->noise = sema_real(c, b, "noise", spirals ? 0.2 : 1.0, 0, 0, INFINITY, 0);
        out->seed = (uint64_t)sema_int(c, b, "seed", 0, 0, INT64_MAX);
    }
    out->limit = sema_int(c, b, "limit", 0, 0, INT64_MAX);
    out->scale = sema_real(c, b, "scale", 1, 0, 1, INFINITY, 0);
    out->standardize = sema_bool(c, b, "standardize", 0);
    *batch = sema_int(c, b, "batch", 64, 1, MAX_BATCH);
    *shuffle = sema_bool(c, b, "shuffle", 1);
}

/* ---- network ----------------------------------------------------------------- */

static const char *const act_names[] = {"none", "relu", "leaky_relu", "tanh", "sigmoid", NULL};
static const char *const init_names[] = {"auto", "he", "glorot", NULL};

static void dense_activation(sema_ctx *c, const ast_expr *e, plan_layer *l)
{
    int found = -1;
    if (e->kind == AST_IDENT || e->kind == AST_CALL)
        for (int i = 0; act_names[i]; i++)
            if (strcmp(act_names[i], e->text) == 0)
                found = i;
    if (found < 0) {
        const char *near = e->kind == AST_IDENT ? sema_closest(e->text, act_names) : NULL;
        if (near)
            diag_error(c->d, e->span, "unknown activation '%s' (did you mean '%s'?)", e->text, near);
        else
            diag_error(c->d, e->span, "expected an activation: none, relu, leaky_relu, tanh or sigmoid");
        return;
    }
    l->act = (plan_act)found;
    l->alpha = 0.01f;
    if (e->kind != AST_CALL)
        return;
    if (l->act != PLAN_ACT_LEAKY_RELU || e->nitems != 1 || e->items[0]->kind != AST_NUM)
        diag_error(c->d, e->span, l->act == PLAN_ACT_LEAKY_RELU ? "leaky_relu takes one slope: leaky_relu(0.01)"
                                                                 : "%s takes no arguments", e->text);
    else if (e->items[0]->num <= 0 || e->items[0]->num >= 1)
        diag_error(c->d, e->items[0]->span, "the leaky_relu slope must be in (0, 1), got %s", e->items[0]->text);
    else
        l->alpha = (float)e->items[0]->num;
}

static int dense_init(sema_ctx *c, const ast_stmt *s, int net_init)
{
    if (!s->has_body)
        return net_init;
    sema_block body = {.kind = K_NETWORK, .name = "dense"};
    for (int i = 0; i < s->nbody; i++)
        ptrvec_push(c->a, &body.settings, s->body[i]);
    static const char *const keys[] = {"init", NULL};
    sema_unknown_keys(c, &body, "a dense layer", keys);
    const char *prefix = c->prefix;
    c->prefix = arena_printf(c->a, "%s.layer", prefix);
    int v = sema_choice(c, &body, "init", init_names, net_init);
    c->prefix = prefix;
    return v;
}

static void dense_layer(sema_ctx *c, const ast_stmt *s, int64_t in, int net_init, plan_layer *l)
{
    memset(l, 0, sizeof *l);
    l->kind = PLAN_DENSE;
    l->span = s->span;
    l->in = in;
    l->out = 1;
    if (s->base)
        diag_error(c->d, s->base->span, "a dense layer is written 'dense UNITS [ACTIVATION]'");
    if (s->nargs < 1 || s->args[0]->kind != AST_NUM || !s->args[0]->is_int)
        diag_error(c->d, s->nargs ? s->args[0]->span : s->key_span, "'dense' needs a number of units, e.g. dense 128 relu");
    else if (s->args[0]->num < 1 || s->args[0]->num > MAX_UNITS)
        diag_error(c->d, s->args[0]->span, "a dense layer has 1 to %d units, got %s", MAX_UNITS, s->args[0]->text);
    else
        l->out = (int64_t)s->args[0]->num;
    if (s->nargs >= 2)
        dense_activation(c, s->args[1], l);
    if (s->nargs > 2)
        diag_error(c->d, s->args[2]->span, "a dense layer takes units and an activation; this is one value too many");
    int init = dense_init(c, s, net_init);
    if (init == 0) /* auto: He for the ReLU family, Glorot otherwise */
        init = l->act == PLAN_ACT_RELU || l->act == PLAN_ACT_LEAKY_RELU ? 1 : 2;
    l->init = init == 1 ? PLAN_INIT_HE : PLAN_INIT_GLOROT;
}

void sema_build_network(sema_ctx *c, const sema_block *b, plan *p, src_span *input_span)
{
    static const char *const keys[] = {"init", NULL};
    sema_unknown_keys(c, b, "a network (its layers are 'input N' and 'dense UNITS [ACTIVATION]')", keys);
    int net_init = sema_choice(c, b, "init", init_names, 0);
    const ast_stmt *input = b->layers.n ? b->layers.items[0] : NULL;
    if (!input) {
        diag_error(c->d, b->span, "network '%s' has no layers: start with 'input N', then dense layers", b->name);
        return;
    }
    if (strcmp(input->key, "input") != 0) {
        diag_error(c->d, input->key_span, "a network starts with 'input N' (the number of features)");
        return;
    }
    *input_span = input->span;
    p->in = 1;
    if (sema_arity(c, input, 1, "the number of input features")) {
        const ast_expr *e = input->args[0];
        if (e->kind != AST_NUM || !e->is_int || e->num < 1 || e->num > 1 << 24)
            diag_error(c->d, e->span, "'input' takes a number of features from 1 to %d", 1 << 24);
        else
            p->in = (int64_t)e->num;
    }
    sema_record(c, "input", 1, "%lld", (long long)p->in);
    if (b->layers.n < 2)
        diag_error(c->d, b->span, "network '%s' has no dense layer after its input", b->name);
    if (b->layers.n - 1 > MAX_LAYERS)
        diag_error(c->d, b->span, "network '%s' has %d layers; at most %d are allowed", b->name, b->layers.n - 1, MAX_LAYERS);
    p->layers = arena_alloc(c->a, (size_t)(b->layers.n) * sizeof *p->layers);
    int64_t in = p->in;
    for (int i = 1; i < b->layers.n && i <= MAX_LAYERS; i++) {
        const ast_stmt *s = b->layers.items[i];
        if (strcmp(s->key, "input") == 0) {
            diag_error(c->d, s->key_span, "'input' may appear once, as the first layer");
            continue;
        }
        plan_layer *l = &p->layers[p->nlayers++];
        dense_layer(c, s, in, net_init, l);
        sema_record(c, arena_printf(c->a, "layer%d", p->nlayers), 0, "dense %lld %s init=%s",
                    (long long)l->out, plan_act_name(l->act), l->init == PLAN_INIT_HE ? "he" : "glorot");
        in = l->out;
    }
}

/* ---- loss and optimizer ----------------------------------------------------------- */

void sema_build_loss(sema_ctx *c, const sema_block *b, plan *p)
{
    static const char *const none[] = {NULL};
    sema_unknown_keys(c, b, "a loss", none);
    p->loss = strcmp(b->builtin, "mse") == 0 ? PLAN_LOSS_MSE : PLAN_LOSS_CROSS_ENTROPY;
    p->y_floats = 1;
    sema_record(c, "kind", 0, "%s", plan_loss_name(p->loss));
    if (p->nlayers == 0)
        return;
    const plan_layer *last = &p->layers[p->nlayers - 1];
    if (p->loss == PLAN_LOSS_CROSS_ENTROPY && last->out < 2)
        diag_error(c->d, last->span, "cross_entropy needs at least 2 outputs (one per class); this last layer has 1");
    if (p->loss == PLAN_LOSS_MSE && last->out != 1)
        diag_error(c->d, last->span, "mse compares one output with one target per sample; this last layer has %lld outputs",
                   (long long)last->out);
}

void sema_build_optimizer(sema_ctx *c, const sema_block *b, plan *p)
{
    static const char *const sgd_keys[] = {"momentum", "nesterov", "weight_decay", NULL};
    static const char *const adam_keys[] = {"beta1", "beta2", "eps", "weight_decay", NULL};
    plan_opt *o = &p->opt;
    memset(o, 0, sizeof *o);
    int adam = strcmp(b->builtin, "adam") == 0;
    o->kind = adam ? PLAN_OPT_ADAM : PLAN_OPT_SGD;
    sema_record(c, "kind", 0, "%s", b->builtin);
    sema_unknown_keys(c, b, adam ? "the adam optimizer" : "the sgd optimizer", adam ? adam_keys : sgd_keys);
    if (adam) {
        o->beta1 = sema_real(c, b, "beta1", 0.9, 0, 0, 1, 1);
        o->beta2 = sema_real(c, b, "beta2", 0.999, 0, 0, 1, 1);
        o->eps = sema_real(c, b, "eps", 1e-8, 0, 1, INFINITY, 0);
    } else {
        o->momentum = sema_real(c, b, "momentum", 0, 0, 0, 1, 1);
        o->nesterov = sema_bool(c, b, "nesterov", 0);
        if (o->nesterov && o->momentum == 0)
            diag_error(c->d, sema_find(b, "nesterov")->args[0]->span, "nesterov needs a momentum > 0");
    }
    o->weight_decay = sema_real(c, b, "weight_decay", 0, 0, 0, INFINITY, 0);
}

/* ---- sweep ----------------------------------------------------------------------- */

static void build_suggest(sema_ctx *c, const sema_block *b, rt_sweep *out)
{
    static const char *const methods[] = {"steepest", "valley", "minimum", "clr", NULL};
    const ast_stmt *s = sema_find(b, "suggest");
    out->nmethods = 0;
    if (!s) {
        out->methods[out->nmethods++] = RT_SUG_STEEPEST;
    } else if (s->nargs == 0 || s->base || s->has_body) {
        diag_error(c->d, s->key_span, "'suggest' takes one or more methods: steepest, valley, minimum, clr");
    }
    for (int i = 0; s && i < s->nargs; i++) {
        const ast_expr *e = s->args[i];
        int m = -1;
        for (int k = 0; e->kind == AST_IDENT && methods[k]; k++)
            if (strcmp(methods[k], e->text) == 0)
                m = k;
        int dup = 0;
        for (int k = 0; m >= 0 && k < out->nmethods; k++)
            dup |= out->methods[k] == (rt_method)m;
        const char *near = e->kind == AST_IDENT ? sema_closest(e->text, methods) : NULL;
        if (m < 0 && near)
            diag_error(c->d, e->span, "unknown suggestion method '%s' (did you mean '%s'?)", e->text, near);
        else if (m < 0)
            diag_error(c->d, e->span, "unknown suggestion method (expected steepest, valley, minimum or clr)");
        else if (dup)
            diag_error(c->d, e->span, "'%s' is asked for twice", e->text);
        else
            out->methods[out->nmethods++] = (rt_method)m;
    }
    char list[128] = "";
    for (int i = 0; i < out->nmethods; i++)
        snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ", " : "", rt_method_name(out->methods[i]));
    sema_record(c, "suggest", 0, "%s", list);
}

static void build_schedule(sema_ctx *c, const sema_block *b, rt_schedule *s)
{
    static const char *const kinds[] = {"exponential", "linear", NULL};
    const ast_stmt *decay_rate = sema_find(b, "decay_rate"), *decay_steps = sema_find(b, "decay_steps");
    const ast_stmt *end_rate = sema_find(b, "end_rate"), *steps = sema_find(b, "steps");
    memset(s, 0, sizeof *s);
    s->kind = sema_choice(c, b, "schedule", kinds, 0) == 1 ? RT_SCHED_LINEAR : RT_SCHED_EXP;
    if (!sema_find(b, "start_rate"))
        diag_error(c->d, b->span, "the sweep needs 'start_rate' (e.g. start_rate 1e-7)");
    s->start = sema_real(c, b, "start_rate", 1e-7, 0, 1, INFINITY, 0);
    if (s->kind == RT_SCHED_LINEAR || end_rate) {
        const ast_stmt *extra = decay_rate ? decay_rate : decay_steps ? decay_steps : sema_find(b, "staircase");
        if (extra)
            diag_error(c->d, extra->key_span, "'%s' belongs to the TensorFlow form (start_rate, decay_rate, "
                       "decay_steps); this sweep gives end_rate and steps", extra->key);
        const ast_stmt *given = end_rate ? end_rate : steps;
        if (!end_rate || !steps)
            diag_error(c->d, given ? given->span : b->span,
                       "a sweep from start_rate to end_rate needs both 'end_rate' and 'steps'");
        s->end = sema_real(c, b, "end_rate", 10, 0, 1, INFINITY, 0);
        s->steps = sema_int(c, b, "steps", 100, 2, MAX_STEPS);
        if (end_rate && s->end <= s->start)
            diag_error(c->d, end_rate->args[0]->span, "end_rate must be above start_rate (%g)", s->start);
        if (s->kind == RT_SCHED_EXP) { /* the start/end form of exponential decay */
            s->decay_rate = s->end / s->start;
            s->decay_steps = (double)(s->steps - 1);
        }
        return;
    }
    if (!decay_rate || !decay_steps)
        diag_error(c->d, decay_rate ? decay_rate->span : decay_steps ? decay_steps->span : b->span,
                   "an exponential sweep needs 'decay_rate' and 'decay_steps' (TensorFlow form), "
                   "or 'end_rate' and 'steps'");
    s->decay_rate = sema_real(c, b, "decay_rate", 10, 0, 1, INFINITY, 0);
    s->decay_steps = sema_real(c, b, "decay_steps", 100, 0, 1, INFINITY, 0);
    s->staircase = sema_bool(c, b, "staircase", 0);
    s->steps = sema_int(c, b, "steps", 10000, 2, MAX_STEPS);
    if (decay_rate && s->decay_rate <= 1)
        diag_error(c->d, decay_rate->args[0]->span, "a range test raises the rate: decay_rate must be > 1, got %s",
                   decay_rate->args[0]->text);
}

void sema_build_sweep(sema_ctx *c, const sema_block *b, rt_sweep *out)
{
    static const char *const keys[] = {"schedule", "start_rate", "decay_rate", "decay_steps", "staircase", "end_rate",
                                       "steps", "smooth", "skip_begin", "skip_end", "suggest", "seed", NULL};
    sema_unknown_keys(c, b, "a sweep", keys);
    build_schedule(c, b, &out->schedule);
    out->beta = sema_real(c, b, "smooth", 0.98, 0, 0, 1, 1);
    out->skip_begin = sema_int(c, b, "skip_begin", 10, 0, MAX_STEPS);
    out->skip_end = sema_int(c, b, "skip_end", 5, 0, MAX_STEPS);
    build_suggest(c, b, out);
    out->seed = (uint64_t)sema_int(c, b, "seed", 0, 0, INT64_MAX);
    if (b->stop)
        sema_stop(c, b->stop, &out->stop);
    else {
        sema_default_stop(&out->stop);
        sema_record(c, "stop", 0, "%s", out->stop.clause[0].text);
    }
}
