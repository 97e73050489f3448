import struct

import pytest

from core.errors import UserError
from core.gguf_check import check_gguf
from core.loading import bundled_gguf, resolve_source


def header(n_tensors=0, n_metadata=1, version=3) -> bytes:
    return b"GGUF" + struct.pack("<IQQ", version, n_tensors, n_metadata)


def key(name: bytes) -> bytes:
    return struct.pack("<Q", len(name)) + name


def test_the_bundled_model_passes():
    check_gguf(bundled_gguf())


def test_a_49_byte_file_claiming_2_63_array_items_is_refused(tmp_path):
    """Time and memory of this refusal are measured in a fresh process in test_hostile_files."""
    crafted = header() + key(b"x") + struct.pack("<IIQ", 9, 8, 2**63)  # an array of 2^63 strings
    assert len(crafted) == 49
    path = tmp_path / "evil.gguf"
    path.write_bytes(crafted)
    with pytest.raises(UserError, match="more than the file can hold"):
        resolve_source(str(path))


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (b"", "magic"),
        (b"GGML" + b"\0" * 40, "magic"),
        (header(version=99), "version 99"),
        (header(n_metadata=2**40), "counts"),
        (header() + key(b"k") + struct.pack("<IQ", 8, 10**12), "more than the file holds"),  # string
        (header() + key(b"k") + struct.pack("<IIQ", 9, 6, 2**62), "more than the file holds"),  # float array
        (header() + key(b"k") + struct.pack("<I", 77), "unknown value type"),
        (header()[:10], "ends in the middle"),
    ],
)
def test_malformed_headers_are_refused(tmp_path, data, fragment):
    path = tmp_path / "bad.gguf"
    path.write_bytes(data)
    with pytest.raises(UserError, match=fragment):
        check_gguf(path)
