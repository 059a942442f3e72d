"""SCSI targets on the scanned hosts, with their FC remote port."""

from __future__ import annotations

import os
import re

from ..model import Device, FCRemotePort, Parent, ScsiTarget
from . import values
from .hosts import HostInfo
from .reading import KERNEL_NUMBER, SysfsReader, errname

_RPORT = re.compile(rf"rport-{KERNEL_NUMBER}:{KERNEL_NUMBER}-{KERNEL_NUMBER}")
_TARGET = re.compile(rf"target{KERNEL_NUMBER}:{KERNEL_NUMBER}:{KERNEL_NUMBER}")


class TargetReader(SysfsReader):
    """Builds the SCSI target devices of the hosts in the scan."""

    def _targets(self, hosts: dict[int, HostInfo]) -> list[Device]:
        rports = {name: d for name, d in self.class_entries("fc_remote_ports")}
        bus = os.path.join(self._sys, "bus", "scsi", "devices")
        try:
            names = self.fs.listdir(bus)
        except FileNotFoundError:
            return []
        except OSError as e:
            self.warn("/sys/bus/scsi/devices", None, f"cannot list ({errname(e)})")
            return []
        out: list[Device] = []
        for entry in sorted(names, key=_target_key):
            m = _TARGET.fullmatch(entry)
            if m is None or int(m[1]) not in hosts:
                continue
            where = f"/sys/bus/scsi/devices/{entry}"
            try:
                link = self.fs.readlink(os.path.join(bus, entry))
            except FileNotFoundError:
                continue  # removed while we listed
            except OSError as e:
                self.warn(where, None, f"not a bus link ({errname(e)})")
                continue
            tdir = self._resolve(where, bus, link)
            if tdir is None:
                continue
            if os.path.basename(tdir) != entry:
                self.warn(where, None, "link does not point to its target's directory")
                continue
            name = f"scsi_{entry}".replace(":", "_")
            rport_name = os.path.basename(os.path.dirname(tdir))
            fc_rport = None
            rport_dir = rports.get(rport_name) if _RPORT.fullmatch(rport_name) else None
            if rport_dir is not None and rport_dir != os.path.join(
                os.path.dirname(tdir), "fc_remote_ports", rport_name
            ):
                where = f"/sys/class/fc_remote_ports/{rport_name}"
                self.warn(where, None, "not laid out as rport-H:C-R/fc_remote_ports/rport-H:C-R")
                rport_dir = None
            if rport_dir is not None and self._names_only and self.fs.exists(tdir + os.sep):
                rport_dir = None  # reachable, so never lost; the rport's name is not needed
            if rport_dir is not None:
                mark = self._begin()
                wwpn = self.attr(name, rport_dir, "port_name", values.wwn,
                                 label=f"{rport_name}/port_name", optional=False)  # fmt: skip
                why = self._lost(mark, tdir)
                if why is not None:  # the target sits under its rport: gone with it
                    self.warn(name, None, why)
                    continue
                if wwpn is not None:
                    fc_rport = FCRemotePort(rport=rport_name, wwpn=wwpn)
            out.append(
                Device(
                    name=name,
                    path=self.sys_path(tdir),
                    parent=Parent(f"scsi_host{m[1]}"),
                    capabilities=(ScsiTarget(target=entry, fc_remote_port=fc_rport),),
                )
            )
        return out


def _target_key(name: str) -> tuple[int, ...]:
    m = _TARGET.fullmatch(name)
    return (int(m[1]), int(m[2]), int(m[3])) if m else (-1,)
