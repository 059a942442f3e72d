"""create_vhba / delete_vhba against the kernel emulator, in-process: every errno path
of the kernel, the parent rules, the checks made before writing, waiting and rollback."""

from __future__ import annotations

import errno
import random
import time
from pathlib import Path

import pytest
from vhba_trees import FABRIC, FULL_VPORT_WWPN, HBA_WWNN, HBA_WWPN, build_san, snapshot

import nodedev_xml as nx
from nodedev_xml.errors import VHBAError
from nodedev_xml.model import CreateRequest, Parent
from nodedev_xml.testing import FCHostSpec
from nodedev_xml.testing.emulator import KernelEmulator, parse_vport_names
from nodedev_xml.vhba import find_parent, generate_wwns
from nodedev_xml.vhba.kernel import write_vport
from nodedev_xml.wwn import WWN

NEW_WWNN, NEW_WWPN = WWN(0x5001A4A000000001), WWN(0x5001A4A000000002)
HBA_DIR = "sys/devices/pci0000:00/0000:00:03.0/0000:06:00.0/host8"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    build_san(tmp_path)
    return tmp_path


def _named(parent: str, wwns: bool = True) -> CreateRequest:
    if wwns:
        return CreateRequest(Parent(name=parent), NEW_WWNN, NEW_WWPN)
    return CreateRequest(Parent(name=parent))


# -- the kernel's parse --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("5001a4a000000002:5001a4a000000001", (0x5001A4A000000002, 0x5001A4A000000001)),
        ("5001A4A000000002:5001a4a000000001\n", (0x5001A4A000000002, 0x5001A4A000000001)),
    ],
)
def test_the_kernel_parse_takes_port_name_first_in_either_case(
    text: str, names: tuple[int, int]
) -> None:
    assert parse_vport_names(text) == names


@pytest.mark.parametrize(
    "text",
    [
        "0x5001a4a000000002:5001a4a00000001",  # 0x prefix
        "5001a4a000000002:0x5001a4a00000001",
        "5001a4a00000002:5001a4a0000000001",  # ':' not at 16
        "5001a4a000000002:5001a4a000000001\n\n",  # one newline only
        "5001a4a000000002:5001a4a00000000g",
        "5001a4a000000002-5001a4a000000001",
        "",
    ],
)
def test_the_kernel_parse_refuses_everything_else_with_einval(text: str) -> None:
    with pytest.raises(OSError) as e:
        parse_vport_names(text)
    assert e.value.errno == errno.EINVAL


# -- kernel errno -> VHBAError, through the emulator ----------------------------------------


@pytest.mark.parametrize(
    ("host", "wwpn", "code", "words"),
    [
        (6, 0x5001A4A000000002, errno.ENOSPC, "no room for another vport"),
        (8, HBA_WWPN, errno.ENOTUNIQ, "already in use on scsi_host8"),
        (5, 0x5001A4A000000002, errno.EOPNOTSUPP, "not on a fabric"),
        (9, 0x5001A4A000000002, errno.ENOENT, "not vport-capable"),
    ],
)
def test_kernel_refusals_become_one_clear_line(
    root: Path, host: int, wwpn: int, code: int, words: str
) -> None:
    before = snapshot(root)
    with KernelEmulator(root) as kernel, pytest.raises(VHBAError) as e:
        write_vport(kernel, "vport_create", host, WWN(wwpn), NEW_WWNN)
    assert e.value.errno == code
    assert words in str(e.value) and "\n" not in str(e.value)
    assert snapshot(root) == before


def test_a_malformed_string_is_einval(root: Path) -> None:
    with KernelEmulator(root) as kernel, pytest.raises(OSError) as e:
        kernel.write(str(root / "sys/class/fc_host/host8/vport_create"), "0x21:0x20")
    assert e.value.errno == errno.EINVAL


def test_enospc_is_checked_before_the_drivers_checks(root: Path) -> None:
    """A full port says ENOSPC even for a name the driver would call a duplicate."""
    with KernelEmulator(root) as kernel, pytest.raises(VHBAError) as e:
        write_vport(kernel, "vport_create", 6, WWN(FULL_VPORT_WWPN), NEW_WWNN)
    assert e.value.errno == errno.ENOSPC


def test_deleting_a_vport_that_is_not_there_is_enodev(root: Path) -> None:
    with KernelEmulator(root) as kernel, pytest.raises(VHBAError) as e:
        write_vport(kernel, "vport_delete", 8, NEW_WWPN, NEW_WWNN)
    assert e.value.errno == errno.ENODEV
    assert "scsi_host8 has no vport with WWPN 5001a4a000000002" in str(e.value)


# -- what a create leaves in sysfs -----------------------------------------------------------


def test_create_lays_out_the_vport_and_its_vhba_as_the_kernel_does(root: Path) -> None:
    with KernelEmulator(root) as kernel:
        made = nx.create_vhba(_named("scsi_host8"), root=str(root), writer=kernel, timeout=1)
    assert made == nx.CreatedVHBA("scsi_host10", "scsi_host8", NEW_WWNN, NEW_WWPN, "Active")
    vport = root / HBA_DIR / "vport-8:0-0"
    cls = vport / "fc_vports/vport-8:0-0"
    assert (cls / "port_name").read_text() == "0x5001a4a000000002\n"
    assert (cls / "vport_state").read_text() == "Active\n"
    assert (cls / "vport_last_state").read_text() == "Initializing\n"
    assert (root / "sys/class/fc_vports/vport-8:0-0").resolve() == cls
    assert (vport / "uevent").exists() and not (vport / "subsystem").exists()
    host = vport / "host10"
    assert (host / "uevent").read_text() == "DEVTYPE=scsi_host\n"
    assert (host / "subsystem").resolve() == root / "sys/bus/scsi"
    for cl in ("scsi_host", "fc_host"):
        assert (root / f"sys/class/{cl}/host10").resolve() == host / cl / "host10"
        assert (host / cl / "host10/subsystem").resolve() == root / f"sys/class/{cl}"
        assert (host / cl / "host10/device").resolve() == host
    fc = host / "fc_host/host10"
    assert (fc / "port_type").read_text() == "NPIV VPORT\n"
    assert (fc / "fabric_name").read_text() == f"0x{FABRIC:x}\n"
    assert not any((fc / a).exists() for a in ("vport_create", "vport_delete",
                                               "max_npiv_vports", "npiv_vports_inuse"))  # fmt: skip
    assert (root / HBA_DIR / "fc_host/host8/npiv_vports_inuse").read_text() == "1\n"
    inv = nx.scan(str(root))
    assert not inv.warnings
    vhba = inv["scsi_host10"]
    assert vhba.parent_name == "scsi_host8"
    assert vhba.scsi_host is not None and vhba.scsi_host.fc_host is not None
    assert vhba.scsi_host.fc_host.wwpn == NEW_WWPN


def test_delete_undoes_all_of_it_and_vport_numbers_are_not_reused(root: Path) -> None:
    before = snapshot(root)
    with KernelEmulator(root) as kernel:
        made = nx.create_vhba(_named("scsi_host8"), root=str(root), writer=kernel, timeout=1)
        nx.delete_vhba(made.name, root=str(root), writer=kernel)
        assert snapshot(root) == before
        again = nx.create_vhba(_named("scsi_host8"), root=str(root), writer=kernel, timeout=1)
        assert (root / HBA_DIR / "vport-8:0-1").is_dir()
        nx.delete_vhba(wwpn=str(again.wwpn), root=str(root), writer=kernel)
    assert snapshot(root) == before


def test_a_late_host_is_waited_for(root: Path) -> None:
    with KernelEmulator(root, host_delay=0.3) as kernel:
        start = time.monotonic()
        made = nx.create_vhba(_named("scsi_host8"), root=str(root), writer=kernel, timeout=1)
    assert time.monotonic() - start >= 0.3
    assert made.name == "scsi_host10" and made.vport_state == "Active"


def test_a_host_that_never_appears_is_rolled_back_within_the_timeout(root: Path) -> None:
    before = snapshot(root)
    with KernelEmulator(root, host_appears=False) as kernel:
        start = time.monotonic()
        with pytest.raises(VHBAError) as e:
            nx.create_vhba(_named("scsi_host8"), root=str(root), writer=kernel, timeout=0.4)
        assert time.monotonic() - start < 0.9
    assert "no Scsi_Host appeared for the vport vport-8:0-0" in str(e.value)
    assert "deleted it again" in str(e.value)
    assert [w.path.rpartition("/")[2] for w in kernel.writes] == ["vport_create", "vport_delete"]
    assert snapshot(root) == before


@pytest.mark.parametrize("state", ["Fabric Rejected WWN", "No Fabric Support"])
def test_a_vport_the_fabric_refuses_is_reported_and_removed(root: Path, state: str) -> None:
    before = snapshot(root)
    with (
        KernelEmulator(root, vport_state=state, host_delay=0.05) as kernel,
        pytest.raises(VHBAError) as e,
    ):
        nx.create_vhba(_named("scsi_host8"), root=str(root), writer=kernel, timeout=1)
    assert f"failed: {state}; deleted it again" in str(e.value)
    assert snapshot(root) == before


# -- checks before any write ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("request_", "words"),
    [
        (_named("scsi_host5"), "port state is Linkdown, not Online"),
        (_named("scsi_host6"), "full (1 of 1 vports in use)"),
        (_named("scsi_host9"), "not vport-capable"),
        (_named("scsi_host7"), "not vport-capable"),  # a vHBA
        (_named("scsi_host42"), "no parent device named 'scsi_host42'"),
        (
            CreateRequest(Parent(name="scsi_host8"), WWN(HBA_WWNN), NEW_WWPN),
            "the WWNN of scsi_host8",
        ),
        (
            CreateRequest(Parent(name="scsi_host8"), NEW_WWNN, WWN(FULL_VPORT_WWPN)),
            "the WWPN of a vport of scsi_host6",
        ),
        (CreateRequest(Parent(name="scsi_host8"), WWN(0), NEW_WWPN), "not a usable name"),
        (CreateRequest(Parent(name="scsi_host8"), NEW_WWNN, NEW_WWNN), "are the same"),
        (CreateRequest(Parent(wwnn=WWN(HBA_WWNN), wwpn=WWN(0x1))), "no HBA with WWNN"),
        (CreateRequest(Parent(fabric_wwn=WWN(0x1234))), "no Online, vport-capable HBA on fabric"),
    ],
)
def test_unusable_parents_and_names_are_refused_before_writing(
    root: Path, request_: CreateRequest, words: str
) -> None:
    before = snapshot(root)
    with KernelEmulator(root) as kernel, pytest.raises(VHBAError) as e:
        nx.create_vhba(request_, root=str(root), writer=kernel, timeout=1)
    assert words in str(e.value)
    assert kernel.writes == []
    assert snapshot(root) == before


def test_no_parent_picks_neither_the_linkdown_nor_the_full_port(root: Path) -> None:
    inv = nx.scan(str(root))
    assert find_parent(inv, None).name == "scsi_host8"
    fabric = find_parent(inv, Parent(fabric_wwn=WWN(FABRIC)))
    assert fabric.name == "scsi_host8"  # scsi_host6 is on it too, but full
    assert find_parent(inv, Parent(wwnn=WWN(HBA_WWNN), wwpn=WWN(HBA_WWPN))).name == "scsi_host8"


def test_counts_are_compared_as_numbers(tmp_path: Path) -> None:
    """127 of 127 in use is full and 0 of 0 has no room, whatever the strings."""
    build_san(tmp_path, room=0)
    with pytest.raises(VHBAError) as e:
        find_parent(nx.scan(str(tmp_path)), None)
    assert "scsi_host8: full (0 of 0 vports in use)" in str(e.value)
    assert "scsi_host5: port state is Linkdown" in str(e.value)


def test_the_lock_is_beside_a_fake_root(root: Path) -> None:
    with KernelEmulator(root) as kernel:
        nx.create_vhba(_named("scsi_host8"), root=str(root), writer=kernel, timeout=1)
    assert (root / ".nodedev-xml.lock").exists()


# -- generated names --------------------------------------------------------------------------


def test_generated_names_are_naa5_with_the_qemu_oui_and_avoid_what_is_taken() -> None:
    first = generate_wwns((), rng=random.Random(7))
    taken = set(first)
    wwnn, wwpn = generate_wwns(taken, rng=random.Random(7))
    assert {wwnn, wwpn}.isdisjoint(taken) and wwnn != wwpn
    for name in (wwnn, wwpn, *first):
        assert name.naa == 5 and name.oui == 0x001A4A


def test_create_without_names_generates_fresh_ones(root: Path) -> None:
    with KernelEmulator(root) as kernel:
        made = nx.create_vhba(CreateRequest(), root=str(root), writer=kernel, timeout=1,
                              avoid=[NEW_WWNN])  # fmt: skip
    assert made.parent == "scsi_host8"
    assert made.wwnn.oui == made.wwpn.oui == 0x001A4A and made.wwnn != made.wwpn
    assert NEW_WWNN not in (made.wwnn, made.wwpn)


def test_a_vport_without_a_host_is_deleted_by_its_wwpn(tmp_path: Path) -> None:
    b = build_san(tmp_path)
    hba = b.hosts[8]
    assert isinstance(hba, FCHostSpec)
    b.add_vport(hba, node_name=NEW_WWNN.value, port_name=NEW_WWPN.value, state="Initializing",
                with_host=False)  # fmt: skip
    with KernelEmulator(tmp_path) as kernel:
        nx.delete_vhba(wwpn=NEW_WWPN, root=str(tmp_path), writer=kernel)
    assert not (tmp_path / HBA_DIR / "vport-8:0-0").exists()
    assert (tmp_path / HBA_DIR / "fc_host/host8/npiv_vports_inuse").read_text() == "0\n"


def test_a_vports_own_vport_delete_takes_any_string(root: Path) -> None:
    before = snapshot(root)
    with KernelEmulator(root) as kernel:
        nx.create_vhba(_named("scsi_host8"), root=str(root), writer=kernel, timeout=1)
        kernel.write(str(root / "sys/class/fc_vports/vport-8:0-0/vport_delete"), "1")
    assert snapshot(root) == before


def test_deleting_what_is_not_a_vhba_is_refused(root: Path) -> None:
    with pytest.raises(VHBAError, match="scsi_host8 is not a vHBA"):
        nx.delete_vhba("scsi_host8", root=str(root))
    with pytest.raises(VHBAError, match="no vport with WWPN 5001a4a000000002"):
        nx.delete_vhba(wwpn=NEW_WWPN, root=str(root))


@pytest.mark.parametrize("call", ["create", "delete"])
def test_an_unknown_backend_is_refused_before_anything_is_written(root: Path, call: str) -> None:
    before = snapshot(root)
    with KernelEmulator(root) as kernel, pytest.raises(VHBAError, match="unknown backend 'hal'"):
        if call == "create":
            nx.create_vhba(root=str(root), writer=kernel, backend="hal")
        else:
            nx.delete_vhba("scsi_host7", root=str(root), writer=kernel, backend="hal")
    assert kernel.writes == []
    assert snapshot(root) == before
