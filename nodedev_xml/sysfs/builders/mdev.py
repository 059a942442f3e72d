"""The mediated-device types a device offers (``mdev_types``): a PCI function (GVT-g,
vGPU), an s390 subchannel bound to ``vfio_ccw``, vfio_ap's matrix device."""

from __future__ import annotations

from ...model import MdevType, MdevTypes
from .. import values
from ..session import DeviceScope
from ..source import errname

__all__ = ["mdev_types", "read_mdev_types"]

SUPPORTED_TYPES = "mdev_supported_types"


def mdev_types(scope: DeviceScope, dev: str) -> MdevTypes | None:
    """The types ``dev`` offers (``mdev_supported_types/<id>/``: ``name``,
    ``device_api``, ``available_instances``, read now), by id; a type without
    ``device_api`` or a readable count is left out."""
    return read_mdev_types(scope, dev)[0]


def read_mdev_types(scope: DeviceScope, dev: str) -> tuple[MdevTypes | None, bool]:
    """:func:`mdev_types`, and whether every type could be read (libvirt 9.0 lists
    no device of which one cannot: an AP matrix, a PCI function)."""
    src = scope.session.source
    try:
        ids = src.entries(dev, SUPPORTED_TYPES)
    except FileNotFoundError:
        return None, True
    except OSError as e:
        scope.warn(SUPPORTED_TYPES, f"cannot list ({errname(e)})")
        return None, False
    found = []
    whole = True
    for type_id in sorted(ids):
        where = src.child(dev, SUPPORTED_TYPES, type_id)
        label = f"{SUPPORTED_TYPES}/{type_id}"
        api = scope.attr(where, "device_api", values.text_value, label=f"{label}/device_api",
                         optional=False, may_lack=True)  # fmt: skip
        count = scope.attr(where, "available_instances", values.uint, may_lack=True,
                           label=f"{label}/available_instances", optional=False)  # fmt: skip
        if api is None or count is None:
            whole = False
            continue
        raw = scope.raw(where, "name", may_lack=True)
        name = values.udev_text(raw) if raw is not None else None
        found.append(MdevType(type_id, api, count, name))
    return (MdevTypes(tuple(found)) if found else None), whole
