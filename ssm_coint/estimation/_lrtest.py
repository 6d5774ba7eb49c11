"""Likelihood-ratio tests between nested hedge-ratio models.

* ``alpha = 1`` (mu0 against alpha1, or full against alpha1): a unit-root-like null on the
  boundary of the stationary region, where the chi-square reference is wrong; the p-value comes
  from a parametric bootstrap under the fitted null, conditional on the observed regressors.
* ``c = 0`` (full against mu0): interior null, chi-square with one degree of freedom.
* a state variance ``= 0``: boundary null, chi-bar-square
  :math:`\\tfrac12\\chi^2_0 + \\tfrac12\\chi^2_1` (Self & Liang 1987), so
  :math:`p = \\tfrac12 P(\\chi^2_1 > LR)` for LR > 0.
"""

from __future__ import annotations

import math
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.stats import chi2

from ..calibration import Calibration
from ._global import GlobalSearch
from ._mle import fit_mle, hedge_model

__all__ = ["LRTestResult", "lr_test_alpha_one", "lr_test_c_zero", "lr_test_variance_zero",
           "simulate_conditional"]


@dataclass
class LRTestResult:
    """Outcome of a likelihood-ratio test.

    Attributes
    ----------
    stat : float
        :math:`LR = 2(\\ell_{alt} - \\ell_{null}) \\ge 0`.
    pvalue : float
    null_hypothesis, alternative, reference : str
        What is tested and against which reference distribution.
    llf_null, llf_alt : float
    bootstrap : ndarray or None
        Bootstrap LR statistics under the null (alpha = 1 test).
    """

    stat: float
    pvalue: float
    null_hypothesis: str
    alternative: str
    reference: str
    llf_null: float
    llf_alt: float
    bootstrap: np.ndarray | None = None
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        """JSON-ready summary."""
        d = {"stat": self.stat, "pvalue": self.pvalue, "null": self.null_hypothesis,
             "alternative": self.alternative, "reference": self.reference,
             "llf_null": self.llf_null, "llf_alt": self.llf_alt, "notes": list(self.notes)}
        if self.bootstrap is not None:
            d["n_boot"] = int(len(self.bootstrap))
        return {k: (None if isinstance(v, float) and not math.isfinite(v) else v)
                for k, v in d.items()}

    def __str__(self) -> str:
        return (f"LR test of {self.null_hypothesis} against {self.alternative}: "
                f"LR = {self.stat:.4f}, p = {self.pvalue:.4g} ({self.reference})")


def simulate_conditional(model, full: np.ndarray, beta1: np.ndarray,
                         rng: np.random.Generator) -> np.ndarray:
    """Simulate y from the model given its observed regressors, parameters and first state.

    :math:`\\beta_{t+1} = c + T\\beta_t + w_t`, :math:`y_t = z_t\\beta_t + \\varepsilon_t`, with
    :math:`\\beta_1` given (the null fit's smoothed first state).
    """
    s = model.system(np.asarray(full, float))
    Z = model._design_rows
    n, k = Z.shape
    beta = np.empty((n, k))
    beta[0] = beta1
    w = rng.standard_normal((n, k)) * np.sqrt(np.maximum(s["q"], 0))
    for t in range(1, n):
        beta[t] = s["cvec"] + s["tdiag"] * beta[t - 1] + w[t]
    return np.sum(Z * beta, axis=1) + math.sqrt(float(s["r"])) * rng.standard_normal(n)


def _lr_alpha_one_stat(prices: pd.DataFrame, alt: str, initialization: str):
    base = hedge_model(prices, variant="full", initialization=initialization)
    gs = GlobalSearch(base)
    gs.run(alt)
    return gs.stages["alpha1"], gs.stages[alt]


def _boot_one(args):
    prices, alt, initialization, full_null, beta1, seed = args
    rng = np.random.default_rng(seed)
    model = hedge_model(prices, variant="alpha1", initialization=initialization)
    sim = prices.copy()
    sim.iloc[:, 0] = simulate_conditional(model, full_null, beta1, rng)
    null, altst = _lr_alpha_one_stat(sim, alt, initialization)
    return max(0.0, 2 * (altst.best.llf - null.best.llf))


def lr_test_alpha_one(prices: pd.DataFrame, *, alt: str = "mu0", n_boot: int = 99,
                      seed: int | None = 0, workers: int = 1,
                      initialization: str = "diffuse") -> LRTestResult:
    """Parametric-bootstrap LR test of alpha = 1 (random-walk spread level).

    Parameters
    ----------
    prices : DataFrame
    alt : {"mu0", "full"}
        Alternative model (the null is ``alpha1``: alpha = 1, c = 0).
    n_boot : int
        Bootstrap replications; :math:`p = (1 + \\#\\{LR^* \\ge LR\\}) / (B + 1)`.
    seed : int
        Seeds each replication through ``SeedSequence(seed).spawn(n_boot)``.
    workers : int
        Processes used for the replications.

    Notes
    -----
    Each replication simulates y from the fitted null (parameters and smoothed first state of the
    alpha1 fit) with the observed regressors, then refits both models with the same global search
    as the data. Under the null, alpha = 1 is on the boundary of the stationary region and the
    LR statistic is not chi-square (Dickey-Fuller-like), hence the bootstrap.
    """
    if alt not in ("mu0", "full"):
        raise ValueError("alt must be 'mu0' or 'full'")
    null, altst = _lr_alpha_one_stat(prices, alt, initialization)
    stat = max(0.0, 2 * (altst.best.llf - null.best.llf))
    model = hedge_model(prices, variant="alpha1", initialization=initialization)
    res = model.smooth(model.free_from_full(null.best.full), cov_type="none")
    beta1 = res.smoothed_state[:, 0]
    seeds = np.random.SeedSequence(seed).spawn(n_boot)
    jobs = [(prices, alt, initialization, null.best.full, beta1,
             int(s.generate_state(1)[0])) for s in seeds]
    if workers > 1:
        with ProcessPoolExecutor(max_workers=workers) as ex:
            chunk = max(1, n_boot // (4 * workers))
            boot = np.array(list(ex.map(_boot_one, jobs, chunksize=chunk)))
    else:
        boot = np.array([_boot_one(j) for j in jobs])
    p = (1 + int(np.sum(boot >= stat - 1e-9))) / (n_boot + 1)
    return LRTestResult(stat, p, "alpha = 1 (alpha1)", alt, f"parametric bootstrap, B = {n_boot}",
                        null.best.llf, altst.best.llf, boot)


def lr_test_c_zero(prices: pd.DataFrame, *, initialization: str = "diffuse",
                   fitted: Calibration | None = None) -> LRTestResult:
    """LR test of c = 0 (mu0) against the full model; chi-square(1) reference.

    Parameters
    ----------
    prices : DataFrame
        ``y, x_2, ..., x_k`` columns (see :func:`ssm_coint.load_prices`).
    initialization : str
        Filter start passed to :func:`ssm_coint.fit_mle` (default ``"diffuse"``).
    fitted : Calibration, optional
        A ``full`` MLE fit whose ``nested`` holds ``"mu0"``; re-used instead of fitting again.

    Returns
    -------
    LRTestResult
        Statistic, chi-square(1) p-value and log-likelihoods; ``notes`` warns when alpha is at
        1 in the full fit.
    """
    cal = fitted if fitted is not None and "mu0" in fitted.nested else fit_mle(
        prices, "full", initialization=initialization)
    stat = max(0.0, 2 * (cal.llf - cal.nested["mu0"].llf))
    notes = []
    if cal.params["alpha"] >= 1 - 1e-8:
        notes.append("alpha is at 1 in the full fit: c is then a drift and the test is of a "
                     "different null than mu = 0")
    return LRTestResult(stat, float(chi2.sf(stat, 1)), "c = 0 (mu0)", "full", "chi2(1)",
                        cal.nested["mu0"].llf, cal.llf, None, notes)


def lr_test_variance_zero(prices: pd.DataFrame, name: str, *, variant: str = "full",
                          initialization: str = "diffuse") -> LRTestResult:
    """LR test of one state variance = 0; chi-bar-square 0.5 chi2(0) + 0.5 chi2(1) reference.

    Parameters
    ----------
    prices : DataFrame
        ``y, x_2, ..., x_k`` columns (see :func:`ssm_coint.load_prices`).
    name : str
        The variance to test, a free parameter of ``variant`` (e.g. ``"sigma2.EWA"``).
    variant : {"full", "mu0", "alpha1"}
        Model fitted under both hypotheses.
    initialization : str
        Filter start passed to :func:`ssm_coint.fit_mle` (default ``"diffuse"``).

    Returns
    -------
    LRTestResult
        Statistic, chi-bar-square p-value and the log-likelihoods of both fits.

    Raises
    ------
    ValueError
        ``name`` is not a free parameter of the ``variant`` model.
    """
    alt = fit_mle(prices, variant, initialization=initialization, nested=False)
    if name not in alt.free:
        raise ValueError(f"{name!r} is not a free parameter of the {variant} model")
    null = fit_mle(prices, variant, fixed={name: 0.0}, initialization=initialization,
                   nested=False)
    stat = max(0.0, 2 * (alt.llf - null.llf))
    p = 0.5 * float(chi2.sf(stat, 1)) if stat > 0 else 1.0
    ref = "chi-bar-square 0.5 chi2(0) + 0.5 chi2(1)"
    return LRTestResult(stat, p, f"{name} = 0", variant, ref, null.llf, alt.llf)



def _warp_one(args):
    truth, nobs, k, alt, initialization, seed = args
    from ..simulate import simulate_hedge_model

    ss = np.random.SeedSequence(seed)
    s_data, s_boot = (np.random.default_rng(s) for s in ss.spawn(2))
    sim = simulate_hedge_model(nobs, truth, k=k, seed=s_data)
    null, altst = _lr_alpha_one_stat(sim.prices, alt, initialization)
    stat = max(0.0, 2 * (altst.best.llf - null.best.llf))
    model = hedge_model(sim.prices, variant="alpha1", initialization=initialization)
    res = model.smooth(model.free_from_full(null.best.full), cov_type="none")
    beta1 = res.smoothed_state[:, 0]
    boot = _boot_one((sim.prices, alt, initialization, null.best.full, beta1,
                      int(s_boot.integers(2**31))))
    return stat, boot


def lr_alpha_one_size(truth: dict, *, nobs: int = 250, k: int = 2, reps: int = 200,
                      level: float = 0.05, alt: str = "mu0", seed: int = 0, workers: int = 1,
                      initialization: str = "diffuse") -> dict:
    """Size (or power) of the bootstrap LR test of alpha = 1 by warp-speed Monte Carlo.

    Giacomini, Politis & White (2013): each of ``reps`` data sets simulated from ``truth``
    contributes its LR statistic and ONE bootstrap statistic drawn from its own fitted null;
    the test's critical value is the (1 - level) quantile of the pooled bootstrap statistics,
    and the rejection rate is the share of LR statistics above it. With ``truth`` under the null
    (alpha = 1, c = 0) this is the size; under an alternative, the power.

    Returns
    -------
    dict
        ``rejection_rate``, ``critical_value``, ``reps``, ``stats`` and ``boot`` arrays.
    """
    seeds = [int(s.generate_state(1)[0]) for s in np.random.SeedSequence(seed).spawn(reps)]
    jobs = [(dict(truth), nobs, k, alt, initialization, s) for s in seeds]
    if workers > 1:
        with ProcessPoolExecutor(max_workers=workers) as ex:
            out = list(ex.map(_warp_one, jobs, chunksize=max(1, reps // (4 * workers))))
    else:
        out = [_warp_one(j) for j in jobs]
    stats = np.array([o[0] for o in out])
    boot = np.array([o[1] for o in out])
    crit = float(np.quantile(boot, 1 - level))
    return {"rejection_rate": float(np.mean(stats > crit)), "critical_value": crit,
            "reps": reps, "stats": stats, "boot": boot}
