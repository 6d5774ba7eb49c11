"""The result every calibration method returns, on the model's exact likelihood."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["Calibration"]


def wald_intervals(params: pd.Series, bse: pd.Series, alpha: float = 0.05) -> pd.DataFrame:
    r"""Wald intervals of the package's parameters (one rule for every results object).

    alpha and c: :math:`\hat\theta \pm z_{1-\alpha/2}\,\mathrm{se}`. Variances: Wald on the
    log scale, :math:`\hat\sigma^2 \exp(\pm z\,\mathrm{se}/\hat\sigma^2)`, positive and
    far better covering near zero. A NaN standard error (a boundary) gives NaN.

    Parameters
    ----------
    params, bse : Series
        Estimates and standard errors by parameter name.
    alpha : float
        1 - coverage.

    Returns
    -------
    DataFrame
        ``lower`` and ``upper`` by parameter name.
    """
    from scipy.stats import norm

    if not 0 < alpha < 1:
        raise ValueError(f"alpha must lie in (0, 1), not {alpha!r}")
    z = float(norm.ppf(1 - alpha / 2))
    rows = {}
    for name in params.index:
        est, se = float(params[name]), float(bse[name])
        if str(name).startswith("sigma2.") and est > 0:
            f = np.exp(z * se / est)
            rows[name] = (est / f, est * f)
        else:
            rows[name] = (est - z * se, est + z * se)
    return pd.DataFrame.from_dict(rows, orient="index", columns=["lower", "upper"])


@dataclass
class Calibration:
    """A calibrated hedge-ratio model.

    Attributes
    ----------
    method : str
        ``"mle"``, ``"chan"``, ...
    variant : str
        ``"full"``, ``"mu0"``, ``"alpha1"`` or ``"custom"``.
    params : Series
        Every parameter (fixed ones included) in model terms, by name.
    free : list of str
        Names of the estimated parameters (their number enters AIC/BIC).
    llf : float
        Exact log-likelihood of the model at ``params`` (``HedgeRatioModel.loglike``).
    nobs : int
        Observations in the likelihood.
    runtime_s, iterations, converged, warnings
        Run time in seconds, iterations (local fits x their iterations), convergence flag and
        human-readable warnings (boundary estimates, numerical issues).
    bse : Series
        Standard errors of the free parameters (NaN at a boundary).
    at_boundary : dict
        Parameter name -> True where the estimate is on the boundary (variance 0, alpha 1).
    results : HedgeRatioResults
        statsmodels results at ``params`` (filtered/smoothed states, summary).
    profile : DataFrame or None
        Profile log-likelihood of alpha (columns ``alpha``, ``llf``) where computed.
    nested : dict
        Calibrations of the nested variants fitted on the way (for ``mle``).
    trajectory : DataFrame or None
        Per-iteration trajectory of iterative methods.
    """

    method: str
    variant: str
    params: pd.Series
    free: list[str]
    llf: float
    nobs: int
    runtime_s: float = math.nan
    iterations: int = 0
    converged: bool = True
    warnings: list[str] = field(default_factory=list)
    bse: pd.Series | None = None
    at_boundary: dict[str, bool] = field(default_factory=dict)
    results: Any = None
    profile: pd.DataFrame | None = None
    nested: dict[str, Calibration] = field(default_factory=dict)
    trajectory: pd.DataFrame | None = None

    @property
    def k_free(self) -> int:
        """Number of estimated parameters."""
        return len(self.free)

    @property
    def aic(self) -> float:
        """:math:`-2\\ell + 2p`."""
        return -2 * self.llf + 2 * self.k_free

    @property
    def bic(self) -> float:
        """:math:`-2\\ell + p\\log n`."""
        return -2 * self.llf + self.k_free * math.log(self.nobs)

    @property
    def alpha(self) -> float:
        """Autoregressive coefficient of the spread level."""
        return float(self.params["alpha"])

    @property
    def half_life(self) -> float:
        """Half-life of the spread level, ``ln 2 / -ln alpha`` (``inf`` at alpha = 1)."""
        from .models._results import half_life_from_alpha

        return half_life_from_alpha(self.alpha)

    @property
    def mu(self) -> float:
        """Long-run mean c / (1 - alpha) (NaN at alpha = 1)."""
        a = self.alpha
        return float(self.params["c"]) / (1 - a) if a < 1 else math.nan

    def conf_int(self, alpha: float = 0.05) -> pd.DataFrame:
        r"""Wald confidence intervals of the free parameters.

        alpha and c: :math:`\hat\theta \pm z_{1-\alpha/2}\,\mathrm{se}`. Variances: Wald on
        the log scale, :math:`\hat\sigma^2 \exp(\pm z\,\mathrm{se}/\hat\sigma^2)`, which
        keeps the interval positive and has far better coverage near zero (the usual choice for
        variance components). Parameters at a boundary get NaN.
        """
        if self.bse is None:
            raise ValueError(f"method {self.method!r} gives no standard errors")
        return wald_intervals(self.params[self.free], self.bse[self.free], alpha)

    def plot_profile(self, ax=None):
        """Plot the profile log-likelihood of alpha (needs ``profile``); returns the Figure.

        The horizontal line marks the 95% likelihood-ratio cut-off,
        :math:`\\hat\\ell - \\tfrac12\\chi^2_1(0.95)`.
        """
        import matplotlib.pyplot as plt
        from scipy.stats import chi2

        if self.profile is None or self.profile.empty:
            raise ValueError("this calibration has no profile likelihood of alpha")
        if ax is None:
            fig, ax = plt.subplots(figsize=(6, 4))
        else:
            fig = ax.figure
        prof = self.profile.sort_values("alpha")
        ax.plot(prof["alpha"], prof["llf"], marker="o")
        ax.axhline(self.llf - chi2.ppf(0.95, 1) / 2, color="grey", linestyle="--",
                   label="95% LR cut-off")
        ax.axvline(self.alpha, color="red", linewidth=0.8, label=f"MLE alpha = {self.alpha:.4f}")
        ax.set_xlabel("alpha")
        ax.set_ylabel("profile log-likelihood")
        floor = max(prof["llf"].min(), self.llf - 50)
        ax.set_ylim(bottom=floor)
        near = prof.loc[prof["llf"] >= floor, "alpha"]
        if len(near) > 1:  # zoom on the part of the curve inside the window
            pad = 0.05 * (near.max() - near.min())
            ax.set_xlim(near.min() - pad, max(near.max(), self.alpha) + pad)
        ax.legend()
        fig.tight_layout()
        return fig

    def hedge_ratios_last(self) -> dict[str, float]:
        """Filtered states on the last day, keyed by state name."""
        if self.results is None:
            return {}
        res = getattr(self.results, "_results", self.results)
        core = getattr(res, "core", None)
        if core is None:
            last = self.results.hedge_ratios.filtered.iloc[-1]
            return {str(k): float(v) for k, v in last.items()}
        # the last filtered state, without building the full hedge-ratio frames
        names = res.model.state_names
        return {str(k): float(v) for k, v in zip(names, core.filtered_state[-1], strict=True)}

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary (NaN and inf become None)."""

        def clean(x: Any) -> Any:
            if isinstance(x, float | np.floating):
                x = float(x)
                return x if math.isfinite(x) else None
            return x

        params = {k: clean(v) for k, v in self.params.items()}
        if self.alpha < 1:
            params["mu"] = clean(self.mu)
        out: dict[str, Any] = {
            "method": self.method,
            "variant": self.variant,
            "params": params,
            "free": list(self.free),
            "llf": clean(self.llf),
            "aic": clean(self.aic),
            "bic": clean(self.bic),
            "nobs": int(self.nobs),
            "half_life": clean(self.half_life),
            "runtime_s": clean(self.runtime_s),
            "iterations": int(self.iterations),
            "converged": bool(self.converged),
            "at_boundary": {k: bool(v) for k, v in self.at_boundary.items()},
            "warnings": list(self.warnings),
        }
        if self.bse is not None:
            out["bse"] = {k: clean(v) for k, v in self.bse.items()}
            if self.alpha < 1 and self.results is not None:
                out["bse"]["mu"] = clean(self.results.mu_se)  # delta method
        out["hedge_ratios_last"] = {k: clean(v) for k, v in self.hedge_ratios_last().items()}
        return out
