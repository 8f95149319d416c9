/* fmt.c — the .lrf formatter (`lrc fmt`): prints a parsed file in one
 * canonical layout (described in fmt.h), walking the tree and the file's
 * comments together in source order so that every comment is written once,
 * at the place it annotated. */
#include "fmt.h"

#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "diag.h"
#include "rt_report.h"

typedef struct fmt_ctx {
    const char *text;          /* the source */
    const ast_comment *cm;     /* its comments, in order */
    int ncm, ci;               /* ci: the next comment not yet written */
    rt_buf out;
} fmt_ctx;

static void fmt_indent(fmt_ctx *c, int level)
{
    for (int i = 0; i < level; i++)
        rt_buf_printf(&c->out, "  ");
}

/* A comment's text without trailing blanks. */
static void fmt_comment_text(fmt_ctx *c, const ast_comment *k)
{
    uint32_t e = k->span.end;
    while (e > k->span.begin && (c->text[e - 1] == ' ' || c->text[e - 1] == '\t' || c->text[e - 1] == '\r'))
        e--;
    rt_buf_printf(&c->out, "%.*s", (int)(e - k->span.begin), c->text + k->span.begin);
}

/* A blank line in [a, b): two newlines with only blanks in between. */
static int fmt_blank_between(const fmt_ctx *c, uint32_t a, uint32_t b)
{
    int nl = 0;
    for (uint32_t i = a; i < b; i++)
        if (c->text[i] == '\n')
            nl++;
    return nl >= 2;
}

static int fmt_newline_between(const fmt_ctx *c, uint32_t a, uint32_t b)
{
    for (uint32_t i = a; i < b; i++)
        if (c->text[i] == '\n')
            return 1;
    return 0;
}

/* Ends the current output line; a comment that follows `pos` on the same
 * source line with only separators before it is written at its end. */
static void fmt_end_line(fmt_ctx *c, uint32_t pos)
{
    if (c->ci < c->ncm) {
        const ast_comment *k = &c->cm[c->ci];
        int same = k->span.begin >= pos;
        for (uint32_t i = pos; same && i < k->span.begin; i++)
            same = strchr(" \t\r;,", c->text[i]) != NULL;
        if (same) {
            rt_buf_printf(&c->out, "  ");
            fmt_comment_text(c, k);
            c->ci++;
        }
    }
    rt_buf_printf(&c->out, "\n");
}

/* Writes, each on its own line at `level`, the comments that start before
 * `before`. `*prev` is where the previous item ended (a blank line after it
 * is kept), `*first` whether nothing has been written at this level yet. */
static void fmt_own_comments(fmt_ctx *c, uint32_t before, int level, uint32_t *prev, int *first)
{
    while (c->ci < c->ncm && c->cm[c->ci].span.begin < before) {
        const ast_comment *k = &c->cm[c->ci++];
        if (!*first && fmt_blank_between(c, *prev, k->span.begin))
            rt_buf_printf(&c->out, "\n");
        fmt_indent(c, level);
        fmt_comment_text(c, k);
        rt_buf_printf(&c->out, "\n");
        *prev = k->span.end;
        *first = 0;
    }
}

/* ---- values --------------------------------------------------------------- */

static void fmt_value(fmt_ctx *c, const ast_expr *e, int level);

/* The items of a list or call, keeping the user's line breaks. `open` is
 * the offset just after the opening bracket, `close` that of the closing one. */
static void fmt_items(fmt_ctx *c, const ast_expr *e, uint32_t open, uint32_t close, int level)
{
    int cont = level + 2;
    uint32_t prev = open;
    for (int i = 0; i < e->nitems; i++) {
        const ast_expr *it = e->items[i];
        if (i > 0)
            rt_buf_printf(&c->out, ",");
        if (fmt_newline_between(c, prev, it->span.begin)) {
            fmt_end_line(c, prev);
            int first = 1;
            fmt_own_comments(c, it->span.begin, cont, &prev, &first);
            fmt_indent(c, cont);
        } else if (i > 0) {
            rt_buf_printf(&c->out, " ");
        }
        fmt_value(c, it, level);
        prev = it->span.end;
    }
    if (fmt_newline_between(c, prev, close)) {
        fmt_end_line(c, prev);
        int first = 1;
        fmt_own_comments(c, close, cont, &prev, &first);
        fmt_indent(c, level);
    }
}

static void fmt_value(fmt_ctx *c, const ast_expr *e, int level)
{
    switch (e->kind) {
    case AST_NUM:
    case AST_IDENT:
        rt_buf_printf(&c->out, "%s", e->text);
        return;
    case AST_STR: /* as spelt, escapes and all */
        rt_buf_printf(&c->out, "%.*s", (int)(e->span.end - e->span.begin), c->text + e->span.begin);
        return;
    case AST_LIST:
    case AST_CALL: {
        uint32_t open = e->span.begin;
        while (open < e->span.end && c->text[open] != (e->kind == AST_LIST ? '[' : '('))
            open++;
        if (e->kind == AST_CALL)
            rt_buf_printf(&c->out, "%s(", e->text);
        else
            rt_buf_printf(&c->out, "[");
        fmt_items(c, e, open + 1, e->span.end - 1, level);
        rt_buf_printf(&c->out, "%s", e->kind == AST_LIST ? "]" : ")");
        return;
    }
    case AST_UNARY:
    case AST_BINARY: /* not a value position; written as an expression */
        break;
    }
}

/* ---- stop expressions ------------------------------------------------------- */

static int fmt_prec(const ast_expr *e)
{
    if (e->kind == AST_UNARY)
        return e->op == AST_OP_NOT ? 3 : 7;
    if (e->kind != AST_BINARY)
        return 8;
    switch (e->op) {
    case AST_OP_OR: return 1;
    case AST_OP_AND: return 2;
    case AST_OP_ADD: case AST_OP_SUB: return 5;
    case AST_OP_MUL: case AST_OP_DIV: return 6;
    default: return 4; /* comparisons */
    }
}

/* Writes `e` in parentheses when its precedence is below `min`, i.e. when
 * the tree would otherwise parse differently. */
static void fmt_expr(fmt_ctx *c, const ast_expr *e, int min)
{
    int p = fmt_prec(e);
    if (p < min)
        rt_buf_printf(&c->out, "(");
    switch (e->kind) {
    case AST_BINARY:
        /* Left-associative, except comparisons, which do not chain. */
        fmt_expr(c, e->a, p == 4 ? p + 1 : p);
        rt_buf_printf(&c->out, " %s ", ast_op_spelling(e->op));
        fmt_expr(c, e->b, p + 1);
        break;
    case AST_UNARY:
        if (e->op == AST_OP_NOT) {
            rt_buf_printf(&c->out, "not ");
            fmt_expr(c, e->a, 3);
        } else {
            rt_buf_printf(&c->out, e->a->kind == AST_UNARY && e->a->op == AST_OP_NEG ? "- " : "-");
            fmt_expr(c, e->a, 7);
        }
        break;
    case AST_CALL:
        rt_buf_printf(&c->out, "%s(", e->text);
        for (int i = 0; i < e->nitems; i++) {
            rt_buf_printf(&c->out, "%s", i ? ", " : "");
            fmt_expr(c, e->items[i], 0);
        }
        rt_buf_printf(&c->out, ")");
        break;
    default:
        fmt_value(c, e, 0);
        break;
    }
    if (p < min)
        rt_buf_printf(&c->out, ")");
}

/* ---- statements --------------------------------------------------------------- */

static void fmt_stmts(fmt_ctx *c, ast_stmt *const *stmts, int n, int level, uint32_t begin, uint32_t end);
static void fmt_stmt(fmt_ctx *c, const ast_stmt *s, int level);

/* A nested block (e.g. `dense 64 relu { init he }`) is written on one line,
 * `{ a 1; b 2 }`, when its statements have no blocks, no line breaks inside
 * brackets and no comments, and the line stays within 100 columns. */
static int fmt_inline_body(fmt_ctx *c, const ast_stmt *s)
{
    if (s->nbody == 0 || (c->ci < c->ncm && c->cm[c->ci].span.begin < s->span.end))
        return 0;
    size_t mark = c->out.len, line = mark;
    while (line > 0 && c->out.data[line - 1] != '\n')
        line--;
    rt_buf_printf(&c->out, " { ");
    for (int i = 0; i < s->nbody; i++) {
        const ast_stmt *b = s->body[i];
        if (b->has_body || b->kind == AST_STOP || fmt_newline_between(c, b->span.begin, b->span.end))
            goto undo;
        rt_buf_printf(&c->out, "%s", i ? "; " : "");
        fmt_stmt(c, b, 0);
        c->out.len--; /* the newline fmt_stmt ended it with */
        c->out.data[c->out.len] = '\0';
    }
    rt_buf_printf(&c->out, " }");
    if (c->out.oom || c->out.len - line > 100)
        goto undo;
    fmt_end_line(c, s->span.end);
    return 1;
undo:
    if (c->out.data) {
        c->out.len = mark;
        c->out.data[mark] = '\0';
    }
    return 0;
}

static void fmt_stmt(fmt_ctx *c, const ast_stmt *s, int level)
{
    if (s->kind == AST_STOP) {
        fmt_indent(c, level);
        rt_buf_printf(&c->out, "stop when ");
        fmt_expr(c, s->cond, 0);
        fmt_end_line(c, s->span.end);
        return;
    }
    fmt_indent(c, level);
    if (s->kind == AST_IMPORT) {
        rt_buf_printf(&c->out, "import ");
        fmt_value(c, s->base, level);
        fmt_end_line(c, s->span.end);
        return;
    }
    rt_buf_printf(&c->out, "%s", s->key);
    uint32_t head_end = s->key_span.end;
    for (int i = 0; i < s->nargs; i++) {
        int comma = 0;
        for (uint32_t p = head_end; i > 0 && p < s->args[i]->span.begin; p++)
            comma |= c->text[p] == ',';
        rt_buf_printf(&c->out, "%s", comma ? ", " : " ");
        fmt_value(c, s->args[i], level);
        head_end = s->args[i]->span.end;
    }
    if (s->base) {
        rt_buf_printf(&c->out, " = ");
        fmt_value(c, s->base, level);
        head_end = s->base->span.end;
    }
    if (!s->has_body) {
        fmt_end_line(c, s->span.end);
        return;
    }
    uint32_t brace = head_end;
    while (brace < s->span.end && c->text[brace] != '{')
        brace++;
    if (level > 0 && fmt_inline_body(c, s)) /* a layer's settings: one line */
        return;
    rt_buf_printf(&c->out, " {");
    fmt_end_line(c, brace + 1);
    fmt_stmts(c, s->body, s->nbody, level + 1, brace + 1, s->span.end - 1);
    fmt_indent(c, level);
    rt_buf_printf(&c->out, "}");
    fmt_end_line(c, s->span.end);
}

static void fmt_stmts(fmt_ctx *c, ast_stmt *const *stmts, int n, int level, uint32_t begin, uint32_t end)
{
    uint32_t prev = begin;
    int first = 1;
    for (int i = 0; i < n; i++) {
        const ast_stmt *s = stmts[i];
        fmt_own_comments(c, s->span.begin, level, &prev, &first);
        if (!first && fmt_blank_between(c, prev, s->span.begin))
            rt_buf_printf(&c->out, "\n");
        if (s->kind == AST_STOP) /* comments inside the expression go above it */
            fmt_own_comments(c, s->span.end, level, &prev, &first);
        fmt_stmt(c, s, level);
        prev = s->span.end;
        first = 0;
    }
    fmt_own_comments(c, end, level, &prev, &first);
}

char *fmt_ast(const src_file *f, const ast_file *af)
{
    fmt_ctx c = {.text = f->text, .cm = af->comments, .ncm = af->ncomments};
    fmt_stmts(&c, af->stmts, af->nstmts, 0, 0, (uint32_t)f->len + 1);
    if (c.out.oom) {
        rt_buf_free(&c.out);
        return NULL;
    }
    if (!c.out.data) /* an empty file */
        return calloc(1, 1);
    return c.out.data;
}

int fmt_text(const char *name, const char *text, FILE *errs, char **out)
{
    arena a = {0};
    src_set srcs = {0};
    diag d;
    diag_init(&d, &srcs, errs);
    *out = NULL;
    int id = src_add_text(&srcs, name, text);
    int errors = 1;
    if (id >= 0) {
        ast_file *af = ast_parse(&a, &srcs, id, &d);
        errors = diag_errors(&d);
        if (!errors)
            *out = fmt_ast(srcs.files[id], af);
    } else {
        fprintf(errs, "lrc: error: %s: out of memory\n", name);
    }
    src_free(&srcs);
    arena_free(&a);
    return errors;
}
