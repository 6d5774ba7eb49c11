"""Names, variants and fixed-parameter validation for the hedge-ratio model."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

from ..exceptions import ModelSpecificationError

__all__ = ["VARIANTS", "Variant", "InitializationKind", "parameter_names", "validate_fixed"]

Variant = Literal["full", "mu0", "alpha1"]
InitializationKind = Literal["diffuse", "mixed", "known", "chan", "johansen"]

#: Fixed parameters that define each named variant.
#:
#: * ``full``: alpha and the state intercept c free (spread level is AR(1) around mu = c/(1-alpha)).
#: * ``mu0``: c = 0, alpha free (seed 000's model, E[beta_1] = 0).
#: * ``alpha1``: alpha = 1, c = 0 (Chan's random-walk structure with estimated variances).
#:
#: Nesting: alpha1 is the point (alpha = 1, c = 0) of mu0, which is the slice c = 0 of full.
VARIANTS: dict[str, dict[str, float]] = {
    "full": {},
    "mu0": {"c": 0.0},
    "alpha1": {"alpha": 1.0, "c": 0.0},
}

#: The variant each variant directly nests (used by the nested warm starts).
NESTED_IN: dict[str, str | None] = {"alpha1": None, "mu0": "alpha1", "full": "mu0"}


def parameter_names(state_names: Sequence[str]) -> list[str]:
    """All parameter names, in order: ``alpha, c, sigma2.<state>..., sigma2.obs``."""
    return ["alpha", "c"] + [f"sigma2.{s}" for s in state_names] + ["sigma2.obs"]


def validate_fixed(fixed: Mapping[str, float] | None, names: Sequence[str]) -> dict[str, float]:
    """Check a mapping of fixed parameter values and return a clean copy.

    Raises
    ------
    ModelSpecificationError
        Unknown name, alpha outside [-1, 1], a negative state variance, a non-positive
        observation variance, or every parameter fixed.
    """
    out: dict[str, float] = {}
    for name, value in dict(fixed or {}).items():
        if name not in names:
            raise ModelSpecificationError(
                f"cannot fix unknown parameter {name!r}; parameters are {', '.join(names)}"
            )
        value = float(value)
        if value != value:
            raise ModelSpecificationError(f"fixed value of {name!r} is NaN")
        if name == "alpha" and not -1.0 <= value <= 1.0:
            raise ModelSpecificationError(f"alpha must lie in [-1, 1], got {value}")
        if name == "sigma2.obs" and value <= 0:
            raise ModelSpecificationError(f"sigma2.obs must be positive, got {value}")
        if name.startswith("sigma2.") and value < 0:
            raise ModelSpecificationError(f"{name} must be non-negative, got {value}")
        out[name] = value
    if len(out) == len(names):
        raise ModelSpecificationError("every parameter is fixed; nothing to estimate")
    return out


def variant_fixed(variant: str) -> dict[str, float]:
    """Fixed parameters of a named variant."""
    try:
        return dict(VARIANTS[variant])
    except KeyError:
        raise ModelSpecificationError(
            f"unknown variant {variant!r}; choose one of {', '.join(VARIANTS)}"
        ) from None
