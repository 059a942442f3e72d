"""The udev backend: the same Inventory as the sysfs backend on every fixture, read by
libudev in a private mount namespace (``tests/udevenv.py``), plus udev's
hardware-database names; and the same ``list --cap pci`` on this machine's ``/sys``."""

from __future__ import annotations

import dataclasses
import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import FIXTURES, REPO, scenarios
from udevenv import run_in_udev_view, udev_ready_copy, unavailable

import nodedev_xml as nx
from nodedev_xml.errors import SysfsError

needs_udev = pytest.mark.skipif(unavailable() is not None, reason=str(unavailable()))

SCAN = """
import nodedev_xml as nx
inv = nx.scan("/", backend="udev")
result = (list(inv.values()), [str(w) for w in inv.warnings])
"""


@needs_udev
@pytest.mark.parametrize("scenario", scenarios())
def test_both_backends_give_the_same_inventory(scenario: str, tmp_path: Path) -> None:
    root = udev_ready_copy(FIXTURES / scenario, tmp_path / "root")
    by_sysfs = nx.scan(str(root))
    assert list(by_sysfs.items()) == list(nx.scan(str(FIXTURES / scenario)).items())
    devices, warnings = run_in_udev_view(root, SCAN)
    assert devices == [_without_by_id(d) for d in by_sysfs.values()]
    assert warnings == [str(w) for w in by_sysfs.warnings]
    assert devices  # every fixture has devices: libudev did see the tree


def _without_by_id(dev: nx.Device) -> nx.Device:
    """The device as the udev view shows it: the view puts the root's ``sys/`` on
    ``/sys`` but not its ``dev/`` on ``/dev``, so no LUN has a by-id link there."""
    if dev.scsi is None or dev.scsi.by_id is None:
        return dev
    caps = tuple(dataclasses.replace(c, by_id=None) if c is dev.scsi else c
                 for c in dev.capabilities)  # fmt: skip
    return dataclasses.replace(dev, capabilities=caps)


@needs_udev
def test_udev_lists_nothing_it_cannot_see(tmp_path: Path) -> None:
    """The check above can fail: without the class devices' uevent files libudev
    lists no fc_host, and the HBAs lose their fc_host capability."""
    root = tmp_path / "raw"
    shutil.copytree(FIXTURES / "qla2xxx", root, symlinks=True)
    devices, _ = run_in_udev_view(root, SCAN)
    assert devices != list(nx.scan(str(root)).values())


@needs_udev
def test_hardware_database_names_where_udev_has_them(tmp_path: Path) -> None:
    root = udev_ready_copy(FIXTURES / "qla2xxx", tmp_path / "root")
    by_sysfs = nx.scan(str(root))
    pci = [d for d in by_sysfs.values() if d.pci is not None and d.pci.vendor_id == 0x1077]
    assert pci, "the fixture has a QLogic function"
    card = pci[0]
    assert card.pci is not None
    db = {f"+pci:{card.pci.address}": {
        "ID_VENDOR_FROM_DATABASE": "QLogic (from hwdb)",
        "ID_MODEL_FROM_DATABASE": "ISP2532 (from hwdb)",
    }}  # fmt: skip
    code = SCAN.replace("result = (", f"xml = nx.to_xml(inv[{card.name!r}])\nresult = (xml, ")
    xml, devices, _ = run_in_udev_view(root, code, udev_data=db)
    assert "<vendor id='0x1077'>QLogic (from hwdb)</vendor>" in xml.replace('"', "'")
    assert "ISP2532 (from hwdb)" in xml
    adapters = [
        c.adapter for d in devices if d.parent_name == card.name and (c := d.scsi_host) is not None
    ]
    assert adapters  # the enriched <adapter> of the card's hosts has the names too
    assert all(a is not None and a.vendor_name == "QLogic (from hwdb)" for a in adapters)

    # The names go by vendor and product id; other cards keep pci.ids' names.
    def others(ds: list[nx.Device]) -> list[nx.Device]:
        return [d for d in ds if d.pci is not None and d.pci.vendor_id != 0x1077]

    assert others(devices) == others(list(by_sysfs.values()))
    assert others(devices)


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "nodedev_xml", *args],
        capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(REPO)},
    )  # fmt: skip


@pytest.mark.skipif(not os.path.isdir("/sys/bus/pci"), reason="this machine has no /sys/bus/pci")
@pytest.mark.skipif(
    importlib.util.find_spec("pyudev") is None,
    reason="pyudev is not installed (pip install pyudev)",
)
def test_list_cap_pci_on_this_machine() -> None:
    by_sysfs = _cli("--root", "/", "list", "--cap", "pci")
    by_udev = _cli("--root", "/", "--backend", "udev", "list", "--cap", "pci")
    assert (by_udev.returncode, by_udev.stdout) == (by_sysfs.returncode, by_sysfs.stdout)
    assert by_udev.returncode == 0


def test_udev_backend_refuses_a_fake_root() -> None:
    with pytest.raises(SysfsError, match="reads only the live host"):
        nx.scan(str(FIXTURES / "mixed"), backend="udev")
    done = _cli("--root", str(FIXTURES / "mixed"), "--backend", "udev", "list")
    assert done.returncode == 2
    assert len(done.stderr.splitlines()) == 1
    assert "the udev backend reads only the live host" in done.stderr


def test_unknown_backend() -> None:
    with pytest.raises(ValueError, match="unknown backend 'hal'"):
        nx.scan("/", backend="hal")


def test_pyudev_is_loaded_only_by_the_udev_backend() -> None:
    code = (
        "import importlib, sys, nodedev_xml as nx\n"
        "m = importlib.import_module('nodedev_xml.cli.main')\n"
        "m.build_parser(); nx.scan('fixtures/sysfs/mixed')\n"
        "assert 'pyudev' not in sys.modules, 'pyudev loaded'\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )  # fmt: skip
    assert (done.returncode, done.stderr) == (0, "")


@pytest.mark.parametrize("command", [["list"], ["watch"]])
def test_no_pyudev_is_one_error_line(command: list[str]) -> None:
    code = (
        "import sys\nsys.modules['pyudev'] = None  # as if it were not installed\n"
        "from nodedev_xml.cli import main\n"
        f"sys.exit(main(['--root', '/', '--backend', 'udev', *{command!r}]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        "nodedev-xml: error: the udev backend needs pyudev (import of pyudev halted; "
        "None in sys.modules); pip install pyudev"
    ]


RESCAN = """
import os
import nodedev_xml as nx
from nodedev_xml.events import rescan
from nodedev_xml.sysfs.access import OSFileAccess

class Recording(OSFileAccess):
    reads = []
    def read(self, path, limit=4096):
        self.reads.append(path)
        return super().read(path, limit)

base = nx.scan("/", backend="udev")
hba = next(d for d in base.values() if d.scsi_host and d.scsi_host.fc_host
           and d.scsi_host.phys_hba is None)
fc = os.path.join(hba.path, "fc_host", f"host{hba.scsi_host.host}", "port_state")
with open(fc, "w") as f:
    f.write("Linkdown\\n")
fs = Recording()
new = rescan(base, frozenset({hba.scsi_host.host}), backend="udev", fs=fs)
again = nx.scan("/", backend="udev")
result = (hba.path, list(new.values()), list(again.values()), list(base.values()), fs.reads)
"""


@needs_udev
def test_a_partial_rescan_through_udev_is_the_full_scan(tmp_path: Path) -> None:
    root = udev_ready_copy(FIXTURES / "qla2xxx", tmp_path / "root")
    hba_path, new, again, base, reads = run_in_udev_view(root, RESCAN)
    assert new == again != base
    assert reads and all(p.startswith(f"{hba_path}/") for p in reads)


@needs_udev
def test_a_luns_disk_through_udev(tmp_path: Path) -> None:
    """The disk under a LUN is found in udev's ``block`` subsystem as in
    ``class/block``: the same enriched LUN from both backends."""
    from nodedev_xml.testing import SysfsBuilder

    built = tmp_path / "built"
    b = SysfsBuilder(built, first_host=5)
    fn = b.add_pci_function("0000:04:00.0", vendor=0x1077, device=0x2532, driver="qla2xxx")
    hba = b.add_fc_host(fn, "qla2xxx", node_name=0x2000001B32A9DA4E, port_name=0x2100001B32A9DA4E)
    rport = b.add_rport(hba, node_name=0x2FF70002AC0123F0, port_name=0x21010002AC0123F0,
                        port_id=0x010400)  # fmt: skip
    b.add_lun(rport, 0, block="sdc")
    b.write_pci_ids()
    root = udev_ready_copy(built, tmp_path / "root")
    by_sysfs = nx.scan(str(root))
    lun = by_sysfs["scsi_5_0_0_0"].scsi
    assert lun is not None and lun.block == "/dev/sdc"
    devices, warnings = run_in_udev_view(root, SCAN)
    assert devices == list(by_sysfs.values())
    assert warnings == []
