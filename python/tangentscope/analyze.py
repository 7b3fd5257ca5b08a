"""tangentscope.analyze: the NTK metrics of a PyTorch model on a batch, from Python, by tangentscope-cli.

    from tangentscope import analyze
    r = analyze(model, x, metrics=("trace", "frobenius", "effective_rank"), budget=96)
    r["trace"]["value"], r["trace"]["std_error"]

Why a subprocess: TangentScope's engine (the estimators, the Jacobian products, the exact kernels) is C++ on
LibTorch. Calling it in-process would need a compiled Python extension built against the very torch the user's
Python runs (the same version, ABI and build options), which a pure-Python package cannot promise. So analyze()
writes the model and the inputs to a temporary folder, runs `tangentscope-cli metrics ... --json` on them and reads
its JSON: the package stays pure Python (it needs only torch, and NumPy where installed), and the numbers are the
same as the desktop app's and the command line's for the same model, data, estimator, budget and seed.
"""
import copy
import io
import json
import numbers
import os
import shlex
import shutil
import subprocess
import tempfile
from collections.abc import Mapping

import torch

from . import _files
from . import _model

TOOL = "tangentscope.analyze"
ENV_CLI = "TANGENTSCOPE_CLI"
CLI_NAME = "tangentscope-cli"
METRICS = ("trace", "frobenius", "effective_rank", "alignment", "distance", "target_alignment")
ESTIMATORS = ("hutchpp", "xnystrace", "xtrace", "hutchinson", "rhutch", "fhutch", "exact")
DTYPES = {"float64": "float64", "double": "float64", "float32": "float32", "float": "float32",
          torch.float64: "float64", torch.float32: "float32"}
MAX_BUDGET = 10_000_000  # the CLI's --matvecs range
MAX_SEED = 2 ** 64 - 1
MAX_LABEL_CLASSES = 10_000  # npy labels are integers 0 to 9,999 (docs/FORMATS.md, "Data specs")
# The files in the temporary folder; the CLI runs inside it, so the specs hold these names and no path (a temporary
# folder whose path holds a ',' or ':' would otherwise break `npy:PATH,labels=PATH`).
MODEL_FILE = "model.pt"
MODEL_B_FILE = "model_b.pt"
INPUTS_FILE = "inputs.npy"
LABELS_FILE = "labels.npy"
TARGETS_FILE = "targets.npy"
PRODUCT_FILE = "K_targets.npy"
BUILD_HINT = (f"build it with ./scripts/build in the TangentScope checkout (it is then build/app/{CLI_NAME}), or "
              f"set {ENV_CLI} to its path")


# -- finding the command-line tool ---------------------------------------------------------------------------------

def _executable(candidate):
    """An absolute path to an executable file, or None: a path (with a folder part) as it is, a bare name on PATH."""
    candidate = os.fspath(candidate)
    if os.sep in candidate or (os.altsep and os.altsep in candidate):
        return os.path.abspath(candidate) if os.path.isfile(candidate) and os.access(candidate, os.X_OK) else None
    found = shutil.which(candidate)
    return os.path.abspath(found) if found else None


def checkout_cli():
    """Where a build in this checkout puts the tool: python/tangentscope/../../build/app/tangentscope-cli."""
    here = os.path.dirname(os.path.abspath(__file__))
    return os.path.normpath(os.path.join(here, "..", "..", "build", "app", CLI_NAME))


def find_cli(cli=None):
    """The path of tangentscope-cli: `cli` when given, else $TANGENTSCOPE_CLI, else tangentscope-cli on PATH, else
    this checkout's build/app/tangentscope-cli. A `cli` or $TANGENTSCOPE_CLI that names no executable file is an
    error (not skipped for the next place): the caller asked for that one. FileNotFoundError says how to build it."""
    if cli is not None:
        if not isinstance(cli, (str, os.PathLike)):
            raise TypeError(f"cli: give the path of {CLI_NAME} as a string, not a {type(cli).__name__}")
        found = _executable(cli)
        if found is None:
            raise FileNotFoundError(f"cli: {os.fspath(cli)!r} is not an executable file; {BUILD_HINT}")
        return found
    env = os.environ.get(ENV_CLI)
    if env:
        found = _executable(env)
        if found is None:
            raise FileNotFoundError(f"{ENV_CLI}={env!r} is not an executable file; {BUILD_HINT}")
        return found
    found = shutil.which(CLI_NAME)
    if found:
        return os.path.abspath(found)
    local = checkout_cli()
    if os.path.isfile(local) and os.access(local, os.X_OK):
        return local
    raise FileNotFoundError(f"{CLI_NAME} not found: no cli= argument, no {ENV_CLI} variable, none on PATH and none "
                            f"at {local}; {BUILD_HINT}")


# -- the arguments ----------------------------------------------------------------------------------------------------

def _metric_list(metrics):
    if isinstance(metrics, str):
        metrics = [m for m in metrics.split(",")]
    try:
        names = [m.strip() if isinstance(m, str) else m for m in metrics]
    except TypeError:
        raise TypeError(f"metrics: give metric names (a tuple of strings), not a {type(metrics).__name__}") from None
    if not names:
        raise ValueError(f"metrics: no metric given; choose from {', '.join(METRICS)}")
    out = []
    for m in names:
        if m not in METRICS:
            raise ValueError(f"metrics: {m!r} is not a metric; choose from {', '.join(METRICS)}")
        if m not in out:
            out.append(m)
    return out


def _int_arg(name, value, low, high):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name}: an integer is needed, not a {type(value).__name__}")
    if not low <= int(value) <= high:
        raise ValueError(f"{name}: {value} is outside [{low}, {high}]")
    return int(value)


def _tensor_arg(name, value):
    if isinstance(value, torch.Tensor):
        return value.detach().to("cpu")
    if type(value).__module__ == "numpy":
        return torch.from_numpy(value.copy())
    raise TypeError(f"{name}: a torch.Tensor or a NumPy array is needed, not a {type(value).__name__}")


def _inputs_arg(x, dtype):
    """The batch as the model takes it: floating inputs in the model's dtype, integers (token ids) as int64."""
    x = _tensor_arg("inputs", x)
    if x.dim() < 1 or x.shape[0] < 1:
        raise ValueError(f"inputs: shape {list(x.shape)} has no batch: give [N, input shape…] with N >= 1")
    if x.is_complex() or x.dtype == torch.bool:
        raise TypeError(f"inputs: {str(x.dtype)[6:]} inputs are not supported; give floating inputs or int64 "
                        "token ids")
    if x.is_floating_point():
        x = x.to(dtype)
        if not torch.isfinite(x).all():
            raise ValueError("inputs: they hold NaN or infinite values")
    else:
        x = x.to(torch.int64)
    return x.contiguous()


# -- the model files ----------------------------------------------------------------------------------------------

def _model_bytes(model, x, selector, name):
    """(TorchScript bytes with TangentScope's metadata, the selected output on x, the inputs in its dtype), as
    RunLogger writes model.pt: a CPU copy in eval mode, scripted (traced when scripting fails), flags kept."""
    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"{name}: a torch.nn.Module is needed, not a {type(model).__name__}")
    twin = _model.cpu_copy(model)
    dtype = _model.model_dtype(twin)
    if x.is_floating_point():
        x = x.to(getattr(torch, dtype))
    if not any(p.requires_grad for p in twin.parameters()):
        raise ValueError(f"{name}: every parameter of {_model.source_name(model)} has requires_grad=False, so the "
                         "NTK (over the trainable parameters) would be empty")
    out = _model.run(twin, x, "inputs")
    selected = _model.select_output(out, selector)
    if selected.dim() < 1 or selected.shape[0] != x.shape[0]:
        raise ValueError(f"output: the first axis of the output is not the batch: its shape is {list(selected.shape)} "
                         f"for {x.shape[0]} inputs (the model returns {', '.join(_model.list_outputs(out))})")
    if not selected.is_floating_point():
        raise ValueError(f"output: the selected output is {str(selected.dtype)[6:]}; the kernel is taken of a "
                         "floating-point output")
    data, metadata = _model.save_model(twin, model, x, selector, selected, None, dtype, tool=TOOL)
    return data, metadata, selected, x


def _snapshot_model(model, state):
    """model_b given as a state dict (a RunLogger snapshot: trainable parameters and floating buffers): a copy of
    `model` with those values. Frozen parameters and integer buffers may be absent (they stay the model's)."""
    twin = copy.deepcopy(model)
    known = dict(twin.named_parameters())
    known.update(twin.named_buffers())
    unknown = [k for k in state if k not in known]
    if unknown:
        raise ValueError(f"model_b: the state dict has entries the model does not ({', '.join(map(str, unknown[:5]))})")
    missing = [n for n, p in twin.named_parameters() if p.requires_grad and n not in state]
    if missing:
        raise ValueError(f"model_b: the state dict lacks trainable parameters of the model ({', '.join(missing[:5])})")
    with torch.no_grad():
        for k, v in state.items():
            if not isinstance(v, torch.Tensor) or v.shape != known[k].shape:
                raise ValueError(f"model_b: entry '{k}' is not a tensor of shape {list(known[k].shape)}")
            known[k].copy_(v)
    return twin


# -- the targets ----------------------------------------------------------------------------------------------------

def _targets_arg(y, out):
    """('labels', int64 [N]) for class indices of an output [N, C] (the CLI's own npy labels), or ('vector',
    float64 [d]) for float targets of the output's shape and for other class indices (one-hot over the last axis)."""
    y = _tensor_arg("targets", y)
    n = out.shape[0]
    if y.dim() < 1 or y.shape[0] != n:
        raise ValueError(f"targets: shape {list(y.shape)}: its first axis must be the {n} inputs")
    if y.is_floating_point():
        if list(y.shape) != list(out.shape):
            raise ValueError(f"targets: float targets are regression targets of the output's shape {list(out.shape)}, "
                             f"not {list(y.shape)} (class indices are integers [N])")
        y = y.to(torch.float64)
        if not torch.isfinite(y).all():
            raise ValueError("targets: they hold NaN or infinite values")
        if not y.any():
            raise ValueError("targets: they are all zero; the target alignment yᵀKy / (‖K‖_F ‖y‖²) is undefined")
        return "floats", y.reshape(-1).contiguous()
    if y.is_complex() or y.dtype == torch.bool:
        raise TypeError(f"targets: {str(y.dtype)[6:]} targets are not supported; give int64 class indices or floats")
    y = y.to(torch.int64)
    classes = _model.check_class_indices(y, out, "targets")
    if y.dim() == 1 and classes <= MAX_LABEL_CLASSES:
        return "class indices", y.contiguous()
    one_hot = torch.nn.functional.one_hot(y, classes).to(torch.float64)
    return "class indices (one-hot)", one_hot.reshape(-1).contiguous()


# -- running the tool ---------------------------------------------------------------------------------------------

def _run_cli(cli, args, folder):
    """Runs the tool in `folder` and returns its JSON; a non-zero exit is a RuntimeError with the tool's one-line
    message (and .returncode, .stderr, .command)."""
    command = [cli] + args
    proc = subprocess.run(command, cwd=folder, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE)
    stderr = proc.stderr.decode("utf-8", "replace")
    if proc.returncode != 0:
        lines = [line.strip() for line in stderr.splitlines() if line.strip()]
        errors = [line for line in lines if "error:" in line]
        message = errors[-1] if errors else (lines[-1] if lines else f"{CLI_NAME} exited with status {proc.returncode}")
        error = RuntimeError(message)
        error.returncode, error.stderr, error.command = proc.returncode, stderr, shlex.join(command)
        raise error
    try:
        return json.loads(proc.stdout.decode("utf-8", "replace"))
    except ValueError as e:
        raise RuntimeError(f"{CLI_NAME} {args[0]} printed no JSON object ({e}); its stderr: {stderr.strip()[:500]}") \
            from None


def _metric_entry(m):
    entry = {k: v for k, v in m.items() if k != "metric"}
    entry.setdefault("exact", None)
    entry.setdefault("rel_error", None)
    return entry


def analyze(model, inputs, metrics=("trace", "frobenius", "effective_rank"), budget=96, estimator="hutchpp",
            exact=False, targets=None, model_b=None, output=None, seed=0, dtype="float64", cli=None):
    """The NTK metrics of `model` on the batch `inputs`, K = J Jᵀ over the trainable parameters, computed by
    `tangentscope-cli metrics --json`.

    Why a subprocess: the engine is C++ on LibTorch; binding it to Python would need a compiled extension built
    against the same torch as the user's Python. Running the command-line tool keeps this package pure Python,
    and gives the same numbers as the desktop app and the CLI for the same model, data and settings.

    The model is written (into a temporary folder, removed afterwards whatever happens) as RunLogger writes
    model.pt: a CPU copy in evaluation mode, scripted with torch.jit.script (traced on `inputs` when scripting
    fails, with a warning), its requires_grad flags kept, so frozen parameters stay out of the kernel; the inputs go
    to an .npy file (`--data npy:inputs.npy`).

    metrics: any of trace, frobenius, effective_rank, alignment, distance, target_alignment.
        alignment (cos(K, K_b)) and distance (‖K − K_b‖_F / ‖K_b‖_F) need `model_b`: a second model of the same
        architecture (another snapshot), or a state dict of `model`'s (a RunLogger snapshot file, torch.load'ed).
        target_alignment (yᵀKy / (‖K‖_F ‖y‖²)) needs `targets`: int64 class indices, one per row of the output's last
        axis ([N] for an output [N, C]; one-hot), or floats of the output's shape (regression targets).
    budget: test vectors (kernel products) per trace estimate (--matvecs); estimator: hutchpp, xnystrace, xtrace,
        hutchinson, rhutch, fhutch, or exact; exact=True also computes the exact values and each relative error
        (--exact). seed: the estimator's seed; dtype: float64 or float32, the precision of the computation (the
        model and the inputs are cast to it). output: for a model returning a tuple, list or dict, the tensor the
        kernel is taken of (an index, a key or a dotted path). cli: the tool's path (else $TANGENTSCOPE_CLI, else
        tangentscope-cli on PATH, else this checkout's build/app/tangentscope-cli).

    Returns {metric: {"value", "std_error" (None when the method is exact), "method", "exact" (the exact value, with
    exact=True or estimator="exact", else None), "rel_error", "matvecs", "vjps", "jvps", "seconds"}, …, "d", "params", "config"}:
    d = N·outputs, params = the trainable parameters in the kernel, config = these arguments, the model's and the
    inputs' description, the command line of the metrics run ("command") and of every run ("commands"), and the
    CLI's own configuration ("cli_config").

    Class indices of an output [N, C] go to the CLI as npy labels (`npy:inputs.npy,labels=labels.npy`). The CLI's
    metrics command reads no float targets, so float targets (and class indices of other shapes, one-hot) take one
    more run, `tangentscope-cli kernel --apply` (K y by one VJP and one JVP, exact), and the alignment is
    yᵀ(Ky) / (‖K‖_F ‖y‖²) with ‖K‖_F from the metrics run, as the CLI forms it; its error is ‖K‖_F's. Only the
    metrics asked for come back.
    """
    names = _metric_list(metrics)
    budget = _int_arg("budget", budget, 1, MAX_BUDGET)
    if estimator not in ESTIMATORS:
        raise ValueError(f"estimator: {estimator!r} is not one of {', '.join(ESTIMATORS)}")
    if not isinstance(exact, bool):
        raise TypeError(f"exact: True or False, not a {type(exact).__name__}")
    seed = _int_arg("seed", seed, 0, MAX_SEED)
    try:
        run_dtype = DTYPES[dtype]
    except (KeyError, TypeError):
        raise ValueError(f"dtype: {dtype!r} is not float64 or float32") from None
    if output is not None and not isinstance(output, (str, int)):
        raise TypeError(f"output: give an index, a dict key or a dotted path as a string (e.g. '0'), not a "
                        f"{type(output).__name__}")
    selector = "" if output is None else str(output)
    need_b = [m for m in names if m in ("alignment", "distance")]
    if need_b and model_b is None:
        raise ValueError(f"model_b: {' and '.join(need_b)} compare the kernel with a second model's: give model_b (a "
                         "model of the same architecture, or a state dict of model's)")
    if model_b is not None and not isinstance(model_b, (torch.nn.Module, Mapping)):
        raise TypeError(f"model_b: a torch.nn.Module or a state dict is needed, not a {type(model_b).__name__}")
    if "target_alignment" in names and targets is None:
        raise ValueError("targets: target_alignment needs targets (int64 class indices [N], or floats of the "
                         "output's shape)")
    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"model: a torch.nn.Module is needed, not a {type(model).__name__}")
    x = _inputs_arg(inputs, torch.float64)
    cli_path = find_cli(cli)

    # The files, in memory first: every check runs before the temporary folder exists.
    model_data, metadata, selected, x = _model_bytes(model, x, selector, "model")
    files = {MODEL_FILE: model_data, INPUTS_FILE: _files.npy_bytes(x)}
    if need_b:
        other = _snapshot_model(model, model_b) if isinstance(model_b, Mapping) else model_b
        files[MODEL_B_FILE] = _model_bytes(other, x, selector, "model_b")[0]
    target_kind, y = (None, None)
    if "target_alignment" in names:
        target_kind, y = _targets_arg(targets, selected)
        files[LABELS_FILE if target_kind == "class indices" else TARGETS_FILE] = _files.npy_bytes(y)

    # What the metrics command computes: target_alignment of float targets from frobenius and one product K y.
    cli_metrics = list(names)
    by_product = target_kind is not None and target_kind != "class indices"
    if by_product:
        cli_metrics.remove("target_alignment")
        if "frobenius" not in cli_metrics:
            cli_metrics.append("frobenius")
    data_spec = f"npy:{INPUTS_FILE}" + (f",labels={LABELS_FILE}" if target_kind == "class indices" else "")
    common = ["--model", MODEL_FILE, "--dtype", run_dtype, "--seed", str(seed)]
    if selector:
        common += ["--output", selector]
    args = ["metrics"] + common + ["--data", data_spec, "--metrics", ",".join(cli_metrics),
                                   "--estimator", estimator, "--matvecs", str(budget)]
    if need_b:
        args += ["--model-b", MODEL_B_FILE]
    if exact:
        args += ["--exact"]
    args += ["--json"]
    commands = [shlex.join([cli_path] + args)]

    with tempfile.TemporaryDirectory(prefix="tangentscope-analyze-") as folder:
        for name, data in files.items():
            _files.atomic_write(os.path.join(folder, name), data)
        report = _run_cli(cli_path, args, folder)
        product = None
        if by_product:
            kargs = ["kernel"] + common + ["--data", f"npy:{INPUTS_FILE}", "--apply", TARGETS_FILE,
                                           "--out", PRODUCT_FILE, "--json"]
            commands.append(shlex.join([cli_path] + kargs))
            product_report = _run_cli(cli_path, kargs, folder)
            with open(os.path.join(folder, PRODUCT_FILE), "rb") as f:
                ky = _read_npy_vector(f.read())
            product = (product_report, ky)

    got = {m["metric"]: _metric_entry(m) for m in report["metrics"]}
    if by_product:
        got["target_alignment"] = _target_alignment(got["frobenius"], y, *product)
    result = {name: got[name] for name in names}
    result["d"] = report["d"]
    result["params"] = report["params"]
    made_by = metadata.get("made_by", {})
    result["config"] = {
        "metrics": names,
        "budget": budget,
        "estimator": estimator,
        "exact": exact,
        "seed": seed,
        "dtype": run_dtype,
        "output": output,
        "targets": target_kind,
        "model_b": None if model_b is None else ("state dict" if isinstance(model_b, Mapping) else
                                                 _model.source_name(model_b)),
        "model": {"source": made_by.get("source"), "how": made_by.get("how"), "dtype": metadata["dtype"],
                  "parameters": metadata["parameters"], "trainable_parameters": metadata["trainable_parameters"],
                  "frozen_parameters": metadata["frozen_parameters"], "output_shape": metadata["output_shape"]},
        "inputs": {"shape": list(x.shape), "dtype": str(x.dtype)[6:]},
        "cli": cli_path,
        "command": commands[0],
        "commands": commands,
        "cli_config": report.get("config"),
    }
    return result


def _read_npy_vector(data):
    """The float64 vector K y the CLI wrote (format 1.0, '<f8', C order): NumPy where installed, else by hand."""
    try:
        import numpy as np
        return torch.from_numpy(np.load(io.BytesIO(data), allow_pickle=False).astype("<f8").reshape(-1).copy())
    except ImportError:
        pass
    header_len = int.from_bytes(data[8:10], "little")
    start = 10 + header_len
    return torch.frombuffer(bytearray(data[start:]), dtype=torch.float64).clone()


def _target_alignment(frobenius, y, product_report, ky):
    """yᵀKy / (‖K‖_F ‖y‖²) of float targets, with ‖K‖_F from the metrics run: the CLI's own formula (one product
    for yᵀKy, exact; the error that of ‖K‖_F, relative)."""
    if ky.numel() != y.numel():
        raise RuntimeError(f"{CLI_NAME} kernel --apply returned {ky.numel()} values for {y.numel()} targets")
    yky = float(y @ ky)
    yy = float(y @ y)
    value = yky / (frobenius["value"] * yy)
    std = frobenius["std_error"]
    entry = {"method": frobenius["method"],
             "value": value,
             "std_error": None if std is None else abs(value) * std / frobenius["value"],
             "exact": None, "rel_error": None,
             "matvecs": frobenius.get("matvecs", 0),
             "vjps": frobenius.get("vjps", 0) + product_report.get("vjps", 0),
             "jvps": frobenius.get("jvps", 0) + product_report.get("jvps", 0),
             "seconds": frobenius.get("seconds", 0.0) + product_report.get("seconds", 0.0)}
    if frobenius.get("exact") is not None:
        entry["exact"] = yky / (frobenius["exact"] * yy)
        entry["rel_error"] = abs(value - entry["exact"]) / abs(entry["exact"]) if entry["exact"] else None
    return entry
