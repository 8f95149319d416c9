/* test_diag.c — diagnostics (diag.c) and source tables (src.c): gcc-style
 * layout with caret and tildes, tabs, gutter width, notes, plain errors,
 * the error limit, and loading files (line table, NUL bytes). Not the
 * parser's messages: test_parser.c checks those. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arena.h"
#include "diag.h"
#include "src.h"

typedef struct capture {
    src_set srcs;
    diag d;
    FILE *out;
    char *text;
    size_t len;
} capture;

static int start(capture *c, const char *name, const char *source)
{
    memset(c, 0, sizeof *c);
    c->out = open_memstream(&c->text, &c->len);
    diag_init(&c->d, &c->srcs, c->out);
    return src_add_text(&c->srcs, name, source);
}

/* Flushes the output for comparison. */
static const char *output(capture *c)
{
    fflush(c->out);
    return c->text;
}

static void finish(capture *c)
{
    fclose(c->out);
    free(c->text);
    src_free(&c->srcs);
}

static src_span span(int file, uint32_t b, uint32_t e)
{
    return (src_span){ (uint32_t)file, b, e };
}

static void caret_and_tildes_under_the_span(void **state)
{
    (void)state;
    capture c;
    int f = start(&c, "x.lrf", "loss mse\ndense 256 relu\n");
    diag_error(&c.d, span(f, 15, 18), "bad %s", "width");
    assert_string_equal(output(&c),
                        "x.lrf:2:7: error: bad width\n"
                        "   2 | dense 256 relu\n"
                        "     |       ^~~\n");
    assert_int_equal(diag_errors(&c.d), 1);
    finish(&c);
}

static void single_byte_and_empty_span(void **state)
{
    (void)state;
    capture c;
    int f = start(&c, "x.lrf", "abc");
    diag_error(&c.d, span(f, 0, 1), "one");
    diag_error(&c.d, span(f, 3, 3), "at end");
    assert_string_equal(output(&c),
                        "x.lrf:1:1: error: one\n"
                        "   1 | abc\n"
                        "     | ^\n"
                        "x.lrf:1:4: error: at end\n"
                        "   1 | abc\n"
                        "     |    ^\n");
    finish(&c);
}

static void multi_line_span_stops_at_end_of_line(void **state)
{
    (void)state;
    capture c;
    int f = start(&c, "x.lrf", "net {\n  a\n}\n");
    diag_error(&c.d, span(f, 0, 11), "whole");
    assert_string_equal(output(&c),
                        "x.lrf:1:1: error: whole\n"
                        "   1 | net {\n"
                        "     | ^~~~~\n");
    finish(&c);
}

static void tabs_are_kept_so_the_caret_aligns(void **state)
{
    (void)state;
    capture c;
    int f = start(&c, "x.lrf", "\tdense\t10\n");
    diag_error(&c.d, span(f, 7, 9), "tabbed");
    assert_string_equal(output(&c),
                        "x.lrf:1:8: error: tabbed\n"
                        "   1 | \tdense\t10\n"
                        "     | \t     \t^~\n");
    finish(&c);
}

static void gutter_follows_the_line_number(void **state)
{
    (void)state;
    char text[64] = "";
    for (int i = 0; i < 11; i++)
        strcat(text, "a\n");
    strcat(text, "bad line\n");
    capture c;
    int f = start(&c, "x.lrf", text);
    diag_error(&c.d, span(f, 26, 30), "here");
    assert_string_equal(output(&c),
                        "x.lrf:12:5: error: here\n"
                        "   12 | bad line\n"
                        "      |     ^~~~\n");
    finish(&c);
}

static void crlf_line_ends_are_not_printed(void **state)
{
    (void)state;
    capture c;
    int f = start(&c, "x.lrf", "a 1\r\nb 2\r\n");
    diag_error(&c.d, span(f, 5, 6), "b");
    assert_string_equal(output(&c),
                        "x.lrf:2:1: error: b\n"
                        "   2 | b 2\n"
                        "     | ^\n");
    finish(&c);
}

static void notes_and_plain_errors(void **state)
{
    (void)state;
    capture c;
    int f = start(&c, "x.lrf", "a {\n");
    diag_note(&c.d, span(f, 2, 3), "to match this '%c'", '{');
    diag_error_plain(&c.d, "cannot open '%s'", "y.lrf");
    assert_string_equal(output(&c),
                        "x.lrf:1:3: note: to match this '{'\n"
                        "   1 | a {\n"
                        "     |   ^\n"
                        "lrc: error: cannot open 'y.lrf'\n");
    assert_int_equal(diag_errors(&c.d), 1);     /* notes are not errors */
    finish(&c);
}

static void pseudo_files_print_the_same_way(void **state)
{
    (void)state;
    capture c;
    start(&c, "x.lrf", "a 1\n");
    int f = src_add_text(&c.srcs, "--set", "sweep.start_rate=abc");
    assert_int_equal(f, 1);
    diag_error(&c.d, span(f, 17, 20), "not a number");
    assert_string_equal(output(&c),
                        "--set:1:18: error: not a number\n"
                        "   1 | sweep.start_rate=abc\n"
                        "     |                  ^~~\n");
    assert_null(c.srcs.files[f]->abspath);
    finish(&c);
}

static void printing_stops_after_max_errors(void **state)
{
    (void)state;
    capture c;
    int f = start(&c, "x.lrf", "a\n");
    c.d.max_errors = 2;
    for (int i = 0; i < 4; i++) {
        diag_error(&c.d, span(f, 0, 1), "e%d", i);
        diag_note(&c.d, span(f, 0, 1), "n%d", i);
    }
    const char *out = output(&c);
    assert_non_null(strstr(out, "error: e1\n"));
    assert_non_null(strstr(out, "note: n1\n"));
    assert_null(strstr(out, "e2"));
    assert_null(strstr(out, "n2"));
    const char *stop = strstr(out, "lrc: too many errors, stopping\n");
    assert_non_null(stop);
    assert_null(strstr(stop + 10, "too many"));    /* said once */
    assert_int_equal(diag_errors(&c.d), 4);
    finish(&c);
}

static void line_table(void **state)
{
    (void)state;
    src_set s = { 0 };
    int f = src_add_text(&s, "t", "ab\n\ncd\n");
    const src_file *file = s.files[f];
    assert_int_equal(file->nlines, 3);
    int line, col;
    src_line_col(file, 0, &line, &col);
    assert_int_equal(line, 1); assert_int_equal(col, 1);
    src_line_col(file, 3, &line, &col);
    assert_int_equal(line, 2); assert_int_equal(col, 1);
    src_line_col(file, 5, &line, &col);
    assert_int_equal(line, 3); assert_int_equal(col, 2);
    size_t len;
    const char *text = src_line_text(file, 3, &len);
    assert_int_equal(len, 2);
    assert_memory_equal(text, "cd", 2);
    assert_null(src_line_text(file, 4, &len));
    src_span j = span_join((src_span){ 0, 4, 6 }, (src_span){ 0, 1, 3 });
    assert_int_equal(j.begin, 1);
    assert_int_equal(j.end, 6);
    src_free(&s);
    assert_int_equal(s.n, 0);
}

static char *temp_file(const void *data, size_t len)
{
    char *path = strdup("/tmp/lrc_test_diag_XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, data, len), (ssize_t)len);
    close(fd);
    return path;
}

static void files_are_read_whole(void **state)
{
    (void)state;
    size_t n = 200000;                 /* bigger than any read buffer */
    char *data = malloc(n);
    for (size_t i = 0; i < n; i++)
        data[i] = (i % 10 == 9) ? '\n' : 'x';
    char *path = temp_file(data, n);
    src_set s = { 0 };
    for (int i = 0; i < 20; i++)       /* the set grows */
        assert_int_equal(src_add_file(&s, path, "/abs/x.lrf"), i);
    const src_file *f = s.files[19];
    assert_int_equal(f->len, n);
    assert_int_equal(f->nlines, (int)(n / 10));
    assert_memory_equal(f->text, data, n);
    assert_int_equal(f->text[n], '\0');
    assert_string_equal(f->path, path);
    assert_string_equal(f->abspath, "/abs/x.lrf");
    src_free(&s);
    unlink(path);
    free(path);
    free(data);
}

static void nul_bytes_and_missing_files_fail(void **state)
{
    (void)state;
    char *path = temp_file("a\0b\n", 4);
    src_set s = { 0 };
    errno = 0;
    assert_int_equal(src_add_file(&s, path, NULL), -1);
    assert_int_equal(errno, EINVAL);
    errno = 0;
    assert_int_equal(src_add_file(&s, "/nonexistent/lrc/x.lrf", NULL), -1);
    assert_int_equal(errno, ENOENT);
    assert_int_equal(s.n, 0);
    src_free(&s);
    unlink(path);
    free(path);
}

static void arena_allocations(void **state)
{
    (void)state;
    arena a = { 0 };
    char *big = arena_alloc(&a, 1 << 20);
    for (int i = 0; i < (1 << 20); i++)
        assert_int_equal(big[i], 0);
    for (int i = 0; i < 1000; i++) {
        void *p = arena_alloc(&a, (size_t)i % 40 + 1);
        assert_int_equal((uintptr_t)p % 16, 0);
    }
    assert_string_equal(arena_printf(&a, "%s-%d", "x", 42), "x-42");
    assert_string_equal(arena_strndup(&a, "abcdef", 3), "abc");
    ptrvec v = { 0 };
    for (intptr_t i = 0; i < 100; i++)
        ptrvec_push(&a, &v, (void *)(i + 1));
    assert_int_equal(v.n, 100);
    assert_ptr_equal(v.items[99], (void *)100);
    arena_free(&a);
    assert_null(a.head);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(caret_and_tildes_under_the_span),
        cmocka_unit_test(single_byte_and_empty_span),
        cmocka_unit_test(multi_line_span_stops_at_end_of_line),
        cmocka_unit_test(tabs_are_kept_so_the_caret_aligns),
        cmocka_unit_test(gutter_follows_the_line_number),
        cmocka_unit_test(crlf_line_ends_are_not_printed),
        cmocka_unit_test(notes_and_plain_errors),
        cmocka_unit_test(pseudo_files_print_the_same_way),
        cmocka_unit_test(printing_stops_after_max_errors),
        cmocka_unit_test(line_table),
        cmocka_unit_test(files_are_read_whole),
        cmocka_unit_test(nul_bytes_and_missing_files_fail),
        cmocka_unit_test(arena_allocations),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
