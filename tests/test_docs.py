"""Documentation checks: numpydoc docstrings of the public API, CLI reference, strict build."""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import inspect
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
PACKAGES = ["ssm_coint", "ssm_coint.coint", "ssm_coint.data", "ssm_coint.estimation",
            "ssm_coint.models", "ssm_coint.trading"]
_SECTION = re.compile(r"^\s*(Parameters|Returns|Yields)\s*\n\s*-{3,}\s*$", re.MULTILINE)


def _public_names():
    for pkg in PACKAGES:
        mod = importlib.import_module(pkg)
        for name in mod.__all__:
            yield pkg, name, getattr(mod, name)


def _problem(obj) -> str | None:
    doc = inspect.getdoc(obj) if (inspect.isclass(obj) or callable(obj)) else None
    if inspect.isclass(obj):
        return None if obj.__doc__ and obj.__doc__.strip() else "class without a docstring"
    if inspect.isfunction(obj) or inspect.isbuiltin(obj) or inspect.ismethod(obj):
        if not doc:
            return "function without a docstring"
        if not _SECTION.search(doc):
            return "function docstring without a numpydoc Parameters or Returns section"
        return None
    return None  # constants: documented in the module; nothing attached to check


# Public functions whose docstrings (in files this test does not own) still lack a numpydoc
# Parameters/Returns section. Strict xfail: once one is fixed the test fails until the name is
# removed here, so the list can only shrink.
KNOWN_GAPS: set[str] = set()


def _cases():
    for pkg, name, obj in _public_names():
        marks = [pytest.mark.xfail(reason="docstring lacks a numpydoc section", strict=True)] \
            if name in KNOWN_GAPS else []
        yield pytest.param(pkg, name, obj, marks=marks, id=f"{pkg}.{name}")


@pytest.mark.parametrize("pkg,name,obj", list(_cases()))
def test_public_docstring(pkg, name, obj):
    problem = _problem(obj)
    assert problem is None, f"{pkg}.{name}: {problem}"


def test_public_packages_have_module_docstrings():
    for pkg in PACKAGES:
        assert importlib.import_module(pkg).__doc__, pkg


def _cli_hook():
    spec = importlib.util.spec_from_file_location("cli_help", DOCS / "hooks" / "cli_help.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _cli_surface():
    from ssm_coint.cli import build_parser

    parser = build_parser()
    subs = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return {name: sorted({o for act in sub._actions for o in act.option_strings
                          if o.startswith("--")})
            for name, sub in subs.choices.items()}


def test_cli_reference_covers_every_subcommand_and_option():
    hook = _cli_hook()
    source = (DOCS / "cli.md").read_text()
    assert hook.PLACEHOLDER in source
    rendered = hook.on_page_markdown(source)
    surface = _cli_surface()
    assert surface
    for name, options in surface.items():
        assert f"`{name}`" in source, f"cli.md does not name subcommand {name}"
        section = rendered.split(f"## ssm-coint {name}\n", 1)
        assert len(section) == 2, f"no generated section for {name}"
        body = section[1].split("\n## ", 1)[0]
        for opt in options:
            assert re.search(rf"{re.escape(opt)}\b", body), f"{name} {opt} missing"


def test_docs_quote_no_numbers_without_a_command():
    # Prose pages must not carry hand-typed results: floats with 3+ significant decimals are a
    # tell-tale sign. (Parameter defaults such as 1e-4 are written in code spans.)
    for page in DOCS.glob("*.md"):
        text = re.sub(r"`[^`]*`", "", page.read_text())
        text = re.sub(r"```.*?```", "", text, flags=re.DOTALL)
        hits = re.findall(r"(?<![\w.])-?\d+\.\d{3,}\b", text)
        assert not hits, f"{page.name}: {hits}"


def test_mkdocs_build_strict(tmp_path):
    if importlib.util.find_spec("mkdocs") is None or importlib.util.find_spec(
            "mkdocstrings_handlers") is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("mkdocs and mkdocstrings[python] are required in CI (docs extra)")
        pytest.skip("mkdocs / mkdocstrings not installed")
    proc = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-q",
                           "-f", str(ROOT / "mkdocs.yml"), "-d", str(tmp_path / "site")],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert (tmp_path / "site" / "api" / "index.html").exists()
    cli = (tmp_path / "site" / "cli" / "index.html").read_text()
    assert "ssm-coint scan" in cli and "--train-end" in cli
