/* sema_internal.h — what the checker's files share: resolved definitions
 * (a preset chain flattened into one block of settings) and the typed
 * getters that check a setting against its schema and record its value. */
#ifndef SEMA_INTERNAL_H
#define SEMA_INTERNAL_H

#include "sema.h"

/* Limits on what a file may ask for: each a located error, never a crash. */
#define SEMA_MAX_UNITS 65536        /* units of one layer */
#define SEMA_MAX_LAYERS 256
#define SEMA_MAX_BATCH (1 << 20)
#define SEMA_MAX_STEPS 10000000     /* length of a sweep */

typedef enum { K_DATASET, K_NETWORK, K_LOSS, K_OPTIMIZER, K_SWEEP, K_COUNT } sema_kind;

typedef struct sema_def {
    sema_kind kind;
    const char *name;          /* NULL for `sweep { ... }` */
    const ast_stmt *stmt;
    int file;
    int in_main;
    int resolving, resolved;   /* cycle detection */
    int used;                  /* another definition builds on this one */
    struct sema_block *block;
} sema_def;

/* A definition with its preset chain applied: the latest statement for each
 * key, the layer list, the stop statement and what it is built on. */
typedef struct sema_block {
    sema_kind kind;
    const char *name;
    src_span span;             /* the defining statement (the experiment's own) */
    const char *builtin;       /* optimizer algorithm, loss, dataset source kind */
    const ast_expr *source;    /* dataset: the csv(...)/idx(...) call or generator */
    src_span builtin_span;
    ptrvec settings;           /* const ast_stmt * */
    ptrvec layers;             /* network: const ast_stmt *, in order */
    const ast_stmt *stop;      /* sweep */
    int failed;                /* its base was not found: reported once, not built */
} sema_block;

typedef struct sema_ctx {
    arena *a;
    load_set *ls;
    diag *d;
    ptrvec defs;               /* sema_def * */
    ptrvec settings;           /* rt_setting * recorded for the report */
    const char *prefix;        /* "sweep", ... for recorded settings */
} sema_ctx;

/* ---- building each kind from its block (sema_data.c, sema_net.c,
 *      sema_sweep.c; unknown keys: sema_keys.c) ------------------------------ */
/* Each returns nothing; errors go to c->d. Settings are recorded under
 * c->prefix (set by the caller). */
/* A data generator's name (spirals, blobs, regression, moons). */
int  sema_is_generator(const char *name);
void sema_build_dataset(sema_ctx *c, const sema_block *b, rt_data_spec *out, int64_t *batch, int *shuffle);
void sema_build_network(sema_ctx *c, const sema_block *b, plan *p, src_span *input_span);
void sema_build_loss(sema_ctx *c, const sema_block *b, plan *p);
void sema_build_optimizer(sema_ctx *c, const sema_block *b, plan *p);
void sema_build_sweep(sema_ctx *c, const sema_block *b, rt_sweep *out);
/* `measure validation` needs the dataset's `split`: a located error otherwise. */
void sema_check_measure(sema_ctx *c, const sema_block *sweep, const rt_data_spec *data);
/* The network block without its `init from "file"` statement (sema_weights.c),
 * whose resolved path and span go to *path and *span. */
sema_block sema_take_init_from(sema_ctx *c, const sema_block *b, const char **path, src_span *span);
/* Fills e->tensors and checks the header of e->init_from against them. */
void sema_check_weights(arena *a, diag *d, sema_experiment *e);
/* Whether a network statement with this key is a layer (sema_net.c). */
int sema_is_layer_key(const char *key);
/* Reports every setting in `b` whose key is not in `known` (NULL-terminated). */
void sema_unknown_keys(sema_ctx *c, const sema_block *b, const char *what, const char *const *known);

/* ---- typed access to a block's settings (sema_get.c) --------------------- */
const ast_stmt *sema_find(const sema_block *b, const char *key);
int64_t sema_int(sema_ctx *c, const sema_block *b, const char *key, int64_t dflt, int64_t lo, int64_t hi);
double  sema_real(sema_ctx *c, const sema_block *b, const char *key, double dflt, double lo,
                  int lo_open, double hi, int hi_open);
int     sema_bool(sema_ctx *c, const sema_block *b, const char *key, int dflt);
/* One of `choices` (NULL-terminated); returns its index, or dflt. */
int     sema_choice(sema_ctx *c, const sema_block *b, const char *key, const char *const *choices, int dflt);
void    sema_record(sema_ctx *c, const char *key, int is_number, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Checks that a statement has exactly `n` values and no body or '='. */
int     sema_arity(sema_ctx *c, const ast_stmt *s, int n, const char *what);
/* "did you mean" for a misspelt name; NULL when nothing is close. */
const char *sema_closest(const char *name, const char *const *known);

/* ---- stop expressions (sema_expr.c) -------------------------------------- */
/* Compiles `stop when <cond>` into one postfix program per `or` clause. */
int  sema_stop(sema_ctx *c, const ast_stmt *stop, rt_stop *out);
/* The default stop rule: diverges(4). */
void sema_default_stop(rt_stop *out);

#endif
