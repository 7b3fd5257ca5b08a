#!/usr/bin/env python3
"""Train a small ResNet on the digits images (or CIFAR-10) and log the run for TangentScope.

    PYTHONPATH=python python3 examples/resnet_digits.py --out runs/resnet_digits
    PYTHONPATH=python python3 examples/resnet_digits.py --dataset cifar10 --out runs/resnet_cifar10
    build/app/tangentscope-cli watch runs/resnet_digits --follow      # the NTK of every snapshot, in another shell

The network: a 3x3 convolution stem, two stages of --blocks residual blocks (conv-BN-ReLU-conv-BN plus the
shortcut, a 1x1 convolution with BatchNorm where the second stage halves the resolution and doubles the width),
global average pooling and a linear layer. It trains with BatchNorm in training mode; the logger keeps the
model file in evaluation mode, so TangentScope takes the kernel with the running statistics each snapshot holds.

Data (DATA is --data-dir, else $TS_DATA_DIR, else the checkout's data/):
  digits   DATA/sklearn/digits.csv.gz (`scripts/fetch-data digits`): 1,797 images 1x8x8, a seeded fifth held out.
  cifar10  DATA/cifar-10-batches-bin (CIFAR-10's binary version, unpacked): data_batch_1..5.bin and test_batch.bin,
           records of a label byte and 3,072 pixel bytes; --train-n images of the training batches (default 5,000)
           and 1,000 of the test batch, scaled to [0, 1].
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

CIFAR_CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]


def data_dir(given):
    return given or os.environ.get("TS_DATA_DIR") or os.path.join(HERE, "..", "data")


def load_digits(folder, seed):
    """((x_train, y_train), (x_test, y_test), class names): images [N, 1, 8, 8] in [0, 1], a seeded fifth held out."""
    path = os.path.join(folder, "sklearn", "digits.csv.gz")
    if not os.path.isfile(path):
        sys.exit(f"resnet_digits: {path} not found; run scripts/fetch-data digits (or give --data-dir)")
    with gzip.open(path, "rt") as f:
        rows = [[float(v) for v in line.split(",")] for line in f if line.strip()]
    table = torch.tensor(rows)
    x, y = (table[:, :64] / 16.0).reshape(-1, 1, 8, 8), table[:, 64].long()
    order = torch.randperm(len(y), generator=torch.Generator().manual_seed(seed))
    held = len(y) // 5
    return (x[order[held:]], y[order[held:]]), (x[order[:held]], y[order[:held]]), [str(c) for c in range(10)]


def read_cifar_batch(path, limit):
    """Up to `limit` records of a CIFAR-10 binary batch: (images [n, 3, 32, 32] in [0, 1], labels [n])."""
    record = 1 + 3 * 32 * 32
    with open(path, "rb") as f:
        data = f.read(record * limit)
    n = len(data) // record
    raw = torch.frombuffer(bytearray(data[:n * record]), dtype=torch.uint8).reshape(n, record)
    return raw[:, 1:].reshape(n, 3, 32, 32).float() / 255.0, raw[:, 0].long()


def load_cifar10(folder, train_n):
    """The first train_n images of the training batches and the first 1,000 of the test batch, with the class names."""
    root = os.path.join(folder, "cifar-10-batches-bin")
    files = [os.path.join(root, f"data_batch_{i}.bin") for i in range(1, 6)]
    test_file = os.path.join(root, "test_batch.bin")
    present = [f for f in files if os.path.isfile(f)]
    if not present or not os.path.isfile(test_file):
        sys.exit(f"resnet_digits: CIFAR-10's binary batches are not in {root} (data_batch_1.bin … and "
                 "test_batch.bin, from cifar-10-binary.tar.gz); give --data-dir, or use --dataset digits")
    xs, ys, left = [], [], train_n
    for f in present:
        if left <= 0:
            break
        x, y = read_cifar_batch(f, left)
        xs.append(x)
        ys.append(y)
        left -= len(y)
    x_test, y_test = read_cifar_batch(test_file, 1000)
    names = CIFAR_CLASSES
    meta = os.path.join(root, "batches.meta.txt")
    if os.path.isfile(meta):
        with open(meta) as f:
            read = [line.strip() for line in f if line.strip()]
        names = read[:10] if len(read) >= 10 else names
    return (torch.cat(xs), torch.cat(ys)), (x_test, y_test), names


class Block(nn.Module):
    """A basic residual block: relu(bn(conv(relu(bn(conv(x))))) + shortcut(x))."""

    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        if stride != 1 or cin != cout:
            self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, 1, stride=stride, bias=False), nn.BatchNorm2d(cout))
        else:
            self.shortcut = nn.Sequential()  # the identity, and scriptable

    def forward(self, x):
        out = torch.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return torch.relu(out + self.shortcut(x))


class SmallResNet(nn.Module):
    def __init__(self, channels, width, blocks, classes=10):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(channels, width, 3, padding=1, bias=False), nn.BatchNorm2d(width),
                                  nn.ReLU())
        stage1 = [Block(width, width, 1) for _ in range(blocks)]
        stage2 = [Block(width, 2 * width, 2)] + [Block(2 * width, 2 * width, 1) for _ in range(blocks - 1)]
        self.stage1 = nn.Sequential(*stage1)
        self.stage2 = nn.Sequential(*stage2)
        self.fc = nn.Linear(2 * width, classes)

    def forward(self, x):
        out = self.stage2(self.stage1(self.stem(x)))
        return self.fc(out.mean(dim=(2, 3)))


def watch_command(run):
    """How to watch the run from here: $TANGENTSCOPE_CLI, tangentscope-cli on PATH, else the checkout's build."""
    cli = os.environ.get("TANGENTSCOPE_CLI")
    if not cli:
        cli = "tangentscope-cli" if shutil.which("tangentscope-cli") else \
            os.path.relpath(os.path.join(HERE, "..", "build", "app", "tangentscope-cli"))
    return f"{cli} watch {run} --follow"


def evaluate(model, x, y, batch=500):
    """Loss and accuracy with BatchNorm's running statistics (eval mode), in chunks."""
    model.eval()
    loss, correct = 0.0, 0
    with torch.no_grad():
        for i in range(0, len(y), batch):
            out = model(x[i:i + batch])
            loss += nn.functional.cross_entropy(out, y[i:i + batch], reduction="sum").item()
            correct += (out.argmax(1) == y[i:i + batch]).sum().item()
    model.train()
    return loss / len(y), correct / len(y)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--dataset", choices=("digits", "cifar10"), default="digits", help="default digits")
    p.add_argument("--lr", type=float, default=0.05, help="SGD learning rate (default 0.05, momentum 0.9)")
    p.add_argument("--width", type=int, default=16, help="channels of the first stage; the second has twice as "
                                                         "many (default 16)")
    p.add_argument("--blocks", type=int, default=1, help="residual blocks per stage (default 1)")
    p.add_argument("--steps", type=int, default=400, help="training steps (default 400)")
    p.add_argument("--every", type=int, default=50, help="a snapshot every N steps, and at the last (default 50)")
    p.add_argument("--batch", type=int, default=64, help="mini-batch size (default 64)")
    p.add_argument("--probe", type=int, default=100, help="probe batch size: the inputs the kernel is taken on "
                                                          "(default 100)")
    p.add_argument("--train-n", type=int, default=5000, help="cifar10: training images used (default 5000)")
    p.add_argument("--seed", type=int, default=0, help="seed of the split, the initialisation and the batches")
    p.add_argument("--out", default=None, help="the run folder (default runs/resnet_DATASET)")
    p.add_argument("--overwrite", action="store_true", help="replace an earlier run in --out")
    p.add_argument("--data-dir", default=None, help="the data folder (default $TS_DATA_DIR or data/)")
    args = p.parse_args(argv)
    for name in ("width", "blocks", "steps", "every", "batch", "probe", "train_n"):
        if getattr(args, name) < 1:
            p.error(f"--{name.replace('_', '-')} must be at least 1")
    out = args.out or f"runs/resnet_{args.dataset}"

    torch.manual_seed(args.seed)
    folder = data_dir(args.data_dir)
    if args.dataset == "digits":
        (x_train, y_train), (x_test, y_test), names = load_digits(folder, args.seed)
    else:
        (x_train, y_train), (x_test, y_test), names = load_cifar10(folder, args.train_n)
    if args.probe > len(y_train):
        p.error(f"--probe {args.probe}: the training split has {len(y_train)} images")
    probe = torch.randperm(len(y_train))[:args.probe]

    model = SmallResNet(x_train.shape[1], args.width, args.blocks)
    opt = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9)

    start = time.time()
    with RunLogger(out, model, probe_inputs=x_train[probe], probe_targets=y_train[probe], class_names=names,
                   overwrite=args.overwrite) as log:
        print(f"run: {log.path} ({args.dataset}, {sum(p.numel() for p in model.parameters()):,} parameters, probe "
              f"batch {args.probe}, a snapshot every {args.every} steps)")
        print(f"watch it: {watch_command(out)}", flush=True)
        gen = torch.Generator().manual_seed(args.seed + 1)
        model.train()
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
    print(f"NTK metrics of every snapshot: {watch_command(out).replace(' --follow', '')}")


if __name__ == "__main__":
    main()
