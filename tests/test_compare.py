"""The comparison table and its CLI: five methods on one likelihood, in and out of sample."""

from __future__ import annotations

import json

import numpy as np
import pytest

from ssm_coint import compare_methods, fit_mle, simulate_hedge_model
from ssm_coint.cli import main
from ssm_coint.exceptions import SampleSplitError


@pytest.fixture(scope="module")
def sim_prices():
    return simulate_hedge_model(500, k=2, seed=12).prices


def test_compare_table_columns_and_consistency(sim_prices):
    train_end = sim_prices.index[399]
    table = compare_methods(sim_prices, train_end=train_end,
                            methods=("mle", "em", "chan", "adaptive"),
                            options={"passes": 50})
    assert list(table["method"]) == ["mle", "em", "chan", "adaptive"]
    for col in ("params", "llf", "aic", "bic", "alpha", "half_life", "runtime_s", "converged",
                "adf_p_in", "llf_out", "adf_p_out", "warnings"):
        assert col in table.columns
    assert table.attrs["n_train"] == 400 and table.attrs["n_test"] == 100
    mle = table.set_index("method").loc["mle"]
    # the MLE row's llf is the training-window MLE, and nothing beats it on that window
    direct = fit_mle(sim_prices.iloc[:400], "full", nested=False)
    assert mle["llf"] == pytest.approx(direct.llf, abs=1e-6)
    assert table["llf"].max() <= mle["llf"] + 1e-3
    # out-of-sample llf = llf(all) - llf(train) with frozen parameters
    model = direct.results.model
    from ssm_coint import hedge_model

    whole = hedge_model(sim_prices).loglike(direct.params.to_numpy())
    assert mle["llf_out"] == pytest.approx(whole - direct.llf, rel=1e-8)
    assert np.isfinite(mle["adf_p_out"]) and model is not None


def test_compare_bad_split(sim_prices):
    with pytest.raises(SampleSplitError, match="train/test split"):
        compare_methods(sim_prices, train_end="1990-01-01", methods=("chan",))


def test_compare_cli_json(sim_prices, tmp_path, capsys):
    path = tmp_path / "p.csv"
    sim_prices.to_csv(path)
    train_end = str(sim_prices.index[399].date())
    assert main(["compare", "--data", str(path), "--assets", "Y", "X2", "--train-end",
                 train_end, "--method", "chan", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [r["method"] for r in out["rows"]] == ["chan"]
    row = out["rows"][0]
    for key in ("params", "llf", "aic", "bic", "half_life", "runtime_s", "converged", "adf_p_in",
                "llf_out", "adf_p_out", "warnings"):
        assert key in row
    assert out["lr_tests"]["c=0"]["reference"] == "chi2(1)"
    assert out["lr_tests"]["alpha=1"]["stat"] >= 0


def test_profile_plot(sim_prices):
    cal = fit_mle(sim_prices, "full", nested=False)
    fig = cal.plot_profile()
    assert len(fig.axes[0].lines) >= 3
    import matplotlib.pyplot as plt

    plt.close(fig)
