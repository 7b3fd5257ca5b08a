#!/usr/bin/python3
"""Per-product cost of PyTorch's own functorch on torchvision's ResNet-18 (10 classes, 3×32×32 inputs, batch 4),
float32, one thread, for docs/PERFORMANCE.md: k VJPs and k JVPs one at a time (functorch.vjp / functorch.jvp),
k VJPs as one vmap, and k NTK matvecs K u = J (Jᵀu) (one forward pass for the pulls, then per vector a pull and a
jvp whose tangents are its gradients), the best of 3 passes each (after a warm-up pass). Prints one JSON line.
Usage: bench/python/functorch_resnet18.py [k]   (Debian's /usr/bin/python3 with python3-torch, python3-torchvision)
"""
import json
import sys
import time

import torch
import torchvision
from functorch import jvp, make_functional_with_buffers, vjp, vmap

torch.set_num_threads(1)
torch.manual_seed(0)
k = int(sys.argv[1]) if len(sys.argv) > 1 else 8
net = torchvision.models.resnet18(num_classes=10).eval()
f, params, buffers = make_functional_with_buffers(net)
x = torch.randn(4, 3, 32, 32)


def out(*p):
    return f(p, buffers, x).reshape(-1)


d = out(*params).numel()
U = torch.randn(k, d)
W = [torch.randn(k, *p.shape) for p in params]


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


def jvps():
    for j in range(k):
        jvp(out, tuple(params), tuple(w[j] for w in W))


def ntk_matvecs():
    _, pull = vjp(out, *params)
    for j in range(k):
        jvp(out, tuple(params), pull(U[j]))


def vjps_vmap():
    _, pull = vjp(out, *params)
    vmap(pull)(U)


print(json.dumps({"model": "resnet18", "batch": 4, "d": d, "P": sum(p.numel() for p in params), "k": k,
                  "vjp_seconds": best(vjps), "jvp_seconds": best(jvps), "vjp_vmap_seconds": best(vjps_vmap),
                  "ntk_matvec_seconds": best(ntk_matvecs)}))
