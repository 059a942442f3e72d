#!/usr/bin/env python3
"""Write nodedev-xml's man page and its bash and zsh completion, from the command's own
argument parser (``nodedev_xml.cli.main.build_parser``), into a folder::

    python scripts/shelldocs.py OUTDIR
    # OUTDIR/man/man1/nodedev-xml.1                  the man page, nodedev-xml(1)
    # OUTDIR/bash-completion/completions/nodedev-xml bash completion
    # OUTDIR/zsh/vendor-completions/_nodedev-xml     zsh completion

laid out as below ``/usr/share`` (Debian's zsh reads ``vendor-completions``; pip
installs the folder under ``share/`` of its prefix, where nothing reads the
completion unless told).

Run when a wheel or an sdist is built (``setup.py``), when the Debian package is
built (``debian/rules``) and by the tests (``tests/test_shelldocs.py``), so the three
never lag behind the parser: every command and sub-command it has is in them, with
its options, their choices and their help.  Nothing here names a command; what is
said beyond the parser (exit status, environment, files) comes from the modules
that own those facts.  Needs only the package's source (no lxml, no xmlschema).
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from nodedev_xml._version import __version__  # noqa: E402
from nodedev_xml.cli.common import EXIT_NO, EXIT_OK, EXIT_USAGE, PROG  # noqa: E402
from nodedev_xml.cli.main import build_parser  # noqa: E402
from nodedev_xml.vocabulary import LIST_CAPS, ROOT_ENV, STATE_DIR, STATE_DIR_ENV  # noqa: E402

MAN_PAGE = f"man/man1/{PROG}.1"
BASH_COMPLETION = f"bash-completion/completions/{PROG}"
ZSH_COMPLETION = f"zsh/vendor-completions/_{PROG}"
#: The systemd unit the Debian package installs (contrib/ in the source).
UNIT = "nodedev-xml-vhba-autostart.service"


# ----------------------------------------------------------------------------- the parser


@dataclass
class Option:
    flags: list[str]
    metavar: str | None  # None: a flag that takes no value
    choices: list[str]
    help: str


@dataclass
class Positional:
    name: str
    nargs: str | int | None
    choices: list[str]
    help: str


@dataclass
class Command:
    """One command of the parser: ``()`` is the program itself, ``("vhba", "create")``
    a sub-command."""

    path: tuple[str, ...]
    help: str
    usage: str
    options: list[Option] = field(default_factory=list)
    positionals: list[Positional] = field(default_factory=list)
    commands: list[tuple[str, str]] = field(default_factory=list)  # name, help

    @property
    def name(self) -> str:
        return " ".join((PROG, *self.path))


def _help(action: argparse.Action) -> str:
    text = action.help or ""
    if "%(" in text:
        text = text % {"default": action.default, "prog": PROG, "choices": action.choices}
    return " ".join(text.split())


def walk(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = (), help: str = ""
) -> Iterator[Command]:
    """Every command the parser has, depth first, the program itself first."""
    usage = " ".join(parser.format_usage().split()).removeprefix("usage: ")
    command = Command(path, help or (parser.description or ""), usage)
    below: list[tuple[str, argparse.ArgumentParser, str]] = []
    for action in parser._actions:
        if action.help is argparse.SUPPRESS:
            continue
        if isinstance(action, argparse._SubParsersAction):
            helps = {a.dest: _help(a) for a in action._choices_actions}
            for name, sub in action.choices.items():
                command.commands.append((name, helps.get(name, "")))
                below.append((name, sub, helps.get(name, "")))
            continue
        choices = [str(c) for c in action.choices] if action.choices else []
        if action.option_strings:
            takes = action.nargs != 0
            metavar = action.metavar or (action.dest.upper() if takes else None)
            command.options.append(
                Option(
                    list(action.option_strings),
                    str(metavar) if takes else None,
                    choices,
                    _help(action),
                )
            )
        else:
            name = str(action.metavar or action.dest)
            command.positionals.append(Positional(name, action.nargs, choices, _help(action)))
    yield command
    for name, sub, sub_help in below:
        yield from walk(sub, (*path, name), sub_help)


def commands() -> list[Command]:
    return list(walk(build_parser()))


# ----------------------------------------------------------------------------- the man page


def _roff(text: str) -> str:
    """Text safe in a roff line: backslashes, hyphens of options, a leading dot."""
    text = text.replace("\\", "\\e").replace("-", "\\-")
    return re.sub(r"^([.'])", r"\\&\1", text)


def _option_line(o: Option) -> str:
    flags = ", ".join(f"\\fB{_roff(f)}\\fR" for f in o.flags)
    if o.metavar is None:
        return flags
    value = "{" + ",".join(o.choices) + "}" if o.choices else o.metavar
    return f"{flags} \\fI{_roff(value)}\\fR"


def _describe(out: list[str], c: Command, skip: set[str]) -> None:
    for p in c.positionals:
        out += [".TP", f"\\fI{_roff(p.name)}\\fR", _roff(p.help or "see above")]
    for o in c.options:
        if skip & set(o.flags):
            continue
        out += [".TP", _option_line(o), _roff(o.help or "")]


def man_page(all_commands: list[Command]) -> str:
    top = all_commands[0]
    global_flags = {f for o in top.options for f in o.flags}
    out = [
        f'.\\" {PROG}.1: generated from the argument parser by scripts/shelldocs.py; do not edit',
        f'.TH NODEDEV\\-XML 1 "" "{PROG} {__version__}" "User Commands"',
        ".SH NAME",
        f"{_roff(PROG)} \\- {_roff(top.help.rstrip('.'))}",
        ".SH SYNOPSIS",
        f".B {_roff(PROG)}",
        "[\\fIGLOBAL OPTIONS\\fR] \\fICOMMAND\\fR [\\fIOPTIONS\\fR] [\\fIARGUMENTS\\fR]",
        ".SH DESCRIPTION",
        _roff(
            f"{PROG} reads sysfs (the live host, or any directory holding sys/), models "
            "every Fibre Channel HBA and its NPIV vHBAs with the PCI functions, SCSI targets "
            "and LUNs around them, and prints them as libvirt node-device XML: the libvirt "
            "profile is what libvirt's node-device driver prints, the enriched profile (the "
            "default) adds each HBA's vHBAs, each vHBA's HBA, the port's state, speed and "
            "card, and each LUN's inquiry data and disk. It validates, enriches and strips "
            "node-device XML, watches devices come and go, and creates, deletes and keeps "
            "vHBAs."
        ),
        ".SH GLOBAL OPTIONS",
        _roff("These go before the command or after it (or after a sub-command)."),
    ]
    _describe(out, top, set())
    out.append(".SH COMMANDS")
    for c in all_commands[1:]:
        out += [f'.SS "{_roff(" ".join(c.path))}"', _roff(c.help.rstrip(".") + "."),
                ".PP", f".B {_roff(c.usage)}"]  # fmt: skip
        if c.commands:
            out += [
                ".PP",
                "Sub-commands: " + ", ".join(f"\\fB{_roff(n)}\\fR" for n, _ in c.commands) + ".",
            ]
        _describe(out, c, global_flags | {"-h", "--help"})
    out += [
        ".SH EXIT STATUS",
        ".TP", str(EXIT_OK), "success",
        ".TP", str(EXIT_NO),
        "a negative answer: an invalid document, no such device, a vHBA not made",
        ".TP", str(EXIT_USAGE),
        "a usage or environment error: a wrong command line, an unreadable file, a refusal",
        ".TP", "130", "interrupted",
        ".SH ENVIRONMENT",
        ".TP", f".B {ROOT_ENV}", _roff("the sysfs root when --root is not given (default: /)"),
        ".TP", f".B {STATE_DIR_ENV}",
        _roff("the state directory of vHBA definitions when --state-dir is not given"
              f" (default: {STATE_DIR})"),
        ".SH FILES",
        ".TP", f".I {_roff(STATE_DIR)}/vhba/NAME.xml", "a persistent vHBA definition",
        ".TP", ".I /run/nodedev\\-xml/vhba.lock", "held while a vHBA is created",
        ".TP", f".I /lib/systemd/system/{_roff(UNIT)}",
        _roff("starts the autostart definitions at boot (vhba start --autostart)"),
        ".TP", ".I /sys/class/fc_host, /sys/class/scsi_host, /sys/class/fc_vports, /sys/bus/pci",
        "what is read",
        ".SH SEE ALSO",
        ".BR virsh (1),",
        ".BR systemctl (1),",
        ".BR lsscsi (8)",
    ]  # fmt: skip
    return "\n".join(out) + "\n"


# ----------------------------------------------------------------------------- completion

#: Values a shell can offer for a metavar: directories, files, the capability names.
DIRS, FILES, DEVICES, DEFINITIONS, VPORT_HBAS = "dirs", "files", "devices", "definitions", "hbas"


def value_kind(
    metavar: str | None, help: str, path: tuple[str, ...], flags: list[str] | None = None
) -> str | None:
    """What to complete for a value: a kind above, ``words:...`` or None (free text)."""
    if metavar is None:
        return None
    if metavar == "DIR":
        return DIRS
    if metavar.endswith(("FILE", ".xml")):
        return FILES
    if metavar == "CAP":
        return "words:" + " ".join(LIST_CAPS)
    if metavar == "NAME":
        if re.search(r"\bscsi_host\d|node-device name|'list' names", help):
            parent = any("parent" in f for f in flags or ())
            return VPORT_HBAS if parent else DEVICES
        if path[:1] == ("vhba",):
            return DEFINITIONS
    return None


def _bash_words(kind: str | None, choices: list[str]) -> str:
    """The bash code that fills COMPREPLY for a value of ``kind``."""
    if choices:
        return f'COMPREPLY=($(compgen -W {shlex.quote(" ".join(choices))} -- "$cur"))'
    if kind is None:
        return "COMPREPLY=()"
    if kind.startswith("words:"):
        return f'COMPREPLY=($(compgen -W {shlex.quote(kind[6:])} -- "$cur"))'
    return {
        DIRS: 'COMPREPLY=($(compgen -d -- "$cur"))',
        FILES: 'COMPREPLY=($(compgen -f -- "$cur"))',
        DEVICES: 'COMPREPLY=($(compgen -W "$(_nodedev_xml_list)" -- "$cur"))',
        VPORT_HBAS: 'COMPREPLY=($(compgen -W "$(_nodedev_xml_list --cap vports)" -- "$cur"))',
        DEFINITIONS: 'COMPREPLY=($(compgen -W "$(_nodedev_xml_definitions)" -- "$cur"))',
    }[kind]


def bash_completion(all_commands: list[Command]) -> str:
    top = all_commands[0]
    value_options = sorted(
        {f for c in all_commands for o in c.options if o.metavar for f in o.flags}
    )
    lines = [
        f"# bash completion for {PROG}: generated from its argument parser by",
        "# scripts/shelldocs.py; do not edit.",
        "",
        "# Device names from a scan of the root the line names (--root), else the default.",
        "_nodedev_xml_list() {",
        '    "${_nodedev_xml_cmd:-nodedev-xml}" ${_nodedev_xml_root:+--root "$_nodedev_xml_root"} '
        '-q list "$@" 2>/dev/null',
        "}",
        "# Definition names: the files of the state directory (no scan).",
        "_nodedev_xml_definitions() {",
        f'    local dir="${{_nodedev_xml_state:-${{{STATE_DIR_ENV}:-{STATE_DIR}}}}}/vhba" f',
        '    for f in "$dir"/*.xml; do',
        '        [ -e "$f" ] && f="${f##*/}" && printf "%s\\n" "${f%.xml}"',
        "    done",
        "}",
        "",
        "_nodedev_xml() {",
        '    local cur="${COMP_WORDS[COMP_CWORD]}" prev="${COMP_WORDS[COMP_CWORD-1]}"',
        '    local path="" word i skip=0 positional=0',
        '    local _nodedev_xml_cmd="${COMP_WORDS[0]}" _nodedev_xml_root="" _nodedev_xml_state=""',
        "    for ((i = 1; i < COMP_CWORD; i++)); do",
        '        word="${COMP_WORDS[i]}"',
        "        if ((skip)); then skip=0; continue; fi",
        '        case "$word" in',
        f"            {'|'.join(value_options)})",
        "                skip=1",
        '                [ "$word" = --root ] && _nodedev_xml_root="${COMP_WORDS[i+1]}"',
        '                [ "$word" = --state-dir ] && _nodedev_xml_state="${COMP_WORDS[i+1]}"',
        "                ;;",
        "            -*) ;;",
        "            *)",
        '                case "$path/$word" in',
    ]
    for c in all_commands[1:]:
        pattern = shlex.quote("/" + "/".join(c.path))
        lines.append(f'{" " * 20}{pattern}) path="$path/$word"; positional=0 ;;')
    lines += [
        "                    *) positional=$((positional + 1)) ;;",
        "                esac",
        "                ;;",
        "        esac",
        "    done",
        '    case "$prev" in',
    ]
    seen: dict[str, str] = {}
    for c in all_commands:
        for o in c.options:
            if o.metavar is None:
                continue
            code = _bash_words(value_kind(o.metavar, o.help, c.path, o.flags), o.choices)
            for flag in o.flags:
                if seen.setdefault(flag, code) != code:
                    continue  # the same flag in two commands: the first's values
    by_code: dict[str, list[str]] = {}
    for flag, code in seen.items():
        by_code.setdefault(code, []).append(flag)
    for code, flags in by_code.items():
        lines.append(f"        {'|'.join(sorted(flags))}) {code}; return ;;")
    lines += ["    esac", '    case "$path" in']
    for c in all_commands:
        words = [n for n, _ in c.commands] + [f for o in c.options for f in o.flags]
        pattern = shlex.quote("/" + "/".join(c.path)) if c.path else '""'
        lines.append(f"        {pattern})")
        below = shlex.quote(" ".join(n for n, _ in c.commands))
        lines.append(f'            if [[ "$cur" == -* ]] || [ -n {below} ]; then')
        offer = shlex.quote(" ".join(words))
        lines.append(f'                COMPREPLY=($(compgen -W {offer} -- "$cur")); return')
        lines.append("            fi")
        for index, p in enumerate(c.positionals):
            code = _bash_words(value_kind(p.name, p.help, c.path), p.choices)
            repeats = p.nargs in ("*", "+")
            test = f"((positional >= {index}))" if repeats else f"((positional == {index}))"
            lines.append(f"            if {test}; then {code}; return; fi")
        lines.append("            ;;")
    lines += [
        "    esac",
        "    COMPREPLY=()",
        "}",
        f"complete -F _nodedev_xml {PROG}",
    ]
    del top
    return "\n".join(lines) + "\n"


def _zsh_quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


def _zsh_action(kind: str | None, choices: list[str]) -> str:
    if choices:
        return f"compadd -- {' '.join(shlex.quote(c) for c in choices)}"
    if kind is None:
        return "_message value"
    if kind.startswith("words:"):
        return f"compadd -- {kind[6:]}"
    return {
        DIRS: "_directories",
        FILES: "_files",
        DEVICES: 'compadd -- ${(f)"$(_nodedev_xml_list)"}',
        VPORT_HBAS: 'compadd -- ${(f)"$(_nodedev_xml_list --cap vports)"}',
        DEFINITIONS: 'compadd -- ${(f)"$(_nodedev_xml_definitions)"}',
    }[kind]


def zsh_completion(all_commands: list[Command]) -> str:
    value_options = sorted(
        {f for c in all_commands for o in c.options if o.metavar for f in o.flags}
    )
    lines = [
        f"#compdef {PROG}",
        f"# zsh completion for {PROG}: generated from its argument parser by",
        "# scripts/shelldocs.py; do not edit.",
        "",
        "_nodedev_xml_list() {",
        "  ${_nodedev_xml_cmd:-nodedev-xml} ${_nodedev_xml_root:+--root} ${_nodedev_xml_root} "
        '-q list "$@" 2>/dev/null',
        "}",
        "_nodedev_xml_definitions() {",
        f'  local dir="${{_nodedev_xml_state:-${{{STATE_DIR_ENV}:-{STATE_DIR}}}}}/vhba" f',
        '  for f in "$dir"/*.xml(N); do print -r -- "${${f:t}%.xml}"; done',
        "}",
        "",
        "_nodedev-xml() {",
        '  local cur="${words[CURRENT]}" prev="${words[CURRENT-1]}"',
        '  local cmdpath="" word i skip=0 positional=0',
        '  local _nodedev_xml_cmd="${words[1]}" _nodedev_xml_root="" _nodedev_xml_state=""',
        "  for ((i = 2; i < CURRENT; i++)); do",
        '    word="${words[i]}"',
        "    if ((skip)); then skip=0; continue; fi",
        '    case "$word" in',
        f"      ({'|'.join(value_options)})",
        "        skip=1",
        '        [[ "$word" == --root ]] && _nodedev_xml_root="${words[i+1]}"',
        '        [[ "$word" == --state-dir ]] && _nodedev_xml_state="${words[i+1]}"',
        "        ;;",
        "      (-*) ;;",
        "      (*)",
        '        case "$cmdpath/$word" in',
    ]
    for c in all_commands[1:]:
        pattern = _zsh_quote("/" + "/".join(c.path))
        lines.append(f'          ({pattern}) cmdpath="$cmdpath/$word"; positional=0 ;;')
    lines += [
        "          (*) positional=$((positional + 1)) ;;",
        "        esac",
        "        ;;",
        "    esac",
        "  done",
        '  case "$prev" in',
    ]
    seen: dict[str, str] = {}
    for c in all_commands:
        for o in c.options:
            if o.metavar is not None:
                for flag in o.flags:
                    seen.setdefault(
                        flag, _zsh_action(value_kind(o.metavar, o.help, c.path, o.flags), o.choices)
                    )
    by_action: dict[str, list[str]] = {}
    for flag, action in seen.items():
        by_action.setdefault(action, []).append(flag)
    for action, flags in by_action.items():
        lines.append(f"    ({'|'.join(sorted(flags))}) {action}; return ;;")
    lines += ["  esac", '  case "$cmdpath" in']
    for c in all_commands:
        lines.append(f"    ({_zsh_quote('/' + '/'.join(c.path)) if c.path else _zsh_quote('')})")
        entries = [f"{n}:{h}" for n, h in c.commands]
        opts = [f"{f}:{o.help}" for o in c.options for f in o.flags]
        lines.append(f"      local -a cmds; cmds=({' '.join(_zsh_quote(e) for e in entries)})")
        lines.append(f"      local -a opts; opts=({' '.join(_zsh_quote(e) for e in opts)})")
        lines.append(
            '      if [[ "$cur" == -* ]]; then _describe -t options option opts; return; fi'
        )
        if c.commands:
            lines.append("      _describe -t commands command cmds; return")
        for index, p in enumerate(c.positionals):
            action = _zsh_action(value_kind(p.name, p.help, c.path), p.choices)
            test = (
                f"((positional >= {index}))"
                if p.nargs in ("*", "+")
                else f"((positional == {index}))"
            )
            lines.append(f"      if {test}; then {action}; return; fi")
        lines.append("      ;;")
    lines += ["  esac", "}", "", '_nodedev-xml "$@"']
    return "\n".join(lines) + "\n"


# ----------------------------------------------------------------------------- main


def write_all(folder: Path) -> list[Path]:
    """Write the three files below ``folder`` (made if missing); return their paths."""
    found = commands()
    written = []
    for name, text in ((MAN_PAGE, man_page(found)), (BASH_COMPLETION, bash_completion(found)),
                       (ZSH_COMPLETION, zsh_completion(found))):  # fmt: skip
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1 or args[0].startswith("-"):
        print(f"usage: {os.path.basename(sys.argv[0])} OUTDIR", file=sys.stderr)
        return 2
    for path in write_all(Path(args[0])):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
