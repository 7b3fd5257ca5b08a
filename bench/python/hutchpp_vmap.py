#!/usr/bin/python3
"""Hutch++ on the eNTK in Python, the way the published code runs it, for docs/PERFORMANCE.md.

The reference point of the "time to 1e-2" comparison: Hutch++ (Meyer, Musco, Musco, Woodruff, "Hutch++: Optimal
Stochastic Trace Estimation") with the published split of m matvecs (q = m // 6 Hutchinson probes, a sketch of
s = (m − q) // 2 random signs, q + 2s = m), every NTK matvec K v = J(Jᵀv) done as functorch's `vmap` over
`vjp` and then over `jvp` for the whole block at once. Hazelden's MLP workload shapes (Linear(100→64),
14 × (ReLU, Linear(64→64)), ReLU; 50 inputs; d = 3,200, P = 64,704), float32, one thread. Prints one JSON line:
the median seconds over 9 seeds at each budget, and the seconds per NTK matvec.
Usage: bench/python/hutchpp_vmap.py [budgets...]   (Debian's /usr/bin/python3 with python3-torch; default 96 192)
"""
import json
import statistics
import sys
import time

import torch
from functorch import jvp, vjp, vmap

from seed_mlp import d, out, params

budgets = [int(a) for a in sys.argv[1:]] or [96, 192]


def ntk_matvecs(V):
    """K V for the columns of V [d, k]: one vmap over the pullback, one over the JVP."""
    _, pullback = vjp(out, *params)
    G = vmap(pullback)(V.t())  # tuple of [k, *p.shape]
    return vmap(lambda *t: jvp(out, tuple(params), t)[1])(*G).t()


def hutchpp(m, gen):
    q = m // 6
    s = (m - q) // 2
    q += (m - q) % 2
    S = torch.randint(2, (d, s), generator=gen).float() * 2 - 1
    Q, _ = torch.linalg.qr(ntk_matvecs(S))
    t = torch.trace(Q.t() @ ntk_matvecs(Q))
    G = torch.randint(2, (d, q), generator=gen).float() * 2 - 1
    G = G - Q @ (Q.t() @ G)
    return (t + torch.trace(G.t() @ ntk_matvecs(G)) / q).item()


result = {"torch": torch.__version__, "d": d, "params": sum(p.numel() for p in params), "threads": 1,
          "dtype": "float32", "seeds": 9}
ntk_matvecs(torch.randn(d, 8))  # warm-up
for m in budgets:
    times = []
    for seed in range(9):
        gen = torch.Generator().manual_seed(seed)
        start = time.perf_counter()
        hutchpp(m, gen)
        times.append(time.perf_counter() - start)
    result[f"hutchpp_{m}_median_seconds"] = statistics.median(times)
V = torch.randn(d, 32)
best = min((lambda s: (ntk_matvecs(V), time.perf_counter() - s)[1])(time.perf_counter()) for _ in range(5))
result["ms_per_ntk_matvec_vmap"] = 1e3 * best / 32
print(json.dumps(result))
