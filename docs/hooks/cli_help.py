"""MkDocs hook: expand ``<!-- cli-reference -->`` into the ``--help`` text of every subcommand.

The CLI reference is generated from :func:`ssm_coint.cli.build_parser` at build time, so it can
never drift from the program. ``tests/test_docs.py`` calls :func:`render_cli_reference` too.
"""

from __future__ import annotations

import argparse
import os

PLACEHOLDER = "<!-- cli-reference -->"


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:  # noqa: SLF001 - argparse has no public accessor
        if isinstance(action, argparse._SubParsersAction):  # noqa: SLF001
            return dict(action.choices)
    return {}


def render_cli_reference() -> str:
    """Return Markdown with the top-level help and one section per subcommand."""
    from ssm_coint.cli import build_parser

    old = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = "100"  # stable wrapping whatever the terminal
    try:
        parser = build_parser()
        parts = ["## ssm-coint", "", "```text", parser.format_help().rstrip(), "```", ""]
        for name, sub in _subparsers(parser).items():
            parts += [f"## ssm-coint {name}", "", "```text", sub.format_help().rstrip(), "```",
                      ""]
    finally:
        if old is None:
            os.environ.pop("COLUMNS", None)
        else:
            os.environ["COLUMNS"] = old
    return "\n".join(parts)


def on_page_markdown(markdown: str, **kwargs: object) -> str:
    """Replace the placeholder on the page that has it (cli.md)."""
    if PLACEHOLDER in markdown:
        markdown = markdown.replace(PLACEHOLDER, render_cli_reference())
    return markdown
