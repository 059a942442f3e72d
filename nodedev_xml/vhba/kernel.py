"""The vHBA lifecycle's only writes to the kernel: ``vport_create`` and ``vport_delete``.

Both go through a :class:`~nodedev_xml.sysfs.writer.Writer` and are logged on
the ``nodedev_xml.vhba`` logger (what was written where, and the result; the
command's ``-v`` shows them).  A refusal by the kernel becomes one
:class:`~nodedev_xml.errors.VHBAError` line that says what it means, with the
errno kept.
"""

from __future__ import annotations

import errno
import logging
import os

from ..errors import VHBAError
from ..sysfs.writer import Writer
from ..vocabulary import scsi_host_name
from ..wwn import WWN

log = logging.getLogger("nodedev_xml.vhba")


def vport_string(wwpn: WWN, wwnn: WWN) -> str:
    """What the FC transport takes: ``WWPN:WWNN``, port name first, 16 hex digits each."""
    return f"{wwpn}:{wwnn}"


def attribute_path(root: str, host: int, attr: str) -> str:
    """The host's ``attr`` file (``vport_create``/``vport_delete``) as libvirt finds it:
    in ``fc_host``, else in ``scsi_host``; the ``fc_host`` one when neither exists."""
    base = os.path.join(os.path.abspath(root), "sys", "class")
    for cls in ("fc_host", "scsi_host"):
        path = f"{base}/{cls}/host{host}/{attr}"
        if os.path.lexists(path):
            return path
    return f"{base}/fc_host/host{host}/{attr}"


def _explain(code: int, attr: str, parent: str, wwpn: WWN, wwnn: WWN, path: str) -> str:
    names = f"WWPN {wwpn} / WWNN {wwnn}"
    reasons = {
        errno.EINVAL: f"the kernel rejected {vport_string(wwpn, wwnn)!r} as malformed "
        "(expected WWPN:WWNN, 16 hex digits each)",
        errno.ENOSPC: f"{parent} has no room for another vport "
        "(npiv_vports_inuse has reached max_npiv_vports)",
        errno.ENOTUNIQ: f"{names}: a name already in use on {parent}",
        errno.EOPNOTSUPP: f"{parent} cannot make a vport: the driver has no NPIV support "
        "or the port is not on a fabric that supports NPIV",
        errno.ENOSYS: f"{parent}'s driver does not support vports here",
        errno.ENODEV: f"{parent} has no vport with {names}",
        errno.EACCES: f"permission denied writing {path}: managing vHBAs needs root",
        errno.EPERM: f"not permitted to write {path}: managing vHBAs needs root",
        errno.EXDEV: f"{path} leads outside the root (a link on the way); nothing written",
        errno.ENOENT: f"{parent} has no {attr} file ({path}): it is not vport-capable",
        errno.EBUSY: f"{parent}: the vport is being created or deleted; try again",
    }
    return reasons.get(code, f"writing {path} failed: {os.strerror(code)}")


def write_vport(writer: Writer, attr: str, host: int, wwpn: WWN, wwnn: WWN) -> None:
    """Write ``WWPN:WWNN`` to host ``host``'s ``attr`` (``vport_create`` or
    ``vport_delete``) through ``writer``; raises :class:`VHBAError` (with the
    errno) when the kernel refuses."""
    path = attribute_path(writer.root, host, attr)
    data = vport_string(wwpn, wwnn)
    parent = scsi_host_name(host)
    try:
        writer.write(path, data)
    except OSError as e:
        code = e.errno or errno.EIO
        log.warning("wrote %r to %s: %s", data, path, errno.errorcode.get(code, code))
        raise VHBAError(_explain(code, attr, parent, wwpn, wwnn, path), errno=code) from None
    log.info("wrote %r to %s: ok", data, path)
