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
import tarfile
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


def _build(tmp_path: Path) -> tuple[Path, Path]:
    """``python -m build``: the sdist, then the wheel built from it; both pass ``twine
    check``."""
    dist = tmp_path / "dist"
    _run([sys.executable, "-m", "build", "--outdir", dist, REPO], cwd=tmp_path)
    [sdist] = dist.glob("nodedev_xml-*.tar.gz")
    [wheel] = dist.glob("nodedev_xml-*.whl")
    _run([sys.executable, "-m", "twine", "check", "--strict", sdist, wheel], cwd=tmp_path)
    return sdist, wheel


def test_sdist_and_wheel_build_check_install_and_run(tmp_path: Path) -> None:
    import nodedev_xml

    sdist, wheel = _build(tmp_path)
    version = nodedev_xml.__version__
    assert wheel.name == f"nodedev_xml-{version}-py3-none-any.whl"
    with tarfile.open(sdist) as tar:
        in_sdist = {n.split("/", 1)[1] for n in tar.getnames() if "/" in n}
    assert {"LICENSE", "CHANGELOG.md", "README.md", "setup.py", "scripts/shelldocs.py",
            "contrib/nodedev-xml-vhba-autostart.service"} <= in_sdist  # fmt: skip
    assert not any(n.startswith(("fixtures/", "tests/", "build/")) for n in in_sdist)

    names = set(zipfile.ZipFile(wheel).namelist())
    for schema in ("nodedev.rng", "nodedev.xsd", "nodedev-libvirt.rng", "nodedev-libvirt.xsd",
                   "vhba-definition.rng", "vhba-definition.xsd", "json-plans.json"):  # fmt: skip
        assert f"nodedev_xml/schemas/{schema}" in names
    assert "nodedev_xml/py.typed" in names
    info = f"nodedev_xml-{version}.dist-info"
    assert {f"{info}/licenses/LICENSE", f"{info}/LICENSE"} & names, "the license"
    data = f"nodedev_xml-{version}.data/data/share"
    for shipped in ("man/man1/nodedev-xml.1", "bash-completion/completions/nodedev-xml",
                    "zsh/site-functions/_nodedev-xml"):  # fmt: skip
        assert f"{data}/{shipped}" in names
    assert not any(n.startswith(("fixtures/", "tests/")) for n in names)
    metadata = zipfile.ZipFile(wheel).read(f"{info}/METADATA").decode()
    assert f"Version: {version}" in metadata

    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", venv])  # no --system-site-packages: only what pip installs
    py = venv / "bin" / "python"
    assert "include-system-site-packages = false" in (venv / "pyvenv.cfg").read_text()
    _run([py, "-m", "pip", "install", "-q", "--disable-pip-version-check", wheel], cwd=tmp_path)

    command = venv / "bin" / "nodedev-xml"
    listed = _run([command, "--root", REPO / "fixtures" / "sysfs" / "mixed", "list"], cwd=tmp_path)
    assert "scsi_host3" in listed.stdout.split()
    assert _run([command, "--version"], cwd=tmp_path).stdout.strip() == f"nodedev-xml {version}"
    doc = REPO / "tests" / "golden" / "qla2xxx" / "scsi_host5.enriched.xml"
    _run([command, "validate", doc], cwd=tmp_path)
    _run([command, "validate", "--schema", "xsd", doc], cwd=tmp_path)
    done = _run([command, "--root", REPO / "fixtures" / "sysfs" / "qla2xxx", "dumpxml",
                 "scsi_host5", "--json"], cwd=tmp_path)  # fmt: skip
    assert '"scsi_host5"' in done.stdout
    assert (venv / "share" / "man" / "man1" / "nodedev-xml.1").is_file()
    where = _run([py, "-c", "import lxml, nodedev_xml, xmlschema\n"
                  "for m in (nodedev_xml, lxml, xmlschema): print(m.__file__)"],
                 cwd=tmp_path)  # fmt: skip
    for path in where.stdout.split():  # the installed copies, not the checkout or the system's
        assert path.startswith(str(venv)), where.stdout


def test_the_readme_editable_install_is_visible_to_mypy(tmp_path: Path) -> None:
    """``pip install -e . --config-settings editable_mode=compat`` (the README's line)
    puts the checkout on a path entry mypy reads; setuptools' default editable finder
    is an import hook mypy cannot follow."""
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", venv])
    py = venv / "bin" / "python"
    _run([py, "-m", "pip", "install", "-q", "--disable-pip-version-check", "--no-deps", "-e",
          REPO, "--config-settings", "editable_mode=compat"], cwd=tmp_path)  # fmt: skip
    script = tmp_path / "user.py"
    script.write_text('import nodedev_xml as nx\nnx.scan("/", backend="udve")\n')
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "MYPYPATH"}}
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--python-executable", str(py), "--no-incremental",
         "--cache-dir", os.devnull, "--follow-imports=silent", str(script)],
        cwd=tmp_path, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert "user.py:2: error:" in done.stdout and "Literal[" in done.stdout, done.stdout
    assert "import-not-found" not in done.stdout, done.stdout


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


def test_one_version_everywhere() -> None:
    """nodedev_xml/_version.py is the version: pyproject.toml reads it, CHANGELOG.md has
    a section for it, debian/changelog packages it."""
    import re
    import tomllib

    import nodedev_xml

    version = nodedev_xml.__version__
    project = tomllib.loads((REPO / "pyproject.toml").read_text())
    assert "version" not in project["project"] and "version" in project["project"]["dynamic"]
    dynamic = project["tool"]["setuptools"]["dynamic"]["version"]
    assert dynamic == {"attr": "nodedev_xml._version.__version__"}
    changelog = (REPO / "CHANGELOG.md").read_text()
    assert "\n## Unreleased\n" in changelog and f"\n## {version}\n" in changelog
    first = (REPO / "debian" / "changelog").read_text().splitlines()[0]
    m = re.fullmatch(r"nodedev-xml \(([^)-]+)-\d+\) \S+; urgency=\w+", first)
    assert m and m.group(1) == version, first
    assert (REPO / "LICENSE").read_text().lstrip().startswith("GNU LESSER GENERAL PUBLIC LICENSE")
