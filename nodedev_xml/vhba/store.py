"""The state directory's vHBA definitions: one atomic file per definition.

Layout: ``STATE_DIR/vhba/NAME.xml`` (the document is
:mod:`nodedev_xml.xml.definition`, the grammar ``schemas/vhba-definition.rng``),
files ``0600`` in a ``0700`` directory, and ``STATE_DIR/definitions.lock``
taken by every change so that two nodedev-xml processes never interleave.  A
save is atomic: a temporary file in the same directory, written, flushed,
renamed over the old one, then the directory flushed; each step goes through a
:class:`DefinitionFiles`, so that a test can make any step fail for real.  A
file of the directory that is not a valid definition is reported (file and
line) and skipped; nothing here ever overwrites, moves or removes it.  Starting
and stopping definitions is :mod:`.persistent`; the README describes the
commands.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import secrets
import stat
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import Final

from ..errors import DefinitionError, NodedevXmlError
from ..model.definition import Definition, DefinitionDraft, check_name, is_name
from ..vocabulary import default_state_dir
from ..wwn import WWN
from ..xml.definition import definition_xml, parse_definition
from .wwns import generate_wwns

__all__ = ["SAVE_STEPS", "DefinitionFiles", "DefinitionStore", "LoadedDefinitions"]

#: The sub-directory of the state directory that holds one ``NAME.xml`` per definition.
DEFINITIONS_DIR: Final = "vhba"
LOCK_FILE: Final = "definitions.lock"

_SUFFIX: Final = ".xml"
_TEMP_MARK: Final = ".tmp-"
_MAX_FILE: Final = 64 * 1024  # a definition is a few hundred bytes


#: The steps of a save, in order; :class:`DefinitionFiles` has one method each.
SAVE_STEPS: Final = ("open_temp", "write", "fsync", "close", "rename", "fsync_dir")


class DefinitionFiles:
    """The file operations the store makes, one method per step.

    Each raises ``OSError`` as the system does.  Tests hand the store a subclass
    whose chosen step raises (``ENOSPC``, or an interruption standing for a
    crash) to check that a failed save leaves the previous definition intact."""

    def mkdir(self, path: str) -> None:
        os.mkdir(path, 0o700)

    def open_temp(self, directory: str, target: str) -> tuple[int, str]:
        """A new, empty ``0600`` file beside ``target``: ``(fd, path)``."""
        path = os.path.join(directory, f".{target}{_TEMP_MARK}{secrets.token_hex(4)}")
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC | os.O_NOFOLLOW
        return os.open(path, flags, 0o600), path

    def write(self, fd: int, data: bytes) -> None:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]

    def fsync(self, fd: int) -> None:
        os.fsync(fd)

    def close(self, fd: int) -> None:
        os.close(fd)

    def rename(self, source: str, target: str) -> None:
        os.rename(source, target)

    def fsync_dir(self, directory: str) -> None:
        fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    def unlink(self, path: str) -> None:
        os.unlink(path)


@dataclass(frozen=True, slots=True)
class LoadedDefinitions:
    """What the state directory holds: the valid definitions by name, and one line
    for each file that is not one (it is left as it is)."""

    definitions: dict[str, Definition] = field(default_factory=dict)
    problems: tuple[str, ...] = ()
    #: file name -> its problem, for names that look like definitions
    broken: dict[str, str] = field(default_factory=dict)


def _reason(exc: OSError) -> str:
    return exc.strerror or os.strerror(exc.errno or 0) or type(exc).__name__


class DefinitionStore:
    """The definitions of one state directory (``state_dir``, default
    :func:`default_state_dir`).  Reading never needs the directory to exist;
    the first change creates it (``0700``)."""

    __slots__ = ("directory", "files", "state_dir")

    def __init__(self, state_dir: str | None = None, *, files: DefinitionFiles | None = None):
        self.state_dir = os.path.abspath(state_dir or default_state_dir())
        self.directory = os.path.join(self.state_dir, DEFINITIONS_DIR)
        self.files = files or DefinitionFiles()

    def path_of(self, name: str) -> str:
        """The file of definition ``name`` (checked: it stays in the directory)."""
        return os.path.join(self.directory, check_name(name) + _SUFFIX)

    # -- reading --

    def _read(self, path: str) -> bytes:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK)
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise OSError(errno.EINVAL, "not a regular file", path)
            data = os.read(fd, _MAX_FILE + 1)
        finally:
            os.close(fd)
        if len(data) > _MAX_FILE:
            raise OSError(errno.EFBIG, f"larger than {_MAX_FILE} bytes", path)
        return data

    def _load_file(self, entry: str) -> Definition:
        """The definition in file ``entry`` of the directory; :class:`NodedevXmlError` else."""
        path = os.path.join(self.directory, entry)
        try:
            data = self._read(path)
        except OSError as exc:
            why = "a symbolic link" if exc.errno == errno.ELOOP else _reason(exc)
            raise DefinitionError(f"cannot read: {why}", source=path) from None
        draft = parse_definition(data, source=path)
        if draft.name + _SUFFIX != entry:
            raise DefinitionError(
                f"holds definition {draft.name!r}, expected {entry[: -len(_SUFFIX)]!r}"
                " (the file name is the definition's name)",
                source=path,
            )
        if draft.wwnn is None or draft.wwpn is None:
            raise DefinitionError(
                "has no <wwnn> and <wwpn>: a saved definition keeps the vHBA's names"
                " (give it to 'vhba define' to have them generated)",
                source=path,
            )
        return Definition(
            name=draft.name,
            parent=draft.parent,
            wwnn=draft.wwnn,
            wwpn=draft.wwpn,
            autostart=bool(draft.autostart),
        )

    def load(self) -> LoadedDefinitions:
        """Every definition, and a line for each file that is none (never changed)."""
        try:
            entries = sorted(os.listdir(self.directory))
        except FileNotFoundError:
            return LoadedDefinitions()
        except OSError as exc:
            raise DefinitionError(f"cannot list: {_reason(exc)}", source=self.directory) from None
        found: dict[str, Definition] = {}
        problems: list[str] = []
        broken: dict[str, str] = {}
        for entry in entries:
            path = os.path.join(self.directory, entry)
            if entry.startswith(".") and _TEMP_MARK in entry:
                problems.append(
                    f"{path}: left over from an interrupted save; ignored (the definition"
                    " it was to replace is intact; safe to delete)"
                )
                continue
            stem = entry[: -len(_SUFFIX)] if entry.endswith(_SUFFIX) else None
            if stem is None or not is_name(stem):
                problems.append(f"{path}: not a definition file (expected NAME.xml); ignored")
                continue
            try:
                found[stem] = self._load_file(entry)
            except NodedevXmlError as exc:
                problems.append(f"{exc}; skipped, left as it is")
                broken[stem] = str(exc)
        return LoadedDefinitions(found, tuple(problems), broken)

    def get(self, name: str) -> Definition:
        """Definition ``name``; :class:`DefinitionError` when there is none or its
        file is not a valid definition."""
        path = self.path_of(name)
        if not os.path.lexists(path):
            raise DefinitionError(f"no vHBA definition named {name!r} in {self.directory}")
        try:
            return self._load_file(os.path.basename(path))
        except DefinitionError:
            raise
        except NodedevXmlError as exc:  # XMLInputError names the file and line already
            raise DefinitionError(str(exc)) from None

    # -- writing --

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the store's lock (creating the directories first)."""
        self._ensure_dirs()
        fd = os.open(
            os.path.join(self.state_dir, LOCK_FILE),
            os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW,
            0o600,
        )
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)

    def _ensure_dirs(self) -> None:
        for path in (self.state_dir, self.directory):
            try:
                if not os.path.isdir(path):
                    os.makedirs(os.path.dirname(path), exist_ok=True)
                    self.files.mkdir(path)
                if path == self.directory and os.lstat(path).st_mode & 0o077:
                    os.chmod(path, 0o700)  # definitions are for root's eyes only
            except FileExistsError:
                raise DefinitionError("exists but is not a directory", source=path) from None
            except OSError as exc:
                raise DefinitionError(f"cannot create: {_reason(exc)}", source=path) from None

    def _save(self, definition: Definition) -> None:
        """Write ``definition`` atomically (the caller holds the lock)."""
        target = self.path_of(definition.name)
        data = definition_xml(definition).encode("utf-8")
        files = self.files
        fd: int | None = None
        temp: str | None = None
        try:
            fd, temp = files.open_temp(self.directory, os.path.basename(target))
            files.write(fd, data)
            files.fsync(fd)
            fd_done, fd = fd, None
            files.close(fd_done)
            files.rename(temp, target)
            temp = None
        except OSError as exc:
            raise DefinitionError(
                f"cannot save definition {definition.name!r}: {_reason(exc)};"
                " the previous definition, if any, is unchanged",
                source=target,
            ) from None
        finally:
            if fd is not None:
                with contextlib.suppress(OSError):
                    files.close(fd)
            if temp is not None:
                with contextlib.suppress(OSError):
                    files.unlink(temp)
        self._flush_dir(f"saved definition {definition.name!r}", target)

    def _flush_dir(self, done: str, target: str) -> None:
        try:
            self.files.fsync_dir(self.directory)
        except OSError as exc:
            raise DefinitionError(
                f"{done}, but cannot flush the directory: {_reason(exc)};"
                " a crash now could undo it",
                source=target,
            ) from None

    def _refuse_broken(self, name: str, loaded: LoadedDefinitions, action: str) -> None:
        if name in loaded.broken:
            raise DefinitionError(
                f"cannot {action} {name!r}: its file is not a valid definition and is left"
                f" as it is ({loaded.broken[name]}); fix or remove it first"
            )

    def define(
        self,
        draft: DefinitionDraft,
        *,
        avoid: Iterable[WWN] = (),
        reserved: Iterable[WWN] = (),
        generate: Callable[[Collection[WWN]], tuple[WWN, WWN]] | None = None,
    ) -> tuple[Definition, Definition | None]:
        """Save ``draft`` as a definition; return ``(saved, previous or None)``.

        Without WWNs, a redefinition keeps the saved ones and a new definition
        gets a fresh pair from ``generate`` (default: the lifecycle's
        ``generate_wwns``), taking none of another definition's WWNs nor any
        of ``avoid`` (the host's ports and vports).  Raises
        :class:`DefinitionError` for WWNs another definition or a ``reserved``
        port (a physical HBA of the host) already has, for a WWNN equal to the
        WWPN, for an unreadable file of that name (left as it is), and when the
        save fails (the previous definition is then unchanged)."""
        with self.locked():
            loaded = self.load()
            self._refuse_broken(draft.name, loaded, "redefine")
            previous = loaded.definitions.get(draft.name)
            others = {n: d for n, d in loaded.definitions.items() if n != draft.name}
            taken = {w: n for n, d in others.items() for w in d.wwns}
            wwnn, wwpn = draft.wwnn, draft.wwpn
            if wwnn is None or wwpn is None:
                if previous is not None:
                    wwnn, wwpn = previous.wwnn, previous.wwpn
                else:
                    make = generate or generate_wwns
                    wwnn, wwpn = make(frozenset(taken) | frozenset(avoid))
            ports = frozenset(reserved)
            for wwn in (wwnn, wwpn):
                if wwn in taken:
                    raise DefinitionError(
                        f"WWN {wwn} is already taken by definition {taken[wwn]!r}:"
                        " every vHBA needs names of its own"
                    )
                if wwn in ports:
                    raise DefinitionError(f"WWN {wwn} is a port of this host's HBAs")
            if wwnn == wwpn:
                raise DefinitionError(f"the WWNN and the WWPN are both {wwnn}: expected two names")
            autostart = draft.autostart
            if autostart is None:
                autostart = previous.autostart if previous is not None else False
            saved = Definition(draft.name, wwnn, wwpn, draft.parent, autostart)
            self._save(saved)
            return saved, previous

    def undefine(self, name: str) -> Definition:
        """Remove definition ``name`` (a running vHBA keeps running); return it.
        Raises :class:`DefinitionError` when there is none or its file is not valid."""
        path = self.path_of(name)
        with self.locked():
            loaded = self.load()
            self._refuse_broken(name, loaded, "undefine")
            definition = loaded.definitions.get(name)
            if definition is None:
                raise DefinitionError(f"no vHBA definition named {name!r} in {self.directory}")
            try:
                self.files.unlink(path)
            except OSError as exc:
                raise DefinitionError(f"cannot remove: {_reason(exc)}", source=path) from None
            self._flush_dir(f"removed definition {name!r}", path)
            return definition

    def set_autostart(self, name: str, autostart: bool) -> Definition:
        """Mark definition ``name`` to be started at boot, or not; return it."""
        with self.locked():
            loaded = self.load()
            self._refuse_broken(name, loaded, "change")
            definition = loaded.definitions.get(name)
            if definition is None:
                raise DefinitionError(f"no vHBA definition named {name!r} in {self.directory}")
            changed = replace(definition, autostart=autostart)
            if changed != definition:
                self._save(changed)
            return changed
