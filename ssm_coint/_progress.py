"""Progress of long computations, for whoever listens (the CLI prints it on stderr).

Library code calls :func:`report` with a short description of what it is doing; that is a no-op
unless a listener was installed with :func:`listening`. The CLI installs one that prints, at most
every ``interval`` seconds and only once the command has run for ``delay`` seconds, a line such
as ``ssm-coint: [14 s] MLE full: local fit 23 (spread:noisy), best llf -170.716``. It listens
when stderr is a terminal, or with ``--progress``; never with ``--quiet``.
"""

from __future__ import annotations

import contextlib
import contextvars
import time
from collections.abc import Callable, Iterator

__all__ = ["listening", "report"]

_LISTENER: contextvars.ContextVar[Callable[[str], None] | None] = contextvars.ContextVar(
    "ssm_coint_progress", default=None)


def report(message: str | Callable[[], str], *, now: bool = False) -> None:
    """Tell the listener, if any, what is being done (a callable is formatted only if heard).

    ``now=True`` bypasses the throttling: for a message that announces a long silent step
    (compiling the kernels), which must be seen before the step starts.
    """
    listener = _LISTENER.get()
    if listener is not None:
        listener(message() if callable(message) else message, now)


@contextlib.contextmanager
def listening(write: Callable[[str], None], *, delay: float = 2.0,
              interval: float = 2.0) -> Iterator[None]:
    """Pass progress messages to ``write``, throttled.

    Parameters
    ----------
    write : callable
        Receives ``"[N s] message"`` strings.
    delay : float
        Seconds before the first message (quick commands print nothing).
    interval : float
        Least seconds between two messages.
    """
    start = time.monotonic()
    last = [start + delay - interval]

    def listener(message: str, urgent: bool = False) -> None:
        now = time.monotonic()
        if urgent or now - last[0] >= interval:
            last[0] = now
            write(f"[{now - start:.0f} s] {message}")

    token = _LISTENER.set(listener)
    try:
        yield
    finally:
        _LISTENER.reset(token)
