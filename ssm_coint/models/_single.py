r"""Single-asset mean reversion as a state-space model: seed 001 done right.

The price is a mean-reverting (AR(1)) level observed with noise,

.. math::

    p_t = m_t + \varepsilon_t, \qquad \varepsilon_t \sim N(0, r),

    m_{t+1} = c + \phi\, m_t + \eta_t, \qquad \eta_t \sim N(0, q), \quad |\phi| < 1,

fitted by maximum likelihood (:func:`fit_mean_reversion`), and traded on the z-score of the
price's deviation from its *filtered* level (:attr:`MeanReversionResults.zscore`,
:func:`mean_reversion_positions`).

What seed 001 (the blog post) gets wrong, and what this module does instead:

1. ``deviation = np.abs(state_means - mean)`` compares the filtered *state* with a 20-day
   sample mean of the *price*: two estimates of the level, not the price against its level.
   The absolute value throws away the sign, so a buy cannot be told from a sell. Here the
   deviation is :math:`d_t = p_t - m_{t|t}`, with its sign.
2. ``deviation > (mean + deviation_threshold)`` compares a deviation (a price *difference*,
   close to zero) with a price *level* plus a threshold. The units do not match: for prices
   well above the threshold the buy condition never holds and ``deviation < mean - threshold``
   always holds, and the signals change when prices are quoted in cents instead of dollars.
   Here :math:`d_t` is divided by its standard deviation, and the thresholds are in standard
   deviations, so the signal does not depend on the price unit.
3. ``std_dev`` is computed but never used, and the threshold 1.5 is in price units.
4. ``KalmanFilter()`` with pykalman's defaults is a random walk (transition 1, unit noise
   variances in price units, zero prior mean). It has no mean reversion at all, and nothing
   is estimated. Here :math:`\phi, c, q, r` are maximum-likelihood estimates, with
   :math:`|\phi| < 1` imposed.
5. The mean and standard deviation of the *last* ``lookback`` prices are applied to the whole
   history, which is look-ahead. Here :math:`z_t` uses only filter output available at the
   close of day :math:`t` (with parameters estimated on the given sample; re-estimate on a
   trailing window for a true out-of-sample test).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd
from statsmodels.tsa.statespace.initialization import Initialization
from statsmodels.tsa.statespace.mlemodel import MLEModel

from .. import kalman
from .. import transforms as tr
from .._warnings import collected_warnings, summarise
from ..exceptions import (
    ConstantSeriesError,
    ConvergenceWarning,
    EstimationError,
    InsufficientDataError,
    MissingValueError,
    ModelSpecificationError,
)

__all__ = [
    "MeanReversionModel",
    "MeanReversionResults",
    "MeanReversionResultsWrapper",
    "MeanReversionLevel",
    "fit_mean_reversion",
    "mean_reversion_positions",
]

InitKind = Literal["stationary", "diffuse"]

#: Fewest non-missing prices accepted (4 parameters, AR(1) dynamics).
MIN_NOBS_SINGLE = 20

#: Shares of the variance of the price changes given to the level (the rest to the noise) in the
#: deterministic multi-start of :meth:`MeanReversionModel.fit_multistart`.
_LEVEL_SHARES = (0.9, 0.5, 0.1)


def _half_life(phi: float) -> float:
    """Half-life :math:`\\ln 2 / (-\\ln|\\phi|)` in observations (``inf`` if |phi| >= 1)."""
    from ._results import half_life_from_alpha

    return half_life_from_alpha(phi)


class MeanReversionModel(MLEModel):
    r"""Mean-reverting level plus noise for one price series (a statsmodels ``MLEModel``).

    Parameters
    ----------
    endog : array_like or pandas.Series
        The price :math:`p_t` (levels or logs, as given); NaN marks a missing day.
    initialization : {"stationary", "diffuse"} or statsmodels Initialization
        ``"stationary"`` (default): :math:`m_1 \sim N(c/(1-\phi),\, q/(1-\phi^2))`, the
        stationary distribution of the level (recomputed from the parameters at every
        evaluation, complex-step safe). ``"diffuse"``: exact diffuse :math:`m_1`; the first
        observation then only initialises the level and adds nothing to the likelihood.
    **kwargs
        Passed to :class:`statsmodels.tsa.statespace.mlemodel.MLEModel` (e.g. ``dates``).

    Notes
    -----
    Observation and state equations:

    .. math::

        p_t = m_t + \varepsilon_t, \qquad \varepsilon_t \sim N(0, r),

        m_{t+1} = c + \phi\, m_t + \eta_t, \qquad \eta_t \sim N(0, q).

    In statsmodels' notation ``design`` :math:`Z = 1`, ``obs_cov`` :math:`H = r`,
    ``transition`` :math:`T = \phi`, ``state_intercept`` :math:`c`, ``selection``
    :math:`R = 1`, ``state_cov`` :math:`Q = q`. The level reverts to
    :math:`\mu = c / (1 - \phi)` with half-life :math:`\ln 2 / (-\ln\phi)`; the price is an
    ARMA(1, 1).

    Parameter names: ``phi``, ``c``, ``sigma2.level`` (:math:`q`), ``sigma2.obs``
    (:math:`r`). Transforms (complex-step safe, exact inverses): :math:`\phi = \tanh(u)`,
    :math:`c = u`, :math:`\sigma^2 = u^2`. Fix parameters with statsmodels'
    ``fix_params`` / ``fit_constrained``.

    Examples
    --------
    >>> import numpy as np
    >>> from ssm_coint.models._single import MeanReversionModel
    >>> p = 10 + np.sin(np.arange(200) / 5.0)
    >>> mod = MeanReversionModel(p)
    >>> mod.param_names
    ['phi', 'c', 'sigma2.level', 'sigma2.obs']
    """

    def __init__(self, endog: Any, *, initialization: InitKind | Initialization = "stationary",
                 **kwargs: Any) -> None:
        kind, init_obj = self._parse_initialization(initialization)
        with warnings.catch_warnings():
            # business-day prices have no pandas frequency; statsmodels warns that forecasts
            # then get an integer index, which is expected here
            warnings.filterwarnings("ignore", message="A date index has been provided")
            super().__init__(endog, k_states=1, k_posdef=1, **kwargs)
        if self.k_endog != 1:
            raise ModelSpecificationError("endog must be a single price series")
        if np.any(np.isinf(self.endog)):
            raise MissingValueError("the price has infinite values (use NaN for missing days)")
        self.initialization_kind = kind
        self._init_keys.append("initialization")
        if "tolerance" not in kwargs:
            # statsmodels freezes P_t once it changes by less than an *absolute* 1e-19; with
            # prices quoted in small units that happens before the filter has converged.
            # The exact recursion costs nothing here and keeps the model unit-free.
            self.ssm.tolerance = 0.0
        self.ssm["design"] = np.ones((1, 1))
        self.ssm["selection"] = np.ones((1, 1))
        self.ssm["transition"] = np.zeros((1, 1))
        self.ssm["state_intercept"] = np.zeros((1, 1))
        if init_obj is not None:
            self.ssm.initialization = init_obj
        elif kind == "stationary":
            self.ssm.initialize_stationary()
        else:
            self.ssm.initialize_diffuse()

    @staticmethod
    def _parse_initialization(init: Any) -> tuple[str, Initialization | None]:
        if isinstance(init, Initialization):
            kind = init.initialization_type
            if kind in ("stationary", "diffuse"):
                return kind, None  # rebuild: never share a stateful object between models
            return kind or "custom", init
        if init not in ("stationary", "diffuse"):
            raise ModelSpecificationError(
                f"initialization must be 'stationary' or 'diffuse'; got {init!r}"
            )
        return str(init), None

    # ------------------------------------------------------------------ statsmodels contract
    @property
    def param_names(self) -> list[str]:
        """``phi``, ``c``, ``sigma2.level``, ``sigma2.obs``."""
        return ["phi", "c", "sigma2.level", "sigma2.obs"]

    @property
    def state_names(self) -> list[str]:
        """The one state, ``level``."""
        return ["level"]

    @property
    def start_params(self) -> np.ndarray:
        r"""Deterministic, data-driven start (the middle one of :meth:`candidate_starts`).

        Notes
        -----
        With :math:`\bar p` the mean, :math:`\rho` the lag-one autocorrelation of the price
        and :math:`D` the variance of its changes: :math:`\phi_0 = \operatorname{clip}(\rho,
        0, 0.995)`, :math:`c_0 = (1 - \phi_0)\bar p`, and :math:`D` is split evenly between
        the level and the noise using :math:`\operatorname{Var}(\Delta p) =
        2q/(1+\phi) + 2r`: :math:`q_0 = D(1+\phi_0)/4`, :math:`r_0 = D/4`.
        """
        return self.candidate_starts()[1]

    def candidate_starts(self) -> list[np.ndarray]:
        r"""Deterministic starting points of :meth:`fit_multistart`.

        Returns
        -------
        list of ndarray
            For level shares :math:`w \in \{0.9, 0.5, 0.1\}` of :math:`D = \operatorname{Var}
            (\Delta p)`: :math:`(\phi_0, c_0, w D (1+\phi_0)/2, (1-w) D / 2)`, then
            :math:`\phi = 0.5, w = 0.5` (a fast-reverting alternative); see
            :attr:`start_params` for :math:`\phi_0, c_0`.
        """
        y = np.asarray(self.endog[:, 0], dtype=float)
        ok = np.isfinite(y)
        mean = float(np.mean(y[ok]))
        pairs = ok[1:] & ok[:-1]
        a, b = y[:-1][pairs], y[1:][pairs]
        rho = float(np.corrcoef(a, b)[0, 1]) if a.size > 2 and np.std(a) > 0 else 0.5
        phi0 = float(np.clip(rho if np.isfinite(rho) else 0.5, 0.0, 0.995))
        dvar = float(np.var(b - a)) if a.size > 1 else float(np.var(y[ok]))
        if not dvar > 0:
            dvar = float(np.var(y[ok])) or 1.0
        grid = [(phi0, w) for w in _LEVEL_SHARES] + [(0.5, 0.5)]
        return [np.array([phi, (1 - phi) * mean, w * dvar * (1 + phi) / 2, (1 - w) * dvar / 2])
                for phi, w in grid]

    def transform_params(self, unconstrained: Any) -> np.ndarray:
        """Unconstrained -> (phi, c, sigma2.level, sigma2.obs): tanh, identity, squares."""
        unconstrained = np.asarray(unconstrained)
        out = unconstrained.copy()
        out[0] = tr.constrain_alpha(unconstrained[0])
        out[2] = tr.constrain_variance(unconstrained[2])
        out[3] = tr.constrain_variance(unconstrained[3])
        return out

    def untransform_params(self, constrained: Any) -> np.ndarray:
        """Exact inverse of :meth:`transform_params` (artanh, identity, square roots)."""
        constrained = np.asarray(constrained)
        out = constrained.copy()
        out[0] = tr.unconstrain_alpha(constrained[0])
        out[2] = tr.unconstrain_variance(constrained[2])
        out[3] = tr.unconstrain_variance(constrained[3])
        return out

    def update(self, params: Any, transformed: bool = True, includes_fixed: bool = False,
               complex_step: bool = False) -> np.ndarray:
        """Write (phi, c, q, r) into the state-space matrices (statsmodels contract)."""
        params = super().update(params, transformed=transformed,
                                includes_fixed=includes_fixed, complex_step=complex_step)
        self.ssm["transition", 0, 0] = params[0]
        self.ssm["state_intercept", 0, 0] = params[1]
        self.ssm["state_cov", 0, 0] = params[2]
        self.ssm["obs_cov", 0, 0] = params[3]
        return params

    # ------------------------------------------------------------------ the Kalman core
    @property
    def uses_core(self) -> bool:
        """Whether the likelihood and the results come from the Kalman core.

        True for the ``"stationary"`` and ``"diffuse"`` starts; a custom statsmodels
        ``Initialization`` object keeps statsmodels' filter throughout.
        """
        return self.initialization_kind in ("stationary", "diffuse")

    def system(self, params: Any) -> dict[str, Any]:
        r"""The Kalman core's system at (phi, c, q, r): k = 1, design row 1.

        Stationary start: :math:`a_1 = c/(1-\phi)`, :math:`P_1 = q/(1-\phi^2)`; diffuse
        start: :math:`P_{\infty,1} = 1`.
        """
        phi, c, q, r = (float(v) for v in np.asarray(params, float))
        a1, P1, Pinf1 = np.zeros(1), np.zeros((1, 1)), np.zeros((1, 1))
        if self.initialization_kind == "stationary":
            if not abs(phi) < 1:
                raise ModelSpecificationError(f"the stationary start needs |phi| < 1; got {phi}")
            a1[0], P1[0, 0] = c / (1 - phi), q / (1 - phi * phi)
        else:
            Pinf1[0, 0] = 1.0
        return {"tdiag": np.array([phi]), "cvec": np.array([c]), "q": np.array([q]), "r": r,
                "a1": a1, "P1": P1, "Pinf1": Pinf1}

    def _core_data(self) -> tuple[np.ndarray, np.ndarray]:
        y = np.ascontiguousarray(self.endog[:, 0], dtype=np.float64)
        return y, np.ones((len(y), 1))

    def core_filter(self, params: Any) -> kalman.FilterOutput:
        """Exact filtered level, prediction errors and per-date llf (the Kalman core)."""
        return kalman.run_filter(*self._core_data(), **self.system(params))

    def core_smoother(self, params: Any) -> kalman.SmootherOutput:
        """Exact filtered and smoothed level (the Kalman core's two passes)."""
        return kalman.run_smoother(*self._core_data(), **self.system(params))

    def loglike(self, params, *args, **kwargs):
        """Exact log-likelihood from the Kalman core (statsmodels' for complex steps and for a
        custom ``Initialization``); flags as statsmodels' ``loglike``."""
        from ._hedge import _loglike_flags

        transformed, includes_fixed, complex_step, rest = _loglike_flags(args, kwargs)
        if complex_step or rest or not self.uses_core:
            return super().loglike(params, transformed=transformed,
                                   includes_fixed=includes_fixed, complex_step=complex_step,
                                   **rest)
        params = self.handle_params(params, transformed=transformed,
                                    includes_fixed=includes_fixed)
        return kalman.loglike(*self._core_data(), **self.system(params))

    def loglikeobs(self, params, *args, **kwargs):
        """Per-observation log-likelihood from the Kalman core (as :meth:`loglike`)."""
        from ._hedge import _loglike_flags

        transformed, includes_fixed, complex_step, rest = _loglike_flags(args, kwargs)
        if complex_step or rest or not self.uses_core:
            return super().loglikeobs(params, transformed=transformed,
                                      includes_fixed=includes_fixed,
                                      complex_step=complex_step, **rest)
        params = self.handle_params(params, transformed=transformed,
                                    includes_fixed=includes_fixed)
        return self.core_filter(params).llf_obs

    def clone(self, endog: Any, exog: Any = None, **kwargs: Any) -> MeanReversionModel:
        """A model of the same specification on new data (used by append/extend/apply)."""
        if exog is not None:
            raise ModelSpecificationError("MeanReversionModel takes no exog")
        return self._clone_from_init_kwds(endog, **kwargs)

    @property
    def _res_classes(self) -> dict[str, tuple[type, type]]:
        return {"fit": (MeanReversionResults, MeanReversionResultsWrapper)}

    # ------------------------------------------------------------------ estimation
    def fit_multistart(
        self,
        starts: Sequence[Sequence[float]] | None = None,
        *,
        maxiter: int = 500,
        cov_type: str = "approx",
    ) -> MeanReversionResults:
        r"""Maximum likelihood from several deterministic starts; the best log-likelihood wins.

        Parameters
        ----------
        starts : sequence of parameter vectors, optional
            Constrained starting values ``(phi, c, sigma2.level, sigma2.obs)``; default
            :meth:`candidate_starts` (four points).
        maxiter : int
            Iterations of each L-BFGS run.
        cov_type : str
            Covariance of the estimates (statsmodels ``cov_type``; ``"approx"``: inverse of the
            numerical Hessian, complex-step where possible).

        Returns
        -------
        MeanReversionResults
            Smoothed results at the best point, with ``fit_history`` (one row per start: the
            start, the optimum, its log-likelihood, convergence, iterations) and
            ``converged``.

        Notes
        -----
        Each run works on the standardised price :math:`\tilde p_t = (p_t - \bar p)/s`, where
        every parameter is of order one, and maps the optimum back exactly:
        :math:`\phi = \tilde\phi`, :math:`c = s\tilde c + (1-\phi)\bar p`, :math:`q = s^2
        \tilde q`, :math:`r = s^2 \tilde r`. The log-likelihoods of the two problems differ by
        the constant :math:`-n \ln s` (exactly, with the stationary initialization), so the
        maximiser is the same, and the fit is equivariant to the price unit: prices times 100
        give the same :math:`\phi` and z-scores (up to rounding).
        """
        if self._has_fixed_params:
            raise ModelSpecificationError(
                "fit_multistart does not combine with fix_params; use fit() inside the context"
            )
        y = np.asarray(self.endog[:, 0], dtype=float)
        ok = np.isfinite(y)
        if ok.sum() < MIN_NOBS_SINGLE:
            raise InsufficientDataError(
                f"the price has {ok.sum()} non-missing observations; at least "
                f"{MIN_NOBS_SINGLE} are needed to estimate the model"
            )
        if np.all(y[ok] == y[ok][0]):
            raise ConstantSeriesError(f"the price is constant ({y[ok][0]!r})")
        loc, scale = float(np.mean(y[ok])), float(np.std(y[ok]))
        # unit scale: statsmodels' steady-state shortcut (absolute tolerance) is accurate and
        # fast here; the winner's llf is recomputed exactly on this model
        std_model = self.clone((y - loc) / scale, tolerance=1e-19)
        if starts is None:
            starts = self.candidate_starts()
        history: list[dict[str, Any]] = []
        best: tuple[float, np.ndarray] | None = None
        for k, start in enumerate(starts):
            st = np.asarray(start, dtype=float)
            if st.shape != (4,) or not abs(st[0]) < 1 or st[2] < 0 or st[3] < 0:
                raise ModelSpecificationError(f"start {k} is not a valid (phi, c, q, r): {st}")
            st_std = np.array([st[0], (st[1] - (1 - st[0]) * loc) / scale,
                               st[2] / scale**2, st[3] / scale**2])
            st_std[2:] = np.maximum(st_std[2:], 1e-8)  # sqrt transform: keep off exact zero
            row: dict[str, Any] = {"start": k}
            row.update({f"start.{n}": v for n, v in zip(self.param_names, st, strict=True)})
            try:
                with collected_warnings() as caught:  # recorded per start in ``message``
                    res = std_model.fit(start_params=st_std, method="lbfgs", maxiter=maxiter,
                                        disp=False, cov_type="none")
                p_std = np.asarray(res.params, dtype=float)
                params = np.array([p_std[0], scale * p_std[1] + (1 - p_std[0]) * loc,
                                   scale**2 * p_std[2], scale**2 * p_std[3]])
                llf = float(self.loglike(params))
                row.update({n: v for n, v in zip(self.param_names, params, strict=True)})
                row.update(llf=llf, converged=bool(res.mle_retvals.get("converged", False)),
                           iterations=int(res.mle_retvals.get("iterations", -1)),
                           message=summarise(caught))
            except (np.linalg.LinAlgError, ValueError) as exc:
                row.update(llf=math.nan, converged=False, iterations=0, message=str(exc))
                history.append(row)
                continue
            history.append(row)
            if np.isfinite(llf) and (best is None or llf > best[0] + 1e-9):
                best = (llf, params)
        if best is None:
            raise EstimationError("no start produced a finite log-likelihood")
        hist = pd.DataFrame(history)
        hist["best"] = hist["llf"] == best[0]
        results = self.smooth(best[1], cov_type=cov_type)
        inner = getattr(results, "_results", results)
        inner.fit_history = hist
        inner.converged = bool(hist.loc[hist["best"], "converged"].iloc[0])
        if not inner.converged:
            warnings.warn(
                "the best start of the mean-reversion fit did not meet L-BFGS's convergence "
                "criterion; see fit_history", ConvergenceWarning, stacklevel=2)
        return results


def fit_mean_reversion(
    price: Any,
    *,
    initialization: InitKind = "stationary",
    starts: Sequence[Sequence[float]] | None = None,
    maxiter: int = 500,
    cov_type: str = "approx",
) -> MeanReversionResults:
    r"""Fit the single-asset mean-reversion model to one price series by maximum likelihood.

    Parameters
    ----------
    price : pandas.Series or array_like
        Prices (or log prices, or a spread); NaN marks a missing day.
    initialization : {"stationary", "diffuse"}
        See :class:`MeanReversionModel`.
    starts : sequence of parameter vectors, optional
        Starting points (default: :meth:`MeanReversionModel.candidate_starts`).
    maxiter : int
        Iterations of each local fit.
    cov_type : str
        statsmodels covariance type of the estimates.

    Returns
    -------
    MeanReversionResults
        The best of the local fits, with ``fit_history``.

    Examples
    --------
    >>> import numpy as np
    >>> from ssm_coint.models._single import fit_mean_reversion
    >>> rng = np.random.default_rng(0)
    >>> m = np.empty(1000); m[0] = 10.0
    >>> for t in range(999):
    ...     m[t + 1] = 1.0 + 0.9 * m[t] + rng.normal(0, 1.0)
    >>> res = fit_mean_reversion(m + rng.normal(0, 0.7, 1000))
    >>> round(float(res.phi), 1), round(res.long_run_mean, 0)
    (0.9, 10.0)
    """
    model = MeanReversionModel(price, initialization=initialization)
    return model.fit_multistart(starts, maxiter=maxiter, cov_type=cov_type)


from ._single_results import (  # noqa: E402 - the results module imports nothing from here
    MeanReversionLevel,
    MeanReversionResults,
    MeanReversionResultsWrapper,
    mean_reversion_positions,
)
