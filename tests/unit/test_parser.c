/* test_parser.c — the .lrf grammar (grammar/parser.y) through ast_parse:
 * every statement form of GRAMMAR.md, precedence, spans, and the syntax
 * errors (all reported in one run, exact messages and locations). Not the
 * scanner alone (test_lexer.c) nor the message layout (test_diag.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ast.h"
#include "parser.h"

typedef struct parsed {
    arena a;
    src_set srcs;
    diag d;
    ast_file *af;
    char *dump;             /* ast_dump output */
    char *errs;             /* everything diag printed */
} parsed;

static void parse(parsed *p, const char *text)
{
    memset(p, 0, sizeof *p);
    int id = src_add_text(&p->srcs, "t.lrf", text);
    assert_int_equal(id, 0);
    size_t elen, dlen;
    FILE *err = open_memstream(&p->errs, &elen);
    diag_init(&p->d, &p->srcs, err);
    p->af = ast_parse(&p->a, &p->srcs, id, &p->d);
    fclose(err);
    FILE *dump = open_memstream(&p->dump, &dlen);
    ast_dump(dump, p->af);
    fclose(dump);
}

static void done(parsed *p)
{
    free(p->dump);
    free(p->errs);
    arena_free(&p->a);
    src_free(&p->srcs);
}

/* Parses text that must be free of errors and compares its dump. */
static void assert_dump(const char *text, const char *want)
{
    parsed p;
    parse(&p, text);
    assert_string_equal(p.errs, "");
    assert_int_equal(diag_errors(&p.d), 0);
    assert_string_equal(p.dump, want);
    done(&p);
}

/* Parses text and compares everything diag printed. */
static void assert_errors(const char *text, int count, const char *want)
{
    parsed p;
    parse(&p, text);
    assert_string_equal(p.errs, want);
    assert_int_equal(diag_errors(&p.d), count);
    done(&p);
}

/* ---- statement forms ---------------------------------------------------- */

static void key_alone_and_with_values(void **state)
{
    (void)state;
    assert_dump("sweep\n", "(stmt sweep)\n");
    assert_dump("dense 256 relu", "(stmt dense (num 256) (ident relu))\n");
    assert_dump("source \"a.csv\" 3", "(stmt source (str \"a.csv\") (num 3))\n");
}

static void commas_between_values_are_optional(void **state)
{
    (void)state;
    const char *want = "(stmt suggest (ident steepest) (ident valley) (ident min))\n";
    assert_dump("suggest steepest, valley, min", want);
    assert_dump("suggest steepest valley min", want);
    assert_dump("suggest steepest, valley min", want);
}

static void negative_numbers_fold(void **state)
{
    (void)state;
    parsed p;
    parse(&p, "offset -3 -1e-7");
    assert_string_equal(p.dump, "(stmt offset (num -3) (num -1e-7))\n");
    const ast_expr *e = p.af->stmts[0]->args[0];
    assert_int_equal(e->kind, AST_NUM);
    assert_true(e->num == -3.0);
    assert_int_equal(e->is_int, 1);
    assert_int_equal(e->span.begin, 7);
    assert_int_equal(e->span.end, 9);
    done(&p);
}

static void lists_and_calls(void **state)
{
    (void)state;
    assert_dump("input [28, 28, 1]", "(stmt input (list (num 28) (num 28) (num 1)))\n");
    assert_dump("input []", "(stmt input (list))\n");
    assert_dump("x [[1], [2, 3]]", "(stmt x (list (list (num 1)) (list (num 2) (num 3))))\n");
    assert_dump("source csv(\"a.csv\", label, [1, 2])",
                "(stmt source (call csv (str \"a.csv\") (ident label) (list (num 1) (num 2))))\n");
    assert_dump("source f()", "(stmt source (call f))\n");
    /* Newlines inside brackets are blanks; a trailing comma is allowed. */
    assert_dump("input [\n  28,\n  28,\n]\nloss mse",
                "(stmt input (list (num 28) (num 28)))\n(stmt loss (ident mse))\n");
}

static void base_and_block(void **state)
{
    (void)state;
    assert_dump("dataset train = fashion_mnist {\n  batch 128\n  shuffle seed 42\n}\n",
                "(stmt dataset (ident train) (= (ident fashion_mnist)) (body\n"
                "  (stmt batch (num 128))\n"
                "  (stmt shuffle (ident seed) (num 42))))\n");
    assert_dump("sweep = std_sweep", "(stmt sweep (= (ident std_sweep)))\n");
    assert_dump("sweep {}", "(stmt sweep (body))\n");
    assert_dump("sweep {\n\n}", "(stmt sweep (body))\n");
}

static void one_line_blocks_and_semicolons(void **state)
{
    (void)state;
    assert_dump("optimizer sgd { momentum 0.9 }",
                "(stmt optimizer (ident sgd) (body\n  (stmt momentum (num 0.9))))\n");
    assert_dump("optimizer adam { beta1 0.9; beta2 0.999; }; loss mse",
                "(stmt optimizer (ident adam) (body\n"
                "  (stmt beta1 (num 0.9))\n"
                "  (stmt beta2 (num 0.999))))\n"
                "(stmt loss (ident mse))\n");
}

static void nested_blocks(void **state)
{
    (void)state;
    assert_dump("a {\n  b 1 {\n    c {\n      d\n    }\n  }\n  e\n}\n",
                "(stmt a (body\n"
                "  (stmt b (num 1) (body\n"
                "    (stmt c (body\n"
                "      (stmt d)))))\n"
                "  (stmt e)))\n");
}

static void import_and_stop(void **state)
{
    (void)state;
    assert_dump("import \"std/datasets\"\n", "(import (str \"std/datasets\"))\n");
    assert_dump("stop when loss > 4 * best",
                "(stop (binary > (ident loss) (binary * (num 4) (ident best))))\n");
    assert_dump("sweep { stop when step >= 1000 }",
                "(stmt sweep (body\n  (stop (binary >= (ident step) (num 1000)))))\n");
}

static void blank_lines_and_comments(void **state)
{
    (void)state;
    parsed p;
    parse(&p, "\n\n# head\nloss mse # tail\n\n\n# end");
    assert_string_equal(p.errs, "");
    assert_string_equal(p.dump, "(stmt loss (ident mse))\n");
    assert_int_equal(p.af->ncomments, 3);
    assert_int_equal(p.af->comments[1].span.begin, 18);
    assert_int_equal(p.af->comments[1].span.end, 24);
    done(&p);
}

/* ---- the stop expression ------------------------------------------------ */

static void precedence(void **state)
{
    (void)state;
    assert_dump("stop when a or b and not c < 1 + 2 * 3",
                "(stop (binary or (ident a) (binary and (ident b) (unary not "
                "(binary < (ident c) (binary + (num 1) (binary * (num 2) (num 3))))))))\n");
    assert_dump("stop when a - b - c / d / e",
                "(stop (binary - (binary - (ident a) (ident b)) "
                "(binary / (binary / (ident c) (ident d)) (ident e))))\n");
    assert_dump("stop when (a or b) and c",
                "(stop (binary and (binary or (ident a) (ident b)) (ident c)))\n");
    assert_dump("stop when not not - - x * 2 == y",
                "(stop (unary not (unary not (binary == (binary * (unary - (unary - (ident x))) "
                "(num 2)) (ident y)))))\n");
    assert_dump("stop when a <= b or c != d or e >= f or g == h",
                "(stop (binary or (binary or (binary or (binary <= (ident a) (ident b)) "
                "(binary != (ident c) (ident d))) (binary >= (ident e) (ident f))) "
                "(binary == (ident g) (ident h))))\n");
    assert_dump("stop when smooth(loss) > 2", "(stop (binary > (call smooth (ident loss)) (num 2)))\n");
}

static void comparisons_do_not_chain(void **state)
{
    (void)state;
    assert_errors("stop when a < b < c",
                  1,
                  "t.lrf:1:17: error: comparisons do not chain: write 'a < b and b < c'\n"
                  "   1 | stop when a < b < c\n"
                  "     |                 ^\n");
}

/* ---- spans ------------------------------------------------------------- */

static void spans(void **state)
{
    (void)state;
    parsed p;
    parse(&p, "net mlp {\n  dense 10\n}\nstop when not a + (b)\nx = y");
    assert_string_equal(p.errs, "");
    const ast_stmt *net = p.af->stmts[0];
    assert_int_equal(net->span.begin, 0);
    assert_int_equal(net->span.end, 22);          /* through the '}' */
    assert_int_equal(net->key_span.end, 3);
    assert_string_equal(net->key, "net");
    const ast_stmt *dense = net->body[0];
    assert_int_equal(dense->span.begin, 12);
    assert_int_equal(dense->span.end, 20);

    const ast_stmt *stop = p.af->stmts[1];
    assert_int_equal(stop->kind, AST_STOP);
    assert_int_equal(stop->span.begin, 23);
    assert_int_equal(stop->span.end, 44);
    const ast_expr *not = stop->cond;
    assert_int_equal(not->kind, AST_UNARY);
    assert_int_equal(not->span.begin, 33);
    assert_int_equal(not->span.end, 44);
    const ast_expr *sum = not->a;
    assert_int_equal(sum->span.begin, 37);
    assert_int_equal(sum->span.end, 44);
    assert_int_equal(sum->b->span.begin, 41);     /* (b) keeps its parens */

    const ast_stmt *x = p.af->stmts[2];
    assert_int_equal(x->span.begin, 45);
    assert_int_equal(x->span.end, 50);
    assert_int_equal(x->base->span.begin, 49);
    done(&p);
}

/* ---- syntax errors ---------------------------------------------------- */

static void every_error_of_a_file_is_reported(void **state)
{
    (void)state;
    parsed p;
    parse(&p,
          "loss = \n"                 /* 1: no value */
          "dense 10 @\n"              /* 2: stray character */
          "ok 1\n"
          "stop x\n"                  /* 4: no 'when' */
          "a 1; b = = 2\n"            /* 5: second statement broken */
          "net {\n"
          "  dense )\n"               /* 7: inside a block */
          "  relu\n"
          "}\n"
          "stop when loss >\n");      /* 10: missing operand */
    assert_int_equal(diag_errors(&p.d), 6);
    const char *lines[] = {
        "t.lrf:1:8: error: expected a value after '=', found newline",
        "t.lrf:2:10: error: unexpected character '@'",
        "t.lrf:4:6: error: expected 'when' after 'stop', found identifier 'x'",
        "t.lrf:5:10: error: expected a value after '=', found '='",
        "t.lrf:7:9: error: expected a value, '=', '{', '}' or newline after 'dense', found ')'",
        "t.lrf:10:17: error: expected an expression after '>', found newline",
    };
    const char *at = p.errs;
    for (int i = 0; i < 6; i++) {
        at = strstr(at, lines[i]);
        assert_non_null(at);
    }
    /* The statements that parsed are kept. */
    assert_string_equal(p.dump,
                        "(stmt ok (num 1))\n"
                        "(stmt a (num 1))\n"
                        "(stmt net (body\n"
                        "  (stmt relu)))\n");
    done(&p);
}

static void message_layout_and_after_token(void **state)
{
    (void)state;
    assert_errors("network mlp { dense = }",
                  1,
                  "t.lrf:1:23: error: expected a value after '=', found '}'\n"
                  "   1 | network mlp { dense = }\n"
                  "     |                       ^\n");
    assert_errors("dense 10 relu)",
                  1,
                  "t.lrf:1:14: error: expected a value, ',', '=', '{', '(' or newline after 'relu', found ')'\n"
                  "   1 | dense 10 relu)\n"
                  "     |              ^\n");
    assert_errors("import mnist",
                  1,
                  "t.lrf:1:8: error: expected string after 'import', found identifier 'mnist'\n"
                  "   1 | import mnist\n"
                  "     |        ^~~~~\n");
    assert_errors("}",
                  1,
                  "t.lrf:1:1: error: expected 'import', 'stop', identifier or newline, found '}'\n"
                  "   1 | }\n"
                  "     | ^\n");
    assert_errors("stop when loss 4",
                  1,
                  "t.lrf:1:16: error: expected an operator, '(' or newline after 'loss', found number '4'\n"
                  "   1 | stop when loss 4\n"
                  "     |                ^\n");
}

static void unterminated_string_and_stray_character(void **state)
{
    (void)state;
    assert_errors("source \"a.csv\nloss mse\nx $ 1\n",
                  2,
                  "t.lrf:1:8: error: unterminated string\n"
                  "   1 | source \"a.csv\n"
                  "     |        ^~~~~~\n"
                  "t.lrf:3:3: error: unexpected character '$'\n"
                  "   3 | x $ 1\n"
                  "     |   ^\n");
}

static void unclosed_brace_points_at_the_brace(void **state)
{
    (void)state;
    parsed p;
    parse(&p, "loss mse\nsweep {\n  a 1\n  b {\n  }\n");
    assert_int_equal(diag_errors(&p.d), 1);
    assert_string_equal(p.errs,
                        "t.lrf:5:4: error: expected '}' at end of file\n"
                        "   5 |   }\n"
                        "     |    ^\n"
                        "t.lrf:2:7: note: to match this '{'\n"
                        "   2 | sweep {\n"
                        "     |       ^\n");
    assert_string_equal(p.dump, "(stmt loss (ident mse))\n");
    done(&p);
}

static void unclosed_bracket_at_end_of_file(void **state)
{
    (void)state;
    assert_errors("input [28, 28",
                  1,
                  "t.lrf:1:14: error: expected ']' at end of file\n"
                  "   1 | input [28, 28\n"
                  "     |              ^\n"
                  "t.lrf:1:7: note: to match this '['\n"
                  "   1 | input [28, 28\n"
                  "     |       ^\n");
}

static void deep_expressions_are_located_errors(void **state)
{
    (void)state;
    size_t n = 20000;
    char *text = malloc(3 * n + 64);
    strcpy(text, "stop when ");
    char *w = text + strlen(text);
    for (size_t i = 0; i < n; i++)
        *w++ = '-';
    strcpy(w, "1\nstop when ");
    w += strlen(w);
    for (size_t i = 0; i < n; i++) {
        memcpy(w, "1+", 2);
        w += 2;
    }
    strcpy(w, "1\nok 1\n");
    parsed p;
    parse(&p, text);
    assert_int_equal(diag_errors(&p.d), 2);
    assert_non_null(strstr(p.errs, "t.lrf:1:75: error: expression nested too deeply (more than 64 levels)"));
    /* 1+1+...: the 64th '+' makes the tree 65 deep. */
    assert_non_null(strstr(p.errs, "t.lrf:2:138: error: expression nested too deeply (more than 64 levels)"));
    assert_string_equal(p.dump, "(stmt ok (num 1))\n");
    done(&p);
    free(text);
}

static void deep_blocks_are_located_errors(void **state)
{
    (void)state;
    char text[1024] = "";
    for (int i = 0; i < 70; i++)
        strcat(text, "a{");
    for (int i = 0; i < 70; i++)
        strcat(text, "}");
    strcat(text, "\nok 1\n");
    parsed p;
    parse(&p, text);
    assert_int_equal(diag_errors(&p.d) >= 1, 1);
    assert_non_null(strstr(p.errs, "t.lrf:1:130: error: brackets nested too deeply (more than 64 levels)"));
    assert_non_null(strstr(p.dump, "(stmt ok (num 1))\n"));
    done(&p);
}

static void at_most_max_errors_are_printed(void **state)
{
    (void)state;
    char text[4096] = "";
    for (int i = 0; i < 150; i++)
        strcat(text, "@\n");
    parsed p;
    parse(&p, text);
    assert_int_equal(diag_errors(&p.d), 150);
    int printed = 0;
    for (const char *s = p.errs; (s = strstr(s, ": error: ")) != NULL; s++)
        printed++;
    assert_int_equal(printed, 100);
    assert_non_null(strstr(p.errs, "lrc: too many errors, stopping\n"));
    done(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(key_alone_and_with_values),
        cmocka_unit_test(commas_between_values_are_optional),
        cmocka_unit_test(negative_numbers_fold),
        cmocka_unit_test(lists_and_calls),
        cmocka_unit_test(base_and_block),
        cmocka_unit_test(one_line_blocks_and_semicolons),
        cmocka_unit_test(nested_blocks),
        cmocka_unit_test(import_and_stop),
        cmocka_unit_test(blank_lines_and_comments),
        cmocka_unit_test(precedence),
        cmocka_unit_test(comparisons_do_not_chain),
        cmocka_unit_test(spans),
        cmocka_unit_test(every_error_of_a_file_is_reported),
        cmocka_unit_test(message_layout_and_after_token),
        cmocka_unit_test(unterminated_string_and_stray_character),
        cmocka_unit_test(unclosed_brace_points_at_the_brace),
        cmocka_unit_test(unclosed_bracket_at_end_of_file),
        cmocka_unit_test(deep_expressions_are_located_errors),
        cmocka_unit_test(deep_blocks_are_located_errors),
        cmocka_unit_test(at_most_max_errors_are_printed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
