"""Every device of every fixture tree, in both profiles, against checked-in XML.

After an intended change of output, rewrite the files with
``python -m pytest tests/test_golden.py --regen-golden`` and review the diff.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import FIXTURES, REPO, scenarios
from invariants import check_inventory

import nodedev_xml as nx

GOLDEN = REPO / "tests" / "golden"
PROFILES = ("enriched", "libvirt")


def render(scenario: str) -> dict[str, str]:
    inv = nx.scan(str(FIXTURES / scenario))
    assert inv.warnings == (), [str(w) for w in inv.warnings]
    check_inventory(inv)
    return {f"{name}.{p}.xml": nx.to_xml(dev, p) for name, dev in inv.items() for p in PROFILES}


@pytest.mark.parametrize("scenario", scenarios())
def test_golden(scenario: str, request: pytest.FixtureRequest) -> None:
    produced = render(scenario)
    folder = GOLDEN / scenario
    if request.config.getoption("--regen-golden"):
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("*.xml"):
            old.unlink()
        for fname, text in produced.items():
            (folder / fname).write_text(text)
        return
    existing = {p.name for p in folder.glob("*.xml")}
    assert sorted(existing - set(produced)) == [], "devices no longer scanned"
    assert sorted(set(produced) - existing) == [], "devices without golden XML"
    for fname, text in produced.items():
        assert Path(folder / fname).read_text() == text, f"{scenario}/{fname} differs"


def test_every_scenario_has_golden_files() -> None:
    assert scenarios(), "no fixture trees found"
    assert sorted(p.name for p in GOLDEN.iterdir() if p.is_dir()) == scenarios()
