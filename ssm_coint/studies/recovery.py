r"""Study 1 (SPEC section 7): parameter recovery on data simulated from the model.

Every replication simulates one data set from :func:`ssm_coint.studies._common.truth_params`
and fits it with each method; all methods see the same data (paired comparison). Per grid cell
(alpha, k, n), method and parameter the study reports

* bias :math:`\bar{\hat\theta} - \theta` and RMSE :math:`\sqrt{\overline{(\hat\theta-\theta)^2}}`
  over the replications whose fit produced a finite estimate;
* 95% interval coverage for methods that report standard errors (MLE and exact EM:
  Wald intervals, on the log scale for variances, see
  :meth:`ssm_coint.Calibration.conf_int`); a parameter estimated on its boundary has no Wald
  interval and counts as *not available* (column ``ci_available``), never as covered;
* the mean run time of one fit, and the share of replications in which the method's
  log-likelihood reaches the one at the true parameters (``llf_ge_truth``: an MLE that misses
  the global optimum shows up here).

Parameters that a method does not estimate (``c`` in adaptive tuning's mu0 mapping) are
recorded but left out of bias and RMSE. pykalman's EM is slow (pure Python, about 0.5 s an
iteration at n = 2500, k = 3) and is run at its library default of 10 iterations on the first
``pykalman_reps`` replications of every cell.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._warnings import collected_warnings
from .._warnings import summarise as summarise_warnings
from ._common import md_table, new_figure, pool_map, save_figure, truth_params

METHODS = ("mle", "em", "adaptive", "pykalman-em")
FULL_GRID = [(a, k, n) for a in (0.5, 0.9, 0.98, 1.0) for k in (2, 3) for n in (250, 1000, 2500)]
QUICK_GRID = [(0.9, 2, 250), (1.0, 2, 250)]


@dataclass(frozen=True)
class RecoverySettings:
    """Sizes of the recovery study (full mode defaults)."""

    reps: int = 20
    pykalman_reps: int = 4
    pykalman_iter: int = 10
    adaptive_passes: int = 2000

    @classmethod
    def quick(cls) -> RecoverySettings:
        return cls(reps=4, pykalman_reps=2, pykalman_iter=5, adaptive_passes=200)


def _fitters(settings: RecoverySettings) -> dict[str, Any]:
    """The estimating methods of the calibration registry with the study's settings."""
    from ssm_coint.estimation.registry import calibrate

    opts = {"mle": {}, "em": {}, "adaptive": {"passes": settings.adaptive_passes},
            "pykalman-em": {"pykalman_iter": settings.pykalman_iter}}
    return {name: (lambda p, name=name, o=o: calibrate(p, name, variant="full", **o))
            for name, o in opts.items()}


def _truth_llf(prices: pd.DataFrame, truth: dict[str, float]) -> float:
    from ssm_coint.estimation import hedge_model

    model = hedge_model(prices, variant="full")
    return float(model.fast_loglike(np.array([truth[n] for n in model.all_param_names])))


def recovery_replication(job: tuple) -> list[dict[str, Any]]:
    """Simulate one data set of a grid cell and fit it with every method (one row a parameter)."""
    alpha, k, n, rep, seed, settings = job
    from ssm_coint import simulate_hedge_model

    truth = truth_params(alpha, k)
    sim = simulate_hedge_model(n, truth, k=k, seed=np.random.default_rng(seed))
    llf_truth = _truth_llf(sim.prices, truth)
    rows: list[dict[str, Any]] = []
    for method, fit in _fitters(settings).items():
        if method == "pykalman-em" and rep >= settings.pykalman_reps:
            continue
        t0 = time.perf_counter()
        error, cal, ci = "", None, None
        with collected_warnings() as caught:
            try:
                cal = fit(sim.prices)
                if cal.bse is not None:
                    ci = cal.conf_int()
            except Exception as exc:  # noqa: BLE001 - a failed fit is recorded, not raised
                error = f"{type(exc).__name__}: {exc}"[:200]
        warned = summarise_warnings(caught)[:300]
        runtime = time.perf_counter() - t0
        llf = math.nan if cal is None or cal.llf is None else float(cal.llf)
        for name, value in truth.items():
            est = se = lo = hi = math.nan
            estimated = cal is not None and name in cal.free
            if cal is not None:
                est = float(cal.params.get(name, math.nan))
                if cal.bse is not None and name in cal.bse.index:
                    se = float(cal.bse[name])
                if ci is not None and name in ci.index:
                    lo, hi = (float(v) for v in ci.loc[name])
            has_ci = bool(np.isfinite(lo) and np.isfinite(hi))
            rows.append({
                "alpha": alpha, "k": k, "n": n, "rep": rep, "method": method, "param": name,
                "truth": value, "estimate": est, "estimated": estimated, "se": se,
                "lower": lo, "upper": hi, "ci_available": has_ci,
                "covered": float(lo <= value <= hi) if has_ci else math.nan,
                "runtime_s": runtime, "converged": bool(cal is not None and cal.converged),
                "llf": llf, "llf_truth": llf_truth, "error": error, "warnings": warned,
            })
    return rows


def summarise(raw: pd.DataFrame) -> pd.DataFrame:
    """Bias, RMSE, coverage and run time per (alpha, k, n, method, param)."""
    use = raw[raw["estimated"].astype(bool) & np.isfinite(raw["estimate"])].copy()
    use["err"] = use["estimate"] - use["truth"]
    keys = ["alpha", "k", "n", "method", "param"]
    g = use.groupby(keys, sort=False)
    summ = g.agg(fits=("err", "size"), bias=("err", "mean"),
                 rmse=("err", lambda e: float(np.sqrt(np.mean(np.square(e))))),
                 coverage_95=("covered", "mean"),
                 ci_available=("ci_available", "mean")).reset_index()
    per_fit = raw.drop_duplicates(["alpha", "k", "n", "rep", "method"]).copy()
    per_fit["llf_ge_truth"] = (per_fit["llf"] >= per_fit["llf_truth"] - 1e-6).astype(float)
    per_fit.loc[~np.isfinite(per_fit["llf"]), "llf_ge_truth"] = 0.0
    extra = per_fit.groupby(["alpha", "k", "n", "method"], sort=False).agg(
        reps=("rep", "size"), runtime_s=("runtime_s", "mean"),
        converged=("converged", "mean"), llf_ge_truth=("llf_ge_truth", "mean")).reset_index()
    return summ.merge(extra, on=["alpha", "k", "n", "method"], how="left")


def _share_text(counts: pd.Series, total: int) -> str:
    return ", ".join(f"{m} {int(c)} of {total}" for m, c in counts.items())


def win_sentences(summ: pd.DataFrame, scope: str,
                  metrics: tuple[str, ...] = ("bias", "rmse", "coverage_95")) -> list[str]:
    """Which method wins on |bias|, RMSE and coverage, counted over (grid cell, parameter).

    ``summ`` must be computed on the same replications for every method (a paired
    comparison); ``scope`` says which, in words. The winner of a comparison has the smallest
    |bias|, the smallest RMSE, or (among methods with intervals) the coverage closest to 0.95.
    """
    keys = ["alpha", "k", "n", "param"]
    out = []
    for label, col, key in (("absolute bias", "bias", lambda s: s.abs()),
                            ("RMSE", "rmse", lambda s: s),
                            ("coverage closest to 95%", "coverage_95",
                             lambda s: (s - 0.95).abs())):
        comp = summ.dropna(subset=[col]).groupby(keys).filter(lambda d: len(d) > 1)
        if col not in metrics or comp.empty:
            continue
        idx = comp.assign(_k=key(comp[col])).groupby(keys)["_k"].idxmin()
        wins = comp.loc[idx, "method"].value_counts()
        out.append(f"{scope}, {label}: {_share_text(wins, int(len(idx)))} comparisons "
                   "(grid cell x parameter).")
    return out


def fit_sentences(summ: pd.DataFrame) -> list[str]:
    """Coverage range of the methods with standard errors; llf against the truth; run time."""
    out = []
    for m, d in summ.dropna(subset=["coverage_95"]).groupby("method"):
        worst = d.loc[d["coverage_95"].idxmin()]
        avail = float(np.average(d["ci_available"], weights=d["fits"]))
        by_n = d.groupby("n")["coverage_95"].mean()
        out.append(f"{m}: mean 95% coverage {d['coverage_95'].mean():.3f} over "
                   f"{len(d)} cells x parameters (by n: "
                   + ", ".join(f"{v:.3f} at n = {int(n)}" for n, v in by_n.items())
                   + f"); lowest {worst['coverage_95']:.3f} for "
                   f"{worst['param']} at alpha = {worst['alpha']}, k = {int(worst['k'])}, "
                   f"n = {int(worst['n'])}. Coverage counts the estimates that have a Wald "
                   f"interval ({avail:.1%} of them; a variance on its boundary has none).")
    fits = summ.drop_duplicates(["alpha", "k", "n", "method"])
    for m, d in fits.groupby("method", sort=False):
        out.append(f"{m}: log-likelihood at least that of the true parameters in "
                   f"{d['llf_ge_truth'].mean():.1%} of fits; mean run time "
                   f"{d['runtime_s'].mean():.3f} s a fit.")
    return out


def llf_gap_sentence(raw: pd.DataFrame) -> str:
    """How often, and by how much, EM stops below the MLE's log-likelihood."""
    fits = raw.drop_duplicates(["alpha", "k", "n", "rep", "method"])
    llf = fits.pivot_table(index=["alpha", "k", "n", "rep"], columns="method", values="llf")
    if not {"mle", "em"} <= set(llf.columns):
        return ""
    gap = (llf["mle"] - llf["em"]).dropna()
    return (f"MLE minus EM log-likelihood on the same data: median {gap.median():.2g}, "
            f"largest {gap.max():.3g}, smallest {gap.min():.3g}; EM ends more than 0.01 "
            f"below the MLE in {(gap > 0.01).mean():.1%} of {len(gap)} data sets.")


def _figures(raw: pd.DataFrame, summ: pd.DataFrame, out: Path) -> list[str]:
    use = raw[raw["estimated"].astype(bool) & np.isfinite(raw["estimate"])].copy()
    methods = [m for m in METHODS if m in set(use["method"])]
    names = []
    panels = [("alpha", "alpha_hat - alpha", lambda d: d["estimate"] - d["truth"], None),
              ("c", "c_hat - c", lambda d: d["estimate"] - d["truth"], None),
              ("sigma2.obs", "log10(sigma2.obs_hat / sigma2.obs)",
               lambda d: np.log10(np.clip(d["estimate"], 1e-30, None) / d["truth"]), None),
              ("sigma2.X2", "log10(sigma2.X2_hat / sigma2.X2)",
               lambda d: np.log10(np.clip(d["estimate"], 1e-30, None) / d["truth"]), None)]
    fig, axes = new_figure(2, 2, figsize=(10, 7))
    for ax, (param, ylabel, err, _) in zip(axes.ravel(), panels, strict=True):
        d = use[use["param"] == param]
        data = [err(d[d["method"] == m]).to_numpy() for m in methods]
        ax.boxplot(data, showfliers=True, flierprops={"markersize": 2})
        ax.set_xticks(range(1, len(methods) + 1), methods, fontsize=8)
        ax.axhline(0, color="k", lw=0.7)
        ax.set_ylabel(ylabel, fontsize=8)
        ax.set_title(f"{param}: all grid cells pooled", fontsize=9)
        if param == "alpha":
            ax.set_ylim(max(ax.get_ylim()[0], -2.1), min(ax.get_ylim()[1], 0.6))
    names.append(save_figure(fig, out / "recovery_box.png"))

    cov = summ.dropna(subset=["coverage_95"])
    if not cov.empty:
        params = list(dict.fromkeys(cov["param"]))
        fig, axes = new_figure(1, 2, figsize=(10, 3.8), sharey=True)
        for ax, m in zip(axes, ["mle", "em"], strict=True):
            d = cov[cov["method"] == m]
            for p in params:
                dp = d[d["param"] == p].groupby("n")["coverage_95"].mean()
                ax.plot(dp.index, dp.to_numpy(), "o-", label=p)
            ax.axhline(0.95, color="k", ls="--", lw=0.7)
            ax.set_xscale("log")
            ns = sorted(set(cov["n"]))
            ax.set_xticks(ns, [str(int(v)) for v in ns])
            ax.minorticks_off()
            ax.set_xlabel("n (log scale)")
            ax.set_title(f"{m}: 95% coverage, mean over alpha and k", fontsize=9)
        axes[0].set_ylabel("coverage")
        axes[1].legend(fontsize=7)
        names.append(save_figure(fig, out / "recovery_coverage.png"))
    return names


def run(out: Path, data_dir: Path | None = None, quick: bool = False, workers: int = 1,
        seed: int = 0, settings: RecoverySettings | None = None, **_: Any) -> str:
    """Run the study; write ``recovery_raw.csv``, ``recovery.csv`` and PNGs; return markdown."""
    settings = settings or (RecoverySettings.quick() if quick else RecoverySettings())
    grid = QUICK_GRID if quick else FULL_GRID
    seeds = np.random.SeedSequence(seed).spawn(len(grid) * settings.reps)
    jobs = [(a, k, n, r, seeds[i * settings.reps + r], settings)
            for i, (a, k, n) in enumerate(grid) for r in range(settings.reps)]
    jobs.sort(key=lambda j: -j[2] * j[1])  # longest first: better load balance
    raw = pd.DataFrame([row for rows in pool_map(recovery_replication, jobs, workers, "recovery")
                        for row in rows])
    raw = raw.sort_values(["alpha", "k", "n", "rep", "method"], kind="stable")
    raw.to_csv(out / "recovery_raw.csv", index=False)
    summ = summarise(raw)
    summ = summ.sort_values(["alpha", "k", "n", "param", "method"], kind="stable")
    summ.to_csv(out / "recovery.csv", index=False)
    figs = _figures(raw, summ, out)
    paired = raw[raw["method"] != "pykalman-em"]
    sentences = win_sentences(summarise(paired), "MLE, EM, adaptive tuning on all "
                              f"{settings.reps} replications")
    pyk = raw[raw["rep"] < settings.pykalman_reps]
    sentences += win_sentences(summarise(pyk), "All four methods on the first "
                               f"{min(settings.pykalman_reps, settings.reps)} replications",
                               metrics=("bias", "rmse"))
    sentences += fit_sentences(summ)
    gap = llf_gap_sentence(raw)
    sentences += [gap] if gap else []
    failures = raw.drop_duplicates(["alpha", "k", "n", "rep", "method"])
    failures = failures[failures["error"].astype(str).str.len() > 0]
    fail_text = ("No fit raised an error." if failures.empty else
                 f"{len(failures)} fit(s) raised an error and count as missing: "
                 + ", ".join(f"{m} {c}" for m, c in failures['method'].value_counts().items())
                 + ".")
    alpha_tab = summ[summ["param"] == "alpha"][
        ["alpha", "k", "n", "method", "fits", "bias", "rmse", "coverage_95", "llf_ge_truth",
         "runtime_s"]]
    lines = [
        "## Parameter recovery on simulated data", "",
        f"{len(grid)} grid cell(s) (alpha x k x n) x {settings.reps} replications "
        f"({'quick' if quick else 'full'} mode); pykalman EM with {settings.pykalman_iter} "
        f"iterations on {min(settings.pykalman_reps, settings.reps)} replications a cell; "
        f"adaptive tuning {settings.adaptive_passes} passes. True parameters: spread mean 2, "
        "level variance 0.01, hedge drift variances 1e-6 (5e-7), observation variance 0.01. "
        f"{fail_text}", "",
        *[f"- {s}" for s in sentences], "",
        "Alpha in every cell (all parameters in `recovery.csv`, every fit in "
        "`recovery_raw.csv`):", "",
        md_table(alpha_tab, digits=4), "",
        f"![recovery]({figs[0]})", "",
        "Figure: estimation errors pooled over the grid (alpha and c in their units, variances "
        "as log10 ratios to the truth).", "",
    ]
    if len(figs) > 1:
        lines += [f"![coverage]({figs[1]})", "",
                  "Figure: 95% interval coverage of MLE and EM by sample size "
                  "(dashed: nominal).", ""]
    return "\n".join(lines)
