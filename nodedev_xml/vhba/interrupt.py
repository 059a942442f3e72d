"""Signals during a vHBA action: SIGINT, SIGTERM and SIGHUP become an exception
the lifecycle catches, so that a vport it wrote is deleted again before the
process ends (README, "Guarantees").

systemd sends SIGTERM when a unit times out, a terminal SIGINT or SIGHUP;
without this, Python dies (or raises ``KeyboardInterrupt`` anywhere) and the
vport stays.  The handlers are installed only in the main thread (Python
allows no other) and only while an action runs; the previous ones come back
after it.  While a rollback runs, further signals are only remembered.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

__all__ = ["SIGNALS", "Interrupted", "SignalGuard", "signal_name", "signals_raise"]

#: The signals that end an action cleanly.
SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def signal_name(signum: int) -> str:
    """``SIGTERM`` for 15."""
    try:
        return signal.Signals(signum).name
    except ValueError:
        return f"signal {signum}"


class Interrupted(BaseException):
    """A signal arrived (a ``BaseException``, as ``KeyboardInterrupt``: no
    ``except Exception`` swallows it).  ``signum`` is its number."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal_name(signum))
        self.signum = signum


class SignalGuard:
    """The state of :func:`signals_raise`: ``received`` is the first signal seen."""

    def __init__(self) -> None:
        self.received: int | None = None
        self._defer = 0

    def handler(self, signum: int, frame: FrameType | None) -> None:
        if self.received is None:
            self.received = signum
        if self._defer == 0:
            raise Interrupted(signum)

    @contextmanager
    def deferred(self) -> Iterator[None]:
        """Remember signals without raising while inside (a rollback must finish)."""
        self._defer += 1
        try:
            yield
        finally:
            self._defer -= 1


@contextmanager
def signals_raise() -> Iterator[SignalGuard]:
    """While inside, :data:`SIGNALS` raise :class:`Interrupted` (main thread only;
    elsewhere the handlers stay as they are and the guard never raises)."""
    guard = SignalGuard()
    if threading.current_thread() is not threading.main_thread():
        yield guard
        return
    previous = {s: signal.getsignal(s) for s in SIGNALS}
    for s in SIGNALS:
        signal.signal(s, guard.handler)
    try:
        yield guard
    finally:
        for s, h in previous.items():
            signal.signal(s, h)
