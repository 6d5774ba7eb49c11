"""Shared helpers of the validation studies: paths, tables, figures, progress."""

from __future__ import annotations

import math
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

#: ``../shared/data`` next to the repository (the repo is the parent of this package).
DEFAULT_DATA_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def fmt(v, digits: int = 4) -> str:
    """Format a cell for a markdown table."""
    if isinstance(v, (bool, np.bool_)):
        return str(bool(v))
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, (float, np.floating)):
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


def new_figure(*args, **kwargs):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt.subplots(*args, **kwargs)


def save_figure(fig, path: Path) -> str:
    import matplotlib.pyplot as plt

    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path.name


class Progress:
    """A minimal text progress bar on stderr."""

    def __init__(self, total: int, label: str):
        self.total, self.label, self.done, self.t0 = max(total, 1), label, 0, time.perf_counter()

    def update(self, n: int = 1) -> None:
        self.done += n
        frac = self.done / self.total
        bar = "#" * int(30 * frac)
        sys.stderr.write(f"\r{self.label:12s} [{bar:<30s}] {self.done}/{self.total} "
                         f"{time.perf_counter() - self.t0:6.1f}s")
        if self.done >= self.total:
            sys.stderr.write("\n")
        sys.stderr.flush()


def chan_etf(data_dir: Path) -> pd.DataFrame:
    return pd.read_csv(Path(data_dir) / "chan_ewa_ewc_ige.csv", index_col="date",
                       parse_dates=True)
