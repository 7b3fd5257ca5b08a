#!/usr/bin/python3
"""Block products against one vector at a time and against functorch, in paired rounds (docs/PERFORMANCE.md,
"Batching rules for convolutions"). Each round runs, for every model, `tangentscope-cli bench block-products`
(blocks 1, 8, 16, 32: seconds per vector of VJPs, JVPs and K u) and then functorch_convnets.py on the same
network, so that the machine's load affects both alike. Prints one JSON object: every round's figures, and per
model the median and range over the rounds of each figure and of the ratios to one vector at a time and to
functorch's best (the faster of its per-vector and vmap calls).
Usage: bench/python/block_products_rounds.py CLI MODELS_DIR [ROUNDS]
  MODELS_DIR holds resnet18.pt, mobilenet_v3_small.pt and squeezenet1_1.pt from scripts/export-model (float32).
"""
import json
import os
import statistics
import subprocess
import sys

cli, models_dir = sys.argv[1], sys.argv[2]
rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 3
here = os.path.dirname(os.path.abspath(__file__))
models = ["resnet18", "mobilenet_v3_small", "squeezenet1_1"]
kinds = {"vjp": ("vjp_seconds", "vjp_seconds", "vjp_vmap_seconds"),
         "jvp": ("jvp_seconds", "jvp_seconds", "jvp_vmap_seconds"),
         "kernel": ("kernel_seconds", "ntk_matvec_seconds", "ntk_matvec_vmap_seconds")}
runs = {m: [] for m in models}
for r in range(rounds):
    for m in models:
        ours = json.loads(subprocess.run(
            [cli, "bench", "block-products", "--workload-model", os.path.join(models_dir, m + ".pt"),
             "--blocks", "1,8,16,32", "--rounds", "1", "--threads", "1", "--json"],
            check=True, capture_output=True, text=True).stdout)
        theirs = json.loads(subprocess.run(
            ["/usr/bin/python3", os.path.join(here, "functorch_convnets.py"), m, "16"],
            check=True, capture_output=True, text=True).stdout)
        runs[m].append({"tangentscope": ours["rounds"][0], "functorch": theirs})
        print(f"round {r + 1}: {m} done", file=sys.stderr)


def spread(values):
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


summary = {}
for m in models:
    s = {}
    for kind, (ours_key, per_vector_key, vmap_key) in kinds.items():
        for b_index, block in enumerate([1, 8, 16, 32]):
            ours = [run["tangentscope"][b_index][ours_key] for run in runs[m]]
            one = [run["tangentscope"][0][ours_key] for run in runs[m]]
            best = [min(v for v in (run["functorch"][per_vector_key], run["functorch"][vmap_key]) if v is not None)
                    for run in runs[m]]
            s[f"{kind}_block{block}"] = {"seconds": spread(ours),
                                         "ratio_to_one_at_a_time": spread([a / b for a, b in zip(ours, one)]),
                                         "ratio_to_functorch_best": spread([a / b for a, b in zip(ours, best)])}
        for key in (per_vector_key, vmap_key):
            vals = [run["functorch"][key] for run in runs[m] if run["functorch"][key] is not None]
            if vals:
                s[f"{kind}_functorch_{'vmap' if 'vmap' in key else 'per_vector'}"] = {"seconds": spread(vals)}
    s["paths"] = [{k: row[k] for k in ("block", "vjp_path", "jvp_batching", "kernel_products", "batching_fallback")}
                  for row in runs[m][0]["tangentscope"]]
    summary[m] = s
print(json.dumps({"benchmark": "block products on convolutional networks against functorch",
                  "command": " ".join(sys.argv), "rounds": rounds, "summary": summary, "runs": runs}, indent=1))
