#!/usr/bin/env bash
# test_bench.sh — bench/scaling.py (issue #6) cannot silently break: its quick
# grid (2 widths x 2 batches) runs through this lrc, prints one table row per
# point with a regime computed from the measurements, and writes a well-formed
# SVG with one series per batch. Skipped when python3 is missing.
#   test_bench.sh LRC SOURCE_DIR
lrc=$1; src=$2
. "$(dirname "$0")/lib.sh"
if ! command -v python3 >/dev/null 2>&1; then echo "test_bench: SKIPPED: python3 not found"; exit 0; fi

expect_code 0 "scaling.py --quick" python3 "$src/bench/scaling.py" --quick --lrc "$lrc" --svg "$tmp/scaling.svg"
cp "$tmp/out" "$tmp/table"
cat "$tmp/table"
# one row per point: width batch steps FLOP/step step-us loop-us GFLOP/s of-ceiling AI GB/s BW slope shares regime
row='^ +%s +%s +[0-9]+ +[0-9.e+]+ +[0-9.]+ +[0-9.]+ +[0-9.]+ +[0-9]+%% +[0-9.]+ +[0-9.]+ +[0-9]+ +(-|-?[0-9.]+) +[0-9.]+/[0-9.]+/[0-9.]+ +(overhead|bandwidth|compute)\*?$'
for b in 16 64; do
  for w in 64 128; do
    # shellcheck disable=SC2059
    expect_grep "$(printf "$row" "$w" "$b")" "$tmp/table" "row width $w batch $b"
  done
done
rows=$(grep -cE '(overhead|bandwidth|compute)\*?$' "$tmp/table")
if [ "$rows" -eq 4 ]; then ok; else bad "expected 4 table rows, found $rows"; fi
expect_grep '^ +width +batch ' "$tmp/table" "the table's header"
expect_grep '^  batch 16: ' "$tmp/table" "the regime boundaries"
expect_grep "^wrote $tmp/scaling.svg" "$tmp/table" "the SVG is announced"

# the SVG parses as XML, is an <svg>, and has one polyline per batch with 2 points each
if python3 - "$tmp/scaling.svg" <<'PY' >"$tmp/svgcheck" 2>&1; then ok; else bad "SVG: $(cat "$tmp/svgcheck")"; fi
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
ns = "{http://www.w3.org/2000/svg}"
assert root.tag == ns + "svg", root.tag
lines = root.findall(ns + "polyline")
assert len(lines) == 2, f"{len(lines)} series, expected 2"
for l in lines:
    assert len(l.get("points").split()) == 2, l.get("points")
text = " ".join(t.text or "" for t in root.iter(ns + "text"))
assert "batch 16" in text and "batch 64" in text, text
PY

# bad options are refused with argparse's exit code 2
expect_code 2 "scaling.py --widths x" python3 "$src/bench/scaling.py" --widths x --lrc "$lrc"
finish
