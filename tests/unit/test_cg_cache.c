/* test_cg_cache.c — the machine-code cache (jit_cache.c, through
 * jit_compile): a second compile of the same plan is a hit that compiles
 * nothing and runs the same bits; another plan or target is another entry;
 * a damaged or truncated entry, or one another user owns, is a miss and
 * gets rewritten; the directory
 * keeps the JIT_CACHE_KEEP most recently used entries; where the cache
 * lives by default.
 */
#define _DEFAULT_SOURCE /* mkdtemp, utimensat */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "cg_test.h"
#include "jit_cache.h"

enum { BATCH = 16, IN = 8, STEPS = 3 };

typedef struct net {
    plan_layer l[2];
    plan p;
} net;

static void make_net(net *n, double momentum)
{
    *n = (net){.l = {{.kind = PLAN_DENSE, .in = IN, .out = 40, .act = PLAN_ACT_RELU, .init = PLAN_INIT_HE},
                     {.kind = PLAN_DENSE, .in = 40, .out = 3, .act = PLAN_ACT_NONE, .init = PLAN_INIT_GLOROT}}};
    n->p = (plan){.batch = BATCH, .in = IN, .y_floats = 1, .nlayers = 2, .layers = n->l,
                  .loss = PLAN_LOSS_CROSS_ENTROPY, .opt = {.kind = PLAN_OPT_SGD, .momentum = momentum}};
    plan_layout(&n->p);
}

/* Compiles p with the cache in dir; runs init and STEPS steps; returns the
 * memory block (malloc'd) and how the code was had. */
static float *compile_and_run(const plan *p, const char *dir, jit_info *info, float *loss)
{
    jit_options o = {.threads = 2, .cache_dir = dir};
    lrc_model m;
    jit *j = cg_test_compile(p, &o, &m, info);
    float *mem = aligned_alloc(64, (size_t)p->mem_floats * sizeof(float));
    float x[BATCH * IN], y[BATCH];
    assert_non_null(mem);
    for (int k = 0; k < BATCH * IN; k++)
        x[k] = (float)((k * 37) % 11) / 11.0f - 0.5f;
    for (int k = 0; k < BATCH; k++)
        y[k] = (float)(k % 3);
    m.init(mem, 5);
    for (int t = 1; t <= STEPS; t++)
        loss[t - 1] = m.step(mem, x, y, 0.1f, t, NULL);
    jit_free(j);
    return mem;
}

/* The entries in dir: their number, and the path of the last one seen. */
static int entries(const char *dir, char *path, size_t len)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    for (struct dirent *e; (e = readdir(d));)
        if (strstr(e->d_name, ".lrcjit")) {
            assert_null(strstr(e->d_name, ".tmp.")); /* no temporary file left behind */
            if (path)
                snprintf(path, len, "%s/%s", dir, e->d_name);
            n++;
        }
    closedir(d);
    return n;
}

static void remove_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    for (struct dirent *e; (e = readdir(d));) {
        char path[4200];
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") &&
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name) < (int)sizeof path)
            unlink(path);
    }
    closedir(d);
    rmdir(dir);
}

static void test_hit_runs_the_same_bits(void **state)
{
    (void)state;
    char dir[] = "/tmp/lrc_cache_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char sub[64];
    snprintf(sub, sizeof sub, "%s/made/here", dir); /* created on the first store */
    net n;
    make_net(&n, 0.9);
    jit_info first, second;
    float loss1[STEPS], loss2[STEPS];
    float *mem1 = compile_and_run(&n.p, sub, &first, loss1);
    assert_int_equal(first.cache, JIT_CACHE_MISS);
    assert_true(first.compile_threads >= 1);
    assert_int_equal(entries(sub, NULL, 0), 1);
    float *mem2 = compile_and_run(&n.p, sub, &second, loss2);
    assert_int_equal(second.cache, JIT_CACHE_HIT);
    assert_int_equal(second.compile_threads, 0); /* nothing compiled */
    assert_memory_equal(loss1, loss2, sizeof loss1);
    assert_memory_equal(mem1, mem2, (size_t)n.p.mem_floats * sizeof(float));
    assert_int_equal(entries(sub, NULL, 0), 1);

    /* Another plan (another constant in the update) is another entry. */
    net other;
    make_net(&other, 0.8);
    jit_info third;
    free(compile_and_run(&other.p, sub, &third, loss2));
    assert_int_equal(third.cache, JIT_CACHE_MISS);
    assert_int_equal(entries(sub, NULL, 0), 2);
    free(mem1);
    free(mem2);
    remove_dir(sub);
    char made[64];
    snprintf(made, sizeof made, "%s/made", dir);
    rmdir(made);
    rmdir(dir);
}

static void test_damaged_entry_is_a_miss(void **state)
{
    (void)state;
    char dir[] = "/tmp/lrc_cache_XXXXXX", path[4200];
    assert_non_null(mkdtemp(dir));
    net n;
    make_net(&n, 0.9);
    jit_info info;
    float loss[STEPS], again[STEPS];
    free(compile_and_run(&n.p, dir, &info, loss));
    assert_int_equal(entries(dir, path, sizeof path), 1);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);

    /* One byte of machine code flipped: the digest no longer matches. */
    int fd = open(path, O_RDWR);
    assert_true(fd >= 0);
    unsigned char byte;
    assert_int_equal(pread(fd, &byte, 1, st.st_size - 7), 1);
    byte ^= 0x10;
    assert_int_equal(pwrite(fd, &byte, 1, st.st_size - 7), 1);
    close(fd);
    free(compile_and_run(&n.p, dir, &info, again));
    assert_int_equal(info.cache, JIT_CACHE_MISS);
    assert_memory_equal(loss, again, sizeof loss);
    free(compile_and_run(&n.p, dir, &info, again)); /* rewritten */
    assert_int_equal(info.cache, JIT_CACHE_HIT);

    /* Cut short, as by a full disk. */
    assert_int_equal(truncate(path, st.st_size / 2), 0);
    free(compile_and_run(&n.p, dir, &info, again));
    assert_int_equal(info.cache, JIT_CACHE_MISS);
    assert_int_equal(truncate(path, 40), 0); /* shorter than a header */
    free(compile_and_run(&n.p, dir, &info, again));
    assert_int_equal(info.cache, JIT_CACHE_MISS);
    assert_memory_equal(loss, again, sizeof loss);

    /* An entry another user owns is not run (root can make one). */
    free(compile_and_run(&n.p, dir, &info, again));
    assert_int_equal(info.cache, JIT_CACHE_HIT);
    if (geteuid() == 0 && chown(path, 12345, 12345) == 0) {
        free(compile_and_run(&n.p, dir, &info, again));
        assert_int_equal(info.cache, JIT_CACHE_MISS);
    }
    remove_dir(dir);
}

static void test_key(void **state)
{
    (void)state;
    jit_cache_key a, b, c;
    jit_cache_key_make(&a, "bitcode", 7, "cpu x\n");
    jit_cache_key_make(&b, "bitcode", 7, "cpu y\n");
    jit_cache_key_make(&c, "bitcodf", 7, "cpu x\n");
    assert_int_equal(strlen(a.name), 64);
    assert_string_not_equal(a.name, b.name);
    assert_string_not_equal(a.name, c.name);
    jit_cache_key_make(&b, "bitcode", 7, "cpu x\n");
    assert_string_equal(a.name, b.name);
    assert_string_equal(a.text, b.text);
}

/* Entry i: a key of its own, one object of 100 + i bytes. */
static void store_fake(const char *dir, int i, jit_cache_key *k)
{
    char bc[32], obj[300];
    snprintf(bc, sizeof bc, "module %d", i);
    jit_cache_key_make(k, bc, strlen(bc), "target\n");
    memset(obj, 'a' + i % 26, sizeof obj);
    LLVMMemoryBufferRef b = LLVMCreateMemoryBufferWithMemoryRangeCopy(obj, 100 + (size_t)i, "obj");
    assert_int_equal(jit_cache_store(dir, k, &b, 1), 0);
    LLVMDisposeMemoryBuffer(b);
}

static int loads(const char *dir, const jit_cache_key *k, size_t want)
{
    LLVMMemoryBufferRef b[4];
    int n = jit_cache_load(dir, k, b, 4);
    if (n == 1) {
        assert_int_equal(LLVMGetBufferSize(b[0]), want);
        LLVMDisposeMemoryBuffer(b[0]);
    }
    return n;
}

static void test_keeps_the_most_recently_used(void **state)
{
    (void)state;
    char dir[] = "/tmp/lrc_cache_XXXXXX";
    assert_non_null(mkdtemp(dir));
    static jit_cache_key k[JIT_CACHE_KEEP + 2];
    time_t base = time(NULL) - 1000;
    for (int i = 0; i < JIT_CACHE_KEEP; i++) {
        store_fake(dir, i, &k[i]);
        char path[4200];
        snprintf(path, sizeof path, "%s/%s.lrcjit", dir, k[i].name);
        struct timespec t[2] = {{.tv_sec = base + i}, {.tv_sec = base + i}};
        assert_int_equal(utimensat(AT_FDCWD, path, t, 0), 0);
    }
    assert_int_equal(entries(dir, NULL, 0), JIT_CACHE_KEEP);
    assert_int_equal(loads(dir, &k[0], 100), 1); /* the oldest, used now */
    store_fake(dir, JIT_CACHE_KEEP, &k[JIT_CACHE_KEEP]);
    store_fake(dir, JIT_CACHE_KEEP + 1, &k[JIT_CACHE_KEEP + 1]);
    assert_int_equal(entries(dir, NULL, 0), JIT_CACHE_KEEP);
    assert_int_equal(loads(dir, &k[0], 100), 1);
    assert_int_equal(loads(dir, &k[1], 101), 0); /* the two least recently used went */
    assert_int_equal(loads(dir, &k[2], 102), 0);
    assert_int_equal(loads(dir, &k[3], 103), 1);
    assert_int_equal(loads(dir, &k[JIT_CACHE_KEEP + 1], 100 + JIT_CACHE_KEEP + 1), 1);
    remove_dir(dir);
}

static void test_default_dir(void **state)
{
    (void)state;
    char buf[256];
    setenv("LRC_CACHE_DIR", "/somewhere/else", 1);
    assert_true(jit_cache_default_dir(buf, sizeof buf));
    assert_string_equal(buf, "/somewhere/else");
    setenv("LRC_CACHE_DIR", "", 1); /* set but empty: no cache */
    assert_false(jit_cache_default_dir(buf, sizeof buf));
    unsetenv("LRC_CACHE_DIR");
    setenv("XDG_CACHE_HOME", "/xdg", 1);
    assert_true(jit_cache_default_dir(buf, sizeof buf));
    assert_string_equal(buf, "/xdg/lrc");
    setenv("XDG_CACHE_HOME", "relative", 1); /* the spec says to ignore it */
    setenv("HOME", "/home/u", 1);
    assert_true(jit_cache_default_dir(buf, sizeof buf));
    assert_string_equal(buf, "/home/u/.cache/lrc");
    unsetenv("XDG_CACHE_HOME");
    unsetenv("HOME");
    assert_false(jit_cache_default_dir(buf, sizeof buf));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hit_runs_the_same_bits),
        cmocka_unit_test(test_damaged_entry_is_a_miss),
        cmocka_unit_test(test_key),
        cmocka_unit_test(test_keeps_the_most_recently_used),
        cmocka_unit_test(test_default_dir),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
