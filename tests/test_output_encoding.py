"""Output is UTF-8 bytes whatever the locale, and messages on stderr never crash.

Run as a user runs the command: a subprocess under an ASCII-only or Latin-1
standard output, on a root whose lpfc port's symbolic name holds ``ü``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from newuser_roots import SYMBOLIC, build, scsi_name

#: Standard streams that cannot encode ``ü`` (ASCII) or encode it as one byte (Latin-1,
#: what a Latin-1 locale gives; this machine has no such locale installed).
ENVIRONMENTS = {
    "PYTHONIOENCODING=ascii": {"PYTHONIOENCODING": "ascii"},
    "LC_ALL=C": {"LC_ALL": "C", "LANG": "C", "PYTHONCOERCECLOCALE": "0", "PYTHONUTF8": "0"},
    "latin-1": {"PYTHONIOENCODING": "latin-1"},
}


def command(
    env: dict[str, str], *args: str, stdin: bytes = b""
) -> subprocess.CompletedProcess[bytes]:
    full = {k: v for k, v in os.environ.items() if not k.startswith(("LC_", "PYTHONIO"))}
    full.update(env)
    return subprocess.run([sys.executable, "-m", "nodedev_xml", *args], input=stdin,
                          capture_output=True, env=full, check=False)  # fmt: skip


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    path = tmp_path_factory.mktemp("encoding")
    hosts = build(path)
    return str(path), scsi_name(hosts["lpfc"])


@pytest.mark.parametrize("env", ENVIRONMENTS.values(), ids=ENVIRONMENTS.keys())
def test_every_command_prints_utf8(env: dict[str, str], root: tuple[str, str]) -> None:
    path, lpfc = root
    want = SYMBOLIC.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    dumped = command(env, "--root", path, "dumpxml", lpfc)
    assert dumped.returncode == 0, dumped.stderr
    assert want.encode("utf-8") in dumped.stdout
    plain = command(env, "--root", path, "dumpxml", "--profile", "libvirt", lpfc).stdout
    outputs = {
        "dumpxml --all": command(env, "--root", path, "dumpxml", "--all"),
        "dumpxml --json": command(env, "--root", path, "dumpxml", "--json", lpfc),
        "list": command(env, "--root", path, "list"),
        "list --tree": command(env, "--root", path, "list", "--tree"),
        "list --json": command(env, "--root", path, "list", "--json"),
        "strip": command(env, "strip", "-", stdin=dumped.stdout),
        "enrich": command(env, "--root", path, "enrich", "-", stdin=plain),
        "validate": command(env, "validate", "-", stdin=dumped.stdout),
    }
    for name, done in outputs.items():
        assert done.returncode == 0 and b"Traceback" not in done.stderr, (name, done.stderr)
        done.stdout.decode("utf-8")  # raises for bytes that are not UTF-8
    for name in ("dumpxml --all", "enrich"):  # (strip drops symbolic_name)
        assert want.encode("utf-8") in outputs[name].stdout, name
    assert "Grüße".encode() not in outputs["dumpxml --json"].stdout  # JSON escapes it


@pytest.mark.parametrize("env", ENVIRONMENTS.values(), ids=ENVIRONMENTS.keys())
def test_messages_never_crash(env: dict[str, str], tmp_path: Path) -> None:
    missing = str(tmp_path / "grüße.xml")
    done = command(env, "validate", missing)
    assert done.returncode == 2 and b"Traceback" not in done.stderr
    assert done.stderr.startswith(b"nodedev-xml: error: ") and done.stderr.count(b"\n") == 1
    bad = command(env, "validate", "-", stdin="<device><name>ü</name>".encode())
    assert bad.returncode == 1 and b"Traceback" not in bad.stderr + bad.stdout
