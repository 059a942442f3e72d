"""``--connect`` to libvirt's own node-device driver serving a fake root equals the
sysfs scan of the same root, for every field libvirt carries.

libvirtd runs on each root of ``tests/test_libvirt_oracle.py`` (:func:`oracle.serve_libvirtd`:
its node-device driver only, the root bind-mounted on ``/sys`` in a private
mount namespace) and nodedev-xml connects to its socket like any client.  The
connection's Inventory must equal the sysfs scan's with the fields only sysfs
knows taken out (:func:`nodedev_xml.connection.fields.as_libvirt_sees`), the
enrichment from the parent links (``vports``, ``phys_hba``) and ``computer``
included; PCI
functions named from the system's pci.ids (libvirt's), an IOMMU group's members
in address order (libvirt lists them in directory order).  ``list``, ``list
--tree`` and ``list --cap`` print the same through either source.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from oracle import serve_libvirtd, unavailable
from test_libvirt_oracle import ROOTS, SYSTEM_PCI_IDS, _root

import nodedev_xml as nx
from nodedev_xml.cli.main import main
from nodedev_xml.connection.fields import as_libvirt_sees
from nodedev_xml.model import PCI, Device, IOMMUGroup
from nodedev_xml.sysfs.pciids import PCIIds
from nodedev_xml.sysfs.scan import scan
from nodedev_xml.testing import SysfsBuilder
from nodedev_xml.vocabulary import LIST_CAPS

pytestmark = pytest.mark.skipif(unavailable() is not None, reason=str(unavailable()))


@pytest.fixture(scope="module")
def built_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("connect-oracle-roots")


def _sorted_groups(dev: Device) -> Device:
    caps = []
    for cap in dev.capabilities:
        if isinstance(cap, PCI) and cap.iommu_group is not None:
            group = cap.iommu_group
            cap = dataclasses.replace(
                cap,
                iommu_group=IOMMUGroup(
                    group.number,
                    tuple(
                        sorted(group.addresses, key=lambda a: (a.domain, a.bus, a.slot, a.function))
                    ),
                ),
            )
        caps.append(cap)
    return dataclasses.replace(dev, capabilities=tuple(caps))


def _out(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    assert main(["-q", *args]) == 0, args
    return capsys.readouterr().out


@pytest.mark.parametrize("name", ROOTS)
def test_connect_equals_the_sysfs_scan(
    name: str, built_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _root(name, built_dir)
    ours = scan(str(root), pci_ids=PCIIds(SYSTEM_PCI_IDS))
    with serve_libvirtd(root) as uri:
        theirs = nx.scan(connect=uri)
        assert theirs.root == uri
        assert list(theirs) == list(ours)  # the same devices, in the scan's order
        assert theirs.computer == ours.computer
        for n, dev in ours.items():
            assert _sorted_groups(theirs[n]) == _sorted_groups(as_libvirt_sees(dev)), n
        for args in (("list",), ("list", "--tree"), *(("list", "--cap", cap) for cap in LIST_CAPS)):
            assert _out(capsys, "--connect", uri, *args) == _out(
                capsys, "--root", str(root), *args
            ), args
        scsi = [n for n in ours if n.startswith("scsi_")]
        if scsi:
            printed = _out(capsys, "--connect", uri, "dumpxml", *scsi)
            assert printed == "".join(nx.to_xml(as_libvirt_sees(ours[n])) for n in scsi)


def test_libvirtd_creates_and_destroys_a_vhba_on_a_fake_root(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``vhba create --connect``: nodedev-xml checks the parent and names from
    libvirtd's documents, libvirtd writes ``vport_create`` (the kernel emulator
    answers and makes the vport, the vHBA and its class devices) and hears the
    uevents; the vHBA is then listed through both sources alike.  ``vhba delete
    --connect``: libvirtd writes ``vport_delete`` and hears the removals."""
    from oracle import serve_libvirtd_with_kernel
    from vhba_trees import build_san

    root = tmp_path / "root"
    build_san(root)
    with serve_libvirtd_with_kernel(root) as (uri, work):
        code = main(["--connect", uri, "vhba", "create", "--wwnn", "5001a4a0000000a1",
                     "--wwpn", "5001a4a0000000a2", "--timeout", "30"])  # fmt: skip
        out, err = capsys.readouterr()
        assert (code, out, err) == (0, "scsi_host10\n", ""), (
            err,
            (work / "libvirtd.log").read_text(),
        )
        # the first usable parent: host8 (host5 is off the fabric, host6 full by its vport_ops)
        assert (
            (work / "emulator.log")
            .read_text()
            .splitlines()[1]
            .endswith("host8/vport_create '5001a4a0000000a2:5001a4a0000000a1' -> ok")
        )
        assert [line.split()[:2] for line in (work / "uevents").read_text().splitlines()] == [
            ["add", "fc_vports"],
            ["add", "scsi"],
            ["add", "scsi_host"],
            ["add", "fc_host"],
        ]
        ours = scan(str(root), pci_ids=PCIIds(SYSTEM_PCI_IDS))
        theirs = nx.scan(connect=uri)
        for n in ("scsi_host8", "scsi_host10"):
            assert theirs[n] == as_libvirt_sees(ours[n]), n
        code = main(["--connect", uri, "vhba", "delete", "scsi_host10"])
        assert code == 0 and capsys.readouterr().err == ""
        assert "scsi_host10" not in nx.scan(connect=uri)
        assert _gone(root, "scsi_host10")


def test_watch_hears_libvirtds_events(tmp_path: Path) -> None:
    """``watch --connect``: libvirtd's node-device driver turns the uevents of a new
    vHBA into lifecycle and update events, and the watch reports the vHBA and its
    HBA's changes from them (no polling: it waits on the events)."""
    import contextlib
    import queue
    import subprocess
    import sys
    import threading
    import time

    from oracle import serve_libvirtd_with_kernel
    from vhba_trees import build_san

    from nodedev_xml.connection.session import open_connection
    from nodedev_xml.connection.vhbas import create_vhba
    from nodedev_xml.model import CreateRequest, Parent

    root = tmp_path / "root"
    build_san(root)
    with serve_libvirtd_with_kernel(root) as (uri, _):
        watcher = subprocess.Popen(
            [sys.executable, "-m", "nodedev_xml", "--connect", uri, "watch"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        try:
            time.sleep(2)  # its first scan, the baseline
            conn = open_connection(uri)
            made = create_vhba(conn, CreateRequest(Parent(name="scsi_host8")), timeout=30)
            conn.close()
            heard: queue.Queue[str] = queue.Queue()
            assert watcher.stdout is not None
            out = watcher.stdout
            threading.Thread(target=lambda: [heard.put(x) for x in out], daemon=True).start()
            lines: list[str] = []
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline and f"added {made.name}" not in lines:
                with contextlib.suppress(queue.Empty):
                    lines.append(heard.get(timeout=0.5).rstrip("\n"))
        finally:
            watcher.terminate()
            watcher.wait(10)
        assert f"added {made.name}" in lines, lines
        assert any(line.startswith("changed scsi_host8:") and f"vports +{made.name}" in line
                   for line in lines), lines  # fmt: skip


def _gone(root: Path, name: str) -> bool:
    """Whether ``name`` leaves the sysfs scan of ``root`` within 10 s: the emulator
    removes a vport a moment after the ``vport_delete`` write (and after the remove
    uevents), where the kernel has removed it when the write returns."""
    import time

    deadline = time.monotonic() + 10
    while name in scan(str(root)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return name not in scan(str(root))


def _one_hba(root: Path, n: int) -> None:
    b = SysfsBuilder(root, first_host=3)
    fn = b.add_pci_function("0000:06:00.0", vendor=0x1077, device=0x2532, parent="0000:00:03.0",
                            driver="qla2xxx")  # fmt: skip
    b.add_fc_host(fn, "qla2xxx", node_name=0x2000001B32A9D000 + n,
                  port_name=0x2100001B32A9D000 + n)  # fmt: skip


GUEST_POOL = """<pool type='scsi'><name>guest1-npiv</name>
<uuid>c1b2a3d4-0000-4000-8000-00000000abcd</uuid>
<source><adapter type='fc_host' parent='scsi_host3' managed='yes' wwnn='5001a4a000000011'
 wwpn='5001a4a000000012'/></source><target><path>/dev/disk/by-path</path></target></pool>"""


def test_migration_between_two_libvirtds(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Two hosts, each libvirtd (node-device, storage and qemu drivers) on a fake root
    of its own, every vport write served by that root's kernel emulator: A's pool
    made its vHBA; ``vhba migrate`` starts and defines the same pool on B, where
    libvirt makes B's vport with new names on B's HBA; ``--finish`` destroys and
    undefines A's pool, and libvirt deletes A's vport."""
    import libvirt
    from oracle import serve_libvirtd_with_kernel

    from nodedev_xml.connection.session import open_connection

    root_a, root_b = tmp_path / "a", tmp_path / "b"
    _one_hba(root_a, 1)
    _one_hba(root_b, 2)
    with serve_libvirtd_with_kernel(root_a, storage=True) as (a_uri, _), \
            serve_libvirtd_with_kernel(root_b, storage=True) as (b_uri, _):  # fmt: skip
        a = open_connection(a_uri)
        pool = a.storagePoolDefineXML(GUEST_POOL, 0)
        pool.create(0)
        assert "scsi_host4" in scan(str(root_a))  # libvirt made A's vHBA
        code = main(["vhba", "migrate", "guest1-npiv", "--from", a_uri, "--to", b_uri,
                     "--from-root", str(root_a), "--to-root", str(root_b)])  # fmt: skip
        out, err = capsys.readouterr()
        assert (code, err) == (0, "")
        lines = out.splitlines()
        assert (
            lines[0]
            == f"pool guest1-npiv (c1b2a3d4-0000-4000-8000-00000000abcd) created on {b_uri}"
        )
        assert lines[1] == f"source: {a_uri}: scsi_host4, wwpn 5001a4a000000012"
        assert lines[2].startswith("destination: scsi_host4 on scsi_host3, wwnn 5001a4a")
        assert lines[3] == "LUNs verified: the same 0 LUN(s) by WWID"
        b_wwpn = lines[2].rpartition("wwpn ")[2]
        on_b = scan(str(root_b))["scsi_host4"].scsi_host
        assert on_b is not None and on_b.fc_host is not None and str(on_b.fc_host.wwpn) == b_wwpn
        b = open_connection(b_uri)
        b_pool = b.storagePoolLookupByName("guest1-npiv")
        assert b_pool.isActive() and b_pool.isPersistent()
        assert b_pool.UUIDString() == "c1b2a3d4-0000-4000-8000-00000000abcd"
        code = main(["vhba", "migrate", "guest1-npiv", "--from", a_uri, "--to", b_uri, "--finish"])
        out, err = capsys.readouterr()
        assert (code, err) == (0, "")
        assert out == f"pool guest1-npiv destroyed and undefined on {a_uri}, deleting scsi_host4\n"
        assert _gone(root_a, "scsi_host4")  # libvirt deleted A's vport
        with pytest.raises(libvirt.libvirtError):
            a.storagePoolLookupByName("guest1-npiv")
        assert "scsi_host4" in scan(str(root_b))
        a.close()
        b.close()
