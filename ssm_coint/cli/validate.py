"""``ssm-coint validate``: the validation studies of SPEC section 7 (:mod:`ssm_coint.studies`)."""

from __future__ import annotations

import argparse
from typing import Any


def cmd_validate(args: argparse.Namespace) -> dict[str, Any]:
    from ..studies import run_studies

    report = run_studies(args.study, out=args.out, quick=args.quick, workers=args.workers,
                         seed=args.seed, data_dir=args.data_dir, reps=args.reps, force=args.force)
    if not args.json:
        print(f"wrote {report}")
    return {"report": str(report), "study": args.study, "quick": bool(args.quick)}


def register(subparsers: Any) -> None:
    """Add the ``validate`` subcommand."""
    from ..studies import add_arguments

    v = subparsers.add_parser("validate", help="run the validation studies and write a report")
    add_arguments(v)
    v.add_argument("--json", action="store_true", help="print the report path as JSON")
    v.set_defaults(func=cmd_validate)
