/* sema_weights.c — the network's parameters as named tensors, and the
 * network block's `init from "weights.safetensors"`.
 *
 * Names follow PyTorch's nn.Sequential: every layer is one module and its
 * activation (when it has one) the next, so
 *   dense 128 relu; dense 10   ->  0.weight [128, in], 0.bias [128],
 *                                  2.weight [10, 128], 2.bias [10]
 * (module 1 is the ReLU). A weight is stored as PyTorch's Linear holds it,
 * [out, in]: the transpose of lrc's W [in][out]. `init from` reads only the
 * file's header here, so a missing, extra or misshapen tensor is reported
 * at the statement before anything is compiled; the values are read when
 * the run starts (runtime/rt_weights.c). */
#include "sema_internal.h"

#include <stdio.h>
#include <string.h>

#include "rt_safetensors.h"

int sema_weight_tensors(arena *a, const plan *p, rt_tensor **out)
{
    rt_tensor *t = arena_alloc(a, (size_t)(2 * p->nlayers + 1) * sizeof *t);
    int n = 0, module = 0;
    for (int i = 0; i < p->nlayers; i++) {
        const plan_layer *l = &p->layers[i];
        if (l->kind == PLAN_DENSE) {
            t[n] = (rt_tensor){.name = arena_printf(a, "%d.weight", module), .rank = 2,
                               .shape = {l->out, l->in}, .offset = l->w, .permuted = 1, .perm = {1, 0}};
            t[n + 1] = (rt_tensor){.name = arena_printf(a, "%d.bias", module), .rank = 1,
                                   .shape = {l->out}, .offset = l->b};
            n += 2;
        } else if (plan_layer_params(l) > 0) {
            *out = NULL;
            return -1; /* a layer kind this naming does not know yet */
        }
        module += 1 + (l->act != PLAN_ACT_NONE);
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
        diag_error(d, e->init_span, "'init from' cannot name the parameters of this network's layers yet "
                   "(dense layers only)");
        return;
    }
    rt_err err = {0};
    if (rt_safetensors_check(e->init_from, e->tensors, e->ntensors, &err) != RT_OK)
        diag_error(d, e->init_span, "%s", err.msg);
}
