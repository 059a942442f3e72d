"""The command through a libvirt connection: ``--connect URI`` and ``vhba migrate``.

:func:`through_libvirt` picks what a command does with ``--connect``: the
reading commands (``list``, ``dumpxml``, ``enrich``, ``watch``) read the
connection through ``load``/``watch`` themselves; the ``vhba`` sub-commands
have twins here that call :mod:`nodedev_xml.connection`; any other command
refuses it.  :func:`register` adds ``vhba migrate`` (README, "Using a libvirt
connection").
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import Any

from .common import EXIT_OK, UsageError, warn

Handler = Callable[[argparse.Namespace], int]

#: Commands that read the host through ``load`` (or ``watch``) and so take --connect as they are.
READERS = ("list", "dumpxml", "enrich", "watch")


def register(vsub: Any) -> None:
    """Add ``vhba migrate`` to the ``vhba`` command's sub-parsers."""
    from .vhba_defs import _parent_options, _seconds

    p = vsub.add_parser(
        "migrate",
        help="move a guest's vHBA pool from one libvirt host to another (RFC design)",
        description="Define and start the pool POOL of --from on --to with the same name and UUID,"
        " a vHBA of its own (new WWNs, a parent of --to) and the same LUNs; print the report"
        " and the 'virsh migrate' step.  --finish, after the guest moved, tears down --from's"
        " pool (which deletes its vport).",
    )
    p.add_argument("pool", metavar="POOL", help="the scsi pool with an fc_host adapter on --from")
    p.add_argument("--from", dest="source", metavar="URI", required=True,
                   help="libvirt URI of the host the guest runs on")  # fmt: skip
    p.add_argument("--to", dest="destination", metavar="URI", required=True,
                   help="libvirt URI of the host it moves to")  # fmt: skip
    _parent_options(p, required=False)
    p.add_argument("--wwnn", metavar="W", help="the destination vHBA's WWNN (default: generated)")
    p.add_argument("--wwpn", metavar="W", help="the destination vHBA's WWPN (default: generated)")
    p.add_argument("--timeout", type=_seconds, default=30.0, metavar="S",
                   help="how long to wait for the destination's vHBA (default 30)")  # fmt: skip
    p.add_argument("--wait-luns", type=_seconds, default=0.0, metavar="S",
                   help="how long to wait for the destination to see the source's LUNs"
                        " (default 0: look once)")  # fmt: skip
    p.add_argument("--from-root", metavar="DIR",
                   help="the source host's sysfs root as seen here, for the LUN check"
                        " (default: --root when --from is this machine)")  # fmt: skip
    p.add_argument("--to-root", metavar="DIR",
                   help="the destination's sysfs root as seen here, for the LUN check"
                        " (default: --root when --to is this machine)")  # fmt: skip
    p.add_argument("--finish", action="store_true",
                   help="after the guest moved: destroy, undefine the pool on --from")  # fmt: skip
    p.set_defaults(handler=cmd_migrate)


def through_libvirt(args: argparse.Namespace) -> Handler:
    """What the command of ``args`` does with ``--connect``; :class:`UsageError`
    for a command that reads no host or has no libvirt way."""
    if args.command in READERS:
        handler: Handler = args.handler
        return handler
    sub = getattr(args, "vhba_command", None)
    if args.command == "vhba" and sub in TWINS:
        return TWINS[sub]
    what = f"vhba {sub}" if args.command == "vhba" else args.command
    if sub == "migrate":
        raise UsageError("vhba migrate takes --from URI and --to URI, not --connect")
    raise UsageError(f"{what} does not take --connect")


def _connection(args: argparse.Namespace) -> Any:
    from ..connection.session import open_connection

    return open_connection(args.connect)


def cmd_create(args: argparse.Namespace) -> int:
    from ..connection.inventory import read_inventory
    from ..connection.vhbas import create_vhba
    from .vhba import _request

    request = _request(args)
    conn = _connection(args)
    try:
        made = create_vhba(conn, request, timeout=args.timeout)
        print(made.name)
        if args.xml:
            from ..xml.document import to_xml

            sys.stdout.write(to_xml(read_inventory(conn)[made.name], "enriched"))
    finally:
        conn.close()
    return EXIT_OK


def cmd_delete(args: argparse.Namespace) -> int:
    from ..connection.vhbas import delete_vhba
    from .common import wwn_option

    if (args.name is None) == (args.wwpn is None):
        raise UsageError("name the vHBA to delete, or give --wwpn (not both)")
    if not args.timeout > 0:
        raise UsageError("--timeout must be a positive number of seconds")
    wwpn = wwn_option("--wwpn", args.wwpn)
    conn = _connection(args)
    try:
        delete_vhba(conn, args.name, wwpn=wwpn, timeout=args.timeout)
    finally:
        conn.close()
    return EXIT_OK


def cmd_define(args: argparse.Namespace) -> int:
    from ..connection.pools import define_pool
    from ..xml.definition import read_draft
    from ..xml.safe import read_xml_source

    data, source = read_xml_source(args.file)
    draft = read_draft(data, source=source, name=args.name)
    conn = _connection(args)
    try:
        pool = define_pool(conn, draft)
    finally:
        conn.close()
    print(f"vHBA pool {pool.name} defined on {args.connect}: wwnn {pool.wwnn}, wwpn {pool.wwpn}"
          f" (uuid {pool.uuid}; libvirt keeps it)")  # fmt: skip
    return EXIT_OK


def cmd_undefine(args: argparse.Namespace) -> int:
    from ..connection.pools import undefine_pool

    conn = _connection(args)
    try:
        undefine_pool(conn, args.name)
    finally:
        conn.close()
    print(f"vHBA pool {args.name} undefined on {args.connect}")
    return EXIT_OK


def cmd_start(args: argparse.Namespace) -> int:
    from ..connection.pools import start_pool

    if args.autostart:
        raise UsageError("with --connect, libvirt starts autostart pools itself: name one pool")
    conn = _connection(args)
    try:
        pool = start_pool(conn, args.name, timeout=args.timeout)
    finally:
        conn.close()
    if pool.device is None:
        warn(f"{pool.name} started; no vHBA with WWPN {pool.wwpn} listed after {args.timeout:g}s")
    else:
        print(f"{pool.name} started: {pool.device}")
    return EXIT_OK


def cmd_stop(args: argparse.Namespace) -> int:
    from ..connection.pools import stop_pool

    conn = _connection(args)
    try:
        was = stop_pool(conn, args.name)
    finally:
        conn.close()
    if not was.active:
        print(f"{args.name} is not running; nothing done")
    else:
        gone = f": {was.device} deleted" if was.device else ""
        print(f"{args.name} stopped{gone}")
    return EXIT_OK


def cmd_autostart(args: argparse.Namespace) -> int:
    from ..connection.pools import autostart_pool

    conn = _connection(args)
    try:
        pool = autostart_pool(conn, args.name, not args.disable)
    finally:
        conn.close()
    print(f"{pool.name} {'will' if pool.autostart else 'will not'} be started with libvirt")
    return EXIT_OK


def cmd_list_defined(args: argparse.Namespace) -> int:
    from ..connection.pools import vhba_pools
    from .vhba_defs import _parent_json, _parent_text

    conn = _connection(args)
    try:
        pools = vhba_pools(conn)
    finally:
        conn.close()
    if args.json:
        data = [{"name": p.name, "uuid": p.uuid, "autostart": p.autostart,
                 "state": "running" if p.device else "active" if p.active else "inactive",
                 "device": p.device, "parent": _parent_json(p.parent), "wwnn": str(p.wwnn),
                 "wwpn": str(p.wwpn)} for p in pools]  # fmt: skip
        json.dump(data, sys.stdout, indent=2)
        print()
        return EXIT_OK
    rows = [("NAME", "AUTOSTART", "STATE", "PARENT", "WWNN", "WWPN")]
    rows += [(p.name, "yes" if p.autostart else "no", p.state, _parent_text(p.parent),
              str(p.wwnn), str(p.wwpn)) for p in pools]  # fmt: skip
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
    return EXIT_OK


def cmd_migrate(args: argparse.Namespace) -> int:
    from ..connection.migrate import finish_migration, migrate_vhba_pool
    from .common import wwn_option
    from .vhba_defs import parent_option

    if args.finish:
        given = [o for o, v in (("--parent*", parent_option(args)), ("--wwnn", args.wwnn),
                                ("--wwpn", args.wwpn)) if v is not None]  # fmt: skip
        if given:
            raise UsageError(f"--finish tears down the source's pool: not with {given[0]}")
        done = finish_migration(args.pool, source=args.source, destination=args.destination)
        for line in done.lines():
            print(line)
        return EXIT_OK
    parent = parent_option(args)
    wwnn, wwpn = wwn_option("--wwnn", args.wwnn), wwn_option("--wwpn", args.wwpn)
    if (wwnn is None) != (wwpn is None):
        raise UsageError("--wwnn and --wwpn go together")
    report = migrate_vhba_pool(
        args.pool, source=args.source, destination=args.destination, parent=parent,
        wwnn=wwnn, wwpn=wwpn, timeout=args.timeout or 30.0, wait_luns=args.wait_luns,
        source_root=args.from_root or _local_root(args, args.source),
        destination_root=args.to_root or _local_root(args, args.destination),
    )  # fmt: skip
    for line in report.lines():
        print(line)
    return EXIT_OK


def _local_root(args: argparse.Namespace, uri: str) -> str | None:
    """``--root`` for a URI that reaches this machine (the LUN check's sysfs), else ``None``."""
    from ..connection.session import is_local

    return str(args.root) if is_local(uri) else None


TWINS: dict[str, Handler] = {
    "create": cmd_create,
    "delete": cmd_delete,
    "define": cmd_define,
    "undefine": cmd_undefine,
    "start": cmd_start,
    "stop": cmd_stop,
    "autostart": cmd_autostart,
    "list-defined": cmd_list_defined,
}
