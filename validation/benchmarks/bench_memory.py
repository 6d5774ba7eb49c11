"""Benchmark (issue 15): peak memory of ``ssm-coint fit`` on a long generated price file.

Generates a seeded 3-asset CSV (``date,Y,X1,X2``; ``--rows``, default 2,000,000) in a temporary
folder (deleted afterwards, never in the repository), then runs, each as its own subprocess:

1. ``ssm-coint fit --method chan --json`` on all rows;
2. the MLE ``ssm-coint fit --json`` (global search, nested variants) on the first
   ``--mle-rows`` rows (default 200,000): its global search makes ~30,000 likelihood calls,
   so on 2,000,000 rows it takes hours. The search itself is flat in memory (one model, the
   likelihood's O(k^2) state); the peak comes after it, when the results are built;
3. with ``--post-search``, that post-search phase on all rows: the same command with the
   global search replaced by the model's deterministic start parameters for every variant
   (``GlobalSearch.run`` patched inside the child), so everything after the search (nested
   calibrations, Hessians, results, JSON) runs as in a real fit, in minutes.

For each run it reports the peak resident set size of the child (its own ``ru_maxrss``, as
``resource.getrusage(RUSAGE_CHILDREN)`` reports it, read per child with ``os.wait4``) and the
wall time; the target is
at most 1 GB (10^9 bytes) per run. The exit status is 1 when a run fails or misses the target.

Usage::

    python validation/benchmarks/bench_memory.py   # chan at 2M rows, MLE at 200k (~25 min)
    python validation/benchmarks/bench_memory.py --post-search   # ... plus the 2M post-search
    python validation/benchmarks/bench_memory.py --skip-mle   # chan only (~1 min)
    python validation/benchmarks/bench_memory.py --quick   # 200,000 rows for both
    python validation/benchmarks/bench_memory.py --rows 20000 --mle-rows 5000  # a smoke test
    python validation/benchmarks/bench_memory.py --out DIR  # also write bench_memory.json/.md
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

_REPO = Path(__file__).resolve().parents[2]
TARGET_BYTES = 10**9

# The child of --post-search: the CLI with the global search replaced by start parameters.
_POST_SEARCH = """
import sys
import numpy as np
import ssm_coint.estimation._global as G
from ssm_coint.estimation._optimize import LocalFit
from ssm_coint.models._spec import variant_fixed

def run(self, variant):
    base = self.model._start_full()
    for v in ("alpha1", "mu0", "full"):
        full = base.copy()
        for name, value in variant_fixed(v).items():
            full[self.model.all_param_names.index(name)] = value
        fit = LocalFit(full, self.model.fast_loglike(full), True, 1, 1, "start")
        self.stages[v] = G.StageResult(v, fit, [fit])
        if v == variant:
            return self.stages[v]

G.GlobalSearch.run = run
from ssm_coint.cli import main
sys.exit(main(sys.argv[1:]))
"""


def generate(path: Path, rows: int, seed: int = 12345) -> None:
    """Write a seeded 3-asset price file: two log-normal random walks and a y cointegrated
    with them through an AR(1) spread (0.8), daily dates from 1900-01-01."""
    import pandas as pd
    from scipy.signal import lfilter

    rng = np.random.default_rng(seed)
    x1 = 100 * np.exp(np.cumsum(rng.normal(0, 5e-4, rows)))
    x2 = 100 * np.exp(np.cumsum(rng.normal(0, 5e-4, rows)))
    spread = lfilter([1.0], [1.0, -0.8], rng.normal(0, 0.5, rows))
    y = 0.5 * x1 + 0.3 * x2 + spread + 50
    dates = pd.date_range("1900-01-01", periods=rows, freq="D").strftime("%Y-%m-%d")
    pd.DataFrame({"date": dates, "Y": y, "X1": x1, "X2": x2}).to_csv(
        path, index=False, float_format="%.6f")


def measure(cmd: list[str]) -> dict[str, Any]:
    """Run ``cmd``; its peak RSS (bytes, ``ru_maxrss`` of this child alone, from
    ``os.wait4``), wall time and exit status (and the fit's llf and nobs from its JSON)."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, text=True)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    res: dict[str, Any] = {"status": proc.returncode, "wall_s": wall,
                           "peak_rss_bytes": int(usage.ru_maxrss) * 1024}
    if proc.returncode == 0:
        try:
            fit = json.loads(stdout)
            res["llf"] = fit.get("llf")
            res["nobs"] = fit.get("nobs")
        except json.JSONDecodeError:
            pass
    else:
        res["stderr"] = stderr[-2000:]
    return res


def _fit_args(path: Path, *extra: str) -> list[str]:
    return ["fit", "--data", str(path), "--assets", "Y", "X1", "X2", "--json", *extra]


def run(rows: int, mle_rows: int | None, post_search: bool, seed: int) -> list[dict[str, Any]]:
    """Generate the files and run every phase; one row per phase."""
    table = []
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(_REPO), *filter(None, [os.environ.get("PYTHONPATH")])])}
    os.environ.update(env)
    with tempfile.TemporaryDirectory(prefix="bench_memory_") as tmp:
        phases: list[tuple[str, int, list[str]]] = []
        files: dict[int, Path] = {}
        for n in {rows, *([mle_rows] if mle_rows else [])}:
            files[n] = Path(tmp) / f"prices_{n}.csv"
            generate(files[n], n, seed)
        cli = [sys.executable, "-m", "ssm_coint"]
        if mle_rows:
            phases.append(("mle", mle_rows, cli + _fit_args(files[mle_rows])))
        phases.append(("chan", rows, cli + _fit_args(files[rows], "--method", "chan")))
        if post_search:
            phases.append(("mle-post-search", rows,
                           [sys.executable, "-c", _POST_SEARCH, *_fit_args(files[rows])]))
        for name, n, cmd in phases:
            r = measure(cmd)
            r.update(run=name, rows=n, file_bytes=files[n].stat().st_size)
            table.append(r)
    return table


def render(table: list[dict[str, Any]]) -> str:
    lines = ["| run | rows | file MB | peak RSS MB | peak RSS MiB | wall s | <= 1 GB |",
             "|---|---:|---:|---:|---:|---:|:---:|"]
    for r in table:
        peak = r["peak_rss_bytes"]
        ok = r["status"] == 0 and peak is not None and peak <= TARGET_BYTES
        lines.append(
            f"| {r['run']} | {r['rows']:,} | {r['file_bytes'] / 1e6:.1f} | "
            f"{'?' if peak is None else f'{peak / 1e6:.0f}'} | "
            f"{'?' if peak is None else f'{peak / 2**20:.0f}'} | {r['wall_s']:.1f} | "
            f"{'yes' if ok else 'NO'} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=None,
                    help="rows of the chan (and --post-search) file (default 2,000,000)")
    ap.add_argument("--mle-rows", type=int, default=None,
                    help="rows of the full MLE run (default 200,000; the MLE on 2M rows "
                         "takes hours)")
    ap.add_argument("--skip-mle", action="store_true", help="no full MLE run")
    ap.add_argument("--post-search", action="store_true",
                    help="also the MLE's post-search phase on --rows rows (search skipped)")
    ap.add_argument("--quick", action="store_true", help="200,000 rows for every run")
    ap.add_argument("--seed", type=int, default=12345)
    ap.add_argument("--out", type=Path, default=None, help="directory for json/md")
    ap.add_argument("--json", action="store_true", help="print the result as JSON")
    args = ap.parse_args(argv)
    rows = args.rows or (200_000 if args.quick else 2_000_000)
    mle_rows = None if args.skip_mle else (args.mle_rows or min(rows, 200_000))
    table = run(rows, mle_rows, args.post_search, args.seed)
    text = render(table)
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "bench_memory.json").write_text(json.dumps(table, indent=2))
        (args.out / "bench_memory.md").write_text(text + "\n")
    print(json.dumps(table, indent=2) if args.json else text)
    for r in table:
        if r["status"] != 0:
            print(f"{r['run']} failed:\n{r.get('stderr', '')}", file=sys.stderr)
    bad = [r for r in table if r["status"] != 0 or r["peak_rss_bytes"] is None
           or r["peak_rss_bytes"] > TARGET_BYTES]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
