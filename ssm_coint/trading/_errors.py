"""Typed errors of the trading layer (all are :class:`~ssm_coint.exceptions.SsmCointError`)."""

from __future__ import annotations

from ..exceptions import ModelSpecificationError, OutputExistsError, SsmCointError

__all__ = ["StrategySpecificationError", "ConfigFileError", "OutputExistsError"]


class StrategySpecificationError(ModelSpecificationError):
    """Inconsistent strategy options (thresholds out of order, bad window, unknown sizing)."""


class ConfigFileError(SsmCointError, ValueError):
    """A saved strategy configuration cannot be read (missing file, bad JSON, unknown keys)."""

