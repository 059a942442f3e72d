"""What the scan makes of each checked-in host: the facts a user checks first."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from conftest import FIXTURES, scenarios

import nodedev_xml as nx
from nodedev_xml.sysfs.access import MAX_ATTR_BYTES, CountingFileAccess
from nodedev_xml.sysfs.pipeline import read_devices, read_names
from nodedev_xml.sysfs.policy import membership
from nodedev_xml.sysfs.session import ReadSession
from nodedev_xml.sysfs.source import SysfsSource, Warn
from nodedev_xml.vocabulary import LIST_CAPS


def scan(scenario: str) -> nx.Inventory:
    return nx.scan(str(FIXTURES / scenario))


def test_qla2xxx_hba_lists_its_vhbas_and_each_names_it() -> None:
    inv = scan("qla2xxx")
    hba = inv["scsi_host5"].scsi_host
    assert hba is not None and hba.vports is not None and hba.vport_ops is not None
    assert [v.name for v in hba.vports.vports] == ["scsi_host7", "scsi_host8"]
    assert hba.vports.max_count == hba.vport_ops.max_vports == 127
    assert hba.vport_ops.vports == 2
    for name in ("scsi_host7", "scsi_host8"):
        vhba = inv[name]
        assert vhba.parent_name == "scsi_host5"
        assert vhba.scsi_host is not None and vhba.scsi_host.phys_hba is not None
        assert vhba.scsi_host.phys_hba.name == "scsi_host5"
        assert vhba.scsi_host.vport_ops is None
    assert [d.name for d in inv.vhbas("scsi_host5")] == ["scsi_host7", "scsi_host8"]
    assert inv["scsi_host5"].parent_name == "pci_0000_04_00_0"
    assert inv["pci_0000_04_00_0"].parent_name == "pci_0000_00_03_0"
    assert inv["pci_0000_00_03_0"].parent_name == "computer"


def test_ports_off_the_fabric_have_no_fabric_wwn() -> None:
    linkdown_qla = scan("qla2xxx")["scsi_host6"].scsi_host
    linkdown_lpfc = scan("lpfc")["scsi_host9"].scsi_host
    for cap in (linkdown_qla, linkdown_lpfc):
        assert cap is not None and cap.fc_host is not None
        assert cap.fc_host.fabric_wwn is None
        assert cap.fc_host.port_state == "Linkdown"
    assert "fabric_wwn" not in nx.to_xml(scan("lpfc")["scsi_host9"], "libvirt")


def test_lpfc_unique_ids_follow_the_driver_instance() -> None:
    inv = scan("lpfc")
    ids = {n: inv[n].scsi_host.unique_id for n in ("scsi_host8", "scsi_host9", "scsi_host10")}  # type: ignore[union-attr]
    assert ids == {"scsi_host8": 0, "scsi_host9": 1, "scsi_host10": 2}


def test_fnic_is_fc_but_not_vport_capable() -> None:
    inv = scan("fnic")
    assert [d.name for d in inv.with_cap("fc_host")] == ["scsi_host0"]
    assert inv.with_cap("vports") == []
    cap = inv["scsi_host0"].scsi_host
    assert cap is not None and cap.vports is None and cap.vport_ops is None


def test_zfcp_host_has_no_fabric_and_no_pci() -> None:
    dev = scan("zfcp")["scsi_host1"]
    cap = dev.scsi_host
    assert cap is not None and cap.fc_host is not None
    assert cap.fc_host.fabric_wwn is None
    assert cap.adapter is None
    assert dev.parent_name == "ccw_0_0_1900"  # its CCW device, below subchannel 0.0.0010


def test_sata_hosts_are_scsi_hosts_without_fc() -> None:
    inv = scan("ahci")
    assert [d.name for d in inv.with_cap("scsi_host")] == ["scsi_host0", "scsi_host1"]
    assert inv.with_cap("fc_host") == []
    assert inv["scsi_host0"].parent_name == "pci_0000_00_1f_2"  # ata1 is no node device


def test_vport_whose_host_has_not_appeared_is_listed_without_name() -> None:
    cap = scan("initializing")["scsi_host2"].scsi_host
    assert cap is not None and cap.vports is not None
    states = [(v.name, v.state) for v in cap.vports.vports]
    assert states == [("scsi_host3", "Active"), (None, "Initializing")]


def test_short_kernel_wwns_are_padded() -> None:
    inv = scan("short-wwn")
    fc = inv["scsi_host0"].scsi_host.fc_host  # type: ignore[union-attr]
    assert fc is not None and str(fc.wwnn) == "01000000c9a1b2c3"
    assert "<wwnn>01000000c9a1b2c3</wwnn>" in nx.to_xml(inv["scsi_host0"], "libvirt")


def test_sriov_functions_are_linked_both_ways() -> None:
    inv = scan("sriov")
    pf = inv["pci_0000_04_00_0"].pci
    assert pf is not None and pf.virt_functions is not None
    assert [str(a) for a in pf.virt_functions.addresses] == ["0000:04:04.0", "0000:04:04.1"]
    vf = inv["pci_0000_04_04_0"].pci
    assert vf is not None and str(vf.phys_function) == "0000:04:00.0"
    assert vf.virt_functions is None
    empty = inv["pci_0000_04_00_1"].pci
    assert empty is not None and empty.virt_functions is not None
    assert empty.virt_functions.addresses == () and empty.virt_functions.max_count == 4


def test_adapter_names_the_card() -> None:
    cap = scan("qla2xxx")["scsi_host7"].scsi_host
    assert cap is not None and cap.adapter is not None
    assert cap.adapter.vendor_name == "QLogic Corp."
    assert cap.adapter.model == "QLE2562"
    assert str(cap.adapter.address) == "0000:04:00.0"  # a vHBA's card is its HBA's


def test_scan_reads_grow_linearly(tmp_path: object) -> None:
    """Twice the vHBAs, twice the reads (plus a constant): no per-device rescans."""
    from pathlib import Path

    from nodedev_xml.testing import build_benchmark_host

    counts = []
    for n in (4, 8, 16):
        root = Path(str(tmp_path)) / f"h{n}"
        build_benchmark_host(root, cards=1, ports_per_card=2, vports_per_port=n)
        fs = CountingFileAccess()
        nx.scan(str(root), fs=fs)
        counts.append(sum(fs.counts.values()))
    # c(n) = a + b*n: going from 8 to 16 vHBAs a port adds twice what 4 to 8 did.
    assert counts[2] - counts[1] == 2 * (counts[1] - counts[0]) > 0


class OpaqueSource:
    """A :class:`Source` whose handles are tokens (``#3``) that say nothing of a
    path: a builder or discovery step that took a handle apart itself, instead of
    through the source, would fail on it.  Reads go to the sysfs source beneath."""

    def __init__(self, inner: SysfsSource) -> None:
        self.inner = inner
        self.root = inner.root
        self._paths: list[str] = []
        self._tokens: dict[str, str] = {}

    def _tok(self, path: str) -> str:
        token = self._tokens.get(path)
        if token is None:
            token = self._tokens[path] = f"#{len(self._paths)}"
            self._paths.append(path)
        return token

    def _path(self, token: str) -> str:
        assert token.startswith("#"), f"not a handle of this source: {token!r}"
        return self._paths[int(token[1:])]

    def require(self) -> None:
        self.inner.require()

    def class_devices(self, cls: str, warn: Warn) -> list[tuple[str, str]]:
        return [(n, self._tok(p)) for n, p in self.inner.class_devices(cls, warn)]

    def bus_entries(self, bus: str, warn: Warn) -> list[str]:
        return self.inner.bus_entries(bus, warn)

    def bus_device(self, bus: str, name: str, warn: Warn) -> str | None:
        path = self.inner.bus_device(bus, name, warn)
        return self._tok(path) if path is not None else None

    def read(self, dev: str, attr: str, limit: int = MAX_ATTR_BYTES) -> bytes:
        return self.inner.read(self._path(dev), attr, limit)

    def link(self, dev: str, name: str) -> str:
        return self.inner.link(self._path(dev), name)

    def has(self, dev: str, attr: str) -> bool:
        return self.inner.has(self._path(dev), attr)

    def entries(self, dev: str, name: str) -> list[str]:
        return self.inner.entries(self._path(dev), name)

    def dev_links(self, directory: str) -> list[tuple[str, str]]:
        return self.inner.dev_links(directory)

    def reachable(self, dev: str) -> bool:
        return self.inner.reachable(self._path(dev))

    def name(self, dev: str) -> str:
        return self.inner.name(self._path(dev))

    def parent(self, dev: str) -> str:
        return self._tok(self.inner.parent(self._path(dev)))

    def child(self, dev: str, *names: str) -> str:
        return self._tok(self.inner.child(self._path(dev), *names))

    def owner(self, class_dev: str, cls: str, name: str) -> str | None:
        path = self.inner.owner(self._path(class_dev), cls, name)
        return self._tok(path) if path is not None else None

    def ancestors(self, dev: str) -> Iterator[str]:
        return (self._tok(p) for p in self.inner.ancestors(self._path(dev)))

    def iommu_group(self, dev: str) -> str:
        return self.inner.iommu_group(self._path(dev))

    def iommu_group_members(self, group: str) -> list[str]:
        return self.inner.iommu_group_members(group)

    def devpath(self, dev: str) -> str:
        return self.inner.devpath(self._path(dev))


@pytest.mark.parametrize("scenario", scenarios())
def test_builders_read_only_through_the_source(scenario: str) -> None:
    """The same devices, warnings and names-only listing through a source whose
    handles are no paths: nothing past the Source interface assumes a file path."""
    root = str(FIXTURES / scenario)
    inv = nx.scan(root)
    devices, warnings = list(inv.values()), list(inv.warnings)
    session = ReadSession(OpaqueSource(SysfsSource(root)))
    assert read_devices(session) == devices
    assert session.warnings == warnings
    for caps in (None, *(frozenset({c}) for c in LIST_CAPS)):
        policy = membership(caps)
        opaque = ReadSession(OpaqueSource(SysfsSource(root)))
        assert read_names(opaque, policy) == read_names(ReadSession(SysfsSource(root)), policy)
