"""TangentScope's Python side: log a PyTorch training run for `tangentscope-cli watch`, and the NTK metrics of a
model on a batch.

    from tangentscope import RunLogger
    log = RunLogger("runs/resnet-lr0.1", model, probe_inputs=x, probe_targets=y)
    ...
    log.snapshot(step, loss=loss.item())
    log.close()

    from tangentscope import analyze
    analyze(model, x, metrics=("trace", "frobenius"), budget=96)["trace"]["value"]   # runs tangentscope-cli

The run folder's format is docs/FORMATS.md, "Run folders". Only torch is needed (NumPy is used when present);
analyze() needs the built tangentscope-cli.
"""
from .analyze import analyze
from .run_logger import RunLogger

__version__ = "0.1.0"
__all__ = ["RunLogger", "analyze", "__version__"]
