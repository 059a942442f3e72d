"""Argument parsing and dispatch; every error becomes one line on stderr.

Exit codes: 0 success, 1 a negative answer (invalid document, no such
device), 2 a usage or environment error.
"""

from __future__ import annotations

import argparse
import io
import logging
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

from .._version import __version__
from ..errors import DeviceNotFoundError, NodedevXmlError, VHBAInterrupted
from ..vocabulary import (
    BACKENDS,
    ROOT_ENV,
    STATE_DIR,
    STATE_DIR_ENV,
    default_root,
    default_state_dir,
)
from .common import EXIT_NO, EXIT_OK, EXIT_USAGE, PROG, UsageError, fail

DESCRIPTION = (
    "Fibre Channel HBAs and NPIV vHBAs, their PCI functions, SCSI targets and LUNs"
    " as libvirt node-device XML."
)

Handler = Callable[[argparse.Namespace], int]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(message)


def build_parser() -> argparse.ArgumentParser:
    from . import devices, documents, vhba, watch

    p = _Parser(prog=PROG, description=DESCRIPTION)
    p.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    _global_options(p, None, "sysfs", False)
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    devices.register(sub)
    documents.register(sub)
    vhba.register(sub)
    watch.register(sub)
    _commands_take_global_options(sub)
    return p


def _commands_take_global_options(sub: argparse._SubParsersAction[Any]) -> None:
    """Accept the global options after a command too, and after a sub-command
    (``vhba create --root R``)."""
    for command in sub.choices.values():
        _global_options(command, argparse.SUPPRESS, argparse.SUPPRESS, argparse.SUPPRESS)
        for action in command._actions:
            if isinstance(action, argparse._SubParsersAction):
                _commands_take_global_options(action)


def _global_options(p: argparse.ArgumentParser, unset: Any, backend: Any, flag: Any) -> None:
    """The options every command takes; a command's copies default to SUPPRESS so
    that they do not undo what was given before the command."""
    p.add_argument("--root", metavar="DIR", default=unset,
                   help="sysfs root to read: a directory holding sys/ "
                        f"(default: ${ROOT_ENV} or /)")  # fmt: skip
    p.add_argument("--connect", metavar="URI", default=unset,
                   help="read (and manage) the host a libvirt URI reaches instead of a "
                        "sysfs root, e.g. qemu+ssh://host/system")  # fmt: skip
    p.add_argument("--backend", choices=BACKENDS, default=backend,
                   help="how to read the host: sysfs (the default, any root) or udev "
                        "(the live host through libudev)")  # fmt: skip
    p.add_argument("--state-dir", metavar="DIR", default=unset,
                   help=f"where vHBA definitions are kept (default: ${STATE_DIR_ENV} "
                        f"or {STATE_DIR})")  # fmt: skip
    p.add_argument("-q", "--quiet", action="store_true", default=flag,
                   help="do not print scan warnings")  # fmt: skip
    p.add_argument("-v", "--verbose", action="store_true", default=flag,
                   help="log every write to the kernel: what, where, the result")  # fmt: skip


def utf8_output() -> None:
    """Print UTF-8 whatever the locale: node-device XML is UTF-8 (``validate -``
    refuses anything else), and a symbolic name may hold any character.  Messages
    on stderr keep the terminal's encoding but can never fail to print."""
    for stream, encoding in ((sys.stdout, "utf-8"), (sys.stderr, None)):
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(encoding=encoding, errors="backslashreplace")


def main(argv: Sequence[str] | None = None) -> int:
    utf8_output()
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list[:1] == ["--version"]:  # answer before importing anything heavy
        print(f"{PROG} {__version__}")
        return EXIT_OK
    try:
        parser = build_parser()
        args = parser.parse_args(args_list)
        if args.root == "":
            raise UsageError("--root is empty: expected a directory holding sys/ (/ for this host)")
        if args.connect is not None and (args.root is not None or args.backend != "sysfs"):
            raise UsageError("--connect reads a libvirt connection: not with --root or --backend")
        if args.root is None:
            args.root = default_root()
        if args.state_dir is None:
            args.state_dir = default_state_dir()
        if args.verbose:
            logging.basicConfig(level=logging.INFO, format=f"{PROG}: %(message)s")
        handler: Handler = args.handler
        if args.connect is not None:
            from .vhba_libvirt import through_libvirt

            handler = through_libvirt(args)
        return handler(args)
    except UsageError as e:
        return fail(f"{e} (see '{PROG} --help')", EXIT_USAGE)
    except VHBAInterrupted as e:
        return fail(str(e), 128 + e.signal)  # as a shell reports a death by that signal
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
