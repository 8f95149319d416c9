/* sema_expr.c — compiles the sweep's `stop when <expr>` into the runtime's
 * postfix programs (rt_stop), one per top-level `or` clause so the report can
 * say which clause ended the test. Checks names, arity and types (a clause
 * must be a condition; arithmetic takes numbers). */
#include "sema_internal.h"

#include <stdio.h>
#include <string.h>

typedef enum { T_ERROR, T_NUM, T_BOOL } ty;

typedef struct emitter {
    sema_ctx *c;
    rt_stop_clause *out;
    int overflow;
} emitter;

static const char *const var_names[] = {"step", "rate", "loss", "raw_loss", "best", NULL};

static void emit(emitter *e, rt_op op, rt_var var, double num)
{
    if (e->out->n >= RT_STOP_MAX_INSNS) {
        e->overflow = 1;
        return;
    }
    e->out->code[e->out->n++] = (rt_insn){op, var, num};
}

static ty compile(emitter *e, const ast_expr *x);

static ty expect(emitter *e, const ast_expr *x, ty want, const char *ctx)
{
    ty got = compile(e, x);
    if (got != T_ERROR && got != want)
        diag_error(e->c->d, x->span, "%s needs %s, but this is %s", ctx,
                   want == T_NUM ? "a number" : "a condition",
                   got == T_NUM ? "a number" : "a condition");
    return got == want ? got : T_ERROR;
}

/* diverges(F): loss > best + (F - 1) * |best|  (RANGE_TEST.md) */
static void emit_diverges(emitter *e, double factor)
{
    emit(e, RT_OP_VAR, RT_VAR_LOSS, 0);
    emit(e, RT_OP_VAR, RT_VAR_BEST, 0);
    emit(e, RT_OP_NUM, 0, factor - 1);
    emit(e, RT_OP_VAR, RT_VAR_BEST, 0);
    emit(e, RT_OP_ABS, 0, 0);
    emit(e, RT_OP_MUL, 0, 0);
    emit(e, RT_OP_ADD, 0, 0);
    emit(e, RT_OP_GT, 0, 0);
}

static ty compile_diverges(emitter *e, const ast_expr *x)
{
    const ast_expr *f = x->items[0];
    if (f->kind != AST_NUM || f->num <= 1) {
        diag_error(e->c->d, f->span, "diverges() takes a constant factor > 1, e.g. diverges(4)");
        return T_ERROR;
    }
    emit_diverges(e, f->num);
    return T_BOOL;
}

static ty compile_call(emitter *e, const ast_expr *x)
{
    static const char *const funcs[] = {"abs", "diverges", NULL};
    if (x->nitems != 1) {
        diag_error(e->c->d, x->span, "%s() takes one argument", x->text);
        return T_ERROR;
    }
    if (strcmp(x->text, "diverges") == 0)
        return compile_diverges(e, x);
    if (strcmp(x->text, "abs") == 0) {
        if (expect(e, x->items[0], T_NUM, "abs()") == T_ERROR)
            return T_ERROR;
        emit(e, RT_OP_ABS, 0, 0);
        return T_NUM;
    }
    const char *near = sema_closest(x->text, funcs);
    diag_error(e->c->d, x->span, "unknown function '%s' in stop expression (%s%s%s)", x->text,
               near ? "did you mean '" : "known: abs, diverges", near ? near : "", near ? "'?" : "");
    return T_ERROR;
}

static ty compile_ident(emitter *e, const ast_expr *x)
{
    for (int i = 0; var_names[i]; i++)
        if (strcmp(var_names[i], x->text) == 0) {
            emit(e, RT_OP_VAR, (rt_var)i, 0);
            return T_NUM;
        }
    const char *near = sema_closest(x->text, var_names);
    if (near)
        diag_error(e->c->d, x->span, "unknown name '%s' in stop expression (did you mean '%s'?)", x->text, near);
    else
        diag_error(e->c->d, x->span,
                   "unknown name '%s' in stop expression (known: step, rate, loss, raw_loss, best)", x->text);
    return T_ERROR;
}

static ty compile_binary(emitter *e, const ast_expr *x)
{
    static const rt_op ops[] = {
        [AST_OP_OR] = RT_OP_OR, [AST_OP_AND] = RT_OP_AND, [AST_OP_LT] = RT_OP_LT, [AST_OP_LE] = RT_OP_LE,
        [AST_OP_GT] = RT_OP_GT, [AST_OP_GE] = RT_OP_GE,   [AST_OP_EQ] = RT_OP_EQ, [AST_OP_NE] = RT_OP_NE,
        [AST_OP_ADD] = RT_OP_ADD, [AST_OP_SUB] = RT_OP_SUB, [AST_OP_MUL] = RT_OP_MUL, [AST_OP_DIV] = RT_OP_DIV,
    };
    int logical = x->op == AST_OP_OR || x->op == AST_OP_AND;
    int compare = x->op >= AST_OP_LT && x->op <= AST_OP_NE;
    ty operand = logical ? T_BOOL : T_NUM;
    char ctx[64];
    snprintf(ctx, sizeof ctx, "'%s'", ast_op_spelling(x->op));
    ty a = expect(e, x->a, operand, ctx);
    ty b = expect(e, x->b, operand, ctx);
    if (a == T_ERROR || b == T_ERROR)
        return T_ERROR;
    emit(e, ops[x->op], 0, 0);
    return logical || compare ? T_BOOL : T_NUM;
}

static ty compile(emitter *e, const ast_expr *x)
{
    switch (x->kind) {
    case AST_NUM:
        emit(e, RT_OP_NUM, 0, x->num);
        return T_NUM;
    case AST_IDENT:
        return compile_ident(e, x);
    case AST_CALL:
        return compile_call(e, x);
    case AST_UNARY:
        if (x->op == AST_OP_NOT) {
            if (expect(e, x->a, T_BOOL, "'not'") == T_ERROR)
                return T_ERROR;
            emit(e, RT_OP_NOT, 0, 0);
            return T_BOOL;
        }
        if (expect(e, x->a, T_NUM, "'-'") == T_ERROR)
            return T_ERROR;
        emit(e, RT_OP_NEG, 0, 0);
        return T_NUM;
    case AST_BINARY:
        return compile_binary(e, x);
    default:
        diag_error(e->c->d, x->span, "a stop expression takes numbers, names and operators only");
        return T_ERROR;
    }
}

/* The clause's source text, whitespace runs folded, for the report. */
static void clause_text(sema_ctx *c, const ast_expr *x, char *buf, size_t len)
{
    const src_file *f = c->ls->srcs.files[x->span.file];
    size_t n = 0;
    int space = 0;
    for (uint32_t i = x->span.begin; i < x->span.end && n + 4 < len; i++) {
        char ch = f->text[i];
        if (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r') {
            space = 1;
            continue;
        }
        if (space && n > 0)
            buf[n++] = ' ';
        space = 0;
        buf[n++] = ch;
    }
    if (x->span.end - x->span.begin >= len - 4)
        n += (size_t)snprintf(buf + n, len - n, "...");
    buf[n] = '\0';
}

static int add_clause(sema_ctx *c, const ast_expr *x, rt_stop *out)
{
    if (x->kind == AST_BINARY && x->op == AST_OP_OR)
        return add_clause(c, x->a, out) + add_clause(c, x->b, out);
    if (out->n >= RT_STOP_MAX_CLAUSES) {
        diag_error(c->d, x->span, "a stop expression may have at most %d clauses joined by 'or'",
                   RT_STOP_MAX_CLAUSES);
        return 1;
    }
    rt_stop_clause *cl = &out->clause[out->n++];
    emitter e = {c, cl, 0};
    int before = diag_errors(c->d);
    if (expect(&e, x, T_BOOL, "a stop clause") == T_ERROR && diag_errors(c->d) == before)
        diag_error(c->d, x->span, "a stop clause must be a condition");
    if (e.overflow)
        diag_error(c->d, x->span, "this stop clause is too long (at most %d operations)", RT_STOP_MAX_INSNS);
    clause_text(c, x, cl->text, sizeof cl->text);
    return diag_errors(c->d) - before;
}

int sema_stop(sema_ctx *c, const ast_stmt *stop, rt_stop *out)
{
    memset(out, 0, sizeof *out);
    int errors = add_clause(c, stop->cond, out);
    sema_record(c, "stop", 0, "%.*s", (int)(stop->cond->span.end - stop->cond->span.begin),
                c->ls->srcs.files[stop->cond->span.file]->text + stop->cond->span.begin);
    return errors;
}

void sema_default_stop(rt_stop *out)
{
    memset(out, 0, sizeof *out);
    out->n = 1;
    snprintf(out->clause[0].text, sizeof out->clause[0].text, "diverges(4)");
    emitter e = {NULL, &out->clause[0], 0};
    emit_diverges(&e, 4);
}
