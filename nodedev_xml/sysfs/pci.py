"""PCI functions the hosts sit under: ids, SR-IOV functions, bound driver."""

from __future__ import annotations

import errno
import os
import re
from dataclasses import replace

from ..model import PCI, Device, Parent, VirtFunctions
from ..pciaddr import PCIAddress
from . import values
from .hosts import HostInfo
from .pciids import PCIIds
from .reading import SysfsReader, errname

#: A driver's name (the ``driver`` link's basename): printable ASCII, no blank.
_DRIVER = re.compile(r"[!-~]{1,64}")
_VIRTFN_LIMIT = 4096


class PCIReader(SysfsReader):
    """Builds the PCI function devices the physical hosts sit under."""

    def _pci_dirs(self, hosts: dict[int, HostInfo]) -> dict[str, str]:
        """The PCI functions the physical hosts sit under, with their bridges: by name."""
        dirs: dict[str, str] = {}
        for h in hosts.values():
            if h.parent_host is not None:
                continue
            d = os.path.dirname(h.devdir)
            while d.startswith(self._devices):
                addr = PCIAddress.match(os.path.basename(d))
                if addr is not None:
                    if addr.node_name in dirs:
                        break
                    dirs[addr.node_name] = d
                d = os.path.dirname(d)
        return dirs

    def _pci_devices(self, hosts: dict[int, HostInfo]) -> dict[str, Device]:
        """The PCI functions the physical hosts sit under, with their bridges."""
        dirs = self._pci_dirs(hosts)
        if self.pci_ids is None:
            self.pci_ids = PCIIds.for_root(self.root)
        out: dict[str, Device] = {}
        for node_name in sorted(dirs):
            mark = self._begin()
            dev = self._pci_device(node_name, dirs[node_name], dirs)
            why = self._lost(mark, dirs[node_name])
            if why is not None:
                self.warn(node_name, None, why)
                continue
            cap = dev.pci
            if cap is None or cap.vendor_id is None or cap.product_id is None:
                self._left_out(mark)
                continue
            out[node_name] = dev
        return out

    def _left_out(self, mark: int) -> None:
        """libvirt requires both PCI ids; a document without them is no node device.
        Said once, with the attribute's own warning."""
        for i in range(mark, len(self.warnings)):
            w = self.warnings[i]
            if w.attribute in ("vendor", "device"):
                self.warnings[i] = replace(w, message=f"{w.message}; device left out")

    def _pci_parent(self, d: str, known: dict[str, str]) -> str:
        up = os.path.dirname(d)
        while up.startswith(self._devices):
            paddr = PCIAddress.match(os.path.basename(up))
            if paddr is not None and paddr.node_name in known:
                return paddr.node_name
            up = os.path.dirname(up)
        return "computer"

    def _pci_device(self, name: str, d: str, known: dict[str, str]) -> Device:
        addr = PCIAddress.parse(os.path.basename(d))
        vendor_id = self.attr(name, d, "vendor", values.hex_id, optional=False)
        product_id = self.attr(name, d, "device", values.hex_id, optional=False)
        class_code = self.attr(name, d, "class", values.class_code)
        ids = self.pci_ids
        vendor_name = ids.vendor(vendor_id) if ids and vendor_id is not None else None
        product_name = (
            ids.product(vendor_id, product_id)
            if ids and vendor_id is not None and product_id is not None
            else None
        )
        phys_fn = self._pci_link(name, d, "physfn")
        max_vfs = self.attr(name, d, "sriov_totalvfs", values.uint, may_lack=True)
        vfs: list[PCIAddress] = []
        for i in range(_VIRTFN_LIMIT):
            vf = self._pci_link(name, d, f"virtfn{i}")
            if vf is None:
                break
            vfs.append(vf)
        virt_functions = None
        if phys_fn is None and (vfs or max_vfs):
            virt_functions = VirtFunctions(max_count=max_vfs or None, addresses=tuple(vfs))
        driver = self._driver(name, d)
        parent = self._pci_parent(d, known)
        cap = PCI(
            address=addr,
            class_code=class_code,
            product_id=product_id,
            product_name=product_name,
            vendor_id=vendor_id,
            vendor_name=vendor_name,
            phys_function=phys_fn,
            virt_functions=virt_functions,
        )
        return Device(name=name, path=self.sys_path(d), parent=Parent(parent), driver=driver,
                      capabilities=(cap,))  # fmt: skip

    def _driver(self, name: str, d: str) -> str | None:
        """The bound driver's name: the basename of the ``driver`` link, which is
        never followed (where it points does not matter, its last name does)."""
        try:
            target = self.fs.readlink(os.path.join(d, "driver"))
        except FileNotFoundError:
            return None  # no driver bound
        except OSError as e:
            if self._failed is None:
                self._failed = e.errno or errno.EIO
            self.warn(name, "driver", f"not a link ({errname(e)})")
            return None
        driver = os.path.basename(target)
        if not _DRIVER.fullmatch(driver) or driver in (".", ".."):
            self.warn(name, "driver", f"{driver[:40]!r}: expected a driver name")
            return None
        return driver

    def _pci_link(self, name: str, d: str, link: str) -> PCIAddress | None:
        try:
            target = self.fs.readlink(os.path.join(d, link))
        except FileNotFoundError:
            return None
        except OSError as e:
            if e.errno != errno.EINVAL:
                self.warn(name, link, f"unreadable ({errname(e)})")
            return None
        addr = PCIAddress.match(os.path.basename(target))
        if addr is None:
            self.warn(name, link, f"{target[:60]!r}: expected a link to a PCI function")
        return addr
