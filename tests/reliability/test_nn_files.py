"""Model files under failure and hostile input (issue 11): atomic save, header-checked load.

Every file here is crafted byte by byte with zipfile and numpy's .npy header format, so the
tests say exactly what the loader is shown.
"""

from __future__ import annotations

import errno
import io
import os
import struct
import subprocess
import sys
import textwrap
import tracemalloc
import zipfile

import numpy as np
import pytest

import nn

GOOD_HEADER = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }"


def model(seed: int = 0) -> nn.Module:
    return nn.Sequential(nn.Linear(3, 2, seed=seed))  # keys "0.weight" (2, 3), "0.bias" (2,)


def npy(arr: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.lib.format.write_array(buf, np.asarray(arr), allow_pickle=False)
    return buf.getvalue()


def npy_header(text: str) -> bytes:
    """A version 1.0 .npy header with arbitrary text (numpy pads it to 64 bytes)."""
    body = text.encode("latin1")
    body += b" " * (-(10 + len(body) + 1) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(body)) + body


def write_zip(path, members: dict[str, bytes], compression=zipfile.ZIP_STORED) -> str:
    with zipfile.ZipFile(path, "w", compression=compression) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return str(path)


def good_members(**override: bytes) -> dict[str, bytes]:
    members = {name + ".npy": npy(arr) for name, arr in model(1).state_dict().items()}
    members.update({name + ".npy": data for name, data in override.items()})
    return members


def patch_zip_entries(path, *, flags: int | None = None, method: int | None = None) -> None:
    """Overwrite the flag bits / compression method in every local and central entry."""
    raw = bytearray(open(path, "rb").read())
    for signature, flag_at, method_at in ((b"PK\x03\x04", 6, 8), (b"PK\x01\x02", 8, 10)):
        start = raw.find(signature)
        while start != -1:
            if flags is not None:
                raw[start + flag_at:start + flag_at + 2] = struct.pack("<H", flags)
            if method is not None:
                raw[start + method_at:start + method_at + 2] = struct.pack("<H", method)
            start = raw.find(signature, start + 4)
    open(path, "wb").write(bytes(raw))


def write_zeros_bomb(path, n_bytes: int, extra_name: str = "bomb") -> int:
    """A valid model file plus one extra member: n_bytes of float64 zeros, deflated."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in good_members().items():
            zf.writestr(name, data)
        header = f"{{'descr': '<f8', 'fortran_order': False, 'shape': ({n_bytes // 8},), }}"
        with zf.open(extra_name + ".npy", "w", force_zip64=True) as fh:
            fh.write(npy_header(header))
            chunk = bytes(1 << 20)
            for _ in range(n_bytes // len(chunk)):
                fh.write(chunk)
    return os.path.getsize(path)


def peak_bytes(fn) -> int:
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


# ------------------------------------------------------------- atomic save
def test_save_failing_part_way_keeps_the_old_file_and_leaves_no_temp(tmp_path, monkeypatch):
    path = model(0).save(tmp_path / "ckpt")
    before = open(path, "rb").read()
    real_savez = np.savez

    def savez_then_disk_full(file, **arrays):
        buf = io.BytesIO()
        real_savez(buf, **arrays)
        if isinstance(file, (str, os.PathLike)):
            file = open(file, "wb")  # what a path-taking writer does: truncate the target
        file.write(buf.getvalue()[:100])
        file.flush()
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(np, "savez", savez_then_disk_full)
    with pytest.raises(OSError, match="No space left"):
        model(1).save(tmp_path / "ckpt")
    monkeypatch.undo()
    assert open(path, "rb").read() == before
    assert sorted(os.listdir(tmp_path)) == ["ckpt.npz"]
    np.testing.assert_array_equal(model(5).load(path)[0].weight.data, model(0)[0].weight.data)


def test_save_hitting_the_file_size_limit_keeps_the_old_file(tmp_path):
    # A real failure, no patching: RLIMIT_FSIZE makes write() fail with EFBIG part-way.
    script = textwrap.dedent(f"""
        import os, resource, signal
        import nn
        path = nn.Sequential(nn.Linear(2, 2, seed=0)).save({str(tmp_path / "ckpt")!r})
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)   # get EFBIG instead of a kill
        resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, resource.RLIM_INFINITY))
        try:
            nn.Sequential(nn.Linear(200, 200, seed=0)).save(path)   # ~160 KB
        except OSError as err:
            print("failed", err.errno == __import__("errno").EFBIG)
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         timeout=120)
    assert out.stdout.strip() == "failed True", out.stderr
    assert sorted(os.listdir(tmp_path)) == ["ckpt.npz"]
    small = nn.Sequential(nn.Linear(2, 2, seed=3)).load(tmp_path / "ckpt.npz")
    np.testing.assert_array_equal(small[0].weight.data, nn.Linear(2, 2, seed=0).weight.data)


def test_save_replaces_in_place_and_keeps_permissions(tmp_path):
    path = model(0).save(tmp_path / "ckpt.npz")
    os.chmod(path, 0o640)
    model(1).save(path)
    assert os.stat(path).st_mode & 0o777 == 0o640
    assert sorted(os.listdir(tmp_path)) == ["ckpt.npz"]
    np.testing.assert_array_equal(model(7).load(path)[0].weight.data, model(1)[0].weight.data)


# ----------------------------------------------------------------- naming
def test_save_and_load_share_one_naming_rule(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert model(1).save("x") == "x.npz"
    np.testing.assert_array_equal(model(2).load("x")[0].bias.data, model(1)[0].bias.data)
    assert model(1).save("y.NPZ") == "y.NPZ"  # the extension is recognised in any case
    assert sorted(os.listdir(".")) == ["x.npz", "y.NPZ"]
    np.testing.assert_array_equal(model(2).load("y.NPZ")[0].bias.data, model(1)[0].bias.data)
    # A file another tool wrote under a name without .npz still loads by that exact name.
    np.savez(open("plain", "wb"), **model(1).state_dict())
    np.testing.assert_array_equal(model(2).load("plain")[0].bias.data, model(1)[0].bias.data)
    with pytest.raises(nn.ModelFileError, match="no such file 'nothing.npz'"):
        model().load("nothing")


# ------------------------------------------------- checked before inflating
def test_extra_key_bomb_is_refused_before_decompressing(tmp_path):
    bomb = tmp_path / "bomb.npz"
    size = write_zeros_bomb(bomb, 64 << 20)  # 64 MB of zeros in a ~70 KB file
    assert size < 200_000
    m = model()

    def load():
        with pytest.raises(nn.ModelFileError, match=r"unexpected key\(s\): bomb"):
            m.load(bomb)

    assert peak_bytes(load) < 4 << 20  # before the fix: all 64 MB inflated first
    assert peak_bytes(lambda: m.load(bomb, strict=False)) < 4 << 20  # extra member unread
    np.testing.assert_array_equal(m[0].weight.data, model(1)[0].weight.data)


def test_headers_claiming_8_terabytes_are_refused_without_allocating(tmp_path):
    huge = npy_header("{'descr': '<f8', 'fortran_order': False, 'shape': (1099511627776,), }")
    extra = write_zip(tmp_path / "extra.npz", good_members(huge=huge))
    with pytest.raises(nn.ModelFileError, match=r"unexpected key\(s\): huge"):
        model().load(extra)
    same_name = write_zip(tmp_path / "same.npz", good_members(**{"0.bias": huge}))
    claim = r"shape mismatch for 0.bias: model has \(2,\), given \(1099511627776,\)"
    with pytest.raises(nn.ModelFileError, match=claim):
        model().load(same_name)


def test_member_bigger_than_its_header_says_is_refused(tmp_path):
    padded = npy(model(1).state_dict()["0.bias"]) + bytes(1 << 16)
    path = write_zip(tmp_path / "padded.npz", good_members(**{"0.bias": padded}))
    with pytest.raises(nn.ModelFileError, match="holds .* bytes, its header declares"):
        model().load(path)


@pytest.mark.parametrize("header", [
    "{'descr': __import__('os').getcwd(), 'fortran_order': False, 'shape': (2, 3), }",
    "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3",  # TokenError in numpy's fallback
    "{'descr': '<f4', 'fortran_order': False}",
    "{'descr': 'O', 'fortran_order': False, 'shape': (2, 3), }",
    "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2, 3), }",
    "{'descr': '<c8', 'fortran_order': False, 'shape': (2, 3), }",
    "[" * 3000,
])
def test_malformed_headers_raise_model_file_error(tmp_path, header):
    path = write_zip(tmp_path / "bad.npz",
                     good_members(**{"0.weight": npy_header(header) + bytes(24)}))
    with pytest.raises(nn.ModelFileError):
        model().load(path)


@pytest.mark.parametrize("patch, message", [
    ({"method": 97}, "compression method 97"),
    ({"flags": 1}, "encrypted"),
])
def test_unsupported_zip_features_raise_model_file_error(tmp_path, patch, message):
    path = write_zip(tmp_path / "odd.npz", good_members())
    patch_zip_entries(path, **patch)
    with pytest.raises(nn.ModelFileError, match=message):
        model().load(path)


def test_truncated_and_foreign_files_raise_model_file_error(tmp_path):
    good = model(1).save(tmp_path / "good.npz")
    raw = open(good, "rb").read()
    for cut in (10, len(raw) // 2, len(raw) - 10):
        (tmp_path / "cut.npz").write_bytes(raw[:cut])
        with pytest.raises(nn.ModelFileError):
            model().load(tmp_path / "cut.npz")
    (tmp_path / "text.npz").write_text("hello")
    with pytest.raises(nn.ModelFileError, match="cannot read"):
        model().load(tmp_path / "text.npz")
    # A data byte corrupted in a deflated member: zlib or the CRC check notices.
    deflated = write_zip(tmp_path / "deflated.npz", good_members(), zipfile.ZIP_DEFLATED)
    raw = bytearray(open(deflated, "rb").read())
    raw[raw.find(b"PK\x03\x04") + 60] ^= 0xFF
    open(deflated, "wb").write(bytes(raw))
    with pytest.raises(nn.ModelFileError):
        model().load(deflated)
    (tmp_path / "folder.npz").mkdir()
    with pytest.raises(nn.ModelFileError, match="no such file"):
        model().load(tmp_path / "folder.npz")


def test_nothing_is_loaded_when_the_file_is_refused(tmp_path):
    m = model(0)
    before = {k: v.copy() for k, v in m.state_dict().items()}
    path = write_zip(tmp_path / "half.npz",
                     good_members(**{"0.bias": npy(np.zeros(5, np.float32))}))
    with pytest.raises(nn.ModelFileError, match="shape mismatch for 0.bias"):
        m.load(path)
    for key, value in m.state_dict().items():
        np.testing.assert_array_equal(value, before[key])


# ------------------------------------------------ dtypes and finite values
def test_integer_weights_load_cast_to_the_parameter_dtype(tmp_path):
    ints = {k: np.arange(v.size, dtype=np.int64).reshape(v.shape)
            for k, v in model().state_dict().items()}
    path = write_zip(tmp_path / "ints.npz", {k + ".npy": npy(v) for k, v in ints.items()})
    m = model()
    m.load(path)
    assert m[0].weight.dtype == np.float32
    np.testing.assert_array_equal(m[0].weight.data, ints["0.weight"])


def test_non_finite_weights_load_with_a_warning(tmp_path):
    state = model(1).state_dict()
    state["0.weight"][0, 0] = np.nan
    state["0.bias"] = np.array([1e300, 0.0])  # float64 that overflows float32
    path = write_zip(tmp_path / "nan.npz", {k + ".npy": npy(v) for k, v in state.items()})
    m = model()
    with pytest.warns(RuntimeWarning, match=r"non-finite .* in 0.weight, 0.bias"):
        m.load(path)
    assert np.isnan(m[0].weight.data[0, 0]) and np.isinf(m[0].bias.data[0])
    assert m[0].bias.dtype == np.float32
