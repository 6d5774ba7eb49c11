"""Price data input: reading files, validating frames and checking designs (SPEC section 9)."""

from typing import TYPE_CHECKING

from .._lazy import lazy_exports

if TYPE_CHECKING:
    from ssm_coint.data._loader import load_prices, load_universe
    from ssm_coint.data._validate import MissingPolicy, check_regressors, validate_prices

__all__ = ["load_prices", "load_universe", "validate_prices", "check_regressors", "MissingPolicy"]

__getattr__, __dir__ = lazy_exports(__name__, __file__)
