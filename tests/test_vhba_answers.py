"""The right answer, in the right form: exit codes and error types as the README
promises them, a stable reason on every refusal before a write, WWNs in every
spelling a switch prints, concurrent starts, adoption, the destination of a pool
migration, LUNs in use, and the small ones (retry lines, a damaged definition's
message)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from vhba_trees import HBA_WWNN, HBA_WWPN, build_san, snapshot

import nodedev_xml as nx
from nodedev_xml.errors import (
    DefinitionError,
    DefinitionNotFoundError,
    DeviceNotFoundError,
    Refusal,
    VHBAError,
)
from nodedev_xml.model import CreateRequest, Parent
from nodedev_xml.model.definition import DefinitionDraft
from nodedev_xml.testing import SysfsBuilder
from nodedev_xml.testing.emulator import BackgroundEmulator, KernelEmulator
from nodedev_xml.testing.values import parse_wwn
from nodedev_xml.vhba.persistent import start_autostart
from nodedev_xml.vhba.store import DefinitionStore
from nodedev_xml.wwn import WWN
from nodedev_xml.xml.definition import parse_definition

REPO = Path(__file__).resolve().parent.parent
ENV = {**os.environ, "PYTHONPATH": str(REPO)}
ENV.pop("NODEDEV_XML_STATE_DIR", None)
WWNN, WWPN = "5001a4a0000000d1", "5001a4a0000000d2"
COLON_WWNN, COLON_WWPN = "50:01:a4:a0:00:00:00:d1", "50:01:A4:A0:00:00:00:D2"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    build_san(tmp_path / "host")
    return tmp_path / "host"


@pytest.fixture
def state(tmp_path: Path) -> Path:
    return tmp_path / "state"


def run(root: Path, state: Path, *args: str, stdin: str | None = None
        ) -> subprocess.CompletedProcess[str]:  # fmt: skip
    argv = [sys.executable, "-m", "nodedev_xml", "--root", str(root), "--state-dir", str(state),
            "vhba", *args]  # fmt: skip
    return subprocess.run(argv, capture_output=True, text=True, env=ENV, timeout=60, input=stdin)


# -- exit codes, types, reasons ---------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["delete", "scsi_host100"], "no vHBA named 'scsi_host100'"),
        (["delete", "host100"], "no vHBA named 'host100' (did you mean scsi_host100?)"),
        (["delete", "--wwpn", WWPN], f"no vport with WWPN {WWPN}"),
        (["create", "--parent", "nope"], "no parent device named 'nope'"),
        (["create", "--parent", "host8"], "(did you mean scsi_host8?)"),
        (["start", "w9"], "no vHBA definition named 'w9'"),
        (["stop", "w9"], "no vHBA definition named 'w9'"),
        (["undefine", "w9"], "no vHBA definition named 'w9'"),
        (["autostart", "w9"], "no vHBA definition named 'w9'"),
    ],
)
def test_no_such_device_or_definition_exits_1(
    root: Path, state: Path, args: list[str], words: str
) -> None:
    DefinitionStore(str(state)).define(DefinitionDraft("w1", Parent(name="scsi_host8")))
    done = run(root, state, *args)
    assert done.returncode == 1, done.stderr
    assert words in done.stderr and done.stderr.count("\n") == 1


def test_no_such_device_or_definition_is_a_device_not_found_error(root: Path, state: Path) -> None:
    with pytest.raises(DeviceNotFoundError) as e:
        nx.delete_vhba("host7", root=str(root))
    assert isinstance(e.value, VHBAError) and e.value.reason == Refusal.NOT_FOUND
    assert e.value.hint == "scsi_host7" and str(e.value).endswith("(did you mean scsi_host7?)")
    with pytest.raises(DeviceNotFoundError):
        nx.create_vhba(CreateRequest(Parent(name="scsi_host99")), root=str(root))
    with pytest.raises(DeviceNotFoundError):
        nx.delete_vhba(wwpn=WWPN, root=str(root))
    with pytest.raises(DefinitionNotFoundError) as d:
        DefinitionStore(str(state)).get("w9")
    assert isinstance(d.value, DeviceNotFoundError) and isinstance(d.value, DefinitionError)


@pytest.mark.parametrize(
    ("parent", "wwns", "reason"),
    [
        ("scsi_host5", None, Refusal.LINKDOWN),
        ("scsi_host6", None, Refusal.FULL),
        ("scsi_host9", None, Refusal.NOT_VPORT_CAPABLE),
        ("scsi_host7", None, Refusal.NOT_VPORT_CAPABLE),
        ("scsi_host8", (HBA_WWNN, 0x5001A4A0000000D2), Refusal.WWN_IN_USE),
        ("scsi_host8", (0x5001A4A0000000D2, 0x5001A4A0000000D2), Refusal.WWN_INVALID),
        ("scsi_host8", (0, 0x5001A4A0000000D2), Refusal.WWN_INVALID),
    ],
)
def test_refusals_before_a_write_carry_a_reason(
    root: Path, parent: str, wwns: tuple[int, int] | None, reason: Refusal
) -> None:
    names = (WWN(wwns[0]), WWN(wwns[1])) if wwns else (None, None)
    with KernelEmulator(root) as kernel, pytest.raises(VHBAError) as e:
        nx.create_vhba(CreateRequest(Parent(name=parent), *names), root=str(root),
                       writer=kernel, timeout=1)  # fmt: skip
    assert kernel.writes == []
    assert e.value.reason is reason and str(reason) == reason.value and not e.value.written


def test_a_refusal_by_the_kernel_has_its_reason_and_errno(root: Path) -> None:
    from nodedev_xml.vhba.kernel import write_vport

    with KernelEmulator(root) as kernel:
        kernel.write(f"{root}/sys/class/fc_host/host8/vport_create", f"{WWPN}:{WWNN}")
        with pytest.raises(VHBAError) as e:  # the same names again: ENOTUNIQ
            write_vport(kernel, "vport_create", 8, WWN.parse(WWPN), WWN.parse(WWNN))
    assert e.value.reason is Refusal.KERNEL and e.value.errno is not None


# -- WWNs as switches print them ----------------------------------------------------------


def test_colon_wwns_are_taken_everywhere(root: Path, state: Path, tmp_path: Path) -> None:
    with BackgroundEmulator(root, host_delay=0.05):
        made = run(root, state, "create", "--parent-wwnn", WWN(HBA_WWNN).colon, "--parent-wwpn",
                   WWN(HBA_WWPN).colon, "--wwnn", COLON_WWNN, "--wwpn", COLON_WWPN,
                   "--timeout", "10")  # fmt: skip
        assert made.returncode == 0, made.stderr
        dev = nx.scan(str(root))[made.stdout.strip()]
        assert dev.scsi_host is not None and dev.scsi_host.fc_host is not None
        assert str(dev.scsi_host.fc_host.wwpn) == WWPN
        gone = run(root, state, "delete", "--wwpn", COLON_WWPN)
        assert gone.returncode == 0, gone.stderr
    pool = nx.export_pool(
        DefinitionStore(str(state)).define(DefinitionDraft("p1", Parent(name="scsi_host8")))[0]
    )
    moved = run(root, state, "migrate-pool", "-", "--parent", "scsi_host8",
                "--wwnn", "50:01:a4:a0:00:00:00:c1",
                "--wwpn", "50:01:a4:a0:00:00:00:c2", stdin=pool)  # fmt: skip
    assert moved.returncode == 0, moved.stderr
    assert 'wwpn="5001a4a0000000c2"' in moved.stdout
    with KernelEmulator(root) as kernel:
        nx.create_vhba(CreateRequest(Parent(name="scsi_host8"), WWN.parse(WWNN),
                                     WWN.parse(WWPN)), root=str(root), writer=kernel)  # fmt: skip
        nx.delete_vhba(wwpn=COLON_WWPN, root=str(root), writer=kernel)
    assert nx.scan(str(root)).get("scsi_host10") is None


def test_the_builder_refuses_a_short_wwn() -> None:
    with pytest.raises(ValueError, match="expected 16 hex digits"):
        parse_wwn("2100")
    assert parse_wwn("21:00:00:1b:32:a9:da:4e") == 0x2100001B32A9DA4E
    assert parse_wwn("0x2100001B32A9DA4E") == 0x2100001B32A9DA4E


# -- concurrent starts, adoption -----------------------------------------------------------


def test_concurrent_starts_of_one_definition_say_it_runs(root: Path, state: Path) -> None:
    DefinitionStore(str(state)).define(DefinitionDraft("web1", Parent(name="scsi_host8")))
    argv = [sys.executable, "-m", "nodedev_xml", "--root", str(root), "--state-dir", str(state),
            "vhba", "start", "web1", "--timeout", "20"]  # fmt: skip
    with BackgroundEmulator(root, host_delay=0.3) as emu:
        procs = [subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True, env=ENV) for _ in range(4)]  # fmt: skip
        results = [(p.wait(60), *p.communicate()) for p in procs]
        creates = [w for w in emu.writes() if "vport_create" in w]
    assert [code for code, _, _ in results] == [0, 0, 0, 0], results
    outs = sorted(out for _, out, _ in results)
    assert outs[:3] == ["web1 is already running as scsi_host10; nothing done\n"] * 3, results
    assert outs[3].startswith("web1 started as scsi_host10")
    assert len(creates) == 1


def test_define_does_not_adopt_a_running_vhba_silently(root: Path, state: Path,
                                                       tmp_path: Path) -> None:  # fmt: skip
    with KernelEmulator(root) as kernel:
        nx.create_vhba(CreateRequest(Parent(name="scsi_host8"), WWN.parse(WWNN),
                                     WWN.parse(WWPN)), root=str(root), writer=kernel)  # fmt: skip
    doc = tmp_path / "w.xml"
    doc.write_text(f"<vhba name='w1'><parent>scsi_host8</parent><wwnn>{WWNN}</wwnn>"
                   f"<wwpn>{WWPN}</wwpn></vhba>\n")  # fmt: skip
    refused = run(root, state, "define", str(doc))
    assert refused.returncode == 2
    assert f"WWN {WWNN} is the WWNN of a vport of scsi_host8, running" in refused.stderr
    assert "give --adopt" in refused.stderr and not (state / "vhba" / "w1.xml").exists()
    adopted = run(root, state, "define", str(doc), "--adopt")
    assert adopted.returncode == 0, adopted.stderr
    assert "running as scsi_host10" in run(root, state, "list-defined").stdout


# -- pools ---------------------------------------------------------------------------------


def test_migrate_pool_checks_the_destination(root: Path, state: Path) -> None:
    pool = nx.export_pool(
        DefinitionStore(str(state)).define(DefinitionDraft("p1", Parent(name="scsi_host8")))[0]
    )
    not_capable = run(root, state, "migrate-pool", "-", "--parent", "scsi_host9", stdin=pool)
    assert not_capable.returncode == 2
    assert "has no vport-capable HBA scsi_host9" in not_capable.stderr
    in_use = run(root, state, "migrate-pool", "-", "--parent", "scsi_host8", "--wwnn",
                 f"{HBA_WWNN:016x}", "--wwpn", WWPN, stdin=pool)  # fmt: skip
    assert in_use.returncode == 2
    assert f"--wwnn {HBA_WWNN:016x} is already in use" in in_use.stderr


def test_export_pool_of_a_running_definition_warns(root: Path, state: Path) -> None:
    DefinitionStore(str(state)).define(
        DefinitionDraft("w1", Parent(name="scsi_host8"), WWN.parse(WWNN), WWN.parse(WWPN))
    )
    quiet = run(root, state, "export-pool", "w1")
    assert quiet.returncode == 0 and quiet.stderr == ""
    with KernelEmulator(root) as kernel:
        nx.create_vhba(CreateRequest(Parent(name="scsi_host8"), WWN.parse(WWNN),
                                     WWN.parse(WWPN)), root=str(root), writer=kernel)  # fmt: skip
    loud = run(root, state, "export-pool", "w1")
    assert loud.returncode == 0 and loud.stdout == quiet.stdout.replace(
        quiet.stdout.split("<uuid>")[1].split("</uuid>")[0],
        loud.stdout.split("<uuid>")[1].split("</uuid>")[0],
    )
    assert "w1 is running as scsi_host10" in loud.stderr and "pool-start fails" in loud.stderr


# -- LUNs in use ---------------------------------------------------------------------------


@pytest.mark.parametrize("use", ["mounted", "held", "open"])
def test_delete_of_a_vhba_whose_lun_is_in_use_needs_force(tmp_path: Path, use: str) -> None:
    root = tmp_path / "lun"
    b = SysfsBuilder(root, first_host=5)
    card = b.add_pci_function("0000:06:00.0", vendor=0x1077, device=0x2532,
                              parent="0000:00:03.0", driver="qla2xxx")  # fmt: skip
    hba = b.add_fc_host(card, "qla2xxx", node_name=HBA_WWNN, port_name=HBA_WWPN, host=8)
    vport = b.add_vport(hba, node_name=int(WWNN, 16), port_name=int(WWPN, 16))
    assert vport.host is not None
    rport = b.add_rport(vport.host, node_name=0x2FF70002AC01E3A4, port_name=0x21010002AC01E3A4,
                        port_id=0x010400, lun=False)  # fmt: skip
    b.add_lun(rport, 1, block="sdq")
    vhba = f"scsi_host{vport.host.number}"
    disk = root / "sys/class/block/sdq"
    dev = (disk / "dev").read_text().strip()
    if use == "mounted":
        (root / "proc/self").mkdir(parents=True)
        (root / "proc/self/mountinfo").write_text(f"36 25 {dev} / /srv rw - xfs /dev/sdq rw\n")
        words = "sdq is mounted on /srv"
    elif use == "held":
        (disk.resolve() / "holders").mkdir(exist_ok=True)
        (disk.resolve() / "holders" / "dm-0").symlink_to("../../../../dm-0")
        words = "sdq is held by dm-0"
    else:
        (root / "proc/4242/fd").mkdir(parents=True)
        (root / "proc/4242/fd/3").symlink_to("/dev/sdq")
        words = "sdq is open (pid 4242)"
    state = tmp_path / "state"
    with BackgroundEmulator(root) as emu:
        before = snapshot(root)
        refused = run(root, state, "delete", vhba)
        assert emu.writes() == []
        assert snapshot(root) == before
        forced = run(root, state, "delete", vhba, "--force")
    assert refused.returncode == 2 and words in refused.stderr and "--force" in refused.stderr
    assert forced.returncode == 0, forced.stderr
    assert vhba not in nx.scan(str(root))


# -- the small ones ---------------------------------------------------------------------------


def test_retry_lines_are_round_and_say_why(tmp_path: Path, root: Path) -> None:
    store = DefinitionStore(str(tmp_path / "s"))
    store.define(DefinitionDraft("late", Parent(name="scsi_host5"), autostart=True))
    now = [0.0]
    lines: list[str] = []

    def sleep(seconds: float) -> None:
        now[0] += seconds

    outcome = start_autostart(store, root=str(root), retry_for=2.0, retry_interval=0.714645,
                              report=lines.append, clock=lambda: now[0], sleep=sleep)  # fmt: skip
    assert outcome.failed and lines
    assert all("trying again in 0.7 s" in ln for ln in lines[:2]), lines
    assert all("late: scsi_host5 cannot take a new vHBA: port state is Linkdown" in ln
               for ln in lines)  # fmt: skip


def test_a_damaged_definition_says_what_is_wrong_in_words() -> None:
    with pytest.raises(DefinitionError) as e:
        parse_definition("<vhba name='a'>\n<wwnn>zz</wwnn><wwpn>5001a4a0000000d2</wwpn></vhba>")
    assert "<wwnn>: expected 16 hex digits, optionally 0x-prefixed, got 'zz'" in str(e.value)
    assert e.value.line == 2 and "Error validating datatype" not in str(e.value)
    with pytest.raises(DefinitionError, match="attribute fabric_wwn: expected 16 hex digits"):
        parse_definition("<vhba name='a'><parent fabric_wwn='12'/></vhba>")
