"""Start-up: lazy package exports, and a ``--help`` that imports nothing heavy.

The choice lists the parser needs live in :mod:`ssm_coint._choices`; these tests check that they
agree with what the modules behind them accept, that every public name of every package still
resolves, and (in a fresh interpreter) that building the whole parser imports none of pandas,
scipy, statsmodels or numba.
"""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

from ssm_coint import _choices

PACKAGES = ["ssm_coint", "ssm_coint.coint", "ssm_coint.data", "ssm_coint.estimation",
            "ssm_coint.models", "ssm_coint.trading"]
HEAVY = ("pandas", "scipy", "statsmodels", "numba", "pykalman", "arviz", "matplotlib")


@pytest.mark.parametrize("package", PACKAGES)
def test_every_public_name_resolves(package):
    mod = importlib.import_module(package)
    for name in mod.__all__:
        assert getattr(mod, name) is not None, (package, name)
        assert name in dir(mod)
    with pytest.raises(AttributeError, match="has no attribute 'no_such_name'"):
        _ = mod.no_such_name


def test_submodules_are_attributes_as_before():
    code = ("import ssm_coint as sc\n"
            "print(sc.compare.compare_methods.__name__, sc.trading.backtest.__name__, "
            "sc.estimation.registry.METHOD_NAMES[0])\n")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["compare_methods", "backtest", "mle"]


def test_choice_lists_agree_with_the_modules_behind_them():
    from ssm_coint.coint import scan_pairs
    from ssm_coint.estimation.registry import METHODS
    from ssm_coint.models import VARIANTS
    from ssm_coint.studies import study_runner
    from ssm_coint.trading import StrategyConfig, StrategySpecificationError

    assert tuple(METHODS) == _choices.METHOD_NAMES
    assert tuple(VARIANTS) == _choices.VARIANT_NAMES
    for signal in _choices.SIGNALS:
        assert StrategyConfig(signal=signal).signal == signal
    with pytest.raises(StrategySpecificationError):
        StrategyConfig(signal="no-such-signal")
    for sizing in _choices.SIZINGS:
        assert StrategyConfig(sizing=sizing).sizing == sizing
    assert scan_pairs.__kwdefaults__["min_obs"] == _choices.DEFAULT_MIN_OBS
    for name in _choices.STUDY_NAMES:
        assert callable(study_runner(name))
    with pytest.raises(ValueError, match="unknown study"):
        study_runner("nope")


def test_help_imports_no_heavy_module():
    code = (
        "import sys\n"
        "from ssm_coint.cli import build_parser\n"
        "p = build_parser()\n"
        "for cmd in ['fit', 'compare', 'backtest', 'grid', 'scan', 'validate', 'demo']:\n"
        "    try:\n"
        "        p.parse_args([cmd, '--help'])\n"
        "    except SystemExit:\n"
        "        pass\n"
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r}))\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip().splitlines()[-1] == "[]"


@pytest.mark.parametrize(("argv", "lines"), [
    (["fit", "--method", "chan"], 10),
    (["backtest", "--signal", "zscore", "--method", "chan", "--window", "45"], 5),
    (["grid", "--windows", "45", "--entry-zs", "2", "--stop-zs", "4", "--stakes", "25",
      "--long-only", "no", "--out", "{tmp}/grid"], 4),
    (["scan", "--assets", "EWC", "EWA", "IGE"], 1),
])
def test_human_readable_output_of_each_command(argv, lines, tmp_path, capsys):
    """Without ``--json`` each command prints its own table (the modules they use for it are
    imported on demand, so this path needs its own test)."""
    from _shared_data import shared_data_path

    from ssm_coint.cli import main

    data = str(shared_data_path("chan_ewa_ewc_ige.csv"))
    args = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    assets = [] if "--assets" in args else ["--assets", "EWC", "EWA"]
    status = main([args[0], "--data", data, *assets, *args[1:]])
    out, err = capsys.readouterr()
    assert status == 0, err
    assert len(out.splitlines()) >= lines and "Traceback" not in err
