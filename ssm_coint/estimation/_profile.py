"""Profile-likelihood confidence intervals (valid at the boundary, where Wald is not)."""

from __future__ import annotations

import math

import numpy as np
from scipy.stats import chi2

from ..calibration import Calibration
from ._optimize import Objective

__all__ = ["profile_loglike", "profile_interval"]


def profile_loglike(cal: Calibration, name: str, value: float) -> float:
    r"""Maximum log-likelihood with ``name`` held at ``value`` (others re-optimised).

    Starts from the calibration's estimate, so it is a local profile around the MLE.

    Parameters
    ----------
    cal : Calibration
        A fitted calibration (its ``results.model`` and ``params`` are used).
    name : str
        A free parameter of the model.
    value : float
        Value at which ``name`` is held.

    Returns
    -------
    float
        The profile log-likelihood :math:`\ell_p(value)` (never below the log-likelihood at the
        starting point).

    Raises
    ------
    KeyError
        ``name`` is not a free parameter.
    """
    model = cal.results.model
    if name not in model.param_names:
        raise KeyError(f"{name!r} is not a free parameter; free: {model.param_names}")
    base = cal.params.to_numpy().copy()
    base[model.all_param_names.index(name)] = value
    free = [n for n in model.param_names if n != name]
    fit = Objective(model, free, base).maximize(base, f"profile:{name}={value:g}")
    return max(fit.llf, model.fast_loglike(base))


def profile_interval(cal: Calibration, name: str, level: float = 0.95,
                     *, max_iter: int = 40) -> tuple[float, float]:
    r"""Likelihood-ratio confidence interval for one parameter.

    The interval is :math:`\{\theta: 2(\hat\ell - \ell_p(\theta)) \le \chi^2_{1}(level)\}`. For a
    variance estimated at zero the LR statistic of :math:`\sigma^2 = \sigma^2_0` has the
    :math:`\tfrac12\chi^2_0 + \tfrac12\chi^2_1` law at the boundary, so the interval is
    :math:`[0, u]` with :math:`\chi^2_1(2\,level - 1)` as critical value (Self & Liang 1987).
    Bounds are found by bisection (on the log scale for variances).

    Returns
    -------
    (lower, upper)
    """
    model = cal.results.model
    i = model.all_param_names.index(name)
    est = float(cal.params[name])
    is_var = name.startswith("sigma2.")
    at_boundary = bool(cal.at_boundary.get(name, False))
    crit = chi2.ppf(2 * level - 1, 1) if at_boundary else chi2.ppf(level, 1)
    target = cal.llf - crit / 2
    se = float(cal.bse[name]) if cal.bse is not None else math.nan

    def inside(v):
        return profile_loglike(cal, name, v) >= target

    def bisect(a_in, b_out, log):
        for _ in range(max_iter):
            m = math.sqrt(a_in * b_out) if log else 0.5 * (a_in + b_out)
            if inside(m):
                a_in = m
            else:
                b_out = m
            if (log and b_out / a_in < 1.001) or (not log and abs(b_out - a_in) <
                                                  1e-4 * (abs(se) if np.isfinite(se) else 1)):
                break
        return a_in

    if is_var:
        scale = max(est, 1e-12 * float(np.max(np.abs(cal.params.to_numpy()[2:]))) or 1e-12)
        from ._optimize import parameter_scales

        s = parameter_scales(model)[i]
        start = est if est > 0 and not at_boundary else s * 1e-6
        hi = max(start, scale) * 2
        n = 0
        while inside(hi) and n < 60:
            hi *= 4
            n += 1
        upper = bisect(max(start, 1e-300), hi, True)
        if at_boundary:
            return 0.0, upper
        lo = est / 2
        n = 0
        while lo > 1e-14 * s and inside(lo) and n < 60:
            lo /= 4
            n += 1
        lower = 0.0 if inside(lo) else bisect(est, lo, True)
        return lower, upper
    step = se if np.isfinite(se) and se > 0 else max(abs(est) * 0.1, 1e-3)
    hi, lo = est + 2 * step, est - 2 * step
    if name == "alpha":
        hi = min(hi, 1 - 1e-12)
        lo = max(lo, -1 + 1e-12)
    while not (name == "alpha" and hi >= 1 - 1e-12) and inside(hi):
        hi = est + 2 * (hi - est)
        if name == "alpha":
            hi = min(hi, 1 - 1e-12)
    while not (name == "alpha" and lo <= -1 + 1e-12) and inside(lo):
        lo = est - 2 * (est - lo)
        if name == "alpha":
            lo = max(lo, -1 + 1e-12)
    return bisect(est, lo, False), bisect(est, hi, False)
