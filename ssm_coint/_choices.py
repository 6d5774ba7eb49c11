"""Names and defaults that the command line offers, in a module that imports nothing heavy.

``ssm-coint --help`` builds every subcommand's parser, so the choice lists must be importable
without pandas, statsmodels or the compiled kernels. Each list is defined here once and imported
by the module it belongs to (the registry, the strategy, the backtest, the grid, the scan, the
studies); ``tests/test_cli_startup.py`` checks that they agree with what those modules accept.
"""

from __future__ import annotations

from typing import Any

__all__ = ["DEFAULT_MIN_OBS", "METHOD_NAMES", "SEED002_GRID", "SIGNALS", "SIZINGS",
           "STUDY_DATA_ENV", "STUDY_NAMES", "VARIANT_NAMES"]

#: Calibration methods of :data:`ssm_coint.estimation.registry.METHODS`, in registry order.
METHOD_NAMES: tuple[str, ...] = ("mle", "em", "adaptive", "pykalman-em", "chan")

#: Model variants (:data:`ssm_coint.models.VARIANTS`).
VARIANT_NAMES: tuple[str, ...] = ("full", "mu0", "alpha1")

#: Trading signals of :class:`ssm_coint.trading.StrategyConfig`.
SIGNALS: tuple[str, ...] = ("chan-bands", "zscore", "johansen-mr")

#: Position sizing rules of :func:`ssm_coint.trading.backtest`.
SIZINGS: tuple[str, ...] = ("gross", "shares", "dollars")

#: Default minimum overlapping observations of a pair in a scan.
DEFAULT_MIN_OBS = 100

#: Seed 002's parameter grid (72 configurations).
SEED002_GRID: dict[str, list[Any]] = {
    "window": [45, 60, 90],
    "entry_z": [2.0, 2.5],
    "exit_z": [0.5],
    "stop_z": [3.5, 4.0],
    "stake": [25, 50, 75],
    "long_only": [False, True],
}

#: Environment variable naming the shared data folder of the validation studies.
STUDY_DATA_ENV = "SSM_COINT_SHARED_DATA"

#: Validation studies, in the order ``all`` runs them.
STUDY_NAMES: tuple[str, ...] = ("replication", "stationarity", "casestudy", "recovery", "lrtest",
                                "agreement")
