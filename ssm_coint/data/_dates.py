"""Parsing a date column: ISO dates, day-first or month-first dates, time zones.

Rules (issue 15), for text dates:

1. ``date_format`` given: every value must match it exactly (``pandas.to_datetime(format=)``).
2. ISO 8601 (``YYYY-MM-DD``, optionally with a time) is read as such; it is never ambiguous.
   A column in which any value is ISO is an ISO column: the other values are reported as
   unparsable, not read another way.
3. Numeric ``A/B/YYYY`` dates (separator ``/``, ``-`` or ``.``) are read day-first when some
   ``A`` exceeds 12, month-first when some ``B`` does, and as ``dayfirst`` says when given. When
   every ``A`` and ``B`` is at most 12 and the two readings differ, the file is ambiguous and is
   refused with a message asking for ``--dayfirst`` (``dayfirst=True``), ``--monthfirst``
   (``dayfirst=False``) or ``--date-format``: nothing is guessed.
4. Other text (``3 Jan 2020``, ``Jan 3, 2020`` ...) is parsed both ways; if the two readings
   differ anywhere, the same error.
5. Time zones: values that all carry the same UTC offset keep it (a time-zone aware index). If
   the offsets differ (a daylight-saving change, or a mix of zoned and plain values), each row
   keeps its own local date and time, the offsets are dropped, and a
   :class:`~ssm_coint.exceptions.DataWarning` says so: a daily close belongs to its local day.

Numbers (``yyyymmdd`` integers such as Chan's ``tday``) and datetime columns are read as before.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
from pandas.api.types import is_bool_dtype, is_numeric_dtype

from ssm_coint.exceptions import DateParseError

__all__ = ["parse_dates"]

_UNIT = pd.DatetimeIndex(["2000-01-01"]).unit  # this pandas' default resolution ("us" in pandas 3)
_OFFSET = re.compile(r"(?<=\d{2}:\d{2})(?::\d{2}(?:\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})$")
_NUMERIC = re.compile(r"^(\d{1,2})([/.-])(\d{1,2})\2(\d{4}|\d{2})(.*)$")
_YEAR_FIRST = re.compile(r"^\d{4}([/.])\d{1,2}\1\d{1,2}(.*)$")
_ASK = ("pass --dayfirst or --monthfirst (dayfirst=True/False), or --date-format "
        "(date_format=, e.g. '%d/%m/%Y')")


def _strip_mixed_offsets(text: pd.Series, where: str, column: str) -> pd.Series:
    """Drop UTC offsets when they differ between rows (warn); keep a single common offset."""
    from ._validate import _warn

    found = text.str.extract(_OFFSET, expand=False)
    zoned = found.notna()
    if not zoned.any():
        return text
    offsets = found[zoned].str.replace(":", "", regex=False).replace({"Z": "+0000"}).unique()
    if zoned.all() and len(offsets) == 1:
        return text
    plain = int((~zoned).sum())
    kinds = ", ".join(sorted(offsets)[:5]) + (" and no offset" if plain else "")
    _warn(f"{where}: the dates in column '{column}' carry different UTC offsets ({kinds}); each "
          "row keeps its own local date and time and the offsets were dropped")
    return text.str.replace(re.compile(r"\s*(Z|[+-]\d{2}:?\d{2})$"), "", regex=True).where(
        zoned, text)


def _numeric_orientation(text: pd.Series, dayfirst: bool | None, where: str,
                         column: str) -> tuple[bool, str] | None:
    """For ``A/B/YYYY`` dates: (dayfirst, exact format or "") or None if not all such dates."""
    parts = text.str.extract(_NUMERIC)
    if parts[0].isna().any():
        return None
    first, second = parts[0].astype(int).to_numpy(), parts[2].astype(int).to_numpy()
    seps, years, tails = parts[1].unique(), parts[3].str.len().unique(), parts[4].str.strip()
    if dayfirst is None:
        if (first > 12).any() and (second > 12).any():
            i = int(np.flatnonzero(second > 12)[0]) if (first > 12).any() else 0
            raise DateParseError(
                f"{where}: dates in column '{column}' are neither all day-first nor all "
                f"month-first (e.g. {text.iloc[i]!r} at data row {i + 1}); {_ASK}")
        if (first > 12).any():
            dayfirst = True
        elif (second > 12).any():
            dayfirst = False
        elif (first != second).any():
            i = int(np.flatnonzero(first != second)[0])
            raise DateParseError(
                f"{where}: the dates in column '{column}' can be read day-first or month-first "
                f"(every day and month is at most 12, e.g. {text.iloc[i]!r} at data row "
                f"{i + 1}); {_ASK}")
        else:
            dayfirst = False  # day == month everywhere: both readings agree
    month = second if dayfirst else first
    if (month > 12).any():
        i = int(np.flatnonzero(month > 12)[0])
        order = "day-first" if dayfirst else "month-first"
        raise DateParseError(
            f"{where}: date {text.iloc[i]!r} in column '{column}' at data row {i + 1} is not "
            f"{order} (its month would be {month[i]})")
    fmt = ""
    if len(seps) == 1 and len(years) == 1 and not tails.astype(bool).any():
        sep, year = seps[0], "%Y" if years[0] == 4 else "%y"
        fmt = f"%d{sep}%m{sep}{year}" if dayfirst else f"%m{sep}%d{sep}{year}"
    return dayfirst, fmt


def _parse_text(text: pd.Series, where: str, column: str, dayfirst: bool | None,
                date_format: str | None) -> pd.Series:
    if date_format is not None:
        return pd.to_datetime(text, format=date_format, errors="coerce")
    text = _strip_mixed_offsets(text, where, column)
    parsed = pd.to_datetime(text, format="ISO8601", errors="coerce")
    if parsed.notna().any():  # an ISO column; any value that is not ISO is reported as bad
        return parsed
    present = text.dropna()
    numeric = _numeric_orientation(present, dayfirst, where, column)
    if numeric is not None:
        first, fmt = numeric
        if fmt:
            return pd.to_datetime(text, format=fmt, errors="coerce")
        return pd.to_datetime(text, format="mixed", dayfirst=first, errors="coerce")
    if present.str.match(_YEAR_FIRST).all():
        return pd.to_datetime(text, format="mixed", yearfirst=True, dayfirst=False,
                              errors="coerce")
    if dayfirst is not None:
        return pd.to_datetime(text, format="mixed", dayfirst=dayfirst, errors="coerce")
    month_first = pd.to_datetime(text, format="mixed", dayfirst=False, errors="coerce")
    day_first = pd.to_datetime(text, format="mixed", dayfirst=True, errors="coerce")
    differ = (month_first != day_first) & month_first.notna() & day_first.notna()
    if differ.any():
        i = int(np.flatnonzero(differ.to_numpy())[0])
        raise DateParseError(
            f"{where}: date {text.iloc[i]!r} in column '{column}' at data row {i + 1} can be "
            f"read as {month_first.iloc[i].date()} or {day_first.iloc[i].date()}; {_ASK}")
    return month_first


def parse_dates(values: pd.Series, where: str, column: str, csv: bool, *,
                dayfirst: bool | None = None,
                date_format: str | None = None) -> pd.DatetimeIndex:
    """Parse a date column (text, datetimes or ``yyyymmdd`` integers); refuse any bad value.

    Parameters
    ----------
    values : pandas.Series
        The raw column.
    where : str
        What to name in messages (``data file '...'``).
    column : str
        The column's name, for messages.
    csv : bool
        Name CSV line numbers in messages (data row + 1 for the header).
    dayfirst : bool, optional
        Read ambiguous numeric dates day-first (True) or month-first (False). Default: infer
        from the values, and refuse when both readings fit.
    date_format : str, optional
        An exact ``strftime`` format every value must match.

    Returns
    -------
    pandas.DatetimeIndex

    Raises
    ------
    DateParseError
        A value that does not parse (named with its data row, and CSV line), dates that read
        both day-first and month-first, or dates that are neither.
    """
    s = pd.Series(values).reset_index(drop=True)
    try:
        if pd.api.types.is_datetime64_any_dtype(s):
            parsed = pd.to_datetime(s)
        elif is_numeric_dtype(s) and not is_bool_dtype(s) and date_format is None:
            text = s.map(lambda v: str(int(v)) if pd.notna(v) and float(v).is_integer() else v)
            parsed = pd.to_datetime(text.astype("string"), format="%Y%m%d", errors="coerce")
        else:
            text = s.astype("string").str.strip()
            parsed = _parse_text(text, where, column, dayfirst, date_format)
    except (ValueError, TypeError, OverflowError) as exc:
        if isinstance(exc, DateParseError):
            raise
        detail = " ".join(str(exc).split())[:200]
        msg = f"{where}: cannot parse the dates in column '{column}' ({detail})"
        raise DateParseError(msg) from exc
    bad = np.flatnonzero(parsed.isna().to_numpy())
    if bad.size:
        i = int(bad[0])
        raw = s.iloc[i]
        shown = "an empty value" if pd.isna(raw) else repr(str(raw))
        line = f" (CSV line {i + 2})" if csv else ""
        hint = "" if column != "index" else "; give the frame a DatetimeIndex or a 'date' column"
        fmt = f" with format {date_format!r}" if date_format is not None else ""
        raise DateParseError(
            f"{where}: cannot parse date {shown}{fmt} in column '{column}' at data row {i + 1}"
            f"{line}{hint} ({bad.size} unparsable value(s) in all)"
        )
    return pd.DatetimeIndex(parsed).as_unit(_UNIT)
