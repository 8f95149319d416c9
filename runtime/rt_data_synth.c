/* rt_data_synth.c — synthetic data sets, drawn from rt_rng (seed,
 * RT_STREAM_SYNTH) so the same seed always gives the same data.
 *
 * spirals: `classes` interleaved arms in 2-D, after the CS231n generator:
 *   for arm j with N points, point k: r = k / (N - 1),
 *   theta = 4 j + 4 r + noise * randn, x = (r sin theta, r cos theta).
 * blobs: `classes` Gaussian clusters in `features` dimensions, centres
 *   uniform in [-10, 10]^features, standard deviation `noise` (1 if 0).
 * Sample i belongs to class i % classes, so every prefix (`limit`) is
 * balanced; the samples total `samples`. */
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
