"""Network interfaces, as libvirt 9.0 lists them (``net``).

Every entry of ``/sys/class/net`` whose ``uevent`` has an ``INTERFACE`` and
either no ``DEVTYPE`` (Ethernet: ``80203``) or ``DEVTYPE=wlan`` (``80211``):
libvirt 9.0 makes no node device of a VLAN, bridge, bond or any other typed
interface (and so a device below one hangs from the nearest device above it).
Named ``net_<name>_<MAC>``; the link is ``operstate`` (an interface whose state
is no word libvirt knows is left out, as libvirt does) and, while ``up``,
``speed``.  libvirt asks the kernel (ethtool) for the offload features by the
interface's name (:mod:`..ethtool`), which names the live host's interface: they
are asked for on a scan of ``/`` only.  Parents are set by :func:`~.parents.with_parents`.
"""

from __future__ import annotations

from ...model import Device, Net, NetLink
from .. import ethtool, values
from ..session import DeviceScope, ReadSession
from .parents import udev_name

__all__ = ["net_devices"]

#: ``operstate`` words libvirt knows (``virNetDevIfState``); others drop the interface.
OPERSTATES = frozenset(
    {"unknown", "notpresent", "down", "lowerlayerdown", "testing", "dormant", "up"}
)
#: The interface types libvirt 9.0 lists (``DEVTYPE``; none: Ethernet) and their subtype.
_SUBTYPES = {None: "80203", "wlan": "80211"}


def _operstate(text: str) -> str:
    if text not in OPERSTATES:
        raise ValueError("expected an operstate")
    return text


def _speed(text: str) -> int:
    # libvirt reads the speed as an unsigned int, -1 (no link speed) as 4294967295
    n = int(text, 10)
    if not -(2**32) < n < 2**32:
        raise ValueError("expected a speed in Mb/s")
    return n & 0xFFFFFFFF


def net_devices(session: ReadSession, details: bool = True) -> list[Device]:
    """Every network interface libvirt lists, by name."""
    src = session.source
    out: list[Device] = []
    for name, dev in src.class_devices("net", session.warn):
        scope = session.device(udev_name("net", name))
        event = scope.attr(dev, "uevent", values.uevent, optional=False) or {}
        subtype = _SUBTYPES.get(event.get("DEVTYPE"))
        interface = event.get("INTERFACE")
        if subtype is None or not interface:
            continue
        raw = scope.raw(dev, "address", may_lack=True)
        address = values.udev_text(raw) if raw is not None else None
        scope.name = udev_name("net", name, address)
        link = _link(scope, dev)
        if link is None or scope.lost(dev) is not None:
            continue
        features = ethtool.features(interface) if details and src.root == "/" else ()
        cap = Net(interface, address, link if details else None, features, subtype)
        out.append(Device(scope.name, (cap,), path=src.devpath(dev)))
    return out


def _link(scope: DeviceScope, dev: str) -> NetLink | None:
    """``operstate`` and, while up, ``speed``; ``None`` when the state is no word
    libvirt knows (libvirt then lists no device)."""
    state = scope.attr(dev, "operstate", _operstate, optional=False)
    if state is None:
        return None
    speed = None
    if state == "up":
        try:  # the kernel answers EINVAL for an interface without a speed: none then
            raw = scope.session.source.read(dev, "speed")
        except OSError:
            raw = None
        try:
            speed = _speed(raw.decode().strip()) if raw is not None else None
        except (UnicodeDecodeError, ValueError):
            scope.warn("speed", "expected a speed in Mb/s")
    return NetLink(state, speed or None)
