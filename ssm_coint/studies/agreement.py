"""Study 2 (SPEC section 7): cross-method agreement on real data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ._common import TRAIN_END, Progress, chan_etf, md_table, new_figure, save_figure


def _datasets(data_dir: Path) -> list[tuple[str, pd.DataFrame, str]]:
    from ssm_coint import load_prices

    etf = chan_etf(data_dir)
    sets = [("EWC/EWA", etf[["EWC", "EWA"]], TRAIN_END),
            ("EWC/EWA/IGE", etf[["EWC", "EWA", "IGE"]], TRAIN_END)]
    f28 = Path(data_dir) / "chan_etf28_adjclose_2002_2016.csv"
    for assets in (["GLD", "GDX"], ["USO", "GLD"], ["IWD", "IWF"]):
        p = load_prices(f28, assets, start="2008-01-01", end="2013-12-31", missing="drop")
        sets.append(("/".join(assets), p, "2012-12-31"))
    return sets


def llf_figure(piv: pd.DataFrame, path: Path) -> str:
    """Bar chart of each method's training llf minus the best per data set (``piv``: data x
    method); a missing (non-finite) llf is marked n/a. Returns the file name."""
    fig, ax = new_figure(figsize=(9.5, 4))
    rel = piv.sub(piv.max(axis=1), axis=0)
    m = len(rel.columns)
    width = 0.8 / max(m, 1)
    x = np.arange(len(rel))
    for j, method in enumerate(rel.columns):
        pos = x - 0.4 + (j + 0.5) * width
        vals = rel[method].to_numpy(dtype=float)
        ax.bar(pos, np.nan_to_num(vals, nan=0.0), width, label=method, color=f"C{j}")
        for xi, v in zip(pos, vals, strict=True):
            if not np.isfinite(v):
                ax.text(xi, -0.3, "n/a", rotation=90, ha="center", va="top", fontsize=7,
                        color=f"C{j}")
    ax.set_yscale("symlog", linthresh=1.0)
    ax.set_xticks(x, list(rel.index))
    ax.set_ylabel("llf - best llf (training window, symlog)")
    ax.set_title("In-sample log-likelihood per method, relative to the best")
    ax.legend(fontsize=8, title="method", title_fontsize=8, loc="upper left",
              bbox_to_anchor=(1.01, 1.0))
    return save_figure(fig, path)


def run(out: Path, data_dir: Path, quick: bool = False, **_) -> str:
    from ssm_coint import compare_methods

    opts = {"passes": 200 if quick else 2000, "pykalman_iter": 10 if quick else 100}
    methods = (("mle", "adaptive", "chan") if quick
               else ("mle", "em", "adaptive", "pykalman-em", "chan"))
    rows = []
    sets = _datasets(data_dir)
    bar = Progress(len(sets), "agreement")
    for name, prices, te in sets:
        # compare_methods records each method's warnings in its row
        t = compare_methods(prices, train_end=te, options=opts, methods=methods)
        t.insert(0, "data", name)
        rows.append(t)
        bar.update()
    t = pd.concat(rows, ignore_index=True)
    cols = ["data", "method", "alpha", "half_life", "llf", "llf_out", "adf_p_out", "runtime_s",
            "converged"]
    t[cols].to_csv(out / "agreement.csv", index=False)
    piv = t.pivot(index="data", columns="method", values="llf").reindex([s[0] for s in sets])
    name = llf_figure(piv, out / "agreement_llf.png")
    wins = piv.idxmax(axis=1).value_counts()
    gap = (piv.max(axis=1) - piv.get("mle", piv.max(axis=1))).max()
    piv_out = t.pivot(index="data", columns="method", values="llf_out")
    piv_out = piv_out.reindex([s[0] for s in sets]).dropna(axis=1, how="all")
    best_out = piv_out.idxmax(axis=1)
    out_text = "; ".join(f"{d}: {m} ({piv_out.loc[d, m]:.2f})" for d, m in best_out.items())
    lines = [
        "## Cross-method agreement on real data", "",
        f"Across {len(sets)} data sets the highest training log-likelihood is reached by "
        + ", ".join(f"{m} ({c} of {len(sets)})" for m, c in wins.items())
        + f"; the largest shortfall of MLE against the best method is {gap:.3f}. The best "
        f"out-of-sample predictive log-likelihood (parameters frozen at the training "
        f"estimates) per data set: {out_text}.", "",
        md_table(t[cols], digits=4), "", f"![agreement]({name})", "",
        "Figure: training-window log-likelihood of each method minus the best per data set "
        "(symmetric log scale, linear within 1 unit of the best; a bar of height zero reaches "
        "the best; n/a: the method's parameters give no finite log-likelihood).", "",
    ]
    return "\n".join(lines)
