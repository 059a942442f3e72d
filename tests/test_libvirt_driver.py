"""Our XML against libvirt's own parser and formatter, through libvirt's test driver.

No daemon is needed: ``test:///default`` is libvirt's built-in mock host, and
``test:///ABS/PATH/node.xml`` is a mock host whose ``<node>`` root holds the
``<device>`` elements we give it (libvirt's ``examples/xml/test/testnode.xml``
and ``testParseNodedevs`` in ``src/test/test_driver.c``: every ``/node/device``
is parsed with ``virNodeDeviceDefParseXML`` as an existing device and then
printed by ``virNodeDeviceDefFormat`` without any sysfs refresh).  So a device
that loads and prints back is one libvirt's parser accepted, and the printout
shows exactly what the parser kept.

Test-driver behaviour these tests rely on, found by running libvirt 9.0:

* ``nodeDeviceCreateXML`` resolves the parent from the document (name, then
  WWNN/WWPN, then fabric WWN, each among vport-capable devices) like the real
  node-device driver, but then mocks the vHBA by copying ``scsi_host11`` as
  ``scsi_host12`` with our WWNs: its printed ``<parent>``, ``<host>``,
  ``<unique_id>`` and ``<fabric_wwn>`` are scsi_host11's, whichever parent we
  asked for.  The handle it returns carries the ``<parent>`` text of our
  document (``virNodeDevice.parent()``) -- the one place the requested parent
  shows.
* It cannot generate WWNs: its connection type has no OUI in
  ``virRandomGenerateWWN``, so a create document without WWNs fails with
  ``no WWNN supplied for 'new device', and auto-generation failed`` -- after
  the parser accepted everything before the ``fc_host`` names.
* ``test:///default`` is one mock host per process: a vHBA left behind would
  leak into other tests, so each one is destroyed.
"""

from __future__ import annotations

import contextlib
import importlib.util
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXTURES, scenarios
from xmlcompare import canonical

import nodedev_xml as nx
from nodedev_xml import WWN, Device, from_xml, to_xml, vhba_create_xml
from nodedev_xml.model import FCHost, Mdev, ScsiHost, Storage, VportOps
from nodedev_xml.testing import Overrides, PCIFunctionSpec, SysfsBuilder
from nodedev_xml.xml.create import create_request_to_xml

libvirt: Any = pytest.importorskip(
    "libvirt", reason="the libvirt Python binding (pip libvirt-python) is not installed"
)

DEFAULT_URI = "test:///default"


@pytest.fixture(scope="module", autouse=True)
def _quiet_libvirt() -> Iterator[None]:
    """libvirt prints every error to stderr unless a handler takes it; the
    tests look at the raised libvirtError instead."""
    libvirt.registerErrorHandler(lambda _ctx, _err: None, None)
    yield
    libvirt.registerErrorHandler(None, None)


@pytest.fixture(scope="module")
def default_conn() -> Iterator[Any]:
    conn = libvirt.open(DEFAULT_URI)
    yield conn
    conn.close()


def _listed(conn: Any) -> dict[str, str]:
    """Every device of the connection: name -> libvirt's XML."""
    return {d.name(): d.XMLDesc(0) for d in conn.listAllDevices(0)}


def _vport_hosts(conn: Any) -> list[Device]:
    """The vport-capable FC hosts of the connection, found by listing them."""
    found = []
    for name, xml in sorted(_listed(conn).items()):
        dev = from_xml(xml, source=name)
        cap = dev.scsi_host
        if cap is not None and cap.fc_host is not None and cap.vport_ops is not None:
            found.append(dev)
    assert found, "test:///default lists no vport-capable fc_host"
    return found


def _vhbas(conn: Any) -> list[Device]:
    """FC hosts that are not vport-capable (libvirt's vHBAs) of the connection."""
    out = []
    for name, xml in sorted(_listed(conn).items()):
        dev = from_xml(xml, source=name)
        cap = dev.scsi_host
        if cap is not None and cap.fc_host is not None and cap.vport_ops is None:
            out.append(dev)
    return out


def _error_text(e: Any) -> str:
    return str(e.get_error_message())


# -- libvirt's known losses ---------------------------------------------------


def as_libvirt_reprints(dev: Device) -> Device:
    """``dev`` as libvirt prints it back after parsing its ``libvirt``-profile XML.

    Each loss here is libvirt's parser not reading an element, never a value
    libvirt reads differently from us.
    """
    caps = []
    for cap in dev.capabilities:
        if isinstance(cap, ScsiHost) and cap.vport_ops is not None:
            # virNodeDevCapSCSIHostParseXML only sets the vport_ops flag for
            # <capability type='vport_ops'>; it never reads <max_vports> or
            # <vports> (facts §3.3, §6.17).  A real host refills both from
            # sysfs on every dumpxml; the test driver skips that refresh, so
            # they print as 0.
            cap = replace(cap, vport_ops=VportOps(max_vports=0, vports=0))
        if isinstance(cap, Storage):
            # virNodeDevCapStorageParseXML reads no <logical_block_size> or
            # <num_blocks>: libvirt fills them from sysfs, not from a document.
            cap = replace(cap, logical_block_size=None, num_blocks=None)
            if cap.removable is not None:  # nor inside <capability type='removable'>
                cap = replace(cap, removable=replace(cap.removable, logical_block_size=None,
                                                     num_blocks=None))  # fmt: skip
        if isinstance(cap, Mdev):
            # virNodeDevCapMdevParseXML reads no <parent_addr>: libvirt takes it
            # from udev (the device above the mdev), not from a document.
            cap = replace(cap, parent_addr=None)
        caps.append(cap)
    # virNodeDeviceDefParseXML reads name, path, devnode, parent and the
    # capabilities, never <driver>: the node-device driver fills the driver in
    # from sysfs at runtime, so <driver><name>…</name></driver> is lost.
    return replace(dev, driver=None, capabilities=tuple(caps))


# -- a small sysfs tree -------------------------------------------------------


def _fc_caps(dev: Device) -> tuple[ScsiHost, FCHost]:
    cap = dev.scsi_host
    assert cap is not None and cap.host is not None and cap.fc_host is not None
    return cap, cap.fc_host


def _fabric_override(fc: FCHost, written: int | None) -> Overrides | None:
    """The ``fc_host`` override that turns the ``fabric_name`` the builder writes
    (``written``: a vHBA's is its parent's) into libvirt's fabric WWN, or removes it."""
    if fc.fabric_wwn is None:
        return {"fabric_name": None}
    return None if fc.fabric_wwn.value == written else {"fabric_name": fc.fabric_wwn.kernel}


def build_mirror_of(conn: Any, root: Path) -> Path:
    """A fake sysfs root holding the FC hosts ``conn`` lists, with the same
    numbers, unique ids, WWNs and parents: each physical HBA a qla2xxx port on
    a QLogic PCI function (the second one on an SR-IOV virtual function of the
    first), each vHBA under a ``vport-H:0-N`` of its parent HBA.  Taken from
    the listing, not hard-coded, so it follows whatever test:///default holds."""
    b = SysfsBuilder(root)
    bridge = b.add_bridge("0000:00:03.0", device=0x3C08)
    hbas = _vport_hosts(conn)
    vhbas = _vhbas(conn)

    def qle2562(address: str, **where: Any) -> PCIFunctionSpec:
        return b.add_pci_function(address, vendor=0x1077, device=0x2532, driver="qla2xxx", **where)

    pf = qle2562("0000:04:00.0", parent=bridge, sriov_totalvfs=8)
    for i, hba in enumerate(hbas):
        fn = pf if i == 0 else qle2562(f"0000:04:00.{i + 1}", physfn=pf)
        cap, fc = _fc_caps(hba)
        fabric = None if fc.fabric_wwn is None else fc.fabric_wwn.value
        port = b.add_fc_host(
            fn,
            "qla2xxx",
            node_name=fc.wwnn.value,
            port_name=fc.wwpn.value,
            fabric_name=fabric,
            host=cap.host,
            unique_id=cap.unique_id,
            fc_host=_fabric_override(fc, fabric),
        )
        for vhba in (v for v in vhbas if v.parent_name == hba.name):
            vcap, vfc = _fc_caps(vhba)
            b.add_vport(
                port,
                node_name=vfc.wwnn.value,
                port_name=vfc.wwpn.value,
                host=vcap.host,
                unique_id=vcap.unique_id,
                fc_host=_fabric_override(vfc, port.fabric_name),
            )
    b.write_pci_ids()
    return root


@pytest.fixture(scope="module")
def mirror_root(default_conn: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_mirror_of(default_conn, tmp_path_factory.mktemp("mirror"))


def _write_node_xml(path: Path, documents: list[str]) -> str:
    """A test-driver host file holding ``documents``; its URI."""
    path.write_text("<node>\n" + "".join(documents) + "</node>\n", encoding="utf-8")
    return "test://" + str(path.resolve())


@contextlib.contextmanager
def _test_host(uri: str) -> Iterator[Any]:
    conn = libvirt.open(uri)
    try:
        yield conn
    finally:
        conn.close()


# -- test:///default's devices through our parser -----------------------------


def test_default_devices_round_trip(default_conn: Any) -> None:
    listed = _listed(default_conn)
    assert any("fc_host" in from_xml(x).cap_names() for x in listed.values())
    for name, xml in listed.items():
        dev = from_xml(xml, source=f"{DEFAULT_URI} {name}")
        assert dev.name == name
        for profile in ("libvirt", "enriched"):
            assert canonical(to_xml(dev, profile)) == canonical(xml), (name, profile)


def _enrich_available() -> str | None:
    if importlib.util.find_spec("nodedev_xml.xml.enrich") is None:
        return "nodedev_xml.api.enrich is not implemented yet (no nodedev_xml/xml/enrich.py)"
    return None


def test_default_devices_enrich_from_a_matching_sysfs(default_conn: Any, mirror_root: Path) -> None:
    """Enriched with a sysfs that holds the same ports, libvirt's HBAs list
    their vHBAs and each vHBA names its HBA."""
    reason = _enrich_available()
    if reason:
        pytest.skip(reason)
    for name, xml in _listed(default_conn).items():
        enriched = nx.enrich(xml, root=str(mirror_root))
        dev = from_xml(enriched, source=name)
        cap = dev.scsi_host
        if cap is None or cap.fc_host is None:
            assert canonical(enriched) == canonical(xml), name
        elif cap.vport_ops is not None:
            assert cap.vports is not None, name
            listed = {v.name for v in cap.vports.vports}
            assert listed == {v.name for v in _vhbas(default_conn) if v.parent_name == name}
        else:
            assert cap.phys_hba is not None and cap.phys_hba.name == dev.parent_name, name


def test_default_devices_enrichment_is_valid(default_conn: Any, mirror_root: Path) -> None:
    reason = _enrich_available()
    if reason is None and importlib.util.find_spec("nodedev_xml.validation") is None:
        reason = "nodedev_xml.validation is not implemented yet (no nodedev_xml/validate.py)"
    if reason:
        pytest.skip(reason)
    for xml in _listed(default_conn).values():
        nx.validate(nx.enrich(xml, root=str(mirror_root)), profile="enriched")


# -- our libvirt profile through libvirt's parser ------------------------------

_SCENARIOS = scenarios() if FIXTURES.is_dir() else []
_ROOTS = [pytest.param(s, id=s) for s in _SCENARIOS] or [
    pytest.param(
        None,
        id="no-fixtures",
        marks=pytest.mark.skip(reason="fixtures/sysfs/ holds no scenario yet (being generated)"),
    )
]


def _assert_libvirt_reprints(inventory: nx.Inventory, tmp_path: Path) -> None:
    # libvirt 9.0's parser has no case for its own scsi_generic capability
    # ("unknown capability type '11'"): those documents are libvirtd's (the oracle).
    ours = {name: to_xml(dev, "libvirt") for name, dev in inventory.items()
            if "scsi_generic" not in dev.cap_names()}  # fmt: skip
    assert ours, f"{inventory.root}: the scan found no device"
    uri = _write_node_xml(tmp_path / "node.xml", list(ours.values()))
    try:
        conn = libvirt.open(uri)
    except libvirt.libvirtError as e:
        pytest.fail(f"libvirt rejected our libvirt profile of {inventory.root}: {_error_text(e)}")
    try:
        printed = _listed(conn)
    finally:
        conn.close()
    assert set(printed) == set(ours)
    for name, dev in inventory.items():
        if name not in ours:
            continue
        expected = to_xml(as_libvirt_reprints(dev), "libvirt")
        assert canonical(printed[name]) == canonical(expected), name
        # what libvirt prints is again something we read, and print the same
        assert canonical(to_xml(from_xml(printed[name]), "libvirt")) == canonical(printed[name])


@pytest.mark.parametrize("scenario", _ROOTS)
def test_fixture_devices_load_into_libvirt(scenario: str, tmp_path: Path) -> None:
    _assert_libvirt_reprints(nx.scan(str(FIXTURES / scenario)), tmp_path)


def test_mirror_devices_load_into_libvirt(mirror_root: Path, tmp_path: Path) -> None:
    """The same on the small tree built here: PCI functions with a driver, an
    SR-IOV PF and VF, two vport-capable HBAs and a vHBA."""
    inventory = nx.scan(str(mirror_root))
    assert not inventory.warnings, inventory.warnings
    kinds = {c for d in inventory.values() for c in d.cap_names()}
    assert {"pci", "scsi_host", "fc_host", "vports"} <= kinds
    _assert_libvirt_reprints(inventory, tmp_path)


# -- enriched is never for libvirt -------------------------------------------


@pytest.mark.parametrize("extra_cap", ["vports", "phys_hba"])
def test_libvirt_rejects_enriched_capabilities(
    extra_cap: str, mirror_root: Path, tmp_path: Path
) -> None:
    inventory = nx.scan(str(mirror_root))
    dev = next(d for d in inventory.values() if f'type="{extra_cap}"' in to_xml(d, "enriched"))
    enriched = to_xml(dev, "enriched")
    uri = _write_node_xml(tmp_path / "enriched.xml", [enriched])
    with pytest.raises(libvirt.libvirtError) as err:
        libvirt.open(uri)
    assert f"unknown SCSI host capability type '{extra_cap}'" in _error_text(err.value)

    # the same document after the libvirt profile loads, and prints back
    stripped = to_xml(from_xml(enriched), "libvirt")
    assert f'type="{extra_cap}"' not in stripped
    uri = _write_node_xml(tmp_path / "libvirt.xml", [stripped])
    with _test_host(uri) as conn:
        printed = _listed(conn)
    assert canonical(printed[dev.name]) == canonical(to_xml(as_libvirt_reprints(dev), "libvirt"))


# -- vHBA create documents through nodeDeviceCreateXML ---------------------------

_OWN = iter(range(1, 1 << 20))


def _new_wwns() -> tuple[WWN, WWN]:
    """A fresh NAA-5 pair with libvirt's QEMU OUI 001a4a, for one vHBA."""
    n = next(_OWN)
    base = (0x5 << 60) | (0x001A4A << 36) | (n << 1)
    return WWN(base), WWN(base | 1)


@contextlib.contextmanager
def _created(conn: Any, xml: str) -> Iterator[Any]:
    dev = conn.nodeDeviceCreateXML(xml, 0)
    name = dev.name()
    try:
        yield dev
    finally:
        dev.destroy()
        assert name not in _listed(conn), f"{name} survived destroy()"


def _by_name(hba: Device) -> dict[str, Any]:
    return {"parent": hba.name}


def _by_wwns(hba: Device) -> dict[str, Any]:
    cap = hba.scsi_host
    assert cap is not None and cap.fc_host is not None
    # any spelling WWN.parse reads: the kernel's and the switches'
    return {"parent_wwnn": cap.fc_host.wwnn.kernel, "parent_wwpn": cap.fc_host.wwpn.colon}


def _by_fabric(hba: Device) -> dict[str, Any]:
    cap = hba.scsi_host
    assert cap is not None and cap.fc_host is not None and cap.fc_host.fabric_wwn is not None
    return {"parent_fabric_wwn": "0x" + str(cap.fc_host.fabric_wwn).upper()}


PARENT_WAYS: dict[str, Callable[[Device], dict[str, Any]]] = {
    "name": _by_name,
    "wwnn-wwpn": _by_wwns,
    "fabric-wwn": _by_fabric,
}


@pytest.mark.parametrize("way", list(PARENT_WAYS))
def test_vhba_create_xml_is_accepted(default_conn: Any, way: str) -> None:
    hbas = _vport_hosts(default_conn)
    before = set(_listed(default_conn))
    for hba in hbas:
        wwnn, wwpn = _new_wwns()
        xml = vhba_create_xml(**PARENT_WAYS[way](hba), wwnn=wwnn, wwpn=str(wwpn))
        assert canonical(create_request_to_xml(from_xml(xml, kind="create"))) == canonical(xml)
        with _created(default_conn, xml) as dev:
            assert dev.name() not in before
            made = from_xml(dev.XMLDesc(0), source=dev.name())
            cap = made.scsi_host
            assert cap is not None and cap.fc_host is not None
            assert (cap.fc_host.wwnn, cap.fc_host.wwpn) == (wwnn, wwpn)
            if way == "name":
                # the test driver hands back our document's <parent> on the new handle
                assert dev.parent() == hba.name
            else:
                # The mock vHBA always prints scsi_host11's parent (module doc),
                # so the parent we asked for cannot show here; that libvirt
                # really looked it up is test_vhba_create_parent_lookup below.
                assert made.parent_name in {h.name for h in hbas}
    assert set(_listed(default_conn)) == before


def test_vhba_create_parent_lookup(default_conn: Any) -> None:
    """libvirt resolves the parent of our documents, and refuses a wrong one."""
    hba = _vport_hosts(default_conn)[0]
    cap = hba.scsi_host
    assert cap is not None and cap.fc_host is not None and cap.fc_host.fabric_wwn is not None
    wwnn, wwpn = _new_wwns()
    other = WWN(cap.fc_host.wwnn.value ^ 0xF)
    wrong = [
        vhba_create_xml(parent_wwnn=other, parent_wwpn=cap.fc_host.wwpn, wwnn=wwnn, wwpn=wwpn),
        vhba_create_xml(
            parent_fabric_wwn=WWN(cap.fc_host.fabric_wwn.value ^ 0xF), wwnn=wwnn, wwpn=wwpn
        ),
        vhba_create_xml(parent="scsi_host99999", wwnn=wwnn, wwpn=wwpn),
    ]
    hbas = _vport_hosts(default_conn)
    if len(hbas) > 1:
        # one HBA's WWNN with another's WWPN: the pair must name one HBA
        caps = [h.scsi_host for h in hbas[:2]]
        assert all(c is not None and c.fc_host is not None for c in caps)
        a, b = (c.fc_host for c in caps if c is not None and c.fc_host is not None)
        wrong.append(vhba_create_xml(parent_wwnn=a.wwnn, parent_wwpn=b.wwpn, wwnn=wwnn, wwpn=wwpn))
    for xml in wrong:
        with pytest.raises(libvirt.libvirtError) as err:
            default_conn.nodeDeviceCreateXML(xml, 0)
        assert "Could not find parent device" in _error_text(err.value), xml
    # a vHBA is no parent: libvirt wants vport_ops on it
    for vhba in _vhbas(default_conn):
        with pytest.raises(libvirt.libvirtError) as err:
            default_conn.nodeDeviceCreateXML(
                vhba_create_xml(parent=vhba.name, wwnn=wwnn, wwpn=wwpn), 0
            )
        assert "not capable of vport operations" in _error_text(err.value)


@pytest.mark.parametrize("way", list(PARENT_WAYS))
def test_vhba_create_xml_without_wwns(default_conn: Any, way: str) -> None:
    """Without WWNs libvirt generates them from the hypervisor's OUI; the test
    driver has none, so its parser stops exactly there (module doc) -- after
    reading <parent> and both capabilities, which it accepted."""
    before = set(_listed(default_conn))
    for hba in _vport_hosts(default_conn):
        xml = vhba_create_xml(**PARENT_WAYS[way](hba))
        assert "<wwnn>" not in xml and "<wwpn>" not in xml
        with pytest.raises(libvirt.libvirtError) as err:
            default_conn.nodeDeviceCreateXML(xml, 0)
        assert err.value.get_error_code() == libvirt.VIR_ERR_INTERNAL_ERROR
        assert "auto-generation failed" in _error_text(err.value)
    assert set(_listed(default_conn)) == before


def test_vhba_create_xml_without_parent_is_accepted(default_conn: Any) -> None:
    """No parent at all: libvirt picks a vport-capable host itself."""
    wwnn, wwpn = _new_wwns()
    with _created(default_conn, vhba_create_xml(wwnn=wwnn, wwpn=wwpn)) as dev:
        cap = from_xml(dev.XMLDesc(0)).scsi_host
        assert cap is not None and cap.fc_host is not None
        assert (cap.fc_host.wwnn, cap.fc_host.wwpn) == (wwnn, wwpn)


def test_libvirt_rejects_half_a_parent_pair_as_we_do(default_conn: Any) -> None:
    """libvirt refuses <parent wwnn=…> without wwpn; vhba_create_xml refuses to write it."""
    hba = _vport_hosts(default_conn)[0]
    cap = hba.scsi_host
    assert cap is not None and cap.fc_host is not None
    with pytest.raises(ValueError, match="parent_wwnn given without parent_wwpn"):
        vhba_create_xml(parent_wwnn=cap.fc_host.wwnn)
    wwnn, wwpn = _new_wwns()
    half = vhba_create_xml(parent=hba.name, wwnn=wwnn, wwpn=wwpn).replace(
        f"<parent>{hba.name}</parent>", f"<parent wwnn='{cap.fc_host.wwnn}'/>"
    )
    with pytest.raises(libvirt.libvirtError) as err:
        default_conn.nodeDeviceCreateXML(half, 0)
    assert "the wwpn must also be provided" in _error_text(err.value)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"parent_wwpn": "2100001b32a9da4e"}, "parent_wwpn given without parent_wwnn"),
        ({"wwnn": "5001a4a000000001"}, "wwnn given without wwpn"),
        ({"parent": "scsi_host1", "parent_fabric_wwn": "1"}, "the parent is given 2 ways"),
        ({"parent": "  "}, "empty name"),
        ({"wwnn": "0x5001a4a00000000g", "wwpn": "1"}, "wwnn needs up to 16 hex digits"),
    ],
)
def test_vhba_create_xml_refuses(kwargs: dict[str, str], message: str) -> None:
    """What libvirt would refuse, or silently resolve by priority, is refused here first."""
    with pytest.raises(ValueError, match=message):
        vhba_create_xml(**kwargs)
