"""The library's front door: scan a root; enrich and strip libvirt's XML."""

from __future__ import annotations

import os

from .model import Inventory, NameEntry, ScanWarning
from .sysfs.access import FileAccess
from .sysfs.pipeline import scan_devices


def default_root() -> str:
    """``NODEDEV_XML_ROOT`` when set, else the live host ``/``."""
    return os.environ.get("NODEDEV_XML_ROOT") or "/"


#: How a scan reads the host: ``sysfs`` (any root) or ``udev`` (the live host, through pyudev).
BACKENDS = ("sysfs", "udev")


def scan(
    root: str | None = None, *, fs: FileAccess | None = None, backend: str = "sysfs"
) -> Inventory:
    """Scan the sysfs under ``root`` (a directory holding ``sys/``; ``/`` is the
    live host) into an :class:`Inventory`.  Problems with single devices or
    attributes become ``inventory.warnings``; raises :class:`SysfsError` only
    when ``root`` holds no sysfs at all.  ``backend="udev"`` lists the devices
    through libudev (the live host only; it adds udev's hardware-database names)
    and raises :class:`SysfsError` when libudev or pyudev is missing or fails."""
    root = root if root is not None else default_root()
    if _backend(backend) == "udev":
        from .sysfs.udev import scan_udev

        devices, warnings = scan_udev(root, fs=fs)
    else:
        devices, warnings = scan_devices(root, fs=fs)
    return Inventory(devices, root=root, warnings=warnings)


def list_names(
    root: str | None = None,
    caps: frozenset[str] | None = None,
    *,
    all_devices: bool = False,
    fs: FileAccess | None = None,
    backend: str = "sysfs",
) -> tuple[list[NameEntry], list[ScanWarning]]:
    """What :func:`scan` finds, as ``(name, parent, capability names)``, reading only
    the attributes that decide which devices have ``caps``; and the warnings.  See
    :func:`nodedev_xml.sysfs.pipeline.list_names`."""
    from .sysfs.pipeline import list_names as names

    root = root if root is not None else default_root()
    if _backend(backend) == "udev":
        from .sysfs.udev import list_udev

        return list_udev(root, caps, all_devices=all_devices, fs=fs)
    return names(root, caps, all_devices=all_devices, fs=fs)


def _backend(backend: str) -> str:
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r}; expected one of {', '.join(BACKENDS)}")
    return backend


def enrich(xml: str | bytes, root: str | None = None, *, source: str = "<string>") -> str:
    """libvirt's XML of a device, plus the enrichment the scan of ``root`` gives."""
    from .xml.enrich import enrich_document

    return enrich_document(xml, scan(root), source=source)


def strip(xml: str | bytes, *, source: str = "<string>") -> str:
    """An enriched document turned back into the ``libvirt`` profile."""
    from .xml.enrich import strip_document

    return strip_document(xml, source=source)
