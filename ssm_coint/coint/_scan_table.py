"""Scan results: the :class:`ScanResult` table, ranking and seed 002's non-overlapping selection.

Part of the pair/basket scan (:mod:`ssm_coint.coint._scan`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ssm_coint.exceptions import (
    ModelSpecificationError,
)

__all__ = ["ScanResult", "rank_pairs", "select_non_overlapping"]

_PAIR_COLUMNS = [  # seed 002's columns first, then ours
    "asset_1", "asset_2", "corr", "pvalue", "coint_t", "crit_1pct", "crit_5pct", "crit_10pct",
    "hedge_ratio", "intercept", "n_obs",
    "pvalue_reverse", "qvalue", "half_life", "swapped", "start", "end", "n_gaps",
]
_FAILURE_COLUMNS = ["assets", "error", "reason", "n_obs"]
_SIGNIF_COLUMN = {0.10: "90%", 0.05: "95%", 0.01: "99%"}


# ---------------------------------------------------------------------------------------------
# Result object
# ---------------------------------------------------------------------------------------------


def _json_value(value: Any) -> Any:
    """Return ``value`` as a JSON-safe Python object (non-finite floats become ``None``)."""
    if value is None:
        return None
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        out = float(value)
        return out if math.isfinite(out) else None
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d") if value == value.normalize() else value.isoformat()
    if isinstance(value, tuple | list):
        return [_json_value(v) for v in value]
    if value is pd.NaT:
        return None
    return value if isinstance(value, str) else str(value)


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    cols = list(frame.columns)
    return [
        {c: _json_value(v) for c, v in zip(cols, row, strict=True)}
        for row in frame.itertuples(index=False, name=None)
    ]


@dataclass
class ScanResult:
    r"""Outcome of a pair or basket scan.

    Attributes
    ----------
    kind : {"pairs", "baskets"}
        What was scanned.
    table : pandas.DataFrame
        One row per pair (basket) that could be tested, in scan order (column order of the
        universe: ``itertools.combinations``). For pairs the first eleven columns are seed 002's
        ``asset_1, asset_2, corr, pvalue, coint_t, crit_1pct, crit_5pct, crit_10pct,
        hedge_ratio, intercept, n_obs`` (``asset_1`` is the dependent variable :math:`y`), then
        ``pvalue_reverse`` (Engle-Granger p-value with the roles swapped), ``qvalue``
        (Benjamini-Hochberg adjusted p-value over the table), ``half_life`` (of the OLS spread,
        in observations), ``swapped`` (``asset_1`` is not the earlier column), ``start``,
        ``end`` and ``n_gaps`` (rows inside the pair's span dropped because one price is
        missing). See :func:`scan_baskets` for the basket columns.
    cointegrated : pandas.DataFrame
        The rows of :attr:`table` that reject the null of no cointegration at ``signif``,
        ranked (see :func:`rank_pairs`), with a 1-based ``rank`` column.
    selected : pandas.DataFrame
        Seed 002's non-overlapping selection from :attr:`cointegrated` (see
        :func:`select_non_overlapping`).
    failures : pandas.DataFrame
        One row per pair (basket) that could not be tested: ``assets`` (tuple of tickers),
        ``error`` (exception class), ``reason`` (its message), ``n_obs`` (overlapping rows).
    options : dict
        The scan settings (``signif``, ``sort_by``, ``max_pairs``, ``min_obs``, ...), the
        universe (``assets``) and counts.
    elapsed : float
        Wall-clock seconds of the scan.
    """

    kind: str
    table: pd.DataFrame
    cointegrated: pd.DataFrame
    selected: pd.DataFrame
    failures: pd.DataFrame
    options: dict[str, Any] = field(default_factory=dict)
    elapsed: float = math.nan

    @property
    def n_scanned(self) -> int:
        """Number of pairs (baskets) attempted: ``len(table) + len(failures)``."""
        return len(self.table) + len(self.failures)

    def to_dict(self) -> dict[str, Any]:
        """Return the result as JSON-serialisable values.

        Returns
        -------
        dict
            The :attr:`options`, counts (``n_scanned``, ``n_tested``, ``n_cointegrated``,
            ``n_selected``, ``n_failures``), ``elapsed_seconds`` and the four tables as lists of
            records (``table``, ``cointegrated``, ``selected``, ``failures``). Non-finite floats
            are ``None`` and dates ISO strings, so the output passes
            ``json.dumps(..., allow_nan=False)``.
        """
        out: dict[str, Any] = {"kind": self.kind}
        out.update({k: _json_value(v) for k, v in self.options.items()})
        out.update(
            n_scanned=self.n_scanned,
            n_tested=len(self.table),
            n_cointegrated=len(self.cointegrated),
            n_selected=len(self.selected),
            n_failures=len(self.failures),
            elapsed_seconds=_json_value(self.elapsed),
            table=_records(self.table),
            cointegrated=_records(self.cointegrated),
            selected=_records(self.selected),
            failures=_records(self.failures),
        )
        return out

    def summary(self, top: int = 20) -> str:
        """Return a plain-text report: counts, the top ranked rows, the selection, failures.

        Parameters
        ----------
        top : int
            Number of ranked cointegrated rows shown.
        """
        opts = self.options
        what = "pairs" if self.kind == "pairs" else f"baskets of {opts.get('size', '?')}"
        test = "Engle-Granger" if self.kind == "pairs" else "Johansen trace"
        lines = [
            f"Scan of {what} ({test}) over {len(opts.get('assets', []))} assets: "
            f"{self.n_scanned} scanned, {len(self.table)} tested, {len(self.failures)} failed, "
            f"{len(self.cointegrated)} cointegrated at {opts.get('signif')} "
            f"(ranked by {opts.get('sort_by')}), {self.elapsed:.1f} s",
        ]
        show = _display_columns(self.kind, self.cointegrated)
        if len(self.cointegrated):
            lines += ["", f"Top {min(top, len(self.cointegrated))} cointegrated:"]
            lines.append(self.cointegrated.head(top)[show].to_string(index=False))
        if len(self.selected):
            lines += ["", "Non-overlapping selection:"]
            lines.append(self.selected[show].to_string(index=False))
        if len(self.failures):
            lines += ["", "Failures:"]
            for row in self.failures.itertuples(index=False):
                lines.append(f"  {'/'.join(row.assets)}: {row.error}: {row.reason}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def __repr__(self) -> str:
        return (
            f"ScanResult(kind={self.kind!r}, scanned={self.n_scanned}, tested={len(self.table)}, "
            f"cointegrated={len(self.cointegrated)}, selected={len(self.selected)}, "
            f"failures={len(self.failures)})"
        )


def _display_columns(kind: str, frame: pd.DataFrame) -> list[str]:
    if kind == "pairs":
        wanted = ["rank", "asset_1", "asset_2", "pvalue", "pvalue_reverse", "corr",
                  "hedge_ratio", "half_life", "n_obs"]
    else:
        wanted = ["rank", "assets", "trace_stat", "trace_crit", "trace_ratio", "rank_trace",
                  "half_life", "n_obs"]
    return [c for c in wanted if c in frame.columns]


# ---------------------------------------------------------------------------------------------
# Ranking and selection
# ---------------------------------------------------------------------------------------------


def rank_pairs(table: pd.DataFrame, sort_by: str = "pvalue") -> pd.DataFrame:
    """Rank scan rows as seed 002 does, deterministically.

    Parameters
    ----------
    table : pandas.DataFrame
        Rows of a pair scan (needs ``pvalue`` and ``corr``) or basket scan (needs
        ``trace_ratio``, ``max_eig_ratio``).
    sort_by : {"pvalue", "corr", "trace", "max_eig"}
        ``"pvalue"``: ascending p-value; ``"corr"``: descending price correlation (seed 002);
        ``"trace"`` / ``"max_eig"``: descending ratio of the Johansen :math:`r = 0` statistic
        to its critical value.

    Returns
    -------
    pandas.DataFrame
        The rows reordered, index reset, with a 1-based ``rank`` column first. Ties keep scan
        order (stable sort), so the ranking is reproducible.
    """
    keys = {
        "pvalue": ("pvalue", True),
        "corr": ("corr", False),
        "trace": ("trace_ratio", False),
        "max_eig": ("max_eig_ratio", False),
    }
    if sort_by not in keys:
        raise ModelSpecificationError(
            f"sort_by must be one of {', '.join(keys)}; got {sort_by!r}"
        )
    col, ascending = keys[sort_by]
    if col not in table.columns:
        raise ModelSpecificationError(f"sort_by={sort_by!r} needs a {col!r} column")
    out = table.sort_values(col, ascending=ascending, kind="mergesort", na_position="last")
    out = out.reset_index(drop=True)
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    return out


def _row_assets(row: pd.Series) -> tuple[str, ...]:
    if "assets" in row.index:
        return tuple(row["assets"])
    return (row["asset_1"], row["asset_2"])


def select_non_overlapping(ranked: pd.DataFrame, max_pairs: int | None = None) -> pd.DataFrame:
    """Seed 002's ``select_top_non_overlapping_pairs`` on an already ranked table.

    Walks the rows in order and keeps a row unless one of its tickers was already used by a
    kept row; stops once ``max_pairs`` rows are kept.

    Parameters
    ----------
    ranked : pandas.DataFrame
        Ranked rows with ``asset_1``/``asset_2`` columns (pairs) or an ``assets`` column of
        tuples (baskets).
    max_pairs : int, optional
        Largest number of rows kept (default: no limit).

    Returns
    -------
    pandas.DataFrame
        The kept rows in ranked order (index reset); no ticker appears twice.
    """
    if max_pairs is not None and (int(max_pairs) != max_pairs or max_pairs < 1):
        raise ModelSpecificationError(f"max_pairs must be a positive integer; got {max_pairs!r}")
    used: set[str] = set()
    keep: list[int] = []
    for pos in range(len(ranked)):
        if max_pairs is not None and len(keep) >= max_pairs:
            break
        names = _row_assets(ranked.iloc[pos])
        if used.intersection(names):
            continue
        keep.append(pos)
        used.update(names)
    return ranked.iloc[keep].reset_index(drop=True)


