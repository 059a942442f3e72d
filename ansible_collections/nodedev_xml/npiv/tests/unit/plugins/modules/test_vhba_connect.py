# Copyright: nodedev-xml contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The vhba module through a libvirt connection (connect), against libvirt's test driver:
the definition is a vHBA storage pool.  test:///default keeps its state only while a
connection is open, so the tasks here share one (a playbook's tasks each open their
own); what the test driver cannot show is in the repository's tests/test_libvirt_connection.py."""

from __future__ import annotations

import contextlib
from types import SimpleNamespace

import pytest

from ansible_collections.nodedev_xml.npiv.plugins.module_utils.nodedev import (
    LibraryError,
    LibvirtHost,
)
from ansible_collections.nodedev_xml.npiv.plugins.modules import vhba

libvirt = pytest.importorskip("libvirt")

#: test:///default's first HBA (scsi_host1) and its fabric.
HBA_WWNN, HBA_WWPN, FABRIC = "2000000012341234", "1000000012341234", "2000000043214321"


@pytest.fixture
def host():
    conn = libvirt.open("test:///default")
    yield LibvirtHost(conn=conn)
    for pool in conn.listAllStoragePools(0):
        if pool.name() != "default-pool":
            with contextlib.suppress(libvirt.libvirtError):
                pool.destroy()
            with contextlib.suppress(libvirt.libvirtError):
                pool.undefine()
    conn.close()


def task(host, check_mode=False, **options):
    """Run the module's plan and actions on ``host`` as one task with ``options``."""
    params = {k: spec.get("default") for k, spec in vhba.argument_spec().items()}
    params.update(options, connect=host.uri, timeout=0.2)
    module = SimpleNamespace(params=params, check_mode=check_mode, _diff=True)
    return vhba.run(module, host)


def test_a_pool_is_defined_once_started_and_removed(host):
    first = task(host, name="web1", parent_wwnn=HBA_WWNN, parent_wwpn=HBA_WWPN, autostart=True)
    assert first["changed"] is True and first["actions"] == ["define"]
    assert first["state"] == "stopped" and first["generated"] is True
    assert first["definition_file"] == "test:///default storage pool web1"
    pool = host.conn.storagePoolLookupByName("web1")
    assert pool.autostart() == 1 and first["wwpn"] in pool.XMLDesc(0)

    again = task(host, name="web1", parent_wwnn=HBA_WWNN, parent_wwpn=HBA_WWPN, autostart=True)
    assert again["changed"] is False and again["wwpn"] == first["wwpn"]

    flag = task(host, name="web1", autostart=False)
    assert flag["actions"] == ["define"] and pool.autostart() == 0
    assert flag["wwpn"] == first["wwpn"]  # the same pool, its flag changed

    check = task(host, check_mode=True, name="web1", state="started")
    assert check["changed"] is True and check["actions"] == ["start"]
    assert not pool.isActive()

    started = task(host, name="web1", state="started")
    assert started["actions"] == ["start"] and pool.isActive()
    assert started["state"] == "running"  # the test driver lists no vHBA for it
    assert task(host, name="web1", state="started")["changed"] is False

    # the test driver lists no vHBA for a started pool, and cannot stop one without a
    # vHBA: make the one libvirt would have made (it clones scsi_host11 as scsi_host12)
    host.conn.nodeDeviceCreateXML(
        "<device><parent>scsi_host1</parent><capability type='scsi_host'>"
        f"<capability type='fc_host'><wwnn>{started['wwnn']}</wwnn>"
        f"<wwpn>{started['wwpn']}</wwpn></capability></capability></device>", 0)
    gone = task(host, name="web1", state="absent")
    assert gone["actions"] == ["stop", "undefine"] and gone["state"] == "absent"
    assert "web1" not in [p.name() for p in host.conn.listAllStoragePools(0)]


def test_new_names_make_a_new_pool(host):
    task(host, name="web1", parent_fabric_wwn=FABRIC, wwnn="5001a4a000000001",
         wwpn="5001a4a000000002")
    changed = task(host, name="web1", wwnn="5001a4a000000003", wwpn="5001a4a000000004")
    assert changed["actions"] == ["define"] and changed["wwpn"] == "5001a4a000000004"
    assert changed["parent"] == {"fabric_wwn": FABRIC}
    assert "5001a4a000000004" in host.conn.storagePoolLookupByName("web1").XMLDesc(0)


def test_refusals_come_back_in_one_line(host):
    with pytest.raises(LibraryError) as refused:
        task(host, name="web1", parent="scsi_host99", state="started")
    assert refused.value.message == "no parent device named 'scsi_host99'"
    with pytest.raises(LibraryError) as refused:
        task(host, name="web1", wwnn=HBA_WWNN, wwpn="5001a4a000000002")
    assert "already in use" in refused.value.message
    with pytest.raises(LibraryError) as refused:
        task(host, name="web1", state="started", wait_luns=1)
    assert refused.value.message.startswith("wait_luns: not through a libvirt connection")
    assert "web1" not in [p.name() for p in host.conn.listAllStoragePools(0)]


def test_an_unreachable_uri_is_one_line():
    with pytest.raises(LibraryError) as refused:
        LibvirtHost("qemu+unix:///system?socket=/nonexistent/libvirt-sock")
    assert refused.value.error == "LibvirtConnectionError" and "\n" not in refused.value.message
