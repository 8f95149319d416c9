/* fuzz_front.c — libFuzzer target for the front end: lexer, parser, import
 * loader and checker (load_experiment + sema_check + sema_check_data), up
 * to but excluding code generation. The input is the .lrf file; when it
 * holds a NUL byte, what follows the first NUL (up to the next) is one
 * `--set KIND.KEY=VALUE` override, so the override path is fuzzed too.
 * Imports resolve against the real stdlib/. Every input must end in a
 * checked experiment or in located errors — never a crash, a leak, undefined
 * behaviour or a hang. */
#include "fuzz_common.h"

#include <string.h>

#include "load.h"
#include "sema.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nul = memchr(data, 0, size);
    size_t text_len = nul ? (size_t)(nul - data) : size;
    char *ovr_text = NULL;
    sema_override ovr = {0};
    if (nul) {
        size_t rest = size - text_len - 1;
        ovr_text = strndup((const char *)nul + 1, rest);
        char *eq = ovr_text ? strchr(ovr_text, '=') : NULL;
        if (eq && eq != ovr_text) {
            *eq = '\0';
            ovr = (sema_override){ovr_text, eq + 1};
        }
    }
    /* A real file: the loader canonicalises paths with realpath(3). */
    char path[] = "/tmp/lrc-fuzz-XXXXXX.lrf";
    int fd = mkstemps(path, 4);
    if (fd < 0 || write(fd, data, text_len) != (ssize_t)text_len)
        abort();
    close(fd);

    FILE *sink = fopen("/dev/null", "w");
    arena a = {0};
    load_set ls;
    diag d;
    diag_init(&d, &ls.srcs, sink);
    sema_experiment e;
    if (load_experiment(&a, &ls, path, LRC_STDLIB_DIR, &d) == 0
        && sema_check(&a, &ls, &ovr, ovr.path ? 1 : 0, &d, &e) == 0) {
        if (e.net.mem_floats < 1 || e.net.nlayers < 1)
            abort();
        float x = 0, y = 0;
        rt_dataset data = {.n = 1, .features = e.net.in, .classes = 2, .labels_integral = 1,
                           .x = &x, .y = &y, .source = "fuzz"};
        sema_check_data(&e, &data, &d);
    }
    load_free(&ls);
    arena_free(&a);
    fclose(sink);
    unlink(path);
    free(ovr_text);
    return 0;
}
