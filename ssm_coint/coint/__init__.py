"""Cointegration tools: Engle-Granger, Johansen, ADF and the half-life of mean reversion.

:func:`scan_pairs` and :func:`scan_baskets` screen a universe (Engle-Granger on every pair,
Johansen on every basket) and select non-overlapping pairs as seed 002 does.

Every test returns a small result object (:class:`TestResult` and subclasses) with ``stat``,
``pvalue``, ``critical_values``, ``null_hypothesis``, ``alternative``, ``summary()`` and
``to_dict()``. Unusable input raises a :class:`~ssm_coint.exceptions.DataError` subclass, or,
with ``errors="coerce"``, gives an :class:`InvalidTestStatistic` null object.
"""

from typing import TYPE_CHECKING

from .._lazy import lazy_exports

if TYPE_CHECKING:
    from ssm_coint.coint._adf import adf
    from ssm_coint.coint._engle_granger import EngleGrangerResult, engle_granger
    from ssm_coint.coint._half_life import HalfLifeResult, half_life
    from ssm_coint.coint._johansen import JohansenResult, johansen
    from ssm_coint.coint._results import InvalidTestStatistic, TestResult
    from ssm_coint.coint._scan import (
        DEFAULT_MIN_OBS,
        ScanResult,
        rank_pairs,
        scan_baskets,
        scan_pairs,
        select_non_overlapping,
    )

__all__ = [
    "adf",
    "engle_granger",
    "johansen",
    "half_life",
    "TestResult",
    "InvalidTestStatistic",
    "EngleGrangerResult",
    "JohansenResult",
    "HalfLifeResult",
    "scan_pairs",
    "scan_baskets",
    "select_non_overlapping",
    "rank_pairs",
    "ScanResult",
    "DEFAULT_MIN_OBS",
]

__getattr__, __dir__ = lazy_exports(__name__, __file__)
