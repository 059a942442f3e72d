"""A plain (not editable) install carries the command and the schemas."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

from conftest import REPO


def test_wheel_installs_and_validates_outside_the_checkout(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(wheels), str(REPO)],
        check=True, capture_output=True,
    )  # fmt: skip
    [wheel] = wheels.glob("nodedev_xml-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for schema in ("nodedev.rng", "nodedev.xsd", "nodedev-libvirt.rng", "nodedev-libvirt.xsd"):
        assert f"nodedev_xml/schemas/{schema}" in names
    assert "nodedev_xml/py.typed" in names
    assert not any(n.startswith(("fixtures/", "tests/")) for n in names)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True)
    py = venv / "bin" / "python"
    subprocess.run([str(py), "-m", "pip", "install", "-q", "--no-deps", "--force-reinstall",
                    str(wheel)], check=True, capture_output=True)  # fmt: skip
    doc = REPO / "tests" / "golden" / "qla2xxx" / "scsi_host5.enriched.xml"
    done = subprocess.run([str(venv / "bin" / "nodedev-xml"), "validate", str(doc)],
                          cwd=tmp_path, capture_output=True, text=True, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    where = subprocess.run([str(py), "-c", "import nodedev_xml; print(nodedev_xml.__file__)"],
                           cwd=tmp_path, capture_output=True, text=True, check=True)  # fmt: skip
    assert str(venv) in where.stdout  # the installed copy, not the checkout
