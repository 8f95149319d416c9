/* sema_keys.c — unknown-key reports shared by every block's builder: a
 * "did you mean" among the block's own keys, or the block a misplaced key
 * belongs in. */
#include "sema_internal.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
/* Where a key that is unknown here does belong, for the message. */
static const char *home_of(const char *key, const char **spelt)
{
    static const struct { const char *key, *home; } homes[] = {
        {"batch", "the dataset"}, {"shuffle", "the dataset"}, {"scale", "the dataset"},
        {"momentum", "an sgd or rmsprop optimizer"}, {"nesterov", "an sgd optimizer"}, {"beta1", "an adam optimizer"},
        {"beta2", "an adam optimizer"}, {"eps", "an adam optimizer"}, {"weight_decay", "the optimizer"},
        {"start_rate", "the sweep"}, {"end_rate", "the sweep"}, {"decay_rate", "the sweep"},
        {"decay_steps", "the sweep"}, {"steps", "the sweep"}, {"smooth", "the sweep"}, {"suggest", "the sweep"},
        {"dense", "a network"}, {"input", "a network"}, {"header", "a csv dataset"}, {"label", "a csv dataset"},
        {"samples", "a synthetic dataset"}, {"classes", "a synthetic dataset"}, {"noise", "a synthetic dataset"},
        {"alpha", "an rmsprop optimizer"}, {"clip_norm", "the optimizer"}, {"delta", "a huber loss"},
        {"conv2d", "a network"}, {"maxpool", "a network"}, {"avgpool", "a network"}, {"dropout", "a network"},
        {"batchnorm", "a network"}, {"flatten", "a network"}, {"stride", "a conv2d or pooling layer"},
        {"padding", "a conv2d layer"}, {"lr_mult", "a dense, conv2d or batchnorm layer"},
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

