"""The man page and the bash and zsh completion, generated from the argument parser by
scripts/shelldocs.py into a temporary folder, hold every command the parser has.

The commands are found by walking the parser here, independently of the generator:
a command added to the parser and missing from the man page or a completion fails.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import FIXTURES, REPO

from nodedev_xml.cli.main import build_parser

MAN = "man/man1/nodedev-xml.1"
BASH = "bash-completion/completions/nodedev-xml"
ZSH = "zsh/vendor-completions/_nodedev-xml"


def _commands(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield (*path, name), sub
                yield from _commands(sub, (*path, name))


COMMANDS = list(_commands(build_parser()))


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("shelldocs")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}  # the script finds the repo
    subprocess.run([sys.executable, str(REPO / "scripts" / "shelldocs.py"), str(out)],
                   check=True, env=env, capture_output=True)  # fmt: skip
    return out


def test_the_parser_has_nested_commands() -> None:
    assert len(COMMANDS) > 10 and any(len(path) == 2 for path, _ in COMMANDS)


def _roff(text: str) -> str:
    return text.replace("-", "\\-")


def test_every_command_and_option_is_in_the_man_page(generated: Path) -> None:
    page = (generated / MAN).read_text()
    assert page.startswith('.\\"') and "\n.TH NODEDEV\\-XML 1 " in page
    import nodedev_xml

    assert f'"nodedev-xml {nodedev_xml.__version__}"' in page
    for section in ("NAME", "SYNOPSIS", "DESCRIPTION", "COMMANDS", "EXIT STATUS",
                    "ENVIRONMENT", "FILES", "SEE ALSO"):  # fmt: skip
        assert f"\n.SH {section}\n" in page
    for path, parser in COMMANDS:
        assert f'\n.SS "{_roff(" ".join(path))}"\n' in page, path
        for action in parser._actions:
            for flag in action.option_strings:
                if action.help is not argparse.SUPPRESS and flag not in {"-h", "--help"}:
                    assert f"\\fB{_roff(flag)}\\fR" in page, (path, flag)
    assert "NODEDEV_XML_ROOT" in page and "NODEDEV_XML_STATE_DIR" in page


@pytest.mark.skipif(shutil.which("groff") is None, reason="groff is not installed")
def test_the_man_page_formats_without_warnings(generated: Path) -> None:
    done = subprocess.run(["groff", "-man", "-Tutf8", "-ww", "-z", str(generated / MAN)],
                          capture_output=True, text=True, check=True)  # fmt: skip
    assert done.stderr == ""


def _complete(script: Path, words: list[str], path_dir: Path | None = None) -> list[str]:
    """What the bash completion offers for the last of ``words`` (the line so far)."""
    array = " ".join(f"'{w}'" for w in words)
    code = (
        f"source '{script}'\n"
        f"COMP_WORDS=({array}); COMP_CWORD={len(words) - 1}; COMPREPLY=()\n"
        "_nodedev_xml\n"
        'printf "%s\\n" "${COMPREPLY[@]}"\n'
    )
    env = dict(os.environ)
    if path_dir is not None:
        env["PATH"] = f"{path_dir}{os.pathsep}{env['PATH']}"
    done = subprocess.run(["bash", "--norc", "--noprofile", "-c", code], capture_output=True,
                          text=True, check=True, env=env, cwd=REPO)  # fmt: skip
    assert done.stderr == ""
    return done.stdout.split()


def test_bash_completes_every_command(generated: Path) -> None:
    script = generated / BASH
    assert "complete -F _nodedev_xml nodedev-xml" in script.read_text()
    for path, _ in COMMANDS:
        *before, last = path
        offered = _complete(script, ["nodedev-xml", *before, last[:2]])
        assert last in offered, (path, offered)
        assert all(o.startswith(last[:2]) for o in offered)


def test_bash_completes_choices_options_and_devices(generated: Path, tmp_path: Path) -> None:
    script = generated / BASH
    assert _complete(script, ["nodedev-xml", "dumpxml", "--profile", ""]) == ["enriched", "libvirt"]
    assert "--output-dir" in _complete(script, ["nodedev-xml", "dumpxml", "--"])
    assert _complete(script, ["nodedev-xml", "validate", "--schema", "x"]) == ["xsd"]
    # Device names come from the command's own list of the root the line names.
    command = tmp_path / "nodedev-xml"
    command.write_text(
        f'#!/bin/sh\nPYTHONPATH="{REPO}" exec "{sys.executable}" -m nodedev_xml "$@"\n'
    )
    command.chmod(0o755)
    root = str(FIXTURES / "mixed")
    offered = _complete(script, ["nodedev-xml", "--root", root, "dumpxml", "scsi_host"], tmp_path)
    assert offered and {"scsi_host3", "scsi_host7"} <= set(offered)
    hbas = _complete(script, ["nodedev-xml", "vhba", "create", "--root", root, "--parent", ""],
                     tmp_path)  # fmt: skip
    assert hbas == ["scsi_host3", "scsi_host4", "scsi_host6"]


@pytest.mark.skipif(shutil.which("zsh") is None, reason="zsh is not installed")
def test_zsh_completion_parses_and_names_every_command(generated: Path) -> None:
    script = generated / ZSH
    text = script.read_text()
    assert text.startswith("#compdef nodedev-xml\n")
    subprocess.run(["zsh", "-n", str(script)], check=True)
    for path, _ in COMMANDS:
        assert f"('/{'/'.join(path)}')" in text, path
