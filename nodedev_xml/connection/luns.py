"""Do two hosts' vHBAs see the same disks?

libvirt's documents name a LUN only by its address (``scsi_H_B_T_L``) and its
type, and a ``scsi`` pool's volume keys are no WWIDs (``ID_SERIAL`` with a
``_PORT`` suffix, or a by-path link: they differ across hosts).  A disk's
identity is only in sysfs, so it is taken from a sysfs scan of each host where
nodedev-xml runs there: a root given for it, or, for a URI that reaches this
machine, the default root.  For any other host the disks are *not verified*,
and the check says so.

The identity is the LUN's WWID (:mod:`nodedev_xml.vhba.luns`: the kernel's
``wwid`` or the designator it would pick from VPD page 0x83, compared in one
spelling); a LUN the scan finds no WWID for is named by its remote port WWPN,
LUN number, vendor and model instead, and the check says how many were.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import NodedevXmlError
from ..model import Inventory
from ..vocabulary import default_root
from ..wwn import WWN
from .session import is_local

__all__ = ["IDENTITY", "LunCheck", "compare_luns", "lun_identities", "sysfs_of"]

#: What a LUN's identity is, for the report.
IDENTITY = "WWID"


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
    """The identities of the LUNs behind the host with ``wwpn``, sorted: each LUN's
    WWID (:func:`~nodedev_xml.vhba.luns.wwid_key`), else ``no WWID: <remote WWPN>
    lun <N> <vendor> <model>``; ``None`` when no such host is in ``inv``."""
    from ..vhba.luns import host_luns, wwid_key

    host = None
    for dev in inv.values():
        cap = dev.scsi_host
        if cap is not None and cap.fc_host is not None and cap.fc_host.wwpn == wwpn:
            host = dev.name
    if host is None:
        return None
    out = []
    for lun in host_luns(inv, host):
        if lun.wwid:
            out.append(wwid_key(lun.wwid))
        else:
            number = lun.address.rpartition(":")[2]
            out.append(f"no WWID: {lun.remote_wwpn or 'no remote port'} lun {number} "
                       f"{lun.vendor or '?'} {lun.model or '?'}")  # fmt: skip
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
        without = sum(1 for i in a if i.startswith("no WWID"))
        by = IDENTITY if not without else f"{IDENTITY} ({without} without one: by remote port, " \
            "LUN number, vendor and model)"  # fmt: skip
        return LunCheck(True, a, b, f"the same {len(a)} LUN(s) by {by}")
    missing = sorted(set(a) - set(b))
    extra = sorted(set(b) - set(a))
    said = f"{len(missing)} of the source's not on the destination" + (
        f" (first: {missing[0]})" if missing else "")  # fmt: skip
    if extra:
        said += f"; {len(extra)} on the destination only (first: {extra[0]})"
    return LunCheck(False, a, b, said)
