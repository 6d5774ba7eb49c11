"""Plots of the hedge-ratio results: states with bands, spread and z-score (matplotlib)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Literal

import numpy as np

if TYPE_CHECKING:  # matplotlib is the optional ``plot`` extra
    from matplotlib.figure import Figure

__all__ = ["HedgeRatioPlots"]


def _new_figure(fig: Figure | None, figsize: tuple[float, float]) -> Figure:
    """Return ``fig``, or a new pyplot figure; a clear ImportError without matplotlib."""
    try:
        import matplotlib  # noqa: F401 - optional dependency
    except ImportError as exc:
        raise ImportError(
            "plotting needs matplotlib, the optional 'plot' extra of ssm_coint: "
            "pip install 'ssm_coint[plot]' (or pip install matplotlib)"
        ) from exc
    if fig is not None:
        return fig
    import matplotlib.pyplot as plt

    return plt.figure(figsize=figsize)


def _check_skip(skip: int, nobs: int) -> None:
    if not (isinstance(skip, int | np.integer) and 0 <= skip < nobs):
        raise ValueError(f"skip must be an integer in [0, {nobs}), not {skip!r}")


class HedgeRatioPlots:
    """Plot methods of :class:`~ssm_coint.HedgeRatioResults` (a mixin: it uses the results'
    ``hedge_ratios``, ``spread``, ``zscore``, ``mu``, ``nobs`` and ``_default_skip``)."""

    def plot_hedge_ratios(self, which: Literal["smoothed", "filtered"] = "smoothed",
                          bands: float = 2.0, fig: Figure | None = None, *,
                          skip: int | None = None) -> Figure:
        r"""Plot each state over time with a shaded band of ``bands`` standard errors.

        One panel per state, top to bottom: the intercept :math:`\beta_{1,t}` (the spread
        level, an AR(1) around :math:`\mu = c/(1-\alpha)`) and the hedge ratio of each
        regressor. Each panel shows the estimate

        .. math::

            \hat\beta_{j,t} = E[\beta_{j,t} \mid y_{1..s}] \quad\text{and the band}\quad
            \hat\beta_{j,t} \pm b\,\sqrt{P_{jj,t}},

        with :math:`s = n` and :math:`P_t = \operatorname{Var}(\beta_t \mid y_{1..n})`
        for ``"smoothed"``, :math:`s = t` and :math:`P_t = P_{t|t}` for ``"filtered"``, and
        :math:`b` = ``bands`` (the columns of :attr:`hedge_ratios`). Under the Gaussian model
        :math:`b = 2` is a pointwise 95.4% interval *given the parameters*; the uncertainty of
        the estimated parameters is not included.

        Parameters
        ----------
        which : {"smoothed", "filtered"}
            Smoothed (all data, for analysis) or filtered (causal, what a trader knew) states.
        bands : float
            Half-width of the band in standard errors (positive; ``2.0`` by default).
        fig : matplotlib Figure, optional
            An empty figure to draw on (e.g. a bare ``matplotlib.figure.Figure`` for saving
            without pyplot); by default a new pyplot figure.
        skip : int, optional
            Leading observations left out. Default: the diffuse periods and at least one
            observation per state, where the states reflect the initialization rather than
            the data (Chan's zero start pins the first state at 0).

        Returns
        -------
        matplotlib.figure.Figure
            The figure, with one axis per state (``fig.axes`` in state order).

        Raises
        ------
        ImportError
            matplotlib (the ``plot`` extra) is not installed.
        ValueError
            Unknown ``which``, non-positive ``bands``, ``skip`` out of range, or smoothed
            states requested from filter-only results.
        """
        if which not in ("smoothed", "filtered"):
            raise ValueError(f"which must be 'smoothed' or 'filtered', not {which!r}")
        if not (math.isfinite(bands) and bands > 0):
            raise ValueError(f"bands must be a positive number of standard errors, not {bands!r}")
        hr = self.hedge_ratios
        est, se = (hr.smoothed, hr.smoothed_se) if which == "smoothed" else (
            hr.filtered, hr.filtered_se)
        if which == "smoothed" and est.isna().all().all():
            raise ValueError("no smoothed states in these results (they come from filter()); "
                             "use which='filtered' or the model's smooth()")
        if skip is None:
            skip = self._default_skip()
        _check_skip(skip, self.nobs)
        est, se = est.iloc[skip:], se.iloc[skip:]
        names = list(est.columns)
        fig = _new_figure(fig, (9.0, 1.0 + 2.4 * len(names)))
        axes = fig.subplots(len(names), 1, sharex=True, squeeze=False)[:, 0]
        x = est.index
        for i, (ax, name) in enumerate(zip(axes, names, strict=True)):
            m = est[name].to_numpy(float)
            h = bands * se[name].to_numpy(float)
            ax.fill_between(x, m - h, m + h, color="C0", alpha=0.25, linewidth=0,
                            label=f"\u00b1{bands:g} s.e.")
            ax.plot(x, m, color="C0", linewidth=1.0, label=which)
            label = "intercept\n(spread level)" if i == 0 else f"hedge ratio\n{name}"
            ax.set_ylabel(label)
            ax.grid(True, alpha=0.3)
        axes[0].set_title(f"{which.capitalize()} states \u00b1 {bands:g} standard errors")
        axes[0].legend(loc="best", fontsize="small")
        fig.tight_layout()
        return fig

    def plot_spread(self, entry: float = 2.0, exit: float = 0.0, fig: Figure | None = None,
                    *, skip: int | None = None) -> Figure:
        r"""Plot the filtered spread (top) and its z-score with trading thresholds (bottom).

        Top panel: the spread :math:`s_t = y_t - \sum_{j\ge2}\beta_{j,t|t}x_{j,t}`
        (:attr:`spread`) and, when :math:`\alpha < 1`, its long-run mean
        :math:`\mu = c/(1-\alpha)` as a dashed line. Bottom panel:
        the z-score :math:`e_t/\sqrt{Q_t}` (:attr:`zscore`, the standardised one-step
        innovation, N(0, 1) under the model) with horizontal lines at :math:`\pm` ``entry``
        and :math:`\pm` ``exit``.

        Parameters
        ----------
        entry : float
            Entry threshold in z units (lines at ``+entry`` and ``-entry``).
        exit : float
            Exit threshold in z units (lines at ``+exit`` and ``-exit``; one line when 0).
        fig : matplotlib Figure, optional
            An empty figure to draw on; by default a new pyplot figure.
        skip : int, optional
            Leading observations left out; default the diffuse periods and at least one
            observation per state (where the filter still reflects its initialization).

        Returns
        -------
        matplotlib.figure.Figure
            The figure with two axes (spread, z-score).

        Raises
        ------
        ImportError
            matplotlib (the ``plot`` extra) is not installed.
        ValueError
            Non-finite thresholds or ``skip`` out of range.
        """
        if not (math.isfinite(entry) and math.isfinite(exit)):
            raise ValueError(f"entry and exit must be finite, not {entry!r} and {exit!r}")
        if skip is None:
            skip = self._default_skip()
        _check_skip(skip, self.nobs)
        spread = self.spread.iloc[skip:]
        z = self.zscore.iloc[skip:]
        fig = _new_figure(fig, (9.0, 6.0))
        ax1, ax2 = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [3, 2]})
        x = spread.index
        ax1.plot(x, spread.to_numpy(float), color="C0", linewidth=0.8, label="spread $s_t$")
        mu = self.mu
        if math.isfinite(mu):
            ax1.axhline(mu, color="C1", linestyle="--", linewidth=1.0,
                        label=f"long-run mean $\\mu = c/(1-\\alpha)$ = {mu:.4g}")
        ax1.set_ylabel("spread")
        ax1.set_title("Filtered spread and z-score")
        ax1.legend(loc="best", fontsize="small")
        ax1.grid(True, alpha=0.3)
        ax2.plot(x, z.to_numpy(float), color="C0", linewidth=0.6, label="z-score $e_t/\\sqrt{Q_t}$")
        for value in sorted({float(entry), -float(entry)}):
            ax2.axhline(value, color="C3", linestyle="--", linewidth=0.9)
        for value in sorted({float(exit), -float(exit)}):
            ax2.axhline(value, color="grey", linestyle=":", linewidth=0.9)
        ax2.set_ylabel("z-score")
        ax2.set_title(f"entry \u00b1{entry:g} (dashed), exit \u00b1{exit:g} (dotted)",
                      fontsize="small")
        ax2.grid(True, alpha=0.3)
        fig.tight_layout()
        return fig
