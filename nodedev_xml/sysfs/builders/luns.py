"""SCSI devices (LUNs) under the targets and hosts in the scan."""

from __future__ import annotations

import re

from ...model import Device, Parent, ScsiDevice
from ...vocabulary import SCSI_TYPES, scsi_host_name, scsi_name
from .. import values
from ..discovery import LunInfo, Topology, luns, scsi_bus
from ..policy import ReadPolicy
from ..session import DeviceScope, ReadSession
from ..source import errname

#: A driver's name (the ``driver`` link's basename): printable ASCII, no blank.
_DRIVER = re.compile(r"[!-~]{1,64}")


def lun_devices(
    session: ReadSession, topology: Topology, policy: ReadPolicy, targets: list[Device]
) -> list[Device]:
    """The LUNs of the hosts still in ``topology``, each under its target among
    ``targets`` (the targets built) or under its host.  A LUN whose target is not
    among them is left out with it.

    As libvirt does, a LUN numbered beyond 32 bits, or whose ``type`` is no
    number, is left out (with a warning); a type libvirt has no word for gives no
    ``type``.  ``type`` is read under every policy (it decides whether the LUN
    is listed); the inquiry data and the driver only with ``policy.details``."""
    src = session.source
    target_names = {d.path: d.name for d in targets}
    out: list[Device] = []
    for u in luns(session, topology.hosts, scsi_bus(session, topology)):
        if u.above == topology.hosts[u.host].dev:
            parent = scsi_host_name(u.host)
        else:
            found = target_names.get(src.devpath(u.above))
            if found is None:
                continue  # its target is not in the scan: gone, or left out with a warning
            parent = found
        device = _lun(session, u, parent, policy.details)
        if device is not None:
            out.append(device)
    return out


def _lun(session: ReadSession, u: LunInfo, parent: str, details: bool) -> Device | None:
    name = scsi_name(u.host, u.channel, u.target, u.lun)
    if u.lun > values.UINT32_MAX:
        session.warn(name, None, "left out: a LUN number beyond 32 bits, as libvirt does")
        return None
    scope = session.device(name)
    refused: list[str] = []

    def peripheral_type(text: str) -> int:
        try:
            return values.scsi_type(text)
        except ValueError:
            refused.append(text)
            raise

    ptype = scope.attr(u.dev, "type", peripheral_type)
    vendor = model = revision = driver = None
    if details:
        vendor = scope.attr(u.dev, "vendor", values.text_value)
        model = scope.attr(u.dev, "model", values.text_value)
        revision = scope.attr(u.dev, "rev", values.text_value)
        driver = _driver(scope, u.dev)
    why = scope.lost(u.dev)
    if why is not None:
        session.warn(name, None, why)
        return None
    if refused:
        scope.amend(("type",), "; the device is left out, as libvirt does")
        return None
    cap = ScsiDevice(
        host=u.host,
        bus=u.channel,
        target=u.target,
        lun=u.lun,
        type=SCSI_TYPES.get(ptype) if ptype is not None else None,
        vendor=vendor,
        model=model,
        revision=revision,
    )
    return Device(name=name, path=session.source.devpath(u.dev), parent=Parent(parent),
                  driver=driver, capabilities=(cap,))  # fmt: skip


def _driver(scope: DeviceScope, dev: str) -> str | None:
    """The bound driver's name (``sd``, ``st``, ``ses``...): the last name of the
    ``driver`` link, which is never followed."""
    try:
        target = scope.session.source.link(dev, "driver")
    except FileNotFoundError:
        return None  # no driver bound
    except OSError as e:
        scope.failed_with(e)
        scope.warn("driver", f"not a link ({errname(e)})")
        return None
    driver = target.rpartition("/")[2]
    if not _DRIVER.fullmatch(driver) or driver in (".", ".."):
        scope.warn("driver", f"{driver[:40]!r}: expected a driver name")
        return None
    return driver
