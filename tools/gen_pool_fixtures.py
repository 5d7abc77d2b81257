#!/usr/bin/python3
"""Golden values for the pooling family, from PyTorch (Debian python3-torch), into test/fixtures/pool.json.

Run with the system interpreter that has torch:  /usr/bin/python3 tools/gen_pool_fixtures.py
The test reads the JSON file only; it never needs torch.

Inputs are not stored. Each case names a seed: x is drawn from the mulberry32 generator of
test/_util/reference.ts mapped to multiples of 1/32 in [-1, 1) (quantized() of
test/_util/conv_tester.ts) from seed, dy from seed + 1. So few distinct values make ties in
almost every max-pooling window. Max cases may list flat positions of x set to NaN and to -Inf.
Each case stores the first values of x (times 32) so a drift between the two generators fails
loudly.

Stored per case: the output shape; for max pooling y (equal in both dtypes: it is a selection),
PyTorch's indices and dx (dy routed by autograd, a sum of multiples of 1/32: exact); for the
average poolings y and dx per dtype, as PyTorch computes them in that dtype (float32 values are
stored as the float64 number they are). Non-finite numbers are the strings "nan", "inf", "-inf".
Gradients are those of sum(y * dy), by autograd.
"""
import json
import math
import os
import random

from fixture_rng import MASK, mulberry32, quantized  # noqa: F401 (shared with the tests)
import torch
import torch.nn.functional as F

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures", "pool.json")
DTYPES = {"float32": torch.float32, "float64": torch.float64}


def enc(values):
    return [v if math.isfinite(v) else ("nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")) for v in values]


def out_size(n, k, s, p, d, ceil):
    num = n + 2 * p - d * (k - 1) - 1 + (s - 1 if ceil else 0)
    o = num // s + 1
    if ceil and (o - 1) * s >= n + p:
        o -= 1
    return o


def windows_nonempty(n, k, s, p, d, o):
    """Every window holds at least one real input position (else PyTorch writes an index outside the window)."""
    for i in range(o):
        if not any(0 <= i * s - p + j * d < n for j in range(k)):
            return False
    return True


def inputs(shape, seed, nans=(), neginfs=()):
    x = quantized(math.prod(shape), seed)
    for i in nans:
        x[i] = float("nan")
    for i in neginfs:
        x[i] = float("-inf")
    return x


def max_case(rnd, rank, seed, special):
    while True:
        n, c = rnd.randint(1, 2), rnd.randint(1, 3)
        size = [rnd.randint(1, 9) for _ in range(rank)]
        k = [rnd.randint(1, 4) for _ in range(rank)]
        s = [rnd.randint(1, 3) for _ in range(rank)]
        d = [rnd.choice([1, 1, 1, 2, 3]) for _ in range(rank)]
        p = [rnd.randint(0, kk // 2) for kk in k]
        ceil = rnd.random() < 0.4
        out = [out_size(*a, ceil) for a in zip(size, k, s, p, d)]
        if all(o >= 1 for o in out) and all(windows_nonempty(*a) for a in zip(size, k, s, p, d, out)):
            break
    shape = [n, c] + size
    total = math.prod(shape)
    nans = sorted(rnd.sample(range(total), min(total, rnd.randint(1, 4)))) if special else []
    neginfs = sorted(rnd.sample([i for i in range(total) if i not in nans], min(total - len(nans), 2))) if special else []
    x = inputs(shape, seed, nans, neginfs)
    dy = quantized(n * c * math.prod(out), seed + 1)
    opts = {"kernel": k if rnd.random() < 0.7 or len(set(k)) > 1 else k[0], "stride": s, "padding": p,
            "dilation": d, "ceilMode": ceil}
    fn = F.max_pool1d if rank == 1 else F.max_pool2d
    results = {}
    for dname, dt in DTYPES.items():
        tx = torch.tensor(x, dtype=dt).reshape(shape).requires_grad_()
        y, idx = fn(tx, k, s, p, d, ceil_mode=ceil, return_indices=True)
        (y * torch.tensor(dy, dtype=dt).reshape(y.shape)).sum().backward()
        results[dname] = (enc(y.detach().double().reshape(-1).tolist()), idx.reshape(-1).tolist(),
                          enc(tx.grad.double().reshape(-1).tolist()))
    assert results["float32"] == results["float64"], "max pooling differs between dtypes"
    y, idx, dx = results["float64"]
    return {"op": f"maxPool{rank}d", "shape": shape, "options": opts, "seed": seed,
            "nans": nans, "negInfs": neginfs, "check": [int(v * 32) for v in quantized(4, seed)],
            "outShape": list(n for n in [n, c] + out), "y": y, "indices": idx, "dx": dx}


def avg_case(rnd, rank, seed, rule):
    while True:
        n, c = rnd.randint(1, 2), rnd.randint(1, 3)
        size = [rnd.randint(1, 9) for _ in range(rank)]
        k = [rnd.randint(1, 4) for _ in range(rank)]
        s = list(k) if rule == "default-stride" else [rnd.randint(1, 3) for _ in range(rank)]
        p = [rnd.randint(0, kk // 2) for kk in k]
        ceil = rnd.random() < 0.5
        out = [out_size(*a, 1, ceil) for a in zip(size, k, s, p)]
        if all(o >= 1 for o in out):
            break
    shape = [n, c] + size
    x = inputs(shape, seed)
    dy = quantized(n * c * math.prod(out), seed + 1)
    opts = {"kernel": k, "stride": s, "padding": p, "ceilMode": ceil}
    include, override = True, None
    if rule == "exclude":
        include = False
        opts["countIncludePad"] = False
    elif rule == "override":
        override = rnd.randint(1, 7)
        opts["divisorOverride"] = override
    elif rule == "default-stride":
        del opts["stride"]
    results = {}
    for dname, dt in DTYPES.items():
        tx = torch.tensor(x, dtype=dt).reshape(shape).requires_grad_()
        if rank == 1:
            # avg_pool1d has no divisor_override: it is avg_pool2d over a unit height.
            y = F.avg_pool2d(tx.unsqueeze(2), [1] + k, [1] + s, [0] + p, ceil, include,
                             override).squeeze(2)
        else:
            y = F.avg_pool2d(tx, k, s, p, ceil, include, override)
        (y * torch.tensor(dy, dtype=dt).reshape(y.shape)).sum().backward()
        results[dname] = {"y": enc(y.detach().double().reshape(-1).tolist()),
                          "dx": enc(tx.grad.double().reshape(-1).tolist())}
    return {"op": f"avgPool{rank}d", "shape": shape, "options": opts, "seed": seed,
            "check": [int(v * 32) for v in quantized(4, seed)], "outShape": list(y.shape), "results": results}


def adaptive_case(rnd, seed, global_pool):
    n, c = rnd.randint(1, 2), rnd.randint(1, 3)
    size = [rnd.randint(1, 11) for _ in range(2)]
    out = [1, 1] if global_pool else [rnd.randint(1, 8) for _ in range(2)]
    shape = [n, c] + size
    x = inputs(shape, seed)
    dy = quantized(n * c * math.prod(out), seed + 1)
    results = {}
    for dname, dt in DTYPES.items():
        tx = torch.tensor(x, dtype=dt).reshape(shape).requires_grad_()
        y = F.adaptive_avg_pool2d(tx, out)
        (y * torch.tensor(dy, dtype=dt).reshape(y.shape)).sum().backward()
        results[dname] = {"y": enc(y.detach().double().reshape(-1).tolist()),
                          "dx": enc(tx.grad.double().reshape(-1).tolist())}
    return {"op": "adaptiveAvgPool2d", "shape": shape, "outputSize": out, "seed": seed,
            "check": [int(v * 32) for v in quantized(4, seed)], "outShape": [n, c] + out, "results": results}


def main():
    rnd = random.Random(9)
    cases = []
    seed = 100
    for rank in (1, 2):
        for i in range(40):
            cases.append(max_case(rnd, rank, seed, special=i % 3 == 0))
            seed += 2
        for rule in ("include", "exclude", "override", "default-stride"):
            for _ in range(12):
                cases.append(avg_case(rnd, rank, seed, rule))
                seed += 2
    for i in range(30):
        cases.append(adaptive_case(rnd, seed, global_pool=i % 5 == 0))
        seed += 2
    # Larger planes, so the SIMD bodies (several vectors per row) run, not only the scalar borders.
    big = random.Random(10)
    for k, s, p, d, ceil in [(2, 2, 0, 1, False), (3, 2, 1, 1, False), (3, 1, 1, 1, False), (2, 1, 0, 1, True),
                             (3, 2, 1, 2, True), (2, 2, 1, 1, True)]:
        shape = [1, 2, 13, 37]
        out = [out_size(n, k, s, p, d, ceil) for n in shape[2:]]
        for special in (False, True):
            total = math.prod(shape)
            nans = sorted(big.sample(range(total), 9)) if special else []
            neginfs = sorted(big.sample([i for i in range(total) if i not in nans], 5)) if special else []
            x = inputs(shape, seed, nans, neginfs)
            dy = quantized(math.prod(shape[:2] + out), seed + 1)
            tx = torch.tensor(x, dtype=torch.float64).reshape(shape).requires_grad_()
            y, idx = F.max_pool2d(tx, k, s, p, d, ceil_mode=ceil, return_indices=True)
            (y * torch.tensor(dy, dtype=torch.float64).reshape(y.shape)).sum().backward()
            cases.append({"op": "maxPool2d", "shape": shape, "options": {"kernel": k, "stride": s, "padding": p,
                                                                          "dilation": d, "ceilMode": ceil},
                          "seed": seed, "nans": nans, "negInfs": neginfs,
                          "check": [int(v * 32) for v in quantized(4, seed)], "outShape": list(y.shape),
                          "y": enc(y.detach().reshape(-1).tolist()), "indices": idx.reshape(-1).tolist(),
                          "dx": enc(tx.grad.reshape(-1).tolist())})
            seed += 2
        if d == 1:
            for include in (True, False):
                x = inputs(shape, seed)
                dy = quantized(math.prod(shape[:2] + out), seed + 1)
                results = {}
                for dname, dt in DTYPES.items():
                    tx = torch.tensor(x, dtype=dt).reshape(shape).requires_grad_()
                    y = F.avg_pool2d(tx, k, s, p, ceil, include)
                    (y * torch.tensor(dy, dtype=dt).reshape(y.shape)).sum().backward()
                    results[dname] = {"y": enc(y.detach().double().reshape(-1).tolist()),
                                      "dx": enc(tx.grad.double().reshape(-1).tolist())}
                cases.append({"op": "avgPool2d", "shape": shape,
                              "options": {"kernel": k, "stride": s, "padding": p, "ceilMode": ceil,
                                          "countIncludePad": include},
                              "seed": seed, "check": [int(v * 32) for v in quantized(4, seed)],
                              "outShape": list(y.shape), "results": results})
                seed += 2
    with open(OUT, "w") as f:
        json.dump({"about": "PyTorch " + torch.__version__ + " pooling and its gradients; generated by "
                   "tools/gen_pool_fixtures.py", "cases": cases}, f, separators=(",", ":"), allow_nan=False)
        f.write("\n")
    print(f"wrote {len(cases)} cases to {OUT}")


if __name__ == "__main__":
    main()
