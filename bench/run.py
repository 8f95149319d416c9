#!/usr/bin/env python3
"""bench/run.py — lrc's benchmark: the range test's steps per second and the
JIT's compile time per workload (from scratch, and linked from lrc's cache
of compiled steps when the experiment runs again), side by side with the same range test in
PyTorch when Debian's python3-torch is installed, as ratios from one run.

    bench/run.py [--lrc build/lrc] [--reps 5] [workload ...]

Each workload is a .lrf file in bench/workloads/ with a fixed-length sweep.
"peak MiB" is the whole `lrc run` process (libLLVM included); "bin MiB"
the same experiment as a standalone binary (`lrc build`); "min MiB" what
the run must hold (parameters, gradients, moments, activations, data).
The PyTorch side is rebuilt from the resolved settings lrc writes into
report.json (data, layers, batch, optimizer, schedule), so both run the
same experiment. lrc's time is the whole range-test loop (batching, step,
smoothing, stop rules: report.json's measure.loop_seconds_per_step, so
without compiling, loading and allocating, which come before the first
step); PyTorch's is the same loop after 5 warm-up steps,
best of 1 and 2 threads. Medians over --reps runs; the machine is shared,
so ratios, not absolute times, are the claim.
"""
import argparse, gzip, json, os, statistics, subprocess, sys, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))


def peak_rss(cmd, env):
    """Runs cmd; returns its peak RSS in bytes. Measured by /usr/bin/time:
    a child forked from this Python (with PyTorch loaded) would report the
    parent's RSS as its own peak."""
    with tempfile.NamedTemporaryFile(mode="r") as t:
        proc = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", t.name] + cmd, env=env, stdout=subprocess.DEVNULL)
        if proc.returncode != 0:
            sys.exit(f"{' '.join(cmd)} failed (status {proc.returncode})")
        return int(t.read().split()[-1]) * 1024


def run_lrc(lrc, lrf, reps):
    """Runs lrc `reps` times, compiling the step every time (--no-cache);
    returns the reports, the largest peak RSS (bytes), and the compile
    seconds of a run that links the step from lrc's cache instead (a second
    short run on a fresh cache: what re-running an experiment costs)."""
    results, peak = [], 0
    env = dict(os.environ, LRC_STDLIB=os.path.join(HERE, "..", "stdlib"))
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(reps):
            out = os.path.join(tmp, str(r))
            peak = max(peak, peak_rss([lrc, "run", lrf, "--out", out, "--quiet", "--no-cache"], env))
            with open(os.path.join(out, "report.json")) as f:
                results.append(json.load(f))
        cached = dict(env, LRC_CACHE_DIR=os.path.join(tmp, "cache"))
        for r in ("fill", "warm"):
            subprocess.run([lrc, "run", lrf, "--out", os.path.join(tmp, r), "--quiet", "--set", "sweep.steps=5"],
                           env=cached, check=True, stdout=subprocess.DEVNULL)
        with open(os.path.join(tmp, "warm", "report.json")) as f:
            warm = json.load(f)["provenance"]
        if warm["compile_cache"] != "hit":
            sys.exit(f"{lrc} run {lrf}: the second run did not link the step from the cache")
    return results, peak, warm["compile_seconds"]


def standalone_peak(lrc, lrf):
    """Peak RSS (bytes) of the same experiment as a standalone binary
    (`lrc build`: no libLLVM in the process)."""
    with tempfile.TemporaryDirectory() as tmp:
        exe = os.path.join(tmp, "bench_bin")
        env = dict(os.environ, LRC_STDLIB=os.path.join(HERE, "..", "stdlib"))
        subprocess.run([lrc, "build", lrf, "-o", exe], env=env, check=True, stdout=subprocess.DEVNULL)
        return peak_rss([exe, "--out", os.path.join(tmp, "run"), "--quiet"], env)


def sgemm_ceiling():
    """OpenBLAS sgemm 2048^3 GFLOP/s with 1 and 2 threads, or None without OpenBLAS.
    OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE are unset for this one command."""
    with tempfile.TemporaryDirectory() as tmp:
        exe = os.path.join(tmp, "sgemm")
        if subprocess.run(["cc", "-O2", os.path.join(HERE, "sgemm.c"), "-o", exe, "-lopenblas"],
                          stderr=subprocess.DEVNULL).returncode != 0:
            return None
        env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}
        out = subprocess.run([exe], env=env, capture_output=True, text=True, check=True).stdout
    return [float(line.split()[3]) for line in out.splitlines()]


def layers_of(settings):
    """The network as (kind, args, act, options) from report.json's settings,
    e.g. ("conv2d", [6, 5], "relu", {"stride": 1, "padding": 2})."""
    layers, i = [], 1
    while f"network.layer{i}" in settings:
        text = settings[f"network.layer{i}"]
        head, _, opts = text.partition("{")
        words = head.split()
        kind, args = words[0], [int(w) for w in words[1:] if w.isdigit()]
        act = next((w for w in words[1:] if not w.isdigit()), "none")
        options = {}
        for o in opts.rstrip("} ").split(";"):
            kv = o.split()
            if len(kv) == 2 and kv[1].isdigit():
                options[kv[0]] = int(kv[1])
        layers.append((kind, args, act, options))
        i += 1
    return layers


def input_shape(settings):
    """[h, w, c] of one sample."""
    v = str(settings["network.input"]).strip("[]").split(",")
    return [1, 1, int(v[0])] if len(v) == 1 else [int(x) for x in v]


def macs_and_weights(settings):
    """Multiply-adds of one sample's forward pass, and the weight count."""
    h, w, c = input_shape(settings)
    macs = weights = 0
    for kind, args, _, o in layers_of(settings):
        if kind == "dense":
            macs += h * w * c * args[0]
            weights += h * w * c * args[0]
            h, w, c = 1, 1, args[0]
        elif kind == "conv2d":
            k, s, p = args[1], o.get("stride", 1), o.get("padding", 0)
            h, w = (h + 2 * p - k) // s + 1, (w + 2 * p - k) // s + 1
            macs += h * w * k * k * c * args[0]
            weights += k * k * c * args[0]
            c = args[0]
        elif kind in ("maxpool", "avgpool"):
            k, s = args[0], o.get("stride", args[0])
            h, w = (h - k) // s + 1, (w - k) // s + 1
        elif kind == "flatten":
            h, w, c = 1, 1, h * w * c
    return macs, weights


# ---- the same range test in PyTorch ------------------------------------------

def load_data(s, np):
    if s["dataset.source"] == "csv":
        a = np.loadtxt(s["dataset.path"], delimiter=",", dtype=np.float32,
                       skiprows=1 if s["dataset.header"] else 0)
        col = int(s["dataset.label"]) % a.shape[1]
        y = a[:, col].astype(np.int64)
        x = np.delete(a, col, axis=1)
    else:
        with gzip.open(s["dataset.path"]) as f:
            x = np.frombuffer(f.read()[16:], dtype=np.uint8).astype(np.float32)
        with gzip.open(s["dataset.labels"]) as f:
            y = np.frombuffer(f.read()[8:], dtype=np.uint8).astype(np.int64)
        x = x.reshape(len(y), -1)
    if s.get("dataset.limit"):
        x, y = x[:int(s["dataset.limit"])], y[:int(s["dataset.limit"])]
    return x * float(s["dataset.scale"]), y


def torch_steps_per_second(s, threads):
    import numpy as np
    import torch
    torch.set_num_threads(threads)
    torch.manual_seed(int(s["sweep.seed"]))
    x, y = load_data(s, np)
    X, Y = torch.from_numpy(np.ascontiguousarray(x)), torch.from_numpy(y)
    acts = {"relu": torch.nn.ReLU, "tanh": torch.nn.Tanh, "sigmoid": torch.nn.Sigmoid}
    h, w, c = input_shape(s)
    if h * w > 1:  # images: PyTorch's own layout, NCHW
        X = X.reshape(-1, h, w, c).permute(0, 3, 1, 2).contiguous()
    mods = []
    for kind, args, act, o in layers_of(s):
        if kind == "dense":
            mods.append(torch.nn.Linear(h * w * c, args[0]))
            h, w, c = 1, 1, args[0]
        elif kind == "conv2d":
            k, st, p = args[1], o.get("stride", 1), o.get("padding", 0)
            mods.append(torch.nn.Conv2d(c, args[0], k, stride=st, padding=p))
            h, w, c = (h + 2 * p - k) // st + 1, (w + 2 * p - k) // st + 1, args[0]
        elif kind in ("maxpool", "avgpool"):
            k, st = args[0], o.get("stride", args[0])
            mods.append((torch.nn.MaxPool2d if kind == "maxpool" else torch.nn.AvgPool2d)(k, stride=st))
            h, w = (h - k) // st + 1, (w - k) // st + 1
        elif kind == "flatten":
            mods.append(torch.nn.Flatten())
            h, w, c = 1, 1, h * w * c
        if act in acts:
            mods.append(acts[act]())
    model = torch.nn.Sequential(*mods)
    if s["optimizer.kind"] == "adam":
        opt = torch.optim.Adam(model.parameters(), lr=1e-5, betas=(float(s["optimizer.beta1"]), float(s["optimizer.beta2"])),
                               eps=float(s["optimizer.eps"]), weight_decay=float(s["optimizer.weight_decay"]))
    else:
        opt = torch.optim.SGD(model.parameters(), lr=1e-5, momentum=float(s["optimizer.momentum"]),
                              nesterov=bool(s["optimizer.nesterov"]), weight_decay=float(s["optimizer.weight_decay"]))
    batch, steps = int(s["dataset.batch"]), int(s["sweep.steps"])
    start, end = float(s["sweep.start_rate"]), float(s["sweep.end_rate"])
    beta, avg, order, pos = float(s["sweep.smooth"]), 0.0, torch.randperm(len(Y)), 0
    warmup = 5
    for step in range(steps + warmup):
        if step == warmup:
            t0 = time.perf_counter()
        if pos + batch > len(Y):
            order, pos = torch.randperm(len(Y)), 0
        idx = order[pos:pos + batch]
        pos += batch
        for g in opt.param_groups:
            g["lr"] = start * (end / start) ** (min(step, steps - 1) / (steps - 1))
        opt.zero_grad(set_to_none=True)
        loss = torch.nn.functional.cross_entropy(model(X[idx]), Y[idx])
        loss.backward()
        opt.step()
        avg = beta * avg + (1 - beta) * loss.item()
    return steps / (time.perf_counter() - t0)


def torch_available():
    try:
        import torch  # noqa: F401
        return True
    except ImportError:
        return False


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--lrc", default=os.path.join(HERE, "..", "build", "lrc"))
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("workloads", nargs="*")
    a = ap.parse_args()
    names = a.workloads or sorted(f[:-4] for f in os.listdir(os.path.join(HERE, "workloads")) if f.endswith(".lrf"))
    have_torch = torch_available()
    print(f"lrc benchmark, {time.strftime('%Y-%m-%d')}, CPU: {cpu_name()}, {os.cpu_count()} cores")
    ceiling = sgemm_ceiling()
    if ceiling:
        print(f"sgemm ceiling (OpenBLAS 2048^3, OPENBLAS_CORETYPE/L2_SIZE unset for this measurement): "
              f"{ceiling[0]:.0f} GFLOP/s on 1 thread, {ceiling[1]:.0f} on 2")
    else:
        print("(no OpenBLAS: bench/setup.sh installs it for the sgemm ceiling)")
    if not have_torch:
        print("(PyTorch not installed: bench/setup.sh for the side-by-side columns)")
    head = f"{'workload':<14}{'steps':>6}{'lrc steps/s':>13}{'GFLOP/s':>9}"
    head += f"{'of ceiling':>11}" if ceiling else ""
    head += f"{'compile ms':>12}{'cached ms':>11}{'peak MiB':>10}{'bin MiB':>9}{'min MiB':>9}"
    if have_torch:
        head += f"{'torch steps/s':>15}{'lrc/torch':>11}"
    print(head)
    for name in names:
        lrf = os.path.join(HERE, "workloads", name + ".lrf")
        if "fashion" in name and not os.path.exists("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz"):
            print(f"{name:<14} skipped: Fashion-MNIST is not installed")
            continue
        reps, peak, warm_s = run_lrc(a.lrc, lrf, a.reps)
        s = reps[0]["settings"]
        sps = statistics.median(1 / r["measure"]["loop_seconds_per_step"] for r in reps)
        compile_ms = 1000 * statistics.median(r["provenance"]["compile_seconds"] for r in reps)
        macs, _ = macs_and_weights(s)
        gflops = 6 * int(s["dataset.batch"]) * macs * sps / 1e9
        # what the run must hold: the model's block (parameters, gradients,
        # moments, activations) and the data set as floats
        h, w, c = input_shape(s)
        minimum = reps[0]["model"]["memory_bytes"] + 4 * reps[0]["data"]["samples"] * (h * w * c + 1)
        standalone = standalone_peak(a.lrc, lrf)
        line = f"{name:<14}{reps[0]['steps']:>6}{sps:>13.0f}{gflops:>9.1f}"
        line += f"{100 * gflops / ceiling[1]:>10.0f}%" if ceiling else ""
        line += f"{compile_ms:>12.0f}{1000 * warm_s:>11.0f}{peak / 2**20:>10.0f}{standalone / 2**20:>9.0f}{minimum / 2**20:>9.0f}"
        if have_torch:
            tsps = max(statistics.median(torch_steps_per_second(s, t) for _ in range(max(1, a.reps // 2)))
                       for t in (1, 2))
            line += f"{tsps:>15.0f}{sps / tsps:>10.2f}x"
        print(line, flush=True)


def cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


if __name__ == "__main__":
    sys.exit(main())
