"""ssm_coint: Kalman-filter hedge-ratio state-space models calibrated by maximum likelihood.

The public API is listed in ``__all__``.
"""

from typing import TYPE_CHECKING

from ._lazy import lazy_exports

if TYPE_CHECKING:
    from .calibration import Calibration
    from .coint import ScanResult, adf, engle_granger, half_life, johansen, scan_baskets, scan_pairs
    from .compare import compare_methods
    from .data import check_regressors, load_prices, validate_prices
    from .estimation import (
        chan_filter,
        fit_adaptive,
        fit_chan,
        fit_em,
        fit_mle,
        fit_pykalman_em,
        hedge_model,
        lr_test_alpha_one,
    )
    from .models import (
        VARIANTS,
        HedgeRatioModel,
        HedgeRatioResults,
        HedgeRatios,
        MeanReversionModel,
        fit_mean_reversion,
    )
    from .simulate import DEMO_TRUTH, Simulation, simulate_hedge_model

__version__ = "0.1.0"

__all__ = [
    "Calibration",
    "DEMO_TRUTH",
    "HedgeRatioModel",
    "HedgeRatioResults",
    "HedgeRatios",
    "MeanReversionModel",
    "ScanResult",
    "Simulation",
    "VARIANTS",
    "adf",
    "chan_filter",
    "compare_methods",
    "fit_adaptive",
    "check_regressors",
    "engle_granger",
    "fit_chan",
    "fit_em",
    "fit_mean_reversion",
    "fit_mle",
    "fit_pykalman_em",
    "half_life",
    "hedge_model",
    "johansen",
    "load_prices",
    "lr_test_alpha_one",
    "scan_baskets",
    "scan_pairs",
    "simulate_hedge_model",
    "validate_prices",
]

__getattr__, __dir__ = lazy_exports(__name__, __file__)
