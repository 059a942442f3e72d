"""A libvirt connection as a source, against libvirt's test driver.

``test:///default`` is one mock host per process (its state lives while a
connection to it is open); ``test:///ABS/PATH.xml`` a fresh host per open
(:mod:`libvirt_hosts`).  What the test driver cannot show: it never reads the
vport counters from its configuration (always 0 of 0, so the room rule is left to
libvirt there), every vHBA it creates is a clone of ``scsi_host11`` named
``scsi_host12`` with ``scsi_host11``'s parent, a defined pool's start makes no
vHBA (only ``storagePoolCreateXML`` does), and stopping an fc_host pool fails
when no ``scsi_host12`` exists (the pool is stopped all the same).
"""

from __future__ import annotations

import contextlib
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import libvirt
import pytest
from conftest import REPO
from libvirt_hosts import HBA, VHBA, Host, host_a

import nodedev_xml as nx
from nodedev_xml.cli.main import main
from nodedev_xml.connection import pools, vhbas
from nodedev_xml.connection.fields import SOURCE_TABLE, SYSFS_ONLY
from nodedev_xml.connection.inventory import inventory_of
from nodedev_xml.connection.session import is_local, open_connection
from nodedev_xml.errors import LibvirtConnectionError, PoolError, Refusal, VHBAError
from nodedev_xml.events import watch
from nodedev_xml.model import CreateRequest, Parent
from nodedev_xml.model.definition import DefinitionDraft
from nodedev_xml.wwn import WWN

DEFAULT = "test:///default"
NO_SOCKET = "qemu+unix:///system?socket=/nonexistent/libvirt-sock"


@pytest.fixture
def conn() -> Iterator[libvirt.virConnect]:
    c = open_connection(DEFAULT)
    yield c
    for name in ("scsi_host12",):
        with contextlib.suppress(libvirt.libvirtError):
            c.nodeDeviceLookupByName(name).destroy()
    for pool in c.listAllStoragePools(0):
        if pool.name() != "default-pool":
            if pool.isActive():
                with contextlib.suppress(libvirt.libvirtError):
                    pool.destroy()
            if pool.isPersistent():
                pool.undefine()
    c.close()


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


# -- reading -----------------------------------------------------------------


def test_scan_a_connection(conn: libvirt.virConnect) -> None:
    """The default host's HBAs and vHBA, linked: vports on scsi_host1, phys_hba on
    scsi_host11; no computer (the scan holds devices, not the machine)."""
    inv = nx.scan(connect=DEFAULT)
    assert list(inv) == ["scsi_host1", "scsi_host2", "scsi_host11"]
    assert inv.root == DEFAULT
    hba = inv["scsi_host1"].scsi_host
    assert hba is not None and hba.vports is not None
    assert [(v.name, str(v.wwpn)) for v in hba.vports.vports] == [
        ("scsi_host11", "1000000034563456")
    ]
    vhba = inv["scsi_host11"].scsi_host
    assert vhba is not None and vhba.phys_hba is not None
    assert (vhba.phys_hba.name, str(vhba.phys_hba.wwpn)) == ("scsi_host1", "1000000012341234")
    assert list(nx.scan(conn=conn)) == list(inv)


def test_enrich_connection(conn: libvirt.virConnect) -> None:
    docs = nx.enrich_connection(conn)
    assert sorted(docs) == ["scsi_host1", "scsi_host11", "scsi_host2"]
    assert '<capability type="vports"' in docs["scsi_host1"]
    assert "phys_hba" in docs["scsi_host11"]
    for text in docs.values():
        nx.validate(text, "enriched")
    plain = nx.enrich_connection(conn, "libvirt")
    assert 'vports"' not in plain["scsi_host1"] and "vport_ops" in plain["scsi_host1"]


def test_scan_takes_one_source() -> None:
    with pytest.raises(ValueError, match="no root, backend or fs"):
        nx.scan("/", connect=DEFAULT)
    with pytest.raises(ValueError, match="one of them"):
        nx.scan(connect=DEFAULT, conn=object())


def test_libvirt_quirks_are_mended() -> None:
    """Short WWNs padded, a fabric of 0 dropped, a LUN number libvirt printed negative
    read as the number it is; a device below one not modelled hangs from the nearest
    modelled ancestor; a document that cannot be read is a warning."""
    docs = {
        "net_eth0": "<device><name>net_eth0</name><parent>pci_0000_05_00_0</parent>"
        "<capability type='net'><interface>eth0</interface></capability></device>",
        "pci_0000_05_00_0": "<device><name>pci_0000_05_00_0</name><parent>computer</parent>"
        "<capability type='pci'><domain>0</domain><bus>5</bus><slot>0</slot>"
        "<function>0</function><product id='0x1'/><vendor id='0x2'/></capability></device>",
        "scsi_host5": "<device><name>scsi_host5</name><parent>net_eth0</parent>"
        "<capability type='scsi_host'><host>5</host><capability type='fc_host'>"
        "<wwnn>2000001b32</wwnn><wwpn>2100001B32</wwpn><fabric_wwn>0</fabric_wwn>"
        "</capability></capability></device>",
        "scsi_5_0_0_x": "<device><name>scsi_5_0_0_x</name><parent>scsi_host5</parent>"
        "<capability type='scsi'><host>5</host><bus>0</bus><target>0</target>"
        "<lun>-2147483648</lun></capability></device>",
        "broken": "<device><name>broken</name>",
    }
    inv = inventory_of(docs, source="test")
    assert list(inv) == ["pci_0000_05_00_0", "scsi_host5", "scsi_5_0_0_x"]
    fc = inv["scsi_host5"].scsi_host.fc_host  # type: ignore[union-attr]
    assert fc is not None and (str(fc.wwnn), str(fc.wwpn), fc.fabric_wwn) == (
        "0000002000001b32",
        "0000002100001b32",
        None,
    )
    assert inv["scsi_host5"].parent_name == "pci_0000_05_00_0"
    assert inv["scsi_5_0_0_x"].scsi.lun == 2**31  # type: ignore[union-attr]
    assert [w.device for w in inv.warnings] == ["broken"]


def test_fields_table_names_what_libvirt_lacks() -> None:
    """The README's table comes from one home, and says 'no' for each sysfs-only group."""
    nos = [row[0] for row in SOURCE_TABLE if row[2] == "no"]
    assert any("port_state" in r for r in nos) and any("adapter" in r for r in nos)
    assert set(SYSFS_ONLY) == {"fc_host", "scsi_host", "vports", "scsi"}
    readme = (REPO / "README.md").read_text()
    for field, sysfs, through in SOURCE_TABLE:
        assert f"| {field} | {sysfs} | {through} |" in readme, field


def test_cli_reads_a_connection(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "--connect", DEFAULT, "list")
    assert (code, out, err) == (0, "computer\nscsi_host1\nscsi_host11\nscsi_host2\n", "")
    code, out, _ = run(capsys, "--connect", DEFAULT, "list", "--cap", "vports")
    assert out == "scsi_host1\nscsi_host2\n"
    code, out, _ = run(capsys, "--connect", DEFAULT, "dumpxml", "scsi_host11")
    assert code == 0 and '<hba name="scsi_host1"' in out
    code, out, _ = run(capsys, "--connect", DEFAULT, "dumpxml", "computer")
    assert code == 0 and "<vendor>Libvirt</vendor>" in out
    code, out, err = run(capsys, "--connect", DEFAULT, "dumpxml", "scsi_host9")
    assert code == 1 and err == "nodedev-xml: error: no node device named 'scsi_host9'\n"


@pytest.mark.parametrize(
    "args, message",
    [
        (
            ("--connect", NO_SOCKET, "list"),
            f"cannot connect to {NO_SOCKET}: Failed to connect "
            "socket to '/nonexistent/libvirt-sock': No such file or directory",
        ),
        (("--connect", "", "list"), "the libvirt URI is empty"),
        (("--connect", DEFAULT, "validate", "x.xml"), "validate does not take --connect"),
        (("--connect", DEFAULT, "--root", "/", "list"), "not with --root or --backend"),
        (("--connect", DEFAULT, "vhba", "start", "--autostart"), "libvirt starts autostart"),
        (
            ("--connect", DEFAULT, "vhba", "migrate-pool", "p.xml", "--parent", "x"),
            "vhba migrate-pool does not take --connect",
        ),
    ],
)
def test_bad_connections_are_one_line(
    capsys: pytest.CaptureFixture[str], args: tuple[str, ...], message: str
) -> None:
    code, out, err = run(capsys, *args)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and message in err, err


def test_without_libvirt_python_connect_is_one_line(tmp_path: Path) -> None:
    """libvirt-python made unimportable (as on a machine without the extra)."""
    script = (
        "import sys; sys.modules['libvirt'] = None\n"
        "from nodedev_xml.cli.main import main\n"
        f"sys.exit(main(['--connect', '{DEFAULT}', 'list']))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False
    )
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr == (
        "nodedev-xml: error: libvirt-python is not installed: pip install "
        "'nodedev-xml[libvirt]' (Debian: apt-get install python3-libvirt)\n"
    )
    # and nothing else needs it
    script = (
        "import sys; sys.modules['libvirt'] = None\n"
        "from nodedev_xml.cli.main import main\n"
        f"sys.exit(main(['--root', '{REPO}/fixtures/sysfs/lpfc', 'list']))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0 and "scsi_host8" in done.stdout


def test_is_local() -> None:
    assert is_local("qemu:///system") and is_local(DEFAULT) and is_local(NO_SOCKET)
    assert is_local("qemu+ssh://localhost/system")
    assert not is_local("qemu+ssh://hv2.example.com/system")


# -- vHBAs -------------------------------------------------------------------


def test_create_and_delete_through_libvirt(conn: libvirt.virConnect) -> None:
    made = vhbas.create_vhba(conn, CreateRequest(Parent(name="scsi_host2")), timeout=5)
    assert made.name == "scsi_host12" and made.parent == "scsi_host2"
    inv = nx.scan(conn=conn)
    fc = inv["scsi_host12"].scsi_host.fc_host  # type: ignore[union-attr]
    assert fc is not None and (fc.wwnn, fc.wwpn) == (made.wwnn, made.wwpn)
    assert made.wwnn.value >> 60 == 5  # generated: NAA 5
    assert vhbas.delete_vhba(conn, wwpn=made.wwpn) == "scsi_host12"
    assert "scsi_host12" not in nx.scan(conn=conn)


def test_create_checks_before_calling(conn: libvirt.virConnect) -> None:
    with pytest.raises(VHBAError, match="scsi_host11 cannot take a new vHBA: not vport-capable"):
        vhbas.create_vhba(conn, CreateRequest(Parent(name="scsi_host11")))
    taken = CreateRequest(
        Parent(name="scsi_host1"), WWN.parse("2000000034563456"), WWN.parse("5001a4a000000001")
    )
    with pytest.raises(
        VHBAError,
        match="WWNN 2000000034563456 is already in use on "
        "test:///default: it is the WWNN of a vport of scsi_host1",
    ) as e:
        vhbas.create_vhba(conn, taken)
    assert e.value.reason == Refusal.WWN_IN_USE
    with pytest.raises(VHBAError, match="no parent device named 'scsi_host7'"):
        vhbas.create_vhba(conn, CreateRequest(Parent(name="scsi_host7")))
    with pytest.raises(VHBAError, match="scsi_host1 is not a vHBA") as e:
        vhbas.delete_vhba(conn, "scsi_host1")
    assert e.value.reason == Refusal.NOT_A_VHBA
    assert "scsi_host12" not in nx.scan(conn=conn)


def test_parent_rules_on_a_real_driver_keep_the_counters(tmp_path: Path) -> None:
    """Off the test driver, a full HBA is refused (vport_ops from libvirt's document)."""
    from nodedev_xml.connection.inventory import inventory_of as of
    from nodedev_xml.vhba import find_parent
    from nodedev_xml.vhba.parent import PORT_STATE

    doc = (
        "<device><name>scsi_host3</name><parent>computer</parent><capability type='scsi_host'>"
        "<host>3</host><capability type='fc_host'><wwnn>20000000c9000001</wwnn>"
        "<wwpn>10000000c9000001</wwpn><fabric_wwn>2000000043214321</fabric_wwn></capability>"
        "<capability type='vport_ops'><max_vports>2</max_vports><vports>2</vports>"
        "</capability></capability></device>"
    )
    inv = of({"scsi_host3": doc}, source="x")
    with pytest.raises(VHBAError, match=r"full \(2 of 2 vports in use\)"):
        find_parent(inv, None, unknown={PORT_STATE})


def test_cli_create_through_a_host_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    uri = host_a().write(tmp_path / "a.xml")
    code, out, err = run(
        capsys,
        "--connect",
        uri,
        "vhba",
        "create",
        "--parent",
        "scsi_host2",
        "--wwnn",
        "5001a4a0000000c1",
        "--wwpn",
        "5001a4a0000000c2",
        "--xml",
    )
    assert code == 0 and err == ""
    assert out.startswith("scsi_host12\n<device>") and "<wwpn>5001a4a0000000c2</wwpn>" in out
    code, _, err = run(capsys, "--connect", uri, "vhba", "delete", "scsi_host9")
    assert code == 1 and err == f"nodedev-xml: error: {uri}: no vHBA named 'scsi_host9'\n"


# -- pools -------------------------------------------------------------------


def test_pool_lifecycle(conn: libvirt.virConnect) -> None:
    draft = DefinitionDraft("vp1", Parent(name="scsi_host1"), autostart=True)
    state = pools.define_pool(conn, draft)
    assert (state.name, state.active, state.persistent, state.autostart) == (
        "vp1",
        False,
        True,
        True,
    )
    assert state.parent == Parent(name="scsi_host1")
    assert state.wwnn.value >> 60 == 5
    with pytest.raises(PoolError, match="a storage pool named 'vp1' exists already"):
        pools.define_pool(conn, draft)
    started = pools.start_pool(conn, "vp1", timeout=0.2)
    assert started.active and started.device is None  # the test driver makes no vHBA here
    assert [p.name for p in pools.vhba_pools(conn)] == ["vp1"]
    assert not pools.autostart_pool(conn, "vp1", False).autostart
    with pytest.raises(
        LibvirtConnectionError, match="no node device with matching name 'scsi_host12'"
    ):
        pools.stop_pool(conn, "vp1")  # the test driver's quirk; the pool stops all the same
    assert not conn.storagePoolLookupByName("vp1").isActive()
    pools.undefine_pool(conn, "vp1")
    assert pools.vhba_pools(conn) == []


def test_pool_names_collide_with_devices(conn: libvirt.virConnect) -> None:
    draft = DefinitionDraft(
        "vp2", None, WWN.parse("2000000034563456"), WWN.parse("5001a4a0000000f2")
    )
    with pytest.raises(VHBAError, match="it is the WWNN of a vport of scsi_host1"):
        pools.define_pool(conn, draft)


def test_pool_commands_refuse_other_pools(conn: libvirt.virConnect) -> None:
    with pytest.raises(PoolError, match="pool type 'dir': only a type='scsi' pool"):
        pools.start_pool(conn, "default-pool")
    with pytest.raises(PoolError, match="test:///default: no storage pool named 'nope'"):
        pools.stop_pool(conn, "nope")


def test_cli_pools_through_a_host_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    uri = host_a().write(tmp_path / "a.xml")
    code, out, _ = run(capsys, "--connect", uri, "vhba", "list-defined")
    assert code == 0
    assert out.splitlines() == [
        "NAME         AUTOSTART  STATE                   PARENT      WWNN              WWPN",
        "guest1-npiv  no         running as scsi_host12  scsi_host1  5001a4a000000011  "
        "5001a4a000000012",
    ]
    definition = tmp_path / "d.xml"
    definition.write_text(
        "<vhba name='vp3'><parent wwnn='20000000c9a00002' wwpn='10000000c9a00002'/></vhba>"
    )
    code, out, err = run(capsys, "--connect", uri, "vhba", "define", str(definition))
    assert code == 0 and err == ""
    assert out.startswith(f"vHBA pool vp3 defined on {uri}: wwnn 5001a4a")
    code, out, _ = run(capsys, "--connect", uri, "vhba", "start", "guest1-npiv")
    assert (code, out) == (0, "guest1-npiv started: scsi_host12\n")
    code, out, _ = run(capsys, "--connect", uri, "vhba", "stop", "guest1-npiv")
    assert (code, out) == (0, "guest1-npiv stopped: scsi_host12 deleted\n")
    code, out, _ = run(capsys, "--connect", uri, "vhba", "autostart", "guest1-npiv")
    assert out == "guest1-npiv will be started with libvirt\n"
    code, out, err = run(capsys, "--connect", uri, "vhba", "undefine", "nope")
    assert code == 2 and err == f"nodedev-xml: error: {uri}: no storage pool named 'nope'\n"


# -- watch -------------------------------------------------------------------


def test_watch_hears_libvirts_events(conn: libvirt.virConnect) -> None:
    """A vHBA made on another connection to the same host: its CREATED event brings
    one scan, which reports it and its HBA's new vport; its DELETED event, the reverse."""
    events = watch(connect=DEFAULT)
    made = vhbas.create_vhba(conn, CreateRequest(Parent(name="scsi_host1")), timeout=5)
    seen = [str(next(events)), str(next(events))]
    assert seen == ["changed scsi_host1: vports +scsi_host12", "added scsi_host12"]
    vhbas.delete_vhba(conn, made.name)
    seen = [str(next(events)), str(next(events))]
    assert seen == ["changed scsi_host1: vports -scsi_host12", "removed scsi_host12"]
    events.close()


def test_watch_of_an_unreachable_uri(capsys: pytest.CaptureFixture[str]) -> None:
    before = signal.getsignal(signal.SIGTERM)
    try:
        code, _, err = run(capsys, "--connect", NO_SOCKET, "watch")
    finally:
        signal.signal(signal.SIGTERM, before)  # the command's handler, not the test run's
    assert code == 2 and err.startswith(f"nodedev-xml: error: cannot connect to {NO_SOCKET}")


def test_no_usable_parent_on_a_host(tmp_path: Path) -> None:
    host = Host(
        hbas=[
            HBA(1, "20000000c9c00001", "10000000c9c00001", vport_ops=False),
            HBA(2, "20000000c9c00002", "10000000c9c00002", fabric=None),
        ],
        vhbas=[VHBA(11, 1, "5001a4a0000000d1", "5001a4a0000000d2")],
    )
    c = open_connection(host.write(tmp_path / "h.xml"))
    with pytest.raises(
        VHBAError,
        match="no Online, vport-capable HBA with room for a vport "
        r"\(scsi_host1: not vport-capable \(no vport_create\); scsi_host2: not "
        r"logged in to a fabric\)",
    ):
        vhbas.create_vhba(c, None)
    c.close()


def test_enrich_from_a_connection(
    conn: libvirt.virConnect, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``enrich --connect``: libvirt's own documents refreshed from the connection's
    devices; one of a device the host does not have is said so, naming the URI."""
    plain = tmp_path / "plain.xml"
    mine = conn.nodeDeviceLookupByName("scsi_host1").XMLDesc(0)
    other = mine.replace("scsi_host1", "scsi_host7").replace("12341234", "77777777")
    plain.write_text(mine + other)
    code, out, err = run(capsys, "--connect", DEFAULT, "enrich", str(plain))
    assert code == 0
    assert out.count('<capability type="vports"') == 1 and 'name="scsi_host11"' in out
    assert "no " in err and f"under {DEFAULT}; nothing added" in err
