/* rt_data_internal.h — what the data loaders share inside the runtime
 * (not part of the runtime's public interface).
 *
 * Each loader fills a zeroed rt_dataset with n, features, x, y and source;
 * the file loaders (CSV, IDX, NPY) read and allocate only the first `limit`
 * samples. rt_data.c then applies limit (what a generator made beyond it),
 * scale and standardize and derives classes.
 * On failure a loader returns the rt_err code and may leave x and y
 * allocated: the caller frees them with rt_data_free. */
#ifndef RT_DATA_INTERNAL_H
#define RT_DATA_INTERNAL_H

#include "rt_data.h"

/* Allocates d->x [n][features] and d->y [n] and sets d->n, d->features,
 * targets 1 and a rank-1 shape. RT_FAILED when memory runs out. */
int rt_data_alloc(rt_dataset *d, int64_t n, int64_t features, rt_err *err);
/* The same with y [n][targets]. */
int rt_data_alloc_y(rt_dataset *d, int64_t n, int64_t features, int64_t targets, rt_err *err);
/* "12.3 MiB": a byte count for messages, written into buf. */
const char *rt_data_bytes_text(double bytes, char buf[32]);

int rt_data_load_csv(const rt_data_spec *spec, rt_dataset *out, rt_err *err);
int rt_data_load_idx(const rt_data_spec *spec, rt_dataset *out, rt_err *err);
int rt_data_make_spirals(const rt_data_spec *spec, rt_dataset *out, rt_err *err);
int rt_data_make_blobs(const rt_data_spec *spec, rt_dataset *out, rt_err *err);
int rt_data_load_npy(const rt_data_spec *spec, rt_dataset *out, rt_err *err);
int rt_data_make_regression(const rt_data_spec *spec, rt_dataset *out, rt_err *err);
int rt_data_make_moons(const rt_data_spec *spec, rt_dataset *out, rt_err *err);

#endif
