/* sema_net.c — the network, loss and optimizer blocks, checked and turned
 * into the plan's layers, loss and optimizer. Shapes are channels last
 * (plan.h); each layer's output shape is computed here, and every way a
 * layer cannot fit its input is a located error.
 *
 *   input N | input [H, W] | input [H, W, C]
 *   dense UNITS [ACT]               { init I; lr_mult M }
 *   conv2d FILTERS KERNEL [ACT]     { stride 1; padding 0; init I; lr_mult M }
 *   maxpool SIZE | avgpool SIZE     { stride SIZE }
 *   flatten | dropout RATE | batchnorm [ACT] { momentum 0.1; eps 1e-5; lr_mult M }
 *   relu | leaky_relu [SLOPE] | tanh | sigmoid | gelu | softmax   (an activation layer)
 *
 * Each layer is recorded (for the report and `lrc explain`) as the .lrf
 * statement that makes it, with its defaults filled in. */
#include "sema_internal.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/* ---- network ----------------------------------------------------------------- */

static const char *const act_names[] = {"none", "relu", "leaky_relu", "tanh", "sigmoid", "gelu", "softmax", NULL};
static const char *const init_names[] = {"auto", "he", "glorot", "zeros", NULL};
static const char *const layer_keys[] = {"input", "dense", "conv2d", "maxpool", "avgpool", "flatten", "dropout",
                                         "batchnorm", "relu", "leaky_relu", "tanh", "sigmoid", "gelu", "softmax", NULL};

#define MAX_KERNEL 64
#define MAX_FLOATS ((int64_t)1 << 31) /* floats of one layer's batch tensor */

int sema_is_layer_key(const char *key)
{
    for (int i = 0; layer_keys[i]; i++)
        if (strcmp(layer_keys[i], key) == 0)
            return 1;
    return 0;
}

static void parse_activation(sema_ctx *c, const ast_expr *e, plan_layer *l)
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
            diag_error(c->d, e->span, "expected an activation: none, relu, leaky_relu, tanh, sigmoid, gelu or softmax");
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

static const char *act_text(sema_ctx *c, const plan_layer *l)
{
    if (l->act == PLAN_ACT_LEAKY_RELU)
        return arena_printf(c->a, "leaky_relu(%.9g)", (double)l->alpha);
    return plan_act_name(l->act);
}

/* A whole number argument in [lo, hi], or an error naming `what`. */
static int64_t int_arg(sema_ctx *c, const ast_stmt *s, int i, int64_t lo, int64_t hi, const char *what, const char *example)
{
    if (s->nargs <= i) {
        diag_error(c->d, s->key_span, "'%s' needs %s, e.g. %s", s->key, what, example);
        return lo;
    }
    const ast_expr *e = s->args[i];
    if (e->kind != AST_NUM || !e->is_int || e->num < (double)lo || e->num > (double)hi) {
        diag_error(c->d, e->span, "%s of '%s' is a whole number from %lld to %lld, got %s", what, s->key, (long long)lo,
                   (long long)hi, e->text);
        return lo;
    }
    return (int64_t)e->num;
}

/* The layer's { body } as a block; its settings are checked against `keys`
 * but not recorded one by one (the layer is recorded as a statement). */
typedef struct layer_body {
    sema_block blk;
    ptrvec saved;
} layer_body;

static void body_open(sema_ctx *c, const ast_stmt *s, const char *what, const char *const *keys, layer_body *lb)
{
    memset(lb, 0, sizeof *lb);
    lb->blk.kind = K_NETWORK;
    lb->blk.name = s->key;
    for (int i = 0; s->has_body && i < s->nbody; i++)
        ptrvec_push(c->a, &lb->blk.settings, s->body[i]);
    sema_unknown_keys(c, &lb->blk, what, keys);
    lb->saved = c->settings;
}

static void body_close(sema_ctx *c, layer_body *lb) { c->settings = lb->saved; }

/* init and lr_mult of a layer with weights. */
static void weights_settings(sema_ctx *c, layer_body *lb, int net_init, plan_layer *l)
{
    int init = sema_choice(c, &lb->blk, "init", init_names, net_init);
    if (init == 0) /* auto: He for the ReLU family, Glorot otherwise */
        init = l->act == PLAN_ACT_RELU || l->act == PLAN_ACT_LEAKY_RELU ? 1 : 2;
    l->init = init == 1 ? PLAN_INIT_HE : init == 2 ? PLAN_INIT_GLOROT : PLAN_INIT_ZEROS;
    l->lr_mult = sema_real(c, &lb->blk, "lr_mult", 1.0, 0, 1, 1e6, 0);
}

/* " lr_mult M" when it is not 1 */
static const char *mult_text(sema_ctx *c, const plan_layer *l)
{
    return l->lr_mult != 1.0 ? arena_printf(c->a, "; lr_mult %.9g", l->lr_mult) : "";
}

static int optional_act(sema_ctx *c, const ast_stmt *s, int at, plan_layer *l, const char *form)
{
    if (s->nargs > at)
        parse_activation(c, s->args[at], l);
    if (s->nargs > at + 1) {
        diag_error(c->d, s->args[at + 1]->span, "this is one value too many: a %s layer is written '%s'", s->key, form);
        return 0;
    }
    return 1;
}

static const char *dense_layer(sema_ctx *c, const ast_stmt *s, int net_init, plan_layer *l)
{
    static const char *const keys[] = {"init", "lr_mult", NULL};
    l->kind = PLAN_DENSE;
    l->out = int_arg(c, s, 0, 1, SEMA_MAX_UNITS, "the number of units", "dense 128 relu");
    l->osh = (plan_shape){1, 1, l->out};
    optional_act(c, s, 1, l, "dense UNITS [ACTIVATION]");
    layer_body lb;
    body_open(c, s, "a dense layer", keys, &lb);
    weights_settings(c, &lb, net_init, l);
    body_close(c, &lb);
    return arena_printf(c->a, "dense %lld %s { init %s%s }", (long long)l->out, act_text(c, l), plan_init_name(l->init),
                        mult_text(c, l));
}

/* The output shape of a k x k window with stride st and padding p over
 * `in`, or an error when it does not fit. */
static plan_shape window_out(sema_ctx *c, const ast_stmt *s, const char *what, int64_t k, int64_t st, int64_t p,
                             plan_shape in, int64_t channels)
{
    if (k > in.h + 2 * p || k > in.w + 2 * p) {
        diag_error(c->d, s->span, "%s %lld does not fit this layer's input [%lld, %lld, %lld]%s", what, (long long)k,
                   (long long)in.h, (long long)in.w, (long long)in.c,
                   in.h == 1 && in.w == 1 ? " (a flat vector: after dense or flatten there is no image left)"
                                          : p ? " even with its padding" : "");
        return (plan_shape){1, 1, channels};
    }
    return (plan_shape){(in.h + 2 * p - k) / st + 1, (in.w + 2 * p - k) / st + 1, channels};
}

static const char *conv_layer(sema_ctx *c, const ast_stmt *s, int net_init, plan_shape in, plan_layer *l)
{
    static const char *const keys[] = {"stride", "padding", "init", "lr_mult", NULL};
    l->kind = PLAN_CONV2D;
    int64_t filters = int_arg(c, s, 0, 1, SEMA_MAX_UNITS, "the number of filters", "conv2d 6 5 relu");
    l->k = int_arg(c, s, 1, 1, MAX_KERNEL, "the kernel size", "conv2d 6 5 relu");
    optional_act(c, s, 2, l, "conv2d FILTERS KERNEL [ACTIVATION]");
    layer_body lb;
    body_open(c, s, "a conv2d layer", keys, &lb);
    l->stride = sema_int(c, &lb.blk, "stride", 1, 1, MAX_KERNEL);
    l->pad = sema_int(c, &lb.blk, "padding", 0, 0, MAX_KERNEL);
    if (l->pad > l->k / 2) {
        const ast_stmt *ps = sema_find(&lb.blk, "padding");
        diag_error(c->d, ps ? ps->args[0]->span : s->span, "padding %lld is more than half the kernel %lld (at most %lld)",
                   (long long)l->pad, (long long)l->k, (long long)(l->k / 2));
        l->pad = l->k / 2;
    }
    weights_settings(c, &lb, net_init, l);
    body_close(c, &lb);
    l->osh = window_out(c, s, "kernel", l->k, l->stride, l->pad, in, filters);
    return arena_printf(c->a, "conv2d %lld %lld %s { stride %lld; padding %lld; init %s%s }", (long long)filters,
                        (long long)l->k, act_text(c, l), (long long)l->stride, (long long)l->pad,
                        plan_init_name(l->init), mult_text(c, l));
}

static const char *pool_layer(sema_ctx *c, const ast_stmt *s, plan_shape in, plan_layer *l)
{
    static const char *const keys[] = {"stride", NULL};
    l->kind = strcmp(s->key, "maxpool") == 0 ? PLAN_MAXPOOL : PLAN_AVGPOOL;
    l->k = int_arg(c, s, 0, 1, MAX_KERNEL, "the window size", "maxpool 2");
    if (s->nargs > 1)
        diag_error(c->d, s->args[1]->span, "a pooling layer is written '%s SIZE { stride S }'", s->key);
    layer_body lb;
    body_open(c, s, "a pooling layer", keys, &lb);
    l->stride = sema_int(c, &lb.blk, "stride", l->k, 1, MAX_KERNEL);
    body_close(c, &lb);
    l->osh = window_out(c, s, "window", l->k, l->stride, 0, in, in.c);
    return arena_printf(c->a, "%s %lld { stride %lld }", s->key, (long long)l->k, (long long)l->stride);
}

static const char *dropout_layer(sema_ctx *c, const ast_stmt *s, plan_shape in, plan_layer *l)
{
    l->kind = PLAN_DROPOUT;
    l->osh = in;
    if (!sema_arity(c, s, 1, "a rate, e.g. dropout 0.5"))
        return "dropout";
    const ast_expr *e = s->args[0];
    if (e->kind != AST_NUM || e->num < 0 || e->num >= 1)
        diag_error(c->d, e->span, "the dropout rate is a probability in [0, 1), got %s", e->text);
    else
        l->rate = e->num;
    return arena_printf(c->a, "dropout %.9g", l->rate);
}

static const char *norm_layer(sema_ctx *c, const ast_stmt *s, int64_t batch, plan_shape in, plan_layer *l)
{
    static const char *const keys[] = {"momentum", "eps", "lr_mult", NULL};
    l->kind = PLAN_BATCHNORM;
    l->osh = in;
    optional_act(c, s, 0, l, "batchnorm [ACTIVATION]");
    layer_body lb;
    body_open(c, s, "a batchnorm layer", keys, &lb);
    l->momentum = sema_real(c, &lb.blk, "momentum", 0.1, 0, 0, 1, 0);
    l->eps = sema_real(c, &lb.blk, "eps", 1e-5, 0, 1, 1, 0);
    l->lr_mult = sema_real(c, &lb.blk, "lr_mult", 1.0, 0, 1, 1e6, 0);
    body_close(c, &lb);
    if (batch > 0 && batch * in.h * in.w < 2)
        diag_error(c->d, s->key_span, "batchnorm needs more than one value per channel in a batch; the batch is %lld "
                   "and the input [%lld, %lld, %lld]", (long long)batch, (long long)in.h, (long long)in.w, (long long)in.c);
    return arena_printf(c->a, "batchnorm %s { momentum %.9g; eps %.9g%s }", act_text(c, l), l->momentum, l->eps,
                        mult_text(c, l));
}

/* `softmax`, `relu`, `leaky_relu 0.2`, ... on their own line. */
static const char *activation_layer(sema_ctx *c, const ast_stmt *s, plan_shape in, plan_layer *l)
{
    l->kind = PLAN_ACTIVATION;
    l->osh = in;
    for (int i = 0; act_names[i]; i++)
        if (strcmp(act_names[i], s->key) == 0)
            l->act = (plan_act)i;
    l->alpha = 0.01f;
    if (s->base || s->has_body)
        diag_error(c->d, s->span, "an activation layer is written '%s'%s", s->key,
                   l->act == PLAN_ACT_LEAKY_RELU ? " or 'leaky_relu SLOPE'" : "");
    if (l->act == PLAN_ACT_LEAKY_RELU && s->nargs == 1) {
        const ast_expr *e = s->args[0];
        if (e->kind != AST_NUM || e->num <= 0 || e->num >= 1)
            diag_error(c->d, e->span, "the leaky_relu slope must be in (0, 1), got %s", e->text);
        else
            l->alpha = (float)e->num;
    } else if (s->nargs > 0) {
        diag_error(c->d, s->args[0]->span, "'%s' takes no values", s->key);
    }
    return act_text(c, l);
}

/* One layer from its statement; returns its recorded statement. */
static const char *build_layer(sema_ctx *c, const ast_stmt *s, const plan *p, plan_shape in, int net_init, plan_layer *l)
{
    memset(l, 0, sizeof *l);
    l->span = s->span;
    l->ish = in;
    l->lr_mult = 1.0;
    if (s->base && strcmp(s->key, "dense") == 0)
        diag_error(c->d, s->base->span, "a dense layer is written 'dense UNITS [ACTIVATION]'");
    else if (s->base)
        diag_error(c->d, s->base->span, "a %s layer takes no '='", s->key);
    const char *k = s->key;
    if (strcmp(k, "dense") == 0)
        return dense_layer(c, s, net_init, l);
    if (strcmp(k, "conv2d") == 0)
        return conv_layer(c, s, net_init, in, l);
    if (strcmp(k, "maxpool") == 0 || strcmp(k, "avgpool") == 0)
        return pool_layer(c, s, in, l);
    if (strcmp(k, "dropout") == 0)
        return dropout_layer(c, s, in, l);
    if (strcmp(k, "batchnorm") == 0)
        return norm_layer(c, s, p->batch, in, l);
    if (strcmp(k, "flatten") == 0) {
        l->kind = PLAN_FLATTEN;
        l->osh = (plan_shape){1, 1, in.h * in.w * in.c};
        if (s->nargs || s->has_body)
            diag_error(c->d, s->span, "'flatten' takes no values");
        return "flatten";
    }
    return activation_layer(c, s, in, l);
}

/* `input N` or `input [H, W(, C)]` */
static plan_shape input_shape(sema_ctx *c, const ast_stmt *input)
{
    plan_shape sh = {1, 1, 1};
    if (!sema_arity(c, input, 1, "the number of input features or an image shape [H, W, C]"))
        return sh;
    const ast_expr *e = input->args[0];
    const ast_expr *const *dims = e->kind == AST_LIST ? (const ast_expr *const *)e->items : &e;
    int n = e->kind == AST_LIST ? e->nitems : 1;
    if (n < 1 || n > 3) {
        diag_error(c->d, e->span, "an input shape is [N], [H, W] or [H, W, C] (channels last), got %d dimensions", n);
        return sh;
    }
    int64_t v[3] = {1, 1, 1};
    for (int i = 0; i < n; i++) {
        const ast_expr *d = dims[i];
        if (d->kind != AST_NUM || !d->is_int || d->num < 1 || d->num > 1 << 24) {
            diag_error(c->d, d->span, "'input' takes a number of features from 1 to %d%s", 1 << 24,
                       e->kind == AST_LIST ? " in each dimension" : "");
            return sh;
        }
        v[i] = (int64_t)d->num;
    }
    if (n == 1)
        sh = (plan_shape){1, 1, v[0]};
    else
        sh = (plan_shape){v[0], v[1], n == 3 ? v[2] : 1};
    if (sh.h * sh.w * sh.c > 1 << 24)
        diag_error(c->d, e->span, "the input has %lld features; at most %d are allowed", (long long)(sh.h * sh.w * sh.c),
                   1 << 24);
    return sh;
}

/* Sizes that would overflow the generated code's indices. */
static void check_size(sema_ctx *c, const plan *p, const plan_layer *l)
{
    int64_t big = p->batch * l->osh.h * l->osh.w * l->osh.c;
    if (l->kind == PLAN_CONV2D)
        big = p->batch * l->osh.h * l->osh.w * l->k * l->k * l->ish.c;
    if (l->kind == PLAN_DENSE && l->ish.h * l->ish.w * l->ish.c * l->osh.c > big)
        big = l->ish.h * l->ish.w * l->ish.c * l->osh.c;
    if (big >= MAX_FLOATS)
        diag_error(c->d, l->span, "this layer needs %lld floats for one batch; at most %lld are allowed", (long long)big,
                   (long long)MAX_FLOATS - 1);
}

void sema_build_network(sema_ctx *c, const sema_block *b, plan *p, src_span *input_span)
{
    static const char *const keys[] = {"init", NULL};
    sema_unknown_keys(c, b, "a network (its layers are input, dense, conv2d, maxpool, avgpool, flatten, dropout, "
                      "batchnorm and activations)", keys);
    int net_init = sema_choice(c, b, "init", init_names, 0);
    const ast_stmt *input = b->layers.n ? b->layers.items[0] : NULL;
    if (!input) {
        diag_error(c->d, b->span, "network '%s' has no layers: start with 'input N', then dense layers", b->name);
        return;
    }
    if (strcmp(input->key, "input") != 0) {
        diag_error(c->d, input->key_span, "a network starts with 'input N' or 'input [H, W, C]' (the shape of one sample)");
        return;
    }
    *input_span = input->span;
    p->ishape = input_shape(c, input);
    p->in = p->ishape.h * p->ishape.w * p->ishape.c;
    if (p->ishape.h == 1 && p->ishape.w == 1)
        sema_record(c, "input", 1, "%lld", (long long)p->in);
    else
        sema_record(c, "input", 0, "[%lld, %lld, %lld]", (long long)p->ishape.h, (long long)p->ishape.w,
                    (long long)p->ishape.c);
    if (b->layers.n < 2)
        diag_error(c->d, b->span, "network '%s' has no dense layer after its input", b->name);
    if (b->layers.n - 1 > SEMA_MAX_LAYERS)
        diag_error(c->d, b->span, "network '%s' has %d layers; at most %d are allowed", b->name, b->layers.n - 1, SEMA_MAX_LAYERS);
    p->layers = arena_alloc(c->a, (size_t)(b->layers.n) * sizeof *p->layers);
    plan_shape in = p->ishape;
    int weighted = 0;
    for (int i = 1; i < b->layers.n && i <= SEMA_MAX_LAYERS; i++) {
        const ast_stmt *s = b->layers.items[i];
        if (strcmp(s->key, "input") == 0) {
            diag_error(c->d, s->key_span, "'input' may appear once, as the first layer");
            continue;
        }
        plan_layer *l = &p->layers[p->nlayers++];
        const char *text = build_layer(c, s, p, in, net_init, l);
        l->in = in.h * in.w * in.c;
        l->out = l->osh.h * l->osh.w * l->osh.c;
        weighted |= l->kind == PLAN_DENSE || l->kind == PLAN_CONV2D;
        check_size(c, p, l);
        sema_record(c, arena_printf(c->a, "layer%d", p->nlayers), 0, "%s", text);
        in = l->osh;
    }
    if (b->layers.n >= 2 && !weighted)
        diag_error(c->d, b->span, "network '%s' has nothing to train: add a dense or conv2d layer", b->name);
}

/* ---- loss and optimizer ----------------------------------------------------------- */

void sema_build_loss(sema_ctx *c, const sema_block *b, plan *p)
{
    static const char *const none[] = {NULL}, *const huber_keys[] = {"delta", NULL};
    static const char *const names[] = {"cross_entropy", "mse", "mae", "huber", "binary_cross_entropy", NULL};
    int huber = strcmp(b->builtin, "huber") == 0;
    sema_unknown_keys(c, b, huber ? "the huber loss" : "a loss", huber ? huber_keys : none);
    p->loss = PLAN_LOSS_CROSS_ENTROPY;
    for (int i = 0; names[i]; i++)
        if (strcmp(b->builtin, names[i]) == 0)
            p->loss = (plan_loss)i;
    sema_record(c, "kind", 0, "%s", plan_loss_name(p->loss));
    p->huber_delta = huber ? sema_real(c, b, "delta", 1.0, 0, 1, INFINITY, 0) : 1.0;
    /* cross_entropy: a class index, until sema_check_data sees a distribution */
    p->y_floats = 1;
    if (p->nlayers == 0)
        return;
    const plan_layer *last = &p->layers[p->nlayers - 1];
    if (p->loss == PLAN_LOSS_CROSS_ENTROPY && last->out < 2)
        diag_error(c->d, last->span, "cross_entropy needs at least 2 outputs (one per class); this last layer has 1");
    /* The other losses compare each output with its own target: as many
     * targets per sample as outputs (sema_check_data holds the data to it). */
    if (p->loss != PLAN_LOSS_CROSS_ENTROPY)
        p->y_floats = last->out;
    if (p->loss == PLAN_LOSS_BCE && last->act == PLAN_ACT_SIGMOID)
        diag_error(c->d, last->span, "binary_cross_entropy takes logits (it applies the sigmoid itself, stably); "
                   "drop the sigmoid of this last layer");
}

void sema_build_optimizer(sema_ctx *c, const sema_block *b, plan *p)
{
    static const char *const sgd_keys[] = {"momentum", "nesterov", "weight_decay", "clip_norm", NULL};
    static const char *const adam_keys[] = {"beta1", "beta2", "eps", "weight_decay", "clip_norm", NULL};
    static const char *const rmsprop_keys[] = {"alpha", "eps", "momentum", "weight_decay", "clip_norm", NULL};
    static const char *const adagrad_keys[] = {"eps", "weight_decay", "clip_norm", NULL};
    static const char *const names[] = {"sgd", "adam", "adamw", "rmsprop", "adagrad", NULL};
    static const char *const *const keys[] = {sgd_keys, adam_keys, adam_keys, rmsprop_keys, adagrad_keys};
    plan_opt *o = &p->opt;
    memset(o, 0, sizeof *o);
    for (int i = 0; names[i]; i++)
        if (strcmp(b->builtin, names[i]) == 0)
            o->kind = (plan_opt_kind)i;
    sema_record(c, "kind", 0, "%s", b->builtin);
    sema_unknown_keys(c, b, arena_printf(c->a, "the %s optimizer", b->builtin), keys[o->kind]);
    switch (o->kind) {
    case PLAN_OPT_ADAM:
    case PLAN_OPT_ADAMW:
        o->beta1 = sema_real(c, b, "beta1", 0.9, 0, 0, 1, 1);
        o->beta2 = sema_real(c, b, "beta2", 0.999, 0, 0, 1, 1);
        o->eps = sema_real(c, b, "eps", 1e-8, 0, 1, INFINITY, 0);
        break;
    case PLAN_OPT_RMSPROP:
        o->alpha = sema_real(c, b, "alpha", 0.99, 0, 0, 1, 1);
        o->eps = sema_real(c, b, "eps", 1e-8, 0, 1, INFINITY, 0);
        o->momentum = sema_real(c, b, "momentum", 0, 0, 0, 1, 1);
        break;
    case PLAN_OPT_ADAGRAD: o->eps = sema_real(c, b, "eps", 1e-10, 0, 1, INFINITY, 0); break;
    case PLAN_OPT_SGD:
        o->momentum = sema_real(c, b, "momentum", 0, 0, 0, 1, 1);
        o->nesterov = sema_bool(c, b, "nesterov", 0);
        if (o->nesterov && o->momentum == 0)
            diag_error(c->d, sema_find(b, "nesterov")->args[0]->span, "nesterov needs a momentum > 0");
        break;
    }
    o->weight_decay = sema_real(c, b, "weight_decay", o->kind == PLAN_OPT_ADAMW ? 0.01 : 0, 0, 0, INFINITY, 0);
    o->clip_norm = sema_real(c, b, "clip_norm", 0, 0, 0, INFINITY, 0);
}
