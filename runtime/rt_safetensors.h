/* rt_safetensors.h — weights in and out in the safetensors format.
 *
 * A file is: 8 bytes, the little-endian length N of the header; N bytes of
 * JSON, {"NAME": {"dtype": "F32", "shape": [...], "data_offsets": [b, e]},
 * ..., "__metadata__": {"k": "v"}} padded with spaces; then the raw
 * little-endian data, each tensor at [b, e) from the end of the header.
 *
 * The network's tensors are described by a list of rt_tensor: a name, the
 * shape as the file holds it (PyTorch's order), the first float in the flat
 * parameter block and how lrc orders the same numbers there: `perm` lists,
 * for each dimension of lrc's row-major array, the file dimension it is.
 * A dense layer's W [in][out] saved as PyTorch's weight [out, in] has
 * perm {1, 0}; a bias [out] has the identity. Any layer kind adds its
 * tensors to the list the same way. */
#ifndef RT_SAFETENSORS_H
#define RT_SAFETENSORS_H

#include <stdint.h>
#include "rt_err.h"

#define RT_TENSOR_MAX_RANK 4

typedef struct rt_tensor {
    const char *name;                   /* e.g. "0.weight" */
    int rank;                           /* 1..RT_TENSOR_MAX_RANK */
    int64_t shape[RT_TENSOR_MAX_RANK];  /* as in the file */
    int64_t offset;                     /* first float in the parameter block */
    int permuted;                       /* 0: lrc's order is the file's */
    int perm[RT_TENSOR_MAX_RANK];       /* lrc dimension d is file dimension perm[d] */
} rt_tensor;

/* Floats in one tensor. */
int64_t rt_tensor_floats(const rt_tensor *t);

/* Writes `n` tensors from `params` to `path` as F32 (atomically: a
 * temporary file, then rename). `metadata` is NULL or a NULL-terminated
 * list of key, value strings for "__metadata__". */
int rt_safetensors_write(const char *path, const float *params, const rt_tensor *t, int n,
                         const char *const *metadata, rt_err *err);

/* Reads only the header of `path` and checks it against the tensors:
 * every tensor present with the same shape, dtype F32 or F64, offsets
 * inside the file, no tensor the network does not have. The message names
 * the tensor (RT_BAD_INPUT). */
int rt_safetensors_check(const char *path, const rt_tensor *t, int n, rt_err *err);

/* rt_safetensors_check, then copies every tensor into `params` (F64 values
 * converted to float; a value that is not finite is an error). With
 * params NULL it is the check alone. */
int rt_safetensors_read(const char *path, float *params, const rt_tensor *t, int n, rt_err *err);

#endif
