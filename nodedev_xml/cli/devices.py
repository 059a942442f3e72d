"""``list`` and ``dumpxml``: the scanned devices, like virsh's nodedev commands."""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from typing import Any

from ..errors import DeviceNotFoundError
from ..model import Device, NameEntry, RawCapability
from ..vocabulary import COMPUTER, DEFAULT_PROFILE, LIST_CAPS, PROFILES, Profile
from .common import EXIT_OK, UsageError, load, wanted_caps, warn

#: What libvirt's node-device names are made of (it replaces everything else by _).
NAME = re.compile(r"[A-Za-z0-9_]{1,255}")

#: sysfs's names of devices (as ``lspci``, ``lsscsi`` and ``/sys`` show them) and the
#: node-device names libvirt gives them.
SYSFS_NAMES = (
    (re.compile(r"([0-9a-f]{4}):([0-9a-f]{2}):([0-9a-f]{2})\.([0-7])", re.I), "pci_{}_{}_{}_{}"),
    (re.compile(r"([0-9a-f]{2}):([0-9a-f]{2})\.([0-7])", re.I), "pci_0000_{}_{}_{}"),
    (re.compile(r"host(\d+)"), "scsi_host{}"),
    (re.compile(r"target(\d+):(\d+):(\d+)"), "scsi_target{}_{}_{}"),
    (re.compile(r"\[?(\d+):(\d+):(\d+):(\d+)\]?"), "scsi_{}_{}_{}_{}"),
)


def node_device_name(sysfs_name: str) -> str | None:
    """The node-device name of the device sysfs calls ``sysfs_name`` (``0000:04:00.0``,
    ``host5``, ``target5:0:1``, ``5:0:1:2``), or ``None``."""
    for pattern, form in SYSFS_NAMES:
        m = pattern.fullmatch(sysfs_name)
        if m:
            return form.format(*(g.lower() for g in m.groups()))
    return None


def register(sub: Any) -> None:
    p = sub.add_parser("list", help="device names, one a line (like virsh nodedev-list)")
    p.add_argument("--cap", action="append", metavar="CAP",
                   help=f"only devices with this capability: {', '.join(LIST_CAPS)} "
                        "(vports: the vport-capable HBAs; scsi: the LUNs; "
                        "repeat or comma-separate for several)")  # fmt: skip
    p.add_argument("--tree", action="store_true", help="show the device hierarchy")
    p.add_argument("--json", action="store_true", help="JSON: name, parent and capabilities")
    p.set_defaults(handler=cmd_list)

    p = sub.add_parser("dumpxml", help="device XML (like virsh nodedev-dumpxml)")
    p.add_argument("names", nargs="*", metavar="NAME",
                   help="a device as 'list' names it: scsi_host5, pci_0000_04_00_0, "
                        "scsi_target5_0_1, scsi_5_0_1_2 (a LUN), computer")  # fmt: skip
    p.add_argument("--all", action="store_true", help="every device")
    p.add_argument("--profile", choices=PROFILES, default=DEFAULT_PROFILE,
                   help="enriched (the default): libvirt's document and more; "
                        "libvirt: what libvirt prints")  # fmt: skip
    p.add_argument("--json", action="store_true",
                   help="typed JSON through the schema: an array, one object a device")  # fmt: skip
    p.add_argument("--output-dir", metavar="DIR", default=None,
                   help="write DIR/NAME.xml for each device instead of printing")  # fmt: skip
    p.set_defaults(handler=cmd_dumpxml)


def virsh_order(entries: list[NameEntry]) -> list[NameEntry]:
    """``virsh nodedev-list`` order: names compared as strings, ignoring case
    (virsh sorts with ``strcasecmp``), so ``scsi_host10`` comes before ``scsi_host9``."""
    return sorted(entries, key=lambda e: e[0].lower())


#: ``virsh nodedev-list``'s entry for the machine itself (listed without ``--cap`` only).
COMPUTER_ENTRY: NameEntry = (COMPUTER, None, frozenset({"system"}))


def cmd_list(args: argparse.Namespace) -> int:
    """Names only: reads just the attributes that decide which devices are listed.
    Without ``--cap`` the list holds ``computer`` too, as ``virsh nodedev-list`` does."""
    wanted = wanted_caps(args)
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
    entries = virsh_order(entries)
    chosen = [e for e in entries if caps is None or e[2] & caps]
    if not chosen and not args.quiet:
        _say_if_empty(args, entries if caps is None or args.tree else None)
    if args.tree:
        tree = _tree(entries, {e[0] for e in chosen})
        if args.json:
            _print_json(tree)
        else:
            sys.stdout.write(draw_tree(tree))
        return EXIT_OK
    if caps is None:
        chosen = virsh_order([COMPUTER_ENTRY, *chosen])
    if args.json:
        _print_json([{"name": n, "parent": p, "capabilities": sorted(c)} for n, p, c in chosen])
    else:
        for e in chosen:
            print(e[0])
    return EXIT_OK


def _say_if_empty(args: argparse.Namespace, everything: list[NameEntry] | None) -> None:
    """A root with no device at all is worth a word: a wrong --root, most likely."""
    if everything is None:
        from ..api import list_names

        everything = list_names(args.root, frozenset(LIST_CAPS))[0]
    if not everything:
        warn(f"nothing found under {args.root}: no SCSI host, FC host or PCI function in sys/")


def _print_json(data: object) -> None:
    json.dump(data, sys.stdout, indent=2)
    sys.stdout.write("\n")


#: One node of ``list --tree``: name, capability names, children.
TreeNode = dict[str, Any]


def _tree(entries: list[NameEntry], keep: set[str]) -> TreeNode:
    """The device tree under ``computer`` (in the entries' order); with a --cap
    filter, the devices kept and their ancestors."""
    parents = {name: parent for name, parent, _ in entries}
    shown = set()
    for kept in keep:
        n: str | None = kept
        while n is not None and n in parents and n not in shown:
            shown.add(n)
            n = parents[n]
    root: TreeNode = {"name": COMPUTER, "capabilities": [], "children": []}
    nodes = {COMPUTER: root}
    for name, _, caps in entries:
        if name in shown:
            nodes[name] = {"name": name, "capabilities": sorted(caps), "children": []}
    for name, parent, _ in entries:  # as Inventory: a parent that is not a device is the computer
        if name in shown:
            nodes[parent if parent in nodes else COMPUTER]["children"].append(nodes[name])
    return root


def draw_tree(root: TreeNode) -> str:
    """The tree as ``virsh nodedev-list --tree`` draws it (lines keep their trailing
    spaces).  Each node's children hang from a ``|`` line drawn once below it, one
    ``+- NAME`` line each; below a child that is not its parent's last, a ``|``
    column runs on down to the next sibling; the last child, when it has no
    children itself, is followed by a line of the indentation alone.  A root
    without children is followed by an empty line."""
    lines = [root["name"]]
    if root["children"]:
        _draw_children(root, "  ", lines)
    else:
        lines.append("")
    return "".join(f"{line}\n" for line in lines)


def _draw_children(node: TreeNode, lead: str, lines: list[str]) -> None:
    """``node``'s children, their ``+-`` at ``lead``."""
    kids = node["children"]
    lines.append(f"{lead}|")
    for i, child in enumerate(kids):
        last = i == len(kids) - 1
        lines.append(f"{lead}+- {child['name']}")
        if child["children"]:
            _draw_children(child, lead + ("    " if last else "|   "), lines)
        elif last:
            lines.append(f"{lead}  ")


def cmd_dumpxml(args: argparse.Namespace) -> int:
    from ..xml.document import to_xml

    if args.all == bool(args.names):
        raise UsageError("give device names or --all (not both)")
    for n in args.names:
        if not NAME.fullmatch(n):
            meant = node_device_name(n)
            also = f"; did you mean {meant}?" if meant else ""
            raise UsageError(f"{n!r} is not a node-device name (letters, digits and _ only){also}")
    if args.output_dir is not None and (args.json or not args.output_dir):
        raise UsageError("--output-dir takes a directory and writes XML (not with --json)")
    inv = load(args)
    if args.all:
        devices = list(inv.values())
    else:
        for n in args.names:
            if n != COMPUTER and n not in inv:
                meant = node_device_name(n)
                raise DeviceNotFoundError(n, meant if meant in inv else None)
        devices = [computer_device(args.root) if n == COMPUTER else inv[n] for n in args.names]
    if args.all and not devices and not args.quiet:
        warn(f"nothing found under {args.root}: no SCSI host, FC host or PCI function in sys/")
    if args.output_dir is not None:
        _write_files(args.output_dir, devices, args.profile)
        return EXIT_OK
    out = sys.stdout
    if args.json:
        from ..xml.jsonview import device_json_data, write_json

        write_json((device_json_data(d, args.profile) for d in devices), out)
        return EXIT_OK
    for d in devices:
        out.write(to_xml(d, args.profile))
    return EXIT_OK


#: The DMI attributes (``sys/class/dmi/id``) libvirt's ``computer`` document shows, by
#: where they go in its ``system`` capability.
DMI_FIELDS = (
    ("product", "product_name"),
    ("hardware/vendor", "sys_vendor"),
    ("hardware/version", "product_version"),
    ("hardware/serial", "product_serial"),
    ("hardware/uuid", "product_uuid"),
    ("firmware/vendor", "bios_vendor"),
    ("firmware/version", "bios_version"),
    ("firmware/release_date", "bios_date"),
)
#: libvirt's UUID for a machine whose DMI data gives none.
NO_UUID = "00000000-0000-0000-0000-000000000000"


def computer_device(root: str) -> Device:
    """``computer``, the machine itself, with the DMI data found under ``root``: what
    libvirt prints for it.  Absent or unreadable attributes are left out (the UUID,
    which the schema requires, is then all zeros).  Never raises for a bad tree."""
    import uuid

    from lxml import etree

    from ..sysfs.source import SysfsSource

    source = SysfsSource(root)
    found = source.class_devices("dmi", lambda *_: None)
    handle = next((h for name, h in found if name == "id"), None)
    values: dict[str, str] = {}
    for where, attr in DMI_FIELDS:
        try:
            raw = source.read(handle, attr) if handle is not None else b""
        except OSError:
            continue
        text = "".join(c for c in raw.decode("utf-8", "replace") if c.isprintable()).strip()
        if text:
            values[where] = text
    try:
        values["hardware/uuid"] = str(uuid.UUID(values.get("hardware/uuid", "")))
    except ValueError:
        values["hardware/uuid"] = NO_UUID
    cap = etree.Element("capability", type="system")
    if "product" in values:
        etree.SubElement(cap, "product").text = values["product"]
    for group in ("hardware", "firmware"):
        parent = etree.SubElement(cap, group)
        for where, _ in DMI_FIELDS:
            if where.startswith(f"{group}/") and where in values:
                etree.SubElement(parent, where.partition("/")[2]).text = values[where]
    xml = etree.tostring(cap, encoding="unicode")
    return Device(COMPUTER, (RawCapability("system", xml),))


def _write_files(folder: str, devices: list[Device], profile: Profile) -> None:
    """``folder/NAME.xml`` for each device (node-device names are safe file names);
    the folder is made if missing.  Raises OSError naming the file."""
    from ..xml.document import to_xml

    os.makedirs(folder, exist_ok=True)
    for d in devices:
        with open(os.path.join(folder, f"{d.name}.xml"), "w", encoding="utf-8", newline="\n") as f:
            f.write(to_xml(d, profile))
