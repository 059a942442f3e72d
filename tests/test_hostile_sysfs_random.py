"""Hostile sysfs at random: build a valid host, spoil it, scan.

A random host (cards of qla2xxx or lpfc ports, vports with and without their
vHBA, remote targets) is scanned once clean, with a recording file access, to
learn which files and links the scan reads.  Then some of those are spoiled at
random (garbage, empty, a directory, a FIFO, a huge file, removed, a dangling
link, a loop, a link out of the root) or a device directory is deleted at a
random moment of the scan.  Whatever was done:

- the scan completes, every document validates in both profiles, and the
  inventory's invariants hold (``hostile.check_all``);
- every warning names a device, on one line;
- a spoiling the scan must notice gives at least one warning;
- nothing is invented: every fact of every document is a fact of the clean
  host's document of the same device (what cannot be trusted is left out);
- nothing outside the root is read.

The example count is bounded by the ``ci`` profile (tests/conftest.py).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from hostile import SENTINEL, HostileAccess, build_outside, check_all, replace_file
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from lxml import etree

import nodedev_xml as nx
from nodedev_xml.testing import SysfsBuilder
from nodedev_xml.xml.document import to_xml

wwns = st.integers(min_value=1, max_value=(1 << 64) - 2)


@dataclass
class VportSpec:
    with_host: bool
    state: str


@dataclass
class PortSpec:
    online: bool
    vports: list[VportSpec]
    target: bool


@dataclass
class CardSpec:
    driver: str
    ports: list[PortSpec]


cards = st.lists(
    st.builds(
        CardSpec,
        st.sampled_from(("qla2xxx", "lpfc")),
        st.lists(
            st.builds(
                PortSpec,
                st.booleans(),
                st.lists(
                    st.builds(
                        VportSpec, st.booleans(), st.sampled_from(("Active", "Initializing"))
                    ),
                    max_size=3,
                ),
                st.booleans(),
            ),
            min_size=1,
            max_size=2,
        ),
    ),
    min_size=1,
    max_size=2,
)

#: Spoilings that make a file the scan reads unusable whatever it held.
ALWAYS_BAD = ("garbage", "directory", "huge", "dangling", "loop", "outside", "nonutf8")
KINDS = (*ALWAYS_BAD, "empty", "fifo", "remove")


def build(root: Path, spec: list[CardSpec]) -> list[Path]:
    """Write the host; return its device directories (PCI functions, hosts, vports)."""
    b = SysfsBuilder(root)
    bridge = b.add_bridge("0000:00:03.0")
    devdirs: list[Path] = []
    n = 0
    for i, card in enumerate(spec):
        for fn, port in enumerate(card.ports):
            n += 1
            pci = b.add_pci_function(f"0000:{0x10 + i:02x}:00.{fn}", vendor=0x1077, device=0x2532,
                                     driver=card.driver, parent=bridge)  # fmt: skip
            hba = b.add_fc_host(pci, card.driver, node_name=0x2000_0000_0000_0000 + n,
                                port_name=0x2100_0000_0000_0000 + n,
                                port_state="Online" if port.online else "Linkdown")  # fmt: skip
            devdirs += [pci.path, hba.path]
            for k, v in enumerate(port.vports):
                vp = b.add_vport(hba, node_name=0x5001A4A0_0000_0000 + (n << 8) + k,
                                 port_name=0x5001A4A1_0000_0000 + (n << 8) + k,
                                 state=v.state, with_host=v.with_host)  # fmt: skip
                devdirs.append(vp.path)
                if vp.host is not None:
                    devdirs.append(vp.host.path)
            if port.target:
                rp = b.add_rport(hba, node_name=0x2FF7_0000_0000_0000 + n,
                                 port_name=0x2101_0000_0000_0000 + n,
                                 port_id=0x010400 + n)  # fmt: skip
                devdirs.append(rp.path)
    b.write_pci_ids()
    return devdirs


def facts(xml: str) -> set[tuple[str, str]]:
    """A document as a set of (element path[@attribute], value) leaves."""
    out: set[tuple[str, str]] = set()

    def walk(el: etree._Element, path: str) -> None:
        here = f"{path}/{el.tag}" + (f"[{el.get('type')}]" if el.get("type") else "")
        for k, v in el.attrib.items():
            out.add((f"{here}@{k}", v))
        text = (el.text or "").strip()
        if text:
            out.add((here, text))
        for child in el:
            walk(child, here)

    walk(etree.fromstring(xml), "")
    return out


def spoil(path: Path, kind: str, outside: Path) -> None:
    if kind == "garbage":
        replace_file(path, b"\x00garbage\x00\n")
    elif kind == "nonutf8":
        replace_file(path, b"0x2\xff\xfe\n")
    elif kind == "empty":
        replace_file(path, b"")
    elif kind == "huge":
        replace_file(path, b"7" * (1 << 20))
    elif kind == "directory":
        replace_file(path, "dir")
    elif kind in ("fifo", "loop", "dangling"):
        replace_file(path, kind)
    elif kind == "outside":
        path.unlink()
        path.symlink_to(outside / "sentinel")
    elif kind == "remove":
        path.unlink()
    else:
        raise ValueError(kind)


@given(
    spec=cards,
    spoilings=st.lists(st.tuples(st.integers(min_value=0), st.sampled_from(KINDS)), max_size=4),
    links=st.lists(
        st.tuples(
            st.integers(min_value=0), st.sampled_from(("dangling", "outside", "directory", "loop"))
        ),
        max_size=2,
    ),
    vanish=st.none() | st.tuples(st.integers(min_value=0), st.integers(min_value=0)),
)
@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])  # examples: the profile
def test_spoiled_hosts_scan_into_sound_documents(
    spec: list[CardSpec],
    spoilings: list[tuple[int, str]],
    links: list[tuple[int, str]],
    vanish: tuple[int, int] | None,
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        root = base / "root"
        devdirs = build(root, spec)
        outside = build_outside(base)
        clean_fs = HostileAccess()
        clean = nx.scan(str(root), fs=clean_fs)
        assert clean.warnings == ()
        clean_facts = {n: facts(to_xml(d, "enriched")) for n, d in clean.items()}
        read = sorted(set(clean_fs.touched("read")))
        class_links = sorted({p for p in clean_fs.touched("readlink") if "/class/" in p})

        must_warn = False
        spoiled: set[Path] = set()
        for index, kind in spoilings:
            path = Path(read[index % len(read)])
            if path in spoiled or not (path.is_file() and not path.is_symlink()):
                continue  # already spoiled (or gone with an earlier spoiling): one each
            spoiled.add(path)
            spoil(path, kind, outside)
            must_warn |= kind in ALWAYS_BAD
        for index, kind in links:
            link = Path(class_links[index % len(class_links)])
            if not link.is_symlink():
                continue
            link.unlink()
            if kind == "dangling":
                link.symlink_to("../../devices/nowhere/" + link.name)
            elif kind == "outside":
                link.symlink_to(outside / "host9" / "scsi_host" / "host9")
            elif kind == "directory":
                link.mkdir()
            else:
                link.symlink_to(link.name)
            must_warn = True

        fs = HostileAccess()
        if vanish is not None:
            victim = devdirs[vanish[0] % len(devdirs)]
            trigger = read[vanish[1] % len(read)]
            fs.before(trigger, lambda: shutil.rmtree(victim, ignore_errors=True))
        inv = nx.scan(str(root), fs=fs)

        event(f"warnings: {min(len(inv.warnings), 4)}{'+' if len(inv.warnings) >= 4 else ''}")
        event(f"devices left out: {bool(set(clean) - set(inv))}")
        if any("vanished" in str(w) for w in inv.warnings):
            event("a device vanished mid-scan")
        check_all(inv)
        if must_warn:
            assert inv.warnings, "a spoiled file the scan reads went unnoticed"
        top = str(root) + os.sep
        assert [p for p in fs.touched() if not p.startswith(top)] == []
        for name, dev in inv.items():
            assert name in clean_facts, f"{name} was invented"
            extra = facts(to_xml(dev, "enriched")) - clean_facts[name]
            if clean[name].parent_name in set(clean) - set(inv):  # left out: the next one up
                extra -= {("/device/parent", dev.parent_name or "computer")}
                assert dev.parent_name in {a.name for a in clean.values()} | {"computer"}
            assert not extra, f"{name}: facts the clean host does not have: {sorted(extra)}"
            assert SENTINEL not in to_xml(dev, "enriched")
