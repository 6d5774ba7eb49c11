"""Command line: ``ssm-coint`` (also ``python -m ssm_coint``), one module per command.

Parses arguments and calls the API: :mod:`.demo`, :mod:`.fit`, :mod:`.compare`,
:mod:`.trading` (``backtest`` and ``grid``, which share their options), :mod:`.scan`,
:mod:`.validate`. :func:`main` turns errors into one line and an exit status and shows warnings.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import warnings
from collections.abc import Sequence

from ..exceptions import EstimationError, SsmCointError

__all__ = ["main", "build_parser", "run"]


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``ssm-coint``."""
    from . import compare, demo, fit, scan, trading, validate

    p = argparse.ArgumentParser(prog="ssm-coint", description=__doc__)
    p.add_argument("--quiet", action="store_true",
                   help="do not print warnings (they go to stderr, one line each, by default) "
                        "or progress")
    p.add_argument("--progress", action="store_true",
                   help="print progress of long computations on stderr even when it is not a "
                        "terminal (it is printed on a terminal anyway)")
    sub = p.add_subparsers(dest="command", required=True)
    for module in (demo, fit, compare, trading, scan, validate):
        module.register(sub)
    for command in sub.choices.values():  # also accepted after the command name
        command.add_argument("--quiet", action="store_true", default=argparse.SUPPRESS,
                             help="do not print warnings")
    return p


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _show_warnings(caught: list[warnings.WarningMessage]) -> None:
    """Print each distinct warning once, one line each, on stderr."""
    seen: set[str] = set()
    for w in caught:
        line = f"ssm-coint: warning: {_one_line(w.message)}"
        if line not in seen:
            seen.add(line)
            print(line, file=sys.stderr)


def _progress_listener(args: argparse.Namespace) -> contextlib.AbstractContextManager:
    """Progress lines on stderr when it is a terminal or with ``--progress``; not with
    ``--quiet``."""
    from .._progress import listening

    wanted = getattr(args, "progress", False) or sys.stderr.isatty()
    if getattr(args, "quiet", False) or not wanted:
        return contextlib.nullcontext()
    return listening(lambda line: print(f"ssm-coint: {line}", file=sys.stderr, flush=True))


def _linalg_error() -> type[Exception]:
    """numpy's ``LinAlgError`` (imported when an error is being classified, not at start-up)."""
    import numpy as np

    return np.linalg.LinAlgError


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit status.

    0 ok; 2 bad input or usage (:class:`~ssm_coint.exceptions.SsmCointError` other than
    :class:`~ssm_coint.exceptions.EstimationError`, unreadable files, bad values); 1 numerical
    failure (:class:`~ssm_coint.exceptions.EstimationError`, a singular matrix, a floating-point
    error); 130 on Ctrl-C. Every error is one line on stderr, never a traceback. Warnings are
    shown on stderr, one line each and de-duplicated, unless ``--quiet``.
    """
    args = build_parser().parse_args(argv)
    status = 0
    out = None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            with _progress_listener(args):
                out = args.func(args)  # the heavy modules are imported in here, on first use
        except KeyboardInterrupt:
            status = 130
            message = "ssm-coint: interrupted"
        except EstimationError as exc:
            status, message = 1, f"ssm-coint: numerical failure: {_one_line(exc)}"
        except (_linalg_error(), FloatingPointError, ZeroDivisionError) as exc:
            status = 1
            message = f"ssm-coint: numerical failure: {type(exc).__name__}: {_one_line(exc)}"
        except SsmCointError as exc:
            status, message = 2, f"ssm-coint: error: {_one_line(exc)}"
        except (OSError, ValueError) as exc:
            status, message = 2, f"ssm-coint: error: {type(exc).__name__}: {_one_line(exc)}"
    if not getattr(args, "quiet", False) and status != 130:  # an aborted run's warnings are moot
        _show_warnings(caught)
    if status:
        print(message, file=sys.stderr)
        return status
    if getattr(args, "json", False):
        print(json.dumps(out, allow_nan=False, default=str))
    return 0


def run() -> None:
    """The ``ssm-coint`` executable: :func:`main`, then exit with its status.

    After Ctrl-C the process ends at once with status 130 (``os._exit`` once the output is
    flushed). A normal interpreter exit can turn an interrupt that was already handled into a
    death by SIGINT (status -2, seen when the signal lands while an extension module is being
    imported), which would contradict the status 130 that :func:`main` reports.
    """
    status = main()
    if status == 130:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(130)
    sys.exit(status)
