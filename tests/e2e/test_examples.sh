#!/usr/bin/env bash
# Every example runs through `lrc run` and writes a sane curve.csv and
# report.json; the same seed gives a byte-identical curve, another seed not.
#   test_examples.sh LRC SOURCE_DIR
lrc=$1; src=$2
. "$(dirname "$0")/lib.sh"
export LRC_STDLIB="$src/stdlib"

valid_outputs() { # DIR NAME
  if [ "$(head -1 "$1/curve.csv")" = "step,rate,loss,smoothed" ]; then ok; else bad "$2: curve.csv header"; fi
  if [ "$(wc -l < "$1/curve.csv")" -gt 20 ]; then ok; else bad "$2: curve.csv has too few rows"; fi
  if python3 -m json.tool "$1/report.json" >/dev/null; then ok; else bad "$2: report.json is not valid JSON"; fi
  expect_grep '"sha256": "[0-9a-f]{64}"' "$1/report.json" "$2 provenance hash"
  expect_grep '"steepest": \{' "$1/report.json" "$2 suggestion"
}

for ex in digits_mlp spirals_adam regression binary; do
  expect_code 0 "$ex" "$lrc" run "$src/examples/$ex.lrf" --out "$tmp/$ex" --quiet
  valid_outputs "$tmp/$ex" "$ex"
done
# A steepest suggestion on the digits MLP falls in a plausible range for SGD.
python3 - "$tmp/digits_mlp/report.json" <<'PY' && ok || bad "digits suggestion out of range"
import json, sys
r = json.load(open(sys.argv[1]))
rate = r["suggestions"]["steepest"]["rate"]
assert 1e-3 <= rate <= 3, rate
assert r["stop"]["reason"], r["stop"]
PY

if [ -r /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ]; then
  expect_code 0 fashion "$lrc" run "$src/examples/fashion_mlp.lrf" --out "$tmp/fashion" --quiet
  valid_outputs "$tmp/fashion" fashion_mlp
  expect_code 0 fashion_lenet "$lrc" run "$src/examples/fashion_lenet.lrf" --out "$tmp/lenet" --quiet
  valid_outputs "$tmp/lenet" fashion_lenet
else
  echo "skip: Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)"
fi

# Determinism: same seed, same bytes; another seed, another curve.
"$lrc" run "$src/examples/digits_mlp.lrf" --out "$tmp/again" --quiet
if cmp -s "$tmp/digits_mlp/curve.csv" "$tmp/again/curve.csv"; then ok; else bad "same seed gave a different curve.csv"; fi
"$lrc" run "$src/examples/digits_mlp.lrf" --out "$tmp/seed2" --seed 2 --quiet
if cmp -s "$tmp/digits_mlp/curve.csv" "$tmp/seed2/curve.csv"; then bad "--seed 2 gave the same curve"; else ok; fi
expect_grep '"sweep.seed": 2' "$tmp/seed2/report.json" "seed recorded"
expect_grep '"overrides": "--set sweep.seed=2"' "$tmp/seed2/report.json" "override recorded"
finish
