"""What every command shares: the program name, exit codes, usage errors,
one-line warnings and errors, and loading the scan.

The subcommand modules and ``main`` import this, never each other's names,
so the dispatcher stays above the commands (the layers in ``docs/design.md``).
Light on purpose: ``nodedev-xml --version`` imports it.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from ..vocabulary import check_caps

if TYPE_CHECKING:
    from ..model import Inventory
    from ..wwn import WWN

PROG = "nodedev-xml"
#: 0 success, 1 a negative answer (invalid document, no such device), 2 a usage or
#: environment error.
EXIT_OK, EXIT_NO, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """A wrong command line: exit code 2."""


def fail(message: str, code: int) -> int:
    """Print ``nodedev-xml: error: MESSAGE`` on stderr; return ``code`` (the exit code)."""
    print(f"{PROG}: error: {message}", file=sys.stderr)
    return code


def warn(message: str) -> None:
    """Print ``nodedev-xml: warning: MESSAGE`` on stderr."""
    print(f"{PROG}: warning: {message}", file=sys.stderr)


def load(args: argparse.Namespace) -> Inventory:
    """The scan of ``args.root`` (or of ``args.connect``, a libvirt URI); its warnings
    go to stderr unless ``args.quiet``.  Raises what :func:`nodedev_xml.api.scan` raises."""
    from ..api import scan

    connect = getattr(args, "connect", None)
    inv = scan(connect=connect) if connect is not None else scan(args.root, backend=args.backend)
    if not args.quiet:
        for w in inv.warnings:
            warn(str(w))
    return inv


def wanted_caps(args: argparse.Namespace) -> set[str]:
    """The capability names of ``--cap`` (repeated or comma-separated); :class:`UsageError`
    for a name ``list --cap`` does not know."""
    wanted: set[str] = set()
    for item in args.cap or ():
        wanted.update(c.strip() for c in item.split(",") if c.strip())
    try:
        check_caps(wanted)
    except ValueError as e:
        raise UsageError(str(e)) from None
    return wanted


def wwn_option(option: str, text: str | None) -> WWN | None:
    """The WWN given to ``option`` (``None`` when not given): 16 hex digits, with or
    without ``0x``, or 8 colon-separated bytes as switches print them.
    :class:`UsageError` naming the option for anything else."""
    from ..errors import WWNError
    from ..wwn import WWN

    if text is None:
        return None
    try:
        return WWN.parse_given(text)
    except WWNError as e:
        raise UsageError(f"{option}: {e}") from None
