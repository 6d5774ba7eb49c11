"""Compile the numba kernels ahead of use: ``python -m ssm_coint._warmup [PART ...]``.

numba compiles each kernel the first time it is called with a new combination of argument
types and caches the machine code on disk (see :mod:`ssm_coint._jit`); a fresh install pays
several seconds per kernel on its first fit (the CLI announces it with ``--progress``).
``make warmup`` runs this module in two processes (the parts share few kernels), so that every
later process loads the cached code. It is not part of ``make test``: in a fresh clone it added
about 40 s and the test workers did not get faster.

Parts: ``filter`` (the likelihood, filter and smoother paths of the model, Chan's filter, the
MLE's local fit), ``em`` (EM's E- and M-steps and score), ``adaptive`` (seed 000's recipe).
Calling a kernel that is already cached only loads it, so running this twice is cheap.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence

__all__ = ["PARTS", "warm_up"]


def _prices():
    from .simulate import simulate_hedge_model

    return simulate_hedge_model(80, seed=0).prices


def _filter() -> None:
    from .estimation import chan_filter, hedge_model
    from .estimation._optimize import Objective

    prices = _prices()
    for init in ("diffuse", "chan"):
        model = hedge_model(prices, variant="full", initialization=init)
        full = model.full_from_free(model.start_params)
        model.fast_loglike(full)
        model.core_filter(full)
        model.core_smoother(full)
        model.smooth(model.start_params, cov_type="none").smoothed_state  # noqa: B018
    chan_filter(prices)
    model = hedge_model(prices, variant="alpha1")
    start = model.full_from_free(model.start_params)
    Objective(model, list(model.param_names), start).maximize(start, "warm-up", rounds=1,
                                                             maxiter=2)


def _em() -> None:
    from .estimation import fit_em

    fit_em(_prices(), "full", max_iter=2)


def _adaptive() -> None:
    from .estimation import fit_adaptive

    fit_adaptive(_prices(), passes=2)


#: Part name -> function that calls the part's kernels once on a small simulated data set.
PARTS: dict[str, Callable[[], None]] = {"filter": _filter, "em": _em, "adaptive": _adaptive}


def warm_up(parts: Sequence[str] = tuple(PARTS)) -> None:
    """Call the kernels of ``parts`` once (compiling and caching them if needed).

    Raises
    ------
    ValueError
        An unknown part.
    """
    unknown = [p for p in parts if p not in PARTS]
    if unknown:
        raise ValueError(f"unknown warm-up part(s) {unknown}; choose from {list(PARTS)}")
    for part in parts:
        PARTS[part]()


if __name__ == "__main__":
    warm_up(sys.argv[1:] or tuple(PARTS))
