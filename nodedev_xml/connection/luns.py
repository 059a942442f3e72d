"""Do two hosts' vHBAs see the same disks?

libvirt's documents name a LUN only by its address (``scsi_H_B_T_L``) and its
type, and a ``scsi`` pool's volume keys are no WWIDs (``ID_SERIAL`` with a
``_PORT`` suffix, or a by-path link: they differ across hosts).  A disk's
identity is only in sysfs, so it is taken from a sysfs scan of each host where
nodedev-xml runs there: a root given for it, or, for a URI that reaches this
machine, the default root.  For any other host the disks are *not verified*,
and the check says so.

The identity used is what the scan gives today: the target's remote port WWPN,
the LUN number, the inquiry vendor and model, and the size.  (The scan does not
read a LUN's WWID yet; once it does, it is the identity.)
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import NodedevXmlError
from ..model import Inventory
from ..vocabulary import default_root
from ..wwn import WWN
from .session import is_local

__all__ = ["IDENTITY", "LunCheck", "compare_luns", "lun_identities", "sysfs_of"]

#: What a LUN's identity is made of, for the report.
IDENTITY = "remote port WWPN, LUN number, vendor, model, size"


@dataclass(frozen=True, slots=True)
class LunCheck:
    """The outcome: ``verified`` ``True`` (the same disks), ``False`` (they differ)
    or ``None`` (could not be verified); the identities on each side; one line why."""

    verified: bool | None
    source: tuple[str, ...]
    destination: tuple[str, ...]
    why: str

    def describe(self) -> str:
        if self.verified is None:
            return f"LUNs not verified: {self.why}"
        if self.verified:
            return f"LUNs verified: {self.why}"
        return f"LUNs differ: {self.why}"


def lun_identities(inv: Inventory, wwpn: WWN) -> tuple[str, ...] | None:
    """The identities of the LUNs behind the host with ``wwpn``, sorted; ``None``
    when no such host is in ``inv``."""
    host = None
    for dev in inv.values():
        cap = dev.scsi_host
        if cap is not None and cap.fc_host is not None and cap.fc_host.wwpn == wwpn:
            host = cap.host
    if host is None:
        return None
    ports: dict[tuple[int, int], str] = {}
    for dev in inv.values():
        target = dev.scsi_target
        if target is None or target.fc_remote_port is None:
            continue
        parts = dev.name.removeprefix("scsi_target").split("_")
        if len(parts) == 3 and all(p.isdigit() for p in parts) and int(parts[0]) == host:
            ports[(int(parts[1]), int(parts[2]))] = str(target.fc_remote_port.wwpn)
    out = []
    for dev in inv.values():
        lun = dev.scsi
        if lun is None or lun.host != host:
            continue
        port = ports.get((lun.bus, lun.target), "no remote port")
        out.append(f"{port} lun {lun.lun} {lun.vendor or '?'} {lun.model or '?'} "
                   f"{lun.size if lun.size is not None else '?'} bytes")  # fmt: skip
    return tuple(sorted(out))


def sysfs_of(uri: str, root: str | None) -> tuple[Inventory | None, str]:
    """A sysfs scan of the host ``uri`` reaches: of ``root`` when given, of the
    default root when the URI reaches this machine; else ``None``.  With why not."""
    from ..sysfs.scan import scan

    if root is None and not is_local(uri):
        return None, f"nodedev-xml does not run on the host of {uri} (give its sysfs root)"
    where = root if root is not None else default_root()
    try:
        return scan(where), where
    except NodedevXmlError as e:
        return None, f"{uri}: its sysfs under {where} cannot be read: {e}"


def compare_luns(
    source: tuple[str, WWN, str | None], destination: tuple[str, WWN, str | None]
) -> LunCheck:
    """Compare the LUNs behind two vHBAs, each given as ``(uri, wwpn, sysfs root)``."""
    sides = []
    for uri, wwpn, root in (source, destination):
        inv, where = sysfs_of(uri, root)
        if inv is None:
            return LunCheck(None, (), (), where)
        ids = lun_identities(inv, wwpn)
        if ids is None:
            return LunCheck(None, (), (), f"no host with WWPN {wwpn} in the sysfs under {where}"
                            f" (is it {uri}'s?)")  # fmt: skip
        sides.append(ids)
    a, b = sides
    if a == b:
        return LunCheck(True, a, b, f"the same {len(a)} LUN(s) by {IDENTITY}")
    missing = sorted(set(a) - set(b))
    extra = sorted(set(b) - set(a))
    said = f"{len(missing)} of the source's not on the destination" + (
        f" (first: {missing[0]})" if missing else "")  # fmt: skip
    if extra:
        said += f"; {len(extra)} on the destination only (first: {extra[0]})"
    return LunCheck(False, a, b, said)
