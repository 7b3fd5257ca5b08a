"""Hazelden's MLP workload in PyTorch, shared by the Python reference benchmarks of this folder.

Linear(100→64), 14 × (ReLU, Linear(64→64)), ReLU on 50 inputs (d = 3,200, P = 64,704), PyTorch's default
initialisation after torch.manual_seed(0), float32, one thread. `out(*params)` is the flattened output s(θ).
"""
import torch
from functorch import make_functional

torch.set_num_threads(1)
torch.manual_seed(0)
layers = [torch.nn.Linear(100, 64)]
for _ in range(14):
    layers += [torch.nn.ReLU(), torch.nn.Linear(64, 64)]
layers += [torch.nn.ReLU()]
f, params = make_functional(torch.nn.Sequential(*layers))
x = torch.randn(50, 100)


def out(*p):
    return f(p, x).reshape(-1)


d = out(*params).numel()
