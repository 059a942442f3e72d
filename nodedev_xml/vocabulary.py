"""One home for nodedev-xml's names and lists of allowed values.

Every layer takes these from here: the profiles, the document kinds and the
schema file of each, the capability names the command lists, what the
enrichment adds, and libvirt's node-device naming rules.  This module imports
nothing of the package, so that any layer may use it (``docs/design.md``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from typing import Final, Literal

# -- profiles ----------------------------------------------------------------

Profile = Literal["enriched", "libvirt"]
#: The XML profiles: ``enriched`` (the default) and ``libvirt`` (what libvirt prints).
PROFILES: Final[tuple[Profile, ...]] = ("enriched", "libvirt")
DEFAULT_PROFILE: Final[Profile] = "enriched"


def check_profile(profile: str) -> Profile:
    """``profile`` as a :data:`Profile`; :class:`ValueError` for anything else."""
    if profile in PROFILES:
        return profile
    expected = " or ".join(repr(p) for p in PROFILES)
    raise ValueError(f"unknown profile {profile!r}: expected {expected}")


# -- where things are -----------------------------------------------------------

#: The variable naming the default root (a directory holding ``sys/``).
ROOT_ENV: Final = "NODEDEV_XML_ROOT"
#: The variable naming the default state directory (the vHBA definitions).
STATE_DIR_ENV: Final = "NODEDEV_XML_STATE_DIR"
#: The state directory when ``$NODEDEV_XML_STATE_DIR`` is not set.
STATE_DIR: Final = "/var/lib/nodedev-xml"
#: Where the live host's lock is kept first (a tmpfs, emptied at boot).
RUN_DIR: Final = "/run/nodedev-xml"


def default_root() -> str:
    """``$NODEDEV_XML_ROOT`` when set (and not empty), else the live host ``/``."""
    return os.environ.get(ROOT_ENV) or "/"


def default_state_dir() -> str:
    """``$NODEDEV_XML_STATE_DIR`` when set (and not empty), else :data:`STATE_DIR`."""
    return os.environ.get(STATE_DIR_ENV) or STATE_DIR


# -- backends ----------------------------------------------------------------

Backend = Literal["sysfs", "udev"]
#: How a host is read: ``sysfs`` (any root) or ``udev`` (the live host through libudev).
BACKENDS: Final[tuple[Backend, ...]] = ("sysfs", "udev")


def check_backend(backend: str) -> Backend:
    """``backend`` as a :data:`Backend`; :class:`ValueError` for anything else."""
    if backend in BACKENDS:
        return backend
    raise ValueError(f"unknown backend {backend!r}; expected one of {', '.join(BACKENDS)}")

# -- document kinds and their schemas ----------------------------------------

DocumentKind = Literal["device", "create", "definition"]
#: ``device``: a node device as libvirt prints it; ``create``: what
#: ``virsh nodedev-create`` takes (no name, a parent HBA, the vHBA's own names);
#: ``definition``: a persistent vHBA definition of the state directory
#: (``<vhba name=…>``, nodedev-xml's own document, see the README).
DOCUMENT_KINDS: Final[tuple[DocumentKind, ...]] = ("device", "create", "definition")

SchemaLanguage = Literal["rng", "xsd"]
#: The schema languages: RelaxNG (lxml) and XML Schema 1.1 (xmlschema).
SCHEMA_LANGUAGES: Final[tuple[SchemaLanguage, ...]] = ("rng", "xsd")
DEFAULT_SCHEMA_LANGUAGE: Final[SchemaLanguage] = "rng"


def check_schema_language(language: str) -> SchemaLanguage:
    """``language`` as a :data:`SchemaLanguage`; :class:`ValueError` for anything else."""
    if language in SCHEMA_LANGUAGES:
        return language
    expected = " or ".join(repr(s) for s in SCHEMA_LANGUAGES)
    raise ValueError(f"unknown schema {language!r}: expected {expected}")


#: The stem of the schema file of each (document kind, profile), in ``nodedev_xml/schemas/``.
SCHEMA_STEMS: Final[dict[tuple[DocumentKind, Profile], str]] = {
    ("device", "enriched"): "nodedev",
    ("device", "libvirt"): "nodedev-libvirt",
    # A definition is nodedev-xml's own document, not a profile of libvirt's:
    # one grammar, whichever profile is asked for.
    ("definition", "enriched"): "vhba-definition",
    ("definition", "libvirt"): "vhba-definition",
}


def schema_file(profile: Profile, language: SchemaLanguage, kind: DocumentKind = "device") -> str:
    """The file name of the grammar for ``kind`` documents of ``profile`` in ``language``."""
    try:
        stem = SCHEMA_STEMS[kind, profile]
    except KeyError:
        raise ValueError(f"no {profile} grammar for {kind} documents") from None
    return f"{stem}.{language}"


# -- capability names ----------------------------------------------------------

#: The capability names ``list --cap`` takes, in the order the command shows them;
#: ``fc_host`` and ``vports`` are libvirt's pseudo-capabilities of a ``scsi_host``;
#: ``scsi`` is a SCSI device (a LUN); ``usb_device`` a USB device, ``usb`` one of its
#: interfaces, ``net`` a network interface, ``css`` and ``ccw`` an s390 subchannel and
#: CCW device, ``storage`` a disk, ``scsi_generic`` a LUN's ``sgN``; ``mdev_types`` a
#: device offering mediated devices (a PCI function, a subchannel, the AP matrix);
#: ``mdev`` a mediated device; ``ap_card``, ``ap_queue`` and ``ap_matrix`` an s390 AP
#: adapter, queue and vfio_ap's matrix device; ``drm`` a GPU's DRM node.
LIST_CAPS: Final[tuple[str, ...]] = (
    "fc_host", "vports", "scsi_host", "scsi_target", "scsi", "pci",
    "usb_device", "usb", "net", "css", "ccw", "storage", "mdev_types",
    "scsi_generic",
    "mdev",
    "ap_card", "ap_queue", "ap_matrix",
    "drm",
)  # fmt: skip
ALL_CAPS: Final[frozenset[str]] = frozenset(LIST_CAPS)


def check_caps(caps: Iterable[str]) -> frozenset[str]:
    """``caps`` as a set of :data:`LIST_CAPS` names; :class:`ValueError` naming the
    first unknown one (in sorted order)."""
    found = frozenset(caps)
    unknown = sorted(found - ALL_CAPS)
    if unknown:
        bad = unknown[0]
        raise ValueError(f"unknown capability {bad!r}; expected one of {', '.join(LIST_CAPS)}")
    return found


# -- the enrichment ----------------------------------------------------------

# The ``fc_host`` children only the enriched profile prints are declared with
# their XML mapping, in one table that serves printing and parsing:
# ``FC_HOST_FIELDS`` in ``nodedev_xml/xml/codec.py`` (``docs/design.md``).

#: Capability types only the enriched profile prints (inside ``scsi_host``).
ENRICHED_CAPABILITIES: Final[tuple[str, ...]] = ("vports", "phys_hba")
#: Elements only the enriched profile prints (inside ``scsi_host``).
ENRICHED_ELEMENTS: Final[tuple[str, ...]] = ("adapter",)

# -- libvirt's node-device names ---------------------------------------------

#: libvirt's name for the root of the node-device tree: the machine itself.
COMPUTER: Final = "computer"
#: The capability names of ``computer`` (``virsh nodedev-list --cap system`` lists it).
COMPUTER_CAPS: Final[frozenset[str]] = frozenset({"system"})
#: libvirt's UUID for a machine whose DMI data gives none.
NO_UUID: Final = "00000000-0000-0000-0000-000000000000"

#: libvirt's name for vfio_ap's matrix device (its sysname and subsystem are both
#: ``matrix``, so libvirt names it by no rule but this).
AP_MATRIX: Final = "ap_matrix"

#: What libvirt's node-device names are made of (it replaces everything else by ``_``).
NODE_DEVICE_NAME: Final = re.compile(r"[A-Za-z0-9_]{1,255}")

#: The kernel's names of devices (as ``lspci``, ``lsscsi`` and ``/sys`` show them) and
#: the node-device names libvirt gives them: ``0000:04:00.0`` (or ``04:00.0``),
#: ``host5``, ``target5:0:1``, ``5:0:1:2`` (or ``[5:0:1:2]``).
SYSFS_NAMES: Final[tuple[tuple[re.Pattern[str], str], ...]] = (
    (re.compile(r"([0-9a-f]{4}):([0-9a-f]{2}):([0-9a-f]{2})\.([0-7])", re.I), "pci_{}_{}_{}_{}"),
    (re.compile(r"([0-9a-f]{2}):([0-9a-f]{2})\.([0-7])", re.I), "pci_0000_{}_{}_{}"),
    (re.compile(r"host(\d+)"), "scsi_host{}"),
    (re.compile(r"target(\d+):(\d+):(\d+)"), "scsi_target{}_{}_{}"),
    (re.compile(r"\[?(\d+):(\d+):(\d+):(\d+)\]?"), "scsi_{}_{}_{}_{}"),
)


def is_node_device_name(name: str) -> bool:
    """``name`` is spelled as libvirt spells node-device names (letters, digits, ``_``)."""
    return NODE_DEVICE_NAME.fullmatch(name) is not None


def node_device_name(sysfs_name: str) -> str | None:
    """The node-device name of the device the kernel calls ``sysfs_name``
    (``0000:04:00.0``, ``host5``, ``target5:0:1``, ``5:0:1:2``), or ``None``."""
    for pattern, form in SYSFS_NAMES:
        m = pattern.fullmatch(sysfs_name)
        if m:
            return form.format(*(g.lower() for g in m.groups()))
    return None


def scsi_host_name(host: int) -> str:
    """``scsi_host5`` for the Scsi_Host ``host5``."""
    return f"scsi_host{host}"


def scsi_target_name(host: int, channel: int, target: int) -> str:
    """``scsi_target5_0_1`` for the SCSI target ``target5:0:1``."""
    return f"scsi_target{host}_{channel}_{target}"


def scsi_name(host: int, bus: int, target: int, lun: int) -> str:
    """``scsi_5_0_1_2`` for the SCSI device (LUN) ``5:0:1:2``."""
    return f"scsi_{host}_{bus}_{target}_{lun}"


#: libvirt's word for each SCSI peripheral device type (the ``type`` attribute of
#: a SCSI device, SPC's peripheral device type); libvirt prints no ``<type>`` for
#: the others (printer, communications, ...).
SCSI_TYPES: Final[dict[int, str]] = {
    0: "disk", 1: "tape", 3: "processor", 4: "worm", 5: "cdrom", 6: "scanner",
    7: "mod", 8: "changer", 12: "raid", 13: "enclosure",
}  # fmt: skip


def pci_name(domain: int, bus: int, slot: int, function: int) -> str:
    """``pci_0000_04_00_1`` for the PCI function ``0000:04:00.1``."""
    return f"pci_{domain:04x}_{bus:02x}_{slot:02x}_{function:x}"
