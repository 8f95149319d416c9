/* sema_net.c — the network, loss and optimizer blocks, checked and turned
 * into the plan's layers, loss and optimizer. */
#include "sema_internal.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <string.h>


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
    else if (s->args[0]->num < 1 || s->args[0]->num > SEMA_MAX_UNITS)
        diag_error(c->d, s->args[0]->span, "a dense layer has 1 to %d units, got %s", SEMA_MAX_UNITS, s->args[0]->text);
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
    if (b->layers.n - 1 > SEMA_MAX_LAYERS)
        diag_error(c->d, b->span, "network '%s' has %d layers; at most %d are allowed", b->name, b->layers.n - 1, SEMA_MAX_LAYERS);
    p->layers = arena_alloc(c->a, (size_t)(b->layers.n) * sizeof *p->layers);
    int64_t in = p->in;
    for (int i = 1; i < b->layers.n && i <= SEMA_MAX_LAYERS; i++) {
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

