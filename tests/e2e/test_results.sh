#!/usr/bin/env bash
# test_results.sh LRC SOURCE_DIR — what a run leaves to look at and trust:
# seeds (N=1 is a plain run; each seed's curve equals that seed alone, for
# any thread count), grid losses equal plain constant-rate runs, validation
# mode, the TensorBoard event file (decoded by an independent reader), the
# SVG plot (parsed and rendered), sources/ and an interrupt by a real SIGINT.
lrc=$1; src=$2
. "$src/tests/e2e/lib.sh"
ex="$src/examples/digits_mlp.lrf"
run() { "$lrc" run "$ex" --quiet "$@"; }

# ---- seeds -----------------------------------------------------------------
expect_code 0 "plain run" run --out "$tmp/plain"
expect_code 0 "seeds 1" run --seeds 1 --out "$tmp/s1"
if cmp -s "$tmp/plain/curve.csv" "$tmp/s1/curve.csv"; then ok; else bad "seeds 1 differs from a plain run"; fi
expect_code 0 "seeds 3, 1 thread" run --seeds 3 --threads 1 --out "$tmp/s3a"
expect_code 0 "seeds 3, 3 threads" run --seeds 3 --threads 3 --out "$tmp/s3b"
if cmp -s "$tmp/s3a/curve.csv" "$tmp/s3b/curve.csv"; then ok; else bad "seeds: curves depend on the thread count"; fi
# the step's threads: a single seed gets all of them (--threads 2: a pool of
# two), --threads 1 none; pool_steps counts the steps handed the pool
expect_code 0 "one seed, 2 threads" run --threads 2 --out "$tmp/t2"
expect_code 0 "one seed, 1 thread" run --threads 1 --out "$tmp/t1"
if cmp -s "$tmp/t1/curve.csv" "$tmp/t2/curve.csv"; then ok; else bad "the step's threads change the curve"; fi
python3 - "$tmp/t1/report.json" "$tmp/t2/report.json" "$tmp/s3b/report.json" <<'PY' && ok || bad "step_threads / pool_steps in report.json"
import json, sys
one, two, seeds = (json.load(open(p)) for p in sys.argv[1:])
m1, m2 = one["measure"], two["measure"]
assert m1["step_threads"] == 1 and m1["pool_steps"] == 0, m1
assert m2["step_threads"] == 2 and 1 <= m2["pool_steps"] <= two["steps"], m2
assert seeds["measure"]["step_threads"] == 1, seeds["measure"]  # 3 seeds on 3 threads: none left over
assert m1["loop_seconds_per_step"] >= m1["step_seconds_per_step"] > 0, m1
PY
expect_grep '^seed,step,rate,loss,smoothed$' "$tmp/s3a/curve.csv" "seeds: seed column"
for seed in 1 2 3; do   # digits_mlp's sweep has seed 1
  expect_code 0 "seed $seed alone" run --seed $seed --out "$tmp/alone$seed"
  grep "^$seed," "$tmp/s3b/curve.csv" | cut -d, -f2- > "$tmp/from3"
  tail -n +2 "$tmp/alone$seed/curve.csv" > "$tmp/one"
  if [ -s "$tmp/one" ] && cmp -s "$tmp/from3" "$tmp/one"; then ok; else bad "seed $seed of 3 differs from seed $seed alone"; fi
done
python3 - "$tmp/s3b/report.json" <<'PY' && ok || bad "seeds in report.json"
import json, sys
r = json.load(open(sys.argv[1]))
s = r["seeds"]
assert s["count"] == 3 and len(s["runs"]) == 3, s
assert [x["seed"] for x in s["runs"]] == [1, 2, 3]
for name, m in s["methods"].items():
    rates = [x["rates"][name] for x in s["runs"] if x["rates"][name] is not None]
    assert abs(m["min"] - min(rates)) <= 1e-9 * min(rates) and abs(m["max"] - max(rates)) <= 1e-9 * max(rates), m
    assert abs(m["median"] - sorted(rates)[1]) <= 1e-9 * m["median"], m
    assert m["stable"] == (len(rates) == 3 and m["spread"] <= 2), m
assert r["interrupted"] is False
PY
"$lrc" run "$ex" --seeds 3 --out "$tmp/s3t" > "$tmp/out"
expect_grep 'across 3 seeds' "$tmp/out" "seeds: summary table"
expect_grep '(stable|unstable)' "$tmp/out" "seeds: stable in words"

# ---- grid: each rate equals a plain run at that constant rate ----------------
expect_code 0 "grid" "$lrc" grid "$ex" --rates 0.003,0.03,0.3 --set sweep.grid_steps=60 --out "$tmp/grid" --quiet
python3 -c "import json,sys; g=json.load(open(sys.argv[1])); assert len(g['rates'])==3 and g['grid_steps']==60" \
  "$tmp/grid/grid.json" && ok || bad "grid.json"
for r in 0.003 0.03 0.3; do
  expect_code 0 "constant $r" run --set sweep.start_rate=$r --set sweep.decay_rate=10 --set sweep.decay_steps=1e9 \
    --set sweep.staircase=true --set sweep.steps=60 --set "sweep.stop=when step > 1e9" --out "$tmp/const$r"
  want=$(tail -1 "$tmp/const$r/curve.csv" | cut -d, -f4)
  got=$(awk -F, -v r=$r '$1 == r { print $2 }' "$tmp/grid/grid.csv")
  if [ -n "$want" ] && [ "$want" = "$got" ]; then ok; else bad "grid rate $r: $got, constant-rate run: $want"; fi
done
expect_code 0 "grid --rates range" "$lrc" grid "$ex" --rates 1e-3:1:x10 --set sweep.grid_steps=20 --out "$tmp/grid2" --quiet
if [ "$(cut -d, -f1 "$tmp/grid2/grid.csv" | tr '\n' ' ')" = "rate 0.001 0.01 0.1 1 " ]; then ok; else bad "--rates 1e-3:1:x10"; cat "$tmp/grid2/grid.csv"; fi
expect_code 2 "grid without rates" "$lrc" grid "$ex" --out "$tmp/grid3"
expect_code 2 "bad --rates" "$lrc" grid "$ex" --rates 1:0.1:x10 --out "$tmp/grid4"

# ---- validation ---------------------------------------------------------------
expect_code 0 "validation" run --set dataset.split=0.2 --set sweep.measure=validation --out "$tmp/val"
python3 - "$tmp/val/report.json" <<'PY' && ok || bad "validation in report.json"
import json, sys
m = json.load(open(sys.argv[1]))["measure"]
assert m["loss"] == "validation" and m["validation_batches"] == 4, m
assert m["train_samples"] + m["held_out_samples"] == 1797 and m["held_out_samples"] == 359, m
assert m["validation_seconds_per_step"] > 0 and m["step_seconds_per_step"] > 0, m
assert m["loop_seconds_per_step"] >= m["step_seconds_per_step"] + m["validation_seconds_per_step"], m
PY
expect_code 2 "validation without split" run --set sweep.measure=validation --out "$tmp/val2"
expect_grep "measure validation needs held-out data" "$tmp/err" "validation without split: message"

# ---- TensorBoard event file, decoded independently ----------------------------
python3 - "$tmp/plain" <<'PY' && ok || bad "event file"
import glob, struct, sys
def crc32c(data):
    crc = 0xffffffff
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82f63b78 if crc & 1 else 0)
    return crc ^ 0xffffffff
def masked(data):
    c = crc32c(data)
    return (((c >> 15) | (c << 17)) + 0xa282ead8) & 0xffffffff
def varint(b, i):
    v = s = 0
    while True:
        x = b[i]; i += 1; v |= (x & 0x7f) << s; s += 7
        if x < 0x80: return v, i
def fields(b):
    i = 0
    while i < len(b):
        key, i = varint(b, i); f, wt = key >> 3, key & 7
        if wt == 0: v, i = varint(b, i)
        elif wt == 1: v = b[i:i+8]; i += 8
        elif wt == 5: v = b[i:i+4]; i += 4
        elif wt == 2: n, i = varint(b, i); v = b[i:i+n]; i += n
        else: raise ValueError(wt)
        yield f, v
d = sys.argv[1]
files = glob.glob(d + "/events.out.tfevents.*")
assert len(files) == 1, files
raw = open(files[0], "rb").read()
events, i = [], 0
while i < len(raw):
    hdr = raw[i:i+8]; n, = struct.unpack("<Q", hdr)
    assert struct.unpack("<I", raw[i+8:i+12])[0] == masked(hdr), "length crc"
    data = raw[i+12:i+12+n]
    assert struct.unpack("<I", raw[i+12+n:i+16+n])[0] == masked(data), "data crc"
    events.append(data); i += 16 + n
first = dict(fields(events[0]))
assert first[3] == b"brain.Event:2" and struct.unpack("<d", first[1])[0] > 1.6e9, first
rows = [l.split(",") for l in open(d + "/curve.csv").read().split("\n")[1:] if l]
assert len(events) == 1 + len(rows), (len(events), len(rows))
for ev, row in zip(events[1:], rows):
    f = dict(fields(ev))
    assert f[2] == int(row[0]), (f[2], row)
    vals = {}
    for k, v in fields(f[5]):
        assert k == 1
        tv = dict(fields(v)); vals[tv[1].decode()] = struct.unpack("<f", tv[2])[0]
    want = {"loss": float(row[2]), "loss/smoothed": float(row[3]), "learning_rate": float(row[1])}
    for k, w in want.items():
        assert abs(vals[k] - w) <= 1e-6 * abs(w) + 1e-30, (k, vals[k], w)
PY

# ---- plot.svg: XML, rendered, a mark at each suggested rate -------------------
for d in plain s3t val; do
  python3 -c "import xml.etree.ElementTree as E,sys; E.parse(sys.argv[1])" "$tmp/$d/plot.svg" && ok || bad "$d/plot.svg is not XML"
  if rsvg-convert "$tmp/$d/plot.svg" -o "$tmp/$d.png" && [ -s "$tmp/$d.png" ]; then ok; else bad "$d/plot.svg does not render"; fi
done
python3 - "$tmp/plain" <<'PY' && ok || bad "plot marks each suggestion"
import json, sys, xml.etree.ElementTree as E
d = sys.argv[1]
r = json.load(open(d + "/report.json"))
text = " ".join(t.text or "" for t in E.parse(d + "/plot.svg").iter("{http://www.w3.org/2000/svg}text"))
for name, s in r["suggestions"].items():
    assert "%s %.3g" % (name, s["rate"]) in text, (name, text)
assert "stop" in text and "learning rate" in text
PY
expect_grep 'min-max of the seeds' "$tmp/s3t/plot.svg" "plot: seed band"

# ---- sources and overrides ------------------------------------------------------
if cmp -s "$ex" "$tmp/plain/sources/examples/digits_mlp.lrf" || cmp -s "$ex" "$(find "$tmp/plain/sources" -name digits_mlp.lrf)"; then ok; else bad "sources/: main file"; fi
if [ -n "$(find "$tmp/plain/sources/stdlib/std" -name sweeps.lrf)" ]; then ok; else bad "sources/: std import"; fi
expect_grep '^--set sweep.seeds=3$' "$tmp/s3a/overrides.txt" "overrides.txt"

# ---- Ctrl-C: a real SIGINT stops the test and everything measured is written ---
wait_s=$(steps_begun_after "$lrc" "$ex")
"$lrc" run "$ex" --quiet --out "$tmp/int" --set sweep.end_rate=1e-3 --set sweep.steps=10000000 \
  --set "sweep.stop=when step > 1e9" >/dev/null 2>&1 &
pid=$!
# lrc installs its handler first thing, so one SIGINT is never lost; send it
# once the steps have surely begun (steps_begun_after: a timed short run),
# and kill lrc after a minute so that a broken handler fails the test
# instead of hanging it.
sleep "$wait_s"
kill -INT $pid 2>/dev/null
for _ in $(seq 1 120); do
  kill -0 $pid 2>/dev/null || break
  sleep 0.5
done
kill -0 $pid 2>/dev/null && { kill -KILL $pid; bad "interrupt: still running after SIGINT"; }
wait $pid; code=$?
if [ "$code" -eq 130 ]; then ok; else bad "interrupt: exit $code, expected 130"; fi
python3 - "$tmp/int" <<'PY' && ok || bad "interrupted run's files"
import json, sys
d = sys.argv[1]
r = json.load(open(d + "/report.json"))
assert r["interrupted"] is True and r["stop"]["reason"] == "interrupted", r["stop"]
rows = open(d + "/curve.csv").read().split("\n")[1:-1]
assert len(rows) == r["steps"] > 0
open(d + "/plot.svg").read(); open(d + "/overrides.txt").read()
PY
finish
