/* fuzz_common.h — what the libFuzzer targets in tests/fuzz share: the
 * loaders and the front end read files by path, so each input is written to
 * an anonymous in-memory file (memfd) and handed over as
 * /proc/self/fd/N. Nothing here is global: every call makes and closes its
 * own file. */
#ifndef FUZZ_COMMON_H
#define FUZZ_COMMON_H

#define _GNU_SOURCE
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

/* The data-set memory limit the loaders are given (their --max-memory):
 * a hostile header must be refused, not allocated. */
#define FUZZ_MAX_BYTES ((int64_t)256 << 20)

/* A file holding `len` bytes of `data`; its path is written to path[64].
 * Returns the descriptor to close afterwards (the path dies with it). */
static inline int fuzz_memfile(const char *name, const uint8_t *data, size_t len, char path[64])
{
    int fd = memfd_create(name, 0);
    if (fd < 0) {
        perror("memfd_create");
        abort();
    }
    size_t done = 0;
    while (done < len) {
        ssize_t n = write(fd, data + done, len - done);
        if (n <= 0) {
            perror("write");
            abort();
        }
        done += (size_t)n;
    }
    snprintf(path, 64, "/proc/self/fd/%d", fd);
    return fd;
}

#endif
