"""The validation studies run end to end: ``python -m validation all --quick`` once per session
(a module fixture, about two minutes), then checks on what it wrote."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from _shared_data import SHARED_DATA, shared_data_path

REPO = Path(__file__).resolve().parents[1]


def _run(study: str, out: Path, quick: bool = True) -> None:
    shared_data_path("chan_published_results.json")
    cmd = [sys.executable, "-m", "validation", study, "--out", str(out),
           "--data-dir", str(SHARED_DATA)] + (["--quick"] if quick else [])
    subprocess.run(cmd, cwd=REPO, check=True, capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def quick_all(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("validation_quick")
    _run("all", out)
    return out


@pytest.mark.slow
def test_replication_every_row_passes(quick_all):
    report = (quick_all / "replication.md").read_text()
    assert "## Replication of Chan's published figures" in report
    table = pd.read_csv(quick_all / "replication.csv")
    assert len(table) >= 50
    assert (table["status"] == "PASS").all(), table[table["status"] != "PASS"]
    assert {"published", "reproduced"} <= set(table.columns)
    assert (quick_all / "replication_equity.png").stat().st_size > 0


@pytest.mark.slow
def test_stationarity_table_rows_and_columns(quick_all):
    t = pd.read_csv(quick_all / "stationarity.csv")
    assert list(t["calibration"]) == ["alpha = 1 (MLE, alpha1)", "alpha = MLE (full)",
                                      "alpha = adaptive tuning"]
    for c in ("adf_p_in", "adf_p_out", "llf", "llf_out"):
        assert t[c].notna().all()
    # nested models never beat the model that contains them (same training window)
    llf = dict(zip(t["calibration"], t["llf"], strict=True))
    assert llf["alpha = MLE (full)"] >= llf["alpha = 1 (MLE, alpha1)"] - 1e-6
    section = (quick_all / "stationarity.md").read_text()
    assert "## Stationarity in and out of sample" in section


@pytest.mark.slow
def test_all_quick_writes_every_section(quick_all):
    tmp_path = quick_all
    report = (tmp_path / "report.md").read_text()
    for h in ("## Replication", "## Stationarity", "## Case study", "## Parameter recovery",
              "## LR test", "## Cross-method agreement"):
        assert h in report
    assert (tmp_path / "report.html").exists()
    assert (pd.read_csv(tmp_path / "replication.csv")["status"] == "PASS").all()
    for png in ("casestudy_hedge_ratios.png", "casestudy_spread_zscore.png",
                "casestudy_profile_alpha.png", "casestudy_equity.png", "recovery_box.png",
                "recovery_coverage.png", "lrtest.png", "agreement_llf.png"):
        assert (tmp_path / png).stat().st_size > 10_000, png


@pytest.mark.slow
def test_recovery_quick_mle_reaches_the_best_likelihood(quick_all):
    """On every simulated data set the MLE's llf is at least the truth's and EM's (a global
    optimum must beat both); every method produced a row for every parameter."""
    tmp_path = quick_all
    raw = pd.read_csv(tmp_path / "recovery_raw.csv")
    fits = raw.drop_duplicates(["alpha", "k", "n", "rep", "method"])
    llf = fits.pivot_table(index=["alpha", "k", "n", "rep"], columns="method", values="llf")
    truth = fits.groupby(["alpha", "k", "n", "rep"])["llf_truth"].first()
    assert (llf["mle"] >= truth - 1e-6).all(), (llf["mle"] - truth).min()
    assert (llf["mle"] >= llf["em"] - 1e-6).all(), (llf["mle"] - llf["em"]).min()
    assert set(raw["method"]) == {"mle", "em", "adaptive", "pykalman-em"}
    summ = pd.read_csv(tmp_path / "recovery.csv")
    assert {"bias", "rmse", "coverage_95", "runtime_s", "ci_available"} <= set(summ.columns)
    section = (tmp_path / "recovery.md").read_text()
    assert "absolute bias:" in section and "RMSE:" in section and "coverage closest" in section
    assert "at n = 250" in section and "have a Wald interval" in section


def test_win_sentences_follow_the_numbers():
    """The generated verdicts name the method with the smaller |bias| / RMSE / coverage gap."""
    from ssm_coint.studies.recovery import summarise, win_sentences

    rows = []
    for rep in range(5):
        for method, est, lo, hi in (("good", 0.9 + 0.001 * (-1) ** rep, 0.8, 1.0),
                                    ("bad", 0.5 + 0.01 * rep, 0.6, 0.7)):
            rows.append({"alpha": 0.9, "k": 2, "n": 250, "rep": rep, "method": method,
                         "param": "alpha", "truth": 0.9, "estimate": est, "estimated": True,
                         "covered": float(lo <= 0.9 <= hi), "ci_available": True,
                         "runtime_s": 1.0, "converged": True, "llf": 1.0, "llf_truth": 0.0})
    text = " ".join(win_sentences(summarise(pd.DataFrame(rows)), "test"))
    assert "absolute bias: good 1 of 1" in text
    assert "RMSE: good 1 of 1" in text
    assert "coverage closest to 95%: good 1 of 1" in text
    assert "bad" not in text


def test_markdown_subset_renderer_keeps_tables_images_and_lists():
    from ssm_coint.io.markdown import _render_subset

    md = ("# Title\n\nSome `code` and a [link](x.html).\n\n- one\n- two\n\n"
          "| a | b |\n|---|---|\n| 1 | 2<3 |\n\n![fig](f.png)\n")
    out = _render_subset(md)
    assert "<h1>Title</h1>" in out
    assert "<code>code</code>" in out and '<a href="x.html">link</a>' in out
    assert "<ul><li>one</li><li>two</li></ul>" in out
    assert "<th>a</th>" in out and "<td>2&lt;3</td>" in out
    assert '<img src="f.png" alt="fig">' in out


def test_cli_validate_writes_report_and_refuses_overwrite(tmp_path, capsys):
    from ssm_coint.cli import main

    shared_data_path("chan_published_results.json")
    args = ["validate", "replication", "--out", str(tmp_path), "--data-dir", str(SHARED_DATA)]
    report = tmp_path / "report_replication.md"
    report.write_text("an earlier report")
    assert main(args) == 2  # the report exists
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("ssm-coint: error:") and "--force" in err[0]
    assert report.read_text() == "an earlier report"
    assert main([*args, "--force"]) == 0
    assert "Replication of Chan's published figures" in report.read_text()
    assert "wrote" in capsys.readouterr().out


def test_cli_validate_bad_data_dir_is_one_line_error(tmp_path, capsys):
    from ssm_coint.cli import main

    assert main(["validate", "replication", "--out", str(tmp_path / "o"),
                 "--data-dir", str(tmp_path / "nowhere")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "nowhere" in err[0] and "chan_ewa_ewc_ige.csv" in err[0]
    assert main(["validate", "recovery", "--quick", "--reps", "0", "--out",
                 str(tmp_path / "o"), "--data-dir", str(SHARED_DATA)]) == 2


def test_recovery_rows_do_not_depend_on_the_worker_process():
    """A replication carries its own SeedSequence child, so the same job gives the same rows
    in this process and in a worker of a pool (``--workers`` changes speed, not results)."""
    import numpy as np

    from ssm_coint.studies._common import pool_map
    from ssm_coint.studies.recovery import RecoverySettings, recovery_replication

    settings = RecoverySettings(reps=2, pykalman_reps=1, pykalman_iter=2, adaptive_passes=20)
    seeds = np.random.SeedSequence(7).spawn(2)
    jobs = [(0.9, 2, 250, r, seeds[r], settings) for r in range(2)]
    here = pd.DataFrame([row for job in jobs for row in recovery_replication(job)])
    pooled = pd.DataFrame([row for rows in pool_map(recovery_replication, jobs, 2, "test")
                           for row in rows])
    cols = ["rep", "method", "param", "estimate", "llf", "llf_truth"]
    pd.testing.assert_frame_equal(here[cols], pooled[cols])
    # the two replications saw different data
    assert here.loc[here["rep"] == 0, "llf_truth"].iloc[0] != here.loc[
        here["rep"] == 1, "llf_truth"].iloc[0]
