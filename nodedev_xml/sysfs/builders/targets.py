"""SCSI targets on the hosts in the scan, with their FC remote port."""

from __future__ import annotations

from ...model import Device, FCRemotePort, Parent, ScsiTarget
from ...vocabulary import scsi_host_name, scsi_target_name
from .. import values
from ..discovery import Topology, scsi_bus, targets
from ..policy import ReadPolicy
from ..session import ReadSession


def target_devices(session: ReadSession, topology: Topology, policy: ReadPolicy) -> list[Device]:
    """The targets of the hosts still in ``topology``.  The remote port's name is
    read unless the policy reads no details and the target can be reached (it
    decides no capability; a target that cannot be reached is read for the same
    verdict as the full scan's)."""
    src = session.source
    out: list[Device] = []
    for t in targets(session, topology.hosts, scsi_bus(session, topology)):
        name = scsi_target_name(t.host, t.channel, t.target)
        fc_rport = None
        rport_dev = t.rport_dev
        if rport_dev is not None and not policy.details and src.reachable(t.dev):
            rport_dev = None  # reachable, so never lost; the rport's name is not needed
        if rport_dev is not None:
            scope = session.device(name, t.host)
            wwpn = scope.attr(rport_dev, "port_name", values.wwn,
                              label=f"{t.rport}/port_name", optional=False)  # fmt: skip
            why = scope.lost(t.dev)
            if why is not None:  # the target sits under its rport: gone with it
                session.warn(name, None, why, t.host)
                continue
            if wwpn is not None:
                fc_rport = FCRemotePort(rport=t.rport, wwpn=wwpn)
        out.append(
            Device(
                name=name,
                path=src.devpath(t.dev),
                parent=Parent(scsi_host_name(t.host)),
                capabilities=(ScsiTarget(target=t.entry, fc_remote_port=fc_rport),),
            )
        )
    return out
