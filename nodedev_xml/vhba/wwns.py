"""Names for a new vHBA: NAA type 5 WWNs, as libvirt generates them for QEMU guests."""

from __future__ import annotations

import random
from collections.abc import Collection

from ..wwn import WWN

#: The OUI libvirt uses for generated names (QEMU's, ``00:1a:4a``).
DEFAULT_OUI = 0x001A4A


def generate_wwns(
    taken: Collection[WWN], *, oui: int = DEFAULT_OUI, rng: random.Random | None = None
) -> tuple[WWN, WWN]:
    """A fresh ``(wwnn, wwpn)``: ``5`` + the 24-bit ``oui`` + 36 random bits each,
    distinct from each other and from every name in ``taken``.  Raises
    :class:`ValueError` for an ``oui`` wider than 24 bits."""
    if not 0 <= oui <= 0xFFFFFF:
        raise ValueError(f"an OUI has 24 bits: {oui:#x}")
    pick = rng or random.SystemRandom()
    base = (0x5 << 60) | (oui << 36)
    names: list[WWN] = []
    while len(names) < 2:
        name = WWN(base | pick.getrandbits(36))
        if name not in taken and name not in names:
            names.append(name)
    return names[0], names[1]
