"""Maximum-likelihood calibration with the nested global search."""

from __future__ import annotations

import functools
import gc
import time
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..calibration import Calibration
from ..data import check_regressors
from ..models._hedge import HedgeRatioModel
from ..models._spec import variant_fixed
from ._global import GlobalSearch, StageResult
from ._optimize import OBS_FLOOR

__all__ = ["fit_mle", "hedge_model"]


def hedge_model(prices: pd.DataFrame, *, variant: str = "full",
                fixed: Mapping[str, float] | None = None, initialization: str = "diffuse",
                **kwargs) -> HedgeRatioModel:
    """Build a :class:`HedgeRatioModel` from a price frame (first column is y).

    Parameters
    ----------
    prices : DataFrame
        Columns ``y, x_2, ..., x_k`` on a date index (levels or logs, as wanted).
    variant : {"full", "mu0", "alpha1"}
        Named restriction (see :data:`ssm_coint.models.VARIANTS`).
    fixed : mapping, optional
        Further fixed parameters, e.g. ``{"sigma2.EWA": 0.0}``.
    initialization : str
        See :class:`HedgeRatioModel`.
    """
    if not isinstance(prices, pd.DataFrame) or prices.shape[1] < 2:
        from ..exceptions import TooFewAssetsError

        raise TooFewAssetsError("prices must be a DataFrame with at least two asset columns")
    allfixed = {**variant_fixed(variant), **dict(fixed or {})}
    return HedgeRatioModel(prices.iloc[:, 0], prices.iloc[:, 1:], fixed=allfixed,
                           initialization=initialization, **kwargs)


def _boundary(model: HedgeRatioModel, full: np.ndarray, scales: np.ndarray) -> dict[str, bool]:
    out = {}
    for i, n in enumerate(model.all_param_names):
        if n not in model.param_names:
            continue
        if n == "alpha":
            out[n] = bool(abs(full[i]) >= 1 - 1e-10)
        elif n == "sigma2.obs":
            out[n] = bool(full[i] <= 1.0001 * OBS_FLOOR * scales[i])
        elif n.startswith("sigma2."):
            out[n] = bool(full[i] <= 1e-10 * scales[i])
        else:
            out[n] = False
    return out


def _covariance(model: HedgeRatioModel, full: np.ndarray, boundary: dict[str, bool]):
    """Inverse of the negative finite-difference Hessian over the interior free parameters.

    Boundary parameters get NaN rows/columns (their usual standard errors are not valid).
    """
    names = model.param_names
    interior = [n for n in names if not boundary.get(n, False)]
    idx = [model.all_param_names.index(n) for n in interior]
    p = len(idx)
    cov = np.full((len(names), len(names)), np.nan)
    if p == 0:
        return cov, True
    h = np.array([max(abs(full[i]) * 1e-4, 1e-7 if model.all_param_names[i] == "alpha"
                      else 1e-9) for i in idx])
    if "alpha" in interior:  # keep alpha + step inside (-1, 1)
        ia = interior.index("alpha")
        h[ia] = min(h[ia], (1 - abs(full[idx[ia]])) / 4)

    def f(delta):
        x = full.copy()
        x[idx] += delta
        return model.fast_loglike(x)

    H = np.empty((p, p))
    f0 = f(np.zeros(p))
    for i in range(p):
        ei = np.zeros(p)
        ei[i] = h[i]
        H[i, i] = (f(ei) - 2 * f0 + f(-ei)) / h[i] ** 2
        for j in range(i):
            ej = np.zeros(p)
            ej[j] = h[j]
            H[i, j] = H[j, i] = (f(ei + ej) - f(ei - ej) - f(-ei + ej) + f(-ei - ej)) / (
                4 * h[i] * h[j])
    try:
        inner = np.linalg.inv(-H)
        ok = bool(np.all(np.linalg.eigvalsh(0.5 * (inner + inner.T)) > 0))
    except np.linalg.LinAlgError:
        inner = np.full((p, p), np.nan)
        ok = False
    pos = [names.index(n) for n in interior]
    cov[np.ix_(pos, pos)] = inner
    return cov, ok


def _smoothed_results(model: HedgeRatioModel, full: np.ndarray, cov: np.ndarray,
                      boundary: dict[str, bool]):
    """Results at ``full`` with the calibration's covariance (smoothing on first access)."""
    res = model.smooth(model.free_from_full(full), cov_type="custom", cov_kwds={
        "custom_cov_type": "approx",
        "custom_cov_params": np.nan_to_num(cov),  # statsmodels' rank check rejects NaN ...
        "custom_description": "Inverse of the finite-difference Hessian of the exact "
                              "log-likelihood over interior parameters; NaN at boundaries.",
    })
    res.cov_params_default = cov  # ... so the NaN rows of boundary parameters go in after
    res._boundary = [n for n, b in boundary.items() if b]
    return res


def _nested_results(prices: pd.DataFrame, variant: str, fixed: Mapping[str, float] | None,
                    initialization: str, model_kwargs: dict, full: np.ndarray,
                    cov: np.ndarray, boundary: dict[str, bool]):
    """Rebuild a nested variant's results (what :func:`_calibration` built and dropped)."""
    model = hedge_model(prices, variant=variant, fixed=fixed, initialization=initialization,
                        **model_kwargs)
    return _smoothed_results(model, full, cov, boundary)


class _NestedCalibration(Calibration):
    """A :class:`Calibration` whose ``results`` are rebuilt on first access.

    The nested variants of :func:`fit_mle` keep every fact of their calibration (llf,
    parameters, standard errors, warnings) but not their results object, whose state
    arrays cost several times the data on long samples; ``results`` rebuilds it (same
    model, parameters and covariance, so the same numbers) and keeps it.
    """

    def __init__(self, *args, results_factory: Callable[[], Any], **kwargs) -> None:
        self._results_factory = results_factory
        super().__init__(*args, **kwargs)

    @property  # type: ignore[override]
    def results(self) -> Any:
        """statsmodels results at ``params`` (built on first access)."""
        d = self.__dict__
        if d.get("_results") is None and d.get("_results_factory") is not None:
            d["_results"] = d["_results_factory"]()
        return d.get("_results")

    @results.setter
    def results(self, value: Any) -> None:
        self.__dict__["_results"] = value

    def __repr__(self) -> str:
        built = self.__dict__.get("_results") is not None
        return (f"Calibration(method={self.method!r}, variant={self.variant!r}, "
                f"llf={self.llf!r}, nobs={self.nobs!r}, results="
                f"{'built' if built else 'built on first access'})")


def _calibration(model: HedgeRatioModel, stage: StageResult, variant: str, t0: float,
                 scales: np.ndarray, results_factory: Callable[..., Any] | None = None
                 ) -> Calibration:
    """The calibration at a stage's optimum.

    With ``results_factory`` (called with the parameters, covariance and boundary flags) the
    results are built here only to read their facts, then dropped, and rebuilt by the
    factory on first access of ``Calibration.results``.
    """
    full = np.asarray(stage.best.full, float)
    boundary = _boundary(model, full, scales)
    cov, ok = _covariance(model, full, boundary)
    res = _smoothed_results(model, full, cov, boundary)
    warns = []
    for n, b in boundary.items():
        if b:
            warns.append(f"{n} is at the boundary of the parameter space; its standard error "
                         "is not reported and Wald inference does not apply")
    if not ok:
        warns.append("the Hessian of the log-likelihood is not negative definite at the "
                     "estimate; standard errors are unreliable")
    if abs(res.llf_statsmodels - res.llf) > 1e-6 * max(1.0, abs(res.llf)):
        warns.append(
            f"statsmodels' exact diffuse filter gives llf {res.llf_statsmodels:.4f} here "
            f"(its step-by-step diffuse phase is inaccurate on nearly collinear first rows); "
            f"the reported llf {res.llf:.4f} is the exact (augmented) diffuse likelihood")
    converged = bool(stage.best.converged)
    if not converged:
        warns.append("the final local optimisation did not meet its convergence criterion")
    bse = pd.Series(np.sqrt(np.where(np.diag(cov) >= 0, np.diag(cov), np.nan)),
                    index=model.param_names)
    profile = None
    if stage.profile:
        profile = pd.DataFrame([(a, llf) for a, llf, _ in stage.profile],
                               columns=["alpha", "llf"])
    fields = dict(
        method="mle", variant=variant,
        params=pd.Series(full, index=model.all_param_names), free=list(model.param_names),
        llf=float(res.llf), nobs=int(np.sum(np.isfinite(model.endog[:, 0]))),
        runtime_s=time.perf_counter() - t0,
        iterations=int(sum(c.nit for c in stage.candidates)), converged=converged,
        warnings=warns, bse=bse, at_boundary=boundary, profile=profile,
    )
    if results_factory is None:
        return Calibration(**fields, results=res)
    del res
    return _NestedCalibration(**fields, results_factory=functools.partial(
        results_factory, full=full, cov=cov, boundary=boundary))


def fit_mle(prices: pd.DataFrame, variant: str = "full", *,
            fixed: Mapping[str, float] | None = None, initialization: str = "diffuse",
            nested: bool = True, **model_kwargs) -> Calibration:
    """Global maximum-likelihood calibration of a hedge-ratio model variant.

    Parameters
    ----------
    prices : DataFrame
        ``y, x_2..x_k`` columns (see :func:`ssm_coint.load_prices`).
    variant : {"full", "mu0", "alpha1"}
        Model to fit. The nested variants are fitted first as warm starts (alpha1 -> mu0 ->
        full) and returned in ``Calibration.nested``.
    fixed : mapping, optional
        Extra fixed parameters applied to every stage (e.g. ``{"sigma2.EWA": 0.0}``).
    initialization : str
        ``"diffuse"`` (default), ``"mixed"``, ``"chan"``, ``"johansen"``.
    nested : bool
        Also return calibrations of the nested variants.
    **model_kwargs
        Passed to :class:`HedgeRatioModel` (``initial_state``, ``initial_state_cov``,
        ``johansen_weights``).

    Returns
    -------
    Calibration
        With ``llf`` never below that of a nested variant (the nested optimum is always a
        candidate of the containing model).

    Notes
    -----
    See :mod:`ssm_coint.estimation._global` for the search. Standard errors come from the
    finite-difference Hessian of the exact log-likelihood over interior parameters; parameters on
    a boundary (a variance at zero, alpha at one) are flagged in ``at_boundary``.
    """
    t0 = time.perf_counter()
    check_regressors(prices, n_params=prices.shape[1] + 3)
    base = hedge_model(prices, variant="full", fixed=fixed, initialization=initialization,
                       **model_kwargs)
    search = GlobalSearch(base)
    stage = search.run(variant)
    scales, stages = search.scales, search.stages
    del base, search  # the search model's data copies go before any results are built
    # Nested variants first, one at a time: each keeps its facts and rebuilds its results
    # on demand, so at most one set of (n, k, k) arrays besides the final one is alive.
    nested_cals = {}
    if nested:
        for v, st in stages.items():
            if v != variant:
                m = hedge_model(prices, variant=v, fixed=fixed, initialization=initialization,
                                **model_kwargs)
                factory = functools.partial(_nested_results, prices, v, fixed, initialization,
                                            dict(model_kwargs))
                nested_cals[v] = _calibration(m, st, v, t0, scales, results_factory=factory)
                del m
                gc.collect()  # statsmodels' results hold reference cycles: free them now
    final = hedge_model(prices, variant=variant, fixed=fixed, initialization=initialization,
                        **model_kwargs)
    cal = _calibration(final, stage, variant, t0, scales)
    cal.nested.update(nested_cals)
    return cal
