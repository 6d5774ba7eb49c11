"""Lazy package exports (PEP 562): public names are imported on first use.

A package ``__init__`` lists its public imports once, under ``if TYPE_CHECKING:`` (so that type
checkers and the API docs see them), and ends with::

    __getattr__, __dir__ = lazy_exports(__name__, __file__)

:func:`lazy_exports` reads those imports from the file's syntax tree, so the names and the modules
that define them are written in one place. ``import ssm_coint`` then costs a few milliseconds, and
``ssm-coint --help`` does not import statsmodels, scipy or the compiled kernels.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import sys
from collections.abc import Callable
from typing import Any

__all__ = ["lazy_exports"]


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _type_checking_imports(package: str, file: str) -> dict[str, tuple[str, str]]:
    """Public name -> (absolute module, attribute) for each ``from M import a as b`` under the
    module's top-level ``if TYPE_CHECKING:``."""
    with open(file, encoding="utf-8") as handle:
        tree = ast.parse(handle.read(), filename=file)
    exports: dict[str, tuple[str, str]] = {}
    for node in tree.body:
        if not (isinstance(node, ast.If) and _is_type_checking(node.test)):
            continue
        for stmt in node.body:
            if not isinstance(stmt, ast.ImportFrom):
                raise TypeError(f"{file}: only 'from ... import ...' belongs under TYPE_CHECKING")
            module = "." * stmt.level + (stmt.module or "")
            absolute = importlib.util.resolve_name(module, package) if stmt.level else module
            for alias in stmt.names:
                exports[alias.asname or alias.name] = (absolute, alias.name)
    return exports


def lazy_exports(
    package: str, file: str
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``__getattr__`` and ``__dir__`` for a package whose exports load on first access.

    Parameters
    ----------
    package : str
        The package's ``__name__``.
    file : str
        The package's ``__file__``; its top-level ``if TYPE_CHECKING:`` block lists the exports.

    Returns
    -------
    (getattr, dir)
        Functions to bind as the module's ``__getattr__`` and ``__dir__``. The first access to a
        name imports its module and stores the value in the package namespace, so later
        accesses are ordinary attribute lookups. A name that is not an export but a submodule
        (``ssm_coint.compare``) is imported too, as an eager ``__init__`` would have done.
    """
    exports = _type_checking_imports(package, file)

    def __getattr__(name: str) -> Any:
        if name in exports:
            module, attribute = exports[name]
            value = getattr(importlib.import_module(module), attribute)
        elif not name.startswith("__") and importlib.util.find_spec(f"{package}.{name}"):
            value = importlib.import_module(f"{package}.{name}")  # a submodule, e.g. .compare
        else:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        setattr(sys.modules[package], name, value)
        return value

    def __dir__() -> list[str]:
        return sorted(set(vars(sys.modules[package])) | set(exports))

    return __getattr__, __dir__
