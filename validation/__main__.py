"""``python -m validation STUDY [--quick] [--workers N] [--out DIR] [--seed S] [--data-dir D]``.

The studies live in :mod:`ssm_coint.studies` (installed with the package, also run by
``ssm-coint validate``); this entry point runs them from a checkout with ``../shared/data``
beside it. The benchmarks of SPEC section 10 are the scripts ``validation/benchmarks/bench_*.py``.
"""

from __future__ import annotations

from ssm_coint.studies import main

if __name__ == "__main__":
    raise SystemExit(main())
