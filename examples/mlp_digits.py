#!/usr/bin/env python3
"""Train an MLP on scikit-learn's digits and log the run for TangentScope.

    PYTHONPATH=python python3 examples/mlp_digits.py --out runs/mlp_digits
    build/app/tangentscope-cli watch runs/mlp_digits --follow      # the NTK of every snapshot, in another shell

The digits (1,797 images of 8x8 pixels, 0-16, ten classes) are read from DATA/sklearn/digits.csv.gz, which
`scripts/fetch-data digits` writes: 64 pixel columns and then the label, no header. DATA is --data-dir, else
$TS_DATA_DIR, else the checkout's data/. A seeded fifth of the images is held out; the probe batch the kernel is
taken on is --probe training images with their labels (for the kernel-target alignment). Every --every steps the
logger records the weights with the loss and accuracy on the whole training split and on the held-out split.
"""
import argparse
import gzip
import os
import shutil
import sys
import time

import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
try:
    from tangentscope import RunLogger
except ImportError:  # run from the checkout without PYTHONPATH=python
    sys.path.insert(0, os.path.join(HERE, "..", "python"))
    from tangentscope import RunLogger


def data_dir(given):
    return given or os.environ.get("TS_DATA_DIR") or os.path.join(HERE, "..", "data")


def load_digits(folder):
    """(inputs [1797, 64] float32 in [0, 1], labels [1797] int64) from DATA/sklearn/digits.csv.gz."""
    path = os.path.join(folder, "sklearn", "digits.csv.gz")
    if not os.path.isfile(path):
        sys.exit(f"mlp_digits: {path} not found; run scripts/fetch-data digits (or give --data-dir)")
    with gzip.open(path, "rt") as f:
        rows = [[float(v) for v in line.split(",")] for line in f if line.strip()]
    table = torch.tensor(rows)
    return table[:, :64] / 16.0, table[:, 64].long()


def watch_command(run):
    """How to watch the run from here: $TANGENTSCOPE_CLI, tangentscope-cli on PATH, else the checkout's build."""
    cli = os.environ.get("TANGENTSCOPE_CLI")
    if not cli:
        cli = "tangentscope-cli" if shutil.which("tangentscope-cli") else \
            os.path.relpath(os.path.join(HERE, "..", "build", "app", "tangentscope-cli"))
    return f"{cli} watch {run} --follow"


def evaluate(model, x, y):
    model.eval()
    with torch.no_grad():
        out = model(x)
        loss = nn.functional.cross_entropy(out, y).item()
        accuracy = (out.argmax(1) == y).double().mean().item()
    model.train()
    return loss, accuracy


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--lr", type=float, default=0.05, help="SGD learning rate (default 0.05, momentum 0.9)")
    p.add_argument("--width", type=int, default=128, help="hidden units per layer (default 128)")
    p.add_argument("--depth", type=int, default=2, help="hidden layers (default 2)")
    p.add_argument("--steps", type=int, default=1000, help="training steps (default 1000)")
    p.add_argument("--every", type=int, default=100, help="a snapshot every N steps, and at the last (default 100)")
    p.add_argument("--batch", type=int, default=64, help="mini-batch size (default 64)")
    p.add_argument("--probe", type=int, default=100, help="probe batch size: the inputs the kernel is taken on "
                                                          "(default 100)")
    p.add_argument("--seed", type=int, default=0, help="seed of the split, the initialisation and the batches")
    p.add_argument("--out", default="runs/mlp_digits", help="the run folder (default runs/mlp_digits)")
    p.add_argument("--overwrite", action="store_true", help="replace an earlier run in --out")
    p.add_argument("--data-dir", default=None, help="where sklearn/digits.csv.gz is (default $TS_DATA_DIR or data/)")
    args = p.parse_args(argv)
    for name in ("width", "depth", "steps", "every", "batch", "probe"):
        if getattr(args, name) < 1:
            p.error(f"--{name} must be at least 1")

    torch.manual_seed(args.seed)
    x, y = load_digits(data_dir(args.data_dir))
    order = torch.randperm(len(y))
    held = len(y) // 5
    x_test, y_test = x[order[:held]], y[order[:held]]
    x_train, y_train = x[order[held:]], y[order[held:]]
    if args.probe > len(y_train):
        p.error(f"--probe {args.probe}: the training split has {len(y_train)} images")
    probe = torch.randperm(len(y_train))[:args.probe]

    layers, width_in = [], 64
    for _ in range(args.depth):
        layers += [nn.Linear(width_in, args.width), nn.ReLU()]
        width_in = args.width
    model = nn.Sequential(*layers, nn.Linear(width_in, 10))
    opt = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9)

    start = time.time()
    with RunLogger(args.out, model, probe_inputs=x_train[probe], probe_targets=y_train[probe],
                   class_names=[str(c) for c in range(10)], overwrite=args.overwrite) as log:
        print(f"run: {log.path} ({sum(p.numel() for p in model.parameters()):,} parameters, probe batch "
              f"{args.probe}, a snapshot every {args.every} steps)")
        print(f"watch it: {watch_command(args.out)}", flush=True)
        gen = torch.Generator().manual_seed(args.seed + 1)
        for step in range(args.steps + 1):
            if step % args.every == 0 or step == args.steps:
                train_loss, train_acc = evaluate(model, x_train, y_train)
                test_loss, test_acc = evaluate(model, x_test, y_test)
                log.snapshot(step, train_loss=train_loss, train_accuracy=train_acc, test_loss=test_loss,
                             test_accuracy=test_acc, lr=args.lr)
                print(f"step {step:5d}  train loss {train_loss:.4f} accuracy {train_acc:.3f}  held-out loss "
                      f"{test_loss:.4f} accuracy {test_acc:.3f}", flush=True)
            if step == args.steps:
                break
            index = torch.randint(len(y_train), (args.batch,), generator=gen)
            loss = nn.functional.cross_entropy(model(x_train[index]), y_train[index])
            opt.zero_grad()
            loss.backward()
            opt.step()
    print(f"done in {time.time() - start:.1f} s: {log.path}")
    print(f"NTK metrics of every snapshot: {watch_command(args.out).replace(' --follow', '')}")


if __name__ == "__main__":
    main()
