/* sema_get.c — typed, range-checked access to the settings of a resolved
 * block. Each getter reports a located error when the value has the wrong
 * type or lies out of range, records the resolved value (default or given)
 * for the report, and returns it. */
#include "sema_internal.h"

#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const ast_stmt *sema_find(const sema_block *b, const char *key)
{
    for (int i = b->settings.n - 1; i >= 0; i--) {
        const ast_stmt *s = b->settings.items[i];
        if (strcmp(s->key, key) == 0)
            return s;
    }
    return NULL;
}

void sema_record(sema_ctx *c, const char *key, int is_number, const char *fmt, ...)
{
    va_list ap;
    char buf[512];
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    rt_setting *s = arena_alloc(c->a, sizeof *s);
    s->key = c->prefix ? arena_printf(c->a, "%s.%s", c->prefix, key) : arena_strdup(c->a, key);
    s->value = arena_strdup(c->a, buf);
    s->is_number = is_number;
    ptrvec_push(c->a, &c->settings, s);
}

int sema_arity(sema_ctx *c, const ast_stmt *s, int n, const char *what)
{
    if (s->base) {
        diag_error(c->d, s->base->span, "'%s' takes %s, not '='", s->key, what);
        return 0;
    }
    if (s->has_body) {
        diag_error(c->d, s->span, "'%s' takes %s, not a block", s->key, what);
        return 0;
    }
    if (s->nargs != n) {
        src_span at = s->nargs > n ? s->args[n]->span : s->key_span;
        diag_error(c->d, at, s->nargs > n ? "'%s' takes %s; this is one value too many"
                                          : "'%s' needs %s", s->key, what);
        return 0;
    }
    return 1;
}

static int describe(const ast_expr *e, char *buf, size_t len)
{
    switch (e->kind) {
    case AST_NUM: return snprintf(buf, len, "the number %s", e->text);
    case AST_STR: return snprintf(buf, len, "the string \"%s\"", e->text);
    case AST_IDENT: return snprintf(buf, len, "'%s'", e->text);
    case AST_LIST: return snprintf(buf, len, "a list");
    case AST_CALL: return snprintf(buf, len, "a call to %s()", e->text);
    default: return snprintf(buf, len, "an expression");
    }
}

static void wrong_type(sema_ctx *c, const ast_stmt *s, const char *expected)
{
    char got[300];
    describe(s->args[0], got, sizeof got);
    diag_error(c->d, s->args[0]->span, "'%s' takes %s, found %s", s->key, expected, got);
}

int64_t sema_int(sema_ctx *c, const sema_block *b, const char *key, int64_t dflt, int64_t lo, int64_t hi)
{
    const ast_stmt *s = sema_find(b, key);
    int64_t v = dflt;
    if (s && sema_arity(c, s, 1, "a whole number")) {
        const ast_expr *e = s->args[0];
        if (e->kind != AST_NUM || !e->is_int)
            wrong_type(c, s, "a whole number");
        else if (e->num < (double)lo || e->num > (double)hi)
            hi == INT64_MAX ? diag_error(c->d, e->span, "'%s' must be at least %lld, got %s", key, (long long)lo, e->text)
                            : diag_error(c->d, e->span, "'%s' must be between %lld and %lld, got %s", key,
                                         (long long)lo, (long long)hi, e->text);
        else
            v = (int64_t)e->num;
    }
    sema_record(c, key, 1, "%lld", (long long)v);
    return v;
}

static const char *bound_text(char *buf, size_t len, double lo, int lo_open, double hi, int hi_open)
{
    if (isinf(hi))
        snprintf(buf, len, "%s %g", lo_open ? ">" : ">=", lo);
    else if (isinf(lo))
        snprintf(buf, len, "%s %g", hi_open ? "<" : "<=", hi);
    else
        snprintf(buf, len, "in %c%g, %g%c", lo_open ? '(' : '[', lo, hi, hi_open ? ')' : ']');
    return buf;
}

double sema_real(sema_ctx *c, const sema_block *b, const char *key, double dflt, double lo,
                 int lo_open, double hi, int hi_open)
{
    const ast_stmt *s = sema_find(b, key);
    double v = dflt;
    if (s && sema_arity(c, s, 1, "a number")) {
        const ast_expr *e = s->args[0];
        char bounds[96];
        if (e->kind != AST_NUM)
            wrong_type(c, s, "a number");
        else if (!isfinite(e->num) || (lo_open ? e->num <= lo : e->num < lo) ||
                 (hi_open ? e->num >= hi : e->num > hi))
            diag_error(c->d, e->span, "'%s' must be %s, got %s", key,
                       bound_text(bounds, sizeof bounds, lo, lo_open, hi, hi_open), e->text);
        else
            v = e->num;
    }
    sema_record(c, key, 1, "%.17g", v);
    return v;
}

int sema_bool(sema_ctx *c, const sema_block *b, const char *key, int dflt)
{
    const ast_stmt *s = sema_find(b, key);
    int v = dflt;
    if (s && sema_arity(c, s, 1, "true or false")) {
        const ast_expr *e = s->args[0];
        if (e->kind == AST_IDENT && strcmp(e->text, "true") == 0)
            v = 1;
        else if (e->kind == AST_IDENT && strcmp(e->text, "false") == 0)
            v = 0;
        else
            wrong_type(c, s, "true or false");
    }
    sema_record(c, key, 1, "%s", v ? "true" : "false");
    return v;
}

static void list_choices(char *buf, size_t len, const char *const *choices)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; choices[i] && used < len; i++)
        used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? (choices[i + 1] ? ", " : " or ") : "",
                                 choices[i]);
}

int sema_choice(sema_ctx *c, const sema_block *b, const char *key, const char *const *choices, int dflt)
{
    const ast_stmt *s = sema_find(b, key);
    int v = dflt;
    if (s && sema_arity(c, s, 1, "a name")) {
        const ast_expr *e = s->args[0];
        char known[512];
        list_choices(known, sizeof known, choices);
        int found = -1;
        for (int i = 0; e->kind == AST_IDENT && choices[i]; i++)
            if (strcmp(choices[i], e->text) == 0)
                found = i;
        if (found >= 0)
            v = found;
        else if (e->kind != AST_IDENT)
            wrong_type(c, s, known);
        else {
            const char *near = sema_closest(e->text, choices);
            if (near)
                diag_error(c->d, e->span, "unknown %s '%s' (did you mean '%s'?)", key, e->text, near);
            else
                diag_error(c->d, e->span, "unknown %s '%s' (expected %s)", key, e->text, known);
        }
    }
    sema_record(c, key, 0, "%s", v >= 0 ? choices[v] : "");
    return v;
}

/* Edit distance counting a swap of neighbours as one edit (optimal string
 * alignment), bounded to short names. */
static int distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 63 || lb > 63)
        return INT_MAX;
    int d[64][64];
    for (size_t i = 0; i <= la; i++)
        d[i][0] = (int)i;
    for (size_t j = 0; j <= lb; j++)
        d[0][j] = (int)j;
    for (size_t i = 1; i <= la; i++)
        for (size_t j = 1; j <= lb; j++) {
            int best = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
            if (d[i - 1][j] + 1 < best)
                best = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < best)
                best = d[i][j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < best)
                best = d[i - 2][j - 2] + 1;
            d[i][j] = best;
        }
    return d[la][lb];
}

const char *sema_closest(const char *name, const char *const *known)
{
    const char *best = NULL;
    int best_d = INT_MAX;
    for (int i = 0; known[i]; i++) {
        int d = distance(name, known[i]);
        if (d < best_d) {
            best_d = d;
            best = known[i];
        }
    }
    int limit = strlen(name) <= 4 ? 1 : 2;
    return best_d <= limit ? best : NULL;
}
