"""``dumpxml --all --output-dir DIR``: files replaced whole, never written through a
link planted in DIR; a DIR that is a file refused; nothing made world-writable."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import FIXTURES

import nodedev_xml as nx
from nodedev_xml.cli import main

MIXED = str(FIXTURES / "mixed")


@pytest.fixture
def umask_000() -> Iterator[None]:
    old = os.umask(0)
    try:
        yield
    finally:
        os.umask(old)


def _dump(folder: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["-q", "--root", MIXED, "dumpxml", "--all", "--output-dir", str(folder)])
    return code, capsys.readouterr().err


def test_a_link_planted_in_the_directory_is_replaced_not_written_through(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder, victim = tmp_path / "out", tmp_path / "victim"
    folder.mkdir()
    victim.write_text("keep\n")
    (folder / "scsi_host3.xml").symlink_to(victim)
    (folder / "scsi_host4.xml").symlink_to(tmp_path / "dangling")  # would be created
    assert _dump(folder, capsys) == (0, "")
    assert victim.read_text() == "keep\n" and not (tmp_path / "dangling").exists()
    inv = nx.scan(MIXED)
    for name in ("scsi_host3", "scsi_host4"):
        written = folder / f"{name}.xml"
        assert not written.is_symlink()
        assert written.read_text() == nx.to_xml(inv[name], "enriched")
    assert sorted(p.name for p in folder.iterdir()) == sorted(f"{n}.xml" for n in inv)


def test_a_file_for_a_directory_is_refused_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plain = tmp_path / "file"
    plain.write_text("keep\n")
    code, err = _dump(plain, capsys)
    assert code == 2
    assert err == (f"nodedev-xml: error: --output-dir {plain}: not a directory "
                   "(see 'nodedev-xml --help')\n")  # fmt: skip
    assert plain.read_text() == "keep\n"


def test_nothing_made_is_world_writable_under_umask_000(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], umask_000: None
) -> None:
    folder = tmp_path / "a" / "b" / "out"
    assert _dump(folder, capsys) == (0, "")
    for made in (tmp_path / "a", tmp_path / "a" / "b", folder, *folder.iterdir()):
        mode = stat.S_IMODE(made.lstat().st_mode)
        assert not mode & (stat.S_IWOTH | stat.S_IWGRP), (made, oct(mode))
