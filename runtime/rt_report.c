/* rt_report.c — the files a run leaves behind: the byte buffer the writers
 * fill, atomic writing (temp file, fsync, rename), curve.csv and
 * report.json (RFC 8259; non-finite numbers become null). */
#include "rt_report.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef LRC_VERSION
#define LRC_VERSION "unknown"
#endif

/* ---- rt_buf -------------------------------------------------------------- */

static int buf_reserve(rt_buf *b, size_t extra)
{
    if (b->oom)
        return 0;
    if (b->len + extra + 1 <= b->cap)
        return 1;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra + 1)
        cap *= 2;
    char *p = realloc(b->data, cap);
    if (!p) {
        b->oom = 1;
        return 0;
    }
    b->data = p;
    b->cap = cap;
    return 1;
}

void rt_buf_printf(rt_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || !buf_reserve(b, (size_t)n))
        return;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

static void buf_putc(rt_buf *b, char c)
{
    if (!buf_reserve(b, 1))
        return;
    b->data[b->len++] = c;
    b->data[b->len] = '\0';
}

void rt_buf_json_string(rt_buf *b, const char *s)
{
    buf_putc(b, '"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"':  rt_buf_printf(b, "\\\""); break;
        case '\\': rt_buf_printf(b, "\\\\"); break;
        case '\b': rt_buf_printf(b, "\\b"); break;
        case '\f': rt_buf_printf(b, "\\f"); break;
        case '\n': rt_buf_printf(b, "\\n"); break;
        case '\r': rt_buf_printf(b, "\\r"); break;
        case '\t': rt_buf_printf(b, "\\t"); break;
        default:
            if (*p < 0x20 || *p == 0x7f)
                rt_buf_printf(b, "\\u%04x", *p);
            else
                buf_putc(b, (char)*p);
        }
    }
    buf_putc(b, '"');
}

void rt_buf_free(rt_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
    b->oom = 0;
}

/* ---- atomic write -------------------------------------------------------- */

static int write_all(int fd, const char *p, size_t len)
{
    while (len > 0) {
        ssize_t w = write(fd, p, len);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

int rt_write_atomic(const char *path, const void *data, size_t len, rt_err *err)
{
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid()) >= (int)sizeof tmp)
        return rt_errf(err, RT_FAILED, "%s: %s", path, strerror(ENAMETOOLONG));
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
        return rt_errf(err, RT_FAILED, "%s: %s", path, strerror(errno));
    int failed = write_all(fd, data, len) != 0 || fsync(fd) != 0;
    int saved = errno;
    if (close(fd) != 0 && !failed) {
        failed = 1;
        saved = errno;
    }
    if (!failed && rename(tmp, path) != 0) {
        failed = 1;
        saved = errno;
    }
    if (failed) {
        unlink(tmp);
        return rt_errf(err, RT_FAILED, "%s: %s", path, strerror(saved));
    }
    return RT_OK;
}

static int write_buf(const char *path, rt_buf *b, rt_err *err)
{
    int rc = b->oom ? rt_errf(err, RT_FAILED, "%s: out of memory", path)
                    : rt_write_atomic(path, b->data ? b->data : "", b->len, err);
    rt_buf_free(b);
    return rc;
}

/* ---- curve.csv ----------------------------------------------------------- */

void rt_buf_csv_number(rt_buf *b, double v)
{
    if (isnan(v))
        rt_buf_printf(b, "nan");
    else if (isinf(v))
        rt_buf_printf(b, v > 0 ? "inf" : "-inf");
    else
        rt_buf_printf(b, "%.9g", v);
}

int rt_write_curve_csv(const char *path, const rt_result *r, rt_err *err)
{
    rt_buf b = {0};
    rt_buf_printf(&b, "step,rate,loss,smoothed\n");
    for (int64_t i = 0; i < r->n; i++) {
        const rt_point *p = &r->pts[i];
        rt_buf_printf(&b, "%lld,", (long long)p->step);
        rt_buf_csv_number(&b, p->rate);
        buf_putc(&b, ',');
        rt_buf_csv_number(&b, p->loss);
        buf_putc(&b, ',');
        rt_buf_csv_number(&b, p->smooth);
        buf_putc(&b, '\n');
    }
    return write_buf(path, &b, err);
}

/* ---- report.json --------------------------------------------------------- */

/* A finite double in the shortest %g form that reads back exactly; null
 * otherwise (JSON has no NaN or Infinity). */
static void json_number(rt_buf *b, double v)
{
    if (!isfinite(v)) {
        rt_buf_printf(b, "null");
        return;
    }
    char s[40];
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(s, sizeof s, "%.*g", prec, v);
        if (strtod(s, NULL) == v)
            break;
    }
    rt_buf_printf(b, "%s", s);
}

static void json_string_or_null(rt_buf *b, const char *s)
{
    if (s)
        rt_buf_json_string(b, s);
    else
        rt_buf_printf(b, "null");
}

/* `"key": ` at the given indent, preceded by a comma unless first. */
static void json_key(rt_buf *b, int indent, int first, const char *key)
{
    rt_buf_printf(b, "%s\n%*s", first ? "" : ",", indent, "");
    rt_buf_json_string(b, key);
    rt_buf_printf(b, ": ");
}

/* A setting marked as a JSON literal is written unquoted when it is `true`,
 * `false` or reads back as a finite number (normalised, e.g. ".5" -> 0.5);
 * anything else stays a string so the JSON stays valid. */
static void json_setting(rt_buf *b, const rt_setting *s)
{
    if (s->is_number && s->value &&
        (strcmp(s->value, "true") == 0 || strcmp(s->value, "false") == 0)) {
        rt_buf_printf(b, "%s", s->value);
        return;
    }
    char *end;
    double v = s->is_number && s->value ? strtod(s->value, &end) : NAN;
    if (isfinite(v) && *end == '\0' && end != s->value)
        json_number(b, v);
    else
        json_string_or_null(b, s->value);
}

static void json_suggestion(rt_buf *b, const rt_result *r, const rt_suggestion *s, int first)
{
    json_key(b, 4, first, rt_method_name(s->method));
    rt_buf_printf(b, "{");
    if (!s->ok) {
        json_key(b, 6, 1, "rate");
        rt_buf_printf(b, "null");
        json_key(b, 6, 0, "note");
        rt_buf_json_string(b, s->note);
        rt_buf_printf(b, "\n    }");
        return;
    }
    json_key(b, 6, 1, "rate");
    json_number(b, s->rate);
    json_key(b, 6, 0, "loss");
    json_number(b, s->loss);
    json_key(b, 6, 0, "step");
    rt_buf_printf(b, "%lld", (long long)(s->index < r->n ? r->pts[s->index].step : s->index));
    if (s->method == RT_SUG_CLR) {
        json_key(b, 6, 0, "base_rate");
        json_number(b, s->base_rate);
        json_key(b, 6, 0, "max_rate");
        json_number(b, s->rate);
    }
    if (s->note[0]) {
        json_key(b, 6, 0, "note");
        rt_buf_json_string(b, s->note);
    }
    rt_buf_printf(b, "\n    }");
}

static void json_suggestions(rt_buf *b, const rt_result *r)
{
    json_key(b, 2, 0, "suggestions");
    rt_buf_printf(b, "{");
    for (int i = 0; i < r->nsug; i++)
        json_suggestion(b, r, &r->sug[i], i == 0);
    rt_buf_printf(b, "%s}", r->nsug ? "\n  " : "");
}

static void json_settings(rt_buf *b, const rt_report *rep)
{
    json_key(b, 2, 0, "settings");
    rt_buf_printf(b, "{");
    for (int i = 0; i < rep->nsettings; i++) {
        json_key(b, 4, i == 0, rep->settings[i].key);
        json_setting(b, &rep->settings[i]);
    }
    rt_buf_printf(b, "%s}", rep->nsettings ? "\n  " : "");
}

static void json_provenance(rt_buf *b, const rt_report *rep)
{
    const rt_provenance *p = rep->prov;
    json_key(b, 2, 0, "provenance");
    if (!p) {
        rt_buf_printf(b, "null");
        return;
    }
    rt_buf_printf(b, "{");
    json_key(b, 4, 1, "source");
    json_string_or_null(b, p->source_path);
    json_key(b, 4, 0, "sha256");
    rt_buf_json_string(b, p->source_sha256);
    json_key(b, 4, 0, "overrides");
    json_string_or_null(b, p->overrides);
    json_key(b, 4, 0, "llvm_version");
    json_string_or_null(b, p->llvm_version);
    json_key(b, 4, 0, "host_cpu");
    json_string_or_null(b, p->host_cpu);
    json_key(b, 4, 0, "target_features");
    json_string_or_null(b, p->target_features);
    json_key(b, 4, 0, "compile_seconds");
    json_number(b, p->compile_seconds);
    json_key(b, 4, 0, "compile_cache");
    json_string_or_null(b, p->compile_cache);
    json_key(b, 4, 0, "run_seconds");
    json_number(b, p->run_seconds);
    json_key(b, 4, 0, "started_at");
    rt_buf_json_string(b, p->started_at);
    json_key(b, 4, 0, "seed");
    rt_buf_printf(b, "%llu", (unsigned long long)(rep->result ? rep->result->seed : 0));
    rt_buf_printf(b, "\n  }");
}

static void json_stop(rt_buf *b, const rt_result *r)
{
    json_key(b, 2, 0, "stop");
    rt_buf_printf(b, "{");
    json_key(b, 4, 1, "reason");
    rt_buf_json_string(b, rt_end_name(r->end));
    json_key(b, 4, 0, "detail");
    rt_buf_json_string(b, r->end_text);
    json_key(b, 4, 0, "step");
    if (r->n > 0)
        rt_buf_printf(b, "%lld", (long long)r->pts[r->n - 1].step);
    else
        rt_buf_printf(b, "null");
    rt_buf_printf(b, "\n  }");
    json_key(b, 2, 0, "steps");
    rt_buf_printf(b, "%lld", (long long)r->n);
}

int rt_write_report_json(const char *path, const rt_report *rep, rt_err *err)
{
    rt_buf b = {0};
    const rt_result *r = rep->result;
    rt_buf_printf(&b, "{");
    json_key(&b, 2, 1, "lrc_version");
    rt_buf_json_string(&b, rep->prov && rep->prov->lrc_version ? rep->prov->lrc_version
                                                                 : LRC_VERSION);
    json_key(&b, 2, 0, "experiment");
    json_string_or_null(&b, rep->name);
    json_key(&b, 2, 0, "data");
    rt_buf_printf(&b, "{");
    json_key(&b, 4, 1, "source");
    json_string_or_null(&b, rep->data_source);
    json_key(&b, 4, 0, "samples");
    rt_buf_printf(&b, "%lld\n  }", (long long)rep->data_samples);
    json_key(&b, 2, 0, "model");
    rt_buf_printf(&b, "{");
    json_key(&b, 4, 1, "parameters");
    rt_buf_printf(&b, "%lld", (long long)rep->params);
    json_key(&b, 4, 0, "memory_bytes");
    rt_buf_printf(&b, "%lld\n  }", (long long)rep->mem_bytes);
    json_stop(&b, r);
    json_suggestions(&b, r);
    json_settings(&b, rep);
    json_provenance(&b, rep);
    if (rep->extra_json)
        rt_buf_printf(&b, ",\n  %s", rep->extra_json);
    rt_buf_printf(&b, "\n}\n");
    return write_buf(path, &b, err);
}
