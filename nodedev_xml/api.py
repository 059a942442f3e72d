"""The library's front door: scan a root or a libvirt connection; enrich and strip
libvirt's XML."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .errors import ValidationError
from .model import Device, Inventory

# The scan is sysfs/scan.py's (or a libvirt connection's), served from here as the front door.
from .sysfs.scan import list_names as list_names
from .sysfs.scan import scan as scan_root
from .vocabulary import default_root as default_root

if TYPE_CHECKING:
    from lxml.etree import _Element

    from .sysfs.access import FileAccess
    from .sysfs.pciids import PCIIds
    from .vocabulary import Backend, Profile
    from .xml.enrich import Match


def scan(
    root: str | None = None,
    *,
    backend: Backend = "sysfs",
    fs: FileAccess | None = None,
    pci_ids: PCIIds | None = None,
    connect: str | None = None,
    conn: Any = None,
) -> Inventory:
    """The devices of a host: of ``root`` through ``backend`` (see
    :func:`nodedev_xml.sysfs.scan.scan`), or, with ``connect`` (a libvirt URI) or
    ``conn`` (an open ``libvirt.virConnect``), of the host that connection reaches,
    through its node-device documents (:mod:`nodedev_xml.connection.inventory`;
    ``inventory.root`` is then the URI).  Raises :class:`ValueError` for a
    connection given with a root, a backend or both ways;
    :class:`~nodedev_xml.errors.LibvirtConnectionError` when the connection cannot
    be opened or used (or libvirt-python is missing); else as the sysfs scan."""
    if connect is None and conn is None:
        return scan_root(root, backend=backend, fs=fs, pci_ids=pci_ids)
    if root is not None or backend != "sysfs" or fs is not None or pci_ids is not None:
        raise ValueError("a libvirt connection is a source of its own: no root, backend or fs")
    from .connection.inventory import read_inventory
    from .connection.session import connected

    with connected(connect, conn) as c:
        return read_inventory(c)


def enrich_connection(conn: Any, profile: Profile = "enriched") -> dict[str, str]:
    """Every device ``conn`` (an open ``libvirt.virConnect``) lists that nodedev-xml
    models, as its document in ``profile``, by name: libvirt's documents enriched
    from the connection alone, without reading the host's files.  Raises
    :class:`~nodedev_xml.errors.LibvirtConnectionError` when the connection fails."""
    from .xml.document import to_xml

    return {name: to_xml(dev, profile) for name, dev in scan(conn=conn).items()}


def documents(xml: str | bytes, *, source: str = "<string>") -> list[tuple[bytes, int]]:
    """One or more documents in a row (what ``dumpxml --all`` prints), as
    ``(document, first line in the stream)``; see
    :func:`nodedev_xml.xml.safe.split_documents`.  Raises :class:`XMLInputError`
    for a stream over the caps."""
    from .xml.safe import split_documents

    data = xml.encode("utf-8", "surrogatepass") if isinstance(xml, str) else xml
    return split_documents(data, source=source)


def join_documents(texts: list[str]) -> str:
    """Documents printed one after another, each ending its own line."""
    return "".join(t if t.endswith("\n") or i == len(texts) - 1 else t + "\n"
                   for i, t in enumerate(texts))  # fmt: skip


@dataclass(frozen=True)
class EnrichedDocument:
    """One document ``enrich`` printed: its ``text``, the :class:`Match` with the
    scanned devices, and the ``line`` of the input where the document began."""

    text: str
    match: Match
    line: int

    def warning(self, source: str, root: str) -> str | None:
        """What the user should hear about this document, or ``None``."""
        m = self.match
        where = f"{source}:{self.line}"
        if m.device is None:
            return f"{where}: no {m.wanted} under {root}; nothing added"
        if m.renamed_from is not None and m.renamed_from != m.device.name:
            return (f"{where}: renamed {m.renamed_from} -> {m.device.name} (the {m.wanted}; "
                    "hosts renumber across reboots): printed under its current name, path "
                    "and parent")  # fmt: skip
        return None


def enrich_documents(
    xml: str | bytes, inventory: Mapping[str, Device], *, source: str = "<string>"
) -> list[EnrichedDocument]:
    """Each document of ``xml`` (one or more in a row) refreshed from ``inventory``
    (see :mod:`nodedev_xml.xml.enrich`).  Raises as :func:`enrich`."""
    from .xml.enrich import enrich_tree, mend_wwns

    out = []
    for doc, line in documents(xml, source=source):
        root = _parse(doc, line, source)
        mended = mend_wwns(root)  # libvirt's own quirks are not the user's mistake
        _validate(root, line, source)
        text, match = enrich_tree(root, doc.decode("utf-8-sig"), inventory, mended=mended)
        out.append(EnrichedDocument(text, match, line))
    return out


def _parse(doc: bytes, line: int, source: str) -> _Element:
    from .xml.safe import parse_xml

    return parse_xml(doc, source=source, first_line=line)


def _validate(root: _Element, line: int, source: str) -> None:
    """Refuse a document that is not node-device XML (the ``enriched`` grammar
    accepts libvirt's too) with the validator's message, at its line in the stream."""
    from .validation import validate

    try:
        validate(root, "enriched", source=source)
    except ValidationError as e:
        problems = [(n + line - 1 if n else line, message) for n, message in e.problems]
        raise ValidationError(problems, source=source) from None


def enrich(xml: str | bytes, root: str | None = None, *, source: str = "<string>") -> str:
    """libvirt's XML of a device (or several in a row) as the scan of ``root``
    prints the device today: the enrichment added or replaced, a renumbered host
    under its current name and parent.  Documents of devices not found come back
    as they are.  Raises :class:`XMLInputError` for input that is not well-formed
    or hostile and :class:`ValidationError` for a document that is not node-device
    XML (after libvirt's WWN quirks are mended), each naming the line."""
    return join_documents([d.text for d in enrich_documents(xml, scan(root), source=source)])


def strip(xml: str | bytes, *, source: str = "<string>") -> str:
    """An enriched document (or several in a row) turned back into the ``libvirt``
    profile.  Raises :class:`XMLInputError` for input that is not well-formed or
    hostile and :class:`ValidationError` for a document that is not node-device
    XML, each naming the line in the stream."""
    from .xml.document import serialize
    from .xml.enrich import strip_tree

    texts = []
    for doc, line in documents(xml, source=source):
        root = _parse(doc, line, source)
        _validate(root, line, source)
        texts.append(serialize(root) if strip_tree(root) else doc.decode("utf-8-sig"))
    return join_documents(texts)
