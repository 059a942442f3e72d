"""libvirt storage pools of vHBAs: the migration of a guest's pool, and pools from definitions.

A guest that uses LUNs behind a vHBA reaches them through a ``scsi`` storage
pool whose adapter is an ``fc_host``: starting the pool creates the vport,
destroying it deletes the vport (``managed='yes'``).  To migrate the guest,
the destination host defines and starts the *same* pool -- same name, same
UUID, so the guest's ``<disk type='volume'>`` still resolves -- but with a
vHBA of its own: new WWNN/WWPN (zoned beforehand) under a parent HBA of the
destination.  :func:`migrate_pool` writes that destination pool from the
source's; :func:`export_pool` writes the pool of a nodedev-xml definition, for
users who let libvirt own the vHBA's persistence.  The README gives the whole
migration sequence.

Both print the adapter's attributes in libvirt's own order (``parent``,
``parent_wwnn``, ``parent_wwpn``, ``parent_fabric_wwn``, ``managed``,
``wwnn``, ``wwpn``) and WWNs as 16 lower-case hex digits: libvirt writes
them to ``vport_create`` verbatim and compares them with sysfs exactly.
"""

from __future__ import annotations

import uuid as uuidlib
from collections.abc import Callable, Collection, Iterable
from typing import TYPE_CHECKING, Final

from ..errors import PoolError, WWNError
from ..model import Parent
from ..wwn import WWN

if TYPE_CHECKING:
    from lxml import etree

    from .definitions import Definition

__all__ = ["export_pool", "migrate_pool", "pool_adapter_attributes", "read_fc_pool"]

#: Where an exported pool looks for its LUNs: stable names that survive host renumbering.
DEFAULT_TARGET_PATH: Final = "/dev/disk/by-path"
_PARENT_ATTRS: Final = ("parent", "parent_wwnn", "parent_wwpn", "parent_fabric_wwn")


def _error(message: str, source: str, element: etree._Element | None) -> PoolError:
    line = element.sourceline if element is not None else None
    return PoolError(message, source=source, line=line)


def read_fc_pool(
    data: str | bytes, *, source: str = "<string>"
) -> tuple[etree._Element, etree._Element]:
    """The root and the ``fc_host`` adapter of a libvirt pool document.

    Raises :class:`~nodedev_xml.errors.XMLInputError` for input that is not safe,
    well-formed XML, and :class:`PoolError` (file and line) for a document that is
    not a ``scsi`` pool with exactly one ``fc_host`` adapter, with a name, a UUID
    and the adapter's ``wwnn`` and ``wwpn``."""
    from ..xml.safe import parse_xml

    root = parse_xml(data, source=source)
    if root.tag != "pool":
        raise _error(
            f"<{root.tag!s}> is not a libvirt storage pool: expected <pool type='scsi'>"
            " (as 'virsh pool-dumpxml' prints it)",
            source,
            root,
        )
    kind = root.get("type")
    if kind != "scsi":
        raise _error(
            f"pool type {kind!r}: only a type='scsi' pool with an fc_host adapter is a vHBA pool",
            source,
            root,
        )
    adapters = root.findall("source/adapter")
    if len(adapters) != 1:
        raise _error(
            f"{len(adapters)} <source><adapter> elements: expected one fc_host adapter",
            source,
            root if not adapters else adapters[1],
        )
    adapter = adapters[0]
    if adapter.get("type") != "fc_host":
        given = adapter.get("type")
        what = f"adapter type {given!r}" if given is not None else "an adapter without a type"
        raise _error(
            f"{what}: only an fc_host adapter (a vHBA the pool creates) can be migrated",
            source,
            adapter,
        )
    for attr in ("wwnn", "wwpn"):
        if adapter.get(attr) is None:
            raise _error(
                f"the fc_host adapter has no {attr!r}: libvirt requires it", source, adapter
            )
        _strict(adapter.get(attr, ""), attr, source, adapter)
    for child in ("name", "uuid"):
        el = root.find(child)
        if el is None or not (el.text or "").strip():
            raise _error(
                f"the pool has no <{child}>: the destination pool must carry the source's"
                " (take the document from 'virsh pool-dumpxml POOL')",
                source,
                root,
            )
    return root, adapter


def _strict(text: str, attr: str, source: str, element: etree._Element) -> WWN:
    try:
        return WWN.parse_strict(text)
    except WWNError:
        raise _error(
            f"{attr}={text!r}: expected 16 hex digits (optionally 0x-prefixed)", source, element
        ) from None


def pool_adapter_attributes(
    parent: Parent | None, wwnn: WWN, wwpn: WWN, *, managed: bool = True
) -> dict[str, str]:
    """The ``fc_host`` adapter's attributes, in libvirt's order."""
    attrs = {"type": "fc_host"}
    if parent is not None:
        if parent.name is not None:
            attrs["parent"] = parent.name
        elif parent.wwnn is not None and parent.wwpn is not None:
            attrs["parent_wwnn"] = str(parent.wwnn)
            attrs["parent_wwpn"] = str(parent.wwpn)
        elif parent.fabric_wwn is not None:
            attrs["parent_fabric_wwn"] = str(parent.fabric_wwn)
    attrs["managed"] = "yes" if managed else "no"
    attrs["wwnn"] = str(wwnn)
    attrs["wwpn"] = str(wwpn)
    return attrs


def _check_parent(parent: Parent | None) -> None:
    if parent is None:
        return
    ways = sum(
        (
            parent.name is not None,
            parent.wwnn is not None or parent.wwpn is not None,
            parent.fabric_wwn is not None,
        )
    )
    if ways != 1 or (parent.wwnn is None) != (parent.wwpn is None):
        raise PoolError(
            "give the destination parent one way: by name, by WWNN and WWPN, or by fabric WWN"
        )
    if parent.name is not None and (not parent.name or not parent.name.isprintable()):
        raise PoolError(f"parent {parent.name!r}: expected a node-device name like 'scsi_host5'")


def migrate_pool(
    pool_xml: str | bytes,
    *,
    parent: Parent | None,
    wwnn: WWN | None = None,
    wwpn: WWN | None = None,
    avoid: Iterable[WWN] = (),
    source: str = "<string>",
    generate: Callable[[Collection[WWN]], tuple[WWN, WWN]] | None = None,
) -> str:
    """The destination's pool document for migrating the vHBA pool ``pool_xml``.

    Same name, UUID and everything else; the adapter gets the destination
    ``parent`` (``None``: libvirt picks an Online vport-capable HBA),
    ``managed='yes'`` and a new WWNN/WWPN: ``wwnn`` and ``wwpn`` when given,
    else generated, never the source's and none of ``avoid``.  Raises
    :class:`PoolError` for a pool that is not a ``scsi`` pool with an ``fc_host``
    adapter, for given WWNs equal to the source's or to each other, and for a
    parent given more than one way; :class:`~nodedev_xml.errors.XMLInputError`
    for input that is not safe XML."""
    _check_parent(parent)
    root, adapter = read_fc_pool(pool_xml, source=source)
    old = {_strict(adapter.get(a, ""), a, source, adapter) for a in ("wwnn", "wwpn")}
    if (wwnn is None) != (wwpn is None):
        raise PoolError("give the destination vHBA's WWNN and WWPN together, or neither")
    if wwnn is None or wwpn is None:
        if generate is None:
            from . import generate_wwns

            generate = generate_wwns
        wwnn, wwpn = generate(frozenset(old) | frozenset(avoid))
    for wwn in (wwnn, wwpn):
        if wwn in old:
            raise PoolError(
                f"WWN {wwn} is the source pool's: the destination vHBA needs names of its own"
                " (both vHBAs exist while the guest migrates)"
            )
    if wwnn == wwpn:
        raise PoolError(f"the WWNN and the WWPN are both {wwnn}: expected two names")
    _replace_adapter(adapter, pool_adapter_attributes(parent, wwnn, wwpn))
    return _serialise(root)


def _replace_adapter(adapter: etree._Element, attrs: dict[str, str]) -> None:
    """Set the adapter's fc_host attributes in libvirt's order; any other attribute
    (none in libvirt 9) is kept after them."""
    known = {"type", "managed", "wwnn", "wwpn", *_PARENT_ATTRS}
    others = {k: v for k, v in adapter.attrib.items() if k not in known}
    adapter.attrib.clear()
    for key, value in {**attrs, **others}.items():
        adapter.set(key, value)


def _serialise(root: etree._Element) -> str:
    from lxml import etree

    text: str = etree.tostring(root, encoding="unicode")
    return text if text.endswith("\n") else text + "\n"


def export_pool(definition: Definition, *, uuid: str | None = None) -> str:
    """A libvirt ``scsi`` pool that creates the vHBA of ``definition`` when started:
    named after the definition, a new UUID (or ``uuid``), the definition's parent
    and WWNs, ``managed='yes'``, target path ``/dev/disk/by-path``.  Raises
    :class:`PoolError` for a ``uuid`` that is not one."""
    from lxml import etree

    try:
        pool_uuid = str(uuidlib.UUID(uuid)) if uuid is not None else str(uuidlib.uuid4())
    except ValueError:
        raise PoolError(f"invalid UUID {uuid!r}") from None
    root = etree.Element("pool", type="scsi")
    etree.SubElement(root, "name").text = definition.name
    etree.SubElement(root, "uuid").text = pool_uuid
    src = etree.SubElement(root, "source")
    etree.SubElement(
        src, "adapter", pool_adapter_attributes(definition.parent, definition.wwnn, definition.wwpn)
    )
    target = etree.SubElement(root, "target")
    etree.SubElement(target, "path").text = DEFAULT_TARGET_PATH
    text: str = etree.tostring(root, encoding="unicode", pretty_print=True)
    return text
