"""Watch a root for node devices coming, going and changing.

:func:`watch` scans the root every ``interval`` seconds and yields one
:class:`Event` per device that was added, removed or changed since the scan
before.  Models are frozen dataclasses, so a change is found by comparing them
and told field by field (:class:`Change`): a port's ``port_state``, a vport's
``state``, a vHBA appearing in its HBA's ``vports``.  The first scan is the
baseline and reports nothing.

With the udev backend (the live host) a uevent brings a scan at once, and so
does a network link the kernel announces on rtnetlink (``RTM_NEWLINK``: an
interface's ``operstate`` and ``speed`` change without a uevent); between them
only the ports' ``port_state`` and the vports' ``vport_state`` are read at the
interval (they change without a uevent either); a change of one brings a scan.
That scan re-reads only the devices the uevent (or the link, or the changed
state) names (:meth:`Watcher.reread`): the HBA whose directory holds the
device, with its vHBAs, their targets, LUNs and the LUNs' disks and SCSI generic
nodes; or a network interface, disk or SCSI generic node under no Scsi_Host by
itself; spliced into the last inventory (the scan's own
:func:`~nodedev_xml.sysfs.scan.part_named` and
:func:`~nodedev_xml.sysfs.scan.rescan`, re-exported here).  A uevent of any
other device (a PCI function, say) brings a full scan.

The kernel builds a vHBA in steps (the vport, its Scsi_Host, the fc_host under
it); a scan taken between two steps sees half a device.  So a scan that differs
from the last one is taken again after a short settle time, until two scans
agree, and only then reported: a change is reported once, whole, within one
interval.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from .model import Device, Inventory, ScanWarning, Vport, Vports
from .sysfs.scan import Part, hbas_named, part_named, rescan
from .vocabulary import Backend
from .vocabulary import check_caps as _check_caps

if TYPE_CHECKING:
    from .sysfs.udev import LiveSignals

__all__ = [
    "Change",
    "Event",
    "EventKind",
    "Part",
    "Watcher",
    "diff",
    "hbas_named",
    "part_named",
    "rescan",
    "watch",
]

EventKind = Literal["added", "removed", "changed"]

#: The longest a changed scan waits for the tree to hold still, and how often it looks.
SETTLE_SECONDS = 0.05
SETTLE_TRIES = 5

Scan = Callable[[], Inventory]


@dataclass(frozen=True, slots=True)
class Change:
    """One field of a device that changed: ``what`` names it (``port_state``,
    ``vport_ops.vports``, ``vport scsi_host9 state``, ``vports``); ``old`` and
    ``new`` are its values as text, ``None`` when it had none.  In ``vports``
    a vHBA that appeared is ``new`` alone, one that went is ``old`` alone."""

    what: str
    old: str | None
    new: str | None

    def __str__(self) -> str:
        if self.what == "vports":
            return f"vports +{self.new}" if self.old is None else f"vports -{self.old}"
        return f"{self.what} {_text(self.old)} -> {_text(self.new)}"

    def as_json(self) -> dict[str, str | None]:
        return {"what": self.what, "old": self.old, "new": self.new}


@dataclass(frozen=True, slots=True)
class Event:
    """A device ``added``, ``removed`` or ``changed``.  ``device`` is the device as
    it is now (as it was last seen, for ``removed``); ``changes`` say what changed
    (empty unless ``changed``)."""

    kind: EventKind
    name: str
    device: Device
    changes: tuple[Change, ...] = field(default=())

    def __str__(self) -> str:
        if not self.changes:
            return f"{self.kind} {self.name}"
        return f"{self.kind} {self.name}: " + "; ".join(str(c) for c in self.changes)

    def document(self) -> str:
        """The device's enriched XML document."""
        from .xml.document import to_xml

        return to_xml(self.device, "enriched")

    def as_json(self) -> dict[str, Any]:
        """``event``, ``name``, ``changes`` and ``document`` (the enriched XML)."""
        return {
            "event": self.kind,
            "name": self.name,
            "changes": [c.as_json() for c in self.changes],
            "document": self.document(),
        }


def _text(value: str | None) -> str:
    return "(none)" if value is None else value


def _value(value: object) -> str | None:
    return None if value is None else str(value)


def diff(old: Inventory, new: Inventory, caps: frozenset[str] | None = None) -> list[Event]:
    """The events that turn ``old`` into ``new``: changes and additions in ``new``'s
    order, then removals in ``old``'s.  A device under a name that now stands for
    another one (a new vHBA with the host number of one deleted in between: other
    WWNs) is that one removed and the other added, in that order, where the name
    is now.  With ``caps``, only devices that have (or had) one of those
    capabilities."""

    def wanted(*devices: Device) -> bool:
        return caps is None or any(d.cap_names() & caps for d in devices)

    events: list[Event] = []
    for name, device in new.items():
        before = old.get(name)
        if before is not None and not _same_device(before, device):
            if wanted(before):
                events.append(Event("removed", name, before))
            before = None
        if before is None:
            if wanted(device):
                events.append(Event("added", name, device))
        elif before != device and wanted(before, device):
            changes = tuple(device_changes(before, device))
            events.append(Event("changed", name, device, changes))
    events.extend(
        Event("removed", name, device)
        for name, device in old.items()
        if name not in new and wanted(device)
    )
    return events


def _same_device(old: Device, new: Device) -> bool:
    """Whether two devices of one name are the same device: a port's WWNs (an
    fc_host's, a target's remote port's) name it; a name whose WWNs changed now
    stands for another port.  Without WWNs on both sides (an fc_host not yet or no
    longer readable) the name decides."""
    return _wwns(old) is None or _wwns(new) is None or _wwns(old) == _wwns(new)


def _wwns(d: Device) -> tuple[object, ...] | None:
    host, target = d.scsi_host, d.scsi_target
    if host is not None and host.fc_host is not None:
        return (host.fc_host.wwnn, host.fc_host.wwpn)
    if target is not None and target.fc_remote_port is not None:
        return (target.fc_remote_port.wwpn,)
    return None


def device_changes(old: Device, new: Device) -> list[Change]:
    """What differs between two versions of one device, field by field."""
    out: list[Change] = []
    for f in ("path", "driver"):
        a, b = getattr(old, f), getattr(new, f)
        if a != b:
            out.append(Change(f, _value(a), _value(b)))
    if old.parent_name != new.parent_name:
        out.append(Change("parent", old.parent_name, new.parent_name))
    if old.devnodes != new.devnodes:
        out.append(Change("devnodes", _value(old.devnodes or None), _value(new.devnodes or None)))
    before = {c.cap_type: c for c in old.capabilities}
    after = {c.cap_type: c for c in new.capabilities}
    for key, cap in after.items():
        was = before.get(key)
        if was is None:
            out.append(Change(f"capability {key}", None, "present"))
        elif was != cap:
            _fields(was, cap, "", out)
    out.extend(Change(f"capability {k}", "present", None) for k in before if k not in after)
    if old.extra != new.extra:
        out.append(Change("extra elements", None, None))
    return out


#: Nested capabilities whose fields are told bare: ``port_state``, not ``fc_host.port_state``.
_BARE = {"fc_host"}


def _fields(old: Any, new: Any, prefix: str, out: list[Change]) -> None:
    """Append the differences of two dataclasses of one type, recursively."""
    for f in dataclasses.fields(old):
        a, b = getattr(old, f.name), getattr(new, f.name)
        if a == b:
            continue
        label = f"{prefix}{f.name}"
        if isinstance(a, Vports) or isinstance(b, Vports):
            _vports(a, b, out)
        elif dataclasses.is_dataclass(a) and type(a) is type(b):
            _fields(a, b, "" if f.name in _BARE else f"{label}.", out)
        else:
            out.append(Change(label, _summary(a), _summary(b)))


def _summary(value: object) -> str | None:
    if value is None:
        return None
    if dataclasses.is_dataclass(value):
        return "present"
    if isinstance(value, tuple):
        return ", ".join(str(v) for v in value) or None
    return str(value)


def _vport_key(v: Vport) -> str:
    return str(v.wwpn) if v.wwpn is not None else f"name {v.name}"


def _vport_label(v: Vport) -> str:
    return v.name or f"wwpn {v.wwpn}"


def _vports(old: Vports | None, new: Vports | None, out: list[Change]) -> None:
    """An HBA's vHBAs: the ones that appeared or went, and those whose state changed."""
    if old is None or new is None:
        out.append(Change("vports", None if old is None else "present", None))
        return
    if old.max_count != new.max_count:
        out.append(Change("vports.max_count", _value(old.max_count), _value(new.max_count)))
    before = {_vport_key(v): v for v in old.vports}
    after = {_vport_key(v): v for v in new.vports}
    for key, v in after.items():
        was = before.get(key)
        if was is None:
            out.append(Change("vports", None, _vport_label(v)))
            continue
        label = f"vport {_vport_label(v)}"
        if was.name != v.name:
            out.append(Change(f"vport wwpn {v.wwpn} name", was.name, v.name))
        if was.state != v.state:
            out.append(Change(f"{label} state", was.state, v.state))
        if was.wwnn != v.wwnn:
            out.append(Change(f"{label} wwnn", _value(was.wwnn), _value(v.wwnn)))
    out.extend(Change("vports", _vport_label(v), None) for k, v in before.items() if k not in after)


def check_caps(caps: frozenset[str] | None) -> frozenset[str] | None:
    """``caps`` itself (``None`` for none); raises :class:`ValueError` naming the first
    unknown capability (:func:`~nodedev_xml.vocabulary.check_caps`)."""
    return _check_caps(caps or ()) or None


class Watcher:
    """The state of one watch: the last inventory, and the scans that follow it.

    ``scan`` makes one inventory (the sysfs scan of a root, by default);
    ``on_warning`` hears each scan warning once, when it first appears.
    """

    def __init__(
        self,
        scan: Scan,
        caps: frozenset[str] | None = None,
        *,
        on_warning: Callable[[ScanWarning], None] | None = None,
        settle: float = SETTLE_SECONDS,
    ) -> None:
        self._scan = scan
        self.caps = check_caps(caps)
        self._on_warning = on_warning
        self._settle = settle
        self._warned: set[str] = set()
        self.inventory = self._scan()
        self._report_warnings(self.inventory)

    def reread(self, paths: list[str], backend: Backend = "sysfs") -> list[Event]:
        """:meth:`poll` with only what the uevents (or link changes, or changed states)
        of the devices at ``paths`` (``/sys/devices/…``) name read again
        (:func:`part_named`, :func:`rescan`); the full scan when they name something
        else."""
        part = part_named(paths)
        if part is None:
            return self.poll()
        return self.poll(lambda: rescan(self.inventory, part.hbas, devices=part.devices,
                                        backend=backend))  # fmt: skip

    def poll(self, scan: Scan | None = None) -> list[Event]:
        """Scan again; the events since the last poll (the tree settled first).
        ``scan`` (default: the watcher's) makes the new inventory, the settle scans
        too: say, :func:`rescan` of part of :attr:`inventory`."""
        scan = scan or self._scan
        new = scan()
        if _same(new, self.inventory):
            return []
        for _ in range(SETTLE_TRIES):
            time.sleep(self._settle)
            again = scan()
            if _same(again, new):
                break
            new = again
        self._report_warnings(new)
        events = diff(self.inventory, new, self.caps)
        self.inventory = new
        return events

    def _report_warnings(self, inv: Inventory) -> None:
        seen = {str(w) for w in inv.warnings}
        if self._on_warning is not None:
            for w in inv.warnings:
                if str(w) not in self._warned:
                    self._on_warning(w)
        self._warned = seen


def _same(a: Inventory, b: Inventory) -> bool:
    return list(a.items()) == list(b.items())


def watch(
    root: str | None = None,
    caps: frozenset[str] | None = None,
    interval: float = 1.0,
    *,
    on_warning: Callable[[ScanWarning], None] | None = None,
    backend: Backend = "sysfs",
    connect: str | None = None,
) -> Iterator[Event]:
    """Events on ``root`` (a directory holding ``sys/``; ``/`` is the live host) as
    they happen, forever: the root is scanned every ``interval`` seconds and each
    change is reported once, within one interval.  ``caps`` limits the events to
    devices with one of those capabilities (the names ``list --cap`` takes).
    ``backend`` is :func:`~nodedev_xml.scan`'s.

    Raises :class:`ValueError` for an unknown capability or an interval that is
    not positive, :class:`~nodedev_xml.errors.SysfsError` when ``root`` holds no
    sysfs (at the start or later).

    With ``connect`` (a libvirt URI) the host that connection reaches is watched
    instead, through libvirt's node-device events (no polling: ``interval`` is not
    used; :mod:`nodedev_xml.connection.signals`); raises
    :class:`~nodedev_xml.errors.LibvirtConnectionError` when the connection cannot
    be opened or closes."""
    if not interval > 0:
        raise ValueError(f"the interval must be a positive number of seconds, not {interval}")
    if connect is not None:
        return _libvirt_events(connect, caps, on_warning)
    from .sysfs.scan import scan
    from .vocabulary import default_root

    where = root if root is not None else default_root()
    if backend == "udev":
        from .sysfs.udev import LiveSignals

        signals = LiveSignals()  # before the first scan: nothing in between is missed
        try:
            watcher = Watcher(lambda: scan(where, backend=backend), caps, on_warning=on_warning)
        except BaseException:
            signals.close()
            raise
        return _live(watcher, signals, interval, backend)
    watcher = Watcher(lambda: scan(where, backend=backend), caps, on_warning=on_warning)
    return _ticks(watcher, interval)


def _live(
    watcher: Watcher, signals: LiveSignals, interval: float, backend: Backend
) -> Iterator[Event]:
    """The live host: a scan as soon as a uevent or a link change comes; between
    them, the port and vport states are looked at every interval and a change of one
    brings a scan.  Each scan reads only what the uevents, links or changed states
    name (:meth:`Watcher.reread`)."""
    due = time.monotonic() + interval
    try:
        while True:
            left = due - time.monotonic()
            if left > 0 and (paths := signals.uevents(left)):
                yield from watcher.reread(paths, backend)
                continue
            due = max(due + interval, time.monotonic())
            if changed := signals.states_changed():
                yield from watcher.reread(changed, backend)
    finally:
        signals.close()


def _libvirt_events(
    uri: str, caps: frozenset[str] | None, on_warning: Callable[[ScanWarning], None] | None
) -> Iterator[Event]:
    from .connection.inventory import read_inventory
    from .connection.signals import LibvirtSignals

    signals = LibvirtSignals(uri)  # before the first scan: nothing in between is missed
    watcher = Watcher(lambda: read_inventory(signals.conn), caps, on_warning=on_warning)

    def events() -> Iterator[Event]:
        try:
            while True:
                if signals.wait(1.0):  # a wake-up to let signals in, not a scan
                    yield from watcher.poll()
        finally:
            signals.close()

    return events()


def _ticks(watcher: Watcher, interval: float) -> Iterator[Event]:
    # Ticks keep to a fixed schedule, so that a slow scan does not push every later one.
    due = time.monotonic()
    while True:
        due += interval
        pause = due - time.monotonic()
        if pause > 0:
            time.sleep(pause)
        else:
            due = time.monotonic()
        yield from watcher.poll()
