/* cmd_compare.c — `lrc compare RUN_DIR RUN_DIR... [--out FILE.svg]`: reads
 * the report.json (with json-c) and curve.csv of runs written by `lrc run`,
 * prints their suggestions side by side and the settings that differ, and
 * writes an SVG with their smoothed curves overlaid on a log rate axis. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "driver.h"
#include "help.h"
#include "rt_report.h"

#define CMP_MAX_RUNS 16

typedef struct cmp_point {
    double rate, smoothed;
} cmp_point;

typedef struct cmp_run {
    const char *dir;
    char label[256];
    json_object *report;
    cmp_point *pts;
    int npts;
} cmp_run;

static json_object *cmp_get(json_object *o, const char *key)
{
    json_object *v = NULL;
    return o && json_object_object_get_ex(o, key, &v) ? v : NULL;
}

/* A JSON value as a short string: numbers with 10 significant digits. */
static void cmp_text(json_object *v, char *buf, size_t len)
{
    if (!v)
        snprintf(buf, len, "-");
    else if (json_object_is_type(v, json_type_double))
        snprintf(buf, len, "%.10g", json_object_get_double(v));
    else
        snprintf(buf, len, "%s", json_object_get_string(v));
}

static int cmp_load_curve(cmp_run *r, const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "lrc: error: cannot read '%s': %s\n", path, strerror(errno));
        return 0;
    }
    char line[512];
    int cap = 0, row = 0;
    while (fgets(line, sizeof line, f)) {
        if (row++ == 0 && strncmp(line, "step,", 5) == 0)
            continue;
        long long step;
        double rate, loss, sm;
        if (sscanf(line, "%lld,%lf,%lf,%lf", &step, &rate, &loss, &sm) != 4) {
            fprintf(stderr, "%s:%d: error: expected step,rate,loss,smoothed\n", path, row);
            fclose(f);
            return 0;
        }
        if (!isfinite(rate) || rate <= 0 || !isfinite(sm))
            continue;
        if (r->npts == cap) {
            cap = cap ? cap * 2 : 256;
            cmp_point *p = realloc(r->pts, (size_t)cap * sizeof *p);
            if (!p) {
                fclose(f);
                return 0;
            }
            r->pts = p;
        }
        r->pts[r->npts++] = (cmp_point){rate, sm};
    }
    fclose(f);
    return 1;
}

static int cmp_load(cmp_run *r, const char *dir)
{
    char path[4096];
    r->dir = dir;
    size_t n = strlen(dir);
    while (n > 1 && dir[n - 1] == '/')
        n--;
    const char *base = dir;
    for (size_t i = 0; i + 1 < n; i++)
        if (dir[i] == '/')
            base = dir + i + 1;
    snprintf(r->label, sizeof r->label, "%.*s", (int)(n - (size_t)(base - dir)), base);
    snprintf(path, sizeof path, "%.*s/report.json", (int)n, dir);
    r->report = json_object_from_file(path);
    if (!r->report || !json_object_is_type(r->report, json_type_object)) {
        fprintf(stderr, "lrc: error: cannot read '%s': %s\n", path, json_util_get_last_err());
        return 0;
    }
    snprintf(path, sizeof path, "%.*s/curve.csv", (int)n, dir);
    return cmp_load_curve(r, path);
}

/* ---- the tables ----------------------------------------------------------------- */

static void cmp_row(const char *head, char cells[][64], int n, int width)
{
    printf("%-24s", head);
    for (int i = 0; i < n; i++)
        printf("  %-*s", i + 1 < n ? width : 0, cells[i]);
    printf("\n");
}

/* Every key of the object `field` in any run, in first-seen order. */
static int cmp_keys(cmp_run *runs, int n, const char *field, const char **keys, int max)
{
    int nk = 0;
    for (int i = 0; i < n; i++) {
        json_object *o = cmp_get(runs[i].report, field);
        if (!o || !json_object_is_type(o, json_type_object))
            continue;
        json_object_object_foreach(o, key, val) {
            (void)val;
            int seen = 0;
            for (int k = 0; k < nk && !seen; k++)
                seen = !strcmp(keys[k], key);
            if (!seen && nk < max)
                keys[nk++] = key;
        }
    }
    return nk;
}

static void cmp_print(cmp_run *runs, int n)
{
    int width = 22;
    for (int i = 0; i < n; i++)
        if ((int)strlen(runs[i].label) > width)
            width = (int)strlen(runs[i].label);
    if (width > 62)
        width = 62;
    char cells[CMP_MAX_RUNS][64];
    for (int i = 0; i < n; i++)
        snprintf(cells[i], sizeof cells[i], "%.63s", runs[i].label); /* cut to the column */
    cmp_row("", cells, n, width);
    for (int i = 0; i < n; i++) {
        json_object *stop = cmp_get(runs[i].report, "stop");
        char detail[48];
        cmp_text(cmp_get(stop, "detail"), detail, sizeof detail);
        snprintf(cells[i], sizeof cells[i], "step %s: %s", json_object_get_string(cmp_get(stop, "step")), detail);
    }
    cmp_row("stopped", cells, n, width);

    printf("\nsuggestions\n");
    const char *methods[32];
    int nm = cmp_keys(runs, n, "suggestions", methods, 32);
    static const char *const fields[] = {"rate", "loss", "step"};
    for (int m = 0; m < nm; m++)
        for (int k = 0; k < 3; k++) {
            for (int i = 0; i < n; i++) {
                json_object *s = cmp_get(cmp_get(runs[i].report, "suggestions"), methods[m]);
                json_object *v = cmp_get(s, fields[k]);
                if (v && json_object_is_type(v, json_type_double))
                    snprintf(cells[i], sizeof cells[i], "%.4g", json_object_get_double(v));
                else if (!v && s && k == 0 && cmp_get(s, "note"))
                    snprintf(cells[i], sizeof cells[i], "(%s)", json_object_get_string(cmp_get(s, "note")));
                else
                    cmp_text(v, cells[i], sizeof cells[i]);
            }
            char head[64];
            snprintf(head, sizeof head, "  %-10s %s", k == 0 ? methods[m] : "", fields[k]);
            cmp_row(head, cells, n, width);
        }

    printf("\nsettings that differ\n");
    const char *keys[512];
    int nk = cmp_keys(runs, n, "settings", keys, 512), ndiff = 0;
    for (int k = 0; k < nk; k++) {
        for (int i = 0; i < n; i++)
            cmp_text(cmp_get(cmp_get(runs[i].report, "settings"), keys[k]), cells[i], sizeof cells[i]);
        int differ = 0;
        for (int i = 1; i < n; i++)
            differ |= strcmp(cells[i], cells[0]) != 0;
        if (differ) {
            char head[64];
            snprintf(head, sizeof head, "  %s", keys[k]);
            cmp_row(head, cells, n, width);
            ndiff++;
        }
    }
    if (!ndiff)
        printf("  (none: every resolved setting is the same)\n");
}

/* ---- the SVG ------------------------------------------------------------------- */

static void cmp_xml(rt_buf *b, const char *s)
{
    for (; *s; s++) {
        if (*s == '<')
            rt_buf_printf(b, "&lt;");
        else if (*s == '>')
            rt_buf_printf(b, "&gt;");
        else if (*s == '&')
            rt_buf_printf(b, "&amp;");
        else if (*s == '"')
            rt_buf_printf(b, "&quot;");
        else
            rt_buf_printf(b, "%c", *s);
    }
}

static int cmp_svg(const cmp_run *runs, int n, const char *path)
{
    static const char *const colors[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e",
                                         "#9467bd", "#8c564b", "#e377c2", "#17becf"};
    const double W = 820, H = 500, L = 70, R = 20, T = 40, B = 50;
    double xmin = INFINITY, xmax = -INFINITY, ymin = INFINITY, ystart = -INFINITY;
    for (int i = 0; i < n; i++) {
        for (int k = 0; k < runs[i].npts; k++) {
            double x = log10(runs[i].pts[k].rate);
            xmin = fmin(xmin, x);
            xmax = fmax(xmax, x);
            ymin = fmin(ymin, runs[i].pts[k].smoothed);
        }
        if (runs[i].npts)
            ystart = fmax(ystart, runs[i].pts[0].smoothed);
    }
    if (!isfinite(xmin)) { xmin = -7; xmax = 1; }
    if (!isfinite(ymin)) { ymin = 0; ystart = 1; }
    if (xmax - xmin < 1e-9) { xmin -= 0.5; xmax += 0.5; }
    /* The loss axis ends a quarter above the highest starting loss: the
     * exploding tail of a curve is clipped, as in the terminal plot. */
    double ymax = ystart + 0.25 * (ystart - ymin);
    if (ymax - ymin < 1e-12) { ymin -= 0.5; ymax += 0.5; }
    double pw = W - L - R, ph = H - T - B;
#define SX(x) (L + ((x) - xmin) / (xmax - xmin) * pw)
#define SY(y) (T + (ymax - (y)) / (ymax - ymin) * ph)
    rt_buf b = {0};
    rt_buf_printf(&b, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%g\" height=\"%g\" "
                      "viewBox=\"0 0 %g %g\" font-family=\"sans-serif\" font-size=\"12\">\n", W, H, W, H);
    rt_buf_printf(&b, "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n");
    rt_buf_printf(&b, "<text x=\"%g\" y=\"22\" font-size=\"15\">lrc compare: smoothed loss against the "
                      "learning rate</text>\n", L);
    rt_buf_printf(&b, "<clipPath id=\"plot\"><rect x=\"%g\" y=\"%g\" width=\"%g\" height=\"%g\"/></clipPath>\n",
                  L, T, pw, ph);
    rt_buf_printf(&b, "<rect x=\"%g\" y=\"%g\" width=\"%g\" height=\"%g\" fill=\"none\" stroke=\"#444\"/>\n",
                  L, T, pw, ph);
    for (int d = (int)ceil(xmin); d <= (int)floor(xmax); d++) {
        double x = SX(d);
        rt_buf_printf(&b, "<line x1=\"%.1f\" y1=\"%g\" x2=\"%.1f\" y2=\"%g\" stroke=\"#ddd\"/>\n", x, T, x, T + ph);
        rt_buf_printf(&b, "<text x=\"%.1f\" y=\"%g\" text-anchor=\"middle\">1e%d</text>\n", x, T + ph + 16, d);
    }
    for (int k = 0; k <= 4; k++) {
        double v = ymin + (ymax - ymin) * k / 4, y = SY(v);
        rt_buf_printf(&b, "<line x1=\"%g\" y1=\"%.1f\" x2=\"%g\" y2=\"%.1f\" stroke=\"#eee\"/>\n", L, y, L + pw, y);
        rt_buf_printf(&b, "<text x=\"%g\" y=\"%.1f\" text-anchor=\"end\">%.3g</text>\n", L - 6, y + 4, v);
    }
    rt_buf_printf(&b, "<text x=\"%g\" y=\"%g\" text-anchor=\"middle\">learning rate (log scale)</text>\n",
                  L + pw / 2, H - 12);
    rt_buf_printf(&b, "<text transform=\"translate(16 %g) rotate(-90)\" text-anchor=\"middle\">smoothed loss</text>\n",
                  T + ph / 2);
    for (int i = 0; i < n; i++) {
        rt_buf_printf(&b, "<polyline clip-path=\"url(#plot)\" fill=\"none\" stroke-width=\"1.6\" stroke=\"%s\" points=\"",
                      colors[i % 8]);
        for (int k = 0; k < runs[i].npts; k++) {
            double y = fmin(fmax(runs[i].pts[k].smoothed, ymin - (ymax - ymin)), ymax + (ymax - ymin));
            rt_buf_printf(&b, "%s%.2f,%.2f", k ? " " : "", SX(log10(runs[i].pts[k].rate)), SY(y));
        }
        rt_buf_printf(&b, "\"/>\n");
    }
    /* The legend, top right inside the plot. */
    double lx = L + pw - 230, ly = T + 12;
    rt_buf_printf(&b, "<rect x=\"%g\" y=\"%g\" width=\"222\" height=\"%d\" fill=\"white\" fill-opacity=\"0.85\" "
                      "stroke=\"#bbb\"/>\n", lx - 6, ly - 10, 18 * n + 6);
    for (int i = 0; i < n; i++) {
        double y = ly + 18 * i;
        rt_buf_printf(&b, "<line x1=\"%g\" y1=\"%g\" x2=\"%g\" y2=\"%g\" stroke=\"%s\" stroke-width=\"2.5\"/>\n",
                      lx, y, lx + 24, y, colors[i % 8]);
        rt_buf_printf(&b, "<text x=\"%g\" y=\"%g\">", lx + 30, y + 4);
        char label[40];
        snprintf(label, sizeof label, "%.39s", runs[i].label); /* legends stay short */
        cmp_xml(&b, label);
        rt_buf_printf(&b, "</text>\n");
    }
    rt_buf_printf(&b, "</svg>\n");
#undef SX
#undef SY
    rt_err err = {0};
    int rc = b.oom ? (snprintf(err.msg, sizeof err.msg, "%s: out of memory", path), RT_FAILED)
                   : rt_write_atomic(path, b.data, b.len, &err);
    rt_buf_free(&b);
    if (rc != RT_OK)
        fprintf(stderr, "lrc: error: cannot write %s\n", err.msg);
    return rc == RT_OK;
}

int cmd_compare_main(int argc, char **argv)
{
    const char *out = "compare.svg";
    const char *dirs[CMP_MAX_RUNS];
    int n = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--out") && i + 1 < argc)
            out = argv[++i];
        else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
            return help_print(stdout, "compare") ? 0 : EXIT_BAD_INPUT;
        else if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "lrc: error: unknown option '%s' for compare (or it needs a value)\n", argv[i]);
            help_print(stderr, "compare");
            return EXIT_BAD_INPUT;
        } else if (n == CMP_MAX_RUNS) {
            fprintf(stderr, "lrc: error: compare takes at most %d runs\n", CMP_MAX_RUNS);
            return EXIT_BAD_INPUT;
        } else
            dirs[n++] = argv[i];
    }
    if (n < 2) {
        fprintf(stderr, "lrc: error: compare needs two or more run directories\n");
        help_print(stderr, "compare");
        return EXIT_BAD_INPUT;
    }
    cmp_run runs[CMP_MAX_RUNS] = {0};
    int rc = 0;
    for (int i = 0; i < n && !rc; i++)
        if (!cmp_load(&runs[i], dirs[i]))
            rc = EXIT_BAD_INPUT;
    /* Two runs with the same folder name are told apart by their paths. */
    for (int i = 0; i < n && !rc; i++)
        for (int j = 0; j < n; j++)
            if (i != j && !strcmp(runs[i].label, runs[j].label))
                snprintf(runs[i].label, sizeof runs[i].label, "%s", runs[i].dir);
    if (!rc) {
        cmp_print(runs, n);
        if (cmp_svg(runs, n, out))
            printf("\nwrote %s\n", out);
        else
            rc = EXIT_RUN_FAILED;
    }
    for (int i = 0; i < n; i++) {
        if (runs[i].report)
            json_object_put(runs[i].report);
        free(runs[i].pts);
    }
    return rc;
}
