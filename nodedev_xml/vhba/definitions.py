"""Persistent vHBA definitions: named create requests kept in a state directory.

The kernel forgets every vport at reboot, and libvirt keeps vHBAs only inside
storage pools.  A *definition* keeps one vHBA across reboots: the parent HBA
(by node-device name, by its WWNN and WWPN -- stable across reboots, the
recommended way -- or by its fabric WWN; none lets the creator pick), the
vHBA's own WWNN and WWPN (generated once, when it is defined), and an
autostart flag for ``nodedev-xml vhba start --autostart`` at boot::

    <vhba name='web1' autostart='yes'>
      <parent wwnn='2000001b32a9da4e' wwpn='2100001b32a9da4e'/>
      <wwnn>5001a4a3c2e9b010</wwnn>
      <wwpn>5001a4a3c2e9b011</wwpn>
    </vhba>

Layout: ``STATE_DIR/vhba/NAME.xml`` (grammar ``schemas/vhba-definition.rng``
and its XSD twin), files ``0600`` in a ``0700`` directory, and
``STATE_DIR/definitions.lock`` taken by every change so that two nodedev-xml
processes never interleave.  A save is atomic: a temporary file in the same
directory, written, flushed, renamed over the old one, then the directory
flushed; each step goes through a :class:`DefinitionFiles`, so that a test can
make any step fail for real.  A file of the directory that is not a valid
definition is reported (file and line) and skipped; nothing here ever
overwrites, moves or removes it.  The README describes the commands.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import functools
import os
import re
import secrets
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Final, Literal

from ..errors import DefinitionError, NodedevXmlError
from ..model import Device, Parent
from ..model.request import CreateRequest
from ..vocabulary import DEFAULT_PROFILE, Backend, default_state_dir, schema_file
from ..wwn import WWN

if TYPE_CHECKING:
    from lxml import etree

    from ..model import Inventory
    from ..sysfs.writer import Writer

__all__ = [
    "AutostartOutcome",
    "Definition",
    "DefinitionDraft",
    "DefinitionFiles",
    "DefinitionState",
    "DefinitionStore",
    "LoadedDefinitions",
    "StartResult",
    "check_name",
    "definition_state",
    "definition_xml",
    "find_parent_device",
    "find_running",
    "parse_definition",
    "read_draft",
    "scan_host",
    "start_autostart",
    "start_definition",
    "stop_definition",
]

#: The sub-directory of the state directory that holds one ``NAME.xml`` per definition.
DEFINITIONS_DIR: Final = "vhba"
LOCK_FILE: Final = "definitions.lock"

_NAME: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
_NAME_RULE: Final = "a letter or digit, then up to 63 letters, digits, '_', '.' or '-'"
_SUFFIX: Final = ".xml"
_TEMP_MARK: Final = ".tmp-"
_MAX_FILE: Final = 64 * 1024  # a definition is a few hundred bytes


def check_name(name: str) -> str:
    """``name`` when it is a safe definition name (it becomes a file name, so it
    can never hold a ``/`` or start with a dot); else :class:`DefinitionError`."""
    if not _NAME.fullmatch(name):
        raise DefinitionError(f"invalid definition name {name!r}: expected {_NAME_RULE}")
    return name


# -- the document --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Definition:
    """A saved vHBA definition: always with its own WWNN and WWPN."""

    name: str
    wwnn: WWN
    wwpn: WWN
    parent: Parent | None = None
    autostart: bool = False

    def request(self) -> CreateRequest:
        """The create request that starts this vHBA."""
        return CreateRequest(parent=self.parent, wwnn=self.wwnn, wwpn=self.wwpn)

    @property
    def wwns(self) -> frozenset[WWN]:
        return frozenset((self.wwnn, self.wwpn))


@dataclass(frozen=True, slots=True)
class DefinitionDraft:
    """A definition as given to ``vhba define``: the WWNs may be missing (they are
    generated once), ``autostart`` ``None`` keeps the saved flag (a new one: no)."""

    name: str
    parent: Parent | None = None
    wwnn: WWN | None = None
    wwpn: WWN | None = None
    autostart: bool | None = None

    def __post_init__(self) -> None:
        check_name(self.name)
        if (self.wwnn is None) != (self.wwpn is None):
            raise DefinitionError(
                "a definition gives the vHBA's WWNN and WWPN together, or neither"
            )


@functools.cache
def _grammar() -> etree.RelaxNG:
    from lxml import etree

    from ..validation import schema_path

    return etree.RelaxNG(file=str(schema_path(schema_file(DEFAULT_PROFILE, "rng", "definition"))))


def _check_grammar(root: etree._Element, source: str) -> None:
    grammar = _grammar()
    if grammar.validate(root):
        return
    entry = next(iter(grammar.error_log), None)
    line = entry.line if entry is not None and entry.line else root.sourceline
    message = entry.message if entry is not None else "not a valid definition"
    raise DefinitionError(
        f"not a vHBA definition: {message} (grammar vhba-definition.rng)", source=source, line=line
    )


def parse_definition(data: str | bytes, *, source: str = "<string>") -> DefinitionDraft:
    """Read a ``<vhba>`` definition document (hardened parser, then the grammar).

    Raises :class:`~nodedev_xml.errors.XMLInputError` for input that is not safe,
    well-formed XML and :class:`DefinitionError` (file and line) for a document the
    grammar refuses."""
    from ..xml.safe import parse_xml

    return _draft_of(parse_xml(data, source=source), source)


def read_draft(
    data: str | bytes, *, source: str = "<string>", name: str | None = None
) -> DefinitionDraft:
    """What ``vhba define`` takes: a ``<vhba>`` definition, or the create document
    ``virsh nodedev-create`` takes (``<device>``) together with a ``name`` for it.

    Raises :class:`DefinitionError` for a create document without ``name``, a
    definition whose name is not ``name``, or a document of neither kind, and
    :class:`~nodedev_xml.errors.XMLInputError` for a create document libvirt
    would refuse or input that is not safe XML."""
    from ..xml.safe import parse_xml

    root = parse_xml(data, source=source)
    if root.tag == "device":
        if name is None:
            raise DefinitionError(
                "a create document (<device>) names no definition: give it one with --name NAME",
                source=source,
                line=root.sourceline,
            )
        from ..xml.create import create_request_from_element

        req = create_request_from_element(root)
        return DefinitionDraft(check_name(name), req.parent, req.wwnn, req.wwpn)
    draft = _draft_of(root, source)
    if name is not None and name != draft.name:
        raise DefinitionError(
            f"the definition is named {draft.name!r}, not {name!r}", source=source, line=1
        )
    return draft


def _draft_of(root: etree._Element, source: str) -> DefinitionDraft:
    _check_grammar(root, source)
    parent_el = root.find("parent")
    parent = None
    if parent_el is not None:
        attrs = parent_el.attrib
        if "wwnn" in attrs:
            parent = Parent(
                wwnn=WWN.parse_strict(attrs["wwnn"]), wwpn=WWN.parse_strict(attrs["wwpn"])
            )
        elif "fabric_wwn" in attrs:
            parent = Parent(fabric_wwn=WWN.parse_strict(attrs["fabric_wwn"]))
        else:
            parent = Parent(name=parent_el.text)
    wwnn_el, wwpn_el = root.find("wwnn"), root.find("wwpn")
    autostart = root.get("autostart")
    return DefinitionDraft(
        name=root.get("name", ""),
        parent=parent,
        wwnn=WWN.parse_strict(wwnn_el.text or "") if wwnn_el is not None else None,
        wwpn=WWN.parse_strict(wwpn_el.text or "") if wwpn_el is not None else None,
        autostart=None if autostart is None else autostart.strip() == "yes",
    )


def definition_xml(definition: Definition) -> str:
    """The ``<vhba>`` document of ``definition`` as it is saved (WWNs in 16 hex digits)."""
    from lxml import etree

    root = etree.Element("vhba", name=definition.name)
    root.set("autostart", "yes" if definition.autostart else "no")
    parent = definition.parent
    if parent is not None:
        el = etree.SubElement(root, "parent")
        if parent.wwnn is not None and parent.wwpn is not None:
            el.set("wwnn", str(parent.wwnn))
            el.set("wwpn", str(parent.wwpn))
        elif parent.fabric_wwn is not None:
            el.set("fabric_wwn", str(parent.fabric_wwn))
        else:
            el.text = parent.name
    etree.SubElement(root, "wwnn").text = str(definition.wwnn)
    etree.SubElement(root, "wwpn").text = str(definition.wwpn)
    text: str = etree.tostring(root, encoding="unicode", pretty_print=True)
    return text


# -- the files -----------------------------------------------------------------

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
            import stat

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
            if stem is None or not _NAME.fullmatch(stem):
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
                    make = generate or _generate_wwns
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


def _generate_wwns(taken: Collection[WWN]) -> tuple[WWN, WWN]:
    from . import generate_wwns

    pair: tuple[WWN, WWN] = generate_wwns(taken)
    return pair


# -- state on a host ------------------------------------------------------------

StateName = Literal["running", "stopped", "parent missing"]


@dataclass(frozen=True, slots=True)
class DefinitionState:
    """Where a definition stands on a scanned host: ``running`` as ``device``,
    ``stopped`` (its parent, when named, is there), or ``parent missing``."""

    definition: Definition
    state: StateName
    device: str | None = None
    parent: str | None = None

    def describe(self) -> str:
        if self.state == "running":
            return f"running as {self.device}"
        return self.state


def _fc(dev: Device) -> tuple[bool, WWN, WWN, WWN | None] | None:
    cap = dev.scsi_host
    if cap is None or cap.fc_host is None:
        return None
    fc = cap.fc_host
    return cap.is_vport_capable, fc.wwnn, fc.wwpn, fc.fabric_wwn


def find_running(definition: Definition, inventory: Inventory) -> Device | None:
    """The vHBA of the host with the definition's WWPN, if there is one."""
    for dev in inventory.values():
        cap = dev.scsi_host
        fc = cap.fc_host if cap is not None and not cap.is_vport_capable else None
        if fc is not None and fc.wwpn == definition.wwpn:
            return dev
    return None


def find_parent_device(parent: Parent | None, inventory: Inventory) -> Device | None:
    """The vport-capable HBA that ``parent`` names on the host (any one for ``None``).

    Only says whether it is there; the lifecycle's parent choice decides
    whether it can take a vport (Online, room left)."""
    for dev in inventory.values():
        fc = _fc(dev)
        if fc is None or not fc[0]:
            continue
        _, wwnn, wwpn, fabric = fc
        if (
            parent is None
            or (parent.name is not None and dev.name == parent.name)
            or (parent.wwnn is not None and (parent.wwnn, parent.wwpn) == (wwnn, wwpn))
            or (parent.fabric_wwn is not None and parent.fabric_wwn == fabric)
        ):
            return dev
    return None


def definition_state(definition: Definition, inventory: Inventory) -> DefinitionState:
    """Where ``definition`` stands on the host ``inventory`` was scanned from."""
    running = find_running(definition, inventory)
    if running is not None:
        return DefinitionState(
            definition, "running", device=running.name, parent=running.parent_name
        )
    parent = find_parent_device(definition.parent, inventory)
    if parent is None:
        return DefinitionState(definition, "parent missing")
    return DefinitionState(definition, "stopped", parent=parent.name)


# -- start and stop -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StartResult:
    """A started (or already running) definition: its vHBA ``device`` (``scsi_hostN``)."""

    name: str
    device: str
    already_running: bool
    vport_state: str | None = None

    def describe(self) -> str:
        if self.already_running:
            return f"{self.name} is already running as {self.device}; nothing done"
        state = f" (vport {self.vport_state})" if self.vport_state else ""
        return f"{self.name} started as {self.device}{state}"


def scan_host(root: str | None) -> Inventory:
    """The inventory of ``root`` (``NODEDEV_XML_ROOT`` or ``/`` when ``None``)."""
    from ..sysfs.scan import scan

    return scan(root or None)


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
    WWPN exists: then nothing is written); ``backend`` is the lifecycle's (``udev``
    waits on uevents).  Raises :class:`DefinitionError` for a
    missing or broken definition and the lifecycle's ``VHBAError`` when the
    create fails (the lifecycle then has removed any vport it made)."""
    definition = store.get(name)
    running = find_running(definition, scan_host(root))
    if running is not None:
        return StartResult(name, running.name, already_running=True)
    from . import create_vhba

    others = store.load().definitions.values()
    created = create_vhba(
        definition.request(),
        root=root,
        timeout=timeout,
        writer=writer,
        avoid=frozenset(w for d in others for w in d.wwns),
        lock_dir=lock_dir,
        backend=backend,
    )
    return StartResult(name, created.name, already_running=False, vport_state=created.vport_state)


def stop_definition(
    store: DefinitionStore,
    name: str,
    *,
    root: str | None = None,
    writer: Writer | None = None,
    backend: Backend = "sysfs",
) -> str | None:
    """Delete the vport of definition ``name`` (``backend`` as for
    :func:`start_definition`); return the vHBA's name, or ``None``
    when it was not running (nothing written).  Raises :class:`DefinitionError`
    and the lifecycle's ``VHBAError``."""
    definition = store.get(name)
    running = find_running(definition, scan_host(root))
    if running is None:
        return None
    from . import delete_vhba

    delete_vhba(wwpn=definition.wwpn, root=root, writer=writer, backend=backend)
    return running.name


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
    import time

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
            report(
                f"{len(pending)} definition(s) not started yet ({', '.join(pending)});"
                f" trying again in {wait:g} s"
            )
        pause(wait)
    return AutostartOutcome(tuple(started), tuple((n, errors[n]) for n in pending))
