#!/usr/bin/python3
"""Per-product cost of PyTorch's own functorch on Hazelden's MLP workload, for docs/PERFORMANCE.md.

The same model and batch shapes as `tangentscope-cli bench hazelden-mlp` (Linear(100→64), 14 × (ReLU, Linear(64→64)),
ReLU; 50 inputs; d = 3,200, P = 64,704), float32, one thread: k VJPs and k JVPs one at a time (functorch.vjp /
functorch.jvp) and as one vmap over the block, the best of 5 passes each. Prints one JSON line.
Usage: bench/python/functorch_products.py [k]   (Debian's /usr/bin/python3 with python3-torch)
"""
import json
import sys
import time

import torch
from functorch import jvp, vjp, vmap

from seed_mlp import d, out, params

k = int(sys.argv[1]) if len(sys.argv) > 1 else 96
P = sum(p.numel() for p in params)
U = torch.randn(k, d)
W = [torch.randn((k,) + p.shape) for p in params]


def best(fn):
    t = 1e300
    for _ in range(5):
        s = time.perf_counter()
        fn()
        t = min(t, time.perf_counter() - s)
    return t


_, pullback = vjp(out, *params)
t_vjp = best(lambda: [pullback(U[j]) for j in range(k)])
t_vjp_vmap = best(lambda: vmap(pullback)(U))
t_jvp = best(lambda: [jvp(out, tuple(params), tuple(w[j] for w in W)) for j in range(k)])
t_jvp_vmap = best(lambda: vmap(lambda *t: jvp(out, tuple(params), t)[1])(*W))
print(json.dumps({"torch": torch.__version__, "k": k, "d": d, "params": P, "threads": 1, "dtype": "float32",
                  "ms_per_vjp": 1e3 * t_vjp / k, "ms_per_vjp_vmap": 1e3 * t_vjp_vmap / k,
                  "ms_per_jvp": 1e3 * t_jvp / k, "ms_per_jvp_vmap": 1e3 * t_jvp_vmap / k}))
