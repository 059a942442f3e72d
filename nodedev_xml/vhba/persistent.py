"""Start and stop persistent vHBA definitions: one, or every autostart one at boot.

The definitions come from a :class:`~.store.DefinitionStore`; a start is the
lifecycle's create (:mod:`.lifecycle`) with the definition's request, a stop its
delete.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..errors import NodedevXmlError, VHBAInterrupted
from ..sysfs.scan import scan
from ..vocabulary import Backend
from .lifecycle import create_vhba, delete_vhba
from .parent import find_vport
from .state import find_running
from .store import DefinitionStore

if TYPE_CHECKING:
    from ..sysfs.writer import Writer

__all__ = [
    "AutostartOutcome",
    "StartResult",
    "start_autostart",
    "start_definition",
    "stop_definition",
]


@dataclass(frozen=True, slots=True)
class StartResult:
    """A started (or already running) definition: its vHBA ``device`` (``scsi_hostN``)."""

    name: str
    device: str
    already_running: bool
    vport_state: str | None = None
    #: the state of an orphan vport of the definition deleted first, if there was one
    replaced: str | None = None

    def describe(self) -> str:
        if self.already_running:
            return f"{self.name} is already running as {self.device}; nothing done"
        state = f" (vport {self.vport_state})" if self.vport_state else ""
        before = f"; its orphan vport ({self.replaced}) was deleted first" if self.replaced else ""
        return f"{self.name} started as {self.device}{state}{before}"


def start_definition(
    store: DefinitionStore,
    name: str,
    *,
    root: str | None = None,
    timeout: float = 30.0,
    writer: Writer | None = None,
    lock_dir: str | None = None,
    backend: Backend = "sysfs",
) -> StartResult:
    """Create the vHBA of definition ``name`` unless it runs already (a vHBA with its
    WWPN exists, checked under the vHBA lock: then nothing is written); a vport of
    its WWPN without a working vHBA (a crash, ``Fabric Rejected WWN``) is deleted
    and made again.  ``backend`` is the lifecycle's (``udev`` waits on uevents).
    Raises :class:`~nodedev_xml.errors.DefinitionNotFoundError` for a missing
    definition, :class:`DefinitionError` for a broken one, and the lifecycle's
    ``VHBAError`` when the create fails (the lifecycle then has removed any vport
    it made)."""
    definition = store.get(name)
    others = store.load().definitions.values()
    created = create_vhba(
        definition.request(),
        root=root,
        timeout=timeout,
        writer=writer,
        avoid=frozenset(w for d in others for w in d.wwns),
        lock_dir=lock_dir,
        backend=backend,
        own=name,
    )
    if created.already_running:
        return StartResult(name, created.name, already_running=True)
    return StartResult(name, created.name, already_running=False,
                       vport_state=created.vport_state, replaced=created.replaced)  # fmt: skip


def stop_definition(
    store: DefinitionStore,
    name: str,
    *,
    root: str | None = None,
    writer: Writer | None = None,
    backend: Backend = "sysfs",
) -> str | None:
    """Delete the vport of definition ``name`` (``backend`` as for
    :func:`start_definition`); return what was deleted (the vHBA's name, or
    ``its orphan vport (STATE)`` for a vport of its WWPN without a vHBA), or
    ``None`` when there was neither (nothing written).  Raises
    :class:`DefinitionError` and the lifecycle's ``VHBAError``."""
    definition = store.get(name)
    inv = scan(root or None, backend=backend)
    running = find_running(definition, inv)
    if running is not None:
        what = running.name
    else:
        found = find_vport(inv, definition.wwpn)
        if found is None:
            return None
        what = f"its orphan vport ({found[1].state or 'no vHBA'})"
    delete_vhba(wwpn=definition.wwpn, root=root, writer=writer, backend=backend)
    return what


@dataclass(frozen=True, slots=True)
class AutostartOutcome:
    """What ``start --autostart`` did: each definition's result or its last error."""

    started: tuple[StartResult, ...] = ()
    failed: tuple[tuple[str, str], ...] = ()


def start_autostart(
    store: DefinitionStore,
    *,
    root: str | None = None,
    timeout: float = 30.0,
    writer: Writer | None = None,
    lock_dir: str | None = None,
    retry_for: float = 0.0,
    retry_interval: float = 5.0,
    report: Callable[[str], None] | None = None,
    clock: Callable[[], float] | None = None,
    sleep: Callable[[float], None] | None = None,
    backend: Backend = "sysfs",
) -> AutostartOutcome:
    """Start every definition marked autostart that is not running.

    One failing definition never stops the others.  With ``retry_for`` seconds,
    the failed ones are tried again every ``retry_interval`` seconds until they
    start or the time is up: at boot, ports log in to the fabric late.
    ``report`` gets one line per event (a retry, a failure)."""
    now = clock or time.monotonic
    pause = sleep or time.sleep
    deadline = now() + max(0.0, retry_for)
    pending = sorted(n for n, d in store.load().definitions.items() if d.autostart)
    started: list[StartResult] = []
    errors: dict[str, str] = {}
    while True:
        for name in list(pending):
            try:
                started.append(
                    start_definition(
                        store,
                        name,
                        root=root,
                        timeout=timeout,
                        writer=writer,
                        lock_dir=lock_dir,
                        backend=backend,
                    )
                )
            except VHBAInterrupted:
                raise  # a signal ends the whole run, after its rollback
            except NodedevXmlError as exc:
                errors[name] = str(exc)
                continue
            pending.remove(name)
            errors.pop(name, None)
        left = deadline - now()
        if not pending or left <= 0:
            break
        wait = min(retry_interval, left)
        if report is not None:
            why = "; ".join(f"{n}: {errors[n]}" for n in pending if n in errors)
            report(
                f"{len(pending)} definition(s) not started yet ({why});"
                f" trying again in {round(wait, 1):g} s"
            )
        pause(wait)
    return AutostartOutcome(tuple(started), tuple((n, errors[n]) for n in pending))
