"""The one way to scan a root into an :class:`~nodedev_xml.model.Inventory`.

Every caller (the API, the vHBA lifecycle, the definitions, the watch) comes
here: :func:`scan` picks the source for the backend (``sysfs``: the class
directories under any root; ``udev``: libudev on the live host), runs the
pipeline and hands back the devices with the warnings.  :func:`list_names` is
the names-only listing behind ``list --cap``, through the same sources.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..model import Inventory, NameEntry, ScanWarning
from ..vocabulary import BACKENDS, Backend, default_root
from .access import FileAccess
from .pipeline import read_devices, read_names
from .policy import membership
from .session import ReadSession
from .source import SysfsSource

if TYPE_CHECKING:
    from .pciids import PCIIds

__all__ = ["list_names", "open_session", "scan"]


def open_session(
    root: str, backend: Backend = "sysfs", fs: FileAccess | None = None
) -> ReadSession:
    """A read session on ``root`` through ``backend``'s source.  Raises
    :class:`ValueError` for an unknown backend and, for ``udev``,
    :class:`~nodedev_xml.errors.SysfsError` when ``root`` is not ``/`` or
    libudev cannot be used."""
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r}; expected one of {', '.join(BACKENDS)}")
    if backend == "udev":
        from .udev import udev_session

        return udev_session(root, fs)
    return ReadSession(SysfsSource(root, fs))


def scan(
    root: str | None = None,
    *,
    backend: Backend = "sysfs",
    fs: FileAccess | None = None,
    pci_ids: PCIIds | None = None,
) -> Inventory:
    """Scan ``root`` (a directory holding ``sys/``; ``None``: :func:`default_root`)
    through ``backend``.  Problems with single devices or attributes become
    ``inventory.warnings``; raises :class:`~nodedev_xml.errors.SysfsError` only
    when ``root`` holds no sysfs at all (or, for ``udev``, as
    :func:`open_session`).  ``pci_ids`` names vendors and products (by default
    the root's pci.ids; with ``udev``, udev's hardware database first)."""
    where = root if root is not None else default_root()
    session = open_session(where, backend, fs)
    if pci_ids is None and backend == "udev":
        from .udev import UdevSource

        assert isinstance(session.source, UdevSource)
        pci_ids = session.source.hwdb_names()
    devices = read_devices(session, pci_ids)
    return Inventory(devices, root=where, warnings=session.warnings)


def list_names(
    root: str | None = None,
    caps: frozenset[str] | None = None,
    *,
    all_devices: bool = False,
    backend: Backend = "sysfs",
    fs: FileAccess | None = None,
) -> tuple[list[NameEntry], list[ScanWarning]]:
    """The devices :func:`scan` finds, as ``(name, parent, capability names)``
    in the same order, reading only what decides membership; and the warnings.

    With ``caps`` ``None``: every device with all its capability names.  Else the
    devices with at least one of ``caps``, their names limited to ``caps``; with
    ``all_devices`` every device all the same (the tree needs their ancestors).
    The attributes read: ``scsi_host`` needs none; ``vports`` looks for
    ``vport_create``, as libvirt does, and reads a host's ``node_name`` and
    ``port_name`` when it has one (libvirt gives a port without its names no vport
    operations); ``fc_host`` reads ``node_name`` and ``port_name``; ``scsi`` each LUN's
    ``type`` (libvirt leaves out a LUN whose type is no number); ``pci`` (and
    ``all_devices`` or ``caps=None``) the PCI ids. A device whose directory cannot be
    reached is read as the full scan reads it, so that it is left out with the same
    warning. Other warnings the full scan gives for attributes read here are given too;
    those for attributes not read are not."""
    session = open_session(root if root is not None else default_root(), backend, fs)
    return read_names(session, membership(caps, all_devices)), session.warnings
