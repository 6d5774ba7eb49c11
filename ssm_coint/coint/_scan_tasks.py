"""Per-pair and per-basket work of the scans, serial or over worker processes.

Every linear-algebra call of a scan is small (at most a few thousand rows by 24 columns); a
multithreaded BLAS spends far longer synchronising its threads than computing, so the work runs
with one BLAS thread (``threadpoolctl``), in the caller for ``workers=1`` (restored afterwards)
and for the whole life of each worker process otherwise. Results come back in task order,
whatever the number of workers.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import numpy as np
import pandas as pd
from statsmodels.tsa.vector_ar.vecm import coint_johansen
from threadpoolctl import threadpool_limits

from ssm_coint._threads import single_blas_thread
from ssm_coint._warnings import collected_warnings, summarise
from ssm_coint.coint._engle_granger import pair_test as _engle_granger
from ssm_coint.coint._half_life import half_life
from ssm_coint.coint._scan_table import _FAILURE_COLUMNS, _SIGNIF_COLUMN, _json_value
from ssm_coint.exceptions import (
    CollinearAssetsError,
    ConstantSeriesError,
    InsufficientDataError,
    MissingValueError,
    ModelSpecificationError,
)

# ---------------------------------------------------------------------------------------------
# Per-pair / per-basket work (runs in worker processes)
# ---------------------------------------------------------------------------------------------

_STATE: dict[str, Any] = {}


def _init_worker(values: np.ndarray, index: pd.Index, columns: list[str],
                 opts: dict[str, Any], single_thread: bool = False) -> None:
    _STATE.update(values=values, index=index, columns=columns, opts=opts)
    if single_thread:  # worker processes keep one BLAS thread for their whole life
        threadpool_limits(limits=1, user_api="blas")


def _overlap(cols: Sequence[int]) -> tuple[np.ndarray, int, int]:
    """Rows where every price of ``cols`` is present; count of rows dropped inside the span."""
    sub = _STATE["values"][:, list(cols)]
    present = ~np.isnan(sub).any(axis=1)
    rows = np.flatnonzero(present)
    n_gaps = int(rows[-1] - rows[0] + 1 - rows.size) if rows.size else 0
    if rows.size and not np.isfinite(sub[rows]).all():
        r, c = np.argwhere(~np.isfinite(sub[rows]))[0]
        name = _STATE["columns"][cols[c]]
        raise MissingValueError(
            f"'{name}' is {sub[rows[r], c]} at {_json_value(_STATE['index'][rows[r]])}"
        )
    return rows, n_gaps, int(rows.size)


def _check_length(n: int, names: Sequence[str]) -> None:
    min_obs = _STATE["opts"]["min_obs"]
    if n < min_obs:
        raise InsufficientDataError(
            f"{'/'.join(names)} share {n} observations; at least {min_obs} are needed"
        )


def _pair(i: int, j: int) -> dict[str, Any]:
    columns: list[str] = _STATE["columns"]
    opts = _STATE["opts"]
    engine = opts["engine"]
    a, b = columns[i], columns[j]
    n = 0
    try:
        with collected_warnings() as caught:
            rows, n_gaps, n = _overlap((i, j))
            _check_length(n, (a, b))
            v1, v2 = _STATE["values"][rows, i], _STATE["values"][rows, j]
            for name, v in ((a, v1), (b, v2)):
                if np.all(v == v[0]):
                    raise ConstantSeriesError(f"'{name}' is constant ({v[0]!r}) on the overlap")
            fwd = _engle_granger(v1, v2, engine)
            rev = _engle_granger(v2, v1, engine)
            swapped = opts["direction"] == "min" and rev["pvalue"] < fwd["pvalue"]
            res, p_other = (rev, fwd["pvalue"]) if swapped else (fwd, rev["pvalue"])
            hl = half_life(res["resid"], errors="coerce").half_life
            corr = float(np.corrcoef(v1, v2)[0, 1])
    except Exception as exc:  # any failure of one pair is reported, never fatal
        return {"failure": True, "assets": (a, b), "error": type(exc).__name__,
                "reason": f"{a}/{b}: {exc}", "n_obs": n}
    warned = summarise(caught)
    index = _STATE["index"]
    crit = res["crit"]
    return {
        "failure": False,
        "asset_1": b if swapped else a,
        "asset_2": a if swapped else b,
        "corr": corr,
        "pvalue": res["pvalue"],
        "coint_t": res["stat"],
        "crit_1pct": float(crit[0]),
        "crit_5pct": float(crit[1]),
        "crit_10pct": float(crit[2]),
        "hedge_ratio": res["hedge_ratio"],
        "intercept": res["intercept"],
        "n_obs": n,
        "pvalue_reverse": p_other,
        "half_life": hl,
        "swapped": bool(swapped),
        "start": index[rows[0]],
        "end": index[rows[-1]],
        "n_gaps": n_gaps,
        "warnings": warned,
    }


def _basket(cols: tuple[int, ...]) -> dict[str, Any]:
    columns: list[str] = _STATE["columns"]
    opts = _STATE["opts"]
    names = tuple(columns[c] for c in cols)
    n = 0
    try:
        with collected_warnings() as caught:
            rows, n_gaps, n = _overlap(cols)
            _check_length(n, names)
            values = _STATE["values"][np.ix_(rows, list(cols))]
            for c, name in enumerate(names):
                if np.all(values[:, c] == values[0, c]):
                    raise ConstantSeriesError(f"'{name}' is constant on the overlap")
            centred = values - values.mean(axis=0)
            if np.linalg.matrix_rank(centred) < len(cols):
                raise CollinearAssetsError(f"{'/'.join(names)} are linearly dependent")
            res = coint_johansen(values, opts["det_order"], opts["k_ar_diff"])
            level = _SIGNIF_COLUMN[opts["signif"]]
            k = list(_SIGNIF_COLUMN.values()).index(level)
            trace, max_eig = np.asarray(res.lr1, float), np.asarray(res.lr2, float)
            cvt, cvm = np.asarray(res.cvt, float)[:, k], np.asarray(res.cvm, float)[:, k]
            rank_trace = int(np.argmin(np.append(trace > cvt, False)))
            w = np.asarray(res.evec, float)[:, 0]
            portfolio = values @ w
            hl = half_life(portfolio, errors="coerce").half_life
    except Exception as exc:  # any failure of one basket is reported, never fatal
        return {"failure": True, "assets": names, "error": type(exc).__name__,
                "reason": str(exc), "n_obs": n}
    warned = summarise(caught)
    index = _STATE["index"][rows]
    return {
        "failure": False,
        "assets": names,
        "trace_stat": float(trace[0]),
        "trace_crit": float(cvt[0]),
        "trace_ratio": float(trace[0] / cvt[0]),
        "max_eig_stat": float(max_eig[0]),
        "max_eig_crit": float(cvm[0]),
        "max_eig_ratio": float(max_eig[0] / cvm[0]),
        "rank_trace": rank_trace,
        "eigenvalue": float(np.asarray(res.eig, float)[0]),
        "weights": tuple(float(v) for v in w / w[0]),
        "half_life": hl,
        "n_obs": n,
        "start": index[0],
        "end": index[-1],
        "n_gaps": n_gaps,
        "warnings": warned,
    }


def _run_chunk(chunk: list[tuple[int, ...]]) -> list[dict[str, Any]]:
    func = _pair if _STATE["opts"]["kind"] == "pairs" else _basket
    if _STATE["opts"]["kind"] == "pairs":
        return [func(*task) for task in chunk]
    return [func(task) for task in chunk]


def _chunks(tasks: list[tuple[int, ...]], n: int) -> list[list[tuple[int, ...]]]:
    size = max(1, math.ceil(len(tasks) / n))
    return [tasks[k : k + size] for k in range(0, len(tasks), size)]


def _execute(frame: pd.DataFrame, tasks: list[tuple[int, ...]], opts: dict[str, Any],
             workers: int, progress: Callable[[int, int], None] | None) -> list[dict[str, Any]]:
    """Run the tasks serially or over processes; results come back in task order."""
    values = np.ascontiguousarray(frame.to_numpy(dtype=float))
    args = (values, frame.index, list(frame.columns), opts)
    # serial: chunks of about 50 tasks (progress granularity); parallel: 8 chunks per worker
    n_chunks = math.ceil(len(tasks) / 50) if workers == 1 else workers * 8
    chunks = _chunks(tasks, max(n_chunks, 1)) if tasks else []
    out: list[dict[str, Any]] = []
    done = 0
    if workers == 1 or len(chunks) <= 1:
        saved = dict(_STATE)
        try:
            with single_blas_thread():
                _init_worker(*args)
                for chunk in chunks:
                    out.extend(_run_chunk(chunk))
                    done += len(chunk)
                    if progress is not None:
                        progress(done, len(tasks))
        finally:
            _STATE.clear()
            _STATE.update(saved)
        return out
    with ProcessPoolExecutor(max_workers=workers, initializer=_init_worker,
                             initargs=(*args, True)) as pool:
        for chunk, res in zip(chunks, pool.map(_run_chunk, chunks), strict=True):
            out.extend(res)
            done += len(chunk)
            if progress is not None:
                progress(done, len(tasks))
    return out


def _split(records: Iterable[dict[str, Any]], columns: list[str]) -> tuple[pd.DataFrame,
                                                                             pd.DataFrame]:
    ok, bad = [], []
    for rec in records:
        (bad if rec.pop("failure") else ok).append(rec)
    table = pd.DataFrame(ok, columns=columns)
    failures = pd.DataFrame(bad, columns=_FAILURE_COLUMNS)
    failures["n_obs"] = failures["n_obs"].astype("int64")
    return table, failures


def _check_sort(sort_by: str, allowed: tuple[str, ...]) -> None:
    if sort_by not in allowed:
        raise ModelSpecificationError(
            f"sort_by must be one of {', '.join(allowed)}; got {sort_by!r}"
        )


