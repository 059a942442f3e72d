"""Persistent vHBA definitions: the document, its grammars, the state directory store."""

from __future__ import annotations

import errno
import os
import random
import stat
from collections.abc import Callable, Collection
from pathlib import Path

import pytest
from lxml import etree

from nodedev_xml.errors import DefinitionError, XMLInputError
from nodedev_xml.model import Parent
from nodedev_xml.model.definition import Definition, DefinitionDraft, check_name
from nodedev_xml.sysfs.scan import scan
from nodedev_xml.testing import SysfsBuilder
from nodedev_xml.validation import schema_path
from nodedev_xml.vhba.state import definition_state
from nodedev_xml.vhba.store import SAVE_STEPS, DefinitionFiles, DefinitionStore
from nodedev_xml.vocabulary import DOCUMENT_KINDS, PROFILES, schema_file
from nodedev_xml.wwn import WWN
from nodedev_xml.xml.definition import definition_xml, parse_definition

HBA_WWNN = WWN(0x2000001B32A9DA4E)
HBA_WWPN = WWN(0x2100001B32A9DA4E)
FABRIC = WWN(0x2001000DEC9877C1)


def _gen(start: int = 1) -> Callable[[Collection[WWN]], tuple[WWN, WWN]]:
    """A deterministic stand-in for the lifecycle's generator: NAA-5 pairs in order,
    skipping what is taken (so what is tested is what the store asks it to avoid)."""
    state = {"n": start}

    def generate(taken: Collection[WWN]) -> tuple[WWN, WWN]:
        while True:
            pair = _pair(state["n"])
            state["n"] += 1
            if not set(pair) & set(taken):
                return pair

    return generate


def _pair(n: int) -> tuple[WWN, WWN]:
    base = (0x5 << 60) | (0x001A4A << 36) | (n << 1)
    return WWN(base), WWN(base | 1)


@pytest.fixture
def store(tmp_path: Path) -> DefinitionStore:
    return DefinitionStore(str(tmp_path / "state"))


# -- names ---------------------------------------------------------------------


@pytest.mark.parametrize("name", ["web1", "a", "A.b-c_d", "0", "x" * 64])
def test_safe_names_pass(name: str) -> None:
    assert check_name(name) == name


@pytest.mark.parametrize(
    "name", ["", ".", "..", ".hidden", "../etc", "a/b", "a b", "x" * 65, "-a", "_a", "é", "a\n"]
)
def test_names_that_could_leave_the_directory_are_refused(
    name: str, store: DefinitionStore
) -> None:
    with pytest.raises(DefinitionError, match="invalid definition name"):
        check_name(name)
    with pytest.raises(DefinitionError, match="invalid definition name"):
        store.path_of(name)


# -- the document and its grammars -----------------------------------------------


def test_the_kind_is_in_the_vocabulary() -> None:
    assert "definition" in DOCUMENT_KINDS
    for profile in PROFILES:
        for language in ("rng", "xsd"):
            assert schema_path(schema_file(profile, language, "definition")).is_file()


@pytest.mark.parametrize(
    "parent",
    [
        None,
        Parent(name="scsi_host5"),
        Parent(wwnn=HBA_WWNN, wwpn=HBA_WWPN),
        Parent(fabric_wwn=FABRIC),
    ],
    ids=["none", "name", "wwns", "fabric"],
)
@pytest.mark.parametrize("autostart", [True, False])
def test_a_definition_round_trips_and_validates(parent: Parent | None, autostart: bool) -> None:
    wwnn, wwpn = _pair(7)
    d = Definition("web1", wwnn, wwpn, parent, autostart)
    text = definition_xml(d)
    draft = parse_definition(text)
    assert draft == DefinitionDraft("web1", parent, wwnn, wwpn, autostart)
    _assert_both_grammars(text, True)


def test_the_definition_grammar_is_the_registrys() -> None:
    """The document is checked with the registry's compiled grammar (and its lock),
    never a copy of its own: a grammar compiled twice could drift or race."""
    from nodedev_xml import schemas
    from nodedev_xml.xml import definition

    grammar, _lock = schemas.relaxng_with_lock("enriched", "definition")
    assert definition.relaxng_with_lock is schemas.relaxng_with_lock
    with pytest.raises(DefinitionError, match=r"grammar vhba-definition\.rng"):
        parse_definition("<vhba name='a'><bogus/></vhba>")
    assert grammar.error_log  # the registry's copy did the refusing


def _assert_both_grammars(text: str, valid: bool) -> None:
    import xmlschema

    root = etree.fromstring(text)
    rng = etree.RelaxNG(file=str(schema_path("vhba-definition.rng")))
    xsd = xmlschema.XMLSchema11(str(schema_path("vhba-definition.xsd")))
    assert rng.validate(root) is valid, text
    assert xsd.is_valid(root) is valid, text


W1, W2 = "5001a4a000000002", "5001a4a000000003"
VALID = [
    "<vhba name='a'/>",
    f"<vhba name='a' autostart=' yes '><wwnn>0x{W1}</wwnn><wwpn>{W2.upper()}</wwpn></vhba>",
    f"<vhba name='a'><parent wwnn='{W1}' wwpn='{W2}'>\n</parent></vhba>",
    f"<vhba name='a'><parent fabric_wwn='{W1}'/><wwnn>{W1}</wwnn><wwpn>{W2}</wwpn></vhba>",
    "<vhba name='a'><parent>scsi_host5</parent></vhba>",
    f"<vhba name='{'a' * 64}' autostart='no'/>",
]
INVALID = [
    "<vhba/>",
    "<vhba name='../x'/>",
    f"<vhba name='{'a' * 65}'/>",
    "<vhba name='a' autostart='true'/>",
    "<vhba name='a' other='1'/>",
    f"<vhba name='a'><wwnn>{W1}</wwnn></vhba>",
    f"<vhba name='a'><wwpn>{W2}</wwpn><wwnn>{W1}</wwnn></vhba>",
    f"<vhba name='a'><wwnn> {W1}</wwnn><wwpn>{W2}</wwpn></vhba>",
    f"<vhba name='a'><wwnn>{W1[:-1]}</wwnn><wwpn>{W2}</wwpn></vhba>",
    f"<vhba name='a'><parent wwnn='{W1}'/></vhba>",
    f"<vhba name='a'><parent wwnn='{W1}' wwpn='{W2}' fabric_wwn='{W1}'/></vhba>",
    f"<vhba name='a'><parent fabric_wwn='{W1}'>scsi_host5</parent></vhba>",
    "<vhba name='a'><parent/></vhba>",
    "<vhba name='a'><parent>scsi host5</parent></vhba>",
    "<vhba name='a'><parent>scsi_host5</parent><parent>scsi_host6</parent></vhba>",
    "<vhba name='a'><description>x</description></vhba>",
    "<device><name>a</name></device>",
]


@pytest.mark.parametrize("text", VALID)
def test_grammars_accept(text: str) -> None:
    _assert_both_grammars(text, True)
    parse_definition(text)


@pytest.mark.parametrize("text", INVALID)
def test_grammars_refuse_with_file_and_line(text: str) -> None:
    _assert_both_grammars(text, False)
    with pytest.raises(DefinitionError) as err:
        parse_definition("\n" + text, source="web1.xml")
    message = str(err.value)
    assert message.startswith("web1.xml:2: not a vHBA definition:"), message
    assert "\n" not in message


def test_hostile_xml_goes_through_the_hardened_parser() -> None:
    with pytest.raises(XMLInputError, match="DOCTYPE not allowed"):
        parse_definition('<!DOCTYPE v [<!ENTITY x "y">]><vhba name="a"/>', source="f.xml")


# -- the store -----------------------------------------------------------------


def test_define_generates_wwns_once_and_saves_0600_in_0700(store: DefinitionStore) -> None:
    saved, previous = store.define(
        DefinitionDraft("web1", Parent(wwnn=HBA_WWNN, wwpn=HBA_WWPN)), generate=_gen()
    )
    assert previous is None
    assert (saved.wwnn, saved.wwpn) == _pair(1)
    path = Path(store.path_of("web1"))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(Path(store.directory).stat().st_mode) == 0o700
    assert parse_definition(path.read_bytes()) == DefinitionDraft(
        "web1", saved.parent, saved.wwnn, saved.wwpn, False
    )
    # redefining without WWNs keeps the generated ones: they are zoned on the SAN
    again, previous = store.define(
        DefinitionDraft("web1", Parent(name="scsi_host5"), autostart=True), generate=_gen(100)
    )
    assert previous == saved
    assert (again.wwnn, again.wwpn) == (saved.wwnn, saved.wwpn)
    assert again.autostart and again.parent == Parent(name="scsi_host5")
    assert store.get("web1") == again
    assert store.load().definitions == {"web1": again}


def test_generated_wwns_avoid_other_definitions_and_the_host(store: DefinitionStore) -> None:
    first, _ = store.define(DefinitionDraft("a"), generate=_gen())
    second, _ = store.define(DefinitionDraft("b"), avoid=_pair(2), generate=_gen())
    assert {first.wwnn, first.wwpn}.isdisjoint({second.wwnn, second.wwpn})
    assert (second.wwnn, second.wwpn) == _pair(3)


def test_the_lifecycle_generator_is_the_default(store: DefinitionStore) -> None:
    from nodedev_xml import vhba as gen
    if not hasattr(gen, "generate_wwns"):
        pytest.skip("nodedev_xml.vhba.generate_wwns is not there yet (lifecycle-core)")
    saved, _ = store.define(DefinitionDraft("web1"))
    assert saved.wwnn.naa == 5 and saved.wwpn.naa == 5
    assert saved.wwnn.oui == 0x001A4A and saved.wwnn != saved.wwpn


def test_wwns_of_another_definition_or_a_port_are_refused(store: DefinitionStore) -> None:
    a, _ = store.define(DefinitionDraft("a"), generate=_gen())
    for wwnn, wwpn in [(a.wwnn, WWN(1)), (WWN(1), a.wwnn), (WWN(2), a.wwpn)]:
        with pytest.raises(DefinitionError, match="already taken by definition 'a'"):
            store.define(DefinitionDraft("b", wwnn=wwnn, wwpn=wwpn))
    with pytest.raises(DefinitionError, match="is a port of this host"):
        store.define(DefinitionDraft("b", wwnn=HBA_WWNN, wwpn=WWN(3)), reserved=[HBA_WWNN])
    with pytest.raises(DefinitionError, match="both 0000000000000004"):
        store.define(DefinitionDraft("b", wwnn=WWN(4), wwpn=WWN(4)))
    # redefining "a" with its own WWNs is not a clash
    store.define(DefinitionDraft("a", wwnn=a.wwnn, wwpn=a.wwpn, autostart=True))
    assert set(store.load().definitions) == {"a"}


def test_half_a_pair_is_refused() -> None:
    with pytest.raises(DefinitionError, match="together, or neither"):
        DefinitionDraft("a", wwnn=WWN(1))


def test_set_autostart_and_undefine(store: DefinitionStore) -> None:
    store.define(DefinitionDraft("a"), generate=_gen())
    assert store.set_autostart("a", True).autostart
    assert store.get("a").autostart
    assert not store.set_autostart("a", False).autostart
    removed = store.undefine("a")
    assert removed.name == "a"
    assert not os.path.lexists(store.path_of("a"))
    with pytest.raises(DefinitionError, match="no vHBA definition named 'a'"):
        store.undefine("a")
    with pytest.raises(DefinitionError, match="no vHBA definition named 'a'"):
        store.get("a")
    with pytest.raises(DefinitionError, match="no vHBA definition named 'zz'"):
        store.set_autostart("zz", True)


def test_reading_needs_no_directory(tmp_path: Path) -> None:
    store = DefinitionStore(str(tmp_path / "absent"))
    loaded = store.load()
    assert loaded.definitions == {} and loaded.problems == ()
    assert not (tmp_path / "absent").exists()


def test_state_dir_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NODEDEV_XML_STATE_DIR", str(tmp_path / "env"))
    assert DefinitionStore().directory == str(tmp_path / "env" / "vhba")
    monkeypatch.delenv("NODEDEV_XML_STATE_DIR")
    assert DefinitionStore().directory == "/var/lib/nodedev-xml/vhba"


def test_a_loose_directory_is_tightened(store: DefinitionStore) -> None:
    os.makedirs(store.directory, mode=0o755)
    os.chmod(store.directory, 0o755)
    store.define(DefinitionDraft("a"), generate=_gen())
    assert stat.S_IMODE(os.stat(store.directory).st_mode) == 0o700


# -- corrupt and foreign files ---------------------------------------------------


def _populate_with_junk(store: DefinitionStore) -> dict[str, bytes]:
    store.define(DefinitionDraft("good"), generate=_gen())
    d = Path(store.directory)
    junk = {
        "broken.xml": b"<vhba name='broken'>\n  <wwnn>oops</wwnn>\n</vhba>\n",
        "truncated.xml": b"<vhba name='truncated'>\n<wwnn>5001a4a0",
        "other.xml": b"<vhba name='someone-else'/>\n",
        "nowwns.xml": b"<vhba name='nowwns'/>\n",
        "README": b"not ours\n",
        "notes.txt": b"mine\n",
        ".good.xml.tmp-0badc0de": b"<vhba name='good'>",
    }
    for name, data in junk.items():
        (d / name).write_bytes(data)
    (d / "link.xml").symlink_to(d / "good.xml")
    return junk


def test_corrupt_and_foreign_files_are_reported_and_kept(store: DefinitionStore) -> None:
    junk = _populate_with_junk(store)
    loaded = store.load()
    assert set(loaded.definitions) == {"good"}
    d = store.directory
    by_file = {p.split(":")[0]: p for p in loaded.problems}
    assert set(by_file) == {os.path.join(d, n) for n in [*junk, "link.xml"]}
    assert by_file[f"{d}/broken.xml"].startswith(f"{d}/broken.xml:2: not a vHBA definition")
    assert "not well-formed" in by_file[f"{d}/truncated.xml"]
    assert "holds definition 'someone-else', expected 'other'" in by_file[f"{d}/other.xml"]
    assert "has no <wwnn> and <wwpn>" in by_file[f"{d}/nowwns.xml"]
    assert "not a definition file" in by_file[f"{d}/README"]
    assert "interrupted save" in by_file[f"{d}/.good.xml.tmp-0badc0de"]
    assert "symbolic link" in by_file[f"{d}/link.xml"]
    assert all("\n" not in p for p in loaded.problems)

    # nothing touches them: not a define, an undefine, an autostart change of them
    for action in (
        lambda: store.define(DefinitionDraft("broken"), generate=_gen(50)),
        lambda: store.undefine("broken"),
        lambda: store.set_autostart("truncated", True),
        lambda: store.undefine("link"),
    ):
        with pytest.raises(DefinitionError, match="left as it is"):
            action()
    store.define(DefinitionDraft("new"), generate=_gen(60))
    store.undefine("good")
    for name, data in junk.items():
        assert (Path(d) / name).read_bytes() == data, name
    assert os.readlink(Path(d) / "link.xml") == f"{d}/good.xml"
    with pytest.raises(DefinitionError, match=r"broken\.xml:2: not a vHBA definition"):
        store.get("broken")


# -- failed saves ------------------------------------------------------------------


class Crash(BaseException):
    """Stands for the process dying at that point: nothing after it runs."""


class FailingFiles(DefinitionFiles):
    """Real file operations, except that step ``fail_at`` raises: ``OSError(ENOSPC)``,
    or :class:`Crash`, after which every operation raises (a dead process cleans nothing)."""

    def __init__(self, fail_at: str, *, crash: bool = False) -> None:
        self.fail_at = fail_at
        self.crash = crash
        self.dead = False
        self.calls: list[str] = []

    def _step(self, name: str) -> None:
        self.calls.append(name)
        if self.dead:
            raise Crash(name)
        if name == self.fail_at:
            if self.crash:
                self.dead = True
                raise Crash(name)
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    def open_temp(self, dir_fd: int, target: str) -> tuple[int, str]:
        self._step("open_temp")
        return super().open_temp(dir_fd, target)

    def write(self, fd: int, data: bytes) -> None:
        if self.fail_at == "write" and not self.dead:
            # a disk that fills up half-way: part of the data reaches the file first
            super().write(fd, data[: len(data) // 2])
        self._step("write")
        super().write(fd, data)

    def fsync(self, fd: int) -> None:
        self._step("fsync")
        super().fsync(fd)

    def close(self, fd: int) -> None:
        try:
            self._step("close")
        finally:
            os.close(fd)  # gone either way: close(2) frees it even when it fails

    def rename(self, dir_fd: int, source: str, target: str) -> None:
        self._step("rename")
        super().rename(dir_fd, source, target)

    def fsync_dir(self, dir_fd: int) -> None:
        self._step("fsync_dir")
        super().fsync_dir(dir_fd)

    def unlink(self, dir_fd: int, name: str) -> None:
        self._step("unlink")
        super().unlink(dir_fd, name)


def _old_and_new(tmp_path: Path) -> tuple[str, bytes, DefinitionDraft]:
    state = str(tmp_path / "state")
    DefinitionStore(state).define(
        DefinitionDraft("web1", Parent(name="scsi_host5")), generate=_gen()
    )
    old = Path(DefinitionStore(state).path_of("web1")).read_bytes()
    new = DefinitionDraft("web1", Parent(wwnn=HBA_WWNN, wwpn=HBA_WWPN), autostart=True)
    return state, old, new


@pytest.mark.parametrize("step", SAVE_STEPS)
def test_a_save_failing_at_any_step_leaves_the_old_definition(tmp_path: Path, step: str) -> None:
    state, old, new = _old_and_new(tmp_path)
    files = FailingFiles(step)
    store = DefinitionStore(state, files=files)
    with pytest.raises(DefinitionError) as err:
        store.define(new)
    message = str(err.value)
    assert "No space left on device" in message and "\n" not in message
    assert step in files.calls
    path = Path(store.path_of("web1"))
    if step == "fsync_dir":
        # renamed already: the new one is in place, and the message says a crash could undo it
        assert "a crash now could undo it" in message
        assert store.get("web1").autostart
    else:
        assert "the previous definition, if any, is unchanged" in message
        assert path.read_bytes() == old
    # no temporary file is left behind, and the directory reads clean
    assert sorted(os.listdir(store.directory)) == ["web1.xml"]
    assert DefinitionStore(state).load().problems == ()


@pytest.mark.parametrize("step", SAVE_STEPS)
def test_a_crash_at_any_step_leaves_the_old_definition(tmp_path: Path, step: str) -> None:
    state, old, new = _old_and_new(tmp_path)
    store = DefinitionStore(state, files=FailingFiles(step, crash=True))
    with pytest.raises(Crash):
        store.define(new)
    after = DefinitionStore(state)  # the next process
    loaded = after.load()
    path = Path(after.path_of("web1"))
    if step == "fsync_dir":  # renamed: the new one is complete
        assert loaded.definitions["web1"].autostart
    else:
        assert path.read_bytes() == old
    assert set(loaded.definitions) == {"web1"}
    leftovers = [n for n in os.listdir(after.directory) if n != "web1.xml"]
    assert len(leftovers) == (0 if step in ("open_temp", "fsync_dir") else 1), leftovers
    assert len(loaded.problems) == len(leftovers)
    # and the next save works, leaving the leftover alone
    after.define(new)
    assert after.get("web1").autostart
    assert [n for n in os.listdir(after.directory) if n != "web1.xml"] == leftovers


def test_a_failed_first_save_leaves_nothing(tmp_path: Path) -> None:
    store = DefinitionStore(str(tmp_path / "s"), files=FailingFiles("write"))
    with pytest.raises(DefinitionError, match="No space left"):
        store.define(DefinitionDraft("a"), generate=_gen())
    assert os.listdir(store.directory) == []


def test_a_failed_undefine_keeps_the_definition(tmp_path: Path) -> None:
    state, old, _ = _old_and_new(tmp_path)
    store = DefinitionStore(state, files=FailingFiles("unlink"))
    with pytest.raises(DefinitionError, match="cannot remove: No space left"):
        store.undefine("web1")
    assert Path(store.path_of("web1")).read_bytes() == old


# -- state on a host ---------------------------------------------------------------


def _host(root: Path) -> SysfsBuilder:
    b = SysfsBuilder(root, first_host=5)
    card = b.add_pci_function(
        "0000:04:00.0", vendor=0x1077, device=0x2532, parent="0000:00:03.0", driver="qla2xxx"
    )
    hba = b.add_fc_host(
        card,
        "qla2xxx",
        node_name=HBA_WWNN.value,
        port_name=HBA_WWPN.value,
        fabric_name=FABRIC.value,
        max_npiv_vports=8,
    )
    running = _pair(9)
    b.add_vport(hba, node_name=running[0].value, port_name=running[1].value)
    return b


def test_states_running_stopped_parent_missing(tmp_path: Path) -> None:
    _host(tmp_path / "root")
    inv = scan(str(tmp_path / "root"))
    nine, one = _pair(9), _pair(1)
    cases = {
        "running": (Definition("r", *nine, Parent(name="scsi_host5")), "running as scsi_host6"),
        "by-name": (Definition("s", *one, Parent(name="scsi_host5")), "stopped"),
        "by-wwns": (Definition("s", *one, Parent(wwnn=HBA_WWNN, wwpn=HBA_WWPN)), "stopped"),
        "by-fabric": (Definition("s", *one, Parent(fabric_wwn=FABRIC)), "stopped"),
        "any": (Definition("s", *one), "stopped"),
        "gone-name": (Definition("m", *one, Parent(name="scsi_host9")), "parent missing"),
        "vhba-is-no-parent": (Definition("m", *one, Parent(name="scsi_host6")), "parent missing"),
        "gone-wwns": (
            Definition("m", *one, Parent(wwnn=HBA_WWPN, wwpn=HBA_WWNN)),
            "parent missing",
        ),
        "gone-fabric": (Definition("m", *one, Parent(fabric_wwn=WWN(1))), "parent missing"),
    }
    for case, (definition, expected) in cases.items():
        assert definition_state(definition, inv).describe() == expected, case


def test_no_vport_capable_host_means_parent_missing(tmp_path: Path) -> None:
    b = SysfsBuilder(tmp_path, first_host=1)
    card = b.add_pci_function(
        "0000:04:00.0", vendor=0x1077, device=0x2532, parent="0000:00:03.0", driver="qla2xxx"
    )
    b.add_fc_host(
        card,
        "qla2xxx",
        node_name=1,
        port_name=2,
        fc_host={
            "vport_create": None,
            "vport_delete": None,
            "max_npiv_vports": None,
            "npiv_vports_inuse": None,
        },
    )
    inv = scan(str(tmp_path))
    assert definition_state(Definition("a", *_pair(1)), inv).state == "parent missing"


def test_random_names_never_escape(tmp_path: Path) -> None:
    rng = random.Random(8)
    alphabet = "aZ0._-/\\ \n\x00..é"
    store = DefinitionStore(str(tmp_path / "s"))
    for _ in range(500):
        name = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 6)))
        try:
            path = store.path_of(name)
        except DefinitionError:
            continue
        assert os.path.dirname(path) == store.directory
        assert os.path.basename(path) == name + ".xml" and not name.startswith(".")


# -- virsh nodedev-create documents as definitions ---------------------------------


def test_a_create_document_with_a_name_is_a_draft() -> None:
    from nodedev_xml.xml.create import vhba_create_xml
    from nodedev_xml.xml.definition import read_draft

    wwnn, wwpn = _pair(3)
    doc = vhba_create_xml(parent_wwnn=HBA_WWNN, parent_wwpn=HBA_WWPN, wwnn=wwnn, wwpn=wwpn)
    draft = read_draft(doc, source="vhba.xml", name="web1")
    assert draft == DefinitionDraft("web1", Parent(wwnn=HBA_WWNN, wwpn=HBA_WWPN), wwnn, wwpn)
    bare = read_draft(vhba_create_xml(parent="scsi_host5"), name="web2")
    assert bare == DefinitionDraft("web2", Parent(name="scsi_host5"))
    with pytest.raises(DefinitionError, match=r"^vhba\.xml:1: a create document .* --name NAME"):
        read_draft(doc, source="vhba.xml")
    with pytest.raises(DefinitionError, match="invalid definition name"):
        read_draft(doc, name="../x")
    with pytest.raises(DefinitionError, match="named 'a', not 'b'"):
        read_draft("<vhba name='a'/>", name="b")
    assert read_draft("<vhba name='a'/>", name="a") == DefinitionDraft("a")
