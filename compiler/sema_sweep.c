/* sema_sweep.c — the sweep block: schedule form (TensorFlow, start/end,
 * linear), smoothing, skips, suggestion methods, seed and stop rule, turned
 * into the runtime's rt_sweep. */
#include "sema_internal.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <string.h>


/* ---- sweep ----------------------------------------------------------------------- */

static void build_suggest(sema_ctx *c, const sema_block *b, rt_sweep *out)
{
    static const char *const methods[] = {"steepest", "valley", "minimum", "clr", NULL};
    const ast_stmt *s = sema_find(b, "suggest");
    out->nmethods = 0;
    if (!s) {
        out->methods[out->nmethods++] = RT_SUG_STEEPEST;
    } else if (s->nargs == 0 || s->base || s->has_body) {
        diag_error(c->d, s->key_span, "'suggest' takes one or more methods: steepest, valley, minimum, clr");
    }
    for (int i = 0; s && i < s->nargs; i++) {
        const ast_expr *e = s->args[i];
        int m = -1;
        for (int k = 0; e->kind == AST_IDENT && methods[k]; k++)
            if (strcmp(methods[k], e->text) == 0)
                m = k;
        int dup = 0;
        for (int k = 0; m >= 0 && k < out->nmethods; k++)
            dup |= out->methods[k] == (rt_method)m;
        const char *near = e->kind == AST_IDENT ? sema_closest(e->text, methods) : NULL;
        if (m < 0 && near)
            diag_error(c->d, e->span, "unknown suggestion method '%s' (did you mean '%s'?)", e->text, near);
        else if (m < 0)
            diag_error(c->d, e->span, "unknown suggestion method (expected steepest, valley, minimum or clr)");
        else if (dup)
            diag_error(c->d, e->span, "'%s' is asked for twice", e->text);
        else
            out->methods[out->nmethods++] = (rt_method)m;
    }
    char list[128] = "";
    for (int i = 0; i < out->nmethods; i++)
        snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ", " : "", rt_method_name(out->methods[i]));
    sema_record(c, "suggest", 0, "%s", list);
}

static void build_schedule(sema_ctx *c, const sema_block *b, rt_schedule *s)
{
    static const char *const kinds[] = {"exponential", "linear", NULL};
    const ast_stmt *decay_rate = sema_find(b, "decay_rate"), *decay_steps = sema_find(b, "decay_steps");
    const ast_stmt *end_rate = sema_find(b, "end_rate"), *steps = sema_find(b, "steps");
    memset(s, 0, sizeof *s);
    s->kind = sema_choice(c, b, "schedule", kinds, 0) == 1 ? RT_SCHED_LINEAR : RT_SCHED_EXP;
    if (!sema_find(b, "start_rate"))
        diag_error(c->d, b->span, "the sweep needs 'start_rate' (e.g. start_rate 1e-7)");
    s->start = sema_real(c, b, "start_rate", 1e-7, 0, 1, INFINITY, 0);
    if (s->kind == RT_SCHED_LINEAR || end_rate) {
        const ast_stmt *extra = decay_rate ? decay_rate : decay_steps ? decay_steps : sema_find(b, "staircase");
        if (extra)
            diag_error(c->d, extra->key_span, "'%s' belongs to the TensorFlow form (start_rate, decay_rate, "
                       "decay_steps); this sweep gives end_rate and steps", extra->key);
        const ast_stmt *given = end_rate ? end_rate : steps;
        if (!end_rate || !steps)
            diag_error(c->d, given ? given->span : b->span,
                       "a sweep from start_rate to end_rate needs both 'end_rate' and 'steps'");
        s->end = sema_real(c, b, "end_rate", 10, 0, 1, INFINITY, 0);
        s->steps = sema_int(c, b, "steps", 100, 2, SEMA_MAX_STEPS);
        if (end_rate && s->end <= s->start)
            diag_error(c->d, end_rate->args[0]->span, "end_rate must be above start_rate (%g)", s->start);
        if (s->kind == RT_SCHED_EXP) { /* the start/end form of exponential decay */
            s->decay_rate = s->end / s->start;
            s->decay_steps = (double)(s->steps - 1);
        }
        return;
    }
    if (!decay_rate || !decay_steps)
        diag_error(c->d, decay_rate ? decay_rate->span : decay_steps ? decay_steps->span : b->span,
                   "an exponential sweep needs 'decay_rate' and 'decay_steps' (TensorFlow form), "
                   "or 'end_rate' and 'steps'");
    s->decay_rate = sema_real(c, b, "decay_rate", 10, 0, 1, INFINITY, 0);
    s->decay_steps = sema_real(c, b, "decay_steps", 100, 0, 1, INFINITY, 0);
    s->staircase = sema_bool(c, b, "staircase", 0);
    s->steps = sema_int(c, b, "steps", 10000, 2, SEMA_MAX_STEPS);
    if (decay_rate && s->decay_rate <= 1)
        diag_error(c->d, decay_rate->args[0]->span, "a range test raises the rate: decay_rate must be > 1, got %s",
                   decay_rate->args[0]->text);
}

/* grid_rates r, r, ...: the fixed rates of `lrc grid`. */
static void build_grid_rates(sema_ctx *c, const sema_block *b, rt_sweep *out)
{
    const ast_stmt *s = sema_find(b, "grid_rates");
    char list[RT_GRID_MAX * 26] = "";
    out->ngrid = 0;
    if (s && (s->nargs == 0 || s->base || s->has_body || s->nargs > RT_GRID_MAX))
        diag_error(c->d, s->key_span, "'grid_rates' takes 1 to %d rates: grid_rates 1e-4, 1e-3, 1e-2", RT_GRID_MAX);
    for (int i = 0; s && i < s->nargs && i < RT_GRID_MAX; i++) {
        const ast_expr *e = s->args[i];
        if (e->kind != AST_NUM || !(e->num > 0) || !isfinite(e->num)) {
            diag_error(c->d, e->span, "a grid rate must be a number > 0");
            continue;
        }
        out->grid_rates[out->ngrid++] = e->num;
        snprintf(list + strlen(list), sizeof list - strlen(list), "%s%.17g", i ? ", " : "", e->num);
    }
    if (s)
        sema_record(c, "grid_rates", 0, "%s", list);
}

/* seeds, measure, validation_batches, grid_rates, grid_steps, parallel. */
static void build_results(sema_ctx *c, const sema_block *b, rt_sweep *out)
{
    static const char *const measures[] = {"train", "validation", NULL};
    out->seeds = sema_int(c, b, "seeds", 1, 1, 4096);
    out->validation = sema_choice(c, b, "measure", measures, 0) == 1;
    out->validation_batches = sema_int(c, b, "validation_batches", 4, 1, 1 << 20);
    build_grid_rates(c, b, out);
    out->grid_steps = sema_int(c, b, "grid_steps", 200, 2, SEMA_MAX_STEPS);
    static const char *const parallel[] = {"seeds", "data", NULL};
    out->data_parallel = sema_choice(c, b, "parallel", parallel, 0) == 1;   /* runtime/rt_mpi.h */
}

void sema_check_measure(sema_ctx *c, const sema_block *sweep, const rt_data_spec *data)
{
    const ast_stmt *s = sweep ? sema_find(sweep, "measure") : NULL;
    if (s && s->nargs == 1 && s->args[0]->kind == AST_IDENT && strcmp(s->args[0]->text, "validation") == 0 &&
        !(data->split > 0))
        diag_error(c->d, s->args[0]->span, "measure validation needs held-out data: add 'split 0.2' to the dataset");
}

void sema_build_sweep(sema_ctx *c, const sema_block *b, rt_sweep *out)
{
    static const char *const keys[] = {"schedule", "start_rate", "decay_rate", "decay_steps", "staircase", "end_rate",
                                       "steps", "smooth", "skip_begin", "skip_end", "suggest", "seed", "seeds",
                                       "measure", "validation_batches", "grid_rates", "grid_steps", "parallel", NULL};
    sema_unknown_keys(c, b, "a sweep", keys);
    build_schedule(c, b, &out->schedule);
    out->beta = sema_real(c, b, "smooth", 0.98, 0, 0, 1, 1);
    out->skip_begin = sema_int(c, b, "skip_begin", 10, 0, SEMA_MAX_STEPS);
    out->skip_end = sema_int(c, b, "skip_end", 5, 0, SEMA_MAX_STEPS);
    build_suggest(c, b, out);
    out->seed = (uint64_t)sema_int(c, b, "seed", 0, 0, INT64_MAX);
    build_results(c, b, out);
    if (b->stop)
        sema_stop(c, b->stop, &out->stop);
    else {
        sema_default_stop(&out->stop);
        sema_record(c, "stop", 0, "%s", out->stop.clause[0].text);
    }
}
