"""Mediated devices against libvirt's node-device driver, on roots laid out to test its rules.

libvirtd (:mod:`oracle`, root only) lists an entry of the ``mdev`` bus as
``mdev_<uuid>_<parent>`` only when libudev takes it for a device (it has a
``uevent``, and so does a directory above it), its ``mdev_type`` link leads to a
type and its ``iommu_group`` link to a group with a number; a directory named
like a UUID that is on another bus, or on none, is no mediated device.  With no
``mdevctl`` installed (this machine) libvirt lists only what udev shows, with no
``<attr>``.  Every root here is compared whole with what libvirt prints: list,
tree and every mediated device's document, and what we leave out is said in a
warning.  The one documented correction: a mediated device whose name is no UUID
(the kernel names them ``%pUl``) has no ``<uuid>`` (libvirt prints the name,
which its own grammar refuses).
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

import pytest
from lxml import etree
from oracle import LibvirtView, run_libvirtd, unavailable
from xmlcompare import canonical

import nodedev_xml as nx
from nodedev_xml.cli.main import main
from nodedev_xml.model import Device, Inventory, Mdev
from nodedev_xml.testing import SysfsBuilder
from nodedev_xml.testing.specs import DeviceDir
from nodedev_xml.testing.values import WRITE_ONLY

needs_libvirtd = pytest.mark.skipif(unavailable() is not None, reason=str(unavailable()))

GVT = {"i915-GVTg_V5_4": ("GVTg_V5_4", "vfio-pci", 8),
       "i915-GVTg_V5_8": ("GVTg_V5_8", "vfio-pci", 4)}  # fmt: skip
IGD = "devices/pci0000:00/0000:00:02.0"


def _uuid(n: int) -> str:
    return f"5e1c0d2a-7a3b-4c5d-8e9f-{n:012x}"


def _hand_made(b: SysfsBuilder, parent: str, name: str, type_id: str, group: str | None,
               bus: str | None = "mdev") -> str:  # fmt: skip
    """A device ``<parent>/<name>`` laid out as a mediated device by hand (a layout
    :meth:`SysfsBuilder.add_mdev` refuses to make): on ``bus`` (``None``: none),
    bound to ``vfio_mdev``, its ``mdev_type`` link to ``type_id`` of ``parent`` and
    its ``iommu_group`` link to the group named ``group``."""
    rel = f"{parent}/{name}"
    b.tree.device(rel, {"uevent": f"MDEV_TYPE={type_id}\n".encode(), "remove": WRITE_ONLY},
                  subsystem=f"bus/{bus}" if bus else None)  # fmt: skip
    b.tree.link(f"{rel}/mdev_type", f"{parent}/mdev_supported_types/{type_id}")
    if bus is not None:
        b.tree.bus_entry(bus, name, rel)
    if group is not None:
        b.tree.ensure_dir(f"kernel/iommu_groups/{group}/devices")
        b.tree.link(f"{rel}/iommu_group", f"kernel/iommu_groups/{group}")
        b.tree.link(f"kernel/iommu_groups/{group}/devices/{name}", rel)
    return rel


def _edges(root: Path) -> None:
    """One GVT-g GPU with mediated devices in every state libvirt tells apart:
    bound; unbound with an IOMMU group; unbound without one (the kernel's way: vfio
    gives the group when the mdev driver binds); bound without a group; without its
    ``mdev_type`` link; with one that leads nowhere; in a group whose name is no
    number, written ``0018``, or that is not there; named in upper case; named by
    no UUID; a UUID-named directory on another bus and one on none; one on the AP
    matrix, whose ``matrix`` is no node device to libvirt; and one below a
    directory with no ``uevent`` anywhere above it."""
    b = SysfsBuilder(root)
    igd = b.add_pci_function("0000:00:02.0", vendor=0x8086, device=0x3E92, pci_class=0x030000,
                             driver="i915")  # fmt: skip
    b.add_mdev_types(igd, GVT)
    drv = "intel_vgpu_mdev"
    b.add_mdev(igd, "i915-GVTg_V5_4", _uuid(1), iommu_group=1, driver=drv)
    b.add_mdev(igd, "i915-GVTg_V5_8", _uuid(2), iommu_group=2, driver=None)
    b.add_mdev(igd, "i915-GVTg_V5_4", _uuid(3), iommu_group=None, driver=None)
    b.add_mdev(igd, "i915-GVTg_V5_4", _uuid(4), iommu_group=None, driver=drv)
    os.unlink(b.add_mdev(igd, "i915-GVTg_V5_4", _uuid(5), iommu_group=5, driver=drv).path
              / "mdev_type")  # fmt: skip
    gone = b.add_mdev(igd, "i915-GVTg_V5_8", _uuid(6), iommu_group=6, driver=drv)
    os.unlink(gone.path / "mdev_type")
    b.tree.link(f"{gone.rel}/mdev_type", f"{IGD}/mdev_supported_types/i915-GVTg_V5_1")
    _hand_made(b, IGD, _uuid(7), "i915-GVTg_V5_4", "abc")
    _hand_made(b, IGD, _uuid(8), "i915-GVTg_V5_4", "0018")
    nowhere = _hand_made(b, IGD, _uuid(9), "i915-GVTg_V5_4", None)
    b.tree.link(f"{nowhere}/iommu_group", "kernel/iommu_groups/99")
    _hand_made(b, IGD, _uuid(10).upper(), "i915-GVTg_V5_4", "10")
    _hand_made(b, IGD, "not-a-uuid", "i915-GVTg_V5_4", "11")
    _hand_made(b, IGD, _uuid(12), "i915-GVTg_V5_4", "12", bus="foo")
    _hand_made(b, IGD, _uuid(13), "i915-GVTg_V5_4", "13", bus=None)
    # The AP matrix, a directory with a uevent but on no bus: to libvirt no node device.
    b.tree.ensure_dir("devices/vfio_ap/matrix")
    b.tree.write_attrs("devices/vfio_ap", {"uevent": b""})
    b.tree.write_attrs("devices/vfio_ap/matrix", {"uevent": b""})
    matrix = DeviceDir(b.sys / "devices/vfio_ap/matrix", "devices/vfio_ap/matrix")
    b.add_mdev_types(matrix, {"vfio_ap-passthrough": ("VFIO AP Passthrough Device", "vfio-ap", 4)})
    b.add_mdev(matrix, "vfio_ap-passthrough", _uuid(14), iommu_group=14, driver="vfio_ap_mdev")
    # No uevent above it, up to /sys/devices: libudev finds no parent, libvirt lists none.
    b.tree.ensure_dir("devices/platform/thing")
    thing = DeviceDir(b.sys / "devices/platform/thing", "devices/platform/thing")
    b.add_mdev_types(thing, {"thing-1": (None, "vfio-platform", 1)})
    b.add_mdev(thing, "thing-1", _uuid(15), iommu_group=15, driver="vfio_mdev")
    b.write_pci_ids()


#: What our scan says of each device it leaves out, by (device, attribute).
EDGE_WARNINGS = {
    (f"mdev_{_uuid(3).replace('-', '_')}_0000_00_02_0", "iommu_group"),
    (f"mdev_{_uuid(4).replace('-', '_')}_0000_00_02_0", "iommu_group"),
    (f"mdev_{_uuid(5).replace('-', '_')}_0000_00_02_0", "mdev_type"),
    (f"mdev_{_uuid(6).replace('-', '_')}_0000_00_02_0", "mdev_type"),
    (f"mdev_{_uuid(7).replace('-', '_')}_0000_00_02_0", "iommu_group"),
    (f"mdev_{_uuid(9).replace('-', '_')}_0000_00_02_0", "iommu_group"),
    ("mdev_not_a_uuid_0000_00_02_0", None),
    (f"/sys/bus/mdev/devices/{_uuid(15)}", None),
}


@functools.cache
def _libvirt(root: Path) -> LibvirtView:
    return run_libvirtd(root)


@pytest.fixture(scope="module")
def edges(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("mdev-edges")
    _edges(root)
    return root


def _ours(capsys: pytest.CaptureFixture[str], root: Path, *args: str) -> str:
    assert main(["-q", "--root", str(root), "list", *args]) == 0
    return capsys.readouterr().out


def _mdev_documents(inv: Inventory) -> dict[str, bytes]:
    return {n: canonical(nx.to_xml(d, profile="libvirt")) for n, d in inv.items()
            if "mdev" in d.cap_names()}  # fmt: skip


def _corrected(document: str) -> bytes:
    """libvirt's document of a mediated device, without a ``<uuid>`` that is no UUID."""
    doc = etree.fromstring(document.encode())
    cap = doc.find("capability[@type='mdev']")
    assert cap is not None
    for uuid in cap.findall("uuid"):
        if uuid.text == "not-a-uuid":
            cap.remove(uuid)
    return canonical(doc)


def test_each_mdev_left_out_is_a_warning(edges: Path) -> None:
    """What libvirt does not list (the test below) we leave out, saying why: the
    scan reads the same rules without libvirtd."""
    inv = nx.scan(str(edges))
    assert {(w.device, w.attribute) for w in inv.warnings} == EDGE_WARNINGS
    assert sorted(n for n in inv if n.startswith("mdev_")) == sorted(
        f"mdev_{u.replace('-', '_')}_{p}" for u, p in (
            (_uuid(1), "0000_00_02_0"), (_uuid(2), "0000_00_02_0"), (_uuid(8), "0000_00_02_0"),
            (_uuid(10).upper(), "0000_00_02_0"), ("not-a-uuid", "0000_00_02_0"),
            (_uuid(14), "matrix")))  # fmt: skip


@needs_libvirtd
def test_mdevs_are_listed_as_libvirt_lists_them(
    edges: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    view = _libvirt(edges)
    theirs = [n for n in view.names if n.startswith("mdev_")]
    assert sorted(theirs) == sorted(f"mdev_{u.replace('-', '_')}_{p}" for u, p in (
        (_uuid(1), "0000_00_02_0"), (_uuid(2), "0000_00_02_0"), (_uuid(8), "0000_00_02_0"),
        (_uuid(10).upper(), "0000_00_02_0"), ("not-a-uuid", "0000_00_02_0"),
        (_uuid(14), "matrix")))  # fmt: skip
    assert _ours(capsys, edges).splitlines() == view.names
    assert _ours(capsys, edges, "--tree") == view.tree
    assert _ours(capsys, edges, "--cap", "mdev").splitlines() == theirs
    inv = nx.scan(str(edges))
    ours = _mdev_documents(inv)
    assert sorted(ours) == sorted(theirs)
    for n in theirs:
        assert ours[n] == _corrected(view.documents[n]), n
    assert {(w.device, w.attribute) for w in inv.warnings} == EDGE_WARNINGS


def _mdev(dev: Device) -> Mdev:
    cap = dev.capabilities[0]
    assert isinstance(cap, Mdev)
    return cap


@needs_libvirtd
def test_what_libvirt_prints_of_them(edges: Path) -> None:
    """The facts the documents above hold, said once: the type is the last name of
    where ``mdev_type`` leads, ``parent_addr`` the name of the directory above (the
    AP ``matrix`` too, though it is no node device: the mediated device then hangs
    from ``computer``), the group's number read as decimal (``0018`` is 18), no
    ``<driver>`` for an unbound one, the name kept in upper case."""
    inv = nx.scan(str(edges))
    unbound = inv[f"mdev_{_uuid(2).replace('-', '_')}_0000_00_02_0"]
    assert unbound.driver is None
    assert unbound.capabilities == (Mdev("i915-GVTg_V5_8", _uuid(2), "0000:00:02.0", 2),)
    assert _mdev(inv[f"mdev_{_uuid(8).replace('-', '_')}_0000_00_02_0"]).iommu_group == 18
    on_matrix = inv[f"mdev_{_uuid(14).replace('-', '_')}_matrix"]
    assert (on_matrix.parent_name, on_matrix.driver) == ("computer", "vfio_ap_mdev")
    assert _mdev(on_matrix).parent_addr == "matrix"
    theirs = etree.fromstring(_libvirt(edges).documents[on_matrix.name].encode())
    assert theirs.findtext("parent") == "computer"
    # The parent's count of the type dropped with each one made.
    types = inv["pci_0000_00_02_0"].pci.mdev_types  # type: ignore[union-attr]
    assert types is not None
    assert {t.id: t.available_instances for t in types.types} == {
        "i915-GVTg_V5_4": 4, "i915-GVTg_V5_8": 2}  # fmt: skip


def _ap_matrix(root: Path) -> None:
    """The AP matrix as the kernel's vfio_ap driver lays it out (``devices/vfio_ap``, a
    root device; ``matrix`` on the ``matrix`` bus, of no device type, bound to
    ``vfio_ap``) with one mediated device."""
    b = SysfsBuilder(root)
    b.tree.ensure_dir("devices/vfio_ap")
    b.tree.write_attrs("devices/vfio_ap", {"uevent": b""})
    rel = "devices/vfio_ap/matrix"
    b.tree.device(rel, {"uevent": b"DRIVER=vfio_ap\n"}, subsystem="bus/matrix")
    b.tree.bus_entry("matrix", "matrix", rel)
    b.tree.ensure_dir("bus/matrix/drivers/vfio_ap")
    b.tree.link(f"{rel}/driver", "bus/matrix/drivers/vfio_ap")
    matrix = DeviceDir(b.sys / rel, rel)
    b.add_mdev_types(matrix, {"vfio_ap-passthrough": ("VFIO AP Passthrough Device", "vfio-ap", 4)})
    b.add_mdev(matrix, "vfio_ap-passthrough", _uuid(16), iommu_group=0, driver="vfio_ap_mdev")


@needs_libvirtd
def test_an_mdev_on_the_ap_matrix(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """libvirt hangs a mediated device on the AP matrix from ``ap_matrix``.  Until the
    matrix is a device of ours, ours hangs from ``computer``, its document libvirt's
    but for that; once it is, the list, the tree and the document are libvirt's."""
    _ap_matrix(tmp_path)
    view = _libvirt(tmp_path)
    name = f"mdev_{_uuid(16).replace('-', '_')}_matrix"
    assert "ap_matrix" in view.names
    theirs = etree.fromstring(view.documents[name].encode())
    assert theirs.findtext("parent") == "ap_matrix"
    inv = nx.scan(str(tmp_path))
    if "ap_matrix" in inv:
        assert _ours(capsys, tmp_path).splitlines() == view.names
        assert _ours(capsys, tmp_path, "--tree") == view.tree
    else:
        assert inv[name].parent_name == "computer"
        parent = theirs.find("parent")
        assert parent is not None
        parent.text = "computer"
    assert canonical(nx.to_xml(inv[name], profile="libvirt")) == canonical(theirs)
