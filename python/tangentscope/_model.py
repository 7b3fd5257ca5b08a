"""The model file of a run: TorchScript with the metadata TangentScope's C++ side reads.

Adapted from scripts/export-model (parameter_groups, select_output, list_outputs, loaded_forward), which is a
command-line script and cannot be imported; the metadata keys are the same, so `tangentscope-cli --model
run/model.pt` reads a logger's model file as it reads an exported one. Errors are exceptions naming the
argument (the logger runs inside the user's script) instead of the script's one-line exits.
"""
import copy
import datetime
import io
import json
import warnings

import torch

METADATA_FILE = "tangentscope.json"
TOOL = "tangentscope.RunLogger"
FLOAT_DTYPES = {torch.float32: "float32", torch.float64: "float64"}
INPUT_DTYPES = {torch.float32: "float", torch.float64: "float", torch.int64: "int64"}


def first_line(e):
    text = str(e).strip()
    return text.splitlines()[0] if text else type(e).__name__


def source_name(model):
    cls = type(model)
    return f"{cls.__module__}.{cls.__qualname__}"


def select_output(out, selector):
    """The output the kernel is taken of: a tensor, or an element of a tuple, list or dict by a dotted path."""
    path = [p for p in selector.split(".") if p] if selector else []
    for step in path:
        if isinstance(out, dict):
            if step not in out:
                raise ValueError(f"output='{selector}': the model's output dict has no key '{step}' (keys: "
                                 f"{', '.join(map(str, out))})")
            out = out[step]
        elif isinstance(out, (tuple, list)):
            if not step.isdigit() or int(step) >= len(out):
                raise ValueError(f"output='{selector}': '{step}' is not an index below {len(out)} (the model "
                                 f"returns a {type(out).__name__} of {len(out)})")
            out = out[int(step)]
        else:
            raise ValueError(f"output='{selector}': the model's output is a single tensor; give output=None")
    if isinstance(out, (tuple, list, dict)):
        raise ValueError(f"output: the model returns a {type(out).__name__}: choose the tensor the kernel is "
                         "taken of with output= (an index, a dict key, or a dotted path such as '1.0')")
    if not isinstance(out, torch.Tensor):
        raise ValueError(f"output: the selected output is a {type(out).__name__}, not a tensor")
    return out


def list_outputs(out, path=""):
    """Every tensor of what forward returned, by its output= path, with its shape: '0 [2, 5, 8], 1.0 [2, 2, 8]'."""
    prefix = path + "." if path else ""
    if isinstance(out, torch.Tensor):
        return [f"{path or 'the output'} {list(out.shape)}"]
    if isinstance(out, dict):
        return [s for k, v in out.items() for s in list_outputs(v, prefix + str(k))]
    if isinstance(out, (tuple, list)):
        return [s for i, v in enumerate(out) for s in list_outputs(v, prefix + str(i))]
    return [f"{path or 'the output'} ({type(out).__name__})"]


def loaded_forward(module):
    """What TangentScope calls: forward, or for a scripted module with overloads (nn.LSTM) the first
    forward__N that takes one tensor (the others have defaults)."""
    if "forward" in module._c._method_names():
        return module
    for name in sorted(module._c._method_names()):
        if not name.startswith("forward__"):
            continue
        args = module._c._get_method(name).schema.arguments[1:]
        if args and str(args[0].type) == "Tensor" and all(a.default_value is not None or "Optional" in str(a.type)
                                                              or str(a.type).endswith("?") for a in args[1:]):
            return module._c._get_method(name)
    raise RuntimeError("the saved module has no forward method taking one tensor")


def parameter_groups(model):
    """One group per module that owns parameters directly: its name, its parameters' full names, their size and
    how many of them are frozen (requires_grad=False)."""
    groups = []
    for mname, module in model.named_modules():
        own = list(module.named_parameters(recurse=False))
        if own:
            groups.append({"name": mname or "(root)", "type": type(module).__name__,
                           "parameters": [f"{mname}.{p}" if mname else p for p, _ in own],
                           "size": sum(p.numel() for _, p in own),
                           "frozen": sum(p.numel() for _, p in own if not p.requires_grad)})
    return groups


def cpu_copy(model):
    """A deep copy of the user's model on the CPU in evaluation mode: the model file and the checks run on it, so
    the user's model (its device, its training mode, its batch-norm statistics) is left untouched."""
    try:
        twin = copy.deepcopy(model)
    except Exception as e:
        raise TypeError(f"model: copy.deepcopy({source_name(model)}) failed ({type(e).__name__}: {first_line(e)}); "
                        "the logger saves a copy of the model, so it must be copyable") from e
    return twin.to("cpu").eval()


def model_dtype(model):
    """'float32' or 'float64': the floating dtype of every parameter (the model file keeps it)."""
    dtypes = {p.dtype for p in model.parameters() if p.is_floating_point()}
    if not dtypes:
        raise ValueError(f"model: {source_name(model)} has no floating-point parameters: its NTK is empty")
    names = sorted(str(d).replace("torch.", "") for d in dtypes)
    if len(dtypes) > 1 or next(iter(dtypes)) not in FLOAT_DTYPES:
        raise TypeError(f"model: its parameters are {', '.join(names)}; TangentScope reads float32 or float64 "
                        "models, one dtype throughout (mixed precision with torch.autocast keeps float32 "
                        "parameters and is fine)")
    return FLOAT_DTYPES[next(iter(dtypes))]


def run(model, x, what):
    """The model's output on x, without autograd; an exception of the model becomes a ValueError that says which
    inputs it rejected."""
    with torch.no_grad():
        try:
            return model(x)
        except Exception as e:
            params = {p.dtype for p in model.parameters()}
            hint = ""
            if x.is_floating_point() and x.dtype not in params:
                hint = (f" ({what} are {str(x.dtype)[6:]}, the model's parameters "
                        f"{', '.join(sorted(str(d)[6:] for d in params))})")
            elif x.is_floating_point() and ("indices" in str(e) or "Long, Int" in str(e)):
                hint = f" (a model that takes token ids needs int64 {what})"
            raise ValueError(f"{what}: the model rejects a batch of shape {list(x.shape)} ({str(x.dtype)[6:]}): "
                             f"{type(e).__name__}: {first_line(e)}{hint}") from e


def to_torchscript(model, probe, tool=TOOL):
    """(TorchScript module, 'scripted' or 'traced'): torch.jit.script keeps control flow; when it fails (Python
    constructs TorchScript lacks), tracing on the probe inputs records the path those inputs take. `tool` names
    the caller in the warning (tangentscope.RunLogger, tangentscope.analyze)."""
    try:
        return torch.jit.script(model), "scripted"
    except Exception as e:
        reason = first_line(e)
    warnings.warn(f"{tool}: torch.jit.script failed on {source_name(model)} ({reason}); the model "
                  "file is traced on the probe inputs instead, so control flow that depends on input values is "
                  "fixed to their path", stacklevel=4)
    try:
        with torch.no_grad():
            return torch.jit.trace(model, probe, check_trace=False, strict=False), "traced"
    except Exception as e:
        raise ValueError(f"model: {source_name(model)} can be neither scripted nor traced on the probe inputs: "
                         f"{type(e).__name__}: {first_line(e)}") from e


def save_model(twin, original, probe, output, selected, class_names, dtype, tool=TOOL):
    """The model file's bytes, with `tangentscope.json` embedded, checked by loading them back: the
    requires_grad flags and the output on the probe inputs must be the eager model's. `tool` is the caller,
    recorded as made_by.tool and named in the errors."""
    scripted, how = to_torchscript(twin, probe, tool)
    params = list(twin.parameters())  # each shared tensor once
    total = sum(p.numel() for p in params)
    trainable = sum(p.numel() for p in params if p.requires_grad)
    integer = not probe.is_floating_point()
    metadata = {
        "format": "tangentscope-model",
        "version": 1,
        "input_shape": list(probe.shape[1:]),
        "input_dtype": INPUT_DTYPES[probe.dtype],
        "output_shape": list(selected.shape[1:]),
        "output": output,
        "dtype": dtype,
        "class_names": class_names,
        "parameter_groups": parameter_groups(twin),
        "parameters": total,
        "trainable_parameters": trainable,
        "frozen_parameters": total - trainable,
        "made_by": {
            "tool": tool,
            "source": source_name(original),
            "how": how,
            "torch": torch.__version__,
            "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        },
    }
    if integer:
        # The values TangentScope draws random inputs from: LOW <= v < HIGH, as export-model's --input-range.
        metadata["input_range"] = [int(probe.min()), int(probe.max()) + 1] if probe.numel() else [0, 1]
    buffer = io.BytesIO()
    torch.jit.save(scripted, buffer, _extra_files={METADATA_FILE: json.dumps(metadata, indent=1)})
    buffer.seek(0)
    loaded = torch.jit.load(buffer)
    want_flags = {n: p.requires_grad for n, p in twin.named_parameters()}
    got_flags = {n: p.requires_grad for n, p in loaded.named_parameters()}
    if got_flags != want_flags:
        changed = [n for n in want_flags if got_flags.get(n) != want_flags[n]]
        raise RuntimeError(f"{tool}: the TorchScript model's requires_grad flags differ from the "
                           f"model's ({', '.join(changed[:5])})")
    with torch.no_grad():
        got = select_output(loaded_forward(loaded)(probe), output)
    if got.shape != selected.shape:
        raise RuntimeError(f"{tool}: the TorchScript model's output has shape {list(got.shape)}, "
                           f"the eager model's {list(selected.shape)}")
    tol = 1e-10 if dtype == "float64" else 1e-4
    scale = max(float(selected.abs().max()) if selected.numel() else 0.0, 1e-30)
    if got.is_floating_point() and not torch.allclose(got, selected, rtol=tol, atol=tol * scale, equal_nan=True):
        err = float((got - selected).abs().max()) / scale
        raise RuntimeError(f"{tool}: the TorchScript model differs from the eager one by {err:.3g} "
                           f"(relative; tolerance {tol:g}) on the probe inputs"
                           f"{' — tracing fixed a data-dependent path' if how == 'traced' else ''}")
    return buffer.getvalue(), metadata


def check_class_indices(y, out, arg):
    """Integer targets are class indices, one per row of the output's last axis: [N] for [N, classes], [N, T] for
    a language model's [N, T, vocabulary] (as tangentscope-cli watch reads them). Returns the number of classes;
    raises ValueError naming `arg`."""
    if out.dim() < 2 or list(y.shape) != list(out.shape[:-1]):
        want = f"{list(out.shape[:-1])}" if out.dim() >= 2 else "[N] for an output [N, classes]"
        raise ValueError(f"{arg}: integer targets are class indices, one per row of the output's last axis: shape "
                         f"{want}, not {list(y.shape)} (the output has shape {list(out.shape)})")
    classes = out.shape[-1]
    low, high = int(y.min()), int(y.max())
    if low < 0 or high >= classes:
        raise ValueError(f"{arg}: class indices must lie in [0, {classes}) (the model has {classes} outputs); "
                         f"they span [{low}, {high}]")
    return classes
