"""Scsi_Hosts, with their fc_host and vports, linked to their HBA and PCI function."""

from __future__ import annotations

from collections.abc import Container, Iterable
from dataclasses import replace

from ...model import (
    Adapter,
    Device,
    FCHost,
    NameEntry,
    Parent,
    PhysHBA,
    ScsiHost,
    Vport,
    VportOps,
    Vports,
)
from ...pciaddr import PCIAddress
from ...vocabulary import COMPUTER, scsi_host_name
from ...wwn import WWN
from .. import values
from ..discovery import HOST, HostInfo, Topology, VportInfo, host_order
from ..policy import ReadPolicy
from ..session import DeviceScope, ReadSession

#: Attributes naming the card's model, the first one set wins: the drivers' own
#: ``scsi_host`` attributes, most specific first (qla2xxx's ``model_name``, lpfc's
#: ``modelname``, then bfa's plain ``model``, a name other SCSI drivers use too), then
#: the FC transport's ``fc_host/model``, which the libfc drivers (fcoe, bnx2fc, qedf)
#: fill from FDMI and zfcp with its adapter type (``0x0003``).
_MODEL_ATTRS = (
    ("scsi_host", "model_name"),
    ("scsi_host", "modelname"),
    ("scsi_host", "model"),
    ("fc_host", "model"),
)
#: Warning labels of the attributes read for every host (built once, not per host).
_FC_STATE, _FC_TYPE, _FC_ID, _FC_SPEED, _FC_SYM = (
    f"fc_host/{a}" for a in ("port_state", "port_type", "port_id", "speed", "symbolic_name")
)
_UNIQUE_ID = "scsi_host/unique_id"


class HostBuilder:
    """Builds the Scsi_Host devices of a topology: HBAs first, then their vHBAs
    (which take their HBA's names and adapter)."""

    def __init__(self, session: ReadSession, topology: Topology, policy: ReadPolicy) -> None:
        self.session = session
        self.src = session.source
        self.topology = topology
        self.hosts = topology.hosts
        self.policy = policy
        self._built: dict[int, tuple[ScsiHost, Adapter | None]] = {}
        #: The devices other than PCI functions a host may hang below (USB
        #: interfaces, CCW devices, network interfaces), by sysfs path.
        self.below: dict[str, str] = {}
        #: The PCI functions listed, once read (None: a function above a host is
        #: named by its address, as :func:`~.parents.with_parents` names it).
        self.pci: Container[str] | None = None

    def hang_below(self, devices: Iterable[Device]) -> None:
        """Let hosts hang below ``devices`` (an earlier scan's, say), by their paths."""
        self.below.update((d.path, d.name) for d in devices if d.path is not None and d.pci is None)

    # -- the full scan -------------------------------------------------------

    def devices(self, pci: dict[str, Device]) -> list[Device]:
        """Every host still there, in :func:`~..discovery.host_order`; ``pci``: the
        PCI functions built, for the adapter of each HBA."""
        built: list[Device] = []
        self.hang_below(pci.values())
        self.pci = pci
        for h in host_order(self.hosts):
            dev = self.device_or_drop(h, pci)
            if dev is not None:
                built.append(dev)
        return self._link_up(built)

    def device_or_drop(self, h: HostInfo, pci: dict[str, Device]) -> Device | None:
        """The host's device; ``None`` (and one warning) when it is gone or unreachable."""
        scope = self.session.device(scsi_host_name(h.number), h.number)
        dev = self._device(scope, h, pci)
        why = scope.lost(h.sh_dev) if scope.failed is not None else None
        if why is None:
            return dev
        # Gone while we read it: one warning for the device, not one per file.
        del self.hosts[h.number]
        self.session.vanished.add(scope.name)
        vdev = h.vport_dev
        vport = self.topology.vports.get(vdev) if vdev is not None else None
        if vdev is not None and vport is not None and not self.src.reachable(vdev):
            # Deleted with its vport: off its HBA's list too.
            self.session.vanished.add(self.src.name(vdev))
            why += f", with its vport {self.src.name(vdev)}"
        self.session.warn(scope.name, None, why, h.number)
        return None

    def _device(self, scope: DeviceScope, h: HostInfo, pci: dict[str, Device]) -> Device:
        sh_dev = h.sh_dev
        unique_id = scope.attr(sh_dev, "unique_id", values.uint, label=_UNIQUE_ID)
        fc = None
        fc_dev = h.fc_dev
        if fc_dev is not None:
            fc, usable = self._fc_host(scope, fc_dev)
            if not usable:
                fc_dev = None
        # An fc_host without its names is no fc_host and no vport-capable port to libvirt.
        capable = (h.fc_dev is None or fc is not None) and self._vport_capable(fc_dev, sh_dev)
        vport_ops = None
        vports_cap = None
        mine = self.topology.by_parent.get(h.number, [])
        if capable or mine:
            # The counters sit beside vport_create: in fc_host, else in scsi_host.
            cap_dev = fc_dev if fc_dev is not None else sh_dev if capable else None
            max_v = in_use = None
            if cap_dev is not None:
                max_v, in_use = self._counters(scope, cap_dev)
            if fc is not None and max_v is not None and in_use is not None:
                vport_ops = VportOps(max_v, in_use)
            vports_cap = Vports(max_count=max_v, vports=self._vport_entries(mine, None))
        parent: Parent
        phys_hba = None
        adapter: Adapter | None
        if h.parent_host is not None:
            hba = scsi_host_name(h.parent_host)
            parent = Parent(hba)
            phys = self._built.get(h.parent_host) if h.parent_host in self.hosts else None
            pfc = phys[0].fc_host if phys is not None else None
            phys_hba = PhysHBA(name=hba, wwnn=pfc.wwnn if pfc else None,
                               wwpn=pfc.wwpn if pfc else None)  # fmt: skip
            adapter = phys[1] if phys is not None else None
        else:
            parent_name, pci_dev = self._parent_of(h.dev, pci)
            parent = Parent(parent_name)
            adapter = self._adapter(scope, sh_dev, fc_dev, pci_dev)
        cap = ScsiHost(
            host=h.number,
            unique_id=unique_id,
            fc_host=fc,
            vport_ops=vport_ops,
            vports=vports_cap,
            phys_hba=phys_hba,
            adapter=adapter if adapter is not None and not adapter.is_empty() else None,
        )
        self._built[h.number] = (cap, adapter)
        return Device(name=scope.name, path=self.src.devpath(h.dev), parent=parent,
                      capabilities=(cap,))  # fmt: skip

    def _fc_host(self, scope: DeviceScope, fc_dev: str) -> tuple[FCHost | None, bool]:
        """The host's ``fc_host`` capability (``None`` without both names), and
        whether its directory can be read at all."""
        wwnn, wwpn, usable = self._fc_names(scope, fc_dev)
        if wwnn is None or wwpn is None:
            return None, usable
        return self._fc_rest(scope, fc_dev, wwnn, wwpn), True

    def _fc_names(self, scope: DeviceScope, fc_dev: str) -> tuple[WWN | None, WWN | None, bool]:
        """The fc_host's two names (the second is not read without the first), and
        whether its directory can be read at all."""
        part = scope.part()
        wwnn = part.attr(fc_dev, "node_name", values.wwn, label="fc_host/node_name",
                         optional=False)  # fmt: skip
        scope.absorb(part)
        if part.failed is not None and not self.src.reachable(fc_dev):
            # The whole fc_host directory is unreachable: one warning, no further reads.
            part.relabel("fc_host")
            return None, None, False
        if wwnn is None:
            return None, None, True  # no fc_host without its names; port_name would not help
        wwpn = scope.attr(fc_dev, "port_name", values.wwn, label="fc_host/port_name",
                          optional=False)  # fmt: skip
        return wwnn, wwpn, True

    def _fc_rest(self, scope: DeviceScope, fc_dev: str, wwnn: WWN, wwpn: WWN) -> FCHost:
        attr = scope.attr
        fabric = attr(fc_dev, "fabric_name", values.wwn, label="fc_host/fabric_name")
        return FCHost(
            wwnn=wwnn,
            wwpn=wwpn,
            fabric_wwn=fabric if fabric is not None and fabric.is_fabric else None,
            port_state=attr(fc_dev, "port_state", values.port_state, label=_FC_STATE),
            port_type=attr(fc_dev, "port_type", values.port_type, label=_FC_TYPE),
            port_id=attr(fc_dev, "port_id", values.port_id, label=_FC_ID),
            speed=attr(fc_dev, "speed", values.speed, label=_FC_SPEED),
            symbolic_name=attr(fc_dev, "symbolic_name", values.text_value, label=_FC_SYM),
        )

    @staticmethod
    def _counters(scope: DeviceScope, cap_dev: str) -> tuple[int | None, int | None]:
        """``max_npiv_vports`` and ``npiv_vports_inuse`` (beside ``vport_create``)."""
        max_v = scope.attr(cap_dev, "max_npiv_vports", values.uint, optional=False)
        in_use = scope.attr(cap_dev, "npiv_vports_inuse", values.uint, optional=False)
        return max_v, in_use

    def _vport_capable(self, fc_dev: str | None, sh_dev: str) -> bool:
        """vport-capable as libvirt decides: a vport_create in fc_host, else in scsi_host."""
        return (fc_dev is not None and self.src.has(fc_dev, "vport_create")) or self.src.has(
            sh_dev, "vport_create"
        )

    def _parent_of(self, dev: str, pci: dict[str, Device]) -> tuple[str, Device | None]:
        """libvirt's parent: the nearest ancestor that is itself a node device; and, when
        that is the PCI function right above the host, the function (its adapter)."""
        below = self.below
        passed = False  # a PCI function libvirt does not list: the host's own card
        for up in self.src.ancestors(dev):
            if below and (name := below.get(self.src.devpath(up))) is not None:
                return name, None
            base = self.src.name(up)
            m = HOST.fullmatch(base)
            if m is not None and int(m[1]) in self.hosts:
                return scsi_host_name(int(m[1])), None
            addr = PCIAddress.match(base)
            if addr is None:
                continue
            if self.pci is None or addr.node_name in self.pci:
                return addr.node_name, None if passed else pci.get(addr.node_name)
            passed = True
        return COMPUTER, None

    def _adapter(
        self, scope: DeviceScope, sh_dev: str, fc_dev: str | None, pci_dev: Device | None
    ) -> Adapter:
        model = None
        for cls, attr in _MODEL_ATTRS:
            dev = sh_dev if cls == "scsi_host" else fc_dev
            if dev is None:
                continue
            model = scope.attr(dev, attr, values.text_value, label=f"{cls}/{attr}",
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

    def _link_up(self, built: list[Device]) -> list[Device]:
        """Keep vport lists and phys_hba links agreeing when a device vanished or was
        left out: a vHBA whose HBA is not in the scan goes too; a vport whose host is
        gone loses its name; a vport deleted during the scan leaves the list."""
        names = {d.name for d in built}
        kept: list[Device] = []
        for dev in built:
            cap = dev.scsi_host
            if cap is None:
                kept.append(dev)
                continue
            if cap.phys_hba is not None and cap.phys_hba.name not in names:
                hba = cap.phys_hba.name
                message = f"left out: its HBA {hba} is not in the scan"
                self.session.warn(dev.name, None, message, cap.host)
                continue
            infos = self.topology.by_parent.get(cap.host, []) if cap.host is not None else []
            # Again now that the vHBAs are built: vports gone, names from the vHBAs.
            if cap.vports is not None and (
                self.session.vanished or any(not v.listed for v in infos)
            ):
                entries = self._vport_entries(infos, names)
                if entries != cap.vports.vports:
                    cap = replace(cap, vports=replace(cap.vports, vports=entries))
                    dev = replace(dev, capabilities=(cap,))
            kept.append(dev)
        return kept

    def _vport_entries(self, infos: list[VportInfo], names: set[str] | None) -> tuple[Vport, ...]:
        """The ``vports`` list of an HBA: vports still there, named by their vHBA while it
        is in the scan (``names``; ``None``: every vHBA found).  A vport without an
        ``fc_vports`` entry takes its WWNs from its vHBA's ``fc_host`` once that is built."""
        vanished = self.session.vanished
        out = []
        for v in infos:
            if v.name is not None and v.name in vanished:
                continue
            host = scsi_host_name(v.host) if v.host is not None else None
            if names is not None and host not in names:
                host = None
            wwnn, wwpn = v.wwnn, v.wwpn
            if not v.listed and host is not None and v.host is not None:
                vhba = self._built.get(v.host)
                fc = vhba[0].fc_host if vhba is not None else None
                if fc is not None:
                    wwnn, wwpn = fc.wwnn, fc.wwpn
            out.append(Vport(name=host, wwnn=wwnn, wwpn=wwpn, state=v.state))
        return tuple(out)

    # -- names only ----------------------------------------------------------

    def names(self) -> list[NameEntry]:
        """The hosts :meth:`devices` keeps, as names: a ``vport_create`` is looked for, and
        the fc_host's two names read when ``fc_host`` is to be decided or the host has
        one (an fc_host without its names is not vport-capable to libvirt); a host
        that cannot be reached is read in full, for the same verdict and warnings."""
        decided = self.policy.caps
        need_fc = "fc_host" in decided
        need_vports = "vports" in decided
        reachable = self.src.reachable
        entries: list[tuple[NameEntry, int, int | None]] = []
        for h in host_order(self.hosts):
            name = scsi_host_name(h.number)
            if not reachable(h.sh_dev):
                dev = self.device_or_drop(h, {})
                if dev is not None:
                    entries.append(((name, dev.parent_name, dev.cap_names() & decided),
                                    h.number, h.parent_host))  # fmt: skip
                continue
            fc_dev = h.fc_dev
            cap_names = {"scsi_host"}
            # vport-capable as devices() decides (libvirt's vport_ops): an fc_host with
            # its names and its two counters, and a vport_create (vports of its own or
            # not: libvirt lists a port without its names under no capability).
            capable = need_vports and fc_dev is not None and self._vport_capable(fc_dev, h.sh_dev)
            scope = self.session.device(name, h.number)
            if fc_dev is not None and (need_fc or capable):
                wwnn, wwpn, _ = self._fc_names(scope, fc_dev)
                if wwnn is not None and wwpn is not None:
                    cap_names.add("fc_host")
                else:
                    capable = False
            if capable and fc_dev is not None and None in self._counters(scope, fc_dev):
                capable = False
            if capable:
                cap_names.add("vports")
            if h.parent_host is not None:
                parent = scsi_host_name(h.parent_host)
            else:
                parent = self._parent_of(h.dev, {})[0]
            entries.append(
                ((name, parent, frozenset(cap_names) & decided), h.number, h.parent_host)
            )
        # As _link_up: a vHBA whose HBA is not in the scan goes too.
        kept = {entry[0] for entry, _, _ in entries}
        out: list[NameEntry] = []
        for entry, host, phys in entries:
            if phys is not None and scsi_host_name(phys) not in kept:
                hba = scsi_host_name(phys)
                message = f"left out: its HBA {hba} is not in the scan"
                self.session.warn(entry[0], None, message, host)
                continue
            out.append(entry)
        return out
