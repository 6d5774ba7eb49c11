"""The package imports and runs where it cannot write its numba cache (issue 15).

A user who cannot write to the install and has no home folder is simulated without changing
users (the tests may run as root, who can write anywhere): each place numba would cache into is
made impossible to create by putting a *file* where a folder is needed, which fails for root too.
Places numba tries, in order: ``NUMBA_CACHE_DIR``; ``__pycache__`` beside the source;
``$XDG_CACHE_HOME`` or ``~/.cache``.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numba
import pytest

from ssm_coint import _jit
from ssm_coint.exceptions import PerformanceWarning

KERNEL = "def add_one(x):\n    return x + 1.0\n"


def _blocked(tmp_path: Path) -> Path:
    """A path below a regular file: no one can create a folder there."""
    block = tmp_path / "blocked"
    block.write_text("a file, not a folder\n")
    return block / "below"


def _unwritable_module(tmp_path: Path, name: str) -> Path:
    """A module whose ``__pycache__`` cannot be created (a file of that name is in the way)."""
    src = tmp_path / "src"
    src.mkdir()
    (src / "__pycache__").write_text("not a folder\n")
    path = src / f"{name}.py"
    path.write_text(KERNEL)
    return path


def _load(path: Path):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def no_numba_cache_place(tmp_path, monkeypatch):
    monkeypatch.setattr(numba.config, "CACHE_DIR", "")
    monkeypatch.setenv("HOME", str(_blocked(tmp_path)))
    monkeypatch.setenv("XDG_CACHE_HOME", str(_blocked(tmp_path)))
    return tmp_path


def test_plain_numba_cannot_cache_there(no_numba_cache_place):
    """The premise: numba itself refuses to decorate (the import error users saw)."""
    module = _load(_unwritable_module(no_numba_cache_place, "plain_kernel"))
    with pytest.raises(RuntimeError, match="no locator available"):
        numba.njit(cache=True)(module.add_one)


def test_falls_back_to_a_per_user_temporary_cache(no_numba_cache_place, monkeypatch):
    fallback = no_numba_cache_place / "tmp-cache"
    monkeypatch.setattr(_jit, "fallback_cache_dir", lambda: fallback)
    module = _load(_unwritable_module(no_numba_cache_place, "fallback_kernel"))
    kernel = _jit.njit()(module.add_one)
    assert kernel(1.0) == 2.0
    assert numba.config.CACHE_DIR == str(fallback)
    assert list(fallback.rglob("*.nbi")), "the compiled kernel was not cached in the fallback"


def test_no_writable_place_compiles_without_cache_and_says_so(no_numba_cache_place, monkeypatch):
    monkeypatch.setattr(_jit, "fallback_cache_dir", lambda: _blocked(no_numba_cache_place))
    module = _load(_unwritable_module(no_numba_cache_place, "uncached_kernel"))
    with pytest.warns(PerformanceWarning, match="compiled in every new process"):
        kernel = _jit.njit()(module.add_one)
    assert kernel(2.0) == 3.0
    assert numba.config.CACHE_DIR == ""


def test_cli_runs_from_an_install_it_cannot_write(tmp_path):
    """The CLI from a copy of the package whose ``__pycache__`` folders cannot be created, with
    no usable home: it imports, fits and caches its kernels in the per-user temporary folder,
    and (with ``--progress``) announces the first compilation."""
    site = tmp_path / "site"
    shutil.copytree(Path(_jit.__file__).parent, site / "ssm_coint",
                    ignore=shutil.ignore_patterns("__pycache__"))
    for package in (site / "ssm_coint").rglob("__init__.py"):
        (package.parent / "__pycache__").write_text("not a folder\n")
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    prices = tmp_path / "prices.csv"
    code = ("from ssm_coint.simulate import simulate_hedge_model\n"
            f"simulate_hedge_model(300, seed=3).prices.to_csv({str(prices)!r}, "
            ")\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NUMBA_", "XDG_"))}
    env.update(PYTHONPATH=str(site), HOME=str(_blocked(tmp_path)), TMPDIR=str(tmpdir),
               PYTHONDONTWRITEBYTECODE="1")
    made = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          timeout=300)
    assert made.returncode == 0, made.stderr
    run = subprocess.run(
        [sys.executable, "-c", "import sys, ssm_coint.cli as c; sys.exit(c.main(sys.argv[1:]))",
         "--progress", "fit", "--data", str(prices), "--assets", "Y", "X2", "X3",
         "--method", "chan", "--json"],
        env=env, capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert "Traceback" not in run.stderr
    assert '"llf"' in run.stdout
    assert "compiling the Kalman filter (first run only" in run.stderr  # the pause is announced
    cache = tmpdir / f"ssm_coint-numba-cache-{os.getuid()}"
    assert list(cache.rglob("*.nbi")), "kernels were not cached in the per-user folder"


def test_warm_up_parts():
    """``make warmup`` compiles the kernels ahead of use (``python -m ssm_coint._warmup``)."""
    from ssm_coint import _warmup
    from ssm_coint.kalman._forward import forward

    with pytest.raises(ValueError, match="unknown warm-up part"):
        _warmup.warm_up(["filter", "nope"])
    _warmup.warm_up(["filter"])
    # one compiled forward pass serves the model's calls (writable arrays, non-literal flags)
    assert len(forward.signatures) == 1
