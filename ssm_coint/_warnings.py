"""Warnings recorded where they arise, never silenced."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["collected_warnings", "summarise"]


@contextmanager
def collected_warnings() -> Iterator[list[str]]:
    """Record the warnings raised inside the block instead of printing them.

    Yields a list that holds, when the block ends, the distinct warning messages in the order
    they were first raised; the caller must put them somewhere a user sees (a result's
    ``warnings``, a table column, a report).
    """
    messages: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            yield messages
        finally:
            for w in caught:
                text = " ".join(str(w.message).split())
                if text not in messages:
                    messages.append(text)


def summarise(messages: list[str], limit: int = 3) -> str:
    """One line: the number of distinct warnings and the first ``limit`` of them."""
    if not messages:
        return ""
    head = "; ".join(messages[:limit])
    more = f" (+{len(messages) - limit} more)" if len(messages) > limit else ""
    return f"{len(messages)} warning(s): {head}{more}"
