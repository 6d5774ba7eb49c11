"""Estimation methods for the hedge-ratio model."""

from typing import TYPE_CHECKING

from .._lazy import lazy_exports

if TYPE_CHECKING:
    from ._adaptive import AdaptiveCalibration, adaptive_first_pass, fit_adaptive
    from ._chan import chan_filter, fit_chan
    from ._em import EMCalibration, em_smoother, fit_em
    from ._lrtest import (
        LRTestResult,
        lr_alpha_one_size,
        lr_test_alpha_one,
        lr_test_c_zero,
        lr_test_variance_zero,
    )
    from ._mle import fit_mle, hedge_model
    from ._profile import profile_interval, profile_loglike
    from ._pykalman import PykalmanCalibration, fit_pykalman_em

__all__ = [
    "EMCalibration",
    "LRTestResult",
    "PykalmanCalibration",
    "em_smoother",
    "fit_em",
    "fit_pykalman_em",
    "lr_alpha_one_size",
    "lr_test_alpha_one",
    "lr_test_c_zero",
    "lr_test_variance_zero",
    "fit_adaptive",
    "AdaptiveCalibration",
    "adaptive_first_pass",
    "fit_mle",
    "hedge_model",
    "fit_chan",
    "chan_filter",
    "profile_interval",
    "profile_loglike",
]

__getattr__, __dir__ = lazy_exports(__name__, __file__)
