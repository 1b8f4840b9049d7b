"""Files viz writes (players, frames, PDF decks, GIFs): atomic, with the mode ``open()`` gives.

:func:`write_file` writes through a temporary file beside the target, flushed and fsync'ed,
then renamed over it (``os.replace``), so a reader never sees half a file and a failed write
leaves the old file as it was. The temporary file is created with mode ``0o666``, from which the
kernel takes away the umask exactly as for ``open(path, "w")`` (``tempfile.mkstemp`` would make
it ``0o600``: unreadable on a course web server). Overwriting keeps the old file's mode, as
``open()`` does, and a symlink is written through to its target, which it keeps pointing at.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO


def write_file(path: str | os.PathLike[str], content: bytes | str | Callable[[BinaryIO], object]
               ) -> str:
    """Write ``content`` to ``path`` atomically, honouring the umask; returns the path.

    Parameters
    ----------
    path : str or path
        The file; missing folders are created.
    content : bytes, str or callable
        The bytes, a text (written as UTF-8), or a function that writes into the open binary
        file it is given.

    Examples
    --------
    >>> import os, tempfile
    >>> folder = tempfile.mkdtemp()
    >>> old = os.umask(0o022)
    >>> name = write_file(os.path.join(folder, "a.txt"), "x = -2")
    >>> oct(os.stat(name).st_mode & 0o777), open(name).read()
    ('0o644', 'x = -2')
    >>> _ = os.umask(old)
    """
    named = Path(path)
    target = Path(os.path.realpath(named)) if named.is_symlink() else named
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        mode: int | None = os.stat(target).st_mode & 0o7777  # overwriting keeps the mode
    except OSError:
        mode = None
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    while True:
        tmp = target.parent / f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
        try:
            fd = os.open(tmp, flags, 0o666)  # the kernel applies the umask, as open() does
            break
        except FileExistsError:
            continue
    try:
        with os.fdopen(fd, "wb") as fh:
            if callable(content):
                content(fh)
            else:
                fh.write(content.encode("utf-8") if isinstance(content, str) else content)
            fh.flush()
            os.fsync(fh.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return str(named)
