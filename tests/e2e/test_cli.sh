#!/usr/bin/env bash
# The command line: help, version, check, emit-llvm, dump-ast, --set, the
# summary printed by run, and the exit codes of bad invocations.
#   test_cli.sh LRC SOURCE_DIR
lrc=$1; src=$2
. "$(dirname "$0")/lib.sh"
export LRC_STDLIB="$src/stdlib"
ex=$src/examples/digits_mlp.lrf

expect_code 0 help "$lrc" --help;               expect_grep 'usage: lrc' "$tmp/out" help
expect_code 0 version "$lrc" --version;         expect_grep '^lrc [0-9]+\.[0-9]+\.[0-9]+ \(LLVM [0-9]+' "$tmp/out" version
expect_code 2 "no arguments" "$lrc"
expect_code 2 "unknown command" "$lrc" frobnicate "$ex"; expect_grep "unknown command 'frobnicate'" "$tmp/err" "unknown command"
expect_code 2 "unknown option" "$lrc" run "$ex" --frob
# An option another command takes is refused, not ignored.
expect_code 2 "-o with run" "$lrc" run "$ex" -o "$tmp/bin"; expect_grep "option '-o' does not apply to 'run'" "$tmp/err" "-o with run"
expect_code 2 "--threads with check" "$lrc" check "$ex" --threads 2
expect_code 2 "--set with dump-ast" "$lrc" dump-ast "$ex" --set=sweep.seed=2
[ ! -e "$tmp/bin" ] && ok || bad "-o with run wrote something"
expect_code 2 "missing file" "$lrc" check "$tmp/nope.lrf"; expect_grep "cannot read .*nope.lrf.*No such file" "$tmp/err" "missing file"

expect_code 0 check "$lrc" check "$ex"
expect_grep 'parameters: 17,226' "$tmp/out" "check: parameter count"
expect_grep 'dense +\[64, 128\] +8,320 +relu' "$tmp/out" "check: layer table"
expect_grep 'memory: ' "$tmp/out" "check: memory"
expect_grep '1797 samples x 64 features, 10 classes' "$tmp/out" "check: data"

expect_code 0 emit-llvm "$lrc" emit-llvm "$ex"
expect_grep 'define .*float @lrc_step\(' "$tmp/out" "emit-llvm: step"
expect_grep 'define .*@lrc_init\(' "$tmp/out" "emit-llvm: init"
expect_grep 'define .*float @lrc_eval\(' "$tmp/out" "emit-llvm: eval"
expect_code 0 "emit-llvm -O0" "$lrc" emit-llvm "$ex" -O0
expect_grep 'define .*float @lrc_step\(' "$tmp/out" "emit-llvm -O0"

expect_code 0 dump-ast "$lrc" dump-ast "$ex"
expect_grep 'dense' "$tmp/out" "dump-ast"

# --set: applied, type-checked with a location, recorded.
expect_code 0 "set ok" "$lrc" run "$ex" --set sweep.start_rate=1e-6 --set dataset.batch=32 --out "$tmp/set" --quiet
expect_grep '"sweep.start_rate": 9.99999999999999955e-07|"sweep.start_rate": 1e-06' "$tmp/set/report.json" "set start_rate"
expect_grep '"dataset.batch": 32' "$tmp/set/report.json" "set batch"
if [ "$(sed -n 2p "$tmp/set/curve.csv" | cut -d, -f2)" = "1e-06" ]; then ok; else bad "--set start_rate not used by the run"; fi
expect_code 2 "set bad value" "$lrc" check "$ex" --set dataset.batch=0
expect_grep "^--set dataset.batch=0:1:7: error: 'batch' must be between 1 and" "$tmp/err" "set error location"
expect_code 2 "set unknown key" "$lrc" check "$ex" --set sweep.strat_rate=1
expect_grep "unknown key 'strat_rate' in a sweep \(did you mean 'start_rate'\?\)" "$tmp/err" "set unknown key"
expect_code 2 "set bad path" "$lrc" check "$ex" --set nonsense=1
expect_code 0 "set stop" "$lrc" run "$ex" --set "sweep.stop=when step >= 29" --out "$tmp/stop" --quiet
if [ "$(wc -l < "$tmp/stop/curve.csv")" -eq 31 ]; then ok; else bad "--set sweep.stop not applied"; fi
expect_grep '"detail": "step >= 29"' "$tmp/stop/report.json" "set stop recorded"

# run prints the summary: stop reason, steps, suggestions, the plot, the files.
expect_code 0 "run summary" "$lrc" run "$ex" --out "$tmp/sum"
expect_grep 'stopped' "$tmp/out" "summary: stop"
expect_grep 'steepest +rate [0-9.e+-]+' "$tmp/out" "summary: steepest"
expect_grep 'log10\(rate\)' "$tmp/out" "summary: plot"
expect_grep "wrote $tmp/sum/curve.csv" "$tmp/out" "summary: files"
# Progress goes to a terminal only: none in a pipe.
if grep -q $'\r' "$tmp/err"; then bad "progress written to a non-terminal"; else ok; fi
# Default output directory: runs/<name>-<timestamp>/
(cd "$tmp" && "$lrc" run "$ex" --quiet) && ls -d "$tmp"/runs/digits_mlp-2* >/dev/null 2>&1 && ok || bad "default run directory"

# The compiled step is kept in LRC_CACHE_DIR: a second run links it (a hit)
# and measures the same curve; --no-cache and an empty LRC_CACHE_DIR
# compile and leave the cache alone; a cache that cannot be written is
# only a miss.
cache_run() { # NAME WANT [ENV...] -- run options...
  local name=$1 want=$2; shift 2
  env "$@" "$lrc" run "$ex" --quiet --set sweep.steps=40 --out "$tmp/cache_$name" ${opts[@]+"${opts[@]}"} >"$tmp/out" 2>"$tmp/err" \
    && ok || { bad "cache $name: run failed"; sed 's/^/  | /' "$tmp/err"; }
  expect_grep "\"compile_cache\": \"$want\"" "$tmp/cache_$name/report.json" "cache $name: $want"
}
opts=()
cache_run first miss LRC_CACHE_DIR="$tmp/jc"
cache_run second hit LRC_CACHE_DIR="$tmp/jc"
cmp -s "$tmp/cache_first/curve.csv" "$tmp/cache_second/curve.csv" && ok || bad "cache: a hit measures another curve"
[ "$(ls "$tmp/jc" | grep -c '\.lrcjit$')" -eq 1 ] && ok || bad "cache: one entry expected in $(ls "$tmp/jc")"
cache_run empty off LRC_CACHE_DIR=
opts=(--no-cache)
cache_run flag off LRC_CACHE_DIR="$tmp/jc"
opts=()
cmp -s "$tmp/cache_first/curve.csv" "$tmp/cache_flag/curve.csv" && ok || bad "cache: --no-cache measures another curve"
[ "$(ls "$tmp/jc" | wc -l)" -eq 1 ] && ok || bad "cache: --no-cache touched the cache"
touch "$tmp/notadir"
cache_run unwritable miss LRC_CACHE_DIR="$tmp/notadir/sub"
finish
