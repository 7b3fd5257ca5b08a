#!/usr/bin/python3
"""Per-product cost of PyTorch's own functorch on torchvision's ResNet-18 (10 classes, 3×32×32 inputs, batch 4),
float32, one thread, for docs/PERFORMANCE.md: functorch_convnets.py on resnet18 (k VJPs, JVPs and NTK matvecs,
one at a time and by vmap, the best of 3 passes). Kept under this name for the commands that cite it.
Usage: bench/python/functorch_resnet18.py [k]   (Debian's /usr/bin/python3 with python3-torch, python3-torchvision)
"""
import os
import sys

script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "functorch_convnets.py")
os.execv(sys.executable, [sys.executable, script, "resnet18", sys.argv[1] if len(sys.argv) > 1 else "8"])
