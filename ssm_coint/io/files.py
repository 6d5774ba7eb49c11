"""Atomic, overwrite-safe output files."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from ..exceptions import OutputExistsError

__all__ = ["check_writable", "write_atomic"]


def check_writable(paths: Iterable[str | os.PathLike[str]], *, force: bool = False) -> None:
    """Refuse (before any work is done) when an output file exists and ``force`` is False.

    Parameters
    ----------
    paths : iterable of str or path-like
        Output files about to be written.
    force : bool
        Allow overwriting; nothing is checked then.

    Returns
    -------
    None

    Raises
    ------
    OutputExistsError
        Naming the first existing file.
    """
    if force:
        return
    for p in paths:
        if Path(p).exists():
            raise OutputExistsError(f"{p} exists; pass --force (force=True) to overwrite it")


def _umask() -> int:
    """The process umask (read by setting and restoring it; no other way in the stdlib)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_atomic(path: str | os.PathLike[str], data: str | bytes, *,
                 force: bool = False) -> Path:
    """Write ``data`` to ``path`` through a temporary file in the same folder and ``os.replace``.

    Readers never see a half-written file. The folder is created if needed. The file gets the
    mode an ordinary ``open(path, "w")`` would give (``0o666`` less the user's umask), not the
    ``0o600`` of the temporary file.

    Parameters
    ----------
    path : str or path-like
        Destination file.
    data : str or bytes
        Content; ``str`` is written as UTF-8 text, ``bytes`` as is.
    force : bool
        Overwrite an existing file.

    Returns
    -------
    Path
        The path written.

    Raises
    ------
    OutputExistsError
        ``path`` exists and ``force`` is False.
    """
    path = Path(path)
    check_writable([path], force=force)
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = "wb" if isinstance(data, bytes) else "w"
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, mode, **({} if mode == "wb" else {"encoding": "utf-8"})) as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path
