# Copyright: nodedev-xml contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection's one door to the nodedev-xml library on the managed host.

Every import of ``nodedev_xml`` is in this file, so that a move inside the
library costs a few lines here and nowhere else.  The modules get plain data
(dicts, lists, strings, numbers) and one exception, :class:`LibraryError`,
which carries the library's one-line message, the name of its error class and,
where the library gives one, its reason code.

``HAS_NODEDEV_XML`` is False (and ``IMPORT_ERROR`` the traceback) when the
library is not importable on the managed host's Python; the modules then fail
with ``missing_required_lib``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import traceback
from types import TracebackType
from typing import Any

try:
    import nodedev_xml as nx
    from nodedev_xml.connection.inventory import read_inventory
    from nodedev_xml.connection.pools import (
        autostart_pool,
        define_pool,
        start_pool,
        stop_pool,
        undefine_pool,
        vhba_pools,
    )
    from nodedev_xml.connection.session import open_connection
    from nodedev_xml.connection.vhbas import find_vhba, unknown_facts
    from nodedev_xml.model import Parent
    from nodedev_xml.model.definition import Definition, DefinitionDraft, check_name
    from nodedev_xml.vhba.luns import parse_expected, wait_for_luns
    from nodedev_xml.vhba.parent import find_parent, names_in_use, port_names
    from nodedev_xml.vhba.persistent import start_definition, stop_definition
    from nodedev_xml.vhba.state import definition_state, find_running
    from nodedev_xml.vhba.store import DefinitionStore
    from nodedev_xml.vocabulary import check_backend, default_root
except ImportError:
    HAS_NODEDEV_XML = False
    IMPORT_ERROR: str | None = traceback.format_exc()
else:
    HAS_NODEDEV_XML = True
    IMPORT_ERROR = None

#: Plain data, as a module returns it.
Data = dict[str, Any]

#: The backends the modules offer (their ``choices``, as the documentation must
#: spell them out); a unit test checks them against the library's.
BACKENDS = ("sysfs", "udev")


class LibraryError(Exception):
    """A refusal of the library: ``message`` its one line, ``error`` the library's
    error class (``VHBAError``, ``DefinitionError``, ``WWNError``, ...) and
    ``reason`` its reason code when it gives one (else ``None``)."""

    def __init__(self, message: str, error: str | None = None, reason: str | None = None):
        super().__init__(message)
        self.message = message
        self.error = error
        self.reason = reason
        #: What a task had done when it was refused (a module sets it), for ``fail_json``.
        self.result: Data = {}

    def details(self) -> dict[str, str]:
        """The keys a module adds to ``fail_json``: ``error`` and, when known, ``reason``."""
        out: dict[str, str] = {}
        if self.error is not None:
            out["error"] = self.error
        if self.reason is not None:
            out["reason"] = self.reason
        return out


def _reason_of(exc: BaseException) -> str | None:
    reason = getattr(exc, "reason", None)
    if reason is None:
        return None
    return str(getattr(reason, "value", reason))


def _library_error(exc: BaseException) -> LibraryError:
    return LibraryError(str(exc), type(exc).__name__, _reason_of(exc))


class _Translate:
    """``with _Translate():`` turns every error the library raises on purpose into
    a :class:`LibraryError`; anything else (a bug) goes on as it is."""

    def __enter__(self) -> _Translate:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc is not None and isinstance(exc, nx.NodedevXmlError):
            raise _library_error(exc) from None


# -- plain data ----------------------------------------------------------------


def _plain(value: Any) -> Any:
    """A model value as JSON data: WWNs and addresses as text, dataclasses as dicts
    without their unknown (``None``) fields, tuples as lists."""
    if isinstance(value, (nx.WWN, nx.PCIAddress)):
        return str(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out: Data = {}
        for f in dataclasses.fields(value):
            item = getattr(value, f.name)
            if item is None or item == ():
                continue
            out[f.name] = _plain(item)
        return out
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def parent_dict(parent: Any) -> Data | None:
    """A library ``Parent`` (or ``None``) as ``{"name": ...}``, ``{"wwnn": ..., "wwpn": ...}``
    or ``{"fabric_wwn": ...}`` (or ``None``)."""
    if parent is None:
        return None
    plain: Data = _plain(parent)
    return plain


def _parent_of(data: Data | None) -> Any:
    if not data:
        return None
    wwn = {k: nx.WWN.parse(v) for k, v in data.items() if k != "name"}
    return Parent(name=data.get("name"), **wwn)


def parse_wwn(text: str, option: str) -> str:
    """``text`` as a WWN in 16 lower-case hex digits; a :class:`LibraryError` naming
    ``option`` when it is not one (every spelling ``WWN.parse`` takes is accepted)."""
    try:
        return str(nx.WWN.parse(str(text)))
    except nx.WWNError as exc:
        raise LibraryError(f"{option}: {exc}", type(exc).__name__, _reason_of(exc)) from None


def valid_name(name: str) -> str:
    """``name`` when it can name a definition; else a :class:`LibraryError`."""
    with _Translate():
        checked: str = check_name(name)
    return checked


# -- the host --------------------------------------------------------------------


class Host:
    """One managed host as the library sees it: a root (``None``: the live host),
    a backend and a state directory (``None``: the library's default)."""

    def __init__(
        self, root: str | None = None, backend: str = "sysfs", state_dir: str | None = None
    ) -> None:
        self.root = root
        try:
            self.backend = check_backend(backend)
        except ValueError as exc:
            raise LibraryError(f"backend: {exc}") from None
        with _Translate():
            self.store = DefinitionStore(state_dir)

    @property
    def state_dir(self) -> str:
        path: str = self.store.state_dir
        return path

    def scan(self) -> Any:
        with _Translate():
            return nx.scan(self.root, backend=self.backend)

    # -- facts --

    def facts(self) -> Data:
        """What ``npiv_info`` returns: ``hbas``, ``vhbas``, ``definitions`` and the
        ``warnings`` of the scan and of the state directory."""
        inv = self.scan()
        hbas: list[Data] = []
        vhbas: list[Data] = []
        for dev in inv.values():
            cap = dev.scsi_host
            if cap is None or cap.fc_host is None:
                continue
            if cap.is_vhba:
                vhbas.append(self._vhba_facts(inv, dev))
            else:
                hbas.append(self._hba_facts(inv, dev))
        with _Translate():
            loaded = self.store.load()
            definitions = [
                self._definition_facts(d, definition_state(d, inv))
                for d in loaded.definitions.values()
            ]
        warnings = [str(w) for w in inv.warnings] + list(loaded.problems)
        return {"hbas": hbas, "vhbas": vhbas, "definitions": definitions, "warnings": warnings}

    @staticmethod
    def _hba_facts(inv: Any, dev: Any) -> Data:
        cap = dev.scsi_host
        out: Data = {"name": dev.name, "host": cap.host}
        if dev.parent_name:
            out["parent"] = dev.parent_name
        out.update(_plain(cap.fc_host))
        out["vport_capable"] = cap.is_vport_capable
        if cap.vport_ops is not None:
            out["max_vports"] = cap.vport_ops.max_vports
            out["vports_in_use"] = cap.vport_ops.vports
        if cap.vports is not None:
            out["vports"] = [_plain(v) for v in cap.vports.vports]
        if cap.adapter is not None:
            out["adapter"] = _plain(cap.adapter)
        out["vhbas"] = [
            d.name for d in inv.values() if d.scsi_host is not None
            and d.scsi_host.phys_hba is not None and d.scsi_host.phys_hba.name == dev.name
        ]
        return out

    @staticmethod
    def _vhba_facts(inv: Any, dev: Any) -> Data:
        cap = dev.scsi_host
        out: Data = {"name": dev.name, "host": cap.host, "parent": cap.phys_hba.name}
        out.update(_plain(cap.fc_host))
        parent = inv.get(cap.phys_hba.name)
        vports = parent.scsi_host.vports if parent is not None and parent.scsi_host else None
        for vport in vports.vports if vports is not None else ():
            if vport.name == dev.name and vport.state is not None:
                out["vport_state"] = vport.state
        out["luns"] = _luns(inv, dev.name)
        return out

    @staticmethod
    def _definition_facts(definition: Any, state: Any) -> Data:
        out: Data = {
            "name": definition.name,
            "autostart": definition.autostart,
            "wwnn": str(definition.wwnn),
            "wwpn": str(definition.wwpn),
            "state": state.state,
        }
        if definition.parent is not None:
            out["parent"] = parent_dict(definition.parent)
        if state.device is not None:
            out["device"] = state.device
        if state.parent is not None:
            out["parent_device"] = state.parent
        return out

    # -- one definition --

    def definition(self, name: str) -> Data | None:
        """Definition ``name`` as ``{"name", "parent", "wwnn", "wwpn", "autostart"}``, or
        ``None`` when there is none; a file that is not a valid definition is a
        :class:`LibraryError`."""
        with _Translate():
            path = self.store.path_of(name)
            loaded = self.store.load()
            if name in loaded.broken:
                raise LibraryError(
                    f"{path}: not a valid vHBA definition, left as it is: {loaded.broken[name]}",
                    "DefinitionError",
                )
            found = loaded.definitions.get(name)
        if found is None:
            return None
        return {
            "name": found.name,
            "parent": parent_dict(found.parent),
            "wwnn": str(found.wwnn),
            "wwpn": str(found.wwpn),
            "autostart": found.autostart,
        }

    def path_of(self, name: str) -> str:
        with _Translate():
            path: str = self.store.path_of(name)
        return path

    def state(self, name: str) -> Data:
        """Where definition ``name`` stands: ``{"state": "running"|"stopped"|"parent
        missing", "device": ..., "parent_device": ...}`` (``None`` values left out)."""
        with _Translate():
            definition = self.store.get(name)
            found = definition_state(definition, self.scan())
        out: Data = {"state": found.state}
        if found.device is not None:
            out["device"] = found.device
        if found.parent is not None:
            out["parent_device"] = found.parent
        return out

    def running(self, name: str, wwnn: str, wwpn: str) -> str | None:
        """The vHBA that runs with the names ``wwnn``/``wwpn`` (a definition ``name``
        would have), or ``None``."""
        with _Translate():
            definition = Definition(name, nx.WWN.parse(wwnn), nx.WWN.parse(wwpn))
            found = find_running(definition, self.scan())
        return str(found.name) if found is not None else None

    def define(
        self,
        name: str,
        parent: Data | None,
        wwnn: str | None,
        wwpn: str | None,
        autostart: bool | None,
    ) -> Data | None:
        """Save definition ``name`` (WWNs generated when ``None``); return it as
        :meth:`definition` does."""
        with _Translate():
            draft = DefinitionDraft(
                name=name,
                parent=_parent_of(parent),
                wwnn=nx.WWN.parse(wwnn) if wwnn else None,
                wwpn=nx.WWN.parse(wwpn) if wwpn else None,
                autostart=autostart,
            )
            inv = self.scan()
            self.store.define(draft, avoid=names_in_use(inv), reserved=port_names(inv))
        return self.definition(name)

    def undefine(self, name: str) -> None:
        with _Translate():
            self.store.undefine(name)

    def check_start(self, parent: Data | None) -> None:
        """Raise the :class:`LibraryError` a start would meet choosing the parent
        ``parent`` (plain data, as :meth:`definition` gives it); write nothing."""
        with _Translate():
            find_parent(self.scan(), _parent_of(parent))

    def start(self, name: str, timeout: float) -> str:
        """Start definition ``name`` (nothing when it runs); return its vHBA's name."""
        with _Translate():
            result = start_definition(
                self.store, name, root=self.root, timeout=timeout, backend=self.backend
            )
        return str(result.device)

    def stop(self, name: str) -> str | None:
        """Stop definition ``name``; return the deleted vHBA's name (``None``: not running)."""
        with _Translate():
            stopped = stop_definition(self.store, name, root=self.root, backend=self.backend)
        return str(stopped) if stopped is not None else None

    # -- LUNs --

    def luns(self, device: str) -> list[Data]:
        """The LUNs the vHBA ``device`` sees, as ``npiv_info`` lists them."""
        inv = self.scan()
        return _luns(inv, device) if device in inv else []

    def wait_luns(
        self, name: str, count: int | None = None, wwids: list[str] | None = None,
        timeout: float = 30.0,
    ) -> list[Data]:
        """Rescan the vHBA of definition ``name`` and wait, at most ``timeout`` seconds,
        until it sees ``count`` LUNs or every WWID of ``wwids``; return its LUNs.  A
        :class:`LibraryError` with the library's words for what is missing when the
        time is up (the vHBA stays)."""
        expected = _expected(count, wwids)
        with _Translate():
            running = find_running(self.store.get(name), self.scan())
            if running is None:
                raise LibraryError(f"{name} is not running: no LUNs to wait for")
            root = self.root if self.root is not None else default_root()
            waited = wait_for_luns(running.name, expected, root=root, timeout=timeout,
                                   backend=self.backend)  # fmt: skip
        if not waited.met:
            raise LibraryError(f"{waited.describe(expected)} within {timeout:g} s")
        return self.luns(running.name)




def _expected(count: int | None, wwids: list[str] | None) -> int | frozenset[str]:
    """What the library waits for: ``count`` LUNs, or these WWIDs (each read as the
    library reads one); a :class:`LibraryError` for a WWID it does not take."""
    if wwids is None:
        return count or 1
    keys: set[str] = set()
    for wwid in wwids:
        try:
            parsed = parse_expected(wwid)
        except ValueError as exc:
            raise LibraryError(f"wait_luns: {exc}") from None
        if isinstance(parsed, int):
            raise LibraryError(f"wait_luns: {wwid!r} is a number, not a WWID")
        keys |= parsed
    return frozenset(keys)


def _luns(inv: Any, device: str) -> list[Data]:
    """The LUNs the host ``device`` sees: name, ``hctl`` and the library's fields (those
    it knows: type, inquiry data, disk, WWID, multipath map, remote WWPN, ...)."""
    out: list[Data] = []
    for dev in inv.luns(device):
        scsi = dev.scsi
        lun: Data = {"name": dev.name, "hctl": f"{scsi.host}:{scsi.bus}:{scsi.target}:{scsi.lun}"}
        lun.update(_plain(scsi))
        out.append(lun)
    return out


class LibvirtHost:
    """One host reached through a libvirt connection (``connect``): its definitions
    are libvirt's vHBA pools (``scsi`` pools with an ``fc_host`` adapter), which
    libvirt defines, starts, stops, autostarts and undefines, writing the vport
    files itself.  The same methods as :class:`Host`."""

    def __init__(self, uri: str | None = None, *, conn: Any = None) -> None:
        with _Translate():
            self.conn = conn if conn is not None else open_connection(uri or "")
            self.uri = str(self.conn.getURI())

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.conn.close()

    def _pool(self, name: str) -> Any:
        with _Translate():
            return next((p for p in vhba_pools(self.conn) if p.name == name), None)

    def definition(self, name: str) -> Data | None:
        pool = self._pool(valid_name(name))
        if pool is None:
            return None
        return {
            "name": pool.name,
            "parent": parent_dict(pool.parent),
            "wwnn": str(pool.wwnn),
            "wwpn": str(pool.wwpn),
            "autostart": pool.autostart,
        }

    def path_of(self, name: str) -> str:
        return f"{self.uri} storage pool {name}"

    def state(self, name: str) -> Data:
        pool = self._pool(name)
        if pool is None:
            return {"state": "absent"}
        out: Data = {"state": "running" if pool.active else "stopped"}
        if pool.device is not None:
            out["device"] = pool.device
        return out

    def running(self, name: str, wwnn: str, wwpn: str) -> str | None:
        with _Translate():
            found = find_vhba(read_inventory(self.conn), nx.WWN.parse(wwpn))
        return str(found.name) if found is not None else None

    def check_start(self, parent: Data | None) -> None:
        with _Translate():
            inv = read_inventory(self.conn)
            find_parent(inv, _parent_of(parent), unknown=unknown_facts(self.conn))

    def define(
        self,
        name: str,
        parent: Data | None,
        wwnn: str | None,
        wwpn: str | None,
        autostart: bool | None,
    ) -> Data | None:
        before = self.definition(name)
        with _Translate():
            if before is not None and (before["parent"], before["wwnn"], before["wwpn"]) == (
                parent, wwnn, wwpn
            ):
                autostart_pool(self.conn, name, bool(autostart))
            else:
                if before is not None:
                    undefine_pool(self.conn, name)
                draft = DefinitionDraft(
                    name=name,
                    parent=_parent_of(parent),
                    wwnn=nx.WWN.parse(wwnn) if wwnn else None,
                    wwpn=nx.WWN.parse(wwpn) if wwpn else None,
                    autostart=autostart,
                )
                define_pool(self.conn, draft)
        return self.definition(name)

    def undefine(self, name: str) -> None:
        with _Translate():
            undefine_pool(self.conn, name)

    def start(self, name: str, timeout: float) -> str | None:
        with _Translate():
            started = start_pool(self.conn, name, timeout=timeout)
        return str(started.device) if started.device is not None else None

    def stop(self, name: str) -> str | None:
        with _Translate():
            stopped = stop_pool(self.conn, name)
        return str(stopped.device) if stopped.device is not None else None

    def wait_luns(
        self, name: str, count: int | None = None, wwids: list[str] | None = None,
        timeout: float = 30.0,
    ) -> list[Data]:
        """Not through a connection: the LUN identities are read from the host's sysfs."""
        raise LibraryError("wait_luns: not through a libvirt connection; leave connect out")


#: Either way of reaching a host.
AnyHost = Host | LibvirtHost
