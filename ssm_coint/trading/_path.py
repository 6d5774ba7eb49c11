"""The causal output of a Kalman filter run, as a trading signal consumes it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

__all__ = ["FilterPath", "WeightKind"]

WeightKind = Literal["shares", "dollars"]


@dataclass(frozen=True)
class FilterPath:
    r"""What a trader knows from the Kalman filter at each close: the causal filter output.

    Attributes
    ----------
    prices : DataFrame
        The model's input, ``y, x_2, ..., x_k`` (levels, or logs when ``log_prices``).
    forecast_error : Series
        One-step innovation :math:`e_t = y_t - z_t\,\beta_{t|t-1}`.
    forecast_error_var : Series
        Its variance :math:`Q_t = z_t P_{t|t-1} z_t' + r`.
    filtered : DataFrame
        Filtered states :math:`\beta_{t|t}` (columns ``intercept`` then the regressor names).
    valid : Series of bool
        False where the filter output is not meaningful yet (exact diffuse steps).
    tradable : Series of bool
        False where positions may not be held (warm-up before the first out-of-sample day of
        a walk-forward, or invalid days).
    log_prices : bool
        Whether the model was run on log prices (then one spread unit is in dollars).
    """

    prices: pd.DataFrame
    forecast_error: pd.Series
    forecast_error_var: pd.Series
    filtered: pd.DataFrame
    valid: pd.Series
    tradable: pd.Series
    log_prices: bool = False

    @classmethod
    def from_results(cls, res: Any, *, log_prices: bool = False) -> FilterPath:
        """Build a path from :class:`~ssm_coint.HedgeRatioResults` (e.g. ``chan_filter``).

        The first ``nobs_diffuse`` days (before the diffuse start is identified; the core
        reports NaN there) are marked invalid.
        """
        model = res.model
        index = getattr(model.data, "row_labels", None)
        if index is None or len(index) != int(model.nobs):
            index = pd.RangeIndex(int(model.nobs))
        y = pd.Series(np.asarray(model.endog[:, 0], float), index=index)
        X = pd.DataFrame(np.asarray(model._design_rows[:, 1:], float), index=index,
                         columns=model.state_names[1:])
        prices = pd.concat([y.rename(str(model.endog_names)), X], axis=1)
        inn = res.innovations.set_axis(index)
        nd = int(res.nobs_diffuse)
        valid = pd.Series(np.arange(len(index)) >= nd, index=index)
        return cls(prices=prices, forecast_error=inn["forecast_error"].rename("e"),
                   forecast_error_var=inn["forecast_error_var"].rename("Q"),
                   filtered=res.hedge_ratios.filtered.set_axis(index), valid=valid,
                   tradable=valid.copy(), log_prices=log_prices)

    @property
    def index(self) -> pd.Index:
        """The date index."""
        return self.prices.index

    @property
    def spread(self) -> pd.Series:
        r"""Spread from the filtered hedge ratios.

        :math:`s_t = y_t - \sum_{j\ge2}\beta_{j,t|t}x_{j,t}`. It holds the spread level
        :math:`\beta_{1,t|t}` plus the filtered noise. NaN on invalid days.
        """
        y = self.prices.iloc[:, 0].to_numpy()
        X = self.prices.iloc[:, 1:].to_numpy()
        beta = self.filtered.iloc[:, 1:].to_numpy()
        s = y - np.sum(X * beta, axis=1)
        s = np.where(self.valid.to_numpy(), s, np.nan)
        return pd.Series(s, index=self.index, name="spread")

    @property
    def weights(self) -> pd.DataFrame:
        r"""Holdings of one spread unit, :math:`(1, -\beta_{2,t|t}, \dots, -\beta_{k,t|t})`."""
        beta = self.filtered.iloc[:, 1:].to_numpy()
        w = np.column_stack([np.ones(len(self.index)), -beta])
        return pd.DataFrame(w, index=self.index, columns=list(self.prices.columns))

    @property
    def weight_kind(self) -> WeightKind:
        """``"shares"`` on price levels, ``"dollars"`` on log prices."""
        return "dollars" if self.log_prices else "shares"


def _fresh_frame(df: pd.DataFrame) -> pd.DataFrame:
    """Return a float copy in one C-ordered block.

    Linear algebra (BLAS/LAPACK) can round differently on differently laid-out copies of the
    same numbers; normalising the layout makes results depend on the values only, which the
    no-look-ahead tests check bit for bit.
    """
    return pd.DataFrame(np.array(df.to_numpy(dtype=float), order="C"), index=df.index,
                        columns=df.columns)
