"""mypy catches a misspelt choice in a user's script: profiles, backends and schema
languages are Literal types (nodedev_xml.vocabulary), not str."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from conftest import REPO

USER_SCRIPT = '''\
import nodedev_xml as nx
from nodedev_xml.xml.document import to_xml

inv = nx.scan("/", backend="udev")
print(to_xml(inv["scsi_host5"], profile="libvirt"))
nx.validate("<device/>", "enriched", schema="xsd")

inv = nx.scan("/", backend="udve")                       # line 8
print(to_xml(inv["scsi_host5"], profile="libvrt"))        # line 9
nx.validate("<device/>", "enriched", schema="rgn")       # line 10
nx.validate("<device/>", "enrich")                        # line 11
for event in nx.watch(root="/", backend="sysf"):          # line 12
    pass
'''


def test_mypy_refuses_a_misspelt_choice(tmp_path: Path) -> None:
    script = tmp_path / "user.py"
    script.write_text(USER_SCRIPT)
    # As a user's checkout sees an installed package: on MYPYPATH, from elsewhere.
    env = {**os.environ, "MYPYPATH": str(REPO)}
    env.pop("PYTHONPATH", None)
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "--cache-dir", os.devnull,
         "--follow-imports=silent", str(script)],
        capture_output=True, text=True, cwd=tmp_path, env=env, check=False,
    )  # fmt: skip
    errors = [line for line in done.stdout.splitlines() if ": error:" in line]
    lines = sorted({int(line.split(":")[1]) for line in errors})
    assert lines == [8, 9, 10, 11, 12], done.stdout
    assert all("Literal[" in line for line in errors), done.stdout
