"""Opening a libvirt connection, and libvirt's errors as one line each.

libvirt-python is optional (``pip install 'nodedev-xml[libvirt]'``, or Debian's
``python3-libvirt``): it is imported here, on first use, and nowhere else in the
library (the ``libvirt-python`` contract in ``pyproject.toml``).  Without it
every function that needs it raises :class:`LibvirtConnectionError` saying so.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

from ..errors import LibvirtConnectionError

__all__ = [
    "calling",
    "connected",
    "is_local",
    "libvirt_module",
    "message_of",
    "open_connection",
    "uri_of",
]

#: What to install when libvirt-python is missing.
INSTALL_HINT = "pip install 'nodedev-xml[libvirt]' (Debian: apt-get install python3-libvirt)"


@functools.cache
def libvirt_module() -> Any:
    """The ``libvirt`` module, its default error printer silenced (every error is
    raised, then told once, by the caller).  Raises :class:`LibvirtConnectionError`
    when libvirt-python is not installed."""
    try:
        import libvirt
    except ImportError:
        raise LibvirtConnectionError(f"libvirt-python is not installed: {INSTALL_HINT}") from None
    libvirt.registerErrorHandler(lambda _ctx, _err: None, None)
    return libvirt


def message_of(error: BaseException) -> str:
    """libvirt's message, on one line."""
    return " ".join(str(error).split()) or type(error).__name__


def _code_of(error: BaseException) -> int | None:
    get = getattr(error, "get_error_code", None)
    code = get() if get is not None else None
    return code if isinstance(code, int) else None


def open_connection(uri: str) -> Any:
    """A ``virConnect`` to ``uri``.  Raises :class:`LibvirtConnectionError` for an
    empty URI, one libvirt cannot open (naming the URI and libvirt's reason), or
    without libvirt-python."""
    if not uri or not uri.strip():
        raise LibvirtConnectionError(
            "the libvirt URI is empty: expected one like qemu:///system or qemu+ssh://host/system"
        )
    libvirt = libvirt_module()
    try:
        return libvirt.open(uri)
    except libvirt.libvirtError as e:
        raise LibvirtConnectionError(
            f"cannot connect to {uri}: {message_of(e)}", code=_code_of(e)
        ) from None


def uri_of(conn: Any) -> str:
    """The connection's URI as libvirt names it; ``(a closed connection)`` when it
    can no longer say."""
    libvirt = libvirt_module()
    try:
        return str(conn.getURI())
    except libvirt.libvirtError:
        return "(a closed connection)"


@contextlib.contextmanager
def calling(where: str, what: str) -> Iterator[None]:
    """Turn a libvirt error raised inside into :class:`LibvirtConnectionError`:
    ``WHERE: WHAT: libvirt's message`` (``where`` is the URI)."""
    libvirt = libvirt_module()
    try:
        yield
    except libvirt.libvirtError as e:
        raise LibvirtConnectionError(
            f"{where}: {what}: {message_of(e)}", code=_code_of(e)
        ) from None


@contextlib.contextmanager
def connected(uri: str | None = None, conn: Any = None) -> Iterator[Any]:
    """``conn`` as it is (the caller keeps it open), or a connection opened to
    ``uri`` and closed on the way out.  Raises :class:`ValueError` unless exactly
    one is given, and what :func:`open_connection` raises."""
    if (uri is None) == (conn is None):
        raise ValueError("give a libvirt URI or an open connection (one of them)")
    if conn is not None:
        yield conn
        return
    assert uri is not None
    opened = open_connection(uri)
    try:
        yield opened
    finally:
        with contextlib.suppress(Exception):
            opened.close()


def is_local(uri: str) -> bool:
    """Whether ``uri`` reaches the host this process runs on: no host name in it
    (``qemu:///system``, ``test:///default``, a local socket), or ``localhost``."""
    host = urlsplit(uri).hostname
    return host is None or host in ("localhost", "127.0.0.1", "::1")
