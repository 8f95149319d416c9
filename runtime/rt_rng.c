/* rt_rng.c — xoshiro256** seeded through splitmix64 (Blackman & Vigna).
 * Also the initialisation entry point the generated code calls. */
#include "rt_rng.h"

#include <math.h>
#include "lrc_abi.h"

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

void rt_rng_seed(rt_rng *r, uint64_t seed, uint64_t stream)
{
    uint64_t x = seed ^ (stream * 0xd1b54a32d192ed03ULL);
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&x);
}

uint64_t rt_rng_u64(rt_rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

double rt_rng_uniform(rt_rng *r) { return (double)(rt_rng_u64(r) >> 11) * 0x1.0p-53; }

double rt_rng_normal(rt_rng *r)
{
    double u1 = rt_rng_uniform(r), u2 = rt_rng_uniform(r);
    if (u1 < 1e-300)
        u1 = 1e-300;
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586477 * u2);
}

uint64_t rt_rng_below(rt_rng *r, uint64_t n)
{
    if (n == 0)
        return 0;
    uint64_t limit = UINT64_MAX - UINT64_MAX % n; /* reject the biased tail */
    uint64_t x;
    do
        x = rt_rng_u64(r);
    while (x >= limit);
    return x % n;
}

void lrc_rt_fill_uniform(float *dst, int64_t n, float bound, uint64_t seed, uint64_t stream)
{
    rt_rng r;
    rt_rng_seed(&r, seed, stream);
    for (int64_t i = 0; i < n; i++)
        dst[i] = (float)((2.0 * rt_rng_uniform(&r) - 1.0) * bound);
}
