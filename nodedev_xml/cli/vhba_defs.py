"""``vhba`` sub-commands for persistent definitions and libvirt pools.

``define``, ``undefine``, ``start`` (one, or every autostart definition),
``stop``, ``autostart``, ``list-defined``, ``migrate-pool`` and
``export-pool``; :func:`register` adds them to the ``vhba`` command.
The state directory is the global ``--state-dir`` (default
``$NODEDEV_XML_STATE_DIR`` or ``/var/lib/nodedev-xml``).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

from ..errors import NodedevXmlError
from .common import EXIT_NO, EXIT_OK, PROG, UsageError, fail, load, warn, wwn_option
from .luns import add_wait_option, wait_luns, wwids_from

if TYPE_CHECKING:
    from ..model import Inventory, Parent
    from ..vhba.store import DefinitionStore
    from ..wwn import WWN


def register(sub: Any) -> None:
    """Add the definition and pool commands to the ``vhba`` command's sub-parsers
    (called by ``cli/vhba.py``)."""
    p = sub.add_parser(
        "define",
        help="save a vHBA definition (its WWNs are generated once when the file has none)",
    )
    p.add_argument(
        "file",
        metavar="FILE",
        help="a <vhba name=...> definition, or with --name the document "
        "'virsh nodedev-create' takes; - for stdin",
    )
    p.add_argument("--name", metavar="NAME", help="the definition's name (for a <device> FILE)")
    p.add_argument(
        "--adopt",
        action="store_true",
        help="the WWNs are those of a vHBA running on this host: make it this definition's"
        " (then 'vhba stop' deletes it)",
    )
    p.set_defaults(handler=cmd_define)

    p = sub.add_parser("undefine", help="remove a definition (a running vHBA keeps running)")
    p.add_argument("name", metavar="NAME")
    p.set_defaults(handler=cmd_undefine)

    p = sub.add_parser("start", help="create the vHBA of a definition, or of every autostart one")
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("name", metavar="NAME", nargs="?", default=None)
    which.add_argument(
        "--autostart", action="store_true", help="start every definition marked autostart (at boot)"
    )
    p.add_argument(
        "--timeout",
        type=_seconds,
        default=30.0,
        metavar="S",
        help="how long to wait for each new vHBA (default 30)",
    )
    p.add_argument(
        "--retry-for",
        type=_seconds,
        default=0.0,
        metavar="S",
        help="with --autostart: keep retrying the ones that failed for S seconds, "
        "as ports log in to the fabric late at boot (default 0)",
    )
    p.add_argument(
        "--retry-interval",
        type=_seconds,
        default=5.0,
        metavar="S",
        help="seconds between retries (default 5)",
    )
    add_wait_option(p)
    p.set_defaults(handler=cmd_start)

    p = sub.add_parser("stop", help="delete the vport of a definition (the definition stays)")
    p.add_argument("name", metavar="NAME")
    p.set_defaults(handler=cmd_stop)

    p = sub.add_parser("autostart", help="mark a definition to be started at boot")
    p.add_argument("name", metavar="NAME")
    p.add_argument("--disable", action="store_true", help="do not start it at boot")
    p.set_defaults(handler=cmd_autostart)

    p = sub.add_parser("list-defined", help="the definitions and their state on this host")
    p.add_argument("--json", action="store_true", help="JSON: one object per definition")
    p.set_defaults(handler=cmd_list_defined)

    p = sub.add_parser(
        "migrate-pool",
        help="the destination host's pool for migrating a guest's vHBA pool",
    )
    p.add_argument(
        "file", metavar="POOL.xml", help="the source pool (virsh pool-dumpxml); - for stdin"
    )
    _parent_options(p, required=True)
    p.add_argument("--wwnn", metavar="W", help="the destination vHBA's WWNN (default: generated)")
    p.add_argument("--wwpn", metavar="W", help="the destination vHBA's WWPN (default: generated)")
    p.add_argument("--luns", metavar="FROM", help="carry the WWIDs of the LUNs the guest relies "
                   "on (a host such as scsi_host9, or a file of vhba luns --json), for "
                   "vhba compare-luns on the destination")  # fmt: skip
    p.set_defaults(handler=cmd_migrate_pool)

    p = sub.add_parser("export-pool", help="a libvirt scsi pool that creates a definition's vHBA")
    p.add_argument("name", metavar="NAME")
    p.add_argument("--uuid", metavar="UUID", help="the pool's UUID (default: a new one)")
    p.add_argument("--luns", metavar="FROM", help="carry the WWIDs of the LUNs the guest relies "
                   "on (a host such as scsi_host9, or a file of vhba luns --json), for "
                   "vhba compare-luns on the destination")  # fmt: skip
    p.set_defaults(handler=cmd_export_pool)


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not 0 <= value <= 86400:
        raise argparse.ArgumentTypeError(f"{text!r}: expected 0 to 86400 seconds")
    return value


def _parent_options(p: argparse.ArgumentParser, *, required: bool) -> None:
    group = p.add_argument_group("the destination's parent HBA (one way)")
    group.add_argument("--parent", metavar="NAME", help="by node-device name (scsi_host5)")
    group.add_argument("--parent-wwnn", metavar="W", help="by WWNN, with --parent-wwpn")
    group.add_argument("--parent-wwpn", metavar="W", help="by WWPN, with --parent-wwnn")
    group.add_argument("--parent-fabric-wwn", metavar="W", help="any HBA on this fabric")
    p.set_defaults(parent_required=required)


def parent_option(args: argparse.Namespace, *, also: tuple[str, ...] = ()) -> Parent | None:
    """The parent HBA the options name (``--parent``, ``--parent-wwnn`` with
    ``--parent-wwpn``, ``--parent-fabric-wwn``), or ``None``; ``also`` names the
    command's other ways (given ones count against the one way allowed).
    :class:`UsageError` for two ways, half a WWN pair, a malformed WWN, or none
    where ``args.parent_required``."""
    from ..model import Parent

    name = args.parent
    given = (name, args.parent_wwnn or args.parent_wwpn, args.parent_fabric_wwn)
    ways = sum(g is not None for g in given)
    if ways + sum(getattr(args, o.lstrip("-")) is not None for o in also) > 1:
        listed = ["--parent", "--parent-wwnn/--parent-wwpn", "--parent-fabric-wwn", *also]
        raise UsageError(f"give the parent one way: {', '.join(listed[:-1])} or {listed[-1]}")
    if (args.parent_wwnn is None) != (args.parent_wwpn is None):
        raise UsageError("--parent-wwnn and --parent-wwpn go together")
    wwnn = wwn_option("--parent-wwnn", args.parent_wwnn)
    wwpn = wwn_option("--parent-wwpn", args.parent_wwpn)
    fabric = wwn_option("--parent-fabric-wwn", args.parent_fabric_wwn)
    if ways == 0:
        if getattr(args, "parent_required", False):
            raise UsageError(
                "name the destination's parent HBA: --parent NAME, "
                "--parent-wwnn W --parent-wwpn W, or --parent-fabric-wwn W"
            )
        return None
    if name is not None:
        return Parent(name=name)
    if fabric is not None:
        return Parent(fabric_wwn=fabric)
    return Parent(wwnn=wwnn, wwpn=wwpn)


def _store(args: argparse.Namespace) -> DefinitionStore:
    from ..vhba.store import DefinitionStore

    return DefinitionStore(getattr(args, "state_dir", None))


def _broken_lines(loaded: Any) -> set[str]:
    return {f"{message}; skipped, left as it is" for message in loaded.broken.values()}


def warn_orphans(args: argparse.Namespace, inv: Inventory | None = None) -> None:
    """One warning for each vport an interrupted nodedev-xml left on the host, with
    the command that cleans it up (``vhba cleanup``)."""
    from ..vhba.lifecycle import orphans

    if getattr(args, "quiet", False):
        return
    try:
        found = orphans(inv if inv is not None else _quiet_scan(args))
    except NodedevXmlError:
        return  # the command itself will say what is wrong with the root
    for orphan in found:
        warn(orphan.describe(args.root))


def _quiet_scan(args: argparse.Namespace) -> Inventory:
    from ..api import scan

    return scan(args.root, backend=args.backend)


def _report_problems(args: argparse.Namespace, problems: tuple[str, ...]) -> None:
    if not getattr(args, "quiet", False):
        for line in problems:
            warn(line)


# -- handlers --------------------------------------------------------------------


def cmd_define(args: argparse.Namespace) -> int:
    from ..vhba.parent import names_in_use, port_names
    from ..xml.definition import read_draft
    from ..xml.safe import read_xml_source

    data, source = read_xml_source(args.file)
    draft = read_draft(data, source=source, name=args.name)
    inv = load(args)
    store = _store(args)
    used = names_in_use(inv)
    saved, previous = store.define(
        draft, avoid=used, reserved=port_names(inv), in_use=used, adopt=args.adopt
    )
    verb = "updated" if previous is not None else "defined"
    print(
        f"vHBA definition {saved.name} {verb}: wwnn {saved.wwnn}, wwpn {saved.wwpn}"
        f" ({store.path_of(saved.name)})"
    )
    if saved.parent is not None and saved.parent.name is not None:
        warn(
            f"{saved.name}: parent by name ({saved.parent.name}): host numbers change across"
            " reboots; <parent wwnn='...' wwpn='...'/> names the same HBA for good"
        )
    return EXIT_OK


def cmd_undefine(args: argparse.Namespace) -> int:
    from ..vhba.state import definition_state

    store = _store(args)
    removed = store.undefine(args.name)
    print(f"vHBA definition {removed.name} undefined")
    state = definition_state(removed, load(args))
    if state.state == "running":
        print(
            f"its vHBA {state.device} keeps running"
            f" ('{PROG} vhba delete {state.device}' removes it)"
        )
    return EXIT_OK


def cmd_start(args: argparse.Namespace) -> int:
    from ..vhba.persistent import start_autostart, start_definition

    store = _store(args)
    warn_orphans(args)
    if not args.autostart:
        if args.retry_for:
            raise UsageError("--retry-for goes with --autostart")
        result = start_definition(
            store,
            args.name,
            root=args.root,
            timeout=args.timeout,
            lock_dir=None,
            backend=args.backend,
        )
        print(result.describe(), flush=True)
        return wait_luns(args, result.device, store.get(args.name).luns)
    if args.wait_luns is not None:
        raise UsageError("--wait-luns goes with a definition's NAME, not --autostart "
                         "(which waits for the LUNs each definition names)")  # fmt: skip
    loaded = store.load()
    _report_problems(args, tuple(p for p in loaded.problems if p not in _broken_lines(loaded)))
    outcome = start_autostart(
        store,
        root=args.root,
        timeout=args.timeout,
        retry_for=args.retry_for,
        retry_interval=args.retry_interval,
        report=lambda line: print(f"{PROG}: {line}", file=sys.stderr),
        backend=args.backend,
    )
    short = 0
    definitions = store.load().definitions
    for result in outcome.started:
        print(result.describe(), flush=True)
        if result.name in definitions and definitions[result.name].luns:
            short += wait_luns(args, result.device, definitions[result.name].luns) != EXIT_OK
    for name, message in outcome.failed:
        fail(f"{name}: not started: {message}", EXIT_NO)
    for name, message in sorted(loaded.broken.items()):
        # it may be marked autostart: a boot must not call that success
        fail(f"{name}: not started: {message}", EXIT_NO)
    if not outcome.started and not outcome.failed and not loaded.broken:
        print("no definition is marked autostart")
    return EXIT_NO if outcome.failed or loaded.broken or short else EXIT_OK


def cmd_stop(args: argparse.Namespace) -> int:
    from ..vhba.persistent import stop_definition

    warn_orphans(args)
    device = stop_definition(_store(args), args.name, root=args.root, backend=args.backend)
    if device is None:
        print(f"{args.name} is not running; nothing done")
    else:
        print(f"{args.name} stopped: {device} deleted")
    return EXIT_OK


def cmd_autostart(args: argparse.Namespace) -> int:
    changed = _store(args).set_autostart(args.name, not args.disable)
    print(f"{changed.name} {'will' if changed.autostart else 'will not'} be started at boot")
    return EXIT_OK


def _parent_json(parent: Parent | None) -> dict[str, str] | None:
    if parent is None:
        return None
    if parent.name is not None:
        return {"name": parent.name}
    if parent.fabric_wwn is not None:
        return {"fabric_wwn": str(parent.fabric_wwn)}
    return {"wwnn": str(parent.wwnn), "wwpn": str(parent.wwpn)}


def _parent_text(parent: Parent | None) -> str:
    return "(any)" if parent is None else parent.describe()


def cmd_list_defined(args: argparse.Namespace) -> int:
    from ..vhba.state import definition_state

    store = _store(args)
    loaded = store.load()
    if not loaded.exists:
        warn(f"{store.state_dir}: no such directory: no vHBA definitions (check --state-dir)")
    _report_problems(args, loaded.problems)
    inv = load(args)
    warn_orphans(args, inv)
    states = [definition_state(d, inv) for d in loaded.definitions.values()]
    if args.json:
        data = [
            {
                "name": s.definition.name,
                "autostart": s.definition.autostart,
                "state": s.state,
                "device": s.device,
                "parent": _parent_json(s.definition.parent),
                "wwnn": str(s.definition.wwnn),
                "wwpn": str(s.definition.wwpn),
            }
            for s in states
        ]
        json.dump(data, sys.stdout, indent=2)
        print()
        return EXIT_OK
    rows = [("NAME", "AUTOSTART", "STATE", "PARENT", "WWNN", "WWPN")]
    rows += [
        (
            s.definition.name,
            "yes" if s.definition.autostart else "no",
            s.describe(),
            _parent_text(s.definition.parent),
            str(s.definition.wwnn),
            str(s.definition.wwpn),
        )
        for s in states
    ]
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
    return EXIT_OK


def cmd_migrate_pool(args: argparse.Namespace) -> int:
    from ..vhba.parent import names_in_use
    from ..vhba.pools import check_destination, migrate_pool
    from ..xml.pool import read_fc_pool
    from ..xml.safe import read_xml_source

    parent = parent_option(args)
    if (args.wwnn is None) != (args.wwpn is None):
        raise UsageError("--wwnn and --wwpn go together")
    wwnn, wwpn = wwn_option("--wwnn", args.wwnn), wwn_option("--wwpn", args.wwpn)
    data, source = read_xml_source(args.file)
    read_fc_pool(data, source=source)  # the pool's own problems come first
    inv = load(args)
    check_destination(inv, parent, wwnn, wwpn)
    avoid: set[WWN] = set()
    if wwnn is None:
        # names to keep clear of when generating: this host's ports and vports, its definitions
        avoid |= set(names_in_use(inv))
        avoid |= {w for d in _store(args).load().definitions.values() for w in d.wwns}
    wwids = wwids_from(args, args.luns) if args.luns is not None else ()
    out = migrate_pool(data, parent=parent, wwnn=wwnn, wwpn=wwpn, avoid=avoid, source=source,
                       wwids=wwids)  # fmt: skip
    sys.stdout.write(out)
    return EXIT_OK


def cmd_export_pool(args: argparse.Namespace) -> int:
    from ..vhba.pools import export_pool
    from ..vhba.state import definition_state

    definition = _store(args).get(args.name)
    wwids = wwids_from(args, args.luns) if args.luns is not None else definition.luns
    sys.stdout.write(export_pool(definition, uuid=args.uuid, wwids=wwids))
    try:
        state = definition_state(definition, _quiet_scan(args))
    except NodedevXmlError:
        return EXIT_OK
    if state.state == "running":
        warn(
            f"{args.name} is running as {state.device}: libvirt's pool-start fails on a"
            f" vHBA that exists already; 'vhba stop {args.name}' first"
        )
    return EXIT_OK
