"""Hosts for libvirt's test driver: ``<node>`` files, one file a host.

Each ``test:///ABS/PATH.xml`` open parses its file into a fresh, independent
state (nothing is written back), so two files are two hosts.  The test driver
creates every vHBA by cloning the device named ``scsi_host11`` (new name
``scsi_host12``, parent and host number copied from ``scsi_host11``), so every
host here has a ``scsi_host11``: a vHBA already running on its first HBA.
Pools in a file are loaded active and persistent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class HBA:
    """A vport-capable HBA (``scsi_hostN`` under a PCI function)."""

    host: int
    wwnn: str
    wwpn: str
    fabric: str | None = "2000000043214321"
    vport_ops: bool = True


@dataclass(frozen=True)
class VHBA:
    host: int
    parent: int
    wwnn: str
    wwpn: str
    fabric: str = "2000000043214321"


@dataclass(frozen=True)
class Pool:
    name: str
    uuid: str
    wwnn: str
    wwpn: str
    parent: str | None = None
    kind: str = "scsi"
    adapter: str = "fc_host"


@dataclass
class Host:
    hbas: list[HBA]
    vhbas: list[VHBA] = field(default_factory=list)
    pools: list[Pool] = field(default_factory=list)
    luns: list[tuple[int, int, int, int]] = field(default_factory=list)
    domains: list[tuple[str, str]] = field(default_factory=list)  # (name, pool of its disk)

    def write(self, path: Path) -> str:
        """Write the host's file; its URI."""
        path.write_text(self.xml(), encoding="utf-8")
        return f"test://{path.resolve()}"

    def xml(self) -> str:
        parts = ["<node>"]
        for name, pool in self.domains:
            parts.append(_domain(name, pool))
        for pool in self.pools:
            parts.append(_pool(pool))
        for hba in self.hbas:
            parts.append(_hba(hba))
        for v in self.vhbas:
            parts.append(_vhba(v))
        for h, b, t, lun in self.luns:
            parts.append(_lun(h, b, t, lun))
        parts.append("</node>")
        return "\n".join(parts) + "\n"


def _fc(wwnn: str, wwpn: str, fabric: str | None) -> str:
    fab = f"<fabric_wwn>{fabric}</fabric_wwn>" if fabric else ""
    return f"<capability type='fc_host'><wwnn>{wwnn}</wwnn><wwpn>{wwpn}</wwpn>{fab}</capability>"


def _hba(h: HBA) -> str:
    ops = "<capability type='vport_ops'/>" if h.vport_ops else ""
    return (
        f"<device><name>scsi_host{h.host}</name><parent>computer</parent>"
        f"<capability type='scsi_host'><host>{h.host}</host><unique_id>{h.host}</unique_id>"
        f"{_fc(h.wwnn, h.wwpn, h.fabric)}{ops}</capability></device>"
    )


def _vhba(v: VHBA) -> str:
    return (
        f"<device><name>scsi_host{v.host}</name><parent>scsi_host{v.parent}</parent>"
        f"<capability type='scsi_host'><host>{v.host}</host><unique_id>{v.host}</unique_id>"
        f"{_fc(v.wwnn, v.wwpn, v.fabric)}</capability></device>"
    )


def _lun(h: int, b: int, t: int, lun: int) -> str:
    return (
        f"<device><name>scsi_{h}_{b}_{t}_{lun}</name><parent>scsi_host{h}</parent>"
        f"<capability type='scsi'><host>{h}</host><bus>{b}</bus><target>{t}</target>"
        f"<lun>{lun}</lun><type>disk</type></capability></device>"
    )


def _pool(p: Pool) -> str:
    parent = f" parent='{p.parent}'" if p.parent else ""
    if p.adapter == "fc_host":
        adapter = f"<adapter type='fc_host'{parent} managed='yes' wwnn='{p.wwnn}' wwpn='{p.wwpn}'/>"
    else:
        adapter = "<adapter type='scsi_host' name='scsi_host2'/>"
    source = f"<source>{adapter}</source>" if p.kind == "scsi" else "<source/>"
    target = "/dev/disk/by-path" if p.kind == "scsi" else f"/var/lib/{p.name}"
    return (
        f"<pool type='{p.kind}'><name>{p.name}</name><uuid>{p.uuid}</uuid>{source}"
        f"<target><path>{target}</path></target></pool>"
    )


def _domain(name: str, pool: str) -> str:
    return (
        f"<domain type='test'><name>{name}</name><memory>65536</memory><vcpu>1</vcpu>"
        "<os><type>hvm</type></os><devices><disk type='volume' device='lun'>"
        f"<source pool='{pool}' volume='unit:0:0:1'/><target dev='sda' bus='scsi'/>"
        "</disk></devices></domain>"
    )


POOL_UUID = "c1b2a3d4-0000-4000-8000-00000000abcd"


def host_a(**extra: object) -> Host:
    """Host A: two HBAs, the test driver's template vHBA (scsi_host11), the guest's
    vHBA (scsi_host12 on scsi_host1, made by its pool ``guest1-npiv``: the test
    driver's pool destroy deletes the device named scsi_host12) with two LUNs, and
    the guest ``guest1`` running on it."""
    return Host(
        hbas=[
            HBA(1, "20000000c9a00001", "10000000c9a00001"),
            HBA(2, "20000000c9a00002", "10000000c9a00002"),
        ],
        vhbas=[
            VHBA(11, 1, "5001a4a0000000a1", "5001a4a0000000a2"),
            VHBA(12, 1, "5001a4a000000011", "5001a4a000000012"),
        ],
        pools=[
            Pool(
                "guest1-npiv",
                POOL_UUID,
                "5001a4a000000011",
                "5001a4a000000012",
                parent="scsi_host1",
            )
        ],
        luns=[(12, 0, 0, 1), (12, 0, 0, 2)],
        domains=[("guest1", "guest1-npiv")],
        **extra,  # type: ignore[arg-type]
    )


def host_b(**extra: object) -> Host:
    """Host B: two HBAs of its own and one vHBA already running (the test driver's
    template ``scsi_host11``, on scsi_host3)."""
    return Host(
        hbas=[
            HBA(3, "20000000c9b00003", "10000000c9b00003"),
            HBA(4, "20000000c9b00004", "10000000c9b00004"),
        ],
        vhbas=[VHBA(11, 3, "5001a4a0000000b1", "5001a4a0000000b2")],
        **extra,  # type: ignore[arg-type]
    )
