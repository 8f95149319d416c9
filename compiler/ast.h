/* ast.h — the syntax tree of one .lrf file, with a source span on every node.
 *
 * The syntax is deliberately uniform (grammar/GRAMMAR.md): a file is a list
 * of statements `key value... [= value] [{ statements }]`, plus `import` and
 * `stop when <expr>`. What a key means, and whether it is allowed where it
 * stands, is decided by compiler/sema.c, not by the grammar. */
#ifndef AST_H
#define AST_H

#include "arena.h"
#include "src.h"

typedef enum {
    AST_NUM,     /* 42, 1e-7, 0.98; `text` keeps the spelling */
    AST_STR,     /* "path"; `text` is the unescaped contents */
    AST_IDENT,   /* relu, true, fashion_mnist */
    AST_LIST,    /* [28, 28, 1] — `items` */
    AST_CALL,    /* csv("a.csv") — `text` is the callee, `items` the args */
    AST_UNARY,   /* op: '-' or '!' (not) ; operand in `a` */
    AST_BINARY   /* op: one of ast_binop; operands a, b */
} ast_expr_kind;

typedef enum {
    AST_OP_OR, AST_OP_AND,
    AST_OP_LT, AST_OP_LE, AST_OP_GT, AST_OP_GE, AST_OP_EQ, AST_OP_NE,
    AST_OP_ADD, AST_OP_SUB, AST_OP_MUL, AST_OP_DIV,
    AST_OP_NEG, AST_OP_NOT
} ast_op;

typedef struct ast_expr ast_expr;
struct ast_expr {
    ast_expr_kind kind;
    src_span span;
    const char *text;    /* NUM spelling, STR contents, IDENT name, CALL callee */
    double num;          /* NUM value */
    int is_int;          /* NUM written without '.', 'e' and within int64 */
    ast_op op;           /* UNARY, BINARY */
    ast_expr *a, *b;
    ast_expr **items;    /* LIST elements, CALL arguments */
    int nitems;
};

typedef enum {
    AST_STMT,            /* key value... [= base] [{ body }] */
    AST_IMPORT,          /* import "path" — `base` is the STR */
    AST_STOP             /* stop when <cond> */
} ast_stmt_kind;

typedef struct ast_stmt ast_stmt;
struct ast_stmt {
    ast_stmt_kind kind;
    src_span span;       /* the whole statement, body included */
    const char *key;     /* first identifier; "import" / "stop" for those */
    src_span key_span;
    ast_expr **args;     /* values after the key (commas optional) */
    int nargs;
    ast_expr *base;      /* after '=' (or the import's path), else NULL */
    ast_expr *cond;      /* AST_STOP */
    int has_body;
    ast_stmt **body;
    int nbody;
};

typedef struct ast_comment {
    src_span span;       /* from '#' to the end of the line */
} ast_comment;

typedef struct ast_file {
    int file;            /* src_set id */
    ast_stmt **stmts;
    int nstmts;
    ast_comment *comments;  /* every comment in source order (for lrc fmt) */
    int ncomments;
} ast_file;

/* Parses file `file` of `srcs` into an AST allocated in `a`. Syntax errors
 * go to `d` (all of them, with recovery at statement boundaries); the result
 * is never NULL, and holds the statements that parsed. */
#include "diag.h"
ast_file *ast_parse(arena *a, const src_set *srcs, int file, diag *d);

/* Writes the AST as an indented S-expression (lrc --dump-ast, tests). */
#include <stdio.h>
void ast_dump(FILE *f, const ast_file *af);
void ast_dump_expr(FILE *f, const ast_expr *e);

const char *ast_op_spelling(ast_op op);   /* "or", "<=", "+", ... */

#endif
