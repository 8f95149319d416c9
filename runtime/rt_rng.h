/* rt_rng.h — deterministic random numbers for initialisation, shuffling and
 * synthetic data. splitmix64 seeds a xoshiro256** state; streams derived from
 * (seed, stream) are independent. No global state: every user holds its own. */
#ifndef RT_RNG_H
#define RT_RNG_H

#include <stdint.h>

typedef struct rt_rng {
    uint64_t s[4];
} rt_rng;

void     rt_rng_seed(rt_rng *r, uint64_t seed, uint64_t stream);
uint64_t rt_rng_u64(rt_rng *r);
double   rt_rng_uniform(rt_rng *r);           /* [0, 1) */
double   rt_rng_normal(rt_rng *r);            /* N(0, 1), Box-Muller */
uint64_t rt_rng_below(rt_rng *r, uint64_t n); /* [0, n), unbiased */

/* Well-known streams derived from one experiment seed. */
enum { RT_STREAM_SHUFFLE = 1, RT_STREAM_SYNTH = 2, RT_STREAM_INIT_BASE = 1000 };

#endif
