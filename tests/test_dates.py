"""Reading dates: day-first vs month-first, explicit formats, time zones (issue 15).

The rule under test: nothing is guessed. A numeric date file whose values read both ways is
refused with a message asking for ``--dayfirst``/``--monthfirst`` or ``--date-format``; one that
reads only one way is read that way; mixed UTC offsets keep each row's local date with a
warning; pandas' own advice text never reaches the user.
"""

from __future__ import annotations

import datetime as dt
import warnings

import numpy as np
import pandas as pd
import pytest

from ssm_coint.cli import main
from ssm_coint.data import load_prices
from ssm_coint.exceptions import DataWarning, DateParseError

START = dt.date(2020, 1, 1)


def _write(tmp_path, name, dates, seed=0):
    rng = np.random.default_rng(seed)
    n = len(dates)
    x = 50 + np.cumsum(rng.normal(0, 0.5, n))
    y = 10 + 2 * x + rng.normal(0, 0.3, n)
    lines = ["date,Y,X"] + [f"{d},{a:.6f},{b:.6f}" for d, a, b in zip(dates, y, x, strict=True)]
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n")
    return path


def _days(n):
    return [START + dt.timedelta(days=i) for i in range(n)]


def _ambiguous_days():
    """Every day and month at most 12, and day != month somewhere."""
    return [dt.date(2020, m, d) for m in range(1, 13) for d in range(1, 13)]


def test_ambiguous_numeric_dates_are_refused_with_a_way_out(tmp_path, capsys):
    path = _write(tmp_path, "amb.csv", [f"{d.day:02d}/{d.month:02d}/{d.year}"
                                        for d in _ambiguous_days()])
    with pytest.raises(DateParseError, match="can be read day-first or month-first"):
        load_prices(path, ["Y", "X"])
    status = main(["fit", "--data", str(path), "--assets", "Y", "X", "--method", "chan"])
    err = capsys.readouterr().err.strip().splitlines()
    assert status == 2
    assert len(err) == 1 and "--dayfirst" in err[0] and "--date-format" in err[0]


def test_dayfirst_and_monthfirst_choose_the_reading(tmp_path):
    days = _ambiguous_days()
    path = _write(tmp_path, "amb.csv", [f"{d.day:02d}/{d.month:02d}/{d.year}" for d in days])
    day_first = load_prices(path, ["Y", "X"], dayfirst=True)
    assert list(day_first.index.date) == days
    with pytest.warns(DataWarning, match="not in increasing order"):
        month_first = load_prices(path, ["Y", "X"], dayfirst=False)
    assert sorted(month_first.index.date) == sorted(dt.date(2020, d.day, d.month) for d in days)
    by_format = load_prices(path, ["Y", "X"], date_format="%d/%m/%Y")
    pd.testing.assert_frame_equal(by_format, day_first, check_freq=False)


def test_a_day_above_twelve_decides_the_reading(tmp_path):
    days = _days(60)
    day_first = _write(tmp_path, "d.csv", [f"{d.day:02d}/{d.month:02d}/{d.year}" for d in days])
    assert list(load_prices(day_first, ["Y", "X"]).index.date) == days
    month_first = _write(tmp_path, "m.csv", [f"{d.month}-{d.day}-{d.year}" for d in days])
    assert list(load_prices(month_first, ["Y", "X"]).index.date) == days
    with pytest.raises(DateParseError, match="is not month-first"):
        load_prices(day_first, ["Y", "X"], dayfirst=False)


def test_dates_that_are_neither_day_first_nor_month_first(tmp_path):
    dates = [f"{d.day:02d}/{d.month:02d}/{d.year}" for d in _days(40)]
    dates[-1] = "01/13/2020"  # month-first, among day-first dates above 12
    path = _write(tmp_path, "mix.csv", dates)
    with pytest.raises(DateParseError, match="neither all day-first nor all month-first"):
        load_prices(path, ["Y", "X"])


def test_iso_dates_ignore_dayfirst_and_named_months_read_once(tmp_path):
    days = _days(40)
    iso = _write(tmp_path, "iso.csv", [d.isoformat() for d in days])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no pandas inference warning either
        assert list(load_prices(iso, ["Y", "X"], dayfirst=True).index.date) == days
        named = _write(tmp_path, "named.csv", [d.strftime("%d %b %Y") for d in days])
        assert list(load_prices(named, ["Y", "X"]).index.date) == days
        slash = _write(tmp_path, "ymd.csv", [d.strftime("%Y/%m/%d") for d in days])
        assert list(load_prices(slash, ["Y", "X"]).index.date) == days


def test_a_date_format_that_does_not_match_names_the_value(tmp_path):
    path = _write(tmp_path, "iso.csv", [d.isoformat() for d in _days(30)])
    with pytest.raises(DateParseError, match=r"cannot parse date '2020-01-01' with format "
                                             r"'%d\.%m\.%Y'.*CSV line 2"):
        load_prices(path, ["Y", "X"], date_format="%d.%m.%Y")


def test_mixed_utc_offsets_keep_local_dates_with_a_warning(tmp_path, capsys):
    days = _days(80)
    dates = [f"{d.isoformat()}T16:00:00{'-05:00' if i < 40 else '-04:00'}"
             for i, d in enumerate(days)]
    path = _write(tmp_path, "tz.csv", dates)
    with pytest.warns(DataWarning, match="different UTC offsets"):
        out = load_prices(path, ["Y", "X"])
    assert out.index.tz is None
    assert list(out.index.date) == days
    assert (out.index.hour == 16).all()
    status = main(["fit", "--data", str(path), "--assets", "Y", "X", "--method", "chan"])
    err = capsys.readouterr().err
    assert status == 0
    assert "utc=True" not in err and "different UTC offsets" in err


def test_one_common_offset_is_kept(tmp_path):
    days = _days(30)
    path = _write(tmp_path, "tz1.csv", [f"{d.isoformat()}T09:30:00+09:00" for d in days])
    out = load_prices(path, ["Y", "X"])
    assert str(out.index.tz) == "UTC+09:00"
    assert list(out.index.date) == days
