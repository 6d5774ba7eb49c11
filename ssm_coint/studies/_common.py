"""Shared helpers of the validation studies: data paths, truths, tables, figures, progress."""

from __future__ import annotations

import math
import os
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._choices import STUDY_DATA_ENV as DATA_ENV  # the folder of the shared data files

#: Last day of the training window on Chan's EWA/EWC/IGE file (the seed's split).
TRAIN_END = "2010-12-31"



def default_data_dir() -> Path:
    """Where the studies look for ``chan_ewa_ewc_ige.csv`` and friends.

    ``$SSM_COINT_SHARED_DATA`` if set, else ``../shared/data`` relative to the working directory
    (the layout of a checkout with the shared folder beside it), else the same path relative to
    the source tree of this package (an editable install).
    """
    env = os.environ.get(DATA_ENV)
    if env:
        return Path(env)
    here = Path.cwd().parent / "shared" / "data"
    if here.exists():
        return here
    return Path(__file__).resolve().parents[3] / "shared" / "data"


def truth_params(alpha: float, k: int) -> dict[str, float]:
    r"""True parameters of the simulation studies.

    The spread level has long-run mean :math:`\mu = c / (1 - \alpha) = 2` (``c = 0`` at
    alpha = 1); level innovations 0.01, hedge-ratio drifts 1e-6 (and 5e-7 for the third asset),
    observation noise 0.01.
    """
    t = {"alpha": alpha, "c": 2.0 * (1 - alpha), "sigma2.intercept": 0.01,
         "sigma2.X2": 1e-6, "sigma2.obs": 0.01}
    if k == 3:
        t["sigma2.X3"] = 5e-7
    return t


def fmt(v: Any, digits: int = 4) -> str:
    """Format a cell for a markdown table."""
    if isinstance(v, bool | np.bool_):
        return str(bool(v))
    if isinstance(v, int | np.integer):
        return str(int(v))
    if isinstance(v, float | np.floating):
        if math.isnan(v):
            return "nan"
        if v != 0 and (abs(v) < 1e-3 or abs(v) >= 1e6):
            return f"{v:.{digits}g}"
        return f"{v:.{digits}f}"
    return str(v).replace("|", "/")


def md_table(df: pd.DataFrame, digits: int = 4) -> str:
    """A pipe table (no dependency on ``tabulate``)."""
    cols = [str(c) for c in df.columns]
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for _, row in df.iterrows():
        lines.append("| " + " | ".join(fmt(v, digits) for v in row.to_numpy()) + " |")
    return "\n".join(lines)


def new_figure(*args: Any, **kwargs: Any) -> Any:
    """``plt.subplots`` on the non-interactive Agg backend."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt.subplots(*args, **kwargs)


def save_figure(fig: Any, path: Path) -> str:
    """Save and close a figure; return its file name (for a relative link in the report)."""
    import matplotlib.pyplot as plt

    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path.name


class Progress:
    """A minimal text progress bar on stderr (silent when ``enabled`` is false)."""

    enabled = True

    def __init__(self, total: int, label: str):
        self.total, self.label, self.done, self.t0 = max(total, 1), label, 0, time.perf_counter()

    def update(self, n: int = 1) -> None:
        self.done += n
        if not self.enabled:
            return
        frac = self.done / self.total
        bar = "#" * int(30 * frac)
        sys.stderr.write(f"\r{self.label:12s} [{bar:<30s}] {self.done}/{self.total} "
                         f"{time.perf_counter() - self.t0:6.1f}s")
        if self.done >= self.total:
            sys.stderr.write("\n")
        sys.stderr.flush()


def pool_map(fn: Callable[[Any], Any], jobs: Sequence[Any], workers: int,
             label: str) -> list[Any]:
    """``[fn(j) for j in jobs]`` in order, over ``workers`` processes, with a progress bar."""
    bar = Progress(len(jobs), label)
    out: list[Any] = []
    results: Iterable[Any]
    if workers > 1:
        with ProcessPoolExecutor(max_workers=workers) as ex:
            results = ex.map(fn, jobs)
            for r in results:
                out.append(r)
                bar.update()
    else:
        for j in jobs:
            out.append(fn(j))
            bar.update()
    return out


def chan_etf(data_dir: Path) -> pd.DataFrame:
    """Chan's EWA/EWC/IGE closes (``chan_ewa_ewc_ige.csv``) indexed by date."""
    return pd.read_csv(Path(data_dir) / "chan_ewa_ewc_ige.csv", index_col="date",
                       parse_dates=True)
