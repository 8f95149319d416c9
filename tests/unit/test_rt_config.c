/* test_rt_config.c — the configuration text a standalone binary carries:
 * every field survives a write/read round trip exactly (doubles, stop
 * programs, settings and source files with awkward characters, absent
 * strings), and broken texts (wrong version, truncated, unknown key,
 * out-of-range value) are refused with the line named. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "rt_config.h"

static const rt_setting settings[] = {
    {"sweep.start_rate", "1.0000000000000001e-07", 1},
    {"sweep.stop", "diverges(4) or rate > 10", 0},
    {"odd\tkey", "line\nbreak \\ back\x01slash", 0},
};

static const rt_tensor tensors[] = {
    {.name = "0.weight", .rank = 2, .shape = {128, 64}, .offset = 0, .permuted = 1, .perm = {1, 0}},
    {.name = "0.bias", .rank = 1, .shape = {128}, .offset = 8192, .permuted = 0, .perm = {0}},
};

static const char main_text[] = "import \"std/sweeps\"\n\texperiment x {\r\n  # caf\xc3\xa9 \\ \x01\x7f\n}\n\n";
static const rt_source sources[] = {
    {"work/up/odd dir\tx/main.lrf", main_text, sizeof main_text - 1},
    {"stdlib/std/sweeps.lrf", "", 0},
};

static void fill(rt_config *c)
{
    memset(c, 0, sizeof *c);
    c->x.name = "digits mlp";
    c->x.params = 17226;
    c->x.data = (rt_data_spec){.kind = RT_SRC_IDX, .path = "/data/images.idx.gz", .labels = "/data/labels.idx.gz",
                               .header = 1, .label_col = -1, .samples = 500, .classes = 3, .features = 7,
                               .noise = 0.1, .limit = 1000, .scale = 1.0 / 255, .standardize = 1,
                               .seed = UINT64_MAX, .nlabel_cols = 2, .label_cols = {4, 2}, .split = 0.2};
    rt_sweep *sw = &c->x.sweep;
    sw->schedule = (rt_schedule){.kind = RT_SCHED_EXP, .start = 1e-7, .decay_rate = 1e8, .decay_steps = 99,
                                 .end = 10, .steps = 100};
    sw->beta = 0.98;
    sw->skip_begin = 10;
    sw->skip_end = 5;
    sw->nmethods = 2;
    sw->methods[0] = RT_SUG_VALLEY;
    sw->methods[1] = RT_SUG_STEEPEST;
    sw->seed = 42;
    sw->shuffle = 1;
    sw->ngrid = 2;
    sw->grid_rates[0] = 1e-3;
    sw->grid_rates[1] = 0.1;
    sw->stop.n = 2;
    snprintf(sw->stop.clause[0].text, sizeof sw->stop.clause[0].text, "diverges(4)");
    sw->stop.clause[0].n = 3;
    sw->stop.clause[0].code[0] = (rt_insn){RT_OP_VAR, RT_VAR_LOSS, 0};
    sw->stop.clause[0].code[1] = (rt_insn){RT_OP_NUM, 0, 0.1 + 0.2};
    sw->stop.clause[0].code[2] = (rt_insn){RT_OP_GT, 0, 0};
    snprintf(sw->stop.clause[1].text, sizeof sw->stop.clause[1].text, "rate > 10");
    sw->stop.clause[1].n = 1;
    sw->stop.clause[1].code[0] = (rt_insn){RT_OP_VAR, RT_VAR_RATE, 0};
    c->x.settings = settings;
    c->x.nsettings = 3;
    c->x.tensors = tensors;
    c->x.ntensors = 2;
    c->x.init_from = "/w/init weights.safetensors";
    snprintf(c->prov.source_sha256, sizeof c->prov.source_sha256, "%064d", 7);
    c->prov.source_path = "/src/digits mlp.lrf";
    c->prov.overrides = "";
    c->prov.lrc_version = "0.1.0";
    c->prov.llvm_version = "19.1.7";
    c->prov.host_cpu = "znver4";
    c->prov.target_features = "+avx,+avx2,-sse4a";
    c->portable = 0;
    c->cpu_check = "+avx,+avx2";
    c->shape = (lrc_model){.mem_floats = 123456, .param_floats = 17226, .batch = 64, .x_floats = 64,
                           .y_floats = 1};
    c->classes = 10;
    c->sources = sources;
    c->nsources = 2;
}

static void write_text(const rt_config *c, rt_buf *b)
{
    rt_err err = {0};
    assert_int_equal(rt_config_write(c, b, &err), 0);
    assert_false(b->oom);
}

static void test_round_trip(void **state)
{
    (void)state;
    rt_config in, out;
    fill(&in);
    rt_buf b = {0};
    write_text(&in, &b);
    rt_err err = {0};
    int rc = rt_config_read(b.data, b.len, &out, &err);
    if (rc)
        fail_msg("%s", err.msg);
    assert_string_equal(out.x.name, "digits mlp");
    assert_int_equal(out.x.params, 17226);
    const rt_data_spec *d = &out.x.data;
    assert_int_equal(d->kind, RT_SRC_IDX);
    assert_string_equal(d->path, "/data/images.idx.gz");
    assert_string_equal(d->labels, "/data/labels.idx.gz");
    assert_int_equal(d->header, 1);
    assert_int_equal(d->label_col, -1);
    assert_int_equal(d->samples, 500);
    assert_true(d->noise == 0.1 && d->scale == 1.0 / 255 && d->split == 0.2);
    assert_int_equal(d->standardize, 1);
    assert_true(d->seed == UINT64_MAX);
    assert_int_equal(d->nlabel_cols, 2);
    assert_int_equal(d->label_cols[1], 2);
    /* the sweep compares equal field by field, doubles exactly */
    const rt_sweep *a = &in.x.sweep, *s = &out.x.sweep;
    assert_true(memcmp(&a->schedule, &s->schedule, sizeof a->schedule) == 0);
    assert_true(s->beta == 0.98);
    assert_int_equal(s->skip_begin, 10);
    assert_int_equal(s->skip_end, 5);
    assert_int_equal(s->nmethods, 2);
    assert_int_equal(s->methods[0], RT_SUG_VALLEY);
    assert_int_equal(s->methods[1], RT_SUG_STEEPEST);
    assert_true(s->seed == 42);
    assert_int_equal(s->shuffle, 1);
    assert_int_equal(s->ngrid, 2);
    assert_true(s->grid_rates[1] == 0.1);
    assert_int_equal(s->stop.n, 2);
    for (int i = 0; i < 2; i++) {
        assert_string_equal(s->stop.clause[i].text, a->stop.clause[i].text);
        assert_int_equal(s->stop.clause[i].n, a->stop.clause[i].n);
        for (int k = 0; k < a->stop.clause[i].n; k++) {
            assert_int_equal(s->stop.clause[i].code[k].op, a->stop.clause[i].code[k].op);
            assert_int_equal(s->stop.clause[i].code[k].var, a->stop.clause[i].code[k].var);
            assert_true(s->stop.clause[i].code[k].num == a->stop.clause[i].code[k].num);
        }
    }
    assert_int_equal(out.x.nsettings, 3);
    for (int i = 0; i < 3; i++) {
        assert_string_equal(out.x.settings[i].key, settings[i].key);
        assert_string_equal(out.x.settings[i].value, settings[i].value);
        assert_int_equal(out.x.settings[i].is_number, settings[i].is_number);
    }
    assert_int_equal(out.x.ntensors, 2);
    for (int i = 0; i < 2; i++) {
        assert_string_equal(out.x.tensors[i].name, tensors[i].name);
        assert_int_equal(out.x.tensors[i].rank, tensors[i].rank);
        assert_int_equal(out.x.tensors[i].offset, tensors[i].offset);
        assert_int_equal(out.x.tensors[i].permuted, tensors[i].permuted);
        assert_memory_equal(out.x.tensors[i].shape, tensors[i].shape, sizeof tensors[i].shape);
        assert_memory_equal(out.x.tensors[i].perm, tensors[i].perm, sizeof tensors[i].perm);
    }
    assert_string_equal(out.x.init_from, "/w/init weights.safetensors");
    assert_string_equal(out.prov.source_sha256, in.prov.source_sha256);
    assert_string_equal(out.prov.source_path, "/src/digits mlp.lrf");
    assert_string_equal(out.prov.overrides, "");
    assert_string_equal(out.prov.host_cpu, "znver4");
    assert_string_equal(out.prov.target_features, "+avx,+avx2,-sse4a");
    assert_string_equal(out.cpu_check, "+avx,+avx2");
    assert_true(memcmp(&out.shape, &in.shape, sizeof in.shape) == 0);
    assert_int_equal(out.classes, 10);
    /* the source files byte for byte */
    assert_int_equal(out.nsources, 2);
    for (int i = 0; i < 2; i++) {
        assert_string_equal(out.sources[i].path, sources[i].path);
        assert_int_equal(out.sources[i].len, sources[i].len);
        assert_memory_equal(out.sources[i].text, sources[i].text, sources[i].len);
    }
    /* a setting can be updated in place for a run-time override */
    rt_setting *st = rt_config_setting(&out, "sweep.start_rate");
    assert_non_null(st);
    st->value = "1e-06";
    assert_string_equal(out.x.settings[0].value, "1e-06");
    assert_null(rt_config_setting(&out, "nope"));
    /* and the text written again is the same text */
    rt_buf b2 = {0};
    out.x.settings = settings;
    write_text(&out, &b2);
    assert_int_equal(b.len, b2.len);
    assert_memory_equal(b.data, b2.data, b.len);
    rt_buf_free(&b2);
    rt_config_free(&out);
    rt_buf_free(&b);
}

static void test_absent_strings(void **state)
{
    (void)state;
    rt_config in, out;
    fill(&in);
    in.x.data.kind = RT_SRC_SPIRALS;
    in.x.data.path = NULL;
    in.x.data.labels = NULL;
    rt_buf b = {0};
    write_text(&in, &b);
    rt_err err = {0};
    assert_int_equal(rt_config_read(b.data, b.len, &out, &err), 0);
    assert_null(out.x.data.path);
    assert_null(out.x.data.labels);
    assert_int_equal(out.x.data.kind, RT_SRC_SPIRALS);
    rt_config_free(&out);
    rt_buf_free(&b);
}

/* A source with a NUL byte cannot be carried (the loader refuses such files). */
static void test_source_with_nul(void **state)
{
    (void)state;
    rt_config in;
    fill(&in);
    rt_source bad = {"a.lrf", "a\0b", 3};
    in.sources = &bad;
    in.nsources = 1;
    rt_buf b = {0};
    rt_err err = {0};
    assert_int_equal(rt_config_write(&in, &b, &err), RT_FAILED);
    assert_non_null(strstr(err.msg, "NUL"));
    rt_buf_free(&b);
}

/* Reads `text` expecting failure whose message holds `want`. */
static void expect_refused(const char *text, const char *want)
{
    rt_config c;
    rt_err err = {0};
    assert_int_equal(rt_config_read(text, strlen(text), &c, &err), RT_BAD_INPUT);
    if (!strstr(err.msg, want))
        fail_msg("message '%s' lacks '%s'", err.msg, want);
    rt_config_free(&c);
}

static void test_refused(void **state)
{
    (void)state;
    rt_config in;
    fill(&in);
    rt_buf b = {0};
    write_text(&in, &b);
    expect_refused("lrc-config 99\nend\n", "version 99");
    expect_refused("hello\n", "not an lrc configuration");
    char *cut = strndup(b.data, b.len - 4); /* without "end\n" */
    expect_refused(cut, "truncated");
    free(cut);
    expect_refused("lrc-config 2\nfrobnicate 1\nend\n", "line 2: unknown key frobnicate");
    expect_refused("lrc-config 2\nname x\ndata.kind 99\nend\n", "line 3: bad or out-of-range number for data.kind");
    expect_refused("lrc-config 2\nsweep.methods 7\nend\n", "suggestion method");
    expect_refused("lrc-config 2\nstop.insn 1 2 3\nend\n", "before any stop.clause");
    expect_refused("lrc-config 2\nname a\\qb\nend\n", "bad escape");
    expect_refused("lrc-config 2\nname x\nend\n", "lacks 'data.kind'");
    expect_refused("lrc-config 2\nname x\nname y\nend\n", "repeated key name");
    expect_refused("lrc-config 2\ntensor 9 0 0\tw\nend\n", "bad tensor");
    expect_refused("lrc-config 2\nsource a.lrf\nend\n", "line 2: bad source");
    expect_refused("lrc-config 2\nsource \ttext\nend\n", "bad source");
    expect_refused("lrc-config 1\nend\n", "version 1; this runtime reads 2");
    rt_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_absent_strings),
        cmocka_unit_test(test_source_with_nul),
        cmocka_unit_test(test_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
