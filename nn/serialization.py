"""Model files: one naming rule, atomic writes, and reads checked before any data is inflated.

A saved model is an ``.npz`` file: a zip archive with one ``.npy`` member per array
(``"fc1.weight.npy"``), as ``numpy.savez`` writes it, read back without pickle.

* Naming: :func:`npz_path` is the one rule ``save`` and ``load`` share: ``.npz`` is appended
  unless the name already ends in ``.npz`` in any letter case (``"x"`` -> ``"x.npz"``,
  ``"x.NPZ"`` stays ``"x.NPZ"``).
* Writing is atomic: the archive goes to a temporary file in the target's own folder (same
  file system, so the rename is atomic), is flushed and fsync'ed, and only then
  ``os.replace`` puts it in place. A save that fails (disk full, file-size limit, an
  exception) removes its temporary file and leaves the previous file untouched; a process
  killed mid-save leaves the previous file untouched too (and maybe a ``.<name>.*.tmp``).
* Reading checks before inflating: the member names come from the zip's central directory
  and each wanted member's shape and dtype from its ``.npy`` header (its first few hundred
  bytes). Anything that does not fit the model is refused before array data is read, and
  only the model's own arrays are ever read, so loading costs at most the model's size
  whatever the file claims. Every malformed file raises :class:`ModelFileError`.
"""

from __future__ import annotations

import os
import struct
import tempfile
import time
import tokenize
import warnings
import zipfile
import zlib
from collections.abc import Mapping
from typing import IO, NamedTuple

import numpy as np

__all__ = ["ModelFileError", "npz_path", "save_arrays", "load_arrays"]

#: What a model expects of each array: its shape and dtype.
Spec = tuple[tuple[int, ...], np.dtype]

_NPY_MAGIC = b"\x93NUMPY"
_MAX_HEADER = 10_000  # bytes of .npy header we accept (numpy's own default limit)
_COMPRESSIONS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)  # what numpy.savez(_compressed) writes
# Everything a malformed archive can make zipfile or numpy's header parser raise. A header
# that is not a literal fails in ast (ValueError, SyntaxError) or in numpy's tokenizer
# fallback (TokenError); zipfile raises NotImplementedError for an unknown compression and
# RuntimeError for an encrypted member (both also refused up front).
_READ_ERRORS = (
    zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, KeyError,
    SyntaxError, tokenize.TokenError, NotImplementedError, RuntimeError, zlib.error,
    struct.error, OverflowError, TypeError,
)


class ModelFileError(ValueError):
    """A saved model file cannot be read or does not fit the model."""


def _short(name: str, width: int = 80) -> str:
    """repr(name), cut to about ``width`` characters."""
    text = repr(name)
    return text if len(text) <= width else f"{text[:width]}...' ({len(name):,} characters)"


def listed(names: list, most: int = 10, width: int = 80) -> str:
    """Names for an error message, bounded: at most ``most`` of them, each cut to ``width``
    characters, and how many more there are (a file may hold 100,000 stray members).

    >>> listed(["a", "b"]), listed([f"k{i}" for i in range(12)], most=2)
    ('a, b', 'k0, k1 and 10 more')
    """
    shown = [str(n) if len(str(n)) <= width else f"{str(n)[:width]}..." for n in names[:most]]
    more = f" and {len(names) - most:,} more" if len(names) > most else ""
    return ", ".join(shown) + more


# ------------------------------------------------------------------ naming
def npz_path(path: str | os.PathLike[str]) -> str:
    """The file ``save(path)`` writes and ``load(path)`` reads.

    ``.npz`` is appended unless ``path`` already ends in ``.npz`` (in any letter case).

    Examples
    --------
    >>> npz_path("model"), npz_path("model.npz"), npz_path("model.NPZ")
    ('model.npz', 'model.npz', 'model.NPZ')
    """
    path = os.fsdecode(os.fspath(path))
    if not path:
        raise ValueError("model file path is empty")
    return path if path.lower().endswith(".npz") else path + ".npz"


# ------------------------------------------------------------------ saving
def save_arrays(path: str | os.PathLike[str], arrays: Mapping[str, np.ndarray]) -> str:
    """Write ``arrays`` to ``npz_path(path)`` atomically; return the path written.

    The data is written to a temporary file in the same folder, flushed and fsync'ed, then
    renamed over the target with ``os.replace``. On any failure the temporary file is
    removed, the exception propagates, and an existing file at the target is unchanged.
    """
    named = npz_path(path)
    # through a symlink: replace its target (beside it, so the rename stays atomic) and keep
    # the link, as np.savez and torch.save do
    target = os.path.realpath(named) if os.path.islink(named) else named
    folder = os.path.dirname(os.path.abspath(target))
    mode = _file_mode(target)
    _remove_stale_temporaries(folder, os.path.basename(target))
    fd, tmp = tempfile.mkstemp(prefix=f"{_temporary_prefix(target)}{os.getpid()}.",
                               suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as fh:
            _write_npz(fh, arrays)
            fh.flush()
            os.fsync(fh.fileno())  # the bytes are on disk before the name points at them
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        _remove_quietly(tmp)
        raise
    _fsync_folder(folder)  # make the rename itself durable
    return named


#: Temporary files of saves killed before the rename that are older than this (seconds)
#: and carry no process id (written before ids were added) are removed by the next save.
STALE_AFTER = 3600.0


def _temporary_prefix(target: str) -> str:
    return f".{os.path.basename(target)}."


def _remove_stale_temporaries(folder: str, name: str) -> None:
    """Remove what killed saves of ``name`` left: ``.<name>.<pid>.<random>.tmp`` files whose
    process is gone (a save in progress, in this or another process, is never touched)."""
    prefix = f".{name}."
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        if not (entry.name.startswith(prefix) and entry.name.endswith(".tmp")):
            continue
        middle = entry.name[len(prefix):-4]
        pid, dot, _ = middle.partition(".")
        try:
            if dot and pid.isdigit():
                if _alive(int(pid)):
                    continue
            elif time.time() - entry.stat(follow_symlinks=False).st_mtime < STALE_AFTER:
                continue
            if entry.is_file(follow_symlinks=False):
                os.remove(entry.path)
        except OSError:
            pass


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True  # a save in another thread of this process
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError, OverflowError):
        return True  # someone else's process, or cannot tell: leave its file alone
    return True


def _write_npz(fh: IO[bytes], arrays: Mapping[str, np.ndarray]) -> None:
    """The archive itself: numpy's own .npz writer, into an open file."""
    np.savez(fh, **arrays)


def _file_mode(target: str) -> int:
    """Permissions for the new file: the old file's, else what ``open()`` would give."""
    try:
        return os.stat(target).st_mode & 0o7777
    except OSError:
        return 0o666 & ~_umask()


def _umask() -> int:
    # Linux shows the umask in /proc; elsewhere set-and-restore is the only way to read it.
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _remove_quietly(path: str) -> None:
    try:
        os.remove(path)
    except OSError:
        pass


def _fsync_folder(folder: str) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return  # e.g. Windows cannot open folders; the rename is still atomic there
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# ----------------------------------------------------------------- loading
def load_arrays(
    path: str | os.PathLike[str], expected: Mapping[str, Spec], strict: bool = True
) -> dict[str, np.ndarray]:
    """Read the arrays named in ``expected`` from a saved model, checking headers first.

    Parameters
    ----------
    path : str or path-like
        Resolved with :func:`npz_path`; when that file does not exist but ``path`` exactly
        as given does, that file is read (an ``.npz`` written under another name).
    expected : mapping of name to (shape, dtype)
        The model's arrays.
    strict : bool
        Require exactly the model's names; with ``False`` missing names are skipped and
        extra members are ignored unread.

    Returns
    -------
    dict of str to ndarray
        Each array cast to the expected dtype (as PyTorch's ``load_state_dict`` does).
        A ``RuntimeWarning`` names the arrays holding NaN or infinity.

    Raises
    ------
    ModelFileError
        Missing or malformed file, a member that is not a plain numeric ``.npy`` array,
        or names/shapes that do not fit ``expected``; raised before any data is read.
    """
    file = _existing_file(path)
    try:
        with zipfile.ZipFile(file) as archive:  # reads only the central directory
            members = _npy_members(archive)
            wanted = _check_names(members, expected, strict)
            headers = {name: _read_header(archive, members[name]) for name in wanted}
            _check_headers(members, headers, expected)
            arrays = {name: _read_data(archive, members[name]) for name in wanted}
    except ModelFileError as err:
        raise ModelFileError(f"load: {file!r} {err}") from None
    except _READ_ERRORS as err:
        raise ModelFileError(
            f"load: cannot read {file!r} as a saved model (.npz): {type(err).__name__}: {err}"
        ) from None
    return _cast(arrays, expected, file)


def _existing_file(path: str | os.PathLike[str]) -> str:
    file = npz_path(path)
    if not os.path.exists(file) and os.path.isfile(os.fspath(path)):
        file = os.fsdecode(os.fspath(path))
    if not os.path.isfile(file):
        raise ModelFileError(f"load: no such file {file!r}")
    with open(file, "rb") as fh:
        if fh.read(len(_NPY_MAGIC)) == _NPY_MAGIC:
            raise ModelFileError(f"load: {file!r} holds a single array, not a saved model (.npz)")
    return file


def _npy_members(archive: zipfile.ZipFile) -> dict[str, zipfile.ZipInfo]:
    """Array name -> zip entry, refusing entries numpy.savez would never write."""
    members: dict[str, zipfile.ZipInfo] = {}
    for info in archive.infolist():
        name = info.filename
        if not name.endswith(".npy"):
            raise ModelFileError(
                f"is not a saved model: member {_short(name)} is not an .npy array")
        if info.flag_bits & 0x1:
            raise ModelFileError(f"is not a saved model: member {_short(name)} is encrypted")
        if info.compress_type not in _COMPRESSIONS:
            raise ModelFileError(
                f"is not a saved model: member {_short(name)} uses compression method "
                f"{info.compress_type} (only stored and deflated are read)"
            )
        if name[:-4] in members:
            raise ModelFileError(f"is not a saved model: member {_short(name)} appears twice")
        members[name[:-4]] = info
    return members


def _check_names(
    members: Mapping[str, zipfile.ZipInfo], expected: Mapping[str, Spec], strict: bool
) -> list[str]:
    """The model's names present in the file; with ``strict``, exactly the model's names."""
    missing = [name for name in expected if name not in members]
    unexpected = [name for name in members if name not in expected]
    if strict and (missing or unexpected):
        problems = []
        if missing:
            problems.append(f"missing key(s): {listed(missing)}")
        if unexpected:
            problems.append(f"unexpected key(s): {listed(unexpected)}")
        raise ModelFileError("does not fit this model: " + "; ".join(problems))
    return [name for name in expected if name in members]


class _Header(NamedTuple):
    shape: tuple[int, ...]
    dtype: np.dtype
    size: int  # bytes of magic + header before the array data


def _read_header(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> _Header:
    """Shape and dtype from a member's .npy header; inflates only the header's bytes."""
    with archive.open(info) as fp:
        version = np.lib.format.read_magic(fp)
        if version == (1, 0):
            shape, _, dtype = np.lib.format.read_array_header_1_0(fp, _MAX_HEADER)
        elif version == (2, 0):
            shape, _, dtype = np.lib.format.read_array_header_2_0(fp, _MAX_HEADER)
        else:
            raise ModelFileError(f"is not a saved model: {_short(info.filename)} is .npy {version}")
        size = fp.tell()
    if dtype.kind not in "fiub" or dtype.hasobject:
        raise ModelFileError(f"is not a saved model: {_short(info.filename)} has dtype {dtype}")
    return _Header(tuple(shape), dtype, size)


def _check_headers(
    members: Mapping[str, zipfile.ZipInfo],
    headers: Mapping[str, _Header],
    expected: Mapping[str, Spec],
) -> None:
    problems = [
        f"shape mismatch for {name}: model has {expected[name][0]}, given {head.shape}"
        for name, head in headers.items()
        if head.shape != tuple(expected[name][0])
    ]
    if problems:
        raise ModelFileError("does not fit this model: " + "; ".join(problems))
    # The zip entry's size must be the header plus exactly the declared data: a member
    # holding more (or less) than its header says is not one numpy wrote.
    for name, head in headers.items():
        declared = head.size + int(np.prod(head.shape)) * head.dtype.itemsize
        if members[name].file_size != declared:
            raise ModelFileError(
                f"is not a saved model: {members[name].filename!r} holds "
                f"{members[name].file_size} bytes, its header declares {declared}"
            )


def _read_data(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> np.ndarray:
    # The header was checked, so this inflates exactly the model's own array size.
    with archive.open(info) as fp:
        return np.lib.format.read_array(fp, allow_pickle=False, max_header_size=_MAX_HEADER)


def _cast(
    arrays: Mapping[str, np.ndarray], expected: Mapping[str, Spec], file: str
) -> dict[str, np.ndarray]:
    """Cast to the model's dtypes (PyTorch does the same); warn about NaN and infinity."""
    cast: dict[str, np.ndarray] = {}
    with np.errstate(over="ignore", invalid="ignore"):  # overflow to inf is reported below
        for name, arr in arrays.items():
            cast[name] = np.asarray(arr, dtype=expected[name][1])
    bad = [
        name for name, arr in cast.items()
        if arr.dtype.kind in "fc" and not np.isfinite(arr).all()
    ]
    if bad:
        warnings.warn(
            f"load: {file!r} holds non-finite values (NaN or inf) in {listed(bad)}",
            RuntimeWarning,
            stacklevel=4,  # the caller of Module.load
        )
    return cast
