"""The PCI capability's facts: bridge, IOMMU group, NUMA node and PCI Express link.

What libvirt prints for each is checked against libvirtd itself in
``tests/test_libvirt_oracle.py``; here are the rules learned from it, on config
spaces built byte by byte, the hostile cases, and the guarantees that hold on
every tree (no VF carries ``virt_functions``; every document validates).
"""

from __future__ import annotations

import os
import struct
from pathlib import Path

import pytest
from conftest import FIXTURES, scenarios
from lxml import etree
from pci_trees import pci_odd_numbering

import nodedev_xml as nx
from nodedev_xml.cli import main
from nodedev_xml.model import PCIELink, PCIExpress
from nodedev_xml.sysfs import pciconfig
from nodedev_xml.testing import PCIeLink, SysfsBuilder
from nodedev_xml.xml import codec

ROOTS = [FIXTURES / name for name in scenarios()]


def config(
    size: int = 4096,
    *,
    status: int = 0x10,
    header: int = 0,
    caps: tuple[tuple[int, int, bytes], ...] = (),
) -> bytes:
    """A config space of ``size`` bytes with ``caps`` ``(offset, id, body)`` chained
    from the pointer at 0x34 (bodies start after the id and next bytes)."""
    space = bytearray(max(size, 0x40))
    struct.pack_into("<HHHH", space, 0, 0x8086, 0x10C9, 6, status)
    space[0x0E] = header
    if caps:
        space[0x34] = caps[0][0]
    for i, (offset, cap_id, body) in enumerate(caps):
        space[offset] = cap_id
        space[offset + 1] = caps[i + 1][0] if i + 1 < len(caps) else 0
        space[offset + 2 : offset + 2 + len(body)] = body
    return bytes(space[:size])


def express(
    port_type: int = 0, cap: tuple[int, int, int] = (3, 8, 0), sta: tuple[int, int] = (3, 8)
) -> bytes:
    """A PCI Express capability's body: Link Capabilities ``(speed, width, port)``,
    Link Status ``(speed, width)``."""
    body = bytearray(0x3A)
    struct.pack_into("<H", body, 0, 0x0002 | port_type << 4)
    struct.pack_into("<I", body, 0x0A, cap[0] | cap[1] << 4 | cap[2] << 24)
    struct.pack_into("<H", body, 0x10, sta[0] | sta[1] << 4)
    return bytes(body)


def links(cap: tuple[str | None, int, int], sta: tuple[str | None, int]) -> PCIExpress:
    return PCIExpress((PCIELink("cap", cap[1], cap[0], cap[2]), PCIELink("sta", sta[1], sta[0])))


# -- the config space, as libvirtd reads it ------------------------------------------


def test_the_pci_express_capability_gives_both_links() -> None:
    space = config(
        caps=((0x40, 0x01, b"\x03\x00"), (0x60, 0x10, express(cap=(2, 4, 5), sta=(1, 4))))
    )
    assert pciconfig.pci_express(space) == links(("5", 4, 5), ("2.5", 4))


@pytest.mark.parametrize(
    ("code", "speed"),
    [(1, "2.5"), (2, "5"), (3, "8"), (4, "16"), (5, "32"), (6, "64"), (0, None), (7, None)],
)
def test_speeds_are_named_as_libvirt_names_them(code: int, speed: str | None) -> None:
    """0 is no speed; 7 and up libvirt 9.0 prints as ``(null)``, which its own schema
    refuses: left out."""
    space = config(caps=((0x40, 0x10, express(cap=(code, 8, 0), sta=(code, 8))),))
    assert pciconfig.pci_express(space) == links((speed, 8, 0), (speed, 8))


def test_conventional_pci_has_no_pci_express() -> None:
    assert pciconfig.pci_express(config(256)) is None
    assert pciconfig.pci_express(config(256, status=0, caps=((0x40, 0x10, express()),))) is None


def test_a_config_space_not_of_256_bytes_is_pci_express_without_a_capability() -> None:
    """As libvirt decides: the size of a conventional function's space is 256 bytes."""
    for size in (0, 32, 128, 255, 257, 4096):
        assert pciconfig.pci_express(config(size)) == PCIExpress(), size


def test_the_unprivileged_64_bytes_say_nothing() -> None:
    """What the kernel gives a reader who is not root: no PCI Express, not "no link"."""
    assert pciconfig.pci_express(config(64)) is None
    assert pciconfig.pci_express(config(128, header=2)) is None  # a CardBus bridge's 128


@pytest.mark.parametrize("port_type", [0x9, 0xA])
def test_root_complex_integrated_functions_have_no_link(port_type: int) -> None:
    space = config(caps=((0x40, 0x10, express(port_type)),))
    assert pciconfig.pci_express(space) == PCIExpress()


def test_capability_list_pointers_are_followed_as_libvirt_follows_them() -> None:
    """Unaligned pointers are followed; one into the header (< 0x40) ends the list."""
    assert pciconfig.pci_express(config(256, caps=((0x43, 0x10, express()),))) == links(
        ("8", 8, 0), ("8", 8)
    )
    assert pciconfig.pci_express(config(256, caps=((0x20, 0x10, express()),))) is None


def test_a_looping_capability_list_ends() -> None:
    space = bytearray(config(256, caps=((0x40, 0x01, b""), (0x50, 0x05, b""))))
    space[0x51] = 0x40  # 0x50 points back to 0x40
    assert pciconfig.pci_express(bytes(space)) is None


def test_a_capability_cut_off_by_the_end_of_the_file_reads_zero() -> None:
    space = config(256, caps=((0x40, 0x01, b""), (0xFC, 0x10, express()[:2])))
    assert pciconfig.pci_express(space) == links((None, 0, 0), (None, 0))


@pytest.mark.parametrize(
    ("header", "bridge"),
    [(0, None), (1, "pci-bridge"), (2, "cardbus-bridge"), (0x81, "pci-bridge")],
)
def test_the_bridge_is_the_header_type(header: int, bridge: str | None) -> None:
    """Not the class: libvirt reads the header type (multi-function bit masked)."""
    assert pciconfig.bridge(config(256, header=header)) == bridge


def test_an_undefined_header_type_is_refused() -> None:
    with pytest.raises(ValueError, match="header type 3"):
        pciconfig.bridge(config(256, header=3))


# -- every tree ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def odd_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("pci") / "odd"
    pci_odd_numbering(root)
    return root


def test_no_virtual_function_carries_virt_functions(odd_root: Path, tmp_path: Path) -> None:
    """Not even one whose directory has ``sriov_totalvfs`` (the RFC thread's bug)."""
    b = SysfsBuilder(tmp_path)
    pf = b.add_pci_function("0000:02:00.0", vendor=0x8086, device=0x10C9, sriov_totalvfs=7)
    b.add_pci_function(
        "0000:02:10.0", vendor=0x8086, device=0x10CA, physfn=pf, attrs={"sriov_totalvfs": "7"}
    )
    vfs = 0
    for root in (*ROOTS, odd_root, tmp_path):
        for device in nx.scan(str(root)).values():
            if device.pci is not None and device.pci.phys_function is not None:
                vfs += 1
                assert device.pci.virt_functions is None, (root, device.name)
    assert vfs == 9  # sriov and igb two each, the odd tree four, this one


@pytest.mark.parametrize("profile", ["libvirt", "enriched"])
def test_every_document_validates(
    profile: str, odd_root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for root in (*ROOTS, odd_root):
        out = tmp_path / f"{root.name}.xml"
        assert main(["-q", "--root", str(root), "dumpxml", "--all", "--profile", profile]) == 0
        out.write_text(capsys.readouterr().out)
        assert main(["validate", "--profile", profile, str(out)]) == 0, root
        capsys.readouterr()


def test_the_builder_writes_the_link_as_the_kernel_prints_it(tmp_path: Path) -> None:
    """``max_link_*`` / ``current_link_*`` agree with the config space's registers."""
    b = SysfsBuilder(tmp_path)
    fn = b.add_pci_function(
        "0000:05:00.0",
        vendor=0x10DF,
        device=0xF100,
        pcie=PCIeLink("5.0", 4, speed="2.5", width=2, port=3),
    )
    files = {n: (fn.path / n).read_bytes() for n in os.listdir(fn.path) if "link" in n}
    assert files == {
        "max_link_speed": b"5.0 GT/s PCIe\n",
        "max_link_width": b"4\n",
        "current_link_speed": b"2.5 GT/s PCIe\n",
        "current_link_width": b"2\n",
    }
    space = (fn.path / "config").read_bytes()
    assert len(space) == 4096
    assert pciconfig.pci_express(space) == links(("5", 4, 3), ("2.5", 2))


# -- hostile trees ---------------------------------------------------------------------


def _one_function(root: Path, **kwargs: object) -> Path:
    b = SysfsBuilder(root)
    fn = b.add_pci_function(
        "0000:04:00.0",
        vendor=0x8086,
        device=0x10C9,
        pcie=PCIeLink(),
        iommu_group=5,
        numa_node=0,
        **kwargs,
    )  # type: ignore[arg-type]
    return fn.path


def _scan_one(root: Path) -> tuple[nx.Device, list[str]]:
    inv = nx.scan(str(root))
    return inv["pci_0000_04_00_0"], [f"{w.attribute}: {w.message}" for w in inv.warnings]


def test_an_iommu_group_link_out_of_the_groups_is_not_used(tmp_path: Path) -> None:
    path = _one_function(tmp_path)
    (path / "iommu_group").unlink()
    (path / "iommu_group").symlink_to("../../../../../etc/5")
    device, warnings = _scan_one(tmp_path)
    assert device.pci is not None and device.pci.iommu_group is None
    assert len(warnings) == 1 and warnings[0].startswith("iommu_group: ")


def test_an_iommu_group_that_cannot_be_listed_holds_the_function_alone(tmp_path: Path) -> None:
    path = _one_function(tmp_path)
    os.rename(tmp_path / "sys/kernel/iommu_groups/5/devices", tmp_path / "elsewhere")
    device, warnings = _scan_one(tmp_path)
    assert device.pci is not None and device.pci.iommu_group is not None
    assert device.pci.iommu_group.addresses == (device.pci.address,)
    assert warnings == [] and path.exists()


def test_garbage_is_left_out_with_a_warning(tmp_path: Path) -> None:
    path = _one_function(tmp_path, attrs={"numa_node": "zero"})
    space = bytearray((path / "config").read_bytes())
    space[0x0E] = 0x7F
    (path / "config").write_bytes(bytes(space))
    device, warnings = _scan_one(tmp_path)
    assert device.pci is not None
    assert (device.pci.numa_node, device.pci.bridge) == (None, None)
    assert device.pci.pci_express is not None  # the rest of the space still reads
    assert sorted(w.split(":")[0] for w in warnings) == ["config", "numa_node"]


def test_a_bus_entry_out_of_the_devices_is_not_listed(tmp_path: Path) -> None:
    _one_function(tmp_path)
    (tmp_path / "sys/bus/pci/devices/0000:05:00.0").symlink_to("../../../../etc")
    inv = nx.scan(str(tmp_path))
    assert list(inv) == ["pci_0000_04_00_0"]
    assert [w.message for w in inv.warnings] == ["link points outside sys/devices; not followed"]


# -- the codec -------------------------------------------------------------------------


def test_the_new_elements_round_trip_in_libvirts_order(odd_root: Path) -> None:
    for root in (*ROOTS, odd_root):
        for device in nx.scan(str(root)).values():
            if device.pci is None:
                continue
            xml = nx.to_xml(device, profile="libvirt")
            assert nx.from_xml(xml) == device
            pci = etree.fromstring(xml.encode()).find("capability[@type='pci']")
            assert pci is not None
            tags = [c.get("type") if c.tag == "capability" else c.tag for c in pci]
            order = [
                "phys_function",
                "virt_functions",
                "pci-bridge",
                "cardbus-bridge",
                "iommuGroup",
                "numa",
                "pci-express",
            ]
            rest = [t for t in tags if t in order]
            assert rest == sorted(rest, key=order.index)


def test_numa_without_a_node_is_no_node() -> None:
    """libvirt's parser takes it as -1, which it does not print."""
    xml = (
        "<device><name>pci_0000_04_00_0</name><capability type='pci'><domain>0</domain>"
        "<bus>4</bus><slot>0</slot><function>0</function><product id='0x1'/>"
        "<vendor id='0x1'/><numa/></capability></device>"
    )
    device = nx.from_xml(xml)
    assert device.pci is not None and device.pci.numa_node is None
    assert "<numa" not in nx.to_xml(device)


def test_a_link_without_width_is_refused() -> None:
    el = etree.fromstring("<pci-express><link validity='cap' speed='8'/></pci-express>")
    with pytest.raises(nx.XMLInputError, match="width"):
        codec.parse_pci(
            etree.fromstring(
                "<capability type='pci'><domain>0</domain><bus>0</bus><slot>0</slot>"
                f"<function>0</function>{etree.tostring(el).decode()}</capability>"
            )
        )


def test_a_link_that_retrains_is_told_in_words(tmp_path: Path) -> None:
    """``watch`` says what changed: the link's status, as speed and width."""
    from nodedev_xml.events import diff

    path = _one_function(tmp_path)
    before = nx.scan(str(tmp_path))
    space = bytearray((path / "config").read_bytes())
    struct.pack_into("<H", space, 0x60 + 0x12, 1 | 4 << 4)  # Link Status: 2.5 GT/s, x4
    (path / "config").write_bytes(bytes(space))
    events = diff(before, nx.scan(str(tmp_path)))
    assert [str(e) for e in events] == [
        "changed pci_0000_04_00_0: pci_express.links "
        "cap 8 GT/s x8 port 0, sta 8 GT/s x8 -> cap 8 GT/s x8 port 0, sta 2.5 GT/s x4"
    ]
