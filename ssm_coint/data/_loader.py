"""Reading and checking price data (SPEC section 9).

:func:`load_prices` reads a CSV or Parquet file in wide (``date,A,B,...``) or long
(``date,symbol,close``) layout and returns a clean float64 frame; :func:`validate_prices`
applies the same checks to an in-memory DataFrame; :func:`check_regressors` refuses designs that
cannot be estimated (perfectly collinear regressors, too few observations). Every refusal is a typed
:class:`~ssm_coint.exceptions.DataError` whose message names the file, column, row or date at fault;
every alteration of the data (sorting, trimming, dropping, filling) is reported by a
:class:`~ssm_coint.exceptions.DataWarning`.

The checks of in-memory frames (:func:`validate_prices`, :func:`check_regressors`) live in
:mod:`ssm_coint.data._validate`.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ssm_coint.data._validate import (
    _DATE_NAMES,
    _MISSING_POLICIES,
    MissingPolicy,
    _check_dates,
    _find_column,
    _find_date_column,
    _fmt_date,
    _fmt_list,
    _parse_dates,
    _warn,
    validate_prices,
)
from ssm_coint.exceptions import (
    CollinearAssetsError,
    DataFileNotFoundError,
    DataFormatError,
    DuplicateDateError,
    MissingDateColumnError,
    NonPositivePriceError,
    SampleSplitError,
    TooFewAssetsError,
    UnknownAssetError,
)

__all__ = ["load_prices", "load_universe"]

DateLike = str | pd.Timestamp | np.datetime64 | None

_CSV_EXT = (".csv", ".csv.gz")
_PARQUET_EXT = (".parquet", ".pq")
_SYMBOL_NAMES = ("symbol", "ticker")


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


def _parquet_header(path: Path) -> list[str] | None:
    """The column names of a Parquet file, without reading its rows (None if that fails: the
    full read then reports the problem)."""
    try:
        import pyarrow.parquet as pq

        return [str(c) for c in pq.read_schema(path).names]
    except Exception:  # noqa: BLE001 - the full read below raises the typed error
        return None


def _wanted_columns(header: list[str] | None, assets: Sequence[str] | str | None,
                    date_column: str | None) -> list[str] | None:
    """The raw names to read from a wide file: the date column and the requested assets.

    None (read everything) when no assets are named, the layout is long, or a name is missing
    (the full read then gives the usual message listing what is there).
    """
    if header is None or assets is None or isinstance(assets, str):
        return None
    stripped = {c.strip(): c for c in header}
    if _find_column(list(stripped), _SYMBOL_NAMES, _SYMBOL_NAMES) is not None:
        return None
    date_col = _find_date_column(list(stripped), date_column)
    names = [str(a) for a in assets]
    if date_col is None or any(a not in stripped for a in names) or len(set(names)) < len(names):
        return None
    return [stripped[date_col]] + [stripped[a] for a in names if a != date_col]


def _read_table(path: Path, assets: Sequence[str] | str | None = None,
                date_column: str | None = None) -> tuple[pd.DataFrame, bool]:
    """Read a CSV or Parquet file; return the frame and whether it was CSV.

    With ``assets`` named, a wide Parquet file is read for the date column and those columns
    only (memory: a universe file of hundreds of tickers is not loaded to fit two of them). A
    CSV file is read whole: with ``usecols`` pandas would silently drop the extra fields of a
    ragged row, which must be refused.
    """
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
        if is_csv:
            frame = pd.read_csv(path, skipinitialspace=True)
        else:
            columns = _wanted_columns(_parquet_header(path), assets, date_column)
            frame = pd.read_parquet(path, columns=columns)
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
    dates_as: dict[str, Any],
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
    dates = _parse_dates(frame[date_col], where, date_col, csv, **dates_as)
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


def _read_wide(file_path: Path, assets: Sequence[str] | None, where: str, *,
               date_column: str | None = None, value_column: str | None = None,
               dayfirst: bool | None = None, date_format: str | None = None) -> pd.DataFrame:
    """Read, pivot (long layout), select the assets and parse/check the dates: the part of
    loading shared by :func:`load_prices` and :func:`load_universe`."""
    frame, csv = _read_table(file_path, assets, date_column)
    dates_as: dict[str, Any] = {"dayfirst": dayfirst, "date_format": date_format}
    date_col = _find_date_column(frame.columns, date_column)
    if date_col is None:
        looked = repr(date_column) if date_column is not None else ", ".join(_DATE_NAMES)
        raise MissingDateColumnError(
            f"{where}: no date column (looked for {looked}); columns present: "
            f"{_fmt_list(frame.columns)}"
        )
    sym_col = _find_column(frame.columns, _SYMBOL_NAMES, _SYMBOL_NAMES)
    if sym_col is not None:
        data = _long_to_wide(frame, date_col, sym_col, value_column, assets, where, csv,
                             dates_as)
    else:
        if value_column is not None:
            raise DataFormatError(
                f"{where}: value_column={value_column!r} applies to long files, but this file has "
                f"no 'symbol'/'ticker' column (wide layout; columns: {_fmt_list(frame.columns)})"
            )
        others = [c for c in frame.columns if c != date_col]
        if assets is None:
            others = [c for c in others if not str(c).startswith("Unnamed:")]
        selected = _select_assets(assets, others, where)
        dates = _parse_dates(frame[date_col], where, date_col, csv, **dates_as)
        data = frame.loc[:, selected].set_axis(dates, axis=0)
    return _check_dates(data, where)


def load_universe(
    path: str | os.PathLike[str],
    assets: Sequence[str] | None = None,
    *,
    start: Any = None,
    end: Any = None,
    log_prices: bool = False,
    dayfirst: bool | None = None,
    date_format: str | None = None,
) -> pd.DataFrame:
    """Read a price file for a scan, keeping each ticker's own first and last date.

    Parameters
    ----------
    path : str or path-like
        CSV or Parquet, wide or long layout (as :func:`load_prices`).
    assets : sequence of str, optional
        Tickers to keep, in this order (default: all, in file order).
    start, end : date-like, optional
        Inclusive sample bounds.
    log_prices : bool
        Return natural log prices; every present price must then be positive.
    dayfirst, date_format
        How to read the dates (as :func:`load_prices`).

    Returns
    -------
    pandas.DataFrame
        float64 prices on a sorted ``DatetimeIndex``; NaN where a ticker has no price.

    Raises
    ------
    DataFileNotFoundError, DataFormatError, MissingDateColumnError, DateParseError,
    DuplicateDateError, UnknownAssetError, TooFewAssetsError, SampleSplitError, NonNumericError
        As :func:`load_prices` (same messages).
    NonPositivePriceError
        A zero or negative price with ``log_prices``.

    Notes
    -----
    :func:`load_prices` trims the sample to the dates on which every asset has a price, which
    is right for a model of a few assets and wrong for a universe scan. This reader shares its
    file, date and asset checks and stops before the trimming.
    """
    from ..coint._scan import _universe

    file_path = Path(path)
    where = f"data file '{file_path}'"
    data = _read_wide(file_path, assets, where, dayfirst=dayfirst, date_format=date_format)
    data = _slice_range(data, start, end, where)
    data = _universe(data)
    data.index.name = "date"
    if log_prices:
        values = data.to_numpy()
        bad = np.argwhere(values <= 0)
        if bad.size:
            r, c = bad[0]
            raise NonPositivePriceError(
                f"{where}: column '{data.columns[c]}' has a non-positive price {values[r, c]!r} "
                f"on {data.index[r].date()}; log prices need positive prices"
            )
        data = np.log(data)
    data.attrs["source"] = str(path)
    data.attrs["log_prices"] = bool(log_prices)
    return data


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
    allow_negative: bool = False,
    dayfirst: bool | None = None,
    date_format: str | None = None,
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
    allow_negative : bool, default False
        Accept negative prices in level mode (a spread or futures series); a zero price is
        refused either way (see :func:`validate_prices`).
    dayfirst : bool, optional
        Read numeric dates such as ``03/04/2020`` day-first (True) or month-first (False).
        Default: ISO dates as such; other numeric dates day-first when a first field exceeds
        12, month-first when a second one does, and refused as ambiguous when both readings
        fit. See :mod:`ssm_coint.data._dates` (also for time zones).
    date_format : str, optional
        An exact ``strftime`` format (e.g. ``"%d.%m.%Y"``) that every date must match.

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
        CSV line named); dates that read both day-first and month-first; a repeated date (wide)
        or (date, symbol) pair (long).
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
    data = _read_wide(file_path, assets, where, date_column=date_column,
                      value_column=value_column, dayfirst=dayfirst, date_format=date_format)
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
    out = validate_prices(data, name=where, log_prices=log_prices, missing=missing,
                          allow_negative=allow_negative)
    out.attrs["source"] = str(path)
    out.attrs["log_prices"] = bool(log_prices)
    return out
