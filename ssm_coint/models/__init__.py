"""State-space models."""

from typing import TYPE_CHECKING

from .._lazy import lazy_exports

if TYPE_CHECKING:
    from ._hedge import HedgeRatioModel
    from ._results import HedgeRatioResults, HedgeRatios, half_life_from_alpha
    from ._single import (
        MeanReversionModel,
        MeanReversionResults,
        fit_mean_reversion,
        mean_reversion_positions,
    )
    from ._spec import VARIANTS

__all__ = [
    "HedgeRatioModel",
    "HedgeRatioResults",
    "HedgeRatios",
    "MeanReversionModel",
    "MeanReversionResults",
    "VARIANTS",
    "fit_mean_reversion",
    "half_life_from_alpha",
    "mean_reversion_positions",
]

__getattr__, __dir__ = lazy_exports(__name__, __file__)
