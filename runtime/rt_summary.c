/* rt_summary.c — the terminal summary of a run (experiment, data, why it
 * stopped, the suggestions) and a character plot of the smoothed loss
 * against log10(rate) with each suggestion marked at the rate it returns. */
#include "rt_report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define PLOT_MAX_W 200
#define PLOT_MAX_H 60
#define LABEL_W 10   /* the y-axis labels' column */

static const char marker_of[RT_SUG_COUNT] = {'S', 'V', 'M', 'C'};

/* ---- plot ---------------------------------------------------------------- */

typedef struct plot_range {
    double x0, x1, y0, y1;   /* log10 rate and loss */
} plot_range;

static void widen(double *lo, double *hi, double v)
{
    if (v < *lo)
        *lo = v;
    if (v > *hi)
        *hi = v;
}

static int plottable(double rate, double loss)
{
    return rate > 0.0 && isfinite(rate) && isfinite(loss);
}

/* The range of the finite points and of every suggestion; 0 when empty.
 * The loss axis reaches only as high as the curve before its minimum: the
 * explosion that ends a test would otherwise flatten the part that matters
 * (points above are drawn as '^' on the top row). */
static int find_range(const rt_result *r, plot_range *pr)
{
    pr->x0 = pr->y0 = INFINITY;
    pr->x1 = pr->y1 = -INFINITY;
    int64_t argmin = -1;
    for (int64_t i = 0; i < r->n; i++)
        if (plottable(r->pts[i].rate, r->pts[i].smooth)) {
            widen(&pr->x0, &pr->x1, log10(r->pts[i].rate));
            if (argmin < 0 || r->pts[i].smooth < r->pts[argmin].smooth)
                argmin = i;
        }
    for (int64_t i = 0; i <= argmin; i++)
        if (plottable(r->pts[i].rate, r->pts[i].smooth))
            widen(&pr->y0, &pr->y1, r->pts[i].smooth);
    for (int i = 0; i < r->nsug; i++)
        if (r->sug[i].ok && plottable(r->sug[i].rate, r->sug[i].loss))
            widen(&pr->x0, &pr->x1, log10(r->sug[i].rate));
    if (!(pr->x0 <= pr->x1))
        return 0;
    if (pr->x1 - pr->x0 < 1e-12)
        pr->x1 = pr->x0 + 1.0;
    if (pr->y1 - pr->y0 < 1e-12)
        pr->y1 = pr->y0 + 1.0;
    return 1;
}

static int column_of(const plot_range *pr, double rate, int width)
{
    return (int)lround((log10(rate) - pr->x0) / (pr->x1 - pr->x0) * (width - 1));
}

static int row_of(const plot_range *pr, double loss, int height)
{
    return (int)lround((pr->y1 - loss) / (pr->y1 - pr->y0) * (height - 1));
}

static void print_x_axis(FILE *f, const plot_range *pr, int width)
{
    char ticks[PLOT_MAX_W + 8];
    memset(ticks, ' ', sizeof ticks);
    int free_from = 0;
    for (double e = ceil(pr->x0); e <= pr->x1; e += 1.0) {
        int col = (int)lround((e - pr->x0) / (pr->x1 - pr->x0) * (width - 1));
        char label[16];
        int n = snprintf(label, sizeof label, "%.0f", e);
        if (col < free_from || col + n > width + 4)
            continue;
        memcpy(ticks + col, label, (size_t)n);
        free_from = col + n + 1;
    }
    int end = width + 4;
    while (end > 0 && ticks[end - 1] == ' ')
        end--;
    fprintf(f, "%*s+", LABEL_W, "");
    for (int c = 0; c < width; c++)
        fputc('-', f);
    fprintf(f, "\n%*s %.*s\n%*s log10(rate)\n", LABEL_W, "", end, ticks, LABEL_W, "");
}

static void print_legend(FILE *f, const rt_result *r)
{
    int any = 0;
    for (int i = 0; i < r->nsug; i++) {
        const rt_suggestion *s = &r->sug[i];
        if (!s->ok)
            continue;
        fprintf(f, "%s%c %s %.3g", any ? ", " : "           marks: ", marker_of[s->method],
                rt_method_name(s->method), s->rate);
        any = 1;
    }
    if (any)
        fputc('\n', f);
}

void rt_plot_terminal(FILE *f, const rt_result *r, int width, int height)
{
    width = width < 8 ? 8 : width > PLOT_MAX_W ? PLOT_MAX_W : width;
    height = height < 4 ? 4 : height > PLOT_MAX_H ? PLOT_MAX_H : height;
    plot_range pr;
    if (!find_range(r, &pr)) {
        fprintf(f, "  (no finite points to plot)\n");
        return;
    }
    char grid[PLOT_MAX_H][PLOT_MAX_W];
    memset(grid, ' ', sizeof grid);
    for (int64_t i = 0; i < r->n; i++)
        if (plottable(r->pts[i].rate, r->pts[i].smooth)) {
            int above = r->pts[i].smooth > pr.y1;
            int row = above ? 0 : row_of(&pr, r->pts[i].smooth, height);
            grid[row][column_of(&pr, r->pts[i].rate, width)] = above ? '^' : '*';
        }
    for (int i = 0; i < r->nsug; i++) {
        const rt_suggestion *s = &r->sug[i];
        if (s->ok && plottable(s->rate, s->loss))
            grid[row_of(&pr, s->loss, height)][column_of(&pr, s->rate, width)] = marker_of[s->method];
    }
    for (int y = 0; y < height; y++) {
        if (y == 0 || y == height - 1)
            fprintf(f, "%*.4g |", LABEL_W - 1, y == 0 ? pr.y1 : pr.y0);
        else
            fprintf(f, "%*s|", LABEL_W, y == height / 2 ? "loss " : "");
        int end = width;
        while (end > 0 && grid[y][end - 1] == ' ')
            end--;
        fprintf(f, "%.*s\n", end, grid[y]);
    }
    print_x_axis(f, &pr, width);
    print_legend(f, r);
}

/* ---- summary ------------------------------------------------------------- */

static void print_suggestion(FILE *f, const rt_result *r, const rt_suggestion *s)
{
    fprintf(f, "  %c %-9s", marker_of[s->method], rt_method_name(s->method));
    if (!s->ok) {
        fprintf(f, "  no suggestion: %s\n", s->note);
        return;
    }
    fprintf(f, "  rate %-9.3g  loss %-9.4g  step %lld", s->rate, s->loss,
            (long long)(s->index < r->n ? r->pts[s->index].step : s->index));
    if (s->method == RT_SUG_CLR)
        fprintf(f, "  (base_rate %.3g, max_rate %.3g)", s->base_rate, s->rate);
    else if (s->note[0])
        fprintf(f, "  (%s)", s->note);
    fputc('\n', f);
}

static void print_stop(FILE *f, const rt_result *r)
{
    if (r->n == 0) {
        fprintf(f, "stopped      %s before the first step\n", rt_end_name(r->end));
        return;
    }
    const rt_point *last = &r->pts[r->n - 1];
    fprintf(f, "stopped      at step %lld (rate %.3g): %s\n", (long long)last->step, last->rate,
            r->end_text[0] ? r->end_text : rt_end_name(r->end));
    fprintf(f, "             %lld steps in %.2f s", (long long)r->n, r->seconds);
    if (r->seconds > 0)
        fprintf(f, " (%.0f steps/s)", (double)r->n / r->seconds);
    fputc('\n', f);
}

void rt_print_summary(FILE *f, const rt_report *rep)
{
    const rt_result *r = rep->result;
    fprintf(f, "experiment   %s\n", rep->name ? rep->name : "(unnamed)");
    fprintf(f, "data         %s (%lld samples)\n", rep->data_source ? rep->data_source : "?",
            (long long)rep->data_samples);
    fprintf(f, "parameters   %lld\n", (long long)rep->params);
    print_stop(f, r);
    fprintf(f, "suggestions\n");
    for (int i = 0; i < r->nsug; i++)
        print_suggestion(f, r, &r->sug[i]);
    fputc('\n', f);
    rt_plot_terminal(f, r, 64, 16);
}
