# Copyright: nodedev-xml contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The adapter to the library: its names agree with the library's, and the wait for LUNs."""

from __future__ import annotations

import pytest

from ansible_collections.nodedev_xml.npiv.plugins.module_utils import nodedev
from ansible_collections.nodedev_xml.npiv.plugins.modules import vhba
from ansible_collections.nodedev_xml.npiv.tests.unit.san import VHBA_WWNN, VHBA_WWPN
from nodedev_xml.vocabulary import BACKENDS as LIBRARY_BACKENDS


def test_the_backends_are_the_librarys():
    assert tuple(LIBRARY_BACKENDS) == nodedev.BACKENDS
    assert vhba.argument_spec()["backend"]["choices"] == list(LIBRARY_BACKENDS)


class Clock:
    """A clock that moves only when slept on; ``on_sleep`` runs at each sleep."""

    def __init__(self, on_sleep=None):
        self.now = 0.0
        self.on_sleep = on_sleep
        self.sleeps = 0

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps += 1
        self.now += seconds
        if self.on_sleep is not None:
            self.on_sleep(self.sleeps)


@pytest.fixture
def host(san, state_dir):
    h = nodedev.Host(str(san.root), "sysfs", str(state_dir))
    h.define("web1", None, VHBA_WWNN, VHBA_WWPN, True)
    return h


def test_wait_luns_returns_once_the_count_is_seen(san, host):
    clock = Clock(on_sleep=lambda n: san.add_lun(n) if n <= 2 else None)  # LUNs 1 and 2 come
    luns = host.wait_luns("web1", count=3, timeout=10, clock=clock, sleep=clock.sleep)
    assert [lun["name"] for lun in luns] == ["scsi_10_0_0_0", "scsi_10_0_0_1", "scsi_10_0_0_2"]
    assert clock.sleeps == 2


def test_wait_luns_says_what_is_missing_at_the_deadline(host):
    clock = Clock()
    with pytest.raises(nodedev.LibraryError) as late:
        host.wait_luns("web1", count=2, timeout=2, clock=clock, sleep=clock.sleep)
    assert late.value.message == "scsi_host10 sees 1 LUN(s), not 2, after 2 s; the vHBA stays"
    assert clock.now == 2.0


def test_wait_luns_by_wwid(san, host):
    clock = Clock()
    if not nodedev.lun_wwids_known():
        with pytest.raises(nodedev.LibraryError) as refused:
            host.wait_luns("web1", wwids=["naa.1"], timeout=2, clock=clock, sleep=clock.sleep)
        assert refused.value.message.startswith("wait_luns: this nodedev-xml does not report")
        assert clock.sleeps == 0
        return
    with pytest.raises(nodedev.LibraryError) as late:
        host.wait_luns("web1", wwids=["naa.1"], timeout=2, clock=clock, sleep=clock.sleep)
    assert "does not see LUN(s) naa.1" in late.value.message


def test_library_errors_keep_their_class_and_reason():
    class Refusal(Exception):
        reason = type("Reason", (), {"value": "linkdown"})()

    error = nodedev._library_error(Refusal("scsi_host5 is Linkdown"))
    assert (error.message, error.error, error.reason) == ("scsi_host5 is Linkdown", "Refusal",
                                                          "linkdown")
    assert error.details() == {"error": "Refusal", "reason": "linkdown"}
