"""The API reference (docs/api, Sphinx autodoc) builds with warnings as errors and
documents every public name of the package: ``nodedev_xml.__all__``, wherever in
the package each is defined (so that modules may move)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from conftest import REPO

import nodedev_xml


def test_api_reference_builds_and_documents_every_public_name(tmp_path: Path) -> None:
    out = tmp_path / "api"
    done = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html",
         str(REPO / "docs" / "api"), str(out)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    page = (out / "package.html").read_text(encoding="utf-8")
    documented = set(re.findall(r'<dt class="sig sig-object py" id="nodedev_xml\.(\w+)"', page))
    public = {name for name in nodedev_xml.__all__ if not name.startswith("_")}
    assert public - documented == set()
    assert "nodedev_xml.scan" in page and "backend" in page
