"""Estimation methods for the hedge-ratio model."""

from ._chan import chan_filter, fit_chan
from ._mle import fit_mle, hedge_model

__all__ = ["fit_mle", "hedge_model", "fit_chan", "chan_filter"]
