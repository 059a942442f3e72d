# Copyright: nodedev-xml contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The vhba module on fake roots: what it plans, what it saves, what it refuses.
Starting and stopping through the kernel is the repository's playbook test
(tests/test_ansible_collection.py), with the kernel emulator serving the writes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ansible_collections.nodedev_xml.npiv.plugins.module_utils.nodedev import LibraryError
from ansible_collections.nodedev_xml.npiv.plugins.modules import vhba
from ansible_collections.nodedev_xml.npiv.tests.unit.san import (
    HBA_WWNN,
    HBA_WWPN,
    VHBA_WWNN,
    VHBA_WWPN,
)

SAVED = {"name": "web1", "parent": {"wwnn": HBA_WWNN, "wwpn": HBA_WWPN},
         "wwnn": VHBA_WWNN, "wwpn": VHBA_WWPN, "autostart": False}


@pytest.mark.parametrize("state, before, running, want, actions", [
    ("present", None, False, SAVED, ["define"]),
    ("started", None, False, SAVED, ["define", "start"]),
    ("stopped", None, False, SAVED, ["define"]),
    ("absent", None, False, None, []),
    ("present", SAVED, False, SAVED, []),
    ("present", SAVED, True, SAVED, []),
    ("started", SAVED, True, SAVED, []),
    ("started", SAVED, False, SAVED, ["start"]),
    ("stopped", SAVED, True, SAVED, ["stop"]),
    ("stopped", SAVED, False, SAVED, []),
    ("absent", SAVED, True, None, ["stop", "undefine"]),
    ("absent", SAVED, False, None, ["undefine"]),
    # only the flag changes: the vHBA is not touched
    ("started", SAVED, True, dict(SAVED, autostart=True), ["define"]),
    # new names or a new parent for a running vHBA: it is made again
    ("present", SAVED, True, dict(SAVED, wwpn="5001a4a85020b012"), ["stop", "define", "start"]),
    ("started", SAVED, True, dict(SAVED, parent={"name": "scsi_host8"}),
     ["stop", "define", "start"]),
    ("present", SAVED, False, dict(SAVED, wwpn="5001a4a85020b012"), ["define"]),
    ("stopped", SAVED, True, dict(SAVED, wwpn="5001a4a85020b012"), ["stop", "define"]),
])
def test_plan(state, before, running, want, actions):
    assert vhba.plan(state, before, running, want) == actions


def test_wanted_keeps_what_the_options_leave_out():
    params = {"name": "web1", "wwnn": None, "wwpn": None, "autostart": None}
    assert vhba.wanted(SAVED, params, None) == SAVED
    assert vhba.wanted(None, params, None) == {
        "name": "web1", "parent": None, "wwnn": None, "wwpn": None, "autostart": False}
    assert vhba.wanted(SAVED, dict(params, autostart=True), {"name": "scsi_host8"}) == dict(
        SAVED, autostart=True, parent={"name": "scsi_host8"})


@pytest.mark.parametrize("value, expected", [
    (None, (None, None)),
    (3, (3, None)),
    ("3", (3, None)),
    (["naa.600a0b80001234560000deadbeef0001", " naa.5000c500a1b2c3d4 "],
     (None, ["naa.600a0b80001234560000deadbeef0001", "naa.5000c500a1b2c3d4"])),
    ("naa.1,naa.2", (None, ["naa.1", "naa.2"])),
])
def test_wait_luns_option(value, expected):
    assert vhba.wait_luns_option(value) == expected


@pytest.mark.parametrize("value, message", [
    (0, "wait_luns: expected at least 1 LUN, got 0"),
    (True, "wait_luns: expected a number of LUNs or a list of WWIDs, got True"),
    ([], "wait_luns: an empty list of WWIDs"),
    ({"a": 1}, "wait_luns: expected a number of LUNs or a list of WWIDs"),
])
def test_wait_luns_option_refuses(value, message):
    with pytest.raises(LibraryError) as refused:
        vhba.wait_luns_option(value)
    assert refused.value.message == message


def args(san, state_dir, **more):
    return dict({"root": str(san.root), "state_dir": str(state_dir)}, **more)


def test_a_new_definition_gets_names_once_and_a_second_run_changes_nothing(
        san, state_dir, run_module):
    code, first = run_module(vhba.main, args(san, state_dir, name="web1", parent="scsi_host8"))
    assert code == 0, first
    assert first["changed"] is True and first["actions"] == ["define"]
    assert first["generated"] is True and first["state"] == "stopped"
    assert first["wwnn"].startswith("5001a4a") and first["wwpn"].startswith("5001a4a")
    assert first["parent"] == {"name": "scsi_host8"} and first["parent_device"] == "scsi_host8"
    assert os.path.isfile(first["definition_file"])
    saved = Path(first["definition_file"]).read_text(encoding="utf-8")
    assert first["wwpn"] in saved
    code, second = run_module(vhba.main, args(san, state_dir, name="web1", parent="scsi_host8"))
    assert code == 0 and second["changed"] is False and second["actions"] == []
    assert (second["wwnn"], second["wwpn"]) == (first["wwnn"], first["wwpn"])
    assert second["generated"] is False
    assert Path(first["definition_file"]).read_text(encoding="utf-8") == saved


def test_a_definition_of_the_running_vhba_says_so(san, state_dir, run_module):
    code, result = run_module(vhba.main, args(
        san, state_dir, name="web1", parent_wwnn=HBA_WWNN, parent_wwpn="0x" + HBA_WWPN,
        wwnn=VHBA_WWNN.upper(), wwpn=":".join(VHBA_WWPN[i:i + 2] for i in range(0, 16, 2)),
        state="started", autostart=True, _ansible_diff=True))
    assert code == 0, result
    # already running as host10: defined, not started again
    assert result["actions"] == ["define"] and result["state"] == "running"
    assert result["device"] == "scsi_host10" and result["parent_device"] == "scsi_host8"
    assert (result["wwnn"], result["wwpn"]) == (VHBA_WWNN, VHBA_WWPN)
    assert result["diff"] == {"before": {}, "after": {
        "name": "web1", "parent": {"wwnn": HBA_WWNN, "wwpn": HBA_WWPN}, "wwnn": VHBA_WWNN,
        "wwpn": VHBA_WWPN, "autostart": True, "vhba": "running as scsi_host10"}}


def test_check_mode_writes_nothing(san, state_dir, run_module):
    code, result = run_module(vhba.main, args(
        san, state_dir, name="web1", parent="scsi_host8", state="started",
        _ansible_check_mode=True, _ansible_diff=True))
    assert code == 0, result
    assert result["changed"] is True and result["actions"] == ["define", "start"]
    assert result["wwnn"] is None and result["wwpn"] is None and result["generated"] is True
    assert result["state"] == "running" and "device" not in result
    assert result["diff"]["after"] == {"name": "web1", "parent": {"name": "scsi_host8"},
                                       "autostart": False, "vhba": "running"}
    assert not state_dir.exists()


def test_absent_of_nothing_changes_nothing(san, state_dir, run_module):
    code, result = run_module(vhba.main, args(san, state_dir, name="web1", state="absent"))
    assert code == 0 and result["changed"] is False and result["state"] == "absent"
    assert not state_dir.exists()


def test_absent_removes_a_stopped_definition(san, state_dir, run_module):
    run_module(vhba.main, args(san, state_dir, name="web1", parent="scsi_host8"))
    code, result = run_module(vhba.main, args(san, state_dir, name="web1", state="absent",
                                              _ansible_diff=True))
    assert code == 0 and result["actions"] == ["undefine"] and result["state"] == "absent"
    assert result["diff"]["after"] == {} and result["diff"]["before"]["vhba"] == "stopped"
    assert not os.path.exists(result["definition_file"])


def failure(run_module, san, state_dir, **options):
    code, result = run_module(vhba.main, args(san, state_dir, **options))
    assert code == 1 and result["failed"] is True, result
    assert "Traceback" not in result["msg"] and "\n" not in result["msg"]
    return result


def test_a_malformed_wwn_fails_naming_the_option(san, state_dir, run_module):
    result = failure(run_module, san, state_dir, name="web1", wwnn="5001a4a13c963d5z",
                     wwpn=VHBA_WWPN)
    assert result["msg"] == "wwnn: invalid WWN '5001a4a13c963d5z': expected 16 hex digits"
    assert result["error"] == "WWNError"
    result = failure(run_module, san, state_dir, name="web1", parent_wwnn="2x", parent_wwpn="21")
    assert result["msg"].startswith("parent_wwnn: invalid WWN '2x'")
    assert not state_dir.exists()


def test_a_parent_that_cannot_take_a_vport_fails_before_anything_is_saved(
        san, state_dir, run_module):
    result = failure(run_module, san, state_dir, name="web1", parent="scsi_host5",
                     state="started")
    assert result["msg"] == ("scsi_host5 cannot take a new vHBA: port state is Linkdown,"
                             " not Online")
    assert result["error"] == "VHBAError" and result["reason"] == "linkdown"
    assert result["name"] == "web1"
    result = failure(run_module, san, state_dir, name="web1", parent="scsi_host99",
                     state="started", _ansible_check_mode=True)
    assert result["msg"] == "no parent device named 'scsi_host99'"
    assert (result["error"], result["reason"]) == ("VHBANotFoundError", "not_found")
    assert not state_dir.exists()


def test_a_state_directory_others_can_write_is_refused(san, state_dir, run_module):
    state_dir.mkdir()
    state_dir.chmod(0o777)
    result = failure(run_module, san, state_dir, name="web1", parent="scsi_host8")
    assert result["error"] == "DefinitionError"
    assert result["msg"].startswith(f"{state_dir}: writable by other users (mode 0777): refused")
    assert not (state_dir / "vhba").exists()


def test_bad_options_fail_cleanly(san, state_dir, run_module):
    result = failure(run_module, san, state_dir, name="web1", colour="blue")
    assert "Unsupported parameters" in result["msg"] and "colour" in result["msg"]
    result = failure(run_module, san, state_dir, name="../web1")
    assert result["msg"].startswith("invalid definition name '../web1'")
    result = failure(run_module, san, state_dir, name="web1", wait_luns=2)
    assert result["msg"] == "wait_luns goes with state=started"
    result = failure(run_module, san, state_dir, name="web1", wwnn=VHBA_WWNN)
    assert result["msg"] == "parameters are required together: wwnn, wwpn"
    result = failure(run_module, san, state_dir, name="web1", parent="scsi_host8",
                     parent_fabric_wwn="2001000dec9877c1")
    assert "mutually exclusive" in result["msg"]
    assert not state_dir.exists()


def test_a_broken_definition_file_is_left_alone(san, state_dir, run_module):
    (state_dir / "vhba").mkdir(parents=True, mode=0o700)
    (state_dir / "vhba" / "web1.xml").write_text("<vhba name='web1'><wwnn>xyz</wwnn></vhba>")
    result = failure(run_module, san, state_dir, name="web1", parent="scsi_host8")
    assert result["error"] == "DefinitionError" and "web1.xml" in result["msg"]
    assert (state_dir / "vhba" / "web1.xml").read_text().startswith("<vhba name='web1'><wwnn>")


def test_connect_goes_with_no_root_nor_state_dir(san, state_dir, run_module):
    result = failure(run_module, san, state_dir, name="web1", connect="test:///default")
    assert "mutually exclusive" in result["msg"] and "connect" in result["msg"]
