"""The one registry of calibration methods.

``compare``, the backtest and walk-forward, the validation studies and every CLI choice list read
:data:`METHODS`; :func:`calibrate` runs one by name. A method is a function
``fit(prices, variant, initialization, options) -> Calibration``.

What each name means (one meaning everywhere), with its default filter start:

- ``mle``: global maximum likelihood of ``variant`` (:func:`~ssm_coint.fit_mle`); diffuse.
- ``em``: exact EM of ``variant`` (:func:`~ssm_coint.fit_em`); diffuse.
- ``adaptive``: seed 000's adaptive tuning recipe (:func:`~ssm_coint.fit_adaptive`); its own
  start (the Johansen-based state).
- ``pykalman-em``: pykalman's EM projected on the model (:func:`~ssm_coint.fit_pykalman_em`);
  its own start.
- ``chan``: Chan's fixed-noise filter with ``delta`` and ``ve``, nothing estimated
  (:func:`~ssm_coint.fit_chan`); Chan's zero start.

The start is the filter initialization used when ``initialization=None``. Options:
``delta``, ``ve`` (chan), ``passes`` (adaptive), ``pykalman_iter`` (pykalman-em), ``nested``
(mle). Unknown options are refused.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from .._choices import METHOD_NAMES
from ..calibration import Calibration
from ..exceptions import ModelSpecificationError

__all__ = ["CalibrationMethod", "METHODS", "METHOD_NAMES", "calibrate"]


@dataclass(frozen=True)
class CalibrationMethod:
    """A named calibration method.

    Attributes
    ----------
    name : str
        Registry key (CLI choice).
    summary : str
        One line for help texts.
    default_initialization : str or None
        Filter start used when none is given (None: the method has its own).
    options : tuple of str
        Option names the method reads.
    fit : callable
        ``fit(prices, variant, initialization, options) -> Calibration``.
    """

    name: str
    summary: str
    default_initialization: str | None
    options: tuple[str, ...]
    fit: Callable[[pd.DataFrame, str, str | None, Mapping[str, Any]], Calibration]


def _mle(prices, variant, init, opts):
    from ._mle import fit_mle

    return fit_mle(prices, variant, initialization=init, nested=bool(opts.get("nested", False)))


def _em(prices, variant, init, opts):
    from ._em import fit_em

    return fit_em(prices, variant, initialization=init)


def _adaptive(prices, variant, init, opts):
    from ._adaptive import fit_adaptive

    return fit_adaptive(prices, passes=int(opts.get("passes", 2000)))


def _pykalman(prices, variant, init, opts):
    from ._pykalman import fit_pykalman_em

    return fit_pykalman_em(prices, n_iter=int(opts.get("pykalman_iter", 100)))


def _chan(prices, variant, init, opts):
    from ._chan import fit_chan

    return fit_chan(prices, delta=float(opts.get("delta", 1e-4)), ve=float(opts.get("ve", 1e-3)),
                    initialization=init)


#: name -> :class:`CalibrationMethod`
METHODS: dict[str, CalibrationMethod] = {
    m.name: m
    for m in (
        CalibrationMethod("mle", "global maximum likelihood", "diffuse", ("nested",), _mle),
        CalibrationMethod("em", "exact EM (SQUAREM-accelerated)", "diffuse", (), _em),
        CalibrationMethod("adaptive", "seed 000's adaptive tuning recipe", None, ("passes",),
                          _adaptive),
        CalibrationMethod("pykalman-em", "pykalman's EM projected on the model", None,
                          ("pykalman_iter",), _pykalman),
        CalibrationMethod("chan", "Chan's fixed-noise filter (delta, ve)", "chan",
                          ("delta", "ve"), _chan),
    )
}
# METHOD_NAMES (registry keys in a fixed order: CLI choices, "all") lives in ssm_coint._choices
# so that --help need not import the estimators; tests check it equals tuple(METHODS).


def calibrate(prices: pd.DataFrame, method: str, *, variant: str = "full",
              initialization: str | None = None, **options: Any) -> Calibration:
    """Calibrate the hedge-ratio model on ``prices`` with a registered method.

    Parameters
    ----------
    prices : DataFrame
        ``y, x_2, ..., x_k`` (levels or logs).
    method : str
        A key of :data:`METHODS`.
    variant : {"full", "mu0", "alpha1"}
        Model variant (mle and em; the other methods have a fixed variant).
    initialization : str, optional
        Filter start; default the method's (see the module table). Refused for methods that
        have their own (adaptive, pykalman-em).
    **options
        Method options (see the module notes).

    Returns
    -------
    Calibration

    Raises
    ------
    ModelSpecificationError
        Unknown method or option, or an initialization the method does not take.
    """
    spec = METHODS.get(method)
    if spec is None:
        raise ModelSpecificationError(
            f"unknown calibration method {method!r}; choose one of {', '.join(METHOD_NAMES)}")
    unknown = sorted(set(options) - set(spec.options))
    if unknown:
        raise ModelSpecificationError(
            f"method {method!r} takes no option {', '.join(unknown)} "
            f"(it takes: {', '.join(spec.options) or 'none'})")
    if initialization is not None and spec.default_initialization is None:
        raise ModelSpecificationError(
            f"method {method!r} has its own filter start; initialization cannot be set")
    init = initialization or spec.default_initialization
    return spec.fit(prices, variant, init, options)
