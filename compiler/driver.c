/* driver.c — the front half of every command (load, check, read the data)
 * and helpers the commands share. */
#include "driver.h"

#include <stdio.h>
#include <string.h>

#include "rt_report.h"

/* A data error reads `path:row:col: message`; print it as
 * `path:row:col: error: message`, like every other located error. */
static void print_data_error(const rt_data_spec *spec, const rt_err *err)
{
    const char *paths[] = {spec->path, spec->labels};
    for (int i = 0; i < 2; i++) {
        size_t n = paths[i] ? strlen(paths[i]) : 0;
        const char *rest = err->msg + n;
        if (n == 0 || strncmp(err->msg, paths[i], n) != 0 || *rest != ':')
            continue;
        const char *sep = strstr(rest, ": ");
        if (!sep)
            break;
        fprintf(stderr, "%.*s: error: %s\n", (int)(sep - err->msg), err->msg, sep + 2);
        return;
    }
    fprintf(stderr, "lrc: error: %s\n", err->msg);
}

int drv_front(session *s, int need_data)
{
    diag_init(&s->d, &s->ls.srcs, stderr);
    if (load_experiment(&s->a, &s->ls, s->opt->file, load_stdlib_dir(), &s->d) > 0)
        return EXIT_BAD_INPUT;
    if (sema_check(&s->a, &s->ls, s->opt->ovr, s->opt->novr, &s->d, &s->e) > 0)
        return EXIT_BAD_INPUT;
    if (!need_data)
        return 0;
    rt_err err = {0};
    if (rt_data_load(&s->e.data, &s->data, &err) != 0) {
        print_data_error(&s->e.data, &err);
        diag_note(&s->d, s->e.data_span, "while reading the dataset defined here");
        return err.code == RT_FAILED ? EXIT_RUN_FAILED : EXIT_BAD_INPUT;
    }
    if (sema_check_data(&s->e, &s->data, &s->d) > 0)
        return EXIT_BAD_INPUT;
    return 0;
}

void drv_free(session *s)
{
    rt_data_free(&s->data);
    load_free(&s->ls);
    arena_free(&s->a);
}

int64_t drv_params(const plan *p)
{
    int64_t n = 0;
    for (int i = 0; i < p->nlayers; i++)
        n += plan_layer_params(&p->layers[i]);
    return n;
}

double drv_seconds_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0->tv_nsec);
}

void drv_hash_sources(const load_set *ls, char out[65])
{
    rt_sha256 h;
    rt_sha256_init(&h);
    for (int i = 0; i < ls->norder; i++) {
        const src_file *f = ls->srcs.files[ls->order[i]->file];
        rt_sha256_update(&h, f->text, f->len);
    }
    rt_sha256_hex(&h, out);
}

void drv_overrides_text(const options *o, char *buf, size_t len)
{
    size_t n = 0;
    buf[0] = '\0';
    for (int i = 0; i < o->novr && n < len; i++)
        n += (size_t)snprintf(buf + n, len - n, "%s--set %s=%s", i ? " " : "", o->ovr[i].path, o->ovr[i].value);
}
