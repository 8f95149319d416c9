/* rt_mpi.c — the two implementations of rt_mpi.h: with MPI (LRC_HAVE_MPI,
 * when CMake found MPI and LRC_MPI is ON) and without it, where asking for
 * an MPI feature is a clear error. Results travel as raw bytes, so every
 * rank must run the same lrc build on the same kind of machine (mpirun's
 * usual homogeneous job). */
#include "rt_mpi.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rt_results.h"

int rt_mpi_launched(void)
{
    return getenv("OMPI_COMM_WORLD_SIZE") || getenv("PMI_SIZE") || getenv("PMIX_RANK");
}

#ifdef LRC_HAVE_MPI
#include <mpi.h>

int rt_mpi_built(void) { return 1; }

static int mpi_failed(rt_err *err, int code, const char *what)
{
    char text[MPI_MAX_ERROR_STRING] = "";
    int len = 0;
    MPI_Error_string(code, text, &len);
    return rt_errf(err, RT_FAILED, "MPI: %s failed: %s", what, text);
}

int rt_mpi_start(rt_mpi *c, rt_err *err)
{
    *c = (rt_mpi){.rank = 0, .size = 1};
    if (!rt_mpi_launched())
        return RT_OK;
    int provided = 0;
    int rc = MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &provided);
    if (rc != MPI_SUCCESS)
        return mpi_failed(err, rc, "MPI_Init_thread");
    /* errors come back as codes (our messages), not MPI's default abort */
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Comm_rank(MPI_COMM_WORLD, &c->rank);
    MPI_Comm_size(MPI_COMM_WORLD, &c->size);
    c->active = 1;
    return RT_OK;
}

void rt_mpi_finish(rt_mpi *c)
{
    if (c->active)
        MPI_Finalize();
    c->active = 0;
}

void rt_mpi_abort(const rt_mpi *c, const char *prog, int code)
{
    if (!c->active)
        return;
    fprintf(stderr, "%s: rank %d of %d failed (exit %d): stopping every rank\n", prog, c->rank, c->size, code);
    fflush(stderr);
    fflush(stdout);
    MPI_Abort(MPI_COMM_WORLD, code);
}

enum { TAG_RESULT = 1, TAG_POINTS = 1 << 20 };

int rt_mpi_gather_results(const rt_mpi *c, rt_result *res, int64_t n, rt_err *err)
{
    if (!c->active || c->size == 1)
        return RT_OK;
    if (n >= TAG_POINTS)
        return rt_errf(err, RT_FAILED, "MPI: too many seeds to gather (%lld)", (long long)n);
    for (int64_t i = 0; i < n; i++) {
        int owner = (int)(i % c->size), rc = MPI_SUCCESS;
        if (owner == 0)
            continue;
        if (c->rank == owner) {
            rc = MPI_Send(&res[i], (int)sizeof res[i], MPI_BYTE, 0, TAG_RESULT + (int)i, MPI_COMM_WORLD);
            if (rc == MPI_SUCCESS)
                rc = MPI_Send(res[i].pts, (int)(res[i].n * (int64_t)sizeof *res[i].pts), MPI_BYTE, 0,
                              TAG_POINTS + (int)i, MPI_COMM_WORLD);
        } else if (c->rank == 0) {
            rc = MPI_Recv(&res[i], (int)sizeof res[i], MPI_BYTE, owner, TAG_RESULT + (int)i, MPI_COMM_WORLD,
                          MPI_STATUS_IGNORE);
            res[i].pts = NULL;
            res[i].cap = res[i].n;
            if (rc == MPI_SUCCESS && !(res[i].pts = malloc((size_t)(res[i].n > 0 ? res[i].n : 1) * sizeof *res[i].pts)))
                return rt_errf(err, RT_FAILED, "out of memory receiving seed %lld", (long long)i);
            if (rc == MPI_SUCCESS)
                rc = MPI_Recv(res[i].pts, (int)(res[i].n * (int64_t)sizeof *res[i].pts), MPI_BYTE, owner,
                              TAG_POINTS + (int)i, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        }
        if (rc != MPI_SUCCESS)
            return mpi_failed(err, rc, "gathering the seeds' curves");
    }
    return RT_OK;
}

int rt_mpi_gather_grid(const rt_mpi *c, rt_grid_row *rows, int n, rt_err *err)
{
    if (!c->active || c->size == 1)
        return RT_OK;
    for (int g = 0; g < n; g++) {
        int owner = g % c->size, rc = MPI_SUCCESS;
        if (owner == 0)
            continue;
        if (c->rank == owner)
            rc = MPI_Send(&rows[g], (int)sizeof rows[g], MPI_BYTE, 0, TAG_RESULT + g, MPI_COMM_WORLD);
        else if (c->rank == 0)
            rc = MPI_Recv(&rows[g], (int)sizeof rows[g], MPI_BYTE, owner, TAG_RESULT + g, MPI_COMM_WORLD,
                          MPI_STATUS_IGNORE);
        if (rc != MPI_SUCCESS)
            return mpi_failed(err, rc, "gathering the grid");
    }
    return RT_OK;
}

int rt_mpi_bcast_int(const rt_mpi *c, int *v, rt_err *err)
{
    if (!c->active || c->size == 1)
        return RT_OK;
    int rc = MPI_Bcast(v, 1, MPI_INT, 0, MPI_COMM_WORLD);
    return rc == MPI_SUCCESS ? RT_OK : mpi_failed(err, rc, "MPI_Bcast");
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int rt_mpi_mean(const rt_mpi *c, float *buf, int64_t n, float *scratch, double *seconds, rt_err *err)
{
    if (!c->active || c->size == 1)
        return RT_OK;
    if (n * (int64_t)c->size > 0x7fffffff)
        return rt_errf(err, RT_FAILED, "MPI: %lld floats per rank are too many to gather", (long long)n);
    double t0 = now_seconds();
    int rc = MPI_Gather(buf, (int)n, MPI_FLOAT, scratch, (int)n, MPI_FLOAT, 0, MPI_COMM_WORLD);
    if (rc != MPI_SUCCESS)
        return mpi_failed(err, rc, "MPI_Gather of the gradients");
    if (c->rank == 0) {
        float k = (float)c->size;
        for (int64_t i = 0; i < n; i++) {
            float s = scratch[i];
            for (int r = 1; r < c->size; r++)   /* rank order, always */
                s += scratch[(int64_t)r * n + i];
            buf[i] = s / k;
        }
    }
    rc = MPI_Bcast(buf, (int)n, MPI_FLOAT, 0, MPI_COMM_WORLD);
    if (rc != MPI_SUCCESS)
        return mpi_failed(err, rc, "MPI_Bcast of the mean gradient");
    *seconds += now_seconds() - t0;
    return RT_OK;
}

#else /* ---- built without MPI ------------------------------------------------------ */

int rt_mpi_built(void) { return 0; }

/* The job's size as the launcher announces it, 1 when unknown. */
static int launched_size(void)
{
    const char *s = getenv("OMPI_COMM_WORLD_SIZE");
    if (!s)
        s = getenv("PMI_SIZE");
    return s ? atoi(s) : 1;
}

int rt_mpi_start(rt_mpi *c, rt_err *err)
{
    *c = (rt_mpi){.rank = 0, .size = 1};
    int k = rt_mpi_launched() ? launched_size() : 1;
    if (k > 1)
        return rt_errf(err, RT_BAD_INPUT,
                       "this lrc was built without MPI, but mpirun started it as one of %d ranks (each would run "
                       "the whole experiment); rebuild with MPI (apt-get install libopenmpi-dev; cmake -DLRC_MPI=ON) "
                       "or run it without mpirun", k);
    return RT_OK;
}

void rt_mpi_finish(rt_mpi *c) { c->active = 0; }

void rt_mpi_abort(const rt_mpi *c, const char *prog, int code)
{
    (void)c;
    (void)prog;
    (void)code;
}

int rt_mpi_gather_results(const rt_mpi *c, rt_result *res, int64_t n, rt_err *err)
{
    (void)c;
    (void)res;
    (void)n;
    (void)err;
    return RT_OK;   /* one process: every result is here already */
}

int rt_mpi_gather_grid(const rt_mpi *c, rt_grid_row *rows, int n, rt_err *err)
{
    (void)c;
    (void)rows;
    (void)n;
    (void)err;
    return RT_OK;
}

int rt_mpi_bcast_int(const rt_mpi *c, int *v, rt_err *err)
{
    (void)c;
    (void)v;
    (void)err;
    return RT_OK;
}

int rt_mpi_mean(const rt_mpi *c, float *buf, int64_t n, float *scratch, double *seconds, rt_err *err)
{
    (void)c;
    (void)buf;
    (void)n;
    (void)scratch;
    (void)seconds;
    (void)err;
    return RT_OK;   /* one rank: its gradient is the mean */
}

#endif
