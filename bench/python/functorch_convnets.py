#!/usr/bin/python3
"""Per-vector cost of PyTorch's own functorch on torchvision's convolutional networks (10 classes, batch 4),
float32, one thread, for docs/PERFORMANCE.md ("Batching rules for convolutions"): k VJPs, JVPs and NTK
matvecs K u = J (Jᵀu), each one at a time (functorch.vjp / functorch.jvp) and as one functorch.vmap over the
k vectors, the best of 3 passes each (after a warm-up pass). Prints one JSON line.
Usage: bench/python/functorch_convnets.py MODEL [k]   MODEL: resnet18 (3×32×32), mobilenet_v3_small (3×32×32),
squeezenet1_1 (3×64×64). Debian's /usr/bin/python3 with python3-torch and python3-torchvision.
"""
import json
import sys
import time
import warnings

import torch
import torchvision
from functorch import jvp, make_functional_with_buffers, vjp, vmap

torch.set_num_threads(1)
torch.manual_seed(0)
name = sys.argv[1] if len(sys.argv) > 1 else "resnet18"
k = int(sys.argv[2]) if len(sys.argv) > 2 else 16
side = 64 if name == "squeezenet1_1" else 32
net = getattr(torchvision.models, name)(num_classes=10).eval()
f, params, buffers = make_functional_with_buffers(net)
x = torch.randn(4, 3, side, side)


def out(*p):
    return f(p, buffers, x).reshape(-1)


d = out(*params).numel()
U = torch.randn(k, d)
W = tuple(torch.randn(k, *p.shape) for p in params)


def best(fn):
    fn()
    times = []
    for _ in range(3):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times) / k


def vjps():
    _, pull = vjp(out, *params)
    for j in range(k):
        pull(U[j])


def vjps_vmap():
    _, pull = vjp(out, *params)
    vmap(pull)(U)


def jvps():
    for j in range(k):
        jvp(out, tuple(params), tuple(w[j] for w in W))


def jvps_vmap():
    vmap(lambda *t: jvp(out, tuple(params), t)[1])(*W)


def ntk_matvecs():
    _, pull = vjp(out, *params)
    for j in range(k):
        jvp(out, tuple(params), pull(U[j]))


def ntk_matvecs_vmap():
    _, pull = vjp(out, *params)
    vmap(lambda u: jvp(out, tuple(params), pull(u))[1])(U)


result = {"model": name, "input": [3, side, side], "batch": 4, "d": d, "P": sum(p.numel() for p in params), "k": k,
          "torch": torch.__version__}
for key, fn in (("vjp_seconds", vjps), ("vjp_vmap_seconds", vjps_vmap), ("jvp_seconds", jvps),
                ("jvp_vmap_seconds", jvps_vmap), ("ntk_matvec_seconds", ntk_matvecs),
                ("ntk_matvec_vmap_seconds", ntk_matvecs_vmap)):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # functorch's fallback warnings: the time says it
            result[key] = best(fn)
    except Exception as e:  # a vmap functorch cannot run on this model: say so instead of a time
        result[key] = None
        result[key.replace("_seconds", "_error")] = f"{type(e).__name__}: {str(e).splitlines()[0][:200]}"
print(json.dumps(result))
