"""ssm_coint: Kalman-filter hedge-ratio state-space models calibrated by maximum likelihood.

The public API is listed in ``__all__``.
"""

from .calibration import Calibration
from .coint import adf, engle_granger, half_life, johansen
from .compare import compare_methods
from .data import check_regressors, load_prices, validate_prices
from .estimation import chan_filter, fit_adaptive, fit_chan, fit_mle, hedge_model
from .models import VARIANTS, HedgeRatioModel, HedgeRatioResults, HedgeRatios
from .simulate import DEMO_TRUTH, Simulation, simulate_hedge_model

__version__ = "0.1.0"

__all__ = [
    "Calibration",
    "DEMO_TRUTH",
    "HedgeRatioModel",
    "HedgeRatioResults",
    "HedgeRatios",
    "Simulation",
    "VARIANTS",
    "adf",
    "chan_filter",
    "compare_methods",
    "fit_adaptive",
    "check_regressors",
    "engle_granger",
    "fit_chan",
    "fit_mle",
    "half_life",
    "hedge_model",
    "johansen",
    "load_prices",
    "simulate_hedge_model",
    "validate_prices",
]
