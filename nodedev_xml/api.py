"""The library's front door: scan a root; enrich and strip libvirt's XML."""

from __future__ import annotations

import os

from .inventory import Inventory
from .sysfs.access import FileAccess
from .sysfs.scan import scan_devices


def default_root() -> str:
    """``NODEDEV_XML_ROOT`` when set, else the live host ``/``."""
    return os.environ.get("NODEDEV_XML_ROOT") or "/"


def scan(root: str | None = None, *, fs: FileAccess | None = None) -> Inventory:
    """Scan the sysfs under ``root`` (a directory holding ``sys/``; ``/`` is the
    live host) into an :class:`Inventory`.  Problems with single devices or
    attributes become ``inventory.warnings``; raises :class:`SysfsError` only
    when ``root`` holds no sysfs at all."""
    root = root if root is not None else default_root()
    devices, warnings = scan_devices(root, fs=fs)
    return Inventory(devices, root=root, warnings=warnings)


def enrich(xml: str | bytes, root: str | None = None, *, source: str = "<string>") -> str:
    """libvirt's XML of a device, plus the enrichment the scan of ``root`` gives."""
    from .xml.enrich import enrich_document

    return enrich_document(xml, scan(root), source=source)


def strip(xml: str | bytes, *, source: str = "<string>") -> str:
    """An enriched document turned back into the ``libvirt`` profile."""
    from .xml.enrich import strip_document

    return strip_document(xml, source=source)
