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
