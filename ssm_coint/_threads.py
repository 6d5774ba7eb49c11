"""One BLAS thread for the optimisers' tiny linear algebra.

SciPy >= 1.15's L-BFGS-B calls LAPACK on matrices of the size of the parameter vector (5-7 here)
at every iteration. With a multi-threaded OpenBLAS each such call wakes the BLAS thread pool;
on a 2-core machine that is 1.0 ms against 35 ms a minimisation when the other core is busy
(``validation/benchmarks/bench_mle.py`` measures the effect on the global fit). The optimisers
therefore run inside :func:`single_blas_thread`, which limits BLAS to one thread for their
duration only (via ``threadpoolctl``) and restores the caller's setting afterwards.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

__all__ = ["single_blas_thread"]


@lru_cache(maxsize=1)
def _controller() -> Any:
    import scipy.optimize  # noqa: F401 - load SciPy's BLAS before the controller scans libraries
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


@contextmanager
def single_blas_thread() -> Iterator[None]:
    """Context manager: BLAS limited to one thread inside, the previous limits restored after."""
    with _controller().limit(limits=1, user_api="blas"):
        yield
