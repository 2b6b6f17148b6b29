"""Reading the IDX files MNIST is distributed in, with errors that name the file.

An IDX file is a 4-byte magic number -- two zero bytes, a type code (``0x08`` for
unsigned bytes) and the number of dimensions -- then one big-endian 32-bit size per
dimension, then the values in C order. MNIST's image files have magic 2051
(``0x00000803``: three dimensions, n x 28 x 28) and its label files 2049
(``0x00000801``: one dimension, n). Files may be gzip-compressed (``.gz``).
"""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path

import numpy as np

UNSIGNED_BYTE = 0x08


class IDXFormatError(ValueError):
    """An IDX file that is missing, truncated, corrupt or not what was expected."""


def _read_bytes(path: Path) -> bytes:
    if not path.is_file():
        raise IDXFormatError(f"{path}: file not found")
    try:
        if path.suffix == ".gz":
            with gzip.open(path, "rb") as f:
                return f.read()
        return path.read_bytes()
    except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
        raise IDXFormatError(f"{path}: corrupt or truncated gzip data ({exc})") from None


def read_idx(path: str | Path, expected_ndim: int | None = None) -> np.ndarray:
    """Parse an (optionally gzip-compressed) IDX file of unsigned bytes.

    Args:
        path: the file.
        expected_ndim: if given, the number of dimensions the magic number must declare
            (3 for image files, 1 for label files).

    Returns:
        A read-only ``uint8`` array of the declared shape.

    Raises:
        IDXFormatError: the file is missing, is not gzip when named ``.gz``, has a bad
            magic number or type code, or holds fewer or more bytes than its header says.
    """
    path = Path(path)
    raw = _read_bytes(path)
    if len(raw) < 4:
        raise IDXFormatError(f"{path}: too short for an IDX header ({len(raw)} bytes)")
    zero1, zero2, type_code, ndim = raw[:4]
    if zero1 or zero2 or ndim == 0:
        raise IDXFormatError(f"{path}: not an IDX file (magic bytes {raw[:4].hex()})")
    if type_code != UNSIGNED_BYTE:
        raise IDXFormatError(f"{path}: IDX type code 0x{type_code:02x}, expected 0x08 (unsigned byte)")
    if expected_ndim is not None and ndim != expected_ndim:
        raise IDXFormatError(
            f"{path}: magic number {int.from_bytes(raw[:4], 'big')} declares {ndim} dimensions, "
            f"expected {expected_ndim}"
        )
    header_end = 4 + 4 * ndim
    if len(raw) < header_end:
        raise IDXFormatError(f"{path}: truncated header")
    shape = tuple(int(d) for d in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    expected = int(np.prod(shape, dtype=np.int64))
    actual = len(raw) - header_end
    if actual != expected:
        kind = "truncated" if actual < expected else "has trailing bytes"
        raise IDXFormatError(
            f"{path}: {kind}: header declares shape {shape} ({expected} bytes), data holds {actual}"
        )
    return np.frombuffer(raw, dtype=np.uint8, offset=header_end).reshape(shape)


def write_idx(path: str | Path, array: np.ndarray) -> None:
    """Write a ``uint8`` array as an IDX file, gzip-compressed when ``path`` ends in ``.gz``."""
    array = np.ascontiguousarray(array)
    if array.dtype != np.uint8:
        raise ValueError(f"write_idx writes uint8 arrays, got {array.dtype}")
    if not 1 <= array.ndim <= 255:
        raise ValueError(f"IDX arrays need 1 to 255 dimensions, got {array.ndim}")
    header = bytes([0, 0, UNSIGNED_BYTE, array.ndim]) + np.asarray(array.shape, dtype=">u4").tobytes()
    payload = header + array.tobytes()
    path = Path(path)
    if path.suffix == ".gz":
        # No file name and mtime=0 in the gzip header: the same array gives the same bytes.
        with open(path, "wb") as raw, gzip.GzipFile(filename="", fileobj=raw, mode="wb", compresslevel=9, mtime=0) as f:
            f.write(payload)
    else:
        path.write_bytes(payload)
