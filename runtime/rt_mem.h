/* rt_mem.h — memory for the runtime's large float blocks: the model's
 * block, the batch buffers and data sets. */
#ifndef RT_MEM_H
#define RT_MEM_H

#include <stddef.h>

/* Memory for `count` floats, 64-byte aligned (a cache line, an AVX-512
 * vector); blocks of 2 MiB and more are 2 MiB aligned with transparent
 * huge pages advised. Zeroed when `zero` is set. Released with free();
 * NULL when memory runs out. */
float *rt_mem_floats(size_t count, int zero);

#endif
