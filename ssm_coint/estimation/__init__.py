"""Estimation methods for the hedge-ratio model."""

from ._adaptive import AdaptiveCalibration, adaptive_first_pass, fit_adaptive
from ._chan import chan_filter, fit_chan
from ._mle import fit_mle, hedge_model
from ._profile import profile_interval, profile_loglike

__all__ = [
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
