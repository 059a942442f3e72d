"""The state directory's vHBA definitions: one atomic file per definition.

Layout: ``STATE_DIR/vhba/NAME.xml`` (the document is
:mod:`nodedev_xml.xml.definition`, the grammar ``schemas/vhba-definition.rng``),
files ``0600`` in a ``0700`` directory, and ``STATE_DIR/definitions.lock``
taken by every change (waiting at most ``lock_timeout``) so that two
nodedev-xml processes never interleave.  A state directory another user could
change is refused (:mod:`.trust`); ``vhba/`` and every file in it are opened
``O_NOFOLLOW`` relative to the directory's descriptor.  A
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
import os
import secrets
import stat
import time
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Final

from ..errors import DefinitionError, DefinitionNotFoundError, NodedevXmlError, Refusal
from ..model.definition import Definition, DefinitionDraft, check_name, is_name
from ..vocabulary import default_state_dir
from ..wwn import WWN
from ..xml.definition import definition_xml, parse_definition
from .lock import LockTimeout, hold
from .trust import check_trusted, describe_denied, make_private_dir, open_private_dir, owner_name
from .wwns import generate_wwns

__all__ = ["SAVE_STEPS", "DefinitionFiles", "DefinitionStore", "LoadedDefinitions"]

#: The sub-directory of the state directory that holds one ``NAME.xml`` per definition.
DEFINITIONS_DIR: Final = "vhba"
LOCK_FILE: Final = "definitions.lock"
#: How long a change waits for another nodedev-xml's hold on the definitions.
LOCK_TIMEOUT: Final = 30.0

_SUFFIX: Final = ".xml"
_TEMP_MARK: Final = ".tmp-"
_MAX_FILE: Final = 64 * 1024  # a definition is a few hundred bytes


#: The steps of a save, in order; :class:`DefinitionFiles` has one method each.
SAVE_STEPS: Final = ("open_temp", "write", "fsync", "close", "rename", "fsync_dir")


class DefinitionFiles:
    """The file operations the store makes, one method per step, each relative to
    the definitions directory's descriptor ``dir_fd`` (never through a path another
    user could swap).

    Each raises ``OSError`` as the system does.  Tests hand the store a subclass
    whose chosen step raises (``ENOSPC``, or an interruption standing for a
    crash) to check that a failed save leaves the previous definition intact."""

    def open_temp(self, dir_fd: int, target: str) -> tuple[int, str]:
        """A new, empty ``0600`` file beside ``target``: ``(fd, name)``."""
        name = f".{target}{_TEMP_MARK}{secrets.token_hex(4)}"
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC | os.O_NOFOLLOW
        return os.open(name, flags, 0o600, dir_fd=dir_fd), name

    def write(self, fd: int, data: bytes) -> None:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]

    def fsync(self, fd: int) -> None:
        os.fsync(fd)

    def close(self, fd: int) -> None:
        os.close(fd)

    def rename(self, dir_fd: int, source: str, target: str) -> None:
        os.rename(source, target, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)

    def fsync_dir(self, dir_fd: int) -> None:
        os.fsync(dir_fd)

    def unlink(self, dir_fd: int, name: str) -> None:
        os.unlink(name, dir_fd=dir_fd)


@dataclass(frozen=True, slots=True)
class LoadedDefinitions:
    """What the state directory holds: the valid definitions by name, and one line
    for each file that is not one (it is left as it is)."""

    definitions: dict[str, Definition] = field(default_factory=dict)
    problems: tuple[str, ...] = ()
    #: file name -> its problem, for names that look like definitions
    broken: dict[str, str] = field(default_factory=dict)
    #: False when the state directory itself does not exist
    exists: bool = True


def _reason(exc: OSError) -> str:
    return exc.strerror or os.strerror(exc.errno or 0) or type(exc).__name__


class DefinitionStore:
    """The definitions of one state directory (``state_dir``, default
    :func:`default_state_dir`).  Reading never needs the directory to exist;
    the first definition creates it (``0700``, parents ``0755``).  Every use
    first checks that no other user can change it or a directory above it
    (:mod:`.trust`); ``lock_timeout`` bounds the wait for the lock."""

    __slots__ = ("directory", "files", "lock_timeout", "state_dir")

    def __init__(
        self,
        state_dir: str | None = None,
        *,
        files: DefinitionFiles | None = None,
        lock_timeout: float = LOCK_TIMEOUT,
    ):
        self.state_dir = os.path.abspath(state_dir or default_state_dir())
        self.directory = os.path.join(self.state_dir, DEFINITIONS_DIR)
        self.files = files or DefinitionFiles()
        self.lock_timeout = lock_timeout

    def path_of(self, name: str) -> str:
        """The file of definition ``name`` (checked: it stays in the directory)."""
        return os.path.join(self.directory, check_name(name) + _SUFFIX)

    def _missing(self, name: str) -> DefinitionNotFoundError:
        return DefinitionNotFoundError(
            f"no vHBA definition named {name!r} in {self.directory}", name
        )

    # -- the directory --

    @contextlib.contextmanager
    def _open(self, *, create: bool) -> Iterator[int | None]:
        """The definitions directory's descriptor (``None`` when it does not exist and
        ``create`` is false), after the trust check.  Raises :class:`DefinitionError`."""
        check_trusted(self.state_dir)
        if create:
            try:
                make_private_dir(self.directory, top=self.state_dir)
            except FileExistsError:
                raise DefinitionError("exists but is not a directory",
                                      source=self.directory) from None  # fmt: skip
            except OSError as exc:
                where = exc.filename if isinstance(exc.filename, str) else self.directory
                raise DefinitionError(
                    f"cannot create: {describe_denied(where, exc)}", source=where
                ) from None
            check_trusted(self.state_dir)  # what was made is ours; what was there, checked
        try:
            fd = open_private_dir(self.directory, dir_fd=None, source=self.directory)
        except FileNotFoundError:
            if create:
                raise DefinitionError("vanished while in use", source=self.directory) from None
            yield None
            return
        except NotADirectoryError:
            what = (
                "a symbolic link: refused"
                if os.path.islink(self.directory)
                else ("exists but is not a directory")
            )
            raise DefinitionError(what, source=self.directory) from None
        except OSError as exc:
            raise DefinitionError(
                f"cannot open: {describe_denied(self.directory, exc)}", source=self.directory
            ) from None
        try:
            yield fd
        finally:
            os.close(fd)

    # -- reading --

    def _read(self, dir_fd: int, entry: str) -> bytes:
        fd = os.open(
            entry, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK, dir_fd=dir_fd
        )
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode):
                raise OSError(errno.EINVAL, "not a regular file", entry)
            if st.st_uid not in (0, os.geteuid()):
                raise OSError(errno.EPERM, f"owned by {owner_name(st.st_uid)}: refused", entry)
            data = os.read(fd, _MAX_FILE + 1)
        finally:
            os.close(fd)
        if len(data) > _MAX_FILE:
            raise OSError(errno.EFBIG, f"larger than {_MAX_FILE} bytes", entry)
        return data

    def _load_file(self, dir_fd: int, entry: str) -> Definition:
        """The definition in file ``entry`` of the directory; :class:`NodedevXmlError` else."""
        path = os.path.join(self.directory, entry)
        try:
            data = self._read(dir_fd, entry)
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
            luns=draft.luns,
        )

    def load(self) -> LoadedDefinitions:
        """Every definition, and a line for each file that is none (never changed).
        Raises :class:`DefinitionError` for a directory that cannot be read or trusted."""
        with self._open(create=False) as fd:
            if fd is None:
                return LoadedDefinitions(exists=os.path.isdir(self.state_dir))
            return self._load_all(fd)

    def _load_all(self, fd: int) -> LoadedDefinitions:
        try:
            entries = sorted(os.listdir(fd))
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
                found[stem] = self._load_file(fd, entry)
            except NodedevXmlError as exc:
                problems.append(f"{exc}; skipped, left as it is")
                broken[stem] = str(exc)
        return LoadedDefinitions(found, tuple(problems), broken)

    def get(self, name: str) -> Definition:
        """Definition ``name``.  Raises :class:`DefinitionNotFoundError` when there is
        none, :class:`DefinitionError` when its file is not a valid definition or the
        directory cannot be read (saying why: not "no such definition")."""
        entry = os.path.basename(self.path_of(name))
        with self._open(create=False) as fd:
            if fd is None:
                raise self._missing(name)
            try:
                os.stat(entry, dir_fd=fd, follow_symlinks=False)
            except FileNotFoundError:
                raise self._missing(name) from None
            except OSError:
                pass  # _load_file says what is wrong
            try:
                return self._load_file(fd, entry)
            except DefinitionError:
                raise
            except NodedevXmlError as exc:  # XMLInputError names the file and line already
                raise DefinitionError(str(exc)) from None

    # -- writing --

    @contextlib.contextmanager
    def locked(self, *, create: bool = True) -> Iterator[int | None]:
        """Hold the store's lock (``STATE_DIR/definitions.lock``, waiting at most
        ``lock_timeout`` seconds); yields the definitions directory's descriptor
        (created first when ``create``; else ``None`` when there is none, and no
        lock is needed).  Raises :class:`DefinitionError` naming who holds it."""
        with self._open(create=create) as dir_fd:
            if dir_fd is None:
                yield None
                return
            lock = os.path.join(self.state_dir, LOCK_FILE)
            try:
                with hold(lock, time.monotonic() + self.lock_timeout):
                    yield dir_fd
            except LockTimeout as e:
                raise DefinitionError(
                    f"the definitions lock is {e.describe()}; gave up after"
                    f" {self.lock_timeout:g} s (nothing changed)",
                    source=lock,
                    reason=Refusal.LOCKED,
                ) from None

    def _save(self, dir_fd: int, definition: Definition) -> None:
        """Write ``definition`` atomically (the caller holds the lock)."""
        target = self.path_of(definition.name)
        entry = os.path.basename(target)
        data = definition_xml(definition).encode("utf-8")
        files = self.files
        fd: int | None = None
        temp: str | None = None
        try:
            fd, temp = files.open_temp(dir_fd, entry)
            files.write(fd, data)
            files.fsync(fd)
            fd_done, fd = fd, None
            files.close(fd_done)
            files.rename(dir_fd, temp, entry)
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
                    files.unlink(dir_fd, temp)
        self._flush_dir(dir_fd, f"saved definition {definition.name!r}", target)

    def _flush_dir(self, dir_fd: int, done: str, target: str) -> None:
        try:
            self.files.fsync_dir(dir_fd)
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
        in_use: Mapping[WWN, str] | None = None,
        adopt: bool = False,
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
        with self.locked() as dir_fd:
            assert dir_fd is not None
            loaded = self._load_all(dir_fd)
            self._refuse_broken(draft.name, loaded, "redefine")
            previous = loaded.definitions.get(draft.name)
            others = {n: d for n, d in loaded.definitions.items() if n != draft.name}
            taken = {w: n for n, d in others.items() for w in d.wwns}
            wwnn, wwpn = draft.wwnn, draft.wwpn
            given = wwnn is not None and wwpn is not None
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
                        " every vHBA needs names of its own",
                        reason=Refusal.WWN_IN_USE,
                    )
                if wwn in ports:
                    raise DefinitionError(
                        f"WWN {wwn} is a port of this host's HBAs", reason=Refusal.WWN_IN_USE
                    )
            if wwnn == wwpn:
                raise DefinitionError(
                    f"the WWNN and the WWPN are both {wwnn}: expected two names",
                    reason=Refusal.WWN_INVALID,
                )
            if given and in_use and not adopt:
                own = previous.wwns if previous is not None else frozenset()
                for wwn in (wwnn, wwpn):
                    if wwn in in_use and wwn not in own:
                        raise DefinitionError(
                            f"WWN {wwn} is {in_use[wwn]}, running on this host and not made"
                            " from this definition: give --adopt to make it this definition's"
                            " (then 'vhba stop' deletes it)",
                            reason=Refusal.WWN_IN_USE,
                        )
            autostart = draft.autostart
            if autostart is None:
                autostart = previous.autostart if previous is not None else False
            saved = Definition(draft.name, wwnn, wwpn, draft.parent, autostart, draft.luns)
            self._save(dir_fd, saved)
            return saved, previous

    def undefine(self, name: str) -> Definition:
        """Remove definition ``name`` (a running vHBA keeps running); return it.
        Raises :class:`DefinitionError` when there is none or its file is not valid."""
        path = self.path_of(name)
        with self.locked(create=False) as dir_fd:
            if dir_fd is None:
                raise self._missing(name)
            loaded = self._load_all(dir_fd)
            self._refuse_broken(name, loaded, "undefine")
            definition = loaded.definitions.get(name)
            if definition is None:
                raise self._missing(name)
            try:
                self.files.unlink(dir_fd, os.path.basename(path))
            except OSError as exc:
                raise DefinitionError(f"cannot remove: {_reason(exc)}", source=path) from None
            self._flush_dir(dir_fd, f"removed definition {name!r}", path)
            return definition

    def set_autostart(self, name: str, autostart: bool) -> Definition:
        """Mark definition ``name`` to be started at boot, or not; return it."""
        with self.locked(create=False) as dir_fd:
            if dir_fd is None:
                raise self._missing(name)
            loaded = self._load_all(dir_fd)
            self._refuse_broken(name, loaded, "change")
            definition = loaded.definitions.get(name)
            if definition is None:
                raise self._missing(name)
            changed = replace(definition, autostart=autostart)
            if changed != definition:
                self._save(dir_fd, changed)
            return changed
