/* rt_mem.c — the runtime's allocator for large float blocks (rt_mem.h).
 *
 * On virtual machines the first touch of each 4 KiB page can dominate a
 * run's start: filling Fashion-MNIST's 188 MB of training floats measured
 * ~0.6 s of page faults with 4 KiB pages and ~20 ms with huge pages, and
 * zeroing fashion_wide's 82 MB model block 0.25 s against ~10 ms. So large
 * blocks are 2 MiB aligned and offered transparent huge pages (advice only:
 * where the system refuses, they are ordinary pages).
 */
#define _DEFAULT_SOURCE /* madvise and MADV_HUGEPAGE, where the system has them */
#include "rt_mem.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

enum { LINE = 64, HUGE_PAGE = 2 << 20 };

float *rt_mem_floats(size_t count, int zero)
{
    if (count > SIZE_MAX / sizeof(float) - HUGE_PAGE)
        return NULL;
    size_t bytes = (count > 0 ? count : 1) * sizeof(float);
    size_t align = bytes >= HUGE_PAGE ? HUGE_PAGE : LINE;
    bytes = (bytes + align - 1) / align * align; /* aligned_alloc wants a multiple */
    void *p = aligned_alloc(align, bytes);
    if (!p)
        return NULL;
#ifdef MADV_HUGEPAGE
    if (align == HUGE_PAGE)
        (void)madvise(p, bytes, MADV_HUGEPAGE);
#endif
    if (zero)
        memset(p, 0, bytes);
    return p;
}
