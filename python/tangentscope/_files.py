"""Atomic file writes and a NumPy .npy writer for the run folder.

Every file of a run folder is read by another process (`tangentscope-cli watch`, the app) while the training
script still writes, so each one is written beside its final name, flushed to disk and renamed over it: a reader
sees the old file or the new one, never half of one. The .npy files are written by NumPy where it is installed
and otherwise by the small writer below, so the logger needs nothing but torch.
"""
import ctypes
import io
import os
import sys

PARTIAL = ".partial"

# NumPy's names for the dtypes a run folder holds (docs/FORMATS.md "Run folders": float32, float64, int64; int32
# and bool for completeness). The byte-order mark is the machine's: the data is written as the machine holds it.
_ORDER = "<" if sys.byteorder == "little" else ">"
_DESCR = {"float32": "f4", "float64": "f8", "int64": "i8", "int32": "i4", "bool": "b1"}
# NumPy (>= 1.23) pads the header so that the first axis can grow in place; the same padding keeps this writer's
# output byte for byte equal to np.save's.
_GROWTH_AXIS_MAX_DIGITS = 21
_ARRAY_ALIGN = 64


def with_path(error, path, what):
    """The same kind of error, its message naming the file: an OSError keeps its class and errno (so callers can
    still tell a full disk from a missing folder); anything else becomes a RuntimeError."""
    if isinstance(error, OSError):
        reason = error.strerror or str(error)
        new = type(error)(error.errno, f"tangentscope.RunLogger: {what} {path}: {reason}") if error.errno else \
            type(error)(f"tangentscope.RunLogger: {what} {path}: {reason}")
    else:
        new = RuntimeError(f"tangentscope.RunLogger: {what} {path}: {type(error).__name__}: {error}")
    new.__cause__ = error
    return new


def fsync_dir(folder):
    """Makes a rename in `folder` durable. Best effort: some systems cannot open a folder for fsync."""
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write(path, data):
    """Writes bytes to `path` atomically: `path + '.partial'` in the same folder (a rename across file systems
    would not be atomic), flushed and fsync'ed, then os.replace. On failure the partial file is removed and the
    earlier file under `path`, if any, is left as it was."""
    partial = path + PARTIAL
    try:
        with open(partial, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(partial, path)
    except BaseException:
        try:
            os.remove(partial)
        except OSError:
            pass
        raise
    fsync_dir(os.path.dirname(os.path.abspath(path)))


def dtype_name(tensor):
    """'float32', 'int64', … (torch.float32 -> 'float32')."""
    return str(tensor.dtype).replace("torch.", "")


def npy_header(descr, shape):
    """The NPY format 1.0 header of a C-ordered array, as np.save writes it."""
    header = "{'descr': %r, 'fortran_order': False, 'shape': %r, }" % (descr, tuple(shape))
    if len(shape) > 0:
        header += " " * (_GROWTH_AXIS_MAX_DIGITS - len(repr(shape[0])))
    encoded = header.encode("latin1")
    hlen = len(encoded) + 1  # the final newline
    padlen = _ARRAY_ALIGN - ((6 + 2 + 2 + hlen) % _ARRAY_ALIGN)  # magic, version, header length
    if hlen + padlen > 0xFFFF:
        raise ValueError(f"array of {len(shape)} dimensions: its .npy header does not fit format 1.0")
    return b"\x93NUMPY\x01\x00" + (hlen + padlen).to_bytes(2, "little") + encoded + b" " * padlen + b"\n"


def npy_bytes_plain(tensor):
    """A CPU tensor as .npy bytes without NumPy: the header above and the tensor's memory as it lies."""
    name = dtype_name(tensor)
    if name not in _DESCR:
        raise TypeError(f"cannot write a {name} tensor as .npy (float32, float64, int64, int32 or bool)")
    descr = ("|" if name == "bool" else _ORDER) + _DESCR[name]
    t = tensor.detach().to("cpu").contiguous()
    size = t.numel() * t.element_size()
    data = ctypes.string_at(t.data_ptr(), size) if size else b""
    return npy_header(descr, list(t.shape)) + data


def npy_bytes(tensor):
    """A tensor as .npy bytes: np.save where NumPy is installed (the reference writer), else npy_bytes_plain."""
    try:
        import numpy as np
    except ImportError:
        return npy_bytes_plain(tensor)
    buffer = io.BytesIO()
    np.save(buffer, tensor.detach().to("cpu").contiguous().numpy(), allow_pickle=False)
    return buffer.getvalue()
