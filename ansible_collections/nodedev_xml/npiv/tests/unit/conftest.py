# Copyright: nodedev-xml contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures: a fake host (san.py) and a way to run a module's main() as Ansible runs it."""

from __future__ import annotations

import json

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.nodedev_xml.npiv.tests.unit.san import San


@pytest.fixture
def san(tmp_path):
    return San(tmp_path / "host")


@pytest.fixture
def state_dir(tmp_path):
    return tmp_path / "state"


@pytest.fixture
def run_module(capsys):
    """``run_module(main, args)``: run a module's ``main()`` with ``args`` (``_ansible_*``
    keys too); return its exit code and its JSON result."""

    def run(main, args):
        with patch_module_args(args), pytest.raises(SystemExit) as done:
            main()
        return done.value.code, json.loads(capsys.readouterr().out)

    return run
