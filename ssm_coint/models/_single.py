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
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Literal

import numpy as np
import pandas as pd
import statsmodels.base.wrapper as wrap
from statsmodels.tsa.statespace.initialization import Initialization
from statsmodels.tsa.statespace.mlemodel import MLEModel, MLEResults, MLEResultsWrapper

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
    a = abs(float(phi))
    if a >= 1:
        return math.inf
    if a == 0:
        return 0.0
    return math.log(2.0) / -math.log(a)


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


def mean_reversion_positions(
    zscore: Any,
    entry: float = 2.0,
    exit: float = 0.5,
    *,
    stop: float | None = None,
    long_only: bool = False,
) -> pd.Series:
    r"""Positions (+1 long, -1 short, 0 flat) from a z-score by the package's one rule.

    See :func:`ssm_coint.trading.position_rule` for the entry, exit and stop semantics.

    Parameters
    ----------
    zscore : pandas.Series or array_like
        :math:`z_t`, known at the close of day :math:`t`. NaN keeps the current position.
    entry : float
        Open a long when :math:`z_t < -\text{entry}`, a short when :math:`z_t > \text{entry}`.
    exit : float
        Close a long when :math:`z_t > -\text{exit}` and a short when :math:`z_t < \text{exit}`:
        :math:`|z_t| <` ``exit``, or :math:`z_t` has crossed to the other side; a crossing
        beyond ``entry`` opens the opposite position on the same day.
    stop : float, optional
        Stop-loss: close a long when :math:`z_t < -\text{stop}` (a short when
        :math:`z_t > \text{stop}`); no new position until :math:`|z_t| <` ``exit``.
    long_only : bool
        Never go short.

    Returns
    -------
    pandas.Series
        Integer positions on the index of ``zscore`` (a RangeIndex for arrays), named
        ``position``. Position :math:`t` uses :math:`z_1..z_t` only.

    Raises
    ------
    ModelSpecificationError
        Unless :math:`0 \le \text{exit} < \text{entry} < \text{stop}`.
    """
    from ..trading._signals import position_rule  # raises a ModelSpecificationError subclass

    index = zscore.index if isinstance(zscore, pd.Series) else None
    pos = position_rule(np.asarray(zscore, dtype=float), entry=entry, exit=exit, stop=stop,
                        long_only=long_only)
    return pd.Series(pos, index=index, name="position")


@dataclass(frozen=True)
class MeanReversionLevel:
    """Filtered, smoothed and predicted level with standard deviations, on the price index.

    Attributes
    ----------
    filtered, filtered_sd : pandas.Series
        :math:`m_{t|t} = E[m_t | p_{1..t}]` and :math:`\\sqrt{P_{t|t}}`.
    smoothed, smoothed_sd : pandas.Series
        :math:`E[m_t | p_{1..n}]` and its standard deviation (uses future prices: for
        analysis only, never for signals).
    predicted, predicted_sd : pandas.Series
        :math:`a_t = E[m_t | p_{1..t-1}]` and :math:`\\sqrt{P_t}`.
    """

    filtered: pd.Series
    filtered_sd: pd.Series
    smoothed: pd.Series
    smoothed_sd: pd.Series
    predicted: pd.Series
    predicted_sd: pd.Series


class MeanReversionResults(MLEResults):
    r"""Results of :class:`MeanReversionModel`: level, deviation, z-score and positions.

    Notes
    -----
    The signal. With the one-step prediction :math:`a_t, P_t` of the level, the innovation
    :math:`v_t = p_t - a_t` has variance :math:`F_t = P_t + r`, the gain is
    :math:`K_t = P_t / F_t` and the filtered level is :math:`m_{t|t} = a_t + K_t v_t` with
    :math:`P_{t|t} = P_t r / F_t`. The deviation of the price from its filtered level is

    .. math::

        d_t = p_t - m_{t|t} = (1 - K_t)\, v_t = \frac{r}{F_t}\, v_t ,

    the filtered estimate :math:`E[\varepsilon_t | p_{1..t}]` of the observation noise. Given
    :math:`p_{1..t-1}`, :math:`v_t \sim N(0, F_t)`, so

    .. math::

        \operatorname{Var}(d_t \mid p_{1..t-1}) = \frac{r^2}{F_t} = r - P_{t|t},
        \qquad
        z_t = \frac{d_t}{r / \sqrt{F_t}} = \frac{v_t}{\sqrt{F_t}} \sim N(0, 1),

    independent over :math:`t` under the model. (:math:`r - P_{t|t}` is also the law of total
    variance: :math:`\operatorname{Var} E[\varepsilon_t|\cdot] = r - E\operatorname{Var}
    [\varepsilon_t|\cdot]` and :math:`\operatorname{Var}(\varepsilon_t | p_{1..t}) = P_{t|t}`.)
    The tempting :math:`P_{t|t} + r` is the variance of a *new* price around the filtered
    level; it ignores that :math:`p_t` has already pulled :math:`m_{t|t}` towards itself and
    would shrink :math:`z_t` by :math:`\sqrt{(r - P_{t|t})/(r + P_{t|t})}`. When
    :math:`r = 0` the deviation is identically zero and :math:`z_t` is its limit
    :math:`v_t/\sqrt{F_t}`. In the diffuse periods :math:`z_t` is NaN.
    """

    @property
    def _index(self) -> pd.Index:
        labels = getattr(self.model.data, "row_labels", None)
        if labels is not None and len(labels) == self.nobs:
            return pd.Index(labels)
        idx = self.model._index
        return idx if len(idx) == self.nobs else pd.RangeIndex(self.nobs)

    def _series(self, values: np.ndarray, name: str) -> pd.Series:
        return pd.Series(np.asarray(values, dtype=float), index=self._index, name=name)

    @property
    def _p(self) -> np.ndarray:
        return np.asarray(self.params, dtype=float)

    @property
    def phi(self) -> float:
        r"""AR(1) coefficient :math:`\phi` of the level."""
        return float(self._p[0])

    @property
    def long_run_mean(self) -> float:
        r""":math:`\mu = c / (1 - \phi)`."""
        return float(self._p[1] / (1.0 - self._p[0]))

    @property
    def half_life(self) -> float:
        r"""Half-life of the level, :math:`\ln 2 / (-\ln|\phi|)` observations."""
        return _half_life(self._p[0])

    @property
    def signal_to_noise(self) -> float:
        r""":math:`q / r` (``inf`` when :math:`r = 0`)."""
        q, r = self._p[2], self._p[3]
        return float(q / r) if r > 0 else math.inf

    @property
    def price(self) -> pd.Series:
        """The observed price :math:`p_t`."""
        return self._series(self.model.endog[:, 0], "price")

    @cached_property
    def level(self) -> MeanReversionLevel:
        """Filtered, smoothed and predicted level with standard deviations."""
        fs = self.filtered_state[0]
        fv = self.filtered_state_cov[0, 0]
        ps = self.predicted_state[0, :-1]
        pv = self.predicted_state_cov[0, 0, :-1]
        if self.smoothed_state is not None:
            ss, sv = self.smoothed_state[0], self.smoothed_state_cov[0, 0]
        else:
            ss = sv = np.full(self.nobs, np.nan)
        def sd(v: np.ndarray) -> np.ndarray:
            return np.sqrt(np.clip(v, 0, None))

        return MeanReversionLevel(
            filtered=self._series(fs, "level"),
            filtered_sd=self._series(sd(fv), "level_sd"),
            smoothed=self._series(ss, "level_smoothed"),
            smoothed_sd=self._series(sd(sv), "level_smoothed_sd"),
            predicted=self._series(ps, "level_predicted"),
            predicted_sd=self._series(sd(pv), "level_predicted_sd"),
        )

    @property
    def innovations(self) -> pd.DataFrame:
        r"""One-step forecast errors :math:`v_t` and their variances :math:`F_t`."""
        return pd.DataFrame(
            {"forecast_error": self.forecasts_error[0],
             "forecast_error_var": self.forecasts_error_cov[0, 0]},
            index=self._index,
        )

    @property
    def deviation(self) -> pd.Series:
        r"""Deviation of the price from its filtered level, :math:`d_t = p_t - m_{t|t}`."""
        return self._series(self.model.endog[:, 0] - self.filtered_state[0], "deviation")

    @property
    def deviation_sd(self) -> pd.Series:
        r"""Standard deviation of :math:`d_t` given :math:`p_{1..t-1}`: :math:`r/\sqrt{F_t}`.

        Computed as :math:`r / \sqrt{F_t}`, which equals :math:`\sqrt{r - P_{t|t}}` without
        its cancellation when :math:`P_{t|t} \approx r`. NaN in the diffuse periods.
        """
        r = self._p[3]
        F = np.asarray(self.forecasts_error_cov[0, 0], dtype=float)
        out = r / np.sqrt(F)
        out[: self._n_diffuse] = np.nan
        return self._series(out, "deviation_sd")

    @property
    def _n_diffuse(self) -> int:
        return int(getattr(self.filter_results, "nobs_diffuse", 0) or 0)

    @property
    def zscore(self) -> pd.Series:
        r"""Z-score of the deviation from the filtered level.

        :math:`z_t = d_t / \operatorname{sd}(d_t)`, from filter output available at the close
        of day :math:`t` only. See the class notes for the derivation
        (:math:`z_t = v_t/\sqrt{F_t}`).
        """
        d = self.deviation.to_numpy()
        sd = self.deviation_sd.to_numpy()
        with np.errstate(divide="ignore", invalid="ignore"):
            z = d / sd
        if not self._p[3] > 0:  # r = 0: d_t = 0 exactly; use the limit v_t / sqrt(F_t)
            z = self.forecasts_error[0] / np.sqrt(self.forecasts_error_cov[0, 0])
        z = np.asarray(z, dtype=float)
        z[: self._n_diffuse] = np.nan
        z[~np.isfinite(self.model.endog[:, 0])] = np.nan
        return self._series(z, "zscore")

    def signal(self, entry: float = 2.0, exit: float = 0.5, *, stop: float | None = None,
               long_only: bool = False) -> pd.DataFrame:
        r"""Mean-reversion positions on the z-score of the deviation from the filtered level.

        Long (+1) when :math:`z_t < -\text{entry}` (the price is unusually far *below* its
        level), short (-1) when :math:`z_t > \text{entry}`, flat again when
        :math:`|z_t| < \text{exit}` (see :func:`mean_reversion_positions` for crossings and
        the stop). Thresholds are in standard deviations, so the signal does not depend on the
        price unit.

        Parameters
        ----------
        entry, exit : float
            Entry and exit thresholds on :math:`|z_t|`.
        stop : float, optional
            Stop-loss threshold.
        long_only : bool
            Never go short.

        Returns
        -------
        pandas.DataFrame
            Columns ``price``, ``level`` (filtered), ``deviation``, ``deviation_sd``,
            ``zscore``, ``position`` (decided at the close of day :math:`t`).
        """
        z = self.zscore
        return pd.DataFrame({
            "price": self.price,
            "level": self.level.filtered,
            "deviation": self.deviation,
            "deviation_sd": self.deviation_sd,
            "zscore": z,
            "position": mean_reversion_positions(z, entry, exit, stop=stop,
                                                 long_only=long_only),
        })

    def summary(self, *args: Any, **kwargs: Any) -> Any:
        """statsmodels summary plus the long-run mean, half-life and initialization."""
        summ = super().summary(*args, **kwargs)
        summ.add_extra_txt([
            f"Initialization: {self.model.initialization_kind}",
            f"Long-run mean c/(1-phi) = {self.long_run_mean:.6g}; half-life of the level = "
            f"{self.half_life:.4g} observations; q/r = {self.signal_to_noise:.4g}",
        ])
        return summ


class MeanReversionResultsWrapper(MLEResultsWrapper):
    """pandas wrapper (statsmodels pattern)."""

    _attrs: dict = {}
    _wrap_attrs = wrap.union_dicts(MLEResultsWrapper._wrap_attrs, _attrs)
    _methods: dict = {}
    _wrap_methods = wrap.union_dicts(MLEResultsWrapper._wrap_methods, _methods)


wrap.populate_wrapper(MeanReversionResultsWrapper, MeanReversionResults)
