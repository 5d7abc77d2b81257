#!/usr/bin/env python3
"""PyTorch native reference for the threads bench's conv forward cases, 1 and 2 threads, run by hand.

The same layers and the same data as bench/cases/conv.mjs (its LCG, seeds 1 and 2), f32 NCHW,
F.conv2d under torch.no_grad(). The threads bench's `--peers` table (bench/threads/peers/)
prints simdnn, onnxruntime-web and LiteRT.js; this prints PyTorch beside it: best ms and
GFLOP/s per case at 1 and N threads, timed in one process in alternating rounds
(torch.set_num_threads switches between rounds), and the N-thread speed-up.

simdnn's "same" padding of the stride-2 case is asymmetric (0 before, 1 after); F.conv2d pads
symmetrically, so that case's input is padded once outside the timed calls (conv with padding 0).
Convolutions go through oneDNN (mkldnn); Debian's python3-torch sends some 1x1 convs at small
batch through its BLAS, which the header line names (see torch_lenet5.py on reference BLAS vs
OpenBLAS):

    /usr/bin/python3 bench/peers/torch_conv.py [--threads 2] [--rounds 9] [--ms 80] [--filter a,b]
    LD_PRELOAD=/usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3 /usr/bin/python3 bench/peers/torch_conv.py
"""
import argparse
import math
import os
import time

ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
ap.add_argument("--threads", type=int, default=2)
ap.add_argument("--rounds", type=int, default=9)
ap.add_argument("--ms", type=float, default=80.0)
ap.add_argument("--filter", default="")
args = ap.parse_args()

# OpenMP sizes its pool at load; torch.set_num_threads then picks 1 or N of it per round.
for v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[v] = str(args.threads)

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

# bench/cases/conv.mjs convLayers: tag, (n, c, h, w), o, k, stride, padding ("same" or 0), groups
LAYERS = [
    ("lenet1", (8, 1, 28, 28), 20, 5, 1, "same", 1),
    ("lenet2", (8, 20, 14, 14), 50, 5, 1, "same", 1),
    ("stem-s1", (1, 3, 112, 112), 32, 3, 1, "same", 1),
    ("stem-s2", (1, 3, 112, 112), 32, 3, 2, "same", 1),
    ("resnet64", (1, 64, 56, 56), 64, 3, 1, "same", 1),
    ("resnet128", (1, 128, 28, 28), 128, 3, 1, "same", 1),
    ("resnet256", (1, 256, 14, 14), 256, 3, 1, "same", 1),
    ("pw256-64", (1, 256, 14, 14), 64, 1, 1, 0, 1),
    ("dw128", (1, 128, 56, 56), 128, 3, 1, "same", 128),
    ("train32", (32, 32, 16, 16), 32, 3, 1, "same", 1),
]


def random_data(size, seed):
    """bench/cases/data.mjs randomData: floats in [-0.5, 0.5) from the same 32-bit LCG."""
    out = np.empty(size, dtype=np.float32)
    s = (seed * 2654435761) & 0xFFFFFFFF
    for i in range(size):
        s = (s * 1664525 + 1013904223) & 0xFFFFFFFF
        out[i] = (s >> 8) / (1 << 24) - 0.5
    return out


def same_pads(size, k, s):
    """simdnn's "same": stride 1 pads k-1 (floor half before); stride > 1 as TensorFlow's SAME."""
    total = k - 1 if s == 1 else max((math.ceil(size / s) - 1) * s + k - size, 0)
    return total // 2, total - total // 2


def timed(fn, ms):
    n, t0 = 0, time.perf_counter()
    t = t0
    while (t - t0) * 1000 < ms:
        fn()
        n += 1
        t = time.perf_counter()
    return (t - t0) * 1000 / n


def loaded_blas():
    with open("/proc/self/maps") as f:
        return sorted({line.split()[-1] for line in f if "blas" in line and "/" in line})


def main():
    torch.set_grad_enabled(False)
    n_t = args.threads
    wanted = [f for f in args.filter.lower().split(",") if f]
    print(f"PyTorch {torch.__version__}, 1 vs {n_t} threads, {args.rounds} rounds of {args.ms:g} ms; "
          f"load average {' '.join(f'{v:.2f}' for v in os.getloadavg())}; BLAS {', '.join(loaded_blas()) or '?'}")
    print(f"{'case':<28}{'MFLOP':>7}{'1t ms / GF':>16}{f'{n_t}t ms / GF':>16}{'speed-up':>10}")
    for tag, (n, c, h, w), o, k, stride, padding, groups in LAYERS:
        if wanted and not any(f in tag for f in wanted):
            continue
        x = torch.from_numpy(random_data(n * c * h * w, 1)).reshape(n, c, h, w)
        wt = torch.from_numpy(random_data(o * (c // groups) * k * k, 2)).reshape(o, c // groups, k, k)
        top, bottom = same_pads(h, k, stride) if padding == "same" else (0, 0)
        left, right = same_pads(w, k, stride) if padding == "same" else (0, 0)
        if top == bottom and left == right:
            xp, pad = x, (top, left)
        else:
            xp, pad = F.pad(x, (left, right, top, bottom)).contiguous(), (0, 0)
        def run():
            return F.conv2d(xp, wt, None, stride, pad, 1, groups)
        y = run()
        flops = 2 * n * o * y.shape[2] * y.shape[3] * (c // groups) * k * k
        ms = {1: [], n_t: []}
        for t in (1, n_t):
            torch.set_num_threads(t)
            timed(run, 200)
        for r in range(args.rounds):
            for t in ((1, n_t) if r % 2 == 0 else (n_t, 1)):
                torch.set_num_threads(t)
                ms[t].append(timed(run, args.ms))
        b1, bn = min(ms[1]), min(ms[n_t])
        name = f"{tag} {n}x{c}x{h}x{w}->{o} k{k}"
        print(f"{name:<28}{flops / 1e6:>7.1f}{f'{b1:.2f} / {flops / b1 / 1e6:.1f}':>16}"
              f"{f'{bn:.2f} / {flops / bn / 1e6:.1f}':>16}{b1 / bn:>9.2f}x")


main()
