#!/usr/bin/python3
"""What `tangentscope-cli watch` costs for one snapshot of a user's run, and how exact it is, for docs/PERFORMANCE.md.

    PYTHONPATH=python /usr/bin/python3 bench/python/watch_snapshot.py --workload mlp [--kpflow DIR] [--json OUT]
    PYTHONPATH=python /usr/bin/python3 bench/python/watch_snapshot.py --workload resnet18 --reference-budget -1 \
        --estimators xnystrace --budgets 16,32 --seeds 0,1 --dtype float32 [--kpflow DIR --kpflow-budgets 12 \
        --kpflow-no-search --rounds 2 --no-incremental] [--json OUT]

The script trains a model a few SGD steps in PyTorch with tangentscope.RunLogger writing two snapshots (step 0 and
the last step) into a temporary run folder, then, for the second snapshot:

* reference values of tr K, ‖K‖_F, the effective rank and the alignment to the previous snapshot: `watch --exact`
  (mlp). ResNet-18's Jacobian does not fit (d = 640, P = 11.2 M: 57 GB in float64), so for resnet18
  `--reference-budget -1` forms both kernels in PyTorch column by column (d functorch VJPs + d JVPs per snapshot,
  about a minute each here); N > 0 takes them from a `watch` run at budget N instead (its alignment recomputed from
  its three PSD traces by polarisation, tr K₁K₀ = (‖K₁‖² + ‖K₀‖² − ‖K₁ − K₀‖²) / 2; slow: N = 64 had not finished
  after 20 minutes on a loaded machine); 0 (the default) keeps only the per-row tr K as reference;
* `watch RUN --estimator E --matvecs M --seed S` over the grid (metrics.jsonl removed before every run): each
  metric's relative error against the reference, the `seconds` of the snapshot in metrics.jsonl, and the wall time
  of the whole process (LibTorch start-up, loading, and the first snapshot's analysis included);
* the smallest budget per estimator whose four metrics are all within --target of the reference for every seed, and
  the same with the alignment taken by polarisation from the run's own ‖K₁‖, ‖K₀‖ and ‖K₁ − K₀‖ (what watch would
  report if it did so);
* a PyTorch per-row baseline: exact tr K = Σᵢ ‖∇fᵢ‖² by d backward passes (eval mode, one forward per input);
* optionally kpflow (github.com/meeree/kpflow, Hazelden et al.), whose published trace-paper scripts
  (examples/trace_paper/trace_methods.py, main.py's extra_term_experiments) estimate the same four quantities with
  Hutch++ on its NTK operator: `--kpflow DIR` names a checkout (nothing is downloaded). kpflow targets torch >= 2
  (torch.func, torch.vmap, bare @torch.no_grad); under torch 1.13 a shim maps torch.func/torch.vmap to functorch and
  accepts the bare decorator while kpflow is imported. Its smallest budget (a multiple of 6, as its scripts use) is
  searched the same way, then the chosen watch setting and kpflow are timed alternately, --rounds rounds (with, for
  each round, a watch process that finds the first snapshot already analysed: start-up plus one snapshot).

Needs the built CLI (--cli, default build/app/tangentscope-cli), Debian's python3-torch (functorch inside) and, for
resnet18, python3-torchvision. Prints a summary and writes all figures as JSON (--json).
"""
import argparse
import json
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import types

import torch

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "python"))
from tangentscope import RunLogger  # noqa: E402

METRICS = ("trace", "frobenius", "effective_rank", "alignment_previous")


def log(*a):
    print(*a, flush=True)


def load1():
    return os.getloadavg()[0]


def summary(xs):
    xs = [x for x in xs if x is not None]
    if not xs:
        return None
    return {"median": statistics.median(xs), "min": min(xs), "max": max(xs), "n": len(xs)}


# ---------------------------------------------------------------------------------------------- workloads

def hazelden_mlp():
    """`bench hazelden-mlp`'s model: Linear(100→64), 14 × (ReLU, Linear(64→64)), ReLU (P = 64,704), PyTorch's default
    initialisation after manual_seed(0), on 50 random inputs of 100 features (d = 50 × 64 = 3,200). The CLI's
    `random:n=50,shape=100,seed=0` draws other numbers of the same shape and distribution."""
    torch.manual_seed(0)
    layers = [torch.nn.Linear(100, 64)]
    for _ in range(14):
        layers += [torch.nn.ReLU(), torch.nn.Linear(64, 64)]
    layers += [torch.nn.ReLU()]
    model = torch.nn.Sequential(*layers)
    x = torch.randn(50, 100)
    y = torch.randn(50, 64)  # regression targets for the SGD steps (and the run's target alignment)
    loss = lambda out, y: ((out - y) ** 2).mean()  # noqa: E731
    return model, x, y, loss, {"steps": 5, "lr": 0.1}


def resnet18():
    """torchvision's ResNet-18, 10 classes, on 64 random 3×32×32 images with random labels (d = 640, P = 11,181,642)."""
    import torchvision
    torch.manual_seed(0)
    model = torchvision.models.resnet18(num_classes=10)
    x = torch.randn(64, 3, 32, 32)
    y = torch.randint(0, 10, (64,))
    return model, x, y, torch.nn.functional.cross_entropy, {"steps": 3, "lr": 0.01}


WORKLOADS = {"mlp": hazelden_mlp, "resnet18": resnet18}


def make_run(folder, workload):
    """Trains a few SGD steps (train mode) with RunLogger writing the first and the last step; returns the model (its
    architecture), the probe inputs and the two snapshots' state (parameters and floating buffers)."""
    model, x, y, loss_fn, train = WORKLOADS[workload]()
    run = RunLogger(folder, model, probe_inputs=x, probe_targets=y)
    opt = torch.optim.SGD(model.parameters(), lr=train["lr"])
    run.snapshot(0)
    model.train()
    for step in range(1, train["steps"] + 1):
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
    run.snapshot(train["steps"], loss=loss.item())
    run.close()
    snaps = sorted(os.listdir(os.path.join(folder, "snapshots")))
    states = [torch.load(os.path.join(folder, "snapshots", s)) for s in snaps]
    return model, x, states, train["steps"]


def model_at(model, state, dtype=torch.float32):
    """The architecture with one snapshot's parameters and buffers, in evaluation mode (as watch analyses it)."""
    m = model
    m.load_state_dict(state, strict=False)
    return m.to(dtype).eval()


# ---------------------------------------------------------------------------------------------- the CLI

def run_watch(cli, run, extra, threads):
    """One `watch` process over the whole run, on a fresh metrics.jsonl; returns its wall time and the rows."""
    path = os.path.join(run, "metrics.jsonl")
    if os.path.exists(path):
        os.remove(path)
    cmd = [cli, "watch", run, "--threads", str(threads)] + extra
    load = load1()
    t0 = time.perf_counter()
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - t0
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({p.returncode}): {p.stderr.strip()}")
    rows = [json.loads(line) for line in open(path) if line.strip()]
    last = rows[-1]
    metrics = {m["metric"]: m for m in last["metrics"]}
    return {"command": "tangentscope-cli watch RUN " + " ".join(cmd[3:]), "wall_s": wall,
            "snapshot_s": last["seconds"], "first_snapshot_s": rows[0]["seconds"], "load1": load,
            "first_frobenius": {m["metric"]: m for m in rows[0]["metrics"]}["frobenius"]["value"],
            "values": {k: metrics[k]["value"] for k in METRICS},
            "std_errors": {k: metrics[k]["std_error"] for k in METRICS},
            "products": {k: [metrics[k]["vjps"], metrics[k]["jvps"]] for k in METRICS},
            "all_values": {k: v["value"] for k, v in metrics.items()}}


def run_watch_incremental(cli, run, extra, threads):
    """The case of a run being followed: metrics.jsonl already holds the first snapshot's row (written by a full run
    with the same settings just before), so the timed process analyses only the second snapshot; its wall time is
    start-up, loading and that one snapshot."""
    run_watch(cli, run, extra, threads)
    path = os.path.join(run, "metrics.jsonl")
    first = open(path).readline()
    with open(path, "w") as f:
        f.write(first)
    cmd = [cli, "watch", run, "--threads", str(threads)] + extra
    t0 = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    wall = time.perf_counter() - t0
    rows = [json.loads(line) for line in open(path) if line.strip()]
    return {"wall_s": wall, "snapshot_s": rows[-1]["seconds"], "rows": len(rows)}


def startup_s(cli):
    t0 = time.perf_counter()
    subprocess.run([cli, "help"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0


def rel_errors(values, ref):
    """Relative errors against the reference; NaN where there is no reference value (--reference-budget 0)."""
    return {k: abs(values[k] - ref[k]) / abs(ref[k]) for k in METRICS}


def worst(errors):
    """The largest error; an unknown one (NaN) counts as infinite, so that it never meets a target."""
    return max(math.inf if math.isnan(e) else e for e in errors)


def polarised_alignment(f1, f0, dist_prev):
    """cos(K₁, K₀) from ‖K₁‖_F, ‖K₀‖_F and ‖K₁ − K₀‖_F / ‖K₀‖_F (three traces of PSD matrices)."""
    d = dist_prev * f0
    return (f1 * f1 + f0 * f0 - d * d) / (2 * f1 * f0)


# ---------------------------------------------------------------------------------------------- PyTorch baselines

def per_row_trace(model, x, threads):
    """Exact tr K = Σᵢ ‖∇θ fᵢ‖²: one forward per input (evaluation mode: the inputs do not interact) and one backward
    per output. Returns (tr K, seconds, rows)."""
    torch.set_num_threads(threads)
    params = [p for p in model.parameters() if p.requires_grad]
    t0 = time.perf_counter()
    total, rows = 0.0, 0
    for n in range(x.shape[0]):
        out = model(x[n:n + 1]).reshape(-1)
        for c in range(out.numel()):
            g = torch.autograd.grad(out[c], params, retain_graph=c + 1 < out.numel())
            total += sum(float((t.double() ** 2).sum()) for t in g)
            rows += 1
    return total, time.perf_counter() - t0, rows


def pytorch_exact_kernel(model, x, threads):
    """The exact K = J Jᵀ (d × d, float64 accumulation of the model's float32 products), column by column:
    K eⱼ = J (Jᵀ eⱼ), one functorch VJP (pullback of one forward pass) and one forward-mode JVP per column."""
    import functorch
    from torch.nn.utils.stateless import functional_call
    torch.set_num_threads(threads)
    params = {k: v.detach() for k, v in model.named_parameters()}
    f = lambda p: functional_call(model, p, (x,))  # noqa: E731
    t0 = time.perf_counter()
    out, pull = functorch.vjp(f, params)
    d = out.numel()
    K = torch.zeros(d, d, dtype=torch.float64)
    for j in range(d):
        e = torch.zeros(d, dtype=out.dtype)
        e[j] = 1
        g = pull(e.reshape(out.shape))[0]
        K[:, j] = functorch.jvp(f, (params,), (g,))[1].reshape(-1).double()
    return (K + K.T) / 2, time.perf_counter() - t0


def exact_metrics(K1, K0):
    tr, f1, f0 = float(K1.trace()), float(K1.norm()), float(K0.norm())
    return {"trace": tr, "frobenius": f1, "effective_rank": tr * tr / (f1 * f1),
            "alignment_previous": float((K1 * K0).sum()) / (f1 * f0)}


# ---------------------------------------------------------------------------------------------- kpflow

def import_kpflow(root):
    """kpflow's operators (src/kpflow) and its trace-paper estimators (examples/trace_paper/trace_methods.py) from a
    checkout, under torch 1.13: torch.func and torch.vmap (torch >= 2.0) come from functorch, and torch.no_grad
    accepts the bare-decorator form (torch >= 2.1) while kpflow's classes are defined."""
    import functorch
    from torch.nn.utils.stateless import functional_call
    shims = []
    if not hasattr(torch, "func"):
        func = types.ModuleType("torch.func")
        func.vjp, func.jvp, func.vmap, func.functional_call = functorch.vjp, functorch.jvp, functorch.vmap, \
            functional_call
        sys.modules["torch.func"] = func
        torch.func = func
        shims.append("torch.func = functorch (vjp, jvp, vmap) + torch.nn.utils.stateless.functional_call")
    if not hasattr(torch, "vmap"):
        torch.vmap = functorch.vmap
        shims.append("torch.vmap = functorch.vmap")
    original = torch.no_grad
    try:
        original(lambda: None)
        bare_ok = True
    except TypeError:
        bare_ok = False
    if not bare_ok:
        class no_grad(original):  # noqa: N801
            def __new__(cls, fn=None):
                return original()(fn) if fn is not None else super().__new__(cls)

            def __init__(self, fn=None):
                super().__init__()
        torch.no_grad = no_grad
        shims.append("@torch.no_grad (bare) accepted while kpflow is imported")
    sys.path.insert(0, os.path.join(root, "src"))
    sys.path.insert(0, os.path.join(root, "examples", "trace_paper"))
    try:
        from kpflow.grad_op import FullJThetaOperator
        import trace_methods
    finally:
        torch.no_grad = original
    commit = None
    try:
        commit = subprocess.run(["git", "-C", root, "rev-parse", "HEAD"], capture_output=True, text=True,
                                check=True).stdout.strip()
    except Exception:
        pass
    return FullJThetaOperator, trace_methods, shims, commit


class Kpflow:
    """The four metrics the way kpflow's main.py (extra_term_experiments) estimates them with Hutch++ (trace_hupp_op,
    Hazelden's split q = m/6) on NTK operators ntk = J Jᵀ (FullJThetaOperator, params_to_vec=True), in the model's
    float32. Shared with each other (fewer products than the script, which re-estimates ‖K₁‖² per metric):
    tr K₁; ‖K₁‖² = tr K₁K₁ᵀ; r_eff = (tr K₁)² / ‖K₁‖²; cos = tr K₁K₀ᵀ / (‖K₁‖ ‖K₀‖) with tr K₀K₀ᵀ. 7m NTK products."""

    def __init__(self, root, make_model, states, x, threads):
        self.J, self.tm, self.shims, self.commit = import_kpflow(root)
        self.threads = threads
        torch.set_num_threads(threads)
        self.ops = []
        for s in (states[0], states[-1]):
            m = make_model(s)
            for p in m.parameters():
                p.requires_grad_(True)
            with torch.no_grad():
                out = m(x)
            jvp = self.J(m, x, out, params_to_vec=True)  # as main.py's get_operators_mlp
            self.ops.append(jvp @ jvp.T)
        self.ntk0, self.ntk1 = self.ops

    def estimate(self, nsamp, seed):
        torch.set_num_threads(self.threads)
        torch.manual_seed(seed)
        hupp = self.tm.trace_hupp_op
        t0 = time.perf_counter()
        tr = hupp(self.ntk1, nsamp=nsamp)
        k11 = hupp(self.ntk1 @ self.ntk1.T, nsamp=nsamp)
        k10 = hupp(self.ntk1 @ self.ntk0.T, nsamp=nsamp)
        k00 = hupp(self.ntk0 @ self.ntk0.T, nsamp=nsamp)
        seconds = time.perf_counter() - t0
        fro = math.sqrt(max(k11, 0.0))
        values = {"trace": tr, "frobenius": fro, "effective_rank": tr * tr / k11,
                  "alignment_previous": k10 / math.sqrt(k11 * k00)}
        return values, seconds

    def exact(self):
        """kpflow's own exact route: the full kernels (Operator.full_matrix: d products by vmap over the identity;
        trace_direct is the same d products), then the four metrics by dense algebra."""
        torch.set_num_threads(self.threads)
        t0 = time.perf_counter()
        K0 = self.ntk0.flatten().full_matrix().double()
        K1 = self.ntk1.flatten().full_matrix().double()
        seconds = time.perf_counter() - t0
        K0, K1 = (K0 + K0.T) / 2, (K1 + K1.T) / 2
        tr, f1, f0 = float(K1.trace()), float(K1.norm()), float(K0.norm())
        values = {"trace": tr, "frobenius": f1, "effective_rank": tr * tr / (f1 * f1),
                  "alignment_previous": float((K1 * K0).sum()) / (f1 * f0)}
        return values, seconds


# ---------------------------------------------------------------------------------------------- main

def parse_list(s, kind=str):
    return [kind(v) for v in s.split(",") if v.strip()]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--workload", choices=sorted(WORKLOADS), default="mlp")
    ap.add_argument("--cli", default=os.path.join(ROOT, "build", "app", "tangentscope-cli"))
    ap.add_argument("--estimators", default="hutchpp,xnystrace,xtrace")
    ap.add_argument("--budgets", default=None, help="watch --matvecs grid (default mlp: 16,24,32,48,64,96,128,192,"
                    "256; resnet18: 16,32)")
    ap.add_argument("--seeds", default="0,1,2")
    ap.add_argument("--dtype", default="float64", help="watch --dtype of the grid (float64 or float32)")
    ap.add_argument("--also-dtype", default=None, help="time the chosen setting in this dtype as well")
    ap.add_argument("--also-seeds", default=None, help="the seeds of --also-dtype (default: --seeds)")
    ap.add_argument("--threads", type=int, default=None, help="watch --threads and PyTorch's (default mlp 1, "
                    "resnet18 2)")
    ap.add_argument("--target", type=float, default=1e-2)
    ap.add_argument("--reference-budget", type=int, default=0,
                    help="resnet18: the xnystrace budget of the reference run (64 took over 20 minutes here); -1: "
                    "PyTorch's exact kernels, d VJPs + d JVPs per snapshot; 0: none (only tr K has a reference, "
                    "PyTorch's per-row value; the other errors are NaN and each run's ±2σ is reported)")
    ap.add_argument("--reference-seed", type=int, default=99, help="resnet18: the reference run's seed (apart from "
                    "the grid's, so that its test vectors are not the grid's)")
    ap.add_argument("--reference-dtype", default="float32", help="resnet18: the reference run's dtype")
    ap.add_argument("--reference-json", default=None, help="reuse the reference of an earlier --json of the same "
                    "workload (the run is deterministic; the per-row tr K, when run, checks it)")
    ap.add_argument("--no-per-row", action="store_true", help="skip the per-row PyTorch tr K baseline")
    ap.add_argument("--kpflow", default=None, help="a checkout of github.com/meeree/kpflow (nothing is downloaded)")
    ap.add_argument("--kpflow-budgets", default=None, help="Hutch++ nsamp grid (default mlp: 24,48,96,192,384,768; "
                    "resnet18: 12)")
    ap.add_argument("--kpflow-exact", action="store_true", help="also time kpflow's full kernels (mlp)")
    ap.add_argument("--kpflow-no-search", action="store_true", help="skip kpflow's budget search: time it in the "
                    "rounds only, at the last of --kpflow-budgets")
    ap.add_argument("--no-incremental", action="store_true", help="rounds: skip the one-new-snapshot watch run")
    ap.add_argument("--rounds", type=int, default=3, help="alternating timing rounds of the chosen settings")
    ap.add_argument("--run-dir", default=None, help="keep the run folder here instead of a temporary one")
    ap.add_argument("--json", default=None, help="write every figure here")
    a = ap.parse_args()

    mlp = a.workload == "mlp"
    threads = a.threads or (1 if mlp else 2)
    budgets = parse_list(a.budgets or ("16,24,32,48,64,96,128,192,256" if mlp else "16,32"), int)
    kp_budgets = parse_list(a.kpflow_budgets or ("24,48,96,192,384,768" if mlp else "12"), int)
    seeds = parse_list(a.seeds, int)
    estimators = parse_list(a.estimators)
    cli = os.path.abspath(a.cli)
    torch.set_num_threads(threads)

    tmp = None
    if a.run_dir:
        run = os.path.abspath(a.run_dir)
        if os.path.exists(run):
            shutil.rmtree(run)
    else:
        tmp = tempfile.mkdtemp(prefix="ts-watch-bench-")
        run = os.path.join(tmp, "run")
    out = {"workload": a.workload, "threads": threads, "target": a.target, "torch": torch.__version__,
           "python": platform.python_version(), "machine": {"nproc": os.cpu_count(), "cpu": platform.processor()},
           "date": time.strftime("%Y-%m-%d %H:%M:%S %z")}
    try:
        model, x, states, last_step = make_run(run, a.workload)
        P = sum(p.numel() for p in model.parameters())
        with torch.no_grad():
            d = model_at(model, states[-1])(x).numel()
        out.update({"P": P, "d": d, "N": x.shape[0], "steps": [0, last_step]})
        log(f"{a.workload}: N = {x.shape[0]}, d = {d:,}, P = {P:,}; snapshots at steps 0 and {last_step}; "
            f"{threads} thread(s); load {load1():.2f}")
        out["startup_s"] = summary([startup_s(cli) for _ in range(3)])
        log(f"tangentscope-cli start-up (help): median {out['startup_s']['median']:.3f} s")

        # ---- reference
        ref, ref_info = {}, {}
        if a.reference_json:
            old = json.load(open(a.reference_json))
            if old["workload"] != a.workload:
                raise SystemExit("--reference-json: another workload")
            ref = dict(old["reference"]["values"])
            ref_info = {k: v for k, v in old["reference"].items() if k != "values"}
            ref_info["how"] = ref_info["how"] + f" (reused from {a.reference_json})"
        elif not mlp and a.reference_budget < 0:
            ks, secs = [], []
            for st in (states[0], states[-1]):
                K, t = pytorch_exact_kernel(model_at(WORKLOADS[a.workload]()[0], st), x, threads)
                ks.append(K)
                secs.append(t)
            ref = exact_metrics(ks[1], ks[0])
            ref_info = {"how": "PyTorch exact K₀, K₁ column by column (d functorch VJPs + d JVPs each, float32 "
                               "products)", "snapshot_s": secs[1], "wall_s": sum(secs),
                        "first_snapshot_s": secs[0]}
            del ks
        elif not mlp and a.reference_budget == 0:
            if a.no_per_row:
                raise SystemExit("--reference-budget 0 needs the per-row tr K")
            ref = {k: float("nan") for k in METRICS}
            ref_info = {"how": "tr K from PyTorch per row only", "snapshot_s": float("nan"),
                        "wall_s": float("nan")}
        elif mlp:
            r = run_watch(cli, run, ["--exact", "--memory-budget", "8G"], threads)
            ref = dict(r["values"])
            ref_info = {"how": "watch --exact --memory-budget 8G (float64)", "snapshot_s": r["snapshot_s"],
                        "wall_s": r["wall_s"], "load1": r["load1"]}
        else:
            r = run_watch(cli, run, ["--estimator", "xnystrace", "--matvecs", str(a.reference_budget), "--seed",
                                     str(a.reference_seed), "--dtype", a.reference_dtype], threads)
            v = r["all_values"]
            ref = dict(r["values"])  # cos from the three PSD traces (see polarised_alignment)
            ref["alignment_previous"] = polarised_alignment(v["frobenius"], r["first_frobenius"],
                                                            v["distance_previous"])
            ref_info = {"how": f"watch --estimator xnystrace --matvecs {a.reference_budget} --seed "
                               f"{a.reference_seed} --dtype {a.reference_dtype}; alignment by polarisation of its PSD "
                               "traces; tr K from PyTorch per row",
                        "snapshot_s": r["snapshot_s"], "wall_s": r["wall_s"], "std_errors": r["std_errors"],
                        "estimated_alignment": v["alignment_previous"], "load1": r["load1"]}
        if not a.no_per_row:
            torch.set_num_threads(threads)
            m1 = model_at(model, states[-1])
            for p in m1.parameters():
                p.requires_grad_(True)
            tr, secs, rows_n = per_row_trace(m1, x, threads)
            out["per_row_trace"] = {"value": tr, "seconds": secs, "backward_passes": rows_n, "dtype": "float32"}
            log(f"PyTorch per row: tr K = {tr:.10g} in {secs:.2f} s ({rows_n} backward passes, float32)")
            if not mlp and a.reference_budget == 0 and not a.reference_json:
                ref["trace"] = tr
            elif not mlp and a.reference_budget < 0:
                out["per_row_trace"]["rel_diff_to_reference"] = abs(tr - ref["trace"]) / ref["trace"]
            elif a.reference_json:
                out["per_row_trace"]["rel_diff_to_reference"] = abs(tr - ref["trace"]) / ref["trace"]
                log(f"  against the reused reference tr K: {abs(tr - ref['trace']) / ref['trace']:.1e}")
            elif not mlp:
                ref_info["reference_run_trace"] = ref["trace"]
                ref["trace"] = tr
        out["reference"] = {"values": ref, **ref_info}
        log(f"reference ({ref_info['how']}; second snapshot {ref_info['snapshot_s']:.2f} s, process "
            f"{ref_info['wall_s']:.2f} s): " + ", ".join(f"{k} {v:.10g}" for k, v in ref.items()))
        if "estimated_alignment" in ref_info:
            log(f"  the reference run's own estimated alignment: {ref_info['estimated_alignment']:.6g}")

        # ---- the grid
        grid = []
        for est in estimators:
            for m in budgets:
                for s in seeds:
                    r = run_watch(cli, run, ["--estimator", est, "--matvecs", str(m), "--seed", str(s),
                                             "--dtype", a.dtype], threads)
                    r.update({"estimator": est, "matvecs": m, "seed": s, "dtype": a.dtype,
                              "rel_errors": rel_errors(r["values"], ref)})
                    r["alignment_polarised"] = polarised_alignment(
                        r["all_values"]["frobenius"], r["first_frobenius"], r["all_values"]["distance_previous"])
                    r["alignment_polarised_rel_error"] = abs(r["alignment_polarised"] - ref["alignment_previous"]) \
                        / abs(ref["alignment_previous"])
                    grid.append(r)
                    e = r["rel_errors"]
                    log(f"{est:>9} m={m:<4} seed {s}: snapshot {r['snapshot_s']:.3f} s, wall {r['wall_s']:.2f} s; "
                        "errors " + " ".join(f"{k}={e[k]:.1e}" for k in METRICS) + f"  (load {r['load1']:.2f})")
                    log("          values " + " ".join(f"{k}={r['values'][k]:.8g}±{2 * r['std_errors'][k]:.2g}"
                                                      for k in METRICS) + " (±2σ)")
        out["grid"] = grid

        # smallest budget per estimator with all four metrics within target for every seed
        best = {}
        for est in estimators:
            for m in budgets:
                rs = [r for r in grid if r["estimator"] == est and r["matvecs"] == m]
                if rs and all(worst(r["rel_errors"].values()) <= a.target for r in rs):
                    best[est] = {"matvecs": m, "snapshot_s": summary([r["snapshot_s"] for r in rs]),
                                 "wall_s": summary([r["wall_s"] for r in rs]),
                                 "max_rel_error": max(worst(r["rel_errors"].values()) for r in rs)}
                    break
            else:
                per_budget = {}
                for m in budgets:
                    rs = [r for r in grid if r["estimator"] == est and r["matvecs"] == m]
                    per_budget[m] = {k: worst(r["rel_errors"][k] for r in rs) for k in METRICS}
                best[est] = {"matvecs": None, "worst_errors_per_budget": per_budget}
        out["smallest_budget"] = best
        for est, b in best.items():
            if b["matvecs"]:
                log(f"{est}: all four within {a.target:g} from m = {b['matvecs']} (snapshot median "
                    f"{b['snapshot_s']['median']:.3f} s, wall median {b['wall_s']['median']:.2f} s)")
            else:
                log(f"{est}: not within {a.target:g} on the grid")

        # what the watch would report if it took cos(K₁, K₀) from its own ‖K₁‖, ‖K₀‖ and ‖K₁ − K₀‖ (polarisation)
        # instead of estimating tr K₁K₀ directly: the smallest budget then
        best_polarised = {}
        for est in estimators:
            for m in budgets:
                rs = [r for r in grid if r["estimator"] == est and r["matvecs"] == m]
                errs = [worst([r["rel_errors"][k] for k in METRICS[:3]] + [r["alignment_polarised_rel_error"]])
                        for r in rs]
                if rs and max(errs) <= a.target:
                    best_polarised[est] = {"matvecs": m, "snapshot_s": summary([r["snapshot_s"] for r in rs]),
                                           "max_rel_error": max(errs)}
                    break
            else:
                best_polarised[est] = {"matvecs": None}
        out["smallest_budget_alignment_polarised"] = best_polarised
        for est, b in best_polarised.items():
            log(f"{est}, alignment by polarisation: " + (f"all four within {a.target:g} from m = {b['matvecs']}"
                                                          if b["matvecs"] else "not within target on the grid"))

        # ---- kpflow
        if a.kpflow:
            def make_model(state):
                return model_at(WORKLOADS[a.workload]()[0], state)
            kp = Kpflow(os.path.abspath(a.kpflow), make_model, states, x, threads)
            out["kpflow"] = {"checkout": os.path.abspath(a.kpflow), "commit": kp.commit, "shims": kp.shims,
                             "dtype": "float32", "grid": []}
            log(f"kpflow {kp.commit}: shims: {'; '.join(kp.shims) or 'none'}")
            if a.kpflow_exact:
                v, secs = kp.exact()
                out["kpflow"]["exact"] = {"seconds": secs, "values": v, "rel_errors": rel_errors(v, ref)}
                log(f"kpflow full kernels K₀, K₁ (2d products): {secs:.2f} s; errors against the reference " +
                    " ".join(f"{k}={e:.1e}" for k, e in rel_errors(v, ref).items()))
            kp_best = None
            for m in ([] if a.kpflow_no_search else kp_budgets):
                rs = []
                for s in seeds:
                    v, secs = kp.estimate(m, s)
                    e = rel_errors(v, ref)
                    rs.append({"nsamp": m, "seed": s, "seconds": secs, "values": v, "rel_errors": e})
                    log(f"   kpflow Hutch++ nsamp={m:<4} seed {s}: {secs:.3f} s; errors " +
                        " ".join(f"{k}={e[k]:.1e}" for k in METRICS) + f"  (load {load1():.2f})")
                out["kpflow"]["grid"] += rs
                if kp_best is None and all(worst(r["rel_errors"].values()) <= a.target for r in rs):
                    kp_best = m
                    break
            out["kpflow"]["smallest_budget"] = kp_best

            # ---- alternating rounds: the fastest watch setting that met the target, and kpflow at its budget
            met = {k: v for k, v in best.items() if v["matvecs"]}
            if met:
                est = min(met, key=lambda k: met[k]["snapshot_s"]["median"])
                cfg = ["--estimator", est, "--matvecs", str(met[est]["matvecs"]), "--dtype", a.dtype]
            else:  # none met the target: the grid's largest budget of the first estimator
                est = estimators[0]
                cfg = ["--estimator", est, "--matvecs", str(budgets[-1]), "--dtype", a.dtype]
            kp_m = kp_best or kp_budgets[-1]
            rounds = []
            for i in range(a.rounds):
                row = {"round": i}
                r = run_watch(cli, run, cfg, threads)
                row["watch"] = {"snapshot_s": r["snapshot_s"], "wall_s": r["wall_s"], "load1": r["load1"],
                                "rel_errors": rel_errors(r["values"], ref)}
                if not a.no_incremental:
                    inc = run_watch_incremental(cli, run, cfg, threads)
                    row["watch"]["incremental_wall_s"] = inc["wall_s"]
                    row["watch"]["incremental_snapshot_s"] = inc["snapshot_s"]
                v, secs = kp.estimate(kp_m, seeds[i % len(seeds)])
                row["kpflow"] = {"nsamp": kp_m, "seconds": secs, "values": v, "rel_errors": rel_errors(v, ref),
                                 "load1": load1()}
                rounds.append(row)
                w = row["watch"]
                log(f"round {i}: watch {w['snapshot_s']:.3f} s (wall {w['wall_s']:.2f} s" +
                    (f"; one new snapshot: {w['incremental_snapshot_s']:.3f} s, wall {w['incremental_wall_s']:.2f} s"
                     if "incremental_wall_s" in w else "") + f"); kpflow nsamp={kp_m} {secs:.3f} s, errors " +
                    " ".join(f"{k}={e:.1e}" for k, e in row["kpflow"]["rel_errors"].items()) + "; values " +
                    " ".join(f"{k}={x:.8g}" for k, x in v.items()))
            out["rounds"] = {"watch_setting": " ".join(cfg), "kpflow_nsamp": kp_m,
                             "rows": rounds,
                             "watch_snapshot_s": summary([r["watch"]["snapshot_s"] for r in rounds]),
                             "watch_wall_s": summary([r["watch"]["wall_s"] for r in rounds]),
                             "watch_incremental_wall_s": summary([r["watch"].get("incremental_wall_s")
                                                                  for r in rounds]),
                             "watch_incremental_snapshot_s": summary([r["watch"].get("incremental_snapshot_s")
                                                                      for r in rounds]),
                             "kpflow_s": summary([r["kpflow"]["seconds"] for r in rounds])}

        # ---- the chosen setting in another dtype
        if a.also_dtype:
            met = {k: v for k, v in best.items() if v["matvecs"]}
            pick = min(met, key=lambda k: met[k]["snapshot_s"]["median"]) if met else estimators[0]
            m = met[pick]["matvecs"] if met else budgets[-1]
            rs = []
            for s in parse_list(a.also_seeds, int) if a.also_seeds else seeds:
                r = run_watch(cli, run, ["--estimator", pick, "--matvecs", str(m), "--seed", str(s),
                                         "--dtype", a.also_dtype], threads)
                r.update({"estimator": pick, "matvecs": m, "seed": s, "dtype": a.also_dtype,
                          "rel_errors": rel_errors(r["values"], ref)})
                rs.append(r)
                e = r["rel_errors"]
                log(f"{pick:>9} m={m:<4} seed {s} {a.also_dtype}: snapshot {r['snapshot_s']:.3f} s, wall "
                    f"{r['wall_s']:.2f} s; errors " + " ".join(f"{k}={e[k]:.1e}" for k in METRICS))
                log("          values " + " ".join(f"{k}={r['values'][k]:.8g}±{2 * r['std_errors'][k]:.2g}"
                                                  for k in METRICS) + " (±2σ)")
            out["also_dtype"] = rs
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)
    if a.json:
        with open(a.json, "w") as f:
            json.dump(out, f, indent=1)
        log(f"figures in {a.json}")


if __name__ == "__main__":
    main()
