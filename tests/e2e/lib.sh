# lib.sh — helpers shared by the end-to-end tests: `check NAME CMD...` runs a
# command and counts it; `finish` prints the tally and sets the exit code.
set -u
pass=0; fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Compiled steps go to this test's own cache, not the user's (jit_cache.c).
export LRC_CACHE_DIR="$tmp/cache"
ok()   { pass=$((pass + 1)); }
bad()  { echo "FAIL: $*"; fail=$((fail + 1)); }
# expect_code CODE NAME CMD...: CMD must exit with CODE
expect_code() {
  local want=$1 name=$2; shift 2
  "$@" >"$tmp/out" 2>"$tmp/err"; local got=$?
  if [ "$got" -eq "$want" ]; then ok; else bad "$name: exit $got, expected $want"; sed 's/^/  | /' "$tmp/err" | head -20; fi
}
# expect_grep PATTERN FILE NAME
expect_grep() { if grep -qE -- "$1" "$2"; then ok; else bad "$3: '$1' not in $2"; sed 's/^/  | /' "$2" | head -20; fi; }
finish() { echo "$(basename "$0" .sh): $pass passed, $fail failed"; [ "$fail" -eq 0 ]; }
# steps_begun_after LRC FILE: seconds to wait after starting `lrc run FILE`
# before its steps have surely begun — 2 s plus three times a whole 5-step
# run timed here and now (compiling, loading, writing), so that a loaded
# machine or a sanitizer build waits longer; at most 60.
steps_begun_after() {
  local t0 t1
  t0=$(date +%s.%N)
  "$1" run "$2" --quiet --out "$tmp/steps_begun" --set sweep.steps=5 --set "sweep.stop=when step > 1e9" >/dev/null 2>&1
  t1=$(date +%s.%N)
  python3 -c "import sys; print(round(min(60.0, 2 + 3 * (float(sys.argv[2]) - float(sys.argv[1]))), 1))" "$t0" "$t1"
}
