"""Tests of ssm_coint.coint: Engle-Granger, Johansen, ADF and half-life (SPEC section 5).

Reference values are read from ``chan_published_results.json`` (Ernest Chan, *Algorithmic
Trading*, 2013, Examples 2.5-2.8, run on his own ``inputData_ETF.mat`` exported as
``chan_ewa_ewc_ige.csv``). Tolerances are half a unit in the last printed digit of each
published figure, unless a comment says otherwise.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from _shared_data import chan_published_results, shared_data_path
from statsmodels.tsa.stattools import adfuller, coint

from ssm_coint.coint import (
    EngleGrangerResult,
    HalfLifeResult,
    InvalidTestStatistic,
    JohansenResult,
    TestResult,
    adf,
    engle_granger,
    half_life,
    johansen,
)
from ssm_coint.exceptions import (
    CollinearAssetsError,
    ConstantSeriesError,
    DataError,
    DataWarning,
    InsufficientDataError,
    MissingValueError,
    ModelSpecificationError,
    NonNumericError,
    TooFewAssetsError,
    UnknownAssetError,
)

# Tolerances: half a unit in the last printed decimal of the published figure.
ATOL_3DP = 5e-4  # Johansen statistics and critical values printed with 3 decimals
ATOL_4DP = 5e-5  # eigenvalues, eigenvectors, hedge ratio, statsmodels CADF t (4 decimals)
ATOL_5DP = 5e-6  # "reproduced" hedge ratio 0.96243
ATOL_6DP = 5e-7  # half-life 22.662578
# Same computation through statsmodels directly: only floating-point noise may differ.
RTOL_SAME = 1e-10

EX25 = "book2_example_2.5_cadf_ewa_ewc"
EX26_2 = "book2_example_2.6_johansen_ewc_ewa"
EX26_3 = "book2_example_2.6_johansen_ewc_ewa_ige"
EX27 = "book2_example_2.7_2.8_johansen_portfolio_mean_reversion"


@pytest.fixture(scope="module")
def chan() -> dict:
    return chan_published_results()


@pytest.fixture(scope="module")
def etf() -> pd.DataFrame:
    return pd.read_csv(shared_data_path("chan_ewa_ewc_ige.csv"), index_col="date", parse_dates=True)


@pytest.fixture(scope="module")
def joh3(etf: pd.DataFrame) -> JohansenResult:
    return johansen(etf[["EWC", "EWA", "IGE"]], det_order=0, k_ar_diff=1)


@pytest.fixture(scope="module")
def eg(etf: pd.DataFrame) -> EngleGrangerResult:
    return engle_granger(etf["EWC"], etf["EWA"])


def _ar1(phi: float, n: int, seed: int) -> np.ndarray:
    eps = np.random.default_rng(seed).standard_normal(n)
    s = np.empty(n)
    s[0] = eps[0]
    for t in range(1, n):
        s[t] = phi * s[t - 1] + eps[t]
    return s


# ---------------------------------------------------------------------------------------------
# Johansen against Chan Example 2.6
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("example", "assets"), [(EX26_3, ["EWC", "EWA", "IGE"]), (EX26_2, ["EWC", "EWA"])]
)
def test_johansen_statistics_and_critical_values_match_chan(chan, etf, example, assets):
    pub = chan[example]["published"]
    res = johansen(etf[assets], det_order=0, k_ar_diff=1)
    np.testing.assert_allclose(res.trace_stat.to_numpy(), pub["trace"], rtol=0, atol=ATOL_3DP)
    np.testing.assert_allclose(res.max_eig_stat.to_numpy(), pub["max_eig"], rtol=0, atol=ATOL_3DP)
    np.testing.assert_allclose(
        res.trace_crit.to_numpy(), pub["trace_crit_90_95_99"], rtol=0, atol=ATOL_3DP
    )
    np.testing.assert_allclose(
        res.max_eig_crit.to_numpy(), pub["max_eig_crit_90_95_99"], rtol=0, atol=ATOL_3DP
    )
    assert list(res.trace_crit.columns) == ["90%", "95%", "99%"]
    assert list(res.eigenvectors.index) == assets


def test_johansen_eigenvalues_and_first_eigenvector_match_chan(chan, joh3):
    pub = chan[EX26_3]["published"]
    np.testing.assert_allclose(joh3.eigenvalues.to_numpy(), pub["eigenvalues"], atol=ATOL_4DP)
    # The overall sign of an eigenvector is arbitrary (statsmodels flips MATLAB's), so both
    # are normalised to a positive first element before comparing at 4 decimals.
    ours = joh3.eigenvectors.iloc[:, 0].to_numpy()
    published = np.asarray(pub["first_eigenvector"])
    np.testing.assert_allclose(
        ours * np.sign(ours[0]), published * np.sign(published[0]), rtol=0, atol=ATOL_4DP
    )


def test_johansen_normalized_eigenvectors(chan, joh3):
    norm = joh3.normalized_eigenvectors
    np.testing.assert_allclose(norm.iloc[0].to_numpy(), 1.0, rtol=RTOL_SAME)
    np.testing.assert_allclose(
        norm.to_numpy() * joh3.eigenvectors.iloc[0].to_numpy(), joh3.eigenvectors.to_numpy()
    )
    published = np.asarray(chan[EX26_3]["published"]["first_eigenvector"])
    # Ratio of two 4-decimal numbers: error <= 5e-5/1.046 + 0.76 * 5e-5/1.046**2 < 1e-4.
    np.testing.assert_allclose(norm[0].to_numpy(), published / published[0], rtol=0, atol=1e-4)


def test_johansen_trace_and_max_eig_formulas(joh3):
    # lambda_trace(r) = -T sum_{i>r} ln(1 - lambda_i); lambda_max(r) = -T ln(1 - lambda_{r+1})
    log1m = np.log1p(-joh3.eigenvalues.to_numpy())
    assert joh3.nobs == 1500 - 2
    trace = -joh3.nobs * np.cumsum(log1m[::-1])[::-1]
    np.testing.assert_allclose(joh3.trace_stat.to_numpy(), trace, rtol=1e-8)
    np.testing.assert_allclose(joh3.max_eig_stat.to_numpy(), -joh3.nobs * log1m, rtol=1e-8)


@pytest.mark.parametrize("test", ["trace", "max_eig"])
def test_johansen_rank_follows_the_published_sequential_test(chan, joh3, test):
    pub = chan[EX26_3]["published"]
    stats, crit = np.asarray(pub[test]), np.asarray(pub[f"{test}_crit_90_95_99"])[:, 1]
    rejected = stats > crit
    expected = int(np.argmin(rejected)) if not rejected.all() else len(stats)
    assert joh3.rank(0.05, test=test) == expected
    with pytest.raises(ModelSpecificationError):
        joh3.rank(0.2)


def test_johansen_portfolio_half_life_matches_chan_example_2_7(chan, etf, joh3):
    port = joh3.portfolio(etf[["IGE", "EWA", "EWC"]].assign(SPY=1.0), which=0)
    expected = etf[["EWC", "EWA", "IGE"]].to_numpy() @ joh3.eigenvectors[0].to_numpy()
    np.testing.assert_allclose(port.to_numpy(), expected, rtol=RTOL_SAME)
    assert port.index.equals(etf.index)
    pd.testing.assert_series_equal(joh3.portfolio(), port)
    hl = half_life(port)
    assert hl.half_life == pytest.approx(chan[EX27]["published"]["halflife_days"], abs=ATOL_6DP)
    assert round(hl.half_life) == 23  # Chan's lookback
    with pytest.raises(UnknownAssetError):
        joh3.portfolio(etf[["EWC", "EWA"]])


def test_johansen_summary_and_array_input(etf, joh3):
    text = str(joh3)
    assert "r <= 0" in text and "34.429" in text and "EWC" in text
    values = etf[["EWC", "EWA"]].to_numpy()
    res = johansen(values)
    assert res.asset_names == ["y0", "y1"] and list(res.eigenvectors.index) == ["y0", "y1"]
    expected = values @ res.eigenvectors[0].to_numpy()
    np.testing.assert_allclose(res.portfolio(values).to_numpy(), expected, rtol=RTOL_SAME)


# ---------------------------------------------------------------------------------------------
# Engle-Granger and CADF against Chan Example 2.5
# ---------------------------------------------------------------------------------------------


def test_engle_granger_hedge_ratio_matches_chan(chan, eg):
    ex = chan[EX25]
    assert list(eg.hedge_ratio.index) == ["EWA"]
    # Published to 4 decimals (0.9624) and reproduced to 5 (0.96243).
    assert eg.hedge_ratio["EWA"] == pytest.approx(0.9624, abs=ATOL_4DP)
    assert eg.hedge_ratio["EWA"] == pytest.approx(ex["reproduced"]["hedge_ratio"], abs=ATOL_5DP)


def test_engle_granger_spread_and_statistic(etf, eg):
    expected_spread = etf["EWC"] - eg.intercept - eg.hedge_ratio["EWA"] * etf["EWA"]
    np.testing.assert_allclose(eg.spread.to_numpy(), expected_spread.to_numpy(), atol=1e-10)
    assert eg.spread.index.equals(etf.index)
    assert abs(eg.spread.mean()) < 1e-10  # OLS residual with a constant has mean zero
    ref = coint(etf["EWC"], etf["EWA"], trend="c", autolag="aic")
    assert eg.stat == pytest.approx(ref[0], rel=RTOL_SAME)
    assert eg.pvalue == pytest.approx(ref[1], rel=RTOL_SAME)
    np.testing.assert_allclose(list(eg.critical_values.values()), ref[2], rtol=RTOL_SAME)
    assert list(eg.critical_values) == ["1%", "5%", "10%"]
    assert "EWA" in str(eg) and "No cointegration" in eg.null_hypothesis
    json.dumps(eg.to_dict(), allow_nan=False)


def test_cadf_on_residual_matches_chan(chan, eg):
    ex = chan[EX25]
    res = eg.adf_on_residual(lags=1)
    assert res.lags == 1 and res.nobs == 1500 - 2
    assert res.stat == pytest.approx(ex["reproduced"]["adf_t_statsmodels"], abs=ATOL_4DP)
    # Chan's MATLAB cadf prints -3.64346635; its residual regression differs from statsmodels'
    # by 1.2e-3 (json "reproduced"), so the book figure is only matched to 2e-3.
    assert res.stat == pytest.approx(ex["published"]["cadf_t"], abs=2e-3)
    assert res.stat < ex["published"]["crit_5pct"]  # Chan's conclusion: reject at 5%


def test_engle_granger_recovers_known_hedge_ratios():
    rng = np.random.default_rng(20240501)
    n = 2000
    x = 50.0 + rng.standard_normal((n, 2)).cumsum(axis=0)
    y = 3.0 + x @ np.array([0.8, -0.5]) + rng.standard_normal(n)
    res = engle_granger(pd.Series(y, name="Y"), pd.DataFrame(x, columns=["A", "B"]))
    # Super-consistent OLS: sd(beta_hat) ~ sigma / sqrt(sum (x - xbar)^2) ~ 1 / (n * 10) here,
    # so 0.01 is well over 10 standard errors.
    np.testing.assert_allclose(res.hedge_ratio[["A", "B"]], [0.8, -0.5], atol=0.01)
    assert res.pvalue < 0.01 and res.y_name == "Y"
    arr = engle_granger(y, x)
    assert list(arr.hedge_ratio.index) == ["x0", "x1"]
    np.testing.assert_allclose(arr.hedge_ratio.to_numpy(), res.hedge_ratio.to_numpy())


def test_engle_granger_aligns_pandas_indexes_with_a_warning(etf):
    with pytest.warns(DataWarning, match="common rows"):
        res = engle_granger(etf["EWC"].iloc[10:], etf["EWA"].iloc[:-10])
    assert res.nobs == 1500 - 20
    assert res.spread.index.equals(etf.index[10:-10])


# ---------------------------------------------------------------------------------------------
# ADF against statsmodels
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs",
    [
        {"regression": "c", "maxlag": None, "autolag": "AIC"},
        {"regression": "ct", "maxlag": 3, "autolag": None},
        {"regression": "n", "maxlag": 8, "autolag": "BIC"},
    ],
)
def test_adf_matches_statsmodels_adfuller(etf, kwargs):
    res = adf(etf["IGE"], **kwargs)
    ref = adfuller(etf["IGE"].to_numpy(), result_object=True, **kwargs)
    assert isinstance(res, TestResult) and res.is_valid
    assert res.stat == pytest.approx(ref.statistic, rel=RTOL_SAME)
    assert res.pvalue == pytest.approx(ref.pvalue, rel=RTOL_SAME)
    assert res.lags == ref.lags and res.nobs == ref.nobs
    assert res.critical_values == pytest.approx(ref.critical_values, rel=RTOL_SAME)
    assert "unit root" in res.null_hypothesis and "stationary" in res.alternative


def test_adf_rejects_for_white_noise_and_not_for_random_walk():
    rng = np.random.default_rng(7)
    assert adf(rng.standard_normal(500)).reject(0.01)
    # A fixed seed: this random walk has ADF p-value 0.2-0.9 in repeated draws; 0.05 is safe.
    assert not adf(rng.standard_normal(500).cumsum()).reject(0.05)


def test_test_result_to_dict_is_json_and_str_is_readable(etf):
    res = adf(etf["EWA"])
    d = json.loads(json.dumps(res.to_dict(), allow_nan=False))
    assert d["stat"] == res.stat and set(d["critical_values"]) == {"1%", "5%", "10%"}
    assert all(type(v) is float for v in d["critical_values"].values())
    text = str(res)
    assert "Augmented Dickey-Fuller" in text and "H0:" in text and f"{res.stat:.4f}" in text


# ---------------------------------------------------------------------------------------------
# Half-life
# ---------------------------------------------------------------------------------------------


def test_half_life_recovers_simulated_ar1():
    phi, n = 0.95, 20_000
    s = 5.0 + _ar1(phi, n, seed=12345)
    res = half_life(s)
    lam_true = phi - 1.0
    # Asymptotic sd of lambda_hat is sqrt((1 - phi^2) / n) = 0.0022; allow 4 sd.
    sd = math.sqrt((1 - phi**2) / n)
    assert res.lam == pytest.approx(lam_true, abs=4 * sd)
    assert res.lam_se == pytest.approx(sd, rel=0.1)  # OLS se vs asymptotic formula
    # Delta method: sd(h) = ln 2 / lambda^2 * sd(lambda).
    h_true = -math.log(2) / lam_true
    assert res.half_life == pytest.approx(h_true, abs=4 * math.log(2) / lam_true**2 * sd)
    assert res.mean == pytest.approx(5.0, abs=0.2)  # sd of the sample mean ~ 1/(1-phi)/sqrt(n)
    assert float(res) == res.half_life and res.note == ""


def test_half_life_regression_matches_statsmodels_ols():
    s = _ar1(0.8, 500, seed=99)
    res = half_life(pd.Series(s))
    ols = sm.OLS(np.diff(s), sm.add_constant(s[:-1])).fit()
    assert res.lam == pytest.approx(ols.params[1], rel=RTOL_SAME)
    assert res.intercept == pytest.approx(ols.params[0], rel=RTOL_SAME)
    assert res.lam_se == pytest.approx(ols.bse[1], rel=RTOL_SAME)
    assert res.lam_t == pytest.approx(ols.tvalues[1], rel=RTOL_SAME)
    assert res.nobs == 499


@pytest.mark.parametrize("kind", ["explosive", "exponential"])
def test_half_life_is_infinite_without_mean_reversion(kind):
    if kind == "explosive":
        s = _ar1(1.01, 1000, seed=3)  # lambda = 0.01 > 0, |s| grows like 1.01^t
    else:
        s = 1.02 ** np.arange(200)  # exact: ds_t = 0.02 s_{t-1}
    res = half_life(s)
    assert res.lam > 0
    assert res.half_life == math.inf and float(res) == math.inf
    assert "infinite" in res.note
    assert res.to_dict()["half_life"] is None
    json.dumps(res.to_dict(), allow_nan=False)


# ---------------------------------------------------------------------------------------------
# Typed errors and the InvalidTestStatistic null object
# ---------------------------------------------------------------------------------------------


def test_constant_series_raise_constant_series_error(etf):
    const = pd.Series(np.full(100, 3.0), name="FLAT")
    with pytest.raises(ConstantSeriesError, match="FLAT"):
        adf(const)
    with pytest.raises(ConstantSeriesError):
        half_life(const)
    with pytest.raises(ConstantSeriesError):
        engle_granger(etf["EWC"], etf["EWA"] * 0 + 1.0)
    with pytest.raises(ConstantSeriesError, match="IGE"):
        johansen(etf[["EWC", "EWA"]].assign(IGE=5.0))


def test_too_few_observations_raise_insufficient_data_error(etf):
    short = etf.iloc[:10]
    with pytest.raises(InsufficientDataError):
        adf(short["EWC"])
    with pytest.raises(InsufficientDataError):
        engle_granger(short["EWC"], short["EWA"])
    with pytest.raises(InsufficientDataError):
        johansen(short)
    with pytest.raises(InsufficientDataError):
        johansen(etf.iloc[:25], k_ar_diff=6)  # 3 * 7 + 6 + 3 = 30 rows needed
    with pytest.raises(InsufficientDataError):
        half_life([1.0, 2.0, 1.5])
    with pytest.raises(InsufficientDataError):  # 12 (n/100)^(1/4) default is fine; 15 lags not
        adf(etf["EWC"].iloc[:30], maxlag=15, autolag=None)


def test_too_few_series_collinear_and_bad_values(etf):
    with pytest.raises(TooFewAssetsError):
        johansen(etf[["EWC"]])
    with pytest.raises(TooFewAssetsError):
        engle_granger(etf["EWC"], etf[[]])
    with pytest.raises(CollinearAssetsError):
        johansen(etf[["EWC", "EWA"]].assign(TWICE=2.0 * etf["EWC"] + 1.0))
    with pytest.raises(CollinearAssetsError):
        engle_granger(etf["EWC"], etf[["EWA"]].assign(COPY=etf["EWA"]))
    with pytest.raises(MissingValueError, match="row 5"):
        adf(etf["EWC"].where(etf.index != etf.index[5]))
    with pytest.raises(NonNumericError):
        adf(["a"] * 50)
    for exc in (ConstantSeriesError, InsufficientDataError, TooFewAssetsError, MissingValueError):
        assert issubclass(exc, DataError) and issubclass(exc, ValueError)


def test_bad_options_raise_model_specification_error(etf):
    with pytest.raises(ModelSpecificationError):
        johansen(etf, det_order=2)
    with pytest.raises(ModelSpecificationError):
        johansen(etf, k_ar_diff=-1)
    with pytest.raises(ModelSpecificationError):
        adf(etf["EWC"], regression="x")
    with pytest.raises(ModelSpecificationError):
        adf(etf["EWC"], errors="ignore")
    with pytest.raises(ModelSpecificationError):
        engle_granger(etf["EWC"], etf["EWA"], trend="t")


def test_errors_coerce_returns_invalid_test_statistic(etf):
    const = np.ones(100)
    res = adf(const, errors="coerce")
    assert isinstance(res, InvalidTestStatistic) and not res.is_valid
    assert math.isnan(res.stat) and math.isnan(res.pvalue)
    assert all(math.isnan(v) for v in res.critical_values.values())
    assert "constant" in res.reason and "unit root" in res.null_hypothesis
    assert not res.reject(0.05)
    d = json.loads(json.dumps(res.to_dict(), allow_nan=False))
    assert d["stat"] is None and d["reason"] == res.reason
    assert "invalid" in str(res)
    eg = engle_granger(etf["EWC"].iloc[:5], etf["EWA"].iloc[:5], errors="coerce")
    assert isinstance(eg, InvalidTestStatistic) and "observations" in eg.reason
    hl = half_life(const, errors="coerce")
    assert isinstance(hl, HalfLifeResult) and not hl.is_valid and math.isnan(hl.half_life)
    assert "constant" in hl.note


def test_invalid_test_statistic_has_the_test_result_attributes(etf):
    valid, invalid = adf(etf["EWC"]), InvalidTestStatistic(reason="why")
    assert set(vars(valid)) <= set(vars(invalid))
    assert isinstance(invalid, TestResult) and invalid.reason == "why"
