/* fuzz_csv.c — libFuzzer target for the numeric CSV loader
 * (runtime/rt_data_csv.c) through rt_data_load, with the options that
 * change how a file is read: the first input byte chooses header on/off,
 * the label column (-1..2), standardize and a limit; the rest is the file.
 * Every input must give a data set or a located error, never a crash, a
 * leak or undefined behaviour; a data set must hold only finite floats. */
#include "fuzz_common.h"

#include <math.h>
#include "rt_data.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t opts = data[0];
    char path[64];
    int fd = fuzz_memfile("fuzz.csv", data + 1, size - 1, path);
    rt_data_spec spec = {
        .kind = RT_SRC_CSV, .path = path, .header = opts & 1,
        .label_col = (int64_t)((opts >> 1) & 3) - 1, .standardize = (opts >> 3) & 1,
        .limit = (opts >> 4) & 3, .scale = (opts >> 6) & 1 ? 0.5 : 1, .max_bytes = FUZZ_MAX_BYTES,
    };
    rt_dataset d;
    rt_err err = {0};
    if (rt_data_load(&spec, &d, &err) == RT_OK) {
        if (d.n < 1 || d.features < 1)
            abort();
        for (int64_t i = 0; i < d.n * d.features; i++)
            if (!isfinite(d.x[i]))
                abort();
        for (int64_t i = 0; i < d.n; i++)
            if (!isfinite(d.y[i]))
                abort();
        rt_data_free(&d);
    } else if (err.code != RT_BAD_INPUT || err.msg[0] == '\0') {
        abort(); /* a file can only be bad input, always with a message */
    }
    close(fd);
    return 0;
}
