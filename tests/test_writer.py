"""The writer seam: writes confined to the root's sys/, never through a link."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from nodedev_xml.sysfs.writer import SysfsWriter


@pytest.fixture
def root(tmp_path: Path) -> Path:
    d = tmp_path / "sys" / "devices" / "pci0000:00" / "host5" / "fc_host" / "host5"
    d.mkdir(parents=True)
    (d / "vport_create").write_text("")
    return tmp_path


def _attr(root: Path) -> str:
    return str(root / "sys/devices/pci0000:00/host5/fc_host/host5/vport_create")


def test_writes_the_string_replacing_what_was_there(root: Path) -> None:
    w = SysfsWriter(str(root))
    w.write(_attr(root), "5001a4a3b8f6d125:5001a4a7d2e1c093\n")
    w.write(_attr(root), "ab:cd")
    assert Path(_attr(root)).read_text() == "ab:cd"


@pytest.mark.parametrize(
    "where",
    [
        "/etc/hostname",
        "{root}/sys/../outside",
        "{root}/sys//devices/x",
        "sys/devices/x",
        "{root}/x",
    ],
)
def test_refuses_paths_outside_the_roots_sys(root: Path, where: str) -> None:
    with pytest.raises(OSError) as e:
        SysfsWriter(str(root)).write(where.format(root=root), "x")
    assert e.value.errno == errno.EPERM


def test_refuses_a_symbolic_link_and_leaves_its_target_alone(root: Path, tmp_path: Path) -> None:
    target = tmp_path / "victim"
    target.write_text("keep")
    link = root / "sys/devices/pci0000:00/host5/fc_host/host5/vport_delete"
    os.symlink(target, link)
    with pytest.raises(OSError) as e:
        SysfsWriter(str(root)).write(str(link), "x")
    assert e.value.errno == errno.ELOOP
    assert target.read_text() == "keep"


def test_never_creates_a_missing_attribute(root: Path) -> None:
    missing = root / "sys/devices/pci0000:00/host5/fc_host/host5/vport_delete"
    with pytest.raises(OSError) as e:
        SysfsWriter(str(root)).write(str(missing), "x")
    assert e.value.errno == errno.ENOENT
    assert not missing.exists()
