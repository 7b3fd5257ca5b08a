"""tangentscope.RunLogger as a training script uses it: the run folder it writes (docs/FORMATS.md, "Run
folders"), the model file TangentScope's C++ side loads, and its refusals, each naming the argument.

    PYTHONPATH=python /usr/bin/python3 -m pytest -q tests/python     (CTest: python_package)
"""
import io
import json
import math
import os
import sys
import time
import zipfile

import pytest
import torch
from torch import nn

try:
    import tangentscope  # noqa: F401
except ImportError:  # run from a checkout without PYTHONPATH=python
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "python"))
from tangentscope import RunLogger  # noqa: E402
from tangentscope import _files  # noqa: E402

np = pytest.importorskip("numpy")
torch.set_num_threads(1)


def metadata(path):
    with zipfile.ZipFile(path) as z:
        name = next(n for n in z.namelist() if n.endswith("/extra/tangentscope.json"))
        return json.loads(z.read(name))


def read_lines(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def mlp():
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 3))


def train_step(model, x, y, opt):
    loss = nn.functional.cross_entropy(model(x), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    return loss


def no_partials(folder):
    return [os.path.join(r, f) for r, _, fs in os.walk(folder) for f in fs if f.endswith(".partial")] == []


class Frozen(nn.Module):
    def __init__(self):
        super().__init__()
        self.backbone = nn.Sequential(nn.Linear(6, 16), nn.Tanh())
        self.head = nn.Linear(16, 3)
        self.backbone.requires_grad_(False)

    def forward(self, x):
        return self.head(self.backbone(x))


class Tied(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Linear(5, 7, bias=False)
        self.mid = nn.Linear(7, 7)
        self.out = nn.Linear(7, 5, bias=False)
        self.unembed = self.embed  # the same module (and weight) under two names

    def forward(self, x):
        h = torch.tanh(self.mid(self.embed(x)))
        return h @ self.unembed.weight


class ConvBn(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(2, 4, 3, padding=1)
        self.bn = nn.BatchNorm2d(4)
        self.fc = nn.Linear(4, 3)

    def forward(self, x):
        return self.fc(torch.relu(self.bn(self.conv(x))).mean(dim=(2, 3)))


class TinyGpt(nn.Module):
    """Token and position embeddings, one causal self-attention block (a bool mask buffer), a tied head."""

    def __init__(self, vocab=11, length=6, width=8):
        super().__init__()
        self.tok = nn.Embedding(vocab, width)
        self.pos = nn.Parameter(0.02 * torch.randn(length, width))
        self.ln = nn.LayerNorm(width)
        self.qkv = nn.Linear(width, 3 * width)
        self.proj = nn.Linear(width, width)
        self.head = nn.Linear(width, vocab, bias=False)
        self.head.weight = self.tok.weight
        self.register_buffer("mask", torch.tril(torch.ones(length, length, dtype=torch.bool)))

    def forward(self, idx):
        t = idx.shape[1]
        x = self.tok(idx) + self.pos[:t]
        qkv = self.qkv(self.ln(x))
        q, k, v = qkv.split(qkv.shape[-1] // 3, dim=-1)
        att = (q @ k.transpose(-2, -1)) / (float(q.shape[-1]) ** 0.5)
        att = att.masked_fill(~self.mask[:t, :t], float("-inf")).softmax(dim=-1)
        return self.head(x + self.proj(att @ v))


class TwoOutputs(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 4)

    def forward(self, x):
        h = self.fc(x)
        return h, h.sum()


def test_mlp_run(tmp_path):
    model = mlp()
    x, y = torch.randn(6, 4), torch.tensor([0, 1, 2, 0, 1, 2])
    opt = torch.optim.SGD(model.parameters(), lr=0.5)
    run = tmp_path / "runs" / "mlp-lr0.5"
    log = RunLogger(run, model, probe_inputs=x, probe_targets=y, class_names=["a", "b", "c"])
    expected = {}
    for step in range(3):
        loss = train_step(model, x, y, opt)
        log.snapshot(step * 100, loss=loss.item(), lr=0.5, phase="warm")
        expected[step * 100] = {n: p.detach().clone() for n, p in model.named_parameters()}
    log.close()
    log.close()  # idempotent

    names = sorted(os.listdir(run))
    assert names == ["finished", "model.pt", "probe_inputs.npy", "probe_targets.npy", "run.json", "scalars.jsonl",
                     "snapshots"]
    assert sorted(os.listdir(run / "snapshots")) == [f"step-{s:012d}.pt" for s in (0, 100, 200)]
    assert no_partials(run)
    info = json.loads((run / "run.json").read_text())
    assert list(info) == ["format", "version", "name", "created", "model", "probe_inputs", "probe_targets",
                          "parameters", "trainable_parameters", "frozen_parameters", "torch", "python"]
    assert info["format"] == "tangentscope-run" and info["version"] == 1 and info["name"] == "mlp-lr0.5"
    assert (info["model"], info["probe_inputs"], info["probe_targets"]) == ("model.pt", "probe_inputs.npy",
                                                                            "probe_targets.npy")
    assert info["parameters"] == info["trainable_parameters"] == 67 and info["frozen_parameters"] == 0
    assert info["created"].endswith("+00:00") and info["torch"] == torch.__version__

    lines = read_lines(run / "scalars.jsonl")
    assert [line["step"] for line in lines] == [0, 100, 200]
    for line in lines:
        assert list(line) == ["step", "time", "snapshot", "loss", "lr", "phase"]
        assert line["snapshot"] == f"snapshots/step-{line['step']:012d}.pt"
        assert line["lr"] == 0.5 and line["phase"] == "warm" and math.isfinite(line["loss"])
        assert abs(line["time"] - lines[0]["time"]) < 60
    for step, params in expected.items():
        saved = torch.load(run / "snapshots" / f"step-{step:012d}.pt")
        assert list(saved) == list(params)
        for name, value in params.items():
            assert saved[name].dtype == value.dtype and torch.equal(saved[name], value), (step, name)
    finished = json.loads((run / "finished").read_text())
    assert finished["snapshots"] == 3 and finished["last_step"] == 200 and "finished" in finished

    assert torch.equal(torch.from_numpy(np.load(run / "probe_inputs.npy")), x)
    assert torch.equal(torch.from_numpy(np.load(run / "probe_targets.npy")), y)
    meta = metadata(run / "model.pt")
    assert meta["format"] == "tangentscope-model" and meta["version"] == 1
    assert meta["input_shape"] == [4] and meta["input_dtype"] == "float" and meta["dtype"] == "float32"
    assert meta["output_shape"] == [3] and meta["output"] == "" and meta["class_names"] == ["a", "b", "c"]
    assert [g["name"] for g in meta["parameter_groups"]] == ["0", "2"] and "input_range" not in meta
    assert meta["made_by"]["tool"] == "tangentscope.RunLogger" and meta["made_by"]["how"] == "scripted"
    assert set(meta["made_by"]) >= {"tool", "how", "torch", "date"}


def test_model_file_reproduces_eager_model(tmp_path):
    model = mlp()
    x = torch.randn(5, 4)
    model.train()
    with RunLogger(tmp_path / "r", model, probe_inputs=x) as log:
        log.snapshot(0)
    assert model.training  # the user's model is left as it was
    loaded = torch.jit.load(str(tmp_path / "r" / "model.pt"))
    assert not loaded.training
    with torch.no_grad():
        assert torch.allclose(loaded(x), model(x), rtol=1e-6, atol=1e-7)
    assert json.loads((tmp_path / "r" / "run.json").read_text())["probe_targets"] is None
    assert not (tmp_path / "r" / "probe_targets.npy").exists()


def test_frozen_part(tmp_path):
    torch.manual_seed(1)
    model = Frozen()
    x, y = torch.randn(4, 6), torch.randn(4, 3)
    with RunLogger(tmp_path / "r", model, probe_inputs=x, probe_targets=y) as log:
        log.snapshot(1)
    saved = torch.load(tmp_path / "r" / "snapshots" / "step-000000000001.pt")
    assert sorted(saved) == ["head.bias", "head.weight"]
    frozen = 6 * 16 + 16
    info = json.loads((tmp_path / "r" / "run.json").read_text())
    meta = metadata(tmp_path / "r" / "model.pt")
    for d in (info, meta):
        assert (d["parameters"], d["trainable_parameters"], d["frozen_parameters"]) == (frozen + 51, 51, frozen)
    assert [g["frozen"] for g in meta["parameter_groups"]] == [frozen, 0]
    loaded = torch.jit.load(str(tmp_path / "r" / "model.pt"))
    assert {n: p.requires_grad for n, p in loaded.named_parameters()} == \
        {n: p.requires_grad for n, p in model.named_parameters()}
    assert torch.equal(torch.from_numpy(np.load(tmp_path / "r" / "probe_targets.npy")), y)


def test_tied_weights_once(tmp_path):
    torch.manual_seed(2)
    model = Tied()
    with RunLogger(tmp_path / "r", model, probe_inputs=torch.randn(3, 5)) as log:
        log.snapshot(0)
    saved = torch.load(tmp_path / "r" / "snapshots" / "step-000000000000.pt")
    assert sorted(saved) == ["embed.weight", "mid.bias", "mid.weight", "out.weight"]
    assert json.loads((tmp_path / "r" / "run.json").read_text())["parameters"] == 35 + 56 + 35


def test_batchnorm_buffers(tmp_path):
    torch.manual_seed(3)
    model = ConvBn()
    x = torch.randn(4, 2, 5, 5)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    before = model.bn.running_mean.clone()
    log = RunLogger(tmp_path / "r", model, probe_inputs=x)
    assert torch.equal(model.bn.running_mean, before)  # the checks ran on a copy in eval mode
    train_step(model, x, torch.tensor([0, 1, 2, 0]), opt)
    log.snapshot(5)
    log.close()
    saved = torch.load(tmp_path / "r" / "snapshots" / "step-000000000005.pt")
    assert "bn.running_mean" in saved and "bn.running_var" in saved and "bn.num_batches_tracked" not in saved
    assert torch.equal(saved["bn.running_mean"], model.bn.running_mean)
    assert not torch.equal(saved["bn.running_mean"], before)
    assert metadata(tmp_path / "r" / "model.pt")["input_shape"] == [2, 5, 5]


def test_tiny_gpt_int64_tokens(tmp_path):
    torch.manual_seed(4)
    model = TinyGpt()
    x = torch.randint(2, 9, (3, 6))
    targets = torch.roll(x, -1, dims=1)  # next-token class indices, one per position: [N, T]
    with pytest.raises(ValueError, match="probe_targets: integer targets .* shape \\[3, 6\\], not \\[3\\]"):
        RunLogger(tmp_path / "bad", model, probe_inputs=x, probe_targets=targets[:, 0])
    with RunLogger(tmp_path / "gpt", model, probe_inputs=x, probe_targets=targets) as log:
        log.snapshot(0, loss=torch.tensor(2.5))
    assert torch.equal(torch.from_numpy(np.load(tmp_path / "gpt" / "probe_targets.npy")), targets)
    meta = metadata(tmp_path / "gpt" / "model.pt")
    assert meta["input_dtype"] == "int64" and meta["input_shape"] == [6]
    assert meta["input_range"] == [int(x.min()), int(x.max()) + 1]
    assert meta["output_shape"] == [6, 11] and meta["made_by"]["how"] == "scripted"
    saved = torch.load(tmp_path / "gpt" / "snapshots" / "step-000000000000.pt")
    assert "mask" not in saved and "tok.weight" in saved and "head.weight" not in saved  # tied: once
    probe = np.load(tmp_path / "gpt" / "probe_inputs.npy")
    assert probe.dtype == np.int64 and torch.equal(torch.from_numpy(probe), x)
    assert read_lines(tmp_path / "gpt" / "scalars.jsonl")[0]["loss"] == 2.5
    loaded = torch.jit.load(str(tmp_path / "gpt" / "model.pt"))
    with torch.no_grad():
        assert torch.allclose(loaded(x), model.eval()(x), rtol=1e-5, atol=1e-6)


def test_tuple_output_selection(tmp_path):
    torch.manual_seed(5)
    model, x = TwoOutputs(), torch.randn(4, 3)
    with pytest.raises(ValueError, match="output: the model returns a tuple"):
        RunLogger(tmp_path / "a", model, probe_inputs=x)
    with pytest.raises(ValueError, match="output='2'.*not an index below 2"):
        RunLogger(tmp_path / "b", model, probe_inputs=x, output="2")
    with pytest.raises(ValueError, match="output: the first axis of output '1' is not the batch"):
        RunLogger(tmp_path / "c", model, probe_inputs=x, output="1")
    assert not (tmp_path / "a" / "run.json").exists()
    with RunLogger(tmp_path / "d", model, probe_inputs=x, output="0") as log:
        log.snapshot(0)
    meta = metadata(tmp_path / "d" / "model.pt")
    assert meta["output"] == "0" and meta["output_shape"] == [4]


def test_step_must_increase(tmp_path):
    with RunLogger(tmp_path / "r", mlp(), probe_inputs=torch.randn(2, 4)) as log:
        log.snapshot(10)
        with pytest.raises(ValueError, match="step 10 is not after the last snapshot's step 10"):
            log.snapshot(10)
        with pytest.raises(ValueError, match="step 3 is not after"):
            log.snapshot(3)
        with pytest.raises(TypeError, match="step must be an int"):
            log.snapshot(11.0)
        with pytest.raises(ValueError, match="outside"):
            log.snapshot(-1)
        log.snapshot(11)
    assert [line["step"] for line in read_lines(tmp_path / "r" / "scalars.jsonl")] == [10, 11]


def test_overwrite(tmp_path):
    run = tmp_path / "r"
    with RunLogger(run, mlp(), probe_inputs=torch.randn(2, 4)) as log:
        log.snapshot(7)
    with pytest.raises(ValueError, match=f"path: {run} already holds a run"):
        RunLogger(run, mlp(), probe_inputs=torch.randn(2, 4))
    (run / "metrics.jsonl").write_text("{}\n")
    with RunLogger(run, mlp(), probe_inputs=torch.randn(3, 4), overwrite=True) as log:
        assert not (run / "finished").exists() and not (run / "metrics.jsonl").exists()
        assert os.listdir(run / "snapshots") == [] and not (run / "scalars.jsonl").exists()
        log.snapshot(1)
    assert os.listdir(run / "snapshots") == ["step-000000000001.pt"]
    assert np.load(run / "probe_inputs.npy").shape == (3, 4)
    # An earlier run's snapshots without its run.json would mix with the new run's: refused as well.
    (run / "run.json").unlink()
    with pytest.raises(ValueError, match="holds files of an earlier run"):
        RunLogger(run, mlp(), probe_inputs=torch.randn(2, 4))


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes in read-only folders")
def test_unwritable_folder(tmp_path):
    parent = tmp_path / "ro"
    parent.mkdir()
    parent.chmod(0o555)
    try:
        with pytest.raises(PermissionError, match=str(parent / "r")):
            RunLogger(parent / "r", mlp(), probe_inputs=torch.randn(2, 4))
        parent.chmod(0o755)
        (parent / "r").mkdir()
        (parent / "r").chmod(0o555)
        with pytest.raises(PermissionError, match="model.pt"):
            RunLogger(parent / "r", mlp(), probe_inputs=torch.randn(2, 4))
    finally:
        parent.chmod(0o755)
        if (parent / "r").exists():
            (parent / "r").chmod(0o755)


def test_folder_under_a_file(tmp_path):
    (tmp_path / "f").write_text("x")
    with pytest.raises(ValueError, match="exists and is not a folder"):
        RunLogger(tmp_path / "f", mlp(), probe_inputs=torch.randn(2, 4))
    with pytest.raises(OSError, match=str(tmp_path / "f" / "r")):
        RunLogger(tmp_path / "f" / "r", mlp(), probe_inputs=torch.randn(2, 4))


def test_writer_error_surfaces_at_close(tmp_path):
    run = tmp_path / "r"
    log = RunLogger(run, mlp(), probe_inputs=torch.randn(2, 4))
    log.snapshot(0, loss=1.0)
    deadline = time.monotonic() + 10
    while log._writer.written < 1 and time.monotonic() < deadline:  # the first snapshot is on disk first
        time.sleep(0.01)
    (run / "snapshots" / "step-000000000000.pt").unlink()
    (run / "snapshots").rmdir()
    (run / "snapshots").write_text("not a folder")
    log.snapshot(1, loss=0.5)
    with pytest.raises(OSError, match=r"cannot write .*snapshots/step-000000000001\.pt"):
        log.close()
    log.close()  # reported once; the run stays unfinished
    assert not (run / "finished").exists()
    assert [line["step"] for line in read_lines(run / "scalars.jsonl")] == [0]
    with pytest.raises(RuntimeError, match="closed"):
        log.snapshot(2)


def test_scalars(tmp_path):
    with RunLogger(tmp_path / "r", mlp(), probe_inputs=torch.randn(2, 4)) as log:
        log.snapshot(0, loss=float("nan"), grad=float("inf"), acc=np.float32(0.25), n=np.int64(3),
                     t=torch.tensor(1.5), ok=True, note=None)
        with pytest.raises(ValueError, match="'time' is a field"):
            log.snapshot(1, time=3)
        with pytest.raises(TypeError, match="scalar 'v' is a tensor of shape \\[2\\]"):
            log.snapshot(1, v=torch.ones(2))
        with pytest.raises(TypeError, match="scalar 'd' is a dict"):
            log.snapshot(1, d={})
        log.snapshot(1)
    first, second = read_lines(tmp_path / "r" / "scalars.jsonl")
    assert first["loss"] is None and first["grad"] is None and first["acc"] == 0.25 and first["n"] == 3
    assert first["t"] == 1.5 and first["ok"] is True and first["note"] is None
    assert list(second) == ["step", "time", "snapshot"]
    assert "NaN" not in (tmp_path / "r" / "scalars.jsonl").read_text()


def test_context_manager_exception_leaves_run_unfinished(tmp_path):
    model = mlp()
    with pytest.raises(KeyError):
        with RunLogger(tmp_path / "r", model, probe_inputs=torch.randn(2, 4)) as log:
            for step in range(3):
                log.snapshot(step)
            raise KeyError("crash")
    assert not (tmp_path / "r" / "finished").exists()
    assert len(os.listdir(tmp_path / "r" / "snapshots")) == 3  # the pending snapshots were written
    assert len(read_lines(tmp_path / "r" / "scalars.jsonl")) == 3
    log.close()  # already closed by the exit: nothing more
    assert not (tmp_path / "r" / "finished").exists()


def test_argument_errors(tmp_path):
    x = torch.randn(3, 4)
    with pytest.raises(TypeError, match="model: a torch.nn.Module"):
        RunLogger(tmp_path / "r", lambda v: v, probe_inputs=x)
    with pytest.raises(TypeError, match="probe_inputs: a torch.Tensor.*from_numpy"):
        RunLogger(tmp_path / "r", mlp(), probe_inputs=x.numpy())
    with pytest.raises(ValueError, match="probe_inputs: shape \\[\\] has no batch"):
        RunLogger(tmp_path / "r", mlp(), probe_inputs=torch.tensor(1.0))
    with pytest.raises(TypeError, match="probe_inputs: float16"):
        RunLogger(tmp_path / "r", mlp(), probe_inputs=x.half())
    with pytest.raises(ValueError, match="probe_targets: shape \\[2\\]: its first axis must be the 3"):
        RunLogger(tmp_path / "r", mlp(), probe_inputs=x, probe_targets=torch.tensor([0, 1]))
    with pytest.raises(ValueError, match="probe_targets: class indices must lie in \\[0, 3\\)"):
        RunLogger(tmp_path / "r", mlp(), probe_inputs=x, probe_targets=torch.tensor([0, 1, 3]))
    with pytest.raises(ValueError, match="probe_targets: float targets .* shape \\[3, 3\\], not \\[3\\]"):
        RunLogger(tmp_path / "r", mlp(), probe_inputs=x, probe_targets=torch.randn(3))
    with pytest.raises(ValueError, match="probe_inputs: the model rejects a batch of shape \\[3, 5\\]"):
        RunLogger(tmp_path / "r", mlp(), probe_inputs=torch.randn(3, 5))
    with pytest.raises(ValueError, match="probe_inputs: .*float64, the model's parameters float32"):
        RunLogger(tmp_path / "r", mlp(), probe_inputs=x.double())
    with pytest.raises(ValueError, match="class_names: 2 names for a model with 3 outputs"):
        RunLogger(tmp_path / "r", mlp(), probe_inputs=x, class_names=["a", "b"])
    frozen = mlp().requires_grad_(False)
    with pytest.raises(ValueError, match="model: every parameter .* requires_grad=False"):
        RunLogger(tmp_path / "r", frozen, probe_inputs=x)
    assert not (tmp_path / "r").exists()  # nothing is created before the arguments are checked


def test_float64_model(tmp_path):
    model = mlp().double()
    x = torch.randn(3, 4, dtype=torch.float64)
    with RunLogger(tmp_path / "r", model, probe_inputs=x) as log:
        log.snapshot(0)
    assert metadata(tmp_path / "r" / "model.pt")["dtype"] == "float64"
    assert np.load(tmp_path / "r" / "probe_inputs.npy").dtype == np.float64
    saved = torch.load(tmp_path / "r" / "snapshots" / "step-000000000000.pt")
    assert saved["0.weight"].dtype == torch.float64


class Unscriptable(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 2)

    def forward(self, *inputs):  # varargs: TorchScript cannot compile it
        return self.fc(inputs[0])


def test_trace_fallback_warns(tmp_path):
    torch.manual_seed(6)
    model, x = Unscriptable(), torch.randn(3, 4)
    with pytest.warns(UserWarning, match="torch.jit.script failed .* traced on the probe inputs"):
        log = RunLogger(tmp_path / "r", model, probe_inputs=x)
    log.close()
    assert metadata(tmp_path / "r" / "model.pt")["made_by"]["how"] == "traced"
    loaded = torch.jit.load(str(tmp_path / "r" / "model.pt"))
    with torch.no_grad():
        assert torch.allclose(loaded(x), model(x))


@pytest.mark.parametrize("tensor", [
    torch.randn(3, 4), torch.randn(2, 3, 5, dtype=torch.float64), torch.randint(-5, 50000, (4, 7)),
    torch.arange(10), torch.randn(1), torch.randn(0, 3), torch.randn(5, 4).t(), torch.tensor(2.0),
    torch.randint(0, 9, (1000, 3)), torch.zeros(3, dtype=torch.int32), torch.ones(2, dtype=torch.bool),
])
def test_npy_writer_matches_numpy(tensor):
    plain = _files.npy_bytes_plain(tensor)
    ref = io.BytesIO()
    np.save(ref, tensor.contiguous().numpy(), allow_pickle=False)
    loaded = np.load(io.BytesIO(plain), allow_pickle=False)
    assert loaded.dtype == tensor.contiguous().numpy().dtype and loaded.shape == tuple(tensor.shape)
    assert np.array_equal(loaded, tensor.numpy())
    if hasattr(np.lib.format, "GROWTH_AXIS_MAX_DIGITS"):  # NumPy >= 1.23 pads the header as the writer does
        assert plain == ref.getvalue()
    assert len(plain) >= 64 and (len(plain) - tensor.numel() * tensor.element_size()) % 64 == 0


def test_run_without_numpy(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "numpy", None)  # `import numpy` now raises ImportError
    x, y = torch.randn(3, 4), torch.tensor([2, 0, 1])
    with RunLogger(tmp_path / "r", mlp(), probe_inputs=x, probe_targets=y) as log:
        log.snapshot(0)
    monkeypatch.undo()
    assert np.array_equal(np.load(tmp_path / "r" / "probe_inputs.npy"), x.numpy())
    assert np.array_equal(np.load(tmp_path / "r" / "probe_targets.npy"), y.numpy())


def test_writer_error_surfaces_at_next_snapshot(tmp_path, recwarn):
    run = tmp_path / "r"
    with pytest.raises(OSError, match=r"snapshots/step-000000000001\.pt"):
        with RunLogger(run, mlp(), probe_inputs=torch.randn(2, 4)) as log:
            (run / "snapshots").rmdir()
            (run / "snapshots").write_text("not a folder")
            log.snapshot(1)
            deadline = time.monotonic() + 10
            while log._writer.error is None and time.monotonic() < deadline:
                time.sleep(0.01)
            log.snapshot(2)  # raises the failure of step 1
    assert not (run / "finished").exists() and not (run / "scalars.jsonl").exists()
    assert not [w for w in recwarn if "cannot write" in str(w.message)]  # raised once, not warned again
