#!/usr/bin/env python3
"""PyTorch native reference for the bench's LeNet-5 cases (bench/cases/lenet.mjs), run by hand.

The bench cannot require torch, so this is a separate script; see bench/README.md. It times,
on one thread, the same network as `nn.lenet5()` (conv 20@5x5 pad 2, ReLU, max-pool 2,
conv 50@5x5 pad 2, ReLU, max-pool 2, flatten 2450, linear 500, ReLU, linear 10):

- `lenet5 train b64`: one training step on a batch of 64 random images: zero_grad, forward,
  cross-entropy, backward, Adam (lr 2e-3);
- `lenet5 infer b1` and `lenet5 infer b64`: the forward pass under torch.no_grad() in eval mode.

and prints samples/s (best and median of timed repetitions after a warm-up, as the bench does).
Which BLAS torch uses matters: Debian's python3-torch links the generic libblas.so.3, which
update-alternatives points at the reference BLAS or at OpenBLAS; `--blas` prints what this
process loaded. Run both, e.g.

    /usr/bin/python3 bench/peers/torch_lenet5.py                   # whatever libblas.so.3 is
    LD_PRELOAD=/usr/lib/x86_64-linux-gnu/blas/libblas.so.3 /usr/bin/python3 bench/peers/torch_lenet5.py
    LD_PRELOAD=/usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3 /usr/bin/python3 bench/peers/torch_lenet5.py

Options: --threads N (default 1), --profile (torch.profiler table of one training step's ops),
--json (one JSON line instead of the table).
"""
import argparse
import json
import os
import sys
import time

ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
ap.add_argument("--threads", type=int, default=1)
ap.add_argument("--profile", action="store_true")
ap.add_argument("--json", action="store_true")
ap.add_argument("--min-rep-ms", type=float, default=200.0, help="each timed repetition loops for at least this long")
ap.add_argument("--reps", type=int, default=10)
args = ap.parse_args()

# Before torch loads: OpenBLAS and OpenMP size their thread pools at load time, and torch's
# set_num_threads does not reach a BLAS it only knows as "generic".
for v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[v] = str(args.threads)

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

torch.set_num_threads(args.threads)
torch.manual_seed(0)


def loaded_blas():
    """The BLAS/LAPACK shared objects mapped into this process (reference BLAS or OpenBLAS)."""
    with open("/proc/self/maps") as f:
        libs = {line.split()[-1] for line in f if ("blas" in line or "lapack" in line) and "/" in line}
    return sorted(libs)


def lenet5():
    return nn.Sequential(
        nn.Conv2d(1, 20, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(20, 50, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(2450, 500), nn.ReLU(), nn.Linear(500, 10),
    )


def measure(fn, samples, warmup_calls=20, min_rep_ms=args.min_rep_ms, reps=args.reps):
    """Best and median seconds per call, after a warm-up; each repetition loops >= min_rep_ms."""
    for _ in range(warmup_calls):
        fn()
    t = time.perf_counter()
    fn()
    per = max(time.perf_counter() - t, 1e-6)
    inner = max(1, int(min_rep_ms / 1000 / per + 0.999))
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        for _ in range(inner):
            fn()
        times.append((time.perf_counter() - t) / inner)
    times.sort()
    mid = len(times) // 2
    median = times[mid] if len(times) % 2 else (times[mid - 1] + times[mid]) / 2
    return {"best_ms": times[0] * 1e3, "median_ms": median * 1e3, "samples_per_s": samples / times[0],
            "median_samples_per_s": samples / median}


model = lenet5()
opt = torch.optim.Adam(model.parameters(), lr=2e-3)
xb = torch.rand(64, 1, 28, 28) - 0.5
yb = torch.randint(0, 10, (64,))


def train_step():
    opt.zero_grad(set_to_none=False)  # as simdnn: the gradient slab is zeroed, not dropped
    loss = F.cross_entropy(model(xb), yb)
    loss.backward()
    opt.step()


results = {}
model.train()
results["lenet5 train b64"] = measure(train_step, 64)
model.eval()
with torch.no_grad():
    for n in (1, 64):
        x = torch.rand(n, 1, 28, 28) - 0.5
        results[f"lenet5 infer b{n}"] = measure(lambda: model(x), n)

info = {"torch": torch.__version__, "threads": torch.get_num_threads(), "blas": loaded_blas(),
        "mkldnn": torch.backends.mkldnn.is_available(), "python": sys.version.split()[0]}
if args.json:
    print(json.dumps({"info": info, "results": results}))
else:
    print(f"torch {info['torch']}, {info['threads']} thread(s), mkldnn {info['mkldnn']}, BLAS: {', '.join(info['blas'])}")
    print(f"| case | best ms | median ms | samples/s (best) | samples/s (median) |")
    print(f"|:--|--:|--:|--:|--:|")
    for k, r in results.items():
        print(f"| {k} | {r['best_ms']:.3f} | {r['median_ms']:.3f} | {r['samples_per_s']:.0f} | {r['median_samples_per_s']:.0f} |")

if args.profile:
    from torch.profiler import ProfilerActivity, profile
    model.train()
    for _ in range(5):
        train_step()
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        for _ in range(20):
            train_step()
    print("\none training step's ops, 20 steps profiled (times are totals over the 20):")
    print(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=25))
