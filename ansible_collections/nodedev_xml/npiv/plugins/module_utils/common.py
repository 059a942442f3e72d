# Copyright: nodedev-xml contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the collection's modules share: the options that reach a host, and
the way a refusal of the library becomes ``fail_json``."""

from __future__ import annotations

from typing import Any, NoReturn

from ansible.module_utils.basic import missing_required_lib

from ansible_collections.nodedev_xml.npiv.plugins.module_utils.nodedev import (
    BACKENDS,
    HAS_NODEDEV_XML,
    IMPORT_ERROR,
    Host,
    LibraryError,
    LibvirtHost,
)


def host_argument_spec() -> dict[str, dict[str, Any]]:
    """The options of the ``host`` documentation fragment."""
    return {
        "root": {"type": "path"},
        "backend": {"type": "str", "choices": list(BACKENDS), "default": "sysfs"},
        "state_dir": {"type": "path"},
    }


def require_library(module: Any) -> None:
    """``fail_json`` with Ansible's missing-library message when nodedev-xml cannot
    be imported on the managed host."""
    if not HAS_NODEDEV_XML:
        module.fail_json(msg=missing_required_lib("nodedev-xml"), exception=IMPORT_ERROR)


def host_of(module: Any) -> Host:
    """The :class:`Host` the module's options name."""
    params = module.params
    try:
        return Host(params["root"], params["backend"], params["state_dir"])
    except LibraryError as exc:
        fail(module, exc)


def libvirt_host_of(module: Any) -> LibvirtHost:
    """The :class:`LibvirtHost` the module's ``connect`` option names."""
    try:
        return LibvirtHost(module.params["connect"])
    except LibraryError as exc:
        fail(module, exc)


def fail(module: Any, exc: LibraryError, **result: Any) -> NoReturn:
    """``fail_json`` with the library's one line, its error class and reason code, and
    what the task had done (``exc.result``) before it was refused."""
    result.update(exc.result)
    result.update(exc.details())
    module.fail_json(msg=exc.message, **result)
    raise AssertionError("fail_json returned")  # it exits
