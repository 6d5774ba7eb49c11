"""Trading layer: Chan's published strategy figures, signals, backtest accounting, metrics."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from _shared_data import chan_published_results
from hypothesis import given, settings
from hypothesis import strategies as st

from ssm_coint import chan_filter
from ssm_coint.trading import (
    ConfigFileError,
    FilterPath,
    Signal,
    StrategyConfig,
    StrategySpecificationError,
    backtest,
    band_units,
    chan_bands,
    johansen_mr,
    linear_mr_units,
    performance_metrics,
    rolling_zscore,
    round_trips,
    run_strategy,
    walk_forward_path,
    zscore_signal,
    zscore_units,
)

#: Chan's figures are printed to 6 decimals: half a unit in the last place.
TOL_6DP = 5e-7
#: Hand computations in floating point.
TOL_EXACT = 1e-12


@pytest.fixture(scope="module")
def ref():
    return chan_published_results()


@pytest.fixture(scope="module")
def chan_path(ewc_ewa):
    return FilterPath.from_results(chan_filter(ewc_ewa, delta=1e-4, ve=1e-3))


# --------------------------------------------------------------------------- replications
def test_chan_example_3_3_kalman_bands(ref, ewc_ewa, chan_path):
    pub = ref["book2_example_3.3_kalman_ewa_ewc"]["published"]
    bt = backtest(ewc_ewa, chan_bands(chan_path))
    assert abs(bt.metrics.apr - pub["APR"]) <= TOL_6DP
    assert abs(bt.metrics.sharpe - pub["Sharpe"]) <= TOL_6DP
    assert bt.metrics.n_days == 1500  # flat days stay in the sample


def test_chan_example_3_3_through_run_strategy(ref, ewc_ewa):
    pub = ref["book2_example_3.3_kalman_ewa_ewc"]["published"]
    res = run_strategy(ewc_ewa, StrategyConfig(signal="chan-bands", method="chan",
                                               delta=1e-4, ve=1e-3))
    out = res.to_dict()
    assert abs(out["apr"] - pub["APR"]) <= TOL_6DP
    assert abs(out["sharpe"] - pub["Sharpe"]) <= TOL_6DP
    slope, _ = ref["book2_example_3.3_kalman_ewa_ewc"]["reproduced"]["beta_last_day"]
    assert abs(out["hedge_ratios_last"]["EWA"] - slope) <= 5e-6  # printed to 5 decimals
    assert out["in_sample_parameters"] is False


def test_chan_example_2_8_johansen_mean_reversion(ref, ewc_ewa_ige):
    pub = ref["book2_example_2.7_2.8_johansen_portfolio_mean_reversion"]["published"]
    sig = johansen_mr(ewc_ewa_ige)
    assert abs(sig.info["half_life"] - pub["halflife_days"]) <= TOL_6DP
    assert sig.info["lookback"] == 23  # round(22.66)
    bt = backtest(ewc_ewa_ige, sig)
    assert abs(bt.metrics.apr - pub["APR"]) <= TOL_6DP
    assert abs(bt.metrics.sharpe - pub["Sharpe"]) <= TOL_6DP


def test_chan_bands_units_are_chans_matlab_rule(chan_path):
    """Literal transcription of Chan's numUnitsLong/Short code against band_units."""
    e = chan_path.forecast_error.to_numpy()
    sq = np.sqrt(chan_path.forecast_error_var.to_numpy())
    n = len(e)
    longs = pd.Series(np.full(n, np.nan))
    longs[0] = 0
    longs[e < -sq] = 1
    longs[e > -sq] = 0
    shorts = pd.Series(np.full(n, np.nan))
    shorts[0] = 0
    shorts[e > sq] = -1
    shorts[e < sq] = 0
    expected = (longs.ffill() + shorts.ffill()).to_numpy()
    np.testing.assert_array_equal(band_units(e, sq), expected)
    np.testing.assert_array_equal(chan_bands(chan_path).units.to_numpy(), expected)


def test_filter_path_keeps_the_date_index(chan_path, ewc_ewa):
    assert chan_path.index.equals(ewc_ewa.index)
    assert chan_path.filtered.index.equals(ewc_ewa.index)
    np.testing.assert_array_equal(chan_path.weights["EWC"], 1.0)
    np.testing.assert_allclose(chan_path.weights["EWA"], -chan_path.filtered["EWA"], rtol=0)


def test_walk_forward_with_chan_is_the_in_sample_chan_filter(ewc_ewa, chan_path):
    """Chan's method estimates nothing: carrying the state on must reproduce the filter."""
    wf = walk_forward_path(ewc_ewa, step=100, train_days=300, method="chan")
    assert len(wf.blocks) == 12
    for a, b in ((wf.path.forecast_error, chan_path.forecast_error),
                 (wf.path.forecast_error_var, chan_path.forecast_error_var),
                 (wf.path.filtered, chan_path.filtered)):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-10, atol=1e-12)
    assert not wf.path.tradable.iloc[:300].any() and wf.path.tradable.iloc[300:].all()


# --------------------------------------------------------------------------- signal rules
def test_zscore_state_machine_by_hand():
    z = np.array([0.0, -2.1, -1.0, -0.4, 2.6, 3.0, 4.5, 2.6, np.nan, 0.1])
    u = zscore_units(z, entry_z=2.0, exit_z=0.5, stop_z=4.0)
    # flat, long, hold, exit (z > -0.5), short, hold, stop (z > 4), blocked until |z| < 0.5,
    # NaN holds, unblocked but flat
    np.testing.assert_array_equal(u, [0, 1, 1, 0, -1, -1, 0, 0, 0, 0])
    u_lo = zscore_units(z, entry_z=2.0, exit_z=0.5, stop_z=4.0, long_only=True)
    np.testing.assert_array_equal(u_lo, [0, 1, 1, 0, 0, 0, 0, 0, 0, 0])
    u_ns = zscore_units(z, entry_z=2.0, exit_z=0.5, stop_z=None)
    np.testing.assert_array_equal(u_ns, [0, 1, 1, 0, -1, -1, -1, -1, -1, 0])
    tradable = np.ones(10, bool)
    tradable[5] = False
    # flat on day 5; day 6 is beyond the stop (no entry there), day 7 re-enters short
    np.testing.assert_array_equal(
        zscore_units(z, entry_z=2.0, exit_z=0.5, stop_z=4.0, tradable=tradable),
        [0, 1, 1, 0, -1, 0, 0, -1, -1, 0])


# z paths and the positions the one rule gives (entry 2, exit 0.5, stop 4); the first is
# issue 11's, where seed 002's rule opened a long at z = -4.5, beyond its own stop
POSITION_PATHS = [
    ([0, -2.5, -1, 2.5, 0.2, -4.5, -2.5, -0.1], [0, 1, 1, -1, 0, 0, 1, 0]),
    ([0, -4.5, -3.0, -2.5, -0.4], [0, 0, 1, 1, 0]),  # beyond the stop: wait, then enter
    ([-2.5, -4.5, -3.0, -0.3, -2.2], [1, 0, 0, 0, 1]),  # stopped: blocked until |z| < 0.5
    ([2.1, 4.0, 4.01, 2.2, 0.49], [-1, -1, 0, 0, 0]),  # stop is strict; block until |z| < exit
    ([-2.1, np.nan, 2.1, np.nan, 0.0], [1, 1, -1, -1, 0]),  # NaN carries; a crossing flips
    ([2.5, 1.0, 0.5, 0.4999], [-1, -1, -1, 0]),  # exit strictly inside the exit band
]


@pytest.mark.parametrize("z, want", POSITION_PATHS)
def test_position_rule_paths(z, want):
    from ssm_coint.models import mean_reversion_positions
    from ssm_coint.trading import position_rule

    got = position_rule(z, entry=2.0, exit=0.5, stop=4.0)
    assert got.tolist() == want
    assert zscore_units(z, entry_z=2.0, exit_z=0.5, stop_z=4.0).tolist() == want
    assert mean_reversion_positions(pd.Series(z), 2.0, 0.5, stop=4.0).tolist() == want


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.floats(-8, 8), st.just(float("nan"))), min_size=1, max_size=60),
       st.booleans())
def test_no_position_is_opened_beyond_the_stop(z, long_only):
    from ssm_coint.trading import position_rule

    z = np.asarray(z, float)
    u = position_rule(z, entry=2.0, exit=0.5, stop=4.0, long_only=long_only)
    prev = np.r_[0, u[:-1]]
    opened = (u != 0) & (u != prev)
    assert np.all(np.abs(z[opened]) <= 4.0)
    assert np.all(np.abs(z[opened]) > 2.0)
    if long_only:
        assert np.all(u >= 0)


def test_rolling_zscore_matches_pandas():
    rng = np.random.default_rng(7)
    s = np.cumsum(rng.standard_normal(200))
    for ddof in (0, 1):
        ser = pd.Series(s).rolling(30)
        expected = ((pd.Series(s) - ser.mean()) / ser.std(ddof=ddof)).to_numpy()
        np.testing.assert_allclose(rolling_zscore(s, 30, ddof=ddof), expected, rtol=1e-9,
                                   atol=1e-9, equal_nan=True)
    assert np.isnan(rolling_zscore(s, 30)[:29]).all()
    assert np.isnan(rolling_zscore(np.ones(40), 30)).all()  # zero std: no signal
    u = linear_mr_units(s, 10)
    assert np.all(u[:9] == 0)
    sd = pd.Series(s).rolling(10).std()
    np.testing.assert_allclose(u[9:], (-(pd.Series(s) - pd.Series(s).rolling(10).mean())
                                       / sd).to_numpy()[9:], rtol=1e-9)


@pytest.mark.parametrize("kwargs", [dict(entry_z=1.0, exit_z=1.5), dict(entry_z=2.0, exit_z=-0.1),
                                    dict(entry_z=2.0, exit_z=0.5, stop_z=1.5)])
def test_bad_thresholds_are_refused(kwargs):
    with pytest.raises(StrategySpecificationError):
        zscore_units(np.zeros(3), **kwargs)
    with pytest.raises(StrategySpecificationError):
        StrategyConfig(signal="zscore", **kwargs)


def test_bad_band_multiples_are_refused():
    with pytest.raises(StrategySpecificationError):
        band_units(np.zeros(3), np.ones(3), entry_k=1.0, exit_k=2.0)
    with pytest.raises(StrategySpecificationError):
        StrategyConfig(signal="chan-bands", entry_z=0.0)
    with pytest.raises(ConfigFileError):
        StrategyConfig.from_dict({"signal": "zscore", "no_such_option": 1})


# --------------------------------------------------------------------------- accounting
def _tiny():
    idx = pd.date_range("2020-01-01", periods=5, freq="B")
    prices = pd.DataFrame({"Y": [10.0, 11.0, 12.0, 11.0, 11.5], "X": [5.0, 5.0, 6.0, 6.0, 5.0]},
                          index=idx)
    units = pd.Series([1.0, 1.0, 0.0, -1.0, -1.0], index=idx)
    weights = pd.DataFrame({"Y": 1.0, "X": -1.0}, index=idx)
    sig = Signal(units=units, weights=weights, weight_kind="shares",
                 score=pd.Series(0.0, index=idx), name="test")
    return prices, sig


def test_gross_returns_by_hand():
    prices, sig = _tiny()
    bt = backtest(prices, sig)
    # positions (dollars) after each close: [10,-5], [11,-5], 0, [-11, 6], [-11.5, 5]
    r1 = (10 * 0.1 - 5 * 0.0) / 15
    r2 = (11 * (1 / 11) - 5 * (1 / 5)) / 16
    r3 = 0.0  # flat over day 3
    r4 = (-11 * (11.5 - 11) / 11 + 6 * (5 - 6) / 6) / 17
    np.testing.assert_allclose(bt.returns.to_numpy(), [0.0, r1, r2, r3, r4], atol=TOL_EXACT)
    m = bt.metrics
    r = np.array([0.0, r1, r2, r3, r4])
    assert m.total_return == pytest.approx(np.prod(1 + r) - 1, abs=TOL_EXACT)
    assert m.apr == pytest.approx(np.prod(1 + r) ** (252 / 5) - 1, rel=1e-12)
    assert m.sharpe == pytest.approx(math.sqrt(252) * r.mean() / r.std(ddof=1), rel=1e-12)
    assert m.exposure == pytest.approx(3 / 5)  # days 1, 2 and 4 carry a position
    assert m.n_trades == 1  # the long closed on day 2; the short is still open
    assert list(bt.trades["closed"]) == [True, False]
    assert bt.trades["pnl"].iloc[0] == pytest.approx(1.0 + 0.0)  # day-1 and day-2 P&L


def test_metrics_by_hand():
    r = np.array([0.10, -0.05, 0.02, 0.0, -0.10, 0.05])
    m = performance_metrics(r, initial_cash=100.0)
    eq = 100 * np.cumprod(1 + r)  # 110, 104.5, 106.59, 106.59, 95.931, 100.72755
    assert eq[-1] == pytest.approx(100.72755, rel=1e-12)
    assert m.total_return == pytest.approx(0.0072755, rel=1e-9)
    assert m.apr == pytest.approx(1.0072755 ** (252 / 6) - 1, rel=1e-12)
    assert m.sharpe == pytest.approx(math.sqrt(252) * (0.02 / 6) / np.std(r, ddof=1), rel=1e-12)
    # peak 110 (day 1), trough 95.931 (day 5): 12.79% and 14.069 in money
    assert m.max_drawdown == pytest.approx(1 - 95.931 / 110, rel=1e-12)
    assert m.max_drawdown_money == pytest.approx(110 - 95.931, rel=1e-12)
    assert m.max_drawdown_duration == 5
    assert m.calmar == pytest.approx(m.apr / m.max_drawdown, rel=1e-12)
    flat = performance_metrics(np.zeros(4))
    assert flat.total_return == 0 and math.isnan(flat.sharpe) and math.isnan(flat.calmar)


def test_round_trips_flip_and_cost_attribution():
    held = np.array([0, 1, 1, 0, -1, -1, 1, 1, 0])
    pnl = np.arange(9, dtype=float)  # day t's P&L is t
    costs = np.full(9, 0.5)
    tr = round_trips(held, pnl, costs)
    assert list(tr["side"]) == [1, -1, 1] and tr["closed"].all()
    assert list(tr["days"]) == [2, 2, 2]
    # long: P&L of days 2, 3; costs at closes 1, 2 (held) and 3 (closing)
    assert tr["pnl"].iloc[0] == pytest.approx(2 + 3 - 1.5)
    # short: days 5, 6; costs at 4, 5 (the flip's cost at 6 goes to the new trade)
    assert tr["pnl"].iloc[1] == pytest.approx(5 + 6 - 1.0)
    assert tr["pnl"].iloc[2] == pytest.approx(7 + 8 - 1.5)
    m = performance_metrics(np.zeros(9), trade_pnl=tr["pnl"])
    assert m.n_trades == 3 and m.hit_rate == 1.0


def test_commission_reduces_returns_by_the_expected_amount():
    prices, sig = _tiny()
    bps = 10.0
    base, costly = backtest(prices, sig), backtest(prices, sig, commission_bps=bps)
    traded = base.traded.to_numpy()
    # traded notional at each close: |dH| . p
    np.testing.assert_allclose(traded, [15, 0, 18, 17, 0], atol=TOL_EXACT)
    gross_prev = np.abs(base.positions.shift(1).fillna(0)).sum(axis=1).to_numpy()
    gross_now = np.abs(base.positions).sum(axis=1).to_numpy()
    cap = np.where(gross_prev > 0, gross_prev, gross_now)
    np.testing.assert_allclose(base.returns - costly.returns, bps * 1e-4 * traded / cap,
                               atol=TOL_EXACT)
    # money account: final equity falls by exactly the commission paid
    m0 = backtest(prices, sig, sizing="shares", stake=100, initial_cash=1e4)
    m1 = backtest(prices, sig, sizing="shares", stake=100, initial_cash=1e4, commission_bps=bps)
    assert m0.equity.iloc[-1] - m1.equity.iloc[-1] == pytest.approx(
        bps * 1e-4 * 100 * traded.sum(), rel=1e-12)
    assert m1.costs.sum() == pytest.approx(bps * 1e-4 * 100 * traded.sum(), rel=1e-12)


def test_delay_shifts_positions(ewc_ewa, chan_path):
    sig = chan_bands(chan_path)
    b0, b1 = backtest(ewc_ewa, sig), backtest(ewc_ewa, sig, delay=1)
    expected = b0.holdings.shift(1).fillna(0.0)
    np.testing.assert_array_equal(b1.holdings.to_numpy(), expected.to_numpy())
    np.testing.assert_array_equal(b1.units.to_numpy(), b0.units.shift(1).fillna(0).to_numpy())
    assert b1.metrics.sharpe < b0.metrics.sharpe  # a day late hurts this fast signal


def test_sizing_and_long_only(ewc_ewa, chan_path):
    sig = zscore_signal(chan_path, window=60, entry_z=2.0, exit_z=0.5, stop_z=4.0)
    sh = backtest(ewc_ewa, sig, sizing="shares", stake=50)
    h = sh.holdings[sh.units != 0]
    np.testing.assert_allclose(h["EWC"].abs(), 50.0)  # stake shares of y per unit
    # holdings are frozen between entry and exit (seed 002's broker)
    runs = (sh.units != sh.units.shift()).cumsum()
    assert (sh.holdings.groupby(runs).nunique() <= 1).all().all()
    dl = backtest(ewc_ewa, sig, sizing="dollars", stake=1000.0)
    entry = dl.units.ne(dl.units.shift()) & dl.units.ne(0)
    gross = (dl.holdings.abs() * ewc_ewa).sum(axis=1)[entry]
    np.testing.assert_allclose(gross, 1000.0, rtol=1e-12)  # stake dollars gross per unit
    lo = backtest(ewc_ewa, sig, long_only=True)
    assert (lo.units >= 0).all() and (lo.units > 0).any()


def test_log_price_model_trades_dollar_units(ewc_ewa):
    res = run_strategy(ewc_ewa, StrategyConfig(signal="zscore", log_prices=True, delta=1e-5,
                                               ve=1e-6))
    assert res.signal.weight_kind == "dollars"
    held = res.backtest.units != 0
    assert held.any()
    pos = res.backtest.positions[held]
    w = res.signal.weights[held]
    np.testing.assert_allclose(pos["EWC"], res.backtest.units[held] * w["EWC"], rtol=1e-12)


def test_short_samples_are_refused_and_few_trades_warn(ewc_ewa):
    """Issue 15: 5 rows gave Sharpe -7.1; a window longer than the sample gave 0 trades and a
    null Sharpe, both without a word."""
    from ssm_coint.exceptions import DataWarning, InsufficientDataError

    with pytest.raises(InsufficientDataError, match="5 days of prices.*at least 20"):
        run_strategy(ewc_ewa.iloc[:5], StrategyConfig(signal="chan-bands", method="chan"))
    with pytest.raises(InsufficientDataError, match="100 days.*at least 140 .120 of warm-up"):
        run_strategy(ewc_ewa.iloc[:100], StrategyConfig(signal="zscore", window=120))
    with pytest.warns(DataWarning, match=r"only \d round trip"):
        run_strategy(ewc_ewa.iloc[:60], StrategyConfig(signal="zscore", window=30,
                                                        entry_z=3.5, exit_z=0.5))
