"""``vhba create`` and ``vhba delete``: NPIV vHBAs made and removed (README, "vHBA lifecycle").

The other ``vhba`` sub-commands (persistent definitions, pools) are
``cli/vhba_defs.py``'s, added by its ``register``; ``migrate`` is
``cli/vhba_libvirt.py``'s.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from . import luns, vhba_defs, vhba_libvirt
from .common import EXIT_OK, UsageError, wwn_option
from .luns import add_wait_option, wait_luns


def register(sub: Any) -> None:
    vhba = sub.add_parser("vhba", help="create and delete NPIV vHBAs")
    vsub = vhba.add_subparsers(dest="vhba_command", metavar="SUBCOMMAND")
    vsub.required = True

    p = vsub.add_parser("create", help="create a vHBA (like virsh nodedev-create)")
    how = p.add_argument_group("the parent HBA (at most one way; default: the first usable)")
    how.add_argument("--parent", metavar="NAME", help="by node-device name, e.g. scsi_host5")
    how.add_argument("--parent-wwnn", metavar="WWN", help="by its WWNN (with --parent-wwpn)")
    how.add_argument("--parent-wwpn", metavar="WWN", help="by its WWPN (with --parent-wwnn)")
    how.add_argument("--parent-fabric-wwn", metavar="WWN",
                     help="any usable vport-capable HBA on this fabric")  # fmt: skip
    how.add_argument(
        "--file",
        metavar="FILE",
        help="a create document as virsh nodedev-create takes it; - for stdin",
    )
    p.add_argument("--wwnn", metavar="WWN", help="the vHBA's WWNN (with --wwpn; else generated)")
    p.add_argument("--wwpn", metavar="WWN", help="the vHBA's WWPN (with --wwnn)")
    p.add_argument("--timeout", type=float, default=30.0, metavar="S",
                   help="how long to wait for the vHBA's host (default 30)")  # fmt: skip
    p.add_argument("--xml", action="store_true",
                   help="print its enriched XML (the name then goes to stderr)")  # fmt: skip
    add_wait_option(p)
    p.set_defaults(handler=cmd_create)

    p = vsub.add_parser("delete", help="delete a vHBA (like virsh nodedev-destroy)")
    p.add_argument("name", nargs="?", metavar="NAME", help="the vHBA, e.g. scsi_host9")
    p.add_argument("--wwpn", metavar="WWN", help="the vport's WWPN instead of a name")
    p.add_argument("--timeout", type=float, default=10.0, metavar="S",
                   help="how long to wait for it to go (default 10)")  # fmt: skip
    p.add_argument("--force", action="store_true",
                   help="delete it even when a LUN of it is mounted, held or open")  # fmt: skip
    p.set_defaults(handler=cmd_delete)

    p = vsub.add_parser("cleanup", help="delete the vports interrupted nodedev-xml runs left")
    p.add_argument("--timeout", type=float, default=10.0, metavar="S",
                   help="how long to wait for each to go (default 10)")  # fmt: skip
    p.set_defaults(handler=cmd_cleanup)
    vhba_defs.register(vsub)
    luns.register(vsub)
    vhba_libvirt.register(vsub)


def _request(args: argparse.Namespace) -> Any:
    from ..model import CreateRequest

    parent = vhba_defs.parent_option(args, also=("--file",))
    if (args.wwnn is None) != (args.wwpn is None):
        raise UsageError("--wwnn and --wwpn go together")
    if not args.timeout > 0:
        raise UsageError("--timeout must be a positive number of seconds")
    wwnn, wwpn = wwn_option("--wwnn", args.wwnn), wwn_option("--wwpn", args.wwpn)
    if args.file is not None:
        from ..xml.create import create_request_from_xml

        if args.file == "-":
            text, source = sys.stdin.buffer.read(), "<stdin>"
        else:
            with open(args.file, "rb") as f:
                text, source = f.read(), args.file
        request = create_request_from_xml(text, source=source)
        if wwnn is not None:
            request = CreateRequest(request.parent, wwnn, wwpn)
        return request
    return CreateRequest(parent, wwnn, wwpn)


def cmd_create(args: argparse.Namespace) -> int:
    from ..vhba import create_vhba

    request = _request(args)
    vhba_defs.warn_orphans(args)
    made = create_vhba(request, root=args.root, timeout=args.timeout, backend=args.backend)
    if not args.xml:
        print(made.name, flush=True)
        return wait_luns(args, made.name)
    print(made.name, file=sys.stderr)  # stdout holds one document: | validate - takes it
    from ..api import scan
    from ..xml.document import to_xml

    sys.stdout.write(to_xml(scan(args.root, backend=args.backend)[made.name], "enriched"))
    sys.stdout.flush()
    return wait_luns(args, made.name, out=sys.stderr)  # stdout holds the document alone


def cmd_delete(args: argparse.Namespace) -> int:
    from ..vhba import delete_vhba

    if (args.name is None) == (args.wwpn is None):
        raise UsageError("name the vHBA to delete, or give --wwpn (not both)")
    if not args.timeout > 0:
        raise UsageError("--timeout must be a positive number of seconds")
    wwpn = wwn_option("--wwpn", args.wwpn)
    vhba_defs.warn_orphans(args)
    delete_vhba(args.name, wwpn=wwpn, root=args.root, timeout=args.timeout,
                backend=args.backend, force=args.force)  # fmt: skip
    return EXIT_OK


def cmd_cleanup(args: argparse.Namespace) -> int:
    from ..vhba.lifecycle import cleanup

    if not args.timeout > 0:
        raise UsageError("--timeout must be a positive number of seconds")
    found = cleanup(root=args.root, timeout=args.timeout, backend=args.backend, report=print)
    if not found:
        print("nothing to clean up")
    return EXIT_OK
