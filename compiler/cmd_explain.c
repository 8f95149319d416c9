/* cmd_explain.c — `lrc explain FILE [--set ...]` (also `lrc check
 * --resolved`): prints the fully resolved experiment as a .lrf file —
 * imports and presets expanded, overrides applied, every default filled in.
 *
 * It is rendered from the checked experiment's settings list
 * (sema_experiment.settings, the same list report.json records), never from
 * the source text: "KIND.KEY" = "VALUE" becomes `KEY VALUE` inside the KIND
 * block, where VALUE is already written in the language. The exceptions are
 * structural: `kind` (the builtin of a loss or optimizer) becomes the
 * block's name (other blocks are named after the experiment), the dataset's `source`/`path`/`labels` its source call
 * (with absolute paths, so the output works from any directory), a
 * network's `layerN` is the layer's whole statement, and a sweep's `stop`
 * is `stop when ...`. The output checks and runs exactly like the input. */
#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "driver.h"

/* The setting "KIND.KEY" of the experiment, or NULL. */
static const char *explain_get(const sema_experiment *e, const char *kind, const char *key)
{
    size_t kl = strlen(kind);
    for (int i = 0; i < e->nsettings; i++) {
        const char *k = e->settings[i].key;
        if (!strncmp(k, kind, kl) && k[kl] == '.' && !strcmp(k + kl + 1, key))
            return e->settings[i].value;
    }
    return NULL;
}

/* A path as a string literal of the language, made absolute. */
static void explain_path(FILE *f, const char *path)
{
    char abs[PATH_MAX], cwd[PATH_MAX];
    if (path[0] != '/' && realpath(path, abs))
        path = abs;
    else if (path[0] != '/' && getcwd(cwd, sizeof cwd) &&
             snprintf(abs, sizeof abs, "%s/%s", cwd, path) < (int)sizeof abs)
        path = abs;
    fputc('"', f);
    for (const char *p = path; *p; p++) {
        if (*p == '"' || *p == '\\')
            fputc('\\', f);
        if (*p == '\n')
            fputs("\\n", f);
        else if (*p == '\t')
            fputs("\\t", f);
        else
            fputc(*p, f);
    }
    fputc('"', f);
}

static int explain_is_layer(const char *key)
{
    if (strncmp(key, "layer", 5) || !key[5])
        return 0;
    for (const char *p = key + 5; *p; p++)
        if (*p < '0' || *p > '9')
            return 0;
    return 1;
}

/* The block of one kind: its head, then every other setting of that kind. */
static void explain_block(FILE *f, const sema_experiment *e, const char *kind)
{
    size_t kl = strlen(kind);
    const char *builtin = explain_get(e, kind, "kind");
    fprintf(f, "%s", kind);
    if (!builtin) { /* named after the experiment, as an identifier */
        fputc(' ', f);
        const char *n = e->name && e->name[0] ? e->name : "experiment";
        if (n[0] >= '0' && n[0] <= '9')
            fputc('_', f);
        for (int i = 0; n[i] && i < 200; i++)
            fputc(isalnum((unsigned char)n[i]) ? n[i] : '_', f);
    }
    if (!strcmp(kind, "dataset")) {
        const char *src = explain_get(e, kind, "source");
        const char *path = explain_get(e, kind, "path");
        const char *labels = src && !strcmp(src, "idx") ? explain_get(e, kind, "labels") : NULL;
        fprintf(f, " = %s", src ? src : "?");
        if (path) {
            fputc('(', f);
            explain_path(f, path);
            if (labels) {
                fputs(", ", f);
                explain_path(f, labels);
            }
            fputc(')', f);
        }
    } else if (builtin) {
        fprintf(f, " %s", builtin);
    }
    int body = 0;
    for (int i = 0; i < e->nsettings; i++) {
        const rt_setting *s = &e->settings[i];
        if (strncmp(s->key, kind, kl) || s->key[kl] != '.')
            continue;
        const char *key = s->key + kl + 1;
        int idx = !strcmp(kind, "dataset") && !strcmp(explain_get(e, kind, "source") ? explain_get(e, kind, "source") : "", "idx");
        if (!strcmp(key, "kind") || (!strcmp(kind, "dataset") &&
            (!strcmp(key, "source") || !strcmp(key, "path") || (idx && !strcmp(key, "labels")))))
            continue;
        if (!body++)
            fputs(" {\n", f);
        if (explain_is_layer(key))
            fprintf(f, "  %s\n", s->value);
        else if (!strcmp(key, "stop"))
            fprintf(f, "  stop when %s\n", s->value);
        else
            fprintf(f, "  %s %s\n", key, s->value);
    }
    fputs(body ? "}\n" : "\n", f);
}

int cmd_explain(session *s)
{
    int rc = drv_front(s, 0);
    if (rc)
        return rc;
    const sema_experiment *e = &s->e;
    char ovr[1024];
    drv_overrides_text(s->opt, ovr, sizeof ovr);
    printf("# %s, resolved by lrc explain from %s%s%s\n", e->name, s->opt->file, ovr[0] ? " with " : "", ovr);
    printf("# (imports and presets expanded, every default filled in)\n");
    /* One block per kind, in the order the checker resolved them. */
    const char *kinds[16];
    int nkinds = 0;
    for (int i = 0; i < e->nsettings; i++) {
        const char *dot = strchr(e->settings[i].key, '.');
        if (!dot)
            continue;
        size_t kl = (size_t)(dot - e->settings[i].key);
        int seen = 0;
        for (int k = 0; k < nkinds && !seen; k++)
            seen = !strncmp(kinds[k], e->settings[i].key, kl) && kinds[k][kl] == '.';
        if (!seen && nkinds < 16)
            kinds[nkinds++] = e->settings[i].key;
    }
    for (int k = 0; k < nkinds; k++) {
        char kind[64];
        size_t kl = (size_t)(strchr(kinds[k], '.') - kinds[k]);
        snprintf(kind, sizeof kind, "%.*s", (int)kl, kinds[k]);
        putchar('\n');
        explain_block(stdout, e, kind);
    }
    return 0;
}
