/* parser.y — the .lrf grammar (grammar/GRAMMAR.md) as a pure bison parser.
 *
 * Builds the AST (compiler/ast.h) with a span on every node, reports every
 * syntax error of a file through diag (recovering at statement boundaries)
 * and never prints directly. It does not know what keys mean: that is
 * compiler/sema.c's job. The entry point, ast_parse, is in compiler/ast.c. */

%define api.pure full
%define api.location.type {src_span}
%define parse.error custom
%define parse.lac full
%locations
%expect 0

%param {yyscan_t scanner}
%parse-param {parse_ctx *pc}

%code requires {
#include "arena.h"
#include "ast.h"
#include "diag.h"
#include "src.h"

#ifndef YY_TYPEDEF_YY_SCANNER_T
#define YY_TYPEDEF_YY_SCANNER_T
typedef void *yyscan_t;
#endif

/* Limits against hostile input: longer identifiers and strings, and deeper
 * nesting of brackets, blocks or expressions, are located errors. */
enum { LRC_MAX_TOKEN = 256, LRC_MAX_NESTING = 64 };

/* An expression while it is built, with the depth of its tree. */
typedef struct pexpr {
    ast_expr *e;
    int depth;
} pexpr;

/* A chain of prefix operators waiting for its operand: `outer` is the
 * first operator's node, `inner` the last one's, `n` their number. */
typedef struct prefix {
    ast_expr *outer, *inner;
    int n;
} prefix;

/* Everything one parse needs, shared by scanner (as yyextra) and parser. */
typedef struct parse_ctx {
    arena *arena;
    diag *diag;
    int file;
    const src_file *src;
    uint32_t off;                       /* offset of the next byte to scan */
    int depth;                          /* open brackets of every kind */
    int parens;                         /* open ( and [: newlines are blanks */
    char open_kind[LRC_MAX_NESTING];    /* the open brackets, innermost last */
    src_span open_at[LRC_MAX_NESTING];
    int prev_tok, cur_tok;              /* the last two tokens scanned */
    src_span prev_span, cur_span;
    char lex_msg[96];                   /* why the last LEXERR token is bad */
    ast_comment *comments;
    int ncomments, comments_cap;
    ptrvec top;                         /* top-level statements parsed */
} parse_ctx;

/* Tree construction (compiler/ast.c). */
ast_expr *ast_new_expr(arena *a, ast_expr_kind kind, src_span span);
ast_expr **ast_expr_array(arena *a, const ptrvec *v);
ast_stmt **ast_stmt_array(arena *a, const ptrvec *v);
}

%code provides {
int yylex(YYSTYPE *yylval, YYLTYPE *yylloc, yyscan_t scanner);
}

%code {
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define YYLLOC_DEFAULT(Cur, Rhs, N)                                   \
    do {                                                              \
        if (N) {                                                      \
            (Cur).file = YYRHSLOC(Rhs, 1).file;                       \
            (Cur).begin = YYRHSLOC(Rhs, 1).begin;                     \
            (Cur).end = YYRHSLOC(Rhs, N).end;                         \
        } else {                                                      \
            (Cur).file = YYRHSLOC(Rhs, 0).file;                       \
            (Cur).begin = (Cur).end = YYRHSLOC(Rhs, 0).end;           \
        }                                                             \
    } while (0)

static void yyerror(const YYLTYPE *loc, yyscan_t scanner, parse_ctx *pc, const char *msg);
static ast_expr *mk_binary(parse_ctx *pc, src_span at, ast_op op, ast_expr *a, ast_expr *b);
static prefix open_prefix(parse_ctx *pc, src_span at, ast_op op);
static int extend_prefix(parse_ctx *pc, prefix *p, src_span at, ast_op op);
static int close_prefix(parse_ctx *pc, pexpr *res, prefix p, pexpr operand);
static int too_deep(parse_ctx *pc, src_span at, int depth);
static ast_stmt *mk_stmt(parse_ctx *pc, src_span at, ast_stmt_kind kind, const char *key, src_span key_span);

/* Builds a binary node in a rule; a tree deeper than the limit is an
 * error located at the operator (`opat`). */
#define BINARY(res, at, opat, op, x, y)                               \
    do {                                                              \
        (res).depth = 1 + ((x).depth > (y).depth ? (x).depth : (y).depth); \
        if (too_deep(pc, opat, (res).depth))                          \
            YYERROR;                                                  \
        (res).e = mk_binary(pc, at, op, (x).e, (y).e);                \
    } while (0)
}

%initial-action { @$ = (src_span){ (uint32_t)pc->file, 0, 0 }; }

%union {
    const char *str;
    ast_expr *expr;
    pexpr px;
    prefix pre;
    ast_stmt *stmt;
    ptrvec vec;
}

%token NEWLINE "newline"
%token SEMI "';'" COMMA "','" EQUALS "'='"
%token LBRACE "'{'" RBRACE "'}'" LPAREN "'('" RPAREN "')'"
%token LBRACKET "'['" RBRACKET "']'"
%token PLUS "'+'" MINUS "'-'" STAR "'*'" SLASH "'/'"
%token LT "'<'" LE "'<='" GT "'>'" GE "'>='" EQEQ "'=='" NE "'!='"
%token IMPORT "'import'" STOP "'stop'" WHEN "'when'"
%token OR "'or'" AND "'and'" NOT "'not'"
%token <str> IDENT "identifier"
%token <str> STRING "string"
%token <expr> NUMBER "number"
%token LEXERR "invalid token"

%type <stmt> stmt last top_last
%type <vec> lines args args_ne vals vals_opt block
%type <expr> value
%type <px> expr and_e not_e cmp sum term unary primary
%type <pre> nots negs

%%

/* ---- statements ---------------------------------------------------------
 * Top-level statements go straight into pc->top as they are parsed, so a
 * file whose parse is abandoned (an unclosed '{' at end of file) still
 * yields the statements before the problem. */

file
    : top_lines top_last    { if ($2) ptrvec_push(pc->arena, &pc->top, $2); }
    ;

top_lines
    : %empty
    | top_lines sep
    | top_lines stmt sep    { ptrvec_push(pc->arena, &pc->top, $2); }
    | top_lines error sep   { yyerrok; }
    ;

top_last
    : %empty                { $$ = NULL; }
    | stmt                  { $$ = $1; }
    | error                 { $$ = NULL; yyerrok; }
    ;

sep : NEWLINE | SEMI ;

lines
    : %empty                { $$ = (ptrvec){0}; }
    | lines sep             { $$ = $1; }
    | lines stmt sep        { $$ = $1; ptrvec_push(pc->arena, &$$, $2); }
    | lines error sep       { $$ = $1; yyerrok; }
    ;

last
    : %empty                { $$ = NULL; }
    | stmt                  { $$ = $1; }
    | error                 { $$ = NULL; yyerrok; }
    ;

block
    : LBRACE lines last RBRACE
                            { $$ = $2; if ($3) ptrvec_push(pc->arena, &$$, $3); }
    ;

stmt
    : IMPORT STRING
        {
            $$ = mk_stmt(pc, @$, AST_IMPORT, "import", @1);
            $$->base = ast_new_expr(pc->arena, AST_STR, @2);
            $$->base->text = $2;
        }
    | STOP WHEN expr
        {
            $$ = mk_stmt(pc, @$, AST_STOP, "stop", @1);
            $$->cond = $3.e;
        }
    | IDENT args
        {
            $$ = mk_stmt(pc, @$, AST_STMT, $1, @1);
            $$->args = ast_expr_array(pc->arena, &$2);
            $$->nargs = $2.n;
        }
    | IDENT args EQUALS value
        {
            $$ = mk_stmt(pc, @$, AST_STMT, $1, @1);
            $$->args = ast_expr_array(pc->arena, &$2);
            $$->nargs = $2.n;
            $$->base = $4;
        }
    | IDENT args block
        {
            $$ = mk_stmt(pc, @$, AST_STMT, $1, @1);
            $$->args = ast_expr_array(pc->arena, &$2);
            $$->nargs = $2.n;
            $$->has_body = 1;
            $$->body = ast_stmt_array(pc->arena, &$3);
            $$->nbody = $3.n;
        }
    | IDENT args EQUALS value block
        {
            $$ = mk_stmt(pc, @$, AST_STMT, $1, @1);
            $$->args = ast_expr_array(pc->arena, &$2);
            $$->nargs = $2.n;
            $$->base = $4;
            $$->has_body = 1;
            $$->body = ast_stmt_array(pc->arena, &$5);
            $$->nbody = $5.n;
        }
    ;

/* Values after the key; a comma between two of them is optional. */
args
    : %empty                { $$ = (ptrvec){0}; }
    | args_ne               { $$ = $1; }
    ;

args_ne
    : value                 { $$ = (ptrvec){0}; ptrvec_push(pc->arena, &$$, $1); }
    | args_ne value         { $$ = $1; ptrvec_push(pc->arena, &$$, $2); }
    | args_ne COMMA value   { $$ = $1; ptrvec_push(pc->arena, &$$, $3); }
    ;

/* ---- values ------------------------------------------------------------ */

value
    : NUMBER                { $$ = $1; }
    | MINUS NUMBER
        {
            $$ = $2;
            $$->num = -$$->num;
            $$->text = arena_printf(pc->arena, "-%s", $2->text);
            $$->span = @$;
        }
    | STRING
        {
            $$ = ast_new_expr(pc->arena, AST_STR, @$);
            $$->text = $1;
        }
    | IDENT
        {
            $$ = ast_new_expr(pc->arena, AST_IDENT, @$);
            $$->text = $1;
        }
    | IDENT LPAREN vals_opt RPAREN
        {
            $$ = ast_new_expr(pc->arena, AST_CALL, @$);
            $$->text = $1;
            $$->items = ast_expr_array(pc->arena, &$3);
            $$->nitems = $3.n;
        }
    | LBRACKET vals_opt RBRACKET
        {
            $$ = ast_new_expr(pc->arena, AST_LIST, @$);
            $$->items = ast_expr_array(pc->arena, &$2);
            $$->nitems = $2.n;
        }
    ;

/* Comma-separated, with an optional trailing comma (one item per line). */
vals_opt
    : %empty                { $$ = (ptrvec){0}; }
    | vals                  { $$ = $1; }
    | vals COMMA            { $$ = $1; }
    ;

vals
    : value                 { $$ = (ptrvec){0}; ptrvec_push(pc->arena, &$$, $1); }
    | vals COMMA value      { $$ = $1; ptrvec_push(pc->arena, &$$, $3); }
    ;

/* ---- the stop expression ------------------------------------------------ */

expr
    : and_e                 { $$ = $1; }
    | expr OR and_e         { BINARY($$, @$, @2, AST_OP_OR, $1, $3); }
    ;

and_e
    : not_e                 { $$ = $1; }
    | and_e AND not_e       { BINARY($$, @$, @2, AST_OP_AND, $1, $3); }
    ;

/* Prefix chains (`not not x`, `- - x`) are collected left-recursively, so
 * a long chain is a located error at its first surplus operator instead of
 * a deep parser stack; the nodes wait for their operand in `inner`. */
not_e
    : cmp                   { $$ = $1; }
    | nots cmp              { if (close_prefix(pc, &$$, $1, $2)) YYERROR; }
    ;

nots
    : NOT                   { $$ = open_prefix(pc, @1, AST_OP_NOT); }
    | nots NOT              { $$ = $1; if (extend_prefix(pc, &$$, @2, AST_OP_NOT)) YYERROR; }
    ;

cmp
    : sum                   { $$ = $1; }
    | sum LT sum            { BINARY($$, @$, @2, AST_OP_LT, $1, $3); }
    | sum LE sum            { BINARY($$, @$, @2, AST_OP_LE, $1, $3); }
    | sum GT sum            { BINARY($$, @$, @2, AST_OP_GT, $1, $3); }
    | sum GE sum            { BINARY($$, @$, @2, AST_OP_GE, $1, $3); }
    | sum EQEQ sum          { BINARY($$, @$, @2, AST_OP_EQ, $1, $3); }
    | sum NE sum            { BINARY($$, @$, @2, AST_OP_NE, $1, $3); }
    ;

sum
    : term                  { $$ = $1; }
    | sum PLUS term         { BINARY($$, @$, @2, AST_OP_ADD, $1, $3); }
    | sum MINUS term        { BINARY($$, @$, @2, AST_OP_SUB, $1, $3); }
    ;

term
    : unary                 { $$ = $1; }
    | term STAR unary       { BINARY($$, @$, @2, AST_OP_MUL, $1, $3); }
    | term SLASH unary      { BINARY($$, @$, @2, AST_OP_DIV, $1, $3); }
    ;

unary
    : primary               { $$ = $1; }
    | negs primary          { if (close_prefix(pc, &$$, $1, $2)) YYERROR; }
    ;

negs
    : MINUS                 { $$ = open_prefix(pc, @1, AST_OP_NEG); }
    | negs MINUS            { $$ = $1; if (extend_prefix(pc, &$$, @2, AST_OP_NEG)) YYERROR; }
    ;

primary
    : NUMBER                { $$ = (pexpr){ $1, 1 }; }
    | IDENT
        {
            $$ = (pexpr){ ast_new_expr(pc->arena, AST_IDENT, @$), 1 };
            $$.e->text = $1;
        }
    | IDENT LPAREN expr RPAREN
        {
            $$.depth = 1 + $3.depth;
            if (too_deep(pc, @$, $$.depth))
                YYERROR;
            $$.e = ast_new_expr(pc->arena, AST_CALL, @$);
            $$.e->text = $1;
            $$.e->items = arena_alloc(pc->arena, sizeof *$$.e->items);
            $$.e->items[0] = $3.e;
            $$.e->nitems = 1;
        }
    | LPAREN expr RPAREN    { $$ = $2; $$.e->span = @$; }
    ;

%%

/* ---- tree helpers ------------------------------------------------------- */

static ast_expr *mk_binary(parse_ctx *pc, src_span at, ast_op op, ast_expr *a, ast_expr *b)
{
    ast_expr *e = ast_new_expr(pc->arena, AST_BINARY, at);
    e->op = op;
    e->a = a;
    e->b = b;
    return e;
}

static prefix open_prefix(parse_ctx *pc, src_span at, ast_op op)
{
    ast_expr *e = ast_new_expr(pc->arena, AST_UNARY, at);
    e->op = op;
    return (prefix){ e, e, 1 };
}

static int extend_prefix(parse_ctx *pc, prefix *p, src_span at, ast_op op)
{
    if (too_deep(pc, at, p->n + 1))
        return 1;
    ast_expr *e = ast_new_expr(pc->arena, AST_UNARY, at);
    e->op = op;
    p->inner->a = e;
    p->inner = e;
    p->n++;
    return 0;
}

/* Gives the chain its operand; every node's span then runs to its end. */
static int close_prefix(parse_ctx *pc, pexpr *res, prefix p, pexpr operand)
{
    res->depth = p.n + operand.depth;
    if (too_deep(pc, p.outer->span, res->depth))
        return 1;
    p.inner->a = operand.e;
    for (ast_expr *e = p.outer; e != operand.e; e = e->a)
        e->span.end = operand.e->span.end;
    res->e = p.outer;
    return 0;
}

static ast_stmt *mk_stmt(parse_ctx *pc, src_span at, ast_stmt_kind kind, const char *key, src_span key_span)
{
    ast_stmt *s = arena_alloc(pc->arena, sizeof *s);
    s->kind = kind;
    s->span = at;
    s->key = key;
    s->key_span = key_span;
    return s;
}

static int too_deep(parse_ctx *pc, src_span at, int depth)
{
    if (depth <= LRC_MAX_NESTING)
        return 0;
    diag_error(pc->diag, at, "expression nested too deeply (more than %d levels)", LRC_MAX_NESTING);
    return 1;
}

/* ---- syntax error messages ---------------------------------------------- */

/* Only reached when the parser's stack overflows (a very long chain of
 * prefix operators); every other error goes through yyreport_syntax_error. */
static void yyerror(const YYLTYPE *loc, yyscan_t scanner, parse_ctx *pc, const char *msg)
{
    (void)scanner;
    diag_error(pc->diag, *loc, "input nested too deeply (%s)", msg);
}

typedef struct msgbuf {
    char text[512];
    size_t len;
} msgbuf;

static void put(msgbuf *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(msgbuf *m, const char *fmt, ...)
{
    if (m->len >= sizeof m->text)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(m->text + m->len, sizeof m->text - m->len, fmt, ap);
    va_end(ap);
    if (n > 0)
        m->len += (size_t)n;
}

typedef struct symset {
    yysymbol_kind_t sym[YYNTOKENS];
    int n;
} symset;

static int has(const symset *s, yysymbol_kind_t k)
{
    for (int i = 0; i < s->n; i++)
        if (s->sym[i] == k)
            return 1;
    return 0;
}

static void drop(symset *s, yysymbol_kind_t k)
{
    int j = 0;
    for (int i = 0; i < s->n; i++)
        if (s->sym[i] != k)
            s->sym[j++] = s->sym[i];
    s->n = j;
}

static int is_comparison(yysymbol_kind_t k)
{
    switch (k) {
    case YYSYMBOL_LT: case YYSYMBOL_LE: case YYSYMBOL_GT: case YYSYMBOL_GE:
    case YYSYMBOL_EQEQ: case YYSYMBOL_NE:
        return 1;
    default:
        return 0;
    }
}

static int is_operator(yysymbol_kind_t k)
{
    switch (k) {
    case YYSYMBOL_OR: case YYSYMBOL_AND:
    case YYSYMBOL_PLUS: case YYSYMBOL_MINUS: case YYSYMBOL_STAR: case YYSYMBOL_SLASH:
        return 1;
    default:
        return is_comparison(k);
    }
}

/* Names what was expected, folding token groups into words: "a value",
 * "an expression", "an operator", and "newline" (listed last) for any
 * statement end. */
static int describe_expected(symset *s, const char *parts[], int max)
{
    int n = 0;
    if (has(s, YYSYMBOL_NUMBER) && has(s, YYSYMBOL_STRING) && has(s, YYSYMBOL_LBRACKET)) {
        parts[n++] = "a value";
        drop(s, YYSYMBOL_NUMBER); drop(s, YYSYMBOL_STRING); drop(s, YYSYMBOL_LBRACKET);
        drop(s, YYSYMBOL_IDENT); drop(s, YYSYMBOL_MINUS);
    } else if (has(s, YYSYMBOL_NUMBER) && has(s, YYSYMBOL_LPAREN)) {
        parts[n++] = "an expression";
        drop(s, YYSYMBOL_NUMBER); drop(s, YYSYMBOL_IDENT); drop(s, YYSYMBOL_LPAREN);
        drop(s, YYSYMBOL_MINUS); drop(s, YYSYMBOL_NOT);
    }
    int ops = 0;
    for (int i = 0; i < s->n; i++)
        ops += is_operator(s->sym[i]);
    if (ops >= 2) {
        parts[n++] = "an operator";
        int j = 0;
        for (int i = 0; i < s->n; i++)
            if (!is_operator(s->sym[i]))
                s->sym[j++] = s->sym[i];
        s->n = j;
    }
    int newline = has(s, YYSYMBOL_NEWLINE);
    if (newline) {
        drop(s, YYSYMBOL_NEWLINE);
        drop(s, YYSYMBOL_SEMI);
        drop(s, YYSYMBOL_YYEOF);
    }
    for (int i = 0; i < s->n && n < max; i++)
        parts[n++] = yysymbol_name(s->sym[i]);
    if (newline && n < max)
        parts[n++] = "newline";
    return n;
}

/* A token as the message shows it: its spelling for keywords, names and
 * numbers, its kind for the rest. */
static void put_token(msgbuf *m, parse_ctx *pc, int is_string, int is_word,
                      const char *kind_name, src_span at)
{
    const src_file *f = pc->src;
    int len = (int)(at.end - at.begin);
    if (len > 40 || (!is_string && !is_word)) {
        put(m, "%s", kind_name);
        return;
    }
    if (is_string)
        put(m, "%s %.*s", kind_name, len, f->text + at.begin);
    else
        put(m, "%s '%.*s'", kind_name, len, f->text + at.begin);
}

static void put_after(msgbuf *m, parse_ctx *pc)
{
    if (pc->prev_tok == YYEOF || pc->prev_tok == NEWLINE)
        return;
    const src_file *f = pc->src;
    int len = (int)(pc->prev_span.end - pc->prev_span.begin);
    if (len > 40)
        return;
    const char *q = pc->prev_tok == STRING ? "" : "'";
    put(m, " after %s%.*s%s", q, len, f->text + pc->prev_span.begin, q);
}

static void put_found(msgbuf *m, parse_ctx *pc, yysymbol_kind_t found, src_span at)
{
    switch (found) {
    case YYSYMBOL_IDENT:  put_token(m, pc, 0, 1, "identifier", at); break;
    case YYSYMBOL_NUMBER: put_token(m, pc, 0, 1, "number", at); break;
    case YYSYMBOL_STRING: put_token(m, pc, 1, 0, "string", at); break;
    default:              put(m, "%s", yysymbol_name(found)); break;
    }
}

static const char *closer_of(char open)
{
    return open == '(' ? "')'" : open == '[' ? "']'" : "'}'";
}

/* At end of file with a bracket still open, the bracket is the problem. */
static void report_unclosed(parse_ctx *pc, src_span at)
{
    int i = (pc->depth <= LRC_MAX_NESTING ? pc->depth : LRC_MAX_NESTING) - 1;
    diag_error(pc->diag, at, "expected %s at end of file", closer_of(pc->open_kind[i]));
    diag_note(pc->diag, pc->open_at[i], "to match this '%c'", pc->open_kind[i]);
}

static int yyreport_syntax_error(const yypcontext_t *ctx, yyscan_t scanner, parse_ctx *pc)
{
    (void)scanner;
    yysymbol_kind_t found = yypcontext_token(ctx);
    src_span at = *yypcontext_location(ctx);
    if (found == YYSYMBOL_LEXERR) {
        diag_error(pc->diag, at, "%s", pc->lex_msg);
        return 0;
    }
    if (found == YYSYMBOL_YYEOF && pc->depth > 0) {
        report_unclosed(pc, at);
        return 0;
    }
    symset s;
    s.n = yypcontext_expected_tokens(ctx, s.sym, YYNTOKENS);
    if (s.n < 0)
        s.n = 0;
    if (is_comparison(found) && !has(&s, YYSYMBOL_LT) && has(&s, YYSYMBOL_AND)) {
        diag_error(pc->diag, at, "comparisons do not chain: write 'a < b and b < c'");
        return 0;
    }
    const char *parts[YYNTOKENS + 3];
    int n = describe_expected(&s, parts, YYNTOKENS);
    msgbuf m = { .len = 0 };
    m.text[0] = '\0';
    if (n == 0) {
        put(&m, "unexpected ");
        put_found(&m, pc, found, at);
    } else {
        put(&m, "expected ");
        for (int i = 0; i < n; i++)
            put(&m, "%s%s", i == 0 ? "" : i == n - 1 ? " or " : ", ", parts[i]);
        put_after(&m, pc);
        put(&m, ", found ");
        put_found(&m, pc, found, at);
    }
    diag_error(pc->diag, at, "%s", m.text);
    return 0;
}
