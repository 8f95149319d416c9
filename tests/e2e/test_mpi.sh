#!/usr/bin/env bash
# Beyond one machine: lrc under mpirun (runtime/rt_mpi.h). Seeds and grid
# rates spread over 2 ranks give the same files as one process (curve.csv,
# plot.svg and grid rates byte-identical, report.json identical but for
# timings and the "mpi" member); data-parallel steps over 2 ranks give the
# one-process curve of the same global batch within a stated tolerance; a
# rank that fails stops the job with its message (timeouts guard against
# hangs); without mpirun nothing changes. Skipped when mpirun is absent.
#   test_mpi.sh LRC SOURCE_DIR
lrc=$1; src=$2
. "$(dirname "$0")/lib.sh"
export LRC_STDLIB="$src/stdlib"
ex=$src/examples/digits_mlp.lrf
if ! command -v mpirun >/dev/null 2>&1; then
  echo "test_mpi: SKIPPED: mpirun not found (apt-get install openmpi-bin libopenmpi-dev)"; exit 0
fi
# a build without MPI must say so, and then there is nothing more to test
"$lrc" run "$ex" --data-parallel --out "$tmp/nompi" --quiet >"$tmp/out" 2>"$tmp/err"; code=$?
if grep -q "built without MPI" "$tmp/err"; then
  [ "$code" -eq 2 ] && ok || bad "--data-parallel without MPI: exit $code, expected 2"
  echo "test_mpi: this lrc was built without MPI; only that message was checked"; finish; exit
fi
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
# (under ASan, Open MPI's own allocations at MPI_Init are reported as leaks: not lrc's)
mpi2() { ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0" timeout 120 mpirun --oversubscribe -n 2 "$@"; }
# report.json without what differs from run to run (times, thread counts) and the "mpi" member
norm() {
  python3 -c 'import json,sys
def strip(v):
    if isinstance(v, dict):
        return {k: strip(x) for k, x in v.items() if not any(w in k for w in ("seconds", "started_at", "threads", "pool_steps", "mpi"))}
    if isinstance(v, list):
        return [strip(x) for x in v]
    return v
print(json.dumps(strip(json.load(open(sys.argv[1]))), indent=1, sort_keys=True))' "$1"
}
same_run() {  # same_run NAME DIR1 DIR2
  cmp -s "$2/curve.csv" "$3/curve.csv" && ok || bad "$1: curve.csv differs"
  cmp -s "$2/plot.svg" "$3/plot.svg" && ok || bad "$1: plot.svg differs"
  norm "$2/report.json" >"$tmp/r1"; norm "$3/report.json" >"$tmp/r2"
  cmp -s "$tmp/r1" "$tmp/r2" && ok || { bad "$1: report.json differs"; diff "$tmp/r1" "$tmp/r2" | head; }
}

# ---- without mpirun nothing changes ----------------------------------------------
expect_code 0 "one process" "$lrc" run "$ex" --seeds 3 --out "$tmp/one" --quiet
if grep -q '"mpi"' "$tmp/one/report.json"; then bad "a run without mpirun reports mpi"; else ok; fi

# ---- seeds over 2 ranks: one run directory, the same files ---------------------------
expect_code 0 "seeds under mpirun" mpi2 "$lrc" run "$ex" --seeds 3 --out "$tmp/two"
same_run "seeds over 2 ranks" "$tmp/one" "$tmp/two"
expect_grep '"ranks": 2' "$tmp/two/report.json" "report names the ranks"
[ "$(grep -c '^wrote ' "$tmp/out")" -eq 1 ] && ok || bad "not exactly one rank printed the summary"
[ "$(grep -c '^experiment' "$tmp/out")" -eq 1 ] && ok || bad "more than one summary"

# ---- the same for a standalone binary -------------------------------------------------
bin=$tmp/digits
expect_code 0 "build" "$lrc" build "$ex" -o "$bin" --quiet
expect_code 0 "binary, one process" "$bin" --seeds 3 --out "$tmp/b1" --quiet
expect_code 0 "binary under mpirun" mpi2 "$bin" --seeds 3 --out "$tmp/b2" --quiet
cmp -s "$tmp/b1/curve.csv" "$tmp/b2/curve.csv" && ok || bad "binary: curve.csv differs under mpirun"
cmp -s "$tmp/one/curve.csv" "$tmp/b2/curve.csv" && ok || bad "binary under mpirun: curve.csv differs from lrc run"
cmp -s "$tmp/b1/plot.svg" "$tmp/b2/plot.svg" && ok || bad "binary: plot.svg differs under mpirun"
expect_code 2 "binary --data-parallel" "$bin" --data-parallel
expect_grep 'batch \(64\) is compiled in' "$tmp/err" "binary --data-parallel message"

# ---- grid rates over 2 ranks ---------------------------------------------------------
grid=(--rates 1e-3,1e-2,0.1 --set sweep.grid_steps=30 --quiet)
expect_code 0 "grid, one process" "$lrc" grid "$ex" "${grid[@]}" --out "$tmp/g1"
expect_code 0 "grid under mpirun" mpi2 "$lrc" grid "$ex" "${grid[@]}" --out "$tmp/g2"
cut -d, -f1-4 "$tmp/g1/grid.csv" >"$tmp/g1c"; cut -d, -f1-4 "$tmp/g2/grid.csv" >"$tmp/g2c"
[ "$(wc -l <"$tmp/g1c")" -eq 4 ] && cmp -s "$tmp/g1c" "$tmp/g2c" && ok || { bad "grid.csv differs"; diff "$tmp/g1c" "$tmp/g2c"; }
same_run "grid's range test over 2 ranks" "$tmp/g1" "$tmp/g2"

# ---- data-parallel steps ---------------------------------------------------------------
# 1 rank: lrc_grad + lrc_update is lrc_step, bit for bit
expect_code 0 "data parallel, 1 rank" "$lrc" run "$ex" --data-parallel --out "$tmp/dp1" --quiet
expect_code 0 "single process, seed 0" "$lrc" run "$ex" --out "$tmp/sp" --quiet
cmp -s "$tmp/sp/curve.csv" "$tmp/dp1/curve.csv" && ok || bad "data parallel on 1 rank is not lrc_step's curve"
# 2 ranks: batch 64 = 2 x 32; the curve is the one-process curve within the tolerance
expect_code 0 "data parallel, 2 ranks" mpi2 "$lrc" run "$ex" --data-parallel --out "$tmp/dp2"
expect_grep '"mode": "data"' "$tmp/dp2/report.json" "report: data-parallel mode"
expect_grep '"comm_seconds": [0-9]' "$tmp/dp2/report.json" "report: communication time"
expect_grep '^mpi +2 ranks, data parallel' "$tmp/out" "summary: ranks and communication"
python3 - "$tmp/sp/curve.csv" "$tmp/dp2/curve.csv" >"$tmp/cmp" 2>&1 <<'EOF'
# Tolerance: |loss_dp - loss_1| <= 1e-4 * max(1, |loss_1|) while loss_1 is below
# 2x its starting value (the range test's useful part; past divergence the
# trajectories are chaotic), and at least 60 such steps.
import csv, sys
a = list(csv.DictReader(open(sys.argv[1]))); b = list(csv.DictReader(open(sys.argv[2])))
first = float(a[0]["loss"]); n = 0; worst = 0.0
for ra, rb in zip(a, b):
    la, lb = float(ra["loss"]), float(rb["loss"])
    if la > 2 * first: break
    assert ra["rate"] == rb["rate"], (ra, rb)
    err = abs(la - lb) / max(1.0, abs(la)); worst = max(worst, err); n += 1
    if err > 1e-4: sys.exit("step %s: loss %s vs %s (relative %.3g)" % (ra["step"], la, lb, err))
if n < 60: sys.exit("only %d steps compared" % n)
print("compared %d steps, worst relative difference %.3g" % (n, worst))
EOF
[ $? -eq 0 ] && ok || { bad "data-parallel curve differs from the one-process curve"; cat "$tmp/cmp"; }
cat "$tmp/cmp"
expect_code 2 "data parallel, batch not divisible" mpi2 "$lrc" run "$ex" --data-parallel --set dataset.batch=63 --quiet
expect_grep 'divides by 2' "$tmp/err" "message for an indivisible batch"

# ---- a rank that fails stops the job ----------------------------------------------------
sed "s|\"data/digits.csv\"|\"$tmp/missing.csv\"|" "$ex" >"$tmp/bad.lrf"
cat >"$tmp/rank.sh" <<EOF
#!/bin/sh
# rank 1 reads a data file that does not exist
if [ "\$OMPI_COMM_WORLD_RANK" = 1 ]; then exec "$lrc" run "$tmp/bad.lrf" --data-parallel --quiet; fi
exec "$lrc" run "$ex" --data-parallel --quiet --out "$tmp/never"
EOF
chmod +x "$tmp/rank.sh"
mpi2 "$tmp/rank.sh" >"$tmp/out" 2>"$tmp/err"; code=$?
[ "$code" -ne 0 ] && [ "$code" -ne 124 ] && ok || bad "a failing rank: exit $code (124: the job hung)"
expect_grep 'missing.csv' "$tmp/err" "the failing rank's own message"
expect_grep 'rank 1 of 2 failed \(exit 2\)' "$tmp/err" "the failing rank says it stops the job"
cat >"$tmp/crash.sh" <<EOF
#!/bin/sh
# rank 1 crashes (SIGSEGV) in the middle of a long data-parallel run
long="--data-parallel --quiet --set sweep.steps=10000000 --set sweep.end_rate=1e-6 --set sweep.start_rate=1e-7"
if [ "\$OMPI_COMM_WORLD_RANK" = 1 ]; then
  "$lrc" run "$ex" \$long --out "$tmp/c1" & p=\$!; sleep 3; kill -SEGV \$p; wait \$p; exit \$?
fi
exec "$lrc" run "$ex" \$long --out "$tmp/c0"
EOF
chmod +x "$tmp/crash.sh"
mpi2 "$tmp/crash.sh" >"$tmp/out" 2>"$tmp/err"; code=$?
[ "$code" -ne 0 ] && [ "$code" -ne 124 ] && ok || bad "a crashing rank: exit $code (124: the job hung)"
expect_grep 'Segmentation fault|signal 11|SEGV' "$tmp/err" "the crash is named"
expect_grep 'exited with non-zero status' "$tmp/err" "mpirun stops the job"
finish
