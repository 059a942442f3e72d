"""The command line as a user meets it: output, exit codes, one-line errors."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXTURES
from newuser_roots import build

from nodedev_xml.cli import main

MIXED = str(FIXTURES / "mixed")


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_list_by_capability(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--root", MIXED, "list", "--cap", "vports")
    assert code == 0
    assert out.split() == ["scsi_host3", "scsi_host4", "scsi_host6"]
    _, out, _ = run(capsys, "--root", MIXED, "list", "--cap", "fc_host")
    assert out.split() == ["scsi_host3", "scsi_host4", "scsi_host6", "scsi_host7", "scsi_host8",
                           "scsi_host9"]  # fmt: skip
    _, out, _ = run(capsys, "--root", MIXED, "list", "--cap", "pci")
    assert all(n.startswith("pci_") for n in out.split()) and out


def test_root_from_the_environment(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NODEDEV_XML_ROOT", MIXED)
    code, out, _ = run(capsys, "list", "--cap", "scsi_host")
    assert code == 0 and "scsi_host5" in out.split()


def test_tree_shows_vhbas_under_their_hba(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--root", MIXED, "list", "--tree", "--cap", "fc_host")
    lines = out.splitlines()
    assert code == 0 and lines[0] == "computer"
    names = [line.split("+- ")[1] for line in lines if "+- " in line]
    assert names.index("scsi_host3") < names.index("scsi_host7")
    depth = {line.split("+- ")[1]: line.index("+-") for line in lines if "+- " in line}
    assert depth["scsi_host7"] > depth["scsi_host3"] > depth["pci_0000_04_00_0"]


#: What ``virsh nodedev-list --tree`` drew for the mixed fixture: a ``|`` line once below
#: a node with children, none between siblings, the indentation alone (trailing spaces)
#: after a last child that is a leaf.
MIXED_TREE = "".join(f"{line}\n" for line in (
    "computer",
    "  |",
    "  +- pci_0000_00_02_0",
    "  |   |",
    "  |   +- pci_0000_07_00_0",
    "  |       |",
    "  |       +- scsi_host6",
    "  |           |",
    "  |           +- scsi_host9",
    "  |             ",
    "  +- pci_0000_00_03_0",
    "  |   |",
    "  |   +- pci_0000_04_00_0",
    "  |   |   |",
    "  |   |   +- scsi_host3",
    "  |   |       |",
    "  |   |       +- scsi_host7",
    "  |   |       +- scsi_host8",
    "  |   |         ",
    "  |   +- pci_0000_04_00_1",
    "  |       |",
    "  |       +- scsi_host4",
    "  |         ",
    "  +- pci_0000_00_1f_2",
    "      |",
    "      +- scsi_host5",
    "        ",
))  # fmt: skip


def test_tree_is_drawn_as_virsh_draws_it(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--root", MIXED, "list", "--tree")
    assert code == 0 and out == MIXED_TREE


def test_list_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--root", MIXED, "list", "--json", "--cap", "vports")
    data = json.loads(out)
    assert code == 0 and [d["name"] for d in data] == ["scsi_host3", "scsi_host4", "scsi_host6"]


def test_dumpxml_profiles(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--root", MIXED, "dumpxml", "scsi_host3")
    assert code == 0 and "<capability type=\"vports\"" in out
    code, out, _ = run(capsys, "--root", MIXED, "dumpxml", "scsi_host3", "--profile", "libvirt")
    assert code == 0 and "vports\"" not in out and "<vport_ops" not in out
    code, out, _ = run(capsys, "--root", MIXED, "dumpxml", "--all")
    assert code == 0 and out.count("<device>") == len(out.split("</device>")) - 1 > 5


def test_unknown_device_is_a_negative_answer(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "--root", MIXED, "dumpxml", "scsi_host99")
    assert code == 1 and out == ""
    assert err == "nodedev-xml: error: no node device named 'scsi_host99'\n"


LUNS = str(FIXTURES / "luns")


@pytest.mark.parametrize(
    ("typed", "meant"),
    [("0000:04:00.0", "pci_0000_04_00_0"), ("04:00.0", "pci_0000_04_00_0"),
     ("target4:0:1", "scsi_target4_0_1"), ("4:0:1:0", "scsi_4_0_1_0"),
     ("[4:0:1:0]", "scsi_4_0_1_0")],
)  # fmt: skip
def test_sysfs_names_are_answered_with_the_node_device_name(
    typed: str, meant: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """What lspci, lsscsi and /sys call a device is not a node-device name: the error
    says which name is meant."""
    code, out, err = run(capsys, "--root", LUNS, "dumpxml", typed)
    assert code == 2 and out == ""
    assert err == (f"nodedev-xml: error: {typed!r} is not a node-device name (letters, digits"
                   f" and _ only); did you mean {meant}? (see 'nodedev-xml --help')\n")  # fmt: skip
    assert run(capsys, "--root", LUNS, "dumpxml", meant)[0] == 0


def test_a_host_by_its_sysfs_name(capsys: pytest.CaptureFixture[str]) -> None:
    """``host4`` is a name libvirt could have; not found, it is answered with
    ``scsi_host4`` when that exists, and without a guess when it does not."""
    code, _, err = run(capsys, "--root", LUNS, "dumpxml", "host4")
    assert code == 1
    assert err == "nodedev-xml: error: no node device named 'host4' (did you mean scsi_host4?)\n"
    _, _, err = run(capsys, "--root", LUNS, "dumpxml", "host9")
    assert err == "nodedev-xml: error: no node device named 'host9'\n"


def test_cap_scsi_on_a_root_without_luns(capsys: pytest.CaptureFixture[str]) -> None:
    """Like ``virsh nodedev-list --cap scsi``: nothing, and success."""
    assert run(capsys, "--root", str(FIXTURES / "sriov"), "list", "--cap", "scsi") == (0, "", "")


@pytest.mark.parametrize(
    "args",
    [
        ("--root", "/nonexistent-root", "list"),
        ("list", "--cap", "bogus"),
        ("dumpxml",),
        ("frobnicate",),
        ("--root", MIXED, "dumpxml", "--all", "scsi_host3"),
    ],
)
def test_usage_and_environment_errors(
    capsys: pytest.CaptureFixture[str], args: tuple[str, ...]
) -> None:
    code, _, err = run(capsys, *args)
    assert code == 2
    assert err.startswith("nodedev-xml: error: ") and err.count("\n") == 1


def test_validate_reports_file_and_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    good = tmp_path / "good.xml"
    run(capsys, "--root", MIXED, "dumpxml", "scsi_host3")
    main(["--root", MIXED, "dumpxml", "scsi_host3"])
    good.write_text(capsys.readouterr().out)
    bad = tmp_path / "bad.xml"
    bad.write_text(good.read_text().replace("<wwnn>", "<wwnn>0", 1))
    code, out, _ = run(capsys, "validate", str(good))
    assert code == 0 and out == ""
    code, out, _ = run(capsys, "validate", str(good), str(bad))
    assert code == 1
    line = bad.read_text().splitlines().index(
        next(x for x in bad.read_text().splitlines() if "<wwnn>0" in x)
    ) + 1
    assert out.startswith(f"{bad}:{line}: ")
    code, out, _ = run(capsys, "validate", str(tmp_path / "*.xml"))
    assert code == 1 and str(bad) in out and str(good) not in out


def test_validate_missing_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(capsys, "validate", str(tmp_path / "nope.xml"))
    assert code == 2 and "nope.xml" in err and err.count("\n") == 1


def test_module_entry_point_and_version() -> None:
    done = subprocess.run([sys.executable, "-m", "nodedev_xml", "--version"],
                          capture_output=True, text=True, check=False)  # fmt: skip
    assert done.returncode == 0 and done.stdout.startswith("nodedev-xml ")


def test_version_loads_nothing_heavy() -> None:
    """--version answers from the command's light modules: no lxml, xmlschema, sysfs or XML."""
    code = ("import json, sys; from nodedev_xml.cli import main; main(['--version']); "
            "print(json.dumps(sorted(sys.modules)))")  # fmt: skip
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = json.loads(done.stdout.splitlines()[-1])
    heavy = [m for m in loaded if m.split(".")[0] in ("lxml", "xmlschema", "pyudev")
             or m.startswith(("nodedev_xml.sysfs", "nodedev_xml.xml", "nodedev_xml.schemas"))]
    assert heavy == []


def test_garbage_xml_never_shows_a_traceback(tmp_path: Path) -> None:
    junk = tmp_path / "junk.xml"
    junk.write_bytes(b"\x00\xff<device><name>")
    done = subprocess.run([sys.executable, "-m", "nodedev_xml", "validate", str(junk)],
                          capture_output=True, text=True, check=False)  # fmt: skip
    assert done.returncode == 1
    assert "Traceback" not in done.stderr + done.stdout
    assert done.stdout.startswith(str(junk)) and done.stdout.count("\n") == 1


@pytest.fixture
def renumbered(tmp_path: Path) -> str:
    """Hosts from 1000, a physical port (1003) numbered after the vHBAs (1001, 1002)."""
    build(tmp_path / "root", extra_vport=True)
    return str(tmp_path / "root")


def test_list_is_in_virsh_name_order(capsys: pytest.CaptureFixture[str], renumbered: str) -> None:
    hosts = ["scsi_host1000", "scsi_host1001", "scsi_host1002", "scsi_host1003"]
    _, out, _ = run(capsys, "--root", renumbered, "list", "--cap", "fc_host")
    assert out.split() == hosts  # not the physical ports first (1000, 1003, 1001, 1002)
    _, out, _ = run(capsys, "--root", renumbered, "list")
    names = out.split()
    assert names == sorted(names, key=str.lower) and names[-4:] == hosts
    _, out, _ = run(capsys, "--root", renumbered, "list", "--json")
    assert [d["name"] for d in json.loads(out)] == names
    _, out, _ = run(capsys, "--root", MIXED, "list")
    assert out.split() == sorted(out.split(), key=str.lower)


def _walk(node: dict[str, object], depth: int = 0) -> list[tuple[int, str]]:
    assert sorted(node) == ["capabilities", "children", "name"]
    children = node["children"]
    assert isinstance(children, list)
    return [(depth, str(node["name"]))] + [x for c in children for x in _walk(c, depth + 1)]


def test_tree_as_nested_json(capsys: pytest.CaptureFixture[str], renumbered: str) -> None:
    for cap in ((), ("--cap", "fc_host")):
        code, out, _ = run(capsys, "--root", renumbered, "list", "--tree", "--json", *cap)
        tree = json.loads(out)
        assert code == 0 and tree["name"] == "computer"
        _, text, _ = run(capsys, "--root", renumbered, "list", "--tree", *cap)
        drawn = [(line.index("+-") // 4 + 1, line.split("+- ")[1])
                 for line in text.splitlines() if "+- " in line]  # fmt: skip
        assert _walk(tree)[1:] == drawn  # the same tree as the drawing, in the same order
    nodes = {n["name"]: n for n in _flatten(tree)}
    assert [c["name"] for c in nodes["scsi_host1000"]["children"]] == [
        "scsi_host1001", "scsi_host1002"]  # fmt: skip
    assert nodes["scsi_host1000"]["capabilities"] == ["fc_host", "scsi_host", "vports"]
    assert [c["name"] for c in nodes["pci_0002_11_01_0"]["children"]] == ["pci_0002_12_00_0"]


def _flatten(node: dict[str, Any]) -> list[dict[str, Any]]:
    return [node] + [x for c in node["children"] for x in _flatten(c)]


def test_global_options_after_the_command(
    capsys: pytest.CaptureFixture[str], renumbered: str
) -> None:
    _, before, _ = run(capsys, "--root", renumbered, "list", "--cap", "fc_host")
    code, after, _ = run(capsys, "list", "--cap", "fc_host", "--root", renumbered)
    assert code == 0 and after == before and before
    code, out, _ = run(capsys, "dumpxml", "scsi_host1001", "--root", renumbered, "-q")
    assert code == 0 and "<name>scsi_host1001</name>" in out
    code, _, err = run(capsys, "list", "--root", renumbered, "--backend", "udev")
    assert code == 2 and "udev" in err
    code, after, _ = run(capsys, "--root", MIXED, "list", "--cap", "fc_host", "--root", renumbered)
    assert after == before  # the last one given wins, as for any option


def test_global_options_after_a_sub_command(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    state = tmp_path / "state"
    code, _, err = run(capsys, "vhba", "list-defined", "--root", MIXED, "--state-dir", str(state))
    assert code == 0, err
    root = tmp_path / "root"  # a refused create still takes the lock beside the root's files
    shutil.copytree(MIXED, root, symlinks=True)
    code, _, err = run(capsys, "vhba", "create", "--parent", "nope", "--root", str(root), "-q")
    assert code != 0 and "unrecognized" not in err


@pytest.mark.parametrize("args", [("--root", "", "list"), ("list", "--root", ""),
                                  ("--root=", "dumpxml", "--all")])  # fmt: skip
def test_empty_root_is_refused(capsys: pytest.CaptureFixture[str], args: tuple[str, ...]) -> None:
    code, out, err = run(capsys, *args)
    assert code == 2 and out == ""
    assert err.startswith("nodedev-xml: error: --root is empty") and err.count("\n") == 1


def test_a_root_with_nothing_says_so(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "sys" / "class").mkdir(parents=True)
    computer_json = json.dumps([{"name": "computer", "parent": None, "capabilities": ["system"]}],
                               indent=2) + "\n"  # fmt: skip
    for args, printed in ((("list",), "computer\n"), (("list", "--cap", "fc_host"), ""),
                          (("list", "--tree"), "computer\n\n"),
                          (("list", "--json"), computer_json)):  # fmt: skip
        code, out, err = run(capsys, "--root", str(tmp_path), *args)
        assert code == 0 and out == printed, args
        assert err == f"nodedev-xml: warning: nothing found under {tmp_path}: no SCSI host, " \
            "FC host or PCI function in sys/\n", args
    code, out, err = run(capsys, "--root", MIXED, "list", "--cap", "vports", "--cap", "pci")
    assert code == 0 and out and err == ""
    _, out, err = run(capsys, "--root", str(tmp_path), "-q", "list")
    assert out == "computer\n" and err == ""
