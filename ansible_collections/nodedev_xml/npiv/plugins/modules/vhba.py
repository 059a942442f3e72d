#!/usr/bin/python
# Copyright: nodedev-xml contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""vhba: one persistent NPIV vHBA (a nodedev-xml definition) brought to the state asked for."""

from __future__ import annotations

DOCUMENTATION = r"""
module: vhba
short_description: Define, start, stop and remove a persistent NPIV vHBA
version_added: 0.1.0
description:
  - Brings one NPIV vHBA of the managed host to the state asked for, through the
    nodedev-xml library, both its persistent definition (a named create request kept in
    the state directory, with the parent HBA, the vHBA's own WWNN and WWPN and an
    autostart flag) and whether its vport exists.
  - Idempotent; a second run with the same options reports no change.
  - Every refusal is a failure with the library's one-line message, the library's error
    class in C(error) and its reason code in C(reason) where it gives one. A task refused
    part way (its LUNs not there in time, a start refused after the definition was saved)
    still returns what it did (C(changed), C(actions), and the vHBA's names and state).
author:
  - nodedev-xml contributors (!UNKNOWN)
extends_documentation_fragment:
  - nodedev_xml.npiv.host
attributes:
  check_mode:
    support: full
    description:
      - Reports what would change and writes nothing, neither to the state directory nor
        to the kernel. A vHBA that would be started has its parent checked as the real
        run checks it, so a parent that cannot take a vport fails in check mode too.
      - WWNs that the real run would generate are not known in check mode and are
        returned as null.
  diff_mode:
    support: full
    description:
      - The definition (name, parent, WWNs, autostart) and the vHBA's state, before and after.
options:
  name:
    description:
      - The definition's name (a letter or digit, then up to 63 letters, digits, C(_), C(.)
        or C(-)).
    type: str
    required: true
  state:
    description:
      - C(present) the definition exists as given; a running vHBA keeps running
        (restarted when its WWNs or parent change), a stopped one stays stopped.
      - C(started) the definition exists and its vHBA runs.
      - C(stopped) the definition exists and its vHBA does not run.
      - C(absent) the vHBA is stopped and the definition removed.
    type: str
    choices: [present, started, stopped, absent]
    default: present
  parent:
    description:
      - The parent HBA by node-device name (C(scsi_host5)).
      - Host numbers change across reboots; O(parent_wwnn) and O(parent_wwpn) name the same
        HBA for good.
      - Without any parent option, an existing definition keeps its parent and a new one
        takes any Online vport-capable HBA with room when started.
    type: str
  parent_wwnn:
    description: The parent HBA's WWNN, with O(parent_wwpn).
    type: str
  parent_wwpn:
    description: The parent HBA's WWPN, with O(parent_wwnn).
    type: str
  parent_fabric_wwn:
    description: Any vport-capable HBA logged in to the fabric with this WWN.
    type: str
  wwnn:
    description:
      - The vHBA's WWNN (16 hex digits; C(0x) and colons are accepted), with O(wwpn).
      - Without them a new definition gets a fresh pair (NAA type 5), generated once and
        returned, and an existing one keeps its own.
    type: str
  wwpn:
    description: The vHBA's WWPN, with O(wwnn).
    type: str
  autostart:
    description:
      - Whether the vHBA is started at boot (by C(nodedev-xml vhba start --autostart)).
      - Unset keeps the saved flag; a new definition is not autostarted.
    type: bool
  wait_luns:
    description:
      - With O(state=started), rescan the vHBA and wait until it sees this many LUNs (a
        number), or every LUN of a list of WWIDs (a list, or a comma-separated string), at
        most O(timeout) seconds; then fail naming what is missing (the vHBA stays).
      - WWIDs are spelled as the kernel's C(wwid) files and C(/dev/disk/by-id) spell them
        (C(naa.600a0b8000123456...), C(wwn-0x600a...), C(3600a...)).
    type: raw
  timeout:
    description: Seconds to wait for a new vHBA (and for its LUNs with O(wait_luns)).
    type: float
    default: 30
  connect:
    description:
      - A libvirt connection URI (C(qemu:///system), C(qemu+ssh://host/system), ...) to
        manage the vHBA through libvirt instead of the host's sysfs. The definition is
        then libvirt's vHBA storage pool of that name (a C(scsi) pool with an C(fc_host)
        adapter, C(managed)), which libvirt defines, starts (writing the vport),
        stops, autostarts and undefines; O(root), O(state_dir) and O(wait_luns) do not
        apply.
      - Needs libvirt-python beside nodedev-xml where the module runs.
    type: str
"""

EXAMPLES = r"""
- name: A vHBA on the HBA with these names, started now and at boot
  nodedev_xml.npiv.vhba:
    name: web1
    parent_wwnn: "2000001b32a9da4e"
    parent_wwpn: "2100001b32a9da4e"
    state: started
    autostart: true
  register: web1

- name: Tell the SAN team the WWPN to zone
  ansible.builtin.debug:
    msg: "zone {{ web1.wwpn }} on {{ inventory_hostname }}"

- name: Started, and wait for its 4 LUNs
  nodedev_xml.npiv.vhba:
    name: db1
    parent_fabric_wwn: "2001000dec9877c1"
    state: started
    wait_luns: 4
    timeout: 60

- name: Stop it (the definition stays)
  nodedev_xml.npiv.vhba:
    name: web1
    state: stopped

- name: Remove it (stops the vHBA first)
  nodedev_xml.npiv.vhba:
    name: web1
    state: absent
"""

RETURN = r"""
name:
  description: The definition's name.
  returned: always
  type: str
  sample: web1
state:
  description:
    - Where the definition stands after the task (predicted in check mode) - C(running),
      C(stopped), C(parent missing) or C(absent).
  returned: success
  type: str
  sample: running
device:
  description: The running vHBA's node-device name (not known for a start in check mode).
  returned: when the vHBA runs
  type: str
  sample: scsi_host10
parent_device:
  description: The HBA the vHBA runs on, or would be started on.
  returned: when known
  type: str
  sample: scsi_host8
parent:
  description:
    - The parent as the definition names it (C(name), C(wwnn) and C(wwpn), or C(fabric_wwn)).
  returned: when the definition names one
  type: dict
  sample: {wwnn: 2000001b32a9da4e, wwpn: 2100001b32a9da4e}
wwnn:
  description: The vHBA's WWNN (null in check mode when it would be generated).
  returned: unless O(state=absent)
  type: str
  sample: 5001a4a13c963d58
wwpn:
  description:
    - The vHBA's WWPN, the name to zone on the SAN.
    - Null in check mode when it would be generated.
  returned: unless O(state=absent)
  type: str
  sample: 5001a4a85020b011
autostart:
  description: Whether the vHBA is started at boot.
  returned: unless O(state=absent)
  type: bool
  sample: true
generated:
  description: Whether the WWNs were (in check mode, would be) generated by this task.
  returned: always
  type: bool
  sample: false
actions:
  description:
    - What the task did (in check mode, would do), in order.
    - Each is C(stop), C(define), C(start) or C(undefine).
  returned: always
  type: list
  elements: str
  sample: [define, start]
definition_file:
  description: The definition's file on the managed host.
  returned: always
  type: str
  sample: /var/lib/nodedev-xml/vhba/web1.xml
luns:
  description:
    - With O(wait_luns), the LUNs the vHBA sees, as M(nodedev_xml.npiv.npiv_info) lists them.
  returned: with O(wait_luns), on success
  type: list
  elements: dict
error:
  description:
    - On failure, the library's error class (C(VHBAError), C(DefinitionError), C(WWNError), ...).
  returned: failure, when the library refused
  type: str
  sample: VHBAError
reason:
  description: On failure, the library's reason code, where it gives one.
  returned: failure, when the library gives one
  type: str
"""

from typing import Any

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.nodedev_xml.npiv.plugins.module_utils.common import (
    fail,
    host_argument_spec,
    host_of,
    libvirt_host_of,
    require_library,
)
from ansible_collections.nodedev_xml.npiv.plugins.module_utils.nodedev import (
    AnyHost,
    Data,
    LibraryError,
    LibvirtHost,
    parse_wwn,
    valid_name,
)

DEFINITION_KEYS = ("name", "parent", "wwnn", "wwpn", "autostart")


def argument_spec() -> dict[str, dict[str, Any]]:
    spec = host_argument_spec()
    spec.update(
        name={"type": "str", "required": True},
        state={
            "type": "str",
            "choices": ["present", "started", "stopped", "absent"],
            "default": "present",
        },
        parent={"type": "str"},
        parent_wwnn={"type": "str"},
        parent_wwpn={"type": "str"},
        parent_fabric_wwn={"type": "str"},
        wwnn={"type": "str"},
        wwpn={"type": "str"},
        autostart={"type": "bool"},
        wait_luns={"type": "raw"},
        timeout={"type": "float", "default": 30.0},
        connect={"type": "str"},
    )
    return spec


def parent_option(params: Data) -> Data | None:
    """The parent the options give, as plain data (``None``: none given)."""
    if params["parent"] is not None:
        if not params["parent"].strip():
            raise LibraryError("parent: an empty name")
        return {"name": params["parent"]}
    if params["parent_wwnn"] is not None:
        return {
            "wwnn": parse_wwn(params["parent_wwnn"], "parent_wwnn"),
            "wwpn": parse_wwn(params["parent_wwpn"], "parent_wwpn"),
        }
    if params["parent_fabric_wwn"] is not None:
        return {"fabric_wwn": parse_wwn(params["parent_fabric_wwn"], "parent_fabric_wwn")}
    return None


def wait_luns_option(value: Any) -> tuple[int | None, list[str] | None]:
    """``wait_luns`` as ``(count, None)`` or ``(None, [WWID, ...])``; ``(None, None)``: unset."""
    if value is None:
        return None, None
    if isinstance(value, bool):
        raise LibraryError(f"wait_luns: expected a number of LUNs or a list of WWIDs, got {value}")
    if isinstance(value, int) or (isinstance(value, str) and value.strip().isdigit()):
        count = int(value)
        if count < 1:
            raise LibraryError(f"wait_luns: expected at least 1 LUN, got {count}")
        return count, None
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list):
        raise LibraryError("wait_luns: expected a number of LUNs or a list of WWIDs")
    wwids = [str(w).strip() for w in items if str(w).strip()]
    if not wwids:
        raise LibraryError("wait_luns: an empty list of WWIDs")
    return None, wwids


def wanted(before: Data | None, params: Data, parent: Data | None) -> Data:
    """The definition the task asks for: the options over what is saved."""
    base: Data = before or {"parent": None, "wwnn": None, "wwpn": None, "autostart": False}
    return {
        "name": params["name"],
        "parent": parent if parent is not None else base["parent"],
        "wwnn": params["wwnn"] if params["wwnn"] is not None else base["wwnn"],
        "wwpn": params["wwpn"] if params["wwpn"] is not None else base["wwpn"],
        "autostart": params["autostart"] if params["autostart"] is not None
        else base["autostart"],
    }


def plan(state: str, before: Data | None, running: bool, want: Data | None) -> list[str]:
    """The actions, in order, that take a definition ``before`` (``None``: none), whose
    vHBA runs or not, to ``state`` with the definition ``want``."""
    if state == "absent" or want is None:
        return (["stop"] if running else []) + (["undefine"] if before is not None else [])
    redefine = before is None or want != before
    identity = before is not None and any(want[k] != before[k] for k in ("parent", "wwnn", "wwpn"))
    run_after = {"started": True, "stopped": False}.get(state, running)
    actions = []
    if running and (identity or not run_after):
        actions.append("stop")
    if redefine:
        actions.append("define")
    if run_after and (not running or identity):
        actions.append("start")
    return actions


def view(definition: Data | None, vhba: str) -> Data:
    """What the diff shows of a definition and its vHBA (``{}`` for none)."""
    if definition is None:
        return {}
    out = {k: definition[k] for k in DEFINITION_KEYS if definition[k] is not None}
    out["vhba"] = vhba
    return out


def describe(status: Data) -> str:
    if status.get("state") == "running" and "device" in status:
        return f"running as {status['device']}"
    return str(status.get("state", "absent"))


def run(module: Any, host: AnyHost) -> Data:
    """Bring the definition to the state asked for; the result for ``exit_json``.
    Raises :class:`LibraryError` for every refusal."""
    params = module.params
    name = valid_name(params["name"])
    state = params["state"]
    parent = parent_option(params)
    for key in ("wwnn", "wwpn"):
        if params[key] is not None:
            params[key] = parse_wwn(params[key], key)
    count, wwids = wait_luns_option(params["wait_luns"])
    if (count or wwids) and state != "started":
        raise LibraryError("wait_luns goes with state=started")
    if (count or wwids) and isinstance(host, LibvirtHost):
        raise LibraryError("wait_luns: not through a libvirt connection; leave connect out")

    before = host.definition(name)
    status = host.state(name) if before is not None else {"state": "absent"}
    want = wanted(before, params, parent) if state != "absent" else None
    if before is None and want is not None and want["wwpn"] is not None:
        device = host.running(name, want["wwnn"], want["wwpn"])  # a vHBA of these names
        if device is not None:
            status = {"state": "running", "device": device}
    running = status["state"] == "running"
    actions = plan(state, before, running, want)
    if want is not None and "start" in actions and "stop" not in actions:
        host.check_start(want["parent"])  # a parent that cannot take a vport fails here

    result = {"changed": bool(actions), "name": name, "actions": actions,
              "definition_file": host.path_of(name),
              "generated": before is None and want is not None and want["wwnn"] is None}
    if not module.check_mode:
        done: list[str] = []
        try:
            after = apply(host, name, actions, want, params["timeout"], done)
        except LibraryError as exc:
            exc.result = dict(result, changed=bool(done), actions=done)
            raise
        after_status = host.state(name) if after is not None else {"state": "absent"}
    else:
        after, after_status = want, predicted(status, actions, want)

    if after is not None:
        result.update({k: after[k] for k in ("wwnn", "wwpn", "autostart")})
        if after["parent"] is not None:
            result["parent"] = after["parent"]
    result["state"] = after_status["state"]
    for key in ("device", "parent_device"):
        if key in after_status:
            result[key] = after_status[key]
    if module._diff:
        result["diff"] = {
            "before": view(before, describe(status)),
            "after": view(after, describe(after_status)),
        }
    if (count or wwids) and not module.check_mode:
        try:
            result["luns"] = host.wait_luns(name, count=count, wwids=wwids,
                                            timeout=params["timeout"])
        except LibraryError as exc:
            exc.result = result  # the vHBA stays, as the task made it
            raise
    return result


def apply(
    host: AnyHost, name: str, actions: list[str], want: Data | None, timeout: float,
    done: list[str],
) -> Data | None:
    """Carry out ``actions`` on definition ``name``, adding each to ``done`` once it is
    done; return the definition saved after them."""
    after = want
    for action in actions:
        if action == "stop":
            host.stop(name)
        elif action == "define" and want is not None:
            after = host.define(name, want["parent"], want["wwnn"], want["wwpn"],
                                want["autostart"])
        elif action == "start":
            host.start(name, timeout)
        elif action == "undefine":
            host.undefine(name)
        done.append(action)
    return after


def predicted(status: Data, actions: list[str], want: Data | None) -> Data:
    """The status check mode reports: the one now, changed by ``actions``."""
    if "undefine" in actions:
        return {"state": "absent"}
    if "start" in actions:
        return {"state": "running"}
    if "stop" in actions:
        out = dict(status, state="stopped")
        out.pop("device", None)
        return out
    if status["state"] == "absent" and want is not None:
        return {"state": "stopped"}
    return status


def main() -> None:
    module = AnsibleModule(
        argument_spec=argument_spec(),
        supports_check_mode=True,
        mutually_exclusive=[
            ("parent", "parent_wwnn", "parent_fabric_wwn"),
            ("parent", "parent_wwpn", "parent_fabric_wwn"),
            ("connect", "root"),
            ("connect", "state_dir"),
        ],
        required_together=[("parent_wwnn", "parent_wwpn"), ("wwnn", "wwpn")],
    )
    require_library(module)
    host: AnyHost = (
        libvirt_host_of(module) if module.params["connect"] is not None else host_of(module)
    )
    try:
        result = run(module, host)
    except LibraryError as exc:
        fail(module, exc, name=module.params["name"])
    module.exit_json(**result)


if __name__ == "__main__":
    main()
