"""The machine itself, libvirt's ``computer``: its ``system`` capability from DMI.

The DMI identity is the class device ``/sys/class/dmi/id``; each field below is
read from the file named beside it, through the read session (a file that cannot
be read is a warning about ``computer``, one that is absent is simply left out).
A machine without DMI data (most fake roots, many ARM boards) is still
``computer``.  The strings are read as libvirt reads them through libudev:
firmware's padding (trailing blanks and tabs) kept, control characters
dropped.  Without a ``product_uuid`` the UUID is all zeros; libvirt prints a
random one, another each time it starts (a documented correction).
"""

from __future__ import annotations

import uuid

from ...model import Device, System
from ...vocabulary import COMPUTER, NO_UUID
from .. import values
from ..session import DeviceScope, ReadSession

__all__ = ["computer_device"]

#: The :class:`~nodedev_xml.model.System` fields and the DMI files they come from.
DMI_FIELDS = (
    ("product", "product_name"),
    ("hardware_vendor", "sys_vendor"),
    ("hardware_version", "product_version"),
    ("hardware_serial", "product_serial"),
    ("firmware_vendor", "bios_vendor"),
    ("firmware_version", "bios_version"),
    ("firmware_release_date", "bios_date"),
)


def _uuid(text: str) -> str | None:
    if not text:
        return None
    try:
        return str(uuid.UUID(text))
    except ValueError:
        raise ValueError("expected a UUID") from None


def _string(scope: DeviceScope, dmi: str, attr: str) -> str | None:
    """A DMI string as libvirt reads it (:func:`~..values.udev_text`): firmware's
    padding kept, control characters dropped."""
    raw = scope.raw(dmi, attr, may_lack=True)
    return values.udev_text(raw) if raw is not None else None


def computer_device(session: ReadSession) -> Device:
    """``computer`` with what ``session``'s source holds of the machine's DMI data.
    Never raises for a bad tree."""
    found = session.source.class_devices("dmi", session.warn)
    dmi = next((handle for name, handle in found if name == "id"), None)
    if dmi is None:
        return Device(COMPUTER, (System(uuid=NO_UUID),))
    scope = session.device(COMPUTER)
    fields = {name: _string(scope, dmi, attr) for name, attr in DMI_FIELDS}
    machine = scope.attr(dmi, "product_uuid", _uuid)
    return Device(COMPUTER, (System(uuid=machine or NO_UUID, **fields),))
