/* rt_config.h — an experiment's resolved runtime configuration as text, so
 * that `lrc build` can compile it into a standalone binary (a constant the
 * generated module defines, runtime/lrc_abi.h) and the binary's main can
 * read it back: the data spec, the sweep with its stop programs, the
 * settings for the report, the model's sizes, and the provenance known at
 * build time (source hash, versions, target CPU and features), the
 * parameters as named tensors (for init.safetensors and `init from`), and
 * the .lrf files themselves (for the run directory's sources/).
 *
 * The format is versioned line-oriented text, one `key value` per line,
 * strings escaped (\\ \n \t \r \xHH), doubles as %.17g (exact round trip),
 * and a final `end` line so that a truncated text is refused:
 *
 *   lrc-config 2
 *   name digits_mlp
 *   data.kind 0
 *   ...
 *   stop.clause diverges(4)
 *   stop.insn 1 2 0
 *   setting 1 sweep.seed\t1
 *   source examples/digits_mlp.lrf\t# examples/digits_mlp.lrf ...\n# on the ...\n...
 *   end
 *
 * Not here: reading options or running anything (runtime/standalone/main.c). */
#ifndef RT_CONFIG_H
#define RT_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include "lrc_abi.h"
#include "rt_err.h"
#include "rt_report.h"
#include "rt_run.h"
#include "rt_safetensors.h"

#define RT_CONFIG_VERSION 2

typedef struct rt_config {
    rt_experiment x;          /* name, data (absolute paths), sweep, settings, params */
    rt_provenance prov;       /* source_path, source_sha256, overrides (given to lrc build),
                                 lrc_version, llvm_version, host_cpu (the TARGET CPU name),
                                 target_features; the times are not stored */
    int portable;             /* built with --cpu portable (x86-64-v3) */
    const char *cpu_check;    /* "+avx2,+fma,...": what the running CPU must have */
    lrc_model shape;          /* sizes only; the three function pointers are not stored */
    int64_t classes;          /* cross-entropy: outputs of the last layer (labels must be
                                 below); 0 when targets are not class indices */
    const rt_source *sources; /* the main file and its imports, for sources/ (text
                                 without NUL bytes) */
    int nsources;
    /* owned by rt_config_read */
    char *text_;
    rt_setting *settings_;
    rt_tensor *tensors_;
    rt_source *sources_;
} rt_config;

/* Appends the configuration as text to `out`. Returns 0, or RT_FAILED when
 * out of memory or a count is out of range (err filled). */
int rt_config_write(const rt_config *c, rt_buf *out, rt_err *err);

/* Parses `len` bytes of text into `c` (which owns its strings afterwards:
 * call rt_config_free). Returns 0 or RT_BAD_INPUT with the line in err. */
int rt_config_read(const char *text, size_t len, rt_config *c, rt_err *err);

void rt_config_free(rt_config *c);

/* The setting with this key, or NULL (for updating a value after a
 * run-time override: the caller keeps the new string alive). */
rt_setting *rt_config_setting(rt_config *c, const char *key);

#endif
