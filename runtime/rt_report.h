/* rt_report.h — what a run leaves behind: curve.csv, report.json and the
 * terminal summary with its plot. Every file is written atomically (temp
 * file + rename), so a reader never sees half a file. */
#ifndef RT_REPORT_H
#define RT_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "rt_err.h"
#include "rt_test.h"

/* A resolved setting, e.g. {"sweep.start_rate", "1e-07", 1}. */
typedef struct rt_setting {
    const char *key;
    const char *value;
    int is_number;       /* a JSON literal (number, true, false): written unquoted */
} rt_setting;

typedef struct rt_provenance {
    const char *source_path;     /* the main .lrf file */
    char source_sha256[65];      /* of the main file and its imports, in load order */
    const char *overrides;       /* --set ... as given, "" for none */
    const char *lrc_version;
    const char *llvm_version;
    const char *host_cpu;        /* e.g. "znver5 (AMD EPYC)" */
    const char *target_features; /* what the code was compiled for */
    double compile_seconds;      /* IR build + optimise + JIT */
    const char *compile_cache;   /* "hit", "miss" or "off" (jit_cache.c); NULL: compiled ahead of time */
    double run_seconds;
    char started_at[32];         /* UTC, ISO 8601 */
} rt_provenance;

typedef struct rt_report {
    const char *name;            /* the experiment, e.g. the file's stem */
    const rt_setting *settings;
    int nsettings;
    const rt_provenance *prov;
    const rt_sweep *sweep;
    const rt_result *result;
    int64_t params;              /* trainable parameters */
    int64_t mem_bytes;           /* the model's memory block */
    const char *data_source;
    int64_t data_samples;
    const char *extra_json;      /* more top-level members ("\"k\": v, ..."), or NULL */
} rt_report;

/* Writes bytes to `path` through `path.tmp.<pid>` and rename(2). */
int rt_write_atomic(const char *path, const void *data, size_t len, rt_err *err);

/* step,rate,loss,smoothed — one row per recorded point, %.9g. */
int rt_write_curve_csv(const char *path, const rt_result *r, rt_err *err);
int rt_write_report_json(const char *path, const rt_report *rep, rt_err *err);

/* The terminal summary: stop reason, steps, suggestions, the plot. */
void rt_print_summary(FILE *f, const rt_report *rep);

/* Smoothed loss against log10(rate) in a width x height character grid,
 * with each suggestion marked at the rate it returns. */
void rt_plot_terminal(FILE *f, const rt_result *r, int width, int height);

/* Growable byte buffer used by the writers. */
typedef struct rt_buf {
    char *data;
    size_t len, cap;
    int oom;             /* an allocation failed; the writers report RT_FAILED */
} rt_buf;
void rt_buf_printf(rt_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void rt_buf_json_string(rt_buf *b, const char *s);   /* quoted and escaped */
void rt_buf_csv_number(rt_buf *b, double v);           /* %.9g; nan, inf, -inf */
void rt_buf_free(rt_buf *b);

/* SHA-256 (FIPS 180-4). */
typedef struct rt_sha256 {
    uint32_t h[8];
    uint64_t len;
    unsigned char block[64];
    size_t fill;
} rt_sha256;
void rt_sha256_init(rt_sha256 *s);
void rt_sha256_update(rt_sha256 *s, const void *data, size_t len);
void rt_sha256_hex(rt_sha256 *s, char out[65]);   /* finishes */

/* "model name" of /proc/cpuinfo, or "unknown". */
void rt_host_cpu_model(char *buf, size_t len);

#endif
