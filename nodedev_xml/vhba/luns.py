"""The LUNs a vHBA sees, by WWID: listing them, waiting until they are there, and
comparing two hosts' (or a saved list's) LUNs before a migration.

A LUN's identity that survives a move to another host is its WWID (VPD page
0x83), not its ``H:B:T:L`` address nor its ``unit:B:T:L`` volume name: target
ids follow the order the remote ports logged in, per host.  WWIDs are compared
in one spelling (:func:`wwid_key`), whichever of the kernel's
(``naa.600a…``), udev's and multipath's (``3600a…``, ``mpath-3600a…``) or
by-id's (``wwn-0x600a…``) it was given in.

Waiting (:func:`wait_for_luns`) is what libvirt's storage backend does with
two five-second sleeps and os-brick with "not yet found, will rescan &
retry": rescan the host's targets (:mod:`.rescan`), look, and again, until
the LUNs are there or the deadline passes; with the udev backend a look
follows each uevent, else one every :data:`LOOK_SECONDS`.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from ..errors import VHBAError
from ..model import Device, Inventory
from ..sysfs.scan import scan
from ..sysfs.writer import Writer
from ..vocabulary import Backend
from .rescan import rescan_host

#: How often LUNs are looked for without uevents, and how often the host is rescanned.
LOOK_SECONDS = 0.1
RESCAN_SECONDS = 1.0

_HEX = re.compile(r"[0-9a-f]+")


def wwid_key(text: str) -> str:
    """A WWID in the kernel's spelling (``naa.`` / ``eui.`` and lower-case hex), from
    any usual one: the kernel's, udev's ``ID_SERIAL`` and multipath's (``3…`` NAA,
    ``2…`` EUI-64), a dm uuid (``mpath-3…``), a by-id name or path
    (``wwn-0x…``, ``scsi-3…``, ``/dev/disk/by-id/…``).  Anything else (``t10.``
    ids, SCSI name strings) comes back stripped, as given."""
    text = text.strip()
    low = text.lower().rpartition("/")[2]
    for prefix in ("mpath-", "dm-uuid-mpath-", "scsi-", "wwn-"):
        low = low.removeprefix(prefix)
    if low.startswith(("naa.", "eui.")) and _HEX.fullmatch(low[4:]):
        return low
    if low.startswith("0x") and _HEX.fullmatch(low[2:]) and len(low) in (18, 34):
        return "naa." + low[2:]
    if _HEX.fullmatch(low) and len(low) in (17, 25, 33):
        if low[0] == "3" and len(low) != 25:
            return "naa." + low[1:]
        if low[0] == "2":
            return "eui." + low[1:]
    return text


@dataclass(frozen=True, slots=True)
class Lun:
    """A LUN a host sees: its node-device name and address, and what identifies it."""

    name: str
    address: str  # H:B:T:L
    type: str | None
    wwid: str | None
    vendor: str | None
    model: str | None
    block: str | None
    by_id: str | None
    multipath: str | None
    remote_wwpn: str | None

    @classmethod
    def of(cls, dev: Device) -> Lun:
        cap = dev.scsi
        if cap is None:
            raise ValueError(f"{dev.name} is not a LUN")
        return cls(dev.name, f"{cap.host}:{cap.bus}:{cap.target}:{cap.lun}", cap.type, cap.wwid,
                   cap.vendor, cap.model, cap.block, cap.by_id, cap.multipath,
                   str(cap.remote_wwpn) if cap.remote_wwpn is not None else None)  # fmt: skip

    def as_json(self) -> dict[str, str | None]:
        return {k: getattr(self, k) for k in self.__slots__}


def host_luns(inventory: Inventory, host: str) -> list[Lun]:
    """The LUNs the host ``host`` (``scsi_hostN``) sees, in the scan's order.  Raises
    :class:`VHBAError` when there is no such host."""
    if host not in inventory:
        raise VHBAError(f"no host named {host!r}")
    try:
        return [Lun.of(d) for d in inventory.luns(host)]
    except ValueError as e:
        raise VHBAError(str(e)) from None


# -- waiting ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LunWait:
    """How a wait ended: the LUNs seen last, and what was expected and is missing
    (a count's shortfall as ``"N more"``, or the WWIDs not seen)."""

    host: str
    seen: tuple[Lun, ...]
    missing: tuple[str, ...]

    @property
    def met(self) -> bool:
        return not self.missing

    def describe(self, expected: int | frozenset[str]) -> str:
        got = len(self.seen) if isinstance(expected, int) else len(expected) - len(self.missing)
        want = expected if isinstance(expected, int) else len(expected)
        text = f"{self.host} sees {got} of {want} expected LUNs"
        if isinstance(expected, int):
            return text
        return text + (f"; missing {', '.join(self.missing)}" if self.missing else "")


def parse_expected(text: str) -> int | frozenset[str]:
    """``--wait-luns``: a number of LUNs, or WWIDs separated by commas (any spelling
    :func:`wwid_key` takes).  ``ValueError`` for neither."""
    text = text.strip()
    if text.isdigit():
        if int(text) == 0:
            raise ValueError("expected at least one LUN")
        return int(text)
    wwids = frozenset(wwid_key(w) for w in text.split(",") if w.strip())
    if not wwids or any(not w or w.isdigit() for w in wwids):
        raise ValueError(f"expected a number of LUNs or WWIDs separated by commas: {text!r}")
    return wwids


def _missing(luns: Iterable[Lun], expected: int | frozenset[str]) -> tuple[str, ...]:
    found = list(luns)
    if isinstance(expected, int):
        short = expected - len(found)
        return (f"{short} more",) if short > 0 else ()
    seen = {wwid_key(u.wwid) for u in found if u.wwid}
    return tuple(sorted(expected - seen))


def wait_for_luns(
    host: str,
    expected: int | frozenset[str],
    *,
    root: str,
    timeout: float,
    writer: Writer | None = None,
    backend: Backend = "sysfs",
    lip: bool = False,
) -> LunWait:
    """Rescan ``host`` and look at its LUNs until ``expected`` (that many LUNs, or
    every one of these WWIDs) are there, at most ``timeout`` seconds; the host is
    rescanned every :data:`RESCAN_SECONDS` (a LIP first, once, with ``lip``).  Returns
    what was seen; a wait that ends short is no error (``LunWait.met`` is False):
    the host is not wrong, the zoning or masking may be.  Raises :class:`VHBAError`
    when the host cannot be rescanned."""
    deadline = time.monotonic() + timeout
    pause = _pause(backend)
    try:
        next_rescan = 0.0
        first = True
        while True:
            now = time.monotonic()
            if now >= next_rescan:
                rescan_host(host, root=root, writer=writer, lip=lip and first)
                first = False
                next_rescan = now + RESCAN_SECONDS
            luns = host_luns(scan(root, backend=backend), host)
            missing = _missing(luns, expected)
            if not missing or time.monotonic() >= deadline:
                return LunWait(host, tuple(luns), missing)
            pause(min(deadline, next_rescan))
    finally:
        close = getattr(pause, "close", None)
        if close is not None:
            close()


def _sleep(until: float) -> None:
    time.sleep(max(0.0, min(LOOK_SECONDS, until - time.monotonic())))


def _pause(backend: Backend) -> Callable[[float], None]:
    """A short sleep, or with the udev backend the next uevent (a monitor opened now)."""
    if backend != "udev":
        return _sleep
    from .uevents import UeventPause

    return UeventPause()


# -- comparing ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LunComparison:
    """Two sets of WWIDs side by side: ``missing`` are expected and not seen,
    ``extra`` seen and not expected."""

    expected: frozenset[str]
    seen: frozenset[str]

    @property
    def missing(self) -> tuple[str, ...]:
        return tuple(sorted(self.expected - self.seen))

    @property
    def extra(self) -> tuple[str, ...]:
        return tuple(sorted(self.seen - self.expected))

    def same(self, *, allow_extra: bool = False) -> bool:
        return not self.missing and (allow_extra or not self.extra)


def compare_wwids(expected: Iterable[str], seen: Iterable[str]) -> LunComparison:
    """Compare by :func:`wwid_key`."""
    return LunComparison(frozenset(map(wwid_key, expected)), frozenset(map(wwid_key, seen)))


def wwids_of_saved(data: bytes, source: str) -> frozenset[str]:
    """The WWIDs in a saved list: ``vhba luns --json`` output (objects with a
    ``wwid``), or a pool document from ``migrate-pool``/``export-pool --luns``
    (:func:`~nodedev_xml.xml.pool.pool_wwids`).  Raises :class:`VHBAError` naming
    ``source`` for anything else."""
    text = data.decode("utf-8", "replace").lstrip("\ufeff").strip()
    if text.startswith(("[", "{")):
        try:
            items = json.loads(text)
        except ValueError as e:
            raise VHBAError(f"{source}: not JSON ({e})") from None
        if isinstance(items, dict):
            items = items.get("luns")
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            raise VHBAError(f"{source}: expected a list of LUNs (vhba luns --json)")
        return frozenset(wwid_key(str(i["wwid"])) for i in items if i.get("wwid"))
    if text.startswith("<"):
        from ..xml.pool import POOL_COMMENT, pool_wwids

        words = pool_wwids(data, source=source)
        if words is None:
            raise VHBAError(f"{source}: no '{POOL_COMMENT}' comment (made by vhba migrate-pool "
                            "--luns or export-pool --luns)")  # fmt: skip
        return frozenset(wwid_key(w) for w in words)
    raise VHBAError(f"{source}: expected vhba luns --json output or a pool document")
