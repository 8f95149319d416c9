/* cmd_inspect.c — the commands that look without running: `lrc check`
 * (layers, shapes, parameters, memory, the sweep), `lrc emit-llvm` and
 * `lrc dump-ast`. */
#include <stdio.h>
#include <stdlib.h>

#include "driver.h"
#include "ast.h"
#include "jit.h"

int cmd_check(session *s)
{
    int rc = drv_front(s, 1);
    if (rc)
        return rc;
    printf("%s: ok\n", s->opt->file);
    printf("data: %s, %lld samples x %lld features", s->data.source, (long long)s->data.n,
           (long long)s->data.features);
    if (s->data.classes)
        printf(", %lld classes", (long long)s->data.classes);
    printf(" (%.1f MiB)\n", (double)(s->data.n * (s->data.features + 1)) * sizeof(float) / (1 << 20));
    plan_print(stdout, &s->e.net);
    const rt_schedule *sc = &s->e.sweep.schedule;
    if (sc->kind == RT_SCHED_LINEAR)
        printf("sweep: linear from %g to %g in %lld steps\n", sc->start, sc->end, (long long)sc->steps);
    else
        printf("sweep: exponential from %g, x%g every %g steps%s, at most %lld steps\n", sc->start, sc->decay_rate,
               sc->decay_steps, sc->staircase ? " (staircase)" : "", (long long)sc->steps);
    for (int i = 0; i < s->e.sweep.stop.n; i++)
        printf("  stop when %s\n", s->e.sweep.stop.clause[i].text);
    return 0;
}

int cmd_emit_llvm(session *s)
{
    int rc = drv_front(s, 0);
    if (rc)
        return rc;
    char *msg = NULL;
    char *ir = jit_emit_ir(&s->e.net, !s->opt->unoptimized, &msg);
    if (!ir) {
        fprintf(stderr, "lrc: error: code generation failed: %s\n", msg ? msg : "unknown error");
        free(msg);
        return EXIT_RUN_FAILED;
    }
    fputs(ir, stdout);
    free(ir);
    return 0;
}

int cmd_dump_ast(session *s)
{
    diag_init(&s->d, &s->ls.srcs, stderr);
    if (load_experiment(&s->a, &s->ls, s->opt->file, load_stdlib_dir(), &s->d) > 0)
        return EXIT_BAD_INPUT;
    for (int i = 0; i < s->ls.norder; i++) {
        printf("; %s\n", s->ls.srcs.files[s->ls.order[i]->file]->path);
        ast_dump(stdout, s->ls.order[i]);
    }
    return 0;
}

