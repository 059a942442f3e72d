"""``nodedev-xml vhba create|delete`` as a user runs it: a separate process writing to a
fake root that the kernel emulator serves from yet another process."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from vhba_trees import FABRIC, FULL_VPORT_WWPN, HBA_WWNN, HBA_WWPN, build_san, snapshot

import nodedev_xml as nx
from nodedev_xml.testing.emulator import BackgroundEmulator

REPO = Path(__file__).resolve().parent.parent
ENV = {**os.environ, "PYTHONPATH": str(REPO)}
NEW_WWNN, NEW_WWPN = "5001a4a000000001", "5001a4a000000002"


def command(root: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "nodedev_xml", "--root", str(root), *args]


def run(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command(root, *args), capture_output=True, text=True, env=ENV,
                          timeout=30)  # fmt: skip


@pytest.fixture
def root(tmp_path: Path) -> Path:
    build_san(tmp_path / "host")
    return tmp_path / "host"


@pytest.fixture
def kernel(root: Path) -> Iterator[BackgroundEmulator]:
    with BackgroundEmulator(root, host_delay=0.05) as emu:
        yield emu


def _vhba_of(root: Path, name: str) -> tuple[str | None, str, str]:
    dev = nx.scan(str(root))[name]
    assert dev.scsi_host is not None and dev.scsi_host.fc_host is not None
    fc = dev.scsi_host.fc_host
    return dev.parent_name, str(fc.wwnn), str(fc.wwpn)


@pytest.mark.parametrize(
    "how",
    [
        ["--parent", "scsi_host8"],
        ["--parent-wwnn", f"{HBA_WWNN:016x}", "--parent-wwpn", f"0x{HBA_WWPN:016X}"],
        ["--parent-fabric-wwn", f"{FABRIC:016x}"],  # scsi_host6 is on it first, but full
        [],  # scsi_host5 (Linkdown) and scsi_host6 (full) come first
    ],
    ids=["name", "wwns", "fabric", "none"],
)
def test_create_finds_the_parent_and_prints_the_new_name(
    root: Path, kernel: BackgroundEmulator, how: list[str]
) -> None:
    done = run(root, "vhba", "create", *how, "--wwnn", NEW_WWNN, "--wwpn", NEW_WWPN,
               "--timeout", "1")  # fmt: skip
    assert (done.returncode, done.stdout, done.stderr) == (0, "scsi_host10\n", "")
    assert _vhba_of(root, "scsi_host10") == ("scsi_host8", NEW_WWNN, NEW_WWPN)
    assert kernel.writes() == [
        "write /sys/devices/pci0000:00/0000:00:03.0/0000:06:00.0/host8/fc_host/host8/vport_create"
        f" '{NEW_WWPN}:{NEW_WWNN}' -> ok"
    ]


def test_create_from_a_virsh_nodedev_create_file(
    root: Path, kernel: BackgroundEmulator, tmp_path: Path
) -> None:
    doc = tmp_path / "vhba.xml"
    doc.write_text(
        f"""<device>
  <parent wwnn='{HBA_WWNN:016x}' wwpn='{HBA_WWPN:016x}'/>
  <capability type='scsi_host'>
    <capability type='fc_host'>
      <wwnn>{NEW_WWNN}</wwnn>
      <wwpn>{NEW_WWPN}</wwpn>
    </capability>
  </capability>
</device>
"""
    )
    done = run(root, "vhba", "create", "--file", str(doc), "--timeout", "1", "--xml")
    assert done.returncode == 0, done.stderr
    # with --xml, stdout is one document (| nodedev-xml validate - takes it); the name
    # goes to stderr
    assert done.stderr == "scsi_host10\n"
    xml = done.stdout
    checked = subprocess.run([*command(root, "validate", "-")], input=xml, capture_output=True,
                             text=True, env=ENV, timeout=30)  # fmt: skip
    assert checked.returncode == 0, checked.stdout + checked.stderr
    nx.validate(xml, profile="enriched")
    assert nx.from_xml(xml) == nx.scan(str(root))["scsi_host10"]
    assert _vhba_of(root, "scsi_host10") == ("scsi_host8", NEW_WWNN, NEW_WWPN)


def test_verbose_logs_the_write(root: Path, kernel: BackgroundEmulator) -> None:
    done = run(root, "-v", "vhba", "create", "--parent", "scsi_host8", "--timeout", "1")
    assert done.returncode == 0
    assert "/sys/class/fc_host/host8/vport_create: ok" in done.stderr
    assert done.stderr.startswith("nodedev-xml: wrote '5001a4a")


def test_delete_by_name_and_by_wwpn_leave_the_tree_as_it_was(
    root: Path, kernel: BackgroundEmulator
) -> None:
    before = snapshot(root)
    first = run(root, "vhba", "create", "--timeout", "1").stdout.strip()
    second = run(root, "vhba", "create", "--wwnn", NEW_WWNN, "--wwpn", NEW_WWPN,
                 "--timeout", "1").stdout.strip()  # fmt: skip
    assert (first, second) == ("scsi_host10", "scsi_host11")
    assert run(root, "vhba", "delete", first).returncode == 0
    done = run(root, "vhba", "delete", "--wwpn", NEW_WWPN)
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
    assert snapshot(root) == before  # the vport files are FIFOs while the emulator runs


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--parent", "scsi_host5"], "scsi_host5 cannot take a new vHBA: port state is Linkdown"),
        (["--parent", "scsi_host6"], "scsi_host6 cannot take a new vHBA: full (1 of 1"),
        (["--parent", "scsi_host9"], "scsi_host9 cannot take a new vHBA: not vport-capable"),
        (["--parent", "scsi_host7"], "scsi_host7 cannot take a new vHBA: not vport-capable"),
        (["--wwnn", "5001a4a00000001", "--wwpn", NEW_WWPN], "--wwnn: invalid WWN"),
        (["--wwnn", NEW_WWNN, "--wwpn", "5001a4a00000000g"], "--wwpn: invalid WWN"),
        (["--wwnn", NEW_WWNN], "--wwnn and --wwpn go together"),
        (["--wwnn", NEW_WWNN, "--wwpn", f"{FULL_VPORT_WWPN:x}"], "a vport of scsi_host6"),
        (["--wwnn", f"{HBA_WWNN:x}", "--wwpn", NEW_WWPN], "the WWNN of scsi_host8"),
        (["--parent", "scsi_host8", "--parent-fabric-wwn", f"{FABRIC:x}"], "one way"),
    ],
)
def test_bad_requests_are_refused_before_anything_is_written(
    root: Path, kernel: BackgroundEmulator, args: list[str], words: str
) -> None:
    before = snapshot(root)
    done = run(root, "vhba", "create", *args, "--timeout", "1")
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.startswith("nodedev-xml: error: ") and words in done.stderr
    assert done.stderr.count("\n") == 1
    assert kernel.writes() == []
    assert snapshot(root) == before


def test_two_creates_on_one_free_slot_give_one_vhba_and_one_refusal(tmp_path: Path) -> None:
    build_san(tmp_path, room=1)
    with BackgroundEmulator(tmp_path, host_delay=0.2) as emu:
        procs = [
            subprocess.Popen(
                command(tmp_path, "vhba", "create", "--parent", "scsi_host8", "--timeout", "1"),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env=ENV,
            )
            for _ in range(2)
        ]
        results = sorted((p.wait(30), *p.communicate()) for p in procs)
        writes = emu.writes()
    assert results[0] == (0, "scsi_host10\n", "")
    code, out, err = results[1]
    assert (code, out) == (2, "")
    assert "scsi_host8 cannot take a new vHBA: full (1 of 1 vports in use)" in err
    assert len(writes) == 1 and writes[0].endswith("-> ok")


def test_a_vhba_that_never_appears_is_rolled_back_within_the_timeout(root: Path) -> None:
    before = snapshot(root)
    with BackgroundEmulator(root, host_appears=False) as emu:
        start = time.monotonic()
        done = run(root, "vhba", "create", "--parent", "scsi_host8", "--timeout", "0.5")
        took = time.monotonic() - start
        writes = emu.wait_writes(2)  # the rollback's write may still be in the FIFO
    assert done.returncode == 2
    assert "no Scsi_Host appeared for the vport vport-8:0-0 of scsi_host8 within 0.5 s" in (
        done.stderr
    )
    assert "deleted it again" in done.stderr
    assert took < 0.5 + 3  # the timeout, and the start of a Python process
    assert [w.split()[1].rpartition("/")[2] for w in writes] == ["vport_create", "vport_delete"]
    assert snapshot(root) == before


def test_fabric_rejected_wwn_is_reported_and_the_vport_removed(root: Path) -> None:
    before = snapshot(root)
    with BackgroundEmulator(root, vport_state="Fabric Rejected WWN", host_delay=0.05):
        done = run(root, "vhba", "create", "--parent", "scsi_host8", "--timeout", "1")
    assert done.returncode == 2
    assert "the vport vport-8:0-0 of scsi_host8 failed: Fabric Rejected WWN; deleted it again" in (
        done.stderr
    )
    assert snapshot(root) == before


def test_the_emulator_restores_the_files_it_served(root: Path) -> None:
    before = snapshot(root)
    with BackgroundEmulator(root):
        during = snapshot(root)
    assert during != before and "fifo" in during.values()
    assert snapshot(root) == before


def test_the_background_emulator_ends_by_itself_after_max_seconds(root: Path) -> None:
    before = snapshot(root)
    with BackgroundEmulator(root, max_seconds=0.3) as emu:
        assert emu.running
        deadline = time.monotonic() + 5
        while emu.running and time.monotonic() < deadline:
            time.sleep(0.02)
        assert not emu.running
        assert snapshot(root) == before
    assert not emu.running


@pytest.mark.parametrize("args", [["create", "--parent", "scsi_host8"], ["delete", "scsi_host7"]])
def test_the_udev_backend_reaches_the_lifecycle(root: Path, args: list[str]) -> None:
    """``--backend udev`` is the lifecycle's (it scans and waits through udev, which
    reads only the live host: a fake root is refused before anything is written)."""
    before = snapshot(root)
    done = subprocess.run([*command(root, "--backend", "udev", "vhba"), *args],
                          capture_output=True, text=True, env=ENV, timeout=30)  # fmt: skip
    assert done.returncode != 0
    assert done.stderr.count("\n") == 1
    assert "the udev backend reads only the live host" in done.stderr
    assert snapshot(root) == before
