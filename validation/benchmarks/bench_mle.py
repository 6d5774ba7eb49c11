"""Benchmark (SPEC section 10): maximum likelihood of the full hedge-ratio model.

Everything runs side by side, in one process, on the same data (Chan's EWC/EWA/IGE by default:
y = EWC on EWA and IGE, n = 1500, k = 3, variant ``full``: alpha, c, three state variances and
the observation variance free):

1. our global fit ``fit_mle(prices, "full")`` (all starts, nested warm starts, profile,
   Hessians): wall time, best of ``--repeats`` after a numba warm-up outside the timing, and
   its log-likelihood (SPEC: under 2 s);
2. one local fit (``Objective(model, free, start).maximize``, as the global search runs each of
   its local fits) from the model's default start (``start_params``): time and llf (SPEC: under
   0.15 s);
3. one filter pass, ``model.fast_loglike(full)`` at the MLE, in microseconds (``timeit``;
   SPEC: under 100 us), next to statsmodels' own Kalman filter log-likelihood at the same point;
4. the baseline: a plain statsmodels ``fit(disp=False)`` of the same model from its default
   start (the model's ``loglike`` is our exact diffuse likelihood): time and llf (re-evaluated
   with ``fast_loglike``);
5. an exhaustive multi-start search: ``N`` random starts (``--starts``; 150, or 20 with
   ``--quick``), each a local fit as in 2. Draws (``numpy.random.default_rng(--seed)``):
   ``alpha = 1 - 10**U(-4.5, -0.3)``; every variance ``s_j * 10**U(-3, 3)`` around its OLS
   scale ``s_j`` (``parameter_scales``: V/100 for the intercept, V/(100 mean x_j^2) for a
   hedge ratio, V for the observation, V the OLS residual variance); ``mu = c/(1-alpha)``
   uniform in ``mu_OLS +- (|mu_OLS| + 5 sqrt(V))`` and ``c = (1 - alpha) mu``. SPEC: the global
   fit reaches the best multi-start llf within 0.01;
6. the effect of the single-BLAS-thread limit: the global fit timed again with
   ``ssm_coint.estimation._optimize.single_blas_thread`` replaced by ``contextlib.nullcontext``
   for that run only (the runs with and without the limit are interleaved).

Usage::

    python validation/benchmarks/bench_mle.py   # 3 repeats, 150 random starts (~1-2 min)
    python validation/benchmarks/bench_mle.py --quick  # 1 repeat, 20 random starts
    python validation/benchmarks/bench_mle.py --out DIR  # also write bench_mle.md, .csv and .json
    python validation/benchmarks/bench_mle.py --out DIR --force  # ... overwriting existing files
    python validation/benchmarks/bench_mle.py --json  # print the result as JSON

Data: ``$SSM_COINT_SHARED_DATA/chan_ewa_ewc_ige.csv`` (default ``../shared/data`` next to the
repository). The exit status is 1 when a SPEC target of the table is not met (timings depend on
the machine: run on an idle one), 2 on a usage error.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import sys
import time
import timeit
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:  # run from a checkout without installing
    sys.path.insert(0, str(REPO))

from statsmodels.tsa.statespace.mlemodel import MLEModel  # noqa: E402

from ssm_coint.estimation import _optimize  # noqa: E402
from ssm_coint.estimation._global import GlobalSearch  # noqa: E402
from ssm_coint.estimation._mle import fit_mle, hedge_model  # noqa: E402
from ssm_coint.estimation._optimize import LocalFit, Objective, parameter_scales  # noqa: E402
from ssm_coint.models._hedge import HedgeRatioModel  # noqa: E402

SHARED = Path(os.environ.get("SSM_COINT_SHARED_DATA", REPO.parent / "shared" / "data"))
VARIANT = "full"
TARGET_GLOBAL_S = 2.0
TARGET_LOCAL_S = 0.15
TARGET_FILTER_US = 100.0
LLF_TOL = 0.01
OUT_NAMES = ("bench_mle.md", "bench_mle.csv", "bench_mle.json")


# ----------------------------------------------------------------------------- data, models
def load(path: Path, assets: list[str]) -> pd.DataFrame:
    """Wide CSV with a ``date`` column; the first asset is y."""
    df = pd.read_csv(path, index_col="date", parse_dates=True)
    return df[assets].dropna()


# ----------------------------------------------------------------------------- helpers
@contextlib.contextmanager
def blas_limit_disabled() -> Iterator[None]:
    """Replace the optimisers' ``single_blas_thread`` with a no-op; restore it afterwards."""
    saved = _optimize.single_blas_thread
    _optimize.single_blas_thread = contextlib.nullcontext
    try:
        yield
    finally:
        _optimize.single_blas_thread = saved


def _best_time(fn: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    best_t, best_out = math.inf, None
    for _ in range(max(1, repeats)):
        t0 = time.perf_counter()
        out = fn()
        dt = time.perf_counter() - t0
        if dt < best_t:
            best_t, best_out = dt, out
    return best_t, best_out


def _per_call_us(fn: Callable[[], Any], number: int, repeat: int = 5) -> float:
    return 1e6 * min(timeit.repeat(fn, number=number, repeat=repeat)) / number


def local_fit(model: HedgeRatioModel, start_full: np.ndarray, label: str) -> LocalFit:
    """One local fit over the model's free parameters (as ``GlobalSearch`` runs each)."""
    return Objective(model, model.param_names, start_full).maximize(start_full, label)


def sample_starts(model: HedgeRatioModel, n: int, seed: int) -> np.ndarray:
    """``n`` random full parameter vectors for the multi-start search (see the module notes).

    Returns
    -------
    ndarray, shape (n, len(model.all_param_names))
        Rows in ``all_param_names`` order; the model's fixed parameters hold their values.
    """
    rng = np.random.default_rng(seed)
    names = model.all_param_names
    k = model.k_states
    s = parameter_scales(model)
    y = np.asarray(model.endog[:, 0], float)
    Z = model._design_rows
    ok = np.isfinite(y)
    coef, *_ = np.linalg.lstsq(Z[ok], y[ok], rcond=None)
    V = float(np.var(y[ok] - Z[ok] @ coef))
    mu_ols = float(coef[0])
    half = abs(mu_ols) + 5 * math.sqrt(V)
    out = np.empty((n, len(names)))
    out[:, 0] = 1.0 - 10.0 ** rng.uniform(-4.5, -0.3, n)
    mu = mu_ols + rng.uniform(-half, half, n)
    out[:, 1] = (1.0 - out[:, 0]) * mu
    out[:, 2 : 3 + k] = s[2 : 3 + k] * 10.0 ** rng.uniform(-3.0, 3.0, (n, k + 1))
    for name, value in model.fixed.items():
        out[:, names.index(name)] = value
    return out


def _warm_up(prices: pd.DataFrame) -> None:
    """Compile (or load) the numba kernels and import statsmodels' paths outside the timing."""
    short = prices.iloc[:120]
    fit_mle(short, VARIANT)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        hedge_model(short, variant=VARIANT).fit(method="local", disp=False)


def _sm_fit(model: HedgeRatioModel) -> tuple[Any, int]:
    with warnings.catch_warnings(record=True) as caught, np.errstate(all="ignore"):
        warnings.simplefilter("always")
        res = model.fit(method="local", disp=False)
    return res, len(caught)


def _sm_summary(model: HedgeRatioModel, res: Any, seconds: float, n_warn: int) -> dict:
    full = model.full_from_free(np.asarray(res.params, float))
    retv = res.mle_retvals or {}
    return {"seconds": seconds, "llf": float(res.llf), "llf_fast": float(model.fast_loglike(full)),
            "converged": bool(retv.get("converged", False)),
            "iterations": int(retv.get("iterations", -1)), "n_warnings": n_warn,
            "moved": bool(not np.allclose(full, model._start_full(), rtol=1e-12, atol=0)),
            "params": dict(zip(model.all_param_names, map(float, full), strict=True))}


# ----------------------------------------------------------------------------- the run
def run(prices: pd.DataFrame, *, quick: bool, repeats: int | None = None,
        n_starts: int | None = None, seed: int = 20240611) -> dict:
    """Run every measurement; return rows, parameters and details (all computed here)."""
    repeats = repeats or (1 if quick else 3)
    n_starts = n_starts if n_starts is not None else (20 if quick else 150)
    _warm_up(prices)
    model = hedge_model(prices, variant=VARIANT)
    names = model.all_param_names

    # 1 + 6: global fit, with and without the BLAS limit, interleaved
    t_lim, t_free, cal, cal_free = math.inf, math.inf, None, None
    for _ in range(repeats):
        t0 = time.perf_counter()
        c = fit_mle(prices, VARIANT)
        dt = time.perf_counter() - t0
        if dt < t_lim:
            t_lim, cal = dt, c
        with blas_limit_disabled():
            t0 = time.perf_counter()
            c = fit_mle(prices, VARIANT)
            dt = time.perf_counter() - t0
        if dt < t_free:
            t_free, cal_free = dt, c
    assert _optimize.single_blas_thread is not contextlib.nullcontext
    mle = cal.params.to_numpy(float)
    llf_glob = float(cal.llf)
    llf_glob_fast = float(model.fast_loglike(mle))

    # the search alone (no Hessians, no smoothing), and how many local fits it runs
    def search():
        gs = GlobalSearch(hedge_model(prices, variant="full"))
        gs.run(VARIANT)
        return gs

    t_search, gs = _best_time(search, repeats)
    n_local_in_search = int(sum(st.n_local_fits for st in gs.stages.values()))
    nfev_in_search = int(sum(c.nfev for st in gs.stages.values() for c in st.candidates))

    # 2: one local fit from the default start
    start = model._start_full()
    t_local, loc = _best_time(lambda: local_fit(model, start, "bench:start_params"),
                              2 if quick else 5)

    # 3: one filter pass at the MLE, ours vs statsmodels' Kalman filter
    free_mle = model.free_from_full(mle)
    us_ours = _per_call_us(lambda: model.fast_loglike(mle), 300 if quick else 3000)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        llf_sm_filter = float(MLEModel.loglike(model, free_mle))
        us_sm = _per_call_us(lambda: MLEModel.loglike(model, free_mle), 10 if quick else 50,
                             repeat=3)

    # 4: statsmodels fit from the default start (baseline)
    fm = hedge_model(prices, variant=VARIANT)
    t_sm, (res_sm, w_sm) = _best_time(lambda: _sm_fit(fm), 2 if quick else 3)
    sm = _sm_summary(fm, res_sm, t_sm, w_sm)

    # 5: exhaustive multi-start search
    starts = sample_starts(model, n_starts, seed)
    fits: list[LocalFit] = []
    t0 = time.perf_counter()
    for i, st in enumerate(starts):
        fits.append(local_fit(model, st, f"multistart:{i}"))
    t_multi = time.perf_counter() - t0
    llfs = np.array([f.llf for f in fits], float)
    finite = np.isfinite(llfs)
    i_best = int(np.nanargmax(np.where(finite, llfs, -np.inf))) if finite.any() else -1
    best_multi = float(llfs[i_best]) if i_best >= 0 else math.nan
    ms_best = fits[i_best] if i_best >= 0 else None

    # table
    def row(quantity, ours, alt, alt_label, *, ratio=math.nan, diff=math.nan, target="-",
            met=None):
        return {"quantity": quantity, "ours": float(ours), "alternative": float(alt),
                "alternative_is": alt_label, "ratio": float(ratio), "difference": float(diff),
                "target": target, "met": "-" if met is None else ("yes" if met else "no")}

    reached = bool(np.isfinite(best_multi) and llf_glob >= best_multi - LLF_TOL)
    rows = [
        row("global fit fit_mle(prices, 'full') [s]", t_lim, t_multi,
            f"exhaustive multi-start, {n_starts} local fits [s]", ratio=t_multi / t_lim,
            target=f"< {TARGET_GLOBAL_S:g} s", met=t_lim < TARGET_GLOBAL_S),
        row("global fit llf", llf_glob, best_multi, f"best of {n_starts} random starts",
            diff=llf_glob - best_multi, target=f">= multi-start best - {LLF_TOL:g}",
            met=reached),
        row("global fit llf vs baseline", llf_glob, sm["llf_fast"],
            "statsmodels fit(), default start", diff=llf_glob - sm["llf_fast"],
            target="> baseline", met=llf_glob > sm["llf_fast"]),
        row("one local fit from the default start [s]", t_local, t_sm,
            "statsmodels fit(), default start [s]", ratio=t_sm / t_local,
            target=f"< {TARGET_LOCAL_S:g} s and < baseline",
            met=t_local < TARGET_LOCAL_S and t_local < t_sm),
        row("one local fit llf (default start)", loc.llf, sm["llf_fast"],
            "statsmodels fit(), default start", diff=loc.llf - sm["llf_fast"],
            target=">= baseline", met=loc.llf >= sm["llf_fast"]),
        row("one filter pass / llf evaluation [us]", us_ours, us_sm,
            "statsmodels' Kalman filter llf [us]", ratio=us_sm / us_ours,
            target=f"< {TARGET_FILTER_US:g} us", met=us_ours < TARGET_FILTER_US),
        row("global fit, BLAS limited to 1 thread [s]", t_lim, t_free,
            "BLAS limit off (nullcontext) [s]", ratio=t_free / t_lim),
    ]

    def pvec(x):
        return dict(zip(names, map(float, x), strict=True))

    params = {"global fit": pvec(mle), "multi-start best": pvec(ms_best.full) if ms_best else {},
              "local fit (default start)": pvec(loc.full), "statsmodels fit": sm["params"],
              "default start": pvec(start)}
    return {
        "rows": rows, "params": params, "quick": quick, "repeats": repeats, "seed": seed,
        "nobs": int(len(prices)), "k": int(prices.shape[1]), "variant": VARIANT,
        "global": {"seconds": t_lim, "seconds_no_blas_limit": t_free, "llf": llf_glob,
                   "llf_fast": llf_glob_fast, "llf_no_blas_limit": float(cal_free.llf),
                   "search_only_seconds": t_search, "local_fits_in_search": n_local_in_search,
                   "nfev_in_search": nfev_in_search, "converged": bool(cal.converged),
                   "warnings": list(cal.warnings)},
        "local": {"seconds": t_local, "llf": float(loc.llf), "converged": bool(loc.converged),
                  "nit": int(loc.nit), "nfev": int(loc.nfev), "start_llf":
                  float(model.fast_loglike(start))},
        "filter": {"us_ours": us_ours, "us_statsmodels": us_sm,
                   "llf_ours_at_mle": llf_glob_fast, "llf_statsmodels_at_mle": llf_sm_filter},
        "statsmodels": sm,
        "multistart": {"n": n_starts, "seconds": t_multi, "best_llf": best_multi,
                       "n_finite": int(finite.sum()),
                       "n_converged": int(sum(f.converged for f in fits)),
                       "n_within_tol_of_best": int(np.sum(llfs[finite] >= best_multi - LLF_TOL)),
                       "n_within_tol_of_global": int(np.sum(llfs[finite] >= llf_glob - LLF_TOL)),
                       "llf_quantiles": {str(q): float(np.quantile(llfs[finite], q))
                                         for q in (0.0, 0.25, 0.5, 0.75, 1.0)}
                       if finite.any() else {}},
        "reached_multistart_best": reached,
        "all_targets_met": all(r["met"] != "no" for r in rows),
    }


# ----------------------------------------------------------------------------- output
def _fmt(x: float) -> str:
    if not np.isfinite(x):
        return "-" if np.isnan(x) else str(x)
    return f"{x:.6g}"


def _md_table(header: list[str], body: list[list[str]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(cells) + " |" for cells in body]
    return out


def report(out: dict, assets: list[str]) -> str:
    """Markdown report of a run (the numbers all come from ``out``)."""
    body = []
    for r in out["rows"]:
        if np.isfinite(r["ratio"]):
            rel = f"{r['ratio']:.2f}x"
        elif np.isfinite(r["difference"]):
            rel = f"diff {r['difference']:+.4f}"
        else:
            rel = "-"
        alt = f"{_fmt(r['alternative'])} ({r['alternative_is']})"
        body.append([r["quantity"], _fmt(r["ours"]), alt, rel, r["target"], r["met"]])
    g, ms, sm = out["global"], out["multistart"], out["statsmodels"]
    lines = [
        f"# MLE of the {out['variant']} model ({'/'.join(assets)}, n = {out['nobs']}, "
        f"k = {out['k']})",
        "",
        f"One process, same data. Timings: best of {out['repeats']} (global fit; with and "
        "without the BLAS limit interleaved), after a numba warm-up. llf: the exact diffuse "
        "log-likelihood (`fast_loglike`) at each result. Ratios are alternative / ours "
        "(> 1: ours faster); 'diff' is ours - alternative. The statsmodels baseline is "
        "`fit(disp=False)` from the model's `start_params`"
        f"{' (quick run)' if out['quick'] else ''}; it ran {sm['iterations']} iterations, "
        f"converged: {sm['converged']}.",
        "",
        *_md_table(["quantity", "ours", "alternative", "ratio", "SPEC target", "met"], body),
        "",
    ]
    if not out["reached_multistart_best"]:
        lines += [f"**WARNING: the multi-start search found llf {ms['best_llf']:.4f}, above the "
                  f"global fit's {g['llf']:.4f} by {ms['best_llf'] - g['llf']:.4f} (> "
                  f"{LLF_TOL:g}). The global search misses the maximum.**", ""]
    if sm["llf_fast"] > g["llf"] + LLF_TOL:
        lines += [f"**WARNING: statsmodels' fit reaches llf {sm['llf_fast']:.4f}, above the "
                  f"global fit's {g['llf']:.4f}.**", ""]
    lines += [
        f"- Global fit: llf {g['llf']:.4f} (fast_loglike {g['llf_fast']:.4f}); without the "
        f"BLAS limit llf {g['llf_no_blas_limit']:.4f}. The search alone (GlobalSearch.run, no "
        f"Hessians or smoothing) takes {g['search_only_seconds']:.3f} s and runs "
        f"{g['local_fits_in_search']} local fits ({g['nfev_in_search']} llf evaluations).",
        f"- One local fit from the default start (llf {out['local']['start_llf']:.4f}): "
        f"{out['local']['nit']} L-BFGS iterations, {out['local']['nfev']} llf evaluations, "
        f"converged: {out['local']['converged']}.",
        f"- Multi-start ({ms['n']} starts, seed {out['seed']}, {ms['seconds']:.2f} s): "
        f"{ms['n_finite']} finite, {ms['n_converged']} converged, {ms['n_within_tol_of_best']} "
        f"within {LLF_TOL:g} of the best, {ms['n_within_tol_of_global']} within {LLF_TOL:g} of "
        f"the global fit; llf quantiles (0, .25, .5, .75, 1): "
        + ", ".join(f"{v:.3f}" for v in ms["llf_quantiles"].values()) + ".",
        f"- Filter at the MLE: ours {out['filter']['llf_ours_at_mle']:.6f}, statsmodels' "
        f"Kalman filter {out['filter']['llf_statsmodels_at_mle']:.6f}.",
        "",
        "## Parameters",
        "",
    ]
    pnames = list(out["params"]["global fit"])
    body = [[k] + [_fmt(v.get(n, math.nan)) for n in pnames] + [_fmt(_llf_of(out, k))]
            for k, v in out["params"].items()]
    lines += _md_table(["point"] + pnames + ["llf"], body)
    if g["warnings"]:
        lines += ["", "Global fit warnings: " + "; ".join(g["warnings"])]
    return "\n".join(lines) + "\n"


def _llf_of(out: dict, key: str) -> float:
    return {"global fit": out["global"]["llf_fast"], "multi-start best":
            out["multistart"]["best_llf"], "local fit (default start)": out["local"]["llf"],
            "statsmodels fit": out["statsmodels"]["llf_fast"],
            "default start": out["local"]["start_llf"]}.get(key, math.nan)


def _jsonable(x: Any) -> Any:
    if isinstance(x, dict):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_jsonable(v) for v in x]
    if isinstance(x, np.generic):
        x = x.item()
    if isinstance(x, float) and not math.isfinite(x):
        return None
    return x


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="1 repeat, 20 random starts")
    ap.add_argument("--data", type=Path, default=SHARED / "chan_ewa_ewc_ige.csv")
    ap.add_argument("--assets", nargs="+", default=["EWC", "EWA", "IGE"])
    ap.add_argument("--repeats", type=int, default=None, help="best of N (default 3, quick 1)")
    ap.add_argument("--starts", type=int, default=None,
                    help="random starts of the multi-start search (default 150, quick 20)")
    ap.add_argument("--seed", type=int, default=20240611)
    ap.add_argument("--out", type=Path, default=None, help="directory for md/csv/json")
    ap.add_argument("--force", action="store_true", help="overwrite existing files in --out")
    ap.add_argument("--json", action="store_true", help="print the result as JSON")
    args = ap.parse_args(argv)
    if not args.data.exists():
        print(f"error: data file {args.data} not found", file=sys.stderr)
        return 2
    if args.out is not None and not args.force:
        clash = [n for n in OUT_NAMES if (args.out / n).exists()]
        if clash:
            print(f"error: {', '.join(clash)} exist in {args.out}; use --force to overwrite",
                  file=sys.stderr)
            return 2
    prices = load(args.data, args.assets)
    out = run(prices, quick=args.quick, repeats=args.repeats, n_starts=args.starts,
              seed=args.seed)
    text = report(out, args.assets)
    if args.json:
        print(json.dumps(_jsonable(out), indent=2))
    else:
        print(text)
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "bench_mle.md").write_text(text)
        pd.DataFrame(out["rows"]).to_csv(args.out / "bench_mle.csv", index=False)
        (args.out / "bench_mle.json").write_text(json.dumps(_jsonable(out), indent=2))
    return 0 if out["all_targets_met"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
