/* test_sema.c — the checker: presets and their overrides, the TF and
 * start/end sweep forms, defaults, --set, the import fallback rule, the stop
 * expression compiled to the runtime's programs, and located errors. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sema.h"

typedef struct fixture {
    char dir[64];
    arena a;
    load_set ls;
    diag d;
    char *messages;
    size_t msize;
    FILE *out;
    sema_experiment e;
} fixture;

static void write_file(fixture *f, const char *name, const char *text)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", f->dir, name);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
}

/* Loads `main.lrf` from the fixture's folder and checks it; returns errors. */
static int check(fixture *f, const sema_override *ovr, int novr)
{
    char path[256];
    snprintf(path, sizeof path, "%s/main.lrf", f->dir);
    f->out = open_memstream(&f->messages, &f->msize);
    diag_init(&f->d, &f->ls.srcs, f->out);
    int errors = load_experiment(&f->a, &f->ls, path, LRC_SOURCE_DIR "/stdlib", &f->d);
    if (errors == 0)
        errors = sema_check(&f->a, &f->ls, ovr, novr, &f->d, &f->e);
    fflush(f->out);
    return errors;
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/lrc-sema-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    if (f->out)
        fclose(f->out);
    free(f->messages);
    load_free(&f->ls);
    arena_free(&f->a);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
    assert_int_equal(system(cmd), 0);
    free(f);
    return 0;
}

static const char base[] =
    "dataset d = spirals { batch 16 }\n"
    "network n {\n  input 2\n  dense 8 relu\n  dense 3\n}\n"
    "loss cross_entropy\n"
    "optimizer sgd { momentum 0.9 }\n";

static const char *setting(const fixture *f, const char *key)
{
    for (int i = 0; i < f->e.nsettings; i++)
        if (strcmp(f->e.settings[i].key, key) == 0)
            return f->e.settings[i].value;
    return NULL;
}

static void test_preset_with_override(void **state)
{
    fixture *f = *state;
    char text[1024];
    snprintf(text, sizeof text, "import \"std/sweeps\"\n%ssweep = fastai { smooth 0.9 }\n", base);
    write_file(f, "main.lrf", text);
    assert_int_equal(check(f, NULL, 0), 0);
    const rt_sweep *s = &f->e.sweep;
    /* fastai: 1e-7 to 10 in 100 steps -> decay_rate 1e8 over 99 steps */
    assert_int_equal(s->schedule.kind, RT_SCHED_EXP);
    assert_true(fabs(s->schedule.start - 1e-7) < 1e-20);
    assert_true(fabs(s->schedule.decay_rate - 1e8) < 1e-3);
    assert_true(fabs(s->schedule.decay_steps - 99) < 1e-12);
    assert_int_equal(s->schedule.steps, 100);
    assert_true(s->beta == 0.9);              /* the override */
    assert_int_equal(s->nmethods, 2);         /* valley, steepest from the preset */
    assert_int_equal(s->methods[0], RT_SUG_VALLEY);
    assert_int_equal(f->e.net.batch, 16);
    assert_int_equal(f->e.net.nlayers, 2);
    assert_int_equal(f->e.net.layers[0].init, PLAN_INIT_HE);     /* relu: He */
    assert_int_equal(f->e.net.layers[1].init, PLAN_INIT_GLOROT); /* none: Glorot */
    assert_true(f->e.net.opt.momentum == 0.9);
    assert_string_equal(setting(f, "sweep.smooth"), "0.90000000000000002");
    assert_string_equal(setting(f, "dataset.shuffle"), "true");
}

static void test_tf_form_replaces_inherited_form(void **state)
{
    fixture *f = *state;
    char text[1024];
    snprintf(text, sizeof text,
             "import \"std/sweeps\"\n%ssweep = fastai {\n  decay_rate 10\n  decay_steps 50\n  staircase true\n}\n", base);
    write_file(f, "main.lrf", text);
    assert_int_equal(check(f, NULL, 0), 0);
    const rt_schedule *s = &f->e.sweep.schedule;
    assert_true(s->decay_rate == 10 && s->decay_steps == 50 && s->staircase);
    assert_int_equal(s->steps, 100); /* still capped by the preset's steps */
}

static void test_defaults(void **state)
{
    fixture *f = *state;
    char text[1024];
    snprintf(text, sizeof text, "%ssweep {\n  start_rate 1e-6\n  decay_rate 10\n  decay_steps 100\n}\n", base);
    write_file(f, "main.lrf", text);
    assert_int_equal(check(f, NULL, 0), 0);
    const rt_sweep *s = &f->e.sweep;
    assert_true(s->beta == 0.98);
    assert_int_equal(s->skip_begin, 10);
    assert_int_equal(s->skip_end, 5);
    assert_int_equal(s->schedule.steps, 10000);
    assert_int_equal(s->nmethods, 1);
    assert_int_equal(s->methods[0], RT_SUG_STEEPEST);
    /* default stop: diverges(4), i.e. loss > best + 3|best| */
    assert_int_equal(s->stop.n, 1);
    assert_string_equal(s->stop.clause[0].text, "diverges(4)");
    double v[RT_VAR_COUNT] = {[RT_VAR_BEST] = 1.0, [RT_VAR_LOSS] = 4.5};
    assert_int_equal(rt_stop_check(&s->stop, v), 1);
    v[RT_VAR_LOSS] = 3.9;
    assert_int_equal(rt_stop_check(&s->stop, v), 0);
    v[RT_VAR_BEST] = -1.0; /* stays sane for negative losses: > -1 + 3 = 2 */
    assert_int_equal(rt_stop_check(&s->stop, v), 1);
}

static void test_stop_expression(void **state)
{
    fixture *f = *state;
    char text[1024];
    snprintf(text, sizeof text,
             "%ssweep {\n  start_rate 1e-6\n  end_rate 1\n  steps 50\n"
             "  stop when loss > 4 * best or rate > 0.5 and not step < 3 or abs(raw_loss) >= 100\n}\n", base);
    write_file(f, "main.lrf", text);
    assert_int_equal(check(f, NULL, 0), 0);
    const rt_stop *s = &f->e.sweep.stop;
    assert_int_equal(s->n, 3);
    assert_string_equal(s->clause[0].text, "loss > 4 * best");
    assert_string_equal(s->clause[1].text, "rate > 0.5 and not step < 3");
    assert_string_equal(s->clause[2].text, "abs(raw_loss) >= 100");
    double v[RT_VAR_COUNT] = {[RT_VAR_LOSS] = 1, [RT_VAR_BEST] = 1, [RT_VAR_RATE] = 0.6, [RT_VAR_STEP] = 2};
    assert_int_equal(rt_stop_check(s, v), 0);   /* step < 3 */
    v[RT_VAR_STEP] = 3;
    assert_int_equal(rt_stop_check(s, v), 2);
    v[RT_VAR_RATE] = 0.1;
    v[RT_VAR_RAW] = -150;
    assert_int_equal(rt_stop_check(s, v), 3);
}

static void test_set_overrides(void **state)
{
    fixture *f = *state;
    char text[1024];
    snprintf(text, sizeof text, "import \"std/sweeps\"\n%ssweep = tf_recipe\n", base);
    write_file(f, "main.lrf", text);
    sema_override ovr[] = {{"sweep.start_rate", "1e-5"}, {"dataset.batch", "8"}, {"sweep.end_rate", "1"},
                           {"sweep.steps", "20"}, {"optimizer.momentum", "0.5"}};
    assert_int_equal(check(f, ovr, 5), 0);
    const rt_schedule *s = &f->e.sweep.schedule;
    assert_true(s->start == 1e-5);
    assert_int_equal(f->e.net.batch, 8);
    /* end_rate switched the sweep to the start/end form */
    assert_true(fabs(s->decay_rate - 1e5) < 1e-6 && s->decay_steps == 19);
    assert_true(f->e.net.opt.momentum == 0.5);
}

static void test_set_error_is_located(void **state)
{
    fixture *f = *state;
    char text[1024];
    snprintf(text, sizeof text, "import \"std/sweeps\"\n%ssweep = fastai\n", base);
    write_file(f, "main.lrf", text);
    sema_override ovr[] = {{"sweep.smooth", "2"}};
    assert_int_equal(check(f, ovr, 1), 1);
    assert_non_null(strstr(f->messages, "--set sweep.smooth=2:1:8: error: 'smooth' must be in [0, 1), got 2"));
}

static void test_imported_experiment(void **state)
{
    fixture *f = *state;
    char text[1024];
    snprintf(text, sizeof text, "import \"std/sweeps\"\n%ssweep = fastai\n", base);
    write_file(f, "base.lrf", text);
    write_file(f, "main.lrf", "import \"base\"\nimport \"std/sweeps\"\nsweep = tf_recipe { start_rate 1e-4 }\n");
    assert_int_equal(check(f, NULL, 0), 0);
    assert_true(f->e.sweep.schedule.start == 1e-4); /* main's own sweep */
    assert_int_equal(f->e.net.nlayers, 2);          /* the rest from base.lrf */
    assert_string_equal(f->e.name, "main");
}

static void test_all_errors_reported(void **state)
{
    fixture *f = *state;
    write_file(f, "main.lrf",
               "dataset d = spirals { batch 0 }\n"
               "network n {\n  input 2\n  dense 8 rleu\n  dense 3\n}\n"
               "loss cross_entropy\n"
               "optimizer adam { momentum 0.9 }\n"
               "sweep {\n  start_rate -1\n  decay_rate 10\n  decay_steps 100\n  suggest steepest, stepest\n}\n");
    assert_int_equal(check(f, NULL, 0), 5);
    assert_non_null(strstr(f->messages, "main.lrf:1:29: error: 'batch' must be between 1 and"));
    assert_non_null(strstr(f->messages, "main.lrf:4:11: error: unknown activation 'rleu' (did you mean 'relu'?)"));
    assert_non_null(strstr(f->messages, "main.lrf:8:18: error: 'momentum' is not a key of the adam optimizer"));
    assert_non_null(strstr(f->messages, "main.lrf:10:14: error: 'start_rate' must be > 0, got -1"));
    assert_non_null(strstr(f->messages, "main.lrf:13:21: error: unknown suggestion method 'stepest' (did you mean"));
}

static void test_preset_based_on_itself(void **state)
{
    fixture *f = *state;
    write_file(f, "lib.lrf", "sweep a = b { smooth 0.5 }\nsweep b = a\n");
    char text[1024];
    snprintf(text, sizeof text, "import \"lib\"\n%ssweep = a\n", base);
    write_file(f, "main.lrf", text);
    assert_true(check(f, NULL, 0) >= 1);
    assert_non_null(strstr(f->messages, "is based on itself"));
}

static void test_unused_broken_preset_is_reported(void **state)
{
    fixture *f = *state;
    write_file(f, "lib.lrf", "optimizer fast = adam { beta1 2 }\n");
    char text[1024];
    snprintf(text, sizeof text, "import \"lib\"\nimport \"std/sweeps\"\n%ssweep = fastai\n", base);
    write_file(f, "main.lrf", text);
    assert_int_equal(check(f, NULL, 0), 1);
    assert_non_null(strstr(f->messages, "lib.lrf:1:31: error: 'beta1' must be in [0, 1), got 2"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_preset_with_override, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tf_form_replaces_inherited_form, setup, teardown),
        cmocka_unit_test_setup_teardown(test_defaults, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stop_expression, setup, teardown),
        cmocka_unit_test_setup_teardown(test_set_overrides, setup, teardown),
        cmocka_unit_test_setup_teardown(test_set_error_is_located, setup, teardown),
        cmocka_unit_test_setup_teardown(test_imported_experiment, setup, teardown),
        cmocka_unit_test_setup_teardown(test_all_errors_reported, setup, teardown),
        cmocka_unit_test_setup_teardown(test_preset_based_on_itself, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unused_broken_preset_is_reported, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
