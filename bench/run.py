#!/usr/bin/env python3
"""bench/run.py — lrc's benchmark: the range test's steps per second and the
JIT's compile time per workload, side by side with the same range test in
PyTorch when Debian's python3-torch is installed, as ratios from one run.

    bench/run.py [--lrc build/lrc] [--reps 5] [workload ...]

Each workload is a .lrf file in bench/workloads/ with a fixed-length sweep.
The PyTorch side is rebuilt from the resolved settings lrc writes into
report.json (data, layers, batch, optimizer, schedule), so both run the
same experiment. lrc's time is the whole range-test loop (batching, step,
smoothing, stop rules); PyTorch's is the same loop after 5 warm-up steps,
best of 1 and 2 threads. Medians over --reps runs; the machine is shared,
so ratios, not absolute times, are the claim.
"""
import argparse, gzip, json, os, statistics, subprocess, sys, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))


def run_lrc(lrc, lrf, reps):
    """Runs lrc `reps` times; returns the reports and the largest peak RSS (bytes)."""
    results, peak = [], 0
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(reps):
            out = os.path.join(tmp, str(r))
            proc = subprocess.Popen([lrc, "run", lrf, "--out", out, "--quiet"],
                                    env=dict(os.environ, LRC_STDLIB=os.path.join(HERE, "..", "stdlib")))
            _, status, usage = os.wait4(proc.pid, 0)
            if status != 0:
                sys.exit(f"lrc run {lrf} failed (status {status})")
            peak = max(peak, usage.ru_maxrss * 1024)
            with open(os.path.join(out, "report.json")) as f:
                results.append(json.load(f))
    return results, peak


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


def weights_of(settings):
    layers, fan_in = [], int(settings["network.input"])
    i = 1
    while f"network.layer{i}" in settings:
        kind, units, act, _ = settings[f"network.layer{i}"].split()
        layers.append((fan_in, int(units), act))
        fan_in = int(units)
        i += 1
    return layers


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
    return x * float(s["dataset.scale"]), y


def torch_steps_per_second(s, threads):
    import numpy as np
    import torch
    torch.set_num_threads(threads)
    torch.manual_seed(int(s["sweep.seed"]))
    x, y = load_data(s, np)
    X, Y = torch.from_numpy(np.ascontiguousarray(x)), torch.from_numpy(y)
    acts = {"relu": torch.nn.ReLU, "tanh": torch.nn.Tanh, "sigmoid": torch.nn.Sigmoid}
    mods = []
    for fan_in, units, act in weights_of(s):
        mods.append(torch.nn.Linear(fan_in, units))
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
    head += f"{'compile ms':>12}{'peak MiB':>10}{'min MiB':>9}"
    if have_torch:
        head += f"{'torch steps/s':>15}{'lrc/torch':>11}"
    print(head)
    for name in names:
        lrf = os.path.join(HERE, "workloads", name + ".lrf")
        if "fashion" in name and not os.path.exists("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz"):
            print(f"{name:<14} skipped: Fashion-MNIST is not installed")
            continue
        reps, peak = run_lrc(a.lrc, lrf, a.reps)
        s = reps[0]["settings"]
        sps = statistics.median(r["steps"] / r["provenance"]["run_seconds"] for r in reps)
        compile_ms = 1000 * statistics.median(r["provenance"]["compile_seconds"] for r in reps)
        weights = sum(i * o for i, o, _ in weights_of(s))
        gflops = 6 * int(s["dataset.batch"]) * weights * sps / 1e9
        # what the run must hold: the model's block (parameters, gradients,
        # moments, activations) and the data set as floats
        minimum = reps[0]["model"]["memory_bytes"] + 4 * reps[0]["data"]["samples"] * (int(s["network.input"]) + 1)
        line = f"{name:<14}{reps[0]['steps']:>6}{sps:>13.0f}{gflops:>9.1f}"
        line += f"{100 * gflops / ceiling[1]:>10.0f}%" if ceiling else ""
        line += f"{compile_ms:>12.0f}{peak / 2**20:>10.0f}{minimum / 2**20:>9.0f}"
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
