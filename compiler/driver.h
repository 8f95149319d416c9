/* driver.h — what the lrc commands share: parsed options, the session that
 * carries one experiment through the pipeline (load -> sema -> data), and
 * small helpers. Each command lives in its own cmd_*.c file and is listed in
 * main.c's command table. */
#ifndef DRIVER_H
#define DRIVER_H

#include <stdint.h>
#include <time.h>

#include "arena.h"
#include "diag.h"
#include "load.h"
#include "plan.h"
#include "rt_data.h"
#include "rt_results.h"
#include "sema.h"

enum { EXIT_RUN_FAILED = 1, EXIT_BAD_INPUT = 2 };

#define DRV_MAX_OVERRIDES 64

typedef struct options {
    const char *command;
    const char *file;
    const char *out_dir;         /* --out */
    sema_override ovr[DRV_MAX_OVERRIDES];
    int novr;
    int quiet;                   /* --quiet */
    int unoptimized;             /* -O0 (emit-llvm) */
    int threads;                 /* --threads (run, grid): 0 = every core */
    int no_cache;                /* --no-cache (run, grid): compile, neither read nor write the cache */
    const char *rates;           /* --rates (grid) */
    int resolved;                /* --resolved (check): print as lrc explain does */
    const char *output;          /* -o BIN (build) */
    int portable;                /* --cpu portable (build); 0: native */
    int64_t max_memory;          /* --max-memory in bytes; 0: drv_default_max_memory() */
} options;

typedef struct session {
    options *opt;
    arena a;
    load_set ls;
    diag d;
    sema_experiment e;
    rt_dataset data;
} session;

/* Loads the file and its imports, checks them, and (need_data) reads and
 * checks the data (drv_data). Returns 0 or an exit code; every error is
 * printed. */
int  drv_front(session *s, int need_data);
/* After drv_front(s, 0): the network against the memory limit
 * (--max-memory), before it is compiled. Returns 0 or an exit code. */
int  drv_check_memory(session *s);
/* After drv_front(s, 0): checks the network against the memory limit,
 * reads the data set within what it leaves, and checks the data against
 * the network, which may set the plan's y_floats (cross-entropy on a
 * distribution per sample). Returns 0 or an exit code; errors printed. */
int  drv_data(session *s);
void drv_free(session *s);

/* Trainable parameters, without the alignment padding of the layout. */
int64_t drv_params(const plan *p);
double  drv_seconds_since(const struct timespec *t0);
/* SHA-256 of the main file and its imports, in load order. */
void    drv_hash_sources(const load_set *ls, char out[65]);
/* --max-memory SIZE: bytes, with an optional K/M/G/T suffix (powers of
 * 1024; "KiB", "MB", ... are accepted too) or a share of the machine's RAM
 * ("50%"). Returns 0 when SIZE is not one. */
int64_t drv_parse_size(const char *text);
/* The default limit: three quarters of the machine's physical memory. */
int64_t drv_default_max_memory(void);
/* The main file and its imports as rt_run saves them under sources/ (the
 * paths: driver.c), allocated in the session's arena. */
rt_source *drv_list_sources(session *s, int *n);
/* The --set options as one line ("" for none). */
void    drv_overrides_text(const options *o, char *buf, size_t len);

/* The commands. */
int cmd_run(session *s);
int cmd_grid(session *s);        /* cmd_grid.c: range test vs fixed rates */
/* cmd_run.c: compile and hand the experiment to rt_run (grid: also the grid). */
int drv_run(session *s, int grid);
int cmd_build(session *s);       /* cmd_build.c: a standalone binary */
int cmd_check(session *s);
int cmd_emit_llvm(session *s);
int cmd_dump_ast(session *s);
int cmd_explain(session *s);     /* cmd_explain.c: the resolved experiment as .lrf */
/* Commands with their own arguments (several files or run directories). */
int cmd_fmt_main(int argc, char **argv);       /* cmd_fmt.c */
int cmd_compare_main(int argc, char **argv);   /* cmd_compare.c */

#endif
