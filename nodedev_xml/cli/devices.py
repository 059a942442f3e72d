"""``list`` and ``dumpxml``: the scanned devices, like virsh's nodedev commands."""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

from ..errors import DeviceNotFoundError
from ..model import Device, NameEntry
from ..vocabulary import (
    COMPUTER,
    COMPUTER_CAPS,
    DEFAULT_PROFILE,
    LIST_CAPS,
    PROFILES,
    Profile,
    is_node_device_name,
    node_device_name,
)
from .common import EXIT_OK, UsageError, load, wanted_caps, warn


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


def cmd_list(args: argparse.Namespace) -> int:
    """Names only: reads just the attributes that decide which devices are listed.
    Without ``--cap`` the list holds ``computer`` too, as ``virsh nodedev-list`` does."""
    wanted = wanted_caps(args)
    from ..api import list_names

    caps = frozenset(wanted) if wanted else None
    machine: list[NameEntry] = []
    if caps is None or args.connect is not None:
        # Every device: the full scan (or the connection's list), with every warning it gives.
        inv = load(args)
        entries = [(d.name, d.parent_name, d.cap_names()) for d in inv.values()]
        # virsh nodedev-list names the machine itself too (but not under --cap, nor as
        # a node of the tree: it is the tree's root).
        if caps is None:
            machine.append((COMPUTER, None, inv.computer.cap_names()))
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
        _say_if_empty(args, entries if caps is None or args.tree or args.connect else None)
    if args.tree:
        tree = _tree(entries, {e[0] for e in chosen})
        if args.json:
            _print_json(tree)
        else:
            sys.stdout.write(draw_tree(tree))
        return EXIT_OK
    if caps is None:
        chosen = virsh_order([*machine, *chosen])
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
        where = f"{args.connect}: no SCSI host, FC host or PCI function listed" if args.connect \
            else f"{args.root}: no SCSI host, FC host or PCI function in sys/"  # fmt: skip
        warn(f"nothing found under {where}")


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
    root: TreeNode = {"name": COMPUTER, "capabilities": sorted(COMPUTER_CAPS), "children": []}
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
        if not is_node_device_name(n):
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
        devices = [inv.computer if n == COMPUTER else inv[n] for n in args.names]
    if args.all and not devices and not args.quiet:
        where = f"{args.connect}: no SCSI host, FC host or PCI function listed" if args.connect \
            else f"{args.root}: no SCSI host, FC host or PCI function in sys/"  # fmt: skip
        warn(f"nothing found under {where}")
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


#: Modes of what ``--output-dir`` makes: at most these, whatever the umask (under
#: umask 000 too nobody else may write there); a stricter umask still applies.
DIR_MODE, FILE_MODE = 0o755, 0o644


def _write_files(folder: str, devices: list[Device], profile: Profile) -> None:
    """``folder/NAME.xml`` for each device (node-device names are safe file names);
    the folder (and its parents) made if missing, mode 0755.  Each file is written
    whole under a new name, ``O_EXCL | O_NOFOLLOW`` in the folder's descriptor,
    mode 0644, then renamed over ``NAME.xml``: a link planted there is replaced,
    never written through, and a reader never sees half a file.  Raises
    :class:`UsageError` when ``folder`` is no directory, OSError naming the file."""
    from ..xml.document import to_xml

    _make_dirs(folder)
    try:
        dfd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except NotADirectoryError:
        raise UsageError(f"--output-dir {folder}: not a directory") from None
    try:
        for d in devices:
            _replace(dfd, folder, f"{d.name}.xml", to_xml(d, profile).encode("utf-8"))
    finally:
        os.close(dfd)


def _make_dirs(folder: str) -> None:
    """``folder`` and the parents it lacks, each mode :data:`DIR_MODE` at most
    (``os.makedirs`` would make the parents 0777 under umask 000)."""
    missing: list[str] = []
    path = os.path.abspath(folder)
    while not os.path.lexists(path):
        missing.append(path)
        path = os.path.dirname(path)
    for path in reversed(missing):
        try:
            os.mkdir(path, DIR_MODE)
        except FileExistsError:
            continue  # made meanwhile: used as it is


def _replace(dfd: int, folder: str, name: str, data: bytes) -> None:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    temp = f".{name}.{os.getpid()}.{os.urandom(4).hex()}"
    fd = os.open(temp, flags, FILE_MODE, dir_fd=dfd)
    try:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
        finally:
            os.close(fd)
        os.rename(temp, name, src_dir_fd=dfd, dst_dir_fd=dfd)
    except OSError as e:
        os.unlink(temp, dir_fd=dfd)
        raise OSError(e.errno, e.strerror, os.path.join(folder, name)) from None
