"""A bounds check of a GGUF file's header before any parser reads it.

GGUF readers trust the counts and lengths in the header: a 49-byte crafted file that claims an array of 2^63
items makes the gguf 0.19 reader try to allocate it forever. Walking the header here first, with every count
and length checked against the bytes actually left in the file, turns such a file into a clear UserError
without allocating anything. Layout: https://github.com/ggml-org/ggml/blob/master/docs/gguf.md
"""

from __future__ import annotations

import struct
from pathlib import Path
from typing import BinaryIO

from core.errors import ErrorKind, UserError

MAGIC = b"GGUF"
SUPPORTED_VERSIONS = (2, 3)
# Fixed sizes of the scalar value types, by type id; 8 is a string, 9 an array.
SCALAR_SIZES = {0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8}
STRING, ARRAY = 8, 9
MAX_DIMS = 8
MAX_NESTING = 4


class _Reader:
    def __init__(self, f: BinaryIO, size: int, name: str) -> None:
        self.f, self.size, self.name = f, size, name

    def fail(self, what: str) -> UserError:
        return UserError(f"{self.name} is not a valid GGUF file ({what}); it was not loaded.", ErrorKind.MODEL)

    @property
    def left(self) -> int:
        return self.size - self.f.tell()

    def unpack(self, fmt: str) -> int:
        n = struct.calcsize(fmt)
        if n > self.left:
            raise self.fail("it ends in the middle of its header")
        return struct.unpack(fmt, self.f.read(n))[0]

    def skip(self, n: int, what: str) -> None:
        if n < 0 or n > self.left:
            raise self.fail(f"{what} claims {n:,} bytes, more than the file holds")
        self.f.seek(n, 1)

    def string(self, what: str) -> None:
        self.skip(self.unpack("<Q"), what)

    def value(self, kind: int, depth: int = 0) -> None:
        if kind in SCALAR_SIZES:
            self.skip(SCALAR_SIZES[kind], "a value")
        elif kind == STRING:
            self.string("a string")
        elif kind == ARRAY:
            if depth >= MAX_NESTING:
                raise self.fail("arrays nested too deep")
            item, count = self.unpack("<I"), self.unpack("<Q")
            if item in SCALAR_SIZES:
                self.skip(count * SCALAR_SIZES[item], "an array")
            elif count > self.left // 8:  # every string or array item takes at least 8 bytes
                raise self.fail(f"an array claims {count:,} items, more than the file can hold")
            else:
                for _ in range(count):
                    self.value(item, depth + 1)
        else:
            raise self.fail(f"unknown value type {kind}")


def check_gguf(path: Path) -> None:
    """Raise UserError unless `path` has a well-formed GGUF header whose every count fits in the file."""
    size = path.stat().st_size
    with path.open("rb") as f:
        r = _Reader(f, size, path.name)
        if f.read(4) != MAGIC:
            raise r.fail("it does not start with the GGUF magic bytes")
        version = r.unpack("<I")
        if version not in SUPPORTED_VERSIONS:
            raise r.fail(f"version {version}; versions {SUPPORTED_VERSIONS} are supported")
        n_tensors, n_metadata = r.unpack("<Q"), r.unpack("<Q")
        if n_metadata > r.left // 12 or n_tensors > r.left // 24:  # smallest possible entries
            raise r.fail("its counts of entries exceed what the file can hold")
        for _ in range(n_metadata):
            r.string("a metadata key")
            r.value(r.unpack("<I"))
        for _ in range(n_tensors):
            r.string("a tensor name")
            n_dims = r.unpack("<I")
            if n_dims > MAX_DIMS:
                raise r.fail(f"a tensor with {n_dims} dimensions")
            r.skip(8 * n_dims + 4 + 8, "a tensor description")  # dims, type, offset
