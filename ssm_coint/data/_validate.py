"""Checking in-memory price data and regression designs (SPEC section 9).

:func:`validate_prices` checks a price DataFrame (dates, numbers, missing values, constant or
non-positive prices) and returns a clean float64 frame; :func:`check_regressors` refuses designs
that cannot be estimated (perfectly collinear regressors, too few observations). Every refusal is a
typed :class:`~ssm_coint.exceptions.DataError` whose message names the column, row or date at
fault; every alteration of the data (sorting, trimming, dropping, filling) is reported by a
:class:`~ssm_coint.exceptions.DataWarning`. The small helpers shared with
:mod:`ssm_coint.data._loader` (message formatting, date parsing, warnings) live here too.
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd
from pandas.api.types import is_bool_dtype, is_numeric_dtype

from ssm_coint.data._dates import parse_dates as _parse_dates
from ssm_coint.exceptions import (
    CollinearAssetsError,
    ConstantSeriesError,
    DataFormatError,
    DataWarning,
    DateParseError,
    DuplicateDateError,
    InsufficientDataError,
    MissingValueError,
    NonNumericError,
    NonPositivePriceError,
    TooFewAssetsError,
)

__all__ = ["validate_prices", "check_regressors", "MissingPolicy"]

MissingPolicy = Literal["raise", "drop", "ffill"]

_MISSING_POLICIES = ("raise", "drop", "ffill")
_DATE_NAMES = ("date", "Date", "DATE", "timestamp")
_DATE_NAMES_CI = ("date", "timestamp", "datetime")
_MAX_LISTED = 20
_UNIT = pd.DatetimeIndex(["2000-01-01"]).unit  # this pandas' default resolution ("us" in pandas 3)
# Frames from these files are skipped when a warning is attributed to its caller.
_INTERNAL_FILES = frozenset({__file__, os.path.join(os.path.dirname(__file__), "_loader.py")})


def _fmt_list(items: Sequence[object], limit: int = _MAX_LISTED) -> str:
    names = [str(i) for i in items]
    text = ", ".join(names[:limit])
    if len(names) > limit:
        text += f", ... ({len(names) - limit} more)"
    return text


def _fmt_date(value: object) -> str:
    ts = pd.Timestamp(value)
    if ts.tzinfo is None and ts == ts.normalize():
        return ts.strftime("%Y-%m-%d")
    return ts.isoformat()


def _warn(message: str) -> None:
    """Warn with the stack level of the first caller outside the data loading/checking modules."""
    frame, level = sys._getframe(1), 2
    while frame is not None and frame.f_code.co_filename in _INTERNAL_FILES:
        frame, level = frame.f_back, level + 1
    warnings.warn(message, DataWarning, stacklevel=level)


def _find_column(columns: Sequence[str], exact: Sequence[str], ci: Sequence[str]) -> str | None:
    for name in exact:
        if name in columns:
            return name
    lowered = {str(c).lower(): c for c in columns}
    for name in ci:
        if name in lowered:
            return lowered[name]
    return None


def _find_date_column(columns: Sequence[str], date_column: str | None = None) -> str | None:
    if date_column is not None:
        return date_column if date_column in columns else None
    return _find_column(columns, _DATE_NAMES, _DATE_NAMES_CI)


def _check_dates(data: pd.DataFrame, where: str) -> pd.DataFrame:
    """Refuse duplicate dates; sort unsorted dates with a warning."""
    idx = data.index
    dup = idx.duplicated()
    if dup.any():
        first = idx[dup][0]
        count = int((idx == first).sum())
        raise DuplicateDateError(
            f"{where}: date {_fmt_date(first)} occurs {count} times ({int(dup.sum())} duplicated "
            "date(s) in all); each date must appear once"
        )
    if not idx.is_monotonic_increasing:
        _warn(f"{where}: dates were not in increasing order; sorted them")
        data = data.sort_index(kind="mergesort")
    return data


def _to_dates(df: pd.DataFrame, name: str) -> pd.DataFrame:
    idx = df.index
    if isinstance(idx, pd.DatetimeIndex):
        dates = idx
        if dates.hasnans:
            i = int(np.flatnonzero(dates.isna())[0])
            raise DateParseError(f"{name}: missing date (NaT) in the index at row {i + 1}")
    elif isinstance(idx, pd.PeriodIndex):
        dates = idx.to_timestamp()
    else:
        col = _find_date_column(list(df.columns)) if isinstance(idx, pd.RangeIndex) else None
        if col is not None:
            dates = _parse_dates(df[col], name, col, csv=False)
            df = df.drop(columns=[col])
        else:
            dates = _parse_dates(pd.Series(idx, dtype=object), name, "index", csv=False)
    return df.set_axis(pd.DatetimeIndex(dates).as_unit(_UNIT), axis=0)


def _to_float(df: pd.DataFrame, name: str) -> pd.DataFrame:
    columns = {}
    for col in df.columns:
        s = df[col]
        if is_bool_dtype(s):
            raise NonNumericError(f"{name}: column '{col}' holds booleans, not prices")
        if not is_numeric_dtype(s):
            num = pd.to_numeric(s, errors="coerce")
            bad = np.flatnonzero((num.isna() & s.notna()).to_numpy())
            if bad.size:
                i = int(bad[0])
                raise NonNumericError(
                    f"{name}: column '{col}' has a non-numeric value {s.iloc[i]!r} on "
                    f"{_fmt_date(df.index[i])} ({bad.size} non-numeric cell(s) in the column)"
                )
            s = num
        columns[col] = s.to_numpy(dtype="float64", na_value=np.nan)
    return pd.DataFrame(columns, index=df.index)


def _trim_edges(df: pd.DataFrame, name: str) -> pd.DataFrame:
    ok = df.notna().all(axis=1).to_numpy()
    if not ok.any():
        raise MissingValueError(
            f"{name}: there is no date on which all of {_fmt_list(df.columns)} have a price"
        )
    first = int(ok.argmax())
    last = len(ok) - 1 - int(ok[::-1].argmax())
    notes = []
    if first > 0:
        late = [c for c in df.columns if df[c].iloc[:first].isna().any()]
        notes.append(
            f"dropped {first} leading row(s) with no price yet for {_fmt_list(late)}; "
            f"the sample starts on {_fmt_date(df.index[first])}"
        )
    if last < len(ok) - 1:
        gone = [c for c in df.columns if df[c].iloc[last + 1 :].isna().any()]
        notes.append(
            f"dropped {len(ok) - 1 - last} trailing row(s) with no price any more for "
            f"{_fmt_list(gone)}; the sample ends on {_fmt_date(df.index[last])}"
        )
    if notes:
        _warn(f"{name}: " + "; ".join(notes))
    return df.iloc[first : last + 1]


def _handle_missing(df: pd.DataFrame, name: str, missing: str) -> pd.DataFrame:
    values = df.to_numpy()
    bad = ~np.isfinite(values)
    if not bad.any():
        return df
    rows = np.flatnonzero(bad.any(axis=1))
    i = int(rows[0])
    j = int(np.flatnonzero(bad[i])[0])
    where = f"column '{df.columns[j]}' is {values[i, j]} on {_fmt_date(df.index[i])}"
    if missing == "raise":
        raise MissingValueError(
            f"{name}: {where} inside the sample ({int(bad.sum())} NaN/inf cell(s) in "
            f"{rows.size} row(s)); use missing='drop' or missing='ffill' to proceed"
        )
    if missing == "drop":
        dates = _fmt_list([_fmt_date(df.index[r]) for r in rows])
        _warn(f"{name}: dropped {rows.size} row(s) with NaN/inf inside the sample: {dates} "
              f"(first: {where})")
        out = df.loc[~bad.any(axis=1)]
        if out.empty:
            raise MissingValueError(f"{name}: no rows left after dropping NaN/inf rows")
        return out
    filled = df.mask(bad).ffill()
    if filled.isna().any().any():
        raise MissingValueError(f"{name}: cannot forward-fill, {where} at the start of the sample")
    _warn(f"{name}: forward-filled {int(bad.sum())} NaN/inf cell(s) inside the sample ({where})")
    return filled


def validate_prices(
    prices: pd.DataFrame,
    *,
    name: str = "prices",
    log_prices: bool = False,
    missing: MissingPolicy = "raise",
    allow_negative: bool = False,
) -> pd.DataFrame:
    """Check an in-memory price frame and return a clean float64 copy.

    Parameters
    ----------
    prices : pandas.DataFrame
        One column per asset (the first is y). The index must hold dates (a ``DatetimeIndex``, a
        ``PeriodIndex`` or values convertible to dates); with a default ``RangeIndex`` a ``date``
        column is used instead.
    name : str, default "prices"
        Label used at the start of every error and warning message (e.g. the file name).
    log_prices : bool, default False
        If True, require every price to be positive and return the natural logarithm.
    missing : {"raise", "drop", "ffill"}, default "raise"
        NaN or inf inside the sample (after trimming the leading/trailing rows where some asset
        has no price yet/any more): raise :class:`MissingValueError`, drop those rows, or
        forward-fill those cells. Dropping and filling are reported by a :class:`DataWarning`.
    allow_negative : bool, default False
        Accept negative values in level mode (a spread or a futures calendar series). A zero
        price is refused either way (it is a missing-data code, not a price), and log prices
        need every price positive.

    Returns
    -------
    pandas.DataFrame
        float64 prices (or log prices) on a sorted, unique ``DatetimeIndex`` named ``date``;
        ``attrs["log_prices"]`` is set.

    Raises
    ------
    TooFewAssetsError, DataFormatError
        Fewer than two columns; duplicate column names.
    DateParseError, DuplicateDateError
        An index (or ``date`` column) value is not a date; a date occurs more than once.
    NonNumericError
        A cell is not a number (column, date and value are named).
    MissingValueError
        NaN/inf inside the sample with ``missing="raise"``, or no date with all prices present.
    NonPositivePriceError, ConstantSeriesError
        A zero price; a negative price unless ``allow_negative`` (always with ``log_prices``);
        a column constant over the sample. The message names the column and its first dates.

    Warns
    -----
    DataWarning
        Unsorted dates were sorted; edge rows trimmed; rows dropped or cells filled.
    """
    if not isinstance(prices, pd.DataFrame):
        raise TypeError(f"{name}: expected a pandas DataFrame, got {type(prices).__name__}")
    if missing not in _MISSING_POLICIES:
        raise ValueError(f"missing must be one of {_MISSING_POLICIES}, got {missing!r}")
    df = _to_dates(prices, name)
    df.columns = [str(c) for c in df.columns]
    repeated = sorted({c for c in df.columns if list(df.columns).count(c) > 1})
    if repeated:
        raise DataFormatError(f"{name}: duplicate column name(s) {_fmt_list(repeated)}")
    if df.shape[1] < 2:
        raise TooFewAssetsError(
            f"{name}: need at least two asset columns, got {df.shape[1]}: "
            f"{_fmt_list(df.columns) or '(none)'}"
        )
    if len(df) == 0:
        raise InsufficientDataError(f"{name}: no rows")
    df = _check_dates(df, name)
    df = _to_float(df, name)
    df = _trim_edges(df, name)
    df = _handle_missing(df, name, missing)
    values = df.to_numpy()
    for j, col in enumerate(df.columns):
        if values[:, j].max() == values[:, j].min():
            raise ConstantSeriesError(
                f"{name}: column '{col}' is constant ({values[0, j]:g}) over the sample "
                f"{_fmt_date(df.index[0])}..{_fmt_date(df.index[-1])}"
            )
    bad = values <= 0 if (log_prices or not allow_negative) else values == 0
    if bad.any():
        j = int(np.flatnonzero(bad.any(axis=0))[0])
        rows = np.flatnonzero(bad[:, j])
        dates = _fmt_list([_fmt_date(df.index[r]) for r in rows])
        kind = "zero" if np.all(values[rows, j] == 0) else "non-positive"
        why = ("log prices need positive prices" if log_prices else
               "a zero price is a missing-data code, not a price" if kind == "zero" else
               "pass allow_negative=True (CLI --allow-negative) for a spread or futures series")
        raise NonPositivePriceError(
            f"{name}: column '{df.columns[j]}' has a {kind} price {values[rows[0], j]:g} on "
            f"{_fmt_date(df.index[rows[0]])} ({rows.size} date(s): {dates}); {why} "
            f"({int(bad.sum())} such cell(s) in all)"
        )
    if log_prices:
        df = np.log(df)
    df.index.name = "date"
    df.columns.name = None
    df.attrs = {**prices.attrs, "log_prices": bool(log_prices)}
    return df


def check_regressors(prices: pd.DataFrame, *, n_params: int, name: str = "prices") -> None:
    """Refuse a design that cannot be estimated.

    The observation equation regresses the first column on ``Z = [1, x_2, ..., x_k]``.

    Parameters
    ----------
    prices : pandas.DataFrame
        Validated prices (see :func:`validate_prices`); the first column is y.
    n_params : int
        Number of free model parameters P.
    name : str, default "prices"
        Label used in error messages.

    Raises
    ------
    InsufficientDataError
        If ``nobs < max(2 * P, P + 10)``: at least twice as many observations as parameters and
        at least ten degrees of freedom.
    CollinearAssetsError
        If ``Z`` is rank deficient: a regressor is constant (collinear with the intercept) or some
        regressors are exact linear/affine combinations of others. The regressors are centered and
        scaled to unit variance; a singular value below ``max(n, k) * eps * a`` times the largest
        counts as zero, where ``a = max_j max|x_j| / std(x_j)`` (>= 1) bounds the amplification of
        rounding error by centering. The message names the columns involved.
    TooFewAssetsError, MissingValueError
        Fewer than two columns; a regressor holds NaN or inf.
    """
    if int(n_params) != n_params or n_params < 1:
        raise ValueError(f"n_params must be a positive integer, got {n_params!r}")
    nobs, k = prices.shape
    if k < 2:
        raise TooFewAssetsError(f"{name}: need y and at least one regressor, got {k} column(s)")
    need = max(2 * n_params, n_params + 10)
    if nobs < need:
        raise InsufficientDataError(
            f"{name}: {nobs} observations for {n_params} parameters; need at least {need} "
            "(nobs >= max(2 * P, P + 10))"
        )
    cols = [str(c) for c in prices.columns[1:]]
    x = prices.iloc[:, 1:].to_numpy(dtype="float64")
    if not np.isfinite(x).all():
        col = cols[int(np.flatnonzero(~np.isfinite(x).all(axis=0))[0])]
        raise MissingValueError(f"{name}: regressor '{col}' holds NaN or inf")
    sd = x.std(axis=0)
    scale = np.abs(x).max(axis=0)
    flat = sd <= 1e-12 * np.maximum(scale, np.finfo(float).tiny)
    if flat.any():
        raise CollinearAssetsError(
            f"{name}: regressor(s) {_fmt_list([c for c, f in zip(cols, flat, strict=True) if f])} "
            "are constant, hence collinear with the intercept"
        )
    z = (x - x.mean(axis=0)) / sd
    _, s, vt = np.linalg.svd(z, full_matrices=False)
    amp = max(1.0, float(np.max(scale / sd)))
    tol = s[0] * max(nobs, z.shape[1]) * np.finfo(float).eps * amp
    null = vt[s <= tol]
    if null.size:
        weights = np.abs(null).max(axis=0)
        involved = [c for c, w in zip(cols, weights, strict=True) if w > 1e-6 * weights.max()]
        rank = int((s > tol).sum()) + 1
        raise CollinearAssetsError(
            f"{name}: regressors {_fmt_list(involved)} are perfectly collinear (together with the "
            f"intercept): the design [1, {', '.join(cols)}] has rank {rank} < {len(cols) + 1}; "
            "drop one of them"
        )
