"""PCI functions: ids, SR-IOV functions, bridge, IOMMU group, NUMA node, PCI Express
link, bound driver."""

from __future__ import annotations

import errno
from collections.abc import Container
from dataclasses import replace

from ...model import (
    PCI,
    Device,
    IOMMUGroup,
    MdevTypes,
    NameEntry,
    Parent,
    PCIExpress,
    PCIVpd,
    VirtFunctions,
)
from ...pciaddr import PCIAddress
from ...vocabulary import COMPUTER
from .. import pciconfig, values
from ..discovery import pci_functions
from ..pciids import PCIIds
from ..policy import ReadPolicy
from ..session import DeviceScope, ReadSession
from ..source import errname
from ..vpd import MAX_VPD_BYTES, read_vpd
from .mdev import TYPES_UNREADABLE, read_mdev_types

_VIRTFN_LIMIT = 4096
#: libvirt requires both ids: a function without them is no node device.
_IDS = ("vendor", "device")
_LEFT_OUT = "; device left out"


class PCIBuilder:
    """Builds the PCI function devices of the PCI bus (listed as it is made)."""

    def __init__(self, session: ReadSession) -> None:
        self.session = session
        self.src = session.source
        self.found = pci_functions(session)
        #: Whether every mdev type of a function could be read (libvirt lists it only then).
        self._types_whole: dict[str, bool] = {}

    def devices(self, ids: PCIIds | None) -> dict[str, Device]:
        """Every function libvirt lists (both ids, every mdev type readable), by name,
        each below the nearest function listed above it; ``ids`` names vendor and
        product."""
        built: dict[str, Device] = {}
        for name in sorted(self.found):
            dev = self.found[name]
            scope = self.session.device(name)
            device = self._device(scope, dev, ids)
            why = scope.lost(dev)
            if why is not None:
                self.session.warn(name, None, why)
                continue
            cap = device.pci
            if cap is None or cap.vendor_id is None or cap.product_id is None:
                scope.amend(_IDS, _LEFT_OUT)  # said once, with the id's own warning
                continue
            if not self._types_whole.get(name, True):
                scope.warn(None, TYPES_UNREADABLE)
                continue
            built[name] = device
        return {name: replace(d, parent=Parent(self._parent(self.found[name], built)))
                for name, d in built.items()}  # fmt: skip

    def names(self, policy: ReadPolicy) -> list[NameEntry]:
        """:meth:`devices` as names: only what decides membership is read (the two ids,
        whether the mdev types can be read)."""
        kept: dict[str, frozenset[str]] = {}
        caps = frozenset({"pci"}) & policy.caps
        for name in sorted(self.found):
            dev = self.found[name]
            scope = self.session.device(name)
            vendor_id = scope.attr(dev, "vendor", values.hex_id, optional=False)
            product_id = scope.attr(dev, "device", values.hex_id, optional=False)
            types, whole = read_mdev_types(scope, dev)
            why = scope.lost(dev)
            if why is not None:
                self.session.warn(name, None, why)
                continue
            if vendor_id is None or product_id is None:
                scope.amend(_IDS, _LEFT_OUT)
                continue
            if not whole:
                scope.warn(None, TYPES_UNREADABLE)
                continue
            mdev = "mdev_types" in policy.caps and types is not None
            kept[name] = caps | {"mdev_types"} if mdev else caps
        return [(name, self._parent(self.found[name], kept), kept[name]) for name in kept]

    def _parent(self, dev: str, listed: Container[str]) -> str:
        """The nearest function above ``dev`` that is ``listed``, else ``computer``."""
        for up in self.src.ancestors(dev):
            addr = PCIAddress.match(self.src.name(up))
            if addr is not None and addr.node_name in listed:
                return addr.node_name
        return COMPUTER

    def _device(self, scope: DeviceScope, dev: str, ids: PCIIds | None) -> Device:
        addr = PCIAddress.parse(self.src.name(dev))
        vendor_id = scope.attr(dev, "vendor", values.hex_id, optional=False)
        product_id = scope.attr(dev, "device", values.hex_id, optional=False)
        class_code = scope.attr(dev, "class", values.class_code)
        vendor_name = ids.vendor(vendor_id) if ids and vendor_id is not None else None
        product_name = (
            ids.product(vendor_id, product_id)
            if ids and vendor_id is not None and product_id is not None
            else None
        )
        phys_fn = self._function_link(scope, dev, "physfn")
        max_vfs = scope.attr(dev, "sriov_totalvfs", values.uint, may_lack=True)
        vfs: list[PCIAddress] = []
        for i in range(_VIRTFN_LIMIT):
            vf = self._function_link(scope, dev, f"virtfn{i}")
            if vf is None:
                break
            vfs.append(vf)
        virt_functions = None
        if phys_fn is None and (vfs or max_vfs):
            virt_functions = VirtFunctions(max_count=max_vfs or None, addresses=tuple(vfs))
        driver = scope.driver(dev)
        bridge, pci_express = self._config(scope, dev)
        cap = PCI(
            address=addr,
            class_code=class_code,
            product_id=product_id,
            product_name=product_name,
            vendor_id=vendor_id,
            vendor_name=vendor_name,
            phys_function=phys_fn,
            virt_functions=virt_functions,
            bridge=bridge,
            iommu_group=self._iommu_group(scope, dev, addr),
            numa_node=scope.attr(dev, "numa_node", values.numa_node, may_lack=True),
            pci_express=pci_express,
            vpd=self._vpd(scope, dev),
            mdev_types=self._mdev_types(scope, dev),
        )
        return Device(name=scope.name, path=self.src.devpath(dev), driver=driver,
                      capabilities=(cap,))  # its parent: once every function is known

    def _mdev_types(self, scope: DeviceScope, dev: str) -> MdevTypes | None:
        types, self._types_whole[scope.name] = read_mdev_types(scope, dev)
        return types


    def _config(self, scope: DeviceScope, dev: str) -> tuple[str | None, PCIExpress | None]:
        """The bridge kind and the PCI Express link, from the config space."""
        config = scope.raw(dev, "config")
        if config is None:
            return None, None
        if len(config) < pciconfig.UNPRIVILEGED_SIZE:
            # Even a reader who is not root gets the 64-byte header: this file is cut short.
            scope.warn("config", f"{len(config)} bytes, shorter than the 64-byte PCI header")
        try:
            bridge = pciconfig.bridge(config)
        except ValueError as e:
            scope.warn("config", str(e))
            bridge = None
        return bridge, pciconfig.pci_express(config)

    def _iommu_group(self, scope: DeviceScope, dev: str, addr: PCIAddress) -> IOMMUGroup | None:
        """The function's IOMMU group and its members, by address; the function
        alone when the group's ``devices`` cannot be listed (as libvirt does)."""
        try:
            group = self.src.iommu_group(dev)
        except FileNotFoundError:
            return None  # no IOMMU, or not in a group
        except ValueError as e:
            scope.warn("iommu_group", str(e))
            return None
        except OSError as e:
            if e.errno != errno.EINVAL:
                scope.failed_with(e)
            scope.warn("iommu_group", f"not a link ({errname(e)})")
            return None
        try:
            number = values.uint(group)
        except ValueError as e:
            scope.warn("iommu_group", f"{group[:40]!r}: {e}")
            return None
        try:
            entries = self.src.iommu_group_members(group)
        except OSError:
            return IOMMUGroup(number, (addr,))
        members: set[PCIAddress] = set()
        for entry in entries:
            member = PCIAddress.match(entry)
            if member is None or str(member) != entry:
                why = f"group {number} lists {entry[:40]!r}: expected PCI addresses"
                scope.warn("iommu_group", why)
                continue
            members.add(member)
        return IOMMUGroup(number, tuple(sorted(members)) or (addr,))

    def _vpd(self, scope: DeviceScope, dev: str) -> PCIVpd | None:
        """The Vital Product Data of a function that has a ``vpd`` file (see ``sysfs/vpd.py``)."""
        try:
            data = self.src.read(dev, "vpd", MAX_VPD_BYTES)
        except FileNotFoundError:
            return None  # most functions have none
        except OSError as e:  # EIO: a card whose VPD cannot be read; libvirt prints none
            scope.warn("vpd", f"unreadable ({errname(e)})")
            return None
        reading = read_vpd(data)
        for problem in reading.problems:
            scope.warn("vpd", problem)
        return reading.vpd

    def _function_link(self, scope: DeviceScope, dev: str, link: str) -> PCIAddress | None:
        """The PCI function a ``physfn`` or ``virtfnN`` link names (its last name)."""
        try:
            target = self.src.link(dev, link)
        except FileNotFoundError:
            return None
        except OSError as e:
            if e.errno != errno.EINVAL:
                scope.warn(link, f"unreadable ({errname(e)})")
            return None
        addr = PCIAddress.match(target.rpartition("/")[2])
        if addr is None:
            scope.warn(link, f"{target[:60]!r}: expected a link to a PCI function")
        return addr
