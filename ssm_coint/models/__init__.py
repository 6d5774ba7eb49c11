"""State-space models."""

from ._hedge import HedgeRatioModel
from ._results import HedgeRatioResults, HedgeRatios, half_life_from_alpha
from ._spec import VARIANTS

__all__ = ["HedgeRatioModel", "HedgeRatioResults", "HedgeRatios", "VARIANTS",
           "half_life_from_alpha"]
