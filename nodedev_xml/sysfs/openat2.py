"""``openat2(2)`` with ``RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS``, through ctypes
(Python has no binding).  Imported by :mod:`.beneath` only when a root other than
``/`` is read or written: ctypes takes a while to import, and the live host needs
none of it.
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable
from typing import Final

__all__ = ["HOW_SIZE", "NR", "SYSCALL", "get_errno", "how", "int_arg"]

#: ``openat2``'s number: the same on every architecture (the numbers from 424 on are shared).
SYS_OPENAT2: Final = 437
RESOLVE_NO_MAGICLINKS: Final = 0x02
RESOLVE_BENEATH: Final = 0x08
RESOLVE: Final = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS


class _OpenHow(ctypes.Structure):
    """``struct open_how`` (linux/openat2.h)."""

    _fields_ = (("flags", ctypes.c_uint64), ("mode", ctypes.c_uint64),
                ("resolve", ctypes.c_uint64))  # fmt: skip


def _syscall() -> Callable[..., int] | None:
    # No argtypes: every argument but the path is passed as a ctypes object made once
    # (of the width the system call takes), the cheapest call ctypes has.
    try:
        call: Callable[..., int] = ctypes.CDLL(None, use_errno=True).syscall
    except (OSError, AttributeError):
        return None
    return call


#: ``syscall(3)``, or ``None`` where there is no C library to call it through.
SYSCALL = _syscall()
NR = ctypes.c_long(SYS_OPENAT2)
HOW_SIZE = ctypes.c_size_t(ctypes.sizeof(_OpenHow))
get_errno = ctypes.get_errno
#: ``struct open_how`` for each (flags, mode) asked for, and its address: made once.
_HOWS: dict[tuple[int, int], tuple[_OpenHow, ctypes.c_void_p]] = {}


def how(flags: int, mode: int) -> ctypes.c_void_p:
    """The address of the ``open_how`` for ``flags`` and ``mode`` (resolving beneath
    the directory given, no magic links), made once."""
    made = _HOWS.get((flags, mode))
    if made is None:
        struct = _OpenHow(flags, mode, RESOLVE)
        made = _HOWS[flags, mode] = (struct, ctypes.c_void_p(ctypes.addressof(struct)))
    return made[1]


def int_arg(value: int) -> ctypes.c_int:
    """An ``int`` argument (a descriptor), made once and changed in place."""
    return ctypes.c_int(value)
