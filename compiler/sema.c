/* sema.c — the checker's top level: collects the definitions of every loaded
 * file, resolves presets (`KIND NAME [= BASE] [{ body }]`), picks the
 * experiment's definition of each kind, applies --set overrides and hands
 * each block to its builder (sema_build.c).
 *
 * Rules (README, "The .lrf language"):
 *  - Top-level kinds: dataset, network, loss, optimizer, sweep.
 *  - A definition's base is the value after '='; without '=', its own name
 *    when that names a builtin (sgd, adam, mse, ...) or an imported preset.
 *  - The main file defines the experiment: at most one definition per kind.
 *    A kind it leaves out comes from its imports when exactly one non-std
 *    file defines that kind once (a base experiment plus overrides).
 *  - Presets are checked whether used or not, so a broken library file is
 *    reported where it is broken. */
#include "sema_internal.h"

#include <stdio.h>
#include <string.h>

static const char *const kind_names[] = {"dataset", "network", "loss", "optimizer", "sweep", NULL};
static const char *const builtin_optimizers[] = {"sgd", "adam", "adamw", "rmsprop", "adagrad", NULL};
static const char *const builtin_losses[] = {"cross_entropy", "mse", "mae", "huber", "binary_cross_entropy", NULL};

static int in_list(const char *name, const char *const *list)
{
    for (int i = 0; list[i]; i++)
        if (strcmp(list[i], name) == 0)
            return 1;
    return 0;
}

static const char *const *builtins_of(sema_kind k)
{
    static const char *const none[] = {NULL};
    return k == K_OPTIMIZER ? builtin_optimizers : k == K_LOSS ? builtin_losses : none;
}

/* ---- collecting definitions ------------------------------------------------ */

static sema_def *find_def(sema_ctx *c, sema_kind k, const char *name, const sema_def *except)
{
    for (int i = 0; i < c->defs.n; i++) {
        sema_def *d = c->defs.items[i];
        if (d != except && d->kind == k && d->name && strcmp(d->name, name) == 0 && !d->in_main)
            return d;
    }
    return NULL;
}

static void collect_stmt(sema_ctx *c, const ast_stmt *s, int file)
{
    if (s->kind == AST_IMPORT)
        return;
    if (s->kind == AST_STOP) {
        diag_error(c->d, s->key_span, "'stop when' belongs inside a sweep block");
        return;
    }
    int k = -1;
    for (int i = 0; kind_names[i]; i++)
        if (strcmp(kind_names[i], s->key) == 0)
            k = i;
    if (k < 0) {
        const char *near = sema_closest(s->key, kind_names);
        diag_error(c->d, s->key_span, "unknown statement '%s' at the top level (%s%s%s)", s->key,
                   near ? "did you mean '" : "expected dataset, network, loss, optimizer, sweep or import",
                   near ? near : "", near ? "'?" : "");
        return;
    }
    if (s->nargs > 1 || (s->nargs == 1 && s->args[0]->kind != AST_IDENT)) {
        const ast_expr *bad = s->nargs > 1 && s->args[0]->kind == AST_IDENT ? s->args[1] : s->args[0];
        diag_error(c->d, bad->span, "a %s is written '%s NAME [= BASE] [{ ... }]'", s->key, s->key);
        return;
    }
    sema_def *d = arena_alloc(c->a, sizeof *d);
    d->kind = (sema_kind)k;
    d->name = s->nargs ? s->args[0]->text : NULL;
    d->stmt = s;
    d->file = file;
    d->in_main = file == c->ls->main_file;
    if (!d->name && d->kind != K_SWEEP) {
        diag_error(c->d, s->key_span, "a %s needs a name: '%s NAME ...'", s->key, s->key);
        return;
    }
    if (!d->in_main && d->name) {
        const sema_def *prev = find_def(c, d->kind, d->name, NULL);
        if (prev) {
            diag_error(c->d, s->args[0]->span, "%s '%s' is defined twice", s->key, d->name);
            diag_note(c->d, prev->stmt->args[0]->span, "first defined here");
            return;
        }
    }
    ptrvec_push(c->a, &c->defs, d);
}

/* ---- resolving presets ----------------------------------------------------------- */

static sema_block *resolve(sema_ctx *c, sema_def *d);

static void copy_block(sema_ctx *c, sema_block *to, const sema_block *from)
{
    to->builtin = from->builtin;
    to->source = from->source;
    to->builtin_span = from->builtin_span;
    to->stop = from->stop;
    for (int i = 0; i < from->settings.n; i++)
        ptrvec_push(c->a, &to->settings, from->settings.items[i]);
    for (int i = 0; i < from->layers.n; i++)
        ptrvec_push(c->a, &to->layers, from->layers.items[i]);
}

static int is_source(const ast_expr *e)
{
    return e->kind == AST_CALL || (e->kind == AST_IDENT && sema_is_generator(e->text));
}

static void apply_base(sema_ctx *c, sema_def *d, sema_block *b, const ast_expr *base, int explicit_base)
{
    const char *kind = kind_names[d->kind];
    if (d->kind == K_DATASET && is_source(base)) {
        b->source = base;
        return;
    }
    if (base->kind != AST_IDENT) {
        diag_error(c->d, base->span, "a %s is based on a %s name%s", kind, kind,
                   d->kind == K_DATASET ? " or a source such as csv(\"file.csv\")" : "");
        return;
    }
    if (in_list(base->text, builtins_of(d->kind))) {
        b->builtin = base->text;
        b->builtin_span = base->span;
        return;
    }
    sema_def *preset = find_def(c, d->kind, base->text, d);
    if (preset) {
        preset->used = 1;
        copy_block(c, b, resolve(c, preset));
        return;
    }
    if (!explicit_base && d->kind != K_OPTIMIZER && d->kind != K_LOSS)
        return; /* a new definition named NAME */
    const char *known[64];
    int n = 0;
    for (int i = 0; builtins_of(d->kind)[i] && n < 60; i++)
        known[n++] = builtins_of(d->kind)[i];
    for (int i = 0; i < c->defs.n && n < 63; i++) {
        const sema_def *o = c->defs.items[i];
        if (o->kind == d->kind && o->name && !o->in_main)
            known[n++] = o->name;
    }
    known[n] = NULL;
    const char *near = sema_closest(base->text, known);
    b->failed = 1;
    if (near)
        diag_error(c->d, base->span, "unknown %s '%s' (did you mean '%s'?)", kind, base->text, near);
    else if (d->kind == K_OPTIMIZER || d->kind == K_LOSS)
        diag_error(c->d, base->span, "unknown %s '%s' (expected %s)", kind, base->text,
                   d->kind == K_LOSS ? "cross_entropy, mse, mae, huber or binary_cross_entropy"
                                      : "sgd, adam, adamw, rmsprop, adagrad or a preset from an import");
    else
        diag_error(c->d, base->span, "unknown %s preset '%s' (is its file imported?)", kind, base->text);
}

static int sets_key(const ast_stmt *s, const char *key)
{
    for (int i = 0; i < s->nbody; i++)
        if (s->body[i]->kind == AST_STMT && strcmp(s->body[i]->key, key) == 0)
            return 1;
    return 0;
}

static void drop_setting(sema_block *b, const char *key)
{
    int w = 0;
    for (int i = 0; i < b->settings.n; i++)
        if (strcmp(((const ast_stmt *)b->settings.items[i])->key, key) != 0)
            b->settings.items[w++] = b->settings.items[i];
    b->settings.n = w;
}

/* A sweep that says how it raises the rate replaces the other form it
 * inherited: `sweep = fastai { decay_rate 10 decay_steps 100 }` is fine. */
static void drop_other_form(sema_block *b, const ast_stmt *own)
{
    if (sets_key(own, "decay_rate") || sets_key(own, "decay_steps"))
        drop_setting(b, "end_rate");
    if (sets_key(own, "end_rate")) {
        drop_setting(b, "decay_rate");
        drop_setting(b, "decay_steps");
        drop_setting(b, "staircase");
    }
}

static void set_or_replace(sema_ctx *c, sema_block *b, const ast_stmt *s)
{
    for (int i = 0; i < b->settings.n; i++)
        if (strcmp(((const ast_stmt *)b->settings.items[i])->key, s->key) == 0) {
            b->settings.items[i] = (void *)s;
            return;
        }
    ptrvec_push(c->a, &b->settings, (void *)s);
}

static int is_layer(sema_kind k, const ast_stmt *s)
{
    return k == K_NETWORK && sema_is_layer_key(s->key);
}

static void apply_stmt(sema_ctx *c, sema_block *b, const ast_stmt *s)
{
    if (s->kind == AST_IMPORT) {
        diag_error(c->d, s->key_span, "'import' belongs at the top level of a file");
    } else if (s->kind == AST_STOP) {
        if (b->kind != K_SWEEP)
            diag_error(c->d, s->key_span, "'stop when' belongs inside a sweep block");
        b->stop = s;
    } else if (b->kind == K_DATASET && strcmp(s->key, "source") == 0) {
        if (sema_arity(c, s, 1, "a source such as csv(\"file.csv\")"))
            b->source = s->args[0];
    } else {
        set_or_replace(c, b, s);
    }
}

static void apply_body(sema_ctx *c, sema_block *b, const ast_stmt *def)
{
    if (b->kind == K_SWEEP)
        drop_other_form(b, def);
    ptrvec layers = {0};
    for (int i = 0; i < def->nbody; i++) {
        const ast_stmt *s = def->body[i];
        if (s->kind == AST_STMT && is_layer(b->kind, s)) {
            ptrvec_push(c->a, &layers, (void *)s);
            continue;
        }
        for (int j = 0; j < i; j++) {
            const ast_stmt *prev = def->body[j];
            if (prev->kind == s->kind && strcmp(prev->key, s->key) == 0 && !is_layer(b->kind, prev)) {
                diag_error(c->d, s->key_span, "'%s' is set twice in this block", s->key);
                diag_note(c->d, prev->key_span, "first set here");
                break;
            }
        }
        apply_stmt(c, b, s);
    }
    if (layers.n)
        b->layers = layers;
}

static sema_block *resolve(sema_ctx *c, sema_def *d)
{
    if (d->resolved || d->resolving) {
        if (d->resolving && !d->resolved) {
            diag_error(c->d, d->stmt->span, "%s '%s' is based on itself", kind_names[d->kind], d->name);
            d->resolved = 1;
        }
        if (!d->block) {
            d->block = arena_alloc(c->a, sizeof *d->block);
            d->block->kind = d->kind;
            d->block->name = d->name ? d->name : kind_names[d->kind];
        }
        return d->block;
    }
    d->resolving = 1;
    sema_block *b = arena_alloc(c->a, sizeof *b);
    b->kind = d->kind;
    b->name = d->name ? d->name : kind_names[d->kind];
    b->span = d->stmt->span;
    if (d->stmt->base)
        apply_base(c, d, b, d->stmt->base, 1);
    else if (d->name)
        apply_base(c, d, b, d->stmt->args[0], 0);
    apply_body(c, b, d->stmt);
    d->block = b;
    d->resolved = 1;
    return b;
}

/* ---- the experiment ------------------------------------------------------------- */

/* The experiment's definition of kind k (see the rules at the top). */
static sema_def *experiment_def(sema_ctx *c, sema_kind k)
{
    sema_def *found = NULL, *imported = NULL;
    int nimported = 0;
    for (int i = 0; i < c->defs.n; i++) {
        sema_def *d = c->defs.items[i];
        if (d->kind != k)
            continue;
        if (d->in_main) {
            if (found) {
                diag_error(c->d, d->stmt->key_span, "the experiment already has a %s", kind_names[k]);
                diag_note(c->d, found->stmt->key_span, "defined here; put presets in a separate file and import it");
                continue;
            }
            found = d;
        } else if (!c->ls->srcs.files[d->file]->is_std) {
            imported = d;
            nimported++;
        }
    }
    if (found)
        return found;
    if (nimported == 1)
        return imported;
    const char *path = c->ls->srcs.files[c->ls->main_file]->path;
    if (nimported > 1)
        diag_error_plain(c->d, "%s has no %s of its own and its imports define %d; pick one, e.g. '%s %s'",
                         path, kind_names[k], nimported, kind_names[k], k == K_SWEEP ? "= NAME" : "NAME = PRESET");
    else
        diag_error_plain(c->d, "%s defines no %s (an experiment has a dataset, network, loss, optimizer and sweep)",
                         path, kind_names[k]);
    return NULL;
}

/* --set KIND.KEY=VALUE: parsed as the statement `KEY VALUE` in a pseudo-file
 * named after the option, then applied to the experiment's block. */
static void apply_override(sema_ctx *c, sema_block *const blocks[K_COUNT], const sema_override *o)
{
    const char *dot = strchr(o->path, '.');
    char *shown = arena_printf(c->a, "--set %s=%s", o->path, o->value);
    int k = -1;
    for (int i = 0; dot && kind_names[i]; i++)
        if (strlen(kind_names[i]) == (size_t)(dot - o->path) && strncmp(kind_names[i], o->path, (size_t)(dot - o->path)) == 0)
            k = i;
    if (k < 0 || !dot[1]) {
        diag_error_plain(c->d, "%s: expected KIND.KEY=VALUE with KIND one of dataset, network, loss, optimizer, sweep",
                         shown);
        return;
    }
    int file = src_add_text(&c->ls->srcs, shown, arena_printf(c->a, "%s %s", dot + 1, o->value));
    ast_file *af = ast_parse(c->a, &c->ls->srcs, file, c->d);
    if (af->nstmts != 1 || af->stmts[0]->kind == AST_IMPORT) {
        if (af->nstmts != 0)
            diag_error_plain(c->d, "%s: expected one setting", shown);
        return;
    }
    if (!blocks[k])
        return;
    const ast_stmt *s = af->stmts[0];
    if (is_layer(blocks[k]->kind, s)) {
        diag_error(c->d, s->key_span, "--set cannot change the layers of a network; edit the file");
        return;
    }
    if (blocks[k]->kind == K_SWEEP) {
        ast_stmt wrapper = {.kind = AST_STMT, .body = af->stmts, .nbody = 1};
        drop_other_form(blocks[k], &wrapper);
    }
    apply_stmt(c, blocks[k], s);
}

static void build(sema_ctx *c, sema_block *const blocks[K_COUNT], sema_experiment *out)
{
    static const char *const prefixes[K_COUNT] = {"dataset", "network", "loss", "optimizer", "sweep"};
    plan *p = &out->net;
    for (int k = 0; k < K_COUNT; k++) {
        if (!blocks[k] || blocks[k]->failed || ((k == K_LOSS || k == K_OPTIMIZER) && !blocks[k]->builtin))
            continue;
        c->prefix = prefixes[k];
        switch ((sema_kind)k) {
        case K_DATASET:
            sema_build_dataset(c, blocks[k], &out->data, &p->batch, &out->sweep.shuffle);
            out->data_span = blocks[k]->source ? blocks[k]->source->span : blocks[k]->span;
            break;
        case K_NETWORK: {
            sema_block net = sema_take_init_from(c, blocks[k], &out->init_from, &out->init_span);
            sema_build_network(c, &net, p, &out->input_span);
            break;
        }
        case K_LOSS:
            sema_build_loss(c, blocks[k], p);
            out->loss_span = blocks[k]->span;
            break;
        case K_OPTIMIZER: sema_build_optimizer(c, blocks[k], p); break;
        case K_SWEEP: sema_build_sweep(c, blocks[k], &out->sweep); break;
        default: break;
        }
    }
    if (blocks[K_SWEEP] && blocks[K_DATASET] && !blocks[K_SWEEP]->failed)
        sema_check_measure(c, blocks[K_SWEEP], &out->data);
    c->prefix = NULL;
}

static const char *stem(arena *a, const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    const char *dot = strrchr(base, '.');
    return arena_strndup(a, base, dot && dot != base ? (size_t)(dot - base) : strlen(base));
}

/* Checks, into a scratch experiment, every preset that neither the
 * experiment nor another preset builds on (those are checked through their
 * users), so that a broken preset is reported even while unused. */
static void check_presets(sema_ctx *c, sema_block *const used[K_COUNT])
{
    sema_ctx scratch = *c;
    scratch.settings = (ptrvec){0};
    for (int i = 0; i < c->defs.n; i++) {
        sema_def *d = c->defs.items[i];
        resolve(c, d);
    }
    for (int i = 0; i < c->defs.n; i++) {
        sema_def *d = c->defs.items[i];
        if (d->used || d->in_main || d->block == used[d->kind] || d->kind == K_LOSS)
            continue;
        sema_experiment tmp = {0};
        sema_block *only[K_COUNT] = {0};
        only[d->kind] = d->block;
        build(&scratch, only, &tmp);
    }
}

int sema_check(arena *a, load_set *ls, const sema_override *ovr, int novr, diag *d, sema_experiment *out)
{
    int before = diag_errors(d);
    memset(out, 0, sizeof *out);
    sema_ctx c = {.a = a, .ls = ls, .d = d};
    for (int f = 0; f < ls->norder; f++)
        for (int i = 0; i < ls->order[f]->nstmts; i++)
            collect_stmt(&c, ls->order[f]->stmts[i], ls->order[f]->file);
    sema_block *blocks[K_COUNT] = {0};
    for (int k = 0; k < K_COUNT; k++) {
        sema_def *def = experiment_def(&c, (sema_kind)k);
        blocks[k] = def ? resolve(&c, def) : NULL;
    }
    for (int i = 0; i < novr; i++)
        apply_override(&c, blocks, &ovr[i]);
    for (int k = K_LOSS; k <= K_OPTIMIZER; k++)
        if (blocks[k] && !blocks[k]->builtin && !blocks[k]->failed) {
            diag_error(d, blocks[k]->span, "this %s names no %s", kind_names[k],
                       k == K_LOSS ? "loss (cross_entropy, mse, mae, huber or binary_cross_entropy)"
                                   : "algorithm (sgd, adam, adamw, rmsprop or adagrad)");
            blocks[k] = NULL;
        }
    check_presets(&c, blocks);
    build(&c, blocks, out);
    out->name = stem(a, ls->srcs.files[ls->main_file]->path);
    out->settings = arena_alloc(a, (size_t)(c.settings.n + 1) * sizeof *out->settings);
    for (int i = 0; i < c.settings.n; i++)
        out->settings[i] = *(rt_setting *)c.settings.items[i];
    out->nsettings = c.settings.n;
    if (diag_errors(d) == before) {
        plan_layout(&out->net);
        sema_check_weights(a, d, out);
    }
    return diag_errors(d) - before;
}

int sema_check_data(sema_experiment *e, const rt_dataset *data, diag *d)
{
    int before = diag_errors(d);
    plan *p = &e->net;
    if (data->features != p->in)
        diag_error(d, e->input_span, "the network's input is %lld, but %s has %lld features per sample",
                   (long long)p->in, data->source, (long long)data->features);
    int64_t want = p->y_floats > 0 ? p->y_floats : 1, have = data->targets > 0 ? data->targets : 1;
    if (p->loss == PLAN_LOSS_CROSS_ENTROPY && p->nlayers > 0) {
        /* a class index per sample, or a distribution over the outputs */
        const plan_layer *last = &p->layers[p->nlayers - 1];
        if (have == last->out)
            p->y_floats = have;
        else if (have != 1)
            diag_error(d, e->loss_span, "the loss cross_entropy takes 1 target per sample (a class index) or %lld "
                       "(a distribution over the last layer's outputs), but %s has %lld%s",
                       (long long)last->out, data->source, (long long)have,
                       e->data.one_hot ? " (one_hot labels: one per class of the data)" : "");
        else if (!data->labels_integral)
            diag_error(d, e->loss_span, "cross_entropy needs integer class labels, but %s has labels "
                       "that are not whole numbers >= 0", data->source);
        else if (data->classes > last->out)
            diag_error(d, last->span, "%s has %lld classes, but this last layer has %lld outputs",
                       data->source, (long long)data->classes, (long long)last->out);
    } else if (have != want)
        diag_error(d, e->loss_span, "the loss %s takes %lld target%s per sample, but %s has %lld",
                   plan_loss_name(p->loss), (long long)want, want == 1 ? "" : "s", data->source, (long long)have);
    return diag_errors(d) - before;
}
