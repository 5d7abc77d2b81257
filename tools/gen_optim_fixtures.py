#!/usr/bin/python3
"""Golden trajectories of torch.optim.SGD, Adam, AdamW, RMSprop and Adagrad, from PyTorch (Debian python3-torch),
into test/fixtures/optim.json.

Run with the system interpreter that has torch:  /usr/bin/python3 tools/gen_optim_fixtures.py
The test reads the JSON file only; it never needs torch.

Each case: parameter tensors of odd sizes (SHAPES) from a fixed random start, STEPS steps with
fixed random per-step gradients (of changing scale, so AMSGrad's maximum matters), the learning
rate of each step (it changes mid-run), options in simdnn's camelCase, and per dtype the
parameters (all tensors flattened, back to back) after every step. Values are float64 numbers
stored exactly (repr round-trips); float32 cases round the start and the gradients to float32
on both sides alike. `clip` holds clip_grad_norm_ cases over the same shapes: the total norm
and the clipped gradients per dtype.
"""
import json
import os
import random

import torch

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures", "optim.json")
DTYPES = {"float32": torch.float32, "float64": torch.float64}
SHAPES = [[3], [2, 5], [7, 1, 3]]
STEPS = 6
SCALES = [1.0, 3.0, 0.2, 0.5, 2.0, 0.1]

CASES = [
    ("sgd plain", "sgd", {"lr": 0.1}),
    ("sgd momentum", "sgd", {"lr": 0.1, "momentum": 0.9}),
    ("sgd dampening", "sgd", {"lr": 0.1, "momentum": 0.9, "dampening": 0.3}),
    ("sgd nesterov", "sgd", {"lr": 0.05, "momentum": 0.8, "nesterov": True}),
    ("sgd weight decay", "sgd", {"lr": 0.1, "weightDecay": 0.05}),
    ("sgd momentum weight decay", "sgd", {"lr": 0.1, "momentum": 0.5, "weightDecay": 0.01}),
    ("sgd maximize", "sgd", {"lr": 0.1, "momentum": 0.9, "weightDecay": 0.1, "maximize": True}),
    ("sgd nesterov weight decay maximize", "sgd", {"lr": 0.02, "momentum": 0.7, "nesterov": True,
                                                   "weightDecay": 0.2, "maximize": True}),
    ("adam", "adam", {"lr": 0.01}),
    ("adam betas eps", "adam", {"lr": 0.05, "betas": [0.5, 0.6], "eps": 1e-3}),
    ("adam amsgrad", "adam", {"lr": 0.01, "amsgrad": True}),
    ("adam weight decay", "adam", {"lr": 0.01, "weightDecay": 0.1}),
    ("adam maximize amsgrad", "adam", {"lr": 0.02, "maximize": True, "amsgrad": True, "weightDecay": 0.05}),
    ("adamw", "adamw", {"lr": 0.01}),
    ("adamw weight decay amsgrad", "adamw", {"lr": 0.01, "weightDecay": 0.3, "amsgrad": True}),
    ("adamw maximize", "adamw", {"lr": 0.03, "betas": [0.8, 0.95], "maximize": True}),
    ("rmsprop", "rmsprop", {"lr": 0.01}),
    ("rmsprop centered", "rmsprop", {"lr": 0.01, "alpha": 0.9, "centered": True}),
    ("rmsprop momentum", "rmsprop", {"lr": 0.01, "momentum": 0.9, "eps": 1e-6}),
    ("rmsprop centered momentum weight decay maximize", "rmsprop",
     {"lr": 0.005, "alpha": 0.8, "centered": True, "momentum": 0.5, "weightDecay": 0.1, "maximize": True}),
    ("adagrad", "adagrad", {"lr": 0.1}),
    ("adagrad lr decay initial accumulator", "adagrad", {"lr": 0.1, "lrDecay": 0.3, "initialAccumulatorValue": 0.5}),
    ("adagrad weight decay maximize", "adagrad", {"lr": 0.05, "weightDecay": 0.2, "eps": 1e-6, "maximize": True}),
]

TORCH_NAMES = {"weightDecay": "weight_decay", "lrDecay": "lr_decay",
               "initialAccumulatorValue": "initial_accumulator_value"}


def make(kind, params, opts):
    kw = {TORCH_NAMES.get(k, k): (tuple(v) if k == "betas" else v) for k, v in opts.items()}
    cls = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam, "adamw": torch.optim.AdamW,
           "rmsprop": torch.optim.RMSprop, "adagrad": torch.optim.Adagrad}[kind]
    return cls(params, **kw)


def main():
    rnd = random.Random(1234)
    sizes = [eval("*".join(map(str, s))) for s in SHAPES]
    total = sum(sizes)
    cases = []
    for name, kind, opts in CASES:
        start = [rnd.uniform(-2, 2) for _ in range(total)]
        grads = [[rnd.gauss(0, SCALES[t]) for _ in range(total)] for t in range(STEPS)]
        lr = opts["lr"]
        lrs = [lr, lr, lr, lr * 0.5, lr * 0.5, lr * 2]
        case = {"name": name, "optim": kind, "options": opts, "shapes": SHAPES, "lrs": lrs,
                "start": start, "grads": grads, "results": {}}
        for dname, dt in DTYPES.items():
            flat = torch.tensor(start, dtype=dt)
            params, at = [], 0
            for s, n in zip(SHAPES, sizes):
                params.append(flat[at:at + n].clone().reshape(s).requires_grad_(True))
                at += n
            opt = make(kind, params, opts)
            traj = []
            for t in range(STEPS):
                for g in opt.param_groups:
                    g["lr"] = lrs[t]
                gflat = torch.tensor(grads[t], dtype=dt)
                at = 0
                for p, s, n in zip(params, SHAPES, sizes):
                    p.grad = gflat[at:at + n].clone().reshape(s)
                    at += n
                opt.step()
                traj.append(torch.cat([p.detach().reshape(-1) for p in params]).double().tolist())
            case["results"][dname] = traj
        cases.append(case)
    clips = []
    for max_norm, norm_type, scale in [(1.0, 2.0, 1.0), (100.0, 2.0, 1.0), (0.5, "inf", 1.0), (50.0, "inf", 1.0),
                                       (0.0, 2.0, 1.0), (3.0, 2.0, 1e-7)]:
        grads = [rnd.gauss(0, scale) for _ in range(total)]
        clip = {"maxNorm": max_norm, "normType": norm_type, "shapes": SHAPES, "grads": grads, "results": {}}
        for dname, dt in DTYPES.items():
            flat = torch.tensor(grads, dtype=dt)
            params, at = [], 0
            for s, n in zip(SHAPES, sizes):
                p = torch.zeros(s, dtype=dt, requires_grad=True)
                p.grad = flat[at:at + n].clone().reshape(s)
                params.append(p)
                at += n
            nt = float("inf") if norm_type == "inf" else norm_type
            total_norm = torch.nn.utils.clip_grad_norm_(params, max_norm, norm_type=nt)
            clip["results"][dname] = {"total": total_norm.item(),
                                      "grads": torch.cat([p.grad.reshape(-1) for p in params]).double().tolist()}
        clips.append(clip)
    with open(OUT, "w") as f:
        json.dump({"about": "PyTorch " + torch.__version__ + " torch.optim trajectories and "
                   "torch.nn.utils.clip_grad_norm_; generated by tools/gen_optim_fixtures.py",
                   "cases": cases, "clip": clips}, f, indent=1, allow_nan=False)
        f.write("\n")
    print(f"wrote {len(cases)} cases to {OUT}")


if __name__ == "__main__":
    main()
