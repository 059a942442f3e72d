"""The fake-sysfs builder (nodedev_xml.testing) and the checked-in trees it writes."""

from __future__ import annotations

import importlib.util
import os
import re
import stat
from pathlib import Path
from types import ModuleType

import pytest

from nodedev_xml.testing import (
    DRIVERS,
    FCHostSpec,
    SysfsBuilder,
    build_benchmark_host,
    write_pci_ids,
)

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "fixtures" / "sysfs"
#: A PCI function's directory name (``0000:04:00.0``).
PCI_FUNCTION = re.compile(r"[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]")
WRITE_ONLY = {
    "vport_create",
    "vport_delete",
    "vport_disable",
    "issue_lip",
    "scan",
    "host_reset",
    "reset_statistics",
    "bind",
    "unbind",
    "create",  # an mdev type's
    "remove",  # a mediated device's
}
SCENARIO_HOSTS = {
    "qla2xxx": ["host5", "host6", "host7", "host8"],
    "lpfc": ["host10", "host8", "host9"],
    "bfa": ["host3", "host4", "host5"],
    "fnic": ["host0"],
    "zfcp": ["host1"],
    "ahci": ["host0", "host1"],
    "luns": ["host3", "host4"],
    "initializing": ["host2", "host3"],
    "short-wwn": ["host0", "host1"],
    "sriov": ["host0", "host1", "host2", "host3"],
    "mixed": ["host3", "host4", "host5", "host6", "host7", "host8", "host9"],
    "igb": [],
    "switch": ["host0", "host1"],
    "usb-storage": ["host0", "host1"],
    "fcoe": ["host5", "host6"],
    "gpu-mdev": [],
    "s390-ap": [],
    "removable": ["host0", "host1", "host2"],
}


def load_build_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("fixtures_build", REPO / "fixtures" / "build.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def tree(root: Path) -> dict[str, tuple[str, str | bytes]]:
    """Every entry below ``root``: directories, file contents, link targets."""
    entries: dict[str, tuple[str, str | bytes]] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            rel = str(path.relative_to(root))
            mode = path.lstat().st_mode
            if stat.S_ISLNK(mode):
                entries[rel] = ("link", os.readlink(path))
            elif stat.S_ISDIR(mode):
                entries[rel] = ("dir", "")
            else:
                entries[rel] = ("file", path.read_bytes())
    return entries


def read(path: Path) -> str:
    return path.read_text()


def small_host(root: Path) -> SysfsBuilder:
    """A QLogic port (host5) with an Active vHBA (host6), an Initializing vport and a
    target; an Emulex port (host7) with a vHBA (host8); a fnic port (host9); a SATA
    host (host10); a zfcp host (host11)."""
    b = SysfsBuilder(root, first_host=5)
    qla = b.add_pci_function(
        "0000:04:00.0", vendor=0x1077, device=0x2532, driver="qla2xxx", parent="0000:00:03.0"
    )
    hba = b.add_fc_host(
        qla,
        "qla2xxx",
        node_name="20:00:00:1B:32:A9:DA:4E",
        port_name="0X2100001B32A9DA4E",
        port_id=0x010200,
    )
    b.add_vport(hba, node_name=0x2001001B32A9DA4E, port_name="0x2101001b32a9da4e")
    b.add_vport(
        hba,
        node_name=0x5001A4A00000001,
        port_name=0x5001A4A00000002,
        state="Initializing",
        with_host=False,
    )
    b.add_rport(hba, node_name=0x2FF70002AC01E3A4, port_name=0x20110002AC01E3A4, port_id=0x10400)
    emulex = b.add_pci_function("0000:07:00.0", vendor=0x10DF, device=0xF100, driver="lpfc")
    lp = b.add_fc_host(emulex, "lpfc", node_name=0x20000000C9A1B2C3, port_name=0x10000000C9A1B2C3)
    b.add_vport(lp, node_name=0x20000000C9831B4B, port_name=0x10000000C9831B4B)
    vic = b.add_pci_function("0000:0a:00.0", vendor=0x1137, device=0x0045, driver="fnic")
    b.add_fc_host(vic, "fnic", node_name=0x20000025B5AA000F, port_name=0x20000025B5BB000F)
    sata = b.add_pci_function(
        "0000:00:1f.2", vendor=0x8086, device=0x8C02, pci_class=0x010601, driver="ahci"
    )
    b.add_ata_host(sata)
    b.add_zfcp_host(node_name=0x5005076400C1A3C7, port_name=0xC05076FFE5805C31)
    return b


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> SysfsBuilder:
    return small_host(tmp_path_factory.mktemp("small"))


def roots(built: SysfsBuilder) -> list[Path]:
    return [built.root, *sorted(p for p in FIXTURES.iterdir() if (p / "sys").is_dir())]


def fc_hosts(root: Path) -> list[Path]:
    """The fc_host class directories of a root, through their class links."""
    folder = root / "sys" / "class" / "fc_host"
    return sorted(folder.iterdir()) if folder.is_dir() else []


# -- layout -------------------------------------------------------------------------------------


def test_every_link_is_relative_and_resolves_inside_the_root(built: SysfsBuilder) -> None:
    for root in roots(built):
        real_root = root.resolve()
        links = [p for p in (root / "sys").rglob("*") if p.is_symlink()]
        assert links, root
        for link in links:
            target = os.readlink(link)
            assert not os.path.isabs(target), link
            resolved = link.resolve()
            assert resolved.exists(), link
            assert resolved.is_relative_to(real_root), link


def test_class_entries_point_at_the_kernel_layout(built: SysfsBuilder) -> None:
    sys = built.sys
    pci = "devices/pci0000:00/0000:00:03.0/0000:04:00.0"
    assert os.readlink(sys / "class/scsi_host/host5") == f"../../{pci}/host5/scsi_host/host5"
    assert os.readlink(sys / "class/fc_host/host5") == f"../../{pci}/host5/fc_host/host5"
    assert os.readlink(sys / "bus/scsi/devices/host5") == f"../../../{pci}/host5"
    assert os.readlink(sys / "bus/pci/devices/0000:04:00.0") == f"../../../{pci}"
    assert os.readlink(sys / pci / "driver") == "../../../../bus/pci/drivers/qla2xxx"
    assert os.readlink(sys / pci / "host5/scsi_host/host5/device") == "../../../host5"
    for name in ("vendor", "device", "class"):
        assert (sys / pci / name).is_file()
    assert read(sys / pci / "vendor") == "0x1077\n"
    assert read(sys / pci / "device") == "0x2532\n"
    assert read(sys / pci / "class") == "0x0c0400\n"
    assert read(sys / "devices/pci0000:00/0000:00:03.0/class") == "0x060400\n"


def test_vhba_sits_under_its_vport(built: SysfsBuilder) -> None:
    sys = built.sys
    host5 = sys / "devices/pci0000:00/0000:00:03.0/0000:04:00.0/host5"
    vport = host5 / "vport-5:0-0"
    assert (sys / "class/scsi_host/host6").resolve() == (vport / "host6/scsi_host/host6").resolve()
    assert (sys / "class/fc_host/host6").resolve() == (vport / "host6/fc_host/host6").resolve()
    assert (sys / "class/fc_vports/vport-5:0-0").resolve() == (
        vport / "fc_vports/vport-5:0-0"
    ).resolve()
    attrs = vport / "fc_vports/vport-5:0-0"
    assert read(attrs / "vport_type") == "NPIV VPORT\n"
    assert read(attrs / "roles") == "FCP Initiator\n"
    assert read(attrs / "vport_state") == "Active\n"
    assert read(vport / "host6/fc_host/host6/port_type") == "NPIV VPORT\n"
    # The Initializing vport has no Scsi_Host yet.
    waiting = host5 / "vport-5:0-1"
    assert read(waiting / "fc_vports/vport-5:0-1/vport_state") == "Initializing\n"
    assert not [p for p in waiting.iterdir() if p.name.startswith("host")]
    vhba = built.hosts[6]
    assert isinstance(vhba, FCHostSpec) and vhba.vport is not None
    assert vhba.vport.name == "vport-5:0-0" and vhba.vport.parent is built.hosts[5]


def test_vport_operations_only_on_capable_physical_ports(built: SysfsBuilder) -> None:
    capable = {name for name, preset in DRIVERS.items() if preset.vport_capable}
    ops = {"vport_create", "vport_delete", "max_npiv_vports", "npiv_vports_inuse"}
    seen = set()
    for root in roots(built):
        for fc in fc_hosts(root):
            host_dir = fc.resolve().parent.parent
            proc_name = read(root / "sys/class/scsi_host" / fc.name / "proc_name").strip()
            physical = not host_dir.parent.name.startswith("vport-")
            present = {name for name in ops if (fc / name).exists()}
            expected = ops if physical and proc_name in capable else set()
            assert present == expected, fc
            seen.add((proc_name, physical))
    assert {("qla2xxx", True), ("qla2xxx", False), ("lpfc", False), ("fnic", True)} <= seen
    assert ("zfcp", True) in seen


def test_npiv_vports_inuse_counts_every_vport(built: SysfsBuilder) -> None:
    checked = 0
    for root in roots(built):
        for fc in fc_hosts(root):
            if not (fc / "npiv_vports_inuse").exists():
                continue
            host_dir = fc.resolve().parent.parent
            vports = [p for p in host_dir.iterdir() if p.name.startswith("vport-")]
            assert read(fc / "npiv_vports_inuse") == f"{len(vports)}\n", fc
            used_vpi = root / "sys/class/scsi_host" / fc.name / "used_vpi"
            if used_vpi.exists():
                assert read(used_vpi) == f"{len(vports)}\n"
            checked += bool(vports)
    assert checked >= 5


def test_wwns_are_written_unpadded_lower_case(built: SysfsBuilder) -> None:
    fc = built.sys / "class/fc_host/host5"
    assert read(fc / "node_name") == "0x2000001b32a9da4e\n"
    assert read(fc / "port_name") == "0x2100001b32a9da4e\n"
    short = FIXTURES / "short-wwn/sys/class"
    assert read(short / "fc_host/host0/node_name") == "0x1000000c9a1b2c3\n"
    assert read(short / "fc_host/host1/port_name") == "0x1a4a9d3a7c041\n"
    assert read(short / "fc_vports/vport-0:0-0/node_name") == "0x1a4a5f1c0e3b2\n"
    pattern = re.compile(r"0x[1-9a-f][0-9a-f]{0,15}\n|0x0\n")
    for root in roots(built):
        for path in (root / "sys/devices").rglob("*_name"):
            if path.name in ("node_name", "port_name", "fabric_name", "permanent_port_name"):
                assert pattern.fullmatch(read(path)), path


def test_bad_wwn_is_refused(tmp_path: Path) -> None:
    b = SysfsBuilder(tmp_path)
    fn = b.add_pci_function("0000:04:00.0", vendor=0x1077, device=0x2532, driver="qla2xxx")
    with pytest.raises(ValueError, match="WWN"):
        b.add_fc_host(fn, node_name="0xnothex", port_name=1)
    with pytest.raises(ValueError, match="WWN"):
        b.add_fc_host(fn, node_name=1 << 64, port_name=1)


def test_offline_ports_show_the_driver_no_fabric_values(built: SysfsBuilder) -> None:
    qla = FIXTURES / "qla2xxx/sys/class/fc_host/host6"
    assert read(qla / "port_state") == "Linkdown\n"
    assert read(qla / "fabric_name") == "0xffffffffffffffff\n"
    assert read(qla / "speed") == "unknown\n"
    assert read(qla / "port_type") == "Unknown\n"
    assert read(FIXTURES / "lpfc/sys/class/fc_host/host9/fabric_name") == "0x0\n"
    assert not (built.sys / "class/fc_host/host11/fabric_name").exists()  # zfcp


def test_unique_id_follows_the_driver(built: SysfsBuilder) -> None:
    def unique_ids(root: Path) -> dict[str, str]:
        folder = root / "sys/class/scsi_host"
        return {p.name: read(p / "unique_id").strip() for p in folder.iterdir()}

    assert unique_ids(FIXTURES / "qla2xxx") == {f"host{n}": str(n) for n in (5, 6, 7, 8)}
    assert unique_ids(FIXTURES / "lpfc") == {"host8": "0", "host9": "1", "host10": "2"}
    assert unique_ids(FIXTURES / "ahci") == {"host0": "1", "host1": "2"}
    assert unique_ids(FIXTURES / "zfcp") == {"host1": "6400"}
    small = unique_ids(built.root)
    assert (small["host7"], small["host8"]) == ("0", "1")  # lpfc port and its vHBA
    assert small["host9"] == "0"  # fnic: the kernel default
    assert small["host10"] == "1"  # ata1


def test_values_end_with_a_newline_and_write_only_files_are_empty(built: SysfsBuilder) -> None:
    for root in roots(built):
        for path in (root / "sys").rglob("*"):
            if path.is_symlink() or not path.is_file():
                continue
            data = path.read_bytes()
            if path.name in WRITE_ONLY:
                assert data == b"", path
            elif path.name == "config" and PCI_FUNCTION.fullmatch(path.parent.name):
                # a PCI function's binary configuration space (an AP card's is text)
                assert len(data) in (256, 4096), path  # conventional PCI, PCI Express
            elif path.name == "vpd":  # binary Vital Product Data: it ends with its end tag
                assert data[-1:] == b"\x78", path
            elif path.name in ("vpd_pg80", "vpd_pg83"):  # a LUN's VPD pages: header and length
                assert data[1] == int(path.name[-2:], 16), path
                assert len(data) == 4 + int.from_bytes(data[2:4], "big"), path
            else:
                assert data.endswith(b"\n"), path


def test_fixture_trees_have_no_empty_directories() -> None:
    """git stores no empty directory: a checked-in tree must not need one."""
    for dirpath, dirnames, filenames in os.walk(FIXTURES):
        if Path(dirpath) != FIXTURES:
            assert dirnames or filenames, dirpath


def test_fixture_scenarios_and_their_hosts() -> None:
    found = {p.name for p in FIXTURES.iterdir() if (p / "sys").is_dir()}
    assert found == set(SCENARIO_HOSTS)
    for name, hosts in SCENARIO_HOSTS.items():
        scsi_hosts = FIXTURES / name / "sys/class/scsi_host"
        assert sorted(os.listdir(scsi_hosts) if scsi_hosts.exists() else []) == hosts, name
        assert len([p for p in (FIXTURES / name).rglob("*")]) < 600, name


def test_sriov_links(built: SysfsBuilder) -> None:
    devices = FIXTURES / "sriov/sys/bus/pci/devices"
    pf, idle = devices / "0000:04:00.0", devices / "0000:04:00.1"
    assert read(pf / "sriov_totalvfs") == "4\n"
    assert read(pf / "sriov_numvfs") == "2\n"
    assert os.readlink(pf / "virtfn0") == "../0000:04:04.0"
    assert os.readlink(pf / "virtfn1") == "../0000:04:04.1"
    assert not (pf / "virtfn2").exists()
    assert os.readlink(devices / "0000:04:04.0" / "physfn") == "../0000:04:00.0"
    assert not (devices / "0000:04:04.0" / "sriov_totalvfs").exists()
    assert read(idle / "sriov_totalvfs") == "4\n"
    assert read(idle / "sriov_numvfs") == "0\n"
    assert not list(idle.glob("virtfn*"))
    assert (devices / "0000:04:04.1/host3/fc_host/host3/port_name").is_file()


def test_overrides_replace_add_and_remove(tmp_path: Path) -> None:
    b = SysfsBuilder(tmp_path)
    fn = b.add_pci_function("0000:04:00.0", vendor=0x1077, device=0x2532, driver="qla2xxx")
    hba = b.add_fc_host(
        fn,
        node_name=1,
        port_name=2,
        fc_host={
            "speed": "4 Gbit",
            "statistics": None,
            "npiv_vports_inuse": "7",
            "manufacturer": "QLogic",
            "fabric_name": None,
        },
        scsi_host={"serial_num": None},
    )
    fc = tmp_path / "sys/class/fc_host/host0"
    assert read(fc / "speed") == "4 Gbit\n"
    assert read(fc / "manufacturer") == "QLogic\n"
    assert not (fc / "statistics").exists()
    assert not (fc / "fabric_name").exists() and hba.fabric_name is None
    assert not (tmp_path / "sys/class/scsi_host/host0/serial_num").exists()
    b.add_vport(hba, node_name=3, port_name=4)
    assert read(fc / "npiv_vports_inuse") == "7\n"  # an overridden counter is left alone


def test_vports_need_a_vport_capable_physical_port(built: SysfsBuilder, tmp_path: Path) -> None:
    b = SysfsBuilder(tmp_path)
    fn = b.add_pci_function("0000:0a:00.0", vendor=0x1137, device=0x0045, driver="fnic")
    fnic = b.add_fc_host(fn, "fnic", node_name=1, port_name=2)
    with pytest.raises(ValueError, match="vport-capable"):
        b.add_vport(fnic, node_name=3, port_name=4)
    vhba = built.hosts[6]
    assert isinstance(vhba, FCHostSpec)
    with pytest.raises(ValueError, match="vport-capable"):
        SysfsBuilder(tmp_path / "other").add_vport(vhba, node_name=3, port_name=4)


def test_host_numbers_are_unique(tmp_path: Path) -> None:
    b = SysfsBuilder(tmp_path)
    sata = b.add_pci_function("0000:00:1f.2", vendor=0x8086, device=0x8C02, driver="ahci")
    b.add_ata_host(sata, host=3)
    assert b.add_ata_host(sata).number == 4
    with pytest.raises(ValueError, match="host3"):
        b.add_ata_host(sata, host=3)


# -- pci.ids ------------------------------------------------------------------------------------


def parse_pci_ids(text: str) -> dict[tuple[str, ...], str]:
    """Vendor, device and subsystem names of a pci.ids file, keyed by their ids."""
    names: dict[tuple[str, ...], str] = {}
    vendor = device = ""
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        if line.startswith("C "):
            break  # the device classes follow the vendors
        if m := re.fullmatch(r"([0-9a-f]{4})  (.+)", line):
            vendor = m[1]
            names[(vendor,)] = m[2]
        elif m := re.fullmatch(r"\t([0-9a-f]{4})  (.+)", line):
            device = m[1]
            names[(vendor, device)] = m[2]
        elif m := re.fullmatch(r"\t\t([0-9a-f]{4}) ([0-9a-f]{4})  (.+)", line):
            names[(vendor, device, m[1], m[2])] = m[3]
        else:
            raise AssertionError(f"not pci.ids syntax: {line!r}")
    return names


def test_pci_ids_format_and_real_names(tmp_path: Path) -> None:
    path = write_pci_ids(tmp_path)
    assert path == tmp_path / "usr/share/misc/pci.ids"
    ours = parse_pci_ids(path.read_text())
    assert ours[("1077",)] == "QLogic Corp."
    assert ours[("1077", "2532")] == "ISP2532-based 8Gb Fibre Channel to PCI Express HBA"
    assert ours[("10df",)] == "Emulex Corporation"
    assert ours[("8086", "8c02")] == (
        "8 Series/C220 Series Chipset Family 6-port SATA Controller 1 [AHCI mode]"
    )
    system = Path("/usr/share/misc/pci.ids")
    if system.is_file():
        real = parse_pci_ids(system.read_text(encoding="utf-8", errors="replace"))
        for key, name in ours.items():
            assert real.get(key) == name, key


def test_pci_ids_of_a_builder_name_only_its_devices() -> None:
    names = parse_pci_ids((FIXTURES / "qla2xxx/usr/share/misc/pci.ids").read_text())
    assert set(names) == {
        ("1077",),
        ("1077", "2532"),
        ("1077", "2532", "1077", "015d"),
        ("8086",),
        ("8086", "2f08"),
    }


# -- the benchmark host and the checked-in trees ------------------------------------------------


def check_benchmark_host(root: Path, hbas: int, vports: int) -> None:
    classes = root / "sys" / "class"
    assert len(os.listdir(classes / "scsi_host")) == hbas * (1 + vports)
    assert len(os.listdir(classes / "fc_host")) == hbas * (1 + vports)
    assert len(os.listdir(classes / "fc_vports")) == hbas * vports
    names = {read(p / "port_name") for p in (classes / "fc_host").iterdir()}
    names |= {read(p / "node_name") for p in (classes / "fc_host").iterdir()}
    assert len(names) == 2 * hbas * (1 + vports)
    for n in range(hbas):
        fc = classes / "fc_host" / f"host{n}"
        assert read(fc / "npiv_vports_inuse") == f"{vports}\n"
        assert read(fc / "port_state") == "Online\n"
        assert int(read(fc / "max_npiv_vports")) >= vports


def test_benchmark_host_small(tmp_path: Path) -> None:
    builder = build_benchmark_host(tmp_path, cards=2, ports_per_card=2, vports_per_port=3)
    check_benchmark_host(tmp_path, hbas=4, vports=3)
    assert sorted(builder.pci) == [
        "0000:00:02.0",
        "0000:00:03.0",
        "0000:10:00.0",
        "0000:10:00.1",
        "0000:11:00.0",
        "0000:11:00.1",
    ]
    vhba = tmp_path / "sys/class/scsi_host/host4"
    assert vhba.resolve().parts[-6:] == (
        "0000:10:00.0",
        "host0",
        "vport-0:0-0",
        "host4",
        "scsi_host",
        "host4",
    )
    assert (tmp_path / "usr/share/misc/pci.ids").is_file()


def test_benchmark_host_with_lpfc(tmp_path: Path) -> None:
    build_benchmark_host(tmp_path, cards=1, ports_per_card=2, vports_per_port=2, driver="lpfc")
    check_benchmark_host(tmp_path, hbas=2, vports=2)
    with pytest.raises(ValueError, match="vport-capable"):
        build_benchmark_host(tmp_path / "fnic", driver="fnic")


@pytest.mark.skipif(
    not os.environ.get("NODEDEV_XML_SLOW_TESTS"), reason="set NODEDEV_XML_SLOW_TESTS=1"
)
def test_benchmark_host_default_size(tmp_path: Path) -> None:
    build_benchmark_host(tmp_path)
    check_benchmark_host(tmp_path, hbas=16, vports=255)


def test_build_script_reproduces_the_checked_in_trees(tmp_path: Path) -> None:
    build = load_build_script()
    build.build_all(tmp_path / "sysfs")
    fresh, checked_in = tree(tmp_path / "sysfs"), tree(FIXTURES)
    assert sorted(set(fresh) ^ set(checked_in)) == [], "run: python fixtures/build.py"
    changed = sorted(k for k in fresh if fresh[k] != checked_in[k])
    assert changed == [], "run: python fixtures/build.py"


def test_add_mdev_refuses_what_the_kernel_refuses(tmp_path: Path) -> None:
    """A mediated device of a type the parent offers, named by a free UUID, while an
    instance of the type is left; each made lowers the type's count."""
    b = SysfsBuilder(tmp_path)
    fn = b.add_pci_function("0000:00:02.0", vendor=0x8086, device=0x3E92, pci_class=0x030000,
                            driver="i915")  # fmt: skip
    b.add_mdev_types(fn, {"i915-GVTg_V5_8": ("GVTg_V5_8", "vfio-pci", 1)})
    first, second = "4b20d080-1b54-4048-85b3-a6a62d165c01", "4b20d080-1b54-4048-85b3-a6a62d165c02"
    with pytest.raises(KeyError, match="offers no"):
        b.add_mdev(fn, "i915-GVTg_V5_4", first, iommu_group=0)
    with pytest.raises(ValueError, match="not a UUID"):
        b.add_mdev(fn, "i915-GVTg_V5_8", first.upper(), iommu_group=0)
    made = b.add_mdev(fn, "i915-GVTg_V5_8", first, iommu_group=0)
    count = fn.path / "mdev_supported_types/i915-GVTg_V5_8/available_instances"
    assert count.read_text() == "0\n"
    assert os.readlink(made.path / "mdev_type") == "../mdev_supported_types/i915-GVTg_V5_8"
    assert os.readlink(tmp_path / "sys/bus/mdev/devices" / first) == (
        "../../../devices/pci0000:00/0000:00:02.0/" + first)
    with pytest.raises(ValueError, match="exists already"):
        b.add_mdev(fn, "i915-GVTg_V5_8", first, iommu_group=1)
    with pytest.raises(ValueError, match="no instance"):
        b.add_mdev(fn, "i915-GVTg_V5_8", second, iommu_group=1)
