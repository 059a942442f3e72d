"""No one else decides what root runs: a state directory another user can change is
refused, ``vhba/`` and its files are never reached through a link, the
directories are private whatever the umask, and a user who may not read them is
told so (not "no such definition").  The attacks run as root, the planted files
belong to ``nobody``; the messages a non-root user gets run as ``nobody``
(``setpriv``)."""

from __future__ import annotations

import os
import pwd
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from vhba_trees import build_san

from nodedev_xml.errors import DefinitionError, Refusal
from nodedev_xml.model import Parent
from nodedev_xml.model.definition import DefinitionDraft
from nodedev_xml.testing.emulator import BackgroundEmulator
from nodedev_xml.vhba.store import DefinitionStore
from nodedev_xml.wwn import WWN

REPO = Path(__file__).resolve().parent.parent
ENV = {**os.environ, "PYTHONPATH": str(REPO)}
ENV.pop("NODEDEV_XML_STATE_DIR", None)
ROOT_ONLY = pytest.mark.skipif(os.geteuid() != 0, reason="needs root: files owned by nobody")
NOBODY = 65534
SETPRIV = shutil.which("setpriv")
PLANTED = (
    "<vhba name='evil' autostart='yes'><parent>scsi_host8</parent>"
    "<wwnn>5001a4a0000000f1</wwnn><wwpn>5001a4a0000000f2</wwpn></vhba>\n"
)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    build_san(tmp_path / "host")
    return tmp_path / "host"


@pytest.fixture
def shared() -> Iterator[Path]:
    """A directory every user can reach (``tmp_path``'s parents are root's only)."""
    where = Path(tempfile.mkdtemp(prefix="nodedev-xml-state-"))
    where.chmod(0o755)
    yield where
    shutil.rmtree(where, ignore_errors=True)


def run(root: Path, state: Path, *args: str, user: int | None = None,
        umask: int | None = None) -> subprocess.CompletedProcess[str]:  # fmt: skip
    argv = [sys.executable, "-m", "nodedev_xml", "--root", str(root), "--state-dir", str(state),
            "vhba", *args]  # fmt: skip
    if user is not None:
        assert SETPRIV is not None
        argv = [SETPRIV, f"--reuid={user}", f"--regid={user}", "--clear-groups", *argv]
    before = (lambda: os.umask(umask)) if umask is not None else None
    return subprocess.run(argv, capture_output=True, text=True, env=ENV, timeout=60,
                          preexec_fn=before)  # fmt: skip


def _plant(state: Path) -> None:
    (state / "vhba").mkdir(parents=True, mode=0o700)
    (state / "vhba" / "evil.xml").write_text(PLANTED)
    os.chown(state / "vhba" / "evil.xml", NOBODY, NOBODY)


@ROOT_ONLY
@pytest.mark.parametrize("how", ["world-writable", "owned by nobody", "parent writable"])
def test_autostart_refuses_a_state_directory_another_user_can_change(
    root: Path, tmp_path: Path, how: str
) -> None:
    state = tmp_path / "up" / "state"
    _plant(state)
    if how == "world-writable":
        state.chmod(0o777)
    elif how == "owned by nobody":
        os.chown(state, NOBODY, NOBODY)
    else:
        (tmp_path / "up").chmod(0o777)  # no sticky bit: anyone may swap state/
    with BackgroundEmulator(root) as emu:
        done = run(root, state, "start", "--autostart")
        assert emu.writes() == []
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1 and "refused" in done.stderr
    expected = {"world-writable": f"{state}: writable by other users (mode 0777)",
                "owned by nobody": f"{state}: owned by uid 65534",
                "parent writable": f"{tmp_path / 'up'}: writable by other users"}[how]  # fmt: skip
    assert expected in done.stderr


@ROOT_ONLY
def test_a_file_another_user_planted_is_not_started(root: Path, tmp_path: Path) -> None:
    """Even in a directory of ours (0700 now, looser when it was planted)."""
    state = tmp_path / "state"
    _plant(state)
    with BackgroundEmulator(root) as emu:
        done = run(root, state, "start", "--autostart")
        assert emu.writes() == []
    assert done.returncode == 1
    assert "evil: not started" in done.stderr and "owned by uid 65534" in done.stderr


def test_a_sticky_world_writable_directory_above_is_fine(root: Path, tmp_path: Path) -> None:
    (tmp_path / "tmp").mkdir()
    (tmp_path / "tmp").chmod(0o1777)  # as /tmp: others cannot swap what is ours there
    done = run(root, tmp_path / "tmp" / "state", "define", "-", "--name", "a")
    assert "writable by other users" not in done.stderr


def test_a_vhba_directory_swapped_for_a_link_is_never_followed(root: Path, tmp_path: Path) -> None:
    state = tmp_path / "state"
    store = DefinitionStore(str(state))
    store.define(DefinitionDraft("web1", Parent(name="scsi_host8")))
    outside = tmp_path / "outside"
    outside.mkdir(mode=0o755)
    outside.chmod(0o755)
    (outside / "web1.xml").write_text("someone else's file\n")
    shutil.rmtree(state / "vhba")
    os.symlink(outside, state / "vhba")
    with pytest.raises(DefinitionError, match="a symbolic link"):
        store.define(DefinitionDraft("web2", Parent(name="scsi_host8")))
    with pytest.raises(DefinitionError, match="a symbolic link"):
        store.undefine("web1")
    with pytest.raises(DefinitionError, match="a symbolic link"):
        store.load()
    assert stat.S_IMODE(outside.stat().st_mode) == 0o755  # never chmod-ed through the link
    assert sorted(p.name for p in outside.iterdir()) == ["web1.xml"]
    assert (outside / "web1.xml").read_text() == "someone else's file\n"


def test_directories_are_private_whatever_the_umask(root: Path, tmp_path: Path) -> None:
    state = tmp_path / "x" / "a" / "b"
    doc = tmp_path / "d.xml"
    doc.write_text("<vhba name='w1'><parent>scsi_host8</parent></vhba>\n")
    done = run(root, state, "define", str(doc), umask=0)
    assert done.returncode == 0, done.stderr
    modes = {p: stat.S_IMODE(p.stat().st_mode)
             for p in (tmp_path / "x", tmp_path / "x" / "a", state, state / "vhba",
                       state / "vhba" / "w1.xml", state / "definitions.lock")}  # fmt: skip
    assert modes == {tmp_path / "x": 0o755, tmp_path / "x" / "a": 0o755, state: 0o700,
                     state / "vhba": 0o700, state / "vhba" / "w1.xml": 0o600,
                     state / "definitions.lock": 0o600}  # fmt: skip


@ROOT_ONLY
@pytest.mark.skipif(SETPRIV is None, reason="needs setpriv (util-linux)")
def test_a_user_who_may_not_read_the_state_directory_is_told_so(shared: Path) -> None:
    root = shared / "host"
    build_san(root)
    state = shared / "state"
    DefinitionStore(str(state)).define(DefinitionDraft("w1", Parent(name="scsi_host8")))
    user = pwd.getpwuid(NOBODY).pw_name
    for args in (["start", "w1"], ["stop", "w1"], ["export-pool", "w1"]):
        done = run(root, state, *args, user=NOBODY)
        assert done.returncode == 2, (args, done.stderr)
        assert "no vHBA definition named" not in done.stderr
        assert f"Permission denied ({state} is owned by uid 0 (root), mode 0700" in done.stderr
    doc = shared / "d.xml"
    doc.write_text("<vhba name='w2'><parent>scsi_host8</parent></vhba>\n")
    doc.chmod(0o644)
    done = run(root, state, "define", str(doc), user=NOBODY)
    assert done.returncode == 2
    assert "cannot create" not in done.stderr and "owned by uid 0 (root)" in done.stderr
    # a directory of their own works for them
    own = shared / user
    own.mkdir()
    os.chown(own, NOBODY, NOBODY)
    mine = run(root, own / "state", "define", str(doc), user=NOBODY)
    assert mine.returncode == 0, mine.stderr
    assert (own / "state" / "vhba" / "w2.xml").stat().st_uid == NOBODY


def test_undefine_of_a_missing_definition_creates_nothing(root: Path, tmp_path: Path) -> None:
    state = tmp_path / "never"
    done = run(root, state, "undefine", "w1")
    assert done.returncode == 1 and "no vHBA definition named 'w1'" in done.stderr
    assert not state.exists()
    listed = run(root, state, "list-defined")
    assert listed.returncode == 0
    assert listed.stderr == (f"nodedev-xml: warning: {state}: no such directory: no vHBA"
                             " definitions (check --state-dir)\n")  # fmt: skip


def test_the_store_checks_generated_names_too(tmp_path: Path) -> None:
    """define refuses the WWNs of a vHBA running on the host unless adopted."""
    store = DefinitionStore(str(tmp_path / "s"))
    wwnn, wwpn = WWN(0x5001A4A0000000A1), WWN(0x5001A4A0000000A2)
    running = {wwnn: "the WWNN of scsi_host10", wwpn: "the WWPN of scsi_host10"}
    draft = DefinitionDraft("w1", Parent(name="scsi_host8"), wwnn, wwpn)
    with pytest.raises(DefinitionError, match="give --adopt") as e:
        store.define(draft, in_use=running)
    assert e.value.reason == Refusal.WWN_IN_USE
    saved, _ = store.define(draft, in_use=running, adopt=True)
    assert saved.wwpn == wwpn
    again, previous = store.define(draft, in_use=running)  # its own now: no --adopt needed
    assert previous is not None and again == saved
