"""Scsi_Hosts, their fc_host and their vports: found, linked to their HBA and PCI function."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, replace

from ..model import (
    Adapter,
    Device,
    FCHost,
    Parent,
    PhysHBA,
    ScsiHost,
    Vport,
    VportOps,
    Vports,
)
from ..pciaddr import PCIAddress
from ..wwn import WWN
from . import values
from .reading import KERNEL_NUMBER, SysfsReader

_HOST = re.compile(rf"host{KERNEL_NUMBER}")
_VPORT = re.compile(rf"vport-{KERNEL_NUMBER}:{KERNEL_NUMBER}-{KERNEL_NUMBER}")

#: Attributes naming the card's model, by driver: qla2xxx, lpfc, then the FC transport's own.
_MODEL_ATTRS = (("scsi_host", "model_name"), ("scsi_host", "modelname"), ("fc_host", "model"))
#: Warning labels of the fc_host attributes read for every host (built once, not per host).
_FC_STATE, _FC_TYPE, _FC_ID, _FC_SPEED, _FC_SYM = (
    f"fc_host/{a}" for a in ("port_state", "port_type", "port_id", "speed", "symbolic_name")
)


@dataclass(slots=True)
class HostInfo:
    """What the scan knows of one Scsi_Host while it links hosts, vports and PCI."""

    number: int
    devdir: str  # absolute path of the hostN device directory
    vport_dir: str | None = None  # the vport-P:C-N directory a vHBA sits under
    parent_host: int | None = None
    sh_dir: str = ""  # its scsi_host class directory, hostN/scsi_host/hostN
    fc_dir: str | None = None
    cap: ScsiHost | None = None
    adapter: Adapter | None = None


@dataclass(slots=True)
class VportInfo:
    parent_host: int
    number: int
    wwnn: WWN | None
    wwpn: WWN | None
    state: str | None
    host: int | None = None
    gone: bool = False  # deleted while the scan ran


class HostReader(SysfsReader):
    """Finds the Scsi_Hosts and vports and builds their devices."""

    def _link_fc_hosts(self, hosts: dict[int, HostInfo]) -> None:
        for name, d in self.class_entries("fc_host"):
            m = _HOST.fullmatch(name)
            h = hosts.get(int(m[1])) if m is not None else None
            if h is None:
                continue  # an fc_host without its Scsi_Host: no node device
            if d != f"{h.devdir}{os.sep}fc_host{os.sep}{name}":
                self.warn(f"/sys/class/fc_host/{name}", None, "not laid out as hostN/fc_host/hostN")
                continue
            h.fc_dir = d

    def _host_or_drop(
        self,
        h: HostInfo,
        hosts: dict[int, HostInfo],
        vports: dict[str, VportInfo],
        by_parent: dict[int, list[VportInfo]],
        pci_devices: dict[str, Device],
    ) -> Device | None:
        """The host's device; ``None`` (and one warning) when it is gone or unreachable."""
        mark = self._begin()
        dev = self._host_device(h, hosts, by_parent, pci_devices)
        why = self._lost(mark, h.sh_dir) if self._failed is not None else None
        if why is None:
            return dev
        name = dev.name
        # Gone while we read it: one warning for the device, not one per file.
        del hosts[h.number]
        self._dropped = True
        vdir = h.vport_dir
        vport = vports.get(vdir) if vdir is not None else None
        if vdir is not None and vport is not None and not self.fs.exists(vdir + os.sep):
            vport.gone = True  # deleted with its vport: off its HBA's list too
            why += f", with its vport {os.path.basename(vdir)}"
        self.warn(name, None, why)
        return None

    def _vport_capable(self, fc_dir: str | None, sh_dir: str) -> bool:
        """vport-capable as libvirt decides: a vport_create in fc_host, else in scsi_host."""
        return (fc_dir is not None and self.fs.exists(f"{fc_dir}/vport_create")) or self.fs.exists(
            f"{sh_dir}/vport_create"
        )

    def _find_hosts(self) -> dict[int, HostInfo]:
        hosts: dict[int, HostInfo] = {}
        for name, resolved in self.class_entries("scsi_host"):
            m = _HOST.fullmatch(name)
            # resolved is normalized (no "." or "..", no trailing "/"), and a class
            # entry's name holds no "/": the layout is checked and cut as text.
            if m is None or not resolved.endswith(f"/{name}/scsi_host/{name}"):
                where = f"/sys/class/scsi_host/{name}"
                self.warn(where, None, "not laid out as hostN/scsi_host/hostN")
                continue
            devdir = resolved[: -len(name) - 11]  # less "/scsi_host/hostN"
            h = HostInfo(number=int(m[1]), devdir=devdir, sh_dir=resolved)
            above = devdir.rpartition("/")[0]
            vm = _VPORT.fullmatch(above.rpartition("/")[2])
            if vm is not None:
                pm = _HOST.fullmatch(above.rpartition("/")[0].rpartition("/")[2])
                if pm is not None and pm[1] == vm[1]:
                    h.vport_dir = above
                    h.parent_host = int(pm[1])
            elif (pm := _HOST.fullmatch(above.rpartition("/")[2])) is not None:
                # Kernels before the vport device (RHEL 5 era) put the vHBA's host
                # straight under the physical one: hostP/hostM.
                h.parent_host = int(pm[1])
            hosts[h.number] = h
        return hosts

    def _find_vports(self, hosts: dict[int, HostInfo]) -> dict[str, VportInfo]:
        """Every vport by its device directory: from ``fc_vports``, and from the
        vHBAs' own paths where a class entry is missing.  A vport deleted while it
        is read takes its vHBA with it (one warning for both)."""
        found: dict[str, VportInfo] = {}
        gone: set[str] = set()
        for name, resolved in self.class_entries("fc_vports"):
            m = _VPORT.fullmatch(name)
            vdir = ""  # resolved is normalized: the layout is checked and cut as text
            if m is None:
                pass
            elif resolved.endswith(f"/host{m[1]}/{name}"):
                vdir = resolved  # the link names the vport device itself, attributes and all
            elif resolved.endswith(f"/{name}/fc_vports/{name}"):
                vdir = resolved[: -len(name) - 11]  # less "/fc_vports/vport-H:C-N"
            if m is None or not vdir:
                self.warn(f"/sys/class/fc_vports/{name}", None, "not laid out as vport-H:C-N")
                continue
            parent = hosts.get(int(m[1]))
            if parent is None:
                continue  # its HBA is not in the scan: a vport of no node device
            if vdir.rpartition(os.sep)[0] != parent.devdir:
                self.warn(name, None, "vport is not under its parent host")
                continue
            if self._names_only and self.fs.exists(resolved + os.sep):
                # Reachable, so never lost: its names and state are not needed.
                found[vdir] = VportInfo(int(m[1]), int(m[3]), None, None, None)
                continue
            mark = self._begin()
            info = VportInfo(
                parent_host=int(m[1]),
                number=int(m[3]),
                wwnn=self.attr(name, resolved, "node_name", values.wwn, optional=False),
                wwpn=self.attr(name, resolved, "port_name", values.wwn, optional=False),
                state=self.attr(name, resolved, "vport_state", values.vport_state, optional=False),
            )
            why = self._lost(mark, resolved) if self._failed is not None else None
            if why is not None:
                vhbas = [f"scsi_host{h.number}" for h in hosts.values() if h.vport_dir == vdir]
                if vhbas:
                    why += f", with its vHBA {vhbas[0]}"
                self.warn(name, None, why)
                gone.add(vdir)
                continue
            found[vdir] = info
        for h in list(hosts.values()):
            if h.parent_host is None:
                continue
            # The vport's directory; a host straight under its HBA (old layout) stands for it.
            vport_dir = h.vport_dir or h.devdir
            if vport_dir in gone:
                del hosts[h.number]  # under a vport that is gone: gone too, already said
                continue
            parent = hosts.get(h.parent_host)
            if parent is not None and vport_dir.rpartition(os.sep)[0] != parent.devdir:
                # Under a directory named like its HBA, not its HBA's: no vHBA of it.
                self.warn(f"scsi_host{h.number}", None, "left out: not under its HBA's directory")
                del hosts[h.number]
                continue
            known = found.get(vport_dir)
            if known is None:  # no fc_vports entry: known from the vHBA's own path only
                m = _VPORT.fullmatch(os.path.basename(vport_dir))
                number = int(m[3]) if m else h.number
                known = VportInfo(h.parent_host, number, None, None, None)
                found[vport_dir] = known
            known.host = h.number
        return found

    def _fc_host(self, name: str, fc_dir: str) -> tuple[FCHost | None, bool]:
        """The host's ``fc_host`` capability (``None`` without both names), and
        whether its directory can be read at all."""
        wwnn, wwpn, usable = self._fc_wwns(name, fc_dir)
        if wwnn is None or wwpn is None:
            return None, usable
        return self._fc_rest(name, fc_dir, wwnn, wwpn), True

    def _fc_wwns(self, name: str, fc_dir: str) -> tuple[WWN | None, WWN | None, bool]:
        """The fc_host's two names (the second is not read without the first), and
        whether its directory can be read at all."""
        before = self._failed
        self._failed = None
        wwnn = self.attr(name, fc_dir, "node_name", values.wwn, label="fc_host/node_name",
                         optional=False)  # fmt: skip
        failed, self._failed = self._failed, before or self._failed
        if failed is not None and not self.fs.exists(fc_dir + os.sep):
            # The whole fc_host directory is unreachable: one warning, no further reads.
            self.warnings[-1] = replace(self.warnings[-1], attribute="fc_host")
            return None, None, False
        if wwnn is None:
            return None, None, True  # no fc_host without its names; port_name would not help
        wwpn = self.attr(name, fc_dir, "port_name", values.wwn, label="fc_host/port_name",
                         optional=False)  # fmt: skip
        return wwnn, wwpn, True

    def _fc_rest(self, name: str, fc_dir: str, wwnn: WWN, wwpn: WWN) -> FCHost:
        fabric = self.attr(name, fc_dir, "fabric_name", values.wwn, label="fc_host/fabric_name")
        attr = self.attr
        return FCHost(
            wwnn=wwnn,
            wwpn=wwpn,
            fabric_wwn=fabric if fabric is not None and fabric.is_fabric else None,
            port_state=attr(name, fc_dir, "port_state", values.port_state, label=_FC_STATE),
            port_type=attr(name, fc_dir, "port_type", values.port_type, label=_FC_TYPE),
            port_id=attr(name, fc_dir, "port_id", values.port_id, label=_FC_ID),
            speed=attr(name, fc_dir, "speed", values.speed, label=_FC_SPEED),
            symbolic_name=attr(name, fc_dir, "symbolic_name", values.text_value, label=_FC_SYM),
        )

    def _host_device(
        self,
        h: HostInfo,
        hosts: dict[int, HostInfo],
        vports: dict[int, list[VportInfo]],
        pci: dict[str, Device],
    ) -> Device:
        name = f"scsi_host{h.number}"
        sh_dir = h.sh_dir
        unique_id = self.attr(name, sh_dir, "unique_id", values.uint, label="scsi_host/unique_id")
        fc = None
        fc_dir = h.fc_dir
        if fc_dir is not None:
            fc, usable = self._fc_host(name, fc_dir)
            if not usable:
                fc_dir = None
        capable = self._vport_capable(fc_dir, sh_dir)
        vport_ops = None
        vports_cap = None
        mine = vports.get(h.number, [])
        if capable or mine:
            # The counters sit beside vport_create: in fc_host, else in scsi_host.
            cap_dir = fc_dir if fc_dir is not None else sh_dir if capable else None
            max_v = in_use = None
            if cap_dir is not None:
                max_v = self.attr(name, cap_dir, "max_npiv_vports", values.uint, optional=False,
                                  label="max_npiv_vports")  # fmt: skip
                in_use = self.attr(name, cap_dir, "npiv_vports_inuse", values.uint,
                                   optional=False, label="npiv_vports_inuse")  # fmt: skip
            if fc is not None and max_v is not None and in_use is not None:
                vport_ops = VportOps(max_v, in_use)
            vports_cap = Vports(max_count=max_v, vports=_vport_entries(mine, None))
        parent: Parent | None
        phys_hba = None
        adapter: Adapter | None
        if h.parent_host is not None:
            phys = hosts.get(h.parent_host)
            parent = Parent(f"scsi_host{h.parent_host}")
            pcap = phys.cap if phys is not None else None
            pfc = pcap.fc_host if pcap is not None else None
            phys_hba = PhysHBA(
                name=f"scsi_host{h.parent_host}",
                wwnn=pfc.wwnn if pfc else None,
                wwpn=pfc.wwpn if pfc else None,
            )
            adapter = phys.adapter if phys is not None else None
        else:
            parent_name, pci_dev = self._parent_of(h.devdir, hosts, pci)
            parent = Parent(parent_name)
            adapter = self._adapter(name, sh_dir, fc_dir, pci_dev)
        h.adapter = adapter
        h.cap = ScsiHost(
            host=h.number,
            unique_id=unique_id,
            fc_host=fc,
            vport_ops=vport_ops,
            vports=vports_cap,
            phys_hba=phys_hba,
            adapter=adapter if adapter is not None and not adapter.is_empty() else None,
        )
        return Device(name=name, path=self.sys_path(h.devdir), parent=parent,
                      capabilities=(h.cap,))  # fmt: skip

    def _parent_of(
        self, devdir: str, hosts: dict[int, HostInfo], pci: dict[str, Device]
    ) -> tuple[str, Device | None]:
        """libvirt's parent: the nearest ancestor that is itself a node device."""
        d = os.path.dirname(devdir)
        while d.startswith(self._devices):
            base = os.path.basename(d)
            m = _HOST.fullmatch(base)
            if m is not None and int(m[1]) in hosts:
                return f"scsi_host{m[1]}", None
            addr = PCIAddress.match(base)
            if addr is not None:  # named even when left out for want of ids, as libvirt does
                return addr.node_name, pci.get(addr.node_name)
            d = os.path.dirname(d)
        return "computer", None

    def _adapter(
        self, name: str, sh_dir: str, fc_dir: str | None, pci_dev: Device | None
    ) -> Adapter:
        model = None
        for cls, attr in _MODEL_ATTRS:
            directory = sh_dir if cls == "scsi_host" else fc_dir
            if directory is None:
                continue
            model = self.attr(name, directory, attr, values.text_value, label=f"{cls}/{attr}",
                              may_lack=True)  # fmt: skip
            if model:
                break
        cap = pci_dev.pci if pci_dev is not None else None
        if cap is None:
            return Adapter(model=model or None)
        return Adapter(
            vendor_id=cap.vendor_id,
            vendor_name=cap.vendor_name,
            product_id=cap.product_id,
            product_name=cap.product_name,
            model=model or None,
            address=cap.address,
        )

    # -- linking up ----------------------------------------------------------

    def _link_up(self, hosts: list[Device], by_parent: dict[int, list[VportInfo]]) -> list[Device]:
        """Keep vport lists and phys_hba links agreeing when a device vanished or was
        left out: a vHBA whose HBA is not in the scan goes too; a vport whose host is
        gone loses its name; a vport deleted during the scan leaves the list."""
        names = {d.name for d in hosts}
        kept: list[Device] = []
        for dev in hosts:
            cap = dev.scsi_host
            if cap is None:
                kept.append(dev)
                continue
            if cap.phys_hba is not None and cap.phys_hba.name not in names:
                hba = cap.phys_hba.name
                self.warn(dev.name, None, f"left out: its HBA {hba} is not in the scan")
                continue
            if self._dropped and cap.vports is not None and cap.host is not None:
                entries = _vport_entries(by_parent.get(cap.host, []), names)
                if entries != cap.vports.vports:
                    cap = replace(cap, vports=replace(cap.vports, vports=entries))
                    dev = replace(dev, capabilities=(cap,))
            kept.append(dev)
        return kept


def _vport_entries(infos: list[VportInfo], names: set[str] | None) -> tuple[Vport, ...]:
    """The ``vports`` list of an HBA: vports still there, named by their vHBA while it
    is in the scan (``names``; ``None``: every vHBA found)."""
    out = []
    for v in infos:
        if v.gone:
            continue
        host = f"scsi_host{v.host}" if v.host is not None else None
        if names is not None and host not in names:
            host = None
        out.append(Vport(name=host, wwnn=v.wwnn, wwpn=v.wwpn, state=v.state))
    return tuple(out)


def group_by_parent(vports: dict[str, VportInfo]) -> dict[int, list[VportInfo]]:
    by_parent: dict[int, list[VportInfo]] = {}
    for v in sorted(vports.values(), key=lambda v: (v.parent_host, v.number)):
        by_parent.setdefault(v.parent_host, []).append(v)
    return by_parent


def host_order(hosts: dict[int, HostInfo]) -> list[HostInfo]:
    """Physical hosts first, then vHBAs; by number."""
    return sorted(hosts.values(), key=lambda h: (h.parent_host is not None, h.number))
