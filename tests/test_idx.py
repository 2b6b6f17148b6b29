import gzip

import numpy as np
import pytest

from dbn_course.data.idx import IDXFormatError, read_idx, write_idx


@pytest.mark.parametrize("name", ["a.idx", "a.idx.gz"])
def test_round_trip(tmp_path, name):
    array = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    write_idx(tmp_path / name, array)
    back = read_idx(tmp_path / name, expected_ndim=3)
    assert back.dtype == np.uint8
    np.testing.assert_array_equal(back, array)


def test_header_is_the_standard_mnist_magic(tmp_path):
    write_idx(tmp_path / "x", np.zeros((5, 28, 28), np.uint8))
    write_idx(tmp_path / "y", np.zeros(5, np.uint8))
    assert int.from_bytes((tmp_path / "x").read_bytes()[:4], "big") == 2051
    assert int.from_bytes((tmp_path / "y").read_bytes()[:4], "big") == 2049


def test_compressed_output_is_reproducible(tmp_path):
    array = np.arange(100, dtype=np.uint8)
    write_idx(tmp_path / "one.gz", array)
    write_idx(tmp_path / "two.gz", array)
    assert (tmp_path / "one.gz").read_bytes() == (tmp_path / "two.gz").read_bytes()


def test_missing_file_is_named(tmp_path):
    with pytest.raises(IDXFormatError, match="nothere.gz: file not found"):
        read_idx(tmp_path / "nothere.gz")


def test_truncated_gzip_is_named(tmp_path):
    write_idx(tmp_path / "full.gz", np.zeros((10, 28, 28), np.uint8))
    data = (tmp_path / "full.gz").read_bytes()
    (tmp_path / "cut.gz").write_bytes(data[: len(data) // 2])
    with pytest.raises(IDXFormatError, match="cut.gz: corrupt or truncated"):
        read_idx(tmp_path / "cut.gz")


def test_not_gzip_is_named(tmp_path):
    (tmp_path / "junk.gz").write_bytes(b"this is not gzip data at all")
    with pytest.raises(IDXFormatError, match="junk.gz"):
        read_idx(tmp_path / "junk.gz")


def test_truncated_payload_is_reported(tmp_path):
    write_idx(tmp_path / "x", np.zeros((3, 28, 28), np.uint8))
    raw = (tmp_path / "x").read_bytes()
    with gzip.open(tmp_path / "short.gz", "wb") as f:
        f.write(raw[:-10])
    with pytest.raises(IDXFormatError, match=r"short.gz: truncated: header declares shape \(3, 28, 28\)"):
        read_idx(tmp_path / "short.gz")


def test_trailing_bytes_are_reported(tmp_path):
    write_idx(tmp_path / "x", np.zeros(4, np.uint8))
    (tmp_path / "x").write_bytes((tmp_path / "x").read_bytes() + b"\x00")
    with pytest.raises(IDXFormatError, match="trailing bytes"):
        read_idx(tmp_path / "x")


def test_bad_magic_and_type_code(tmp_path):
    (tmp_path / "magic").write_bytes(b"\x01\x00\x08\x01" + b"\x00\x00\x00\x00")
    with pytest.raises(IDXFormatError, match="not an IDX file"):
        read_idx(tmp_path / "magic")
    (tmp_path / "float").write_bytes(b"\x00\x00\x0d\x01" + b"\x00\x00\x00\x00")
    with pytest.raises(IDXFormatError, match="type code 0x0d"):
        read_idx(tmp_path / "float")


def test_dimension_mismatch(tmp_path):
    write_idx(tmp_path / "labels", np.zeros(4, np.uint8))
    with pytest.raises(IDXFormatError, match="declares 1 dimensions, expected 3"):
        read_idx(tmp_path / "labels", expected_ndim=3)


def test_write_rejects_other_dtypes(tmp_path):
    with pytest.raises(ValueError, match="uint8"):
        write_idx(tmp_path / "x", np.zeros(3, np.float32))
