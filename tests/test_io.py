"""Output files: atomic writes with the mode the user's umask gives (issue 15)."""

from __future__ import annotations

import os
import stat

import pytest

from ssm_coint.exceptions import OutputExistsError
from ssm_coint.io import write_atomic


@pytest.mark.parametrize("mask", [0o022, 0o027, 0o077])
def test_written_files_follow_the_umask(tmp_path, mask):
    old = os.umask(mask)
    try:
        path = write_atomic(tmp_path / "sub" / "a.json", "{}")
        plain = tmp_path / "plain.txt"
        with open(plain, "w") as fh:  # what an ordinary write gives
            fh.write("x")
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~mask
    assert stat.S_IMODE(path.stat().st_mode) == stat.S_IMODE(plain.stat().st_mode)
    assert path.read_text() == "{}"
    assert not [p for p in path.parent.iterdir() if p.name.endswith(".tmp")]


def test_existing_file_needs_force(tmp_path):
    path = write_atomic(tmp_path / "a.txt", b"one")
    with pytest.raises(OutputExistsError):
        write_atomic(path, b"two")
    write_atomic(path, b"two", force=True)
    assert path.read_bytes() == b"two"


def test_an_output_folder_that_cannot_be_written_is_refused_before_any_work(tmp_path, capsys):
    """A file where the output folder should be: refused by check_writable, and by the CLI
    before the fit starts (the fit is replaced by one that fails the test if called)."""
    from ssm_coint.exceptions import OutputNotWritableError
    from ssm_coint.io import check_writable

    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    with pytest.raises(OutputNotWritableError, match="is a file, not a folder"):
        check_writable([blocker / "out" / "report.md"])
    check_writable([tmp_path / "new" / "deeper" / "report.md"])  # created later: fine
    assert not (tmp_path / "new").exists()
    assert not list(tmp_path.glob(".ssm_coint-probe-*"))


def test_cli_checks_the_output_folder_before_fitting(tmp_path, capsys, monkeypatch):
    import ssm_coint.estimation as estimation
    from ssm_coint.cli import main
    from ssm_coint.simulate import simulate_hedge_model

    def never(*args, **kwargs):
        raise AssertionError("the fit ran although the output folder cannot be written")

    monkeypatch.setattr(estimation, "fit_mle", never)
    data = tmp_path / "p.csv"
    simulate_hedge_model(200, seed=1).prices.to_csv(data)
    blocker = tmp_path / "blocker"
    blocker.write_text("x")
    status = main(["fit", "--data", str(data), "--assets", "Y", "X2", "X3",
                   "--out", str(blocker / "out")])
    err = capsys.readouterr().err.strip().splitlines()
    assert status == 2
    assert len(err) == 1 and err[0].startswith("ssm-coint: error:") and "blocker" in err[0]


def test_a_folder_without_write_permission_is_refused(tmp_path, monkeypatch):
    """The tests may run as root, who can write into a 0o555 folder; the refusal the operating
    system gives other users is simulated where the probe file is created."""
    import tempfile

    from ssm_coint.exceptions import OutputNotWritableError
    from ssm_coint.io import check_writable

    def denied(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", denied)
    with pytest.raises(OutputNotWritableError,
                       match=r"cannot write into .*missing \(it would be created in .*\): "
                             "Permission denied"):
        check_writable([tmp_path / "missing" / "report.md"])
