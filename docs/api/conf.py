"""Sphinx configuration of the API reference (built by scripts/test with warnings as
errors: ``python -m sphinx -W -b html docs/api build/api``)."""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))  # document this checkout, not an installed copy

import nodedev_xml  # noqa: E402
from nodedev_xml import __version__  # noqa: E402

# The package's names load lazily: load them all, so that autodoc finds each one
# (wherever it is defined) among the package's members.
for _name in nodedev_xml.__all__:
    getattr(nodedev_xml, _name)

project = "nodedev-xml"
author = "the nodedev-xml authors"
copyright = "the nodedev-xml authors, LGPL-2.1-or-later"
version = release = __version__

extensions = ["sphinx.ext.autodoc"]
autodoc_member_order = "bysource"
autodoc_typehints = "signature"
autodoc_default_options = {"members": True, "show-inheritance": True}
# Values are shown as written, not evaluated (frozensets and tables print long).
autodoc_preserve_defaults = True
nitpicky = False
html_theme = "alabaster"
html_static_path: list[str] = []
exclude_patterns = ["_build"]
