"""The kernel's announcements of network links (rtnetlink), for the live watch.

A network interface's ``operstate`` and ``speed`` (libvirt's ``<link>``) change
without a uevent: the kernel announces a link change on rtnetlink instead, as
an ``RTM_NEWLINK`` message to the ``RTMGRP_LINK`` group (``RTM_DELLINK`` when
the interface goes), which any process may hear.  :class:`LinkMonitor` listens
there and says which interfaces the messages name (``IFLA_IFNAME``), so the
watch re-reads those.  libvirt itself hears no such message: it reads the link
again only when a document is asked for (``virNodeDeviceUpdateCaps``) and sends
no event for it.

A socket hears the links of its own network namespace only, as ``/sys/class/net``
shows those of the namespace sysfs was mounted in.
"""

from __future__ import annotations

import errno
import socket
import struct

from ..errors import SysfsError

__all__ = ["LinkMonitor", "link_names"]

#: From ``<linux/rtnetlink.h>`` and ``<linux/if_link.h>``.
RTMGRP_LINK = 1
RTM_NEWLINK = 16
RTM_DELLINK = 17
IFLA_IFNAME = 3
NLMSG_OVERRUN = 4

_NLMSGHDR = struct.Struct("=IHHII")  # length, type, flags, sequence, port id
_IFINFOMSG = struct.Struct("=BxHiII")  # family, type, index, flags, change
_RTATTR = struct.Struct("=HH")  # length, type
#: One read: the kernel's messages for a link are well under a page each.
BUFFER = 1 << 16


def _align(n: int) -> int:
    return (n + 3) & ~3


def link_names(data: bytes) -> list[str] | None:
    """The interface names the ``RTM_NEWLINK`` and ``RTM_DELLINK`` messages in
    ``data`` (one datagram) name, in order and once each; ``None`` when the
    kernel says messages were lost (``NLMSG_OVERRUN``).  A message cut short, or
    a name that is no interface name (empty, ``/``, not UTF-8), is skipped."""
    names: dict[str, None] = {}
    at = 0
    while at + _NLMSGHDR.size <= len(data):
        length, kind, _, _, _ = _NLMSGHDR.unpack_from(data, at)
        if length < _NLMSGHDR.size or at + length > len(data):
            break
        if kind == NLMSG_OVERRUN:
            return None
        if kind in (RTM_NEWLINK, RTM_DELLINK):
            name = _ifname(data[at + _NLMSGHDR.size : at + length])
            if name is not None:
                names[name] = None
        at += _align(length)
    return list(names)


def _ifname(body: bytes) -> str | None:
    """``IFLA_IFNAME`` of one link message's body (``ifinfomsg`` and attributes)."""
    at = _IFINFOMSG.size
    while at + _RTATTR.size <= len(body):
        length, kind = _RTATTR.unpack_from(body, at)
        if length < _RTATTR.size or at + length > len(body):
            return None
        if kind == IFLA_IFNAME:
            raw = body[at + _RTATTR.size : at + length].split(b"\0", 1)[0]
            try:
                name = raw.decode("utf-8")
            except UnicodeDecodeError:
                return None
            if not name or "/" in name or name in (".", "..") or not name.isprintable():
                return None
            return name
        at += _align(length)
    return None


class LinkMonitor:
    """A socket on rtnetlink's link group.  Raises :class:`SysfsError` (one line) when
    it cannot be opened (no netlink: not Linux, or a sandbox that forbids it)."""

    def __init__(self) -> None:
        try:
            sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW | socket.SOCK_NONBLOCK,
                                 socket.NETLINK_ROUTE)  # fmt: skip
        except (OSError, AttributeError) as e:
            raise SysfsError(f"rtnetlink: cannot open a socket ({e})") from None
        try:
            sock.bind((0, RTMGRP_LINK))
        except OSError as e:
            sock.close()
            raise SysfsError(f"rtnetlink: cannot listen to link changes ({e})") from None
        self._sock = sock

    def fileno(self) -> int:
        return self._sock.fileno()

    def changed(self) -> list[str] | None:
        """The interfaces named by the messages waiting (none when none wait), without
        waiting; ``None`` when some were lost (the socket's buffer ran over): any link
        may have changed.  Raises :class:`SysfsError` when the socket fails."""
        names: dict[str, None] = {}
        lost = False
        while True:
            try:
                data = self._sock.recv(BUFFER)
            except BlockingIOError:
                break
            except OSError as e:
                if e.errno == errno.ENOBUFS:  # messages were dropped; the socket goes on
                    lost = True
                    continue
                raise SysfsError(f"rtnetlink: reading link changes failed ({e})") from None
            found = link_names(data)
            if found is None:
                lost = True
            else:
                names.update(dict.fromkeys(found))
        return None if lost else list(names)

    def close(self) -> None:
        self._sock.close()
