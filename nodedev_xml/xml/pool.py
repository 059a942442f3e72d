"""libvirt storage pool documents of vHBAs: read a ``scsi`` pool's ``fc_host``
adapter, write it back with a new one, and write the pool of a definition.

The actions that use them (migrating a guest's pool, exporting a definition)
are :mod:`nodedev_xml.vhba.pools`.  Adapters are printed with their attributes
in libvirt's own order (``parent``, ``parent_wwnn``, ``parent_wwpn``,
``parent_fabric_wwn``, ``managed``, ``wwnn``, ``wwpn``) and WWNs as 16
lower-case hex digits: libvirt writes them to ``vport_create`` verbatim and
compares them with sysfs exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from ..errors import PoolError, WWNError
from ..model import Parent
from ..wwn import WWN

if TYPE_CHECKING:
    from lxml import etree

__all__ = [
    "DEFAULT_TARGET_PATH",
    "POOL_COMMENT",
    "FCPool",
    "pool_adapter_attributes",
    "pool_document",
    "pool_wwids",
    "read_fc_pool",
]

#: Where an exported pool looks for its LUNs: stable names that survive host renumbering.
DEFAULT_TARGET_PATH: Final = "/dev/disk/by-path"
_PARENT_ATTRS: Final = ("parent", "parent_wwnn", "parent_wwpn", "parent_fabric_wwn")
#: How a pool document carries the WWIDs of the LUNs its guest relies on: a comment,
#: first in ``<pool>``, of this text and the WWIDs (libvirt's grammar allows comments;
#: libvirt drops them when it defines the pool).
POOL_COMMENT: Final = "nodedev-xml expected LUNs (WWID):"


def _wwid_comment(root: etree._Element, wwids: list[str]) -> None:
    """Put the comment naming ``wwids`` first in ``root``, replacing an older one."""
    from lxml import etree

    for old in list(root.iter(etree.Comment)):
        if (old.text or "").strip().startswith(POOL_COMMENT):
            parent = old.getparent()
            if parent is not None:
                if old.getprevious() is None:
                    parent.text = old.tail
                parent.remove(old)  # lxml gives its tail to the previous sibling
    comment = etree.Comment(" ".join(["", POOL_COMMENT, *wwids, ""]))
    comment.tail = root.text  # the indentation the first child had
    root.insert(0, comment)


def pool_wwids(data: str | bytes, *, source: str = "<string>") -> list[str] | None:
    """The WWIDs a pool document carries (its :data:`POOL_COMMENT` comment), as
    written; ``None`` when it carries none.  Raises
    :class:`~nodedev_xml.errors.XMLInputError` for input that is not safe XML."""
    from lxml import etree

    from .safe import parse_xml

    root = parse_xml(data, source=source)
    for node in root.iter(etree.Comment):
        text = (node.text or "").strip()
        if text.startswith(POOL_COMMENT):
            return text[len(POOL_COMMENT) :].split()
    return None


def _error(message: str, source: str, element: etree._Element | None) -> PoolError:
    line = element.sourceline if element is not None else None
    return PoolError(message, source=source, line=line)


@dataclass(frozen=True, slots=True, eq=False)
class FCPool:
    """A ``scsi`` pool with one ``fc_host`` adapter, as read by :func:`read_fc_pool`:
    the parsed ``root``, its ``adapter`` element and the adapter's WWNs."""

    root: etree._Element
    adapter: etree._Element
    wwnn: WWN
    wwpn: WWN

    @property
    def wwns(self) -> frozenset[WWN]:
        return frozenset((self.wwnn, self.wwpn))

    def with_adapter(self, attrs: dict[str, str], *, wwids: list[str] | None = None) -> str:
        """The document with the adapter's fc_host attributes replaced by ``attrs``
        (in their order); any other attribute (none in libvirt 9) is kept after them;
        with ``wwids``, the comment carrying them first (replacing the one there).
        The pool read stays as it was."""
        import copy

        root = copy.deepcopy(self.root)
        adapter = root.find("source/adapter")
        assert adapter is not None  # read_fc_pool found exactly one
        known = {"type", "managed", "wwnn", "wwpn", *_PARENT_ATTRS}
        others = {k: v for k, v in adapter.attrib.items() if k not in known}
        adapter.attrib.clear()
        for key, value in {**attrs, **others}.items():
            adapter.set(key, value)
        if wwids:
            _wwid_comment(root, wwids)
        from lxml import etree

        text: str = etree.tostring(root, encoding="unicode")
        return text if text.endswith("\n") else text + "\n"


def read_fc_pool(data: str | bytes, *, source: str = "<string>") -> FCPool:
    """The ``fc_host`` adapter of a libvirt pool document.

    Raises :class:`~nodedev_xml.errors.XMLInputError` for input that is not safe,
    well-formed XML, and :class:`PoolError` (file and line) for a document that is
    not a ``scsi`` pool with exactly one ``fc_host`` adapter, with a name, a UUID
    and the adapter's ``wwnn`` and ``wwpn``."""
    from .safe import parse_xml

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
    names: list[WWN] = []
    for attr in ("wwnn", "wwpn"):
        if adapter.get(attr) is None:
            raise _error(
                f"the fc_host adapter has no {attr!r}: libvirt requires it", source, adapter
            )
        names.append(_strict(adapter.get(attr, ""), attr, source, adapter))
    for child in ("name", "uuid"):
        el = root.find(child)
        if el is None or not (el.text or "").strip():
            raise _error(
                f"the pool has no <{child}>: the destination pool must carry the source's"
                " (take the document from 'virsh pool-dumpxml POOL')",
                source,
                root,
            )
    return FCPool(root, adapter, names[0], names[1])


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


def pool_document(
    name: str, uuid: str, parent: Parent | None, wwnn: WWN, wwpn: WWN,
    *, target_path: str = DEFAULT_TARGET_PATH, wwids: list[str] | None = None,
) -> str:  # fmt: skip
    """A libvirt ``scsi`` pool named ``name`` with UUID ``uuid`` whose ``fc_host``
    adapter creates the vHBA ``wwnn``/``wwpn`` under ``parent`` (``managed='yes'``),
    its LUNs looked for in ``target_path``; ``wwids`` in the comment that carries them."""
    from lxml import etree

    root = etree.Element("pool", type="scsi")
    etree.SubElement(root, "name").text = name
    etree.SubElement(root, "uuid").text = uuid
    src = etree.SubElement(root, "source")
    etree.SubElement(src, "adapter", pool_adapter_attributes(parent, wwnn, wwpn))
    target = etree.SubElement(root, "target")
    etree.SubElement(target, "path").text = target_path
    if wwids:
        root.insert(0, etree.Comment(" ".join(["", POOL_COMMENT, *wwids, ""])))
    text: str = etree.tostring(root, encoding="unicode", pretty_print=True)
    return text
