"""``watch``: one line per device added, removed or changed, until stopped.

SIGINT and SIGTERM end it with exit code 0; so does a reader that goes away
(``watch | head -1``), through the main loop's broken-pipe handling.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
from types import FrameType
from typing import Any

from ..vocabulary import LIST_CAPS
from .common import EXIT_OK, UsageError, wanted_caps, warn


class _Stop(Exception):
    """SIGTERM arrived."""


def register(sub: Any) -> None:
    p = sub.add_parser("watch", help="print devices as they are added, removed or changed")
    p.add_argument("--cap", action="append", metavar="CAP",
                   help=f"only devices with this capability: {', '.join(LIST_CAPS)} "
                        "(repeat or comma-separate for several)")  # fmt: skip
    p.add_argument(
        "--json",
        action="store_true",
        help="one JSON object a line: event, name, changes, enriched document",
    )
    p.add_argument("--interval", type=float, default=1.0, metavar="S",
                   help="seconds between scans (default 1)")  # fmt: skip
    p.set_defaults(handler=cmd_watch)


def _on_term(signum: int, frame: FrameType | None) -> None:
    raise _Stop


def cmd_watch(args: argparse.Namespace) -> int:
    from ..events import watch

    if not args.interval > 0:
        raise UsageError(f"--interval must be a positive number of seconds, not {args.interval}")
    caps = frozenset(wanted_caps(args)) or None
    signal.signal(signal.SIGTERM, _on_term)
    on_warning = None if args.quiet else (lambda w: warn(str(w)))
    out = sys.stdout
    try:
        for event in watch(args.root, caps, args.interval, on_warning=on_warning,
                           backend=args.backend, connect=args.connect):  # fmt: skip
            line = json.dumps(event.as_json()) if args.json else str(event)
            out.write(line + "\n")
            out.flush()
    except (KeyboardInterrupt, _Stop):
        pass
    return EXIT_OK
