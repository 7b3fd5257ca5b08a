"""RunLogger: records a PyTorch training run as a run folder (docs/FORMATS.md, "Run folders").

The training script only pays for copying the weights to the CPU: snapshot() takes that copy at once (the
optimiser's next step would change the tensors) and hands it to a background thread that serialises and writes
it, so a slow disk delays training only when the writer falls several snapshots behind. `tangentscope-cli watch
RUN_DIR` analyses the folder while the run goes on, or afterwards.
"""
import atexit
import datetime
import io
import json
import math
import numbers
import os
import platform
import queue
import sys
import threading
import time
import warnings

import torch

from . import _files
from . import _model

RUN_FILE = "run.json"
MODEL_FILE = "model.pt"
INPUTS_FILE = "probe_inputs.npy"
TARGETS_FILE = "probe_targets.npy"
SCALARS_FILE = "scalars.jsonl"
FINISHED_FILE = "finished"
METRICS_FILE = "metrics.jsonl"
SNAPSHOT_DIR = "snapshots"
RESERVED_SCALARS = ("step", "time", "snapshot")
MAX_STEP = 10 ** 12 - 1  # the file names hold 12 digits
QUEUE_SIZE = 4
EXIT_WAIT_S = 60.0  # at interpreter exit, how long pending snapshots may take to be written


def _now_iso():
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


def _json_bytes(value, indent=None):
    # allow_nan=False: JSON has no NaN; the callers turn non-finite numbers into None first.
    return (json.dumps(value, indent=indent, allow_nan=False) + "\n").encode("utf-8")


def snapshot_name(step):
    return f"{SNAPSHOT_DIR}/step-{step:012d}.pt"


def _scalar(name, value):
    """A user's scalar as a JSON value: 0-d tensors and NumPy scalars by .item(); NaN and ±inf as null (a
    diverging loss is data, not an error)."""
    if isinstance(value, torch.Tensor):
        if value.dim() != 0:
            raise TypeError(f"snapshot: scalar '{name}' is a tensor of shape {list(value.shape)}; give a number "
                            "(a 0-d tensor, or .item())")
        value = value.item()
    elif type(value).__module__ == "numpy" and hasattr(value, "item") and getattr(value, "ndim", 0) == 0:
        value = value.item()
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        value = float(value)
        return value if math.isfinite(value) else None
    raise TypeError(f"snapshot: scalar '{name}' is a {type(value).__name__}; give a number, a string, a bool or "
                    "None")


class _Writer:
    """The background writer: snapshots in the order they were taken, each file then its scalars line. It keeps
    no reference to the logger or the model, so a logger that is dropped without close() can be collected."""

    def __init__(self, folder):
        self.folder = folder
        self.queue = queue.Queue(QUEUE_SIZE)
        self.lines = []  # scalars.jsonl, rewritten whole (atomically) after each snapshot
        self.written = 0
        self.last_step = None
        self.error = None  # the first failure, with the path, raised by the logger's next call
        self.stopped = False
        # A daemon thread: an interpreter that exits without close() is not held up by it (the atexit hook below
        # gives pending snapshots a bounded time first).
        self.thread = threading.Thread(target=self._run, name=f"tangentscope-writer:{folder}", daemon=True)
        self.thread.start()

    def _run(self):
        while True:
            item = self.queue.get()
            if item is None:
                return
            if self.error is not None:
                continue  # after a failure nothing more is written: the lines must match the files
            step, tensors, line = item
            path = os.path.join(self.folder, snapshot_name(step))
            try:
                buffer = io.BytesIO()
                # Serialised in memory, then written by Python: its write errors (a full disk) are exceptions.
                torch.save(tensors, buffer)
                del tensors
                _files.atomic_write(path, buffer.getbuffer())
                del buffer
                # The line only after its file: a reader that finds the line finds the snapshot.
                path = os.path.join(self.folder, SCALARS_FILE)
                _files.atomic_write(path, b"".join(self.lines) + _json_bytes(line))
                self.lines.append(_json_bytes(line))
                self.written += 1
                self.last_step = step
            except BaseException as e:
                self.error = _files.with_path(e, path, "cannot write")

    def put(self, item):
        """Queues a snapshot; blocks while QUEUE_SIZE are pending. Never waits on a thread that has died."""
        while True:
            try:
                self.queue.put(item, timeout=0.5)
                return
            except queue.Full:
                if not self.thread.is_alive():
                    raise RuntimeError("tangentscope.RunLogger: the writer thread has stopped") from None

    def stop(self, timeout=None):
        """Lets the thread finish what is queued, then end; True once it has."""
        if not self.stopped:
            self.stopped = True
            try:
                self.put(None)
            except RuntimeError:
                return True
        self.thread.join(timeout)
        return not self.thread.is_alive()

    def stop_nowait(self):
        """Asks the thread to end once the queue is written, without waiting (for __del__). When the queue is
        full the request is left to at_exit, which may wait."""
        if not self.stopped:
            try:
                self.queue.put_nowait(None)
                self.stopped = True
            except queue.Full:
                pass

    def at_exit(self):
        """The interpreter is exiting and the logger was not closed: write what is queued (within EXIT_WAIT_S),
        but no `finished` file — the script may have died, and a reader must not take the run as complete."""
        done = self.stop(EXIT_WAIT_S)
        sys.stderr.write(f"tangentscope.RunLogger: the run {self.folder} was not closed (call close() or use "
                         "`with RunLogger(...)`): it has no 'finished' file"
                         f"{'' if done else f'; snapshots still pending after {EXIT_WAIT_S:g} s were lost'}\n")


class RunLogger:
    """Logs a training run for TangentScope: the model (once), a probe batch (once) and the trainable weights at
    chosen steps, into a run folder that `tangentscope-cli watch RUN_DIR` analyses.

        log = RunLogger("runs/resnet-lr0.1", model, probe_inputs=x, probe_targets=y)
        ...
        log.snapshot(step, loss=loss.item(), lr=sched.get_last_lr()[0])
        ...
        log.close()

    `probe_inputs` is the batch the kernel is taken on ([N, input shape…], floating, or int64 token ids);
    `probe_targets` (optional) are class indices, one per row of the output's last axis ([N] for [N, classes]
    outputs, [N, T] for a language model's [N, T, vocabulary]), or floats of the output's shape (regression);
    `output` chooses, for a model returning a tuple, list or dict, the tensor the kernel is taken of (an index, a
    key, or a dotted path such as '1.0'); `class_names` names the outputs. An existing run in `path` is refused
    unless `overwrite=True`.
    """

    def __init__(self, path, model, probe_inputs, probe_targets=None, output=None, class_names=None, *,
                 name=None, overwrite=False):
        self._closed = True  # until the writer runs: __del__ and close() on a half-made logger do nothing
        self._writer = None
        folder = os.path.abspath(os.fspath(path))
        self.path = folder
        self.name = str(name) if name is not None else os.path.basename(folder)

        # The arguments alone first, cheap checks before the model runs.
        if not isinstance(model, torch.nn.Module):
            raise TypeError(f"model: a torch.nn.Module is needed, not a {type(model).__name__}")
        probe = self._check_probe(probe_inputs)
        targets = self._check_targets(probe_targets, probe.shape[0])
        if output is not None and not isinstance(output, (str, int)):
            raise TypeError(f"output: give an index, a dict key or a dotted path as a string (e.g. '0'), not a "
                            f"{type(output).__name__}")
        selector = "" if output is None else str(output)
        if class_names is not None:
            class_names = list(class_names)
            if not class_names or not all(isinstance(c, str) and c for c in class_names):
                raise ValueError("class_names: give one non-empty string per class")
        if os.path.exists(folder) and not os.path.isdir(folder):
            raise ValueError(f"path: {folder} exists and is not a folder")
        if os.path.exists(os.path.join(folder, RUN_FILE)) and not overwrite:
            raise ValueError(f"path: {folder} already holds a run (run.json); a run is never overwritten: choose "
                             "another folder, or give overwrite=True to remove the old run's files")
        leftovers = self._leftovers(folder)
        if leftovers and not overwrite:
            # Without run.json, but with an earlier run's snapshots or lines: they would mix with this run's.
            raise ValueError(f"path: {folder} holds files of an earlier run ({', '.join(leftovers[:3])}) but no "
                             "run.json; choose another folder, or give overwrite=True to remove them")

        # The model: a CPU copy in evaluation mode, run on the probe batch.
        twin = _model.cpu_copy(model)
        dtype = _model.model_dtype(twin)
        params = list(twin.parameters())  # each shared tensor once
        total = sum(p.numel() for p in params)
        trainable = sum(p.numel() for p in params if p.requires_grad)
        if trainable == 0:
            raise ValueError(f"model: every parameter of {_model.source_name(model)} has requires_grad=False, so "
                             "nothing trains and the NTK (over the trainable parameters) would be empty")
        out = _model.run(twin, probe, "probe_inputs")
        selected = _model.select_output(out, selector)
        # The first axis must be the batch and follow it (an LSTM's h is [layers, N, hidden]): a batch of another
        # size must change it.
        n = probe.shape[0]
        other = probe[:n - 1] if n > 1 else torch.cat([probe, probe])
        other_selected = _model.select_output(_model.run(twin, other, "probe_inputs"), selector)
        if selected.dim() < 1 or selected.shape[0] != n or other_selected.dim() < 1 or \
                other_selected.shape[0] != other.shape[0]:
            what = f"output '{selector}'" if selector else "the output"
            raise ValueError(f"output: the first axis of {what} is not the batch: its shape is "
                             f"{list(selected.shape)} for a batch of {n} and {list(other_selected.shape)} for "
                             f"{other.shape[0]}. Choose with output= a tensor whose first axis is the batch; the "
                             f"model returns, for {n} inputs: {', '.join(_model.list_outputs(out))}")
        if not selected.is_floating_point():
            raise ValueError(f"output: the selected output is {str(selected.dtype)[6:]}; the kernel is taken of a "
                             "floating-point output")
        if class_names is not None and selected.dim() == 2 and len(class_names) != selected.shape[1]:
            raise ValueError(f"class_names: {len(class_names)} names for a model with {selected.shape[1]} outputs")
        self._check_targets_fit(targets, selected)
        model_bytes, metadata = _model.save_model(twin, model, probe, selector, selected, class_names, dtype)
        del twin, out, other_selected

        # The folder: everything is written before run.json, which makes the folder a run.
        try:
            os.makedirs(folder, exist_ok=True)
        except OSError as e:
            raise _files.with_path(e, folder, "cannot create the run folder") from e
        if overwrite:
            self._remove_run(folder)
        written = []
        target = None
        try:
            for file, data in ((MODEL_FILE, model_bytes), (INPUTS_FILE, _files.npy_bytes(probe)),
                               (TARGETS_FILE, None if targets is None else _files.npy_bytes(targets))):
                if data is None:
                    continue
                target = os.path.join(folder, file)
                _files.atomic_write(target, data)
                written.append(target)
            target = os.path.join(folder, SNAPSHOT_DIR)
            os.makedirs(target, exist_ok=True)
            run = {
                "format": "tangentscope-run",
                "version": 1,
                "name": self.name,
                "created": _now_iso(),
                "model": MODEL_FILE,
                "probe_inputs": INPUTS_FILE,
                "probe_targets": None if targets is None else TARGETS_FILE,
                "parameters": total,
                "trainable_parameters": trainable,
                "frozen_parameters": total - trainable,
                "torch": torch.__version__,
                "python": platform.python_version(),
            }
            target = os.path.join(folder, RUN_FILE)
            _files.atomic_write(target, _json_bytes(run, indent=1))
        except OSError as e:
            for f in written:  # no half-made run: a retry in the same folder starts clean
                try:
                    os.remove(f)
                except OSError:
                    pass
            raise _files.with_path(e, target, "cannot write") from e

        self.metadata = metadata
        self.run = run
        self._model_ref = model
        # Trainable now, or when the run began: a parameter frozen half-way (gradual unfreezing run backwards)
        # still moved until then, so model.pt's initial value would be wrong for it.
        self._trainable_names = {n for n, p in model.named_parameters() if p.requires_grad}
        self._last_step = None
        self._error_reported = False
        self._writer = _Writer(folder)
        atexit.register(self._writer.at_exit)
        self._closed = False

    # -- checks -------------------------------------------------------------------------------------------------

    @staticmethod
    def _check_probe(x):
        if not isinstance(x, torch.Tensor):
            raise TypeError(f"probe_inputs: a torch.Tensor is needed, not a {type(x).__name__}"
                            f"{' (torch.from_numpy converts an array)' if type(x).__module__ == 'numpy' else ''}")
        if x.dim() < 1 or x.shape[0] < 1:
            raise ValueError(f"probe_inputs: shape {list(x.shape)} has no batch: give [N, input shape…] with N >= 1")
        if x.dtype not in _model.INPUT_DTYPES:
            raise TypeError(f"probe_inputs: {str(x.dtype)[6:]} inputs are not supported; give float32 or float64 "
                            "inputs, or int64 token ids (.long())")
        return x.detach().to("cpu").contiguous()

    @staticmethod
    def _check_targets(y, n):
        if y is None:
            return None
        if not isinstance(y, torch.Tensor):
            raise TypeError(f"probe_targets: a torch.Tensor is needed, not a {type(y).__name__}")
        if y.dim() < 1 or y.shape[0] != n:
            raise ValueError(f"probe_targets: shape {list(y.shape)}: its first axis must be the {n} probe inputs")
        if y.dtype in (torch.float32, torch.float64):
            return y.detach().to("cpu").contiguous()
        if y.dtype in (torch.int64, torch.int32, torch.int16, torch.int8, torch.uint8):
            return y.detach().to("cpu", torch.int64).contiguous()
        raise TypeError(f"probe_targets: {str(y.dtype)[6:]} targets are not supported; give int64 class indices "
                        "[N] or float32/float64 regression targets of the output's shape")

    @staticmethod
    def _check_targets_fit(y, out):
        """Class indices must index the outputs; regression targets must have the selected output's shape."""
        if y is None:
            return
        if y.is_floating_point():
            if list(y.shape) != list(out.shape):
                raise ValueError(f"probe_targets: float targets are regression targets of the output's shape "
                                 f"{list(out.shape)}, not {list(y.shape)} (class indices are int64 [N])")
            return
        _model.check_class_indices(y, out, "probe_targets")

    @staticmethod
    def _leftovers(folder):
        found = [f for f in (SCALARS_FILE, FINISHED_FILE, METRICS_FILE) if os.path.exists(os.path.join(folder, f))]
        snapshots = os.path.join(folder, SNAPSHOT_DIR)
        if os.path.isdir(snapshots):
            found += [f"{SNAPSHOT_DIR}/{e}" for e in sorted(os.listdir(snapshots)) if e.startswith("step-")]
        return found

    @staticmethod
    def _remove_run(folder):
        """overwrite=True: the old run's files go, run.json first (the folder stops being a run at once). Other
        files in the folder, and a watcher's lock file, are left alone."""
        names = [RUN_FILE, FINISHED_FILE, SCALARS_FILE, METRICS_FILE, MODEL_FILE, INPUTS_FILE, TARGETS_FILE]
        for base in names:
            for path in (os.path.join(folder, base), os.path.join(folder, base + _files.PARTIAL)):
                try:
                    os.remove(path)
                except FileNotFoundError:
                    pass
                except OSError as e:
                    raise _files.with_path(e, path, "cannot remove the old run's") from e
        snapshots = os.path.join(folder, SNAPSHOT_DIR)
        if os.path.isdir(snapshots):
            for entry in os.listdir(snapshots):
                if entry.startswith("step-") and (entry.endswith(".pt") or entry.endswith(".pt" + _files.PARTIAL)):
                    path = os.path.join(snapshots, entry)
                    try:
                        os.remove(path)
                    except OSError as e:
                        raise _files.with_path(e, path, "cannot remove the old run's") from e

    def _raise_writer_error(self):
        error = self._writer.error if self._writer is not None else None
        if error is not None:
            self._error_reported = True
            raise error

    # -- the training script's calls ----------------------------------------------------------------------------

    def snapshot(self, step, **scalars):
        """Records the trainable floating parameters and the floating buffers at `step` (an int, larger than the
        last), with the given scalars (loss=…, lr=…) in scalars.jsonl. Returns once the weights are copied to the
        CPU; the files are written in the background. A failure of an earlier write is raised here."""
        if self._closed:
            raise RuntimeError(f"snapshot: the run {self.path} is closed")
        self._raise_writer_error()
        if isinstance(step, torch.Tensor) and step.dim() == 0 and not step.is_floating_point():
            step = step.item()
        if isinstance(step, bool) or not isinstance(step, numbers.Integral):
            raise TypeError(f"snapshot: step must be an int, not a {type(step).__name__}")
        step = int(step)
        if not 0 <= step <= MAX_STEP:
            raise ValueError(f"snapshot: step {step} is outside [0, {MAX_STEP}]")
        if self._last_step is not None and step <= self._last_step:
            raise ValueError(f"snapshot: step {step} is not after the last snapshot's step {self._last_step}: steps "
                             "increase strictly")
        line = {"step": step, "time": time.time(), "snapshot": snapshot_name(step)}
        for key, value in scalars.items():
            if key in RESERVED_SCALARS:
                raise ValueError(f"snapshot: '{key}' is a field of every scalars line; name the scalar otherwise")
            line[key] = _scalar(key, value)
        # Copied now, synchronously: the optimiser's next step changes these tensors in place.
        tensors = {}
        with torch.no_grad():
            for key, p in self._model_ref.named_parameters():
                if p.is_floating_point() and (p.requires_grad or key in self._trainable_names):
                    tensors[key] = p.detach().to("cpu", copy=True)
            for key, b in self._model_ref.named_buffers():
                if b.is_floating_point():
                    tensors[key] = b.detach().to("cpu", copy=True)
        self._last_step = step
        self._writer.put((step, tensors, line))

    def close(self):
        """Waits for the pending snapshots, then writes `finished`: the run is over. Raises a failure of the
        writer (and then writes no `finished`). A second call does nothing."""
        if self._closed:
            return
        self._closed = True
        writer = self._writer
        writer.stop()
        atexit.unregister(writer.at_exit)
        self._raise_writer_error()
        path = os.path.join(self.path, FINISHED_FILE)
        try:
            _files.atomic_write(path, _json_bytes({"finished": _now_iso(), "snapshots": writer.written,
                                                   "last_step": writer.last_step}))
        except OSError as e:
            raise _files.with_path(e, path, "cannot write") from e

    def _abandon(self):
        """An exception ends the run: the queued snapshots are written, but not `finished` (the run did not
        finish); a writer failure is reported as a warning so that it does not hide the exception."""
        if self._closed:
            return
        self._closed = True
        self._writer.stop()
        atexit.unregister(self._writer.at_exit)
        if self._writer.error is not None and not self._error_reported:
            warnings.warn(str(self._writer.error), RuntimeWarning, stacklevel=3)

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.close()
        else:
            self._abandon()
        return False

    def __del__(self):
        # Never blocks (the garbage collector may run anywhere): the writer finishes the queue on its own, and the
        # atexit hook still registered for it says that the run was not closed.
        try:
            if not self._closed and self._writer is not None:
                self._writer.stop_nowait()
        except Exception:
            pass

    def __repr__(self):
        return f"RunLogger({self.path!r}, last step {self._last_step if self._writer else None})"
