/* rt_svg.c — plot.svg: the loss against the learning rate on a log axis.
 * Raw loss faint, smoothed loss bold (with seeds: the median curve and the
 * min-max band), each suggestion marked at exactly the rate it returns, the
 * stop point crossed. Ticks at powers of ten on x and at nice numbers on y;
 * the loss axis reaches only as high as the curve before its minimum, as in
 * the terminal plot, so the final explosion does not flatten the curve (what
 * lies above is clipped). */
#include "rt_results.h"

#include <math.h>
#include <string.h>

#define W 760.0
#define H 470.0
#define BOX_L 78.0
#define BOX_R (W - 24.0)
#define BOX_T 56.0
#define BOX_B (H - 58.0)

static const char *const colour_of[RT_SUG_COUNT] = {"#d62728", "#2ca02c", "#9467bd", "#e07b00"};

typedef struct frame {
    double x0, x1, y0, y1;   /* log10(rate), loss */
} frame;

static double px(const frame *f, double rate) { return BOX_L + (log10(rate) - f->x0) / (f->x1 - f->x0) * (BOX_R - BOX_L); }
static double py(const frame *f, double loss) { return BOX_B - (loss - f->y0) / (f->y1 - f->y0) * (BOX_B - BOX_T); }
static double clampy(double y) { return y < BOX_T ? BOX_T : y > BOX_B ? BOX_B : y; }
static int good(double rate, double loss) { return rate > 0 && isfinite(rate) && isfinite(loss); }

static void widen(double *lo, double *hi, double v)
{
    if (v < *lo)
        *lo = v;
    if (v > *hi)
        *hi = v;
}

static void xml_text(rt_buf *b, const char *s)
{
    for (; *s; s++)
        switch (*s) {
        case '<': rt_buf_printf(b, "&lt;"); break;
        case '>': rt_buf_printf(b, "&gt;"); break;
        case '&': rt_buf_printf(b, "&amp;"); break;
        case '"': rt_buf_printf(b, "&quot;"); break;
        default:
            if ((unsigned char)*s >= 0x20)
                rt_buf_printf(b, "%c", *s);
        }
}

/* The smoothed curve drawn bold: the band's median, or the result's. */
static int64_t bold_n(const rt_plot_in *in) { return in->band ? in->band->n : in->r->n; }
static double bold_rate(const rt_plot_in *in, int64_t i) { return in->band ? in->band->rate[i] : in->r->pts[i].rate; }
static double bold_loss(const rt_plot_in *in, int64_t i) { return in->band ? in->band->med[i] : in->r->pts[i].smooth; }

static int find_frame(const rt_plot_in *in, frame *f)
{
    f->x0 = f->y0 = INFINITY;
    f->x1 = f->y1 = -INFINITY;
    int64_t argmin = -1, n = bold_n(in);
    for (int64_t i = 0; i < in->r->n; i++)
        if (good(in->r->pts[i].rate, in->r->pts[i].smooth))
            widen(&f->x0, &f->x1, log10(in->r->pts[i].rate));
    for (int64_t i = 0; i < n; i++)
        if (good(bold_rate(in, i), bold_loss(in, i))) {
            widen(&f->x0, &f->x1, log10(bold_rate(in, i)));
            widen(&f->y0, &f->y1, in->band ? in->band->lo[i] : bold_loss(in, i));
            if (argmin < 0 || bold_loss(in, i) < bold_loss(in, argmin))
                argmin = i;
        }
    if (argmin < 0)
        return 0;
    f->y1 = -INFINITY;
    for (int64_t i = 0; i <= argmin; i++)
        if (good(bold_rate(in, i), bold_loss(in, i)))
            widen(&f->y0, &f->y1, in->band ? fmax(in->band->hi[i], bold_loss(in, i)) : bold_loss(in, i));
    for (int i = 0; i < in->nmarks; i++)
        if (good(in->marks[i].rate, 1))
            widen(&f->x0, &f->x1, log10(in->marks[i].rate));
    if (f->x1 - f->x0 < 1e-9) {
        f->x0 -= 0.5;
        f->x1 += 0.5;
    }
    double pad = (f->y1 - f->y0) * 0.06;
    if (pad < 1e-9)
        pad = 0.5;
    f->y0 -= pad;
    f->y1 += pad;
    return 1;
}

/* 1, 2 or 5 times a power of ten, near range/5. */
static double nice_step(double range)
{
    double raw = range / 5, mag = pow(10, floor(log10(raw))), q = raw / mag;
    return (q <= 1 ? 1 : q <= 2 ? 2 : q <= 5 ? 5 : 10) * mag;
}

static void rate_label(char *s, size_t len, double rate)
{
    double e = log10(rate);
    if (fabs(e - round(e)) < 1e-9 && (e < -4 || e > 4))
        snprintf(s, len, "1e%+.0f", round(e));
    else
        snprintf(s, len, "%g", rate);
}

static void draw_axes(rt_buf *b, const frame *f)
{
    rt_buf_printf(b, "<g font-size=\"12\" fill=\"#333\">\n");
    double step = nice_step(f->y1 - f->y0);
    int dec = step >= 1 ? 0 : (int)ceil(-log10(step) - 1e-9);
    for (double v = ceil(f->y0 / step) * step; v <= f->y1 + 1e-12; v += step) {
        double y = py(f, v);
        rt_buf_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#e4e4e4\"/>\n", BOX_L, y, BOX_R, y);
        rt_buf_printf(b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%.*f</text>\n", BOX_L - 6, y + 4, dec,
                      fabs(v) < step * 1e-6 ? 0.0 : v);
    }
    int majors = 0;
    for (double e = ceil(f->x0 - 1e-9); e <= f->x1 + 1e-9; e += 1)
        majors++;
    for (double e = floor(f->x0); e <= f->x1; e += 1)
        for (int k = 1; k <= 9; k++) {
            double r = (double)k * pow(10, e), x = log10(r);
            if (x < f->x0 - 1e-9 || x > f->x1 + 1e-9)
                continue;
            double xp = px(f, r);
            int labelled = k == 1 || (majors < 2 && (k == 2 || k == 5));
            rt_buf_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>\n", xp, BOX_T, xp,
                          BOX_B, k == 1 ? "#e4e4e4" : "#f4f4f4");
            if (labelled) {
                char s[32];
                rate_label(s, sizeof s, r);
                rt_buf_printf(b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>\n", xp, BOX_B + 17, s);
            }
        }
    rt_buf_printf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" stroke=\"#888\"/>\n",
                  BOX_L, BOX_T, BOX_R - BOX_L, BOX_B - BOX_T);
    rt_buf_printf(b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"13\">learning rate (log scale)</text>\n",
                  (BOX_L + BOX_R) / 2, H - 16);
    rt_buf_printf(b, "</g>\n");
}

/* A polyline of (rate, loss) points, broken at non-finite ones. */
static void polyline(rt_buf *b, const frame *f, int64_t n, const double *rate, const double *loss, size_t stride,
                     const char *style)
{
    int open = 0;
    for (int64_t i = 0; i < n; i++) {
        double r = *(const double *)((const char *)rate + (size_t)i * stride);
        double l = *(const double *)((const char *)loss + (size_t)i * stride);
        if (!good(r, l)) {
            if (open)
                rt_buf_printf(b, "\"/>\n");
            open = 0;
            continue;
        }
        if (!open)
            rt_buf_printf(b, "<polyline %s points=\"", style);
        rt_buf_printf(b, "%s%.1f,%.1f", open ? " " : "", px(f, r), py(f, l));
        open = 1;
    }
    if (open)
        rt_buf_printf(b, "\"/>\n");
}

static void draw_band(rt_buf *b, const frame *f, const rt_band *band)
{
    rt_buf_printf(b, "<polygon fill=\"#1f77b4\" fill-opacity=\"0.18\" stroke=\"none\" points=\"");
    int first = 1;
    for (int64_t i = 0; i < band->n; i++)
        if (good(band->rate[i], band->lo[i]) && isfinite(band->hi[i])) {
            rt_buf_printf(b, "%s%.1f,%.1f", first ? "" : " ", px(f, band->rate[i]), py(f, band->hi[i]));
            first = 0;
        }
    for (int64_t i = band->n - 1; i >= 0; i--)
        if (good(band->rate[i], band->lo[i]) && isfinite(band->hi[i]))
            rt_buf_printf(b, " %.1f,%.1f", px(f, band->rate[i]), py(f, band->lo[i]));
    rt_buf_printf(b, "\"/>\n");
}

static void draw_marks(rt_buf *b, const frame *f, const rt_plot_in *in)
{
    for (int i = 0; i < in->nmarks; i++) {
        const rt_plot_mark *m = &in->marks[i];
        if (!good(m->rate, 1))
            continue;
        const char *c = colour_of[m->method];
        double x = px(f, m->rate), y = isfinite(m->loss) ? clampy(py(f, m->loss)) : BOX_B;
        int right = x > BOX_L + 0.7 * (BOX_R - BOX_L);
        rt_buf_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-dasharray=\"5,4\"/>\n",
                      x, BOX_T, x, BOX_B, c);
        rt_buf_printf(b, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"5\" fill=\"%s\" stroke=\"white\"/>\n", x, y, c);
        rt_buf_printf(b, "<text x=\"%.1f\" y=\"%.1f\" fill=\"%s\" font-size=\"12\" text-anchor=\"%s\">", right ? x - 5 : x + 5,
                      BOX_T + 15 + 15 * i, c, right ? "end" : "start");
        xml_text(b, m->label);
        rt_buf_printf(b, "</text>\n");
    }
}

static void draw_stop(rt_buf *b, const frame *f, const rt_result *r)
{
    for (int64_t i = r->n - 1; i >= 0; i--) {
        const rt_point *p = &r->pts[i];
        if (!good(p->rate, p->smooth))
            continue;
        double x = px(f, p->rate), y = clampy(py(f, p->smooth));
        rt_buf_printf(b, "<path d=\"M%.1f,%.1fl10,10m0,-10l-10,10\" stroke=\"black\" stroke-width=\"2\"/>\n", x - 5, y - 5);
        rt_buf_printf(b, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\" text-anchor=\"end\">stop</text>\n", x - 8,
                      y < BOX_T + 20 ? y + 16 : y - 8);
        return;
    }
}

static void draw_legend(rt_buf *b, const rt_plot_in *in, int64_t nseeds)
{
    double x = BOX_L + 12, y = BOX_B - (in->band ? 52 : 36);
    rt_buf_printf(b, "<g font-size=\"12\" fill=\"#333\">\n");
    rt_buf_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#1f77b4\" stroke-opacity=\"0.35\"/>"
                     "<text x=\"%.1f\" y=\"%.1f\">raw %s</text>\n", x, y, x + 24, y, x + 30, y + 4, in->measure);
    y += 16;
    rt_buf_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#1f77b4\" stroke-width=\"2.5\"/>",
                  x, y, x + 24, y);
    if (in->band)
        rt_buf_printf(b, "<text x=\"%.1f\" y=\"%.1f\">smoothed, median of %lld seeds</text>\n"
                         "<rect x=\"%.1f\" y=\"%.1f\" width=\"24\" height=\"10\" fill=\"#1f77b4\" fill-opacity=\"0.18\"/>"
                         "<text x=\"%.1f\" y=\"%.1f\">min-max of the seeds</text>\n",
                      x + 30, y + 4, (long long)nseeds, x, y + 11, x + 30, y + 20);
    else
        rt_buf_printf(b, "<text x=\"%.1f\" y=\"%.1f\">smoothed</text>\n", x + 30, y + 4);
    rt_buf_printf(b, "</g>\n");
}

void rt_svg_plot(const rt_plot_in *in, rt_buf *b)
{
    rt_buf_printf(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                     "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" "
                     "font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">\n"
                     "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n", W, H, W, H);
    rt_buf_printf(b, "<text x=\"%.1f\" y=\"22\" font-size=\"16\" font-weight=\"bold\">", BOX_L);
    xml_text(b, in->title ? in->title : "range test");
    rt_buf_printf(b, "</text>\n<text x=\"%.1f\" y=\"40\" font-size=\"12\" fill=\"#555\">", BOX_L);
    const rt_result *r = in->r;
    if (r->n > 0)
        rt_buf_printf(b, "stopped at step %lld (rate %.3g): ", (long long)r->pts[r->n - 1].step, r->pts[r->n - 1].rate);
    xml_text(b, r->end_text[0] ? r->end_text : rt_end_name(r->end));
    rt_buf_printf(b, "</text>\n");
    frame f;
    if (!find_frame(in, &f)) {
        rt_buf_printf(b, "<text x=\"%.1f\" y=\"%.1f\">no finite points to plot</text>\n</svg>\n", BOX_L + 20, H / 2);
        return;
    }
    rt_buf_printf(b, "<text transform=\"translate(18,%.1f) rotate(-90)\" text-anchor=\"middle\" font-size=\"13\" "
                     "fill=\"#333\">", (BOX_T + BOX_B) / 2);
    xml_text(b, in->measure);
    rt_buf_printf(b, "</text>\n");
    draw_axes(b, &f);
    rt_buf_printf(b, "<clipPath id=\"box\"><rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"/></clipPath>\n"
                     "<g clip-path=\"url(#box)\" fill=\"none\">\n", BOX_L, BOX_T, BOX_R - BOX_L, BOX_B - BOX_T);
    if (in->band)
        draw_band(b, &f, in->band);
    polyline(b, &f, r->n, &r->pts[0].rate, &r->pts[0].loss, sizeof(rt_point),
             "stroke=\"#1f77b4\" stroke-opacity=\"0.35\" stroke-width=\"1\"");
    if (in->band)
        polyline(b, &f, in->band->n, in->band->rate, in->band->med, sizeof(double),
                 "stroke=\"#1f77b4\" stroke-width=\"2.5\"");
    else
        polyline(b, &f, r->n, &r->pts[0].rate, &r->pts[0].smooth, sizeof(rt_point),
                 "stroke=\"#1f77b4\" stroke-width=\"2.5\"");
    rt_buf_printf(b, "</g>\n");
    draw_stop(b, &f, r);
    draw_marks(b, &f, in);
    draw_legend(b, in, in->nseeds);
    rt_buf_printf(b, "</svg>\n");
}

int rt_write_plot_svg(const char *path, const rt_plot_in *in, rt_err *err)
{
    rt_buf b = {0};
    rt_svg_plot(in, &b);
    int rc = b.oom ? rt_errf(err, RT_FAILED, "%s: out of memory", path)
                   : rt_write_atomic(path, b.data ? b.data : "", b.len, err);
    rt_buf_free(&b);
    return rc;
}
