"""A plain (not editable) install, the way a user makes one, carries the command and the schemas.

The wheel goes into a fresh venv that sees no other site-packages (not the
interpreter's, not the system's), with its dependencies fetched by pip as a
user's ``pip install`` would; the installed ``nodedev-xml`` then runs from
outside the checkout.  A venv made with ``--system-site-packages`` would pass
or fail depending on what the interpreter running the tests happens to see:
from a ``.venv`` on Debian it sees Debian's packages, not ``.venv``'s.
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

from conftest import REPO


def _run(argv: list[str | Path], cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``argv`` without the test run's PYTHONPATH; on failure the assertion shows why."""
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "PYTHONHOME"}}
    done = subprocess.run([str(a) for a in argv], cwd=cwd, env=env,
                          capture_output=True, text=True, check=False)  # fmt: skip
    assert done.returncode == 0, f"{argv}: exit {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done


def test_wheel_installs_with_its_dependencies_and_validates_outside_the_checkout(
    tmp_path: Path,
) -> None:
    wheels = tmp_path / "wheels"
    _run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", wheels, REPO])
    [wheel] = wheels.glob("nodedev_xml-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for schema in ("nodedev.rng", "nodedev.xsd", "nodedev-libvirt.rng", "nodedev-libvirt.xsd"):
        assert f"nodedev_xml/schemas/{schema}" in names
    assert "nodedev_xml/py.typed" in names
    assert not any(n.startswith(("fixtures/", "tests/")) for n in names)

    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", venv])  # no --system-site-packages: only what pip installs
    py = venv / "bin" / "python"
    assert "include-system-site-packages = false" in (venv / "pyvenv.cfg").read_text()
    _run([py, "-m", "pip", "install", "-q", "--disable-pip-version-check", wheel], cwd=tmp_path)

    command = venv / "bin" / "nodedev-xml"
    doc = REPO / "tests" / "golden" / "qla2xxx" / "scsi_host5.enriched.xml"
    _run([command, "validate", doc], cwd=tmp_path)
    _run([command, "validate", "--schema", "xsd", doc], cwd=tmp_path)
    done = _run([command, "--root", REPO / "fixtures" / "sysfs" / "qla2xxx", "dumpxml",
                 "scsi_host5", "--json"], cwd=tmp_path)  # fmt: skip
    assert '"scsi_host5"' in done.stdout
    where = _run([py, "-c", "import lxml, nodedev_xml, xmlschema\n"
                  "for m in (nodedev_xml, lxml, xmlschema): print(m.__file__)"],
                 cwd=tmp_path)  # fmt: skip
    for path in where.stdout.split():  # the installed copies, not the checkout or the system's
        assert path.startswith(str(venv)), where.stdout


def test_every_package_directory_is_listed_in_pyproject() -> None:
    import tomllib

    listed = set(
        tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    )
    found = {
        ".".join(p.parent.relative_to(REPO).parts)
        for p in (REPO / "nodedev_xml").rglob("__init__.py")
    }
    assert found == listed
