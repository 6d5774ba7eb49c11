"""Atomic, overwrite-safe output files."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from ..exceptions import OutputExistsError, OutputNotWritableError

__all__ = ["check_writable", "write_atomic"]


def check_writable(paths: Iterable[str | os.PathLike[str]], *, force: bool = False) -> None:
    """Refuse, before any work is done, output that could not be written at the end.

    Each file's folder must be writable: if it exists, a temporary file is created in it and
    removed; if not, the same is tried in its nearest existing ancestor (where the folder will
    be created). An existing file is refused unless ``force``.

    Parameters
    ----------
    paths : iterable of str or path-like
        Output files about to be written.
    force : bool
        Allow overwriting existing files.

    Returns
    -------
    None

    Raises
    ------
    OutputExistsError
        Naming the first existing file (unless ``force``).
    OutputNotWritableError
        Naming the folder and the reason (permission denied, a file where a folder should be,
        a read-only file system).
    """
    paths = [Path(p) for p in paths]
    if not force:
        _refuse_existing(paths)
    for folder in dict.fromkeys(p.parent for p in paths):
        _probe_folder(folder)


def _refuse_existing(paths: Iterable[Path]) -> None:
    for p in paths:
        if p.exists():
            raise OutputExistsError(f"{p} exists; pass --force (force=True) to overwrite it")


def _probe_folder(folder: Path) -> None:
    """Create and remove a temporary file where ``folder``'s files will go."""
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise OutputNotWritableError(
            f"cannot write into {folder}: {existing} is a file, not a folder")
    try:
        fd, name = tempfile.mkstemp(dir=existing, prefix=".ssm_coint-probe-")
    except OSError as exc:
        where = "" if existing == folder else f" (it would be created in {existing})"
        raise OutputNotWritableError(
            f"cannot write into {folder}{where}: {exc.strerror or exc}") from exc
    os.close(fd)
    os.unlink(name)


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
    if not force:
        _refuse_existing([Path(path)])
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
