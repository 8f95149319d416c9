/* rt_parallel.h — the thread pool the compiled step splits its large
 * matrix products over (rt_parallel.c). The generated code sees only the
 * opaque lrc_rt_pool and lrc_rt_parallel (lrc_abi.h). */
#ifndef RT_PARALLEL_H
#define RT_PARALLEL_H

#include "lrc_abi.h"

/* A pool of `threads` - 1 workers (the caller is the other thread), at
 * most 16 threads in all. threads <= 1, or no thread could start: *out is
 * NULL, which lrc_rt_parallel takes as "run the parts on the caller's
 * thread". Returns 0, or -1 when memory ran out (*out NULL). */
int rt_pool_start(int threads, lrc_rt_pool **out);
/* Stops the workers and frees the pool (NULL is fine). */
void rt_pool_stop(lrc_rt_pool *p);
/* Threads the pool runs parts on, the caller's included (1 for NULL). */
int rt_pool_threads(const lrc_rt_pool *p);

#endif
