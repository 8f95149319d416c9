/* rt_measure.c — see rt_measure.h: the held-out split, the validation
 * batches and the seeds of a run, then the files and report members that
 * show them (plot.svg, TensorBoard events, sources/, overrides.txt). */
#include "rt_measure.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int cores(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}

const rt_dataset *rt_measured_train(const rt_measured *ms, const rt_dataset *data)
{
    return ms->split ? &ms->train : data;
}

int rt_measure(const rt_experiment *x, const lrc_model *m, const rt_dataset *data, const rt_run_opts *o,
               FILE *progress, rt_measured *ms, rt_err *err)
{
    memset(ms, 0, sizeof *ms);
    const rt_sweep *sw = &x->sweep;
    int rc = RT_OK;
    if (x->data.split > 0) {
        if ((rc = rt_data_split(data, x->data.split, sw->seed, &ms->train, &ms->held, err)) != RT_OK)
            return rc;
        ms->split = 1;
    }
    if (sw->validation) {
        if (!ms->split)
            return rt_errf(err, RT_BAD_INPUT, "measure validation needs held-out data: add 'split 0.2' to the dataset");
        if ((rc = rt_heldout_make(&ms->held, m, sw->validation_batches, &ms->val, err)) != RT_OK)
            return rc;
        ms->has_val = 1;
    }
    ms->nres = sw->seeds > 1 ? sw->seeds : 1;
    ms->cores = o->threads > 0 ? o->threads : cores();
    ms->threads = ms->cores;
    if (ms->threads > ms->nres)
        ms->threads = (int)ms->nres;
    ms->res = calloc((size_t)ms->nres, sizeof *ms->res);
    if (!ms->res)
        return rt_errf(err, RT_FAILED, "out of memory for %lld seeds", (long long)ms->nres);
    rc = rt_run_seeds_mpi(o->mpi, m, sw, rt_measured_train(ms, data), ms->has_val ? &ms->val : NULL, ms->nres, ms->cores,
                      o->interrupt, progress, ms->res, err);
    if (rc != RT_OK) {
        free(ms->res);
        ms->res = NULL;
        ms->nres = 0;
        return rc;
    }
    for (int64_t i = 0; i < ms->nres; i++)
        ms->interrupted |= ms->res[i].end == RT_END_INTERRUPT;
    if (ms->nres > 1) {
        rt_seed_stats(ms->res, ms->nres, sw, ms->stats);
        rc = rt_band_make(ms->res, ms->nres, &ms->band, err);
    }
    return rc;
}

void rt_measured_free(rt_measured *ms)
{
    for (int64_t i = 0; i < ms->nres; i++)
        rt_result_free(&ms->res[i]);
    free(ms->res);
    rt_band_free(&ms->band);
    rt_heldout_free(&ms->val);
    if (ms->split) {
        rt_data_free(&ms->train);
        rt_data_free(&ms->held);
    }
    memset(ms, 0, sizeof *ms);
}

/* ---- report.json members ----------------------------------------------------- */

static void jnum(rt_buf *b, double v)
{
    if (isfinite(v))
        rt_buf_printf(b, "%.9g", v);
    else
        rt_buf_printf(b, "null");
}

static void json_seeds(const rt_measured *ms, const rt_sweep *sw, rt_buf *b)
{
    rt_buf_printf(b, ",\n  \"seeds\": {\n    \"count\": %lld,\n    \"threads\": %d,\n    \"stable_spread\": %g,\n"
                     "    \"methods\": {", (long long)ms->nres, ms->threads, RT_STABLE_SPREAD);
    for (int k = 0; k < sw->nmethods; k++) {
        const rt_seed_stat *s = &ms->stats[k];
        rt_buf_printf(b, "%s\n      \"%s\": {\"median\": ", k ? "," : "", rt_method_name(s->method));
        jnum(b, s->median);
        rt_buf_printf(b, ", \"min\": ");
        jnum(b, s->min);
        rt_buf_printf(b, ", \"max\": ");
        jnum(b, s->max);
        rt_buf_printf(b, ", \"spread\": ");
        jnum(b, s->spread);
        rt_buf_printf(b, ", \"seeds_with_rate\": %d, \"stable\": %s}", s->nok, s->stable ? "true" : "false");
    }
    rt_buf_printf(b, "\n    },\n    \"runs\": [");
    for (int64_t i = 0; i < ms->nres; i++) {
        const rt_result *r = &ms->res[i];
        rt_buf_printf(b, "%s\n      {\"seed\": %llu, \"steps\": %lld, \"stop\": ", i ? "," : "",
                      (unsigned long long)r->seed, (long long)r->n);
        rt_buf_json_string(b, r->end_text[0] ? r->end_text : rt_end_name(r->end));
        rt_buf_printf(b, ", \"seconds\": %.6f, \"rates\": {", r->seconds);
        for (int k = 0; k < r->nsug; k++) {
            rt_buf_printf(b, "%s\"%s\": ", k ? ", " : "", rt_method_name(r->sug[k].method));
            jnum(b, r->sug[k].ok ? r->sug[k].rate : NAN);
        }
        rt_buf_printf(b, "}}");
    }
    rt_buf_printf(b, "\n    ]\n  }");
}

void rt_measured_json(const rt_measured *ms, const rt_sweep *sw, rt_buf *b)
{
    const rt_result *r = &ms->res[0];
    double n = r->n > 0 ? (double)r->n : 1.0;
    rt_buf_printf(b, "\"interrupted\": %s,\n  \"measure\": {\n    \"loss\": \"%s\",\n", ms->interrupted ? "true" : "false",
                  ms->has_val ? "validation" : "train");
    if (ms->has_val)
        rt_buf_printf(b, "    \"validation_batches\": %lld,\n", (long long)ms->val.batches);
    if (ms->split)
        rt_buf_printf(b, "    \"train_samples\": %lld,\n    \"held_out_samples\": %lld,\n", (long long)ms->train.n,
                      (long long)ms->held.n);
    rt_buf_printf(b, "    \"loop_seconds_per_step\": %.9g,\n", r->seconds / n);
    rt_buf_printf(b, "    \"step_threads\": %d,\n    \"pool_steps\": %lld,\n", r->step_threads,
                  (long long)r->split_steps);
    rt_buf_printf(b, "    \"step_seconds_per_step\": %.9g,\n    \"validation_seconds_per_step\": ", r->step_seconds / n);
    jnum(b, ms->has_val ? r->eval_seconds / n : NAN);
    rt_buf_printf(b, "\n  }");
    if (ms->nres > 1)
        json_seeds(ms, sw, b);
}

/* ---- files ------------------------------------------------------------------ */

static void plot_marks(const rt_measured *ms, const rt_sweep *sw, rt_plot_in *in)
{
    const rt_result *r = &ms->res[0];
    in->nmarks = 0;
    for (int k = 0; k < (ms->nres > 1 ? sw->nmethods : r->nsug); k++) {
        rt_plot_mark *m = &in->marks[in->nmarks];
        if (ms->nres > 1) {
            const rt_seed_stat *s = &ms->stats[k];
            if (s->nok == 0)
                continue;
            *m = (rt_plot_mark){.method = s->method, .rate = s->median, .loss = rt_band_at(&ms->band, s->median)};
            snprintf(m->label, sizeof m->label, "%s %.3g (median; spread %.2g, %s)", rt_method_name(s->method),
                     s->median, s->spread, s->stable ? "stable" : "unstable");
        } else {
            const rt_suggestion *g = &r->sug[k];
            if (!g->ok)
                continue;
            *m = (rt_plot_mark){.method = g->method, .rate = g->rate, .loss = g->loss};
            snprintf(m->label, sizeof m->label, "%s %.3g", rt_method_name(g->method), g->rate);
        }
        in->nmarks++;
    }
}

static void append(char *written, size_t len, const char *name)
{
    size_t n = strlen(written);
    snprintf(written + n, len - n, "%s%s", n ? ", " : "", name);
}

int rt_measured_write(const char *dir, const rt_experiment *x, const rt_measured *ms, const rt_run_opts *o,
                      char *written, size_t len, rt_err *err)
{
    char path[4400], name[600], host[256] = "localhost", title[300];
    const rt_result *r = &ms->res[0];
    written[0] = '\0';
    snprintf(path, sizeof path, "%s/curve.csv", dir);
    int rc = ms->nres > 1 ? rt_write_curves_csv(path, ms->res, ms->nres, err) : rt_write_curve_csv(path, r, err);
    if (rc != RT_OK)
        return rc;
    append(written, len, "curve.csv");
    snprintf(title, sizeof title, "%s: learning-rate range test%s", x->name ? x->name : "experiment",
             ms->nres > 1 ? " across seeds" : "");
    rt_plot_in in = {.title = title, .measure = ms->has_val ? "validation loss" : "training loss", .r = r,
                     .band = ms->nres > 1 ? &ms->band : NULL, .nseeds = ms->nres};
    plot_marks(ms, &x->sweep, &in);
    snprintf(path, sizeof path, "%s/plot.svg", dir);
    if ((rc = rt_write_plot_svg(path, &in, err)) != RT_OK)
        return rc;
    append(written, len, "plot.svg");
    gethostname(host, sizeof host - 1);
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    double end = (double)now.tv_sec + (double)now.tv_nsec * 1e-9;
    snprintf(name, sizeof name, "events.out.tfevents.%lld.%s", (long long)now.tv_sec, host);
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if ((rc = rt_write_tfevents(path, r, end - r->seconds, err)) != RT_OK)
        return rc;
    append(written, len, name);
    if ((rc = rt_write_sources(dir, o->sources, o->nsources, o->prov.overrides, err)) != RT_OK)
        return rc;
    append(written, len, o->nsources ? "sources/, overrides.txt" : "overrides.txt");
    return RT_OK;
}

int rt_write_sources(const char *dir, const rt_source *src, int n, const char *overrides, rt_err *err)
{
    char path[4400];
    for (int i = 0; i < n; i++) {
        snprintf(path, sizeof path, "%s/sources/%s", dir, src[i].path);
        char *slash = strrchr(path, '/');
        *slash = '\0';
        int e = rt_make_dirs(path);
        if (e != 0)
            return rt_errf(err, RT_FAILED, "cannot create '%s': %s", path, strerror(e));
        *slash = '/';
        int rc = rt_write_atomic(path, src[i].text, src[i].len, err);
        if (rc != RT_OK)
            return rc;
    }
    snprintf(path, sizeof path, "%s/overrides.txt", dir);
    char text[4096];
    int len = snprintf(text, sizeof text, "%s%s", overrides ? overrides : "", overrides && overrides[0] ? "\n" : "");
    return rt_write_atomic(path, text, (size_t)(len < (int)sizeof text ? len : (int)sizeof text - 1), err);
}

void rt_measured_print(FILE *f, const rt_measured *ms, const rt_sweep *sw)
{
    const rt_result *r = &ms->res[0];
    double n = r->n > 0 ? (double)r->n : 1.0;
    if (ms->has_val)
        fprintf(f, "measured     validation loss, %lld held-out batches of %lld samples: "
                   "%.3g ms step + %.3g ms validation per step\n", (long long)ms->val.batches, (long long)ms->held.n,
                1e3 * r->step_seconds / n, 1e3 * r->eval_seconds / n);
    else if (ms->split)
        fprintf(f, "measured     training loss (%lld samples held out, never trained on)\n", (long long)ms->held.n);
    if (ms->nres > 1)
        rt_print_seed_table(f, ms->stats, sw->nmethods, ms->nres);
}
