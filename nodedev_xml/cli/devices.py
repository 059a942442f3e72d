"""``list`` and ``dumpxml``: the scanned devices, like virsh's nodedev commands."""

from __future__ import annotations

import argparse
import json
import re
import sys
from typing import Any

from ..model.inventory import Inventory, NameEntry
from ..vocabulary import COMPUTER, LIST_CAPS
from .main import EXIT_OK, UsageError, warn

#: What libvirt's node-device names are made of (it replaces everything else by _).
NAME = re.compile(r"[A-Za-z0-9_]{1,255}")


def register(sub: Any) -> None:
    p = sub.add_parser("list", help="device names, one a line (like virsh nodedev-list)")
    p.add_argument("--cap", action="append", metavar="CAP",
                   help=f"only devices with this capability: {', '.join(LIST_CAPS)} "
                        "(repeat or comma-separate for several)")  # fmt: skip
    p.add_argument("--tree", action="store_true", help="show the device hierarchy")
    p.add_argument("--json", action="store_true", help="JSON: name, parent and capabilities")
    p.set_defaults(handler=cmd_list)

    p = sub.add_parser("dumpxml", help="device XML (like virsh nodedev-dumpxml)")
    p.add_argument("names", nargs="*", metavar="NAME")
    p.add_argument("--all", action="store_true", help="every device")
    p.add_argument("--profile", choices=("enriched", "libvirt"), default="enriched")
    p.add_argument("--json", action="store_true",
                   help="typed JSON through the schema: an array, one object a device")  # fmt: skip
    p.set_defaults(handler=cmd_dumpxml)


def load(args: argparse.Namespace) -> Inventory:
    from ..api import scan

    inv = scan(args.root, backend=args.backend)
    if not args.quiet:
        for w in inv.warnings:
            warn(str(w))
    return inv


def _caps(args: argparse.Namespace) -> set[str]:
    wanted: set[str] = set()
    for item in args.cap or ():
        wanted.update(c.strip() for c in item.split(",") if c.strip())
    unknown = wanted - set(LIST_CAPS)
    if unknown:
        bad = sorted(unknown)[0]
        raise UsageError(f"unknown capability {bad!r}; expected one of {', '.join(LIST_CAPS)}")
    return wanted


def cmd_list(args: argparse.Namespace) -> int:
    """Names only: reads just the attributes that decide which devices are listed."""
    wanted = _caps(args)
    from ..api import list_names

    caps = frozenset(wanted) if wanted else None
    if caps is None:
        # Every device: the full scan, with every warning it gives.
        inv = load(args)
        entries = [(d.name, d.parent_name, d.cap_names()) for d in inv.values()]
    else:
        # JSON prints every capability of a device: it needs them all decided.
        entries, warnings = list_names(
            args.root, None if args.json else caps, all_devices=args.tree, backend=args.backend
        )
        if not args.quiet:
            for w in warnings:
                warn(str(w))
    chosen = [e for e in entries if caps is None or e[2] & caps]
    if args.json:
        data = [{"name": n, "parent": p, "capabilities": sorted(c)} for n, p, c in chosen]
        json.dump(data, sys.stdout, indent=2)
        sys.stdout.write("\n")
    elif args.tree:
        _print_tree(entries, {e[0] for e in chosen})
    else:
        for e in chosen:
            print(e[0])
    return EXIT_OK


def _print_tree(entries: list[NameEntry], keep: set[str]) -> None:
    """virsh's tree drawing; with a --cap filter, ancestors of kept devices stay."""
    parents = {name: parent for name, parent, _ in entries}
    children: dict[str, list[str]] = {}
    for name, parent, _ in entries:  # as Inventory: a parent that is not a device is the computer
        children.setdefault(parent if parent in parents else COMPUTER, []).append(name)
    shown = set()
    for kept in keep:
        n: str | None = kept
        while n is not None and n in parents and n not in shown:
            shown.add(n)
            n = parents[n]
    print(COMPUTER)
    _print_children(children, COMPUTER, shown, "")


def _print_children(
    children: dict[str, list[str]], name: str, shown: set[str], indent: str
) -> None:
    kids = [c for c in children.get(name, ()) if c in shown]
    for i, child in enumerate(kids):
        last = i == len(kids) - 1
        print(f"{indent}  |")
        print(f"{indent}  +- {child}")
        _print_children(children, child, shown, indent + ("    " if last else "  | "))


def cmd_dumpxml(args: argparse.Namespace) -> int:
    from ..xml.document import to_xml

    if args.all == bool(args.names):
        raise UsageError("give device names or --all (not both)")
    for n in args.names:
        if not NAME.fullmatch(n):
            raise UsageError(f"{n!r} is not a node-device name (letters, digits and _ only)")
    inv = load(args)
    devices = list(inv.values()) if args.all else [inv[n] for n in args.names]
    out = sys.stdout
    if args.json:
        from ..xml.document import to_element
        from ..xml.jsonview import to_json_data

        data = [to_json_data(to_element(d, args.profile), args.profile) for d in devices]
        json.dump(data, out, indent=2)
        out.write("\n")
        return EXIT_OK
    for d in devices:
        out.write(to_xml(d, args.profile))
    return EXIT_OK
