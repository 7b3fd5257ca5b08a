#!/usr/bin/python3
"""The measured choice between block products and one vector at a time (docs/PERFORMANCE.md, "Blocks or one at a
time, measured"). Per network and estimator, `tangentscope-cli trace` three ways, one after the other: the default
(the memory budget's block, given up only where one at a time was measured 1.5x faster on the model's first
products), `--product-batch 0` (one at a time) and `--product-batch B` (the default's block, fixed: nothing
measured). Prints one JSON object: every run's product_batch, product_choice, seconds and estimate.
Usage: bench/python/block_choice_runs.py CLI MODELS_DIR [N] [MATVECS] [DTYPE] [THREADS]
  MODELS_DIR holds resnet18.pt, mobilenet_v3_small.pt and squeezenet1_1.pt from scripts/export-model.
"""
import json
import os
import subprocess
import sys

cli, models_dir = sys.argv[1], sys.argv[2]
n = int(sys.argv[3]) if len(sys.argv) > 3 else 4
matvecs = int(sys.argv[4]) if len(sys.argv) > 4 else 128
dtype = sys.argv[5] if len(sys.argv) > 5 else "float32"
threads = int(sys.argv[6]) if len(sys.argv) > 6 else 1
runs = []
for model in ["resnet18", "mobilenet_v3_small", "squeezenet1_1"]:
    for estimator in ["hutchinson", "xnystrace"]:
        block = None
        for variant in ["measured", "one at a time", "fixed block"]:
            extra = {"measured": [], "one at a time": ["--product-batch", "0"],
                     "fixed block": ["--product-batch", str(block)]}[variant]
            out = json.loads(subprocess.run(
                [cli, "trace", "--model", os.path.join(models_dir, model + ".pt"), "--data",
                 f"random:n={n},seed=0", "--estimator", estimator, "--matvecs", str(matvecs), "--threads",
                 str(threads), "--dtype", dtype, "--json"] + extra,
                check=True, capture_output=True, text=True).stdout)
            if variant == "measured":
                block = out["product_batch"]
            runs.append({"model": model, "estimator": estimator, "variant": variant,
                         "product_batch": out["product_batch"], "product_choice": out.get("product_choice"),
                         "seconds": out["seconds"], "estimate": out["estimate"]})
            print(f"{model} {estimator} {variant}: {out['seconds']:.3f} s, {out.get('product_choice', '')}",
                  file=sys.stderr)
print(json.dumps({"n": n, "matvecs": matvecs, "dtype": dtype, "threads": threads, "runs": runs}, indent=1))
