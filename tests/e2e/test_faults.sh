#!/usr/bin/env bash
# Faults during a run: SIGTERM (a real signal) -> exit 143 with every file
# written and the stop marked "interrupted"; an unwritable output directory,
# a full disk (a tiny tmpfs when we may mount one) and a file-size limit
# (ulimit -f: lrc ignores SIGXFSZ, so write(2) fails with EFBIG) -> a clear
# message, exit 1, no temporary or half-written file, and an earlier run's
# complete files still complete; divergence to NaN/Inf -> a clean stop;
# a data file removed or truncated before the run -> a located error.
#   test_faults.sh LRC SOURCE_DIR
lrc=$1; src=$2
. "$(dirname "$0")/lib.sh"
export LRC_STDLIB="$src/stdlib"
ex=$src/examples/digits_mlp.lrf

# Every file in DIR is complete: no temporary left, report.json parses,
# curve.csv ends with a newline after a whole row.
files_complete() {
  local d=$1 name=$2
  if ls "$d" | grep -q '\.tmp\.'; then bad "$name: temporary file left in $d"; ls "$d"; return; fi
  if [ -f "$d/report.json" ] && ! python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$d/report.json"; then
    bad "$name: $d/report.json is not complete JSON"; return; fi
  if [ -f "$d/curve.csv" ] && { [ -n "$(tail -c1 "$d/curve.csv")" ] || ! tail -n1 "$d/curve.csv" | grep -qE '^[0-9]+,[^,]+,[^,]+,[^,]+$'; }; then
    bad "$name: $d/curve.csv ends in a partial row"; return; fi
  ok
}

# ---- SIGTERM: a long sweep, a real signal once the steps have begun ----------
# (lrc installs its handler first thing; the signal goes once steps are
# surely being measured, however loaded the machine: steps_begun_after)
wait_s=$(steps_begun_after "$lrc" "$ex")
"$lrc" run "$ex" --out "$tmp/term" --quiet --set sweep.steps=5000000 \
  --set "sweep.stop=when step >= 4999999" >"$tmp/out" 2>"$tmp/err" &
pid=$!
sleep "$wait_s"
kill -TERM $pid
wait $pid; code=$?
if [ $code -eq 143 ]; then ok; else bad "SIGTERM: exit $code, expected 143"; cat "$tmp/err"; fi
expect_grep '"reason": "interrupted"' "$tmp/term/report.json" "SIGTERM: report marks the interruption"
if [ "$(wc -l < "$tmp/term/curve.csv")" -gt 2 ]; then ok; else bad "SIGTERM: no steps written"; fi
files_complete "$tmp/term" "SIGTERM"

# ---- unwritable output directory -------------------------------------------
mkdir -p "$tmp/ro" && chmod 555 "$tmp/ro"
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null; then
  # root ignores permissions: run as nobody
  chmod 755 "$tmp"
  expect_code 1 "read-only dir" setpriv --reuid=65534 --regid=65534 --clear-groups "$lrc" run "$ex" --out "$tmp/ro/run" --quiet
else
  expect_code 1 "read-only dir" "$lrc" run "$ex" --out "$tmp/ro/run" --quiet
fi
expect_grep "cannot create output directory '.*ro/run': Permission denied" "$tmp/err" "read-only dir: message"
expect_code 1 "output under a file" "$lrc" run "$ex" --out /dev/null/run --quiet
expect_grep "cannot create output directory '/dev/null/run': Not a directory" "$tmp/err" "output under a file: message"

# ---- file-size limit (ENOSPC's cousin): the earlier run stays complete -------
expect_code 0 "first run" "$lrc" run "$ex" --out "$tmp/fs" --quiet
sum_before=$(cat "$tmp/fs/curve.csv" "$tmp/fs/report.json" | sha256sum)
( ulimit -f 2; "$lrc" run "$ex" --out "$tmp/fs" --quiet --seed 7 >"$tmp/out" 2>"$tmp/err" ); code=$?
if [ $code -eq 1 ]; then ok; else bad "ulimit -f: exit $code, expected 1 (not killed by SIGXFSZ)"; cat "$tmp/err"; fi
expect_grep "File too large" "$tmp/err" "ulimit -f: message"
files_complete "$tmp/fs" "ulimit -f"
# curve.csv (3.5 KB) is the first file written and fails: nothing of the earlier run changed.
if [ "$(cat "$tmp/fs/curve.csv" "$tmp/fs/report.json" | sha256sum)" = "$sum_before" ]; then ok; else bad "ulimit -f: the earlier run's files changed"; fi

# ---- a full disk: a 16 KiB tmpfs, when this user may mount one ----------------
mkdir -p "$tmp/full"
if [ "$(id -u)" -eq 0 ] && mount -t tmpfs -o size=16k tmpfs "$tmp/full" 2>/dev/null; then
  expect_code 1 "full disk" "$lrc" run "$ex" --out "$tmp/full/run" --quiet
  expect_grep "No space left on device" "$tmp/err" "full disk: message"
  files_complete "$tmp/full/run" "full disk"
  umount "$tmp/full"
else
  echo "note: cannot mount a tmpfs here; the full-disk case is covered by ulimit -f above"
fi

# ---- divergence to NaN/Inf mid-run: a clean stop, the point kept out ---------
expect_code 0 "huge start rate" "$lrc" run "$ex" --out "$tmp/nan" --quiet \
  --set sweep.start_rate=1e8 --set sweep.end_rate=1e9 --set "sweep.stop=when step >= 50"
expect_grep '"reason": "non-finite loss"' "$tmp/nan/report.json" "divergence: stop reason"
files_complete "$tmp/nan" "divergence"

# ---- the data file: read whole before the run; gone or cut -> located error ---
mkdir -p "$tmp/d/data" && cp "$src/examples/data/digits.csv" "$tmp/d/data/" && cp "$ex" "$tmp/d/"
head -c 5000 "$src/examples/data/digits.csv" > "$tmp/d/data/digits.csv"
expect_code 2 "truncated data" "$lrc" run "$tmp/d/digits_mlp.lrf" --out "$tmp/d/run" --quiet
expect_grep '^.*data/digits.csv:[0-9]+(:[0-9]+)?: error: ' "$tmp/err" "truncated data: located"
rm "$tmp/d/data/digits.csv"
expect_code 2 "removed data" "$lrc" run "$tmp/d/digits_mlp.lrf" --out "$tmp/d/run" --quiet
expect_grep 'digits.csv.*No such file' "$tmp/err" "removed data: message"
if [ ! -e "$tmp/d/run" ]; then ok; else bad "a failed data load left an output directory"; fi

# ---- --max-memory ------------------------------------------------------------
expect_code 2 "max-memory: network" "$lrc" run "$ex" --max-memory 100K --out "$tmp/mm" --quiet
expect_grep 'error: this network needs .* more than the memory limit of 100.0 KiB' "$tmp/err" "max-memory: network message"
expect_code 2 "max-memory: bad size" "$lrc" check "$ex" --max-memory 12parsecs
expect_code 0 "max-memory: enough" "$lrc" check "$ex" --max-memory 1G
expect_code 0 "max-memory: share" "$lrc" check "$ex" --max-memory 50%

finish
