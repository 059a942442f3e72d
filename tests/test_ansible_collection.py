"""The Ansible collection (ansible_collections/nodedev_xml/npiv) as a user runs it: built by
``ansible-galaxy collection build``, installed from the tarball, and driven by real
``ansible-playbook`` runs against localhost, on fake roots whose vport files the kernel
emulator serves from another process.  Skipped when ansible-core is not installed
(scripts/setup installs it); ``scripts/ansible-test`` runs the collection's sanity and
unit tests."""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from vhba_trees import FABRIC, HBA_WWNN, HBA_WWPN, build_san

from nodedev_xml.testing.emulator import BackgroundEmulator
from nodedev_xml.testing.fabric import Fabric, FabricLun

REPO = Path(__file__).resolve().parent.parent
COLLECTION = REPO / "ansible_collections" / "nodedev_xml" / "npiv"
BIN = Path(sys.executable).parent


def _tool(name: str) -> str:
    path = BIN / name
    if not path.exists():
        pytest.skip(f"{name} is not installed beside {sys.executable} (scripts/setup installs it)")
    return str(path)


def test_the_readme_shows_the_example_playbook() -> None:
    fleet = (COLLECTION / "docs" / "fleet.yml").read_text(encoding="utf-8")
    plays = fleet[fleet.index("\n- name: ") + 1 :]
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Managing a fleet with Ansible") :]
    assert f"```yaml\n{plays}```" in section


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The collection built into a tarball and installed from it: the collections path."""
    work = tmp_path_factory.mktemp("collection")
    env = _env(work)
    built = subprocess.run(
        [_tool("ansible-galaxy"), "collection", "build", str(COLLECTION),
         "--output-path", str(work / "dist")],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip
    assert built.returncode == 0, built.stdout + built.stderr
    (tarball,) = (work / "dist").glob("nodedev_xml-npiv-*.tar.gz")
    installed = subprocess.run(
        [_tool("ansible-galaxy"), "collection", "install", str(tarball),
         "-p", str(work / "collections")],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip
    assert installed.returncode == 0, installed.stdout + installed.stderr
    assert (work / "collections/ansible_collections/nodedev_xml/npiv/MANIFEST.json").is_file()
    assert not list((work / "collections").rglob("tests/output"))
    return work / "collections"


def _env(work: Path, collections: Path | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANSIBLE_", "NODEDEV_XML_"))}
    env.update(
        PYTHONPATH=str(REPO),  # the managed host (localhost) imports this checkout's library
        ANSIBLE_HOME=str(work / "ansible-home"),
        ANSIBLE_LOCAL_TEMP=str(work / "ansible-tmp"),
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_PIPELINING="1",
        ANSIBLE_COLLECTIONS_SCAN_SYS_PATH="false",  # only the installed copy, not the source
    )
    if collections is not None:
        env["ANSIBLE_COLLECTIONS_PATH"] = str(collections)
    return env


def playbook(
    installed: Path, work: Path, inventory: str, book: str | Path, *args: str
) -> subprocess.CompletedProcess[str]:
    """Run ``book`` (a file, or the text of a playbook) on ``inventory`` (its text)."""
    (work / "inventory.yml").write_text(inventory, encoding="utf-8")
    if isinstance(book, str):
        (work / "playbook.yml").write_text(book, encoding="utf-8")
        book = work / "playbook.yml"
    return subprocess.run(
        [_tool("ansible-playbook"), "-i", str(work / "inventory.yml"), str(book), *args],
        capture_output=True, text=True, env=_env(work, installed), timeout=300,
    )  # fmt: skip


def _localhost(**hostvars: str) -> str:
    """An inventory (JSON is YAML) of localhost, run by this Python, with ``hostvars``."""
    host = {"ansible_connection": "local", "ansible_python_interpreter": sys.executable}
    return json.dumps({"all": {"hosts": {"localhost": {**host, **hostvars}}}})


#: web4's names, zoned to the array's two LUNs (WWIDS) on the emulator's fabric.
WEB4 = ("5001a4a000000a01", "5001a4a000000a02")
ARRAY = 0x20110002AC000001
WWIDS = ["naa.600a0b80001234560000000000000a00", "naa.600a0b80001234560000000000000a01"]


def _fabric() -> Fabric:
    fabric = Fabric()
    array = fabric.add_target(ARRAY, [FabricLun(n, wwid) for n, wwid in enumerate(WWIDS)])
    fabric.zone(WEB4[1], array)
    return fabric


HBA = f"parent_wwnn: '{HBA_WWNN:016x}'\n        parent_wwpn: '{HBA_WWPN:016x}'"

#: Each task's result lands in results.json, by the name it is registered under.
TASKS = f"""
- hosts: localhost
  gather_facts: false
  module_defaults:
    nodedev_xml.npiv.vhba: {{root: "{{{{ root }}}}", state_dir: "{{{{ state_dir }}}}"}}
    nodedev_xml.npiv.npiv_info: {{root: "{{{{ root }}}}", state_dir: "{{{{ state_dir }}}}"}}
  tasks:
    - name: create
      nodedev_xml.npiv.vhba:
        name: web1
        {HBA}
        state: started
        autostart: true
      register: create
    - name: again
      nodedev_xml.npiv.vhba:
        name: web1
        {HBA}
        state: started
        autostart: true
      register: again
    - name: info
      nodedev_xml.npiv.npiv_info:
      register: info
    - name: check-stop
      nodedev_xml.npiv.vhba: {{name: web1, state: stopped}}
      check_mode: true
      diff: true
      register: check_stop
    - name: check-new
      nodedev_xml.npiv.vhba: {{name: web2, parent: scsi_host8, state: started}}
      check_mode: true
      register: check_new
    - name: stop
      nodedev_xml.npiv.vhba: {{name: web1, state: stopped}}
      register: stop
    - name: stop-again
      nodedev_xml.npiv.vhba: {{name: web1, state: stopped}}
      register: stop_again
    - name: absent
      nodedev_xml.npiv.vhba: {{name: web1, state: absent}}
      diff: true
      register: absent
    - name: linkdown
      nodedev_xml.npiv.vhba: {{name: web3, parent: scsi_host5, state: started}}
      register: linkdown
      ignore_errors: true
    - name: no-such-parent
      nodedev_xml.npiv.vhba: {{name: web3, parent: scsi_host99, state: started}}
      register: no_parent
      ignore_errors: true
    - name: unknown-option
      nodedev_xml.npiv.vhba: {{name: web3, colour: blue}}
      register: unknown
      ignore_errors: true
    - name: malformed-wwn
      nodedev_xml.npiv.vhba: {{name: web3, wwnn: '5001a4a13c963d5g', wwpn: '5001a4a85020b011'}}
      register: malformed
      ignore_errors: true
    - name: open-state-dir
      nodedev_xml.npiv.vhba: {{name: web5, parent: scsi_host8, state_dir: "{{{{ open_state }}}}"}}
      register: open_state
      ignore_errors: true
    - name: luns
      nodedev_xml.npiv.vhba:
        name: web4
        parent_fabric_wwn: '{FABRIC:016x}'
        wwnn: '{WEB4[0]}'
        wwpn: '{WEB4[1]}'
        state: started
        wait_luns: {json.dumps(WWIDS)}
        timeout: 20
      register: luns
    - name: luns-late
      nodedev_xml.npiv.vhba: {{name: web4, state: started, wait_luns: 3, timeout: 1}}
      register: luns_late
      ignore_errors: true
    - name: luns-late-gone
      nodedev_xml.npiv.vhba: {{name: web4, state: absent}}
      register: luns_late_gone
    - name: results
      ansible.builtin.copy:
        dest: "{{{{ results }}}}"
        content: "{{{{ dict(names | zip(names | map('extract', vars))) | to_json }}}}"
        mode: "0600"
      vars:
        names: [create, again, info, check_stop, check_new, stop, stop_again, absent,
                linkdown, no_parent, unknown, malformed, open_state, luns, luns_late,
                luns_late_gone]
"""


def _written(emu: BackgroundEmulator, count: int) -> list[tuple[str, str, str]]:
    """``(attribute, WWPN, result)`` of each vport write the emulator answered, once
    there are ``count`` of them (or 5 s have passed); the rescans' writes left out."""
    deadline = time.monotonic() + 5
    while True:
        out = []
        for line in emu.writes():
            m = re.fullmatch(r"write \S+/(vport_\w+) '([0-9a-f]{16}):[0-9a-f]{16}' -> (\S+)", line)
            if m:
                out.append((m[1], m[2], m[3]))
        if len(out) >= count or time.monotonic() > deadline:
            return out
        time.sleep(0.05)


def test_a_playbook_converges_a_vhba_and_fails_cleanly(installed: Path, tmp_path: Path) -> None:
    root, state = tmp_path / "host", tmp_path / "state"
    build_san(root)
    results = tmp_path / "results.json"
    open_state = tmp_path / "open"  # a state directory every user can write
    open_state.mkdir()
    open_state.chmod(0o777)
    inventory = _localhost(root=str(root), state_dir=str(state), results=str(results),
                           open_state=str(open_state))  # fmt: skip
    with BackgroundEmulator(root, host_delay=0.05, fabric=_fabric()) as emu:
        run = playbook(installed, tmp_path, inventory, TASKS)
        assert run.returncode == 0, run.stdout + run.stderr
        r = json.loads(results.read_text(encoding="utf-8"))
        writes = _written(emu, 4)
        scans = [w for w in emu.writes() if w.endswith("/scan' -> ok") or "/scan '" in w]

    create, again = r["create"], r["again"]
    assert create["changed"] is True and create["actions"] == ["define", "start"]
    assert create["state"] == "running" and create["parent_device"] == "scsi_host8"
    assert create["generated"] is True and create["autostart"] is True
    web1 = create["wwpn"]
    device = create["device"]
    assert again["changed"] is False and again["actions"] == []
    assert (again["device"], again["wwpn"]) == (device, web1)

    info = r["info"]
    vhbas = {v["name"]: v for v in info["vhbas"]}
    assert sorted(vhbas) == sorted(["scsi_host7", device])  # host7: the full lpfc port's
    assert (vhbas[device]["parent"], vhbas[device]["wwpn"]) == ("scsi_host8", web1)
    (definition,) = info["definitions"]
    assert definition["state"] == "running" and definition["device"] == device

    # check mode: says what would change; the emulator's log shows no write for it
    check_stop, check_new = r["check_stop"], r["check_new"]
    assert check_stop["changed"] is True and check_stop["actions"] == ["stop"]
    assert check_stop["state"] == "stopped"
    assert check_stop["diff"]["before"]["vhba"] == f"running as {device}"
    assert check_stop["diff"]["after"]["vhba"] == "stopped"
    assert check_new["changed"] is True and check_new["actions"] == ["define", "start"]
    assert check_new["wwpn"] is None and not (state / "vhba" / "web2.xml").exists()

    assert r["stop"]["changed"] is True and r["stop"]["state"] == "stopped"
    assert r["stop_again"]["changed"] is False
    absent = r["absent"]
    assert absent["changed"] is True and absent["actions"] == ["undefine"]
    assert absent["diff"]["after"] == {} and not (state / "vhba" / "web1.xml").exists()

    for name, message, error, reason in (
        ("linkdown", "scsi_host5 cannot take a new vHBA: port state is Linkdown, not Online",
         "VHBAError", "linkdown"),
        ("no_parent", "no parent device named 'scsi_host99'", "VHBANotFoundError", "not_found"),
        ("malformed", "wwnn: invalid WWN '5001a4a13c963d5g': expected 16 hex digits",
         "WWNError", None),
    ):  # fmt: skip
        assert r[name]["failed"] is True, r[name]
        assert r[name]["msg"] == message and r[name]["error"] == error
        assert r[name].get("reason") == reason
        assert "module_stderr" not in r[name] and "Traceback" not in json.dumps(r[name])
    assert r["unknown"]["failed"] is True and "Traceback" not in json.dumps(r["unknown"])
    assert r["unknown"]["msg"].startswith("Unsupported parameters") and "colour" in (
        r["unknown"]["msg"]
    )
    assert not (state / "vhba" / "web3.xml").exists()

    refused = r["open_state"]  # a state directory every user can write
    assert refused["failed"] is True and refused["error"] == "DefinitionError"
    assert refused["msg"] == (
        f"{open_state}: writable by other users (mode 0777): refused"
        " (anyone could plant a definition there); chmod go-w it"
    )
    assert not (open_state / "vhba").exists()

    # wait_luns: the vHBA was rescanned until it saw both LUNs of the array, by WWID
    luns = r["luns"]
    assert luns["changed"] is True and luns["actions"] == ["define", "start"]
    assert sorted(lun["wwid"] for lun in luns["luns"]) == WWIDS
    assert all(lun["remote_wwpn"] == f"{ARRAY:016x}" for lun in luns["luns"])
    assert any(f"/{luns['device'].removeprefix('scsi_')}/scan " in w for w in scans), scans
    late = r["luns_late"]
    assert late["failed"] is True and "Traceback" not in json.dumps(late)
    # what the task did before its wait ran out is in the result: the vHBA stays
    assert late["changed"] is False and late["actions"] == [] and late["state"] == "running"
    assert late["msg"] == f"{luns['device']} sees 2 of 3 expected LUNs within 1 s"
    assert r["luns_late_gone"]["actions"] == ["stop", "undefine"]

    # every write the emulator answered: web1 made and deleted, then web4 made and deleted;
    # nothing from the check-mode tasks nor from the refused ones
    web4 = WEB4[1]
    assert writes == [
        ("vport_create", web1, "ok"), ("vport_delete", web1, "ok"),
        ("vport_create", web4, "ok"), ("vport_delete", web4, "ok"),
    ]  # fmt: skip


def test_the_fleet_example_on_two_fake_hosts(installed: Path, tmp_path: Path) -> None:
    hosts = {}
    for name in ("hv1", "hv2"):
        build_san(tmp_path / name / "root")
        hosts[name] = tmp_path / name
    guests = {"name": "guests-a", "parent_fabric_wwn": f"{FABRIC:016x}"}
    web1 = {"name": "web1", "parent_wwnn": f"{HBA_WWNN:016x}", "parent_wwpn": f"{HBA_WWPN:016x}"}
    group = {
        "vars": {
            "ansible_connection": "local",
            "ansible_python_interpreter": sys.executable,
            "npiv_vhbas": [guests],
        },
        "hosts": {
            name: {"npiv_root": str(path / "root"), "npiv_state_dir": str(path / "state")}
            for name, path in hosts.items()
        },
    }
    group["hosts"]["hv1"]["npiv_vhbas"] = [web1, guests]  # hv1 has its own list
    inventory = json.dumps({"hypervisors": group})
    zoning = tmp_path / "zoning.csv"
    book = COLLECTION / "docs" / "fleet.yml"
    with (
        BackgroundEmulator(hosts["hv1"] / "root", host_delay=0.05) as emu1,
        BackgroundEmulator(hosts["hv2"] / "root", host_delay=0.05) as emu2,
    ):
        run = playbook(installed, tmp_path, inventory, book, "-e", f"zoning_csv={zoning}")
        assert run.returncode == 0, run.stdout + run.stderr
        again = playbook(installed, tmp_path, inventory, book, "-e", f"zoning_csv={zoning}")
        assert again.returncode == 0, again.stdout + again.stderr
        recap = re.findall(r"^(hv\d)\s+: ok=\d+\s+changed=(\d+)", again.stdout, re.M)
        assert sorted(recap) == [("hv1", "0"), ("hv2", "0")], again.stdout
        writes = {"hv1": _written(emu1, 2), "hv2": _written(emu2, 1)}

    rows = list(csv.DictReader(zoning.read_text(encoding="utf-8").splitlines()))
    found = {(row["host"], row["vhba"]): row["wwpn"] for row in rows}
    assert sorted(found) == [("hv1", "guests-a"), ("hv1", "web1"), ("hv2", "guests-a")]
    for name, path in hosts.items():
        saved = {
            p.stem: re.search(r"<wwpn>([0-9a-f]{16})</wwpn>", p.read_text(encoding="utf-8"))[1]
            for p in (path / "state" / "vhba").glob("*.xml")
        }
        assert saved == {vhba: wwpn for (host, vhba), wwpn in found.items() if host == name}
        # one vport_create per vHBA, with the WWPN in the zoning list; the second run wrote nothing
        assert sorted(w[1] for w in writes[name]) == sorted(saved.values())
        assert all(w[0] == "vport_create" and w[2] == "ok" for w in writes[name])
        for vhba in saved:
            text = (path / "state" / "vhba" / f"{vhba}.xml").read_text(encoding="utf-8")
            assert re.search("autostart=[\"']yes[\"']", text), text
