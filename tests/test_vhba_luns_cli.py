"""LUNs behind vHBAs through the command line: ``vhba create --wait-luns``, ``vhba
rescan``, ``vhba luns`` and ``vhba compare-luns``, on a fake root whose kernel and SAN
the background emulator and its fabric play (another process)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from vhba_trees import build_san

from nodedev_xml.testing.emulator import BackgroundEmulator
from nodedev_xml.testing.fabric import Fabric, FabricLun

REPO = Path(__file__).resolve().parent.parent
ENV = {**os.environ, "PYTHONPATH": str(REPO)}
ARRAY, LIBRARY = 0x20110002AC000001, 0x2002000E1E09F7A0
WWIDS = [f"naa.600a0b80001234560000000000000a0{n}" for n in range(3)]
#: Three vHBAs' names: A and B are zoned to the array's three LUNs, C to two of them.
A = ("5001a4a000000a01", "5001a4a000000a02")
B = ("5001a4a000000b01", "5001a4a000000b02")
C = ("5001a4a000000c01", "5001a4a000000c02")
HOST8 = "/sys/devices/pci0000:00/0000:00:03.0/0000:06:00.0/host8"


def run(root: Path, *args: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "nodedev_xml", "--root", str(root), *args],
                          capture_output=True, text=True, env=ENV, timeout=timeout)  # fmt: skip


def san(*, delays: tuple[float, ...] = (0, 0, 0), after_lip: bool = False) -> Fabric:
    """An array with three disk LUNs (mapped ``delays`` seconds after a login) and a
    tape library, zoned to A and B whole, to C without the array's LUN 2."""
    fabric = Fabric(multipath=True)
    luns = [FabricLun(n, WWIDS[n], delay=delays[n], after_lip=after_lip) for n in range(3)]
    array = fabric.add_target(ARRAY, luns)
    tapes = fabric.add_target(LIBRARY, [FabricLun(0, "naa.5000e11e09f7a001", type=1,
                                                  vendor="IBM", model="ULT3580-TD8")])  # fmt: skip
    for wwpn in (A[1], B[1]):
        fabric.zone(wwpn, array)
        fabric.zone(wwpn, tapes)
    fabric.zone(C[1], array, [0, 1])
    return fabric


@pytest.fixture
def root(tmp_path: Path) -> Path:
    build_san(tmp_path / "host")
    return tmp_path / "host"


def create(root: Path, names: tuple[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return run(root, "vhba", "create", "--parent", "scsi_host8", "--wwnn", names[0],
               "--wwpn", names[1], *args)  # fmt: skip


def scans(emu: BackgroundEmulator) -> list[str]:
    """The emulator's log of writes to a host's ``scan`` and ``issue_lip``."""
    return [w for w in emu.writes() if "/scan " in w or "/issue_lip " in w]


def test_wait_luns_succeeds_once_they_appear_after_a_delay(root: Path) -> None:
    """LUN 1 is mapped 0.6 s and LUN 2 1.2 s after the login: the login's own scan finds
    one LUN (and the tape), the waiter's rescans the others."""
    with BackgroundEmulator(root, fabric=san(delays=(0, 0.6, 1.2))) as emu:
        started = time.monotonic()
        done = create(root, A, "--wait-luns", "4", "--timeout", "20")
        took = time.monotonic() - started
        assert (done.returncode, done.stderr) == (0, "")
        assert done.stdout == "scsi_host10\nscsi_host10 sees 4 of 4 expected LUNs\n"
        assert took >= 1.2
        scan = f"{HOST8}/vport-8:0-0/host10/scsi_host/host10/scan"
        assert scans(emu)[0] == f"write {scan} '0 0 -\\n' -> ok"
        listed = json.loads(run(root, "vhba", "luns", "scsi_host10", "--json").stdout)
        assert sorted(u["wwid"] for u in listed if u["type"] == "disk") == WWIDS


def test_wait_luns_by_wwid_names_the_missing_one(root: Path) -> None:
    """C is masked from LUN 2: the wait ends at the deadline, exit 1, naming it; the
    vHBA stays (the zoning is wrong, not the vHBA)."""
    with BackgroundEmulator(root, fabric=san()):
        done = create(root, C, "--wait-luns", ",".join(WWIDS), "--timeout", "1.5")
        assert done.returncode == 1
        assert done.stdout == "scsi_host10\n"
        assert done.stderr == (f"nodedev-xml: error: scsi_host10 sees 2 of 3 expected LUNs; "
                               f"missing {WWIDS[2]} within 1.5 s\n")  # fmt: skip
        assert run(root, "list", "--cap", "vports").returncode == 0
        assert "scsi_host10" in run(root, "list").stdout


def test_wait_luns_takes_other_spellings_of_a_wwid(root: Path) -> None:
    """udev's and multipath's ``3…`` and by-id's ``wwn-0x…`` name the same LUNs."""
    with BackgroundEmulator(root, fabric=san()):
        spelled = f"3{WWIDS[0][4:]},wwn-0x{WWIDS[1][4:]}"
        done = create(root, A, "--wait-luns", spelled, "--timeout", "5")
        assert (done.returncode, done.stderr) == (0, "")
        assert done.stdout.endswith("sees 2 of 2 expected LUNs\n")


def test_a_targeted_rescan_writes_c_t_l_for_the_known_targets_only(root: Path) -> None:
    with BackgroundEmulator(root, fabric=san()) as emu:
        assert create(root, A).returncode == 0
        done = run(root, "vhba", "rescan", "scsi_host10")
        assert (done.returncode, done.stderr) == (0, "")
        assert done.stdout == "scsi_host10: '0 0 -', '0 1 -'\n"
        scan = f"{HOST8}/vport-8:0-0/host10/scsi_host/host10/scan"
        assert emu.wait_writes(3)[1:] == [f"write {scan} '0 0 -\\n' -> ok",
                                          f"write {scan} '0 1 -\\n' -> ok"]  # fmt: skip
        done = run(root, "vhba", "rescan", "scsi_host10", "--lun", "2")
        assert done.stdout == "scsi_host10: '0 0 2', '0 1 2'\n"
        done = run(root, "vhba", "rescan", "scsi_host10", "--wildcard")
        assert (done.returncode, done.stdout) == (0, "scsi_host10: '- - -'\n")
        assert emu.wait_writes(6)[-1] == f"write {scan} '- - -\\n' -> ok"
        assert not any("'- - -\\n'" in w for w in scans(emu)[:-1])


def test_lip_writes_issue_lip_then_finds_what_only_a_lip_shows(root: Path) -> None:
    with BackgroundEmulator(root, fabric=san(after_lip=True)) as emu:
        assert create(root, A).returncode == 0
        luns = json.loads(run(root, "vhba", "luns", "scsi_host10", "--json").stdout)
        assert [u["type"] for u in luns] == ["tape"]  # the array's LUNs need a LIP
        done = run(root, "vhba", "rescan", "scsi_host10", "--lip")
        assert (done.returncode, done.stderr) == (0, "")
        assert done.stdout == "scsi_host10: LIP, then '0 0 -', '0 1 -'\n"
        fc = f"{HOST8}/vport-8:0-0/host10/fc_host/host10"
        assert emu.wait_writes(4)[1] == f"write {fc}/issue_lip '1\\n' -> ok"
        luns = json.loads(run(root, "vhba", "luns", "scsi_host10", "--json").stdout)
        assert sorted(u["wwid"] for u in luns if u["type"] == "disk") == WWIDS


def test_rescan_all_and_its_refusals(root: Path) -> None:
    with BackgroundEmulator(root, fabric=san()):
        assert create(root, A).returncode == 0
        assert create(root, B).returncode == 0
        done = run(root, "vhba", "rescan", "--all")
        assert done.stdout == ("scsi_host7: no target known; nothing scanned\n"  # the lpfc vHBA
                               "scsi_host10: '0 0 -', '0 1 -'\nscsi_host11: '0 0 -', '0 1 -'\n")
        done = run(root, "vhba", "rescan", "host10")
        assert done.returncode == 2
        assert done.stderr == ("nodedev-xml: error: 'host10' is not a SCSI host name "
                               "(scsi_hostN)\n")  # fmt: skip
        done = run(root, "vhba", "rescan", "scsi_host99")
        assert done.returncode == 2 and "no such host" in done.stderr


def test_compare_luns_passes_on_the_same_wwids_and_names_the_difference(
    root: Path, tmp_path: Path
) -> None:
    """A and B see the same LUNs (through other target ids, would the ports log in in
    another order): the check passes; C is masked from LUN 2 and lacks the tape."""
    with BackgroundEmulator(root, fabric=san()):
        for names in (A, B, C):
            assert create(root, names, "--wait-luns", "2", "--timeout", "5").returncode == 0
        saved = tmp_path / "a.json"
        saved.write_text(run(root, "vhba", "luns", "scsi_host10", "--json").stdout)
        done = run(root, "vhba", "compare-luns", "scsi_host10", "scsi_host11")
        assert (done.returncode, done.stdout, done.stderr) == (0, "same LUNs: 4 by WWID\n", "")
        done = run(root, "vhba", "compare-luns", str(saved), "scsi_host11")
        assert (done.returncode, done.stdout) == (0, "same LUNs: 4 by WWID\n")
        done = run(root, "vhba", "compare-luns", str(saved), "scsi_host12")
        assert done.returncode == 1
        assert done.stderr == ("nodedev-xml: error: missing from scsi_host12: "
                               f"naa.5000e11e09f7a001, {WWIDS[2]}\n")  # fmt: skip
        done = run(root, "vhba", "compare-luns", "scsi_host12", "scsi_host10")
        assert done.returncode == 1
        assert done.stderr == ("nodedev-xml: error: not in scsi_host12: "
                               f"naa.5000e11e09f7a001, {WWIDS[2]}\n")  # fmt: skip
        done = run(root, "vhba", "compare-luns", "scsi_host12", "scsi_host10", "--allow-extra")
        assert (done.returncode, done.stdout) == (0, "same LUNs: 2 by WWID (2 more seen)\n")
        # both paths of one LUN are held by one multipath map
        listed = {u["wwid"]: u for u in json.loads(
            run(root, "vhba", "luns", "scsi_host11", "--json").stdout)}  # fmt: skip
        assert listed[WWIDS[0]]["multipath"] == "3" + WWIDS[0][4:]
        assert listed[WWIDS[0]]["by_id"] == f"/dev/disk/by-id/wwn-0x{WWIDS[0][4:]}"


def test_compare_luns_refuses_what_it_cannot_read(root: Path, tmp_path: Path) -> None:
    junk = tmp_path / "junk.txt"
    junk.write_text("hello\n")
    done = run(root, "vhba", "compare-luns", str(junk), "scsi_host8")
    assert done.returncode == 2
    assert done.stderr == (f"nodedev-xml: error: {junk}: expected vhba luns --json output "
                           "or a pool document\n")  # fmt: skip
    done = run(root, "vhba", "create", "--wait-luns", "0")
    assert done.returncode == 2 and "--wait-luns" in done.stderr


SOURCE_POOL = """<pool type='scsi'>
  <name>guest1-luns</name>
  <uuid>e9392370-2917-565e-692b-d057f46512d6</uuid>
  <source>
    <adapter type='fc_host' parent='scsi_host8' managed='yes'
             wwnn='5001a4a000000a01' wwpn='5001a4a000000a02'/>
  </source>
  <target>
    <path>/dev/disk/by-id</path>
  </target>
</pool>
"""


def test_migrate_pool_carries_the_wwids_the_destination_is_checked_against(
    root: Path, tmp_path: Path
) -> None:
    """The source's LUNs go into the destination's pool document (a comment, which
    libvirt's storagepool.rng allows); compare-luns reads them back on the destination."""
    from lxml import etree

    source_pool = tmp_path / "guest1-luns.a.xml"
    source_pool.write_text(SOURCE_POOL)
    with BackgroundEmulator(root, fabric=san()):
        for names in (A, B, C):
            assert create(root, names, "--wait-luns", "2", "--timeout", "5").returncode == 0
        done = run(root, "vhba", "migrate-pool", str(source_pool), "--parent", "scsi_host8",
                   "--luns", "scsi_host10")  # fmt: skip
        assert (done.returncode, done.stderr) == (0, "")
        pool = tmp_path / "guest1-luns.b.xml"
        pool.write_text(done.stdout)
        comment = ("<!-- nodedev-xml expected LUNs (WWID): naa.5000e11e09f7a001 "
                   f"{' '.join(WWIDS)} -->")  # fmt: skip
        assert done.stdout.splitlines()[1] == f"  {comment}"
        rng = Path("/usr/share/libvirt/schemas/storagepool.rng")
        if rng.exists():
            assert etree.RelaxNG(etree.parse(str(rng))).validate(etree.parse(str(pool)))
        ok = run(root, "vhba", "compare-luns", str(pool), "scsi_host11")
        assert (ok.returncode, ok.stdout) == (0, "same LUNs: 4 by WWID\n")
        bad = run(root, "vhba", "compare-luns", str(pool), "scsi_host12")
        assert bad.returncode == 1 and WWIDS[2] in bad.stderr
        # a pool migrated on again keeps what it carries
        again = run(root, "vhba", "migrate-pool", str(pool), "--parent", "scsi_host8")
        assert again.stdout.splitlines()[1] == f"  {comment}"
        plain = tmp_path / "plain.xml"
        plain.write_text(SOURCE_POOL)
        refused = run(root, "vhba", "compare-luns", str(plain), "scsi_host11")
        assert refused.returncode == 2 and "no 'nodedev-xml expected LUNs" in refused.stderr


def test_a_definition_names_the_luns_start_waits_for(root: Path, tmp_path: Path) -> None:
    """``<lun wwid=.../>`` in a definition: ``vhba start NAME`` and ``--autostart`` wait
    for them; C's definition expects LUN 2, which is masked from it."""
    state = str(tmp_path / "state")
    for name, (wwnn, wwpn) in (("web1", A), ("web2", C)):
        doc = tmp_path / f"{name}.xml"
        luns = "".join(f"<lun wwid='{w}'/>" for w in WWIDS)
        doc.write_text(f"<vhba name='{name}' autostart='yes'><parent>scsi_host8</parent>"
                       f"<wwnn>{wwnn}</wwnn><wwpn>{wwpn}</wwpn>{luns}</vhba>")  # fmt: skip
        assert run(root, "--state-dir", state, "vhba", "define", str(doc)).returncode == 0
    saved = (tmp_path / "state/vhba/web1.xml").read_text()
    assert f'<lun wwid="{WWIDS[2]}"/>' in saved
    with BackgroundEmulator(root, fabric=san(delays=(0, 0, 0.5))):
        done = run(root, "--state-dir", state, "vhba", "start", "web1", "--timeout", "10")
        assert (done.returncode, done.stderr) == (0, "")
        assert done.stdout.endswith("scsi_host10 sees 3 of 3 expected LUNs\n")
        pool = run(root, "--state-dir", state, "vhba", "export-pool", "web1").stdout
        assert f"nodedev-xml expected LUNs (WWID): {' '.join(WWIDS)}" in pool
        done = run(root, "--state-dir", state, "vhba", "start", "--autostart", "--timeout", "2")
        assert done.returncode == 1
        assert "web1 is already running as scsi_host10" in done.stdout
        assert f"scsi_host11 sees 2 of 3 expected LUNs; missing {WWIDS[2]}" in done.stderr
