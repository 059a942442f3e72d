"""``nodedev-xml vhba define|undefine|start|stop|autostart|list-defined|migrate-pool|
export-pool`` as a user runs them: separate processes on a fake root, with the kernel
emulator serving the vport files from another process; error paths in-process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from lxml import etree
from vhba_trees import HBA_WWNN, HBA_WWPN, build_san

from nodedev_xml.cli.main import main
from nodedev_xml.testing.emulator import BackgroundEmulator

REPO = Path(__file__).resolve().parent.parent
ENV = {**os.environ, "PYTHONPATH": str(REPO)}
ENV.pop("NODEDEV_XML_STATE_DIR", None)
POOL_RNG = Path("/usr/share/libvirt/schemas/storagepool.rng")


@pytest.fixture
def root(tmp_path: Path) -> Path:
    build_san(tmp_path / "host")
    return tmp_path / "host"


@pytest.fixture
def state(tmp_path: Path) -> Path:
    return tmp_path / "state"


def run(
    root: Path, state: Path, *args: str, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "nodedev_xml", "--root", str(root), "--state-dir", str(state)]
    return subprocess.run(
        [*argv, *args], capture_output=True, text=True, env=ENV, timeout=60, input=stdin
    )


def _definition(tmp_path: Path, name: str, body: str = "", **attrs: str) -> str:
    more = "".join(f" {k}='{v}'" for k, v in attrs.items())
    path = tmp_path / f"{name}.in.xml"
    path.write_text(f"<vhba name='{name}'{more}>{body}</vhba>\n", encoding="utf-8")
    return str(path)


PARENT = f"<parent wwnn='{HBA_WWNN:016x}' wwpn='{HBA_WWPN:016x}'/>"


def test_the_whole_lifecycle_through_the_command_line(
    root: Path, state: Path, tmp_path: Path
) -> None:
    # define: WWNs generated once and printed
    done = run(root, state, "vhba", "define", _definition(tmp_path, "web1", PARENT))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("vHBA definition web1 defined: wwnn 5001a4a")
    saved = (state / "vhba" / "web1.xml").read_text()
    assert oct((state / "vhba").stat().st_mode & 0o777) == "0o700"
    # by name: works, with the advice to name the parent by its WWNs
    done = run(
        root, state, "vhba", "define", _definition(tmp_path, "db", "<parent>scsi_host8</parent>")
    )
    assert done.returncode == 0 and "host numbers change across reboots" in done.stderr

    listed = run(root, state, "vhba", "list-defined", "--json")
    assert listed.returncode == 0, listed.stderr
    rows = {r["name"]: r for r in json.loads(listed.stdout)}
    assert rows["web1"]["state"] == "stopped" and rows["web1"]["autostart"] is False
    assert rows["web1"]["parent"] == {"wwnn": f"{HBA_WWNN:016x}", "wwpn": f"{HBA_WWPN:016x}"}
    assert rows["db"]["parent"] == {"name": "scsi_host8"}
    assert rows["web1"]["wwnn"] != rows["db"]["wwnn"]

    done = run(root, state, "vhba", "autostart", "web1")
    assert done.stdout == "web1 will be started at boot\n"
    assert 'autostart="yes"' in (state / "vhba" / "web1.xml").read_text()

    with BackgroundEmulator(root, host_delay=0.05) as emu:
        done = run(root, state, "vhba", "start", "--autostart", "--retry-for", "5")
        assert done.returncode == 0, done.stderr
        assert done.stdout.startswith("web1 started as scsi_host")
        device = done.stdout.split()[3]
        table = run(root, state, "vhba", "list-defined").stdout.splitlines()
        assert table[0].split() == ["NAME", "AUTOSTART", "STATE", "PARENT", "WWNN", "WWPN"]
        web1 = next(line for line in table if line.startswith("web1 "))
        assert f"running as {device}" in web1 and " yes " in web1
        db = next(line for line in table if line.startswith("db "))
        assert " stopped " in db and " no " in db

        writes = len(emu.writes())
        done = run(root, state, "vhba", "start", "web1")
        assert done.stdout == f"web1 is already running as {device}; nothing done\n"
        assert len(emu.writes()) == writes

        done = run(root, state, "vhba", "stop", "web1")
        assert done.returncode == 0 and done.stdout == f"web1 stopped: {device} deleted\n"
        assert "vport_delete" in emu.writes()[-1]
        done = run(root, state, "vhba", "stop", "web1")
        assert done.stdout == "web1 is not running; nothing done\n"

        done = run(root, state, "vhba", "start", "db", "--timeout", "10")
        assert done.returncode == 0 and done.stdout.startswith("db started as scsi_host")
        db_device = done.stdout.split()[3]
        done = run(root, state, "vhba", "undefine", "db")
        assert done.stdout.splitlines() == [
            "vHBA definition db undefined",
            f"its vHBA {db_device} keeps running"
            f" ('nodedev-xml vhba delete {db_device}' removes it)",
        ]
        assert run(root, state, "vhba", "delete", db_device).returncode == 0
    # the generated WWNs never changed
    assert (state / "vhba" / "web1.xml").read_text().count("<wwnn>") == 1
    assert saved.split("<wwnn>")[1][:16] in (state / "vhba" / "web1.xml").read_text()
    assert sorted(os.listdir(state / "vhba")) == ["web1.xml"]


def test_a_corrupt_definition_is_reported_and_kept(root: Path, state: Path, tmp_path: Path) -> None:
    assert (
        run(
            root, state, "vhba", "define", _definition(tmp_path, "good", PARENT, autostart="yes")
        ).returncode
        == 0
    )
    broken = state / "vhba" / "bad.xml"
    broken.write_text("<vhba name='bad' autostart='yes'>\n  <wwnn>zz</wwnn>\n</vhba>\n")
    before = broken.read_bytes()
    listed = run(root, state, "vhba", "list-defined")
    assert listed.returncode == 0
    assert [line.split()[0] for line in listed.stdout.splitlines()[1:]] == ["good"]
    assert listed.stderr.startswith(f"nodedev-xml: warning: {broken}:2: not a vHBA definition")
    assert listed.stderr.count("\n") == 1 and "skipped, left as it is" in listed.stderr
    done = run(root, state, "vhba", "define", _definition(tmp_path, "bad", PARENT))
    assert done.returncode == 2 and "left as it is" in done.stderr
    assert done.stderr.count("\n") == 1
    for args in (["undefine", "bad"], ["autostart", "bad"], ["start", "bad"]):
        done = run(root, state, "vhba", *args)
        assert done.returncode == 2 and str(broken) in done.stderr, args
    with BackgroundEmulator(root, host_delay=0.05):
        done = run(root, state, "vhba", "start", "--autostart")
    # the others start, but a definition that cannot be read fails the boot (exit 1),
    # named, with what is wrong in words
    assert done.returncode == 1 and done.stdout.startswith("good started as")
    assert "error: bad: not started: " in done.stderr and "bad.xml:2" in done.stderr
    assert "<wwnn>: expected 16 hex digits" in done.stderr and "got 'zz'" in done.stderr
    assert broken.read_bytes() == before


def test_autostart_reports_what_did_not_start(root: Path, state: Path, tmp_path: Path) -> None:
    lost = "<parent fabric_wwn='2001000dec000000'/>"
    assert (
        run(
            root, state, "vhba", "define", _definition(tmp_path, "lost", lost, autostart="yes")
        ).returncode
        == 0
    )
    with BackgroundEmulator(root) as emu:
        done = run(
            root,
            state,
            "vhba",
            "start",
            "--autostart",
            "--retry-for",
            "1",
            "--retry-interval",
            "0.3",
        )
        assert emu.writes() == []
    assert done.returncode == 1
    errors = [line for line in done.stderr.splitlines() if "error" in line]
    assert len(errors) == 1 and errors[0].startswith("nodedev-xml: error: lost: not started: ")
    assert "trying again in 0.3 s" in done.stderr


def test_pools_from_the_command_line(root: Path, state: Path, tmp_path: Path) -> None:
    assert run(root, state, "vhba", "define", _definition(tmp_path, "web1", PARENT)).returncode == 0
    exported = run(root, state, "vhba", "export-pool", "web1")
    assert exported.returncode == 0, exported.stderr
    pool = etree.fromstring(exported.stdout)
    adapter = pool.find("source/adapter")
    assert adapter is not None and adapter.get("parent_wwnn") == f"{HBA_WWNN:016x}"
    src = tmp_path / "web1.pool.xml"
    src.write_text(exported.stdout)

    # the destination (--root) is checked: its parent must be there and vport-capable
    missing = run(root, state, "vhba", "migrate-pool", str(src), "--parent", "scsi_host3")
    assert missing.returncode == 2 and "has no vport-capable HBA scsi_host3" in missing.stderr
    migrated = run(root, state, "vhba", "migrate-pool", str(src), "--parent", "scsi_host8")
    assert migrated.returncode == 0, migrated.stderr
    dest = etree.fromstring(migrated.stdout)
    assert dest.findtext("uuid") == pool.findtext("uuid")
    new = dest.find("source/adapter")
    assert new is not None and new.get("parent") == "scsi_host8" and new.get("managed") == "yes"
    old_wwns = {adapter.get("wwnn"), adapter.get("wwpn")}
    assert not {new.get("wwnn"), new.get("wwpn")} & old_wwns
    if POOL_RNG.is_file():
        grammar = etree.RelaxNG(file=str(POOL_RNG))
        assert grammar.validate(pool) and grammar.validate(dest)

    given = run(
        root,
        state,
        "vhba",
        "migrate-pool",
        "-",
        "--parent-fabric-wwn",
        "2001000dec9877c1",
        "--wwnn",
        "5001a4a0000000aa",
        "--wwpn",
        "0x5001A4A0000000AB",
        stdin=exported.stdout,
    )
    assert given.returncode == 0, given.stderr
    new = etree.fromstring(given.stdout).find("source/adapter")
    assert new is not None
    assert (new.get("wwnn"), new.get("wwpn")) == ("5001a4a0000000aa", "5001a4a0000000ab")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["migrate-pool", "POOL"], "name the destination's parent HBA"),
        (["migrate-pool", "POOL", "--parent", "a", "--parent-fabric-wwn", "1"], "one way"),
        (["migrate-pool", "POOL", "--parent-wwnn", "1"], "go together"),
        (["migrate-pool", "POOL", "--parent", "a", "--wwnn", "1"], "--wwnn and --wwpn go together"),
        (["migrate-pool", "POOL", "--parent", "a", "--wwnn", "xyz", "--wwpn", "1"], "--wwnn:"),
        (["migrate-pool", "DIRPOOL", "--parent", "a"], "DIRPOOL.xml:1: pool type 'dir'"),
        (["start"], "one of the arguments"),
        (["start", "web1", "--autostart"], "not allowed with"),
        (["start", "web1", "--retry-for", "5"], "--retry-for goes with --autostart"),
        (["start", "--autostart", "--retry-for", "-1"], "expected 0 to 86400 seconds"),
        (["undefine", "../etc/passwd"], "invalid definition name '../etc/passwd'"),
        (["stop", "nope"], "no vHBA definition named 'nope'"),
        (["export-pool", "nope"], "no vHBA definition named 'nope'"),
        (["define", "MISSING"], "cannot read: no such file"),
        (["define", "CREATE"], "a create document (<device>) names no definition"),
    ],
)
def test_bad_command_lines_fail_in_one_line(
    args: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "POOL.xml").write_text(
        "<pool type='scsi'><name>p</name><uuid>e9392370-2917-565e-692b-d057f46512d6</uuid>"
        "<source><adapter type='fc_host' wwnn='5001a4a000000002' wwpn='5001a4a000000003'/>"
        "</source><target><path>/dev/disk/by-path</path></target></pool>"
    )
    (tmp_path / "DIRPOOL.xml").write_text("<pool type='dir'><name>p</name></pool>")
    (tmp_path / "CREATE.xml").write_text(
        "<device><parent>scsi_host8</parent><capability type='scsi_host'>"
        "<capability type='fc_host'/></capability></device>"
    )
    subst = {a: str(tmp_path / f"{a}.xml") for a in ("POOL", "DIRPOOL", "CREATE", "MISSING")}
    argv = ["--root", str(tmp_path), "--state-dir", str(tmp_path / "state"), "vhba"]
    code = main([*argv, *(subst.get(a, a) for a in args)])
    err = capsys.readouterr().err
    # "no such definition" is a negative answer (1), as "no such device" is
    assert code == (1 if message.startswith("no vHBA definition") else 2), err
    assert message in err and err.count("\n") == 1, err


def test_define_takes_a_virsh_nodedev_create_file(
    root: Path, state: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = tmp_path / "vhba.xml"
    doc.write_text(
        f"<device><parent wwnn='{HBA_WWNN:016x}' wwpn='{HBA_WWPN:016x}'/>"
        "<capability type='scsi_host'><capability type='fc_host'>"
        "<wwnn>5001a4a0000000c0</wwnn><wwpn>5001a4a0000000c1</wwpn>"
        "</capability></capability></device>"
    )
    argv = ["--root", str(root), "--state-dir", str(state), "vhba", "define", str(doc)]
    assert main([*argv, "--name", "from-virsh"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(
        "vHBA definition from-virsh defined: wwnn 5001a4a0000000c0, wwpn 5001a4a0000000c1"
    )
    # the host's own port names are refused: they belong to the HBA
    doc.write_text(doc.read_text().replace("5001a4a0000000c0", f"{HBA_WWNN:016x}"))
    assert main([*argv, "--name", "clash"]) == 2
    assert "is a port of this host's HBAs" in capsys.readouterr().err


def test_the_state_dir_comes_from_the_environment(
    root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("NODEDEV_XML_STATE_DIR", str(tmp_path / "env-state"))
    assert main(["--root", str(root), "vhba", "define", _definition(tmp_path, "e", PARENT)]) == 0
    assert (tmp_path / "env-state" / "vhba" / "e.xml").is_file()
    capsys.readouterr()
    assert main(["--root", str(root), "vhba", "list-defined", "--json"]) == 0
    assert [r["name"] for r in json.loads(capsys.readouterr().out)] == ["e"]
