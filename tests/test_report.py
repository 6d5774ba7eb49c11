"""Plots of HedgeRatioResults, the report writer and ``ssm-coint fit --out``."""

from __future__ import annotations

import json
import sys

import numpy as np
import pandas as pd
import pytest
from _shared_data import shared_data_path

pytest.importorskip("matplotlib")
import matplotlib.dates as mdates  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from ssm_coint import fit_chan, fit_mle, simulate_hedge_model  # noqa: E402
from ssm_coint.cli import main  # noqa: E402
from ssm_coint.io.report import REPORT_FILES, report_files, write_report  # noqa: E402
from ssm_coint.trading import FilterPath, OutputExistsError, backtest, chan_bands  # noqa: E402

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def sim3():
    return simulate_hedge_model(300, k=3, seed=11).prices


@pytest.fixture(scope="module")
def chan3(sim3):
    return fit_chan(sim3, delta=1e-4, ve=1e-3, initialization="diffuse")


@pytest.fixture(scope="module")
def mle2():
    """A real MLE (with standard errors and a profile of alpha) on simulated prices."""
    prices = simulate_hedge_model(300, k=2, seed=3).prices
    return prices, fit_mle(prices, "mu0")


def _band(ax):
    """Lower and upper edge of the (only) fill_between polygon, per x."""
    (poly,) = ax.collections
    v = pd.DataFrame(poly.get_paths()[0].vertices, columns=["x", "y"])
    g = v.groupby("x")["y"]
    return g.min(), g.max()


# --------------------------------------------------------------------------- plots
@pytest.mark.parametrize("which, bands", [("smoothed", 2.0), ("filtered", 2.0),
                                          ("smoothed", 1.5)])
def test_plot_hedge_ratios_bands_are_estimate_pm_bands_se(chan3, which, bands):
    res = chan3.results
    fig = res.plot_hedge_ratios(which, bands=bands, fig=Figure())
    hr = res.hedge_ratios
    est, se = (hr.smoothed, hr.smoothed_se) if which == "smoothed" else (hr.filtered,
                                                                         hr.filtered_se)
    skip = res._default_skip()
    assert skip == 3  # one observation per state (diffuse phase is shorter)
    est, se = est.iloc[skip:], se.iloc[skip:]
    assert len(fig.axes) == 3 == est.shape[1]  # intercept, X2, X3
    x = mdates.date2num(est.index.to_pydatetime())
    for ax, name in zip(fig.axes, est.columns, strict=True):
        (line,) = ax.lines
        np.testing.assert_allclose(mdates.date2num(line.get_xdata()), x)
        np.testing.assert_allclose(line.get_ydata(), est[name].to_numpy(), rtol=1e-12)
        lower, upper = _band(ax)
        np.testing.assert_allclose(lower.index.to_numpy(), x)
        np.testing.assert_allclose(lower.to_numpy(), (est[name] - bands * se[name]).to_numpy(),
                                   rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(upper.to_numpy(), (est[name] + bands * se[name]).to_numpy(),
                                   rtol=1e-10, atol=1e-12)
        assert (upper - lower).min() > 0  # the band is visible
    assert "intercept" in fig.axes[0].get_ylabel() and "X3" in fig.axes[2].get_ylabel()


def test_plot_hedge_ratios_default_pyplot_figure_and_bad_input(chan3):
    import matplotlib.pyplot as plt

    fig = chan3.results.plot_hedge_ratios(skip=0)
    try:
        assert isinstance(fig, plt.Figure) and len(fig.axes) == 3
        assert len(fig.axes[0].lines[0].get_ydata()) == chan3.nobs
    finally:
        plt.close(fig)
    with pytest.raises(ValueError, match="which"):
        chan3.results.plot_hedge_ratios("predicted", fig=Figure())
    with pytest.raises(ValueError, match="bands"):
        chan3.results.plot_hedge_ratios(bands=0.0, fig=Figure())
    with pytest.raises(ValueError, match="skip"):
        chan3.results.plot_hedge_ratios(skip=10_000, fig=Figure())


def test_plot_spread_panels_and_threshold_lines(chan3):
    res = chan3.results
    fig = res.plot_spread(entry=2.0, exit=0.5, fig=Figure())
    assert len(fig.axes) == 2
    top, bottom = fig.axes
    skip = res._default_skip()
    np.testing.assert_allclose(top.lines[0].get_ydata(), res.spread.iloc[skip:].to_numpy())
    z = bottom.lines[0].get_ydata()
    np.testing.assert_allclose(z, res.zscore.iloc[skip:].to_numpy())
    levels = sorted(float(ln.get_ydata()[0]) for ln in bottom.lines[1:])
    assert levels == [-2.0, -0.5, 0.5, 2.0]
    # exit = 0 draws a single line at zero
    fig0 = res.plot_spread(entry=1.5, fig=Figure())
    assert sorted(float(ln.get_ydata()[0]) for ln in fig0.axes[1].lines[1:]) == [-1.5, 0.0, 1.5]


def test_plots_need_matplotlib_with_a_clear_message(chan3, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(ImportError, match=r"ssm_coint\[plot\]"):
        chan3.results.plot_spread()
    with pytest.raises(ImportError, match=r"ssm_coint\[plot\]"):
        chan3.results.plot_hedge_ratios()


# --------------------------------------------------------------------------- report writer
def test_write_report_every_file_and_refuses_to_overwrite(mle2, tmp_path):
    prices, cal = mle2
    assert cal.profile is not None and cal.bse is not None
    bt = backtest(prices, chan_bands(FilterPath.from_results(cal.results)))
    paths = write_report(tmp_path, cal, backtest=bt, info={"assets": ["Y", "X2"]})
    expected = set(REPORT_FILES) | {"profile_alpha.csv", "profile_alpha.png",
                                    "backtest_daily.csv", "equity.png"}
    assert set(paths) == expected
    assert {p.name for p in tmp_path.iterdir()} == expected
    for name in expected:
        assert (tmp_path / name).stat().st_size > 0, name
        if name.endswith(".png"):
            assert (tmp_path / name).read_bytes()[:8] == PNG, name

    doc = json.loads((tmp_path / "results.json").read_text())
    assert doc["llf"] == cal.llf
    assert doc["assets"] == ["Y", "X2"] and doc["method"] == "mle"
    assert doc["bse"]["alpha"] == pytest.approx(float(cal.bse["alpha"]))
    assert len(doc["profile_alpha"]) == len(cal.profile)
    assert doc["backtest"]["metrics"]["sharpe"] == pytest.approx(bt.metrics.sharpe)
    assert set(doc["files"]) == expected

    hr = pd.read_csv(tmp_path / "hedge_ratios.csv", index_col=0, parse_dates=True)
    h = cal.results.hedge_ratios
    np.testing.assert_allclose(hr["X2_smoothed"], h.smoothed["X2"])
    np.testing.assert_allclose(hr["intercept_filtered_se"], h.filtered_se["intercept"])
    sp = pd.read_csv(tmp_path / "spread.csv", index_col=0, parse_dates=True)
    np.testing.assert_allclose(sp["spread"], cal.results.spread)
    np.testing.assert_allclose(sp["zscore"], cal.results.zscore)  # NaN where diffuse

    md = (tmp_path / "report.md").read_text()
    assert "Y on X2" in md
    for name in ("alpha", "sigma2.obs", "sigma2.X2", "mu = c/(1-alpha)"):
        assert f"| {name} |" in md, name
    assert f"{float(cal.bse['alpha']):.6g}" in md  # standard error shown
    assert f"{cal.llf:.6g}" in md and "half-life" in md
    for png in ("hedge_ratios.png", "spread_zscore.png", "profile_alpha.png", "equity.png"):
        assert f"]({png})" in md
    html = (tmp_path / "report.html").read_text()
    assert '<img alt="hedge ratios" src="hedge_ratios.png"' in html and "<table>" in html

    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    with pytest.raises(OutputExistsError, match="exists"):
        write_report(tmp_path, cal, backtest=bt)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before  # nothing touched
    write_report(tmp_path, cal, force=True)  # force overwrites
    assert json.loads((tmp_path / "results.json").read_text())["llf"] == cal.llf


def test_write_report_chan_has_no_profile_and_html_fallback(chan3, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "markdown", None)  # no markdown package
    paths = write_report(tmp_path, chan3)
    assert set(paths) == set(REPORT_FILES) == set(report_files(chan3))
    assert not (tmp_path / "profile_alpha.png").exists() and not (tmp_path / "equity.png").exists()
    html = (tmp_path / "report.html").read_text()
    assert "<table>" in html and '<img src="spread_zscore.png"' in html
    md = (tmp_path / "report.md").read_text()
    assert "set by Chan's delta and V_e" in md and "infinite (alpha = 1" in md
    assert json.loads((tmp_path / "results.json").read_text())["half_life"] is None


def test_write_report_without_matplotlib_skips_figures(chan3, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    paths = write_report(tmp_path, chan3)
    assert not any(n.endswith(".png") for n in paths)
    assert "matplotlib" in (tmp_path / "report.md").read_text()


# --------------------------------------------------------------------------- CLI
def test_cli_fit_out_writes_report(tmp_path, capsys):
    csv = str(shared_data_path("chan_ewa_ewc_ige.csv"))
    out = tmp_path / "rep"
    base = ["fit", "--data", csv, "--assets", "EWC", "EWA"]
    assert main([*base, "--variant", "mu0", "--out", str(out), "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    doc = json.loads((out / "results.json").read_text())
    assert doc["llf"] == printed["llf"] and doc["variant"] == "mu0"
    assert set(printed["files"]) == {p.name for p in out.iterdir()}
    for name in (*REPORT_FILES, "profile_alpha.png", "profile_alpha.csv"):
        assert (out / name).exists(), name
    assert (out / "hedge_ratios.png").read_bytes()[:8] == PNG
    hr = pd.read_csv(out / "hedge_ratios.csv", index_col=0)
    assert len(hr) == 1500 and "EWA_smoothed_se" in hr

    # existing files: one line on stderr, exit 2, nothing rewritten (checked before fitting)
    before = (out / "results.json").read_bytes()
    assert main([*base, "--method", "chan", "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("ssm-coint: error:") and "exists" in err and "\n" not in err
    assert (out / "results.json").read_bytes() == before
    assert main([*base, "--method", "chan", "--out", str(out), "--force"]) == 0
    text = capsys.readouterr().out
    assert "wrote the report" in text
    assert json.loads((out / "results.json").read_text())["method"] == "chan"


def test_cli_fit_json_without_out_is_unchanged(tmp_path, capsys):
    csv = str(shared_data_path("chan_ewa_ewc_ige.csv"))
    assert main(["fit", "--data", csv, "--assets", "EWC", "EWA", "--method", "chan",
                 "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert "files" not in out and out["method"] == "chan"
    assert list(tmp_path.iterdir()) == []
