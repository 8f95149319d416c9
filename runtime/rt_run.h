/* rt_run.h — one whole run of an experiment: the range test, then every
 * output (curve.csv, report.json) and the terminal summary. Shared by
 * `lrc run` (JIT) and standalone binaries (`lrc build`), so both produce the
 * same files from the same code. Data loading and compilation happen before
 * this: the caller hands in the model, the data and what it knows of the
 * run's provenance. */
#ifndef RT_RUN_H
#define RT_RUN_H

#include <signal.h>
#include <stdint.h>
#include "lrc_abi.h"
#include "rt_data.h"
#include "rt_report.h"
#include "rt_results.h"
#include "rt_sweep.h"

/* The experiment as the runtime needs it, every setting resolved. */
typedef struct rt_experiment {
    const char *name;
    rt_data_spec data;
    rt_sweep sweep;
    const rt_setting *settings;   /* for the report */
    int nsettings;
    int64_t params;               /* trainable parameters (without padding) */
    const struct rt_tensor *tensors; /* the parameters as named tensors (rt_safetensors.h):
                                     written as init.safetensors; NULL: not written */
    int ntensors;
    const char *init_from;        /* NULL, or the safetensors file the parameters start from */
} rt_experiment;

typedef struct rt_run_opts {
    const char *out_dir;          /* NULL: runs/<name>-<YYYYmmdd-HHMMSS>/ (made unique) */
    int quiet;                    /* no summary, no progress */
    const volatile sig_atomic_t *interrupt;  /* polled before every step; may be NULL */
    rt_provenance prov;           /* filled by the caller except run_seconds and started_at */
    int threads;                  /* for seeds > 1: at most this many (0: the machine's cores) */
    int grid;                     /* also run the grid comparison (lrc grid) */
    const rt_source *sources;     /* the .lrf files, saved under sources/ */
    int nsources;
    const struct rt_mpi *mpi;     /* NULL, or this process under mpirun (rt_mpi.h): seeds and grid
                                     rates go round the ranks, or (sweep.data_parallel) the ranks
                                     share each step; only rank 0 writes and prints */
} rt_run_opts;

/* Runs the test and writes the outputs. Returns 0, or an rt_err code
 * (the outputs of an interrupted test are written and 0 returned: the
 * caller reads *interrupt to choose its exit code). */
int rt_run(const rt_experiment *x, const lrc_model *m, const rt_dataset *data, rt_run_opts *o, rt_err *err);

/* mkdir -p; returns 0 or an errno. */
int rt_make_dirs(const char *path);

#endif
