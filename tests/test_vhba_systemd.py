"""The boot-time unit of contrib/: systemd's own verifier, and its command line ours."""

from __future__ import annotations

import configparser
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from nodedev_xml.cli.main import build_parser

UNIT = Path(__file__).resolve().parent.parent / "contrib" / "nodedev-xml-vhba-autostart.service"
SHIPPED_COMMAND = "/usr/bin/nodedev-xml"


def _unit() -> configparser.ConfigParser:
    # systemd allows repeated keys; none is repeated in this unit
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(UNIT.read_text(encoding="utf-8"))
    return parser


def test_the_unit_runs_autostart_with_a_bounded_retry() -> None:
    unit = _unit()
    service = unit["Service"]
    assert service["Type"] == "oneshot"
    argv = shlex.split(service["ExecStart"])
    assert argv[0] == SHIPPED_COMMAND
    args = build_parser().parse_args(argv[1:])
    assert args.autostart and args.name is None
    assert 0 < args.retry_for <= 300 and args.retry_interval > 0
    # the start timeout leaves room for the whole retry window
    assert int(service["TimeoutStartSec"]) > args.retry_for + args.timeout
    after = unit["Unit"]["After"].split()
    assert "systemd-udev-trigger.service" in after and "local-fs.target" in after
    assert "libvirtd.service" in unit["Unit"]["Before"].split()
    assert unit["Install"]["WantedBy"] == "multi-user.target"


def test_systemd_analyze_verify_accepts_the_unit(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed (package systemd)")
    # verify checks that ExecStart= names an executable: point it at this Python
    command = shutil.which("nodedev-xml") or f"{sys.executable} -m nodedev_xml"
    text = UNIT.read_text(encoding="utf-8").replace(SHIPPED_COMMAND, command)
    unit = tmp_path / UNIT.name
    unit.write_text(text, encoding="utf-8")
    done = subprocess.run(
        [analyze, "verify", str(unit)], capture_output=True, text=True, timeout=60, check=False
    )
    ours = [line for line in (done.stdout + done.stderr).splitlines() if UNIT.name in line]
    assert done.returncode == 0 and not ours, done.stdout + done.stderr


def test_systemd_analyze_verify_would_catch_a_broken_unit(tmp_path: Path) -> None:
    """The check above can fail: a unit with an unknown key and no executable does."""
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed (package systemd)")
    bad = tmp_path / UNIT.name
    bad.write_text(UNIT.read_text(encoding="utf-8") + "\n[Service]\nRetries=3\n")
    done = subprocess.run(
        [analyze, "verify", str(bad)], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode != 0 or UNIT.name in done.stdout + done.stderr
