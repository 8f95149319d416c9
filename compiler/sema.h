/* sema.h — the checker: from parsed files to one checked experiment.
 *
 * Resolves definitions and presets (`KIND NAME [= BASE] [{ body }]`),
 * applies --set overrides, checks every key against the schema of its
 * block (unknown keys, wrong types, out-of-range values), compiles the stop
 * expression, and fills the runtime configuration and the network plan.
 * Every error is reported with its location; nothing falls back silently.
 * Data-dependent checks (the network's input against the data's features)
 * happen in sema_check_data, once the data is loaded. */
#ifndef SEMA_H
#define SEMA_H

#include "arena.h"
#include "diag.h"
#include "load.h"
#include "plan.h"
#include "rt_data.h"
#include "rt_report.h"
#include "rt_sweep.h"

typedef struct sema_override {
    const char *path;      /* e.g. "sweep.start_rate" */
    const char *value;     /* e.g. "1e-6" */
} sema_override;

typedef struct sema_experiment {
    const char *name;      /* the main file's stem */
    rt_data_spec data;
    rt_sweep sweep;
    plan net;
    src_span data_span;    /* the dataset definition (for data errors) */
    src_span input_span;   /* the network's `input` statement */
    src_span loss_span;    /* the `loss` statement */
    const char *init_from; /* network `init from "file"`: NULL, or the weights file */
    src_span init_span;    /* that statement */
    struct rt_tensor *tensors; /* the parameters as named tensors (sema_weights.c) */
    int ntensors;          /* -1: a layer kind the naming does not know */
    rt_setting *settings;  /* every resolved setting, defaults filled in */
    int nsettings;
} sema_experiment;

/* Checks the loaded files. Returns the number of errors (0: `out` filled).
 * `ovr` are --set overrides, applied to the main file's definitions; their
 * text is added to ls->srcs so that errors in them are located too. */
int sema_check(arena *a, load_set *ls, const sema_override *ovr, int novr,
               diag *d, sema_experiment *out);

/* Checks the experiment against the loaded data (features, classes, the
 * loss's targets); cross_entropy's targets per sample (a class index, or a
 * distribution over the outputs) set e->net.y_floats. Returns the number of
 * errors. */
int sema_check_data(sema_experiment *e, const rt_dataset *data, diag *d);

/* The plan's parameters as tensors named like PyTorch's nn.Sequential
 * (`0.weight` [out, in], `0.bias` [out], then `2.weight` after an
 * activation module ...). Returns how many, or -1 when a layer has
 * parameters the naming does not cover. */
struct rt_tensor;
int sema_weight_tensors(arena *a, const plan *p, struct rt_tensor **out);

#endif
