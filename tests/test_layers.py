"""The layer contract (``[tool.importlinter]`` in pyproject.toml) refuses imports that point up.

``scripts/test`` runs ``lint-imports`` on the package as it is; these tests run
it on a copy with one bad import added, and check that it breaks, and names
the import, for each promise of ``docs/design.md``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from conftest import REPO

LINT = "from importlinter.cli import lint_imports_command; lint_imports_command()"

#: (module that gets the bad import, the import, what lint-imports must report)
BAD_IMPORTS = {
    "xml imports sysfs": (
        "xml/codec.py",
        "from ..sysfs import values as _values",
        "nodedev_xml.xml is not allowed to import nodedev_xml.sysfs",
    ),
    "sysfs imports xml": (
        "sysfs/values.py",
        "from ..xml import codec as _codec",
        "nodedev_xml.sysfs is not allowed to import nodedev_xml.xml",
    ),
    "xml imports validation": (
        "xml/jsonview.py",
        "from .. import validation as _validation",
        "nodedev_xml.xml is not allowed to import nodedev_xml.validation",
    ),
    "the model imports cli, lazily": (
        "model/device.py",
        "def _late() -> None:\n    from ..cli import main  # noqa: F401",
        "Illegal imports of protected package nodedev_xml.cli",
    ),
    "api imports cli": (
        "api.py",
        "from .cli import main as _main",
        "nodedev_xml.api is not allowed to import nodedev_xml.cli",
    ),
    "the api imports libvirt-python, lazily": (
        "api.py",
        "def _late() -> None:\n    import libvirt  # noqa: F401",
        "nodedev_xml.api is not allowed to import libvirt",
    ),
    "vhba imports lxml, lazily": (
        "vhba/store.py",
        "def _late() -> None:\n    from lxml import etree  # noqa: F401",
        "nodedev_xml.vhba is not allowed to import lxml",
    ),
    "the command imports lxml": (
        "cli/watch.py",
        "def _late() -> None:\n    from lxml import etree  # noqa: F401",
        "nodedev_xml.cli.watch -> lxml",
    ),
    "the watch imports lxml": (
        "events.py",
        "from lxml import etree as _etree",
        "nodedev_xml.events is not allowed to import lxml",
    ),
    "the create document imports the device document, lazily": (
        "xml/create.py",
        "def _late() -> None:\n    from .document import to_xml  # noqa: F401",
        "nodedev_xml.xml.create is not allowed to import nodedev_xml.xml.document",
    ),
    "the codec imports a document": (
        "xml/codec.py",
        "from .parent import emit_parent as _emit_parent",
        "nodedev_xml.xml.codec is not allowed to import nodedev_xml.xml.parent",
    ),
    "a subcommand imports the dispatcher": (
        "cli/devices.py",
        "from .main import PROG as _PROG",
        "nodedev_xml.cli.devices is not allowed to import nodedev_xml.cli.main",
    ),
}


def _copy(tmp_path: Path) -> Path:
    """The package and its pyproject.toml, copied under ``tmp_path``."""
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    shutil.copytree(REPO / "nodedev_xml", tmp_path / "nodedev_xml",
                    ignore=shutil.ignore_patterns("__pycache__"))  # fmt: skip
    return tmp_path


def _lint(where: Path) -> subprocess.CompletedProcess[str]:
    # lint-imports analyses the package found first on sys.path: the copy in cwd.
    env = {**os.environ, "PYTHONPATH": str(where)}
    return subprocess.run([sys.executable, "-c", LINT, "--no-logo", "--no-cache"], cwd=where,
                          env=env, capture_output=True, text=True, check=False)  # fmt: skip


def test_the_copy_keeps_every_contract(tmp_path: Path) -> None:
    done = _lint(_copy(tmp_path))
    assert done.returncode == 0, done.stdout + done.stderr
    contracts = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    count = len(contracts["tool"]["importlinter"]["contracts"])
    assert f"{count} kept, 0 broken" in done.stdout


@pytest.mark.parametrize("case", sorted(BAD_IMPORTS))
def test_a_bad_import_breaks_the_contract(tmp_path: Path, case: str) -> None:
    module, statement, report = BAD_IMPORTS[case]
    path = _copy(tmp_path) / "nodedev_xml" / module
    path.write_text(path.read_text(encoding="utf-8") + f"\n{statement}\n", encoding="utf-8")
    done = _lint(tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    assert report in done.stdout, done.stdout
    assert "BROKEN" in done.stdout
