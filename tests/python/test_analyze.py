"""tangentscope.analyze against PyTorch: the metrics tangentscope-cli computes on a small model equal those of the
kernel K = J Jᵀ formed here with torch.autograd over the trainable parameters.

    PYTHONPATH=python TANGENTSCOPE_CLI=build/app/tangentscope-cli python3 -m pytest -q tests/python
    (CTest: python_package, which sets both)

The tests that run the tool are skipped when it cannot be found (not built, no TANGENTSCOPE_CLI).
"""
import copy
import os
import sys
import tempfile

import pytest
import torch
from torch import nn

try:
    import tangentscope  # noqa: F401
except ImportError:  # run from a checkout without PYTHONPATH=python
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "python"))
from tangentscope import analyze  # noqa: E402
from tangentscope.analyze import find_cli  # noqa: E402

torch.set_num_threads(1)
REL = 1e-10


@pytest.fixture(scope="module")
def cli():
    try:
        return find_cli()
    except FileNotFoundError as e:
        pytest.skip(f"tangentscope-cli not found (build it with ./scripts/build, or set TANGENTSCOPE_CLI): {e}")


def mlp(seed=0, width=16, dtype=torch.float64):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(5, width), nn.Tanh(), nn.Linear(width, 3)).to(dtype)


def batch(n=10, seed=1):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, 5, generator=g, dtype=torch.float64)


def kernel(model, x):
    """K = J Jᵀ over the trainable parameters, rows n·O + k (as TangentScope orders them)."""
    model = copy.deepcopy(model).double().eval()
    params = [p for p in model.parameters() if p.requires_grad]
    out = model(x.double()).reshape(-1)
    rows = []
    for i in range(out.numel()):
        grads = torch.autograd.grad(out[i], params, retain_graph=True)
        rows.append(torch.cat([g.reshape(-1) for g in grads]))
    J = torch.stack(rows)
    return J @ J.T


def fro(K):
    return float(torch.linalg.norm(K))


def close(got, want, rel=REL):
    return abs(got - want) <= rel * abs(want)


def trained_copy(model, x, steps=3):
    """A later snapshot of the same architecture: a few SGD steps away."""
    other = copy.deepcopy(model)
    opt = torch.optim.SGD(other.parameters(), lr=0.5)
    y = torch.arange(x.shape[0]) % 3
    for _ in range(steps):
        loss = nn.functional.cross_entropy(other(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return other


def test_exact_matches_pytorch(cli):
    model, x = mlp(), batch()
    K = kernel(model, x)
    r = analyze(model, x, metrics=("trace", "frobenius", "effective_rank"), exact=True, cli=cli)
    tr, f = float(K.trace()), fro(K)
    assert r["d"] == 30 and r["params"] == sum(p.numel() for p in model.parameters())
    assert close(r["trace"]["exact"], tr) and close(r["frobenius"]["exact"], f)
    assert close(r["effective_rank"]["exact"], tr * tr / (f * f))
    for name in ("trace", "frobenius", "effective_rank"):
        assert set(r[name]) >= {"value", "std_error", "method", "exact", "rel_error"}
    # The exact estimator: the value itself is exact and carries no error bar.
    e = analyze(model, x, metrics=["trace", "frobenius"], estimator="exact", cli=cli)
    assert e["trace"]["method"] == "exact" and e["trace"]["std_error"] is None
    assert close(e["trace"]["value"], tr) and close(e["frobenius"]["value"], f)
    config = r["config"]
    assert config["exact"] is True and config["estimator"] == "hutchpp" and config["budget"] == 96
    assert " metrics " in config["command"] and "--exact" in config["command"] and "--json" in config["command"]
    assert config["cli"] == cli and config["cli_config"]["problem"]["compute"]["dtype"] == "float64"


def test_estimate_within_its_error_bar(cli):
    model, x = mlp(), batch()
    K = kernel(model, x)
    r = analyze(model, x, metrics=("trace", "frobenius"), budget=12, seed=3, cli=cli)
    for name, want in (("trace", float(K.trace())), ("frobenius", fro(K))):
        m = r[name]
        assert m["method"] == "hutchpp" and m["exact"] is None
        assert m["std_error"] > 0
        assert abs(m["value"] - want) <= 4 * m["std_error"], (name, m, want)
    # The same seed gives the same numbers; another seed other ones.
    again = analyze(model, x, metrics=("trace", "frobenius"), budget=12, seed=3, cli=cli)
    assert again["trace"]["value"] == r["trace"]["value"]


def test_alignment_and_distance_with_a_second_snapshot(cli):
    model, x = mlp(), batch()
    later = trained_copy(model, x)
    K1, K2 = kernel(model, x), kernel(later, x)
    cos = float((K1 * K2).sum()) / (fro(K1) * fro(K2))
    dist = fro(K1 - K2) / fro(K2)
    r = analyze(model, x, metrics=("alignment", "distance"), model_b=later, estimator="exact", cli=cli)
    assert close(r["alignment"]["value"], cos) and close(r["distance"]["value"], dist)
    assert 0.5 < cos < 1 - 1e-6
    # distance alone (the tool computes the alignment with it; only distance comes back), and model_b as a
    # state dict of the model (a RunLogger snapshot).
    d = analyze(model, x, metrics=["distance"], model_b=later.state_dict(), estimator="exact", cli=cli)
    assert list(k for k in d if k not in ("d", "params", "config")) == ["distance"]
    assert close(d["distance"]["value"], dist)


def test_frozen_layer_stays_out(cli):
    model, x = mlp(), batch()
    model[0].weight.requires_grad_(False)
    K = kernel(model, x)  # over the trainable parameters only
    K_all = kernel(mlp(), x)
    r = analyze(model, x, metrics=("trace", "frobenius"), estimator="exact", cli=cli)
    assert r["params"] == sum(p.numel() for p in model.parameters() if p.requires_grad) == 16 + 16 * 3 + 3
    assert close(r["trace"]["value"], float(K.trace())) and close(r["frobenius"]["value"], fro(K))
    assert not close(r["trace"]["value"], float(K_all.trace()), 1e-3)
    assert r["config"]["model"]["frozen_parameters"] == 5 * 16


def test_target_alignment_class_indices_and_floats(cli):
    model, x = mlp(), batch()
    K = kernel(model, x)
    labels = torch.arange(10) % 3
    y = nn.functional.one_hot(labels, 3).double().reshape(-1)
    want = float(y @ K @ y) / (fro(K) * float(y @ y))
    r = analyze(model, x, metrics=["target_alignment"], targets=labels, estimator="exact", cli=cli)
    assert r["config"]["targets"] == "class indices" and close(r["target_alignment"]["value"], want)
    # Float targets (regression) of the output's shape: by the tool's K y product.
    g = torch.Generator().manual_seed(5)
    t = torch.randn(10, 3, generator=g).float()  # float32 targets, taken in float64
    tv = t.double().reshape(-1)
    want_f = float(tv @ K @ tv) / (fro(K) * float(tv @ tv))
    f = analyze(model, x, metrics=["trace", "target_alignment"], targets=t, exact=True, cli=cli)
    assert f["config"]["targets"] == "floats" and len(f["config"]["commands"]) == 2
    assert close(f["target_alignment"]["exact"], want_f) and "frobenius" not in f
    est = analyze(model, x, metrics=["target_alignment"], targets=t, budget=12, cli=cli)
    ta = est["target_alignment"]
    assert ta["std_error"] > 0 and abs(ta["value"] - want_f) <= 4 * ta["std_error"]


def test_float32_model_computed_in_float64(cli):
    model, x = mlp(dtype=torch.float32), batch().float()
    K = kernel(model, x)  # the float32 weights, taken exactly in float64
    r = analyze(model, x, metrics=["trace"], estimator="exact", cli=cli)
    assert r["config"]["model"]["dtype"] == "float32" and r["config"]["dtype"] == "float64"
    assert close(r["trace"]["value"], float(K.trace()), 1e-6)


def test_bad_arguments_name_the_argument():
    model, x = mlp(), batch()
    with pytest.raises(ValueError, match="metrics: 'nuclear' is not a metric"):
        analyze(model, x, metrics=("trace", "nuclear"))
    with pytest.raises(ValueError, match="model_b"):
        analyze(model, x, metrics=("alignment",))
    with pytest.raises(ValueError, match="targets"):
        analyze(model, x, metrics=("target_alignment",))
    with pytest.raises(ValueError, match="estimator"):
        analyze(model, x, estimator="magic")
    with pytest.raises(ValueError, match="budget"):
        analyze(model, x, budget=0)
    with pytest.raises(ValueError, match="dtype"):
        analyze(model, x, dtype="float16")
    with pytest.raises(TypeError, match="inputs"):
        analyze(model, [[1.0] * 5])


def test_missing_cli_says_how_to_get_it(monkeypatch, tmp_path):
    model, x = mlp(), batch()
    missing = str(tmp_path / "nowhere" / "tangentscope-cli")
    with pytest.raises(FileNotFoundError, match="TANGENTSCOPE_CLI") as e:
        analyze(model, x, cli=missing)
    assert "scripts/build" in str(e.value)
    monkeypatch.setenv("TANGENTSCOPE_CLI", missing)
    with pytest.raises(FileNotFoundError, match="TANGENTSCOPE_CLI"):
        analyze(model, x)


def test_cli_error_and_temporary_folder_removed(cli, monkeypatch, tmp_path):
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))
    model, x = mlp(), batch()
    analyze(model, x, metrics=["trace"], budget=8, cli=cli)
    assert list(tmp.iterdir()) == []
    # Another architecture as model_b: the tool refuses it; its one-line message is the RuntimeError's.
    with pytest.raises(RuntimeError, match=r"^tangentscope-cli: error: .*one architecture") as e:
        analyze(model, x, metrics=["alignment"], model_b=mlp(width=7), cli=cli)
    assert e.value.returncode == 1 and "\n" not in str(e.value)
    assert list(tmp.iterdir()) == []
