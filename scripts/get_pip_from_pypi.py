"""A stand-in for the get-pip script ansible-test downloads from ci-files.testing.ansible.com.

ansible-test bootstraps pip in each sanity virtual environment with that script;
this one takes pip from Python's own ensurepip and then runs ``pip install`` with
the arguments ansible-test gives (the pinned pip), so that PyPI, through the
machine's pip configuration, is the only network used.  scripts/ansible-test
puts it where ansible-test looks for its cached copy.
"""

import ensurepip
import os
import subprocess
import sys

ensurepip.bootstrap()
os.environ.pop("PIP_CONFIG_FILE", None)  # ensurepip points it at /dev/null
args = [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]
sys.exit(subprocess.call([sys.executable, "-m", "pip", "install", *args]))
