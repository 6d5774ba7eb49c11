"""Tests of ssm_coint.data: reading, validating and checking price data (SPEC section 9)."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from _shared_data import shared_data_path

from ssm_coint.data import check_regressors, load_prices, validate_prices
from ssm_coint.exceptions import (
    CollinearAssetsError,
    ConstantSeriesError,
    DataError,
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


# ----------------------------------------------------------------------------------------------
# helpers
# ----------------------------------------------------------------------------------------------
def _frame(n: int = 40, seed: int = 0, cols: tuple[str, ...] = ("A", "B", "C")) -> pd.DataFrame:
    """Positive random-walk prices on business days."""
    rng = np.random.default_rng(seed)
    steps = rng.normal(0.0, 0.01, size=(n, len(cols)))
    prices = 50.0 * np.exp(np.cumsum(steps, axis=0))
    idx = pd.bdate_range("2020-01-01", periods=n, name="date")
    return pd.DataFrame(prices, index=idx, columns=list(cols))


def _write(tmp_path: Path, text: str, name: str = "prices.csv") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def _wide_csv(tmp_path: Path, df: pd.DataFrame, name: str = "prices.csv") -> Path:
    path = tmp_path / name
    df.to_csv(path, index_label="date")
    return path


@pytest.fixture
def no_warnings():
    """Turn any warning into an error inside the test."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


SIMPLE = "date,A,B\n2020-01-01,1.0,2.0\n2020-01-02,1.5,2.5\n2020-01-03,1.2,2.9\n"


# ----------------------------------------------------------------------------------------------
# files
# ----------------------------------------------------------------------------------------------
def test_missing_file(tmp_path):
    path = tmp_path / "nowhere.csv"
    with pytest.raises(DataFileNotFoundError, match="nowhere.csv"):
        load_prices(path, ["A", "B"])
    with pytest.raises(FileNotFoundError):  # also a FileNotFoundError for generic callers
        load_prices(path)


def test_unknown_extension(tmp_path):
    path = _write(tmp_path, SIMPLE, "prices.xlsx")
    with pytest.raises(DataFormatError, match=r"prices\.xlsx.*unsupported extension"):
        load_prices(path)


def test_corrupt_parquet(tmp_path):
    path = tmp_path / "broken.parquet"
    path.write_bytes(b"PAR1 this is not a parquet file at all")
    with pytest.raises(DataFormatError, match=r"broken\.parquet"):
        load_prices(path)


def test_corrupt_gzip_csv(tmp_path):
    path = tmp_path / "broken.csv.gz"
    path.write_bytes(b"\x1f\x8b\x08 definitely not gzip")
    with pytest.raises(DataFormatError, match=r"broken\.csv\.gz"):
        load_prices(path)


def test_empty_file(tmp_path):
    with pytest.raises(DataFormatError, match="empty.csv"):
        load_prices(_write(tmp_path, "", "empty.csv"))
    with pytest.raises(DataFormatError, match="no data rows"):
        load_prices(_write(tmp_path, "date,A,B\n", "header.csv"))


def test_csv_gz_is_read(tmp_path):
    df = _frame()
    path = tmp_path / "prices.csv.gz"
    df.to_csv(path, index_label="date")
    out = load_prices(path, ["B", "A"])
    np.testing.assert_allclose(out.to_numpy(), df[["B", "A"]].to_numpy(), rtol=1e-12)


def test_all_errors_are_data_errors(tmp_path):
    with pytest.raises(DataError):
        load_prices(tmp_path / "x.csv")
    with pytest.raises(ValueError):
        load_prices(_write(tmp_path, SIMPLE), ["A", "Z"])


# ----------------------------------------------------------------------------------------------
# dates
# ----------------------------------------------------------------------------------------------
def test_no_date_column(tmp_path):
    path = _write(tmp_path, "day,A,B\n2020-01-01,1,2\n2020-01-02,2,3\n")
    with pytest.raises(MissingDateColumnError, match=r"prices\.csv.*columns present: day, A, B"):
        load_prices(path)


def test_date_column_argument(tmp_path, no_warnings):
    path = _write(tmp_path, "day,A,B\n2020-01-01,1,2\n2020-01-02,2,3\n2020-01-03,1,5\n")
    out = load_prices(path, date_column="day")
    assert list(out.columns) == ["A", "B"]
    assert out.index.name == "date"
    with pytest.raises(MissingDateColumnError, match="'when'"):
        load_prices(path, date_column="when")


@pytest.mark.parametrize("header", ["Date", "DATE", "timestamp"])
def test_date_column_names(tmp_path, header):
    out = load_prices(_write(tmp_path, SIMPLE.replace("date", header)))
    assert out.index[0] == pd.Timestamp("2020-01-01")


def test_unparsable_date(tmp_path):
    text = "date,A,B\n2020-01-01,1,2\n2020-01-02,2,3\n2020-13-45,3,4\n2020-01-06,4,1\n"
    path = _write(tmp_path, text)
    msg = r"prices\.csv.*'2020-13-45'.*data row 3 \(CSV line 4\)"
    with pytest.raises(DateParseError, match=msg):
        load_prices(path)


def test_empty_date_cell(tmp_path):
    path = _write(tmp_path, "date,A,B\n2020-01-01,1,2\n,2,3\n2020-01-03,3,4\n")
    with pytest.raises(DateParseError, match="empty value.*data row 2"):
        load_prices(path)


def test_yyyymmdd_integer_dates(tmp_path, no_warnings):
    path = _write(tmp_path, "date,A,B\n20200101,1,2\n20200102,2,3\n20200103,3,1\n")
    out = load_prices(path)
    assert list(out.index) == list(pd.to_datetime(["2020-01-01", "2020-01-02", "2020-01-03"]))


def test_duplicate_dates_wide(tmp_path):
    text = "date,A,B\n2020-01-01,1,2\n2020-01-02,2,3\n2020-01-02,3,4\n2020-01-03,3,1\n"
    with pytest.raises(DuplicateDateError, match="2020-01-02 occurs 2 times"):
        load_prices(_write(tmp_path, text))


def test_duplicate_dates_long(tmp_path):
    text = (
        "date,symbol,close\n2020-01-01,A,1\n2020-01-01,B,2\n2020-01-02,A,2\n"
        "2020-01-02,B,3\n2020-01-02,B,3.5\n"
    )
    with pytest.raises(DuplicateDateError, match="symbol 'B'.*2020-01-02"):
        load_prices(_write(tmp_path, text))


def test_unsorted_dates_are_sorted_with_warning(tmp_path):
    text = "date,A,B\n2020-01-03,1.2,2.9\n2020-01-01,1.0,2.0\n2020-01-02,1.5,2.5\n"
    with pytest.warns(DataWarning, match="sorted"):
        out = load_prices(_write(tmp_path, text))
    assert out.index.is_monotonic_increasing
    assert out.loc["2020-01-01", "A"] == 1.0
    assert out.loc["2020-01-03", "B"] == 2.9


# ----------------------------------------------------------------------------------------------
# assets and values
# ----------------------------------------------------------------------------------------------
def test_unknown_asset(tmp_path):
    path = _write(tmp_path, SIMPLE)
    with pytest.raises(UnknownAssetError, match=r"prices\.csv.*'EWZ'.*available: A, B"):
        load_prices(path, ["A", "EWZ"])


def test_unknown_asset_lists_are_truncated(tmp_path):
    df = _frame(cols=tuple(f"T{i:02d}" for i in range(30)))
    with pytest.raises(UnknownAssetError, match=r"'XYZ'.*T00, T01.*\(10 more\)") as err:
        load_prices(_wide_csv(tmp_path, df), ["T00", "XYZ"])
    assert "T29" not in str(err.value)


def test_asset_order_is_kept(tmp_path, no_warnings):
    df = _frame()
    out = load_prices(_wide_csv(tmp_path, df), ["C", "A"])
    assert list(out.columns) == ["C", "A"]
    np.testing.assert_allclose(out["C"], df["C"], rtol=1e-12)


def test_fewer_than_two_assets(tmp_path):
    with pytest.raises(TooFewAssetsError, match="at least two assets.*got 1: A"):
        load_prices(_write(tmp_path, SIMPLE), ["A"])
    one = _write(tmp_path, "date,A\n2020-01-01,1\n2020-01-02,2\n", "one.csv")
    with pytest.raises(TooFewAssetsError, match=r"one\.csv.*found 1: A"):
        load_prices(one)


def test_asset_requested_twice(tmp_path):
    with pytest.raises(CollinearAssetsError, match="A.*twice"):
        load_prices(_write(tmp_path, SIMPLE), ["A", "B", "A"])


def test_non_numeric_value(tmp_path):
    text = "date,A,B\n2020-01-01,1,2\n2020-01-02,2,n/a?\n2020-01-03,3,4\n"
    with pytest.raises(NonNumericError, match=r"prices\.csv.*'B'.*'n/a\?'.*2020-01-02"):
        load_prices(_write(tmp_path, text))


def test_non_numeric_value_in_unselected_column_is_ignored(tmp_path, no_warnings):
    text = "date,A,B,C\n2020-01-01,1,2,x\n2020-01-02,2,3,y\n2020-01-03,3,1,z\n"
    out = load_prices(_write(tmp_path, text), ["A", "B"])
    assert out.shape == (3, 2)


NAN_INSIDE = (
    "date,A,B\n2020-01-01,1,2\n2020-01-02,2,3\n2020-01-03,,4\n2020-01-06,4,1\n2020-01-07,3,5\n"
)


def test_nan_inside_sample_raises(tmp_path):
    with pytest.raises(MissingValueError, match="'A' is nan on 2020-01-03.*missing='drop'"):
        load_prices(_write(tmp_path, NAN_INSIDE))


def test_nan_inside_sample_drop(tmp_path):
    with pytest.warns(DataWarning, match="dropped 1 row"):
        out = load_prices(_write(tmp_path, NAN_INSIDE), missing="drop")
    assert len(out) == 4
    assert pd.Timestamp("2020-01-03") not in out.index


def test_nan_inside_sample_ffill(tmp_path):
    with pytest.warns(DataWarning, match="forward-filled 1"):
        out = load_prices(_write(tmp_path, NAN_INSIDE), missing="ffill")
    assert len(out) == 5
    assert out.loc["2020-01-03", "A"] == 2.0


def test_bad_missing_option(tmp_path):
    with pytest.raises(ValueError, match="missing"):
        load_prices(_write(tmp_path, NAN_INSIDE), missing="interpolate")


def test_inf_inside_sample(tmp_path):
    text = "date,A,B\n2020-01-01,1,2\n2020-01-02,2,inf\n2020-01-03,3,4\n"
    with pytest.raises(MissingValueError, match="'B' is inf on 2020-01-02"):
        load_prices(_write(tmp_path, text))
    with pytest.warns(DataWarning, match="forward-filled 1"):
        out = load_prices(_write(tmp_path, text), missing="ffill")
    assert out.loc["2020-01-02", "B"] == 2.0


def test_nan_outside_requested_range_is_ignored(tmp_path, no_warnings):
    out = load_prices(_write(tmp_path, NAN_INSIDE), start="2020-01-06")
    assert len(out) == 2


def test_leading_nan_trimming(tmp_path):
    text = (
        "date,A,B,C\n2020-01-01,1,,\n2020-01-02,2,,5\n2020-01-03,3,4,6\n"
        "2020-01-06,4,5,7\n2020-01-07,2,1,3\n"
    )
    with pytest.warns(DataWarning, match=r"dropped 2 leading row\(s\).*B, C.*2020-01-03"):
        out = load_prices(_write(tmp_path, text))
    assert out.index[0] == pd.Timestamp("2020-01-03")
    assert len(out) == 3


def test_no_trimming_warning_without_leading_nan(tmp_path, no_warnings):
    text = "date,A,B,C\n2020-01-01,1,,\n2020-01-02,2,,5\n2020-01-03,3,4,6\n2020-01-06,4,5,7\n"
    out = load_prices(_write(tmp_path, text), ["A", "C"], start="2020-01-02")
    assert len(out) == 3


def test_trailing_nan_trimming(tmp_path):
    text = "date,A,B\n2020-01-01,1,2\n2020-01-02,2,3\n2020-01-03,3,1\n2020-01-06,4,\n"
    with pytest.warns(DataWarning, match=r"dropped 1 trailing row\(s\).*B.*2020-01-03"):
        out = load_prices(_write(tmp_path, text))
    assert out.index[-1] == pd.Timestamp("2020-01-03")


def test_assets_never_overlap(tmp_path):
    text = "date,A,B\n2020-01-01,1,\n2020-01-02,2,\n2020-01-03,,4\n"
    with pytest.raises(MissingValueError, match="no date on which all of A, B"):
        load_prices(_write(tmp_path, text))


def test_non_positive_price_with_log_prices(tmp_path):
    text = "date,A,B\n2020-01-01,1,2\n2020-01-02,2,-0.5\n2020-01-03,3,4\n"
    path = _write(tmp_path, text)
    with pytest.raises(NonPositivePriceError, match="'B'.*-0.5 on 2020-01-02"):
        load_prices(path, log_prices=True)
    # level mode: a negative price is an error unless asked for (a spread, a futures series)
    with pytest.raises(NonPositivePriceError, match="'B'.*-0.5 on 2020-01-02.*allow.negative"):
        load_prices(path)
    out = load_prices(path, allow_negative=True)
    assert out.loc["2020-01-02", "B"] == -0.5


@pytest.mark.parametrize("allow_negative", [False, True])
def test_zero_price_is_refused_in_level_mode(tmp_path, allow_negative):
    """Issue 15: a leg set to 0 on some days turned a Sharpe of -0.09 into +0.53, silently."""
    text = ("date,A,B\n2020-01-01,1,2\n2020-01-02,2,0\n2020-01-03,3,4\n2020-01-06,4,0\n"
            "2020-01-07,5,6\n")
    with pytest.raises(NonPositivePriceError,
                       match="'B' has a zero price 0 on 2020-01-02 .2 date.s.: 2020-01-02, "
                             "2020-01-06"):
        load_prices(_write(tmp_path, text), allow_negative=allow_negative)


def test_zero_price_with_log_prices(tmp_path):
    text = "date,A,B\n2020-01-01,1,2\n2020-01-02,0,3\n2020-01-03,3,4\n"
    with pytest.raises(NonPositivePriceError, match="'A'.*2020-01-02"):
        load_prices(_write(tmp_path, text), log_prices=True)


def test_log_prices(tmp_path, no_warnings):
    df = _frame()
    out = load_prices(_wide_csv(tmp_path, df), ["A", "B"], log_prices=True)
    np.testing.assert_allclose(out.to_numpy(), np.log(df[["A", "B"]].to_numpy()), rtol=1e-12)
    assert out.attrs["log_prices"] is True


def test_constant_series(tmp_path):
    text = "date,A,B\n2020-01-01,1,7\n2020-01-02,2,7\n2020-01-03,3,7\n"
    with pytest.raises(ConstantSeriesError, match=r"prices\.csv.*'B' is constant"):
        load_prices(_write(tmp_path, text))


def test_constant_only_within_requested_range(tmp_path):
    text = "date,A,B\n2020-01-01,1,6\n2020-01-02,2,7\n2020-01-03,3,7\n2020-01-06,1,7\n"
    path = _write(tmp_path, text)
    assert len(load_prices(path)) == 4
    with pytest.raises(ConstantSeriesError, match="'B'"):
        load_prices(path, start="2020-01-02")


# ----------------------------------------------------------------------------------------------
# sample range
# ----------------------------------------------------------------------------------------------
def test_range_outside_data(tmp_path):
    path = _wide_csv(tmp_path, _frame())
    msg = r"2030-01-01\.\.2030-12-31.*2020-01-01\.\.2020-02-25"
    with pytest.raises(SampleSplitError, match=msg):
        load_prices(path, start="2030-01-01", end="2030-12-31")
    with pytest.raises(SampleSplitError, match=r"\(first date\)\.\.2019-06-30.*2020-01-01"):
        load_prices(path, end="2019-06-30")


def test_range_reversed_or_not_a_date(tmp_path):
    path = _wide_csv(tmp_path, _frame())
    with pytest.raises(SampleSplitError, match="start after end"):
        load_prices(path, start="2020-02-01", end="2020-01-15")
    with pytest.raises(SampleSplitError, match="'last tuesday' is not a date"):
        load_prices(path, end="last tuesday")


def test_range_is_inclusive(tmp_path, no_warnings):
    df = _frame()
    out = load_prices(_wide_csv(tmp_path, df), start="2020-01-06", end=pd.Timestamp("2020-01-10"))
    assert out.index[0] == pd.Timestamp("2020-01-06")
    assert out.index[-1] == pd.Timestamp("2020-01-10")
    assert len(out) == 5


def test_range_partly_outside_data_warns(tmp_path):
    with pytest.warns(DataWarning, match="start 2019-01-01 precedes the data"):
        out = load_prices(_wide_csv(tmp_path, _frame()), start="2019-01-01", end="2020-01-10")
    assert len(out) == 8


def test_range_before_an_asset_starts(tmp_path):
    text = "date,A,B\n2020-01-01,1,\n2020-01-02,2,\n2020-01-03,3,4\n2020-01-06,4,5\n"
    with pytest.raises(SampleSplitError, match=r"common range is 2020-01-03\.\.2020-01-06"):
        load_prices(_write(tmp_path, text), start="2020-01-01", end="2020-01-02")


# ----------------------------------------------------------------------------------------------
# layouts and formats
# ----------------------------------------------------------------------------------------------
def test_long_layout_pivot(tmp_path, no_warnings):
    text = (
        "date,symbol,open,close\n"
        "2020-01-02,B,0,20\n2020-01-01,A,0,1\n2020-01-01,B,0,21\n2020-01-02,A,0,2\n"
        "2020-01-03,A,0,3\n2020-01-03,B,0,19\n2020-01-01,C,0,9\n"
    )
    out = load_prices(_write(tmp_path, text), ["B", "A"])
    assert list(out.columns) == ["B", "A"]
    assert out.loc["2020-01-01"].tolist() == [21.0, 1.0]
    assert out.loc["2020-01-03"].tolist() == [19.0, 3.0]


def test_long_layout_value_column(tmp_path, no_warnings):
    text = (
        "date,ticker,close,adj_close\n2020-01-01,A,1,0.5\n2020-01-01,B,2,1.5\n"
        "2020-01-02,A,3,2.5\n2020-01-02,B,4,3.5\n2020-01-03,A,5,2.0\n2020-01-03,B,6,3.0\n"
    )
    path = _write(tmp_path, text)
    assert load_prices(path, value_column="adj_close")["A"].tolist() == [0.5, 2.5, 2.0]
    assert load_prices(path)["A"].tolist() == [1.0, 3.0, 5.0]
    with pytest.raises(DataFormatError, match="'volume'.*columns present"):
        load_prices(path, value_column="volume")


def test_long_layout_unknown_symbol(tmp_path):
    text = "date,symbol,close\n2020-01-01,A,1\n2020-01-01,B,2\n"
    with pytest.raises(UnknownAssetError, match="'C'.*available: A, B"):
        load_prices(_write(tmp_path, text), ["A", "C"])


def test_long_layout_gap_inside_sample(tmp_path):
    text = (
        "date,symbol,close\n2020-01-01,A,1\n2020-01-01,B,2\n2020-01-02,A,2\n"
        "2020-01-03,A,3\n2020-01-03,B,5\n"
    )
    with pytest.raises(MissingValueError, match="'B' is nan on 2020-01-02"):
        load_prices(_write(tmp_path, text))


def test_value_column_on_wide_file(tmp_path):
    with pytest.raises(DataFormatError, match="value_column='adj_close'"):
        load_prices(_write(tmp_path, SIMPLE), value_column="adj_close")


def test_parquet_round_trip(tmp_path, no_warnings):
    df = _frame()
    with_column = tmp_path / "prices.parquet"
    df.reset_index().to_parquet(with_column)
    with_index = tmp_path / "prices.pq"
    df.to_parquet(with_index)
    for path in (with_column, with_index):
        out = load_prices(path)
        pd.testing.assert_frame_equal(out, df, check_freq=False)
        assert out.attrs["source"] == str(path)
        assert out.attrs["log_prices"] is False


def test_parquet_long_layout(tmp_path, no_warnings):
    df = _frame()
    long = df.reset_index().melt(id_vars="date", var_name="symbol", value_name="close")
    path = tmp_path / "long.parquet"
    long.to_parquet(path)
    out = load_prices(path, ["C", "B"])
    pd.testing.assert_frame_equal(out, df[["C", "B"]], check_freq=False)


def test_output_contract(tmp_path, no_warnings):
    text = "date,A,B\n2020-01-01,1,2\n2020-01-02,2,3\n2020-01-03,3,1\n"
    out = load_prices(_write(tmp_path, text))
    assert isinstance(out.index, pd.DatetimeIndex)
    assert out.index.name == "date"
    assert (out.dtypes == np.float64).all()
    assert out.attrs == {"source": str(tmp_path / "prices.csv"), "log_prices": False}


# ----------------------------------------------------------------------------------------------
# validate_prices on in-memory frames
# ----------------------------------------------------------------------------------------------
def test_validate_prices_accepts_date_column_and_strings(no_warnings):
    raw = pd.DataFrame({"date": ["2020-01-01", "2020-01-02"], "A": ["1.5", "2"], "B": [3, 4]})
    out = validate_prices(raw)
    assert out["A"].tolist() == [1.5, 2.0]
    assert out.index[1] == pd.Timestamp("2020-01-02")


def test_validate_prices_refuses_integer_index():
    raw = pd.DataFrame({"A": [1.0, 2.0], "B": [3.0, 5.0]})
    with pytest.raises(DateParseError, match="index.*DatetimeIndex"):
        validate_prices(raw, name="frame")


def test_validate_prices_messages_use_name():
    df = _frame()
    df.iloc[5, 1] = np.nan
    with pytest.raises(MissingValueError, match=r"^my prices: column 'B' is nan on 2020-01-08"):
        validate_prices(df, name="my prices")


def test_validate_prices_duplicate_and_unsorted_index():
    df = _frame(5)
    with pytest.raises(DuplicateDateError, match="2020-01-02"):
        validate_prices(pd.concat([df, df.iloc[[1]]]))
    with pytest.warns(DataWarning, match="sorted"):
        out = validate_prices(df.iloc[::-1])
    pd.testing.assert_frame_equal(out, df, check_freq=False)


def test_validate_prices_single_column():
    with pytest.raises(TooFewAssetsError, match="got 1: A"):
        validate_prices(_frame()[["A"]])


def test_validate_prices_does_not_modify_input(no_warnings):
    df = _frame()
    before = df.copy()
    validate_prices(df, log_prices=True)
    pd.testing.assert_frame_equal(df, before)


# ----------------------------------------------------------------------------------------------
# check_regressors
# ----------------------------------------------------------------------------------------------
def test_collinear_exact_multiple():
    df = _frame()
    df["D"] = 2.0 * df["B"]
    with pytest.raises(CollinearAssetsError, match="B, D.*rank 3 < 4"):
        check_regressors(df, n_params=5)


def test_collinear_affine():
    df = _frame()
    df["C"] = 3.7 * df["B"] + 12.25
    with pytest.raises(CollinearAssetsError, match="B, C"):
        check_regressors(df, n_params=5)


def test_collinear_combination_of_three():
    df = _frame(cols=("Y", "A", "B", "C"))
    df["D"] = df["A"] - 0.5 * df["B"] + 100.0
    with pytest.raises(CollinearAssetsError, match=r"regressors A, B, D are perfectly collinear"):
        check_regressors(df, n_params=6)


def test_constant_regressor_is_collinear_with_intercept():
    df = _frame()
    df["C"] = 4.0
    with pytest.raises(CollinearAssetsError, match="C.*intercept"):
        check_regressors(df, n_params=4)


def test_highly_correlated_but_not_collinear():
    df = _frame(200)
    rng = np.random.default_rng(7)
    df["C"] = 2.0 * df["B"] + 5.0 + rng.normal(0.0, 1e-6, len(df))
    check_regressors(df, n_params=5)  # must not raise


def test_too_few_rows():
    df = _frame(15)
    msg = "15 observations for 6 parameters; need at least 16"
    with pytest.raises(InsufficientDataError, match=msg):
        check_regressors(df, n_params=6)
    msg = "30 observations for 20 parameters; need at least 40"
    with pytest.raises(InsufficientDataError, match=msg):
        check_regressors(_frame(30), n_params=20)
    check_regressors(_frame(16), n_params=6)
    check_regressors(_frame(40), n_params=20)


# ----------------------------------------------------------------------------------------------
# the real shared data files
# ----------------------------------------------------------------------------------------------
def test_real_chan_ewc_ewa(no_warnings):
    path = shared_data_path("chan_ewa_ewc_ige.csv")
    out = load_prices(path, ["EWC", "EWA"])
    assert list(out.columns) == ["EWC", "EWA"]
    assert len(out) == 1500
    assert out.index[0] == pd.Timestamp("2006-04-26")
    assert out.index[-1] == pd.Timestamp("2012-04-09")
    assert out.iloc[0].tolist() == [22.95, 16.1]  # first row of the file (date,EWA,EWC,IGE)
    check_regressors(load_prices(path, ["EWC", "EWA", "IGE"]), n_params=6)


def test_real_chan_book1_long_gld_gdx():
    path = shared_data_path("chan_qt_book1_daily.csv")
    with pytest.warns(DataWarning, match=re.escape("no price yet for GDX")):
        out = load_prices(path, ["GLD", "GDX"], value_column="adj_close")
    assert len(out) == 385
    assert out.index[0] == pd.Timestamp("2006-05-23")
    assert out.index[-1] == pd.Timestamp("2007-11-30")
    assert out.loc["2006-05-23"].tolist() == [66.38, 37.85]
    assert out.loc["2007-11-30"].tolist() == [77.32, 46.36]


def test_real_yahoo_range(no_warnings):
    path = shared_data_path("yahoo_etf_adjclose_1993_2026.csv")
    tickers = ["EWA", "EWC", "IGE", "GLD", "GDX"]
    out = load_prices(path, tickers, start="2015-01-01", end="2019-12-31", log_prices=True)
    assert list(out.columns) == tickers
    assert len(out) == 1258
    assert out.index[0] == pd.Timestamp("2015-01-02")
    assert out.index[-1] == pd.Timestamp("2019-12-31")
    assert np.isfinite(out.to_numpy()).all()
    assert out.attrs["log_prices"] is True
