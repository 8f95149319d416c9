/* fuzz_npy.c — libFuzzer target for the NumPy .npy loader
 * (runtime/rt_data_npy.c) through rt_data_load. The input is split into the
 * two files npy("x.npy", "y.npy") reads: its first byte's low bit turns on
 * drop_nonfinite, the next two bytes (little-endian) give the length of the
 * y file, which comes next; the rest is the x file. Every input must give a
 * data set of finite floats or an error, never a crash, leak, undefined
 * behaviour or an allocation the file's size does not justify. */
#include "fuzz_common.h"

#include <math.h>
#include "rt_data.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 3)
        return 0;
    int drop = data[0] & 1;
    size_t ny = (size_t)data[1] | (size_t)data[2] << 8;
    data += 3;
    size -= 3;
    if (ny > size)
        ny = size;
    char xpath[64], ypath[64];
    int fy = fuzz_memfile("y.npy", data, ny, ypath);
    int fx = fuzz_memfile("x.npy", data + ny, size - ny, xpath);
    rt_data_spec spec = {.kind = RT_SRC_NPY, .path = xpath, .labels = ypath, .label_col = -1,
                         .scale = 1, .drop_nonfinite = drop, .max_bytes = FUZZ_MAX_BYTES};
    rt_dataset d;
    rt_err err = {0};
    if (rt_data_load(&spec, &d, &err) == RT_OK) {
        if (d.n < 1 || d.features < 1 || d.targets < 1)
            abort();
        for (int64_t i = 0; i < d.n * d.features; i++)
            if (!isfinite(d.x[i]))
                abort();
        rt_data_free(&d);
    } else if (err.msg[0] == '\0') {
        abort();
    }
    close(fx);
    close(fy);
    return 0;
}
