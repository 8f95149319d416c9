/* rt_mpi.h — everything lrc does with MPI, behind one small interface:
 * starting under mpirun, fanning seeds and grid rates out over the ranks and
 * gathering them on rank 0, the fixed-order gradient mean of data-parallel
 * steps, and stopping the whole job when one rank fails. rt_mpi.c holds two
 * implementations of it: the MPI one (built when CMake finds MPI and LRC_MPI
 * is ON: LRC_HAVE_MPI) and one that says "this lrc was built without MPI"
 * when an MPI feature is asked for. Nothing here includes <mpi.h>, so the
 * rest of the runtime compiles the same either way.
 *
 * MPI is touched only when the process was started by mpirun (or srun):
 * OMPI_COMM_WORLD_SIZE, PMI_SIZE or PMIX_RANK in the environment. Started
 * any other way, rt_mpi_start leaves `active` at 0 and lrc behaves exactly
 * as without MPI. */
#ifndef RT_MPI_H
#define RT_MPI_H

#include <stdint.h>
#include "rt_err.h"

typedef struct rt_result rt_result;
typedef struct rt_grid_row rt_grid_row;

/* One process's view of the job; held by the caller (no global state). */
typedef struct rt_mpi {
    int active;          /* MPI_Init ran: rank/size are MPI's */
    int rank, size;      /* 0 and 1 when not active */
} rt_mpi;

/* Non-zero when lrc was built with MPI. */
int rt_mpi_built(void);
/* Non-zero when the environment says mpirun/srun started this process. */
int rt_mpi_launched(void);
/* Starts MPI when launched by mpirun (MPI_Init_thread, funneled: only the
 * main thread calls MPI). Returns 0, or RT_BAD_INPUT with a message in
 * *err when this lrc was built without MPI but runs as one of several
 * ranks (each would otherwise run the whole experiment on its own). */
int rt_mpi_start(rt_mpi *c, rt_err *err);
/* MPI_Finalize when active. */
void rt_mpi_finish(rt_mpi *c);
/* A failed rank: prints "PROG: rank R of K failed (exit CODE): stopping
 * every rank" on stderr (after the rank's own error message), then
 * MPI_Abort(MPI_COMM_WORLD, code). Returns only when not active. */
void rt_mpi_abort(const rt_mpi *c, const char *prog, int code);

/* Seeds spread over the ranks: result i was computed on rank i % size.
 * Sends every result to rank 0, which receives them in index order
 * (tag = index), so res[0..n) is complete on rank 0. Other ranks keep their
 * own results. Returns 0 or an rt_err code. */
int rt_mpi_gather_results(const rt_mpi *c, rt_result *res, int64_t n, rt_err *err);
/* Grid rows spread the same way (row g on rank g % size), gathered on rank 0. */
int rt_mpi_gather_grid(const rt_mpi *c, rt_grid_row *rows, int n, rt_err *err);
/* *v from rank 0 to every rank. */
int rt_mpi_bcast_int(const rt_mpi *c, int *v, rt_err *err);

/* The data-parallel reduction. buf holds n floats on every rank (the
 * rank's gradient, its loss and its interrupt flag); scratch has room for
 * size * n floats. MPI_Gather to rank 0 in rank order, a sum in rank order
 * (r = 0, 1, ..., size-1: the same additions whatever the timing),
 * division by size, MPI_Bcast: buf then holds the mean on every rank,
 * identical bit for bit. *seconds gets the time spent. */
int rt_mpi_mean(const rt_mpi *c, float *buf, int64_t n, float *scratch, double *seconds, rt_err *err);

#endif
