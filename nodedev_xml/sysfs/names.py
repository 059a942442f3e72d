"""The names-only listing: which devices a scan finds, reading only what decides that."""

from __future__ import annotations

import os

from ..model import NameEntry
from ..vocabulary import ALL_CAPS
from . import values
from .hosts import HostInfo, HostReader, group_by_parent, host_order
from .pci import PCIReader
from .targets import TargetReader


class NameLister(HostReader, PCIReader, TargetReader):
    """:meth:`names`: the devices :class:`~.scan.Scanner` would build, by name only."""

    def names(self, caps: frozenset[str] | None, all_devices: bool = False) -> list[NameEntry]:
        """The devices :meth:`run` finds, as ``(name, parent, capability names)``,
        reading only the attributes that decide membership (see :func:`list_names`)."""
        self.require_sysfs()
        decided = ALL_CAPS if caps is None else caps & ALL_CAPS
        everything = caps is None or all_devices
        self._names_only = True
        out: list[NameEntry] = []
        hosts = self._find_hosts()
        vports = self._find_vports(hosts)
        self._link_fc_hosts(hosts)
        by_parent = group_by_parent(vports)
        if everything or "pci" in decided:
            out.extend(self._pci_names(hosts, decided))
        need_fc = "fc_host" in decided
        host_entries: list[tuple[NameEntry, int | None]] = []
        for h in host_order(hosts):
            name = f"scsi_host{h.number}"
            if not self.fs.exists(h.sh_dir + os.sep):
                # Unreachable: read it as the full scan does, for the same verdict and warnings.
                dev = self._host_or_drop(h, hosts, vports, by_parent, {})
                if dev is not None:
                    entry = (name, dev.parent_name, dev.cap_names() & decided)
                    host_entries.append((entry, h.parent_host))
                continue
            fc_dir = h.fc_dir
            cap_names = {"scsi_host"}
            if fc_dir is not None and need_fc:
                before = self._failed
                wwnn, wwpn, usable = self._fc_wwns(name, fc_dir)
                self._failed = before
                if not usable:
                    fc_dir = None
                elif wwnn is not None and wwpn is not None:
                    cap_names.add("fc_host")
            if by_parent.get(h.number) or self._vport_capable(fc_dir, h.sh_dir):
                cap_names.add("vports")
            if h.parent_host is not None:
                parent = f"scsi_host{h.parent_host}"
            else:
                parent = self._parent_of(h.devdir, hosts, {})[0]
            host_entries.append(((name, parent, frozenset(cap_names) & decided), h.parent_host))
        # As _link_up: a vHBA whose HBA is not in the scan goes too.
        kept = {entry[0] for entry, _ in host_entries}
        for entry, phys in host_entries:
            if phys is not None and f"scsi_host{phys}" not in kept:
                self.warn(entry[0], None, f"left out: its HBA scsi_host{phys} is not in the scan")
                continue
            out.append(entry)
        if everything or "scsi_target" in decided:
            targets = self._targets(hosts)
            out.extend((d.name, d.parent_name, d.cap_names() & decided) for d in targets)
        if not everything:
            out = [e for e in out if e[2]]
        return out

    def _pci_names(self, hosts: dict[int, HostInfo], decided: frozenset[str]) -> list[NameEntry]:
        """:meth:`_pci_devices` for names: only the two ids that decide membership are read."""
        dirs = self._pci_dirs(hosts)
        out: list[NameEntry] = []
        caps = frozenset({"pci"}) & decided
        for node_name in sorted(dirs):
            d = dirs[node_name]
            mark = self._begin()
            vendor_id = self.attr(node_name, d, "vendor", values.hex_id, optional=False)
            product_id = self.attr(node_name, d, "device", values.hex_id, optional=False)
            why = self._lost(mark, d)
            if why is not None:
                self.warn(node_name, None, why)
                continue
            if vendor_id is None or product_id is None:
                self._left_out(mark)
                continue
            out.append((node_name, self._pci_parent(d, dirs), caps))
        return out
