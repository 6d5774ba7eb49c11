r"""Half-life of mean reversion from the discrete Ornstein-Uhlenbeck regression.

Following Chan (*Algorithmic Trading*, 2013, Example 2.7), regress

.. math::

    \Delta s_t = \mu + \lambda\, s_{t-1} + \varepsilon_t

by OLS and report the half-life :math:`h = -\ln 2 / \lambda`, the time for a deviation
from the mean :math:`-\mu/\lambda` to halve under :math:`ds = \lambda (s - m)\,dt + \sigma dW`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ssm_coint.coint._results import ErrorsPolicy, _json_float, as_series, check_errors
from ssm_coint.exceptions import ConstantSeriesError, DataError

__all__ = ["HalfLifeResult", "half_life"]

#: Fewest observations: n - 1 differences, 2 coefficients, at least 1 residual degree of freedom.
MIN_NOBS_HALF_LIFE = 4


class HalfLifeResult:
    r"""Half-life of mean reversion and the regression behind it.

    Attributes
    ----------
    half_life : float
        :math:`-\ln 2 / \hat\lambda` in observation periods; ``math.inf`` when
        :math:`\hat\lambda \ge 0` (no mean reversion); NaN for an invalid (coerced) result.
    lam : float
        Slope :math:`\hat\lambda` of :math:`\Delta s_t` on :math:`s_{t-1}`.
    lam_se : float
        Its OLS standard error :math:`\sqrt{\hat\sigma^2 [(X^\top X)^{-1}]_{22}}` with
        :math:`\hat\sigma^2 = \text{RSS}/(m - 2)`.
    lam_t : float
        :math:`\hat\lambda / \operatorname{se}(\hat\lambda)`. It is a Dickey-Fuller statistic
        (not Student-t distributed); use :func:`adf` for inference on mean reversion.
    intercept : float
        :math:`\hat\mu`.
    nobs : int
        Number of differences :math:`m = n - 1` in the regression.
    note : str
        Empty, or why the half-life is infinite or NaN.
    """

    def __init__(
        self,
        *,
        half_life: float,
        lam: float,
        lam_se: float,
        lam_t: float,
        intercept: float,
        nobs: int,
        note: str = "",
    ) -> None:
        self.half_life = float(half_life)
        self.lam = float(lam)
        self.lam_se = float(lam_se)
        self.lam_t = float(lam_t)
        self.intercept = float(intercept)
        self.nobs = int(nobs)
        self.note = note

    @property
    def is_valid(self) -> bool:
        """False when the regression could not be run (``errors="coerce"``)."""
        return not math.isnan(self.half_life)

    @property
    def phi(self) -> float:
        r"""AR(1) coefficient :math:`\phi = 1 + \hat\lambda` of :math:`s_t`."""
        return 1.0 + self.lam

    @property
    def mean(self) -> float:
        r"""Long-run mean :math:`-\hat\mu / \hat\lambda` (NaN unless :math:`\hat\lambda < 0`)."""
        return -self.intercept / self.lam if self.lam < 0 else math.nan

    def __float__(self) -> float:
        return self.half_life

    def to_dict(self) -> dict[str, Any]:
        """Return the fields as JSON-serialisable values (non-finite floats become ``None``)."""
        return {
            "half_life": _json_float(self.half_life),
            "lam": _json_float(self.lam),
            "lam_se": _json_float(self.lam_se),
            "lam_t": _json_float(self.lam_t),
            "intercept": _json_float(self.intercept),
            "nobs": self.nobs,
            "note": self.note,
        }

    def __str__(self) -> str:
        lines = [
            "Half-life of mean reversion (OLS of ds_t on s_{t-1} with a constant)",
            f"  half-life   {self.half_life:.6f}",
            f"  lambda      {self.lam:.6f}  (se {self.lam_se:.6f}, t {self.lam_t:.3f})",
            f"  intercept   {self.intercept:.6f}",
            f"  nobs        {self.nobs}",
        ]
        if self.note:
            lines.append(f"  note: {self.note}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"HalfLifeResult(half_life={self.half_life:.6g}, lam={self.lam:.6g})"


def half_life(series: Any, *, errors: ErrorsPolicy = "raise") -> HalfLifeResult:
    r"""Half-life of mean reversion of a spread, Chan's OLS convention.

    Parameters
    ----------
    series : pandas.Series or array_like
        The spread :math:`s_t` (at least 4 finite, non-constant observations).
    errors : {"raise", "coerce"}
        On unusable input, raise the typed DataError subclass (default) or return a result
        whose numbers are NaN and whose ``note`` gives the reason.

    Returns
    -------
    HalfLifeResult
        ``float(result)`` is the half-life.

    Notes
    -----
    OLS of

    .. math::

        \Delta s_t = \mu + \lambda\, s_{t-1} + \varepsilon_t, \qquad t = 2, \dots, n,

    gives :math:`\hat\lambda` and the half-life

    .. math::

        h = -\frac{\ln 2}{\hat\lambda} .

    This is the continuous-time (Ornstein-Uhlenbeck) half-life used by Chan; the exact
    AR(1) half-life :math:`-\ln 2 / \ln(1 + \hat\lambda)` is close when
    :math:`|\hat\lambda|` is small. When :math:`\hat\lambda \ge 0` the series does not
    revert and the half-life is ``math.inf`` (never negative), with a ``note``.

    Examples
    --------
    >>> import numpy as np
    >>> from ssm_coint.coint import half_life
    >>> rng = np.random.default_rng(0)
    >>> s = np.zeros(5000)
    >>> for t in range(1, 5000):
    ...     s[t] = 0.9 * s[t - 1] + rng.standard_normal()
    >>> round(float(half_life(s)), 0)  # -ln 2 / (0.9 - 1) = 6.93
    7.0
    """
    check_errors(errors)
    try:
        s = as_series(series, what="series", min_nobs=MIN_NOBS_HALF_LIFE).to_numpy()
        lagged = s[:-1]
        if np.all(lagged == lagged[0]):
            raise ConstantSeriesError("the lagged series s_{t-1} is constant")
    except DataError as exc:
        if errors == "coerce":
            nan = math.nan
            return HalfLifeResult(
                half_life=nan,
                lam=nan,
                lam_se=nan,
                lam_t=nan,
                intercept=nan,
                nobs=0,
                note=f"invalid: {exc}",
            )
        raise
    ds = np.diff(s)
    design = np.column_stack([np.ones_like(lagged), lagged])
    coef, *_ = np.linalg.lstsq(design, ds, rcond=None)
    resid = ds - design @ coef
    m = len(ds)
    sigma2 = float(resid @ resid) / (m - 2)
    cov = sigma2 * np.linalg.inv(design.T @ design)
    intercept, lam = float(coef[0]), float(coef[1])
    lam_se = math.sqrt(cov[1, 1])
    lam_t = lam / lam_se if lam_se > 0 else math.copysign(math.inf, lam)
    if lam < 0:
        hl, note = -math.log(2.0) / lam, ""
    else:
        hl = math.inf
        note = f"lambda = {lam:.6g} >= 0: no mean reversion, the half-life is infinite"
    return HalfLifeResult(
        half_life=hl, lam=lam, lam_se=lam_se, lam_t=lam_t, intercept=intercept, nobs=m, note=note
    )
