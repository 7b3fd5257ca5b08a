#!/usr/bin/python3
"""How long RunLogger.snapshot() holds up a training script, on torchvision's resnet18 (11.2 M parameters).

    PYTHONPATH=python /usr/bin/python3 bench/python/run_logger_snapshot.py [--calls 20] [--dir /tmp]

The blocking part is the call itself: copying the trainable parameters and floating buffers to the CPU and
queuing them (the target: <= 0.2 s per snapshot). Two patterns are timed: "spaced", with the writer done with
the previous snapshot before the next call (snapshots a few hundred steps apart, the usual case), and
"back-to-back", where the calls outrun the writer and wait on its bounded queue once it is full. The time the
writer takes per file (torch.save, write, fsync, scalars.jsonl) is printed as well.
"""
import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "python"))
from tangentscope import RunLogger  # noqa: E402

try:
    import torchvision
except ImportError:
    print("run_logger_snapshot: needs torchvision (python3-torchvision); skipped")
    sys.exit(0)


def summary(name, times):
    print(f"{name:>13}: median {statistics.median(times):.4f} s, max {max(times):.4f} s over {len(times)} calls")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=20)
    parser.add_argument("--dir", default=None, help="where the temporary run folder goes (default: the temp dir)")
    a = parser.parse_args()

    torch.manual_seed(0)
    model = torchvision.models.resnet18(num_classes=10)
    x = torch.randn(16, 3, 32, 32)
    y = torch.randint(0, 10, (16,))
    params = sum(p.numel() for p in model.parameters())
    root = tempfile.mkdtemp(prefix="ts-bench-run-", dir=a.dir)
    try:
        t0 = time.perf_counter()
        log = RunLogger(os.path.join(root, "run"), model, probe_inputs=x, probe_targets=y)
        print(f"resnet18: {params:,} parameters ({params * 4 / 2**20:.1f} MiB float32), torch "
              f"{torch.__version__}, {torch.get_num_threads()} threads; RunLogger(...) took "
              f"{time.perf_counter() - t0:.2f} s (scripting, checks, model.pt)")
        spaced, back, writes = [], [], []
        step = 0
        for _ in range(a.calls):
            with torch.no_grad():  # the weights change between snapshots, as training changes them
                for p in model.parameters():
                    p.mul_(1.0001)
            t0 = time.perf_counter()
            log.snapshot(step, loss=1.0)
            spaced.append(time.perf_counter() - t0)
            step += 1
            while log._writer.written < step and log._writer.error is None:
                time.sleep(0.001)
            writes.append(time.perf_counter() - t0)
        for _ in range(a.calls):
            t0 = time.perf_counter()
            log.snapshot(step, loss=1.0)
            back.append(time.perf_counter() - t0)
            step += 1
        t0 = time.perf_counter()
        log.close()
        drain = time.perf_counter() - t0
        summary("spaced", spaced)
        summary("back-to-back", back)
        summary("write (bg)", writes)
        print(f"close() waited {drain:.2f} s for the pending snapshots; target: spaced median <= 0.2 s "
              f"({'met' if statistics.median(spaced) <= 0.2 else 'NOT met'})")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
