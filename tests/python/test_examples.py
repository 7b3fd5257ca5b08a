"""The training examples (examples/) as a user runs them: a few steps write a complete run folder (docs/FORMATS.md,
"Run folders"), which tangentscope-cli watch reads when it is built.

    PYTHONPATH=python python3 -m pytest -q tests/python/test_examples.py      (CTest: python_package)

Skipped without the digits file (scripts/fetch-data digits writes data/sklearn/digits.csv.gz).
"""
import json
import os
import subprocess
import sys

import pytest

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "python"))
from tangentscope.analyze import find_cli  # noqa: E402

DATA = os.environ.get("TS_DATA_DIR") or os.path.join(ROOT, "data")
DIGITS = os.path.join(DATA, "sklearn", "digits.csv.gz")
needs_digits = pytest.mark.skipif(not os.path.isfile(DIGITS),
                                  reason=f"{DIGITS} is absent (scripts/fetch-data digits writes it)")
SCALARS = ("train_loss", "train_accuracy", "test_loss", "test_accuracy", "lr")


def run_example(name, out, *args):
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "python"), OMP_NUM_THREADS="1")
    proc = subprocess.run([sys.executable, os.path.join(ROOT, "examples", name), "--out", str(out),
                           "--data-dir", DATA, *args], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, timeout=120)
    text = proc.stdout.decode("utf-8", "replace")
    assert proc.returncode == 0, text
    return text


def check_run(out, steps, probe):
    with open(out / "run.json") as f:
        run = json.load(f)
    assert run["format"] == "tangentscope-run" and run["probe_targets"] == "probe_targets.npy"
    for name in ("model.pt", "probe_inputs.npy", "probe_targets.npy", "finished"):
        assert (out / name).is_file(), name
    with open(out / "scalars.jsonl") as f:
        lines = [json.loads(line) for line in f]
    assert [line["step"] for line in lines] == steps
    for line in lines:
        assert (out / line["snapshot"]).is_file()
        assert all(isinstance(line[k], float) for k in SCALARS), line
    assert sorted(os.listdir(out / "snapshots")) == [f"step-{s:012d}.pt" for s in steps]
    with open(out / "finished") as f:
        assert json.load(f)["snapshots"] == len(steps)
    import numpy as np
    assert np.load(out / "probe_inputs.npy").shape[0] == probe
    assert not [f for _, _, fs in os.walk(out) for f in fs if f.endswith(".partial")]


@needs_digits
def test_mlp_digits_writes_a_complete_run(tmp_path):
    out = tmp_path / "mlp"
    text = run_example("mlp_digits.py", out, "--steps", "5", "--every", "2", "--probe", "6", "--width", "8")
    assert f"watch {out} --follow" in text
    check_run(out, [0, 2, 4, 5], 6)
    # The run as tangentscope-cli watch reads it, when the tool is built.
    try:
        cli = find_cli()
    except FileNotFoundError:
        return
    proc = subprocess.run([cli, "watch", str(out), "--json", "--matvecs", "8"], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, timeout=120)
    assert proc.returncode == 0, proc.stderr.decode()
    rows = [json.loads(line) for line in proc.stdout.decode().splitlines() if line.strip()]
    assert [r["step"] for r in rows] == [0, 2, 4, 5]
    names = {m["metric"] for m in rows[-1]["metrics"]}
    assert {"trace", "frobenius", "target_alignment", "alignment_first"} <= names


@needs_digits
def test_resnet_digits_writes_a_complete_run(tmp_path):
    out = tmp_path / "resnet"
    run_example("resnet_digits.py", out, "--steps", "2", "--every", "2", "--probe", "4", "--width", "4")
    check_run(out, [0, 2], 4)
