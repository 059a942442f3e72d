"""The names-only listing behind ``list --cap``: the same answer as the full scan,
for every capability and for the tree, reading only what decides membership."""

from __future__ import annotations

import json
import tempfile

import pytest
from conftest import FIXTURES, scenarios
from hypothesis import given
from hypothesis import strategies as st
from test_properties import CardSpec, build, card_specs

import nodedev_xml as nx
from nodedev_xml.cli import main
from nodedev_xml.cli.devices import TreeNode, draw_tree
from nodedev_xml.model import Inventory
from nodedev_xml.sysfs.access import CountingFileAccess
from nodedev_xml.sysfs.scan import list_names
from nodedev_xml.vocabulary import ALL_CAPS, COMPUTER

CAPS = sorted(ALL_CAPS)


def reference_tree(inv: Inventory, cap: str) -> str:
    """The tree ``list --tree --cap CAP`` printed from the full scan's inventory (drawn by
    the command's own :func:`draw_tree`, which ``test_libvirt_oracle`` holds to virsh's)."""
    keep = {d.name for d in inv.with_cap(cap)}
    shown: set[str] = set()
    for name in keep:
        n: str | None = name
        while n is not None and n in inv and n not in shown:
            shown.add(n)
            n = inv[n].parent_name

    def node(name: str, caps: list[str]) -> TreeNode:
        kids = sorted((c for c in inv.children(name) if c.name in shown),
                      key=lambda c: c.name.lower())  # virsh's order  # fmt: skip
        children = [node(c.name, sorted(c.cap_names() & {cap})) for c in kids]
        return {"name": name, "capabilities": caps, "children": children}

    return draw_tree(node(COMPUTER, []))


def check_same_answer(root: str, capsys: pytest.CaptureFixture[str] | None = None) -> None:
    inv = nx.scan(root)
    full = [(d.name, d.parent_name, d.cap_names()) for d in inv.values()]
    assert list_names(root)[0] == full
    for cap in CAPS:
        wanted = frozenset({cap})
        listed, _ = list_names(root, wanted)
        assert [n for n, _, _ in listed] == [d.name for d in inv.with_cap(cap)]
        assert listed == [(n, p, c & wanted) for n, p, c in full if cap in c]
        everything, _ = list_names(root, wanted, all_devices=True)
        assert everything == [(n, p, c & wanted) for n, p, c in full]
        if capsys is None:
            continue
        assert main(["-q", "--root", root, "list", "--cap", cap]) == 0
        # The command prints virsh's order: names compared ignoring case.
        printed = capsys.readouterr().out.split()
        assert printed == sorted((d.name for d in inv.with_cap(cap)), key=str.lower)
        assert main(["-q", "--root", root, "list", "--tree", "--cap", cap]) == 0
        assert capsys.readouterr().out == reference_tree(inv, cap)
        assert main(["-q", "--root", root, "list", "--json", "--cap", cap]) == 0
        assert json.loads(capsys.readouterr().out) == [
            {"name": d.name, "parent": d.parent_name, "capabilities": sorted(d.cap_names())}
            for d in sorted(inv.with_cap(cap), key=lambda d: d.name.lower())
        ]


@pytest.mark.parametrize("scenario", scenarios())
def test_names_only_listing_equals_the_full_scan(
    scenario: str, capsys: pytest.CaptureFixture[str]
) -> None:
    check_same_answer(str(FIXTURES / scenario), capsys)


@given(
    cards=st.lists(card_specs, max_size=3),
    first_host=st.integers(min_value=0, max_value=40),
    ahci=st.booleans(),
)
def test_names_only_listing_equals_the_full_scan_on_any_host(
    cards: list[CardSpec], first_host: int, ahci: bool
) -> None:
    with tempfile.TemporaryDirectory() as root:
        build(root, first_host, cards, ahci)
        check_same_answer(root)


@pytest.mark.parametrize("scenario", scenarios())
def test_list_vports_reads_only_the_names_of_vport_capable_ports(scenario: str) -> None:
    """``--cap vports`` reads a port's two names and its two vport counters when it has
    a ``vport_create`` (libvirt gives a port without them no vport operations),
    nothing else but what decides which USB, s390 channel and network devices
    there are (a host's parent may be one); ``--cap scsi_host`` reads only the latter."""
    root = str(FIXTURES / scenario)
    fs = CountingFileAccess()
    list_names(root, frozenset({"usb", "net", "ccw"}), fs=fs)
    around = fs.counts["read"]
    fs = CountingFileAccess()
    listed, warnings = list_names(root, frozenset({"vports"}), fs=fs)
    capable = [d for d in nx.scan(root).values()
               if d.scsi_host and d.scsi_host.fc_host and d.scsi_host.vport_ops]  # fmt: skip
    assert fs.counts["read"] == 4 * len(capable) + around
    assert [n for n, _, _ in listed] == [d.name for d in nx.scan(root).with_cap("vports")]
    assert warnings == []
    fs = CountingFileAccess()
    list_names(root, frozenset({"scsi_host"}), fs=fs)
    assert fs.counts["read"] == around
