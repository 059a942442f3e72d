"""What the write path promises on interruption, crash and contention (README,
"Guarantees"), each caused for real: the command line runs against the kernel
emulator in another process and gets real signals, or ``kill -9``, at the point
the test picks (before the write, after it, while waiting); then nothing is
left, or the next run names what was left and ``vhba cleanup`` removes it.
Timeouts and refused rollbacks run in-process, through a Writer that plays a
slow or busy kernel."""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from vhba_trees import build_san, snapshot

import nodedev_xml as nx
from nodedev_xml.errors import DefinitionError, Refusal, VHBAError
from nodedev_xml.model import CreateRequest, Parent
from nodedev_xml.model.definition import DefinitionDraft
from nodedev_xml.testing.emulator import BackgroundEmulator, KernelEmulator
from nodedev_xml.vhba import lifecycle
from nodedev_xml.vhba.intents import IntentLog
from nodedev_xml.vhba.lock import hold, lock_path
from nodedev_xml.vhba.store import DefinitionStore
from nodedev_xml.wwn import WWN

REPO = Path(__file__).resolve().parent.parent
ENV = {**os.environ, "PYTHONPATH": str(REPO)}
ENV.pop("NODEDEV_XML_STATE_DIR", None)
WWNN, WWPN = "5001a4a0000000e1", "5001a4a0000000e2"
HBA8 = Parent(name="scsi_host8")


@pytest.fixture
def root(tmp_path: Path) -> Path:
    build_san(tmp_path / "host")
    return tmp_path / "host"


@pytest.fixture
def state(tmp_path: Path) -> Path:
    return tmp_path / "state"


def argv(root: Path, state: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "nodedev_xml", "--root", str(root), "--state-dir", str(state),
            "vhba", *args]  # fmt: skip


def start(root: Path, state: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(argv(root, state, *args), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=ENV)  # fmt: skip


def run(root: Path, state: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv(root, state, *args), capture_output=True, text=True, env=ENV,
                          timeout=60)  # fmt: skip


def finish(proc: subprocess.Popen[str]) -> tuple[int, str, str]:
    out, err = proc.communicate(timeout=30)
    return proc.returncode, out, err


def settle(emu: BackgroundEmulator, count: int) -> list[str]:
    """The emulator's writes once it has answered ``count`` (a FIFO write returns
    before the emulator has acted on it)."""
    writes = emu.wait_writes(count, timeout=10)
    time.sleep(0.1)
    return writes


def intents(root: Path) -> list[str]:
    directory = root / ".nodedev-xml.intents"
    return sorted(p.name for p in directory.iterdir()) if directory.is_dir() else []


def define(state: Path, name: str = "web1", *, autostart: bool = False) -> None:
    DefinitionStore(str(state)).define(
        DefinitionDraft(name, HBA8, WWN.parse(WWNN), WWN.parse(WWPN), autostart=autostart)
    )


def waiting_for_lock(proc: subprocess.Popen[str], root: Path) -> None:
    """Return once ``proc`` has the root's lock file open (it waits for the lock)."""
    lock = lock_path(str(root))
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        fds = Path(f"/proc/{proc.pid}/fd")
        try:
            if any(os.readlink(fd) == lock for fd in fds.iterdir()):
                time.sleep(0.1)
                return
        except OSError:
            pass
        time.sleep(0.02)
    raise AssertionError("the command never waited for the lock")


@pytest.fixture
def lock_held(root: Path) -> Iterator[None]:
    """The root's vHBA lock, held by this process: a create waits before its write."""
    with hold(lock_path(str(root)), None):
        yield


# -- signals -----------------------------------------------------------------------


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP],
                         ids=["SIGINT", "SIGTERM", "SIGHUP"])  # fmt: skip
def test_a_signal_while_create_waits_deletes_the_vport(
    root: Path, state: Path, sig: signal.Signals
) -> None:
    before = snapshot(root)
    with BackgroundEmulator(root, host_appears=False) as emu:
        proc = start(root, state, "create", "--parent", "scsi_host8", "--timeout", "30",
                     "--wwnn", WWNN, "--wwpn", WWPN)  # fmt: skip
        assert len(emu.wait_writes(1, timeout=15)) == 1  # written; now waiting for the host
        assert intents(root) == [f"{WWPN}.json"]
        proc.send_signal(sig)
        code, out, err = finish(proc)
        writes = settle(emu, 2)
    assert code == 128 + sig, err
    assert out == "" and err.count("\n") == 1
    assert f"interrupted by {sig.name}" in err and WWPN in err and "deleted it again" in err
    assert writes[1].split()[1].endswith("/vport_delete")
    assert snapshot(root) == before and intents(root) == []


@pytest.mark.parametrize("how", [["web1"], ["--autostart"]], ids=["start NAME", "autostart"])
def test_a_signal_while_start_waits_deletes_the_vport(
    root: Path, state: Path, how: list[str]
) -> None:
    """What systemd does to the autostart unit that times out: SIGTERM."""
    define(state, autostart=True)
    before = snapshot(root)
    with BackgroundEmulator(root, host_appears=False) as emu:
        proc = start(root, state, "start", *how, "--timeout", "30")
        emu.wait_writes(1, timeout=15)
        proc.send_signal(signal.SIGTERM)
        code, _, err = finish(proc)
        settle(emu, 2)
    assert code == 128 + signal.SIGTERM, err
    assert WWPN in err and "deleted it again" in err and "not started" not in err
    assert snapshot(root) == before and intents(root) == []


def test_a_signal_before_the_write_writes_nothing(root: Path, state: Path, lock_held: None) -> None:
    before = snapshot(root)
    with BackgroundEmulator(root) as emu:
        proc = start(root, state, "create", "--parent", "scsi_host8", "--timeout", "30")
        waiting_for_lock(proc, root)  # started, and waiting for the lock this test holds
        proc.send_signal(signal.SIGTERM)
        code, _, err = finish(proc)
        assert emu.writes() == []
    assert code == 128 + signal.SIGTERM
    assert "interrupted by SIGTERM: nothing written" in err
    assert snapshot(root) == before and intents(root) == []


# -- crashes -------------------------------------------------------------------------


def test_kill_9_after_the_write_is_named_by_the_next_run_and_cleaned_up(
    root: Path, state: Path
) -> None:
    before = snapshot(root)
    with BackgroundEmulator(root, host_appears=False) as emu:
        proc = start(root, state, "create", "--parent", "scsi_host8", "--timeout", "30",
                     "--wwnn", WWNN, "--wwpn", WWPN)  # fmt: skip
        emu.wait_writes(1, timeout=15)
        proc.kill()
        proc.wait()
        record = json.loads((root / ".nodedev-xml.intents" / f"{WWPN}.json").read_text())
        assert (record["wwpn"], record["parent"], record["pid"]) == (WWPN, "scsi_host8", proc.pid)
        assert snapshot(root) != before  # the orphan vport

        # the next lifecycle command names it, one line, with the command that cleans up
        listed = run(root, state, "list-defined")
        orphan_lines = [ln for ln in listed.stderr.splitlines() if "orphan vport" in ln]
        assert len(orphan_lines) == 1, listed.stderr
        assert WWPN in orphan_lines[0] and f"pid {proc.pid}" in orphan_lines[0]
        assert f"'nodedev-xml --root {root} vhba cleanup'" in orphan_lines[0]

        cleaned = run(root, state, "cleanup")
        assert cleaned.returncode == 0, cleaned.stderr
        assert cleaned.stdout == (f"deleted the orphan vport with WWPN {WWPN} of scsi_host8"
                                  f" (left by pid {proc.pid})\n")  # fmt: skip
        settle(emu, 2)
        again = run(root, state, "cleanup")
    assert (again.returncode, again.stdout) == (0, "nothing to clean up\n")
    assert snapshot(root) == before and intents(root) == []


def test_kill_9_before_the_write_leaves_nothing(root: Path, state: Path, lock_held: None) -> None:
    before = snapshot(root)
    with BackgroundEmulator(root) as emu:
        proc = start(root, state, "create", "--parent", "scsi_host8", "--timeout", "30")
        waiting_for_lock(proc, root)
        proc.kill()
        proc.wait()
        assert emu.writes() == []
    assert snapshot(root) == before and intents(root) == []


def test_a_crashed_start_leaves_an_orphan_its_definition_recognises(
    root: Path, state: Path
) -> None:
    define(state)
    with BackgroundEmulator(root, host_appears=False) as emu:
        proc = start(root, state, "start", "web1", "--timeout", "30")
        emu.wait_writes(1, timeout=15)
        proc.kill()
        proc.wait()
    listed = run(root, state, "list-defined")
    assert "orphan vport (Initializing)" in listed.stdout, listed.stdout
    assert "web1" in listed.stdout and "stopped" not in listed.stdout
    # start deletes it and makes it again, instead of calling the WWNN in use
    with BackgroundEmulator(root, host_delay=0.05):
        started = run(root, state, "start", "web1", "--timeout", "10")
    assert started.returncode == 0, started.stderr
    assert started.stdout.startswith("web1 started as scsi_host10")
    assert "its orphan vport (Initializing) was deleted first" in started.stdout
    assert intents(root) == []


def test_a_fabric_rejected_vport_of_a_definition_is_its_own(root: Path, state: Path) -> None:
    """A vport left with the definition's WWPN and no host (``Fabric Rejected WWN``)."""
    define(state)
    before = snapshot(root)
    with KernelEmulator(root, vport_state="Fabric Rejected WWN") as kernel:
        kernel.write(f"{root}/sys/class/fc_host/host8/vport_create", f"{WWPN}:{WWNN}")
        deadline = time.monotonic() + 5
        while "Fabric Rejected" not in run(root, state, "list-defined").stdout:
            assert time.monotonic() < deadline
            time.sleep(0.05)
    listed = run(root, state, "list-defined")
    assert "failed: Fabric Rejected WWN (orphan vport)" in listed.stdout, listed.stdout
    with BackgroundEmulator(root) as emu:
        stopped = run(root, state, "stop", "web1")
        settle(emu, 1)
    assert stopped.returncode == 0, stopped.stderr
    assert stopped.stdout == "web1 stopped: its orphan vport (Fabric Rejected WWN) deleted\n"
    assert snapshot(root) == before


# -- the deadline and the rollback (in-process) -----------------------------------------


def test_no_write_once_the_deadline_has_passed(root: Path) -> None:
    with KernelEmulator(root) as kernel, pytest.raises(VHBAError) as e:
        nx.create_vhba(CreateRequest(HBA8), root=str(root), writer=kernel, timeout=0.0)
    assert kernel.writes == []
    assert e.value.reason == Refusal.TIMEOUT and "nothing written" in str(e.value)


def test_the_deadline_spent_waiting_for_the_lock_writes_nothing(root: Path) -> None:
    with KernelEmulator(root) as kernel, hold(lock_path(str(root)), None):
        with pytest.raises(VHBAError) as e:
            nx.create_vhba(CreateRequest(HBA8), root=str(root), writer=kernel, timeout=0.3)
        assert kernel.writes == []
    assert e.value.reason == Refusal.LOCKED and "nothing written" in str(e.value)
    assert f"held by pid {os.getpid()}" in str(e.value)


class SlowKernel:
    """A kernel that makes the vport ``delay`` seconds after ``vport_create`` returns,
    and refuses the first ``busy`` deletes with ``EBUSY``."""

    def __init__(self, kernel: KernelEmulator, *, delay: float = 0.0, busy: int = 0) -> None:
        self.kernel = kernel
        self.root = kernel.root
        self.delay = delay
        self.busy = busy
        self.timers: list[threading.Timer] = []

    def write(self, path: str, data: str) -> None:
        if path.endswith("vport_delete") and self.busy:
            self.busy -= 1
            raise OSError(errno.EBUSY, os.strerror(errno.EBUSY), path)
        if path.endswith("vport_create") and self.delay:
            timer = threading.Timer(self.delay, self.kernel.write, (path, data))
            self.timers.append(timer)
            timer.start()
            return
        self.kernel.write(path, data)


def test_a_vport_made_after_the_timeout_is_deleted(root: Path) -> None:
    """The kernel counts the vport only after the deadline: the create still tries
    vport_delete, and again once the kernel answered ENODEV (not there yet)."""
    before = snapshot(root)
    with KernelEmulator(root) as kernel:
        slow = SlowKernel(kernel, delay=0.4)
        with pytest.raises(VHBAError) as e:
            nx.create_vhba(CreateRequest(HBA8), root=str(root), writer=slow, timeout=0.2)
        for t in slow.timers:
            t.join()
    assert "did not show a vport" in str(e.value) and "deleted it again (second try)" in str(
        e.value
    )
    assert [w.result for w in kernel.writes] == ["ENODEV", "ok", "ok"]
    assert snapshot(root) == before and intents(root) == []


def test_a_busy_rollback_is_retried_once_then_names_the_command(root: Path) -> None:
    with KernelEmulator(root, host_appears=False) as kernel:
        once = SlowKernel(kernel, busy=1)
        with pytest.raises(VHBAError) as e:
            nx.create_vhba(CreateRequest(HBA8), root=str(root), writer=once, timeout=0.3)
        assert "deleted it again (second try)" in str(e.value)
        assert intents(root) == []

        twice = SlowKernel(kernel, busy=2)
        with pytest.raises(VHBAError) as e:
            nx.create_vhba(CreateRequest(HBA8, WWN.parse(WWNN), WWN.parse(WWPN)),
                           root=str(root), writer=twice, timeout=0.3)  # fmt: skip
    message = str(e.value)
    assert "deleting it again failed twice (the kernel answered EBUSY" in message
    assert f"delete it with 'nodedev-xml --root {root} vhba delete --wwpn {WWPN}'" in message
    assert intents(root) == [f"{WWPN}.json"]  # kept: the vport is still there
    assert [o.intent.wwpn for o in lifecycle.orphans(nx.scan(str(root)))] == []  # we live


# -- locks ---------------------------------------------------------------------------


def test_lock_files_are_never_followed(root: Path, tmp_path: Path) -> None:
    target = tmp_path / "elsewhere"
    os.symlink(target, root / ".nodedev-xml.lock")
    with KernelEmulator(root) as kernel, pytest.raises(VHBAError) as e:
        nx.create_vhba(CreateRequest(HBA8), root=str(root), writer=kernel, timeout=1)
    assert "a symbolic link (refused)" in str(e.value) and kernel.writes == []
    assert not target.exists()


def test_every_spelling_of_a_root_takes_one_lock(root: Path) -> None:
    spellings = {str(root), f"{root}/", f"{root}/.", f"/{root}", f"{root}//sys/.."}
    assert {lock_path(s) for s in spellings} == {str(root / ".nodedev-xml.lock")}
    assert lifecycle.canonical_root("//") == lifecycle.canonical_root("/") == "/"


def test_the_definitions_lock_waits_with_a_deadline_and_names_its_holder(state: Path) -> None:
    define(state)
    store = DefinitionStore(str(state), lock_timeout=0.3)
    with hold(str(state / "definitions.lock"), None):
        started = time.monotonic()
        with pytest.raises(DefinitionError) as e:
            store.set_autostart("web1", True)
    assert time.monotonic() - started < 5
    assert f"held by pid {os.getpid()}" in str(e.value) and "nothing changed" in str(e.value)
    assert (state / "definitions.lock").stat().st_mode & 0o777 == 0o600


def test_intent_records_are_private(root: Path) -> None:
    log = IntentLog(str(root))
    os.makedirs(log.directory, mode=0o777)
    os.chmod(log.directory, 0o777)
    with KernelEmulator(root) as kernel, pytest.raises(VHBAError) as e:
        nx.create_vhba(CreateRequest(HBA8), root=str(root), writer=kernel, timeout=1)
    assert "writable by others: not trusted" in str(e.value) or "not trusted" in str(e.value)
    assert kernel.writes == []
