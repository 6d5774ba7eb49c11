r"""Pair and basket scans over a universe of prices, with seed 002's non-overlapping selection.

:func:`scan_pairs` runs the Engle-Granger test on every unordered pair of columns of a wide
price frame, each pair on its own overlapping sample (tickers start on different dates), and
ranks the cointegrated ones; :func:`scan_baskets` does the same for baskets of ``size`` assets
with Johansen's trace test. A pair or basket that cannot be tested (too short, constant,
perfectly collinear, ...) is listed in :attr:`ScanResult.failures` with the reason and does not
stop the scan. :func:`select_non_overlapping` is seed 002's ``select_top_non_overlapping_pairs``:
walk the ranked list and skip a pair (basket) as soon as one of its tickers is already used.

The work is split over processes (``workers``) with :mod:`concurrent.futures`; the output order
never depends on the number of workers.
"""

from __future__ import annotations

import ctypes
import itertools
import math
import os
import time
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from statsmodels.stats.multitest import multipletests
from statsmodels.tsa.adfvalues import mackinnoncrit, mackinnonp
from statsmodels.tsa.stattools import coint
from statsmodels.tsa.vector_ar.vecm import coint_johansen

from ssm_coint._warnings import collected_warnings, summarise
from ssm_coint.coint._half_life import half_life
from ssm_coint.coint._results import MIN_NOBS_TEST
from ssm_coint.exceptions import (
    CollinearAssetsError,
    ConstantSeriesError,
    DataFormatError,
    DataWarning,
    DuplicateDateError,
    InsufficientDataError,
    MissingValueError,
    ModelSpecificationError,
    NonNumericError,
    TooFewAssetsError,
)

__all__ = [
    "ScanResult",
    "scan_pairs",
    "scan_baskets",
    "select_non_overlapping",
    "rank_pairs",
    "DEFAULT_MIN_OBS",
]

PairSort = Literal["pvalue", "corr"]
BasketSort = Literal["trace", "max_eig"]
Direction = Literal["first", "min"]

#: Default fewest overlapping observations for a pair or basket to be tested (about five months
#: of trading days). The Engle-Granger p-values are asymptotic, and statsmodels' automatic lag
#: search uses up to :math:`12 (n/100)^{1/4}` lags, so far shorter samples give unreliable tests.
DEFAULT_MIN_OBS = 100

#: statsmodels ``coint`` treats a cointegrating regression with :math:`R^2` at or above
#: ``1 - 100 sqrt(eps)`` as perfectly collinear (it then returns t = -inf and p = 0).
_R2_COLLINEAR = 1.0 - 100.0 * math.sqrt(np.finfo(float).eps)

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


# ---------------------------------------------------------------------------------------------
# Input handling
# ---------------------------------------------------------------------------------------------


def _universe(prices: Any) -> pd.DataFrame:
    """Return a float frame with unique string columns; NaN (missing) is allowed."""
    if isinstance(prices, pd.DataFrame):
        frame = prices
    else:
        arr = np.asarray(prices)
        if arr.ndim != 2:
            raise DataFormatError(f"prices must be two-dimensional; got shape {arr.shape}")
        frame = pd.DataFrame(arr, columns=[f"x{i}" for i in range(arr.shape[1])])
    names = [str(c) for c in frame.columns]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise DataFormatError(f"prices: duplicate column name(s) {', '.join(dup)}")
    if len(names) < 2:
        raise TooFewAssetsError(f"prices: need at least two assets, got {len(names)}")
    columns = {}
    for col, name in zip(frame.columns, names, strict=True):
        s = frame[col]
        if pd.api.types.is_bool_dtype(s):
            raise NonNumericError(f"prices: column '{name}' holds booleans, not prices")
        num = pd.to_numeric(s, errors="coerce")
        bad = np.flatnonzero((num.isna() & s.notna()).to_numpy())
        if bad.size:
            raise NonNumericError(
                f"prices: column '{name}' has a non-numeric value {s.iloc[bad[0]]!r} at row "
                f"{frame.index[bad[0]]}"
            )
        columns[name] = num.to_numpy(dtype="float64", na_value=np.nan)
    out = pd.DataFrame(columns, index=frame.index)
    if isinstance(out.index, pd.DatetimeIndex):
        dup_idx = out.index.duplicated()
        if dup_idx.any():
            raise DuplicateDateError(
                f"prices: date {out.index[dup_idx][0]} occurs more than once"
            )
        if not out.index.is_monotonic_increasing:
            warnings.warn("prices: dates were not in increasing order; sorted them", DataWarning,
                          stacklevel=3)
            out = out.sort_index(kind="mergesort")
    return out


def _check_workers(workers: int | None) -> int:
    if workers is None:
        return max(1, os.cpu_count() or 1)
    if int(workers) != workers or workers < 1:
        raise ModelSpecificationError(
            f"workers must be a positive integer or None; got {workers!r}"
        )
    return int(workers)


def _check_min_obs(min_obs: int) -> int:
    if int(min_obs) != min_obs or min_obs < MIN_NOBS_TEST:
        raise ModelSpecificationError(
            f"min_obs must be an integer >= {MIN_NOBS_TEST}; got {min_obs!r}"
        )
    return int(min_obs)


# ---------------------------------------------------------------------------------------------
# Per-pair / per-basket work (runs in worker processes)
# ---------------------------------------------------------------------------------------------

def _openblas_thread_controls() -> list[tuple[Any, Any]]:
    """(get, set) thread-count functions of every OpenBLAS library loaded in this process.

    Found through ``/proc/self/maps`` (Linux); elsewhere, or if nothing matches, the list is
    empty and the scan runs with the BLAS defaults.
    """
    try:
        with open("/proc/self/maps", encoding="utf-8") as fh:
            paths = sorted({line.split()[-1] for line in fh
                            if "openblas" in line.lower() and "/" in line})
    except OSError:
        return []
    controls = []
    for path in paths:
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for prefix in ("scipy_openblas", "openblas"):
            for suffix in ("64_", "_64_", ""):
                get = getattr(lib, f"{prefix}_get_num_threads{suffix}", None)
                put = getattr(lib, f"{prefix}_set_num_threads{suffix}", None)
                if get is not None and put is not None:
                    controls.append((get, put))
                    break
            else:
                continue
            break
    return controls


@contextmanager
def _single_thread_blas() -> Iterator[None]:
    """Run the block with one OpenBLAS thread, then restore the previous counts.

    Every linear-algebra call of a scan is small (at most a few thousand by 24); a
    multithreaded BLAS spends far longer synchronising its threads than computing, and on a
    busy machine it can be a hundred times slower than one thread. Like ``threadpoolctl``,
    this changes a process-wide setting while the block runs.
    """
    controls = _openblas_thread_controls()
    saved = []
    for get, put in controls:
        saved.append(int(get()))
        put(1)
    try:
        yield
    finally:
        for (_, put), n in zip(controls, saved, strict=True):
            put(n)


_STATE: dict[str, Any] = {}


def _init_worker(values: np.ndarray, index: pd.Index, columns: list[str],
                 opts: dict[str, Any], single_thread: bool = False) -> None:
    _STATE.update(values=values, index=index, columns=columns, opts=opts)
    if single_thread:  # worker processes keep one BLAS thread for their whole life
        for _, put in _openblas_thread_controls():
            put(1)


def _overlap(cols: Sequence[int]) -> tuple[np.ndarray, int, int]:
    """Rows where every price of ``cols`` is present; count of rows dropped inside the span."""
    sub = _STATE["values"][:, list(cols)]
    present = ~np.isnan(sub).any(axis=1)
    rows = np.flatnonzero(present)
    n_gaps = int(rows[-1] - rows[0] + 1 - rows.size) if rows.size else 0
    if rows.size and not np.isfinite(sub[rows]).all():
        r, c = np.argwhere(~np.isfinite(sub[rows]))[0]
        name = _STATE["columns"][cols[c]]
        raise MissingValueError(
            f"'{name}' is {sub[rows[r], c]} at {_json_value(_STATE['index'][rows[r]])}"
        )
    return rows, n_gaps, int(rows.size)


def _check_length(n: int, names: Sequence[str]) -> None:
    min_obs = _STATE["opts"]["min_obs"]
    if n < min_obs:
        raise InsufficientDataError(
            f"{'/'.join(names)} share {n} observations; at least {min_obs} are needed"
        )


def _adf_aic_no_trend(u: np.ndarray) -> float:
    r"""ADF t-statistic of ``u`` without deterministic terms, lags chosen by AIC.

    The same computation as statsmodels ``adfuller(u, maxlag=None, regression="n",
    autolag="aic")``: :math:`L = \min(\lceil 12 (n/100)^{1/4} \rceil, \lfloor n/2 \rfloor - 1)`,
    the regressions of :math:`\Delta u_t` on :math:`u_{t-1}, \Delta u_{t-1}, \dots,
    \Delta u_{t-j}` for :math:`j = 0..L` on the common sample, the smallest
    :math:`\text{AIC}_j = -2\ell_j + 2(j + 1)` (first on ties), then the t-ratio of
    :math:`u_{t-1}` with :math:`j` lags re-estimated on all usable rows. The nested residual
    sums of squares come from one Cholesky factorisation of the augmented Gram matrix instead
    of :math:`L + 1` SVD-based fits (see :func:`_chol_augmented`); tests check the result
    against statsmodels. A rank-deficient design raises ``LinAlgError`` and the caller falls
    back to statsmodels.
    """
    n = u.size
    if u.max() == u.min():
        raise ConstantSeriesError("the cointegrating residual is constant")
    maxlag = min(int(np.ceil(12.0 * np.power(n / 100.0, 1 / 4.0))), n // 2 - 1)
    if maxlag < 0:
        raise InsufficientDataError(f"{n} observations are too few for the ADF regression")
    d = np.diff(u)
    m = d.size

    def design(lags: int) -> tuple[np.ndarray, np.ndarray]:
        rows = m - lags
        X = np.empty((rows, lags + 1))
        X[:, 0] = u[lags:m]
        for i in range(1, lags + 1):
            X[:, i] = d[lags - i : m - i]
        return X, d[lags:]

    X, y = design(maxlag)
    rows = X.shape[0]
    R = _chol_augmented(X, y)
    p = maxlag + 1
    c2 = R[:p, p] ** 2  # squared components of y along the orthonormalised columns
    tail = np.append(np.cumsum(c2[::-1])[::-1], 0.0)
    j = np.arange(1, p + 1)
    ssr = R[p, p] ** 2 + tail[j]
    aic = rows * np.log(ssr) + rows * (1.0 + np.log(2.0 * np.pi / rows)) + 2.0 * j
    best = int(np.argmin(aic))  # = number of lagged differences
    X, y = design(best)
    R = _chol_augmented(X, y)
    p = best + 1
    rinv = np.linalg.inv(R[:p, :p])
    coef = rinv @ R[:p, p]
    dof = X.shape[0] - p
    se = math.sqrt(R[p, p] ** 2 / dof * float(rinv[0] @ rinv[0]))
    return float(coef[0] / se)


def _chol_augmented(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    r"""Upper Cholesky factor :math:`R` of :math:`[X\;y]^\top [X\;y]`.

    :math:`R` is the triangular factor of the QR decomposition of :math:`[X\;y]`, so
    :math:`R_{:p,p} = Q^\top y`, :math:`R_{p,p}^2` is the residual sum of squares and the SSR of
    the regression on the first :math:`j` columns is
    :math:`R_{p,p}^2 + \sum_{i \ge j} R_{i,p}^2`. Small (at most 24 x 24) LAPACK calls only:
    multithreaded BLAS is very slow on the tall QR/SVD calls this replaces.
    """
    M = np.column_stack([X, y])
    G = M.T @ M
    return np.linalg.cholesky(G).T


def _engle_granger(y: np.ndarray, x: np.ndarray, engine: str) -> dict[str, Any]:
    r"""Engle-Granger test of y on x (constant, AIC lags): statistic, p-value, OLS fit.

    Equals statsmodels ``coint(y, x)`` (``engine="statsmodels"`` calls it); refuses constant
    series and perfect collinearity (:math:`R^2 \ge 1 - 100\sqrt{\epsilon}`, where
    statsmodels returns :math:`t = -\infty`, :math:`p = 0`).
    """
    n = y.size
    design = np.column_stack([np.ones(n), x])
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    resid = y - design @ coef
    yc = y - y.mean()
    r2 = 1.0 - float(resid @ resid) / float(yc @ yc)
    if not r2 < _R2_COLLINEAR:
        raise CollinearAssetsError(f"perfectly collinear on the overlap (R^2 = {r2:.12f})")
    stat = math.nan
    if engine == "fast":
        try:
            stat = _adf_aic_no_trend(resid)
        except np.linalg.LinAlgError:  # rank-deficient lag design: let statsmodels decide
            engine = "statsmodels"
    if engine == "statsmodels":
        stat, pvalue, crit = coint(y, x)
    else:
        pvalue = mackinnonp(stat, regression="c", N=2)
        crit = mackinnoncrit(N=2, regression="c", nobs=n - 1)
    return {"stat": float(stat), "pvalue": float(pvalue), "crit": np.asarray(crit, float),
            "intercept": float(coef[0]), "hedge_ratio": float(coef[1]), "resid": resid}


def _pair(i: int, j: int) -> dict[str, Any]:
    columns: list[str] = _STATE["columns"]
    opts = _STATE["opts"]
    engine = opts["engine"]
    a, b = columns[i], columns[j]
    n = 0
    try:
        with collected_warnings() as caught:
            rows, n_gaps, n = _overlap((i, j))
            _check_length(n, (a, b))
            v1, v2 = _STATE["values"][rows, i], _STATE["values"][rows, j]
            for name, v in ((a, v1), (b, v2)):
                if np.all(v == v[0]):
                    raise ConstantSeriesError(f"'{name}' is constant ({v[0]!r}) on the overlap")
            fwd = _engle_granger(v1, v2, engine)
            rev = _engle_granger(v2, v1, engine)
            swapped = opts["direction"] == "min" and rev["pvalue"] < fwd["pvalue"]
            res, p_other = (rev, fwd["pvalue"]) if swapped else (fwd, rev["pvalue"])
            hl = half_life(res["resid"], errors="coerce").half_life
            corr = float(np.corrcoef(v1, v2)[0, 1])
    except Exception as exc:  # any failure of one pair is reported, never fatal
        return {"failure": True, "assets": (a, b), "error": type(exc).__name__,
                "reason": f"{a}/{b}: {exc}", "n_obs": n}
    warned = summarise(caught)
    index = _STATE["index"]
    crit = res["crit"]
    return {
        "failure": False,
        "asset_1": b if swapped else a,
        "asset_2": a if swapped else b,
        "corr": corr,
        "pvalue": res["pvalue"],
        "coint_t": res["stat"],
        "crit_1pct": float(crit[0]),
        "crit_5pct": float(crit[1]),
        "crit_10pct": float(crit[2]),
        "hedge_ratio": res["hedge_ratio"],
        "intercept": res["intercept"],
        "n_obs": n,
        "pvalue_reverse": p_other,
        "half_life": hl,
        "swapped": bool(swapped),
        "start": index[rows[0]],
        "end": index[rows[-1]],
        "n_gaps": n_gaps,
        "warnings": warned,
    }


def _basket(cols: tuple[int, ...]) -> dict[str, Any]:
    columns: list[str] = _STATE["columns"]
    opts = _STATE["opts"]
    names = tuple(columns[c] for c in cols)
    n = 0
    try:
        with collected_warnings() as caught:
            rows, n_gaps, n = _overlap(cols)
            _check_length(n, names)
            values = _STATE["values"][np.ix_(rows, list(cols))]
            for c, name in enumerate(names):
                if np.all(values[:, c] == values[0, c]):
                    raise ConstantSeriesError(f"'{name}' is constant on the overlap")
            centred = values - values.mean(axis=0)
            if np.linalg.matrix_rank(centred) < len(cols):
                raise CollinearAssetsError(f"{'/'.join(names)} are linearly dependent")
            res = coint_johansen(values, opts["det_order"], opts["k_ar_diff"])
            level = _SIGNIF_COLUMN[opts["signif"]]
            k = list(_SIGNIF_COLUMN.values()).index(level)
            trace, max_eig = np.asarray(res.lr1, float), np.asarray(res.lr2, float)
            cvt, cvm = np.asarray(res.cvt, float)[:, k], np.asarray(res.cvm, float)[:, k]
            rank_trace = int(np.argmin(np.append(trace > cvt, False)))
            w = np.asarray(res.evec, float)[:, 0]
            portfolio = values @ w
            hl = half_life(portfolio, errors="coerce").half_life
    except Exception as exc:  # any failure of one basket is reported, never fatal
        return {"failure": True, "assets": names, "error": type(exc).__name__,
                "reason": str(exc), "n_obs": n}
    warned = summarise(caught)
    index = _STATE["index"][rows]
    return {
        "failure": False,
        "assets": names,
        "trace_stat": float(trace[0]),
        "trace_crit": float(cvt[0]),
        "trace_ratio": float(trace[0] / cvt[0]),
        "max_eig_stat": float(max_eig[0]),
        "max_eig_crit": float(cvm[0]),
        "max_eig_ratio": float(max_eig[0] / cvm[0]),
        "rank_trace": rank_trace,
        "eigenvalue": float(np.asarray(res.eig, float)[0]),
        "weights": tuple(float(v) for v in w / w[0]),
        "half_life": hl,
        "n_obs": n,
        "start": index[0],
        "end": index[-1],
        "n_gaps": n_gaps,
        "warnings": warned,
    }


def _run_chunk(chunk: list[tuple[int, ...]]) -> list[dict[str, Any]]:
    func = _pair if _STATE["opts"]["kind"] == "pairs" else _basket
    if _STATE["opts"]["kind"] == "pairs":
        return [func(*task) for task in chunk]
    return [func(task) for task in chunk]


def _chunks(tasks: list[tuple[int, ...]], n: int) -> list[list[tuple[int, ...]]]:
    size = max(1, math.ceil(len(tasks) / n))
    return [tasks[k : k + size] for k in range(0, len(tasks), size)]


def _execute(frame: pd.DataFrame, tasks: list[tuple[int, ...]], opts: dict[str, Any],
             workers: int, progress: Callable[[int, int], None] | None) -> list[dict[str, Any]]:
    """Run the tasks serially or over processes; results come back in task order."""
    values = np.ascontiguousarray(frame.to_numpy(dtype=float))
    args = (values, frame.index, list(frame.columns), opts)
    # serial: chunks of about 50 tasks (progress granularity); parallel: 8 chunks per worker
    n_chunks = math.ceil(len(tasks) / 50) if workers == 1 else workers * 8
    chunks = _chunks(tasks, max(n_chunks, 1)) if tasks else []
    out: list[dict[str, Any]] = []
    done = 0
    if workers == 1 or len(chunks) <= 1:
        saved = dict(_STATE)
        try:
            with _single_thread_blas():
                _init_worker(*args)
                for chunk in chunks:
                    out.extend(_run_chunk(chunk))
                    done += len(chunk)
                    if progress is not None:
                        progress(done, len(tasks))
        finally:
            _STATE.clear()
            _STATE.update(saved)
        return out
    with ProcessPoolExecutor(max_workers=workers, initializer=_init_worker,
                             initargs=(*args, True)) as pool:
        for chunk, res in zip(chunks, pool.map(_run_chunk, chunks), strict=True):
            out.extend(res)
            done += len(chunk)
            if progress is not None:
                progress(done, len(tasks))
    return out


def _split(records: Iterable[dict[str, Any]], columns: list[str]) -> tuple[pd.DataFrame,
                                                                             pd.DataFrame]:
    ok, bad = [], []
    for rec in records:
        (bad if rec.pop("failure") else ok).append(rec)
    table = pd.DataFrame(ok, columns=columns)
    failures = pd.DataFrame(bad, columns=_FAILURE_COLUMNS)
    failures["n_obs"] = failures["n_obs"].astype("int64")
    return table, failures


def _check_sort(sort_by: str, allowed: tuple[str, ...]) -> None:
    if sort_by not in allowed:
        raise ModelSpecificationError(
            f"sort_by must be one of {', '.join(allowed)}; got {sort_by!r}"
        )


# ---------------------------------------------------------------------------------------------
# Public scans
# ---------------------------------------------------------------------------------------------


def scan_pairs(
    prices: pd.DataFrame,
    *,
    signif: float = 0.05,
    sort_by: PairSort = "pvalue",
    max_pairs: int | None = None,
    min_obs: int = DEFAULT_MIN_OBS,
    direction: Direction = "first",
    engine: Literal["fast", "statsmodels"] = "fast",
    workers: int | None = 1,
    progress: Callable[[int, int], None] | None = None,
) -> ScanResult:
    r"""Engle-Granger test of every pair in a universe, ranked, with a non-overlapping selection.

    Parameters
    ----------
    prices : pandas.DataFrame
        Wide prices, one column per ticker, rows in time order (a ``DatetimeIndex`` is sorted if
        needed). NaN means "no price" (e.g. before a ticker's first date): each pair is tested
        on the rows where both of its prices are present. Log prices, date ranges and so on
        are the caller's choice (the CLI ``scan`` offers them).
    signif : float
        Size of the test: a pair is cointegrated when ``pvalue < signif``.
    sort_by : {"pvalue", "corr"}
        Ranking of the cointegrated pairs: ascending p-value or descending price correlation
        (seed 002).
    max_pairs : int, optional
        Largest number of pairs in :attr:`ScanResult.selected` (default: no limit).
    min_obs : int
        Fewest overlapping observations for a pair to be tested (default
        :data:`DEFAULT_MIN_OBS`); shorter pairs are failures.
    direction : {"first", "min"}
        ``"first"`` (default): the dependent variable :math:`y` is the earlier column of the
        pair (as statsmodels ``coint(prices[a], prices[b])`` with ``a`` before ``b``); the
        p-value with the roles swapped is reported as ``pvalue_reverse`` but not used.
        ``"min"``: for each pair the direction with the smaller p-value is used (``asset_1`` is
        then its :math:`y`, ``swapped`` says whether that is the later column). Taking the
        minimum of two p-values makes the test liberal (its size exceeds ``signif``).
    engine : {"fast", "statsmodels"}
        ``"fast"`` (default) computes statsmodels' ``coint`` (constant, AIC lag choice,
        MacKinnon p-values) with one QR decomposition per test instead of one SVD-based OLS per
        candidate lag: same numbers (tested to 1e-8), about 30 times faster.
        ``"statsmodels"`` calls ``statsmodels.tsa.stattools.coint`` itself.
    workers : int or None
        Number of processes (``None``: all CPUs). The output is identical for any value.
    progress : callable, optional
        Called as ``progress(done, total)`` after each chunk of pairs.

    Returns
    -------
    ScanResult
        ``table`` (every tested pair, scan order), ``cointegrated`` (ranked), ``selected``
        (non-overlapping), ``failures``; ``len(table) + len(failures)`` is
        :math:`k(k-1)/2` for :math:`k` columns.

    Raises
    ------
    TooFewAssetsError, DataFormatError, NonNumericError, DuplicateDateError
        Fewer than two columns, duplicate names, non-numeric cells, duplicate dates.
    ModelSpecificationError
        Bad ``signif``, ``sort_by``, ``max_pairs``, ``min_obs``, ``direction`` or ``workers``.

    Notes
    -----
    For the pair :math:`(a, b)` with :math:`y = a`, :math:`x = b` (``direction="first"``),
    :func:`~ssm_coint.coint.engle_granger` fits :math:`y_t = c + \beta x_t + u_t` by OLS and
    tests a unit root in :math:`\hat u_t` (statsmodels ``coint``, constant, AIC lag choice):
    ``pvalue``, ``coint_t``, ``crit_*``, ``hedge_ratio`` :math:`\hat\beta` and ``intercept``
    :math:`\hat c`. ``corr`` is the Pearson correlation of the two price *levels* (seed 002's
    ``corr``), ``half_life`` is :math:`-\ln 2/\hat\lambda` from the OLS of
    :math:`\Delta\hat u_t` on :math:`\hat u_{t-1}` (:func:`~ssm_coint.coint.half_life`).

    A pair fails, without stopping the scan, when its overlap is shorter than ``min_obs``,
    one price is constant or infinite on the overlap, or the two are perfectly collinear
    (:math:`R^2 \ge 1 - 100\sqrt{\epsilon}`, where statsmodels would return
    :math:`t = -\infty`, :math:`p = 0`).

    Multiple testing: with :math:`m` pairs and no cointegration at all, about
    :math:`m \cdot` ``signif`` pairs still pass (about 30 of the 595 pairs of 35 tickers at 5%).
    The ``qvalue`` column (Benjamini-Hochberg) is there to judge that; selection uses the raw
    p-value, as seed 002 does. Tickers that trend together also pass often without a stable
    relation; in-sample tests do not guarantee out-of-sample mean reversion.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from ssm_coint.coint import scan_pairs
    >>> rng = np.random.default_rng(0)
    >>> walks = 50 + rng.standard_normal((500, 3)).cumsum(axis=0)
    >>> prices = pd.DataFrame(walks, columns=["A", "B", "C"])
    >>> prices["D"] = 1.5 * prices["A"] + rng.standard_normal(500)
    >>> res = scan_pairs(prices)
    >>> res.n_scanned, tuple(res.selected.loc[0, ["asset_1", "asset_2"]])
    (6, ('A', 'D'))
    """
    t0 = time.perf_counter()
    if not 0 < float(signif) < 1:
        raise ModelSpecificationError(f"signif must lie in (0, 1); got {signif!r}")
    _check_sort(sort_by, ("pvalue", "corr"))
    if direction not in ("first", "min"):
        raise ModelSpecificationError(f"direction must be 'first' or 'min'; got {direction!r}")
    if engine not in ("fast", "statsmodels"):
        raise ModelSpecificationError(f"engine must be 'fast' or 'statsmodels'; got {engine!r}")
    if max_pairs is not None and (int(max_pairs) != max_pairs or max_pairs < 1):
        raise ModelSpecificationError(f"max_pairs must be a positive integer; got {max_pairs!r}")
    min_obs = _check_min_obs(min_obs)
    n_workers = _check_workers(workers)
    frame = _universe(prices)
    tasks = list(itertools.combinations(range(frame.shape[1]), 2))
    opts = {"kind": "pairs", "min_obs": min_obs, "direction": direction, "engine": engine}
    table, failures = _split(_execute(frame, tasks, opts, n_workers, progress), _PAIR_COLUMNS)
    if len(table):
        table["qvalue"] = multipletests(table["pvalue"].to_numpy(), method="fdr_bh")[1]
    coint_rows = table.loc[table["pvalue"] < signif]
    ranked = rank_pairs(coint_rows, sort_by)
    selected = select_non_overlapping(ranked, max_pairs)
    options = {
        "assets": list(frame.columns),
        "signif": float(signif),
        "sort_by": sort_by,
        "max_pairs": max_pairs,
        "min_obs": min_obs,
        "direction": direction,
        "engine": engine,
        "test": "engle-granger",
    }
    return ScanResult("pairs", table, ranked, selected, failures, options,
                      time.perf_counter() - t0)


def scan_baskets(
    prices: pd.DataFrame,
    size: int = 3,
    *,
    signif: float = 0.05,
    sort_by: BasketSort = "trace",
    max_baskets: int | None = None,
    min_obs: int = DEFAULT_MIN_OBS,
    det_order: int = 0,
    k_ar_diff: int = 1,
    workers: int | None = 1,
    progress: Callable[[int, int], None] | None = None,
) -> ScanResult:
    r"""Johansen trace test of every basket of ``size`` assets, ranked, non-overlapping selection.

    Parameters
    ----------
    prices : pandas.DataFrame
        Wide prices as in :func:`scan_pairs` (NaN = no price; each basket uses the rows where
        all its prices are present).
    size : int
        Assets per basket (at least 2; statsmodels' critical values cover up to 12).
    signif : {0.10, 0.05, 0.01}
        Size of the trace test of :math:`H_0: r = 0`; a basket is cointegrated when it is
        rejected.
    sort_by : {"trace", "max_eig"}
        Rank by the ratio of the :math:`r = 0` trace (or maximum-eigenvalue) statistic to its
        critical value at ``signif``, descending. Johansen's tables give no p-values.
    max_baskets : int, optional
        Largest number of baskets in :attr:`ScanResult.selected`.
    min_obs : int
        Fewest overlapping observations.
    det_order, k_ar_diff : int
        Deterministic terms and lagged differences of the VECM (as
        :func:`~ssm_coint.coint.johansen`; Chan uses 0 and 1).
    workers : int or None
        Number of processes (``None``: all CPUs).
    progress : callable, optional
        Called as ``progress(done, total)``.

    Returns
    -------
    ScanResult
        ``kind="baskets"``. Table columns: ``assets`` (tuple), ``trace_stat``, ``trace_crit``,
        ``trace_ratio``, ``max_eig_stat``, ``max_eig_crit``, ``max_eig_ratio`` (all for
        :math:`r = 0`), ``rank_trace`` (sequential trace-test rank at ``signif``),
        ``eigenvalue`` (largest), ``weights`` (first eigenvector normalised to
        :math:`w_1 = 1`), ``half_life`` (of the portfolio :math:`w^\top p_t`, Chan Example
        2.7), ``n_obs``, ``start``, ``end``, ``n_gaps``.

    Notes
    -----
    There are :math:`\binom{k}{\text{size}}` baskets: 6545 triplets for 35 tickers, several
    hundred of which pass at 5% by chance alone. Treat the ranking as a screen.
    """
    t0 = time.perf_counter()
    if int(size) != size or size < 2:
        raise ModelSpecificationError(f"size must be an integer >= 2; got {size!r}")
    size = int(size)
    if size > 12:
        raise ModelSpecificationError("Johansen critical values cover at most 12 series")
    key = round(float(signif), 10)
    if key not in _SIGNIF_COLUMN:
        raise ModelSpecificationError(f"signif must be 0.10, 0.05 or 0.01; got {signif!r}")
    _check_sort(sort_by, ("trace", "max_eig"))
    if det_order not in (-1, 0, 1):
        raise ModelSpecificationError(f"det_order must be -1, 0 or 1; got {det_order!r}")
    if int(k_ar_diff) != k_ar_diff or k_ar_diff < 0:
        raise ModelSpecificationError(
            f"k_ar_diff must be a non-negative integer; got {k_ar_diff!r}"
        )
    if max_baskets is not None and (int(max_baskets) != max_baskets or max_baskets < 1):
        raise ModelSpecificationError(
            f"max_baskets must be a positive integer; got {max_baskets!r}"
        )
    min_obs = _check_min_obs(min_obs)
    n_workers = _check_workers(workers)
    frame = _universe(prices)
    if frame.shape[1] < size:
        raise TooFewAssetsError(
            f"prices: baskets of {size} need at least {size} assets, got {frame.shape[1]}"
        )
    tasks = list(itertools.combinations(range(frame.shape[1]), size))
    opts = {"kind": "baskets", "min_obs": min_obs, "signif": key, "det_order": int(det_order),
            "k_ar_diff": int(k_ar_diff)}
    columns = ["assets", "trace_stat", "trace_crit", "trace_ratio", "max_eig_stat",
               "max_eig_crit", "max_eig_ratio", "rank_trace", "eigenvalue", "weights",
               "half_life", "n_obs", "start", "end", "n_gaps"]
    table, failures = _split(_execute(frame, tasks, opts, n_workers, progress), columns)
    ranked = rank_pairs(table.loc[table["rank_trace"] >= 1], sort_by)
    selected = select_non_overlapping(ranked, max_baskets)
    options = {
        "assets": list(frame.columns),
        "size": size,
        "signif": key,
        "sort_by": sort_by,
        "max_baskets": max_baskets,
        "min_obs": min_obs,
        "det_order": int(det_order),
        "k_ar_diff": int(k_ar_diff),
        "test": "johansen-trace",
    }
    return ScanResult("baskets", table, ranked, selected, failures, options,
                      time.perf_counter() - t0)
