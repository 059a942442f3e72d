"""Vendor and product names from a pci.ids database.

The database is looked for under the scanned root first (a fake root may ship
its own), then in the usual system places.  Lookups search the file's bytes
for the id lines instead of parsing all of its ~40,000 lines.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

#: Where distributions install pci.ids, relative to a root.
PCI_IDS_PLACES = ("usr/share/misc/pci.ids", "usr/share/hwdata/pci.ids", "usr/share/pci.ids")
_MAX_BYTES = 16 << 20


def find_pci_ids(root: str, system_root: str = "/") -> str | None:
    """The first pci.ids under ``root``, then under ``system_root``; ``None`` if none.

    One under ``root`` that is a symbolic link (as distributions make
    ``misc/pci.ids``) counts only when it leads to a file inside ``root``: a
    scanned tree never makes the library read a file outside it."""
    for base in dict.fromkeys((root, system_root)):
        for place in PCI_IDS_PLACES:
            path = os.path.join(base, place)
            if os.path.isfile(path) and (base == system_root or _inside(path, base)):
                return path
    return None


def _inside(path: str, base: str) -> bool:
    """``path`` leads to a file inside ``base`` (once per scan: realpath is fine here)."""
    top = os.path.realpath(base)
    return os.path.commonpath((os.path.realpath(path), top)) == top


class PCIIds:
    """Name lookups in one pci.ids file (or in none: every lookup gives ``None``)."""

    def __init__(self, path: str | None) -> None:
        self.path = path
        self._data: bytes | None = None
        self._cache: dict[tuple[int, int | None], str | None] = {}

    @classmethod
    def for_root(cls, root: str) -> PCIIds:
        return cls(find_pci_ids(root))

    def _bytes(self) -> bytes:
        if self._data is None:
            data = b""
            if self.path is not None:
                try:
                    with open(self.path, "rb") as f:
                        data = f.read(_MAX_BYTES)
                except OSError:
                    data = b""
            self._data = b"\n" + data
        return self._data

    def vendor(self, vendor_id: int) -> str | None:
        key = (vendor_id, None)
        if key not in self._cache:
            self._cache[key] = self._lookup(vendor_id, None)
        return self._cache[key]

    def product(self, vendor_id: int, product_id: int) -> str | None:
        key = (vendor_id, product_id)
        if key not in self._cache:
            self._cache[key] = self._lookup(vendor_id, product_id)
        return self._cache[key]

    def preload(self, ids: Iterable[tuple[int, int]]) -> None:
        for v, p in ids:
            self.vendor(v)
            self.product(v, p)

    def _lookup(self, vendor_id: int, product_id: int | None) -> str | None:
        data = self._bytes()
        start = data.find(b"\n%04x  " % vendor_id)
        if start < 0:
            return None
        line_end = data.find(b"\n", start + 1)
        if line_end < 0:
            line_end = len(data)
        if product_id is None:
            return _name(data[start + 7 : line_end])
        # The vendor's block ends at the next line that does not start with a tab.
        pos = line_end
        needle = b"\n\t%04x  " % product_id
        while pos < len(data):
            nxt = data.find(b"\n", pos + 1)
            if nxt < 0:
                nxt = len(data)
            line = data[pos:nxt]
            if len(line) > 1 and line[1:2] not in (b"\t", b"#"):
                return None
            if line.startswith(needle):
                return _name(line[len(needle) :])
            pos = nxt
        return None


def _name(raw: bytes) -> str | None:
    text = raw.decode("utf-8", "replace").strip()
    return text if text and text.isprintable() else None
