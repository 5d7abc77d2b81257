#!/usr/bin/python3
"""Fits the coefficients of the vector GELU (assembly/elementwise/gelu.ts, assembly/shared/exp.ts).

Near-minimax fits by Lawson-reweighted linearized least squares in 60-digit arithmetic (mpmath),
each coefficient rounded to the target float in turn and the rest refitted after each rounding:
  G(a) = Φ(−a)·e^(a²/2) ≈ P(a)/Q(a), Q(0) = 1, relative error on [0, amax]:
     g32: degrees 4/5 on [0, 14.5], f32 coefficients, 2.6e-8
     g64: degrees 10/11 on [0, 38.7], f64 coefficients, 2.5e-17 (takes a few minutes)
  e^r ≈ 1 + r + r²·S(r), relative error on |r| ≤ R:
     e32: degree 6, R = 0.3505, f32 coefficients, 3.4e-9
     e64: degree 11, R = 0.3475, f64 coefficients, 3.8e-18
Run:  /usr/bin/python3 tools/fit_gelu.py g32|g64|e32|e64
"""
import struct
import sys

import mpmath as mp

mp.mp.dps = 60


def rnd(x, fmt):
    x = float(x)
    return mp.mpf(struct.unpack("f", struct.pack("f", x))[0]) if fmt == "f" else mp.mpf(x)


def G(a):
    a = mp.mpf(a)
    return mp.erfc(a / mp.sqrt(2)) / 2 * mp.exp(a * a / 2)


def lsq(rows, rhs, w):
    A = mp.matrix([[r[j] * wi for j in range(len(r))] for r, wi in zip(rows, w)])
    b = mp.matrix([y * wi for y, wi in zip(rhs, w)])
    return mp.lu_solve(A.T * A, A.T * b)


def fit_rational(n, m, amax, fmt, N, iters):
    nodes = [mp.mpf(amax) * (1 - mp.cos(mp.pi * (k + 0.5) / N)) / 2 for k in range(N)]
    f = [G(a) for a in nodes]
    nun = n + 1 + m  # p0..pn, q1..qm

    def solve(fixed):
        lw, qprev, best = [mp.mpf(1)] * N, [mp.mpf(1)] * N, None
        for _ in range(iters):
            rows, rhs, ws = [], [], []
            for i, (a, fa) in enumerate(zip(nodes, f)):
                full = [a**j for j in range(n + 1)] + [-fa * a**j for j in range(1, m + 1)]
                rows.append([full[j] for j in range(nun) if j not in fixed])
                rhs.append(fa - sum(full[j] * v for j, v in fixed.items()))
                ws.append(mp.sqrt(lw[i]) / (fa * qprev[i]))
            x = iter(lsq(rows, rhs, ws))
            coef = [fixed[j] if j in fixed else next(x) for j in range(nun)]
            p, q = coef[: n + 1], [mp.mpf(1)] + coef[n + 1:]
            errs = [mp.polyval(p[::-1], a) / mp.polyval(q[::-1], a) / fa - 1 for a, fa in zip(nodes, f)]
            e = max(abs(v) for v in errs)
            if best is None or e < best[0]:
                best = (e, p, q)
            qprev = [mp.polyval(q[::-1], a) for a in nodes]
            tot = sum(lw[i] * abs(errs[i]) for i in range(N))
            lw = [lw[i] * abs(errs[i]) / tot * N for i in range(N)]
        return best

    fixed = {}
    for j in range(nun):
        _, p, q = solve(fixed)
        fixed[j] = rnd((p + q[1:])[j], fmt)
    p, q = [fixed[j] for j in range(n + 1)], [mp.mpf(1)] + [fixed[n + j] for j in range(1, m + 1)]
    err = max(abs(mp.polyval(p[::-1], a) / mp.polyval(q[::-1], a) / G(a) - 1)
              for a in [mp.mpf(amax) * k / 4000 for k in range(4001)])
    return p, q, err


def fit_exp(deg, R, fmt, N=200, iters=60):
    nodes = [mp.mpf(R) * mp.cos(mp.pi * (k + 0.5) / N) for k in range(N)]
    nun = deg - 1  # coefficients of r², …, r^deg

    def solve(fixed):
        lw, best = [mp.mpf(1)] * N, None
        for _ in range(iters):
            rows, rhs, ws = [], [], []
            for i, r in enumerate(nodes):
                er, full = mp.exp(r), [r ** (j + 2) for j in range(nun)]
                rows.append([full[j] for j in range(nun) if j not in fixed])
                rhs.append(er - 1 - r - sum(full[j] * v for j, v in fixed.items()))
                ws.append(mp.sqrt(lw[i]) / er)
            x = iter(lsq(rows, rhs, ws))
            c = [fixed[j] if j in fixed else next(x) for j in range(nun)]
            errs = [(1 + r + sum(c[j] * r ** (j + 2) for j in range(nun))) / mp.exp(r) - 1 for r in nodes]
            e = max(abs(v) for v in errs)
            if best is None or e < best[0]:
                best = (e, c)
            tot = sum(lw[i] * abs(errs[i]) for i in range(N))
            lw = [lw[i] * abs(errs[i]) / tot * N for i in range(N)]
        return best

    fixed = {}
    for j in range(nun):
        _, c = solve(fixed)
        fixed[j] = rnd(c[j], fmt)
    c = [fixed[j] for j in range(nun)]
    err = max(abs((1 + r + sum(c[j] * r ** (j + 2) for j in range(nun))) / mp.exp(r) - 1)
              for r in [mp.mpf(R) * k / 2000 for k in range(-2000, 2001)])
    return c, err


def show(name, cs):
    print(name, "[" + ", ".join(repr(float(c)) for c in cs) + "]")


if __name__ == "__main__":
    what = sys.argv[1]
    if what in ("g32", "g64"):
        n, m, amax, N, iters, fmt = (4, 5, 14.5, 500, 40, "f") if what == "g32" else (10, 11, 38.7, 400, 25, "d")
        p, q, e = fit_rational(n, m, amax, fmt, N, iters)
        print(what, "relative error", mp.nstr(e, 3))
        show("P (a^0 first)", p)
        show("Q (a^0 first)", q)
    else:
        deg, R, fmt = (6, 0.3505, "f") if what == "e32" else (11, 0.3475, "d")
        c, e = fit_exp(deg, R, fmt, iters=60 if what == "e32" else 30)
        print(what, "relative error", mp.nstr(e, 3))
        show("S (r^0 first)", c)
