"""A guest's vHBA pool migrated between two libvirt hosts (two test-driver files,
or a file and ``test:///default``), and what must fail in one line, leaving
nothing half-done on the destination and the source untouched.

The LUN check compares the disks behind both vHBAs in each host's sysfs: here
fake roots written for the two hosts (``--from-root``/``--to-root``), the
destination's vHBA given the WWNs its root holds.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import libvirt
import pytest
from libvirt_hosts import HBA, POOL_UUID, VHBA, Host, Pool, host_a, host_b

import nodedev_xml as nx
from nodedev_xml.cli.main import main
from nodedev_xml.connection.migrate import finish_migration, migrate_vhba_pool
from nodedev_xml.connection.session import open_connection
from nodedev_xml.errors import LibvirtConnectionError, MigrationError, PoolError
from nodedev_xml.testing import SysfsBuilder
from nodedev_xml.wwn import WWN

POOL = "guest1-npiv"
B_WWNN, B_WWPN = "5001a4a0000000e1", "5001a4a0000000e2"
NO_SOCKET = "qemu+unix:///system?socket=/nonexistent/libvirt-sock"


@pytest.fixture
def hosts(tmp_path: Path) -> Iterator[tuple[libvirt.virConnect, libvirt.virConnect]]:
    a = open_connection(host_a().write(tmp_path / "a.xml"))
    b = open_connection(host_b().write(tmp_path / "b.xml"))
    yield a, b
    a.close()
    b.close()


def _pools(conn: libvirt.virConnect) -> list[str]:
    return sorted(p.name() for p in conn.listAllStoragePools(0))


def _root(path: Path, vport: tuple[str, str], luns: tuple[int, ...]) -> str:
    """A host's sysfs: an HBA with the vport ``(wwnn, wwpn)``, behind it an array
    port with ``luns``."""
    b = SysfsBuilder(path, first_host=1)
    fn = b.add_pci_function("0000:05:00.0", vendor=0x10DF, device=0xF100, driver="lpfc")
    hba = b.add_fc_host(fn, "lpfc", node_name=0x20000000C9F00001, port_name=0x10000000C9F00001)
    v = b.add_vport(hba, node_name=int(vport[0], 16), port_name=int(vport[1], 16))
    assert v.host is not None
    rport = b.add_rport(
        v.host, node_name=0x2FF70002AC000001, port_name=0x20110002AC000001, port_id=0x010400
    )
    for lun in luns:
        b.add_lun(rport, lun, files={"wwid": f"naa.600a0b8000{lun:022x}\n"})
    return str(path)


def test_migrate_then_finish(hosts: tuple[libvirt.virConnect, libvirt.virConnect]) -> None:
    a, b = hosts
    steps: list[str] = []
    report = migrate_vhba_pool(POOL, source=a, destination=b, progress=steps.append)
    assert steps == [
        "read the source",
        "started on the destination",
        "defined on the destination",
        "the destination's vHBA is listed",
    ]
    assert (report.pool, report.uuid, report.already) == (POOL, POOL_UUID, False)
    assert report.source_vhba == "scsi_host12" and report.vhba == "scsi_host12"
    assert report.parent == "scsi_host3"  # B's first usable HBA
    assert {report.wwnn, report.wwpn}.isdisjoint(
        {WWN.parse("5001a4a000000011"), WWN.parse("5001a4a000000012")}
    )  # never A's
    assert report.guests == ("guest1",)
    assert report.next_step() == (
        f"virsh -c {report.source} migrate --live --persistent guest1 {report.destination}"
    )
    pool = b.storagePoolLookupByName(POOL)
    assert pool.UUIDString() == POOL_UUID and pool.isActive() and pool.isPersistent()
    assert "parent_wwnn='20000000c9b00003' parent_wwpn='10000000c9b00003'" in pool.XMLDesc(0)
    fc = nx.scan(conn=b)["scsi_host12"].scsi_host.fc_host  # type: ignore[union-attr]
    assert fc is not None and fc.wwpn == report.wwpn
    # Run again: B's pool is found, not made twice.
    again = migrate_vhba_pool(POOL, source=a, destination=b)
    assert again.already and (again.wwnn, again.wwpn) == (report.wwnn, report.wwpn)
    # --finish refuses while the guest runs on A; then tears A's pool down, once.
    with pytest.raises(MigrationError, match="guest1 still run"):
        finish_migration(POOL, source=a, destination=b)
    a.lookupByName("guest1").destroy()  # the guest moved
    done = finish_migration(POOL, source=a, destination=b)
    assert (done.vhba, done.already) == ("scsi_host12", False)
    assert POOL not in _pools(a) and "scsi_host12" not in nx.scan(conn=a)
    assert finish_migration(POOL, source=a, destination=b).already


def test_the_luns_are_compared(
    hosts: tuple[libvirt.virConnect, libvirt.virConnect], tmp_path: Path
) -> None:
    a, b = hosts
    ra = _root(tmp_path / "ra", ("5001a4a000000011", "5001a4a000000012"), (1, 2))
    rb = _root(tmp_path / "rb", (B_WWNN, B_WWPN), (1, 2))
    report = migrate_vhba_pool(
        POOL,
        source=a,
        destination=b,
        wwnn=WWN.parse(B_WWNN),
        wwpn=WWN.parse(B_WWPN),
        source_root=ra,
        destination_root=rb,
    )
    assert report.luns.verified is True
    assert report.luns.describe() == "LUNs verified: the same 2 LUN(s) by WWID"


def test_other_luns_undo_the_destination(
    hosts: tuple[libvirt.virConnect, libvirt.virConnect], tmp_path: Path
) -> None:
    a, b = hosts
    ra = _root(tmp_path / "ra", ("5001a4a000000011", "5001a4a000000012"), (1, 2))
    rb = _root(tmp_path / "rb", (B_WWNN, B_WWPN), (1,))
    with pytest.raises(MigrationError) as e:
        migrate_vhba_pool(
            POOL,
            source=a,
            destination=b,
            wwnn=WWN.parse(B_WWNN),
            wwpn=WWN.parse(B_WWPN),
            source_root=ra,
            destination_root=rb,
        )
    message = str(e.value)
    assert "comparing the LUNs: LUNs differ: 1 of the source's not on the destination" in message
    assert f"undone: stopped pool {POOL} (which deletes its vHBA), undefined pool {POOL}" in message
    assert message.endswith("untouched") and "\n" not in message
    assert _pools(b) == [] and "scsi_host12" not in nx.scan(conn=b)
    assert _pools(a) == [POOL] and a.storagePoolLookupByName(POOL).isActive()


def test_luns_on_a_remote_host_are_not_verified(
    hosts: tuple[libvirt.virConnect, libvirt.virConnect],
) -> None:
    from nodedev_xml.connection.luns import compare_luns

    check = compare_luns(("qemu+ssh://hv1/system", WWN(1), None), ("test:///x", WWN(2), "/"))
    assert check.verified is None
    assert check.describe() == (
        "LUNs not verified: nodedev-xml does not run on the host of "
        "qemu+ssh://hv1/system (give its sysfs root)"
    )


def test_a_dropped_connection_leaves_nothing_on_the_destination(tmp_path: Path) -> None:
    """B is test:///default, held open by a second connection that sees its state;
    the migration's own connection to B is closed right after the pool is defined
    there: the undo reopens B and removes the pool (and so its vHBA)."""
    a = open_connection(host_a().write(tmp_path / "a.xml"))
    witness = open_connection("test:///default")
    b = open_connection("test:///default")

    def drop(step: str) -> None:
        if step == "defined on the destination":
            b.close()

    with pytest.raises(MigrationError) as e:
        migrate_vhba_pool(POOL, source=a, destination=b, progress=drop)
    message = str(e.value)
    assert message.startswith("test:///default: making the pool there: (a closed connection): ")
    assert (
        f"on test:///default undone: stopped pool {POOL} (which deletes its vHBA), "
        f"undefined pool {POOL}" in message
    )
    assert POOL not in _pools(witness) and "scsi_host12" not in nx.scan(conn=witness)
    assert _pools(a) == [POOL]
    witness.close()
    a.close()


@pytest.mark.parametrize(
    "case, message",
    [
        ("missing pool", "no storage pool named 'guest9'"),
        ("not fc_host", "adapter type 'scsi_host': only an fc_host adapter"),
        ("dir pool", "pool type 'dir': only a type='scsi' pool"),
        ("no usable HBA", "no Online, vport-capable HBA with room for a vport"),
        ("name taken", "a pool named 'guest1-npiv' exists there with another UUID"),
    ],
)
def test_bad_migrations_are_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str, message: str
) -> None:
    pool = {"missing pool": "guest9", "not fc_host": "scsi1", "dir pool": "dir1"}.get(case, POOL)
    a_host = host_a()
    a_host.pools += [
        Pool(
            "scsi1", "c1b2a3d4-0000-4000-8000-000000000001", "", "", adapter="scsi_host"
        ),  # on scsi_host2
        Pool("dir1", "c1b2a3d4-0000-4000-8000-000000000002", "", "", kind="dir"),
    ]
    b_host = host_b()
    if case == "no usable HBA":
        b_host = Host(
            hbas=[HBA(3, "20000000c9b00003", "10000000c9b00003", vport_ops=False)],
            vhbas=[VHBA(11, 3, "5001a4a0000000b1", "5001a4a0000000b2")],
        )
    if case == "name taken":
        b_host.pools.append(
            Pool(
                POOL, "c1b2a3d4-0000-4000-8000-0000000000ff", "5001a4a0000000b1", "5001a4a0000000b2"
            )
        )
    a_uri, b_uri = a_host.write(tmp_path / "a.xml"), b_host.write(tmp_path / "b.xml")
    code = main(["vhba", "migrate", pool, "--from", a_uri, "--to", b_uri])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and message in err, err
    if case in ("no usable HBA", "name taken"):
        assert err.rstrip().endswith(f"on {b_uri} nothing was done there; {a_uri} untouched")


def test_unreachable_hosts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a_uri = host_a().write(tmp_path / "a.xml")
    for args in (("--from", NO_SOCKET, "--to", a_uri), ("--from", a_uri, "--to", NO_SOCKET)):
        code = main(["vhba", "migrate", POOL, *args])
        out, err = capsys.readouterr()
        assert (code, out) == (2, "")
        assert err == (
            f"nodedev-xml: error: cannot connect to {NO_SOCKET}: Failed to connect "
            "socket to '/nonexistent/libvirt-sock': No such file or directory\n"
        )
    with pytest.raises(LibvirtConnectionError):
        migrate_vhba_pool(POOL, source=a_uri, destination=NO_SOCKET)
    with pytest.raises(PoolError):
        migrate_vhba_pool("guest9", source=a_uri, destination=a_uri)


def test_one_command_prints_the_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The README's example, with fake roots for the LUN check."""
    a_uri = host_a().write(tmp_path / "a.xml")
    b_uri = host_b().write(tmp_path / "b.xml")
    ra = _root(tmp_path / "ra", ("5001a4a000000011", "5001a4a000000012"), (1, 2))
    rb = _root(tmp_path / "rb", (B_WWNN, B_WWPN), (1, 2))
    code = main(
        [
            "vhba",
            "migrate",
            POOL,
            "--from",
            a_uri,
            "--to",
            b_uri,
            "--wwnn",
            B_WWNN,
            "--wwpn",
            B_WWPN,
            "--from-root",
            ra,
            "--to-root",
            rb,
        ]
    )
    out, err = capsys.readouterr()
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        f"pool {POOL} ({POOL_UUID}) created on {b_uri}",
        f"source: {a_uri}: scsi_host12, wwpn 5001a4a000000012",
        f"destination: scsi_host12 on scsi_host3, wwnn {B_WWNN}, wwpn {B_WWPN}",
        "LUNs verified: the same 2 LUN(s) by WWID",
        "guests on the source using the pool: guest1",
        f"next: virsh -c {a_uri} migrate --live --persistent guest1 {b_uri}",
        f"then: nodedev-xml vhba migrate {POOL} --from {a_uri} --to {b_uri} --finish",
    ]
    code = main(["vhba", "migrate", POOL, "--from", a_uri, "--to", b_uri, "--finish"])
    out, err = capsys.readouterr()
    assert code == 2 and "does not hold" not in err and f"{b_uri}: no storage pool" in err


def test_an_interrupt_leaves_nothing_on_the_destination(
    hosts: tuple[libvirt.virConnect, libvirt.virConnect],
) -> None:
    a, b = hosts

    def interrupt(step: str) -> None:
        if step == "defined on the destination":
            raise KeyboardInterrupt

    with pytest.raises(
        MigrationError,
        match=r"making the pool there: interrupted; on .* undone: "
        r"stopped pool guest1-npiv \(which deletes its vHBA\), undefined pool",
    ):
        migrate_vhba_pool(POOL, source=a, destination=b, progress=interrupt)
    assert _pools(b) == [] and "scsi_host12" not in nx.scan(conn=b)
