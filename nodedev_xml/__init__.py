"""nodedev-xml: Linux Fibre Channel HBAs and NPIV vHBAs as libvirt node-device XML.

    import nodedev_xml as nx
    inv = nx.scan(root="/")
    print(nx.to_xml(inv["scsi_host5"], profile="enriched"))

Names load lazily, so ``import nodedev_xml`` (and ``nodedev-xml --version``)
stays fast: lxml and xmlschema, and even the dataclass-based value types, are
imported on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._version import __version__
from .errors import (
    DefinitionError,
    DeviceNotFoundError,
    LibvirtConnectionError,
    MigrationError,
    NodedevXmlError,
    PCIAddressError,
    PoolError,
    SysfsError,
    ValidationError,
    VHBAError,
    WWNError,
    XMLInputError,
)

if TYPE_CHECKING:
    from .api import enrich, enrich_connection, scan, strip
    from .connection.migrate import finish_migration, migrate_vhba_pool
    from .events import Event, watch
    from .model import Device
    from .model.inventory import Inventory
    from .model.warnings import ScanWarning
    from .pciaddr import PCIAddress
    from .validation import validate
    from .vhba import CreatedVHBA, create_vhba, delete_vhba
    from .vhba.luns import Lun, LunWait, compare_wwids, host_luns, wait_for_luns, wwid_key
    from .vhba.pools import export_pool, migrate_pool
    from .vhba.rescan import rescan_host
    from .vhba.store import DefinitionStore
    from .wwn import WWN
    from .xml.create import vhba_create_xml
    from .xml.document import from_xml, to_xml

_LAZY = {
    "WWN": "nodedev_xml.wwn",
    "PCIAddress": "nodedev_xml.pciaddr",
    "scan": "nodedev_xml.api",
    "watch": "nodedev_xml.events",
    "Event": "nodedev_xml.events",
    "enrich": "nodedev_xml.api",
    "enrich_connection": "nodedev_xml.api",
    "migrate_vhba_pool": "nodedev_xml.connection.migrate",
    "finish_migration": "nodedev_xml.connection.migrate",
    "strip": "nodedev_xml.api",
    "Inventory": "nodedev_xml.model.inventory",
    "Device": "nodedev_xml.model",
    "ScanWarning": "nodedev_xml.model.warnings",
    "validate": "nodedev_xml.validation",
    "from_xml": "nodedev_xml.xml.document",
    "to_xml": "nodedev_xml.xml.document",
    "vhba_create_xml": "nodedev_xml.xml.create",
    "CreatedVHBA": "nodedev_xml.vhba",
    "create_vhba": "nodedev_xml.vhba",
    "delete_vhba": "nodedev_xml.vhba",
    "DefinitionStore": "nodedev_xml.vhba.store",
    "migrate_pool": "nodedev_xml.vhba.pools",
    "export_pool": "nodedev_xml.vhba.pools",
    "Lun": "nodedev_xml.vhba.luns",
    "LunWait": "nodedev_xml.vhba.luns",
    "host_luns": "nodedev_xml.vhba.luns",
    "wait_for_luns": "nodedev_xml.vhba.luns",
    "compare_wwids": "nodedev_xml.vhba.luns",
    "wwid_key": "nodedev_xml.vhba.luns",
    "rescan_host": "nodedev_xml.vhba.rescan",
}

__all__ = [
    "WWN",
    "CreatedVHBA",
    "DefinitionError",
    "DefinitionStore",
    "Device",
    "DeviceNotFoundError",
    "Event",
    "Inventory",
    "LibvirtConnectionError",
    "Lun",
    "LunWait",
    "MigrationError",
    "NodedevXmlError",
    "PCIAddress",
    "PCIAddressError",
    "PoolError",
    "ScanWarning",
    "SysfsError",
    "VHBAError",
    "ValidationError",
    "WWNError",
    "XMLInputError",
    "__version__",
    "compare_wwids",
    "create_vhba",
    "delete_vhba",
    "enrich",
    "enrich_connection",
    "export_pool",
    "finish_migration",
    "from_xml",
    "host_luns",
    "migrate_pool",
    "migrate_vhba_pool",
    "rescan_host",
    "scan",
    "strip",
    "to_xml",
    "validate",
    "vhba_create_xml",
    "wait_for_luns",
    "watch",
    "wwid_key",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'nodedev_xml' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
