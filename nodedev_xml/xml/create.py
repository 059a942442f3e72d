"""The node-device create document of a vHBA, as libvirt takes it.

``virsh nodedev-create`` and ``virNodeDeviceCreateXML()`` create an NPIV vHBA
from a ``<device>`` that names the parent HBA (by name, by WWNN and WWPN, or by
fabric WWN; or not at all, to let libvirt pick one) and, optionally, the new
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

Such a document is no node device (it has no name, its ``scsi_host`` no host
number): it is a :class:`~nodedev_xml.model.CreateRequest`, printed by
:func:`create_request_to_xml` in the ``libvirt`` profile, like everything this
library hands to libvirt, and read by :func:`create_request_from_xml`.
"""

from __future__ import annotations

from ..errors import WWNError
from ..model import CreateRequest, Parent
from ..model.request import parent_ways
from ..wwn import WWN
from . import codec
from .out import El, TextOut
from .parent import emit_parent, parse_parent
from .safe import parse_with


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
    return create_request_to_xml(CreateRequest(parent=parent_el, wwnn=own_wwnn, wwpn=own_wwpn))


def create_request_to_xml(req: CreateRequest) -> str:
    """The ``libvirt``-profile create document of ``req`` (indented, no XML
    declaration, a final newline): ``<parent>`` if given, then
    ``scsi_host`` holding ``fc_host`` with the vHBA's names, or a bare
    ``<capability type='fc_host'/>`` for libvirt to generate them."""
    out = TextOut()
    out.open("device")
    if req.parent is not None:
        emit_parent(out, req.parent)
    out.cap("scsi_host")
    out.cap("fc_host")
    if req.wwnn is not None and req.wwpn is not None:
        out.leaf("wwnn", str(req.wwnn))
        out.leaf("wwpn", str(req.wwpn))
    out.close()
    out.close()
    out.close()
    return out.getvalue()


def create_request_from_xml(xml: str | bytes, *, source: str = "<string>") -> CreateRequest:
    """Read a create document (what ``virsh nodedev-create`` takes) as a
    :class:`CreateRequest`; the same as ``from_xml(xml, kind="create")``.

    Read as libvirt reads it: ``<parent>`` and the ``fc_host``'s ``<wwnn>`` and
    ``<wwpn>`` count; ``<name>``, ``<path>``, ``<driver>``, ``<host>``,
    ``<unique_id>``, ``phys_hba``, ``<adapter>`` and the ``fc_host``'s other
    children are ignored, so a vHBA's dumped document (either profile) can be
    fed back.  What libvirt would refuse, or resolve silently by priority, is
    refused.

    Raises :class:`XMLInputError` naming ``source`` and the line: for unsafe or
    malformed XML, a root other than ``<device>``, a ``<parent>`` that names the
    HBA no way or more than one way, half a WWN pair, a malformed WWN, and a
    document that is not one ``scsi_host`` holding one ``fc_host``.
    """
    return parse_with(xml, create_request_from_element, source=source)


def create_request_from_element(root: El) -> CreateRequest:
    """The :class:`CreateRequest` of a parsed create document (see
    :func:`create_request_from_xml`).  Raises :class:`XMLInputError`."""
    if root.tag != "device":
        raise codec.fail(root, f"root element is <{codec.tag_of(root)}>; expected <device>")
    parent: Parent | None = None
    scsi_host: El | None = None
    for el in root:
        if el.tag == "parent":
            if parent is not None:
                raise codec.fail(el, "<device> has a second <parent>; expected one at most")
            parent = _parent(el)
        elif el.tag == "capability":
            kind = el.get("type")
            if kind != "scsi_host":
                raise codec.fail(
                    el,
                    f"{_cap(kind)} in a create document; expected "
                    "<capability type='scsi_host'> alone",
                )
            if scsi_host is not None:
                raise codec.fail(
                    el,
                    "a second <capability type='scsi_host'>; a create document describes one vHBA",
                )
            scsi_host = el
        # <name>, <path>, <devnode>, <driver> and anything else: not read (neither by libvirt)
    if scsi_host is None:
        raise codec.fail(
            root,
            "<device> has no <capability type='scsi_host'>; "
            "expected one holding <capability type='fc_host'>",
        )
    wwnn, wwpn = _own_names(scsi_host)
    return CreateRequest(parent=parent, wwnn=wwnn, wwpn=wwpn)


def _cap(kind: str | None) -> str:
    return "<capability> without type" if kind is None else f"<capability type={kind!r}>"


def _parent(el: El) -> Parent:
    parent = parse_parent(el)  # refuses half a WWNN/WWPN pair
    ways = parent_ways(parent)
    if not ways:
        raise codec.fail(
            el,
            "<parent> is empty; expected the parent HBA's name, "
            "its wwnn and wwpn, or its fabric_wwn",
        )
    if len(ways) > 1:
        raise codec.fail(
            el,
            f"<parent> names the HBA {len(ways)} ways ({', '.join(ways)}); "
            "expected one: its name, its wwnn and wwpn, or its fabric_wwn",
        )
    return parent


def _own_names(scsi_host: El) -> tuple[WWN | None, WWN | None]:
    """The vHBA's WWNN and WWPN from the one ``fc_host`` inside ``scsi_host``."""
    fc_host: El | None = None
    for c in scsi_host.iterfind("capability"):
        kind = c.get("type")
        if kind == "phys_hba":
            continue  # a dumped enriched vHBA's: its <parent> already names the HBA
        if kind != "fc_host":
            raise codec.fail(
                c,
                f"{_cap(kind)} inside scsi_host in a create document; "
                "expected <capability type='fc_host'> alone",
            )
        if fc_host is not None:
            raise codec.fail(c, "a second <capability type='fc_host'>; expected one")
        fc_host = c
    if fc_host is None:
        raise codec.fail(
            scsi_host,
            "scsi_host lacks <capability type='fc_host'>; "
            "libvirt creates only vHBAs from a create document",
        )
    wwnn = codec.opt_value(fc_host, "wwnn", WWN.parse_strict, codec.WWN_WHAT)
    wwpn = codec.opt_value(fc_host, "wwpn", WWN.parse_strict, codec.WWN_WHAT)
    if (wwnn is None) != (wwpn is None):
        raise codec.fail(
            fc_host,
            "fc_host has only one of <wwnn> and <wwpn>; expected both, "
            "or neither to let libvirt generate them",
        )
    return wwnn, wwpn
