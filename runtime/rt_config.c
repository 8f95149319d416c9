/* rt_config.c — writes and reads an experiment's runtime configuration as
 * versioned text (see rt_config.h for the format). The scalar fields are
 * one table of (key, type, offset); the stop programs, the suggestion
 * methods, the settings and the source files have their own lines. */
#include "rt_config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(sizeof(rt_src_kind) == sizeof(int), "enums are stored as int");
_Static_assert(sizeof(rt_sched_kind) == sizeof(int), "enums are stored as int");

/* ---- the scalar fields ------------------------------------------------------ */

typedef enum { F_STR, F_INT, F_I64, F_U64, F_DBL, F_SHA } field_type;

typedef struct field {
    const char *key;
    field_type type;
    size_t off;
    int64_t lo, hi;       /* F_INT / F_I64: accepted range */
} field;

#define OFF(m) offsetof(rt_config, m)
#define I64MAX INT64_MAX
static const field fields[] = {
    {"name", F_STR, OFF(x.name), 0, 0},
    {"params", F_I64, OFF(x.params), 0, I64MAX},
    {"init_from", F_STR, OFF(x.init_from), 0, 0},
    {"data.kind", F_INT, OFF(x.data.kind), RT_SRC_CSV, RT_SRC_MOONS},
    {"data.path", F_STR, OFF(x.data.path), 0, 0},
    {"data.labels", F_STR, OFF(x.data.labels), 0, 0},
    {"data.header", F_INT, OFF(x.data.header), 0, 1},
    {"data.label_col", F_I64, OFF(x.data.label_col), -1, I64MAX},
    {"data.targets", F_I64, OFF(x.data.targets), 0, I64MAX},
    {"data.one_hot", F_INT, OFF(x.data.one_hot), 0, 1},
    {"data.drop_nonfinite", F_INT, OFF(x.data.drop_nonfinite), 0, 1},
    {"data.split", F_DBL, OFF(x.data.split), 0, 0},
    {"data.samples", F_I64, OFF(x.data.samples), 0, I64MAX},
    {"data.classes", F_I64, OFF(x.data.classes), 0, I64MAX},
    {"data.features", F_I64, OFF(x.data.features), 0, I64MAX},
    {"data.noise", F_DBL, OFF(x.data.noise), 0, 0},
    {"data.limit", F_I64, OFF(x.data.limit), 0, I64MAX},
    {"data.scale", F_DBL, OFF(x.data.scale), 0, 0},
    {"data.standardize", F_INT, OFF(x.data.standardize), 0, 1},
    {"data.seed", F_U64, OFF(x.data.seed), 0, 0},
    {"sweep.schedule", F_INT, OFF(x.sweep.schedule.kind), RT_SCHED_EXP, RT_SCHED_LINEAR},
    {"sweep.start", F_DBL, OFF(x.sweep.schedule.start), 0, 0},
    {"sweep.decay_rate", F_DBL, OFF(x.sweep.schedule.decay_rate), 0, 0},
    {"sweep.decay_steps", F_DBL, OFF(x.sweep.schedule.decay_steps), 0, 0},
    {"sweep.staircase", F_INT, OFF(x.sweep.schedule.staircase), 0, 1},
    {"sweep.end", F_DBL, OFF(x.sweep.schedule.end), 0, 0},
    {"sweep.steps", F_I64, OFF(x.sweep.schedule.steps), 2, I64MAX},
    {"sweep.beta", F_DBL, OFF(x.sweep.beta), 0, 0},
    {"sweep.skip_begin", F_I64, OFF(x.sweep.skip_begin), 0, I64MAX},
    {"sweep.skip_end", F_I64, OFF(x.sweep.skip_end), 0, I64MAX},
    {"sweep.seed", F_U64, OFF(x.sweep.seed), 0, 0},
    {"sweep.shuffle", F_INT, OFF(x.sweep.shuffle), 0, 1},
    {"sweep.seeds", F_I64, OFF(x.sweep.seeds), 0, I64MAX},
    {"sweep.validation", F_INT, OFF(x.sweep.validation), 0, 1},
    {"sweep.validation_batches", F_I64, OFF(x.sweep.validation_batches), 0, I64MAX},
    {"sweep.grid_steps", F_I64, OFF(x.sweep.grid_steps), 0, I64MAX},
    {"model.mem_floats", F_I64, OFF(shape.mem_floats), 1, I64MAX},
    {"model.param_floats", F_I64, OFF(shape.param_floats), 0, I64MAX},
    {"model.batch", F_I64, OFF(shape.batch), 1, I64MAX},
    {"model.x_floats", F_I64, OFF(shape.x_floats), 1, I64MAX},
    {"model.y_floats", F_I64, OFF(shape.y_floats), 1, I64MAX},
    {"model.classes", F_I64, OFF(classes), 0, I64MAX},
    {"prov.source_path", F_STR, OFF(prov.source_path), 0, 0},
    {"prov.source_sha256", F_SHA, OFF(prov.source_sha256), 0, 0},
    {"prov.overrides", F_STR, OFF(prov.overrides), 0, 0},
    {"prov.lrc_version", F_STR, OFF(prov.lrc_version), 0, 0},
    {"prov.llvm_version", F_STR, OFF(prov.llvm_version), 0, 0},
    {"prov.target_cpu", F_STR, OFF(prov.host_cpu), 0, 0},
    {"prov.target_features", F_STR, OFF(prov.target_features), 0, 0},
    {"prov.portable", F_INT, OFF(portable), 0, 1},
    {"prov.cpu_check", F_STR, OFF(cpu_check), 0, 0},
};
#define NFIELDS (sizeof fields / sizeof fields[0])
/* Keys that must be present for a configuration to be usable. */
static const char *const required[] = {"name", "data.kind", "sweep.schedule", "sweep.start", "sweep.steps",
                                       "model.mem_floats", "model.batch", "model.x_floats", "model.y_floats"};

/* ---- writing ------------------------------------------------------------------ */

static void put_escaped(rt_buf *b, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '\\': rt_buf_printf(b, "\\\\"); break;
        case '\n': rt_buf_printf(b, "\\n"); break;
        case '\t': rt_buf_printf(b, "\\t"); break;
        case '\r': rt_buf_printf(b, "\\r"); break;
        default:
            if (*p < 0x20 || *p == 0x7f)
                rt_buf_printf(b, "\\x%02x", *p);
            else
                rt_buf_printf(b, "%c", *p);
        }
    }
}

static void write_field(rt_buf *b, const rt_config *c, const field *f)
{
    const char *base = (const char *)c + f->off;
    switch (f->type) {
    case F_STR: {
        const char *s = *(const char *const *)base;
        if (!s)
            return; /* absent: read back as NULL */
        rt_buf_printf(b, "%s ", f->key);
        put_escaped(b, s);
        rt_buf_printf(b, "\n");
        return;
    }
    case F_SHA: rt_buf_printf(b, "%s %.64s\n", f->key, base); return;
    case F_INT: rt_buf_printf(b, "%s %d\n", f->key, *(const int *)base); return;
    case F_I64: rt_buf_printf(b, "%s %lld\n", f->key, (long long)*(const int64_t *)base); return;
    case F_U64: rt_buf_printf(b, "%s %llu\n", f->key, (unsigned long long)*(const uint64_t *)base); return;
    case F_DBL: rt_buf_printf(b, "%s %.17g\n", f->key, *(const double *)base); return;
    }
}

int rt_config_write(const rt_config *c, rt_buf *b, rt_err *err)
{
    const rt_sweep *sw = &c->x.sweep;
    if (sw->stop.n < 0 || sw->stop.n > RT_STOP_MAX_CLAUSES || sw->nmethods < 0 || sw->nmethods > RT_SUG_COUNT ||
        c->x.nsettings < 0)
        return rt_errf(err, RT_FAILED, "configuration out of range (stop clauses, methods or settings)");
    rt_buf_printf(b, "lrc-config %d\n", RT_CONFIG_VERSION);
    for (size_t i = 0; i < NFIELDS; i++)
        write_field(b, c, &fields[i]);
    rt_buf_printf(b, "sweep.methods");
    for (int i = 0; i < sw->nmethods; i++)
        rt_buf_printf(b, " %d", (int)sw->methods[i]);
    rt_buf_printf(b, "\n");
    if (c->x.data.nlabel_cols < 0 || c->x.data.nlabel_cols > RT_MAX_LABEL_COLS || sw->ngrid < 0 ||
        sw->ngrid > RT_GRID_MAX)
        return rt_errf(err, RT_FAILED, "configuration out of range (label columns or grid rates)");
    rt_buf_printf(b, "data.label_cols");
    for (int i = 0; i < c->x.data.nlabel_cols; i++)
        rt_buf_printf(b, " %lld", (long long)c->x.data.label_cols[i]);
    rt_buf_printf(b, "\nsweep.grid_rates");
    for (int i = 0; i < sw->ngrid; i++)
        rt_buf_printf(b, " %.17g", sw->grid_rates[i]);
    rt_buf_printf(b, "\n");
    for (int i = 0; i < sw->stop.n; i++) {
        const rt_stop_clause *cl = &sw->stop.clause[i];
        if (cl->n < 0 || cl->n > RT_STOP_MAX_INSNS)
            return rt_errf(err, RT_FAILED, "stop clause %d has %d instructions", i + 1, cl->n);
        rt_buf_printf(b, "stop.clause ");
        put_escaped(b, cl->text);
        rt_buf_printf(b, "\n");
        for (int k = 0; k < cl->n; k++)
            rt_buf_printf(b, "stop.insn %d %d %.17g\n", (int)cl->code[k].op, (int)cl->code[k].var, cl->code[k].num);
    }
    for (int i = 0; i < c->x.ntensors && c->x.tensors; i++) {
        const rt_tensor *t = &c->x.tensors[i];
        if (t->rank < 1 || t->rank > RT_TENSOR_MAX_RANK)
            return rt_errf(err, RT_FAILED, "tensor %d has rank %d", i, t->rank);
        rt_buf_printf(b, "tensor %d %lld %d", t->rank, (long long)t->offset, t->permuted ? 1 : 0);
        for (int k = 0; k < t->rank; k++)
            rt_buf_printf(b, " %lld %d", (long long)t->shape[k], t->perm[k]);
        rt_buf_printf(b, "\t");
        put_escaped(b, t->name ? t->name : "");
        rt_buf_printf(b, "\n");
    }
    for (int i = 0; i < c->x.nsettings; i++) {
        const rt_setting *s = &c->x.settings[i];
        rt_buf_printf(b, "setting %d ", s->is_number ? 1 : 0);
        put_escaped(b, s->key ? s->key : "");
        rt_buf_printf(b, "\t");
        put_escaped(b, s->value ? s->value : "");
        rt_buf_printf(b, "\n");
    }
    for (int i = 0; i < c->nsources && c->sources; i++) {
        const rt_source *src = &c->sources[i];
        if (!src->path || !src->text || strlen(src->text) != src->len)
            return rt_errf(err, RT_FAILED, "source file %d has no path or contains a NUL byte", i + 1);
        rt_buf_printf(b, "source ");
        put_escaped(b, src->path);
        rt_buf_printf(b, "\t");
        put_escaped(b, src->text);
        rt_buf_printf(b, "\n");
    }
    rt_buf_printf(b, "end\n");
    if (b->oom)
        return rt_errf(err, RT_FAILED, "out of memory writing the configuration");
    return 0;
}

/* ---- reading ------------------------------------------------------------------ */

typedef struct reader {
    rt_config *c;
    rt_err *err;
    int line;
    int nsettings, capsettings;
    int ntensors, captensors;
    int nsources, capsources;
} reader;

static int bad(reader *r, const char *what, const char *key)
{
    return rt_errf(r->err, RT_BAD_INPUT, "embedded configuration, line %d: %s%s%s", r->line, what,
                   key ? " " : "", key ? key : "");
}

static int hexval(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    return -1;
}

/* Unescapes s in place (the result is never longer). Returns 0 or -1. */
static int unescape(char *s)
{
    char *w = s;
    for (char *p = s; *p; p++) {
        if (*p != '\\') {
            *w++ = *p;
            continue;
        }
        p++;
        switch (*p) {
        case '\\': *w++ = '\\'; break;
        case 'n': *w++ = '\n'; break;
        case 't': *w++ = '\t'; break;
        case 'r': *w++ = '\r'; break;
        case 'x': {
            int hi = hexval(p[1]), lo = hi < 0 ? -1 : hexval(p[2]);
            if (lo < 0 || (hi == 0 && lo == 0))
                return -1;
            *w++ = (char)(hi * 16 + lo);
            p += 2;
            break;
        }
        default: return -1;
        }
    }
    *w = '\0';
    return 0;
}

static int parse_i64(const char *s, int64_t lo, int64_t hi, int64_t *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

static int parse_field(reader *r, const field *f, char *val)
{
    char *base = (char *)r->c + f->off;
    char *end;
    int64_t v;
    switch (f->type) {
    case F_STR:
        if (unescape(val))
            return bad(r, "bad escape in", f->key);
        *(const char **)base = val;
        return 0;
    case F_SHA:
        if (strlen(val) != 64 || strspn(val, "0123456789abcdef") != 64)
            return bad(r, "not a SHA-256:", f->key);
        memcpy(base, val, 65);
        return 0;
    case F_INT:
    case F_I64:
        if (parse_i64(val, f->lo, f->hi, &v))
            return bad(r, "bad or out-of-range number for", f->key);
        if (f->type == F_INT)
            *(int *)base = (int)v;
        else
            *(int64_t *)base = v;
        return 0;
    case F_U64:
        errno = 0;
        if (val[0] == '-')
            return bad(r, "bad number for", f->key);
        *(uint64_t *)base = strtoull(val, &end, 10);
        if (errno || end == val || *end)
            return bad(r, "bad number for", f->key);
        return 0;
    case F_DBL:
        *(double *)base = strtod(val, &end);
        if (end == val || *end)
            return bad(r, "bad number for", f->key);
        return 0;
    }
    return bad(r, "internal: unknown field type for", f->key);
}

static int parse_methods(reader *r, char *val)
{
    rt_sweep *sw = &r->c->x.sweep;
    sw->nmethods = 0;
    char *sv = NULL;
    for (char *tok = strtok_r(val, " ", &sv); tok; tok = strtok_r(NULL, " ", &sv)) {
        int64_t m;
        if (sw->nmethods == RT_SUG_COUNT || parse_i64(tok, 0, RT_SUG_COUNT - 1, &m))
            return bad(r, "bad suggestion method list", NULL);
        sw->methods[sw->nmethods++] = (rt_method)m;
    }
    return 0;
}

static int parse_label_cols(reader *r, char *val)
{
    rt_data_spec *d = &r->c->x.data;
    d->nlabel_cols = 0;
    char *sv = NULL;
    for (char *tok = strtok_r(val, " ", &sv); tok; tok = strtok_r(NULL, " ", &sv)) {
        int64_t col;
        if (d->nlabel_cols == RT_MAX_LABEL_COLS || parse_i64(tok, 0, INT64_MAX, &col))
            return bad(r, "bad label column list", NULL);
        d->label_cols[d->nlabel_cols++] = col;
    }
    return 0;
}

static int parse_grid(reader *r, char *val)
{
    rt_sweep *sw = &r->c->x.sweep;
    sw->ngrid = 0;
    char *sv = NULL;
    for (char *tok = strtok_r(val, " ", &sv); tok; tok = strtok_r(NULL, " ", &sv)) {
        char *end;
        double v = strtod(tok, &end);
        if (sw->ngrid == RT_GRID_MAX || *end)
            return bad(r, "bad grid rate list", NULL);
        sw->grid_rates[sw->ngrid++] = v;
    }
    return 0;
}

static int parse_insn(reader *r, char *val)
{
    rt_stop *st = &r->c->x.sweep.stop;
    if (st->n == 0)
        return bad(r, "stop.insn before any stop.clause", NULL);
    rt_stop_clause *cl = &st->clause[st->n - 1];
    int op, var, used = 0;
    double num;
    if (sscanf(val, "%d %d %lf%n", &op, &var, &num, &used) != 3 || val[used] != '\0')
        return bad(r, "bad stop instruction", NULL);
    if (op < RT_OP_NUM || op > RT_OP_OR || var < 0 || var >= RT_VAR_COUNT || cl->n == RT_STOP_MAX_INSNS)
        return bad(r, "stop instruction out of range", NULL);
    cl->code[cl->n++] = (rt_insn){.op = (rt_op)op, .var = (rt_var)var, .num = num};
    return 0;
}

/* tensor RANK OFFSET PERMUTED (SHAPE PERM)...\tNAME */
static int parse_tensor(reader *r, char *val)
{
    char *tab = strchr(val, '\t');
    if (!tab)
        return bad(r, "bad tensor", NULL);
    *tab = '\0';
    rt_tensor t = {0};
    int used = 0, permuted = 0;
    long long offset;
    const char *p = val;
    if (sscanf(p, "%d %lld %d%n", &t.rank, &offset, &permuted, &used) != 3 || t.rank < 1 ||
        t.rank > RT_TENSOR_MAX_RANK || offset < 0 || (permuted != 0 && permuted != 1))
        return bad(r, "bad tensor", NULL);
    t.offset = offset;
    t.permuted = permuted;
    for (int k = 0; k < t.rank; k++) {
        long long dim;
        int perm, n = 0;
        p += used;
        if (sscanf(p, " %lld %d%n", &dim, &perm, &n) != 2 || dim < 0 || perm < 0 || perm >= t.rank)
            return bad(r, "bad tensor shape", NULL);
        t.shape[k] = dim;
        t.perm[k] = perm;
        used = n;
    }
    if (p[used] != '\0' || unescape(tab + 1))
        return bad(r, "bad tensor", NULL);
    t.name = tab + 1;
    if (r->ntensors == r->captensors) {
        int cap = r->captensors ? 2 * r->captensors : 16;
        rt_tensor *a = realloc(r->c->tensors_, (size_t)cap * sizeof *a);
        if (!a)
            return rt_errf(r->err, RT_FAILED, "out of memory reading the configuration");
        r->c->tensors_ = a;
        r->captensors = cap;
    }
    r->c->tensors_[r->ntensors++] = t;
    return 0;
}

static int parse_setting(reader *r, char *val)
{
    char *tab = strchr(val, '\t');
    if ((val[0] != '0' && val[0] != '1') || val[1] != ' ' || !tab)
        return bad(r, "bad setting", NULL);
    *tab = '\0';
    char *key = val + 2, *value = tab + 1;
    if (unescape(key) || unescape(value))
        return bad(r, "bad escape in a setting", NULL);
    if (r->nsettings == r->capsettings) {
        int cap = r->capsettings ? 2 * r->capsettings : 32;
        rt_setting *s = realloc(r->c->settings_, (size_t)cap * sizeof *s);
        if (!s)
            return rt_errf(r->err, RT_FAILED, "out of memory reading the configuration");
        r->c->settings_ = s;
        r->capsettings = cap;
    }
    r->c->settings_[r->nsettings++] = (rt_setting){key, value, val[0] == '1'};
    return 0;
}

/* source PATH\tTEXT */
static int parse_source(reader *r, char *val)
{
    char *tab = strchr(val, '\t');
    if (!tab)
        return bad(r, "bad source", NULL);
    *tab = '\0';
    char *text = tab + 1;
    if (!val[0] || unescape(val) || unescape(text))
        return bad(r, "bad source", NULL);
    if (r->nsources == r->capsources) {
        int cap = r->capsources ? 2 * r->capsources : 8;
        rt_source *a = realloc(r->c->sources_, (size_t)cap * sizeof *a);
        if (!a)
            return rt_errf(r->err, RT_FAILED, "out of memory reading the configuration");
        r->c->sources_ = a;
        r->capsources = cap;
    }
    r->c->sources_[r->nsources++] = (rt_source){val, text, strlen(text)};
    return 0;
}

static int parse_line(reader *r, char *line, unsigned char *seen)
{
    char *sp = strchr(line, ' ');
    char *val = sp ? sp + 1 : line + strlen(line);
    if (sp)
        *sp = '\0';
    if (!strcmp(line, "sweep.methods"))
        return parse_methods(r, val);
    if (!strcmp(line, "data.label_cols"))
        return parse_label_cols(r, val);
    if (!strcmp(line, "sweep.grid_rates"))
        return parse_grid(r, val);
    if (!strcmp(line, "stop.clause")) {
        rt_stop *st = &r->c->x.sweep.stop;
        if (st->n == RT_STOP_MAX_CLAUSES || unescape(val) || strlen(val) >= sizeof st->clause[0].text)
            return bad(r, "bad stop clause", NULL);
        strcpy(st->clause[st->n++].text, val);
        return 0;
    }
    if (!strcmp(line, "stop.insn"))
        return parse_insn(r, val);
    if (!strcmp(line, "setting"))
        return parse_setting(r, val);
    if (!strcmp(line, "tensor"))
        return parse_tensor(r, val);
    if (!strcmp(line, "source"))
        return parse_source(r, val);
    for (size_t i = 0; i < NFIELDS; i++)
        if (!strcmp(line, fields[i].key)) {
            if (seen[i])
                return bad(r, "repeated key", line);
            seen[i] = 1;
            return parse_field(r, &fields[i], val);
        }
    return bad(r, "unknown key", line);
}

int rt_config_read(const char *text, size_t len, rt_config *c, rt_err *err)
{
    memset(c, 0, sizeof *c);
    c->x.data.scale = 1;
    c->text_ = malloc(len + 1);
    if (!c->text_)
        return rt_errf(err, RT_FAILED, "out of memory reading the configuration");
    memcpy(c->text_, text, len);
    c->text_[len] = '\0';
    if (memchr(text, '\0', len))
        return rt_errf(err, RT_BAD_INPUT, "embedded configuration: contains a NUL byte");
    reader r = {.c = c, .err = err};
    unsigned char seen[NFIELDS] = {0};
    int ended = 0;
    char *save = NULL;
    for (char *line = strtok_r(c->text_, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        r.line++;
        if (ended)
            return bad(&r, "text after 'end'", NULL);
        if (r.line == 1) {
            int v = 0, used = 0;
            if (sscanf(line, "lrc-config %d%n", &v, &used) != 1 || line[used])
                return bad(&r, "not an lrc configuration", NULL);
            if (v != RT_CONFIG_VERSION)
                return rt_errf(err, RT_BAD_INPUT, "embedded configuration has version %d; this runtime reads %d",
                               v, RT_CONFIG_VERSION);
            continue;
        }
        if (!strcmp(line, "end")) {
            ended = 1;
            continue;
        }
        int rc = parse_line(&r, line, seen);
        if (rc)
            return rc;
    }
    if (!ended)
        return rt_errf(err, RT_BAD_INPUT, "embedded configuration is truncated (no 'end' line)");
    for (size_t k = 0; k < sizeof required / sizeof required[0]; k++)
        for (size_t i = 0; i < NFIELDS; i++)
            if (!strcmp(fields[i].key, required[k]) && !seen[i])
                return rt_errf(err, RT_BAD_INPUT, "embedded configuration lacks '%s'", required[k]);
    c->x.settings = c->settings_;
    c->x.nsettings = r.nsettings;
    c->x.tensors = c->tensors_;
    c->x.ntensors = r.ntensors;
    c->sources = c->sources_;
    c->nsources = r.nsources;
    return 0;
}

void rt_config_free(rt_config *c)
{
    free(c->text_);
    free(c->settings_);
    free(c->tensors_);
    free(c->sources_);
    c->tensors_ = NULL;
    c->sources_ = NULL;
    c->text_ = NULL;
    c->settings_ = NULL;
}

rt_setting *rt_config_setting(rt_config *c, const char *key)
{
    for (int i = 0; i < c->x.nsettings && c->settings_; i++)
        if (!strcmp(c->settings_[i].key, key))
            return &c->settings_[i];
    return NULL;
}
