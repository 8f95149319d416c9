#!/usr/bin/env bash
# lrc build: a standalone binary runs the same range test as `lrc run`
# (byte-identical curve.csv, the same suggestions and sources/), links no LLVM, has
# --help/--version and run-time overrides, refuses shape changes and CPUs
# that lack its features; then `cmake --install` and the installed lrc.
#   test_build.sh LRC SOURCE_DIR
lrc=$1; src=$2
. "$(dirname "$0")/lib.sh"
export LRC_STDLIB="$src/stdlib"
ex=$src/examples/digits_mlp.lrf
bin=$tmp/digits
lines() { wc -l < "$1" | tr -d ' '; }
# suggestions of a report.json, one "method rate loss step" per line
suggestions() {
  python3 -c 'import json,sys
r = json.load(open(sys.argv[1]))
for k, v in r["suggestions"].items(): print(k, v.get("rate"), v.get("loss"), v.get("step"))' "$1"
}

# ---- building ------------------------------------------------------------------
expect_code 2 "build without -o" "$lrc" build "$ex";  expect_grep 'needs the binary.s name' "$tmp/err" "build without -o"
expect_code 2 "build bad --cpu" "$lrc" build "$ex" -o "$bin" --cpu fast
expect_code 2 "build bad file" "$lrc" build "$tmp/nope.lrf" -o "$bin"
[ ! -e "$bin" ] && ok || bad "a failed build left a binary"
expect_code 0 build "$lrc" build "$ex" -o "$bin"
expect_grep "^built $bin \([0-9]+ bytes; native code" "$tmp/out" "build message"
[ -x "$bin" ] && ok || bad "no executable $bin"
size=$(stat -c %s "$bin")
ldd "$bin" >"$tmp/ldd" 2>&1
# the size promise is for ordinary builds: a sanitizer build carries its runtime
if grep -q libasan "$tmp/ldd"; then ok; else [ "$size" -lt 2000000 ] && ok || bad "binary is $size bytes (want < 2 MB)"; fi
if grep -qi llvm "$tmp/ldd"; then bad "the binary links LLVM:"; cat "$tmp/ldd"; else ok; fi

# ---- the same run as lrc run -----------------------------------------------------
expect_code 0 "lrc run" "$lrc" run "$ex" --seed 3 --out "$tmp/jit" --quiet
expect_code 0 "binary run" "$bin" --seed 3 --out "$tmp/aot" --quiet
cmp -s "$tmp/jit/curve.csv" "$tmp/aot/curve.csv" && ok || bad "curve.csv differs between lrc run and the binary"
[ "$(lines "$tmp/aot/curve.csv")" -gt 20 ] && ok || bad "the binary's curve is too short"
suggestions "$tmp/jit/report.json" >"$tmp/sj"; suggestions "$tmp/aot/report.json" >"$tmp/sa"
[ -s "$tmp/sa" ] && cmp -s "$tmp/sj" "$tmp/sa" && ok || { bad "suggestions differ"; diff "$tmp/sj" "$tmp/sa"; }
expect_grep '"sweep.seed": 3' "$tmp/aot/report.json" "run-time seed recorded in settings"
expect_grep '"overrides": "\(run\) --seed 3"' "$tmp/aot/report.json" "run-time options recorded"
# the .lrf files travel inside the binary: the same sources/ (main file and stdlib imports)
[ -f "$tmp/aot/sources/stdlib/std/sweeps.lrf" ] && ok || bad "the binary wrote no sources/stdlib/std/sweeps.lrf"
diff -r "$tmp/jit/sources" "$tmp/aot/sources" >"$tmp/srcdiff" 2>&1 && ok || { bad "sources/ differ between lrc run and the binary"; cat "$tmp/srcdiff"; }
# the summary, and the data path baked in absolute: runs from any directory
(cd "$tmp" && "$bin" --out elsewhere >"$tmp/sum" 2>&1) && ok || bad "binary run from another directory"
expect_grep 'steepest +rate [0-9.e+-]+' "$tmp/sum" "binary summary"
cmp -s "$tmp/elsewhere/curve.csv" "$tmp/aot/curve.csv" && bad "--seed did not change the curve" || ok

# ---- help, version, overrides ----------------------------------------------------
expect_code 0 help "$bin" --help
expect_grep '^usage: digits \[options\]' "$tmp/out" "help usage"
expect_grep 'batch 64, 64 input floats' "$tmp/out" "help: compiled-in shapes"
expect_grep '--end-rate R' "$tmp/out" "help: end rate for a start/end sweep"
expect_code 0 version "$bin" --version
expect_grep 'built by lrc [0-9]+\.[0-9]+\.[0-9]+ \(LLVM [0-9]+' "$tmp/out" "version: lrc and LLVM"
expect_grep '^code: native, for ' "$tmp/out" "version: native"
expect_grep "^source: .*digits_mlp.lrf \(sha256 [0-9a-f]{64}\)" "$tmp/out" "version: source"
expect_code 2 "shape change refused" "$bin" --batch 32
expect_grep 'compiled into this binary.*lrc build .*--set dataset.batch=32' "$tmp/err" "batch message"
expect_code 2 "--set shape refused" "$bin" --set network.input=32
expect_grep "'network.input' is compiled into this binary" "$tmp/err" "--set message"
expect_code 2 "bad seed" "$bin" --seed abc
expect_code 2 "unknown option" "$bin" --frob
expect_code 2 "decay-rate on a start/end sweep" "$bin" --decay-rate 10
expect_code 2 "end below start" "$bin" --end-rate 1e-9
expect_code 0 "--steps and rates" "$bin" --start-rate 1e-7 --end-rate 1e-3 --steps 20 --out "$tmp/short" --quiet
[ "$(lines "$tmp/short/curve.csv")" -eq 21 ] && ok || bad "--steps 20: $(lines "$tmp/short/curve.csv") lines"
[ "$(sed -n 21p "$tmp/short/curve.csv" | cut -d, -f2)" = "0.001" ] && ok || bad "--end-rate not the last rate"
expect_grep '"sweep.steps": 20' "$tmp/short/report.json" "steps recorded"
expect_code 0 "--set sweep.steps" "$bin" --set sweep.steps=30 --out "$tmp/set" --quiet
expect_grep '"sweep.steps": 30' "$tmp/set/report.json" "--set sweep.steps recorded"
expect_code 0 "--diverge" "$bin" --diverge 1.2 --out "$tmp/div" --quiet
expect_grep '"detail": "diverges\(1.2\)"' "$tmp/div/report.json" "--diverge replaces the stop rule"
[ "$(lines "$tmp/div/curve.csv")" -lt "$(lines "$tmp/elsewhere/curve.csv")" ] && ok || bad "--diverge 1.2 did not stop earlier"
# --data: the same data elsewhere gives the same curve; the wrong shape is refused
cp "$src/examples/data/digits.csv" "$tmp/copy.csv"
expect_code 0 "--data" "$bin" --seed 3 --data "$tmp/copy.csv" --out "$tmp/data" --quiet
cmp -s "$tmp/data/curve.csv" "$tmp/aot/curve.csv" && ok || bad "--data with the same data changed the curve"
awk '{print $0 ",0"}' "$tmp/copy.csv" >"$tmp/wide.csv"   # one more feature column
expect_code 2 "--data wrong shape" "$bin" --data "$tmp/wide.csv"
expect_grep 'has 65 features per sample, but the network compiled into this binary takes 64' "$tmp/err" "--data shape message"
expect_code 2 "--data missing" "$bin" --data "$tmp/nope.csv"
expect_code 2 "--labels on csv" "$bin" --labels "$tmp/copy.csv"
# interrupted: what was measured is written, exit 130
"$bin" --start-rate 1e-9 --end-rate 1e-8 --steps 10000000 --out "$tmp/int" --quiet &
pid=$!; sleep 1; kill -INT $pid; wait $pid; rc=$?
[ $rc -eq 130 ] && ok || bad "SIGINT: exit $rc, expected 130"
[ -s "$tmp/int/curve.csv" ] && ok || bad "SIGINT: no curve written"

# ---- portable code and the CPU check ---------------------------------------------
expect_code 0 "build portable" "$lrc" build "$ex" -o "$tmp/portable" --cpu portable --quiet
expect_code 0 "portable version" "$tmp/portable" --version
expect_grep '^code: portable, for x86-64-v3 \(needs .*\+avx2.*\+fma' "$tmp/out" "version: portable"
expect_code 0 "portable run" "$tmp/portable" --out "$tmp/port" --quiet
[ "$(lines "$tmp/port/curve.csv")" -gt 20 ] && ok || bad "portable curve too short"
# a binary that needs a feature this CPU lacks (fma4, AMD Bulldozer-only) is refused
if ! grep -qw fma4 /proc/cpuinfo; then
  perl -pe 's/\+bmi,\+bmi2,/+bmi,+fma4,/g' "$tmp/portable" >"$tmp/needs_fma4" && chmod +x "$tmp/needs_fma4"
  expect_code 1 "missing CPU feature" "$tmp/needs_fma4" --quiet --out "$tmp/fma4"
  expect_grep 'this CPU lacks fma4; rebuild it' "$tmp/err" "CPU check message"
  [ ! -e "$tmp/fma4" ] && ok || bad "the refused binary ran"
fi

# ---- install --------------------------------------------------------------------
builddir=$(dirname "$lrc")
if cmake --install "$builddir" --prefix "$tmp/prefix" >"$tmp/install.log" 2>&1; then ok; else bad "cmake --install"; cat "$tmp/install.log"; fi
for f in bin/lrc lib/lrc/liblrc_runtime.a lib/lrc/liblrc_standalone.a share/lrc/stdlib/std/sweeps.lrf; do
  [ -e "$tmp/prefix/$f" ] && ok || bad "not installed: $f"
done
if [ -e "$src/docs/lrc.1" ]; then [ -e "$tmp/prefix/share/man/man1/lrc.1" ] && ok || bad "man page not installed"; fi
# the installed lrc reads its own stdlib: a preset that exists only there
printf 'sweep only_installed {\n  start_rate 1e-6\n  end_rate 1\n  steps 40\n}\n' >"$tmp/prefix/share/lrc/stdlib/std/only_installed.lrf"
sed -e 's#import "std/sweeps"#import "std/only_installed"#' -e 's#^sweep = fastai {#sweep = only_installed {#' \
    -e "s#\"data/digits.csv\"#\"$src/examples/data/digits.csv\"#" "$ex" >"$tmp/inst.lrf"
expect_code 0 "installed lrc run" env -u LRC_STDLIB "$tmp/prefix/bin/lrc" run "$tmp/inst.lrf" --out "$tmp/inst" --quiet
expect_grep '"sweep.steps": 40' "$tmp/inst/report.json" "installed stdlib used"
expect_code 0 "installed lrc build" env -u LRC_STDLIB "$tmp/prefix/bin/lrc" build "$tmp/inst.lrf" -o "$tmp/inst_bin" --quiet
expect_code 0 "installed binary run" "$tmp/inst_bin" --out "$tmp/inst_run" --quiet
cmp -s "$tmp/inst/curve.csv" "$tmp/inst_run/curve.csv" && ok || bad "installed: binary and lrc run differ"
# ---- cross_entropy on one-hot targets: the binary takes them as lrc run does ----
cat > "$tmp/oh.lrf" <<'LRF'
dataset d = spirals { samples 300; classes 3; seed 1; batch 30; one_hot true }
network n {
  input 2
  dense 16 tanh
  dense 3
}
loss cross_entropy
optimizer sgd { momentum 0.9 }
sweep { start_rate 1e-4; end_rate 1; steps 30 }
LRF
expect_code 0 "one_hot build" "$lrc" build "$tmp/oh.lrf" -o "$tmp/oh_bin" --quiet
expect_code 0 "one_hot binary run" "$tmp/oh_bin" --out "$tmp/oh_bin_run" --quiet
"$lrc" run "$tmp/oh.lrf" --out "$tmp/oh_run" --quiet
cmp -s "$tmp/oh_run/curve.csv" "$tmp/oh_bin_run/curve.csv" && ok || bad "one_hot: binary and lrc run differ"
finish
