"""``njit`` with an on-disk cache that works wherever the package is installed.

numba's ``cache=True`` stores compiled kernels beside the sources (``__pycache__``) or in the
user's cache folder (``~/.cache/numba``). In a shared environment, a container or on cluster
workers running as a user with no home, neither may be writable, and numba then refuses to
decorate the function (``RuntimeError: cannot cache function ...: no locator available``), which
made ``import ssm_coint`` fail.

:func:`njit` asks for the cache as usual. When numba finds no writable place, it points numba's
documented cache setting (``NUMBA_CACHE_DIR``, read as ``numba.config.CACHE_DIR``) at a per-user
folder under the system's temporary directory and tries again; if that cannot be written
either, the kernel is compiled without a cache and a :class:`~ssm_coint.exceptions.
PerformanceWarning` says that every new process will compile it again.
"""

from __future__ import annotations

import os
import tempfile
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numba

from .exceptions import PerformanceWarning

__all__ = ["fallback_cache_dir", "first_compile_ahead", "njit"]

_NO_LOCATOR = "no locator available"


def fallback_cache_dir() -> Path:
    """The per-user cache folder used when numba's own places are not writable."""
    uid = os.getuid() if hasattr(os, "getuid") else os.getpid()
    return Path(tempfile.gettempdir()) / f"ssm_coint-numba-cache-{uid}"


def _writable(folder: Path) -> bool:
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        tempfile.TemporaryFile(dir=folder).close()
    except OSError:
        return False
    return True


def njit(**options: Any) -> Callable[[Callable[..., Any]], Any]:
    """``numba.njit(cache=True, **options)``, with a writable cache or none.

    Parameters
    ----------
    **options
        Passed to :func:`numba.njit` (e.g. ``error_model="numpy"``).

    Returns
    -------
    callable
        A decorator returning the numba dispatcher.

    Warns
    -----
    PerformanceWarning
        When no cache folder can be written: the kernel is compiled in each new process.
    """

    def decorate(func: Callable[..., Any]) -> Any:
        try:
            return numba.njit(cache=True, **options)(func)
        except RuntimeError as exc:
            if _NO_LOCATOR not in str(exc):
                raise
        folder = fallback_cache_dir()
        if not numba.config.CACHE_DIR and _writable(folder):
            numba.config.CACHE_DIR = str(folder)
            try:
                return numba.njit(cache=True, **options)(func)
            except RuntimeError as exc:
                if _NO_LOCATOR not in str(exc):
                    raise
        warnings.warn(
            f"ssm_coint: no writable cache folder for compiled kernels (the install, "
            f"~/.cache and {folder} are read-only); '{func.__name__}' is compiled in every new "
            "process. Set NUMBA_CACHE_DIR to a writable folder to keep the compiled code.",
            PerformanceWarning, stacklevel=2)
        return numba.njit(cache=False, **options)(func)

    return decorate


def first_compile_ahead(dispatcher: Any) -> bool:
    """Whether calling ``dispatcher`` will compile it from scratch (nothing compiled in this
    process and no cache index on disk), so that a caller can announce the pause.

    Reads numba's cache index path (an internal attribute); if numba changes it, the answer is
    False and nothing is announced.
    """
    if dispatcher.signatures:
        return False
    try:
        return not os.path.exists(dispatcher._cache._cache_file._index_path)
    except AttributeError:
        return False
