"""Containment beneath the root: a directory of a fake root that links out of it (at the
live ``/sys``, say) is never read through, listed or written through.

Each test runs twice: with ``openat2(2)`` resolving beneath the root, and with the
resolved-path check kernels before 5.6 get."""

from __future__ import annotations

import errno
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

import nodedev_xml as nx
from nodedev_xml.cli.main import main
from nodedev_xml.errors import SysfsError
from nodedev_xml.sysfs import beneath
from nodedev_xml.sysfs.access import OSFileAccess
from nodedev_xml.sysfs.writer import SysfsWriter
from nodedev_xml.testing import SysfsBuilder

#: The WWPN the outside copy of the fc_host holds: never to be seen.
OUTSIDE_WWPN = "2100000000000bad"


@pytest.fixture(params=["openat2", "resolved-path check"])
def resolver(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    if request.param == "openat2":
        if not beneath.openat2_available():
            pytest.skip("this kernel has no openat2 (Linux >= 5.6)")
    else:
        monkeypatch.setitem(beneath._state, "openat2", False)
    yield request.param


class Escape:
    """A root whose HBA's ``fc_host`` directory is a link to a copy outside the root."""

    def __init__(self, tmp_path: Path, *, relative: bool = False) -> None:
        self.root = tmp_path / "root"
        b = SysfsBuilder(self.root, first_host=5)
        fn = b.add_pci_function("0000:04:00.0", vendor=0x1077, device=0x2532, driver="qla2xxx")
        hba = b.add_fc_host(fn, "qla2xxx", node_name=0x2000001B32A9DA4E,
                            port_name=0x2100001B32A9DA4E)  # fmt: skip
        self.outside = tmp_path / "outside"
        fc = hba.path / "fc_host"
        shutil.copytree(fc, self.outside, symlinks=True)
        (self.outside / "host5" / "port_name").write_text(f"0x{OUTSIDE_WWPN}\n")
        self.vport_create = self.outside / "host5" / "vport_create"
        self.vport_create.write_text("")
        shutil.rmtree(fc)
        fc.symlink_to(os.path.relpath(self.outside, fc.parent) if relative else self.outside)
        self.attr = hba.path / "fc_host" / "host5" / "vport_create"


@pytest.mark.parametrize("relative", [False, True])
def test_the_scan_reads_nothing_through_a_link_out_of_the_root(
    tmp_path: Path, resolver: str, relative: bool, capsys: pytest.CaptureFixture[str]
) -> None:
    t = Escape(tmp_path, relative=relative)
    inv = nx.scan(str(t.root))
    host = inv["scsi_host5"].scsi_host
    assert host is not None and host.fc_host is None and host.vport_ops is None
    assert [str(w) for w in inv.warnings] == [
        "scsi_host5: fc_host: leads outside the root (a link on the way); not read"
    ]
    for args in (["dumpxml", "--all"], ["list", "--cap", "fc_host"], ["list", "--cap", "vports"],
                 ["list", "--json"]):  # fmt: skip
        assert main(["--root", str(t.root), *args]) == 0
        out = capsys.readouterr().out
        assert OUTSIDE_WWPN not in out and "fc_host" not in out.replace("--cap", ""), args


def test_vhba_create_writes_nothing_outside_the_root(
    tmp_path: Path, resolver: str, capsys: pytest.CaptureFixture[str]
) -> None:
    t = Escape(tmp_path)
    before = t.vport_create.stat()
    code = main(["-q", "--root", str(t.root), "vhba", "create", "--parent", "scsi_host5",
                 "--timeout", "1"])  # fmt: skip
    assert code != 0
    assert capsys.readouterr().err.count("\n") == 1
    assert t.vport_create.read_text() == ""
    assert t.vport_create.stat().st_mtime_ns == before.st_mtime_ns


def test_the_writer_refuses_a_path_that_leads_out_of_the_root(
    tmp_path: Path, resolver: str
) -> None:
    t = Escape(tmp_path)
    with pytest.raises(OSError) as e:
        SysfsWriter(str(t.root)).write(str(t.attr), "5001a4af358296af:5001a4ab461a31ea")
    assert e.value.errno == errno.EXDEV and "outside the root" in str(e.value)
    assert t.vport_create.read_text() == ""


def test_a_sys_that_links_out_of_the_root_is_no_sysfs_root(tmp_path: Path, resolver: str) -> None:
    real = tmp_path / "elsewhere"
    SysfsBuilder(real)
    (tmp_path / "root").mkdir()
    (tmp_path / "root" / "sys").symlink_to(real / "sys")
    with pytest.raises(SysfsError, match="sys/ leads outside the root"):
        nx.scan(str(tmp_path / "root"))


def test_reads_listings_and_links_inside_the_root_are_untouched(
    tmp_path: Path, resolver: str
) -> None:
    """Links that stay inside the root are followed as before (the class links)."""
    t = Escape(tmp_path)
    fs = OSFileAccess(beneath=str(t.root))
    cls = t.root / "sys" / "class" / "scsi_host"
    assert fs.listdir(str(cls)) == ["host5"]
    link = fs.readlink(str(cls / "host5"))
    assert link.startswith("../../devices/")
    assert fs.read(str(cls / "host5" / "unique_id")).strip() == b"5"
    assert fs.exists(str(cls / "host5") + "/")
    assert not fs.exists(str(t.attr.parent) + "/")  # behind the link out
    for outside in (str(t.attr), "/etc/hostname", f"{t.root}/sys/../../outside/host5/port_name"):
        with pytest.raises(OSError) as e:
            fs.read(outside)
        assert e.value.errno == errno.EXDEV, outside


def test_a_root_that_is_not_there_is_still_said_so(tmp_path: Path, resolver: str) -> None:
    for root in (tmp_path / "nonexistent", tmp_path):
        with pytest.raises(SysfsError, match="no sys/ directory here"):
            nx.scan(str(root))
