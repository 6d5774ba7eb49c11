"""The validation studies run end to end (replication and stationarity; `all --quick` is slow)."""

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


def test_replication_every_row_passes(tmp_path):
    _run("replication", tmp_path)
    report = (tmp_path / "report_replication.md").read_text()
    assert "## Replication of Chan's published figures" in report
    table = pd.read_csv(tmp_path / "replication.csv")
    assert len(table) >= 50
    assert (table["status"] == "PASS").all(), table[table["status"] != "PASS"]
    assert (tmp_path / "replication_equity.png").stat().st_size > 0


def test_stationarity_table_rows_and_columns(tmp_path):
    _run("stationarity", tmp_path)
    t = pd.read_csv(tmp_path / "stationarity.csv")
    assert list(t["calibration"]) == ["alpha = 1 (MLE, alpha1)", "alpha = MLE (full)",
                                      "alpha = adaptive tuning"]
    for c in ("adf_p_in", "adf_p_out", "llf", "llf_out"):
        assert t[c].notna().all()
    section = (tmp_path / "report_stationarity.md").read_text()
    assert "## Stationarity in and out of sample" in section


@pytest.mark.slow
def test_all_quick_writes_every_section(tmp_path):
    _run("all", tmp_path)
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


def test_recovery_quick_mle_reaches_the_best_likelihood(tmp_path):
    """On every simulated data set the MLE's llf is at least the truth's and EM's (a global
    optimum must beat both); every method produced a row for every parameter."""
    _run("recovery", tmp_path)
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
    from ssm_coint._markdown import _render_subset

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
    assert main(args) == 0
    assert "Replication of Chan's published figures" in (
        tmp_path / "report_replication.md").read_text()
    capsys.readouterr()
    assert main(args) == 2  # the report exists
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("ssm-coint: error:") and "--force" in err[0]
    assert main([*args, "--force"]) == 0


def test_cli_validate_bad_data_dir_is_one_line_error(tmp_path, capsys):
    from ssm_coint.cli import main

    assert main(["validate", "replication", "--out", str(tmp_path / "o"),
                 "--data-dir", str(tmp_path / "nowhere")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "nowhere" in err[0] and "chan_ewa_ewc_ige.csv" in err[0]
    assert main(["validate", "recovery", "--quick", "--reps", "0", "--out",
                 str(tmp_path / "o"), "--data-dir", str(SHARED_DATA)]) == 2
