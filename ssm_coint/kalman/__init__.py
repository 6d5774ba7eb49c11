r"""The exact Kalman core: one forward and one backward recursion behind everything.

:func:`loglike`, :func:`run_filter` and :func:`run_smoother` are the Python entry points to the
compiled forward pass (:mod:`ssm_coint.kalman._forward`, the square-root augmented exact diffuse
filter) and backward pass (:mod:`ssm_coint.kalman._backward`). The model's likelihood, every
state, innovation and z-score in the results, EM's E-step, the adaptive recipe's passes and the
trading paths call these (or, inside compiled loops, the two kernels themselves).

System, for a scalar observation and diagonal transition (see :mod:`._forward`): ``tdiag``,
``cvec``, ``q`` (k,), ``r`` (scalar), the known part of the initial state ``a1`` (k,), ``P1``
(k, k) and its diffuse part ``Pinf1`` (k, k), diagonal with entries 0 or 1.

Undefined values: before the first date where the flat prior of the diffuse initial state
becomes proper (:attr:`FilterOutput.nobs_diffuse` observations), the filtered states, their
covariances and the per-date log-likelihood are NaN, and so are the prediction errors and their
variances up to and including that date: they are not defined by the model, and any number
there would reflect an arbitrary prior.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._jit import first_compile_ahead
from .._progress import report
from ._backward import backward
from ._forward import STORE_FILTER, STORE_LLF, STORE_SMOOTHER, forward, ordinary_tail

__all__ = [
    "FilterOutput",
    "SmootherOutput",
    "backward",
    "diffuse_columns",
    "forward",
    "loglike",
    "ordinary_tail",
    "run_filter",
    "run_smoother",
    "STORE_FILTER",
    "STORE_LLF",
    "STORE_SMOOTHER",
]

_DIFFUSE_COLUMNS: dict[tuple[int, bytes], np.ndarray] = {}


def _announce_compile() -> None:
    """A progress message before the forward pass is compiled (first run of an install)."""
    if first_compile_ahead(forward):
        report("compiling the Kalman filter (first run only: it is cached for later runs)",
               now=True)


def diffuse_columns(Pinf1: np.ndarray) -> np.ndarray:
    """Columns D with D D' = Pinf1 for a diagonal 0/1 diffuse covariance.

    Memoised on the bytes of ``Pinf1`` (a handful of distinct patterns per model): the
    optimisers call the likelihood thousands of times with the same diffuse part. The array is
    shared, writable (as every array the kernels get, so that one compiled version serves all
    callers) and never written to.

    Raises
    ------
    ValueError
        ``Pinf1`` is not diagonal with entries 0 or 1.
    """
    Pinf1 = np.asarray(Pinf1, dtype=np.float64)
    key = (Pinf1.shape[0], Pinf1.tobytes())
    D = _DIFFUSE_COLUMNS.get(key)
    if D is None:
        diag = np.diag(Pinf1)
        if np.any(Pinf1 - np.diag(diag)) or np.any((diag != 0) & (diag != 1)):
            raise ValueError("the diffuse covariance must be diagonal with entries 0 or 1")
        D = np.ascontiguousarray(np.eye(len(diag))[:, diag == 1])
        if len(_DIFFUSE_COLUMNS) < 256:
            _DIFFUSE_COLUMNS[key] = D
    return D


def _writable(a) -> np.ndarray:
    """C-contiguous float64, writable (a read-only array is copied: numba compiles a separate
    version of the kernel for each read-only/writable combination of its arguments)."""
    a = np.ascontiguousarray(a, dtype=np.float64)
    return a if a.flags.writeable else a.copy()


def _arrays(y, X, tdiag, cvec, q, a1, P1):
    return tuple(_writable(a) for a in (y, X, tdiag, cvec, q, a1, P1))


def loglike(y, X, tdiag, cvec, q, r, a1, P1, Pinf1) -> float:
    """Exact (diffuse) log-likelihood.

    Returns
    -------
    float
        The log-likelihood; ``-inf`` when a forecast variance is not positive or the diffuse
        part of the initial state is not identified by the data.
    """
    yc, Xc, tc, cc, qc, ac, Pc = _arrays(y, X, tdiag, cvec, q, a1, P1)
    _announce_compile()
    llf = forward(yc, Xc, tc, cc, qc, float(r), ac, Pc, diffuse_columns(Pinf1), STORE_LLF,
                  False)[0]
    return float(llf) if np.isfinite(llf) else -np.inf


@dataclass(frozen=True)
class FilterOutput:
    """Exact filter output at fixed parameters (arrays over the n dates).

    Attributes
    ----------
    llf : float
        Exact log-likelihood (NaN if the diffuse part is never identified).
    llf_obs : ndarray (n,)
        Per-date log-likelihood: the exact diffuse log-likelihood of the first
        ``nobs_diffuse`` observations sits on the first identified date (``nobs_diffuse - 1``)
        and the dates before it carry 0 (under the flat prior they have no density of their
        own), so ``llf_obs.sum() == llf`` and sums over later windows are exact predictive
        log-likelihoods. All NaN if the diffuse start is never identified.
    filtered_state, filtered_state_cov : ndarray (n, k), (n, k, k)
        :math:`E[\\beta_t \\mid y_{1..t}]` and its covariance (NaN before identification).
    forecast_error, forecast_error_var : ndarray (n,)
        :math:`y_t - E[y_t \\mid y_{1..t-1}]` and its variance (NaN up to identification).
    nobs_diffuse : int
        Observations needed before the filtered state is defined (0 for a known start).
    """

    llf: float
    llf_obs: np.ndarray
    filtered_state: np.ndarray
    filtered_state_cov: np.ndarray
    forecast_error: np.ndarray
    forecast_error_var: np.ndarray
    nobs_diffuse: int

    @property
    def zscore(self) -> np.ndarray:
        """Standardised prediction errors :math:`v_t/\\sqrt{F_t}` (N(0, 1) under the model)."""
        return self.forecast_error / np.sqrt(self.forecast_error_var)


@dataclass(frozen=True)
class SmootherOutput(FilterOutput):
    """:class:`FilterOutput` plus exact smoothed moments.

    Attributes
    ----------
    smoothed_state, smoothed_state_cov : ndarray (n, k), (n, k, k)
        :math:`E[\\beta_t \\mid y_{1..n}]` and its covariance.
    smoothed_state_autocov : ndarray (n - 1, k, k)
        :math:`\\operatorname{Cov}(\\beta_{t+1}, \\beta_t \\mid y_{1..n})`.
    """

    smoothed_state: np.ndarray = None  # type: ignore[assignment]
    smoothed_state_cov: np.ndarray = None  # type: ignore[assignment]
    smoothed_state_autocov: np.ndarray = None  # type: ignore[assignment]


def _filter_output(out, n: int, d: int) -> dict:
    llf, cum, filt, filt_cov, v, F, t_ident = out[:7]
    llf_obs = np.full(n, np.nan)
    if t_ident >= 0:
        llf_obs[:t_ident] = 0.0
        llf_obs[t_ident] = cum[t_ident]
        llf_obs[t_ident + 1:] = np.diff(cum[t_ident:])
    return {"llf": float(llf), "llf_obs": llf_obs, "filtered_state": filt,
            "filtered_state_cov": filt_cov, "forecast_error": v, "forecast_error_var": F,
            "nobs_diffuse": 0 if d == 0 else (int(t_ident + 1) if t_ident >= 0 else n)}


def run_filter(y, X, tdiag, cvec, q, r, a1, P1, Pinf1) -> FilterOutput:
    """Exact filtered states, prediction errors and per-date log-likelihood.

    Returns
    -------
    FilterOutput
    """
    yc, Xc, tc, cc, qc, ac, Pc = _arrays(y, X, tdiag, cvec, q, a1, P1)
    D = diffuse_columns(Pinf1)
    _announce_compile()
    out = forward(yc, Xc, tc, cc, qc, float(r), ac, Pc, D, STORE_FILTER, False)
    return FilterOutput(**_filter_output(out, len(yc), D.shape[1]))


def run_smoother(y, X, tdiag, cvec, q, r, a1, P1, Pinf1) -> SmootherOutput:
    """Exact filtered and smoothed states (one forward and one backward pass).

    Returns
    -------
    SmootherOutput

    Raises
    ------
    ValueError
        The data do not identify the diffuse part of the initial state, or a forecast variance
        is not positive: the smoothed states are not defined.
    """
    yc, Xc, tc, cc, qc, ac, Pc = _arrays(y, X, tdiag, cvec, q, a1, P1)
    D = diffuse_columns(Pinf1)
    _announce_compile()
    out = forward(yc, Xc, tc, cc, qc, float(r), ac, Pc, D, STORE_SMOOTHER, False)
    if not np.isfinite(out[0]):
        raise ValueError("smoothed states are undefined: the log-likelihood is "
                         f"{out[0]} (non-positive forecast variance or unidentified start)")
    mean, V, C = backward(Xc, tc, *out[7:], True)
    return SmootherOutput(**_filter_output(out, len(yc), D.shape[1]), smoothed_state=mean,
                          smoothed_state_cov=V, smoothed_state_autocov=C)
