"""``python -m validation STUDY [--quick] [--workers N] [--out DIR] [--seed S] [--data-dir D]``."""

from __future__ import annotations

import argparse
import html
import sys
import time
from pathlib import Path

from . import replication, studies
from .common import DEFAULT_DATA_DIR

STUDIES = {
    "replication": replication.run,
    "stationarity": studies.stationarity,
    "recovery": studies.recovery,
    "lrtest": studies.lrtest,
    "agreement": studies.agreement,
}


def _to_html(md: str) -> str:
    try:
        import markdown  # type: ignore[import-not-found]

        body = markdown.markdown(md, extensions=["tables"])
    except ImportError:
        body = f"<pre>{html.escape(md)}</pre>"
    return f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>ssm_coint validation</title>" \
           f"</head><body>{body}</body></html>\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m validation", description=__doc__)
    ap.add_argument("study", choices=[*STUDIES, "all"])
    ap.add_argument("--quick", action="store_true", help="small, fast settings (CI)")
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--out", type=Path, default=Path("validation_out"))
    ap.add_argument("--seed", type=int, default=20260101)
    ap.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    a = ap.parse_args(argv)
    if not (a.data_dir / "chan_ewa_ewc_ige.csv").exists():
        print(f"error: data folder {a.data_dir} lacks chan_ewa_ewc_ige.csv", file=sys.stderr)
        return 2
    a.out.mkdir(parents=True, exist_ok=True)
    names = list(STUDIES) if a.study == "all" else [a.study]
    sections, timings = [], []
    for name in names:
        t0 = time.perf_counter()
        sec = STUDIES[name](a.out, a.data_dir, quick=a.quick, workers=a.workers, seed=a.seed)
        timings.append((name, time.perf_counter() - t0))
        (a.out / f"{name}.md").write_text(sec)
        sections.append(sec)
    head = ["# ssm_coint validation report", "",
            f"Mode: {'quick' if a.quick else 'full'}; seed {a.seed}; workers {a.workers}. "
            "Run times: " + ", ".join(f"{n} {t:.1f} s" for n, t in timings) + ".", ""]
    md = "\n".join(head + sections)
    report = a.out / ("report.md" if a.study == "all" else f"report_{a.study}.md")
    report.write_text(md)
    report.with_suffix(".html").write_text(_to_html(md))
    print(f"wrote {report}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
