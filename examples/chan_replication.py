"""Replicate Chan's Example 3.3 Kalman filter and the Johansen test on EWC/EWA/IGE.

Run: python examples/chan_replication.py [PATH_TO_chan_ewa_ewc_ige.csv]
(defaults to ../shared/data/chan_ewa_ewc_ige.csv next to the repository).
"""

from __future__ import annotations

import sys
from pathlib import Path

import ssm_coint as sc


def main(path: str | None = None) -> dict:
    """Print and return the last-day Kalman states and the Johansen statistics."""
    if path is None:
        path = str(Path(__file__).resolve().parents[1].parent / "shared" / "data"
                   / "chan_ewa_ewc_ige.csv")
    prices = sc.load_prices(path, ["EWC", "EWA", "IGE"])
    chan = sc.chan_filter(prices[["EWC", "EWA"]], delta=1e-4, ve=1e-3)
    last = chan.hedge_ratios.filtered.iloc[-1]
    print("Chan Example 3.3, last-day filtered state:")
    print(last.round(5).to_string())
    joh = sc.johansen(prices, det_order=0, k_ar_diff=1)
    print("\nJohansen EWC/EWA/IGE:")
    print("trace   ", joh.trace_stat.round(3).tolist())
    print("max-eig ", joh.max_eig_stat.round(3).tolist())
    eg = sc.engle_granger(prices["EWC"], prices[["EWA"]])
    print(f"\nEngle-Granger hedge ratio EWC on EWA: {float(eg.hedge_ratio.iloc[0]):.4f}")
    return {"last": last, "johansen": joh, "eg": eg}


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else None)
