# Copyright: nodedev-xml contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The adapter to the library: its names agree with the library's, and the wait for LUNs."""

from __future__ import annotations

import pytest

from ansible_collections.nodedev_xml.npiv.plugins.module_utils import nodedev
from ansible_collections.nodedev_xml.npiv.plugins.modules import vhba
from ansible_collections.nodedev_xml.npiv.tests.unit.san import (
    ARRAY_WWPN,
    VHBA_WWNN,
    VHBA_WWPN,
)
from nodedev_xml.vocabulary import BACKENDS as LIBRARY_BACKENDS


def test_the_backends_are_the_librarys():
    assert tuple(LIBRARY_BACKENDS) == nodedev.BACKENDS
    assert vhba.argument_spec()["backend"]["choices"] == list(LIBRARY_BACKENDS)


@pytest.fixture
def host(san, state_dir):
    h = nodedev.Host(str(san.root), "sysfs", str(state_dir))
    h.define("web1", None, VHBA_WWNN, VHBA_WWPN, True)
    return h


def test_wait_luns_returns_the_luns_once_seen(san, host):
    (lun,) = host.wait_luns("web1", count=1, timeout=5)
    assert lun["name"] == "scsi_10_0_0_0" and lun["remote_wwpn"] == ARRAY_WWPN
    # the host was rescanned (the library's targeted scan of its known targets)
    assert (san.vport.host.path / "scsi_host" / "host10" / "scan").read_text() != ""


def test_wait_luns_says_what_is_missing_at_the_deadline(host):
    with pytest.raises(nodedev.LibraryError) as late:
        host.wait_luns("web1", count=2, timeout=0.3)
    assert late.value.message == "scsi_host10 sees 1 of 2 expected LUNs within 0.3 s"
    wwid = "naa.600a0b80001234560000000000000a09"
    with pytest.raises(nodedev.LibraryError) as late:
        host.wait_luns("web1", wwids=[wwid], timeout=0.3)
    assert late.value.message.endswith(f"; missing {wwid} within 0.3 s")


def test_wait_luns_refuses_what_is_no_wwid(host):
    with pytest.raises(nodedev.LibraryError) as refused:
        host.wait_luns("web1", wwids=["12"], timeout=0.3)
    assert refused.value.message == "wait_luns: '12' is a number, not a WWID"


def test_library_errors_keep_their_class_and_reason():
    class Refusal(Exception):
        reason = type("Reason", (), {"value": "linkdown"})()

    error = nodedev._library_error(Refusal("scsi_host5 is Linkdown"))
    assert (error.message, error.error, error.reason) == ("scsi_host5 is Linkdown", "Refusal",
                                                          "linkdown")
    assert error.details() == {"error": "Refusal", "reason": "linkdown"}
