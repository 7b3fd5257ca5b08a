"""TangentScope's Python side: log a PyTorch training run for `tangentscope-cli watch`.

    from tangentscope import RunLogger
    log = RunLogger("runs/resnet-lr0.1", model, probe_inputs=x, probe_targets=y)
    ...
    log.snapshot(step, loss=loss.item())
    log.close()

The run folder's format is docs/FORMATS.md, "Run folders". Only torch is needed (NumPy is used when present).
"""
from .run_logger import RunLogger

__version__ = "0.1.0"
__all__ = ["RunLogger", "__version__"]
