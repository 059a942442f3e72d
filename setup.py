"""The build's one step beyond pyproject.toml: the man page and the bash and zsh
completion, generated from the argument parser by scripts/shelldocs.py whenever a
wheel or an sdist is built, go into the wheel as data files (``share/man/man1``,
``share/bash-completion/completions``, ``share/zsh/site-functions`` below the
installation prefix).  Everything else is in pyproject.toml.
"""

from __future__ import annotations

import runpy
from pathlib import Path

from setuptools import setup

HERE = Path(__file__).resolve().parent
GENERATED = "build/shelldocs"  # relative: setuptools wants data files relative to here

shelldocs = runpy.run_path(str(HERE / "scripts" / "shelldocs.py"))
shelldocs["write_all"](HERE / GENERATED)

setup(
    data_files=[
        ("share/man/man1", [f"{GENERATED}/{shelldocs['MAN_PAGE']}"]),
        ("share/bash-completion/completions", [f"{GENERATED}/{shelldocs['BASH_COMPLETION']}"]),
        ("share/zsh/site-functions", [f"{GENERATED}/{shelldocs['ZSH_COMPLETION']}"]),
    ]
)
