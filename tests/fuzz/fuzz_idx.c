/* fuzz_idx.c — libFuzzer target for the IDX loader (runtime/rt_data_idx.c),
 * plain and gzipped (zlib detects gzip by content), through rt_data_load.
 * The input is split into the two files the loader reads: its first two
 * bytes (little-endian) give the length of the labels file, which comes
 * next; the rest is the images file. Either may be gzipped. Every input
 * must give a data set or an error, never a crash, leak or undefined
 * behaviour. */
#include "fuzz_common.h"

#include "rt_data.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    size_t nlabels = (size_t)data[0] | (size_t)data[1] << 8;
    data += 2;
    size -= 2;
    if (nlabels > size)
        nlabels = size;
    char images[64], labels[64];
    int fl = fuzz_memfile("labels.idx", data, nlabels, labels);
    int fi = fuzz_memfile("images.idx", data + nlabels, size - nlabels, images);
    rt_data_spec spec = {.kind = RT_SRC_IDX, .path = images, .labels = labels, .label_col = -1, .scale = 1,
                         .max_bytes = FUZZ_MAX_BYTES};
    rt_dataset d;
    rt_err err = {0};
    if (rt_data_load(&spec, &d, &err) == RT_OK) {
        if (d.n < 1 || d.features < 1 || !d.labels_integral)
            abort();
        rt_data_free(&d);
    } else if (err.msg[0] == '\0') {
        abort();
    }
    close(fl);
    close(fi);
    return 0;
}
