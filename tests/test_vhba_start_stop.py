"""Starting and stopping definitions on a fake root, with the kernel emulator
answering the writes in-process: start, the no-op start, stop, autostart with
its bounded retry while a port comes Online late."""

from __future__ import annotations

from pathlib import Path

import pytest
from vhba_trees import FABRIC, HBA_WWNN, HBA_WWPN, build_san

from nodedev_xml.errors import DefinitionError, VHBAError
from nodedev_xml.model import Parent
from nodedev_xml.model.definition import DefinitionDraft
from nodedev_xml.sysfs.scan import scan
from nodedev_xml.testing import emulator as fcemu
from nodedev_xml.vhba.persistent import start_autostart, start_definition, stop_definition
from nodedev_xml.vhba.state import definition_state
from nodedev_xml.vhba.store import DefinitionStore
from nodedev_xml.wwn import WWN

#: host5 of build_san: a qla2xxx port that is Linkdown
LATE_WWNN, LATE_WWPN = WWN(0x2000001B32A90001), WWN(0x2100001B32A90001)
BY_WWNS = Parent(wwnn=WWN(HBA_WWNN), wwpn=WWN(HBA_WWPN))


@pytest.fixture
def root(tmp_path: Path) -> Path:
    build_san(tmp_path / "root")
    return tmp_path / "root"


@pytest.fixture
def store(tmp_path: Path) -> DefinitionStore:
    return DefinitionStore(str(tmp_path / "state"))


def _state(store: DefinitionStore, name: str, root: Path) -> str:
    return definition_state(store.get(name), scan(str(root))).describe()


@pytest.mark.parametrize(
    "parent", [BY_WWNS, Parent(fabric_wwn=WWN(FABRIC)), Parent(name="scsi_host8"), None]
)
def test_start_then_start_again_then_stop(
    root: Path, store: DefinitionStore, parent: Parent | None
) -> None:
    saved, _ = store.define(DefinitionDraft("web1", parent))
    assert _state(store, "web1", root) == "stopped"
    with fcemu.KernelEmulator(root) as emu:
        started = start_definition(store, "web1", root=str(root), writer=emu, timeout=5)
        assert not started.already_running
        assert started.describe() == f"web1 started as {started.device} (vport Active)"
        inv = scan(str(root))
        fc = inv[started.device].scsi_host
        assert fc is not None and fc.fc_host is not None
        assert (fc.fc_host.wwnn, fc.fc_host.wwpn) == (saved.wwnn, saved.wwpn)
        # the vHBA is on the one usable HBA, never the Linkdown or the full one
        assert inv.parent(started.device) is not None
        assert inv.parent(started.device).name == "scsi_host8"  # type: ignore[union-attr]
        assert _state(store, "web1", root) == f"running as {started.device}"
        writes = len(emu.writes)

        again = start_definition(store, "web1", root=str(root), writer=emu, timeout=5)
        assert again.already_running and again.device == started.device
        assert "already running as" in again.describe()
        assert len(emu.writes) == writes  # nothing written

        assert stop_definition(store, "web1", root=str(root), writer=emu) == started.device
        assert started.device not in scan(str(root))
        assert _state(store, "web1", root) == "stopped"
        assert stop_definition(store, "web1", root=str(root), writer=emu) is None
        assert len(emu.writes) == writes + 1  # the one vport_delete


def test_start_of_a_missing_parent_fails_cleanly(root: Path, store: DefinitionStore) -> None:
    store.define(DefinitionDraft("lost", Parent(fabric_wwn=WWN(0x2001000DEC000000))))
    assert _state(store, "lost", root) == "parent missing"
    with fcemu.KernelEmulator(root) as emu:
        with pytest.raises(VHBAError, match="fabric"):
            start_definition(store, "lost", root=str(root), writer=emu, timeout=2)
        assert emu.writes == []
    with pytest.raises(DefinitionError, match="no vHBA definition named 'nope'"):
        start_definition(store, "nope", root=str(root))


def test_a_fabric_rejection_leaves_nothing_running(root: Path, store: DefinitionStore) -> None:
    store.define(DefinitionDraft("web1", BY_WWNS))
    with (
        fcemu.KernelEmulator(root, vport_state="Fabric Rejected WWN") as emu,
        pytest.raises(VHBAError, match="Fabric Rejected WWN"),
    ):
        start_definition(store, "web1", root=str(root), writer=emu, timeout=5)
    assert _state(store, "web1", root) == "stopped"


def _flip_online(root: Path) -> None:
    """host5 logs in: Online, and the fabric's name in place of qla2xxx's all ones."""
    fc_host = root / "sys/class/fc_host/host5"
    (fc_host / "port_state").write_text("Online\n")
    (fc_host / "fabric_name").write_text(f"0x{FABRIC:x}\n")


def test_autostart_starts_the_marked_ones_and_retries_a_late_port(
    root: Path, store: DefinitionStore
) -> None:
    store.define(DefinitionDraft("early", BY_WWNS, autostart=True))
    store.define(DefinitionDraft("late", Parent(wwnn=LATE_WWNN, wwpn=LATE_WWPN), autostart=True))
    store.define(DefinitionDraft("manual", BY_WWNS))
    lines: list[str] = []
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        _flip_online(root)  # the port logs in to the fabric while we wait

    with fcemu.KernelEmulator(root) as emu:
        outcome = start_autostart(
            store,
            root=str(root),
            writer=emu,
            timeout=5,
            retry_for=60,
            retry_interval=5,
            report=lines.append,
            sleep=sleep,
        )
    assert [r.name for r in outcome.started] == ["early", "late"]
    assert outcome.failed == ()
    assert sleeps == [5]
    # each retry line says why (item: the reason each time), its pause rounded
    assert lines == ["1 definition(s) not started yet (late: scsi_host5 cannot take a new"
                     " vHBA: port state is Linkdown, not Online); trying again in 5 s"]  # fmt: skip
    assert _state(store, "manual", root) == "stopped"
    assert _state(store, "late", root).startswith("running as")

    # at the next boot-time run everything runs already: nothing is written
    with fcemu.KernelEmulator(root) as emu:
        outcome = start_autostart(store, root=str(root), writer=emu, timeout=5)
        assert all(r.already_running for r in outcome.started) and emu.writes == []


def test_autostart_gives_up_when_the_time_is_up(root: Path, store: DefinitionStore) -> None:
    store.define(DefinitionDraft("early", BY_WWNS, autostart=True))
    store.define(DefinitionDraft("late", Parent(wwnn=LATE_WWNN, wwpn=LATE_WWPN), autostart=True))
    now = [0.0]
    lines: list[str] = []

    def sleep(seconds: float) -> None:
        now[0] += seconds

    with fcemu.KernelEmulator(root) as emu:
        outcome = start_autostart(
            store,
            root=str(root),
            writer=emu,
            timeout=2,
            retry_for=12,
            retry_interval=5,
            report=lines.append,
            clock=lambda: now[0],
            sleep=sleep,
        )
    assert [r.name for r in outcome.started] == ["early"]
    assert [n for n, _ in outcome.failed] == ["late"]
    assert "scsi_host5 cannot take a new vHBA" in outcome.failed[0][1]
    # tried at 0, 5, 10 and 12 s
    assert [line.rsplit(" in ", 1)[1] for line in lines] == ["5 s", "5 s", "2 s"]


def test_autostart_without_retry_tries_once(root: Path, store: DefinitionStore) -> None:
    store.define(DefinitionDraft("late", Parent(wwnn=LATE_WWNN, wwpn=LATE_WWPN), autostart=True))
    with fcemu.KernelEmulator(root) as emu:
        outcome = start_autostart(
            store, root=str(root), writer=emu, timeout=2, sleep=lambda s: pytest.fail("slept")
        )
    assert outcome.started == () and [n for n, _ in outcome.failed] == ["late"]
