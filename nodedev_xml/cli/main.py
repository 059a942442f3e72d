"""Argument parsing and dispatch; every error becomes one line on stderr.

Exit codes: 0 success, 1 a negative answer (invalid document, no such
device), 2 a usage or environment error.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence

from .._version import __version__
from ..errors import DeviceNotFoundError, NodedevXmlError

PROG = "nodedev-xml"
DESCRIPTION = "Fibre Channel HBAs and NPIV vHBAs as libvirt node-device XML."
EXIT_OK, EXIT_NO, EXIT_USAGE = 0, 1, 2

Handler = Callable[[argparse.Namespace], int]


class UsageError(Exception):
    """A wrong command line: exit code 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(message)


def build_parser() -> argparse.ArgumentParser:
    from . import devices, documents, watch

    p = _Parser(prog=PROG, description=DESCRIPTION)
    p.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    p.add_argument("--root", metavar="DIR", default=None,
                   help="sysfs root to read: a directory holding sys/ "
                        "(default: $NODEDEV_XML_ROOT or /)")  # fmt: skip
    p.add_argument("--backend", choices=("sysfs", "udev"), default="sysfs",
                   help="how to read the host: sysfs (the default, any root) or udev "
                        "(the live host through libudev)")  # fmt: skip
    p.add_argument("-q", "--quiet", action="store_true", help="do not print scan warnings")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    devices.register(sub)
    documents.register(sub)
    watch.register(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list[:1] == ["--version"]:  # answer before importing anything heavy
        print(f"{PROG} {__version__}")
        return EXIT_OK
    try:
        parser = build_parser()
        args = parser.parse_args(args_list)
        if args.root is None:
            args.root = os.environ.get("NODEDEV_XML_ROOT") or "/"
        handler: Handler = args.handler
        return handler(args)
    except UsageError as e:
        return fail(f"{e} (see '{PROG} --help')", EXIT_USAGE)
    except DeviceNotFoundError as e:
        return fail(str(e), EXIT_NO)
    except NodedevXmlError as e:
        return fail(str(e), EXIT_USAGE)
    except BrokenPipeError:
        # The reader went away (| head): not an error of ours.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except OSError as e:
        where = f"{e.filename}: " if e.filename else ""
        return fail(f"{where}{e.strerror or e}", EXIT_USAGE)
    except KeyboardInterrupt:
        return 130


def fail(message: str, code: int) -> int:
    print(f"{PROG}: error: {message}", file=sys.stderr)
    return code


def warn(message: str) -> None:
    print(f"{PROG}: warning: {message}", file=sys.stderr)
