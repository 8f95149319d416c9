/* rt_suggest.c — the suggestion methods of RANGE_TEST.md, all computed on
 * the smoothed curve (rate[i], smooth[i]).
 *
 * Window: the curve is cut at its first non-finite smoothed loss (or rate),
 * then the first skip_begin and the last skip_end points are dropped; any
 * leading points with a rate <= 0 (a linear schedule from 0) are dropped as
 * well, because slopes are taken against ln(rate). Fewer than 3 points left:
 * no suggestion.
 *
 * Slope at point i: d smooth / d ln(rate), central differences inside the
 * window, one-sided at its two ends. Where two neighbouring rates are equal
 * (a staircase schedule) the slope is undefined and the point is skipped.
 *
 *   steepest  the point of most negative slope; rate = rate[i].
 *   valley    the longest run of consecutive decreasing points (each point
 *             lower than the one before); the first such run when several
 *             are equally long; the point in its middle, index (a + b) / 2
 *             for a run from a to b; rate = rate[i].
 *   minimum   i = the lowest smoothed loss; rate = rate[i] / 10.
 *   clr       g = the most negative slope at or before the minimum; the
 *             bounds' max_rate = rate[i] at the last point i at or before the
 *             minimum whose slope is still <= g / 2 (the loss still falls at
 *             least half as fast as at its steepest: just before it stops
 *             improving); base_rate = max_rate / 4.
 *
 * A curve with no decreasing step (or, for steepest and clr, no negative
 * slope) "never fell": no suggestion. */
#include "rt_sweep.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

typedef struct window {
    const double *rate, *smooth;
    int64_t lo, hi;   /* points lo .. hi-1 */
} window;

static const char *const method_names[RT_SUG_COUNT] = {"steepest", "valley", "minimum", "clr"};

const char *rt_method_name(rt_method m)
{
    return (unsigned)m < RT_SUG_COUNT ? method_names[m] : "unknown";
}

static window make_window(const double *rate, const double *smooth, int64_t n,
                          int64_t skip_begin, int64_t skip_end)
{
    window w = {rate, smooth, 0, 0};
    int64_t cut = 0;
    while (cut < n && isfinite(smooth[cut]) && isfinite(rate[cut]))
        cut++;
    w.lo = skip_begin > 0 ? skip_begin : 0;
    w.hi = cut - (skip_end > 0 ? skip_end : 0);
    while (w.lo < w.hi && !(rate[w.lo] > 0.0))
        w.lo++;
    if (w.hi < w.lo)
        w.hi = w.lo;
    return w;
}

/* Slope of smooth against ln(rate) at i; 0 when undefined (returned in *ok). */
static double slope_at(const window *w, int64_t i, int *ok)
{
    int64_t a = i > w->lo ? i - 1 : i;
    int64_t b = i < w->hi - 1 ? i + 1 : i;
    double dx = log(w->rate[b]) - log(w->rate[a]);
    *ok = dx > 0.0;
    return *ok ? (w->smooth[b] - w->smooth[a]) / dx : 0.0;
}

/* Index of the most negative slope in [w->lo, end); -1 when no slope there
 * is negative. */
static int64_t steepest_index(const window *w, int64_t end, double *slope)
{
    int64_t best = -1;
    double best_slope = 0.0;
    for (int64_t i = w->lo; i < end; i++) {
        int ok;
        double g = slope_at(w, i, &ok);
        if (ok && g < best_slope) {
            best_slope = g;
            best = i;
        }
    }
    *slope = best_slope;
    return best;
}

static int64_t argmin(const window *w)
{
    int64_t m = w->lo;
    for (int64_t i = w->lo + 1; i < w->hi; i++)
        if (w->smooth[i] < w->smooth[m])
            m = i;
    return m;
}

static int ever_falls(const window *w)
{
    for (int64_t i = w->lo + 1; i < w->hi; i++)
        if (w->smooth[i] < w->smooth[i - 1])
            return 1;
    return 0;
}

static void mark(rt_suggestion *out, const window *w, int64_t i, double rate)
{
    out->ok = 1;
    out->index = i;
    out->rate = rate;
    out->loss = w->smooth[i];
}

static void suggest_steepest(const window *w, rt_suggestion *out)
{
    double g;
    int64_t i = steepest_index(w, w->hi, &g);
    if (i < 0) {
        snprintf(out->note, sizeof out->note, "the loss never fell over the tested range");
        return;
    }
    mark(out, w, i, w->rate[i]);
}

static void suggest_valley(const window *w, rt_suggestion *out)
{
    int64_t best_a = 0, best_len = 0, a = w->lo;
    for (int64_t i = w->lo + 1; i <= w->hi; i++) {
        int falls = i < w->hi && w->smooth[i] < w->smooth[i - 1];
        if (falls)
            continue;
        int64_t len = i - a;   /* points a .. i-1 */
        if (len > best_len) {
            best_len = len;
            best_a = a;
        }
        a = i;
    }
    /* ever_falls() held, so the longest run has at least 2 points. */
    int64_t mid = best_a + (best_len - 1) / 2;
    mark(out, w, mid, w->rate[mid]);
}

static void suggest_minimum(const window *w, rt_suggestion *out)
{
    int64_t m = argmin(w);
    if (m == w->lo) {
        snprintf(out->note, sizeof out->note, "the loss never fell below its starting value");
        return;
    }
    mark(out, w, m, w->rate[m] / 10.0);
    snprintf(out->note, sizeof out->note, "rate at the lowest loss (%.3g) / 10", w->rate[m]);
}

static void suggest_clr(const window *w, rt_suggestion *out)
{
    int64_t m = argmin(w);
    double g;
    if (steepest_index(w, m + 1, &g) < 0) {
        snprintf(out->note, sizeof out->note, "the loss never fell over the tested range");
        return;
    }
    int64_t k = m;
    for (;; k--) {
        int ok;
        double s = slope_at(w, k, &ok);
        if (ok && s <= g / 2.0)
            break;
    }
    mark(out, w, k, w->rate[k]);
    out->base_rate = out->rate / 4.0;
}

void rt_suggest(rt_method m, const double *rate, const double *smooth, int64_t n,
                int64_t skip_begin, int64_t skip_end, rt_suggestion *out)
{
    memset(out, 0, sizeof *out);
    out->method = m;
    out->index = -1;
    out->rate = NAN;
    out->loss = NAN;
    out->base_rate = NAN;
    window w = make_window(rate, smooth, n, skip_begin, skip_end);
    if (w.hi - w.lo < 3) {
        snprintf(out->note, sizeof out->note,
                 "too few points to suggest a rate (%lld left after skipping)",
                 (long long)(w.hi - w.lo));
        return;
    }
    if (!ever_falls(&w)) {
        snprintf(out->note, sizeof out->note, "the loss never fell over the tested range");
        return;
    }
    switch (m) {
    case RT_SUG_STEEPEST: suggest_steepest(&w, out); break;
    case RT_SUG_VALLEY:   suggest_valley(&w, out); break;
    case RT_SUG_MINIMUM:  suggest_minimum(&w, out); break;
    default:              suggest_clr(&w, out); break;
    }
}
