"""Reading and checking price data (SPEC section 9).

:func:`load_prices` reads a CSV or Parquet file in wide (``date,A,B,...``) or long
(``date,symbol,close``) layout and returns a clean float64 frame; :func:`validate_prices`
applies the same checks to an in-memory DataFrame; :func:`check_regressors` refuses designs that
cannot be estimated (perfectly collinear regressors, too few observations). Every refusal is a typed
:class:`~ssm_coint.exceptions.DataError` whose message names the file, column, row or date at fault;
every alteration of the data (sorting, trimming, dropping, filling) is reported by a
:class:`~ssm_coint.exceptions.DataWarning`.
"""

from __future__ import annotations

import difflib
import os
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
from pandas.api.types import is_bool_dtype, is_numeric_dtype

from ssm_coint.exceptions import (
    CollinearAssetsError,
    ConstantSeriesError,
    DataFileNotFoundError,
    DataFormatError,
    DataWarning,
    DateParseError,
    DuplicateDateError,
    InsufficientDataError,
    MissingDateColumnError,
    MissingValueError,
    NonNumericError,
    NonPositivePriceError,
    SampleSplitError,
    TooFewAssetsError,
    UnknownAssetError,
)

__all__ = ["load_prices", "validate_prices", "check_regressors", "MissingPolicy"]

MissingPolicy = Literal["raise", "drop", "ffill"]
DateLike = str | pd.Timestamp | np.datetime64 | None

_MISSING_POLICIES = ("raise", "drop", "ffill")
_CSV_EXT = (".csv", ".csv.gz")
_PARQUET_EXT = (".parquet", ".pq")
_DATE_NAMES = ("date", "Date", "DATE", "timestamp")
_DATE_NAMES_CI = ("date", "timestamp", "datetime")
_SYMBOL_NAMES = ("symbol", "ticker")
_MAX_LISTED = 20
_UNIT = pd.DatetimeIndex(["2000-01-01"]).unit  # this pandas' default resolution ("us" in pandas 3)


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
    """Warn with the stack level of the first caller outside this module."""
    frame, level = sys._getframe(1), 2
    while frame is not None and frame.f_code.co_filename == __file__:
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


def _parse_dates(values: pd.Series, where: str, column: str, csv: bool) -> pd.DatetimeIndex:
    """Parse a date column (ISO strings, datetimes or yyyymmdd integers); refuse any bad value."""
    s = pd.Series(values).reset_index(drop=True)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            if pd.api.types.is_datetime64_any_dtype(s):
                parsed = pd.to_datetime(s)
            elif is_numeric_dtype(s) and not is_bool_dtype(s):  # yyyymmdd, e.g. Chan's tday
                text = s.map(lambda v: str(int(v)) if pd.notna(v) and float(v).is_integer() else v)
                parsed = pd.to_datetime(text.astype("string"), format="%Y%m%d", errors="coerce")
            else:
                text = s.astype("string").str.strip()
                parsed = pd.to_datetime(text, format="ISO8601", errors="coerce")
                if parsed.isna().sum() > text.isna().sum():
                    alt = pd.to_datetime(text, errors="coerce")
                    if alt.isna().sum() < parsed.isna().sum():
                        parsed = alt
    except (ValueError, TypeError, OverflowError) as exc:
        msg = f"{where}: cannot parse the dates in column '{column}': {exc}"
        raise DateParseError(msg) from exc
    bad = np.flatnonzero(parsed.isna().to_numpy())
    if bad.size:
        i = int(bad[0])
        raw = s.iloc[i]
        shown = "an empty value" if pd.isna(raw) else repr(str(raw))
        line = f" (CSV line {i + 2})" if csv else ""
        hint = "" if column != "index" else "; give the frame a DatetimeIndex or a 'date' column"
        raise DateParseError(
            f"{where}: cannot parse date {shown} in column '{column}' at data row {i + 1}{line}"
            f"{hint} ({bad.size} unparsable value(s) in all)"
        )
    return pd.DatetimeIndex(parsed).as_unit(_UNIT)


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


def _parse_bound(value: DateLike, label: str, where: str, tz: object) -> pd.Timestamp | None:
    if value is None:
        return None
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError) as exc:
        raise SampleSplitError(f"{where}: {label} {value!r} is not a date") from exc
    if pd.isna(ts):
        raise SampleSplitError(f"{where}: {label} {value!r} is not a date")
    if tz is not None and ts.tzinfo is None:
        ts = ts.tz_localize(tz)
    elif tz is None and ts.tzinfo is not None:
        ts = ts.tz_localize(None)
    return ts


def _slice_range(data: pd.DataFrame, start: DateLike, end: DateLike, where: str) -> pd.DataFrame:
    """Keep rows with start <= date <= end (a date-only ``end`` includes that whole day)."""
    if start is None and end is None:
        return data
    idx = data.index
    lo = _parse_bound(start, "start", where, idx.tz)
    hi = _parse_bound(end, "end", where, idx.tz)
    requested = f"{_fmt_date(lo) if lo is not None else '(first date)'}.." + (
        _fmt_date(hi) if hi is not None else "(last date)"
    )
    if lo is not None and hi is not None and lo > hi:
        raise SampleSplitError(f"{where}: requested range {requested} has start after end")
    mask = np.ones(len(idx), dtype=bool)
    if lo is not None:
        mask &= idx >= lo
    if hi is not None:
        mask &= idx < hi + pd.Timedelta(days=1) if hi == hi.normalize() else idx <= hi
    span = f"{_fmt_date(idx.min())}..{_fmt_date(idx.max())}"
    if not mask.any():
        raise SampleSplitError(
            f"{where}: requested range {requested} selects no rows; the data cover {span}"
        )
    if lo is not None and lo < idx.min():
        _warn(f"{where}: requested start {_fmt_date(lo)} precedes the data (which cover {span})")
    if hi is not None and hi.normalize() > idx.max():
        _warn(f"{where}: requested end {_fmt_date(hi)} is after the data (which cover {span})")
    return data.loc[mask]


def _read_table(path: Path) -> tuple[pd.DataFrame, bool]:
    """Read a CSV or Parquet file; return the frame and whether it was CSV."""
    if not path.exists():
        raise DataFileNotFoundError(f"data file '{path}' does not exist")
    if path.is_dir():
        raise DataFormatError(f"data path '{path}' is a directory, not a CSV or Parquet file")
    lower = path.name.lower()
    is_csv = lower.endswith(_CSV_EXT)
    if not is_csv and not lower.endswith(_PARQUET_EXT):
        raise DataFormatError(
            f"data file '{path}' has an unsupported extension; expected .csv, .csv.gz, .parquet "
            "or .pq"
        )
    try:
        frame = pd.read_csv(path, skipinitialspace=True) if is_csv else pd.read_parquet(path)
    except Exception as exc:  # any reader failure means the content is unusable
        detail = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else ""
        raise DataFormatError(
            f"cannot read data file '{path}' as {'CSV' if is_csv else 'Parquet'}: "
            f"{type(exc).__name__}: {detail}"
        ) from exc
    named = _find_date_column([frame.index.name]) is not None
    if isinstance(frame.index, pd.DatetimeIndex) or (
        named and not isinstance(frame.index, pd.RangeIndex)
    ):  # a Parquet file written from a DataFrame with a DatetimeIndex
        frame = frame.rename_axis(frame.index.name or "date").reset_index()
    frame.columns = [str(c).strip() for c in frame.columns]
    if len(frame) == 0:
        raise DataFormatError(f"data file '{path}' has no data rows")
    return frame, is_csv


def _select_assets(
    assets: Sequence[str] | str | None, available: Sequence[str], where: str
) -> list[str]:
    if assets is None:
        if len(available) < 2:
            raise TooFewAssetsError(
                f"{where}: need at least two assets, found {len(available)}: "
                f"{_fmt_list(available) or '(none)'}"
            )
        return list(available)
    selected = [str(a) for a in ([assets] if isinstance(assets, str) else assets)]
    for name in selected:
        if name not in available:
            close = difflib.get_close_matches(name, list(available), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise UnknownAssetError(
                f"{where}: unknown asset '{name}'{hint}; available: {_fmt_list(available)}"
            )
    if len(selected) < 2:
        raise TooFewAssetsError(
            f"{where}: need at least two assets (y first, then the hedge assets); got "
            f"{len(selected)}: {_fmt_list(selected) or '(none)'}"
        )
    repeated = sorted({a for a in selected if selected.count(a) > 1})
    if repeated:
        raise CollinearAssetsError(f"{where}: asset(s) {_fmt_list(repeated)} requested twice")
    return selected


def _long_to_wide(
    frame: pd.DataFrame,
    date_col: str,
    sym_col: str,
    value_column: str | None,
    assets: Sequence[str] | str | None,
    where: str,
    csv: bool,
) -> pd.DataFrame:
    """Pivot a long ``date,symbol,value`` table to one column per selected symbol."""
    wanted = value_column or "close"
    val_col = _find_column(frame.columns, [wanted], [wanted.lower()])
    if val_col is None:
        raise DataFormatError(
            f"{where}: long layout (column '{sym_col}') but no value column '{wanted}'; columns "
            f"present: {_fmt_list(frame.columns)} (choose one with value_column)"
        )
    raw_symbols = frame[sym_col]
    if raw_symbols.isna().any():
        i = int(np.flatnonzero(raw_symbols.isna().to_numpy())[0])
        raise DataFormatError(f"{where}: empty '{sym_col}' at data row {i + 1}")
    symbols = raw_symbols.astype(str).str.strip().to_numpy()
    available = list(dict.fromkeys(symbols))
    selected = _select_assets(assets, available, where)
    keep = np.isin(symbols, selected)
    dates = _parse_dates(frame[date_col], where, date_col, csv)
    sub = pd.DataFrame(
        {"date": dates[keep], "symbol": symbols[keep], "value": frame[val_col].to_numpy()[keep]}
    )
    dup = sub.duplicated(["date", "symbol"])
    if dup.any():
        row = sub.loc[dup].iloc[0]
        raise DuplicateDateError(
            f"{where}: symbol '{row['symbol']}' has more than one row for date "
            f"{_fmt_date(row['date'])}"
        )
    wide = sub.pivot(index="date", columns="symbol", values="value").reindex(columns=selected)
    wide.columns.name = None
    return wide


def load_prices(
    path: str | os.PathLike[str],
    assets: Sequence[str] | None = None,
    *,
    start: DateLike = None,
    end: DateLike = None,
    log_prices: bool = False,
    missing: MissingPolicy = "raise",
    date_column: str | None = None,
    value_column: str | None = None,
) -> pd.DataFrame:
    """Read prices from a CSV or Parquet file and return a validated float64 frame.

    Parameters
    ----------
    path : str or path-like
        ``.csv``, ``.csv.gz``, ``.parquet`` or ``.pq`` file. Wide layout: a date column and one
        column per asset. Long layout: a date column, a ``symbol`` (or ``ticker``) column and a
        value column; it is pivoted to wide.
    assets : sequence of str, optional
        Columns (wide) or symbols (long) to keep, in this order; the first is the observed y.
        Default: every asset in the file, in file order.
    start, end : str or Timestamp, optional
        Inclusive sample bounds (a date-only ``end`` includes that whole day).
    log_prices : bool, default False
        Return natural log prices (every price must then be positive).
    missing : {"raise", "drop", "ffill"}, default "raise"
        What to do with NaN/inf inside the sample (see :func:`validate_prices`).
    date_column : str, optional
        Name of the date column; default: the first of ``date``, ``Date``, ``DATE``,
        ``timestamp`` (then any case of date/timestamp/datetime) present.
    value_column : str, optional
        Long layout only: the column holding prices (default ``close``; e.g. ``adj_close``).

    Returns
    -------
    pandas.DataFrame
        float64 prices (or log prices) on a sorted, unique ``DatetimeIndex`` named ``date``, one
        column per asset in the requested order. ``attrs["source"]`` holds the path and
        ``attrs["log_prices"]`` the flag.

    Raises
    ------
    DataFileNotFoundError, DataFormatError
        Missing file; unsupported extension, corrupt content, no rows, long file without its
        value column.
    MissingDateColumnError, DateParseError, DuplicateDateError
        No date column (the columns present are listed); an unparsable date (value and data row /
        CSV line named); a repeated date (wide) or (date, symbol) pair (long).
    UnknownAssetError, TooFewAssetsError
        A requested asset is absent (available ones listed); fewer than two assets.
    SampleSplitError
        ``start``/``end`` not dates, reversed, selecting no rows or no date on which all assets
        have a price (requested and data ranges named).
    NonNumericError, MissingValueError, NonPositivePriceError, ConstantSeriesError
        See :func:`validate_prices`.

    Warns
    -----
    DataWarning
        Dates sorted; requested range beyond the data; edge rows trimmed; rows dropped or cells
        forward-filled under ``missing``.

    Notes
    -----
    The rows in ``[start, end]`` are taken first; then leading (and trailing) rows where any
    selected asset has no price are trimmed (each asset's own start); NaN/inf left after that are
    "inside the sample" and handled by ``missing``.
    """
    if missing not in _MISSING_POLICIES:
        raise ValueError(f"missing must be one of {_MISSING_POLICIES}, got {missing!r}")
    file_path = Path(path)
    where = f"data file '{file_path}'"
    frame, csv = _read_table(file_path)
    date_col = _find_date_column(frame.columns, date_column)
    if date_col is None:
        looked = repr(date_column) if date_column is not None else ", ".join(_DATE_NAMES)
        raise MissingDateColumnError(
            f"{where}: no date column (looked for {looked}); columns present: "
            f"{_fmt_list(frame.columns)}"
        )
    sym_col = _find_column(frame.columns, _SYMBOL_NAMES, _SYMBOL_NAMES)
    if sym_col is not None:
        data = _long_to_wide(frame, date_col, sym_col, value_column, assets, where, csv)
    else:
        if value_column is not None:
            raise DataFormatError(
                f"{where}: value_column={value_column!r} applies to long files, but this file has "
                f"no 'symbol'/'ticker' column (wide layout; columns: {_fmt_list(frame.columns)})"
            )
        others = [c for c in frame.columns if c != date_col]
        if assets is None:
            others = [c for c in others if not c.startswith("Unnamed:")]
        selected = _select_assets(assets, others, where)
        dates = _parse_dates(frame[date_col], where, date_col, csv)
        data = frame.loc[:, selected].set_axis(dates, axis=0)
    data = _check_dates(data, where)
    full = data
    data = _slice_range(data, start, end, where)
    if (start is not None or end is not None) and not data.notna().all(axis=1).any():
        firsts = [full[c].first_valid_index() for c in full.columns]
        lasts = [full[c].last_valid_index() for c in full.columns]
        if any(d is None for d in firsts) or max(firsts) > min(lasts):
            common = "they have no date in common"
        else:
            common = f"their common range is {_fmt_date(max(firsts))}..{_fmt_date(min(lasts))}"
        requested = f"{start if start is not None else ''}..{end if end is not None else ''}"
        raise SampleSplitError(
            f"{where}: requested range {requested} holds no date on which all of "
            f"{_fmt_list(full.columns)} have a price; {common}"
        )
    out = validate_prices(data, name=where, log_prices=log_prices, missing=missing)
    out.attrs["source"] = str(path)
    out.attrs["log_prices"] = bool(log_prices)
    return out


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
        _warn(f"{name}: dropped {rows.size} row(s) with NaN/inf inside the sample (first: {where})")
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
        A price <= 0 with ``log_prices=True``; a column constant over the sample.

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
    if log_prices:
        nonpos = values <= 0
        if nonpos.any():
            i = int(np.flatnonzero(nonpos.any(axis=1))[0])
            j = int(np.flatnonzero(nonpos[i])[0])
            raise NonPositivePriceError(
                f"{name}: column '{df.columns[j]}' has a non-positive price {values[i, j]:g} on "
                f"{_fmt_date(df.index[i])}; log prices need positive prices "
                f"({int(nonpos.sum())} such cell(s))"
            )
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
