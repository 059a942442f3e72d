"""``vhba luns``, ``vhba rescan``, ``vhba compare-luns`` and ``--wait-luns``: the LUNs a
vHBA sees, by WWID (README, "Which LUNs does this vHBA see" and the migration).

The library does the work (:mod:`nodedev_xml.vhba.luns`, :mod:`nodedev_xml.vhba.rescan`);
this module reads the options and prints.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterable
from typing import Any, TextIO

from .common import EXIT_NO, EXIT_OK, UsageError, fail


def register(vsub: Any) -> None:
    """Add ``luns``, ``rescan`` and ``compare-luns`` to the ``vhba`` sub-commands."""
    p = vsub.add_parser("luns", help="the LUNs a vHBA (or HBA) sees, with their WWIDs")
    p.add_argument("name", metavar="NAME", help="the host, e.g. scsi_host9")
    p.add_argument("--json", action="store_true", help="JSON: one object per LUN")
    p.set_defaults(handler=cmd_luns)

    p = vsub.add_parser("rescan", help="scan a vHBA's targets for new LUNs")
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("name", metavar="NAME", nargs="?", default=None, help="e.g. scsi_host9")
    which.add_argument("--all", action="store_true", help="every vHBA of the host")
    p.add_argument("--lip", action="store_true",
                   help="issue a LIP first (fc_host issue_lip): the port rediscovers the fabric")
    p.add_argument("--wildcard", action="store_true",
                   help="scan '- - -' (every target and LUN) instead of each known target")
    p.add_argument("--lun", type=int, metavar="N", help="scan only LUN N of each target")
    p.set_defaults(handler=cmd_rescan)  # fmt: skip

    p = vsub.add_parser(
        "compare-luns",
        help="compare two sides' LUNs by WWID (before virsh migrate)",
        description="Exit 0 when EXPECTED and SEEN hold the same LUNs by WWID, else 1 "
        "naming what is missing and what is extra. Each is a host on --root (scsi_hostN), "
        "a file saved by 'vhba luns --json', or a pool from 'vhba migrate-pool --luns' / "
        "'export-pool --luns' (- for stdin).",
    )
    p.add_argument("expected", metavar="EXPECTED", help="what the guest relies on (the source)")
    p.add_argument("seen", metavar="SEEN", help="what the destination sees, e.g. scsi_host9")
    p.add_argument("--allow-extra", action="store_true",
                   help="LUNs SEEN has beyond EXPECTED are no failure")  # fmt: skip
    p.set_defaults(handler=cmd_compare)


def add_wait_option(p: argparse.ArgumentParser) -> None:
    """``--wait-luns N|WWID[,WWID…]`` for ``vhba create`` and ``vhba start``."""
    p.add_argument(
        "--wait-luns",
        metavar="N|WWIDS",
        type=_expected,
        help="then rescan and wait (--timeout) until N LUNs, or these WWIDs (comma-separated), "
        "are visible; exit 1 naming what is missing (the vHBA stays)",
    )


def _expected(text: str) -> int | frozenset[str]:
    from ..vhba.luns import parse_expected

    try:
        return parse_expected(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def wait_luns(
    args: argparse.Namespace, host: str, named: Iterable[str] = (), *, out: TextIO | None = None
) -> int:
    """After ``host`` was made or started: wait for ``--wait-luns`` if given, else for
    the WWIDs ``named`` (a definition's) if any; the exit code.  What it saw goes to
    ``out`` (default stdout)."""
    expected = getattr(args, "wait_luns", None)
    if expected is None and named:
        from ..vhba.luns import wwid_key

        expected = frozenset(wwid_key(w) for w in named)
    if expected is None:
        return EXIT_OK
    from ..vhba.luns import wait_for_luns

    result = wait_for_luns(
        host, expected, root=args.root, timeout=args.timeout, backend=args.backend
    )
    if not result.met:
        return fail(f"{result.describe(expected)} within {args.timeout:g} s", EXIT_NO)
    print(result.describe(expected), file=out or sys.stdout)
    return EXIT_OK


def cmd_luns(args: argparse.Namespace) -> int:
    from ..vhba.luns import host_luns
    from .common import load

    luns = host_luns(load(args), args.name)
    if args.json:
        json.dump([u.as_json() for u in luns], sys.stdout, indent=2)
        print()
        return EXIT_OK
    rows = [("LUN", "ADDRESS", "TYPE", "WWID", "DISK", "REMOTE WWPN")]
    for u in luns:
        disk = u.by_id or (f"/dev/mapper/{u.multipath}" if u.multipath else None) or u.block
        rows.append((u.name, u.address, u.type or "-", u.wwid or "-", disk or "-",
                     u.remote_wwpn or "-"))  # fmt: skip
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
    return EXIT_OK


def cmd_rescan(args: argparse.Namespace) -> int:
    from ..vhba.rescan import rescan_host
    from .common import load

    if args.lun is not None and args.lun < 0:
        raise UsageError("--lun is a LUN number (0 or more)")
    if args.all:
        names = [d.name for d in load(args).values()
                 if (c := d.scsi_host) is not None and c.phys_hba is not None]  # fmt: skip
        if not names:
            print("no vHBA to rescan")
    else:
        names = [args.name]
    for name in names:
        done = rescan_host(name, root=args.root, lip=args.lip, wildcard=args.wildcard,
                           lun=args.lun)  # fmt: skip
        what = ", ".join(repr(line) for line in done.lines) or "no target known; nothing scanned"
        print(f"{name}: {'LIP, then ' if done.lip else ''}{what}")
    return EXIT_OK


def wwids_from(args: argparse.Namespace, what: str) -> frozenset[str]:
    """The WWIDs ``what`` stands for: a host on the root, or a saved file."""
    from ..errors import VHBAError
    from ..vhba.luns import host_luns, wwid_key, wwids_of_saved

    if what == "-":
        return wwids_of_saved(sys.stdin.buffer.read(), "<stdin>")
    if what.startswith("scsi_host") and not os.path.exists(what):
        from .common import load

        luns = host_luns(load(args), what)
        unknown = [u.name for u in luns if not u.wwid]
        if unknown:
            raise VHBAError(f"{what}: no WWID for {', '.join(unknown)}: cannot compare them")
        return frozenset(wwid_key(u.wwid) for u in luns if u.wwid)
    with open(what, "rb") as f:
        return wwids_of_saved(f.read(), what)


def cmd_compare(args: argparse.Namespace) -> int:
    from ..vhba.luns import compare_wwids

    expected, seen = wwids_from(args, args.expected), wwids_from(args, args.seen)
    result = compare_wwids(expected, seen)
    if result.same(allow_extra=args.allow_extra):
        extra = f" ({len(result.extra)} more seen)" if result.extra else ""
        print(f"same LUNs: {len(result.expected)} by WWID{extra}")
        return EXIT_OK
    parts = []
    if result.missing:
        parts.append(f"missing from {args.seen}: {', '.join(result.missing)}")
    if result.extra and not args.allow_extra:
        parts.append(f"not in {args.expected}: {', '.join(result.extra)}")
    return fail("; ".join(parts), EXIT_NO)
