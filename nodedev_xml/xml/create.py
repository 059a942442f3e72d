"""The node-device create document for a vHBA, as libvirt takes it.

``virsh nodedev-create FILE`` and ``virNodeDeviceCreateXML()`` create an NPIV
vHBA from a ``<device>`` that names the parent HBA and, optionally, the new
port's own names::

    <device>
      <parent wwnn='2000001b32a9da4e' wwpn='2100001b32a9da4e'/>
      <capability type='scsi_host'>
        <capability type='fc_host'>
          <wwnn>5001a4a7f3e2d1c0</wwnn>
          <wwpn>5001a4a7f3e2d1c1</wwpn>
        </capability>
      </capability>
    </device>

The document is built as a :class:`~nodedev_xml.model.Device` and printed in
the ``libvirt`` profile, like everything this library hands to libvirt.
"""

from __future__ import annotations

from ..errors import WWNError
from ..model import Device, FCHost, Parent, ScsiHost
from ..wwn import WWN
from .document import to_xml


def _wwn(name: str, value: WWN | str | None) -> WWN | None:
    if value is None or isinstance(value, WWN):
        return value
    try:
        return WWN.parse(value)
    except WWNError:
        raise WWNError(
            value,
            f"{name} needs up to 16 hex digits, optionally 0x-prefixed, or 8 colon-separated bytes",
        ) from None


def vhba_create_xml(
    *,
    parent: str | None = None,
    parent_wwnn: WWN | str | None = None,
    parent_wwpn: WWN | str | None = None,
    parent_fabric_wwn: WWN | str | None = None,
    wwnn: WWN | str | None = None,
    wwpn: WWN | str | None = None,
) -> str:
    """The ``libvirt``-profile create document of a vHBA.

    Give the parent HBA one way at most: by node-device name (``parent``,
    e.g. ``scsi_host5``), by its ``parent_wwnn`` and ``parent_wwpn`` (stable
    across reboots), or by ``parent_fabric_wwn`` (any vport-capable HBA on that
    fabric).  With none, libvirt picks a vport-capable host itself.  Give the
    vHBA's own ``wwnn`` and ``wwpn`` together, or neither: then the document
    carries a bare ``<capability type='fc_host'/>`` and libvirt generates them.

    WWNs may be :class:`WWN` values or any spelling :meth:`WWN.parse` reads;
    they are written as libvirt writes them to ``vport_create``: 16 lower-case
    hex digits, no ``0x``.

    Raises :class:`WWNError` (a ``ValueError``) for a malformed WWN, and
    ``ValueError`` for half a WWN pair, an empty parent name, or a parent
    given more than one way.
    """
    p_wwnn = _wwn("parent_wwnn", parent_wwnn)
    p_wwpn = _wwn("parent_wwpn", parent_wwpn)
    p_fabric = _wwn("parent_fabric_wwn", parent_fabric_wwn)
    own_wwnn = _wwn("wwnn", wwnn)
    own_wwpn = _wwn("wwpn", wwpn)

    if (p_wwnn is None) != (p_wwpn is None):
        given, missing = ("parent_wwnn", "parent_wwpn")
        if p_wwnn is None:
            given, missing = missing, given
        raise ValueError(
            f"{given} given without {missing}: a parent is found by its WWNN and WWPN together"
        )
    if (own_wwnn is None) != (own_wwpn is None):
        given, missing = ("wwnn", "wwpn") if own_wwpn is None else ("wwpn", "wwnn")
        raise ValueError(
            f"{given} given without {missing}: give the vHBA both names, "
            "or neither to let libvirt generate them"
        )
    if parent is not None and not parent.strip():
        raise ValueError("parent is an empty name; expected a node-device name like 'scsi_host5'")
    ways = [
        way
        for way, given in (
            ("parent", parent is not None),
            ("parent_wwnn/parent_wwpn", p_wwnn is not None),
            ("parent_fabric_wwn", p_fabric is not None),
        )
        if given
    ]
    if len(ways) > 1:
        raise ValueError(
            f"the parent is given {len(ways)} ways ({', '.join(ways)}); "
            "libvirt takes one: by name, by WWNN/WWPN, or by fabric WWN"
        )

    parent_el = None
    if ways:
        parent_el = Parent(
            name=parent.strip() if parent is not None else None,
            wwnn=p_wwnn,
            wwpn=p_wwpn,
            fabric_wwn=p_fabric,
        )
    fc_host = (
        FCHost(wwnn=own_wwnn, wwpn=own_wwpn)
        if own_wwnn is not None and own_wwpn is not None
        else None
    )
    device = Device(
        name="",
        parent=parent_el,
        capabilities=(ScsiHost(host=None, fc_host=fc_host, fc_host_requested=fc_host is None),),
    )
    return to_xml(device, profile="libvirt")
