"""``list``, ``list --tree`` and the SCSI and PCI documents against libvirt's node-device driver.

libvirtd runs on each fake root (:mod:`oracle`, root only): every fixture under
``fixtures/sysfs/`` and a few builder roots chosen for what they exercise in
the drawing and the order (hosts numbered across 999/1000, a deep tree whose
last children have children, single children), in the LUNs (WWIDs, VPD pages,
disks, multipath maps shared by two vHBAs and by-id links, which leave libvirt's
profile as it was) and in PCI (domains 0001 and
ffff, hex bus and slot numbers, SR-IOV, a function with no driver, bridges of
each kind, IOMMU groups, NUMA nodes, PCI Express links).  The builder writes
each PCI function's ``config`` space, without which libvirt makes no PCI
device and hangs the hosts under ``computer``.

The names, the parents and the drawing (byte for byte) are compared on every root, LUNs
(``scsi_H_B_T_L``) included. SCSI host, target and LUN documents are compared in the
``libvirt`` profile after the corrections documented in the README (WWNs padded to 16
lower-case digits; no ``fabric_wwn`` for an unknown fabric, ``ffffffffffffffff`` or
``0``; a LUN number from 2**31 up as the number it is, where libvirt prints it as a
negative 32-bit integer; an empty drive's ``<num_blocks>0</num_blocks>`` beside its
block size, which libvirt leaves out).  Block devices of every drive type libvirt
lists, with odd udev and sysfs values (``drive_trees.odd_drives``), are compared too.
PCI documents are compared whole, ours named from the same system pci.ids libvirt
reads, with one normalisation: libvirt lists an IOMMU group's members in directory
order, we in address order.
"""

from __future__ import annotations

import functools
from pathlib import Path

import pytest
from drive_trees import odd_drives
from lxml import etree
from oracle import LibvirtView, run_libvirtd, unavailable
from pci_trees import fcoe_over_net, pci_odd_numbering
from xmlcompare import canonical

import nodedev_xml as nx
from nodedev_xml.cli.main import main
from nodedev_xml.model import System
from nodedev_xml.sysfs.pciids import PCIIds
from nodedev_xml.sysfs.scan import scan
from nodedev_xml.testing import SysfsBuilder
from nodedev_xml.testing.attributes import scsi_device_files
from nodedev_xml.testing.fabric import Fabric, FabricLun
from nodedev_xml.vocabulary import NO_UUID

pytestmark = pytest.mark.skipif(unavailable() is not None, reason=str(unavailable()))

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "sysfs"
UNKNOWN_FABRICS = {"ffffffffffffffff", "0"}


def _hosts_across_1000(root: Path) -> None:
    """Hosts 998 to 1003 on three cards: string order puts scsi_host1000 before
    scsi_host998.  A vHBA's WWPN in upper case; the last port has no ``port_name``
    (to libvirt no fc_host then, and not vport-capable for all its ``vport_create``)."""
    b = SysfsBuilder(root, first_host=998)
    for n, address in enumerate(("0000:05:00.0", "0000:05:00.1", "0000:06:00.0", "0000:06:00.1")):
        fn = b.add_pci_function(address, vendor=0x1077, device=0x2532, driver="qla2xxx")
        hba = b.add_fc_host(fn, "qla2xxx", node_name=0x2000001B32000000 + n,
                            port_name=0x2100001B32000000 + n,
                            fc_host={"port_name": None} if n == 3 else None)  # fmt: skip
        if n == 0:
            b.add_vport(hba, node_name=0x2001001B32000000, port_name=0x2101001B32000000,
                        fc_host={"port_name": "0x2101001B32000000"})  # fmt: skip
            b.add_vport(hba, node_name=0x2002001B32000000, port_name=0x2102001B32000000)
    b.write_pci_ids()


def _unnamed_port_with_vports(root: Path) -> None:
    """An HBA without ``port_name`` that has a vHBA all the same: to libvirt no fc_host
    and no vport_ops, so not in ``--cap vports`` (though its ``vport_create`` is there);
    beside it a named one with a vHBA, which is."""
    b = SysfsBuilder(root, first_host=5)
    for n, address in enumerate(("0000:05:00.0", "0000:05:00.1")):
        fn = b.add_pci_function(address, vendor=0x1077, device=0x2532, driver="qla2xxx")
        hba = b.add_fc_host(fn, "qla2xxx", node_name=0x2000001B35000000 + n,
                            port_name=0x2100001B35000000 + n,
                            fc_host={"port_name": None} if n == 0 else None)  # fmt: skip
        b.add_vport(hba, node_name=0x2001001B35000000 + n, port_name=0x2101001B35000000 + n)
    b.write_pci_ids()


def _deep_vhba_tree(root: Path) -> None:
    """Bridge, bridge, HBA, vHBAs with targets: deep, and a last child with children."""
    b = SysfsBuilder(root, first_host=3)
    upper = b.add_bridge("0000:00:1c.0")
    lower = b.add_bridge("0000:02:00.0", parent=upper)
    fn = b.add_pci_function("0000:03:00.0", vendor=0x10DF, device=0xF100, driver="lpfc",
                            parent=lower)  # fmt: skip
    hba = b.add_fc_host(fn, "lpfc", node_name=0x20000000C9000001, port_name=0x10000000C9000001)
    for n in range(1, 4):
        vport = b.add_vport(hba, node_name=0x20000000C9000001 + 16 * n,
                            port_name=0x10000000C9000001 + 16 * n)  # fmt: skip
        if n > 1 and vport.host is not None:
            b.add_rport(vport.host, node_name=0x2FF70002AC000000 + n,
                        port_name=0x20110002AC000000 + n, port_id=0x010400 + n)  # fmt: skip
    b.write_pci_ids()


def _single_children(root: Path) -> None:
    """One child at every level, and no PCI at all: an HBA on the root bus, one vHBA."""
    b = SysfsBuilder(root, first_host=0)
    fn = b.add_pci_function("0000:00:05.0", vendor=0x1077, device=0x2532, driver="qla2xxx")
    hba = b.add_fc_host(fn, "qla2xxx", node_name=0x2000001B33000000, port_name=0x2100001B33000000)
    b.add_vport(hba, node_name=0x2001001B33000000, port_name=0x2101001B33000000)
    b.write_pci_ids()


def _lun_types(root: Path) -> None:
    """A LUN of every peripheral type number 0 to 31 (libvirt has words for ten of
    them) and LUN numbers past 255 on one target, one with a disk (``block/sdb``:
    libvirt makes a ``storage`` device of a disk only from udev's ``ID_TYPE``,
    which a fake root has not), and past 2**31 (libvirt prints those negative); a
    LUN its host holds itself, without a target; a SATA disk."""
    b = SysfsBuilder(root, first_host=2)
    fn = b.add_pci_function("0000:00:05.0", vendor=0x1077, device=0x2532, driver="qla2xxx")
    hba = b.add_fc_host(fn, "qla2xxx", node_name=0x2000001B34000000, port_name=0x2100001B34000000)
    rport = b.add_rport(hba, node_name=0x2FF70002AC000000, port_name=0x20110002AC000000,
                        port_id=0x010400)  # fmt: skip
    for lun in range(32):
        b.add_lun(rport, lun, type=lun)
    for lun in (255, 256, 16384, 1073758208, 2**31, 2**32 - 1):
        b.add_lun(rport, lun)
    b.add_lun(rport, 32, block="sdb")
    sata = b.add_pci_function("0000:00:1f.2", vendor=0x8086, device=0x8C02, pci_class=0x010601,
                              driver="ahci")  # fmt: skip
    b.add_ata_disk(b.add_ata_host(sata))
    ata = b.add_ata_host(sata)
    b.tree.device(f"{ata.rel}/{ata.number}:0:1:0", scsi_device_files(5), subsystem="bus/scsi")
    b.tree.bus_entry("scsi", f"{ata.number}:0:1:0", f"{ata.rel}/{ata.number}:0:1:0")
    b.write_pci_ids()


def _multipath_luns(root: Path) -> None:
    """LUNs as a SAN shows them (:class:`~nodedev_xml.testing.fabric.Fabric`): an HBA and
    two vHBAs seeing one array's disks, each disk with its ``wwid``, VPD pages 0x80 and
    0x83, its block device, and one dm-multipath map over both vHBAs' paths
    (``holders``/``slaves``, ``devices/virtual/block/dm-N``), and ``/dev/disk/by-id``
    links; a kernel without ``wwid`` on the HBA's own LUNs (the pages alone)."""
    b = SysfsBuilder(root, first_host=4)
    fn = b.add_pci_function("0000:00:05.0", vendor=0x1077, device=0x2532, driver="qla2xxx")
    hba = b.add_fc_host(fn, "qla2xxx", node_name=0x2000001B35000000, port_name=0x2100001B35000000)
    fabric = Fabric(multipath=True)
    luns = [FabricLun(n, f"naa.600a0b8000123456000000000000{n:04x}") for n in range(4)]
    array = fabric.add_target(0x20110002AC000001, [*luns, FabricLun(
        31, "eui.0025385b71b0a123", type=13, model="SES")])  # fmt: skip
    for n in (1, 2):
        vport = b.add_vport(hba, node_name=0x2001001B35000000 + n, port_name=0x2101001B35000000 + n)
        assert vport.host is not None
        fabric.zone(vport.host.port_name, array)
        fabric.attach(b, vport.host)
    plain = Fabric(kernel_wwid=False)
    plain.zone(hba.port_name, plain.add_target(0x20120002AC000001, luns[:1]))
    plain.attach(b, hba)
    b.write_pci_ids()


def _ap_edges(root: Path) -> None:
    """s390 AP devices at the edges: adapters 0x00 and 0xff (the first and the last),
    a card bound to no driver, queues bound to cex4queue, to vfio_ap and to none,
    domain 0x00ff; a card whose ``uevent`` has no ``DEVTYPE`` (no device to libvirt:
    its queue hangs from ``computer``) and one without ``uevent`` (no device to
    libudev); vfio_ap's matrix before its mdev parent is registered (no
    ``mdev_supported_types``)."""
    b = SysfsBuilder(root)
    first = b.add_ap_card(0x00, hwtype=11, mode="accel")
    b.add_ap_queue(first, 0x00FF, driver=None)
    b.add_ap_queue(first, 0x0001, driver="vfio_ap")
    last = b.add_ap_card(0xFF, driver=None)
    b.add_ap_queue(last, 0x0000, driver=None)
    b.add_ap_queue(last, 0x0001, driver="vfio_ap")
    b.add_ap_queue(last, 0x0002)
    untyped = b.add_ap_card(0x10)
    b.add_ap_queue(untyped, 0x0003)
    b.tree.write(f"{untyped.rel}/uevent", b"DRIVER=cex4card\nMODE=cca\n")
    silent = b.add_ap_card(0x11)
    (silent.path / "uevent").unlink()
    b.add_ap_matrix(None)


def _ap_matrix_without_types(root: Path) -> None:
    """vfio_ap's matrix with an empty ``mdev_supported_types``: listed, no ``mdev_types``
    (not in ``--cap mdev_types``); one card, no queue."""
    b = SysfsBuilder(root)
    b.add_ap_card(0x42, mode="ep11")
    b.tree.ensure_dir(f"{b.add_ap_matrix(None).rel}/mdev_supported_types")


def _ap_matrix_unreadable_type(root: Path) -> None:
    """vfio_ap's matrix whose type has no ``available_instances``: libvirt 9.0 lists no
    matrix then (it fails the device, not the type)."""
    b = SysfsBuilder(root)
    b.add_ap_queue(b.add_ap_card(0x05), 0x0006)
    matrix = b.add_ap_matrix()
    (matrix.path / "mdev_supported_types/vfio_ap-passthrough/available_instances").unlink()


def _css_unreadable_mdev_type(root: Path) -> None:
    """Two subchannels bound to vfio_ccw, the second's mdev type without
    ``available_instances``: libvirt 9.0 lists no such subchannel."""
    b = SysfsBuilder(root)
    b.add_vfio_ccw_subchannel("0.0.0023", "0.0.2300")
    broken = b.add_vfio_ccw_subchannel("0.0.0024", "0.0.2400")
    (broken.path / "mdev_supported_types/vfio_ccw-io/available_instances").unlink()


def _drm_edges(root: Path) -> None:
    """DRM nodes at the edges: a card with a control node (minor 64: ``control``), a
    second GPU's card1 and renderD129, a node whose minor is past libvirt's kinds
    (192) and one whose ``uevent`` has no ``DEVTYPE`` (no device to libvirt either)."""
    b = SysfsBuilder(root)
    first = b.add_pci_function("0000:00:02.0", vendor=0x8086, device=0x3E92, pci_class=0x030000,
                               driver="i915")  # fmt: skip
    b.add_drm_card(first, control=True, connectors=("eDP-1",))
    second = b.add_pci_function("0000:01:00.0", vendor=0x1002, device=0x73BF,
                                pci_class=0x030000, driver="amdgpu")  # fmt: skip
    card = b.add_drm_card(second, 1, connectors=())
    for name, event in (("renderD192", b"MAJOR=226\nMINOR=192\nDEVNAME=dri/renderD192\n"
                                       b"DEVTYPE=drm_minor\n"),
                        ("card9", b"MAJOR=226\nMINOR=9\nDEVNAME=dri/card9\n")):  # fmt: skip
        rel = f"{card.rpartition('/')[0]}/{name}"
        b.tree.device(rel, {"uevent": event}, subsystem="class/drm")
        b.tree.link(f"class/drm/{name}", rel)
    b.write_pci_ids()


def _unsorted_links(root: Path) -> None:
    """A virtio disk whose udev database lists its links out of order (udevd writes them
    as its rules made them): libvirt prints them sorted, as libudev hands them out."""
    b = SysfsBuilder(root)
    virtio = b.add_pci_function("0000:00:05.0", vendor=0x1AF4, device=0x1001,
                                pci_class=0x010000, driver="virtio-pci")  # fmt: skip
    b.add_block_device(virtio, "vda", sectors=2097152, udev={"ID_SERIAL": "disk0"})
    entry = root / "run/udev/data/b252:0"
    links = ("disk/by-path/virtio-pci-0000:00:05.0", "disk/by-id/virtio-disk0",
             "disk/by-diskseq/1", "disk/by-path/pci-0000:00:05.0")  # fmt: skip
    entry.write_text("".join(f"S:{link}\n" for link in links) + entry.read_text())
    b.write_pci_ids()


def _pci_function_without_vendor(root: Path) -> None:
    """An FC HBA's PCI function without ``vendor`` (no device to libvirt) below a PCI
    Express port: its host hangs from the port, the next device up."""
    b = SysfsBuilder(root)
    port = b.add_bridge("0000:00:01.0")
    hba = b.add_pci_function("0000:01:00.0", vendor=0x1077, device=0x2532, driver="qla2xxx",
                             parent=port)  # fmt: skip
    b.add_fc_host(hba, node_name=0x20000024FF000001, port_name=0x21000024FF000001)
    (root / "sys" / hba.rel / "vendor").unlink()
    b.write_pci_ids()


def _pci_unreadable_mdev_type(root: Path) -> None:
    """A PCI Express port offering an mdev type without ``available_instances``, an FC
    HBA below it, and a GPU whose second type lacks it, with an mdev on the first:
    libvirt 9.0 lists neither function; the HBA hangs from ``computer``, the mdev too."""
    b = SysfsBuilder(root)
    port = b.add_bridge("0000:00:01.0")
    hba = b.add_pci_function("0000:01:00.0", vendor=0x1077, device=0x2532, driver="qla2xxx",
                             parent=port)  # fmt: skip
    b.add_fc_host(hba, node_name=0x20000024FF000001, port_name=0x21000024FF000001)
    b.add_mdev_types(port, {"port-1": ("P1", "vfio-pci", 2)})
    gpu = b.add_pci_function("0000:00:02.0", vendor=0x8086, device=0x3E92, pci_class=0x030000,
                             driver="i915")  # fmt: skip
    b.add_mdev_types(gpu, {"i915-GVTg_V5_4": ("GVTg_V5_4", "vfio-pci", 3),
                           "i915-GVTg_V5_8": ("GVTg_V5_8", "vfio-pci", 1)})  # fmt: skip
    b.add_mdev(gpu, "i915-GVTg_V5_4", "4b20d080-1b54-4048-85b3-a6a62d165c01", iommu_group=7)
    for fn, type_id in ((port, "port-1"), (gpu, "i915-GVTg_V5_8")):
        (root / "sys" / fn.rel / "mdev_supported_types" / type_id / "available_instances").unlink()
    b.write_pci_ids()


BUILT = {"hosts-across-1000": _hosts_across_1000, "deep-vhba-tree": _deep_vhba_tree,
         "unnamed-port-with-vports": _unnamed_port_with_vports,
         "single-children": _single_children, "lun-types": _lun_types,
         "pci-odd-numbering": pci_odd_numbering,
         "multipath-luns": _multipath_luns, "odd-drives": odd_drives, "ap-edges": _ap_edges,
         "ap-matrix-without-types": _ap_matrix_without_types,
         "ap-matrix-unreadable-type": _ap_matrix_unreadable_type,
         "css-unreadable-mdev-type": _css_unreadable_mdev_type,
         "pci-unreadable-mdev-type": _pci_unreadable_mdev_type,
         "pci-function-without-vendor": _pci_function_without_vendor,
         "unsorted-links": _unsorted_links, "drm-edges": _drm_edges}  # fmt: skip
ROOTS = sorted(p.name for p in FIXTURES.iterdir()) + sorted(BUILT)


@functools.cache
def _root(name: str, tmp: Path) -> Path:
    if name not in BUILT:
        return FIXTURES / name
    BUILT[name](tmp / name)
    return tmp / name


@functools.cache
def _libvirt(root: Path) -> LibvirtView:
    return run_libvirtd(root)


@pytest.fixture(scope="module")
def built_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("oracle-roots")


def _ours(capsys: pytest.CaptureFixture[str], root: Path, *args: str) -> str:
    assert main(["-q", "--root", str(root), "list", *args]) == 0
    return capsys.readouterr().out


def _parent(document: str) -> str | None:
    return etree.fromstring(document.encode()).findtext("parent")


@pytest.mark.parametrize("name", ROOTS)
def test_list_and_tree_are_libvirts(
    name: str, built_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _root(name, built_dir)
    view = _libvirt(root)
    assert _ours(capsys, root).splitlines() == view.names
    inv = nx.scan(root=str(root))
    parents = {n: _parent(view.documents[n]) for n in view.names if n != "computer"}
    assert parents == {n: d.parent_name or "computer" for n, d in inv.items()}
    assert _ours(capsys, root, "--tree") == view.tree


@pytest.mark.parametrize("name", ROOTS)
def test_cap_lists_are_libvirts(
    name: str, built_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--cap`` lists never hold ``computer``; they are libvirt's devices of that kind
    (``fc_host`` and ``vports``: the hosts whose ``scsi_host`` holds an ``fc_host`` or
    ``vport_ops`` capability, as libvirt lists them)."""
    root = _root(name, built_dir)
    view = _libvirt(root)
    for cap, xpath in (("scsi_host", "capability[@type='scsi_host']"),
                       ("scsi_target", "capability[@type='scsi_target']"),
                       ("scsi", "capability[@type='scsi']"), ("pci", "capability[@type='pci']"),
                       *((c, f"capability[@type='{c}']") for c in (*AROUND, *AP)),
                       ("mdev_types", "capability/capability[@type='mdev_types']"),
                       ("fc_host", "capability/capability[@type='fc_host']"),
                       ("vports", "capability/capability[@type='vport_ops']")):  # fmt: skip
        theirs = [n for n, doc in view.documents.items()
                  if etree.fromstring(doc.encode()).find(xpath) is not None]  # fmt: skip
        assert _ours(capsys, root, "--cap", cap).splitlines() == theirs


def _corrected(document: str) -> bytes:
    """libvirt's document with the README's corrections applied."""
    doc = etree.fromstring(document.encode())
    for fc in doc.iter("capability"):
        if fc.get("type") != "fc_host":
            continue
        for el in list(fc):
            if el.tag == "fabric_wwn" and el.text in UNKNOWN_FABRICS:
                fc.remove(el)
            elif el.tag in ("wwnn", "wwpn", "fabric_wwn") and el.text:
                el.text = el.text.zfill(16).lower()
    for lun in doc.iterfind("capability[@type='scsi']/lun"):
        if lun.text and lun.text.startswith("-"):
            lun.text = str(int(lun.text) + 2**32)
    for size in doc.iter("logical_block_size"):  # an empty drive's 0 blocks
        if size.getnext() is None or size.getnext().tag != "num_blocks":
            size.addnext(etree.Element("num_blocks"))
            size.getnext().text = "0"
    return canonical(doc)


@pytest.mark.parametrize("name", ROOTS)
def test_scsi_documents_are_libvirts(name: str, built_dir: Path) -> None:
    root = _root(name, built_dir)
    view = _libvirt(root)
    inv = nx.scan(root=str(root))
    scsi = [n for n in inv if n.startswith("scsi_")]
    if not scsi:
        assert not any(n.startswith("scsi_") for n in view.names)
        pytest.skip("no SCSI host on this root")
    for n in scsi:
        assert canonical(nx.to_xml(inv[n], profile="libvirt")) == _corrected(view.documents[n]), n


def test_computer_is_listed_and_dumped(built_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``dumpxml computer`` prints libvirt's document for a root without DMI data."""
    root = FIXTURES / "lpfc"
    assert main(["-q", "--root", str(root), "dumpxml", "computer"]) == 0
    assert canonical(capsys.readouterr().out) == canonical(_libvirt(root).documents["computer"])


def test_computer_with_dmi_data(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The machine's DMI identity (``sys/class/dmi/id``) is what libvirt shows for ``computer``."""
    b = SysfsBuilder(tmp_path)
    dmi = {"product_name": "ProLiant DL380 Gen9", "sys_vendor": "HP", "product_version": "Gen9",
           "product_serial": "CZJ1234", "product_uuid": "30373237-3132-5a43-4a31-323334353637",
           "bios_vendor": "HP", "bios_version": "P89", "bios_date": "10/21/2019"}  # fmt: skip
    b.tree.ensure_dir("devices/virtual/dmi/id")
    # libudev reads a device only where it finds a uevent file
    files = {k: f"{v}\n".encode() for k, v in {**dmi, "uevent": "MODALIAS=dmi:bvnHP:"}.items()}
    b.tree.write_attrs("devices/virtual/dmi/id", files)
    b.tree.ensure_dir("class/dmi")
    b.tree.link("class/dmi/id", "devices/virtual/dmi/id")
    view = _libvirt(tmp_path)
    assert main(["-q", "--root", str(tmp_path), "dumpxml", "computer"]) == 0
    assert canonical(capsys.readouterr().out) == canonical(view.documents["computer"])
    assert _ours(capsys, tmp_path) == "computer\n"
    assert _ours(capsys, tmp_path, "--tree") == view.tree == "computer\n\n"
    # The library's scan holds the machine too, read in its session.
    inv = nx.scan(str(tmp_path))
    assert canonical(nx.to_xml(inv.computer, "libvirt")) == canonical(view.documents["computer"])
    assert inv.warnings == ()
    assert nx.from_xml(view.documents["computer"]) == inv.computer  # parsed as it is printed


def test_computer_s_capabilities_are_libvirts_in_list_and_tree(
    built_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``list --json`` and ``list --tree --json`` give ``computer`` the capability
    libvirt's document of it has (``system``), and so do ``--cap`` trees."""
    import json

    root = FIXTURES / "lpfc"
    theirs = etree.fromstring(_libvirt(root).documents["computer"].encode())
    types = sorted(c.get("type") for c in theirs.iter("capability"))
    listed = json.loads(_ours(capsys, root, "--json"))
    assert [e["capabilities"] for e in listed if e["name"] == "computer"] == [types]
    for args in (("--tree", "--json"), ("--tree", "--json", "--cap", "vports")):
        tree = json.loads(_ours(capsys, root, *args))
        assert (tree["name"], tree["capabilities"]) == ("computer", types), args


def test_computer_s_unreadable_dmi_is_a_warning(tmp_path: Path) -> None:
    """A DMI file that cannot be read is left out with a warning about ``computer``."""
    b = SysfsBuilder(tmp_path)
    b.tree.ensure_dir("devices/virtual/dmi/id/product_serial")  # a directory: EISDIR
    b.tree.write_attrs("devices/virtual/dmi/id", {"sys_vendor": b"HP\n"})
    b.tree.ensure_dir("class/dmi")
    b.tree.link("class/dmi/id", "devices/virtual/dmi/id")
    inv = nx.scan(str(tmp_path))
    assert [str(w) for w in inv.warnings] == ["computer: product_serial: unreadable (EISDIR)"]
    system = inv.computer.capabilities[0]
    assert isinstance(system, System)
    assert (system.hardware_vendor, system.hardware_serial) == ("HP", None)


#: libvirt names vendors and products from the system's pci.ids (through
#: libpciaccess), never from the scanned root's: ours are read from the same file.
SYSTEM_PCI_IDS = "/usr/share/misc/pci.ids"


def _pci_documents(root: Path) -> dict[str, bytes]:
    """Our ``libvirt``-profile PCI documents of ``root``, canonical, named from the
    system's pci.ids as libvirt names them."""
    inv = scan(str(root), pci_ids=PCIIds(SYSTEM_PCI_IDS))
    return {n: canonical(nx.to_xml(d, profile="libvirt")) for n, d in inv.items() if d.pci}


def _libvirts_pci(document: str) -> bytes:
    """libvirt's PCI document, canonical, its IOMMU group's members in address order
    (libvirt prints them in directory order)."""
    doc = etree.fromstring(document.encode())
    for group in doc.iter("iommuGroup"):
        group[:] = sorted(group, key=lambda a: tuple(int(a.get(k), 16) for k in ADDRESS_KEYS))
    for types in doc.iterfind("capability/capability[@type='mdev_types']"):
        types[:] = sorted(types, key=lambda t: t.get("id"))
    return canonical(doc)


ADDRESS_KEYS = ("domain", "bus", "slot", "function")


def _assert_pci_documents_are_libvirts(root: Path) -> None:
    view = _libvirt(root)
    ours = _pci_documents(root)
    theirs = {n: _libvirts_pci(d) for n, d in view.documents.items() if n.startswith("pci_")}
    assert sorted(ours) == sorted(theirs)
    for n, doc in theirs.items():
        assert ours[n] == doc, n


@pytest.mark.parametrize("name", ROOTS)
def test_pci_documents_are_libvirts(name: str, built_dir: Path) -> None:
    """Every PCI function's document, bridges, IOMMU groups, NUMA nodes and PCI
    Express links included, is what libvirt prints."""
    root = _root(name, built_dir)
    if not any(n.startswith("pci_") for n in _libvirt(root).names):
        pytest.skip("no PCI function on this root")
    _assert_pci_documents_are_libvirts(root)


#: The capabilities of the devices around the SCSI hosts (USB, s390 channels,
#: network interfaces) and of mediated devices, whose documents are compared whole.
AROUND = ("usb_device", "usb", "css", "ccw", "net", "storage", "scsi_generic", "mdev", "drm")
#: The s390 AP devices (cards, queues, vfio_ap's matrix), whose documents are compared whole.
AP = ("ap_card", "ap_queue", "ap_matrix")


@pytest.mark.parametrize("name", ROOTS)
def test_devices_around_hosts_are_libvirts(name: str, built_dir: Path) -> None:
    """Every USB device and interface, s390 subchannel and CCW device, network
    interface, block device and SCSI generic node libvirt lists is ours, its
    document identical but for the README's corrections (the interfaces' offload
    features are asked of the kernel by name, which on a fake root names no
    interface: libvirt prints none there either)."""
    root = _root(name, built_dir)
    view = _libvirt(root)
    theirs = {n: _corrected(d) for n, d in view.documents.items()
              if etree.fromstring(d.encode()).find("capability").get("type") in AROUND}  # fmt: skip
    inv = nx.scan(root=str(root))
    ours = {n: canonical(nx.to_xml(d, profile="libvirt")) for n, d in inv.items()
            if d.cap_names() & set(AROUND)}  # fmt: skip
    if not theirs and not ours:
        pytest.skip("no such device on this root")
    assert sorted(ours) == sorted(theirs)
    for n, doc in theirs.items():
        assert ours[n] == doc, n


@pytest.mark.parametrize("name", ROOTS)
def test_ap_devices_are_libvirts(name: str, built_dir: Path) -> None:
    """Every s390 AP card, queue and matrix device libvirt lists is ours, its document
    identical (driver, adapter and domain numbers, the matrix's mdev types)."""
    root = _root(name, built_dir)
    view = _libvirt(root)
    theirs = {n: canonical(d) for n, d in view.documents.items()
              if etree.fromstring(d.encode()).find("capability").get("type") in AP}  # fmt: skip
    inv = nx.scan(root=str(root))
    ours = {n: canonical(nx.to_xml(d, profile="libvirt")) for n, d in inv.items()
            if d.cap_names() & set(AP)}  # fmt: skip
    if not theirs and not ours:
        pytest.skip("no AP device on this root")
    assert sorted(ours) == sorted(theirs)
    for n, doc in theirs.items():
        assert ours[n] == doc, n


def test_an_ap_matrix_with_an_unreadable_type_is_left_out(built_dir: Path) -> None:
    """libvirt lists no matrix one of whose mdev types it cannot read; the scan leaves it
    out too, saying why, and keeps the card and queue beside it."""
    root = _root("ap-matrix-unreadable-type", built_dir)
    assert _libvirt(root).names == ["ap_05_0006", "ap_card05", "computer"]
    inv = nx.scan(root=str(root))
    assert list(inv) == ["ap_05_0006", "ap_card05"]
    assert [str(w) for w in inv.warnings] == [
        "ap_matrix: mdev_supported_types/vfio_ap-passthrough/available_instances: missing",
        "ap_matrix: left out, as libvirt does: an mdev type cannot be read"]  # fmt: skip


def test_a_subchannel_with_an_unreadable_mdev_type_is_left_out(built_dir: Path) -> None:
    """As the AP matrix: libvirt lists no vfio_ccw subchannel one of whose mdev types it
    cannot read (the shared reader says so)."""
    root = _root("css-unreadable-mdev-type", built_dir)
    assert _libvirt(root).names == ["computer", "css_0_0_0023"]
    inv = nx.scan(root=str(root))
    assert list(inv) == ["css_0_0_0023"]
    assert [str(w) for w in inv.warnings] == [
        "css_0_0_0024: mdev_supported_types/vfio_ccw-io/available_instances: missing",
        "css_0_0_0024: left out, as libvirt does: an mdev type cannot be read"]  # fmt: skip


def test_a_pci_function_with_an_unreadable_mdev_type_is_left_out(
    built_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Nor does libvirt list a PCI function one of whose mdev types it cannot read: what
    was below it hangs from the next device up, in the scan and in ``list``'s
    names-only read alike."""
    root = _root("pci-unreadable-mdev-type", built_dir)
    view = _libvirt(root)
    mdev = "mdev_4b20d080_1b54_4048_85b3_a6a62d165c01_0000_00_02_0"
    assert view.names == ["computer", mdev, "pci_0000_01_00_0", "scsi_host0"]
    inv = nx.scan(root=str(root))
    assert sorted(inv) == sorted(view.names[1:])
    assert inv["pci_0000_01_00_0"].parent_name == "computer" == inv[mdev].parent_name
    assert _ours(capsys, root, "--tree") == view.tree
    assert _ours(capsys, root, "--cap", "pci").splitlines() == ["pci_0000_01_00_0"]
    assert [str(w) for w in inv.warnings] == [
        "pci_0000_00_01_0: mdev_supported_types/port-1/available_instances: missing",
        "pci_0000_00_01_0: left out, as libvirt does: an mdev type cannot be read",
        "pci_0000_00_02_0: mdev_supported_types/i915-GVTg_V5_8/available_instances: missing",
        "pci_0000_00_02_0: left out, as libvirt does: an mdev type cannot be read"]  # fmt: skip


def test_fcoe_hosts_below_an_interface(built_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An FCoE host below a network interface (bnx2fc's and the software initiator's
    ``net/ethN/ctlr_M/hostH``) hangs from the interface, as in libvirt; a VLAN
    laid out without its ``DEVTYPE`` is an Ethernet interface to libvirt 9.0 too."""
    root = built_dir / "fcoe-over-net"
    fcoe_over_net(root)
    view = _libvirt(root)
    assert sorted(n for n in view.names if n.startswith("net_")) == [
        "net_eth2_00_10_18_aa_bb_cc", "net_eth2_100_00_10_18_aa_bb_cc"]  # fmt: skip
    inv = scan(str(root), pci_ids=PCIIds(SYSTEM_PCI_IDS))
    assert _ours(capsys, root).splitlines() == view.names
    assert _ours(capsys, root, "--tree") == view.tree
    assert inv["scsi_host5"].parent_name == "net_eth2_00_10_18_aa_bb_cc"
    assert inv["scsi_host6"].parent_name == "net_eth2_100_00_10_18_aa_bb_cc"


def _live_devices() -> bool:
    return any(Path("/sys/class", c).is_dir() and any(Path("/sys/class", c).iterdir())
               for c in ("net", "block"))  # fmt: skip


@pytest.mark.skipif(not _live_devices(), reason="this machine's /sys has no interface or disk")
def test_the_live_host_is_libvirts(capsys: pytest.CaptureFixture[str]) -> None:
    """This machine's own ``/sys``: libvirtd and ``nodedev-xml --profile libvirt`` list
    the same devices, draw the same tree and print the same documents (network
    interfaces with their offload features, disks, PCI functions), but for the
    documented corrections."""
    view = run_libvirtd("/")
    inv = scan("/", pci_ids=PCIIds(SYSTEM_PCI_IDS))
    assert _ours(capsys, Path("/")).splitlines() == view.names
    assert _ours(capsys, Path("/"), "--tree") == view.tree
    for n, d in inv.items():
        theirs = view.documents[n]
        expected = _libvirts_pci(theirs) if d.pci is not None else _corrected(theirs)
        assert canonical(nx.to_xml(d, profile="libvirt")) == expected, n


def test_computer_s_dmi_strings_are_libvirts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """DMI strings as libvirt reads them: firmware's padding (leading and trailing
    blanks, tabs) kept, control characters below 0x20 dropped (but tab and
    newline; DEL stays), the trailing newline and carriage return cut, an empty
    one left out.  Without ``product_uuid`` libvirt prints a random UUID, another
    each time it starts; ours is all zeros (the README's correction)."""
    b = SysfsBuilder(tmp_path)
    dmi = {"product_name": "ProLiant DL380 Gen9  \t", "sys_vendor": " HP\x01x\x7fy",
           "product_version": "Gen9\r", "product_serial": "CZJ\n1234", "bios_vendor": "HP",
           "bios_version": "P89   ", "bios_date": "", "uevent": "MODALIAS=dmi:bvnHP:"}  # fmt: skip
    b.tree.ensure_dir("devices/virtual/dmi/id")
    b.tree.write_attrs("devices/virtual/dmi/id", {k: f"{v}\n".encode() for k, v in dmi.items()})
    b.tree.ensure_dir("class/dmi")
    b.tree.link("class/dmi/id", "devices/virtual/dmi/id")
    theirs = etree.fromstring(_libvirt(tmp_path).documents["computer"].encode())
    uuid = theirs.find("capability/hardware/uuid")
    assert uuid is not None and uuid.text != NO_UUID
    uuid.text = NO_UUID
    assert main(["-q", "--root", str(tmp_path), "dumpxml", "computer"]) == 0
    assert canonical(capsys.readouterr().out) == canonical(theirs)
    inv = nx.scan(str(tmp_path))
    assert nx.from_xml(nx.to_xml(inv.computer, "libvirt")) == inv.computer
