"""libvirt's node-device events, for ``watch --connect``: no polling.

libvirt delivers events only to a process that registered an event loop before
it opened the connection (``virEventRegisterDefaultImpl``) and runs it
(``virEventRunDefaultImpl``, here in a daemon thread).  :class:`LibvirtSignals`
opens its own connection after that, registers for the lifecycle events
(created, deleted, defined, undefined) and the update events of every device
(``nodeDeviceEventRegisterAny`` with no device), and hands the names they carry
to :meth:`LibvirtSignals.wait`.  A connection that closes ends the wait with
:class:`~nodedev_xml.errors.LibvirtConnectionError`.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from typing import Any

from ..errors import LibvirtConnectionError
from .session import calling, libvirt_module, open_connection

__all__ = ["LibvirtSignals"]

_loop_lock = threading.Lock()
_loop_started = False


def _event_loop() -> None:
    """Register libvirt's default event loop and run it in a daemon thread, once a process."""
    global _loop_started
    libvirt = libvirt_module()
    with _loop_lock:
        if _loop_started:
            return
        libvirt.virEventRegisterDefaultImpl()

        def run() -> None:
            while True:
                libvirt.virEventRunDefaultImpl()

        threading.Thread(target=run, name="libvirt-events", daemon=True).start()
        _loop_started = True


class LibvirtSignals:
    """The names of the node devices libvirt reports as created, deleted or updated
    on ``uri``.  Raises :class:`LibvirtConnectionError` when the URI cannot be
    opened or does not deliver node-device events."""

    def __init__(self, uri: str) -> None:
        libvirt = libvirt_module()
        _event_loop()
        self.uri = uri
        self.conn = open_connection(uri)
        self._names: queue.Queue[str | None] = queue.Queue()
        with calling(uri, "registering for node-device events"):
            self._ids = [
                self.conn.nodeDeviceEventRegisterAny(
                    None, libvirt.VIR_NODE_DEVICE_EVENT_ID_LIFECYCLE, self._lifecycle, None
                ),
                self.conn.nodeDeviceEventRegisterAny(
                    None, libvirt.VIR_NODE_DEVICE_EVENT_ID_UPDATE, self._update, None
                ),
            ]
            self.conn.registerCloseCallback(self._closed, None)

    def _lifecycle(self, _conn: Any, dev: Any, _event: int, _detail: int, _opaque: Any) -> None:
        self._names.put(str(dev.name()))

    def _update(self, _conn: Any, dev: Any, _opaque: Any) -> None:
        self._names.put(str(dev.name()))

    def _closed(self, _conn: Any, _reason: int, _opaque: Any) -> None:
        self._names.put(None)

    def wait(self, timeout: float | None = None) -> list[str]:
        """The names of the next event and of every event already queued behind it;
        ``[]`` when ``timeout`` seconds pass first.  Raises
        :class:`LibvirtConnectionError` once the connection has closed."""
        try:
            first = self._names.get(timeout=timeout)
        except queue.Empty:
            return []
        names = [first]
        while True:
            try:
                names.append(self._names.get_nowait())
            except queue.Empty:
                break
        if None in names:
            raise LibvirtConnectionError(f"{self.uri}: the connection closed")
        return [n for n in names if n is not None]

    def close(self) -> None:
        """Stop listening and close the connection."""
        for callback_id in self._ids:
            with contextlib.suppress(Exception):
                self.conn.nodeDeviceEventDeregisterAny(callback_id)
        with contextlib.suppress(Exception):
            self.conn.close()
