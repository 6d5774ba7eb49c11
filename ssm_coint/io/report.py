"""Report folder of a calibration (``ssm-coint fit --out DIR``): Markdown/HTML, JSON, CSV, PNG.

:func:`write_report` is the only entry point. Every file is written atomically
(:func:`~ssm_coint.trading.write_atomic`), and nothing is written when any output file exists
already unless ``force=True`` (:class:`~ssm_coint.trading.OutputExistsError`, an
:class:`~ssm_coint.exceptions.SsmCointError`). ``results.json`` is written last, so its presence
marks a complete report.
"""

from __future__ import annotations

import io
import json
import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from ..calibration import Calibration
from .files import check_writable, write_atomic
from .markdown import markdown_to_html

__all__ = ["REPORT_FILES", "report_files", "write_report"]

#: Files every report contains (figures need matplotlib, the ``plot`` extra).
REPORT_FILES: tuple[str, ...] = ("report.md", "report.html", "results.json",
                                 "hedge_ratios.csv", "spread.csv", "hedge_ratios.png",
                                 "spread_zscore.png")


def _has_matplotlib() -> bool:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def _has_profile(cal: Calibration) -> bool:
    return cal.profile is not None and not cal.profile.empty


def report_files(calibration: Calibration | None = None, *, backtest: Any = None,
                 figures: bool | None = None) -> list[str]:
    """Names of the files :func:`write_report` writes.

    Parameters
    ----------
    calibration : Calibration, optional
        Adds ``profile_alpha.csv``/``.png`` when it has a profile likelihood of alpha. Without
        it, only the files every report has (useful to check a folder before fitting).
    backtest : BacktestResult, optional
        Adds ``backtest_daily.csv`` and ``equity.png``.
    figures : bool, optional
        Include the PNG files (default: when matplotlib is installed).

    Returns
    -------
    list of str
        File names relative to the report folder.
    """
    figures = _has_matplotlib() if figures is None else figures
    names = [n for n in REPORT_FILES if figures or not n.endswith(".png")]
    if calibration is not None and _has_profile(calibration):
        names += ["profile_alpha.csv"] + (["profile_alpha.png"] if figures else [])
    if backtest is not None:
        names += ["backtest_daily.csv"] + (["equity.png"] if figures else [])
    return names


# --------------------------------------------------------------------------- helpers
def _clean(x: Any) -> Any:
    """JSON-ready copy: non-finite floats become None, NumPy scalars Python ones."""
    if isinstance(x, Mapping):
        return {str(k): _clean(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_clean(v) for v in x]
    if hasattr(x, "item") and not isinstance(x, str):  # NumPy scalar
        try:
            x = x.item()
        except (ValueError, TypeError):
            return str(x)
    if isinstance(x, float):
        return x if math.isfinite(x) else None
    return x


def _num(x: Any) -> str:
    if x is None:
        return "-"
    if isinstance(x, bool):
        return str(x)
    if isinstance(x, int):
        return str(x)
    try:
        v = float(x)
    except (TypeError, ValueError):
        return str(x)
    if math.isnan(v):
        return "-"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return f"{v:.6g}"


def _png(fig: Any) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    return buf.getvalue()


def _figures(cal: Calibration, backtest: Any, entry: float, exit: float) -> dict[str, bytes]:
    """Render the figures on bare matplotlib Figures (no pyplot state, no GUI)."""
    from matplotlib.figure import Figure

    res = cal.results
    k = len(res.model.state_names)
    out = {
        "hedge_ratios.png": _png(res.plot_hedge_ratios(
            "smoothed", fig=Figure(figsize=(9.0, 1.0 + 2.4 * k)))),
        "spread_zscore.png": _png(res.plot_spread(entry, exit, fig=Figure(figsize=(9.0, 6.0)))),
    }
    if _has_profile(cal):
        fig = Figure(figsize=(6.0, 4.0))
        cal.plot_profile(ax=fig.add_subplot())
        out["profile_alpha.png"] = _png(fig)
    if backtest is not None:
        out["equity.png"] = _png(backtest.plot(fig=Figure(figsize=(9.0, 5.0))))
    return out


def _hedge_table(res: Any) -> pd.DataFrame:
    hr = res.hedge_ratios
    cols = {}
    for name in hr.filtered.columns:
        cols[f"{name}_filtered"] = hr.filtered[name]
        cols[f"{name}_filtered_se"] = hr.filtered_se[name]
        cols[f"{name}_smoothed"] = hr.smoothed[name]
        cols[f"{name}_smoothed_se"] = hr.smoothed_se[name]
    table = pd.DataFrame(cols)
    table.index.name = table.index.name or "date"
    return table


def _spread_table(res: Any) -> pd.DataFrame:
    table = pd.concat([res.spread, res.zscore, res.innovations], axis=1)
    table.index.name = table.index.name or "date"
    return table


def _param_rows(cal: Calibration) -> list[str]:
    rows = ["| parameter | estimate | standard error | note |", "|---|---|---|---|"]
    free = set(cal.free)
    for name, value in cal.params.items():
        if name in free:
            boundary = cal.at_boundary.get(name, False)
            se = None if cal.bse is None else cal.bse.get(name)
            note = "at the boundary: no valid standard error" if boundary else "estimated"
            if cal.bse is None:
                note = "estimated (no standard errors from this method)"
        else:
            se, note = None, "fixed" if cal.method != "chan" else "set by Chan's delta and V_e"
        rows.append(f"| {name} | {_num(value)} | {_num(se)} | {note} |")
    if cal.alpha < 1:
        mu_se = cal.results.mu_se if (cal.results is not None and cal.bse is not None) else None
        rows.append(f"| mu = c/(1-alpha) | {_num(cal.mu)} | {_num(mu_se)} | "
                    "long-run mean; delta-method s.e. |")
    return rows


def _markdown(cal: Calibration, doc: Mapping[str, Any], files: list[str], backtest: Any,
              title: str, entry: float, exit: float) -> str:
    lines = [f"# {title}", ""]
    head = [f"Method `{cal.method}`, variant `{cal.variant}`, {cal.nobs} observations"]
    if doc.get("start") and doc.get("end"):
        head.append(f"from {doc['start']} to {doc['end']}")
    if doc.get("log_prices"):
        head.append("(log prices)")
    lines += [" ".join(head) + ".", "", "## Parameters", ""]
    lines += _param_rows(cal)
    hl = cal.half_life
    hl_text = (f"{_num(hl)} observations" if math.isfinite(hl)
               else "infinite (alpha = 1: the spread level does not revert)")
    lines += ["", "## Fit", "",
              f"- log-likelihood (exact): {_num(cal.llf)}",
              f"- AIC: {_num(cal.aic)}; BIC: {_num(cal.bic)}; free parameters: {cal.k_free}",
              f"- half-life of the spread level, ln 2 / -ln(alpha): {hl_text}",
              f"- converged: {cal.converged}; iterations: {cal.iterations}; "
              f"run time: {_num(cal.runtime_s)} s"]
    for name, nested in cal.nested.items():
        lines.append(f"- nested variant `{name}`: log-likelihood {_num(nested.llf)}")
    for w in cal.warnings:
        lines.append(f"- warning: {w}")
    lines += ["", "## Hedge ratios on the last day", "",
              "| state | filtered | standard error |", "|---|---|---|"]
    hr = cal.results.hedge_ratios
    for name in hr.filtered.columns:
        lines.append(f"| {name} | {_num(hr.filtered[name].iloc[-1])} | "
                     f"{_num(hr.filtered_se[name].iloc[-1])} |")
    if backtest is not None:
        lines += ["", "## Backtest", "", f"Signal `{backtest.signal.name}`, "
                  f"{backtest.settings.get('sizing', '?')} sizing.", "",
                  "| metric | value |", "|---|---|"]
        for k, v in backtest.metrics.to_dict().items():
            lines.append(f"| {k} | {_num(v)} |")
    figs = [("hedge_ratios.png", "hedge ratios",
             "Smoothed states (spread level and hedge ratios); shaded band = estimate "
             "± 2 standard errors, pointwise and given the parameters"),
            ("spread_zscore.png", "spread and z-score",
             f"Filtered spread; z-score `e_t / sqrt(Q_t)` with entry ±{entry:g} and "
             f"exit ±{exit:g}"),
            ("profile_alpha.png", "profile likelihood of alpha",
             "Profile log-likelihood of alpha with the 95% likelihood-ratio cut-off"),
            ("equity.png", "equity curve", "Backtest equity curve and units held")]
    shown = [f for f in figs if f[0] in files]
    if shown:
        lines += ["", "## Figures", ""]
        for f, alt, cap in shown:
            lines += [f"![{alt}]({f})", "", f"*{cap}.*", ""]
    elif not _has_matplotlib():
        lines += ["", "Figures omitted: matplotlib (the `plot` extra) is not installed.", ""]
    lines += ["", "## Files", ""]
    lines += [f"- [`{f}`]({f})" for f in files]
    return "\n".join(lines).rstrip() + "\n"


# --------------------------------------------------------------------------- entry point
def write_report(out_dir: str | os.PathLike[str], calibration: Calibration, *,
                 backtest: Any = None, info: Mapping[str, Any] | None = None,
                 title: str | None = None, entry: float = 2.0, exit: float = 0.0,
                 force: bool = False) -> dict[str, Path]:
    """Write the report of a calibration (and optionally a backtest) into a folder.

    Files: ``report.md`` and ``report.html`` (parameters with standard errors, log-likelihood,
    half-life, last hedge ratios, figures), ``results.json`` (``info`` plus
    :meth:`Calibration.to_dict`, the profile and backtest metrics, and the file list),
    ``hedge_ratios.csv`` (filtered and smoothed states with standard errors), ``spread.csv``
    (spread, z-score, innovations and their variances) and the figures ``hedge_ratios.png``,
    ``spread_zscore.png``, ``profile_alpha.png`` (when the calibration has a profile) and
    ``equity.png`` (with a backtest); see :func:`report_files`.

    Parameters
    ----------
    out_dir : str or path-like
        Output folder (created if needed).
    calibration : Calibration
        A calibration with ``results`` (every ``fit_*`` function returns one).
    backtest : BacktestResult, optional
        Adds its metrics, ``backtest_daily.csv`` and ``equity.png``.
    info : mapping, optional
        Extra JSON-ready facts put first in ``results.json`` (assets, dates, ...); keys of
        ``start``, ``end`` and ``log_prices`` also appear in the report text.
    title : str, optional
        Report heading (default from ``info["assets"]`` when given).
    entry, exit : float
        z-score thresholds drawn in ``spread_zscore.png``.
    force : bool
        Overwrite existing files.

    Returns
    -------
    dict of str to Path
        File name -> path written.

    Raises
    ------
    OutputExistsError
        A report file exists and ``force`` is False (checked before anything is written).
    ValueError
        The calibration carries no results.
    """
    if calibration.results is None:
        raise ValueError("the calibration has no results to report")
    out = Path(out_dir)
    names = report_files(calibration, backtest=backtest)
    paths = {n: out / n for n in names}
    check_writable(paths.values(), force=force)
    info = dict(info or {})
    if title is None:
        assets = info.get("assets")
        title = (f"Hedge-ratio model: {assets[0]} on {', '.join(assets[1:])}"
                 if assets and len(assets) > 1 else "Hedge-ratio model")

    figures = _figures(calibration, backtest, entry, exit) if _has_matplotlib() else {}
    doc: dict[str, Any] = dict(info)
    for key, value in calibration.to_dict().items():
        doc.setdefault(key, value)
    doc.setdefault("nested_llf", {v: c.llf for v, c in calibration.nested.items()})
    if _has_profile(calibration):
        doc["profile_alpha"] = calibration.profile.to_dict(orient="records")
    if backtest is not None:
        doc["backtest"] = {"signal": backtest.signal.name, "settings": backtest.settings,
                           "metrics": backtest.metrics.to_dict()}
    doc["files"] = {n: str(p) for n, p in paths.items()}

    text = _markdown(calibration, doc, names, backtest, title, entry, exit)
    write_atomic(paths["hedge_ratios.csv"], _hedge_table(calibration.results).to_csv(),
                 force=force)
    write_atomic(paths["spread.csv"], _spread_table(calibration.results).to_csv(), force=force)
    if "profile_alpha.csv" in paths:
        write_atomic(paths["profile_alpha.csv"],
                     calibration.profile.sort_values("alpha").to_csv(index=False), force=force)
    if "backtest_daily.csv" in paths:
        write_atomic(paths["backtest_daily.csv"], backtest.daily().to_csv(), force=force)
    for name, data in figures.items():
        write_atomic(paths[name], data, force=force)
    write_atomic(paths["report.md"], text, force=force)
    write_atomic(paths["report.html"], markdown_to_html(text, title), force=force)
    write_atomic(paths["results.json"],
                 json.dumps(_clean(doc), indent=2, allow_nan=False, default=str) + "\n",
                 force=force)
    return paths
