/* test_lexer.c — the .lrf scanner (grammar/lexer.l) on its own: token kinds,
 * byte spans, number and string values, comments, newlines inside brackets,
 * and the error tokens for bad input. Not the grammar: see test_parser.c. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "parser.h"
#include "lexer.h"

enum { MAX_TOKENS = 80 };

typedef struct lexed {
    int tok;
    src_span at;
    YYSTYPE val;
} lexed;

typedef struct scan {
    arena a;
    src_set srcs;
    parse_ctx pc;
    lexed t[MAX_TOKENS];
    int n;                  /* tokens before end of file */
    src_span eof;
} scan;

static void scan_text(scan *s, const char *text)
{
    memset(s, 0, sizeof *s);
    int id = src_add_text(&s->srcs, "t.lrf", text);
    assert_int_equal(id, 0);
    s->pc.arena = &s->a;
    s->pc.file = id;
    s->pc.src = s->srcs.files[id];
    yyscan_t sc;
    assert_int_equal(yylex_init_extra(&s->pc, &sc), 0);
    YY_BUFFER_STATE b = yy_scan_bytes(text, (int)strlen(text), sc);
    for (;;) {
        lexed l;
        l.tok = yylex(&l.val, &l.at, sc);
        if (l.tok == YYEOF) {
            s->eof = l.at;
            break;
        }
        assert_true(s->n < MAX_TOKENS);
        s->t[s->n++] = l;
    }
    yy_delete_buffer(b, sc);
    yylex_destroy(sc);
}

static void scan_done(scan *s)
{
    arena_free(&s->a);
    src_free(&s->srcs);
}

static void assert_token(const scan *s, int i, int tok, uint32_t begin, uint32_t end)
{
    assert_true(i < s->n);
    assert_int_equal(s->t[i].tok, tok);
    assert_int_equal(s->t[i].at.begin, begin);
    assert_int_equal(s->t[i].at.end, end);
}

static void numbers(void **state)
{
    (void)state;
    scan s;
    scan_text(&s, "42 1e-7 0.98 .5 3. 9223372036854775808 2E+3");
    assert_int_equal(s.n, 7);
    static const struct { uint32_t b, e; double v; int is_int; const char *text; } want[] = {
        { 0, 2, 42, 1, "42" }, { 3, 7, 1e-7, 0, "1e-7" }, { 8, 12, 0.98, 0, "0.98" },
        { 13, 15, 0.5, 0, ".5" }, { 16, 18, 3, 0, "3." },
        { 19, 38, 9223372036854775808.0, 0, "9223372036854775808" },
        { 39, 43, 2000, 0, "2E+3" },
    };
    for (int i = 0; i < 7; i++) {
        assert_token(&s, i, NUMBER, want[i].b, want[i].e);
        const ast_expr *e = s.t[i].val.expr;
        assert_int_equal(e->kind, AST_NUM);
        assert_true(e->num == want[i].v);
        assert_int_equal(e->is_int, want[i].is_int);
        assert_string_equal(e->text, want[i].text);
        assert_int_equal(e->span.begin, want[i].b);
    }
    scan_done(&s);
}

static void int64_max_is_int(void **state)
{
    (void)state;
    scan s;
    scan_text(&s, "9223372036854775807");
    assert_int_equal(s.t[0].tok, NUMBER);
    assert_int_equal(s.t[0].val.expr->is_int, 1);
    scan_done(&s);
}

static void identifiers_and_keywords(void **state)
{
    (void)state;
    scan s;
    scan_text(&s, "relu import stop when or and not fashion_mnist _x1 imports");
    int want[] = { IDENT, IMPORT, STOP, WHEN, OR, AND, NOT, IDENT, IDENT, IDENT };
    assert_int_equal(s.n, 10);
    for (int i = 0; i < 10; i++)
        assert_int_equal(s.t[i].tok, want[i]);
    assert_string_equal(s.t[0].val.str, "relu");
    assert_string_equal(s.t[7].val.str, "fashion_mnist");
    assert_string_equal(s.t[9].val.str, "imports");
    assert_token(&s, 7, IDENT, 33, 46);
    scan_done(&s);
}

static void operators(void **state)
{
    (void)state;
    scan s;
    scan_text(&s, "< <= > >= == != = + - * / ; ,");
    int want[] = { LT, LE, GT, GE, EQEQ, NE, EQUALS, PLUS, MINUS, STAR, SLASH, SEMI, COMMA };
    assert_int_equal(s.n, 13);
    for (int i = 0; i < 13; i++)
        assert_int_equal(s.t[i].tok, want[i]);
    assert_token(&s, 1, LE, 2, 4);
    scan_done(&s);
}

static void strings_are_unescaped(void **state)
{
    (void)state;
    scan s;
    scan_text(&s, "\"a.csv\" \"q\\\"b\\\\c\\n\\t\"");
    assert_token(&s, 0, STRING, 0, 7);
    assert_string_equal(s.t[0].val.str, "a.csv");
    assert_token(&s, 1, STRING, 8, 21);
    assert_string_equal(s.t[1].val.str, "q\"b\\c\n\t");
    scan_done(&s);
}

static void comments_are_recorded_not_tokens(void **state)
{
    (void)state;
    scan s;
    scan_text(&s, "a # one\n# two\nb");
    assert_int_equal(s.n, 4);
    assert_token(&s, 0, IDENT, 0, 1);
    assert_token(&s, 1, NEWLINE, 7, 8);
    assert_token(&s, 2, NEWLINE, 13, 14);
    assert_token(&s, 3, IDENT, 14, 15);
    assert_int_equal(s.pc.ncomments, 2);
    assert_int_equal(s.pc.comments[0].span.begin, 2);
    assert_int_equal(s.pc.comments[0].span.end, 7);
    assert_int_equal(s.pc.comments[1].span.begin, 8);
    assert_int_equal(s.pc.comments[1].span.end, 13);
    scan_done(&s);
}

static void newlines_inside_brackets_are_blanks(void **state)
{
    (void)state;
    scan s;
    scan_text(&s, "f(1,\n2)\n[3\n]\n{\n}");
    int want[] = { IDENT, LPAREN, NUMBER, COMMA, NUMBER, RPAREN, NEWLINE,
                   LBRACKET, NUMBER, RBRACKET, NEWLINE, LBRACE, NEWLINE, RBRACE };
    assert_int_equal(s.n, 14);
    for (int i = 0; i < 14; i++)
        assert_int_equal(s.t[i].tok, want[i]);
    assert_token(&s, 6, NEWLINE, 7, 8);
    assert_int_equal(s.pc.depth, 0);
    scan_done(&s);
}

static void eof_is_located_at_the_end(void **state)
{
    (void)state;
    scan s;
    scan_text(&s, "a 1");
    assert_int_equal(s.eof.begin, 3);
    assert_int_equal(s.eof.end, 3);
    scan_done(&s);
    /* After a final newline: still on the last line, after its text. */
    scan_text(&s, "a 1\n");
    assert_int_equal(s.eof.begin, 3);
    scan_done(&s);
}

static void stray_characters_are_error_tokens(void **state)
{
    (void)state;
    scan s;
    scan_text(&s, "a @");
    assert_token(&s, 1, LEXERR, 2, 3);
    assert_string_equal(s.pc.lex_msg, "unexpected character '@'");
    scan_done(&s);

    scan_text(&s, "\xC3\xA9");
    assert_token(&s, 0, LEXERR, 0, 2);
    assert_string_equal(s.pc.lex_msg, "unexpected character '\xC3\xA9'");
    scan_done(&s);

    scan_text(&s, "\x01");
    assert_token(&s, 0, LEXERR, 0, 1);
    assert_string_equal(s.pc.lex_msg, "unexpected byte 0x01");
    scan_done(&s);
}

static void unterminated_string(void **state)
{
    (void)state;
    scan s;
    scan_text(&s, "x \"abc\ny");
    assert_token(&s, 1, LEXERR, 2, 6);
    assert_string_equal(s.pc.lex_msg, "unterminated string");
    assert_token(&s, 2, NEWLINE, 6, 7);
    assert_token(&s, 3, IDENT, 7, 8);
    scan_done(&s);
}

static void bad_escape_is_located_at_the_escape(void **state)
{
    (void)state;
    scan s;
    scan_text(&s, "\"ab\\qc\"");
    assert_token(&s, 0, LEXERR, 3, 5);
    assert_string_equal(s.pc.lex_msg, "unknown escape sequence '\\q' in string");
    scan_done(&s);
}

static void invalid_number(void **state)
{
    (void)state;
    scan s;
    scan_text(&s, "x 12abc");
    assert_token(&s, 1, LEXERR, 2, 7);
    assert_string_equal(s.pc.lex_msg, "invalid number '12abc'");
    scan_done(&s);

    scan_text(&s, "1.5.3");
    assert_token(&s, 0, LEXERR, 0, 5);
    assert_string_equal(s.pc.lex_msg, "invalid number '1.5.3'");
    scan_done(&s);
}

static void overlong_identifier_and_string(void **state)
{
    (void)state;
    char text[600];
    memset(text, 'x', 256);
    strcpy(text + 256, " ");
    memset(text + 257, 'y', 257);
    text[514] = '\0';
    scan s;
    scan_text(&s, text);
    assert_token(&s, 0, IDENT, 0, 256);
    assert_token(&s, 1, LEXERR, 257, 514);
    assert_string_equal(s.pc.lex_msg, "identifier longer than 256 bytes");
    scan_done(&s);

    text[0] = '"';
    memset(text + 1, 's', 257);
    strcpy(text + 258, "\"");
    scan_text(&s, text);
    assert_token(&s, 0, LEXERR, 0, 259);
    assert_string_equal(s.pc.lex_msg, "string longer than 256 bytes");
    scan_done(&s);
}

static void bracket_nesting_is_limited(void **state)
{
    (void)state;
    char text[LRC_MAX_NESTING + 2];
    memset(text, '[', LRC_MAX_NESTING + 1);
    text[LRC_MAX_NESTING + 1] = '\0';
    scan s;
    scan_text(&s, text);
    assert_int_equal(s.n, LRC_MAX_NESTING + 1);
    assert_int_equal(s.t[LRC_MAX_NESTING - 1].tok, LBRACKET);
    assert_token(&s, LRC_MAX_NESTING, LEXERR, LRC_MAX_NESTING, LRC_MAX_NESTING + 1);
    assert_string_equal(s.pc.lex_msg, "brackets nested too deeply (more than 64 levels)");
    scan_done(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(numbers),
        cmocka_unit_test(int64_max_is_int),
        cmocka_unit_test(identifiers_and_keywords),
        cmocka_unit_test(operators),
        cmocka_unit_test(strings_are_unescaped),
        cmocka_unit_test(comments_are_recorded_not_tokens),
        cmocka_unit_test(newlines_inside_brackets_are_blanks),
        cmocka_unit_test(eof_is_located_at_the_end),
        cmocka_unit_test(stray_characters_are_error_tokens),
        cmocka_unit_test(unterminated_string),
        cmocka_unit_test(bad_escape_is_located_at_the_escape),
        cmocka_unit_test(invalid_number),
        cmocka_unit_test(overlong_identifier_and_string),
        cmocka_unit_test(bracket_nesting_is_limited),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
