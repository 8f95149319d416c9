#!/usr/bin/python3
"""bench/scaling.py — how the cost of one training step grows with its shape (issue #6).

Runs a grid of MLPs through `lrc run` and prints time per step against FLOPs
per step, with the regime each shape is in: overhead-, bandwidth- or
compute-bound. Standard library only; the helpers of bench/run.py are reused.

    bench/scaling.py --lrc build/lrc [--svg scaling.svg] [--markdown]
    bench/scaling.py --quick ...              # 2 widths x 2 batches, few steps (the e2e test)
    bench/scaling.py --widths 64,512 --batches 16,256

The experiments (written to a temp dir, one per point):
  data     blobs { features w; classes 10; samples max(2 x batch, 512); seed 1 }
  network  input w -> dense w relu -> dense w relu -> dense 10
  loss     cross_entropy; optimizer sgd { momentum 0.9 }
  sweep    a fixed-length exponential sweep from 1e-7 to 1e-6 with
           `stop when rate > 1`, so nothing diverges and every run takes
           exactly `steps` steps.
The width w is the one variable of the network: the input and both hidden
layers have w units (two w x w products and one w x 10 per pass), so
weights = 2w^2 + 10w. Steps per point are chosen for about 0.5 s of loop
(an estimate from the overhead probe and 100 GFLOP/s, re-run once when a run
came out under a third of that; at least 3 steps), so the big shapes take few.

What is measured, per point (report.json of the run):
  step us   measure.step_seconds_per_step: the compiled step alone
  loop us   measure.loop_seconds_per_step: the whole range-test loop
            (batching, smoothing, stop rules; not the set-up before it)
  FLOP/step 6 x batch x weights (forward 2, backward 4 per weight and sample,
            as bench/run.py counts them; biases and activations not counted)
  GFLOP/s   FLOP/step / step time
And once per invocation:
  t_o       the fixed cost of a step: step time of a minimal experiment
            (input 2 -> dense 2, batch 1, 2000 steps)
  C         the sgemm ceiling: run.py's sgemm_ceiling(), OpenBLAS 2048^3,
            measured before and after the grid, the best of 1 and 2 threads
            of both (the machine's peak; lrc splits its largest products
            over both cores, and on a loaded machine 2 threads may be no
            faster than 1). If the grid itself beat that (the ceiling was
            measured in a busy moment), C is the grid's best and a note
            says so: a share of the ceiling above 100% would mean nothing. Without OpenBLAS: the best GFLOP/s the grid
            itself reached (then "of ceiling" is relative to that).
  BW(s)     memory bandwidth for a working set of s bytes: a memcpy
            (Python bytearray slice copy, one thread) with a footprint of
            256 KiB ... 256 MiB in steps of x4, best of several; a point uses
            the bandwidth of the smallest footprint >= its working set, so a
            small model is charged cache bandwidth and a large one DRAM's
            (made non-increasing in the footprint against noise).

The bytes model (float32, documented rather than simulated; P = parameters
with biases, the sum runs over the dense layers n_in -> n_out):
  bytes/step   = 4 x (8 P + B x sum(3 n_in + 2 n_out))
    8 P: forward reads W, backward reads W (for dx) and writes dW, the SGD
         update reads W, dW and the momentum and writes W and the momentum;
    3 n_in + 2 n_out per sample and layer: forward reads x and writes y,
         backward reads dy, reads x (for dW) and writes dx.
  working set  = 4 x (3 P + 2 B x sum(n_in))  (weights, gradients, momentum;
                 activations and their gradients)
  arithmetic intensity AI = FLOP/step / bytes/step (FLOP per byte).

The regime rule (computed from the measurements above, nothing is set per
shape): three lower bounds on the step time, each a share of the measured
step time t:
  overhead  = t_o / t                 (the fixed cost of any step)
  bandwidth = (bytes/step / BW) / t   (= achieved model bytes/s over BW)
  compute   = (FLOP/step / C) / t     (= GFLOP/s over the ceiling)
The regime is the largest share. An overhead-bound point is one where the
fixed cost dominates: its time stays near t_o as FLOPs grow, far below peak.
A bandwidth-bound point's GFLOP/s is capped by AI x BW (time tracks
bytes moved / bandwidth). A compute-bound point's GFLOP/s is the largest
fraction of the ceiling it could be; how far it is below 100% is the
kernels' inefficiency (the "of ceiling" column). When the runner-up share is
at least 0.85 x the largest the regime is printed with '*': a close call,
which a noisy machine can flip. The "slope" column, d log t / d log FLOP
from the previous width of the same batch, shows the same thing from the
other side: near 0 the time is flat (overhead), near 1 it grows with the work.

    --reps N   runs per point (after the step count is settled), the median
               step and loop times are kept; default 1.
    --markdown the table as Markdown (for bench/README.md).
"""
import argparse, json, math, os, statistics, subprocess, sys, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import run as bench_run  # noqa: E402  (bench/run.py: sgemm_ceiling, macs_and_weights, cpu_name)

CLASSES = 10
TARGET_SECONDS = 0.5
ASSUMED_GFLOPS = 100.0
MAX_STEPS = 100000
CLOSE = 0.85  # a runner-up share >= CLOSE x the largest: a close call, marked '*'
REGIMES = ("overhead", "bandwidth", "compute")

EXPERIMENT = """\
# bench/scaling.py: width {w}, batch {b}
dataset d = blobs {{
  features {w}
  classes {classes}
  samples {samples}
  seed 1
  batch {b}
}}

network net {{
  input {w}
{layers}
}}

loss cross_entropy

optimizer sgd {{ momentum 0.9 }}

sweep {{
  start_rate 1e-7
  end_rate 1e-6
  steps {steps}
  stop when rate > 1
}}
"""


def layer_sizes(w):
    """The dense layers (n_in, n_out) of the width-w network."""
    return [(w, w), (w, w), (w, CLASSES)]


def write_lrf(tmp, w, b, steps):
    layers = "\n".join(f"  dense {n_out}{' relu' if n_out != CLASSES else ''}" for _, n_out in layer_sizes(w))
    path = os.path.join(tmp, f"w{w}_b{b}.lrf")
    with open(path, "w") as f:
        f.write(EXPERIMENT.format(w=w, b=b, steps=steps, classes=CLASSES, samples=max(2 * b, 512), layers=layers))
    return path


def lrc_env():
    return dict(os.environ, LRC_STDLIB=os.path.join(HERE, "..", "stdlib"))


def run_report(lrc, lrf, out):
    proc = subprocess.run([lrc, "run", lrf, "--out", out, "--quiet"], env=lrc_env(),
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if proc.returncode != 0:
        sys.exit(f"scaling.py: {lrc} run {lrf} failed (status {proc.returncode}):\n{proc.stderr}")
    with open(os.path.join(out, "report.json")) as f:
        return json.load(f)


def overhead_probe(lrc, tmp):
    """Step seconds of a minimal experiment (input 2 -> dense 2, batch 1): the fixed cost of a step."""
    path = os.path.join(tmp, "overhead.lrf")
    with open(path, "w") as f:
        f.write("dataset d = blobs {\n  features 2\n  classes 2\n  samples 64\n  seed 1\n  batch 1\n}\n\n"
                "network net {\n  input 2\n  dense 2\n}\n\nloss cross_entropy\n\noptimizer sgd { momentum 0.9 }\n\n"
                "sweep {\n  start_rate 1e-7\n  end_rate 1e-6\n  steps 2000\n  stop when rate > 1\n}\n")
    r = run_report(lrc, path, os.path.join(tmp, "overhead"))
    return r["measure"]["step_seconds_per_step"]


def copy_bandwidth(max_footprint):
    """{footprint bytes: bytes/s} of a one-thread memcpy (bytearray slice copy),
    footprints 256 KiB x4 ... up to the first >= max_footprint (at most 256 MiB).
    Bytes moved per copy: 2n (read n, write n); the footprint is src + dst = 2n."""
    result, fp = {}, 256 << 10
    while True:
        n = fp // 2
        src, dst = bytearray(b"\x01") * n, bytearray(b"\x02") * n  # touched, not the zero page
        view = memoryview(dst)
        inner = max(1, (32 << 20) // n)  # about 32 MiB per timed batch
        best = math.inf
        for _ in range(7):
            t0 = time.perf_counter()
            for _ in range(inner):
                view[:] = src
            best = min(best, (time.perf_counter() - t0) / inner)
        result[fp] = 2 * n / best
        del view, src, dst
        if fp >= max_footprint or fp >= (256 << 20):
            return result
        fp *= 4


def bandwidth_for(bw, working_set):
    """The bandwidth of the smallest measured footprint >= working_set (the
    largest if none), made non-increasing with the footprint: a larger
    footprint measured faster means the smaller one was measured in a noisy
    moment, and the larger one's figure is the better estimate for both."""
    sizes = sorted(bw)
    for i, fp in enumerate(sizes):
        if fp >= working_set:
            return max(bw[f] for f in sizes[i:])
    return bw[sizes[-1]]


def shape_model(w, b):
    """(FLOP/step, bytes/step, working-set bytes) of the width-w, batch-b step."""
    layers = layer_sizes(w)
    weights = sum(i * o for i, o in layers)
    params = weights + sum(o for _, o in layers)
    flops = 6 * b * weights
    moved = 4 * (8 * params + b * sum(3 * i + 2 * o for i, o in layers))
    working = 4 * (3 * params + 2 * b * sum(i for i, _ in layers))
    return flops, moved, working


def measure_point(lrc, tmp, w, b, t_o, quick, reps):
    """Runs one point (`reps` times after the steps are settled); returns
    (steps, median step seconds, median loop seconds per step)."""
    flops, _, _ = shape_model(w, b)
    target = 0.05 if quick else TARGET_SECONDS
    est = t_o + flops / (ASSUMED_GFLOPS * 1e9)
    steps = int(min(MAX_STEPS, max(3, round(target / est))))
    for attempt in range(2):
        lrf = write_lrf(tmp, w, b, steps)
        r = run_report(lrc, lrf, os.path.join(tmp, f"w{w}_b{b}_{attempt}"))
        loop = r["provenance"]["run_seconds"]
        if attempt == 0 and loop < target / 3 and steps < MAX_STEPS:
            steps = int(min(MAX_STEPS, max(steps + 1, round(steps * target / max(loop, 1e-6)))))
            continue
        break
    # check the run is the shape we meant (bench/run.py's count of the same report)
    _, weights = bench_run.macs_and_weights(r["settings"])
    assert 6 * b * weights == flops, (w, b, weights)
    runs = [r] + [run_report(lrc, lrf, os.path.join(tmp, f"w{w}_b{b}_rep{i}")) for i in range(1, reps)]
    return (r["steps"], statistics.median(x["measure"]["step_seconds_per_step"] for x in runs),
            statistics.median(x["measure"]["loop_seconds_per_step"] for x in runs))


def sgemm():
    """bench/run.py's sgemm ceiling [1 thread, 2 threads] in GFLOP/s, or None."""
    try:
        return bench_run.sgemm_ceiling()
    except (OSError, subprocess.SubprocessError):  # no cc, or the sgemm program failed
        return None


def classify(t, t_o, flops, moved, bw, ceiling):
    """(regime, close, shares): the largest share; close when the runner-up is >= CLOSE x it."""
    shares = {"overhead": t_o / t, "bandwidth": moved / bw / t, "compute": flops / (ceiling * 1e9) / t}
    order = sorted(REGIMES, key=lambda k: shares[k], reverse=True)
    return order[0], shares[order[1]] >= CLOSE * shares[order[0]], shares


# ---- output ---------------------------------------------------------------------

COLUMNS = [("width", 6), ("batch", 6), ("steps", 6), ("FLOP/step", 11), ("step us", 11), ("loop us", 11),
           ("GFLOP/s", 8), ("of ceil", 8), ("AI F/B", 7), ("GB/s", 7), ("BW GB/s", 8),
           ("slope", 6), ("ovh/bw/cmp", 15), ("regime", 11)]


def fmt_row(p):
    s = p["shares"]
    return [str(p["w"]), str(p["b"]), str(p["steps"]), f"{p['flops']:.3g}", f"{p['t'] * 1e6:.1f}",
            f"{p['loop'] * 1e6:.1f}", f"{p['gflops']:.1f}", f"{100 * p['of_ceiling']:.0f}%", f"{p['ai']:.1f}",
            f"{p['moved'] / p['t'] / 1e9:.1f}", f"{p['bw'] / 1e9:.0f}",
            f"{p['slope']:.2f}" if "slope" in p else "-",
            f"{s['overhead']:.2f}/{s['bandwidth']:.2f}/{s['compute']:.2f}", p["regime"] + ("*" if p["close"] else "")]


def print_table(points, markdown):
    if markdown:
        print("| " + " | ".join(c for c, _ in COLUMNS) + " |")
        print("|" + "---|" * len(COLUMNS))
        for p in points:
            print("| " + " | ".join(fmt_row(p)) + " |")
    else:
        print("".join(f"{c:>{n}}" for c, n in COLUMNS))
        for p in points:
            print("".join(f"{v:>{n}}" for v, (_, n) in zip(fmt_row(p), COLUMNS)))


def boundaries(points):
    """Per batch: the widths at which the regime changes, e.g. 'overhead 64-128, compute 256-4096'."""
    lines = []
    for b in sorted({p["b"] for p in points}):
        runs = []
        for p in sorted((p for p in points if p["b"] == b), key=lambda p: p["w"]):
            if runs and runs[-1][0] == p["regime"]:
                runs[-1][2] = p["w"]
            else:
                runs.append([p["regime"], p["w"], p["w"]])
        lines.append(f"batch {b}: " + ", ".join(f"{r} w={lo}" + (f"..{hi}" if hi != lo else "") for r, lo, hi in runs))
    return lines


def write_svg(path, points, t_o, ceiling):
    """Log-log step time (us) against FLOP/step, one series per batch, with the
    overhead floor t_o and the ceiling line t = FLOP / C as dashed guides."""
    W, H, L, R, T, B = 720, 480, 80, 150, 40, 60
    xs = [p["flops"] for p in points]
    ys = [p["t"] * 1e6 for p in points] + [t_o * 1e6]
    x0, x1 = math.floor(math.log10(min(xs))), math.ceil(math.log10(max(xs)))
    y0, y1 = math.floor(math.log10(min(ys))), math.ceil(math.log10(max(ys)))
    x1, y1 = max(x1, x0 + 1), max(y1, y0 + 1)

    def px(f):
        return L + (math.log10(f) - x0) / (x1 - x0) * (W - L - R)

    def py(us):
        return H - B - (math.log10(us) - y0) / (y1 - y0) * (H - T - B)

    colors = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"]
    marks = {"overhead": "circle", "bandwidth": "square", "compute": "diamond"}
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}" '
           f'font-family="sans-serif" font-size="12">',
           f'<rect width="{W}" height="{H}" fill="white"/>',
           f'<text x="{W / 2:.0f}" y="22" text-anchor="middle" font-size="14">lrc: time per step against FLOPs per step '
           f'(MLP w-w-w-10)</text>']
    for e in range(x0, x1 + 1):
        x = px(10 ** e)
        out.append(f'<line x1="{x:.1f}" y1="{T}" x2="{x:.1f}" y2="{H - B}" stroke="#ddd"/>')
        out.append(f'<text x="{x:.1f}" y="{H - B + 16}" text-anchor="middle">1e{e}</text>')
    for e in range(y0, y1 + 1):
        y = py(10 ** e)
        out.append(f'<line x1="{L}" y1="{y:.1f}" x2="{W - R}" y2="{y:.1f}" stroke="#ddd"/>')
        out.append(f'<text x="{L - 6}" y="{y + 4:.1f}" text-anchor="end">1e{e}</text>')
    out.append(f'<rect x="{L}" y="{T}" width="{W - L - R}" height="{H - T - B}" fill="none" stroke="black"/>')
    out.append(f'<text x="{(L + W - R) / 2:.0f}" y="{H - 18}" text-anchor="middle">FLOP per step</text>')
    out.append(f'<text x="18" y="{(T + H - B) / 2:.0f}" text-anchor="middle" '
               f'transform="rotate(-90 18 {(T + H - B) / 2:.0f})">step time (µs)</text>')
    # guides, clipped to the plot by computing their ends inside it
    y = py(t_o * 1e6)
    out.append(f'<line x1="{L}" y1="{y:.1f}" x2="{W - R}" y2="{y:.1f}" stroke="#888" stroke-dasharray="4 3"/>')
    out.append(f'<text x="{L + 4}" y="{y - 4:.1f}" fill="#666">overhead floor {t_o * 1e6:.1f} µs</text>')
    fa = max(10 ** x0, 10 ** y0 * 1e-6 * ceiling * 1e9)
    fb = min(10 ** x1, 10 ** y1 * 1e-6 * ceiling * 1e9)
    if fa < fb:
        out.append(f'<line x1="{px(fa):.1f}" y1="{py(fa / (ceiling * 1e3)):.1f}" x2="{px(fb):.1f}" '
                   f'y2="{py(fb / (ceiling * 1e3)):.1f}" stroke="#888" stroke-dasharray="8 3"/>')
        fl = fa * (fb / fa) ** 0.8  # the label, below the line near its upper end
        out.append(f'<text x="{px(fl) + 6:.1f}" y="{py(fl / (ceiling * 1e3)) + 14:.1f}" '
                   f'fill="#666">ceiling {ceiling:.0f} GFLOP/s</text>')
    for i, b in enumerate(sorted({p["b"] for p in points})):
        c = colors[i % len(colors)]
        series = sorted((p for p in points if p["b"] == b), key=lambda p: p["flops"])
        pts = " ".join(f"{px(p['flops']):.1f},{py(p['t'] * 1e6):.1f}" for p in series)
        out.append(f'<polyline points="{pts}" fill="none" stroke="{c}" stroke-width="1.5"/>')
        for p in series:
            x, y = px(p["flops"]), py(p["t"] * 1e6)
            tip = f'<title>w {p["w"]} batch {p["b"]}: {p["t"] * 1e6:.1f} µs, {p["gflops"]:.1f} GFLOP/s, {p["regime"]}</title>'
            if marks[p["regime"]] == "circle":
                out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{c}">{tip}</circle>')
            elif marks[p["regime"]] == "square":
                out.append(f'<rect x="{x - 4:.1f}" y="{y - 4:.1f}" width="8" height="8" fill="{c}">{tip}</rect>')
            else:
                out.append(f'<polygon points="{x:.1f},{y - 5:.1f} {x + 5:.1f},{y:.1f} {x:.1f},{y + 5:.1f} '
                           f'{x - 5:.1f},{y:.1f}" fill="{c}">{tip}</polygon>')
        ly = T + 14 + 18 * i
        out.append(f'<line x1="{W - R + 12}" y1="{ly - 4}" x2="{W - R + 32}" y2="{ly - 4}" stroke="{c}" stroke-width="2"/>')
        out.append(f'<text x="{W - R + 38}" y="{ly}">batch {b}</text>')
    ly = T + 14 + 18 * (len({p["b"] for p in points}) + 1)
    for j, (regime, shape) in enumerate(marks.items()):
        y = ly + 18 * j
        if shape == "circle":
            out.append(f'<circle cx="{W - R + 22}" cy="{y - 4}" r="4" fill="#444"/>')
        elif shape == "square":
            out.append(f'<rect x="{W - R + 18}" y="{y - 8}" width="8" height="8" fill="#444"/>')
        else:
            out.append(f'<polygon points="{W - R + 22},{y - 9} {W - R + 27},{y - 4} {W - R + 22},{y + 1} '
                       f'{W - R + 17},{y - 4}" fill="#444"/>')
        out.append(f'<text x="{W - R + 38}" y="{y}">{regime}</text>')
    out.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


def int_list(text):
    try:
        v = [int(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a comma-separated list of integers, got '{text}'")
    if not v or min(v) < 1:
        raise argparse.ArgumentTypeError("expected positive integers")
    return v


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--lrc", default=os.path.join(HERE, "..", "build", "lrc"))
    ap.add_argument("--widths", type=int_list, default=[64, 128, 256, 512, 1024, 2048, 4096])
    ap.add_argument("--batches", type=int_list, default=[16, 64, 256, 1024])
    ap.add_argument("--reps", type=int, default=1, help="runs per point, the median is kept (default 1)")
    ap.add_argument("--quick", action="store_true", help="2 widths x 2 batches, few steps (for a test)")
    ap.add_argument("--svg", metavar="PATH", help="write a log-log plot of step time against FLOP/step")
    ap.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    a = ap.parse_args()
    if a.quick:
        a.widths, a.batches = a.widths[:2], a.batches[:2]
    if not os.access(a.lrc, os.X_OK):
        sys.exit(f"scaling.py: no lrc at {a.lrc} (--lrc PATH)")
    started = time.perf_counter()
    print(f"lrc step cost against shape, {time.strftime('%Y-%m-%d')}, CPU: {bench_run.cpu_name()}, "
          f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}")
    print(f"network input w -> dense w relu -> dense w relu -> dense {CLASSES}, blobs data, SGD momentum 0.9; "
          f"widths {','.join(map(str, a.widths))}, batches {','.join(map(str, a.batches))}")
    ceiling = sgemm()
    max_ws = max(shape_model(w, b)[2] for w in a.widths for b in a.batches)
    bw = copy_bandwidth(max_ws)
    print("memcpy bandwidth (1 thread): " + ", ".join(
        f"{fp >> 10} KiB {v / 1e9:.0f}" if fp < (1 << 20) else f"{fp >> 20} MiB {v / 1e9:.0f}" for fp, v in bw.items())
        + " GB/s")
    points = []
    with tempfile.TemporaryDirectory(prefix="lrc-scaling-") as tmp:
        t_o = overhead_probe(a.lrc, tmp)
        print(f"overhead floor t_o (input 2 -> dense 2, batch 1): {t_o * 1e6:.2f} us per step")
        for b in a.batches:
            for w in a.widths:
                steps, t, loop = measure_point(a.lrc, tmp, w, b, t_o, a.quick, a.reps)
                flops, moved, working = shape_model(w, b)
                points.append(dict(w=w, b=b, steps=steps, t=t, loop=loop, flops=flops, moved=moved,
                                   working=working, gflops=flops / t / 1e9, ai=flops / moved,
                                   bw=bandwidth_for(bw, working)))
    best = max(p["gflops"] for p in points)
    if ceiling:
        after = sgemm() or ceiling
        c = max(ceiling + after)
        print(f"sgemm ceiling (bench/run.py, OpenBLAS 2048^3): before the grid {ceiling[0]:.0f} GFLOP/s on 1 thread, "
              f"{ceiling[-1]:.0f} on 2; after {after[0]:.0f} and {after[-1]:.0f}; C = {c:.0f}")
        if best > c:
            print(f"  (the grid reached {best:.0f} GFLOP/s, above the ceiling measured: the machine was busy "
                  f"then; C = {best:.0f})")
            c = best
    else:
        c = best
        print(f"(no OpenBLAS for the sgemm ceiling: C = the grid's best, {c:.0f} GFLOP/s; bench/setup.sh installs it)")
    for p in points:
        p["of_ceiling"] = p["gflops"] / c
        p["regime"], p["close"], p["shares"] = classify(p["t"], t_o, p["flops"], p["moved"], p["bw"], c)
    for p in points:  # how the time grew from the previous width of the same batch
        prev = [q for q in points if q["b"] == p["b"] and q["w"] < p["w"]]
        if prev:
            q = max(prev, key=lambda q: q["w"])
            p["slope"] = math.log(p["t"] / q["t"]) / math.log(p["flops"] / q["flops"])
    print()
    print_table(points, a.markdown)
    print()
    print(f"slope: d log(step time) / d log(FLOP/step) from the previous width (1: time grows with the work, "
          f"0: flat); *: a close call (runner-up share >= {CLOSE} x the largest)")
    print("regimes by width (largest of the overhead / bandwidth / compute shares of the step time):")
    for line in boundaries(points):
        print("  " + line)
    if a.svg:
        write_svg(a.svg, points, t_o, c)
        print(f"wrote {a.svg}")
    print(f"total {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
