/* sema_weights.c — the network's parameters as named tensors, and the
 * network block's `init from "weights.safetensors"`.
 *
 * Names follow PyTorch's nn.Sequential: every layer is one module and its
 * activation (when it has one) the next, so
 *   dense 128 relu; dense 10   ->  0.weight [128, in], 0.bias [128],
 *                                  2.weight [10, 128], 2.bias [10]
 * (module 1 is the ReLU). Weights are stored as PyTorch holds them:
 * Linear [out, in] (the transpose of lrc's W [in][out]), Conv2d
 * [out c, in c, kh, kw] (lrc: [kh][kw][in c][out c]), BatchNorm weight and
 * bias [c]. Pooling, flatten and dropout layers are modules without
 * parameters. lrc's images are channels-last, so the equivalent PyTorch
 * model flattens NHWC: x.permute(0, 2, 3, 1).flatten(1) before a Linear. `init from` reads only the
 * file's header here, so a missing, extra or misshapen tensor is reported
 * at the statement before anything is compiled; the values are read when
 * the run starts (runtime/rt_weights.c). */
#include "sema_internal.h"

#include <stdio.h>
#include <string.h>

#include "rt_safetensors.h"

/* The PyTorch modules a layer stands for: the layer itself (none for an
 * implicit flatten) and its activation. */
static int modules_of(const plan_layer *l)
{
    return 1 + (l->kind != PLAN_ACTIVATION && l->act != PLAN_ACT_NONE);
}

int sema_weight_tensors(arena *a, const plan *p, rt_tensor **out)
{
    rt_tensor *t = arena_alloc(a, (size_t)(2 * p->nlayers + 1) * sizeof *t);
    int n = 0, module = 0;
    for (int i = 0; i < p->nlayers; i++) {
        const plan_layer *l = &p->layers[i];
        const char *weight = arena_printf(a, "%d.weight", module), *bias = arena_printf(a, "%d.bias", module);
        if (l->kind == PLAN_DENSE) {
            /* W [in][out] -> Linear.weight [out, in] */
            t[n++] = (rt_tensor){.name = weight, .rank = 2, .shape = {l->out, l->in}, .offset = l->w,
                                 .permuted = 1, .perm = {1, 0}};
            t[n++] = (rt_tensor){.name = bias, .rank = 1, .shape = {l->out}, .offset = l->b};
        } else if (l->kind == PLAN_CONV2D) {
            /* W [kh][kw][in c][out c] -> Conv2d.weight [out c, in c, kh, kw] */
            t[n++] = (rt_tensor){.name = weight, .rank = 4, .shape = {l->osh.c, l->ish.c, l->k, l->k},
                                 .offset = l->w, .permuted = 1, .perm = {2, 3, 1, 0}};
            t[n++] = (rt_tensor){.name = bias, .rank = 1, .shape = {l->osh.c}, .offset = l->b};
        } else if (l->kind == PLAN_BATCHNORM) {
            /* gamma, beta [c] -> BatchNorm.weight, .bias (running statistics
             * are state, not parameters: they start at 0 and 1) */
            t[n++] = (rt_tensor){.name = weight, .rank = 1, .shape = {l->osh.c}, .offset = l->w};
            t[n++] = (rt_tensor){.name = bias, .rank = 1, .shape = {l->osh.c}, .offset = l->b};
        } else if (plan_layer_params(l) > 0) {
            *out = NULL;
            return -1; /* a layer kind this naming does not know */
        }
        module += modules_of(l);
    }
    *out = t;
    return n;
}

/* The block without an `init from "file"` statement, which goes to
 * *path (resolved against the file that wrote it) and *span. */
sema_block sema_take_init_from(sema_ctx *c, const sema_block *b, const char **path, src_span *span)
{
    sema_block copy = *b;
    copy.settings = (ptrvec){0};
    for (int i = 0; i < b->settings.n; i++) {
        const ast_stmt *s = b->settings.items[i];
        int from = strcmp(s->key, "init") == 0 && s->nargs >= 1 && s->args[0]->kind == AST_IDENT
                   && strcmp(s->args[0]->text, "from") == 0;
        if (!from) {
            ptrvec_push(c->a, &copy.settings, (void *)s);
            continue;
        }
        const ast_expr *e = s->nargs == 2 ? s->args[1] : NULL;
        if (!e || e->kind != AST_STR || !e->text[0] || s->base || s->has_body) {
            diag_error(c->d, s->span, "'init from' takes one file name in quotes: init from \"weights.safetensors\"");
            continue;
        }
        const char *src = c->ls->srcs.files[e->span.file]->path, *slash = strrchr(src, '/');
        *path = e->text[0] == '/' || !slash ? e->text
              : arena_printf(c->a, "%.*s%s", (int)(slash - src + 1), src, e->text);
        *span = s->span;
        sema_record(c, "init_from", 0, "%s", *path);
    }
    return copy;
}

void sema_check_weights(arena *a, diag *d, sema_experiment *e)
{
    e->ntensors = sema_weight_tensors(a, &e->net, &e->tensors);
    if (!e->init_from)
        return;
    if (e->ntensors < 0) {
        diag_error(d, e->init_span, "'init from' cannot name the parameters of this network's layers");
        return;
    }
    rt_err err = {0};
    if (rt_safetensors_check(e->init_from, e->tensors, e->ntensors, &err) != RT_OK)
        diag_error(d, e->init_span, "%s", err.msg);
}
