/* rt_data_synth.c — synthetic data sets, drawn from rt_rng (seed,
 * RT_STREAM_SYNTH) so the same seed always gives the same data.
 *
 * spirals: `classes` interleaved arms in 2-D, after the CS231n generator:
 *   for arm j with N points, point k: r = k / (N - 1),
 *   theta = 4 j + 4 r + noise * randn, x = (r sin theta, r cos theta).
 * blobs: `classes` Gaussian clusters in `features` dimensions, centres
 *   uniform in [-10, 10]^features, standard deviation `noise` (1 if 0).
 * moons: two interleaved half circles (scikit-learn's make_moons): class 0
 *   at (cos t, sin t), class 1 at (1 - cos t, 0.5 - sin t), t evenly spaced
 *   in [0, pi], plus Gaussian noise of standard deviation `noise`.
 * Sample i belongs to class i % classes, so every prefix (`limit`) is
 * balanced; the samples total `samples`.
 * regression: `targets` outputs, each a linear function of `features`
 *   inputs: x ~ N(0, 1), y = x . W + b + noise * N(0, 1), with W ~ N(0, 1)
 *   and b uniform in [-1, 1] drawn first from the same stream. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include "rt_data_internal.h"

static int check_common(const char *name, const rt_data_spec *spec, rt_err *err)
{
    if (spec->classes < 1)
        return rt_errf(err, RT_BAD_INPUT, "%s: classes must be at least 1, got %lld",
                       name, (long long)spec->classes);
    if (spec->samples < spec->classes)
        return rt_errf(err, RT_BAD_INPUT, "%s: samples (%lld) must be at least classes (%lld)",
                       name, (long long)spec->samples, (long long)spec->classes);
    if (!isfinite(spec->noise) || spec->noise < 0)
        return rt_errf(err, RT_BAD_INPUT, "%s: noise must be a finite number >= 0, got %g",
                       name, spec->noise);
    return RT_OK;
}

/* How many of `samples` belong to class j when they are dealt round-robin. */
static int64_t class_size(int64_t samples, int64_t classes, int64_t j)
{
    return samples / classes + (j < samples % classes);
}

int rt_data_make_spirals(const rt_data_spec *spec, rt_dataset *out, rt_err *err)
{
    int rc = check_common("spirals", spec, err);
    if (rc == RT_OK)
        rc = rt_data_alloc(out, spec->samples, 2, err);
    if (rc != RT_OK)
        return rc;
    rt_rng rng;
    rt_rng_seed(&rng, spec->seed, RT_STREAM_SYNTH);
    int64_t classes = spec->classes;
    for (int64_t i = 0; i < out->n; i++) {
        int64_t j = i % classes, k = i / classes;
        int64_t arm = class_size(out->n, classes, j);
        double r = arm > 1 ? (double)k / (double)(arm - 1) : 0;
        double theta = 4.0 * (double)j + 4.0 * r + spec->noise * rt_rng_normal(&rng);
        out->x[2 * i] = (float)(r * sin(theta));
        out->x[2 * i + 1] = (float)(r * cos(theta));
        out->y[i] = (float)j;
    }
    snprintf(out->source, sizeof out->source,
             "spirals(samples=%lld, classes=%lld, noise=%g, seed=%llu)",
             (long long)spec->samples, (long long)classes, spec->noise,
             (unsigned long long)spec->seed);
    return RT_OK;
}

int rt_data_make_blobs(const rt_data_spec *spec, rt_dataset *out, rt_err *err)
{
    int rc = check_common("blobs", spec, err);
    if (rc == RT_OK && spec->features < 1)
        rc = rt_errf(err, RT_BAD_INPUT, "blobs: features must be at least 1, got %lld",
                     (long long)spec->features);
    if (rc == RT_OK)
        rc = rt_data_alloc(out, spec->samples, spec->features, err);
    double *centres = rc == RT_OK
        ? malloc((size_t)(spec->classes * spec->features) * sizeof(double)) : NULL;
    if (rc == RT_OK && !centres)
        rc = rt_errf(err, RT_FAILED, "blobs: out of memory for %lld centres",
                     (long long)spec->classes);
    if (rc != RT_OK)
        return rc;
    rt_rng rng;
    rt_rng_seed(&rng, spec->seed, RT_STREAM_SYNTH);
    int64_t f = spec->features;
    double sd = spec->noise > 0 ? spec->noise : 1.0;
    for (int64_t c = 0; c < spec->classes * f; c++)
        centres[c] = 20.0 * rt_rng_uniform(&rng) - 10.0;
    for (int64_t i = 0; i < out->n; i++) {
        int64_t j = i % spec->classes;
        for (int64_t d = 0; d < f; d++)
            out->x[i * f + d] = (float)(centres[j * f + d] + sd * rt_rng_normal(&rng));
        out->y[i] = (float)j;
    }
    free(centres);
    snprintf(out->source, sizeof out->source,
             "blobs(samples=%lld, classes=%lld, features=%lld, noise=%g, seed=%llu)",
             (long long)spec->samples, (long long)spec->classes, (long long)f, spec->noise,
             (unsigned long long)spec->seed);
    return RT_OK;
}

int rt_data_make_moons(const rt_data_spec *spec, rt_dataset *out, rt_err *err)
{
    rt_data_spec two = *spec;
    two.classes = 2;
    int rc = check_common("moons", &two, err);
    if (rc == RT_OK)
        rc = rt_data_alloc(out, spec->samples, 2, err);
    if (rc != RT_OK)
        return rc;
    rt_rng rng;
    rt_rng_seed(&rng, spec->seed, RT_STREAM_SYNTH);
    const double pi = 3.14159265358979323846;
    for (int64_t i = 0; i < out->n; i++) {
        int64_t j = i % 2, k = i / 2, arm = class_size(out->n, 2, j);
        double t = arm > 1 ? pi * (double)k / (double)(arm - 1) : 0;
        double px = j == 0 ? cos(t) : 1.0 - cos(t), py = j == 0 ? sin(t) : 0.5 - sin(t);
        out->x[2 * i] = (float)(px + spec->noise * rt_rng_normal(&rng));
        out->x[2 * i + 1] = (float)(py + spec->noise * rt_rng_normal(&rng));
        out->y[i] = (float)j;
    }
    snprintf(out->source, sizeof out->source, "moons(samples=%lld, noise=%g, seed=%llu)",
             (long long)spec->samples, spec->noise, (unsigned long long)spec->seed);
    return RT_OK;
}

int rt_data_make_regression(const rt_data_spec *spec, rt_dataset *out, rt_err *err)
{
    int64_t f = spec->features, t = spec->targets;
    int rc = RT_OK;
    if (spec->samples < 1 || f < 1 || t < 1 || f > 1000000 || t > 1000000)
        rc = rt_errf(err, RT_BAD_INPUT, "regression: samples, features and targets must be at least 1 "
                     "(got %lld, %lld, %lld)", (long long)spec->samples, (long long)f, (long long)t);
    else if (!isfinite(spec->noise) || spec->noise < 0)
        rc = rt_errf(err, RT_BAD_INPUT, "regression: noise must be a finite number >= 0, got %g", spec->noise);
    if (rc == RT_OK)
        rc = rt_data_alloc_y(out, spec->samples, f, t, err);
    double *w = rc == RT_OK ? malloc((size_t)((f + 1) * t) * sizeof(double)) : NULL;
    if (rc == RT_OK && !w)
        rc = rt_errf(err, RT_FAILED, "regression: out of memory for the weights");
    if (rc != RT_OK)
        return rc;
    rt_rng rng;
    rt_rng_seed(&rng, spec->seed, RT_STREAM_SYNTH);
    for (int64_t k = 0; k < f * t; k++)
        w[k] = rt_rng_normal(&rng);
    for (int64_t k = 0; k < t; k++)
        w[f * t + k] = 2.0 * rt_rng_uniform(&rng) - 1.0;
    for (int64_t i = 0; i < out->n; i++) {
        float *x = out->x + i * f, *y = out->y + i * t;
        for (int64_t d = 0; d < f; d++)
            x[d] = (float)rt_rng_normal(&rng);
        for (int64_t k = 0; k < t; k++) {
            double v = w[f * t + k];
            for (int64_t d = 0; d < f; d++)
                v += x[d] * w[d * t + k];
            y[k] = (float)(v + spec->noise * rt_rng_normal(&rng));
        }
    }
    free(w);
    snprintf(out->source, sizeof out->source,
             "regression(samples=%lld, features=%lld, targets=%lld, noise=%g, seed=%llu)",
             (long long)spec->samples, (long long)f, (long long)t, spec->noise,
             (unsigned long long)spec->seed);
    return RT_OK;
}
