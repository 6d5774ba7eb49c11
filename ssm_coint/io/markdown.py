"""Markdown to standalone HTML for the reports (no dependency).

The reports use a small subset of markdown: ``#`` headings, paragraphs, ``- `` bullet lists,
pipe tables, images ``![alt](file.png)`` on their own line, and inline code and links. With
the ``markdown`` package installed, that renders the page; otherwise this module's own
renderer of the subset does, so the images always appear.
"""

from __future__ import annotations

import html
import re

__all__ = ["markdown_to_html"]

_IMAGE = re.compile(r"^!\[([^\]]*)\]\(([^)]+)\)$")
_LINK = re.compile(r"\[([^\]]+)\]\(([^)]+)\)")
_CODE = re.compile(r"`([^`]+)`")
_STYLE = ("body{font-family:sans-serif;max-width:72em;margin:2em auto;padding:0 1em}"
          "table{border-collapse:collapse;font-size:90%}td,th{border:1px solid #ccc;"
          "padding:2px 6px;text-align:right}img{max-width:100%}")


def _inline(text: str) -> str:
    out = html.escape(text, quote=False)
    out = _CODE.sub(lambda m: f"<code>{m.group(1)}</code>", out)
    return _LINK.sub(lambda m: f'<a href="{m.group(2)}">{m.group(1)}</a>', out)


def _table(rows: list[str]) -> str:
    cells = [[c.strip() for c in r.strip().strip("|").split("|")] for r in rows]
    head, body = cells[0], cells[2:]
    parts = ["<table><thead><tr>", *(f"<th>{_inline(c)}</th>" for c in head), "</tr></thead>",
             "<tbody>"]
    for r in body:
        parts += ["<tr>", *(f"<td>{_inline(c)}</td>" for c in r), "</tr>"]
    parts.append("</tbody></table>")
    return "".join(parts)


def _render_subset(md: str) -> str:
    blocks: list[str] = []
    lines = md.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i].rstrip()
        if not line:
            i += 1
            continue
        if line.startswith("#"):
            level = min(len(line) - len(line.lstrip("#")), 6)
            blocks.append(f"<h{level}>{_inline(line[level:].strip())}</h{level}>")
            i += 1
        elif (m := _IMAGE.match(line)) is not None:
            blocks.append(f'<p><img src="{html.escape(m.group(2))}" '
                          f'alt="{html.escape(m.group(1))}"></p>')
            i += 1
        elif line.startswith("|"):
            j = i
            while j < len(lines) and lines[j].startswith("|"):
                j += 1
            blocks.append(_table(lines[i:j]))
            i = j
        elif line.startswith("- "):
            items = []
            while i < len(lines) and lines[i].startswith("- "):
                items.append(f"<li>{_inline(lines[i][2:])}</li>")
                i += 1
            blocks.append("<ul>" + "".join(items) + "</ul>")
        else:
            para = []
            while i < len(lines) and lines[i].strip() and not lines[i].startswith(("#", "|", "- ")):
                para.append(lines[i].strip())
                i += 1
            blocks.append(f"<p>{_inline(' '.join(para))}</p>")
    return "\n".join(blocks)


def markdown_to_html(md: str, title: str = "ssm_coint report") -> str:
    """A standalone HTML page of ``md`` (the ``markdown`` package if present, else the subset).

    Parameters
    ----------
    md : str
        Markdown text.
    title : str
        The page's ``<title>``.

    Returns
    -------
    str
        ``<!DOCTYPE html>`` document.
    """
    try:
        import markdown  # type: ignore[import-not-found, import-untyped]

        body = markdown.markdown(md, extensions=["tables"])
    except ImportError:
        body = _render_subset(md)
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}"
            f"</title><style>{_STYLE}</style></head><body>\n{body}\n</body></html>\n")
