#!/usr/bin/env bash
# test_weights.sh — weights out and in, and npy data, through `lrc run`:
# init.safetensors read back with Python's json + numpy; a numpy-written file
# read through `init from` (the step-0 loss matches numpy's forward pass);
# all-zero weights give loss ln(classes); mismatches name the tensor.
# Usage: test_weights.sh LRC SOURCE_DIR
. "$(dirname "$0")/lib.sh"
lrc=$1
py=python3
$py -c 'import numpy' 2>/dev/null || py=/usr/bin/python3
if ! $py -c 'import numpy' 2>/dev/null; then echo "test_weights: numpy not available: skipped"; exit 0; fi
cd "$tmp"

# data: 32 samples, 2 features, 3 classes, as npy
$py - <<'PY'
import numpy as np
r = np.random.default_rng(5)
np.save("x.npy", r.normal(size=(32, 2)).astype("<f4"))
np.save("y.npy", r.integers(0, 3, size=32).astype("<i8"))
PY
cat > exp.lrf <<'LRF'
dataset d = npy("x.npy", "y.npy") { batch 32; shuffle false }
network n {
  input 2
  dense 4 tanh
  dense 3
}
loss cross_entropy
optimizer sgd
sweep { start_rate 1e-6; end_rate 1e-5; steps 3; seed 11 }
LRF
expect_code 0 "run writes init.safetensors" "$lrc" run exp.lrf --out a --quiet
$py - <<'PY' && ok || bad "init.safetensors does not read back in numpy"
import json, struct, numpy as np
b = open("a/init.safetensors", "rb").read()
n = struct.unpack("<Q", b[:8])[0]
h = json.loads(b[8:8 + n]); assert n % 8 == 0
assert [k for k in h if k != "__metadata__"] == ["0.weight", "0.bias", "2.weight", "2.bias"], h
assert h["0.weight"]["shape"] == [4, 2] and h["2.weight"]["shape"] == [3, 4] and h["2.bias"]["shape"] == [3]
t = {k: np.frombuffer(b[8 + n + v["data_offsets"][0]:8 + n + v["data_offsets"][1]], "<f4").reshape(v["shape"])
     for k, v in h.items() if k != "__metadata__"}
bound = np.sqrt(6 / (2 + 4))           # Glorot for tanh
assert np.all(np.abs(t["0.weight"]) <= bound) and np.all(t["0.bias"] == 0) and np.any(t["0.weight"] != 0)
# the first step's loss is numpy's forward pass with these weights
x = np.load("x.npy").astype(np.float64); y = np.load("y.npy")
z = np.tanh(x @ t["0.weight"].T + t["0.bias"]) @ t["2.weight"].T + t["2.bias"]
z -= z.max(1, keepdims=True); ce = np.mean(np.log(np.exp(z).sum(1)) - z[np.arange(32), y])
loss0 = float(open("a/curve.csv").read().splitlines()[1].split(",")[2])
assert abs(loss0 - ce) < 1e-5 * max(1, ce), (loss0, ce)
PY

# weights in: numpy-written non-trivial weights, through `init from`
$py - <<'PY'
import json, struct, numpy as np
def save(name, ts, dtype="<f4", tag="F32"):
    hdr, blobs, off = {"__metadata__": {"by": "numpy"}}, [], 0
    for k, a in ts.items():
        b = np.ascontiguousarray(a, dtype).tobytes()
        hdr[k] = {"dtype": tag, "shape": list(a.shape), "data_offsets": [off, off + len(b)]}; blobs.append(b); off += len(b)
    h = json.dumps(hdr).encode(); h += b" " * (-len(h) % 8)
    open(name, "wb").write(struct.pack("<Q", len(h)) + h + b"".join(blobs))
r = np.random.default_rng(1)
w = {"0.weight": r.normal(size=(4, 2)), "0.bias": r.normal(size=4), "2.weight": r.normal(size=(3, 4)), "2.bias": r.normal(size=3)}
save("w.safetensors", w, "<f8", "F64")
save("zeros.safetensors", {k: np.zeros_like(v) for k, v in w.items()})
save("wide.safetensors", {**w, "0.weight": np.zeros((5, 2))})
save("extra.safetensors", {**w, "4.weight": np.zeros((1, 3))})
x = np.load("x.npy").astype(np.float64); y = np.load("y.npy")
z = np.tanh(x @ w["0.weight"].T + w["0.bias"]) @ w["2.weight"].T + w["2.bias"]
z -= z.max(1, keepdims=True)
open("expected_loss", "w").write(repr(float(np.mean(np.log(np.exp(z).sum(1)) - z[np.arange(32), y]))))
PY
with() { sed "s|dense 4 tanh|init from \"$1\"\n  dense 4 tanh|" exp.lrf > "$2"; }
with w.safetensors from.lrf
expect_code 0 "init from an F64 file" "$lrc" run from.lrf --out b --quiet
$py - <<'PY' && ok || bad "init from: the run did not start from the file's weights"
import json, struct, numpy as np
loss0 = float(open("b/curve.csv").read().splitlines()[1].split(",")[2])
want = float(open("expected_loss").read())
assert abs(loss0 - want) < 1e-4 * max(1, want), (loss0, want)
b = open("b/init.safetensors", "rb").read(); n = struct.unpack("<Q", b[:8])[0]; h = json.loads(b[8:8 + n])
assert h["__metadata__"]["init_from"].endswith("w.safetensors")
PY
with zeros.safetensors zeros.lrf
expect_code 0 "init from all-zero weights" "$lrc" run zeros.lrf --out c --quiet
$py -c 'import math; l = float(open("c/curve.csv").read().splitlines()[1].split(",")[2]); assert abs(l - math.log(3)) < 1e-6, l' \
  && ok || bad "all-zero weights: step-0 loss is not ln 3"
with wide.safetensors wide.lrf
expect_code 2 "shape mismatch" "$lrc" check wide.lrf
expect_grep "wide.lrf:4:3: error: .*wide.safetensors: tensor '0.weight' has shape \[5, 2\], but the network's is \[4, 2\]" err "shape mismatch names the tensor"
with extra.safetensors extra.lrf
expect_code 2 "extra tensor" "$lrc" check extra.lrf
expect_grep "tensor '4.weight' is in the file but not in the network" err "extra tensor named"
with missing.safetensors missing.lrf
expect_code 2 "missing file" "$lrc" check missing.lrf
expect_grep "missing.lrf:4:3: error: .*missing.safetensors: cannot open" err "missing weights file"
sed 's|dense 4 tanh|init from 3\n  dense 4 tanh|' exp.lrf > bad.lrf
expect_code 2 "init from without a string" "$lrc" check bad.lrf
expect_grep "'init from' takes one file name in quotes" err "init from syntax"

# npy data errors are located; targets against the loss
$py -c 'import numpy as np; np.save("xf.npy", np.asfortranarray(np.load("x.npy")))'
sed 's|npy("x.npy"|npy("xf.npy"|' exp.lrf > fortran.lrf
expect_code 2 "fortran npy" "$lrc" check fortran.lrf
expect_grep "xf.npy: error: Fortran-ordered arrays are not supported" err "fortran npy message"
# cross_entropy on one_hot labels measures the integer labels' curve; on
# soft labels (y (n, 3)), numpy's -sum t log softmax; with classes !=
# outputs, one_hot is a located error
sed 's|steps 3; seed 11|steps 20; seed 11|; s|start_rate 1e-6; end_rate 1e-5|start_rate 1e-3; end_rate 30|' exp.lrf > int.lrf
sed 's|shuffle false }|shuffle false; one_hot true }|' int.lrf > onehot.lrf
expect_code 0 "cross_entropy on integer labels" "$lrc" run int.lrf --out ci --quiet
expect_code 0 "cross_entropy on one_hot labels" "$lrc" run onehot.lrf --out co --quiet
$py - <<'PY' && ok || bad "one_hot and integer labels give different curves"
rows = lambda f: [r.split(",") for r in open(f).read().splitlines()]
a, b = rows("ci/curve.csv"), rows("co/curve.csv")
assert a[0] == b[0] and len(a) == len(b) == 21, (a[0], b[0], len(a), len(b))
col = a[0].index("loss")
for ra, rb in zip(a[1:], b[1:]):
    la, lb = float(ra[col]), float(rb[col])
    assert abs(la - lb) <= 1e-6 * abs(la), (ra, rb)
PY
$py -c 'import numpy as np; np.save("ys.npy", np.random.default_rng(3).dirichlet(np.ones(3), size=32).astype("<f4"))'
sed 's|"y.npy"|"ys.npy"|' exp.lrf > soft.lrf
expect_code 0 "cross_entropy on soft labels" "$lrc" run soft.lrf --out cs --quiet
$py - <<'PY' && ok || bad "soft-label cross_entropy is not numpy's"
import json, struct, numpy as np
b = open("cs/init.safetensors", "rb").read(); n = struct.unpack("<Q", b[:8])[0]; h = json.loads(b[8:8 + n])
t = {k: np.frombuffer(b[8 + n + v["data_offsets"][0]:8 + n + v["data_offsets"][1]], "<f4").reshape(v["shape"])
     for k, v in h.items() if k != "__metadata__"}
x = np.load("x.npy").astype(np.float64); y = np.load("ys.npy").astype(np.float64)
z = np.tanh(x @ t["0.weight"].T + t["0.bias"]) @ t["2.weight"].T + t["2.bias"]
z -= z.max(1, keepdims=True); ce = np.mean(-(y * (z - np.log(np.exp(z).sum(1, keepdims=True)))).sum(1))
loss0 = float(open("cs/curve.csv").read().splitlines()[1].split(",")[2])
assert abs(loss0 - ce) < 1e-5 * max(1, ce), (loss0, ce)
PY
sed 's|dense 3|dense 4|' onehot.lrf > onehot4.lrf
expect_code 2 "one_hot classes != outputs" "$lrc" check onehot4.lrf
expect_grep "onehot4.lrf:[0-9]+:[0-9]+: error: the loss cross_entropy takes 1 target per sample \(a class index\) or 4 .*but x.npy has 3 \(one_hot labels" err "one_hot vs outputs"

# A CNN's weights (conv, batchnorm, dense) round-trip: with the batches in
# file order, a seed-9 run started `init from` a seed-5 run's
# init.safetensors measures exactly the seed-5 curve; without it, another.
cat > cnn.lrf <<'LRF'
dataset d = blobs { samples 256; classes 3; features 36; seed 2; batch 16; shuffle false }
network n {
  input [6, 6, 1]
  conv2d 4 3 relu { padding 1 }
  batchnorm
  maxpool 2
  conv2d 5 2 tanh
  flatten
  dense 7 relu
  dense 3
}
loss cross_entropy
optimizer sgd { momentum 0.9 }
sweep { start_rate 1e-4; end_rate 1; steps 40; seed 5 }
LRF
expect_code 0 "cnn run" "$lrc" run cnn.lrf --out cnn1 --quiet
$py - cnn1/init.safetensors <<'PY' && ok || bad "cnn tensor names and shapes"
import json, struct, sys
b = open(sys.argv[1], "rb").read()
h = json.loads(b[8:8 + struct.unpack("<Q", b[:8])[0]])
shapes = {k: v["shape"] for k, v in h.items() if k != "__metadata__"}
assert shapes == {"0.weight": [4, 1, 3, 3], "0.bias": [4], "2.weight": [4], "2.bias": [4],
                  "4.weight": [5, 4, 2, 2], "4.bias": [5], "7.weight": [7, 20], "7.bias": [7],
                  "9.weight": [3, 7], "9.bias": [3]}, shapes
PY
sed 's|  input \[6, 6, 1\]|  init from "cnn1/init.safetensors"\n  input [6, 6, 1]|' cnn.lrf > cnn_from.lrf
expect_code 0 "cnn init from" "$lrc" run cnn_from.lrf --out cnn2 --quiet --seed 9
if cmp -s cnn1/curve.csv cnn2/curve.csv; then ok; else bad "init from did not reproduce the CNN's curve"; fi
expect_code 0 "cnn other seed" "$lrc" run cnn.lrf --out cnn3 --quiet --seed 9
if cmp -s cnn1/curve.csv cnn3/curve.csv; then bad "another seed gave the same CNN curve"; else ok; fi
finish
