"""``list`` and ``dumpxml``: the scanned devices, like virsh's nodedev commands."""

from __future__ import annotations

import argparse
import json
import re
import sys
from typing import Any

from ..errors import NodedevXmlError
from ..inventory import COMPUTER, Inventory
from ..model import Device
from .main import EXIT_OK, UsageError, warn

CAPS = ("fc_host", "vports", "scsi_host", "scsi_target", "pci")
#: What libvirt's node-device names are made of (it replaces everything else by _).
NAME = re.compile(r"[A-Za-z0-9_]{1,255}")


def register(sub: Any) -> None:
    p = sub.add_parser("list", help="device names, one a line (like virsh nodedev-list)")
    p.add_argument("--cap", action="append", metavar="CAP",
                   help=f"only devices with this capability: {', '.join(CAPS)} "
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
    if args.backend == "udev":
        raise NodedevXmlError("the udev backend reads the live host only; it is not available here")
    from ..api import scan

    inv = scan(args.root)
    if not args.quiet:
        for w in inv.warnings:
            warn(str(w))
    return inv


def _caps(args: argparse.Namespace) -> set[str]:
    wanted: set[str] = set()
    for item in args.cap or ():
        wanted.update(c.strip() for c in item.split(",") if c.strip())
    unknown = wanted - set(CAPS)
    if unknown:
        bad = sorted(unknown)[0]
        raise UsageError(f"unknown capability {bad!r}; expected one of {', '.join(CAPS)}")
    return wanted


def cmd_list(args: argparse.Namespace) -> int:
    wanted = _caps(args)
    inv = load(args)
    chosen = [d for d in inv.values() if not wanted or wanted & d.cap_names()]
    if args.json:
        json.dump([_summary(d) for d in chosen], sys.stdout, indent=2)
        sys.stdout.write("\n")
    elif args.tree:
        keep = {d.name for d in chosen}
        _print_tree(inv, keep)
    else:
        for d in chosen:
            print(d.name)
    return EXIT_OK


def _summary(d: Device) -> dict[str, Any]:
    return {"name": d.name, "parent": d.parent_name, "capabilities": sorted(d.cap_names())}


def _print_tree(inv: Inventory, keep: set[str]) -> None:
    """virsh's tree drawing; with a --cap filter, ancestors of kept devices stay."""
    shown = set()
    for name in keep:
        n: str | None = name
        while n is not None and n in inv and n not in shown:
            shown.add(n)
            n = inv[n].parent_name
    print(COMPUTER)
    _print_children(inv, COMPUTER, shown, "")


def _print_children(inv: Inventory, name: str, shown: set[str], indent: str) -> None:
    kids = [c for c in inv.children(name) if c.name in shown]
    for i, child in enumerate(kids):
        last = i == len(kids) - 1
        print(f"{indent}  |")
        print(f"{indent}  +- {child.name}")
        _print_children(inv, child.name, shown, indent + ("    " if last else "  | "))


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
