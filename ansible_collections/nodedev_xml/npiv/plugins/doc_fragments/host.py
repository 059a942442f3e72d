# Copyright: nodedev-xml contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The options every module of the collection takes to reach a host's HBAs."""

from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  root:
    description:
      - A directory holding C(sys/) to read and write instead of the live host's C(/sys).
      - For tests and containers; a fake root is built by the library's C(nodedev_xml.testing).
      - Default is the managed host's C(/), or C($NODEDEV_XML_ROOT) when set.
    type: path
  backend:
    description:
      - How the host is read. C(sysfs) reads any root; C(udev) reads the live host
        through libudev and waits on uevents.
    type: str
    choices: [sysfs, udev]
    default: sysfs
  state_dir:
    description:
      - The directory holding the persistent vHBA definitions (C(STATE_DIR/vhba/NAME.xml)).
      - Default is C(/var/lib/nodedev-xml), or C($NODEDEV_XML_STATE_DIR) when set.
    type: path
requirements:
  - Python 3.11 or later on the managed host
  - the nodedev-xml Python library (C(pip install nodedev-xml)) on the managed host
notes:
  - The modules run on the managed host and import the nodedev-xml library there,
    as community.libvirt's modules import libvirt-python.
"""
