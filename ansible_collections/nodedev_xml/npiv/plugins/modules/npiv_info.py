#!/usr/bin/python
# Copyright: nodedev-xml contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""npiv_info: a host's Fibre Channel HBAs, NPIV vHBAs, their LUNs and the vHBA
definitions, as data."""

from __future__ import annotations

DOCUMENTATION = r"""
module: npiv_info
short_description: Gather a host's Fibre Channel HBAs, NPIV vHBAs, LUNs and vHBA definitions
version_added: 0.1.0
description:
  - Scans the managed host's C(/sys) (or a fake root) with the nodedev-xml library and
    returns its Fibre Channel HBAs, its NPIV vHBAs with their parent, names, state and the
    LUNs each sees, and the persistent vHBA definitions with their state on the host.
  - Returns data, not C(ansible_facts); register the result.
  - Fields the host does not give (an attribute missing or unreadable) are left out, never
    returned empty.
author:
  - nodedev-xml contributors (!UNKNOWN)
extends_documentation_fragment:
  - nodedev_xml.npiv.host
attributes:
  check_mode:
    support: full
    description: The module only reads; it runs the same in check mode.
  diff_mode:
    support: none
    description: Nothing is changed, so there is nothing to show.
"""

EXAMPLES = r"""
- name: Gather the HBAs, vHBAs and definitions
  nodedev_xml.npiv.npiv_info:
  register: npiv

- name: Print each HBA's WWPN and state
  ansible.builtin.debug:
    msg: "{{ item.name }} {{ item.wwpn }} {{ item.port_state | default('unknown') }}"
  loop: "{{ npiv.hbas }}"

- name: Read a fake root (tests, containers)
  nodedev_xml.npiv.npiv_info:
    root: /tmp/host
    state_dir: /tmp/state
  register: npiv
"""

RETURN = r"""
hbas:
  description:
    - The physical Fibre Channel HBAs (C(fc_host) Scsi_Hosts that are no vHBA).
    - Each has C(name) (C(scsi_hostN)), C(host), C(parent) (its PCI function), C(wwnn),
      C(wwpn), C(vport_capable), C(vhbas) (names), and where the host gives them
      C(fabric_wwn), C(port_state), C(port_type), C(port_id), C(speed), C(symbolic_name),
      C(max_vports), C(vports_in_use), C(vports) (each with C(name) when it has a host,
      C(wwnn), C(wwpn), C(state)) and C(adapter).
  returned: success
  type: list
  elements: dict
  sample:
    - name: scsi_host8
      host: 8
      parent: pci_0000_06_00_0
      wwnn: 2000001b32a9da4e
      wwpn: 2100001b32a9da4e
      fabric_wwn: 2001000dec9877c1
      port_state: Online
      vport_capable: true
      max_vports: 127
      vports_in_use: 0
      vhbas: []
vhbas:
  description:
    - The NPIV vHBAs. Each has C(name), C(host), C(parent) (its HBA), C(wwnn), C(wwpn),
      C(luns), and where known C(vport_state), C(port_state), C(fabric_wwn) and the other
      port facts of C(hbas).
    - C(luns) lists the LUNs the vHBA sees, each with C(name) (C(scsi_H_B_T_L)),
      C(hctl), C(host), C(bus), C(target), C(lun) and where known C(type), C(vendor),
      C(model), C(revision), C(block), C(size), C(remote_wwpn) (the target port it is
      reached through) and C(wwid) (when the library reports LUN identities).
  returned: success
  type: list
  elements: dict
  sample:
    - name: scsi_host10
      host: 10
      parent: scsi_host8
      wwnn: 5001a4a13c963d58
      wwpn: 5001a4a85020b011
      vport_state: Active
      port_state: Online
      luns: []
definitions:
  description:
    - The persistent vHBA definitions of the state directory. Each has C(name),
      C(autostart), C(wwnn), C(wwpn), C(state) (C(running), C(stopped) or
      C(parent missing)), and where there is one C(parent) (as it was given, C(name),
      C(wwnn) and C(wwpn), or C(fabric_wwn)), C(device) (the running vHBA) and
      C(parent_device) (the HBA it runs on, or would be started on).
  returned: success
  type: list
  elements: dict
  sample:
    - name: web1
      autostart: true
      wwnn: 5001a4a13c963d58
      wwpn: 5001a4a85020b011
      state: running
      device: scsi_host10
      parent: {wwnn: 2000001b32a9da4e, wwpn: 2100001b32a9da4e}
      parent_device: scsi_host8
"""

from typing import Any

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.nodedev_xml.npiv.plugins.module_utils.common import (
    fail,
    host_argument_spec,
    host_of,
    require_library,
)
from ansible_collections.nodedev_xml.npiv.plugins.module_utils.nodedev import LibraryError


def main() -> None:
    module = AnsibleModule(argument_spec=host_argument_spec(), supports_check_mode=True)
    require_library(module)
    try:
        facts: dict[str, Any] = host_of(module).facts()
    except LibraryError as exc:
        fail(module, exc)
    for line in facts.pop("warnings"):
        module.warn(line)
    module.exit_json(changed=False, **facts)


if __name__ == "__main__":
    main()
