"""Fake sysfs roots, laid out the way the Linux kernel lays them out.

A *root* is a directory holding ``sys/`` (and optionally
``usr/share/misc/pci.ids``): what :func:`nodedev_xml.scan` reads in place of
``/``.  :class:`SysfsBuilder` writes one piece by piece: PCI functions (with
their bridges and SR-IOV links), Fibre Channel ports with the attribute set of
their driver's ``fc_function_template``, NPIV vports with or without their
vHBA's ``Scsi_Host``, remote ports and targets, SATA hosts and s390 zfcp
hosts.  Directories and attribute files are real; class and bus entries are
relative symlinks, as in sysfs::

    b = SysfsBuilder(tmp_path, first_host=5)
    card = b.add_pci_function("0000:04:00.0", vendor=0x1077, device=0x2532,
                              parent="0000:00:03.0", driver="qla2xxx")
    hba = b.add_fc_host(card, "qla2xxx", node_name=0x2000001B32A9DA4E,
                        port_name="21:00:00:1b:32:a9:da:4e", fabric_name=0x2001000DEC9877C1)
    b.add_vport(hba, node_name=0x2001001B32A9DA4E, port_name=0x2101001B32A9DA4E)
    b.write_pci_ids()

Every readable value ends with a newline; write-only attributes
(``vport_create``, ``scan``, ...) are empty files.  WWNs are written the
kernel's way, ``0x%llx``: lower case and not zero-padded.  Everything is
deterministic, so trees can be checked in and compared.
:func:`build_benchmark_host` writes the large benchmark host;
:func:`write_pci_ids` a small ``pci.ids`` with the real names of the devices
used here.  Only the standard library is used.

The modules, from the bottom up:

- :mod:`.values`: attribute values as files hold them, overrides, WWNs.
- :mod:`.tree`: the file writer (:class:`TreeWriter`): directories, files and
  relative links; device directories, class devices, bus entries.
- :mod:`.presets`: the driver presets (:data:`DRIVERS`) and cards (:data:`MODELS`).
- :mod:`.attributes`: what the attribute files of each kind of device hold.
- :mod:`.vpd`: PCI Vital Product Data images (:func:`vpd_image`), for a
  function's binary ``vpd`` file.
- :mod:`.specs`: the records the builder returns (``FCHostSpec``, ...).
- :mod:`.vport`: what an NPIV vport and its vHBA look like (names, rules,
  files, layout), the one description the builder and the emulator write.
- :mod:`.builder`: the layout builder, :class:`SysfsBuilder`.
- :mod:`.pciids`: the ``pci.ids`` excerpt.
- :mod:`.benchmark`: the benchmark host.
- :mod:`.udevview`: libudev on a fake root (a private mount namespace, root only).
- :mod:`.emulator`: the kernel emulator (``vport_create``, ``vport_delete``),
  writing vports with :mod:`.vport`; :mod:`.background`: the emulator in a
  background process, the root's vport files served as FIFOs.

Where coming pieces go: ``uevent`` files and ``subsystem`` links on every
device are made by :meth:`TreeWriter.device` and :meth:`TreeWriter.class_device`,
the one place each kind of directory is made, in a ``complete`` tree
(``SysfsBuilder(root, complete=True)``, and always the emulator's); a PCI function's binary
``config`` space (with its PCI Express capability) is a file of
:func:`.attributes.pci_function_files`, its ``iommu_group`` link a step of
:meth:`SysfsBuilder.add_pci_function` beside its driver binding; the kernel
emulator that plays the FC transport on a written root (``vport_create``,
``vport_delete``) is ``emulator.py`` here, writing through :class:`TreeWriter`
and :mod:`.vport` like the builder.
"""

from .attributes import (
    PCIE_DOWNSTREAM_PORT,
    PCIE_ENDPOINT,
    PCIE_RC_INTEGRATED_ENDPOINT,
    PCIE_ROOT_PORT,
    PCIE_UPSTREAM_PORT,
)
from .benchmark import build_benchmark_host
from .builder import SysfsBuilder
from .pciids import write_pci_ids
from .presets import DRIVERS, MODELS, CardModel, DriverPreset
from .specs import (
    DeviceDir,
    FCHostSpec,
    PCIeLink,
    PCIFunctionSpec,
    RemotePortSpec,
    ScsiHostSpec,
    VportSpec,
)
from .tree import TreeWriter
from .values import Overrides, WWNLike
from .vpd import vpd_image

__all__ = [
    "DRIVERS",
    "MODELS",
    "PCIE_DOWNSTREAM_PORT",
    "PCIE_ENDPOINT",
    "PCIE_RC_INTEGRATED_ENDPOINT",
    "PCIE_ROOT_PORT",
    "PCIE_UPSTREAM_PORT",
    "CardModel",
    "DeviceDir",
    "DriverPreset",
    "FCHostSpec",
    "Overrides",
    "PCIFunctionSpec",
    "PCIeLink",
    "RemotePortSpec",
    "ScsiHostSpec",
    "SysfsBuilder",
    "TreeWriter",
    "VportSpec",
    "WWNLike",
    "build_benchmark_host",
    "vpd_image",
    "write_pci_ids",
]
