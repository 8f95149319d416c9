/* bench/sgemm.c — the machine's matrix-multiply ceiling: OpenBLAS
 * cblas_sgemm on N x N x N (default 2048) with 1 and 2 threads, best of
 * several repetitions, printed as GFLOP/s. bench/run.py runs it with
 * OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset for this one command (this
 * machine sets them, which makes OpenBLAS pick slower AVX2 kernels).
 *   cc -O2 sgemm.c -o sgemm -lopenblas && ./sgemm [N] */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

void openblas_set_num_threads(int);

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 2048;
    float *a = malloc(sizeof(float) * (size_t)n * n), *b = malloc(sizeof(float) * (size_t)n * n),
          *c = malloc(sizeof(float) * (size_t)n * n);
    if (!a || !b || !c)
        return 1;
    for (size_t i = 0; i < (size_t)n * n; i++) {
        a[i] = (float)(i % 7) * 0.1f;
        b[i] = (float)(i % 5) * 0.2f;
    }
    for (int threads = 1; threads <= 2; threads++) {
        openblas_set_num_threads(threads);
        double best = 1e30;
        for (int rep = 0; rep < 5; rep++) {
            double t0 = now();
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, a, n, b, n, 0.0f, c, n);
            double dt = now() - t0;
            if (dt < best)
                best = dt;
        }
        printf("sgemm %d threads %.1f GFLOP/s\n", threads, 2.0 * n * n * (double)n / best / 1e9);
    }
    free(a);
    free(b);
    free(c);
    return 0;
}
