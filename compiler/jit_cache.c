/* jit_cache.c — machine code kept across runs. `lrc run` spends most of
 * its start-up optimising and compiling the step (jit_split.c); the same
 * experiment run again — another seed, another sweep, more data — builds
 * the same module, so its objects are stored in a cache directory under
 * the SHA-256 of what they depend on (jit_cache_key) and linked from there
 * the next time.
 *
 * An entry is one file, <name>.lrcjit:
 *   header   magic "lrcjit1\n", key length, object count, object lengths,
 *            SHA-256 (hex) of the key text and the objects
 *   key text (checked equal on load: a name is never trusted alone)
 *   objects
 * It is written atomically (rt_write_atomic: a temporary file, renamed),
 * so readers see all of it or nothing; whatever does not check out on
 * load is a miss and gets rewritten.
 * Only entries the user running lrc owns are read.
 */
#define _DEFAULT_SOURCE /* DT_REG, utimensat */
#include "jit_cache.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "jit_split.h"
#include "rt_report.h"
#include "rt_run.h"

#define SUFFIX ".lrcjit"
static const char magic[8] = "lrcjit1\n";

typedef struct header {
    char magic[8];
    uint32_t key_len, nobj;
    uint64_t obj_len[JIT_SPLIT_MAX];
    char digest[64];
} header;

static void sha256_hex(const void *data, size_t len, char out[65])
{
    rt_sha256 s;
    rt_sha256_init(&s);
    rt_sha256_update(&s, data, len);
    rt_sha256_hex(&s, out);
}

void jit_cache_key_make(jit_cache_key *k, const void *bitcode, size_t len, const char *target)
{
    char bc[65], tg[65];
    sha256_hex(bitcode, len, bc);
    sha256_hex(target, strlen(target), tg);
    snprintf(k->text, sizeof k->text, "lrc %s\ntarget %s\nbitcode %s\n", LRC_VERSION, tg, bc);
    sha256_hex(k->text, strlen(k->text), k->name);
}

int jit_cache_default_dir(char *buf, size_t len)
{
    const char *dir = getenv("LRC_CACHE_DIR");
    if (dir)
        return *dir && snprintf(buf, len, "%s", dir) < (int)len;
    const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    if (xdg && *xdg == '/')
        return snprintf(buf, len, "%s/lrc", xdg) < (int)len;
    return home && *home && snprintf(buf, len, "%s/.cache/lrc", home) < (int)len;
}

static int entry_path(char *buf, size_t len, const char *dir, const jit_cache_key *k)
{
    return snprintf(buf, len, "%s/%s" SUFFIX, dir, k->name) < (int)len;
}

/* SHA-256 of the key text and the objects, as stored in the header. */
static void digest(const char *key, size_t key_len, const void *const *obj, const uint64_t *obj_len, int n,
                   char out[65])
{
    rt_sha256 s;
    rt_sha256_init(&s);
    rt_sha256_update(&s, key, key_len);
    for (int i = 0; i < n; i++)
        rt_sha256_update(&s, obj[i], (size_t)obj_len[i]);
    rt_sha256_hex(&s, out);
}

/* The whole file in a malloc'd buffer, or NULL — also for a file this
 * user did not write: machine code someone else put in a shared cache
 * directory is never run. */
static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    struct stat st;
    char *data = NULL;
    if (fstat(fileno(f), &st) == 0 && st.st_uid == geteuid() && st.st_size >= (off_t)sizeof(header) &&
        (data = malloc((size_t)st.st_size)) && fread(data, 1, (size_t)st.st_size, f) != (size_t)st.st_size) {
        free(data);
        data = NULL;
    }
    fclose(f);
    *len = data ? (size_t)st.st_size : 0;
    return data;
}

int jit_cache_load(const char *dir, const jit_cache_key *k, LLVMMemoryBufferRef *objs, int max)
{
    char path[4200];
    size_t len = 0;
    char *data = entry_path(path, sizeof path, dir, k) ? read_file(path, &len) : NULL;
    if (!data)
        return 0;
    header h;
    memcpy(&h, data, sizeof h);
    size_t key_len = strlen(k->text), want = sizeof h + key_len;
    int ok = !memcmp(h.magic, magic, sizeof magic) && h.key_len == key_len && h.nobj >= 1 && (int)h.nobj <= max &&
             h.nobj <= JIT_SPLIT_MAX && len >= want && !memcmp(data + sizeof h, k->text, key_len);
    const void *obj[JIT_SPLIT_MAX];
    for (uint32_t i = 0; ok && i < h.nobj; i++) {
        ok = h.obj_len[i] > 0 && h.obj_len[i] <= len - want;
        obj[i] = data + want;
        want += ok ? (size_t)h.obj_len[i] : 0;
    }
    char sum[65];
    if (ok && want == len) {
        digest(k->text, key_len, obj, h.obj_len, (int)h.nobj, sum);
        ok = !memcmp(sum, h.digest, sizeof h.digest);
    } else
        ok = 0;
    int n = 0;
    for (; ok && n < (int)h.nobj; n++)
        objs[n] = LLVMCreateMemoryBufferWithMemoryRangeCopy(obj[n], (size_t)h.obj_len[n], "lrc_cached");
    free(data);
    if (n > 0)
        utimensat(AT_FDCWD, path, NULL, 0); /* recently used */
    return n;
}

typedef struct aged {
    char name[80];
    struct timespec used;
} aged;

static int oldest_first(const void *a, const void *b)
{
    const struct timespec *x = &((const aged *)a)->used, *y = &((const aged *)b)->used;
    return x->tv_sec != y->tv_sec ? (x->tv_sec > y->tv_sec) - (x->tv_sec < y->tv_sec)
                                  : (x->tv_nsec > y->tv_nsec) - (x->tv_nsec < y->tv_nsec);
}

/* Removes the least recently used entries beyond JIT_CACHE_KEEP, and
 * temporary files an interrupted writer left more than an hour ago. */
static void trim(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    aged *e = NULL;
    size_t n = 0, cap = 0;
    time_t now = time(NULL);
    for (struct dirent *de; (de = readdir(d));) {
        size_t len = strlen(de->d_name);
        int entry = len > strlen(SUFFIX) && !strcmp(de->d_name + len - strlen(SUFFIX), SUFFIX);
        int tmp = strstr(de->d_name, SUFFIX ".tmp.") != NULL;
        char path[4200];
        struct stat st;
        if ((!entry && !tmp) || len >= sizeof e->name ||
            snprintf(path, sizeof path, "%s/%s", dir, de->d_name) >= (int)sizeof path || stat(path, &st) != 0)
            continue;
        if (tmp) {
            if (now - st.st_mtime > 3600)
                unlink(path);
            continue;
        }
        if (n == cap) {
            aged *grown = realloc(e, (cap = cap ? 2 * cap : 128) * sizeof *e);
            if (!grown)
                break;
            e = grown;
        }
        memcpy(e[n].name, de->d_name, len + 1); /* len < sizeof name */
        e[n++].used = st.st_mtim;
    }
    closedir(d);
    if (n > JIT_CACHE_KEEP) {
        qsort(e, n, sizeof *e, oldest_first);
        for (size_t i = 0; i < n - JIT_CACHE_KEEP; i++) {
            char path[4200];
            if (snprintf(path, sizeof path, "%s/%s", dir, e[i].name) < (int)sizeof path)
                unlink(path);
        }
    }
    free(e);
}

int jit_cache_store(const char *dir, const jit_cache_key *k, LLVMMemoryBufferRef *objs, int n)
{
    char path[4200];
    if (n < 1 || n > JIT_SPLIT_MAX || rt_make_dirs(dir) != 0 || !entry_path(path, sizeof path, dir, k))
        return -1;
    header h = {.key_len = (uint32_t)strlen(k->text), .nobj = (uint32_t)n};
    memcpy(h.magic, magic, sizeof magic);
    const void *obj[JIT_SPLIT_MAX];
    size_t len = sizeof h + h.key_len;
    for (int i = 0; i < n; i++) {
        obj[i] = LLVMGetBufferStart(objs[i]);
        h.obj_len[i] = LLVMGetBufferSize(objs[i]);
        len += (size_t)h.obj_len[i];
    }
    char sum[65];
    digest(k->text, h.key_len, obj, h.obj_len, n, sum);
    memcpy(h.digest, sum, sizeof h.digest);
    char *entry = malloc(len);
    if (!entry)
        return -1;
    memcpy(entry, &h, sizeof h);
    memcpy(entry + sizeof h, k->text, h.key_len);
    for (size_t i = 0, at = sizeof h + h.key_len; i < (size_t)n; at += (size_t)h.obj_len[i++])
        memcpy(entry + at, obj[i], (size_t)h.obj_len[i]);
    rt_err err = {0};
    int rc = rt_write_atomic(path, entry, len, &err) == RT_OK ? 0 : -1;
    free(entry);
    if (rc == 0)
        trim(dir);
    return rc;
}
