"""Validation studies (SPEC section 7): seeded, re-runnable, each writing CSV, PNG and markdown.

Run them as ``ssm-coint validate STUDY`` or, from a checkout, ``python -m validation STUDY``
with ``[--quick] [--workers N] [--out DIR] [--seed S] [--data-dir D]``. ``all`` runs every study
and writes ``report.md`` and ``report.html``; a single study writes ``report_STUDY.md``.
"""

from __future__ import annotations

import argparse
import importlib
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from .._choices import STUDY_DATA_ENV as DATA_ENV
from .._choices import STUDY_NAMES
from ..io.files import check_writable, write_atomic
from ..io.markdown import markdown_to_html

__all__ = ["STUDY_NAMES", "add_arguments", "run_studies", "study_runner"]

def study_runner(name: str) -> Callable[..., str]:
    """The ``run(out, data_dir, quick=, workers=, seed=) -> markdown section`` of a study.

    The study modules are imported on demand, so building the CLI parser stays cheap.
    """
    if name not in STUDY_NAMES:
        raise ValueError(f"unknown study {name!r}; choose one of {', '.join(STUDY_NAMES)}, all")
    return importlib.import_module(f".{name}", __name__).run


def _provenance() -> str:
    """``ssm_coint X.Y.Z`` plus the git commit of the source tree when it is a checkout, and
    whether the package's own sources (``ssm_coint/``) differ from that commit."""
    import subprocess

    from .. import __version__

    text = f"ssm_coint {__version__}"
    try:
        here = Path(__file__).resolve().parent
        rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=here, timeout=10,
                             capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "--",
                                str(here.parent)], cwd=here, timeout=10, capture_output=True,
                               text=True, check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return text
    return f"{text}, commit {rev}{' with uncommitted changes' if dirty else ''}" if rev else text


def add_arguments(ap: argparse.ArgumentParser) -> None:
    """The options shared by ``python -m validation`` and ``ssm-coint validate``."""
    ap.add_argument("study", choices=[*STUDY_NAMES, "all"], help="which study to run")
    ap.add_argument("--quick", action="store_true", help="small, fast settings (CI)")
    ap.add_argument("--workers", type=int, default=1, help="processes for the simulation studies")
    ap.add_argument("--out", type=Path, default=Path("validation_out"), help="output folder")
    ap.add_argument("--seed", type=int, default=20260101, help="root seed of every study")
    ap.add_argument("--data-dir", type=Path, default=None,
                    help=f"folder of the shared data files (default: ${DATA_ENV}, else "
                         "../shared/data)")
    ap.add_argument("--force", action="store_true", help="overwrite an existing report in --out")
    ap.add_argument("--reps", type=int, default=None,
                    help="replications per recovery grid cell (default 20; quick 4)")


def run_studies(study: str, *, out: Path, quick: bool = False, workers: int = 1,
                seed: int = 20260101, data_dir: Path | None = None,
                reps: int | None = None, force: bool = False) -> Path:
    """Run one study or ``all``; write the sections and the report; return the report's path.

    Raises
    ------
    FileNotFoundError
        If the data folder lacks ``chan_ewa_ewc_ige.csv``.
    FileExistsError
        If the report already exists in ``out`` and ``force`` is false.
    ValueError
        For an unknown study or a non-positive ``workers`` / ``reps``.
    """
    from dataclasses import replace

    if study != "all" and study not in STUDY_NAMES:
        raise ValueError(f"unknown study {study!r}; choose one of {', '.join(STUDY_NAMES)}, all")
    if workers < 1:
        raise ValueError(f"--workers must be at least 1, got {workers}")
    if reps is not None and reps < 1:
        raise ValueError(f"--reps must be at least 1, got {reps}")
    from ._common import default_data_dir
    from .recovery import RecoverySettings

    data_dir = Path(data_dir) if data_dir is not None else default_data_dir()
    if not (data_dir / "chan_ewa_ewc_ige.csv").exists():
        raise FileNotFoundError(f"data folder {data_dir} lacks chan_ewa_ewc_ige.csv "
                                f"(pass --data-dir or set ${DATA_ENV})")
    out = Path(out)
    report = out / ("report.md" if study == "all" else f"report_{study}.md")
    if report.exists() and not force:
        raise FileExistsError(f"{report} exists; pass --force to overwrite")
    check_writable([report], force=True)  # a folder that cannot be written fails now, not later
    out.mkdir(parents=True, exist_ok=True)
    settings = RecoverySettings.quick() if quick else RecoverySettings()
    if reps is not None:
        settings = replace(settings, reps=reps)
    names: Sequence[str] = list(STUDY_NAMES) if study == "all" else [study]
    sections, timings = [], []
    for name in names:
        t0 = time.perf_counter()
        sec = study_runner(name)(out, data_dir, quick=quick, workers=workers, seed=seed,
                                 settings=settings)
        timings.append((name, time.perf_counter() - t0))
        write_atomic(out / f"{name}.md", sec, force=True)
        sections.append(sec)
    head = ["# ssm_coint validation report", "",
            f"Mode: {'quick' if quick else 'full'}; seed {seed}; workers {workers}; "
            f"{_provenance()}. "
            "Run times: " + ", ".join(f"{n} {t:.1f} s" for n, t in timings) + ".", "",
            f"Produced by `python -m validation {study}{' --quick' if quick else ''} "
            f"--workers {workers} --seed {seed}`; every number below is computed by that run.",
            ""]
    md = "\n".join(head + sections)
    write_atomic(report, md, force=True)
    write_atomic(report.with_suffix(".html"), markdown_to_html(md, "ssm_coint validation"),
                 force=True)
    return report


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m validation``: parse, run, print the report's path; exit 2 on bad input."""
    import sys

    ap = argparse.ArgumentParser(prog="python -m validation", description=__doc__)
    add_arguments(ap)
    a = ap.parse_args(argv)
    try:
        report = run_studies(a.study, out=a.out, quick=a.quick, workers=a.workers, seed=a.seed,
                             data_dir=a.data_dir, reps=a.reps, force=a.force)
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {report}")
    return 0
