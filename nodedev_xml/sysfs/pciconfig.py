"""What libvirt reads of a PCI function's configuration space (its ``config`` file).

Two facts, read as libvirt 9.0 reads them (``src/util/virpci.c``):

- the header type (byte 0x0E, without the multi-function bit): 1 is a PCI-to-PCI
  bridge, 2 a CardBus bridge, 0 neither;
- PCI Express: the PCI Express capability (id 0x10) in the capability list (when
  the status register's bit 4 says there is one, the list starts at the pointer
  at 0x34; pointers below 0x40 or 0xFF end it).  A function without one is PCI
  Express all the same when its config space is not the 256 bytes of
  conventional PCI.  Its links come from Link Capabilities (speed, width, port
  number) and Link Status (speed, width), unless it is a root-complex integrated
  endpoint or event collector, which has no link.

Bytes past the end of the file read as zero, as libvirt's short reads do.
"""

from __future__ import annotations

import struct

from ..model import PCIELink, PCIExpress

_STATUS = 0x06
_STATUS_CAP_LIST = 0x10
_HEADER_TYPE = 0x0E
_CAP_POINTER = 0x34
_HEADER_LEN = 0x40
_CAP_ID_EXP = 0x10
#: The capability list holds at most this many entries (the kernel's bound): a
#: list that loops is read as one without PCI Express.
_MAX_CAPS = 48
#: The size of conventional PCI's configuration space.
CONVENTIONAL_SIZE = 256
#: What the kernel gives a reader who is not root: the header only (a CardBus
#: bridge's is 128 bytes), which tells nothing of PCI Express.
UNPRIVILEGED_SIZE = 64
_UNPRIVILEGED_CARDBUS_SIZE = 128
#: Link speed codes (Link Capabilities / Link Status bits 3:0) as libvirt prints them.
_SPEEDS = {1: "2.5", 2: "5", 3: "8", 4: "16", 5: "32", 6: "64"}
#: Device/port types (PCI Express Capabilities bits 7:4) that have no link.
_NO_LINK = frozenset({0x9, 0xA})  # root-complex integrated endpoint, event collector
_BRIDGES = {0: None, 1: "pci-bridge", 2: "cardbus-bridge"}


def bridge(config: bytes) -> str | None:
    """``pci-bridge``, ``cardbus-bridge`` or ``None``, from the header type;
    ``ValueError`` for a header type PCI does not define (libvirt refuses the
    function)."""
    header = _byte(config, _HEADER_TYPE) & 0x7F
    if header not in _BRIDGES:
        raise ValueError(f"header type {header}: expected 0, 1 or 2")
    return _BRIDGES[header]


def pci_express(config: bytes) -> PCIExpress | None:
    """The function's ``<pci-express>``, or ``None`` for a conventional PCI function
    (and for a config space cut to what a reader who is not root gets, which cannot
    tell)."""
    if len(config) == UNPRIVILEGED_SIZE or (
        len(config) == _UNPRIVILEGED_CARDBUS_SIZE and _byte(config, _HEADER_TYPE) & 0x7F == 2
    ):
        return None
    pos = _find_capability(config, _CAP_ID_EXP)
    if pos is None:
        return PCIExpress() if len(config) != CONVENTIONAL_SIZE else None
    port_type = (_word(config, pos + 0x02) >> 4) & 0xF
    if port_type in _NO_LINK:
        return PCIExpress()
    link_cap = _word(config, pos + 0x0C) | _word(config, pos + 0x0E) << 16
    link_sta = _word(config, pos + 0x12)
    return PCIExpress(
        (
            PCIELink("cap", (link_cap >> 4) & 0x3F, _speed(link_cap), link_cap >> 24),
            PCIELink("sta", (link_sta >> 4) & 0x3F, _speed(link_sta)),
        )
    )


def _find_capability(config: bytes, cap_id: int) -> int | None:
    if not _word(config, _STATUS) & _STATUS_CAP_LIST:
        return None
    pos = _byte(config, _CAP_POINTER)
    for _ in range(_MAX_CAPS):
        if pos < _HEADER_LEN or pos == 0xFF:
            return None
        if _byte(config, pos) == cap_id:
            return pos
        pos = _byte(config, pos + 1)
    return None


def _speed(register: int) -> str | None:
    """The register's speed code as libvirt names it; ``None`` for 0 (none) and for
    codes libvirt 9.0 has no name for (it prints ``(null)``)."""
    return _SPEEDS.get(register & 0xF)


def _byte(config: bytes, pos: int) -> int:
    return config[pos] if pos < len(config) else 0


def _word(config: bytes, pos: int) -> int:
    if pos + 2 <= len(config):
        value: int = struct.unpack_from("<H", config, pos)[0]
        return value
    return _byte(config, pos) | _byte(config, pos + 1) << 8
