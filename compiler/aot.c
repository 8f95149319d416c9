/* aot.c — `lrc build`'s back half: the target machine for native or
 * portable code, the object file (module + configuration constant, O3,
 * LLVMTargetMachineEmitToFile), finding the static runtime, and the link by
 * the system C compiler. See aot.h. Not code generation (cg_*.c) and not
 * the JIT (jit.c). */
#include "aot.h"

#include <errno.h>
#include <limits.h>
#include <llvm-c/Target.h>
#include <llvm-c/TargetMachine.h>
#include <llvm/Config/llvm-config.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cg.h"

extern char **environ;

/* What x86-64-v3 guarantees beyond x86-64 and what generated code may use. */
static const char portable_check[] = "+sse4.1,+sse4.2,+popcnt,+avx,+avx2,+bmi,+bmi2,+f16c,+fma,+lzcnt,+movbe";

static char *msgf(const char *fmt, const char *a, const char *b)
{
    size_t n = strlen(fmt) + strlen(a) + strlen(b) + 1;
    char *m = malloc(n);
    if (m)
        snprintf(m, n, fmt, a, b);
    return m;
}

/* ---- the target ------------------------------------------------------------- */

/* Keeps the "+feature" entries of an LLVM feature string. */
static void enabled_features(const char *features, char *out, size_t len)
{
    size_t n = 0;
    out[0] = '\0';
    const char *p = features;
    while (*p) {
        const char *comma = strchr(p, ',');
        size_t k = comma ? (size_t)(comma - p) : strlen(p);
        if (k > 1 && p[0] == '+' && n + k + 2 < len) {
            n += (size_t)snprintf(out + n, len - n, "%s%.*s", n ? "," : "", (int)k, p);
        }
        p += k + (comma ? 1 : 0);
    }
}

int aot_describe_target(int portable, aot_target *t, char **msg)
{
    memset(t, 0, sizeof *t);
    t->portable = portable;
    if (LLVMInitializeNativeTarget() || LLVMInitializeNativeAsmPrinter()) {
        *msg = strdup("cannot initialise the native LLVM target");
        return -1;
    }
    char *triple = LLVMGetDefaultTargetTriple();
    snprintf(t->triple, sizeof t->triple, "%s", triple);
    LLVMDisposeMessage(triple);
    if (portable) {
        if (strncmp(t->triple, "x86_64", 6) != 0) {
            *msg = msgf("--cpu portable means x86-64-v3, but this host is %s%s", t->triple, "");
            return -1;
        }
        snprintf(t->cpu, sizeof t->cpu, "x86-64-v3");
        snprintf(t->check, sizeof t->check, "%s", portable_check);
    } else {
        char *cpu = LLVMGetHostCPUName(), *features = LLVMGetHostCPUFeatures();
        snprintf(t->cpu, sizeof t->cpu, "%s", cpu);
        int fits = snprintf(t->features, sizeof t->features, "%s", features) < (int)sizeof t->features;
        enabled_features(features, t->check, sizeof t->check);
        LLVMDisposeMessage(cpu);
        LLVMDisposeMessage(features);
        if (!fits) {
            *msg = strdup("the host CPU's feature list is too long");
            return -1;
        }
    }
    cg_llvm_version(t->llvm_version, sizeof t->llvm_version);
    return 0;
}

/* Like cg_target_machine, but with the default (small) code model for an
 * object file linked into a position-independent executable. */
static LLVMTargetMachineRef target_machine(const aot_target *t, char **msg)
{
    LLVMTargetRef target;
    char *err = NULL;
    if (LLVMGetTargetFromTriple(t->triple, &target, &err)) {
        *msg = msgf("cannot find the LLVM target: %s%s", err ? err : "", "");
        LLVMDisposeMessage(err);
        return NULL;
    }
    LLVMTargetMachineRef tm = cg_create_target_machine(target, t->triple, t->cpu, t->features, LLVMCodeModelDefault);
    if (!tm)
        *msg = strdup("cannot create the LLVM target machine");
    return tm;
}

int aot_emit_object(const plan *p, const aot_target *t, const char *config, size_t len,
                    const char *obj_path, char **msg)
{
    *msg = NULL;
    LLVMContextRef ctx = LLVMContextCreate();
    LLVMTargetMachineRef tm = target_machine(t, msg);
    LLVMModuleRef m = tm ? cg_build_module(p, ctx, cg_vector_floats(tm), CG_ALL, msg) : NULL;
    int rc = -1;
    if (m && cg_add_config(m, config, len, msg) == 0 && cg_optimize(m, tm, cg_opt_level_for(p), msg) == 0) {
        char *path = strdup(obj_path), *err = NULL;
        if (!path)
            *msg = strdup("out of memory");
        else if (LLVMTargetMachineEmitToFile(tm, m, path, LLVMObjectFile, &err)) {
            *msg = msgf("cannot write the object file: %s%s", err ? err : "", "");
            LLVMDisposeMessage(err);
        } else
            rc = 0;
        free(path);
    }
    if (tm)
        LLVMDisposeTargetMachine(tm);
    if (m)
        LLVMDisposeModule(m);
    LLVMContextDispose(ctx);
    if (rc && !*msg)
        *msg = strdup("code generation failed");
    return rc;
}

/* ---- where the libraries are ------------------------------------------------ */

int aot_exe_relative(const char *rel, char *out, size_t len)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return 0;
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (!slash)
        return 0;
    *slash = '\0';
    struct stat st;
    return snprintf(out, len, "%s/%s", exe, rel) < (int)len && stat(out, &st) == 0;
}

int aot_find_libs(char *runtime, char *standalone, size_t len, char **msg)
{
    if (aot_exe_relative("../lib/lrc/liblrc_runtime.a", runtime, len) &&
        aot_exe_relative("../lib/lrc/liblrc_standalone.a", standalone, len))
        return 0;
    struct stat st;
    snprintf(runtime, len, "%s", LRC_RUNTIME_LIB);
    snprintf(standalone, len, "%s", LRC_STANDALONE_LIB);
    if (stat(runtime, &st) == 0 && stat(standalone, &st) == 0)
        return 0;
    *msg = msgf("cannot find the lrc runtime libraries: neither <lrc's directory>/../lib/lrc/ nor %s and %s exist",
                LRC_RUNTIME_LIB, LRC_STANDALONE_LIB);
    return -1;
}

/* ---- the link --------------------------------------------------------------- */

#define MAX_ARGS 64

/* Splits s (modified) on spaces into argv; returns the new count. */
static int split_words(char *s, char **argv, int argc)
{
    for (char *tok = strtok(s, " \t"); tok && argc < MAX_ARGS - 1; tok = strtok(NULL, " \t"))
        argv[argc++] = tok;
    return argc;
}

int aot_link(const char *obj_path, const char *runtime, const char *standalone, const char *out_path,
             char **msg)
{
    const char *cc_env = getenv("CC");
    char *cc = strdup(cc_env && *cc_env ? cc_env : "cc");
    char *extra = strdup(LRC_AOT_LINK_FLAGS);
    if (!cc || !extra) {
        free(cc);
        free(extra);
        *msg = strdup("out of memory");
        return -1;
    }
    char *argv[MAX_ARGS];
    int argc = split_words(cc, argv, 0);
    if (argc == 0) {
        free(cc);
        free(extra);
        *msg = strdup("$CC is blank");
        return -1;
    }
    /* LRC_AOT_LINK_FLAGS: what the runtime needs (zlib, libm, threads, ...),
     * worked out by CMake from the runtime's link interface. */
    const char *fixed[] = {"-o", out_path, obj_path, standalone, runtime, "-Wl,--strip-debug"};
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
        argv[argc++] = (char *)fixed[i];
    argc = split_words(extra, argv, argc);
    argv[argc] = NULL;
    pid_t pid;
    int rc = posix_spawnp(&pid, argv[0], NULL, NULL, argv, environ), status = 0;
    if (rc != 0)
        *msg = msgf("cannot run the C compiler '%s': %s (set $CC to choose another)", argv[0], strerror(rc));
    else if (waitpid(pid, &status, 0) < 0) {
        *msg = msgf("waiting for '%s': %s", argv[0], strerror(errno));
        rc = -1;
    } else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        *msg = msgf("linking with '%s' failed (its messages are above)%s", argv[0], "");
        rc = -1;
    }
    free(cc);
    free(extra);
    return rc ? -1 : 0;
}
