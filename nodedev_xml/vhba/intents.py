"""Intent records: what a create is about to write, kept until it is done.

Before ``WWPN:WWNN`` goes to ``vport_create``, the lifecycle records the
vport's names, its parent, the definition it starts (if any) and its own pid
in the run directory (``/run/nodedev-xml/intents``: cleared at boot, as the
kernel's vports are; ``ROOT/.nodedev-xml.intents`` on a fake root), written
atomically.  It removes the record once the vHBA is reported or the vport is
deleted again.  A record whose process is gone (``kill -9``, a power cut
before the reboot clears ``/run``) names a vport nobody reported: the next
lifecycle command says so, and ``vhba cleanup`` deletes it
(:func:`nodedev_xml.vhba.lifecycle.cleanup`).

The directory is created ``0700``, must be owned by this user and is opened
``O_NOFOLLOW``; every file is opened relative to it, never through a link.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import stat
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from typing import Final

from ..errors import VHBAError
from ..wwn import WWN
from .lock import canonical_root, run_dir

__all__ = ["Intent", "IntentLog"]

INTENTS_DIR: Final = "intents"
FAKE_ROOT_DIR: Final = ".nodedev-xml.intents"
_MAX: Final = 4096


def _start_time(pid: int) -> str | None:
    """The start time of process ``pid`` (field 22 of ``/proc/PID/stat``): a pid
    reused by another process has another one."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
            text = f.read()
    except OSError:
        return None
    fields = text.rpartition(")")[2].split()
    return fields[19] if len(fields) > 19 else None


@dataclass(frozen=True, slots=True)
class Intent:
    """One create in flight: the vport's names, its parent (``scsi_hostN``) and
    host number, the definition started (or ``None``), and the process doing it."""

    wwnn: str
    wwpn: str
    parent: str
    host: int
    pid: int
    started: str | None
    definition: str | None = None

    @classmethod
    def mine(
        cls, wwnn: WWN, wwpn: WWN, parent: str, host: int, definition: str | None = None
    ) -> Intent:
        pid = os.getpid()
        return cls(str(wwnn), str(wwpn), parent, host, pid, _start_time(pid), definition)

    @property
    def alive(self) -> bool:
        """Whether the process that wrote the record still runs."""
        if self.pid == os.getpid():
            return True
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            pass
        return self.started is None or _start_time(self.pid) == self.started

    @property
    def names(self) -> tuple[WWN, WWN]:
        return WWN.parse_strict(self.wwnn), WWN.parse_strict(self.wwpn)


class IntentLog:
    """The intent records of one root (``lock_dir`` as for the vHBA lock)."""

    def __init__(self, root: str, lock_dir: str | None = None) -> None:
        base = run_dir(root, lock_dir)
        real_root = canonical_root(root)
        if lock_dir is None and real_root != "/":
            self.directory = os.path.join(base, FAKE_ROOT_DIR)
        else:
            self.directory = os.path.join(base, INTENTS_DIR)

    def _open_dir(self, create: bool) -> int | None:
        """The directory, opened ``O_NOFOLLOW``; ``None`` when absent and not ``create``."""
        flags = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
        try:
            if create:
                with contextlib.suppress(FileExistsError):
                    os.mkdir(self.directory, 0o700)
            fd = os.open(self.directory, flags)
        except FileNotFoundError:
            if not create:
                return None
            raise VHBAError(f"cannot open the intent records {self.directory}: not found") from None
        except OSError as e:
            raise VHBAError(f"cannot open the intent records {self.directory}: {_why(e)}") from None
        st = os.fstat(fd)
        if st.st_uid != os.geteuid() or st.st_mode & 0o022:
            os.close(fd)
            raise VHBAError(
                f"the intent records {self.directory} are owned by uid {st.st_uid} or writable"
                " by others: not trusted"
            )
        if stat.S_IMODE(st.st_mode) != 0o700:
            os.fchmod(fd, 0o700)
        return fd

    @staticmethod
    def _file(intent: Intent) -> str:
        return f"{intent.wwpn}.json"

    def record(self, intent: Intent) -> None:
        """Save ``intent`` atomically (written, flushed, renamed, directory flushed).
        Raises :class:`VHBAError` when it cannot be saved (nothing is written then)."""
        fd = self._open_dir(create=True)
        assert fd is not None
        temp = f".{self._file(intent)}.tmp-{os.getpid()}"
        try:
            data = json.dumps(asdict(intent), sort_keys=True).encode() + b"\n"
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temp, dir_fd=fd)
            out = os.open(temp, flags, 0o600, dir_fd=fd)
            try:
                os.write(out, data)
                os.fsync(out)
            finally:
                os.close(out)
            os.rename(temp, self._file(intent), src_dir_fd=fd, dst_dir_fd=fd)
            os.fsync(fd)
        except OSError as e:
            with contextlib.suppress(OSError):
                os.unlink(temp, dir_fd=fd)
            raise VHBAError(
                f"cannot record the create in {self.directory}: {_why(e)}; nothing written"
            ) from None
        finally:
            os.close(fd)

    def clear(self, intent: Intent) -> None:
        """Remove the record of ``intent`` (already gone: nothing to do)."""
        fd = self._open_dir(create=False)
        if fd is None:
            return
        try:
            os.unlink(self._file(intent), dir_fd=fd)
            os.fsync(fd)
        except FileNotFoundError:
            pass
        except OSError:
            pass  # left: the next run finds it stale and checks the vport
        finally:
            os.close(fd)

    def records(self) -> Iterator[Intent]:
        """Every record (unreadable or foreign files are skipped)."""
        fd = self._open_dir(create=False)
        if fd is None:
            return
        try:
            names = sorted(os.listdir(fd))
            for name in names:
                if name.startswith(".") or not name.endswith(".json"):
                    continue
                try:
                    f = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=fd)
                    try:
                        data = json.loads(os.read(f, _MAX))
                    finally:
                        os.close(f)
                    intent = Intent(**data)
                    intent.names  # noqa: B018 (checks the names parse)
                except (OSError, ValueError, TypeError):
                    continue
                yield intent
        finally:
            os.close(fd)

    def stale(self) -> list[Intent]:
        """The records whose process is gone."""
        return [i for i in self.records() if not i.alive]


def _why(e: OSError) -> str:
    if e.errno == errno.ELOOP:
        return "a symbolic link (refused)"
    return e.strerror or str(e)
