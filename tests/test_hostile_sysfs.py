"""Hostile sysfs (README "Bad input"): devices vanishing mid-scan, attributes failing
with real errno values, garbage values, symlink loops, links out of the root,
huge files and unsafe names.  Each case spoils the standard host of
:mod:`hostile` one way and checks, through the API (and through the command
line for representative cases), that

- the scan completes, with exactly one warning per problem, naming the device
  and the attribute;
- what could not be trusted is left out, and nothing else;
- every document validates in both profiles, and the inventory's invariants hold;
- nothing outside the root is read.

Each case fails without its defence in ``nodedev_xml/sysfs/``.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from hostile import (
    ERRNOS,
    SENTINEL,
    SENTINEL_WWN,
    HostileAccess,
    Standard,
    build_outside,
    build_standard,
    check_all,
    documents,
    lines,
    opened_paths,
    replace_file,
    scan,
    vport_names,
)

import nodedev_xml as nx
from nodedev_xml.cli import main
from nodedev_xml.model import FCHost
from nodedev_xml.sysfs.access import MAX_ATTR_BYTES, OSFileAccess
from nodedev_xml.validation import validate

REPO = Path(__file__).resolve().parent.parent

WWPN7, WWPN8, WWPN_INIT = "2101001b32a9da4e", "2102001b32a9da4e", "2103001b32a9da4e"
ALL_VPORTS = [("scsi_host7", WWPN7), ("scsi_host8", WWPN8), (None, WWPN_INIT)]


@pytest.fixture
def t(tmp_path: Path) -> Standard:
    return build_standard(tmp_path / "root")


def ename(code: int) -> str:
    return errno.errorcode[code]


def fc(inv: nx.Inventory, name: str) -> FCHost:
    cap = inv[name].scsi_host
    assert cap is not None and cap.fc_host is not None, name
    return cap.fc_host


def test_the_standard_host_is_clean(t: Standard) -> None:
    inv = scan(t.root)
    assert lines(inv) == []
    assert list(inv) == ["pci_0000_00_03_0", "pci_0000_04_00_0", "pci_0000_04_00_1", "scsi_host5",
                         "scsi_host6", "scsi_host7", "scsi_host8", "scsi_target5_0_0"]  # fmt: skip
    assert vport_names(inv) == ALL_VPORTS
    check_all(inv)


# -- devices that vanish mid-scan (ENOENT) ------------------------------------------------------


def test_vhba_vanishing_at_an_optional_attribute_is_left_out_with_one_warning(t: Standard) -> None:
    fs = HostileAccess().before(t.fc(t.vhba7) / "symbolic_name",
                                lambda: shutil.rmtree(t.vhba7.path))  # fmt: skip
    inv = scan(t.root, fs)
    assert lines(inv) == ["scsi_host7: vanished during the scan"]
    assert "scsi_host7" not in inv
    # Its vport is still there: listed, without a Scsi_Host, as one that has not appeared.
    assert vport_names(inv) == [(None, WWPN7), ("scsi_host8", WWPN8), (None, WWPN_INIT)]
    check_all(inv)


def test_vhba_whose_fc_host_vanished_after_its_scsi_host_was_read(t: Standard) -> None:
    fs = HostileAccess().before(t.fc(t.vhba7) / "node_name", lambda: shutil.rmtree(t.vhba7.path))
    inv = scan(t.root, fs)
    assert lines(inv) == ["scsi_host7: vanished during the scan"]
    assert "scsi_host7" not in inv
    check_all(inv)


def test_vport_deleted_while_its_vhba_is_read(t: Standard) -> None:
    """vport_delete removes the vport and the vHBA under it: both leave the HBA's list."""
    fs = HostileAccess().before(t.fc(t.vhba7) / "port_state", lambda: shutil.rmtree(t.v0.path))
    inv = scan(t.root, fs)
    assert lines(inv) == ["scsi_host7: vanished during the scan, with its vport vport-5:0-0"]
    assert "scsi_host7" not in inv
    assert vport_names(inv) == [("scsi_host8", WWPN8), (None, WWPN_INIT)]
    check_all(inv)


def test_vport_deleted_while_it_is_read(t: Standard) -> None:
    fs = HostileAccess().before(t.vp(t.v0) / "port_name", lambda: shutil.rmtree(t.v0.path))
    inv = scan(t.root, fs)
    assert lines(inv) == ["vport-5:0-0: vanished during the scan, with its vHBA scsi_host7"]
    assert "scsi_host7" not in inv
    assert vport_names(inv) == [("scsi_host8", WWPN8), (None, WWPN_INIT)]
    check_all(inv)


def test_hba_vanishing_takes_its_vhbas_and_targets(t: Standard) -> None:
    fs = HostileAccess().before(t.fc(t.hba) / "port_type", lambda: shutil.rmtree(t.hba.path))
    inv = scan(t.root, fs)
    assert lines(inv) == [
        "scsi_host5: vanished during the scan",
        "scsi_host7: vanished during the scan, with its vport vport-5:0-0",
        "scsi_host8: vanished during the scan, with its vport vport-5:0-1",
    ]
    assert [n for n in inv if n.startswith("scsi")] == ["scsi_host6"]
    check_all(inv)


def test_card_unplugged_while_it_is_read(t: Standard) -> None:
    fs = HostileAccess().before(t.card.path / "class", lambda: shutil.rmtree(t.card.path))
    inv = scan(t.root, fs)
    assert lines(inv) == [
        "pci_0000_04_00_0: vanished during the scan",
        "scsi_host5: vanished during the scan",
        "scsi_host7: vanished during the scan, with its vport vport-5:0-0",
        "scsi_host8: vanished during the scan, with its vport vport-5:0-1",
    ]
    assert list(inv) == ["pci_0000_00_03_0", "pci_0000_04_00_1", "scsi_host6"]
    check_all(inv)


def test_device_removed_between_listing_and_reading_its_class_link(t: Standard) -> None:
    entry = t.class_entry("scsi_host", "host8")

    def remove() -> None:
        shutil.rmtree(t.v1.path)
        entry.unlink()
        t.class_entry("fc_vports", t.v1.name).unlink()
        t.class_entry("fc_host", "host8").unlink()

    inv = scan(t.root, HostileAccess().before(entry, remove))
    assert lines(inv) == ["/sys/class/scsi_host/host8: vanished during the scan"]
    assert "scsi_host8" not in inv
    assert vport_names(inv) == [("scsi_host7", WWPN7), (None, WWPN_INIT)]
    check_all(inv)


def test_vport_deleted_while_its_hba_is_read(t: Standard) -> None:
    """The HBA's list was read before the vport went; its vHBA, read after, is gone
    with it: the list loses the vport too, so HBA and vHBAs still agree."""
    fs = HostileAccess().before(t.fc(t.hba) / "npiv_vports_inuse",
                                lambda: shutil.rmtree(t.v0.path))  # fmt: skip
    inv = scan(t.root, fs)
    assert lines(inv) == ["scsi_host7: vanished during the scan, with its vport vport-5:0-0"]
    assert vport_names(inv) == [("scsi_host8", WWPN8), (None, WWPN_INIT)]
    check_all(inv)


def test_target_whose_remote_port_vanished(t: Standard) -> None:
    fs = HostileAccess().before(t.rp() / "port_name", lambda: shutil.rmtree(t.rport.path))
    inv = scan(t.root, fs)
    assert lines(inv) == ["scsi_target5_0_0: vanished during the scan"]
    assert "scsi_target5_0_0" not in inv
    check_all(inv)


# -- attributes that fail with a real errno ---------------------------------------------------

Where = Callable[[Standard], Path]
Check = Callable[[nx.Inventory], None]


def _no_port_state(inv: nx.Inventory) -> None:
    assert fc(inv, "scsi_host5").port_state is None
    assert fc(inv, "scsi_host5").port_type is not None  # only the one attribute is left out
    assert "<port_state>" not in nx.to_xml(inv["scsi_host5"], "enriched")


def _no_fc_host(inv: nx.Inventory) -> None:
    cap = inv["scsi_host5"].scsi_host
    assert cap is not None and cap.fc_host is None and cap.vport_ops is None
    assert cap.vports is not None and cap.vports.max_count == 127
    vhba = inv["scsi_host7"].scsi_host
    assert vhba is not None and vhba.phys_hba is not None and vhba.phys_hba.wwnn is None


def _no_vport_state(inv: nx.Inventory) -> None:
    cap = inv["scsi_host5"].scsi_host
    assert cap is not None and cap.vports is not None
    assert [v.state for v in cap.vports.vports] == [None, "Active", "Initializing"]


def _no_card(inv: nx.Inventory) -> None:
    assert "pci_0000_04_00_0" not in inv
    # libvirt hangs the host from the next device up, the port above the card (judged on
    # the oracle's pci-function-without-vendor root)
    assert inv["scsi_host5"].parent_name == "pci_0000_00_03_0"
    cap = inv["scsi_host5"].scsi_host
    assert cap is not None and cap.adapter is not None
    assert cap.adapter.model == "QLE2562" and cap.adapter.vendor_id is None


def _no_max_vports(inv: nx.Inventory) -> None:
    cap = inv["scsi_host5"].scsi_host
    assert cap is not None and cap.vport_ops is None
    assert cap.vports is not None and cap.vports.max_count is None
    assert len(cap.vports.vports) == 3


def _no_unique_id(inv: nx.Inventory) -> None:
    cap = inv["scsi_host8"].scsi_host
    assert cap is not None and cap.unique_id is None and cap.fc_host is not None


def _no_fc_anywhere(inv: nx.Inventory) -> None:
    assert inv.with_cap("fc_host") == []
    cap = inv["scsi_host5"].scsi_host
    assert cap is not None and cap.vports is not None and cap.vports.max_count is None


def _no_host6(inv: nx.Inventory) -> None:
    assert "scsi_host6" not in inv and "scsi_host5" in inv


def _no_targets(inv: nx.Inventory) -> None:
    assert inv.with_cap("scsi_target") == []


def _no_driver(inv: nx.Inventory) -> None:
    assert inv["pci_0000_04_00_0"].driver is None


def _no_rport(inv: nx.Inventory) -> None:
    cap = inv["scsi_target5_0_0"].scsi_target
    assert cap is not None and cap.fc_remote_port is None


ERRNO_CASES: dict[str, tuple[str, Where, str, Check]] = {
    # case: (operation, path, expected warning with {e} for the errno's name, check)
    "hba port_state": ("read", lambda t: t.fc(t.hba) / "port_state",
                       "scsi_host5: fc_host/port_state: unreadable ({e})", _no_port_state),
    "hba node_name": ("read", lambda t: t.fc(t.hba) / "node_name",
                      "scsi_host5: fc_host/node_name: unreadable ({e})", _no_fc_host),
    "vport_state": ("read", lambda t: t.vp(t.v0) / "vport_state",
                    "vport-5:0-0: vport_state: unreadable ({e})", _no_vport_state),
    "pci vendor": ("read", lambda t: t.card.path / "vendor",
                   "pci_0000_04_00_0: vendor: unreadable ({e}); device left out", _no_card),
    "max_npiv_vports": ("read", lambda t: t.fc(t.hba) / "max_npiv_vports",
                        "scsi_host5: max_npiv_vports: unreadable ({e})", _no_max_vports),
    "vhba unique_id": ("read", lambda t: t.sh(t.vhba8) / "unique_id",
                       "scsi_host8: scsi_host/unique_id: unreadable ({e})", _no_unique_id),
    "fc_host class": ("listdir", lambda t: t.sys / "class" / "fc_host",
                      "/sys/class/fc_host: cannot list ({e})", _no_fc_anywhere),
    "class link": ("readlink", lambda t: t.class_entry("scsi_host", "host6"),
                   "/sys/class/scsi_host/host6: not a class link ({e})", _no_host6),
    "scsi bus": ("listdir", lambda t: t.sys / "bus" / "scsi" / "devices",
                 "/sys/bus/scsi/devices: cannot list ({e})", _no_targets),
    "pci driver link": ("readlink", lambda t: t.card.path / "driver",
                        "pci_0000_04_00_0: driver: not a link ({e})", _no_driver),
    "rport port_name": ("read", lambda t: t.rp() / "port_name",
                        "scsi_target5_0_0: rport-5:0-0/port_name: unreadable ({e})", _no_rport),
}  # fmt: skip


@pytest.mark.parametrize("code", ERRNOS, ids=ename)
@pytest.mark.parametrize("case", sorted(ERRNO_CASES))
def test_attribute_failing_with_errno(t: Standard, case: str, code: int) -> None:
    op, where, expected, check = ERRNO_CASES[case]
    path = where(t)
    fs = HostileAccess().fail(path, code)
    inv = scan(t.root, fs)
    assert (op, str(path)) in fs.calls
    assert lines(inv) == [expected.format(e=ename(code))]
    check(inv)
    check_all(inv)


# -- garbage values ---------------------------------------------------------------------------

GARBAGE_CASES: dict[str, tuple[Where, bytes | str, str, Check]] = {
    # case: (file, content, expected warning, check)
    "non-hex wwn": (lambda t: t.fc(t.hba) / "port_name", b"0xnothex\n",
                    "scsi_host5: fc_host/port_name: '0xnothex': invalid WWN", _no_fc_host),
    "17-digit wwn": (lambda t: t.fc(t.hba) / "node_name", b"0x1ffffffffffffffff\n",
                     "scsi_host5: fc_host/node_name: '0x1ffffffffffffffff': invalid WWN",
                     _no_fc_host),
    "empty wwn": (lambda t: t.fc(t.hba) / "node_name", b"",
                  "scsi_host5: fc_host/node_name: '': invalid WWN", _no_fc_host),
    "negative count": (lambda t: t.fc(t.hba) / "npiv_vports_inuse", b"-1\n",
                       "scsi_host5: npiv_vports_inuse: '-1': expected an unsigned", None),
    "count past unsignedInt": (lambda t: t.fc(t.hba) / "max_npiv_vports", b"4294967296\n",
                               "scsi_host5: max_npiv_vports: '4294967296': expected an unsigned",
                               _no_max_vports),
    "20-digit count": (lambda t: t.sh(t.vhba8) / "unique_id", b"99999999999999999999\n",
                       "scsi_host8: scsi_host/unique_id: '99999999999999999999': expected",
                       _no_unique_id),
    "unknown port state": (lambda t: t.fc(t.hba) / "port_state", b"Wibbling\n",
                           "scsi_host5: fc_host/port_state: 'Wibbling': expected an FC port state",
                           _no_port_state),
    "unknown vport state": (lambda t: t.vp(t.v0) / "vport_state", b"Dancing\n",
                            "vport-5:0-0: vport_state: 'Dancing': expected a vport state",
                            _no_vport_state),
    "non-UTF-8": (lambda t: t.fc(t.hba) / "port_state", b"Onl\xffine\xfe\n",
                  "scsi_host5: fc_host/port_state: not UTF-8 text", _no_port_state),
    "empty port state": (lambda t: t.fc(t.hba) / "port_state", b"",
                         "scsi_host5: fc_host/port_state: '': expected an FC port state",
                         _no_port_state),
    "NUL bytes": (lambda t: t.fc(t.hba) / "port_state", b"Online\x00\x00\n",
                  "scsi_host5: fc_host/port_state: 'Online\\x00\\x00': expected", _no_port_state),
    "directory for a file": (lambda t: t.fc(t.hba) / "port_state", "dir",
                             "scsi_host5: fc_host/port_state: unreadable (EISDIR)", _no_port_state),
    "fifo for a file": (lambda t: t.fc(t.hba) / "port_state", "fifo",
                        "scsi_host5: fc_host/port_state: '': expected an FC port state",
                        _no_port_state),
    "port id too wide": (lambda t: t.fc(t.hba) / "port_id", b"0x1000000\n",
                         "scsi_host5: fc_host/port_id: '0x1000000': expected", None),
    "speed": (lambda t: t.fc(t.hba) / "speed", b"ludicrous\n",
              "scsi_host5: fc_host/speed: 'ludicrous': expected a speed", None),
    "escape sequence in a model": (lambda t: t.sh(t.hba) / "model_name", b"QLE\x1b[2J2562\n",
                                   "scsi_host5: scsi_host/model_name: 'QLE\\x1b[2J2562': expected "
                                   "printable text", None),
    "pci vendor": (lambda t: t.card.path / "vendor", b"0xqlgc\n",
                   "pci_0000_04_00_0: vendor: '0xqlgc': expected a 16-bit id like 0x1077; device "
                   "left out", _no_card),
    "pci class": (lambda t: t.card.path / "class", b"storage\n",
                  "pci_0000_04_00_0: class: 'storage': expected a 24-bit class code", None),
    "rport wwpn": (lambda t: t.rp() / "port_name", b"0x\n",
                   "scsi_target5_0_0: rport-5:0-0/port_name: '0x': invalid WWN", _no_rport),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(GARBAGE_CASES))
def test_garbage_value(t: Standard, case: str) -> None:
    where, content, expected, check = GARBAGE_CASES[case]
    replace_file(where(t), content)
    inv = scan(t.root)
    assert len(inv.warnings) == 1, lines(inv)
    assert lines(inv)[0].startswith(expected), lines(inv)
    if check is not None:
        check(inv)
    check_all(inv)


def test_garbage_driver_link_name(t: Standard) -> None:
    link = t.card.path / "driver"
    link.unlink()
    link.symlink_to("../../../../bus/pci/drivers/q la\x01")
    inv = scan(t.root)
    assert lines(inv) == ["pci_0000_04_00_0: driver: 'q la\\x01': expected a driver name"]
    _no_driver(inv)
    check_all(inv)


def test_class_entry_that_is_a_directory(t: Standard) -> None:
    entry = t.class_entry("scsi_host", "host6")
    entry.unlink()
    entry.mkdir()
    (entry / "unique_id").write_text("6\n")
    inv = scan(t.root)
    assert lines(inv) == ["/sys/class/scsi_host/host6: not a class link (EINVAL)"]
    _no_host6(inv)
    check_all(inv)


def test_class_entries_pointing_at_another_devices_directory(t: Standard) -> None:
    """An fc_host or fc_vports entry must be its own host's or vport's class
    directory: one planted under another device is refused, not read as its."""
    planted = t.hba.path / "fc_host" / "host6"
    planted.mkdir()
    for attr in ("node_name", "port_name"):
        (planted / attr).write_text("0x5000000000000bad\n")
    fc6 = t.class_entry("fc_host", "host6")
    fc6.unlink()
    fc6.symlink_to(os.readlink(t.class_entry("fc_host", "host5")).replace("host5/fc_host/host5",
                                                                          "host5/fc_host/host6"))
    fake = t.v1.path / "planted" / t.v1.name
    fake.mkdir(parents=True)
    for attr, value in (("node_name", "0x5000000000000bad"), ("port_name", "0x5000000000000bad"),
                        ("vport_state", "Active")):  # fmt: skip
        (fake / attr).write_text(value + "\n")
    vp = t.class_entry("fc_vports", t.v1.name)
    vp.unlink()
    vp.symlink_to(os.readlink(vp.parent / t.v0.name).replace(
        "vport-5:0-0/fc_vports/vport-5:0-0", "vport-5:0-1/planted/vport-5:0-1"))  # fmt: skip
    inv = scan(t.root)
    assert lines(inv) == [
        "/sys/class/fc_vports/vport-5:0-1: not laid out as vport-H:C-N",
        "/sys/class/fc_host/host6: not laid out as hostN/fc_host/hostN",
    ]
    cap6 = inv["scsi_host6"].scsi_host
    assert cap6 is not None and cap6.fc_host is None
    assert "5000000000000bad" not in "".join(xml for _, _, xml in documents(inv))
    # vport-5:0-1 is still known from its vHBA's path: listed by name, its WWNs its
    # vHBA's own fc_host's; nothing of the planted entry trusted.
    assert vport_names(inv) == ALL_VPORTS
    check_all(inv)


def test_vport_and_vhba_under_a_directory_only_named_like_their_hba(t: Standard) -> None:
    fake = t.sys / "devices" / "virtual" / "host5" / "vport-5:0-7"
    vp, sh, fch = (fake / "fc_vports" / "vport-5:0-7", fake / "host12" / "scsi_host" / "host12",
                   fake / "host12" / "fc_host" / "host12")  # fmt: skip
    for d in (vp, sh, fch):
        d.mkdir(parents=True)
    for d in (vp, fch):
        (d / "node_name").write_text("0x5000000000000bad\n")
        (d / "port_name").write_text("0x5000000000000bad\n")
    (vp / "vport_state").write_text("Active\n")
    (sh / "unique_id").write_text("12\n")
    rel = "../../devices/virtual/host5/vport-5:0-7"
    t.class_entry("fc_vports", "vport-5:0-7").symlink_to(f"{rel}/fc_vports/vport-5:0-7")
    t.class_entry("scsi_host", "host12").symlink_to(f"{rel}/host12/scsi_host/host12")
    t.class_entry("fc_host", "host12").symlink_to(f"{rel}/host12/fc_host/host12")
    inv = scan(t.root)
    assert lines(inv) == [
        "vport-5:0-7: vport is not under its parent host",
        "scsi_host12: left out: not under its HBA's directory",
    ]
    assert "scsi_host12" not in inv and vport_names(inv) == ALL_VPORTS
    check_all(inv)


def test_remote_port_entry_pointing_at_another_directory(t: Standard) -> None:
    planted = t.hba.path / "planted" / "fc_remote_ports" / t.rport.name
    planted.mkdir(parents=True)
    (planted / "port_name").write_text("0x5000000000000bad\n")
    entry = t.class_entry("fc_remote_ports", t.rport.name)
    entry.unlink()
    entry.symlink_to(os.readlink(t.class_entry("fc_host", "host5")).replace(
        "fc_host/host5", f"planted/fc_remote_ports/{t.rport.name}"))  # fmt: skip
    inv = scan(t.root)
    assert lines(inv) == ["/sys/class/fc_remote_ports/rport-5:0-0: not laid out as "
                          "rport-H:C-R/fc_remote_ports/rport-H:C-R"]  # fmt: skip
    _no_rport(inv)
    check_all(inv)


def test_vhbas_of_an_hba_missing_from_the_scan_are_left_out(t: Standard) -> None:
    t.class_entry("scsi_host", "host5").unlink()
    inv = scan(t.root)
    assert lines(inv) == [
        "scsi_host7: left out: its HBA scsi_host5 is not in the scan",
        "scsi_host8: left out: its HBA scsi_host5 is not in the scan",
    ]
    assert [n for n in inv if n.startswith("scsi_host")] == ["scsi_host6"]
    check_all(inv)


def test_class_entries_spelled_unlike_the_kernel(t: Standard) -> None:
    """No two spellings of one host (host05), nothing but the kernel's names; a name
    that holds a newline or escape codes is shown escaped, on one line."""
    cls = t.sys / "class" / "scsi_host"
    target = os.readlink(cls / "host5")
    for name in ("host5 ", "host-1", "host\n9\x1b[2J", "..host5", "host4294967296"):
        (cls / name).symlink_to(target)
    # host05 laid out in full, as if it were a host of its own: still no second scsi_host5.
    alias = t.card.path / "host05" / "scsi_host" / "host05"
    alias.mkdir(parents=True)
    (alias / "unique_id").write_text("55\n")
    (cls / "host05").symlink_to(target.replace("host5", "host05"))
    inv = scan(t.root)
    assert sorted(lines(inv)) == sorted(
        f"/sys/class/scsi_host/{n}: not laid out as hostN/scsi_host/hostN"
        for n in ("host05", "host5 ", "host-1", "host\\n9\\x1b[2J", "..host5", "host4294967296")
    )
    assert [n for n in inv if n.startswith("scsi_host")] == [
        "scsi_host5", "scsi_host6", "scsi_host7", "scsi_host8"]  # fmt: skip
    cap = inv["scsi_host5"].scsi_host
    assert cap is not None and cap.unique_id == 5 and cap.fc_host is not None
    check_all(inv)


def test_link_target_that_is_not_printable(t: Standard) -> None:
    """A device directory whose name would not survive as XML text (a control
    character, bytes that are not UTF-8) is refused before it becomes a <path>."""
    for i, bad in enumerate((b"bad\x01dir", b"bad\xffdir")):
        number = 20 + i
        dev = os.path.join(os.fsencode(t.sys), b"devices", bad, b"host%d" % number)
        os.makedirs(os.path.join(dev, b"scsi_host", b"host%d" % number))
        with open(os.path.join(dev, b"scsi_host", b"host%d" % number, b"unique_id"), "wb") as f:
            f.write(b"0\n")
        link = os.path.join(os.fsencode(t.sys), b"class", b"scsi_host", b"host%d" % number)
        os.symlink(b"../../devices/" + bad + b"/host%d/scsi_host/host%d" % (number, number), link)
    inv = scan(t.root)
    assert len(inv.warnings) == 2, lines(inv)
    assert all("is not printable text" in w for w in lines(inv))
    assert [w.device for w in inv.warnings] == ["/sys/class/scsi_host/host20",
                                                "/sys/class/scsi_host/host21"]  # fmt: skip
    assert "scsi_host20" not in inv and "scsi_host21" not in inv
    check_all(inv)


# -- symlink loops ----------------------------------------------------------------------------


def test_attribute_that_is_a_symlink_loop(t: Standard) -> None:
    replace_file(t.fc(t.hba) / "port_state", "loop")
    inv = scan(t.root)
    assert lines(inv) == ["scsi_host5: fc_host/port_state: unreadable (ELOOP)"]
    _no_port_state(inv)
    check_all(inv)


def test_dangling_attribute_link_is_refused_not_missing(t: Standard) -> None:
    replace_file(t.fc(t.hba) / "port_state", "dangling")
    inv = scan(t.root)
    assert lines(inv) == ["scsi_host5: fc_host/port_state: unreadable (ELOOP)"]
    check_all(inv)


def test_class_entry_that_is_a_symlink_loop(t: Standard) -> None:
    (t.sys / "class" / "scsi_host" / "host9").symlink_to("host9")
    inv = scan(t.root)
    assert lines(inv) == [
        "/sys/class/scsi_host/host9: link points outside sys/devices; not followed"
    ]
    check_all(inv)


def test_device_directory_inside_a_symlink_loop(t: Standard) -> None:
    """A host whose directory cannot be reached (a loop on its path) is one
    warning, not one per attribute, and no device."""
    (t.sys / "devices" / "loop").symlink_to("loop")
    for cls in ("scsi_host", "fc_host"):
        (t.sys / "class" / cls / "host9").symlink_to(f"../../devices/loop/host9/{cls}/host9")
    inv = scan(t.root)
    assert lines(inv) == ["scsi_host9: cannot be read (ELOOP)"]
    assert "scsi_host9" not in inv
    check_all(inv)


def test_fc_host_directory_that_is_a_symlink_loop(t: Standard) -> None:
    d = t.fc(t.hba)
    shutil.rmtree(d)
    d.symlink_to(d.name)
    inv = scan(t.root)
    assert lines(inv) == ["scsi_host5: fc_host: unreadable (ELOOP)"]
    cap = inv["scsi_host5"].scsi_host
    assert cap is not None and cap.fc_host is None and cap.vport_ops is None
    assert vport_names(inv) == ALL_VPORTS
    check_all(inv)


# -- nothing outside the root is read ---------------------------------------------------------


def _inside(root: Path, paths: list[str]) -> list[str]:
    """The paths not inside ``root`` (the root itself is: what is read is opened beneath it)."""
    top = str(root) + os.sep
    return [p for p in paths if not p.startswith(top) and p != str(root)]


def test_class_entries_pointing_outside_the_root_are_never_followed(
    t: Standard, tmp_path: Path
) -> None:
    out = build_outside(tmp_path)
    links = {
        ("scsi_host", "host9"): str(out / "host9" / "scsi_host" / "host9"),  # absolute
        ("fc_host", "host9"): "../../../outside/host9/fc_host/host9",  # relative, climbing out
        ("fc_vports", "vport-5:0-9"):
            "../../devices/../../outside/vport-5:0-9/fc_vports/vport-5:0-9",
    }  # fmt: skip
    for (cls, name), target in links.items():
        t.class_entry(cls, name).symlink_to(target)
    fs = HostileAccess()
    with opened_paths() as opened:
        inv = scan(t.root, fs)
        docs = [xml for _, _, xml in documents(inv)]
    assert sorted(lines(inv)) == sorted(
        f"/sys/class/{cls}/{name}: link points outside sys/devices; not followed"
        for cls, name in links
    )
    assert _inside(t.root, fs.touched()) == []
    assert _inside(t.root, [p for p in opened if "outside" in p or str(tmp_path) in p]) == []
    assert not any(SENTINEL in d or f"{SENTINEL_WWN:016x}" in d for d in docs)
    assert "scsi_host9" not in inv and vport_names(inv) == ALL_VPORTS
    check_all(inv)


def test_attribute_linking_outside_the_root_is_not_read(t: Standard, tmp_path: Path) -> None:
    out = build_outside(tmp_path)
    (t.fc(t.hba) / "symbolic_name").unlink()
    (t.fc(t.hba) / "symbolic_name").symlink_to(out / "sentinel")
    (t.fc(t.hba) / "port_name").unlink()
    (t.fc(t.hba) / "port_name").symlink_to(out / "host9" / "fc_host" / "host9" / "port_name")
    with opened_paths() as opened:
        inv = scan(t.root)
    assert lines(inv) == ["scsi_host5: fc_host/port_name: unreadable (ELOOP)"]
    assert _inside(t.root, [p for p in opened if str(tmp_path) in p]) == []
    _no_fc_host(inv)
    check_all(inv)


def test_links_out_of_the_root_elsewhere(t: Standard, tmp_path: Path) -> None:
    """The PCI driver link: only its last name is used, the link is never followed;
    a bus link out of the root is refused; a pci.ids that leads out is not used."""
    out = build_outside(tmp_path)
    (out / "drivers" / "qla2xxx").mkdir(parents=True)
    driver = t.card.path / "driver"
    driver.unlink()
    driver.symlink_to(out / "drivers" / "qla2xxx")
    bus = t.sys / "bus" / "scsi" / "devices" / "target5:0:0"
    bus.unlink()
    bus.symlink_to("../../../../outside/target5:0:0")
    ids = t.root / "usr" / "share" / "misc" / "pci.ids"
    ids.unlink()
    ids.symlink_to(out / "pci.ids")
    fs = HostileAccess()
    with opened_paths() as opened:
        inv = scan(t.root, fs)
        docs = [xml for _, _, xml in documents(inv)]
    assert lines(inv) == [
        "/sys/bus/scsi/devices/target5:0:0: link points outside sys/devices; not followed"
    ]
    assert inv["pci_0000_04_00_0"].driver == "qla2xxx"
    assert _inside(t.root, fs.touched()) == []
    assert [p for p in opened if str(tmp_path) in p and not p.startswith(str(t.root))] == []
    assert not any(SENTINEL in d for d in docs)
    check_all(inv)


# -- absurdly large files ---------------------------------------------------------------------


def test_huge_attribute_is_refused_after_one_page(
    t: Standard, monkeypatch: pytest.MonkeyPatch
) -> None:
    big = t.fc(t.hba) / "symbolic_name"
    big.write_bytes(b"x" * (10 << 20))
    asked: list[int] = []
    got: list[int] = []
    real_read = os.read

    def spy(fd: int, n: int) -> bytes:
        asked.append(n)
        data = real_read(fd, n)
        got.append(len(data))
        return data

    monkeypatch.setattr(os, "read", spy)
    inv = scan(t.root)
    monkeypatch.undo()
    assert lines(inv) == ["scsi_host5: fc_host/symbolic_name: unreadable (EFBIG)"]
    assert fc(inv, "scsi_host5").symbolic_name is None
    assert max(asked) == MAX_ATTR_BYTES + 1 and max(got) == MAX_ATTR_BYTES + 1
    assert sum(got) < 64 * (MAX_ATTR_BYTES + 1)  # nothing near 10 MiB was read
    check_all(inv)


def test_os_access_reads_at_most_the_limit(tmp_path: Path) -> None:
    f = tmp_path / "big"
    f.write_bytes(b"y" * 100)
    with pytest.raises(OSError) as e:
        OSFileAccess().read(str(f), limit=10)
    assert e.value.errno == errno.EFBIG
    assert OSFileAccess().read(str(f), limit=100) == b"y" * 100


# -- safe names -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["../../../etc/passwd", "scsi_host5/../../x", "scsi_host5\x00", "/sys/class", ".."]
)
def test_names_from_the_command_line_open_nothing(
    t: Standard, name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    inv = scan(t.root)
    with pytest.raises(nx.DeviceNotFoundError):
        inv[name]
    with opened_paths() as opened:
        code = main(["--root", str(t.root), "dumpxml", name])
    out, err = capsys.readouterr()
    # Refused as no name at all (usage, 2), or as no such device (1): one line either way.
    assert code in (1, 2) and out == "" and err.count("\n") == 1, err
    assert err.startswith("nodedev-xml: error: ")
    assert not any("passwd" in p or p.endswith("/x") for p in opened)


def test_every_path_read_is_built_from_checked_names(t: Standard, tmp_path: Path) -> None:
    """With hostile names all over sysfs, every path the scan reads stays in the root
    and holds no name but those the kernel spells (and the class entries it lists)."""
    cls = t.sys / "class"
    (cls / "scsi_host" / "..host5").symlink_to(os.readlink(cls / "scsi_host" / "host5"))
    (cls / "fc_vports" / "vport-5:0-00").symlink_to(os.readlink(cls / "fc_vports" / "vport-5:0-0"))
    (cls / "fc_host" / "host7").unlink()
    (cls / "fc_host" / "host7").symlink_to("../../devices/../../../etc/host7/fc_host/host7")
    fs = HostileAccess()
    inv = scan(t.root, fs)
    assert _inside(t.root, fs.touched()) == []
    for op, path in fs.calls:
        if op != "readlink" or "/class/" not in path:
            assert "..host5" not in path and "vport-5:0-00" not in path, (op, path)
    assert len(inv.warnings) == 3, lines(inv)
    check_all(inv)


# -- through the command line -----------------------------------------------------------------


def build_everything_hostile(t: Standard, tmp_path: Path) -> int:
    """Spoil the standard host in many ways at once, on disk (no injection), so that
    the command line meets them; return how many warnings the scan must give."""
    out = build_outside(tmp_path)
    replace_file(t.fc(t.hba) / "port_state", b"Wibbling\n")  # garbage
    replace_file(t.fc(t.hba) / "speed", "dir")  # a directory
    replace_file(t.fc(t.linkdown) / "port_type", "loop")  # a loop
    replace_file(t.fc(t.linkdown) / "symbolic_name", b"z" * (10 << 20))  # huge
    replace_file(t.vp(t.v0) / "vport_state", b"\xff\xfe\n")  # not UTF-8
    replace_file(t.sh(t.vhba8) / "unique_id", b"-7\n")  # negative
    replace_file(t.fc(t.vhba8) / "max_npiv_vports", b"")  # unread on a vHBA: no warning
    (t.fc(t.vhba7) / "port_id").unlink()
    (t.fc(t.vhba7) / "port_id").symlink_to(out / "sentinel")  # out of the root
    t.class_entry("scsi_host", "host9").symlink_to(out / "host9" / "scsi_host" / "host9")
    (t.sys / "devices" / "loop").symlink_to("loop")
    t.class_entry("scsi_host", "host10").symlink_to("../../devices/loop/host10/scsi_host/host10")
    n = 9
    locked = t.fc(t.vhba8) / "speed"
    locked.chmod(0)  # EACCES, unless we run with CAP_DAC_OVERRIDE (root reads any mode)
    if not os.access(locked, os.R_OK):
        n += 1
    return n


def test_command_line_on_an_everything_hostile_host(t: Standard, tmp_path: Path) -> None:
    expected = build_everything_hostile(t, tmp_path)
    api = scan(t.root)
    assert len(api.warnings) == expected, lines(api)
    check_all(api)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        done = subprocess.run([sys.executable, "-m", "nodedev_xml", "--root", str(t.root), *args],
                              capture_output=True, text=True, check=False, cwd=REPO)  # fmt: skip
        assert done.returncode == 0, done.stderr
        assert "Traceback" not in done.stderr + done.stdout
        warned = done.stderr.splitlines()
        assert warned == [f"nodedev-xml: warning: {w}" for w in lines(api)]
        assert SENTINEL not in done.stdout + done.stderr
        return done

    listed = ["computer", *api]  # plain list names the machine too, as virsh does
    assert run("list").stdout.split() == listed
    assert [d["name"] for d in json.loads(run("list", "--json").stdout)] == listed
    run("list", "--tree")
    for profile in ("enriched", "libvirt"):
        out = run("dumpxml", "--all", "--profile", profile).stdout
        docs = [d + "</device>\n" for d in out.split("</device>\n")[:-1]]
        assert len(docs) == len(api)
        for doc in docs:
            validate(doc, profile=profile)
    quiet = subprocess.run(
        [sys.executable, "-m", "nodedev_xml", "-q", "--root", str(t.root), "list"],
        capture_output=True, text=True, check=False, cwd=REPO,
    )  # fmt: skip
    assert quiet.returncode == 0 and quiet.stderr == ""


CLI_CASES: dict[str, Callable[[Standard, Path], None]] = {
    "garbage wwn": lambda t, _: replace_file(t.fc(t.hba) / "port_name", b"0xnothex\n"),
    "directory": lambda t, _: replace_file(t.fc(t.hba) / "speed", "dir"),
    "symlink loop": lambda t, _: replace_file(t.fc(t.hba) / "port_state", "loop"),
    "huge file": lambda t, _: replace_file(t.fc(t.hba) / "symbolic_name", b"q" * (10 << 20)),
    "non-UTF-8": lambda t, _: replace_file(t.vp(t.v1) / "node_name", b"0x\xff\n"),
    "outside the root": lambda t, p: t.class_entry("scsi_host", "host9").symlink_to(
        build_outside(p) / "host9" / "scsi_host" / "host9"
    ),
}


@pytest.mark.parametrize("case", sorted(CLI_CASES))
def test_command_line_case(
    t: Standard, tmp_path: Path, case: str, capsys: pytest.CaptureFixture[str]
) -> None:
    CLI_CASES[case](t, tmp_path)
    api = scan(t.root)
    assert len(api.warnings) == 1
    for args in (["list"], ["dumpxml", "--all"], ["dumpxml", "--all", "--profile", "libvirt"]):
        code = main(["--root", str(t.root), *args])
        out, err = capsys.readouterr()
        assert code == 0
        assert err == f"nodedev-xml: warning: {api.warnings[0]}\n"
        assert SENTINEL not in out
