"""The offload features of a network interface, asked of the kernel as libvirt 9.0 asks.

libvirt prints them (``<feature name='rx'/>`` ...) from ``SIOCETHTOOL`` ioctls
on the interface's name (``virNetDevGetFeatures``): the legacy getters
(``rx``, ``tx``, ``sg``, ``tso``, ``gso``, ``gro``), the flags word (``lro``,
``rxvlan``, ``txvlan``, ``ntuple``, ``rxhash``) and the generic features'
UDP-tunnel segmentation (``txudptnl``), in libvirt's order.  The name is the
live host's: only a scan of ``/`` asks.  An interface the kernel does not
know, or a call it refuses, gives no feature (as in libvirt).  libvirt's
``rdma`` and ``switchdev`` features (an InfiniBand device on the same PCI
function, a devlink switchdev mode) are not asked for here.
"""

from __future__ import annotations

import ctypes
import fcntl
import socket
import struct

__all__ = ["features"]

SIOCETHTOOL = 0x8946
#: The legacy getters and libvirt's names for them, in libvirt's order.
_GETTERS = (("rx", 0x14), ("tx", 0x16), ("sg", 0x18), ("tso", 0x1E), ("gso", 0x23),
            ("gro", 0x2B))  # fmt: skip
_GFLAGS = 0x25
#: ETHTOOL_GFLAGS bits, in libvirt's order of its features (lro, rxvlan, txvlan, ...).
_FLAGS = (("lro", 1 << 15), ("rxvlan", 1 << 8), ("txvlan", 1 << 7), ("ntuple", 1 << 27),
          ("rxhash", 1 << 28))  # fmt: skip
_GFEATURES = 0x3A
_GFEATURES_BLOCKS = 2
#: NETIF_F_GSO_UDP_TUNNEL's bit (libvirt's ``TX_UDP_TNL``).
_TX_UDP_TNL = 25
_IFREQ_BYTES = 40


def _ask(sock: socket.socket, name: bytes, data: ctypes.Array[ctypes.c_char]) -> bool:
    ifreq = struct.pack("16sP", name, ctypes.addressof(data)).ljust(_IFREQ_BYTES, b"\0")
    try:
        fcntl.ioctl(sock.fileno(), SIOCETHTOOL, ifreq)
    except OSError:
        return False
    return True


def _value(sock: socket.socket, name: bytes, cmd: int) -> int:
    buf = ctypes.create_string_buffer(struct.pack("II", cmd, 0), 8)
    if not _ask(sock, name, buf):
        return 0
    return int(struct.unpack("II", buf.raw)[1])


def features(interface: str) -> tuple[str, ...]:
    """The features libvirt prints for the live host's ``interface``, in its order."""
    name = interface.encode()
    if not 0 < len(name) < 16:
        return ()
    out: list[str] = []
    try:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    except OSError:
        return ()
    with sock:
        out.extend(f for f, cmd in _GETTERS if _value(sock, name, cmd))
        flags = _value(sock, name, _GFLAGS)
        out.extend(f for f, bit in _FLAGS if flags & bit)
        size = 8 + 16 * _GFEATURES_BLOCKS
        buf = ctypes.create_string_buffer(struct.pack("II", _GFEATURES, _GFEATURES_BLOCKS), size)
        if _ask(sock, name, buf):
            block = _TX_UDP_TNL // 32
            active = struct.unpack_from("I", buf.raw, 8 + 16 * block + 8)[0]
            if active & (1 << (_TX_UDP_TNL % 32)):
                out.append("txudptnl")
    return tuple(out)
