/* ast.c — the syntax tree (ast.h): node construction for the parser, the
 * parse entry point that ties the flex scanner to the bison parser, and the
 * S-expression dump used by --dump-ast and the tests. The grammar itself is
 * in grammar/parser.y, the tokens in grammar/lexer.l; meaning is sema's. */
#include "ast.h"

#include <limits.h>
#include <string.h>

#include "parser.h"
#include "lexer.h"

/* ---- construction --------------------------------------------------------- */

ast_expr *ast_new_expr(arena *a, ast_expr_kind kind, src_span span)
{
    ast_expr *e = arena_alloc(a, sizeof *e);
    e->kind = kind;
    e->span = span;
    return e;
}

ast_expr **ast_expr_array(arena *a, const ptrvec *v)
{
    ast_expr **out = arena_alloc(a, (size_t)v->n * sizeof *out);
    for (int i = 0; i < v->n; i++)
        out[i] = v->items[i];
    return out;
}

ast_stmt **ast_stmt_array(arena *a, const ptrvec *v)
{
    ast_stmt **out = arena_alloc(a, (size_t)v->n * sizeof *out);
    for (int i = 0; i < v->n; i++)
        out[i] = v->items[i];
    return out;
}

/* ---- parsing ----------------------------------------------------------- */

ast_file *ast_parse(arena *a, const src_set *srcs, int file, diag *d)
{
    ast_file *af = arena_alloc(a, sizeof *af);
    af->file = file;
    const src_file *f = srcs->files[file];
    if (f->len > INT_MAX) {
        diag_error(d, (src_span){ (uint32_t)file, 0, 0 }, "file too large to parse");
        return af;
    }
    parse_ctx pc = { .arena = a, .diag = d, .file = file, .src = f };
    yyscan_t scanner;
    if (yylex_init_extra(&pc, &scanner) != 0) {
        diag_error_plain(d, "%s: cannot start the scanner: out of memory", f->path);
        return af;
    }
    YY_BUFFER_STATE buf = yy_scan_bytes(f->text, (int)f->len, scanner);
    yyparse(scanner, &pc);
    yy_delete_buffer(buf, scanner);
    yylex_destroy(scanner);

    af->stmts = ast_stmt_array(a, &pc.top);
    af->nstmts = pc.top.n;
    af->comments = pc.comments;
    af->ncomments = pc.ncomments;
    return af;
}

/* ---- dump ------------------------------------------------------------ */

const char *ast_op_spelling(ast_op op)
{
    switch (op) {
    case AST_OP_OR:  return "or";
    case AST_OP_AND: return "and";
    case AST_OP_LT:  return "<";
    case AST_OP_LE:  return "<=";
    case AST_OP_GT:  return ">";
    case AST_OP_GE:  return ">=";
    case AST_OP_EQ:  return "==";
    case AST_OP_NE:  return "!=";
    case AST_OP_ADD: return "+";
    case AST_OP_SUB: return "-";
    case AST_OP_MUL: return "*";
    case AST_OP_DIV: return "/";
    case AST_OP_NEG: return "-";
    case AST_OP_NOT: return "not";
    }
    return "?";
}

static void dump_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c == '\n')
            fputs("\\n", f);
        else if (c == '\t')
            fputs("\\t", f);
        else if (c < 0x20 || c == 0x7F)
            fprintf(f, "\\x%02X", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

static void dump_items(FILE *f, ast_expr *const *items, int n)
{
    for (int i = 0; i < n; i++) {
        fputc(' ', f);
        ast_dump_expr(f, items[i]);
    }
}

void ast_dump_expr(FILE *f, const ast_expr *e)
{
    switch (e->kind) {
    case AST_NUM:
        fprintf(f, "(num %s)", e->text);
        break;
    case AST_STR:
        fputs("(str ", f);
        dump_string(f, e->text);
        fputc(')', f);
        break;
    case AST_IDENT:
        fprintf(f, "(ident %s)", e->text);
        break;
    case AST_LIST:
        fputs("(list", f);
        dump_items(f, e->items, e->nitems);
        fputc(')', f);
        break;
    case AST_CALL:
        fprintf(f, "(call %s", e->text);
        dump_items(f, e->items, e->nitems);
        fputc(')', f);
        break;
    case AST_UNARY:
        fprintf(f, "(unary %s ", ast_op_spelling(e->op));
        ast_dump_expr(f, e->a);
        fputc(')', f);
        break;
    case AST_BINARY:
        fprintf(f, "(binary %s ", ast_op_spelling(e->op));
        ast_dump_expr(f, e->a);
        fputc(' ', f);
        ast_dump_expr(f, e->b);
        fputc(')', f);
        break;
    }
}

/* `(stmt key args... (= base) (body` with each body statement on its own
 * line, indented two more. */
static void dump_stmt(FILE *f, const ast_stmt *s, int indent)
{
    fprintf(f, "%*s", indent, "");
    switch (s->kind) {
    case AST_IMPORT:
        fputs("(import ", f);
        ast_dump_expr(f, s->base);
        fputc(')', f);
        return;
    case AST_STOP:
        fputs("(stop ", f);
        ast_dump_expr(f, s->cond);
        fputc(')', f);
        return;
    case AST_STMT:
        break;
    }
    fprintf(f, "(stmt %s", s->key);
    dump_items(f, s->args, s->nargs);
    if (s->base) {
        fputs(" (= ", f);
        ast_dump_expr(f, s->base);
        fputc(')', f);
    }
    if (s->has_body) {
        fputs(" (body", f);
        for (int i = 0; i < s->nbody; i++) {
            fputc('\n', f);
            dump_stmt(f, s->body[i], indent + 2);
        }
        fputc(')', f);
    }
    fputc(')', f);
}

void ast_dump(FILE *f, const ast_file *af)
{
    for (int i = 0; i < af->nstmts; i++) {
        dump_stmt(f, af->stmts[i], 0);
        fputc('\n', f);
    }
}
