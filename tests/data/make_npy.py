#!/usr/bin/env python3
"""make_npy.py — regenerates the tiny .npy and .safetensors test files in
this folder (tests/unit/test_rt_npy.c, test_rt_safetensors.c). Needs numpy."""
import json, os, struct
import numpy as np

here = os.path.dirname(os.path.abspath(__file__))
def path(name): return os.path.join(here, name)

x = np.arange(12, dtype=np.float64).reshape(4, 3) / 4 - 1      # -1 .. 1.75
labels = np.array([0, 2, 1, 2])
np.save(path("npy_f4_x.npy"), x.astype("<f4"))
np.save(path("npy_i8_y.npy"), labels.astype("<i8"))
np.save(path("npy_f8_x.npy"), x.astype("<f8"))
np.save(path("npy_f8_y2.npy"), np.stack([x[:, 0] * 2, x[:, 1] + 0.5], axis=1).astype("<f8"))
np.save(path("npy_i4_x.npy"), (np.arange(12).reshape(4, 3) - 6).astype("<i4"))
np.save(path("npy_i4_y.npy"), labels.astype("<i4"))
np.save(path("npy_u1_img.npy"), np.arange(16, dtype=np.uint8).reshape(4, 2, 2, 1) * 16)
np.save(path("npy_u1_y.npy"), labels.astype(np.uint8))
np.save(path("npy_i8_x3d.npy"), np.arange(24, dtype="<i8").reshape(4, 2, 3))
for v in (2, 3):
    with open(path(f"npy_v{v}_x.npy"), "wb") as f:
        np.lib.format.write_array(f, x.astype("<f4"), version=(v, 0))
# errors
np.save(path("npy_bad_fortran.npy"), np.asfortranarray(x.astype("<f4")))
np.save(path("npy_bad_object.npy"), np.array([1, "a", None, 2.5], dtype=object), allow_pickle=True)
np.save(path("npy_bad_bigendian.npy"), x.astype(">f4"))
np.save(path("npy_bad_dtype.npy"), x.astype("<c8"))
np.save(path("npy_bad_n.npy"), labels[:3].astype("<i8"))
xn = x.astype("<f4"); xn[2, 1] = np.nan
np.save(path("npy_nan_x.npy"), xn)
with open(path("npy_bad_magic.npy"), "wb") as f:
    f.write(b"1,2,3\n4,5,6\n")
good = open(path("npy_f4_x.npy"), "rb").read()
open(path("npy_bad_truncated.npy"), "wb").write(good[:-5])
open(path("npy_bad_header.npy"), "wb").write(good.replace(b"'shape': (4, 3)", b"'shape': [4, 3]"))

# safetensors with numpy + json: a dense 2 -> 3 layer as PyTorch holds it.
def save_st(name, tensors, dtype="<f4", tag="F32"):
    header, blobs, off = {}, [], 0
    for k, a in tensors.items():
        b = np.ascontiguousarray(a, dtype=dtype).tobytes()
        header[k] = {"dtype": tag, "shape": list(a.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b); off += len(b)
    h = json.dumps(header).encode()
    h += b" " * (-len(h) % 8)
    with open(path(name), "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))
w = np.array([[1, 2], [3, 4], [5, 6]], dtype=np.float64) / 8   # [out=3, in=2]
save_st("st_dense_f64.safetensors", {"0.weight": w, "0.bias": np.array([0.5, -0.5, 0.25])}, "<f8", "F64")
