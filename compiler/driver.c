/* driver.c — the front half of every command (load, check, read the data)
 * and helpers the commands share. */
#include "driver.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

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

/* ---- memory bounds ------------------------------------------------------- */

int64_t drv_default_max_memory(void)
{
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    if (pages <= 0 || page <= 0)
        return (int64_t)8 << 30; /* unknown: a modest machine */
    return (int64_t)((double)pages * (double)page * 0.75);
}

int64_t drv_parse_size(const char *text)
{
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (end == text || errno || !(v > 0))
        return 0;
    if (!strcmp(end, "%"))
        return v <= 100 ? (int64_t)(v / 100 * (double)drv_default_max_memory() / 0.75) : 0;
    static const char *const suffix[] = {"", "b", "k", "kb", "kib", "m", "mb", "mib",
                                         "g", "gb", "gib", "t", "tb", "tib"};
    static const int power[] = {0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4};
    int k = 0, n = (int)(sizeof suffix / sizeof suffix[0]);
    while (k < n && strcasecmp(end, suffix[k]) != 0)
        k++;
    if (k == n)
        return 0;
    for (int i = 0; i < power[k]; i++)
        v *= 1024;
    return v < 1 || v > 0x1p62 ? 0 : (int64_t)v;
}

static void print_bytes(char *buf, size_t len, double bytes)
{
    static const char *const unit[] = {"bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    int u = 0;
    while (bytes >= 1024 && u < 6) {
        bytes /= 1024;
        u++;
    }
    snprintf(buf, len, u ? "%.1f %s" : "%.0f %s", bytes, unit[u]);
}

/* The model's memory: its float block (parameters, gradients, optimizer
 * state, activations) and the x/y buffers of one batch, for every test that
 * runs at the same time (--seeds). Refused, at the network's biggest layer,
 * when it is more than the limit; returns the bytes it takes. */
static double check_model_memory(session *s, int64_t limit)
{
    const plan *p = &s->e.net;
    double one = ((double)p->mem_floats + (double)p->batch * (double)(p->in + p->y_floats)) * sizeof(float);
    int64_t at_once = s->e.sweep.seeds > 1 ? s->e.sweep.seeds : 1;
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    int64_t threads = s->opt->threads > 0 ? s->opt->threads : cores > 0 ? cores : 1;
    if (at_once > threads)
        at_once = threads;
    double need = one * (double)at_once;
    if (need <= (double)limit || p->nlayers < 1)
        return need;
    int big = 0;
    for (int i = 1; i < p->nlayers; i++)
        if ((double)p->layers[i].in * (double)p->layers[i].out
            > (double)p->layers[big].in * (double)p->layers[big].out)
            big = i;
    char nb[32], lb[32];
    print_bytes(nb, sizeof nb, need);
    print_bytes(lb, sizeof lb, (double)limit);
    diag_error(&s->d, p->layers[big].span,
               "this network needs %s (parameters, gradients, optimizer state and activations for "
               "batch %lld%s), more than the memory limit of %s",
               nb, (long long)p->batch, at_once > 1 ? ", for each test running at once" : "", lb);
    diag_note(&s->d, p->layers[big].span, "this is its largest layer; make the layers or the batch smaller, "
              "or raise the limit with --max-memory SIZE");
    return -1;
}

int drv_front(session *s, int need_data)
{
    diag_init(&s->d, &s->ls.srcs, stderr);
    if (load_experiment(&s->a, &s->ls, s->opt->file, load_stdlib_dir(), &s->d) > 0)
        return EXIT_BAD_INPUT;
    if (sema_check(&s->a, &s->ls, s->opt->ovr, s->opt->novr, &s->d, &s->e) > 0)
        return EXIT_BAD_INPUT;
    return need_data ? drv_data(s) : 0;
}

int drv_check_memory(session *s)
{
    int64_t limit = s->opt->max_memory > 0 ? s->opt->max_memory : drv_default_max_memory();
    return check_model_memory(s, limit) < 0 ? EXIT_BAD_INPUT : 0;
}

int drv_data(session *s)
{
    int64_t limit = s->opt->max_memory > 0 ? s->opt->max_memory : drv_default_max_memory();
    double model = check_model_memory(s, limit);
    if (model < 0)
        return EXIT_BAD_INPUT;
    /* The data set gets what the model leaves (at least one byte: a limit). */
    s->e.data.max_bytes = (double)limit - model >= 1 ? (int64_t)((double)limit - model) : 1;
    rt_err err = {0};
    if (rt_data_load(&s->e.data, &s->data, &err) != 0) {
        print_data_error(&s->e.data, &err);
        diag_note(&s->d, s->e.data_span, "while reading the dataset defined here");
        if (strstr(err.msg, "(--max-memory)")) {
            char lb[32], mb[32];
            print_bytes(lb, sizeof lb, (double)limit);
            print_bytes(mb, sizeof mb, model);
            fprintf(stderr, "lrc: note: the memory limit is %s%s; the network takes %s of it\n", lb,
                    s->opt->max_memory > 0 ? "" : " (75%% of RAM)", mb);
        }
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

/* The main file and its imports as they will be saved under sources/:
 * standard-library files under stdlib/ (rerun with LRC_STDLIB=sources/stdlib),
 * others at their path, without a leading '/' and with ".." spelt "up". */
rt_source *drv_list_sources(session *s, int *n)
{
    rt_source *src = arena_alloc(&s->a, (size_t)(s->ls.norder + 1) * sizeof *src);
    for (int i = 0; i < s->ls.norder; i++) {
        const src_file *f = s->ls.srcs.files[s->ls.order[i]->file];
        const char *std = f->is_std ? strstr(f->path, "std/") : NULL;
        char *path = arena_printf(&s->a, "%s%s", std ? "stdlib/" : "", std ? std : f->path);
        while (*path == '/' || !strncmp(path, "./", 2))
            path += *path == '/' ? 1 : 2;
        for (char *p = path; (p = strstr(p, "..")) != NULL; p += 2)
            if ((p == path || p[-1] == '/') && (p[2] == '/' || !p[2])) {
                p[0] = 'u';
                p[1] = 'p';
            }
        src[i] = (rt_source){path, f->text, f->len};
    }
    *n = s->ls.norder;
    return src;
}

void drv_overrides_text(const options *o, char *buf, size_t len)
{
    size_t n = 0;
    buf[0] = '\0';
    for (int i = 0; i < o->novr && n < len; i++)
        n += (size_t)snprintf(buf + n, len - n, "%s--set %s=%s", i ? " " : "", o->ovr[i].path, o->ovr[i].value);
}
