"""The kernel emulator as a background process: a fake root's vport files served as FIFOs.

A command-line test runs ``nodedev-xml vhba create`` in a process of its own,
which writes ``vport_create`` with a plain ``write()``: nothing in that process
can answer it.  :class:`BackgroundEmulator` runs the emulator in another
process (``python -m nodedev_xml.testing.emulator --root ROOT``) for as long as
a ``with`` block lasts (and never longer than ``max_seconds``, nor than the
process that started it).  There :func:`serve` makes the attribute files
``vport_create`` and ``vport_delete`` FIFOs (of the ``fc_host`` and
``scsi_host`` class devices that have them, and each vport's own
``vport_delete``, those of vports made later included) and hands each read to
the emulator as one write.  The writer's ``write`` succeeds as soon as the
string is in the pipe, so **a refusal cannot reach the writer as an errno**:
the emulator logs it (``BackgroundEmulator.writes()``) and leaves the tree as
it was.  When the serving ends the FIFOs are empty regular files again.

What a write does (the transport's rules, its errno values) is the emulator's
business (:mod:`nodedev_xml.testing.emulator`); this module only carries the
writes to it and back, through :class:`Servable`.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import select
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Protocol

from ..vhba.wait import FAILED_STATES
from .tree import TreeWriter

if TYPE_CHECKING:
    from .fabric import Fabric

__all__ = ["EMULATOR_MODULE", "BackgroundEmulator", "Servable", "run", "serve"]

#: The module a background emulator runs (``python -m``).
EMULATOR_MODULE = "nodedev_xml.testing.emulator"
#: The files served, by the class of the device that has them.
SERVED = {
    "fc_host": ("vport_create", "vport_delete"),
    "scsi_host": ("vport_create", "vport_delete"),
    "fc_vports": ("vport_delete",),
}


class Answer(Protocol):
    """One write the emulator answered (:class:`~.emulator.EmulatedWrite`)."""

    @property
    def path(self) -> str: ...
    @property
    def data(self) -> str: ...
    @property
    def result(self) -> str: ...


class Servable(Protocol):
    """What :func:`serve` needs of an emulator (:class:`~.emulator.KernelEmulator`)."""

    @property
    def root(self) -> str: ...
    @property
    def writes(self) -> Sequence[Answer]: ...
    @property
    def served(self) -> Mapping[str, tuple[str, ...]]: ...
    def write(self, path: str, data: str) -> None: ...
    def listen(self, callback: Callable[[str, str], None]) -> None: ...
    def close(self) -> None: ...


class _Fifos:
    """The served FIFOs of a root: each open read-write, by descriptor."""

    def __init__(self, root: str, served: Mapping[str, tuple[str, ...]]) -> None:
        self.sys = os.path.join(root, "sys")
        self.served = served
        self.open: dict[int, str] | None = {}  # fd -> path below sys/; None once restored
        self.lock = threading.Lock()

    def _abs(self, rel: str) -> str:
        return f"{self.sys}/{rel}"

    def serve_device(self, rel: str) -> None:
        """The served files of the class device ``rel`` (``.../<class>/<name>``) become FIFOs."""
        cls = rel.rpartition("/")[0].rpartition("/")[2]
        for attr in self.served.get(cls, ()):
            self._make(f"{rel}/{attr}")

    def serve_root(self) -> None:
        """Every served file of the root's class devices becomes a FIFO."""
        for cls in self.served:
            try:
                entries = sorted(os.listdir(self._abs(f"class/{cls}")))
            except OSError:
                continue
            for entry in entries:
                real = os.path.realpath(self._abs(f"class/{cls}/{entry}"))
                if real.startswith(self.sys + os.sep):
                    self.serve_device(real[len(self.sys) + 1 :])

    def _make(self, rel: str) -> None:
        path = self._abs(rel)
        if self.open is None or os.path.islink(path) or not os.path.isfile(path):
            return
        os.unlink(path)
        os.mkfifo(path, 0o600)
        # Opened read-write: the pipe always has a writer, so it never reports end of
        # file, and a writer's non-blocking open always finds a reader.
        self.open[os.open(path, os.O_RDWR | os.O_NONBLOCK | os.O_CLOEXEC)] = rel

    def drop_below(self, rel: str) -> None:
        """Close the FIFOs of the device ``rel`` and below (it is going away)."""
        if self.open is None:
            return
        for fd, path in list(self.open.items()):
            if path.startswith(rel + "/"):
                os.close(fd)
                del self.open[fd]

    def restore(self) -> None:
        """Close every FIFO and make it an empty regular file again."""
        for fd, rel in (self.open or {}).items():
            os.close(fd)
            path = self._abs(rel)
            if os.path.lexists(path):
                os.unlink(path)
                TreeWriter(Path(self.sys)).write(rel, b"")
        self.open = None


def serve(
    emulator: Servable,
    *,
    stop: threading.Event,
    parent_pid: int | None = None,
    max_seconds: float = 300.0,
    out: object = None,
) -> None:
    """Serve the root's vport files as FIFOs, each read one ``emulator.write``, until
    ``stop`` is set, ``max_seconds`` have passed or the process ``parent_pid`` is gone;
    then restore them and close the emulator.  Prints ``ready`` and then one line per
    write (``write PATH 'DATA' -> ok|ERRNO``) to ``out`` (default stdout)."""
    stream = out if out is not None else sys.stdout
    assert hasattr(stream, "write") and hasattr(stream, "flush")
    deadline = time.monotonic() + max_seconds
    fifos = _Fifos(emulator.root, emulator.served)

    def follow(action: str, rel: str) -> None:  # a device came or is going: its files too
        with fifos.lock:
            if action == "add":
                fifos.serve_device(rel)
            elif action == "remove":
                fifos.drop_below(rel)

    with fifos.lock:
        fifos.serve_root()
    emulator.listen(follow)
    stream.write("ready\n")
    stream.flush()
    try:
        while not stop.is_set() and time.monotonic() < deadline:
            if parent_pid is not None and os.getppid() != parent_pid:
                break
            with fifos.lock:
                fds = list(fifos.open or {})
            readable, _, _ = select.select(fds, [], [], 0.05)
            for fd in readable:
                with fifos.lock:
                    rel = (fifos.open or {}).get(fd)
                    if rel is None:
                        continue
                    try:
                        data = os.read(fd, 4096).decode("latin-1")
                    except BlockingIOError:
                        continue
                # Writes that met in the pipe come apart at their newlines (echo's).
                for piece in data.splitlines(keepends=True) or [data]:
                    with contextlib.suppress(OSError):  # recorded; no caller to tell
                        emulator.write(f"{fifos.sys}/{rel}", piece)
                    last = emulator.writes[-1]
                    stream.write(f"write {last.path} {last.data!r} -> {last.result}\n")
                stream.flush()
    finally:
        with fifos.lock:
            fifos.restore()
        emulator.close()


class BackgroundEmulator:
    """A :class:`~.emulator.KernelEmulator` in another process, for tests of the command line.

    ``with BackgroundEmulator(root, host_delay=0.1) as emu:`` returns once the
    vport files are FIFOs; leaving the block stops the process (SIGTERM, then
    SIGKILL after ``stop_timeout``) and restores them.  The process also ends
    by itself after ``max_seconds`` or when this process is gone.
    :meth:`writes` are the writes it answered so far."""

    def __init__(
        self,
        root: str | os.PathLike[str],
        *,
        host_delay: float = 0.0,
        vport_state: str = "Active",
        host_appears: bool = True,
        fabric: Fabric | None = None,
        max_seconds: float = 120.0,
        start_timeout: float = 10.0,
        stop_timeout: float = 5.0,
    ) -> None:
        if vport_state != "Active" and vport_state not in FAILED_STATES:
            raise ValueError(f"not a final vport_state: {vport_state!r}")
        self.root = os.path.abspath(root)
        self._argv = [
            sys.executable,
            "-m",
            EMULATOR_MODULE,
            "--root",
            self.root,
            "--host-delay",
            str(host_delay),
            "--vport-state",
            vport_state,
            "--max-seconds",
            str(max_seconds),
            "--parent-pid",
            str(os.getpid()),
        ]
        if not host_appears:
            self._argv.append("--no-host")
        self._fabric_path: str | None = None
        if fabric is not None:  # the process gets the same fabric, as JSON
            fd, self._fabric_path = tempfile.mkstemp(prefix="fcemu-", suffix=".fabric.json")
            with os.fdopen(fd, "w") as f:
                f.write(fabric.to_json())
            self._argv += ["--fabric", self._fabric_path]
        self.start_timeout = start_timeout
        self.stop_timeout = stop_timeout
        self._proc: subprocess.Popen[bytes] | None = None
        self._log_fd, self.log_path = tempfile.mkstemp(prefix="fcemu-", suffix=".log")

    def _log(self) -> str:
        with open(self.log_path, encoding="utf-8", errors="replace") as f:
            return f.read()

    def start(self) -> None:
        """Start the process; ``RuntimeError`` when it is not ready in ``start_timeout``."""
        self._proc = subprocess.Popen(
            self._argv, stdin=subprocess.DEVNULL, stdout=self._log_fd, stderr=self._log_fd
        )
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self._log().startswith("ready\n"):
                return
            if self._proc.poll() is not None:
                break
            time.sleep(0.01)
        log_text = self._log()
        self.stop()
        os.close(self._log_fd)
        os.unlink(self.log_path)
        raise RuntimeError(f"the kernel emulator did not start: {log_text.strip()!r}")

    def stop(self) -> None:
        """Stop the process (bounded) and restore the vport files; idempotent."""
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(self.stop_timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(self.stop_timeout)

    @property
    def running(self) -> bool:
        """Whether the emulator's process is alive."""
        return self._proc is not None and self._proc.poll() is None

    def writes(self) -> list[str]:
        """The lines ``write PATH 'DATA' -> ok|ERRNO`` logged so far."""
        return [line for line in self._log().splitlines() if line.startswith("write ")]

    def wait_writes(self, count: int, timeout: float = 5.0) -> list[str]:
        """:meth:`writes` once there are ``count`` of them (or at ``timeout``): a write
        into a FIFO returns when the data is in the pipe, before the emulator has
        read and answered it, so a writer that is done may be ahead of the log."""
        deadline = time.monotonic() + timeout
        while len(writes := self.writes()) < count and time.monotonic() < deadline:
            time.sleep(0.01)
        return writes

    def __enter__(self) -> BackgroundEmulator:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
        os.close(self._log_fd)
        os.unlink(self.log_path)
        if self._fabric_path is not None:
            os.unlink(self._fabric_path)


def run(argv: Sequence[str] | None, make: Callable[..., Servable]) -> int:
    """The background process: ``python -m nodedev_xml.testing.emulator --root ROOT
    [options]`` (the arguments :class:`BackgroundEmulator` passes); serves the emulator
    ``make(root, host_delay=, vport_state=, host_appears=)`` until SIGTERM."""
    p = argparse.ArgumentParser(
        prog=f"python -m {EMULATOR_MODULE}",
        description="Serve a fake root's vport_create and vport_delete files as the kernel "
        "would, until SIGTERM.",
    )
    p.add_argument("--root", required=True, help="the fake root (a directory holding sys/)")
    p.add_argument("--host-delay", type=float, default=0.0, metavar="S")
    p.add_argument("--vport-state", default="Active", choices=("Active", *FAILED_STATES))
    p.add_argument("--no-host", action="store_true", help="the vHBA's host never appears")
    p.add_argument("--fabric", metavar="FILE", help="a Fabric as JSON (Fabric.to_json)")
    p.add_argument("--max-seconds", type=float, default=300.0, metavar="S")
    p.add_argument("--parent-pid", type=int, default=None, metavar="PID")
    args = p.parse_args(argv)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    options = {}
    if args.fabric is not None:
        from .fabric import Fabric

        with open(args.fabric, encoding="utf-8") as f:
            options["fabric"] = Fabric.from_json(f.read())
    emulator = make(
        args.root,
        host_delay=args.host_delay,
        vport_state=args.vport_state,
        host_appears=not args.no_host,
        **options,
    )
    serve(emulator, stop=stop, parent_pid=args.parent_pid, max_seconds=args.max_seconds)
    return 0
